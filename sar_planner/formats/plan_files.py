"""Plan files read back as the plan flown: the plan page's GeoJSON export and QGroundControl ``.plan``.

:func:`read_flown_plan` turns the file a crew flew with into a
:class:`~sar_planner.flown_plan.FlownPlan` (degrees WGS84, metres AMSL). A ``.plan`` written by
this planner names each leg's role (and the sweep width), so only its searching legs count; a
``.plan`` from elsewhere carries no roles: its searching legs are taken as the legs between two
NAV_WAYPOINT items whose midpoint lies inside the geofence polygon (the segment), or all of them
when there is no polygon. A DJI WPML route ``.kmz`` counts the legs at its slowest speed
(:mod:`sar_planner.formats.plan_readback`, which also says why a ``.waypoints`` is not read).
Prefer the GeoJSON export, which names every leg's role and carries the sweep width.
Errors are :class:`~sar_planner.errors.LogbookError` with ``logbook.flown.err_plan_*`` keys (the
logbook page shows them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon

from sar_planner.errors import LogbookError
from sar_planner.flown_plan import FlownPlan, Run
from sar_planner.formats.plan_readback import _finite, qgc_item_point, qgc_plan_with_roles, read_wpml_plan

__all__ = ["PLAN_EXTENSIONS", "read_flown_plan", "geojson_plan"]

#: File extensions :func:`read_flown_plan` understands.
PLAN_EXTENSIONS = (".geojson", ".json", ".plan", ".kmz")
#: Largest plan file read, bytes (16 MiB).
_MAX_PLAN_BYTES = 16 * 1024 * 1024
#: MAVLink MAV_CMD_NAV_WAYPOINT (MAVLink common message set, MAV_CMD enum value 16).
_MAV_CMD_NAV_WAYPOINT = 16


def geojson_plan(filename: str, doc: Mapping[str, Any]) -> FlownPlan:
    """The plan flown from a parsed GeoJSON plan export (``doc``; ``filename`` names it in
    errors): searching runs with their sortie numbers, the segment and the plan's metadata.
    The runs may be empty; :func:`read_flown_plan` refuses that."""
    feats = doc.get("features")
    if doc.get("type") != "FeatureCollection" or not isinstance(feats, list):
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    waypoints: dict[int, list[tuple[int, str, float, float, float]]] = {}
    area = None
    for f in feats:
        if not isinstance(f, dict):
            continue
        props: Mapping[str, Any] = (f["properties"] if isinstance(f.get("properties"), dict)
                                    else {})
        geom: Mapping[str, Any] = f["geometry"] if isinstance(f.get("geometry"), dict) else {}
        coords = geom.get("coordinates")
        kind = props.get("kind")
        if kind == "waypoint" and geom.get("type") == "Point" and isinstance(coords, list) \
                and len(coords) >= 2:
            lon, lat = _finite(coords[0]), _finite(coords[1])
            alt = _finite(props.get("alt_amsl_m"))
            sortie, seq = _finite(props.get("sortie")), _finite(props.get("seq"))
            if lon is None or lat is None or sortie is None or seq is None \
                    or not (abs(lat) <= 90 and abs(lon) <= 180):
                raise LogbookError("logbook.flown.err_plan_file", file=filename)
            waypoints.setdefault(int(sortie), []).append(
                (int(seq), str(props.get("role", "")), lon, lat,
                 math.nan if alt is None else alt))
        elif kind == "area" and geom.get("type") == "Polygon" and isinstance(coords, list) \
                and coords and isinstance(coords[0], list):
            ring = [(_finite(p[0]), _finite(p[1])) for p in coords[0]
                    if isinstance(p, list) and len(p) >= 2]
            if len(ring) >= 4 and all(a is not None and b is not None for a, b in ring):
                area = tuple((float(a), float(b)) for a, b in ring)  # type: ignore[arg-type]
    runs: list[Run] = []
    numbers: list[int] = []
    for sortie in sorted(waypoints):
        wps = sorted(waypoints[sortie])
        current: list[tuple[float, float, float]] = []
        for i, (_, role, lon, lat, alt) in enumerate(wps):
            if role == "search" and i + 1 < len(wps):
                if not current:
                    current = [(lon, lat, alt)]
                current.append(wps[i + 1][2:])
            elif current:
                runs.append(tuple(current))
                current = []
        if current:
            runs.append(tuple(current))
        numbers += [sortie] * (len(runs) - len(numbers))
    meta: Mapping[str, Any] = (doc["properties"] if isinstance(doc.get("properties"), dict)
                               else {})
    only = sorted(set(numbers))
    return FlownPlan(name=str(doc.get("name") or Path(filename).stem), runs=tuple(runs), area=area,
                     run_sorties=tuple(numbers), sortie=only[0] if len(only) == 1 else None,
                     sweep_width_m=_finite(meta.get("sweep_width_m")),
                     spacing_m=_finite(meta.get("spacing_m")), agl_m=_finite(meta.get("agl_m")),
                     asset_id=str(meta.get("asset_id") or ""),
                     pattern=str(meta.get("pattern") or ""),
                     crs=str(meta["crs"]) if isinstance(meta.get("crs"), str) else None,
                     source="geojson")


def _read_qgc_plan(filename: str, doc: Mapping[str, Any]) -> FlownPlan:
    mission = doc.get("mission")
    items = mission.get("items") if isinstance(mission, dict) else None
    if doc.get("fileType") != "Plan" or not isinstance(items, list):
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    pts: list[tuple[float, float, float]] = []
    for item in items:
        if not isinstance(item, dict) or item.get("command") != _MAV_CMD_NAV_WAYPOINT:
            continue
        pts.append(qgc_item_point(item, filename))
    area = None
    fence = doc.get("geoFence")
    for poly in (fence.get("polygons") or []) if isinstance(fence, dict) else []:
        ring = poly.get("polygon") if isinstance(poly, dict) else None
        if poly.get("inclusion", True) and isinstance(ring, list) and len(ring) >= 3:
            pairs = [(_finite(p[1]), _finite(p[0])) for p in ring
                     if isinstance(p, list) and len(p) >= 2]
            if len(pairs) == len(ring) and all(a is not None and b is not None for a, b in pairs):
                area = tuple((float(a), float(b)) for a, b in pairs)  # type: ignore[arg-type]
                area = area + (area[0],)
                break
    # this planner's own .plan names every leg's role: only its searching legs count
    with_roles = qgc_plan_with_roles(filename, doc, area)
    if with_roles is not None:
        return with_roles
    inside = Polygon(area) if area else None
    runs: list[Run] = []
    current: list[tuple[float, float, float]] = []
    for a, b in zip(pts, pts[1:], strict=False):  # consecutive pairs
        mid = shapely.Point((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
        if inside is None or inside.covers(mid):
            if not current:
                current = [a]
            current.append(b)
        elif current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return FlownPlan(name=Path(filename).stem, runs=tuple(runs), area=area, source="qgc-plan")


def read_flown_plan(filename: str, data: bytes) -> FlownPlan:
    """The plan flown from the file the crew flew it with.

    Parameters
    ----------
    filename:
        The uploaded file's name: ``.geojson``/``.json`` (the plan page's GeoJSON export),
        ``.plan`` (QGroundControl) or ``.kmz`` (DJI WPML route).
    data:
        The file's bytes (at most 16 MiB).

    Returns
    -------
    FlownPlan
        Its searching runs (degrees WGS84, metres AMSL), segment and, for a GeoJSON export
        that carries it, the sweep width.

    Raises
    ------
    LogbookError
        Unknown extension, empty or oversized file, not JSON, not a plan, or a plan without
        any searching leg.
    """
    ext = Path(filename).suffix.lower()
    if ext not in PLAN_EXTENSIONS:
        raise LogbookError("logbook.flown.err_plan_ext", file=filename,
                           known=", ".join(PLAN_EXTENSIONS))
    if not data or len(data) > _MAX_PLAN_BYTES:
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    if ext == ".kmz":   # a DJI Pilot 2 route: roles from its speeds (formats.plan_readback)
        plan = read_wpml_plan(filename, data)
        if not plan.runs:
            raise LogbookError("logbook.flown.err_plan_no_search", file=filename)
        return plan
    try:
        doc = json.loads(bytes(data).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise LogbookError("logbook.flown.err_plan_file", file=filename) from None
    if not isinstance(doc, dict):
        raise LogbookError("logbook.flown.err_plan_file", file=filename)
    plan = _read_qgc_plan(filename, doc) if ext == ".plan" else geojson_plan(filename, doc)
    if not plan.runs:
        raise LogbookError("logbook.flown.err_plan_no_search", file=filename)
    return plan

