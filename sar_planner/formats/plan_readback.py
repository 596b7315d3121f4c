"""Flight files read back as the plan flown, keeping each leg's role where the file carries it.

What each file carries (degrees WGS84, heights metres above mean sea level or NaN):

- QGroundControl ``.plan`` written by this planner: a top-level ``sar_planner`` block
  (:data:`sar_planner.formats.qgc_plan.ROLES_KEY`) names the role of the leg leaving each position
  item by ``doJumpId`` and the plan's sweep width, spacing, height, aircraft and CRS. The searching
  runs are exactly the legs whose role is ``search``. A ``.plan`` from elsewhere has no roles
  (:func:`qgc_plan_with_roles` returns None and the caller uses the segment rule).
- DJI WPML ``.kmz`` (Pilot 2 route): ``waylines.wpml`` is what the aircraft flies. It carries no
  role, but it carries each waypoint's ``waypointSpeed`` (the speed of the leg leaving it), and
  this planner flies every searching leg at the aircraft's search speed and every other leg
  (transits, turns) at its transit speed, which is faster for every aircraft in the catalogue.
  So when the route has two speeds or more, the legs at the slowest are the searching legs; with
  one speed there is nothing to tell them apart and every leg counts. Heights: an
  ``executeHeightMode`` of ``WGS84`` is ellipsoidal, so the EGM2008 geoid separation N is taken
  off (H = h - N); relative heights are not kept (NaN).

A ``.waypoints`` file (QGC WPL 110) has no place for a role: every line must have exactly 12
fields (QGroundControl calls any other line corrupt; pymavlink refuses it), and its speed changes
take effect one leg apart on PX4 and ArduPilot, so the file alone does not say which leg a speed
belongs to. It is not read as a plan flown; attach the ``.plan`` or GeoJSON export of the sortie.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sar_planner.errors import LogbookError
from sar_planner.flown_plan import FlownPlan, Run
from sar_planner.formats._safe import local_name, parse_xml

__all__ = ["qgc_plan_with_roles", "read_wpml_plan", "runs_from_legs"]

_POSITION_COMMANDS = (16, 21, 22)   # MAV_CMD NAV_WAYPOINT, NAV_LAND, NAV_TAKEOFF
_ROLES_KEY = "sar_planner"           # sar_planner.formats.qgc_plan.ROLES_KEY (not imported: light)


def _finite(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def qgc_item_point(item: Mapping[str, Any], filename: str) -> tuple[float, float, float]:
    """(lon, lat, height) in WGS84 degrees and metres AMSL of a QGroundControl position item;
    the height is NaN unless the item is in frame 0 (MAV_FRAME_GLOBAL, AMSL): relative heights
    are not kept. A missing or impossible position refuses the file (``filename`` names it)."""
    params = item.get("params")
    if not isinstance(params, list) or len(params) < 7:
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    lat, lon, alt = _finite(params[4]), _finite(params[5]), _finite(params[6])
    if lat is None or lon is None or not (abs(lat) <= 90 and abs(lon) <= 180):
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    return lon, lat, alt if alt is not None and item.get("frame") == 0 else math.nan

def runs_from_legs(points: Sequence[tuple[float, float, float]],
                   searching: Sequence[bool]) -> tuple[Run, ...]:
    """Searching runs from a polyline: consecutive legs ``points[i] -> points[i + 1]`` with
    ``searching[i]`` True joined into one run each."""
    runs: list[Run] = []
    current: list[tuple[float, float, float]] = []
    for i, search in enumerate(searching):
        if search:
            if not current:
                current = [points[i]]
            current.append(points[i + 1])
        elif current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return tuple(runs)


def qgc_plan_with_roles(filename: str, doc: Mapping[str, Any],
                        area: tuple[tuple[float, float], ...] | None) -> FlownPlan | None:
    """The plan flown from a ``.plan`` that carries this planner's roles block, or None when it
    does not (a file from QGroundControl or another planner).

    Raises
    ------
    LogbookError
        ``logbook.flown.err_plan_file`` when the block is there but damaged.
    """
    block = doc.get(_ROLES_KEY)
    if not isinstance(block, Mapping):
        return None
    roles_list = block.get("leg_roles")
    items = (doc.get("mission") or {}).get("items") if isinstance(doc.get("mission"), dict) \
        else None
    if not isinstance(roles_list, list) or not isinstance(items, list):
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    roles: dict[int, str] = {}
    for pair in roles_list:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
            raise LogbookError("logbook.flown.err_plan_file", file=filename)
        jump = _finite(pair[0])
        if jump is None:
            raise LogbookError("logbook.flown.err_plan_file", file=filename)
        roles[int(jump)] = pair[1]
    pts: list[tuple[float, float, float]] = []
    leg_roles: list[str] = []
    for item in items:
        if not isinstance(item, dict) or item.get("command") not in _POSITION_COMMANDS:
            continue
        pts.append(qgc_item_point(item, filename))
        leg_roles.append(roles.get(int(_finite(item.get("doJumpId")) or -1), ""))
    runs = runs_from_legs(pts, [r == "search" for r in leg_roles[:-1]])
    sortie = _finite(block.get("sortie"))
    number = int(sortie) if sortie is not None else None
    return FlownPlan(
        name=str(block.get("name") or Path(filename).stem), runs=runs, area=area,
        sweep_width_m=_finite(block.get("sweep_width_m")),
        spacing_m=_finite(block.get("spacing_m")), agl_m=_finite(block.get("agl_m")),
        asset_id=str(block.get("asset_id") or ""), pattern=str(block.get("pattern") or ""),
        crs=str(block["crs"]) if isinstance(block.get("crs"), str) else None,
        source="qgc-plan", run_sorties=(number,) * len(runs) if number is not None else (),
        sortie=number)


def _wpml(el, name: str) -> str | None:
    for c in el:
        if local_name(c.tag) == name:
            return c.text
    return None


def read_wpml_plan(filename: str, data: bytes) -> FlownPlan:
    """The plan flown from a DJI WPML route ``.kmz`` (its ``waylines.wpml``).

    Raises
    ------
    LogbookError
        ``logbook.flown.err_plan_file`` when it is not a DJI route or is damaged.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
        name = next((n for n in zf.namelist() if n.lower().endswith("waylines.wpml")), None)
        info = zf.getinfo(name) if name else None
        if info is None or info.file_size > 64 * 1024 * 1024:
            raise LogbookError("logbook.flown.err_plan_file", file=filename)
        xml = zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        raise LogbookError("logbook.flown.err_plan_file", file=filename) from None
    try:
        root = parse_xml(filename, xml, "kml", "KML")
    except Exception:   # FormatError for hostile or broken XML: one message for the crew
        raise LogbookError("logbook.flown.err_plan_file", file=filename) from None
    folder = next((e for e in root.iter() if local_name(e.tag) == "Folder"), None)
    if folder is None:
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    mode = (_wpml(folder, "executeHeightMode") or "").strip()
    default_speed = _finite(_wpml(folder, "autoFlightSpeed"))
    lons: list[float] = []
    lats: list[float] = []
    heights: list[float] = []
    speeds: list[float | None] = []
    for pm in (e for e in folder if local_name(e.tag) == "Placemark"):
        point = next((e for e in pm.iter() if local_name(e.tag) == "coordinates"), None)
        parts = (point.text or "").strip().split(",") if point is not None else []
        lon = _finite(parts[0]) if len(parts) >= 2 else None
        lat = _finite(parts[1]) if len(parts) >= 2 else None
        if lon is None or lat is None or not (abs(lat) <= 90 and abs(lon) <= 180):
            raise LogbookError("logbook.flown.err_plan_file", file=filename)
        h = _finite(_wpml(pm, "executeHeight"))
        lons.append(lon)
        lats.append(lat)
        heights.append(h if h is not None and mode == "WGS84" else math.nan)
        speed = _finite(_wpml(pm, "waypointSpeed"))
        speeds.append(speed if speed is not None else default_speed)
    if len(lons) < 2:
        raise LogbookError("logbook.flown.err_plan_no_search", file=filename)
    if mode == "WGS84":
        from sar_planner.terrain import geoid_separation

        n = np.atleast_1d(geoid_separation(np.array(lats), np.array(lons)))
        heights = [h - float(v) for h, v in zip(heights, n, strict=True)]
    pts = list(zip(lons, lats, heights, strict=True))
    leg_speeds = [s for s in speeds[:-1]]
    known = sorted({round(s, 2) for s in leg_speeds if s is not None})
    if len(known) >= 2:
        slowest = known[0]
        searching = [s is not None and round(s, 2) == slowest for s in leg_speeds]
    else:
        searching = [True] * len(leg_speeds)
    return FlownPlan(name=Path(filename).stem, runs=runs_from_legs(pts, searching),
                     source="dji-wpml")
