"""GeoJSON (RFC 7946) writer: segment, home, one track per sortie and every waypoint.

Positions are ``[lon, lat, altitude above mean sea level in metres]``: that is the unit's contract
for ``sar-planner plan --out FILE.geojson`` (issue 4), which analysts' scripts build on. It departs
from RFC 7946 section 4, which makes the third element a height above the WGS84 **ellipsoid**
(about 48 m less than sea level near Golmud, EGM2008), so the file says so in ``height_note`` and
every point also carries ``alt_amsl_m`` and ``alt_ellipsoid_m`` in its properties: a reader that
follows the RFC can take the ellipsoidal height from there.
"""

from __future__ import annotations

import json
from typing import Any

from sar_planner.formats._common import (
    check_exportable,
    distinct_points,
    geoid_n,
    select_sorties,
    waypoint_label,
)
from sar_planner.plan import SortiePlan, Waypoint

__all__ = ["write_geojson"]


def _pos(w: Waypoint, h: float) -> list[float]:
    return [round(w.lon, 9), round(w.lat, 9), h]


def write_geojson(plan: SortiePlan, *, sortie: int | None = None) -> bytes:
    """``plan`` as a GeoJSON FeatureCollection (UTF-8).

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number, or None for every sortie.

    Returns
    -------
    bytes
        Features with ``properties.kind`` = ``area``, ``home``, ``track`` or ``waypoint``; the
        collection's own ``properties`` (a foreign member, RFC 7946 section 6.1) say what the
        plan was made with: ``asset_id``, ``pattern``, ``sweep_width_m``, ``spacing_m``,
        ``agl_m`` (metres) and ``crs`` (the mission CRS), so that the file can be attached to a
        sortie in the logbook as the plan flown (:mod:`sar_planner.flown_plan`).
    """
    check_exportable(plan)
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".geojson")
    all_pts = [plan.home, *(w for s in sorties for w in s.waypoints)]
    heights = {id(w): round(w.alt_amsl_m + n, 3) for w, n in zip(all_pts, geoid_n(all_pts), strict=True)}

    def _h(w: Waypoint) -> float:
        return heights[id(w)]

    def _pos_amsl(w: Waypoint) -> list[float]:
        return _pos(w, round(w.alt_amsl_m, 3))

    feats: list[dict[str, Any]] = []
    if plan.area_wgs84:
        ring = [[round(lon, 9), round(lat, 9)] for lon, lat in plan.area_wgs84]
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"kind": "area", "name": plan.name}})
    feats.append({"type": "Feature",
                  "geometry": {"type": "Point", "coordinates": _pos_amsl(plan.home)},
                  "properties": {"kind": "home", "alt_amsl_m": plan.home.alt_amsl_m,
                                 "alt_ellipsoid_m": _h(plan.home)}})
    for s in sorties:
        # a point at the same place and height as the one before is written once (no
        # zero-length leg); "seq" keeps the waypoint's number in the sortie
        kept = distinct_points(s.waypoints)
        feats.append({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": [_pos_amsl(w) for _, w in kept]},
            "properties": {"kind": "track", "sortie": s.index, "length_m": s.length_m,
                           "duration_s": s.duration_s, "search_length_m": s.search_length_m},
        })
        for i, w in kept:
            feats.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _pos_amsl(w)},
                "properties": {"kind": "waypoint", "name": waypoint_label(s, i),
                               "sortie": s.index, "seq": i, "role": w.role,
                               "alt_amsl_m": w.alt_amsl_m, "alt_ellipsoid_m": _h(w),
                               "agl_m": w.agl_m, "speed_m_s": w.speed_m_s},
            })
    doc = {"type": "FeatureCollection", "name": plan.name,
           "properties": {"kind": "plan", "asset_id": plan.asset_id, "pattern": plan.pattern,
                          "sweep_width_m": plan.sweep_width_m, "spacing_m": plan.spacing_m,
                          "agl_m": plan.agl_m, "crs": plan.crs},
           "height_note": "third coordinate = metres above mean sea level (EGM2008 orthometric), "
                          "not the RFC 7946 ellipsoidal height; properties.alt_ellipsoid_m = "
                          "metres above the WGS84 ellipsoid",
           "features": feats}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
