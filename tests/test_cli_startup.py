"""Command start-up stays light (issue 12): building the ``sar-planner`` parser and parsing any
command's options imports none of the heavy libraries; each command imports what it needs when it
runs. The CPU-time target (at most 2 x ``import numpy, pyproj``) is measured by
``scripts/bench_startup.py``, not here (no timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: libraries that cost 0.1-1 s of CPU each to import; none belongs in start-up
HEAVY = ("numpy", "scipy", "numba", "rasterio", "shapely", "pyproj", "sqlalchemy", "alembic",
         "pandas", "streamlit", "argon2", "matplotlib", "openpyxl", "plotly", "PIL")

#: one valid command line per command (parsed only, never run)
COMMAND_LINES = [
    ["terrain", "info", "dem.tif"],
    ["poa", "--terrain", "dem.tif", "--ipp", "36.1,94.85", "--subject", "hiker", "--out", "p.tif"],
    ["update", "--poa", "p.tif", "--pod", "d.tif", "--out", "n.tif"],
    ["mapscore", "--poa", "p.tif", "--find", "36.1,94.85"],
    ["assets"],
    ["plan", "--terrain", "dem.tif", "--datum", "36.1,94.85", "--asset", "x",
     "--pattern", "sector", "--out", "a.plan"],
    ["pod", "--poa", "p.tif", "--track", "t.gpx", "--asset", "x", "--out", "d.tif"],
    ["formats", "list"],
    ["flown", "--plan", "p.geojson", "--track", "t.gpx"],
    ["log", "stats"],
    ["db", "backup", "--out", "b.db"],
    ["pod-maps", "list", "--incident", "1"],
    ["serve"],
]

_PROBE = """
import json, sys
from sar_planner.cli import build_parser
parser = build_parser()
for argv in json.loads(sys.argv[1]):
    args = parser.parse_args(argv)
    assert callable(args.func), argv
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[2]))))
"""


def _loaded(lines: list[list[str]]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(lines), json.dumps(HEAVY)],
                         capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    return json.loads(out.stdout)


def test_parser_and_every_command_line_import_no_heavy_library():
    # the subject keys for --subject must be real: 'hiker' is a category of subjects.toml
    assert _loaded(COMMAND_LINES) == []


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["poa", "--help"]])
def test_help_runs_without_heavy_libraries(argv):
    code = ("import runpy, sys; sys.argv = ['sar-planner', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('sar_planner', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            f"print('MODULES', sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=120)
    assert "usage: sar-planner" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "MODULES []"


def test_pattern_names_are_the_patterns_the_planner_flies():
    from sar_planner import pattern_names, patterns

    assert patterns.PATTERNS is pattern_names.PATTERNS
    assert patterns.AREA_PATTERNS is pattern_names.AREA_PATTERNS
    assert patterns.DATUM_PATTERNS is pattern_names.DATUM_PATTERNS
