"""Benchmark: what overviews and windowed reads buy when loading terrain (prints ratios).

Makes a 6000 x 6000 int16 GeoTIFF (30 m, about 72 MB) in a temporary folder, with and without
overviews, and times load_terrain for a coarse overview grid and a mission-sized fine grid.
Run (after pip install -e .): python3 scripts/bench_terrain.py
"""

from __future__ import annotations

import tempfile
import sys
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

# this checkout's package, not whichever sar_planner is installed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sar_planner.geo import utm_crs  # noqa: E402
from sar_planner.grid import Grid  # noqa: E402
from sar_planner.terrain import load_terrain  # noqa: E402


def _make(path: Path, overviews: bool) -> None:
    rng = np.random.default_rng(1)
    z = (3000 + np.cumsum(rng.normal(0, 1, (6000, 6000)), axis=1) / 10).astype(np.int16)
    with rasterio.open(path, "w", driver="GTiff", width=6000, height=6000, count=1, dtype="int16",
                       crs=utm_crs(36.4, 94.9), transform=Affine(30, 0, 400000, 0, -30, 4100000),
                       tiled=True, blockxsize=256, blockysize=256, compress="deflate") as dst:
        dst.write(z, 1)
        if overviews:
            dst.build_overviews([2, 4, 8, 16, 32])


def _time(path: Path, grid: Grid, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        load_terrain([path], grid)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    crs = utm_crs(36.4, 94.9)
    coarse = Grid.from_bounds(crs, 401000, 3921000, 579000, 4099000, 180.0)  # 989 cells a side
    fine = Grid.from_bounds(crs, 480000, 4000000, 490000, 4010000, 30)  # a 10 km mission at 30 m
    with tempfile.TemporaryDirectory() as tmp:
        plain, ovr = Path(tmp) / "plain.tif", Path(tmp) / "ovr.tif"
        _make(plain, overviews=False)
        _make(ovr, overviews=True)
        t_plain, t_ovr = _time(plain, coarse), _time(ovr, coarse)
        t_fine = _time(ovr, fine)
    print(f"coarse grid {coarse.shape}: without overviews / with overviews = {t_plain / t_ovr:.1f}x")
    print(f"mission grid {fine.shape} / coarse grid with overviews = {t_fine / t_ovr:.2f}x")


if __name__ == "__main__":
    main()
