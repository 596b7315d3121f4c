"""DJI WPML writer: ``.kmz`` with ``wpmz/template.kml`` + ``wpmz/waylines.wpml`` for DJI Pilot 2.

Element names, values and nesting follow the DJI Cloud API documentation "DJI WPML" (overview,
template.kml, waylines.wpml, common elements; namespace ``http://www.dji.com/wpmz/1.0.2``):

- ``waylines.wpml`` is what the aircraft executes. It is written with
  ``executeHeightMode`` = ``WGS84``: every ``executeHeight`` is a height above the WGS84
  ellipsoid, h = H + N, where H is the planner's height above mean sea level and N the EGM2008
  geoid separation at that waypoint (:func:`sar_planner.terrain.geoid_separation`). Near Golmud
  N is about -48 m, so writing sea-level heights here would put the aircraft ~48 m LOWER than
  planned.
- ``template.kml`` (what Pilot 2 shows for editing) holds the same points with
  ``heightMode`` = ``EGM96``: ``height`` is the sea-level height H and ``ellipsoidHeight`` is h.
  (The planner's H comes from the DEM's sea-level datum and N from EGM2008; EGM96 and EGM2008
  differ by well under a metre to a few metres, inside the planned clearance.)

Launch and touchdown points on the ground are not waypoints: the aircraft climbs to
``takeOffSecurityHeight`` and, with ``flyToWaylineMode`` = ``safely``, climbs to the first
waypoint's height before flying to it; at the end it does ``finishAction``. Consecutive points at
the same place and height are written once (Pilot 2 checks a minimum waypoint spacing).

Return to home: ``wpml:globalRTHHeight`` (DJI marks it required for M300/M350/M30/M3 series) is
the sortie's :class:`~sar_planner.plan.ReturnHeight`, a height above the take-off point that
clears the highest terrain between the route and home by the plan's clearance, rounded up to a
whole metre and never below :data:`RTH_MIN_M`. Without it ``finishAction goHome`` and the RC-lost
``goBack`` would climb to whatever the remote holds, which in these mountains can be below a
ridge; so a plan without a return height (not made over a DEM) is refused. The template's
``wpml:payloadParam`` names the camera's mount and the lenses to record (:data:`IMAGE_FORMATS`).
"""

from __future__ import annotations

import io
import math
import zipfile
from xml.etree import ElementTree as ET

from sar_planner.errors import FormatError
from sar_planner.formats._common import (
    airborne,
    check_exportable,
    distinct_points,
    geoid_n,
    select_sorties,
    utc_now,
)
from sar_planner.plan import SortiePlan

__all__ = ["write_dji_kmz", "rth_height_m", "WPML_NS", "KML_NS", "DRONE_ENUMS", "PAYLOAD_ENUMS",
           "IMAGE_FORMATS", "RTH_MIN_M"]

KML_NS = "http://www.opengis.net/kml/2.2"
WPML_NS = "http://www.dji.com/wpmz/1.0.2"

#: (droneEnumValue, droneSubEnumValue) by model, from DJI Cloud API "Product Support"
#: (enumeration values of aircraft).
DRONE_ENUMS: dict[str, tuple[int, int]] = {
    "M300 RTK": (60, 0), "M350 RTK": (89, 0), "M30": (67, 0), "M30T": (67, 1),
    "Mavic 3E": (77, 0), "Mavic 3T": (77, 1), "Mavic 3M": (77, 2),
    "Matrice 3D": (91, 0), "Matrice 3TD": (91, 1),
}
#: payloadEnumValue by camera, from the same page (enumeration values of cameras).
PAYLOAD_ENUMS: dict[str, int] = {
    "H20": 42, "H20T": 43, "H20N": 61, "M30 camera": 52, "M30T camera": 53, "H30": 82, "H30T": 83,
    "M3E camera": 66, "M3T camera": 67, "M3M camera": 68,
}

#: ``wpml:imageFormat`` of ``payloadParam`` by ``payloadEnumValue``: the thermal payloads record
#: the wide and infrared lenses (a search relies on the thermal picture), the Mavic 3E/3M camera
#: its visible lens (DJI spells it ``visable``); any other camera ``wide``. Lens names from the DJI
#: WPML common elements (``wide``, ``zoom``, ``ir``, ``narrow_band``, ``visable``).
IMAGE_FORMATS: dict[int, str] = {43: "wide,ir", 53: "wide,ir", 61: "wide,ir", 67: "wide,ir",
                                 83: "wide,ir", 66: "visable", 68: "visable"}
#: Lowest RTH height DJI Pilot 2 accepts, metres above the take-off point (its RTH setting starts
#: at 20 m on the M30/M300/M350/Mavic 3 enterprise series).
RTH_MIN_M = 20.0

_FINISH = ("goHome", "autoLand", "noAction", "gotoFirstWaypoint")
_RC_LOST = ("goBack", "landing", "hover")
_EXIT_ON_RC_LOST = ("goContinue", "executeLostAction")


def _sub(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    ns, _, name = tag.partition(":")
    el = ET.SubElement(parent, f"{{{WPML_NS}}}{name}" if ns == "wpml" else f"{{{KML_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _num(value: float, places: int = 3) -> str:
    text = f"{value:.{places}f}"
    if "." in text:   # trailing zeros of the fraction only ("380" stays 380)
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise FormatError("formats.err_bad_option", name=name, value=value,
                          allowed=", ".join(allowed))


def rth_height_m(plan: SortiePlan, sortie: int | None = None) -> float:
    """The ``globalRTHHeight`` written for one sortie: metres above the take-off point.

    Raises
    ------
    FormatError
        ``formats.err_no_rth`` when the sortie has no :class:`~sar_planner.plan.ReturnHeight`.
    """
    (chosen,) = select_sorties(plan, sortie, one_flight=True, fmt=".kmz")
    if chosen.rth is None:
        raise FormatError("formats.err_no_rth", plan=plan.name, sortie=chosen.index)
    return float(max(RTH_MIN_M, math.ceil(chosen.rth.above_home_m - 1e-6)))


def write_dji_kmz(plan: SortiePlan, *, sortie: int | None = None, drone_enum: int | None = None,
                  drone_sub_enum: int = 0, payload_enum: int | None = None,
                  payload_position: int = 0, finish_action: str = "goHome",
                  exit_on_rc_lost: str = "executeLostAction", rc_lost_action: str = "goBack",
                  take_off_security_height_m: float = 20.0, author: str = "sar_planner") -> bytes:
    """One sortie of ``plan`` as a DJI WPML ``.kmz`` (waypoint template + executable wayline).

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number; may be omitted when the plan has one sortie.
    drone_enum, drone_sub_enum:
        ``droneEnumValue`` / ``droneSubEnumValue`` of the aircraft (see :data:`DRONE_ENUMS`;
        e.g. M350 RTK 89/0, M30T 67/1, Mavic 3T 77/1). Required: Pilot 2 refuses a route made
        for another model. (Will come from the asset catalogue once it exists.)
    payload_enum, payload_position:
        ``payloadEnumValue`` of the camera (see :data:`PAYLOAD_ENUMS`; e.g. H20T 43, H30T 83)
        and its mount (0 = main gimbal).
    finish_action:
        ``goHome`` (default), ``autoLand``, ``noAction`` or ``gotoFirstWaypoint``.
    exit_on_rc_lost, rc_lost_action:
        On loss of the controller link: ``executeLostAction`` (default: leave the route and do
        ``rc_lost_action``) or ``goContinue``; ``goBack`` (default), ``landing`` or ``hover``.
    take_off_security_height_m:
        Height above the launch point the aircraft climbs to before heading to the route,
        metres (DJI range 1.2-1500).

    Returns
    -------
    bytes
        The zip archive.

    Raises
    ------
    FormatError
        Missing or bad enums or options, blocking notice, several sorties and none chosen.
    """
    check_exportable(plan)
    if drone_enum is None or payload_enum is None:
        raise FormatError("formats.err_dji_enum")
    for name, value in (("drone_enum", drone_enum), ("drone_sub_enum", drone_sub_enum),
                        ("payload_enum", payload_enum), ("payload_position", payload_position)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FormatError("formats.err_bad_option", name=name, value=value,
                              allowed="0, 1, 2, ...")
    _check_choice("finish_action", finish_action, _FINISH)
    _check_choice("exit_on_rc_lost", exit_on_rc_lost, _EXIT_ON_RC_LOST)
    _check_choice("rc_lost_action", rc_lost_action, _RC_LOST)
    if not 1.2 <= float(take_off_security_height_m) <= 1500:
        raise FormatError("formats.err_bad_option", name="take_off_security_height_m",
                          value=take_off_security_height_m, allowed="1.2-1500")
    (chosen,) = select_sorties(plan, sortie, one_flight=True, fmt=".kmz")
    rth_m = rth_height_m(plan, chosen.index)
    pts = [w for _, w in distinct_points(airborne(chosen))]
    *n_sep, home_n = geoid_n([*pts, plan.home])
    speeds = [w.speed_m_s for w in pts if w.speed_m_s > 0]
    auto_speed = speeds[0] if speeds else 5.0
    transit_speed = max(speeds) if speeds else 5.0
    stamp = str(int(utc_now().timestamp() * 1000))

    def mission_config(doc: ET.Element, with_ref_point: bool) -> None:
        mc = _sub(doc, "wpml:missionConfig")
        _sub(mc, "wpml:flyToWaylineMode", "safely")
        _sub(mc, "wpml:finishAction", finish_action)
        _sub(mc, "wpml:exitOnRCLost", exit_on_rc_lost)
        if exit_on_rc_lost == "executeLostAction":
            _sub(mc, "wpml:executeRCLostAction", rc_lost_action)
        _sub(mc, "wpml:takeOffSecurityHeight", _num(take_off_security_height_m, 1))
        if with_ref_point:
            # Reference take-off point: "lat,lon,height" with an ellipsoidal height.
            _sub(mc, "wpml:takeOffRefPoint", f"{plan.home.lat:.8f},{plan.home.lon:.8f},"
                                             f"{_num(plan.home.alt_amsl_m + home_n)}")
        _sub(mc, "wpml:globalTransitionalSpeed", _num(transit_speed, 2))
        _sub(mc, "wpml:globalRTHHeight", str(int(rth_m)))   # whole metres, never stripped
        di = _sub(mc, "wpml:droneInfo")
        _sub(di, "wpml:droneEnumValue", drone_enum)
        _sub(di, "wpml:droneSubEnumValue", drone_sub_enum)
        pi = _sub(mc, "wpml:payloadInfo")
        _sub(pi, "wpml:payloadEnumValue", payload_enum)
        _sub(pi, "wpml:payloadPositionIndex", payload_position)

    # --- template.kml
    t_root = ET.Element(f"{{{KML_NS}}}kml")
    t_doc = _sub(t_root, "Document")
    _sub(t_doc, "wpml:author", author)
    _sub(t_doc, "wpml:createTime", stamp)
    _sub(t_doc, "wpml:updateTime", stamp)
    mission_config(t_doc, True)
    t_folder = _sub(t_doc, "Folder")
    _sub(t_folder, "wpml:templateType", "waypoint")
    _sub(t_folder, "wpml:templateId", 0)
    cs = _sub(t_folder, "wpml:waylineCoordinateSysParam")
    _sub(cs, "wpml:coordinateMode", "WGS84")
    _sub(cs, "wpml:heightMode", "EGM96")
    _sub(t_folder, "wpml:autoFlightSpeed", _num(auto_speed, 2))
    _sub(t_folder, "wpml:globalHeight", _num(pts[0].alt_amsl_m))
    _sub(t_folder, "wpml:caliFlightEnable", 0)
    _sub(t_folder, "wpml:gimbalPitchMode", "manual")
    gh = _sub(t_folder, "wpml:globalWaypointHeadingParam")
    _sub(gh, "wpml:waypointHeadingMode", "followWayline")
    _sub(t_folder, "wpml:globalWaypointTurnMode", "toPointAndStopWithDiscontinuityCurvature")
    _sub(t_folder, "wpml:globalUseStraightLine", 1)
    for i, (w, n) in enumerate(zip(pts, n_sep, strict=True)):
        pm = _sub(t_folder, "Placemark")
        _sub(_sub(pm, "Point"), "coordinates", f"{w.lon:.8f},{w.lat:.8f}")
        _sub(pm, "wpml:index", i)
        _sub(pm, "wpml:ellipsoidHeight", _num(w.alt_amsl_m + n))
        _sub(pm, "wpml:height", _num(w.alt_amsl_m))
        _sub(pm, "wpml:useGlobalHeight", 0)
        _sub(pm, "wpml:useGlobalSpeed", 0)
        _sub(pm, "wpml:waypointSpeed", _num(w.speed_m_s if w.speed_m_s > 0 else auto_speed, 2))
        _sub(pm, "wpml:useGlobalHeadingParam", 1)
        _sub(pm, "wpml:useGlobalTurnParam", 1)
        _sub(pm, "wpml:useStraightLine", 1)
    pp = _sub(t_folder, "wpml:payloadParam")
    _sub(pp, "wpml:payloadPositionIndex", payload_position)
    _sub(pp, "wpml:imageFormat", IMAGE_FORMATS.get(int(payload_enum), "wide"))

    # --- waylines.wpml
    w_root = ET.Element(f"{{{KML_NS}}}kml")
    w_doc = _sub(w_root, "Document")
    mission_config(w_doc, False)
    w_folder = _sub(w_doc, "Folder")
    _sub(w_folder, "wpml:templateId", 0)
    _sub(w_folder, "wpml:executeHeightMode", "WGS84")
    _sub(w_folder, "wpml:waylineId", 0)
    _sub(w_folder, "wpml:distance", _num(chosen.length_m, 1))
    _sub(w_folder, "wpml:duration", _num(chosen.duration_s, 1))
    _sub(w_folder, "wpml:autoFlightSpeed", _num(auto_speed, 2))
    for i, (w, n) in enumerate(zip(pts, n_sep, strict=True)):
        pm = _sub(w_folder, "Placemark")
        _sub(_sub(pm, "Point"), "coordinates", f"{w.lon:.8f},{w.lat:.8f}")
        _sub(pm, "wpml:index", i)
        _sub(pm, "wpml:executeHeight", _num(w.alt_amsl_m + n))
        _sub(pm, "wpml:waypointSpeed", _num(w.speed_m_s if w.speed_m_s > 0 else auto_speed, 2))
        hp = _sub(pm, "wpml:waypointHeadingParam")
        _sub(hp, "wpml:waypointHeadingMode", "followWayline")
        tp = _sub(pm, "wpml:waypointTurnParam")
        _sub(tp, "wpml:waypointTurnMode", "toPointAndStopWithDiscontinuityCurvature")
        _sub(tp, "wpml:waypointTurnDampingDist", 0)
        _sub(pm, "wpml:useStraightLine", 1)

    ET.register_namespace("", KML_NS)
    ET.register_namespace("wpml", WPML_NS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, root in (("wpmz/template.kml", t_root), ("wpmz/waylines.wpml", w_root)):
            ET.indent(root)
            zf.writestr(name, ET.tostring(root, encoding="utf-8", xml_declaration=True))
        zf.writestr(zipfile.ZipInfo("wpmz/res/"), b"")
    return buf.getvalue()
