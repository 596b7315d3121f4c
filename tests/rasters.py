"""Small GeoTIFFs for tests: an array on a mission grid as the bytes an upload would carry."""

from __future__ import annotations

import numpy as np

from sar_planner.grid import Grid


def grid_geotiff_bytes(grid: Grid, values: np.ndarray) -> bytes:
    """``values`` (float64, ``grid.shape``) as a single-band GeoTIFF on ``grid`` (its CRS and
    transform), e.g. a sortie's POD map."""
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=grid.shape[1], height=grid.shape[0], count=1,
                      dtype="float64", crs=grid.crs, transform=grid.transform) as dst:
            dst.write(np.asarray(values, dtype=np.float64), 1)
        return mem.read()
