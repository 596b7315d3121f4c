"""Benchmark: one logged sortie's flown track -> POD on the mission grid
(sar_planner.probability.logged.sortie_pod), as the Probability page does for every sortie.

A 6 km x 6 km lawn-mower (60 legs, W = 100 m) flown with a fix every 2 m and 1.5 m of white GPS
noise, thinned as the logbook stores it (at most 5,000 points), on a 100 x 100 grid of 60 m.
Prints the time and its ratio to a 0.3-second budget per sortie (ten sorties in 3 s).

    python3 scripts/bench_logged.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
from pyproj import CRS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sar_planner.geo import from_local  # noqa: E402
from sar_planner.grid import Grid  # noqa: E402
from sar_planner.flown_plan import FlownPlan  # noqa: E402
from sar_planner.logbook.tracks import track_geojson  # noqa: E402
from sar_planner.probability.logged import FlownSortie, sortie_pod  # noqa: E402

BUDGET_S = 0.3


def lawnmower_fixes(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's flown fixes (x, y metres, UTM 46N): 60 legs of 6 km, 100 m apart, a fix
    every 2 m, 1.5 m of white GPS noise (also used by bench_replay_masking.py)."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(60):
        x = np.arange(0.0, 6000.0, 2.0)
        xs.append(500_000 + (x[::-1] if k % 2 else x))
        ys.append(np.full(len(x), 4_000_050.0 + 100.0 * k))
    x = np.concatenate(xs) + rng.normal(0, 1.5, sum(map(len, xs)))
    y = np.concatenate(ys) + rng.normal(0, 1.5, len(x))
    return x, y


def main() -> None:
    grid = Grid.from_bounds(CRS.from_epsg(32646), 500_000, 4_000_000, 506_000, 4_006_000, 60)
    x, y = lawnmower_fixes()
    lat, lon = from_local(x, y, grid.crs)
    track = track_geojson([list(zip(lon.tolist(), lat.tolist(), strict=True))])
    plan = FlownPlan("bench", (((94.9, 36.1, float("nan")), (94.91, 36.1, float("nan"))),),
                     sweep_width_m=100.0).to_json()
    sortie = FlownSortie(1, dt.datetime(2026, 7, 1, tzinfo=dt.UTC), track, plan)
    t0 = time.perf_counter()
    _, _, pod = sortie_pod(sortie, grid)
    took = time.perf_counter() - t0
    print(f"{len(track['coordinates'])} stored fixes -> POD on {grid.shape}: {took:.3f} s, "
          f"ratio to budget {took / BUDGET_S:.2f}, mean POD {pod.mean():.3f}")


if __name__ == "__main__":
    main()
