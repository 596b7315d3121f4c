"""QGroundControl ``.plan`` writer (JSON, plan file version 1, mission version 2).

Field names and values follow QGroundControl's plan file documentation
(docs/en/qgc-dev-guide/file_formats/plan.md) and its loader (src/MissionManager/
SimpleMissionItem.cc; QGroundControlQmlGlobal.h for the altitude modes): every position item is
written in MAV_FRAME_GLOBAL (frame 0) with the altitude above mean sea level that the planner
computed for that waypoint, so the aircraft follows the terrain exactly as planned without a
terrain database of its own. ``AltitudeMode`` 2 (``AltitudeModeAbsolute``) tells QGroundControl to show these
altitudes as AMSL. The search segment becomes an inclusion geofence polygon. A top-level
``sar_planner`` block (QGroundControl's loader reads only the keys it knows) names the role of the
leg leaving each position item and the plan's sweep width, so the file read back as the plan flown
counts only the searching legs.
"""

from __future__ import annotations

import json
from typing import Any

from sar_planner.formats._common import (
    MAV_CMD_NAV_LAND,
    MAV_FRAME_GLOBAL,
    MissionItem,
    check_exportable,
    mission_items,
    select_sorties,
)
from sar_planner.errors import FormatError
from sar_planner.plan import SortiePlan

__all__ = ["write_qgc_plan", "FIRMWARE_TYPES", "VEHICLE_TYPES", "ROLES_KEY"]

#: MAV_AUTOPILOT values QGroundControl accepts as ``firmwareType``.
FIRMWARE_TYPES = {"generic": 0, "ardupilot": 3, "px4": 12}
#: MAV_TYPE values for ``vehicleType``: quadrotor 2, fixed wing 1, helicopter 4, hexarotor 13,
#: octorotor 14, VTOL fixed-rotor 22.
VEHICLE_TYPES = {"fixed_wing": 1, "quadrotor": 2, "helicopter": 4, "hexarotor": 13,
                 "octorotor": 14, "vtol": 22}

_ALTITUDE_MODE_ABSOLUTE = 2  # QGroundControlQmlGlobal::AltitudeModeAbsolute
#: Top-level key of the block that carries this planner's leg roles and plan metadata.
ROLES_KEY = "sar_planner"


def _role(item: MissionItem) -> str:
    if item.waypoint is not None:
        return item.waypoint.role
    return "land" if item.command == MAV_CMD_NAV_LAND else "takeoff"


def _item_json(item: MissionItem, jump_id: int) -> dict[str, Any]:
    params = [None if p is None else float(p) for p in item.params]
    out: dict[str, Any] = {
        "autoContinue": True,
        "command": item.command,
        "doJumpId": jump_id,
        "frame": item.frame,
        "params": params,
        "type": "SimpleItem",
    }
    if item.frame == MAV_FRAME_GLOBAL:
        out["AMSLAltAboveTerrain"] = None
        out["Altitude"] = params[6]
        out["AltitudeMode"] = _ALTITUDE_MODE_ABSOLUTE
    return out


def write_qgc_plan(plan: SortiePlan, *, sortie: int | None = None, firmware_type: int = 12,
                   vehicle_type: int = 2, end_with: str = "land") -> bytes:
    """One sortie of ``plan`` as a QGroundControl ``.plan`` file.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number; may be omitted when the plan has one sortie.
    firmware_type:
        MAV_AUTOPILOT of the aircraft: 12 PX4 (default), 3 ArduPilot (see :data:`FIRMWARE_TYPES`).
    vehicle_type:
        MAV_TYPE of the aircraft: 2 quadrotor (default), 1 fixed wing, 4 helicopter
        (see :data:`VEHICLE_TYPES`).
    end_with:
        ``"land"`` (NAV_LAND at the touchdown point, default) or ``"rtl"``.

    Returns
    -------
    bytes
        UTF-8 JSON.

    Raises
    ------
    FormatError
        Blocking notice, several sorties and none chosen, or a bad option.
    """
    check_exportable(plan)
    if firmware_type not in FIRMWARE_TYPES.values():
        raise FormatError("formats.err_bad_option", name="firmware_type", value=firmware_type,
                          allowed=", ".join(str(v) for v in FIRMWARE_TYPES.values()))
    if vehicle_type not in VEHICLE_TYPES.values():
        raise FormatError("formats.err_bad_option", name="vehicle_type", value=vehicle_type,
                          allowed=", ".join(str(v) for v in VEHICLE_TYPES.values()))
    (chosen,) = select_sorties(plan, sortie, one_flight=True, fmt=".plan")
    items = mission_items(plan, chosen, end_with=end_with, autopilot=firmware_type)
    speeds = [w.speed_m_s for w in chosen.waypoints if w.speed_m_s > 0]
    cruise = round(max(speeds), 2) if speeds else 15.0
    polygons = []
    if plan.area_wgs84:
        ring = list(plan.area_wgs84)
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]  # QGroundControl stores polygons open
        polygons.append({"inclusion": True,
                         "polygon": [[float(lat), float(lon)] for lon, lat in ring],
                         "version": 1})
    doc = {
        "fileType": "Plan",
        "geoFence": {"circles": [], "polygons": polygons, "version": 2},
        "groundStation": "QGroundControl",
        "mission": {
            "cruiseSpeed": cruise,
            "firmwareType": int(firmware_type),
            "globalPlanAltitudeMode": _ALTITUDE_MODE_ABSOLUTE,
            "hoverSpeed": cruise,
            "items": [_item_json(it, n) for n, it in enumerate(items, start=1)],
            "plannedHomePosition": [plan.home.lat, plan.home.lon, plan.home.alt_amsl_m],
            "vehicleType": int(vehicle_type),
            "version": 2,
        },
        "rallyPoints": {"points": [], "version": 2},
        "version": 1,
        # QGroundControl reads only the keys it knows; this block lets the file come back to the
        # logbook as the plan flown with its legs' roles (sar_planner.formats.plan_readback)
        ROLES_KEY: {
            "version": 1, "name": plan.name, "sortie": chosen.index,
            "asset_id": plan.asset_id, "pattern": plan.pattern, "crs": plan.crs,
            "sweep_width_m": plan.sweep_width_m, "spacing_m": plan.spacing_m,
            "agl_m": plan.agl_m,
            # role of the leg that LEAVES each position item (doJumpId), as in sar_planner.plan
            "leg_roles": [[n, _role(it)] for n, it in enumerate(items, start=1)
                          if it.frame == MAV_FRAME_GLOBAL],
        },
    }
    return json.dumps(doc, indent=4, allow_nan=False, ensure_ascii=False).encode("utf-8")
