"""Benchmark: a 25 km^2 segment planned, terrain-followed and its POD rasterised.

Target (issue 4): re-planning after a parameter change must feel instant, well under a second.
Prints the time of each step and its ratio to that one-second budget. Uses the bundled SYNTHETIC
30 m Kunlun demo terrain (its relief is what matters here, not its truth).

The POD raster is timed three ways: the plain swath (no terrain), the old terrain rule (steep
faces turned away only) and what the plan page computes now, with line of sight from the plan's
3D path (plan_coverage with terrain); the total counts the last. The helicopter line (H125 by
day, a sweep width of about 3 km) is the worst case for line of sight: sight lines up to W / 2.

    python3 scripts/bench_planning.py
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from shapely.geometry import box

# this checkout's package, not whichever sar_planner is installed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sar_planner.assets import get_asset  # noqa: E402
from sar_planner.coverage import (mask_hidden, plan_coverage, plan_runs, pod_from_coverage,  # noqa: E402
                                  sortie_pos)
from sar_planner.flightpath import build_plan  # noqa: E402
from sar_planner.geo import to_local  # noqa: E402
from sar_planner.patterns import parallel_track  # noqa: E402
from sar_planner.sweep import effective_sweep_width, track_spacing  # noqa: E402
from sar_planner.terrain import grid_around, load_terrain  # noqa: E402

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


def _flat_masked(plan, grid, terrain, runs):
    """The coverage masked by steep faces only (no line of sight): the cheaper rule, for the ratio."""
    return mask_hidden(plan_coverage(plan, grid), grid, terrain, runs, line_of_sight=False)


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
    cases = [(asset, 100.0, "night"), (asset, 120.0, "night"), (asset, 70.0, "night"),
             (get_asset("h125"), 150.0, "day")]
    for craft, agl, light in cases:
        sw = effective_sweep_width(craft, agl, light)
        spacing = track_spacing(sw.width_m)
        _CPU.clear()
        t_pat, track = _time(partial(parallel_track, area, spacing, start_xy=home))
        t_plan, res = _time(partial(build_plan, terrain, track, craft, sw, agl, home_xy=home), 2)
        t_flat, flat = _time(partial(plan_coverage, res.plan, grid))
        runs = plan_runs(res.plan, grid.crs)
        t_old, old = _time(partial(_flat_masked, res.plan, grid, terrain, runs))
        t_pod, cov = _time(partial(plan_coverage, res.plan, grid, terrain=terrain))
        pod = pod_from_coverage(cov)
        total = t_pat + t_plan + t_pod
        cpu = _CPU[0] + _CPU[1] + _CPU[4]
        hidden = int(np.sum((old > 0) & (cov == 0)))
        print(f"{craft.id} AGL {agl:.0f} m {light}: W = S = {spacing:.1f} m, "
              f"{len(track.search_legs())} legs, "
              f"{track.length_m / 1000:.0f} km, {len(res.plan.sorties)} sorties, "
              f"{len(res.plan.waypoints)} waypoints, min clearance {res.plan.min_clearance_m:.1f} m")
        print(f"  pattern {t_pat * 1000:7.1f} ms | terrain follow + sorties {t_plan * 1000:7.1f} ms"
              f" | POD raster {t_pod * 1000:7.1f} ms | total {total * 1000:7.1f} ms"
              f" = {total:.2f} x the 1 s budget (CPU {cpu * 1000:.0f} ms; load average "
              f"{os.getloadavg()[0]:.1f}); POS (uniform POA) {sortie_pos(poa, pod):.4f}")
        print(f"  POD raster: plain swath {t_flat * 1000:6.1f} ms | steep faces only (the old rule)"
              f" {t_old * 1000:6.1f} ms | with line of sight {t_pod * 1000:6.1f} ms"
              f" = {t_pod / t_old:.2f} x the old; {hidden} of {int(np.sum(flat > 0))} swept cells"
              f" hidden by ridges; POS flat {sortie_pos(poa, pod_from_coverage(flat)):.4f},"
              f" old {sortie_pos(poa, pod_from_coverage(old)):.4f}")


if __name__ == "__main__":
    main()
