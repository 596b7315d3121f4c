"""Benchmark: a flown log measured against its plan (sar_planner.flown_coverage.compare_flown).

A crew waits for this on the logbook page after attaching two files: it should take well under
a few seconds for a real log. The plan is the test lawn-mower (1,500 m x 1,200 m, 12 legs of
W = S = 100 m); the logs fly it with a fix every 20 m (clean), and every 2 m and 0.5 m with 1.5 m
of white GPS noise (much worse than a real receiver, whose noise is correlated in time and so
simplifies away). Prints each time and its ratio to a 2-second budget.

    python3 scripts/bench_flown.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sar_planner.formats.tracks import FlownTrack  # noqa: E402
from sar_planner.flown_coverage import compare_flown  # noqa: E402
from tests.coverage_visibility.test_flown import flown_lawnmower, lawnmower  # noqa: E402

BUDGET_S = 2.0


def main() -> None:
    plan = lawnmower()
    rng = np.random.default_rng(1)
    for step, noise_m in ((20.0, 0.0), (2.0, 1.5), (0.5, 1.5)):
        track = flown_lawnmower(step=step)
        if noise_m:
            pts = tuple(p._replace(lat=p.lat + rng.normal(0, noise_m / 111_000),
                                   lon=p.lon + rng.normal(0, noise_m / 90_000))
                        for p in track.points)
            track = FlownTrack("noisy.gpx", "gpx", pts)
        t0 = time.perf_counter()
        report = compare_flown(plan, track)
        dt = time.perf_counter() - t0
        print(f"{len(track.points):>7} fixes, step {step:>4} m, noise {noise_m} m: {dt:6.2f} s "
              f"(ratio to budget {dt / BUDGET_S:.2f}), achieved POD {report.achieved_pod:.4f}")


if __name__ == "__main__":
    main()
