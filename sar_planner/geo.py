"""Coordinates: reference systems, the local metric CRS of a mission, parsing and formatting.

Geographic coordinates are (latitude, longitude) in degrees; the datum is named wherever one is
taken or returned (WGS84 by default). Projected coordinates are metres in a named CRS.
"""

from __future__ import annotations

import math
from typing import Literal

from pyproj import CRS

from sar_planner.errors import CoordinateError

__all__ = ["WGS84", "CGCS2000", "MetricCrsKind", "utm_crs", "gk3_crs", "local_metric_crs"]

#: WGS 84 geographic 2D (EPSG:4326), axis order handled with always_xy in transformers.
WGS84 = CRS.from_epsg(4326)
#: China Geodetic Coordinate System 2000, geographic 2D (EPSG:4490).
CGCS2000 = CRS.from_epsg(4490)

MetricCrsKind = Literal["utm", "cgcs2000-gk3"]


def _check_lat_lon(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise CoordinateError("geo.err_latitude_range", value=lat)
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise CoordinateError("geo.err_longitude_range", value=lon)


def utm_crs(lat: float, lon: float) -> CRS:
    """The WGS 84 / UTM zone CRS (EPSG:326zz north, 327zz south) holding (lat, lon) degrees WGS84.

    Zones are the plain 6-degree zones (the Norway/Svalbard exceptions do not touch China).

    >>> utm_crs(36.10, 94.85).to_epsg()   # Golmud area: zone 46N
    32646
    """
    _check_lat_lon(lat, lon)
    zone = min(60, int(math.floor((lon + 180.0) / 6.0)) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def gk3_crs(lat: float, lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS (central meridian form, EPSG:4534-4554) holding (lat, lon).

    The central meridian is the multiple of 3 degrees nearest the longitude (75E-135E, China).

    >>> gk3_crs(36.10, 94.85).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 96E'
    """
    _check_lat_lon(lat, lon)
    cm = 3 * round(lon / 3.0)
    if not 75 <= cm <= 135:
        raise CoordinateError("geo.err_gk_outside_china", lon=lon)
    return CRS.from_epsg(4534 + (cm - 75) // 3)


def local_metric_crs(lat: float, lon: float, kind: MetricCrsKind = "utm") -> CRS:
    """The mission's metric CRS for a point (lat, lon) in degrees WGS84/CGCS2000.

    ``kind`` is ``"utm"`` (default) or ``"cgcs2000-gk3"``. (WGS84 and CGCS2000 differ by a few
    centimetres, below anything a search plan resolves.)
    """
    if kind == "utm":
        return utm_crs(lat, lon)
    if kind == "cgcs2000-gk3":
        return gk3_crs(lat, lon)
    raise CoordinateError("geo.err_crs_kind", value=kind)
