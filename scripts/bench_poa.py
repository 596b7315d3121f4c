"""Benchmark: ``sar-planner poa --model terrain`` against scikit-image's MCP_Geometric (issue 12).

On the real 15" GEBCO 2023 grid of the eastern Pamir (../shared/terrain or terrain/), the poa
command's grid (``--radius-km`` 30, ``--resolution`` 30: 2,000 x 2,000 cells in the local UTM
zone) is loaded once here, and in each round, interleaved:

* ``mcp``: ``skimage.graph.MCP_Geometric(cost).find_costs([ipp])`` on that grid (8 neighbours,
  isotropic cost = the Tobler effort factor of each cell's slope, as scripts/bench_probability.py),
  this process's CPU time: the reference;
* ``map``: the terrain-model map alone (:func:`~sar_planner.probability.terrain_map`, 16
  neighbours, on the loaded elevation), this process's CPU time; target <= 0.3 x mcp;
* ``map_on_terrain``: load the DEM onto the grid and build the map, as the page and the command
  do (:func:`~sar_planner.probability.map_on_terrain`), this process's CPU time;
* ``process``: the whole ``python -m sar_planner poa --model terrain ...`` process (start-up,
  load, map, GeoTIFF), the child's CPU time (``RUSAGE_CHILDREN``); target <= 0.5 x mcp.

Prints each case's median ratio to the mcp time of the same round, with the lowest and highest
over the rounds. Not a test: ``python3 scripts/bench_poa.py [--rounds 5] [--radius-km 30]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sar_planner.geo import to_local  # noqa: E402
from sar_planner.probability import (RadialDistribution, TerrainOptions, map_on_terrain,  # noqa: E402
                                     terrain_map)
from sar_planner.subjects import quartiles_for  # noqa: E402
from sar_planner.terrain import grid_around, load_terrain, slope_aspect  # noqa: E402

DEM_NAME = "pamir_kashgar_gebco2023_15arcsec.tif"


def _cpu_child(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, cwd=REPO,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cpu(fn) -> tuple[float, object]:
    c0 = time.process_time()
    out = fn()
    return time.process_time() - c0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lat", type=float, default=38.30, help="IPP latitude (default: Karakul area)")
    ap.add_argument("--lon", type=float, default=75.05, help="IPP longitude")
    ap.add_argument("--radius-km", type=float, default=30.0, help="half-width (default 30 km)")
    ap.add_argument("--resolution", type=float, default=30.0, help="cell size, m (default 30)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    dem = next((p for p in (REPO.parent / "shared" / "terrain" / DEM_NAME,
                            REPO / "terrain" / DEM_NAME) if p.exists()), None)
    if dem is None:
        print(f"{DEM_NAME} not found in ../shared/terrain or terrain/", file=sys.stderr)
        return 1
    radius = args.radius_km * 1000.0
    grid = grid_around(args.lat, args.lon, radius, args.resolution)
    z = np.asarray(load_terrain([dem], grid, allow_partial=True, allow_voids=True).elevation)
    x, y = to_local(args.lat, args.lon, grid.crs)
    r, c = (int(v) for v in grid.rowcol(x, y))
    slope_deg, _ = slope_aspect(z, grid.cell_size)
    cost = np.exp(3.5 * np.abs(np.tan(np.radians(np.nan_to_num(slope_deg)))))
    dist = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))
    print(f"DEM {dem.name} on {grid.shape[0]} x {grid.shape[1]} cells of {grid.cell_size:g} m "
          f"({grid.crs.to_string()})")

    from skimage.graph import MCP_Geometric

    # warm up (numba's compiled-code cache, GDAL) before timing
    map_on_terrain([str(dem)], args.lat, args.lon, 2000.0, args.resolution, subject="hiker",
                   model="terrain")
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "poa.tif")
        cmd = [sys.executable, "-m", "sar_planner", "poa", "--terrain", str(dem),
               "--ipp", f"{args.lat},{args.lon}", "--subject", "hiker", "--model", "terrain",
               "--radius-km", f"{args.radius_km:g}", "--resolution", f"{args.resolution:g}",
               "--out", out]
        ratios: dict[str, list[float]] = {"map": [], "map_on_terrain": [], "process": []}
        refs: list[float] = []
        for _ in range(args.rounds):
            ref, _ = _cpu(lambda: MCP_Geometric(cost).find_costs([(r, c)]))
            refs.append(ref)
            t, _ = _cpu(lambda: terrain_map(grid, z, float(x), float(y), dist,
                                            options=TerrainOptions()))
            ratios["map"].append(t / ref)
            t, mm = _cpu(lambda: map_on_terrain([str(dem)], args.lat, args.lon, radius,
                                                args.resolution, subject="hiker",
                                                model="terrain"))
            ratios["map_on_terrain"].append(t / ref)
            ratios["process"].append(_cpu_child(cmd) / ref)
    print(f"reference MCP_Geometric: median {statistics.median(refs):.3f} s CPU "
          f"({min(refs):.3f}-{max(refs):.3f}), {args.rounds} rounds")
    targets = {"map": 0.3, "process": 0.5}
    for k, v in ratios.items():
        goal = f" (target <= {targets[k]})" if k in targets else ""
        print(f"{k:15s} {statistics.median(v):.2f} x MCP (rounds {min(v):.2f}-{max(v):.2f}){goal}")
    print(f"map_on_terrain: cells + ROW = {mm.poa.poa.sum() + mm.poa.row:.12f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
