"""Benchmark: a 25 km^2 segment planned, terrain-followed and its POD rasterised.

Target (issue 4): re-planning after a parameter change must feel instant, well under a second.
Prints the time of each step and its ratio to that one-second budget. Uses the bundled SYNTHETIC
30 m Kunlun demo terrain (its relief is what matters here, not its truth).

    python3 scripts/bench_planning.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from shapely.geometry import box

from sar_planner.assets import get_asset
from sar_planner.coverage import plan_coverage, pod_from_coverage, sortie_pos
from sar_planner.flightpath import build_plan
from sar_planner.geo import to_local
from sar_planner.patterns import parallel_track
from sar_planner.sweep import effective_sweep_width, track_spacing
from sar_planner.terrain import grid_around, load_terrain

DEM = Path(__file__).resolve().parent.parent / "terrain" / "kunlun_golmud_demo_30m_SYNTHETIC.tif"


_CPU: list[float] = []


def _time(fn, repeat: int = 3):
    """Best wall time of ``repeat`` runs (and its CPU time in _CPU: less affected by load)."""
    best, out, cpu = float("inf"), None, 0.0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    _CPU.append(cpu)
    return best, out


def main() -> None:
    grid = grid_around(36.10, 94.85, 4000.0, 30.0)
    terrain = load_terrain([str(DEM)], grid)
    x, y = to_local(36.10, 94.85, grid.crs)
    x, y = float(x), float(y)
    area = box(x - 2500, y - 2500, x + 2500, y + 2500)  # 25 km^2
    home = (x - 2600.0, y - 2600.0)
    poa = np.full(grid.shape, 1.0 / (grid.shape[0] * grid.shape[1]))
    # warm the compiled parts once (numba cache, imports)
    asset = get_asset("m350-h20t")
    sw = effective_sweep_width(asset, 100.0, "night")
    warm = parallel_track(box(x - 300, y - 300, x + 300, y + 300), sw.width_m)
    build_plan(terrain, warm, asset, sw, 100.0)
    print(f"segment {area.area / 1e6:.1f} km^2, terrain {grid.shape[0]}x{grid.shape[1]} cells "
          f"of {grid.cell_size:.0f} m (SYNTHETIC demo)")
    for agl, light in ((100.0, "night"), (120.0, "night"), (70.0, "night")):
        sw = effective_sweep_width(asset, agl, light)
        spacing = track_spacing(sw.width_m)
        _CPU.clear()
        t_pat, track = _time(lambda: parallel_track(area, spacing, start_xy=home))
        t_plan, res = _time(lambda: build_plan(terrain, track, asset, sw, agl, home_xy=home), 2)
        t_pod, pod = _time(lambda: pod_from_coverage(plan_coverage(res.plan, grid)))
        total = t_pat + t_plan + t_pod
        cpu = sum(_CPU)
        print(f"AGL {agl:.0f} m {light}: W = S = {spacing:.1f} m, {len(track.search_legs())} legs, "
              f"{track.length_m / 1000:.0f} km, {len(res.plan.sorties)} sorties, "
              f"{len(res.plan.waypoints)} waypoints, min clearance {res.plan.min_clearance_m:.1f} m")
        print(f"  pattern {t_pat * 1000:7.1f} ms | terrain follow + sorties {t_plan * 1000:7.1f} ms"
              f" | POD raster {t_pod * 1000:7.1f} ms | total {total * 1000:7.1f} ms"
              f" = {total:.2f} x the 1 s budget (CPU {cpu * 1000:.0f} ms; load average "
              f"{os.getloadavg()[0]:.1f}); POS (uniform POA) {sortie_pos(poa, pod):.4f}")


if __name__ == "__main__":
    main()
