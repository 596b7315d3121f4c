"""POA maps as GeoTIFF: float64, in the mission's metric CRS, ROW in a GeoTIFF tag named ``ROW``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.errors import RasterioIOError

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.maps import ProbabilityMap, same_grid

#: Deflate level of POA GeoTIFFs: level 1 writes a 2,000 x 2,000 map in half the CPU time of the
#: default 6 for a file 0.2 % larger (float predictor; the values are the same either way).
_ZLEVEL = 1

__all__ = ["write_poa_geotiff", "poa_geotiff_bytes", "read_poa_geotiff", "read_grid_raster",
           "read_pod_on", "read_pod_bytes"]


def write_poa_geotiff(path: str | Path, pm: ProbabilityMap,
                      tags: Mapping[str, str] | None = None) -> None:
    """Write ``pm`` as a single-band float64 GeoTIFF (deflate) with tag ``ROW`` (and ``tags``)."""
    path = Path(path)
    try:
        with rasterio.open(path, "w", driver="GTiff", width=pm.grid.shape[1],
                           height=pm.grid.shape[0], count=1, dtype="float64", crs=pm.grid.crs,
                           transform=pm.grid.transform, compress="deflate", predictor=3,
                           zlevel=_ZLEVEL) as dst:
            dst.write(pm.poa, 1)
            dst.update_tags(ROW=repr(pm.row), QUANTITY="probability of area per cell",
                            **dict(tags or {}))
    except (RasterioIOError, OSError) as exc:
        raise ProbabilityError("probability.err_write", file=str(path), reason=str(exc)) from None


def poa_geotiff_bytes(pm: ProbabilityMap, tags: Mapping[str, str] | None = None) -> bytes:
    """The GeoTIFF of :func:`write_poa_geotiff` as bytes (for a download button)."""
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=pm.grid.shape[1], height=pm.grid.shape[0], count=1,
                      dtype="float64", crs=pm.grid.crs, transform=pm.grid.transform,
                      compress="deflate", predictor=3,
                      zlevel=_ZLEVEL) as dst:
            dst.write(pm.poa, 1)
            dst.update_tags(ROW=repr(pm.row), QUANTITY="probability of area per cell",
                            **dict(tags or {}))
        return mem.read()


def read_grid_raster(path: str | Path, display_name: str | None = None
                     ) -> tuple[Grid, np.ndarray, dict[str, str]]:
    """(grid, band 1 as float64, tags) of a north-up, square-celled raster in a metric CRS.

    ``display_name`` names the file in messages (default: the path's file name).
    """
    name = display_name or Path(path).name
    try:
        with rasterio.open(path) as src:
            if src.crs is None or not src.crs.is_projected:
                raise ProbabilityError("probability.err_raster_crs", file=name)
            try:
                grid = Grid(CRS.from_user_input(src.crs.to_wkt()), src.transform,
                            (src.height, src.width))
            except Exception:  # noqa: BLE001 - any grid refusal is the same message here
                raise ProbabilityError("probability.err_raster_grid", file=name) from None
            data = src.read(1).astype(np.float64)
            nodata = src.nodata
            tags = dict(src.tags())
    except RasterioIOError:
        raise ProbabilityError("probability.err_read", file=name) from None
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        data[data == nodata] = np.nan
    return grid, data, tags


def read_poa_geotiff(path: str | Path) -> ProbabilityMap:
    """Read a map written by :func:`write_poa_geotiff` (its ``ROW`` tag is required)."""
    grid, data, tags = read_grid_raster(path)
    try:
        row = float(tags["ROW"])
    except (KeyError, ValueError):
        raise ProbabilityError("probability.err_no_row", file=Path(path).name) from None
    return ProbabilityMap(grid, data, row)


def read_pod_bytes(data: bytes, name: str, grid: Grid) -> np.ndarray:
    """:func:`read_pod_on` for an uploaded file's bytes (``name`` is used in messages)."""
    from rasterio.io import MemoryFile

    try:
        with MemoryFile(data) as mem:
            return read_pod_on(mem.name, grid, display_name=name)
    except RasterioIOError:
        raise ProbabilityError("probability.err_read", file=name) from None


def read_pod_on(path: str | Path, grid: Grid, display_name: str | None = None) -> np.ndarray:
    """A POD raster that must lie on exactly ``grid`` (same CRS, cells and extent)."""
    pod_grid, data, _ = read_grid_raster(path, display_name)
    if not same_grid(pod_grid, grid):
        raise ProbabilityError("probability.err_pod_other_grid",
                               file=display_name or Path(path).name)
    return data
