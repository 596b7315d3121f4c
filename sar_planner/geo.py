"""Coordinates: reference systems, the local metric CRS of a mission, datums, parsing and formatting.

Geographic coordinates are (latitude, longitude) in degrees; the datum is named wherever one is
taken or returned (WGS84 by default). Projected coordinates are metres in a named CRS.

Datums a crew meets in China:

* ``"WGS84"``: GPS receivers, flight controllers, most exports (EPSG:4326).
* ``"CGCS2000"``: Chinese official maps and survey control (EPSG:4490). It coincides with WGS84
  to a few centimetres, far below anything a search plan resolves.
* ``"GCJ02"``: the legally required offset datum of Chinese phone maps (Amap/Gaode, Tencent,
  Google Maps in China). Positions are off from WGS84 by about 50-700 m over China (about
  100 m at Golmud, see the tests), so a position copied from a phone map must be converted before
  it is flown.
* ``"BD09"``: Baidu Maps' own offset on top of GCJ02 (another several hundred metres).

Parsing accepts what people type: ``"36.1, 94.85"``, ``"N36.1 E94.85"``, ``"36°06'00\\"N 94°51'00\\"E"``,
``"36 06 00 N, 94 51 00 E"``, ``"36°6.5'N 94°51.25'E"``, ``"北纬36度06分00秒 东经94度51分00秒"``,
full-width digits and punctuation; see :func:`parse_latlon`.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

import numpy as np
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError

from sar_planner.errors import CoordinateError

__all__ = [
    "WGS84",
    "CGCS2000",
    "MetricCrsKind",
    "utm_crs",
    "gk3_crs",
    "local_metric_crs",
    "Datum",
    "DATUMS",
    "LatLon",
    "parse_latlon",
    "parse_angle",
    "format_dd",
    "format_dms",
    "format_ddm",
    "to_wgs84",
    "from_wgs84",
    "in_china_box",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "to_local",
    "from_local",
    "distance_m",
]

#: WGS 84 geographic 2D (EPSG:4326), axis order handled with always_xy in transformers.
WGS84 = CRS.from_epsg(4326)
#: China Geodetic Coordinate System 2000, geographic 2D (EPSG:4490).
CGCS2000 = CRS.from_epsg(4490)

MetricCrsKind = Literal["utm", "cgcs2000-gk3"]

#: The datum a latitude/longitude pair is given in.
Datum = Literal["WGS84", "CGCS2000", "GCJ02", "BD09"]
DATUMS: tuple[str, ...] = get_args(Datum)

_ArrayT = TypeVar("_ArrayT", float, np.ndarray)


def _check_lat_lon(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise CoordinateError("geo.err_latitude_range", value=lat)
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise CoordinateError("geo.err_longitude_range", value=lon)


def _check_lat_lon_arrays(lat: np.ndarray, lon: np.ndarray) -> None:
    bad = ~(np.isfinite(lat) & (np.abs(lat) <= 90.0))
    if bad.any():
        raise CoordinateError("geo.err_latitude_range", value=float(lat[bad].flat[0]))
    bad = ~(np.isfinite(lon) & (np.abs(lon) <= 180.0))
    if bad.any():
        raise CoordinateError("geo.err_longitude_range", value=float(lon[bad].flat[0]))


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


# --------------------------------------------------------------------------------------------
# A point with its datum
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatLon:
    """A geographic position.

    Attributes
    ----------
    lat, lon:
        Latitude and longitude in degrees (north and east positive).
    datum:
        The datum the numbers are in: ``"WGS84"`` (default), ``"CGCS2000"``, ``"GCJ02"`` or
        ``"BD09"``. Convert with :func:`to_wgs84` before using the point for anything but display.
    """

    lat: float
    lon: float
    datum: Datum = "WGS84"

    def __post_init__(self) -> None:
        if self.datum not in DATUMS:
            raise CoordinateError("geo.err_datum", value=self.datum, datums=", ".join(DATUMS))
        _check_lat_lon(float(self.lat), float(self.lon))


# --------------------------------------------------------------------------------------------
# Datums: CGCS2000 through PROJ; GCJ-02 and BD-09 from their published formulas
# --------------------------------------------------------------------------------------------

# Krasovsky 1940 ellipsoid, which the published GCJ-02 formulas use for the metre -> degree step.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
# Bounding test used by the widely published GCJ-02 implementations: a rectangle around China.
# It also covers parts of neighbouring countries (Mongolia, the Koreas, ...), where the phone map
# apps of those countries do NOT offset; the Qaidam Basin is far inside it.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
_BD_X_PI = math.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-10  # about 0.01 mm: far below the 1 cm the inverse promises
_INVERSE_MAX_ITER = 30


def _out(value: np.ndarray) -> Any:
    """A float for a 0-d result, else the array: the callers' ``_ArrayT`` signatures say which
    (scalar in, scalar out), which a return type here cannot express."""
    return float(value) if np.ndim(value) == 0 else value


def in_china_box(lat: _ArrayT, lon: _ArrayT) -> bool | np.ndarray:
    """True where (lat, lon) degrees lies inside the rectangle in which GCJ-02 offsets apply.

    The rectangle is the one used by the widely published GCJ-02 implementations:
    longitude 72.004-137.8347 E, latitude 0.8293-55.8271 N. Outside it GCJ-02 equals WGS84.

    >>> in_china_box(36.10, 94.85), in_china_box(48.86, 2.35)
    (True, False)
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    inside = ((lon_a >= _CHINA_LON[0]) & (lon_a <= _CHINA_LON[1])
              & (lat_a >= _CHINA_LAT[0]) & (lat_a <= _CHINA_LAT[1]))
    return bool(inside) if inside.ndim == 0 else inside


def _gcj_offset(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 (degrees of latitude, longitude) at a WGS84 point, without the box test.

    The published transform: two polynomial-plus-sine functions of (lon - 105, lat - 35) give an
    offset in metres-like units, scaled to degrees with the Krasovsky ellipsoid's meridian and
    parallel radii of curvature at the point.
    """
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + common
             + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + common
             + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    phi = np.radians(lat)
    w2 = 1.0 - _GCJ_EE * np.sin(phi) ** 2
    w = np.sqrt(w2)
    meridian_radius = _GCJ_A * (1.0 - _GCJ_EE) / (w2 * w)
    parallel_radius = _GCJ_A / w * np.cos(phi)
    return np.degrees(d_lat / meridian_radius), np.degrees(d_lon / parallel_radius)


def wgs84_to_gcj02(lat: _ArrayT, lon: _ArrayT) -> tuple[_ArrayT, _ArrayT]:
    """Forward GCJ-02 transform: WGS84 position -> the position a Chinese phone map shows.

    Parameters
    ----------
    lat, lon:
        Degrees, WGS84; scalars or numpy arrays.

    Returns
    -------
    (lat, lon):
        Degrees, GCJ-02. Outside :func:`in_china_box` the point is returned unchanged.

    >>> lat, lon = wgs84_to_gcj02(39.915, 116.404)
    >>> round(lat, 6), round(lon, 6)
    (39.916404, 116.410244)
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    d_lat, d_lon = _gcj_offset(lat_a, lon_a)
    inside = np.asarray(in_china_box(lat_a, lon_a))
    return (_out(np.where(inside, lat_a + d_lat, lat_a)),
            _out(np.where(inside, lon_a + d_lon, lon_a)))


def gcj02_to_wgs84(lat: _ArrayT, lon: _ArrayT) -> tuple[_ArrayT, _ArrayT]:
    """Inverse GCJ-02 transform: a phone-map (Amap/Gaode, Tencent) position -> WGS84.

    Parameters
    ----------
    lat, lon:
        Degrees, GCJ-02; scalars or numpy arrays.

    Returns
    -------
    (lat, lon):
        Degrees, WGS84.

    Notes
    -----
    Iterative: starting from the GCJ-02 point, the WGS84 guess is moved by the forward
    transform's miss until the miss is below 1e-10 degrees (about 0.01 mm), so the result is
    exact to far better than 1 cm. (The common one-step inverse, subtracting the offset taken at
    the GCJ-02 point, is off by up to a few metres.) The offset changes by only about 0.1 % of
    itself per degree moved, so three or four steps suffice. Outside :func:`in_china_box` (tested on the
    GCJ-02 point) the point is returned unchanged.
    """
    g_lat = np.asarray(lat, dtype=float)
    g_lon = np.asarray(lon, dtype=float)
    inside = np.asarray(in_china_box(g_lat, g_lon))
    w_lat, w_lon = g_lat.copy(), g_lon.copy()
    for _ in range(_INVERSE_MAX_ITER):
        d_lat, d_lon = _gcj_offset(w_lat, w_lon)
        miss_lat = w_lat + d_lat - g_lat
        miss_lon = w_lon + d_lon - g_lon
        w_lat = w_lat - miss_lat
        w_lon = w_lon - miss_lon
        if np.all(np.abs(miss_lat) < _INVERSE_TOL_DEG) and np.all(np.abs(miss_lon) < _INVERSE_TOL_DEG):
            break
    return (_out(np.where(inside, w_lat, g_lat)), _out(np.where(inside, w_lon, g_lon)))


def gcj02_to_bd09(lat: _ArrayT, lon: _ArrayT) -> tuple[_ArrayT, _ArrayT]:
    """Forward BD-09 transform: GCJ-02 position -> the position Baidu Maps shows.

    Parameters
    ----------
    lat, lon:
        Degrees, GCJ-02; scalars or numpy arrays.

    Returns
    -------
    (lat, lon):
        Degrees, BD-09.

    Notes
    -----
    The published formula: in polar form about (0, 0) the radius grows by 2e-5 sin(3000 lat) and
    the angle by 3e-6 cos(3000 lon) (arguments in radians of lat, lon scaled by 3000/180 pi),
    then (0.006, 0.0065) degrees is added. Applied everywhere (Baidu does not limit it to China).

    >>> lat, lon = gcj02_to_bd09(39.915, 116.404)
    >>> round(lat, 6), round(lon, 6)
    (39.921337, 116.410369)
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    r = np.hypot(lon_a, lat_a) + 0.00002 * np.sin(lat_a * _BD_X_PI)
    theta = np.arctan2(lat_a, lon_a) + 0.000003 * np.cos(lon_a * _BD_X_PI)
    return _out(r * np.sin(theta) + 0.006), _out(r * np.cos(theta) + 0.0065)


def bd09_to_gcj02(lat: _ArrayT, lon: _ArrayT) -> tuple[_ArrayT, _ArrayT]:
    """Inverse BD-09 transform: a Baidu Maps position -> GCJ-02.

    Parameters
    ----------
    lat, lon:
        Degrees, BD-09; scalars or numpy arrays.

    Returns
    -------
    (lat, lon):
        Degrees, GCJ-02 (pass to :func:`gcj02_to_wgs84` for WGS84).

    Notes
    -----
    Iterative like :func:`gcj02_to_wgs84` (the published closed-form inverse is approximate to a
    few centimetres); exact to better than 0.01 mm.
    """
    b_lat = np.asarray(lat, dtype=float)
    b_lon = np.asarray(lon, dtype=float)
    g_lat, g_lon = b_lat - 0.006, b_lon - 0.0065
    for _ in range(_INVERSE_MAX_ITER):
        f_lat, f_lon = gcj02_to_bd09(g_lat, g_lon)
        miss_lat = np.asarray(f_lat) - b_lat
        miss_lon = np.asarray(f_lon) - b_lon
        g_lat = g_lat - miss_lat
        g_lon = g_lon - miss_lon
        if np.all(np.abs(miss_lat) < _INVERSE_TOL_DEG) and np.all(np.abs(miss_lon) < _INVERSE_TOL_DEG):
            break
    return _out(g_lat), _out(g_lon)


@functools.cache
def _cgcs2000_transformer(to_wgs84: bool) -> Transformer:
    if to_wgs84:
        return Transformer.from_crs(CGCS2000, WGS84, always_xy=True)
    return Transformer.from_crs(WGS84, CGCS2000, always_xy=True)


def to_wgs84(point: LatLon) -> LatLon:
    """The same place as ``point``, in WGS84.

    Parameters
    ----------
    point:
        A position in any :data:`Datum`.

    Returns
    -------
    LatLon
        Degrees, datum ``"WGS84"``.

    Notes
    -----
    * WGS84: unchanged.
    * CGCS2000: through PROJ (EPSG:4490 -> EPSG:4326). The two datums agree to a few centimetres,
      and PROJ's transformation between them is a null (ballpark) one, so the numbers do not move.
    * GCJ02: the iterative inverse of the published GCJ-02 transform (:func:`gcj02_to_wgs84`),
      better than 1 cm; a shift of hundreds of metres in China, none outside :func:`in_china_box`.
    * BD09: Baidu's offset removed first (:func:`bd09_to_gcj02`), then GCJ02 as above.

    >>> p = to_wgs84(LatLon(36.1, 94.85, "WGS84"))
    >>> (p.lat, p.lon, p.datum)
    (36.1, 94.85, 'WGS84')
    """
    if point.datum == "WGS84":
        return point
    if point.datum == "CGCS2000":
        lon, lat = _cgcs2000_transformer(True).transform(point.lon, point.lat)
        return LatLon(float(lat), float(lon), "WGS84")
    lat, lon = point.lat, point.lon
    if point.datum == "BD09":
        lat, lon = bd09_to_gcj02(lat, lon)
    lat, lon = gcj02_to_wgs84(lat, lon)
    return LatLon(float(lat), float(lon), "WGS84")


def from_wgs84(point: LatLon, datum: Datum) -> LatLon:
    """``point`` expressed in ``datum``: for showing a position in a phone map's terms.

    Parameters
    ----------
    point:
        A position in any :data:`Datum`.
    datum:
        The datum wanted.

    Returns
    -------
    LatLon
        Degrees in ``datum``.

    Notes
    -----
    The forward transforms of :func:`to_wgs84`: WGS84 -> CGCS2000 through PROJ, WGS84 -> GCJ02
    (:func:`wgs84_to_gcj02`), WGS84 -> GCJ02 -> BD09 (:func:`gcj02_to_bd09`).
    """
    if datum not in DATUMS:
        raise CoordinateError("geo.err_datum", value=datum, datums=", ".join(DATUMS))
    wgs = to_wgs84(point)
    if datum == "WGS84":
        return wgs
    if datum == "CGCS2000":
        lon, lat = _cgcs2000_transformer(False).transform(wgs.lon, wgs.lat)
        return LatLon(float(lat), float(lon), "CGCS2000")
    lat, lon = wgs84_to_gcj02(wgs.lat, wgs.lon)
    if datum == "BD09":
        lat, lon = gcj02_to_bd09(lat, lon)
    return LatLon(float(lat), float(lon), datum)


# --------------------------------------------------------------------------------------------
# The mission's metric CRS and geodesic distance
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _local_transformers(wkt: str) -> tuple[Transformer, Transformer]:
    crs = CRS.from_wkt(wkt)
    return (Transformer.from_crs(WGS84, crs, always_xy=True),
            Transformer.from_crs(crs, WGS84, always_xy=True))


def _metric_crs(crs: CRS | str | int) -> CRS:
    """``crs`` as a pyproj CRS, refused unless it is projected with metre units."""
    try:
        target = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    except CRSError:
        raise CoordinateError("geo.err_crs_unknown", crs=str(crs)) from None
    units = {axis.unit_name for axis in target.axis_info}
    if not target.is_projected or not units <= {"metre", "meter", "m"}:
        raise CoordinateError("geo.err_crs_not_metric", crs=target.name)
    return target


def to_local(lat: _ArrayT, lon: _ArrayT, crs: CRS | str | int) -> tuple[_ArrayT, _ArrayT]:
    """Project WGS84 positions into the mission's metric grid.

    Parameters
    ----------
    lat, lon:
        Latitude and longitude in degrees, WGS84 (EPSG:4326); scalars or numpy arrays of one shape.
    crs:
        The mission's projected CRS in metres (for example :func:`local_metric_crs`): a pyproj CRS
        or anything ``CRS.from_user_input`` takes (``"EPSG:32646"``, ``32646``). The always_xy
        transformer is cached per CRS.

    Returns
    -------
    (x, y):
        Easting and northing in metres in ``crs``; floats for scalar input, else arrays.

    Raises
    ------
    CoordinateError
        Latitude/longitude out of range, an unknown or non-metric CRS, or a point the projection
        cannot hold.

    >>> x, y = to_local(36.10, 94.85, "EPSG:32646")
    >>> round(x), round(y)
    (666534, 3996624)
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    _check_lat_lon_arrays(lat_a, lon_a)
    target = _metric_crs(crs)
    fwd, _ = _local_transformers(target.to_wkt())
    x, y = fwd.transform(lon_a, lat_a)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise CoordinateError("geo.err_projection", crs=target.name)
    return _out(x), _out(y)


def from_local(x: _ArrayT, y: _ArrayT, crs: CRS | str | int) -> tuple[_ArrayT, _ArrayT]:
    """Unproject metric grid coordinates to WGS84 positions: the inverse of :func:`to_local`.

    Parameters
    ----------
    x, y:
        Easting and northing in metres in ``crs``; scalars or numpy arrays of one shape.
    crs:
        The mission's projected CRS in metres (as for :func:`to_local`).

    Returns
    -------
    (lat, lon):
        Degrees, WGS84 (EPSG:4326); floats for scalar input, else arrays.

    >>> lat, lon = from_local(500000.0, 0.0, "EPSG:32646")   # zone 46N: CM 93E on the equator
    >>> round(lat, 9), round(lon, 9)
    (0.0, 93.0)
    """
    x_a = np.asarray(x, dtype=float)
    y_a = np.asarray(y, dtype=float)
    target = _metric_crs(crs)
    _, inv = _local_transformers(target.to_wkt())
    lon, lat = inv.transform(x_a, y_a)
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise CoordinateError("geo.err_projection", crs=target.name)
    return _out(lat), _out(lon)


_GEOD = Geod(ellps="WGS84")


def distance_m(lat1: _ArrayT, lon1: _ArrayT, lat2: _ArrayT, lon2: _ArrayT) -> _ArrayT:
    """Geodesic distance between WGS84 positions on the WGS84 ellipsoid (Karney's algorithm).

    Parameters
    ----------
    lat1, lon1, lat2, lon2:
        Degrees, WGS84 (EPSG:4326); scalars or arrays, broadcast against each other.

    Returns
    -------
    float or numpy.ndarray
        Distance in metres along the ellipsoid (no terrain).

    >>> round(distance_m(0.0, 0.0, 0.0, 1.0), 3)   # one degree of the equator
    111319.491
    """
    lat1_a, lon1_a, lat2_a, lon2_a = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lat1, lon1, lat2, lon2)))
    _check_lat_lon_arrays(lat1_a, lon1_a)
    _check_lat_lon_arrays(lat2_a, lon2_a)
    _, _, dist = _GEOD.inv(lon1_a, lat1_a, lon2_a, lat2_a)
    return _out(np.asarray(dist, dtype=float))


# --------------------------------------------------------------------------------------------
# Parsing what people type
# --------------------------------------------------------------------------------------------

# Replaced before NFKC (which would turn the masculine ordinal into "o").
_PRE_NFKC = {"º": "°", "˚": "°", "∘": "°", "−": "-", "–": "-", "、": ",", "；": ";"}
# Replaced after NFKC; longest first.
_SYMBOLS = [
    ("′′", '"'), ("''", '"'), ("″", '"'), ("“", '"'), ("”", '"'), ("〃", '"'),
    ("′", "'"), ("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'"),
    ("度", "°"), ("分", "'"), ("秒", '"'),
]
_CHINESE_WORDS = [
    ("北纬", " N "), ("北緯", " N "), ("南纬", " S "), ("南緯", " S "),
    ("东经", " E "), ("東經", " E "), ("東经", " E "), ("西经", " W "), ("西經", " W "),
    ("纬度", " LAT "), ("緯度", " LAT "), ("经度", " LON "), ("經度", " LON "),
    ("北", " N "), ("南", " S "), ("东", " E "), ("東", " E "), ("西", " W "),
]
_WORDS = {
    "N": "N", "NORTH": "N", "S": "S", "SOUTH": "S", "E": "E", "EAST": "E", "W": "W", "WEST": "W",
    "LAT": "LAT", "LATITUDE": "LAT", "LON": "LON", "LNG": "LON", "LONG": "LON", "LONGITUDE": "LON",
}
_TOKEN = re.compile(
    r"""(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<mark>[°'"])?
      | (?P<word>[A-Z]+)
      | (?P<sep>[,;/])
      | (?P<space>[\s:=()\[\]]+)
      | (?P<other>.)""",
    re.VERBOSE,
)
_POSITION = {"°": 0, "'": 1, '"': 2}
_AXIS = {"N": "lat", "S": "lat", "LAT": "lat", "E": "lon", "W": "lon", "LON": "lon"}


@dataclass
class _Group:
    """One coordinate as typed: an optional hemisphere/axis word and up to three numbers."""

    hemi: str | None = None
    #: (number as typed, position: 0 degrees, 1 minutes, 2 seconds)
    parts: list[tuple[str, int]] = field(default_factory=list)


def _normalise(text: str) -> str:
    for old, new in _PRE_NFKC.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKC", text)
    for old, new in _CHINESE_WORDS:  # before 度 becomes °, so that 纬度/经度 are still whole
        text = text.replace(old, new)
    for old, new in _SYMBOLS:
        text = text.replace(old, new)
    return text.upper().strip()


def _merge_hemi(current: str | None, new: str, text: str) -> str:
    """Combine two axis words before one number ("纬度 北纬 36"): allowed when they agree."""
    if current is None:
        return new
    if _AXIS[current] == _AXIS[new] and ({current, new} & {"LAT", "LON"}):
        return current if new in ("LAT", "LON") else new
    raise CoordinateError("geo.err_parse", text=text)


def _groups(text: str) -> list[_Group]:
    """Split normalised text into coordinate groups (see :func:`parse_latlon` for the rules)."""
    norm = _normalise(text)
    groups: list[_Group] = []
    cur = _Group()

    def close() -> None:
        nonlocal cur
        if cur.parts or cur.hemi:
            groups.append(cur)
        cur = _Group()

    for m in _TOKEN.finditer(norm):
        kind = m.lastgroup
        if kind == "mark":  # a mark is only ever matched together with its number
            kind = "num"
        if kind == "space":
            continue
        if kind == "sep":
            close()
        elif kind == "word":
            word = m.group("word")
            if word not in _WORDS:
                raise CoordinateError("geo.err_parse", text=text)
            hemi = _WORDS[word]
            if cur.parts and cur.hemi is None:  # suffix letter: closes the coordinate
                cur.hemi = hemi
                close()
            elif cur.parts:  # a prefix letter already named this one: a new coordinate starts
                close()
                cur.hemi = hemi
            else:
                cur.hemi = _merge_hemi(cur.hemi, hemi, text)
        elif kind == "num":
            number, mark = m.group("num"), m.group("mark")
            if cur.parts:
                last_text, last_pos = cur.parts[-1]
                pos = _POSITION[mark] if mark else last_pos + 1
                if "." in last_text and mark in ("'", '"') and pos > last_pos:
                    # "36.5°30′": decimals are only allowed on the last part
                    raise CoordinateError("geo.err_fraction_not_last", text=text)
                if ("." in last_text or pos <= last_pos or pos > 2
                        or number[0] in "+-"):
                    close()
            pos = _POSITION[mark] if mark else (cur.parts[-1][1] + 1 if cur.parts else 0)
            cur.parts.append((number, pos))
        else:
            raise CoordinateError("geo.err_parse", text=text)
    close()
    # "36 94" or "36 06 94 51" or "36 06 00 94 51 00": only bare numbers (no letters, marks or
    # separators): the first half is the latitude, the second the longitude
    tokens = [m for m in _TOKEN.finditer(norm) if m.lastgroup != "space"]
    if len(tokens) in (2, 4, 6) and all(m.lastgroup == "num" for m in tokens):
        numbers = [m.group("num") for m in tokens]
        half = len(numbers) // 2
        groups = [_Group(None, [(t, i) for i, t in enumerate(numbers[:half])]),
                  _Group(None, [(t, i) for i, t in enumerate(numbers[half:])])]
    return groups


def _group_value(group: _Group, text: str) -> tuple[float, str | None]:
    """(signed degrees, axis 'lat' | 'lon' | None) of one group."""
    if not group.parts:
        raise CoordinateError("geo.err_parse", text=text)
    values = [0.0, 0.0, 0.0]
    negative = group.parts[0][0].startswith("-")
    for number, pos in group.parts:
        values[pos] = abs(float(number))
    deg, minutes, seconds = values
    if minutes >= 60.0:
        raise CoordinateError("geo.err_minutes_range", text=text, value=_plain(minutes))
    if seconds >= 60.0:
        raise CoordinateError("geo.err_seconds_range", text=text, value=_plain(seconds))
    value = deg + minutes / 60.0 + seconds / 3600.0
    hemi = group.hemi
    if hemi in ("S", "W", "N", "E") and negative:
        raise CoordinateError("geo.err_sign_and_hemisphere", text=text)
    if negative or hemi in ("S", "W"):
        value = -value
    return value, (_AXIS[hemi] if hemi else None)


def _plain(value: float) -> str:
    return f"{value:g}"


def parse_angle(text: str, axis: Literal["lat", "lon"] | None = None) -> float:
    """Parse one latitude or longitude typed by a person into signed degrees.

    Accepts the forms of :func:`parse_latlon` for a single value: ``"36.1"``, ``"-94.85"``,
    ``"36°06'00\\"N"``, ``"36 06 00 N"``, ``"36°6.5'N"``, ``"36度6分N"``, ``"东经94°51′"``.
    South and west (letter or minus sign) are negative.

    Parameters
    ----------
    text:
        What was typed.
    axis:
        ``"lat"`` or ``"lon"`` if the field asks for one: a letter naming the other axis is an
        error, and the range (+-90 or +-180 degrees) is checked.

    Raises
    ------
    CoordinateError
        When the text does not parse, has minutes/seconds >= 60, names the wrong axis, or is out
        of range.

    >>> parse_angle("东经94°51′")
    94.85
    >>> parse_angle("36 30 S")
    -36.5
    """
    if not text or not text.strip():
        raise CoordinateError("geo.err_empty")
    groups = _groups(text)
    if len(groups) != 1:
        raise CoordinateError("geo.err_angle_count", text=text, count=len(groups))
    value, found = _group_value(groups[0], text)
    if axis is not None and found is not None and found != axis:
        key = "geo.err_expected_latitude" if axis == "lat" else "geo.err_expected_longitude"
        raise CoordinateError(key, text=text)
    kind = axis or found
    if kind == "lat" and not -90.0 <= value <= 90.0:
        raise CoordinateError("geo.err_latitude_range", value=_plain(value))
    if not -180.0 <= value <= 180.0:
        raise CoordinateError("geo.err_longitude_range", value=_plain(value))
    return value


def parse_latlon(text: str, datum: Datum = "WGS84") -> LatLon:
    """Parse a position typed or pasted by a person.

    Accepted (any mix of these; spaces, commas, semicolons or slashes between the two values):

    * decimal degrees: ``"36.1, 94.85"``, ``"36.1 94.85"``, ``"N36.1 E94.85"``,
      ``"36.1N 94.85E"``; a minus sign means south or west;
    * degrees-minutes-seconds and degrees-decimal-minutes with ``° ' "`` or ``′ ″`` or spaces:
      ``"36°06'00\\"N 94°51'00\\"E"``, ``"36 06 00 N, 94 51 00 E"``, ``"36°6.5'N 94°51.25'E"``;
    * Chinese: ``"北纬36度06分00秒 东经94度51分00秒"``, 度/分/秒 for ° ′ ″ and
      北纬/南纬/东经/西经 (or 纬度/经度) for the axis; full-width digits and punctuation
      (``"３６．１，９４．８５"``);
    * either order when letters say which is which (``"E94.85 N36.1"``); without letters,
      latitude comes first.

    Parameters
    ----------
    text:
        What was typed.
    datum:
        The datum the numbers are in (``"WGS84"`` by default; ``"GCJ02"`` for a position copied
        from Amap/Gaode or Tencent maps, ``"BD09"`` from Baidu). Nothing is converted: use
        :func:`to_wgs84` on the result.

    Returns
    -------
    LatLon
        Latitude and longitude in degrees, in ``datum``.

    Raises
    ------
    CoordinateError
        Text that does not parse, minutes or seconds >= 60, out-of-range values, two latitudes
        or two longitudes, a minus sign together with S/W/N/E, a first number above 90 degrees
        when no letters say it is a longitude, or more or fewer than two values.

    >>> parse_latlon("北纬36度06分00秒 东经94度51分00秒")
    LatLon(lat=36.1, lon=94.85, datum='WGS84')
    >>> parse_latlon("36°6.5'N 94°51.25'E", "GCJ02")
    LatLon(lat=36.108333333333334, lon=94.85416666666667, datum='GCJ02')
    """
    if datum not in DATUMS:
        raise CoordinateError("geo.err_datum", value=datum, datums=", ".join(DATUMS))
    if not text or not text.strip():
        raise CoordinateError("geo.err_empty")
    groups = _groups(text)
    if len(groups) != 2:
        raise CoordinateError("geo.err_count", text=text, count=len(groups))
    (v1, a1), (v2, a2) = (_group_value(g, text) for g in groups)
    if a1 is not None and a1 == a2:
        raise CoordinateError("geo.err_two_latitudes" if a1 == "lat" else "geo.err_two_longitudes", text=text)
    if a1 == "lon" or a2 == "lat":
        lat, lon = v2, v1
    else:
        lat, lon = v1, v2
        if a1 is None and a2 is None and abs(lat) > 90.0 and abs(lon) <= 90.0:
            raise CoordinateError("geo.err_swapped", text=text, value=_plain(lat))
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError("geo.err_latitude_range", value=_plain(lat))
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError("geo.err_longitude_range", value=_plain(lon))
    return LatLon(lat, lon, datum)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def format_dd(lat: float, lon: float, places: int = 5) -> str:
    """Decimal degrees, latitude first, signed (south/west negative): ``"36.10000, 94.85000"``.

    Parameters
    ----------
    lat, lon:
        Degrees (any datum; the text does not name it).
    places:
        Decimals; 5 places = about 1 m.

    Returns
    -------
    str
        Text that parses back with :func:`parse_latlon` to within half the last digit.

    >>> format_dd(36.1, 94.85)
    '36.10000, 94.85000'
    """
    _check_lat_lon(lat, lon)
    return f"{lat:.{places}f}, {lon:.{places}f}"


def _sexagesimal(value: float, places: int, parts: int) -> tuple[int, int, float]:
    """(degrees, minutes, seconds-or-decimal-minutes) of |value|, rounded with carries."""
    scale = 10 ** places
    if parts == 3:
        units = round(abs(value) * 3600 * scale)
        deg, rest = divmod(units, 3600 * scale)
        minutes, sec_units = divmod(rest, 60 * scale)
        return deg, minutes, sec_units / scale
    units = round(abs(value) * 60 * scale)
    deg, min_units = divmod(units, 60 * scale)
    return deg, 0, min_units / scale


def _hemisphere(value: float, axis: str, lang: str) -> str:
    north_or_east = value >= 0.0
    if lang == "zh":
        if axis == "lat":
            return "北纬" if north_or_east else "南纬"
        return "东经" if north_or_east else "西经"
    if axis == "lat":
        return "N" if north_or_east else "S"
    return "E" if north_or_east else "W"


def _join(lat_text: str, lon_text: str, lat: float, lon: float, lang: str) -> str:
    if lang == "zh":
        return f"{_hemisphere(lat, 'lat', lang)}{lat_text} {_hemisphere(lon, 'lon', lang)}{lon_text}"
    return f"{lat_text}{_hemisphere(lat, 'lat', lang)} {lon_text}{_hemisphere(lon, 'lon', lang)}"


def format_dms(lat: float, lon: float, lang: str = "en", places: int = 1) -> str:
    """Degrees, minutes, seconds with hemisphere: ``"36°06′00.0″N 94°51′00.0″E"``.

    Parameters
    ----------
    lat, lon:
        Degrees (any datum; the text does not name it).
    lang:
        ``"zh"`` gives ``"北纬36°06′00.0″ 东经94°51′00.0″"``; any other value English letters.
    places:
        Decimals of seconds; 1 place = about 3 m. Rounding carries into minutes and degrees.

    Returns
    -------
    str
        Text that parses back with :func:`parse_latlon` to within half the last digit.

    >>> format_dms(36.1, 94.85)
    '36°06′00.0″N 94°51′00.0″E'
    >>> format_dms(-36.1, -94.85, lang="zh")
    '南纬36°06′00.0″ 西经94°51′00.0″'
    """
    _check_lat_lon(lat, lon)
    width = 3 + places if places else 2

    def one(value: float) -> str:
        d, m, s = _sexagesimal(value, places, 3)
        return f"{d}°{m:02d}′{s:0{width}.{places}f}″"

    return _join(one(lat), one(lon), lat, lon, lang)


def format_ddm(lat: float, lon: float, lang: str = "en", places: int = 3) -> str:
    """Degrees and decimal minutes with hemisphere: ``"36°06.000′N 94°51.000′E"``.

    The usual form on aviation GPS units.

    Parameters
    ----------
    lat, lon:
        Degrees (any datum; the text does not name it).
    lang:
        ``"zh"`` puts 北纬/南纬/东经/西经 in front; any other value English letters after.
    places:
        Decimals of minutes; 3 places = about 2 m.

    Returns
    -------
    str
        Text that parses back with :func:`parse_latlon` to within half the last digit.

    >>> format_ddm(36.1, 94.85)
    '36°06.000′N 94°51.000′E'
    """
    _check_lat_lon(lat, lon)
    width = 3 + places if places else 2

    def one(value: float) -> str:
        d, _, m = _sexagesimal(value, places, 2)
        return f"{d}°{m:0{width}.{places}f}′"

    return _join(one(lat), one(lon), lat, lon, lang)
