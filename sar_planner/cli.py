"""The ``sar-planner`` command line: the scriptable face of the same core as the app.

Each sub-command lives in its own module in :mod:`sar_planner.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int`` as the handler.
Results that scripts read are printed to standard output as JSON; messages go to standard error.
A :class:`~sar_planner.errors.SarPlannerError` ends the command with exit status 2 and its message,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

import sar_planner.commands
from sar_planner import __version__
from sar_planner.errors import SarPlannerError, redact_secrets

__all__ = ["main", "build_parser", "print_json"]


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (UTF-8, keys in insertion order) to standard output."""
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every sub-command module registered."""
    parser = argparse.ArgumentParser(
        prog="sar-planner",
        description="Search-and-rescue planning and logging (Qaidam Basin police aviation unit).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(sar_planner.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"sar_planner.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except SarPlannerError as exc:
        print(f"sar-planner: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # keep Python's flush at exit quiet
        return 0
    except Exception as exc:  # an unexpected fault: one line, no traceback, unless debugging
        if os.environ.get("SAR_PLANNER_DEBUG"):
            raise
        print(f"sar-planner: internal error ({type(exc).__name__}: {redact_secrets(str(exc))}). "
              "Set SAR_PLANNER_DEBUG=1 to see the details and report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
