"""GPX 1.1 writer: waypoints and one route per sortie.

Follows the GPX 1.1 schema (topografix.com/GPX/1/1, gpx.xsd): ``wpt`` elements before ``rte``,
child order ``ele``, ``geoidheight``, ``name``, ``desc``, ``type`` as the schema's sequence
demands. ``ele`` is the planner's height above mean sea level; ``geoidheight`` is the EGM2008
geoid separation there (the schema's "height of geoid above WGS84 ellipsoid"), so a reader that
needs ellipsoidal heights can add them. A point at the same place and height as the one before
it is written once, so no route has a zero-length leg.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sar_planner.formats._common import (
    check_exportable,
    distinct_points,
    geoid_n,
    select_sorties,
    waypoint_label,
)
from sar_planner.plan import SortiePlan, Waypoint

__all__ = ["write_gpx", "GPX_NS"]

GPX_NS = "http://www.topografix.com/GPX/1/1"


def _el(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{GPX_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _point(parent: ET.Element, tag: str, w: Waypoint, name: str, n: float) -> None:
    el = _el(parent, tag)
    el.set("lat", f"{w.lat:.8f}")
    el.set("lon", f"{w.lon:.8f}")
    _el(el, "ele", f"{w.alt_amsl_m:.3f}")
    _el(el, "geoidheight", f"{n:.3f}")
    _el(el, "name", name)
    _el(el, "desc", f"{w.role}; {w.agl_m:.1f} m above ground; {w.speed_m_s:.1f} m/s")
    _el(el, "type", w.role)


def write_gpx(plan: SortiePlan, *, sortie: int | None = None) -> bytes:
    """``plan`` as GPX 1.1: home and every waypoint as ``wpt``, each sortie as a ``rte``.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number, or None for every sortie.
    """
    check_exportable(plan)
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".gpx")
    root = ET.Element(f"{{{GPX_NS}}}gpx")
    root.set("version", "1.1")
    root.set("creator", "sar_planner")
    meta = _el(root, "metadata")
    _el(meta, "name", plan.name)
    _el(meta, "desc", f"asset {plan.asset_id}; pattern {plan.pattern}; "
                      "ele = metres above mean sea level")
    # a point at the same place and height as the one before is written once (no zero-length
    # leg); the names keep the waypoint numbers the briefing prints
    kept = [(s, distinct_points(s.waypoints)) for s in sorties]
    home_n, *ns = geoid_n([plan.home, *(w for _, pts in kept for _, w in pts)])
    _point(root, "wpt", plan.home, "HOME", home_n)
    k = 0
    for s, pts in kept:
        for i, w in pts:
            _point(root, "wpt", w, waypoint_label(s, i), ns[k])
            k += 1
    k = 0
    for s, pts in kept:
        rte = _el(root, "rte")
        _el(rte, "name", f"{plan.name} - sortie {s.index}")
        _el(rte, "number", s.index)
        for i, w in pts:
            _point(rte, "rtept", w, waypoint_label(s, i), ns[k])
            k += 1
    ET.register_namespace("", GPX_NS)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
