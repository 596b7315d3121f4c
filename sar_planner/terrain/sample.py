"""Read elevation (and slope) off a loaded :class:`Terrain` at points and along lines.

Points are metres in the terrain grid's CRS unless a function name ends in ``_at`` (those take
latitude/longitude in degrees WGS84). Interpolation is bilinear between cell centres; between the
outermost cell centres and the grid edge the edge cell's value is used.
"""

from __future__ import annotations

import math

import numpy as np
from pyproj import Transformer
from scipy import ndimage

from sar_planner.errors import InputError, OutsideTerrainError
from sar_planner.geo import WGS84
from sar_planner.terrain.load import Terrain

__all__ = ["sample_bilinear", "profile", "elevation_at", "slope_at", "to_grid_xy"]


def _bilinear(array: np.ndarray, terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    inside = terrain.grid.contains(x, y)
    if not np.all(inside):
        bad = int(np.argmin(inside))
        raise OutsideTerrainError("terrain.err_point_outside", count=int((~inside).sum()),
                                  x=f"{float(x.ravel()[bad]):.1f}", y=f"{float(y.ravel()[bad]):.1f}")
    row, col = terrain.grid.rowcol(x, y)
    coords = np.vstack([(row - 0.5).ravel(), (col - 0.5).ravel()])
    values = ndimage.map_coordinates(np.asarray(array, dtype=np.float64), coords, order=1,
                                     mode="nearest", prefilter=False)
    return values.reshape(np.shape(x))


def _as_xy(x: float | np.ndarray | list[float], y: float | np.ndarray | list[float]
           ) -> tuple[np.ndarray, np.ndarray]:
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.shape != ya.shape:
        raise InputError("terrain.err_xy_shape")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise InputError("terrain.err_xy_not_finite")
    return xa, ya


def sample_bilinear(terrain: Terrain, x: float | np.ndarray, y: float | np.ndarray) -> np.ndarray:
    """Elevation (metres above sea level) at points by bilinear interpolation.

    Parameters
    ----------
    terrain:
        Loaded terrain.
    x, y:
        Easting and northing in metres in ``terrain.grid.crs`` (scalars or arrays of one shape).

    Returns
    -------
    numpy.ndarray
        float64 metres, shape of ``x``; NaN where a neighbouring cell has no data.

    Raises
    ------
    OutsideTerrainError
        If any point lies outside the grid.
    """
    xa, ya = _as_xy(x, y)
    return _bilinear(terrain.elevation, terrain, xa, ya)


def to_grid_xy(terrain: Terrain, lat: float | np.ndarray,
               lon: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude/longitude (degrees WGS84) to (x, y) metres in the terrain grid's CRS."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    if lat_a.shape != lon_a.shape:
        raise InputError("terrain.err_xy_shape")
    if not (np.all(np.abs(lat_a) <= 90) and np.all(np.abs(lon_a) <= 180)):
        raise InputError("terrain.err_lat_lon_range")
    x, y = Transformer.from_crs(WGS84, terrain.grid.crs, always_xy=True).transform(lon_a, lat_a)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def elevation_at(terrain: Terrain, lat: float | np.ndarray,
                 lon: float | np.ndarray) -> float | np.ndarray:
    """Elevation in metres above sea level at (lat, lon) degrees WGS84 (bilinear).

    Returns a float for scalar input, an array otherwise. Raises OutsideTerrainError outside
    the grid.
    """
    x, y = to_grid_xy(terrain, lat, lon)
    values = _bilinear(terrain.elevation, terrain, x, y)
    return float(values) if values.ndim == 0 else values


def slope_at(terrain: Terrain, lat: float | np.ndarray,
             lon: float | np.ndarray) -> float | np.ndarray:
    """Slope in degrees at (lat, lon) degrees WGS84, bilinear between cell slopes (Horn)."""
    x, y = to_grid_xy(terrain, lat, lon)
    values = _bilinear(terrain.slope_deg, terrain, x, y)
    return float(values) if values.ndim == 0 else values


def profile(terrain: Terrain, xs: np.ndarray | list[float], ys: np.ndarray | list[float],
            step_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Elevation along a polyline, sampled at least every ``step_m`` metres.

    Parameters
    ----------
    terrain:
        Loaded terrain.
    xs, ys:
        Vertices of the line, metres in ``terrain.grid.crs`` (at least one).
    step_m:
        Largest spacing between samples, metres; default the grid cell size (DEM resolution).
        Every vertex is sampled.

    Returns
    -------
    (distance_m, elevation_m)
        Distance along the line from the first vertex (metres, in the grid's map projection) and
        the bilinear elevation there.

    Raises
    ------
    OutsideTerrainError
        If any part of the line leaves the grid.
    """
    xa, ya = _as_xy(xs, ys)
    xa, ya = xa.ravel(), ya.ravel()
    if xa.size == 0:
        raise InputError("terrain.err_empty_line")
    step = terrain.grid.cell_size if step_m is None else float(step_m)
    if not (math.isfinite(step) and step > 0):
        raise InputError("terrain.err_step", value=step_m)
    px = [xa[:1]]
    py = [ya[:1]]
    for x0, y0, x1, y1 in zip(xa[:-1], ya[:-1], xa[1:], ya[1:], strict=True):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        t = np.arange(1, n + 1) / n
        px.append(x0 + (x1 - x0) * t)
        py.append(y0 + (y1 - y0) * t)
    x = np.concatenate(px)
    y = np.concatenate(py)
    distance = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    return distance, _bilinear(terrain.elevation, terrain, x, y)
