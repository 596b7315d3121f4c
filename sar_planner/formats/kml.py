"""KML 2.2 writer: the 3D track of every sortie, its waypoints, the home point and the segment.

Follows the OGC KML 2.2 standard (07-147r2): coordinates are ``lon,lat,alt`` in degrees WGS84
with ``altitudeMode`` = ``absolute``, which the standard defines as height above sea level, so the
planner's AMSL heights are written unchanged. The segment polygon is ``clampToGround``. Styles
carry colours only (no icon links), so nothing is fetched when the file is opened offline.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sar_planner.formats._common import (
    check_exportable,
    distinct_points,
    select_sorties,
    waypoint_label,
)
from sar_planner.plan import SortiePlan

__all__ = ["write_kml", "KML_NS", "kml_document"]

KML_NS = "http://www.opengis.net/kml/2.2"

# KML colours are aabbggrr.
_STYLES = {
    "track": ("ff0000ff", 3.0, None),        # red line
    "area": ("ff00ffff", 2.0, "4000ffff"),   # yellow outline, translucent fill
    "waypoint": ("ffffffff", 1.0, None),
    "home": ("ff00ff00", 1.0, None),
}


def _el(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _coord(lon: float, lat: float, alt: float | None = None) -> str:
    base = f"{lon:.8f},{lat:.8f}"
    return base if alt is None else f"{base},{alt:.3f}"


def kml_document(plan: SortiePlan, sortie: int | None = None) -> ET.Element:
    """The ``<kml>`` element for ``plan`` (used by :func:`write_kml` and the ``.kmz`` of KML)."""
    check_exportable(plan)
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".kml")
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _el(root, "Document")
    _el(doc, "name", plan.name)
    _el(doc, "description",
        f"asset {plan.asset_id}; pattern {plan.pattern}; spacing {plan.spacing_m:.0f} m; "
        f"sweep width {plan.sweep_width_m:.0f} m; {plan.agl_m:.0f} m above ground; "
        "altitudes are metres above mean sea level")
    for sid, (line, width, fill) in _STYLES.items():
        st = _el(doc, "Style")
        st.set("id", sid)
        if sid in ("waypoint", "home"):
            ic = _el(st, "IconStyle")
            _el(ic, "color", line)
            _el(ic, "scale", "0.8")
        else:
            ls = _el(st, "LineStyle")
            _el(ls, "color", line)
            _el(ls, "width", width)
        if fill:
            ps = _el(st, "PolyStyle")
            _el(ps, "color", fill)
    if plan.area_wgs84:
        pm = _el(doc, "Placemark")
        _el(pm, "name", "search segment")
        _el(pm, "styleUrl", "#area")
        poly = _el(pm, "Polygon")
        _el(poly, "tessellate", 1)
        _el(poly, "altitudeMode", "clampToGround")
        ring = list(plan.area_wgs84)
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        lr = _el(_el(poly, "outerBoundaryIs"), "LinearRing")
        _el(lr, "coordinates", " ".join(_coord(lon, lat) for lon, lat in ring))
    home = _el(doc, "Placemark")
    _el(home, "name", "home")
    _el(home, "styleUrl", "#home")
    hp = _el(home, "Point")
    _el(hp, "altitudeMode", "absolute")
    _el(hp, "coordinates", _coord(plan.home.lon, plan.home.lat, plan.home.alt_amsl_m))
    for s in sorties:
        folder = _el(doc, "Folder")
        _el(folder, "name", f"sortie {s.index}")
        track = _el(folder, "Placemark")
        _el(track, "name", f"sortie {s.index} track")
        _el(track, "description", f"{s.length_m / 1000:.2f} km, {s.duration_s / 60:.0f} min")
        _el(track, "styleUrl", "#track")
        ls = _el(track, "LineString")
        _el(ls, "altitudeMode", "absolute")
        pts = distinct_points(s.waypoints)  # no zero-length leg; names keep their numbers
        _el(ls, "coordinates", " ".join(_coord(w.lon, w.lat, w.alt_amsl_m) for _, w in pts))
        for i, w in pts:
            pm = _el(folder, "Placemark")
            _el(pm, "name", waypoint_label(s, i))
            _el(pm, "description", f"{w.role}; {w.alt_amsl_m:.1f} m AMSL; {w.agl_m:.1f} m above "
                                   f"ground; {w.speed_m_s:.1f} m/s")
            _el(pm, "styleUrl", "#waypoint")
            pt = _el(pm, "Point")
            _el(pt, "altitudeMode", "absolute")
            _el(pt, "coordinates", _coord(w.lon, w.lat, w.alt_amsl_m))
    return root


def write_kml(plan: SortiePlan, *, sortie: int | None = None) -> bytes:
    """``plan`` (all sorties, or the one chosen) as a KML 2.2 document, UTF-8.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number, or None for every sortie (one folder each).
    """
    root = kml_document(plan, sortie)
    ET.register_namespace("", KML_NS)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
