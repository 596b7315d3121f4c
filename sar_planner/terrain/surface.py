"""Slope, aspect and hillshade with Horn's method, computed as ``gdaldem`` computes them.

The 3 x 3 window around each cell is named (north up)::

    a b c
    d e f
    g h i

and Horn's (1981) weighted differences are, with cell size ``s`` metres::

    dz/dx = ((c + 2f + i) - (a + 2d + g)) / (8 s)     (rising to the east is positive)
    dz/dy = ((a + 2b + c) - (g + 2h + i)) / (8 s)     (rising to the north is positive)

* slope = atan(hypot(dz/dx, dz/dy)), degrees (``gdaldem slope``);
* aspect = compass azimuth the slope faces (downhill direction), degrees clockwise from north,
  0 <= aspect < 360; NaN where the surface is flat (``gdaldem aspect`` writes -9999 there);
* hillshade = 1 + 254 * max(0, cos(angle between the surface normal and the sun)), rounded to the
  nearest integer as GDAL does, 0 = no data (``gdaldem hillshade``, standard algorithm).

Sources: B. K. P. Horn (1981), "Hill shading and the reflectance map", Proc. IEEE 69(1):14-47;
GDAL's gdaldem documentation and apps/gdaldem_lib.cpp (formulas and conventions checked against it;
the tests run ``gdaldem`` itself and compare).

Edges and holes (documented choice): gdaldem leaves the outer ring of cells as no-data. Here
every cell that has a value gets a result: a neighbour beyond the array edge is extrapolated
linearly (2 * edge cell - next cell inward, as ``gdaldem -compute_edges`` does), and a neighbour
that is NaN inside the array takes the centre cell's value (as ``-compute_edges`` does). Interior
cells whose 3 x 3 window is complete are exactly gdaldem's numbers. Cells that are NaN stay NaN.
"""

from __future__ import annotations

import math

import numpy as np

from sar_planner.errors import InputError

__all__ = ["slope_aspect", "hillshade", "horn_gradient"]


def _window_padded(elevation: np.ndarray) -> np.ndarray:
    """Pad by one cell each side by linear extrapolation; NaN neighbours take the centre value later."""
    z = np.asarray(elevation, dtype=np.float64)
    if z.ndim != 2:
        raise InputError("terrain.err_not_2d", ndim=z.ndim)
    rows, cols = z.shape
    p = np.empty((rows + 2, cols + 2), dtype=np.float64)
    p[1:-1, 1:-1] = z
    if rows >= 2:
        p[0, 1:-1] = 2 * z[0] - z[1]
        p[-1, 1:-1] = 2 * z[-1] - z[-2]
    else:
        p[0, 1:-1] = z[0]
        p[-1, 1:-1] = z[-1]
    if cols >= 2:
        p[:, 0] = 2 * p[:, 1] - p[:, 2]
        p[:, -1] = 2 * p[:, -2] - p[:, -3]
    else:
        p[:, 0] = p[:, 1]
        p[:, -1] = p[:, -2]
    return p


def horn_gradient(elevation: np.ndarray, cell_size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Horn's dz/dx (east) and dz/dy (north), dimensionless (metres per metre).

    Parameters
    ----------
    elevation:
        2-D array of heights, metres, on a north-up grid of square cells (row 0 is north);
        NaN = no data.
    cell_size_m:
        Cell width = height, metres.

    Returns
    -------
    (dzdx, dzdy)
        Arrays like ``elevation``; NaN where the elevation is NaN. See the module notes for edges.
    """
    if not (math.isfinite(cell_size_m) and cell_size_m > 0):
        raise InputError("common.err_cell_size", value=cell_size_m)
    p = _window_padded(elevation)
    centre = p[1:-1, 1:-1]
    rows, cols = centre.shape

    def nb(di: int, dj: int) -> np.ndarray:
        v = p[1 + di:1 + di + rows, 1 + dj:1 + dj + cols]
        return np.where(np.isnan(v), centre, v)

    a, b, c = nb(-1, -1), nb(-1, 0), nb(-1, 1)
    d, f = nb(0, -1), nb(0, 1)
    g, h, i = nb(1, -1), nb(1, 0), nb(1, 1)
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * cell_size_m)
    dzdy = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * cell_size_m)
    nan = np.isnan(centre)
    dzdx[nan] = np.nan
    dzdy[nan] = np.nan
    return dzdx, dzdy


def slope_aspect(elevation: np.ndarray, cell_size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Slope and aspect in degrees by Horn's method (agrees with ``gdaldem slope`` / ``aspect``).

    Parameters
    ----------
    elevation:
        2-D heights in metres on a north-up grid of square cells in a metric CRS; NaN = no data.
    cell_size_m:
        Cell size in metres.

    Returns
    -------
    (slope_deg, aspect_deg)
        Slope 0..90 degrees from horizontal. Aspect: azimuth (degrees clockwise from grid north)
        of the downhill direction, 0 <= aspect < 360, NaN on flat cells. NaN where no data.

    Examples
    --------
    A plane rising 1 m per 10 m towards the east faces west (270 degrees):

    >>> import numpy as np
    >>> z = np.tile(np.arange(5.0), (5, 1)) * 1.0   # 1 m per 10 m cell towards east
    >>> s, a = slope_aspect(z, 10.0)
    >>> round(float(s[2, 2]), 4), float(a[2, 2])
    (5.7106, 270.0)
    """
    dzdx, dzdy = horn_gradient(elevation, cell_size_m)
    slope = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    # downhill direction is (-dzdx east, -dzdy north); azimuth = atan2(east, north)
    aspect = np.degrees(np.arctan2(-dzdx, -dzdy)) % 360.0
    flat = (dzdx == 0) & (dzdy == 0)
    aspect[flat] = np.nan
    aspect[aspect >= 360.0] = 0.0
    return slope, aspect


def hillshade(elevation: np.ndarray, cell_size_m: float, azimuth_deg: float = 315.0,
              altitude_deg: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
    """Shaded relief as 8-bit grey levels, like ``gdaldem hillshade`` (standard algorithm).

    Parameters
    ----------
    elevation:
        2-D heights in metres on a north-up metric grid; NaN = no data.
    cell_size_m:
        Cell size in metres.
    azimuth_deg:
        Direction the light comes from, degrees clockwise from north (315 = north-west).
    altitude_deg:
        Sun elevation above the horizon, degrees.
    z_factor:
        Vertical exaggeration.

    Returns
    -------
    numpy.ndarray of uint8
        1 (fully shaded) .. 255 (facing the sun), 0 where there is no data.
    """
    for value, key in ((azimuth_deg, "terrain.err_sun_angle"), (altitude_deg, "terrain.err_sun_angle"),
                       (z_factor, "terrain.err_z_factor")):
        if not math.isfinite(value):
            raise InputError(key, value=value)
    dzdx, dzdy = horn_gradient(elevation, cell_size_m)
    az = math.radians(azimuth_deg)
    alt = math.radians(altitude_deg)
    gx = dzdx * z_factor
    gy = dzdy * z_factor
    # unit normal of z = f(x, y) is (-gx, -gy, 1)/n; sun direction (sin az cos alt, cos az cos alt, sin alt)
    cang = (math.sin(alt) - gx * math.sin(az) * math.cos(alt) - gy * math.cos(az) * math.cos(alt))
    cang = cang / np.sqrt(1.0 + gx * gx + gy * gy)
    with np.errstate(invalid="ignore"):
        shade = np.where(cang <= 0.0, 1.0, 1.0 + 254.0 * cang)
        out = np.floor(shade + 0.5)
    out = np.where(np.isnan(out), 0.0, np.clip(out, 1, 255))
    return out.astype(np.uint8)
