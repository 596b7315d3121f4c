"""Metric grids for terrain: around a mission point, or over a whole dataset for an overview.

Both return a :class:`sar_planner.grid.Grid` in the local metric CRS of a point
(:func:`sar_planner.geo.local_metric_crs`: the UTM zone, or the CGCS2000 3-degree Gauss-Kruger
zone). Cell edges are snapped to whole multiples of the cell size in that CRS, so two grids with
the same cell size and CRS share cell boundaries.
"""

from __future__ import annotations

import math

from pyproj import Transformer
from rasterio.warp import transform_bounds

from sar_planner.errors import CoordinateError, InputError
from sar_planner.geo import WGS84, MetricCrsKind, local_metric_crs
from sar_planner.grid import Grid
from sar_planner.terrain._open import quiet_gdal

__all__ = ["grid_around", "grid_covering", "MAX_GRID_CELLS"]

#: The largest grid (rows x cols) the planner builds: 36 million cells is about 290 MB of float64
#: elevation, the most a field laptop should hold for one layer.
MAX_GRID_CELLS = 6000 * 6000


def _check_positive(value: float, key: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(key, value=value)


def _snapped_grid(crs, west: float, south: float, east: float, north: float, cell: float) -> Grid:
    west = math.floor(west / cell) * cell
    south = math.floor(south / cell) * cell
    east = math.ceil(east / cell) * cell
    north = math.ceil(north / cell) * cell
    rows = max(1, round((north - south) / cell))
    cols = max(1, round((east - west) / cell))
    if rows * cols > MAX_GRID_CELLS:
        raise InputError("terrain.err_grid_too_big", rows=rows, cols=cols,
                         limit=f"{MAX_GRID_CELLS:,}")
    return Grid.from_bounds(crs, west, north - rows * cell, west + cols * cell, north, cell)


def grid_around(lat: float, lon: float, half_width_m: float, cell_size_m: float,
                kind: MetricCrsKind = "utm") -> Grid:
    """A square grid centred near (lat, lon) reaching at least ``half_width_m`` each way.

    Parameters
    ----------
    lat, lon:
        Centre, degrees WGS84 (CGCS2000 is the same to a few centimetres).
    half_width_m:
        Distance from the centre to each edge, metres (the grid is grown outward to whole cells
        on a lattice of ``cell_size_m``, so edges may lie up to one cell further out).
    cell_size_m:
        Cell width, metres.
    kind:
        ``"utm"`` (the UTM zone of the point) or ``"cgcs2000-gk3"``.

    Returns
    -------
    Grid
        In ``local_metric_crs(lat, lon, kind)``.

    Examples
    --------
    >>> g = grid_around(36.40, 94.90, 5000, 100)
    >>> g.crs.to_epsg(), g.cell_size, g.shape
    (32646, 100.0, (101, 101))
    """
    _check_positive(half_width_m, "terrain.err_half_width")
    _check_positive(cell_size_m, "common.err_cell_size")
    crs = local_metric_crs(lat, lon, kind)
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return _snapped_grid(crs, x - half_width_m, y - half_width_m, x + half_width_m,
                         y + half_width_m, float(cell_size_m))


def grid_covering(bounds_wgs84: tuple[float, float, float, float], cell_size_m: float | None = None,
                  max_cells: int = 1500, kind: MetricCrsKind = "utm") -> Grid:
    """A grid over a whole box (for an overview of a dataset), no more than ``max_cells`` a side.

    Parameters
    ----------
    bounds_wgs84:
        (west, south, east, north) degrees WGS84, e.g. :attr:`RasterInfo.bounds_wgs84`.
    cell_size_m:
        Wanted cell size in metres; if it would need more than ``max_cells`` cells a side, the
        coarser size that fits is used instead. None: the finest whole-metre cell size that keeps
        ``max(rows, cols) <= max_cells``. For a dataset smaller than ``max_cells`` cells a side
        that is finer than the data itself: pass the data's ``RasterInfo.resolution_m`` here to
        avoid oversampling.
    max_cells:
        Largest number of rows or columns.
    kind:
        Metric CRS of the box centre (see :func:`sar_planner.geo.local_metric_crs`).

    Returns
    -------
    Grid
        Covers the box transformed into the metric CRS (a slightly larger area than the box; load
        terrain on it with ``allow_partial=True``).
    """
    west, south, east, north = (float(v) for v in bounds_wgs84)
    if not (math.isfinite(west) and math.isfinite(east) and west < east and south < north
            and -90 <= south and north <= 90):
        raise CoordinateError("terrain.err_bad_box", box=f"{west}, {south}, {east}, {north}")
    if not (isinstance(max_cells, int) and max_cells >= 1):
        raise InputError("terrain.err_max_cells", value=max_cells)
    crs = local_metric_crs((south + north) / 2.0, (west + east) / 2.0, kind)
    with quiet_gdal():
        x0, y0, x1, y1 = transform_bounds(WGS84, crs, west, south, east, north, densify_pts=51)
    extent = max(x1 - x0, y1 - y0)
    finest = max(1.0, math.ceil(extent / max_cells))
    # snapping to the lattice can add one cell each way; make room for it
    while max(math.ceil(y1 / finest) - math.floor(y0 / finest),
              math.ceil(x1 / finest) - math.floor(x0 / finest)) > max_cells:
        finest += 1.0
    if cell_size_m is None:
        cell = finest
    else:
        _check_positive(cell_size_m, "common.err_cell_size")
        cell = max(float(cell_size_m), finest)
    return _snapped_grid(crs, x0, y0, x1, y1, cell)
