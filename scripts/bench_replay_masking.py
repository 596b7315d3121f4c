"""Benchmark: one logged sortie's POD with terrain masking (line of sight + steep faces) against
the flat swath, on the same track and grid (sar_planner.probability.logged.sortie_pod).

A 6 km x 6 km lawn-mower (60 legs, W = 100 m, a fix every 2 m thinned to 5,000 stored fixes,
1.5 m of GPS noise) flown 80 m above the ground under it (terrain following), across synthetic
ridges 300 m high and 1.2 km apart (slopes up to 38 degrees) on a 100 x 100 grid of 60 m (and a 400
x 400 grid of 15 m). Prints the times and
the masked run's time as a ratio to the flat swath's in the same run, and the share of swept
cells that the ridges hide.

    python3 scripts/bench_replay_masking.py
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
from sar_planner.probability.logged import FlownSortie, sortie_pod  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_logged import lawnmower_fixes  # noqa: E402


def _run(cell: float) -> None:
    grid = Grid.from_bounds(CRS.from_epsg(32646), 500_000, 4_000_000, 506_000, 4_006_000, cell)
    xc, _ = np.meshgrid(grid.x_centres() - 500_000, grid.y_centres())
    def ground(x_m: np.ndarray) -> np.ndarray:
        return 3000.0 + 150.0 * (1.0 + np.sin(2 * np.pi * x_m / 1200.0))

    elevation = ground(xc)
    x, y = lawnmower_fixes()  # the same flown track as bench_logged.py
    lat, lon = from_local(x, y, grid.crs)
    step = -(-len(x) // 5000)
    alt = ground(x[::step] - 500_000) + 80.0
    coords = [[round(float(a), 7), round(float(b), 7), round(float(h), 1)]
              for a, b, h in zip(lon[::step], lat[::step], alt, strict=True)]
    plan = FlownPlan("bench", (((94.9, 36.1, float("nan")), (94.91, 36.1, float("nan"))),),
                     sweep_width_m=100.0).to_json()
    sortie = FlownSortie(1, dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
                         {"type": "LineString", "coordinates": coords}, plan)
    t0 = time.perf_counter()
    flat = sortie_pod(sortie, grid)
    t1 = time.perf_counter()
    masked = sortie_pod(sortie, grid, elevation=elevation)
    t2 = time.perf_counter()
    swept = flat.pod > 0
    hidden = float(np.mean(masked.pod[swept] == 0))
    print(f"{len(coords)} fixes on {grid.shape} ({cell:g} m): flat {t1 - t0:.3f} s, masked "
          f"{t2 - t1:.3f} s, ratio {(t2 - t1) / (t1 - t0):.2f}; {masked.masking}; "
          f"{hidden:.1%} of swept cells hidden")


if __name__ == "__main__":
    _run(60.0)
    _run(15.0)
