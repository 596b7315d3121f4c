"""Benchmark: CPU time of ``sar-planner`` start-up against importing numpy and pyproj (issue 12).

Target: ``sar-planner --help`` and every command's start-up (``sar-planner COMMAND --help``: the
CLI imported, every parser built, the command's options parsed) take at most 2 x the CPU time of
``python -c "import numpy, pyproj"``. Each round runs the reference and every case once, in turn
(interleaved, so the load of a shared machine falls on both alike); CPU time is the child's user +
system time (``resource.getrusage(RUSAGE_CHILDREN)``), not wall time. Prints, per case, the median
ratio to the reference measured in the same round, and the lowest and highest ratio over rounds.

Run (after pip install -e .): python3 scripts/bench_startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = [sys.executable, "-c", "import numpy, pyproj"]
#: start-up of the bare command and of each command (``--help`` stops right after parsing)
COMMANDS = ["", "terrain", "poa", "update", "mapscore", "assets", "plan", "pod", "formats",
            "flown", "log", "db", "pod-maps", "serve"]


def _cpu(cmd: list[str]) -> float:
    """User + system CPU seconds of one run of ``cmd`` (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    rounds = ap.parse_args().rounds
    ratios: dict[str, list[float]] = {c: [] for c in COMMANDS}
    refs: list[float] = []
    for _ in range(rounds):
        for c in COMMANDS:
            ref = _cpu(REFERENCE)  # the reference next to every case: interleaved
            cmd = [sys.executable, "-m", "sar_planner", *([c] if c else []), "--help"]
            ratios[c].append(_cpu(cmd) / ref)
            refs.append(ref)
    print(f"reference `import numpy, pyproj`: median {statistics.median(refs):.3f} s CPU "
          f"({min(refs):.3f}-{max(refs):.3f}), {rounds} rounds")
    worst = 0.0
    for c in COMMANDS:
        r = ratios[c]
        med = statistics.median(r)
        worst = max(worst, med)
        print(f"sar-planner {c + ' ' if c else ''}--help: {med:.2f} x reference "
              f"(rounds {min(r):.2f}-{max(r):.2f})")
    print(f"worst median ratio {worst:.2f} (target <= 2.00): {'MET' if worst <= 2.0 else 'NOT MET'}")


if __name__ == "__main__":
    main()
