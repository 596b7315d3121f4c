"""GeoJSON (RFC 7946) writer: segment, home, one track per sortie and every waypoint.

RFC 7946 section 4 fixes the coordinate reference system as WGS84 longitude, latitude and says
the optional third position element is the height in metres above or below the WGS84
**ellipsoid**. Positions are therefore ``[lon, lat, h]`` with h = AMSL + N (EGM2008 geoid
separation, about -48 m near Golmud). Every point also carries ``alt_amsl_m`` (sea level) and
``alt_ellipsoid_m`` in its properties so nobody has to guess which height is which.
"""

from __future__ import annotations

import json
from typing import Any

from sar_planner.formats._common import check_exportable, geoid_n, select_sorties, waypoint_label
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
        Features with ``properties.kind`` = ``area``, ``home``, ``track`` or ``waypoint``.
    """
    check_exportable(plan)
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".geojson")
    all_pts = [plan.home, *(w for s in sorties for w in s.waypoints)]
    heights = {id(w): round(w.alt_amsl_m + n, 3) for w, n in zip(all_pts, geoid_n(all_pts))}

    def _h(w: Waypoint) -> float:
        return heights[id(w)]

    feats: list[dict[str, Any]] = []
    if plan.area_wgs84:
        ring = [[round(lon, 9), round(lat, 9)] for lon, lat in plan.area_wgs84]
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"kind": "area", "name": plan.name}})
    feats.append({"type": "Feature",
                  "geometry": {"type": "Point", "coordinates": _pos(plan.home, _h(plan.home))},
                  "properties": {"kind": "home", "alt_amsl_m": plan.home.alt_amsl_m,
                                 "alt_ellipsoid_m": _h(plan.home)}})
    for s in sorties:
        feats.append({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": [_pos(w, _h(w)) for w in s.waypoints]},
            "properties": {"kind": "track", "sortie": s.index, "length_m": s.length_m,
                           "duration_s": s.duration_s, "search_length_m": s.search_length_m},
        })
        for i, w in enumerate(s.waypoints):
            feats.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _pos(w, _h(w))},
                "properties": {"kind": "waypoint", "name": waypoint_label(s, i),
                               "sortie": s.index, "seq": i, "role": w.role,
                               "alt_amsl_m": w.alt_amsl_m, "alt_ellipsoid_m": _h(w),
                               "agl_m": w.agl_m, "speed_m_s": w.speed_m_s},
            })
    doc = {"type": "FeatureCollection", "name": plan.name,
           "height_note": "third coordinate = metres above the WGS84 ellipsoid (RFC 7946); "
                          "properties.alt_amsl_m = metres above mean sea level",
           "features": feats}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
