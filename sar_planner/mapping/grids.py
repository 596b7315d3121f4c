"""Graticule, kilometre grid and scale bar for a map drawn in a metric CRS.

The map is drawn on flat axes in the mission's metric CRS (UTM or CGCS2000 Gauss-Kruger metres).
Lines of constant latitude/longitude, and the kilometre lines of another projected grid (the UTM
zone, or the CGCS2000 3-degree Gauss-Kruger zone of the unit's paper maps), are curves in that
CRS: each is sampled densely in its own CRS and transformed point by point into the map's CRS.

All inputs and outputs are metres in the map's CRS unless a name says degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer

from sar_planner.errors import InputError

__all__ = ["GridLine", "nice_step", "graticule_lines", "km_grid_lines", "gk3_zone_crs",
           "scale_bar_length", "DEGREE_STEPS"]

#: Graticule spacings offered, degrees (1', 2', 5', 10', 15', 30', 1°, 2°, 5°).
DEGREE_STEPS = (1 / 60, 2 / 60, 5 / 60, 10 / 60, 15 / 60, 30 / 60, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class GridLine:
    """One grid line in the map's CRS.

    Attributes
    ----------
    kind:
        ``"lon"`` / ``"lat"`` (graticule, ``value`` in degrees) or ``"x"`` / ``"y"`` (kilometre
        grid: ``value`` is the easting or northing in metres of the grid's own CRS).
    value:
        The line's constant coordinate.
    xy:
        (n, 2) points in metres of the map's CRS, in order along the line.
    """

    kind: str
    value: float
    xy: np.ndarray


def nice_step(span: float, target_lines: int = 5) -> float:
    """The 1-2-5 x 10^k step nearest ``span / target_lines`` (span > 0), by ratio.

    >>> nice_step(24_000.0)   # 24 km wide view, about five lines: every 5 km
    5000.0
    >>> nice_step(0.9)
    0.2
    """
    if not (span > 0 and math.isfinite(span)) or target_lines < 1:
        raise InputError("mapping.err_span", value=span)
    raw = span / target_lines
    exp = math.floor(math.log10(raw))
    # the 1-2-5 step nearest the raw step (by ratio), so the line count stays near the target
    options = [m * 10.0**e for e in (exp, exp + 1) for m in (1.0, 2.0, 5.0)]
    best = min(options, key=lambda v: abs(math.log(v / raw)))
    return float(round(best, 12))


def _wgs84_bounds(crs: CRS, bounds: tuple[float, float, float, float]
                  ) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) degrees of a metric box (its edges densified)."""
    west, south, east, north = bounds
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    t = np.linspace(0.0, 1.0, 41)
    xs = np.concatenate([west + (east - west) * t, np.full_like(t, east),
                         east - (east - west) * t, np.full_like(t, west)])
    ys = np.concatenate([np.full_like(t, south), south + (north - south) * t,
                         np.full_like(t, north), north - (north - south) * t])
    lon, lat = to_ll.transform(xs, ys)
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def _check_bounds(bounds: tuple[float, float, float, float]) -> None:
    west, south, east, north = bounds
    if not all(math.isfinite(v) for v in bounds) or east <= west or north <= south:
        raise InputError("mapping.err_bounds", bounds=str(tuple(round(v, 1) for v in bounds)))


def graticule_lines(crs: CRS | str | int, bounds: tuple[float, float, float, float],
                    target_lines: int = 5, samples: int = 64) -> tuple[float, list[GridLine]]:
    """Meridians and parallels crossing a metric box, as lines in that CRS.

    Parameters
    ----------
    crs:
        The map's metric CRS.
    bounds:
        (west, south, east, north), metres in ``crs``.
    target_lines:
        About how many lines of each kind across the box (the step is taken from
        :data:`DEGREE_STEPS`, the first giving no more than ``target_lines + 1`` lines).
    samples:
        Points per line.

    Returns
    -------
    (step_deg, lines)
        The spacing in degrees and the lines (``kind`` ``"lon"`` or ``"lat"``, ``value`` in
        degrees WGS84), each spanning the box with a margin so panning a little still shows it.
    """
    _check_bounds(bounds)
    crs = CRS.from_user_input(crs)
    lon0, lat0, lon1, lat1 = _wgs84_bounds(crs, bounds)
    span = max(lon1 - lon0, lat1 - lat0)
    step = next((s for s in DEGREE_STEPS if span / s <= target_lines + 1), DEGREE_STEPS[-1])
    pad = step
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lines: list[GridLine] = []
    lat_a, lat_b = max(-89.9, lat0 - pad), min(89.9, lat1 + pad)
    lon_a, lon_b = lon0 - pad, lon1 + pad
    first = math.ceil((lon0 - 1e-9) / step)
    for k in range(first, math.floor((lon1 + 1e-9) / step) + 1):
        lon = round(k * step, 9)
        lats = np.linspace(lat_a, lat_b, samples)
        x, y = to_map.transform(np.full_like(lats, lon), lats)
        lines.append(GridLine("lon", lon, np.column_stack([x, y])))
    first = math.ceil((lat0 - 1e-9) / step)
    for k in range(first, math.floor((lat1 + 1e-9) / step) + 1):
        lat = round(k * step, 9)
        lons = np.linspace(lon_a, lon_b, samples)
        x, y = to_map.transform(lons, np.full_like(lons, lat))
        lines.append(GridLine("lat", lat, np.column_stack([x, y])))
    return step, lines


def gk3_zone_crs(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS WITH the zone number in the easting (EPSG:4513-4533).

    Paper maps print this form (easting ``32 5xx xxx`` m in zone 32). Zone = round(lon / 3),
    central meridian 3 x zone degrees east; EPSG:4513 is zone 25 (75E).

    >>> gk3_zone_crs(94.9).to_epsg()   # Golmud: zone 32, CM 96E
    4520
    """
    zone = round(lon / 3.0)
    if not 25 <= zone <= 45:
        raise InputError("geo.err_gk_outside_china", lon=lon)
    return CRS.from_epsg(4513 + zone - 25)


def km_grid_lines(map_crs: CRS | str | int, grid_crs: CRS | str | int,
                  bounds: tuple[float, float, float, float], target_lines: int = 6,
                  samples: int = 24) -> tuple[float, list[GridLine]]:
    """The kilometre grid of ``grid_crs`` (UTM or Gauss-Kruger) over a box of the map's CRS.

    Parameters
    ----------
    map_crs:
        The map's metric CRS; ``bounds`` (west, south, east, north) are metres in it.
    grid_crs:
        The projected CRS whose grid is drawn (e.g. EPSG:4520 for the paper maps near Golmud).
    target_lines:
        About how many lines each way; the step is a 1-2-5 multiple of 1 km (at least 1 km).

    Returns
    -------
    (step_m, lines)
        Step in metres; lines ``kind`` ``"x"`` (constant easting ``value`` of ``grid_crs``) and
        ``"y"`` (constant northing), points in metres of ``map_crs``.
    """
    _check_bounds(bounds)
    map_crs = CRS.from_user_input(map_crs)
    grid_crs = CRS.from_user_input(grid_crs)
    west, south, east, north = bounds
    fwd = Transformer.from_crs(map_crs, grid_crs, always_xy=True)
    back = Transformer.from_crs(grid_crs, map_crs, always_xy=True)
    t = np.linspace(0.0, 1.0, 21)
    bx = np.concatenate([west + (east - west) * t, np.full_like(t, east),
                         east - (east - west) * t, np.full_like(t, west)])
    by = np.concatenate([np.full_like(t, south), south + (north - south) * t,
                         np.full_like(t, north), north - (north - south) * t])
    gx, gy = fwd.transform(bx, by)
    x0, x1, y0, y1 = float(np.min(gx)), float(np.max(gx)), float(np.min(gy)), float(np.max(gy))
    step = max(1000.0, nice_step(max(x1 - x0, y1 - y0), target_lines))
    lines: list[GridLine] = []
    for k in range(math.ceil(x0 / step), math.floor(x1 / step) + 1):
        v = k * step
        ys = np.linspace(y0 - step, y1 + step, samples)
        x, y = back.transform(np.full_like(ys, v), ys)
        lines.append(GridLine("x", v, np.column_stack([x, y])))
    for k in range(math.ceil(y0 / step), math.floor(y1 / step) + 1):
        v = k * step
        xs = np.linspace(x0 - step, x1 + step, samples)
        x, y = back.transform(xs, np.full_like(xs, v))
        lines.append(GridLine("y", v, np.column_stack([x, y])))
    return step, lines


def scale_bar_length(view_width_m: float, fraction: float = 0.2) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) no longer than ``fraction`` of the view.

    >>> scale_bar_length(24_000.0)   # 24 km view: a 2 km bar (4.8 km allowed)
    2000.0
    >>> scale_bar_length(3_000.0)
    500.0
    """
    if not (view_width_m > 0 and math.isfinite(view_width_m)) or not 0 < fraction <= 1:
        raise InputError("mapping.err_span", value=view_width_m)
    limit = view_width_m * fraction
    exp = math.floor(math.log10(limit))
    best = 10.0**exp
    for m in (1.0, 2.0, 5.0):
        if m * 10**exp <= limit * (1 + 1e-12):
            best = m * 10**exp
    return float(round(best, 9))
