"""Numbers at the precision a crew reads them (issue 16 item 4): one rule for every page.

Pure functions, no streamlit. Inputs in SI units (metres) or fractions (0..1); outputs are the
text a page shows. ``None`` (not known / not applied) is shown as an en dash, never as "None".

- distances and widths in whole metres ("28 m"): a sweep width of 28.444444444444443 m is read
  and flown as 28 m; a decimal of a metre means nothing on a sweep from the air;
- probabilities (POD, POS) in whole percent ("62 %"): IAMSAR Manual Vol. II (2022) reads POD
  off its graphs in whole percent, and a crew briefs it so;
- coordinate reference systems by name in the page's language (:func:`crs_name`): the EPSG
  registry's English names ("WGS 84 / UTM zone 46N") and the Chinese a crew writes
  ("WGS 84 / UTM 第46带（北半球）", "CGCS2000 / 3度带高斯-克吕格 第31带").
"""

from __future__ import annotations

import math
import re

from pyproj import CRS

__all__ = ["NOT_KNOWN", "metres", "whole_percent", "crs_name"]

#: What is shown where a value is not known or not applied.
NOT_KNOWN = "–"


def metres(value_m: float | None, unit: bool = True) -> str:
    """A length in metres rounded to whole metres: ``28.44 -> "28 m"`` (``"28"`` without unit).

    Rounds half away from zero (28.5 -> 29), not Python's half-to-even, so a crew checking by
    hand gets the same figure. ``None`` or a non-finite value gives :data:`NOT_KNOWN`.
    """
    if value_m is None or not math.isfinite(float(value_m)):
        return NOT_KNOWN
    v = float(value_m)
    whole = int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)
    text = str(whole if whole != 0 else 0)
    return f"{text} m" if unit else text


def whole_percent(fraction: float | None, unit: bool = True) -> str:
    """A probability given as a fraction 0..1 in whole percent: ``0.6234 -> "62 %"``.

    Rounds half away from zero (0.625 -> 63 %). A value that is not 0 but would round to 0 is
    shown as ``"<1 %"`` and one that is not 1 but would round to 100 as ``">99 %"``, so a crew
    never reads "0 %" for a sortie that found some probability or "100 %" for one that did not
    cover everything. ``None`` or a non-finite value gives :data:`NOT_KNOWN`.
    """
    if fraction is None or not math.isfinite(float(fraction)):
        return NOT_KNOWN
    p = float(fraction) * 100.0
    whole = int(math.floor(abs(p) + 0.5)) * (1 if p >= 0 else -1)
    suffix = " %" if unit else ""
    if whole == 0 and p > 0:
        return f"<1{suffix}"
    if whole == 100 and p < 100:
        return f">99{suffix}"
    return f"{whole}{suffix}"


# EPSG name patterns (pyproj's CRS.name, from the EPSG registry) -> the Chinese a crew writes.
# UTM zones run 1..60 from 180 W, 6 degrees wide; Chinese CGCS2000 grids are Gauss-Kruger in
# 3-degree (zones 25..45) or 6-degree (zones 13..23) bands, with a "CM" variant (no zone prefix
# on the easting) named by its central meridian (EPSG:4513-4554, 4491-4512).
_ZH_PROJECTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<d>.+) / UTM zone (?P<n>\d+)N$"), "{d} / UTM 第{n}带（北半球）"),
    (re.compile(r"^(?P<d>.+) / UTM zone (?P<n>\d+)S$"), "{d} / UTM 第{n}带（南半球）"),
    (re.compile(r"^(?P<d>.+) / 3-degree Gauss-Kruger zone (?P<n>\d+)$"),
     "{d} / 3度带高斯-克吕格 第{n}带"),
    (re.compile(r"^(?P<d>.+) / 3-degree Gauss-Kruger CM (?P<n>\d+)E$"),
     "{d} / 3度带高斯-克吕格 中央经线 {n}°E"),
    (re.compile(r"^(?P<d>.+) / Gauss-Kruger zone (?P<n>\d+)$"), "{d} / 6度带高斯-克吕格 第{n}带"),
    (re.compile(r"^(?P<d>.+) / Gauss-Kruger CM (?P<n>\d+)E$"),
     "{d} / 6度带高斯-克吕格 中央经线 {n}°E"),
    (re.compile(r"^(?P<d>.+) / Pseudo-Mercator$"), "{d} / 伪墨卡托（网络地图）"),
)
_ZH_DATUM = {"China Geodetic Coordinate System 2000": "CGCS2000"}


def crs_name(crs: CRS | str, lang: str = "en") -> str:
    """The name of a coordinate reference system in ``lang`` ("en" or "zh").

    ``crs`` is a :class:`pyproj.CRS` or anything ``CRS.from_user_input`` takes ("EPSG:32646").
    English is the EPSG registry's name unchanged; Chinese translates the grid words of the
    names the unit uses (UTM, CGCS2000 Gauss-Kruger 3- and 6-degree zones, geographic
    latitude/longitude) and keeps datum names and codes as written ("WGS 84", "CGCS2000").
    A name not recognised is returned as the registry gives it (a code is read the same in
    both languages).

    >>> crs_name("EPSG:32646", "zh")
    'WGS 84 / UTM 第46带（北半球）'
    >>> crs_name("EPSG:4525", "zh")
    'CGCS2000 / 3度带高斯-克吕格 第37带'
    """
    c = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    name = c.name
    if lang != "zh":
        return name
    if c.is_geographic:
        return f"{_ZH_DATUM.get(name, name)} 经纬度"
    for pattern, template in _ZH_PROJECTED:
        m = pattern.match(name)
        if m:
            d = m.group("d")
            return template.format(d=_ZH_DATUM.get(d, d), n=m.groupdict().get("n", ""))
    return name
