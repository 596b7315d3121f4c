"""Helpers shared by the plan writers: choosing sorties, ground vs airborne points, mission items.

Conventions (see :mod:`sar_planner.plan`): positions are degrees WGS84, heights metres above mean
sea level (orthometric) unless a name says ``ellipsoid``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sar_planner.errors import FormatError
from sar_planner.plan import Sortie, SortiePlan, Waypoint

__all__ = [
    "GROUND_AGL_M",
    "MissionItem",
    "MAV_CMD_NAV_WAYPOINT",
    "MAV_CMD_NAV_TAKEOFF",
    "MAV_CMD_NAV_LAND",
    "MAV_CMD_NAV_RETURN_TO_LAUNCH",
    "MAV_CMD_DO_CHANGE_SPEED",
    "MAV_FRAME_GLOBAL",
    "MAV_FRAME_MISSION",
    "TAKEOFF_MIN_AGL_M",
    "AUTOPILOT_PX4",
    "AUTOPILOT_ARDUPILOT",
    "AUTOPILOT_CODES",
    "autopilot_code",
    "check_exportable",
    "select_sorties",
    "airborne",
    "SAME_POINT_M",
    "same_point",
    "distinct_points",
    "mission_items",
    "waypoint_label",
    "utc_now",
    "geoid_n",
]

#: A waypoint lower than this above the DEM with role takeoff or land is a point on the ground
#: (launch or touchdown), not a point to fly to.
GROUND_AGL_M = 1.0

# MAV_CMD and MAV_FRAME values from the MAVLink common message set (mavlink.io, common.xml).
MAV_CMD_NAV_WAYPOINT = 16
MAV_CMD_NAV_RETURN_TO_LAUNCH = 20
MAV_CMD_NAV_LAND = 21
MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_DO_CHANGE_SPEED = 178
MAV_FRAME_GLOBAL = 0          # lat, lon, altitude above mean sea level
MAV_FRAME_MISSION = 2         # not a position (DO_ commands)


@dataclass(frozen=True)
class MissionItem:
    """One MAVLink mission item (MISSION_ITEM_INT semantics, float degrees).

    ``params`` are param1..param7; for navigation items param5..7 are latitude, longitude
    (degrees WGS84) and altitude (metres AMSL in frame 0). ``None`` stands for NaN (unset yaw).
    ``waypoint`` is the plan waypoint the item flies to, if any (the NAV_TAKEOFF's when the
    take-off ends on the first waypoint).
    """

    command: int
    frame: int
    params: tuple[float | None, float | None, float | None, float | None, float, float, float]
    waypoint: Waypoint | None = None


def check_exportable(plan: SortiePlan) -> None:
    """Refuse a plan that still carries a blocking notice.

    Raises
    ------
    FormatError
        ``formats.err_blocked``.
    """
    if not plan.exportable:
        codes = ", ".join(n.code for n in plan.notices if n.blocking)
        raise FormatError("formats.err_blocked", plan=plan.name, codes=codes)
    if not plan.sorties:
        raise FormatError("formats.err_no_sorties", plan=plan.name)
    for w in (plan.home, *plan.waypoints):
        if not (_finite((w.lat, w.lon, w.alt_amsl_m, w.speed_m_s)) and abs(w.lat) <= 90
                and abs(w.lon) <= 180):
            raise FormatError("formats.err_bad_waypoint", plan=plan.name, lat=w.lat, lon=w.lon)


def select_sorties(plan: SortiePlan, sortie: int | None, *, one_flight: bool,
                   fmt: str) -> tuple[Sortie, ...]:
    """The sorties a writer should write.

    Parameters
    ----------
    sortie:
        1-based sortie number, or None for all.
    one_flight:
        True for formats an aircraft flies as one mission (.plan, .waypoints, .kmz): these hold
        exactly one sortie, so a plan of several sorties needs ``sortie``.
    fmt:
        File extension for messages.

    Raises
    ------
    FormatError
        ``formats.err_no_such_sortie`` or ``formats.err_choose_sortie``.
    """
    if sortie is not None:
        found = [s for s in plan.sorties if s.index == sortie]
        if not found:
            raise FormatError("formats.err_no_such_sortie", sortie=sortie,
                              count=len(plan.sorties))
        return (found[0],)
    if one_flight and len(plan.sorties) > 1:
        raise FormatError("formats.err_choose_sortie", count=len(plan.sorties), fmt=fmt)
    return tuple(plan.sorties)


def _on_ground(w: Waypoint) -> bool:
    return w.role in ("takeoff", "land") and w.agl_m < GROUND_AGL_M


def airborne(sortie: Sortie) -> tuple[Waypoint, ...]:
    """The waypoints of a sortie an aircraft flies to (launch and touchdown points left out).

    Raises
    ------
    FormatError
        ``formats.err_no_airborne`` when nothing is left.
    """
    pts = tuple(w for w in sortie.waypoints if not _on_ground(w))
    if not pts:
        raise FormatError("formats.err_no_airborne", sortie=sortie.index)
    return pts


#: Two consecutive points closer than this horizontally AND vertically (metres) are one point:
#: the leg between them has zero length. Flight controllers and ground stations refuse or
#: stumble on such legs (DJI Pilot 2 checks a minimum waypoint spacing; a NAV_WAYPOINT on top of
#: the take-off target makes the autopilot "arrive" at once), so every writer drops them.
SAME_POINT_M = 0.5


def same_point(a: Waypoint, b: Waypoint, tol_m: float = SAME_POINT_M) -> bool:
    """True when ``a`` and ``b`` are the same place and height within ``tol_m`` metres
    (horizontal distance on a local sphere of radius 6,371,008.8 m, the IUGG mean radius;
    exact enough at these distances)."""
    r = 6_371_008.8
    dy = math.radians(b.lat - a.lat) * r
    dx = math.radians(b.lon - a.lon) * r * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy) < tol_m and abs(b.alt_amsl_m - a.alt_amsl_m) < tol_m


def distinct_points(points: Sequence[Waypoint]) -> list[tuple[int, Waypoint]]:
    """``points`` without zero-length legs, as ``(index in points, waypoint)``.

    Of a run of points at the same place and height (:func:`same_point`) the LAST is kept: its
    role and speed are those of the leg that leaves the place, and the index keeps the name the
    briefing prints (``S1-WP07``).
    """
    out: list[tuple[int, Waypoint]] = []
    for i, w in enumerate(points):
        if out and same_point(out[-1][1], w):
            out[-1] = (i, w)
        else:
            out.append((i, w))
    return out


#: Lowest take-off climb above the launch point, metres: when the first airborne waypoint lies
#: below the launch (launch on a ridge, search in the valley), the aircraft still climbs this much
#: before any horizontal leg.
TAKEOFF_MIN_AGL_M = 10.0
#: MAV_AUTOPILOT values with the execution rule for DO_ commands that :func:`mission_items` uses.
AUTOPILOT_PX4 = 12
AUTOPILOT_ARDUPILOT = 3
#: MAV_AUTOPILOT by the catalogue's ``autopilot`` name (sar_planner.assets.Asset.autopilot).
AUTOPILOT_CODES = {"px4": AUTOPILOT_PX4, "ardupilot": AUTOPILOT_ARDUPILOT}


def autopilot_code(name: str | None) -> int:
    """MAV_AUTOPILOT for an autopilot name (``"px4"``, ``"ardupilot"``; None = PX4).

    Raises
    ------
    FormatError
        ``formats.err_bad_option`` for another name.
    """
    if name is None:
        return AUTOPILOT_PX4
    if name not in AUTOPILOT_CODES:
        raise FormatError("formats.err_bad_option", name="autopilot", value=name,
                          allowed=", ".join(AUTOPILOT_CODES))
    return AUTOPILOT_CODES[name]


def mission_items(plan: SortiePlan, sortie: Sortie, *, end_with: str = "land",
                  autopilot: int = AUTOPILOT_PX4) -> list[MissionItem]:
    """The MAVLink mission for one sortie, all positions in frame 0 (AMSL per waypoint).

    Order: NAV_TAKEOFF above the launch point to the altitude of the first airborne waypoint,
    but at least :data:`TAKEOFF_MIN_AGL_M` above the launch (a vertical climb before any
    horizontal leg, the safe choice beside rising ground); one NAV_WAYPOINT per airborne
    waypoint; DO_CHANGE_SPEED (ground speed) whenever the planned speed changes; then NAV_LAND
    at the touchdown point (the last ``land`` waypoint, else home) or, with ``end_with="rtl"``,
    NAV_RETURN_TO_LAUNCH. Landing is the default because RTL flies a straight line at the
    autopilot's own RTL height above home, which can be below a ridge in the Kunlun front; the
    planned path already brings the aircraft back over the landing point at a checked height.

    A waypoint's ``speed_m_s`` is the speed of the leg that leaves it. Autopilots run DO_
    commands at different moments: PX4 runs mission items in sequence, so a DO_ item after
    NAV k takes effect when k is reached; ArduPilot starts the DO_ items that follow NAV k as
    soon as NAV k starts, i.e. on the leg toward k (ArduPilot AP_Mission). So the change for the
    leg k -> k+1 is written after NAV k for PX4 (and other autopilots) and after NAV k+1 for
    ArduPilot.

    Parameters
    ----------
    end_with:
        ``"land"`` or ``"rtl"``.
    autopilot:
        MAV_AUTOPILOT: 12 PX4 (default), 3 ArduPilot, 0 generic (treated like PX4).
    """
    if end_with not in ("land", "rtl"):
        raise FormatError("formats.err_bad_option", name="end_with", value=end_with,
                          allowed="land, rtl")
    # ArduPilot's own missions (Mission Planner, MAVProxy) write 0 in unused parameters, and
    # Mission Planner parses every field with double.Parse, which refuses "nan": write 0 there.
    # PX4 reads a 0 yaw as "face north", so NaN (unchanged) stays for the others.
    yaw: float | None = 0.0 if autopilot == AUTOPILOT_ARDUPILOT else None
    pts = [w for _, w in distinct_points(airborne(sortie))]
    launch = sortie.waypoints[0] if _on_ground(sortie.waypoints[0]) else plan.home
    takeoff_alt = max(pts[0].alt_amsl_m, launch.alt_amsl_m + TAKEOFF_MIN_AGL_M)
    items = [MissionItem(MAV_CMD_NAV_TAKEOFF, MAV_FRAME_GLOBAL,
                         (0.0, 0.0, 0.0, yaw, launch.lat, launch.lon, takeoff_alt))]
    # the take-off already ends where the first waypoint is: no zero-length leg to it, and the
    # take-off item stands for that waypoint (its role is the role of the leg that follows)
    skip_first = same_point(Waypoint(launch.lat, launch.lon, takeoff_alt, 0.0, 0.0), pts[0])
    if skip_first:
        items[0] = replace(items[0], waypoint=pts[0])
    # speed of the leg leaving each airborne waypoint, only where it changes
    changes: dict[int, float] = {}
    speed: float | None = None
    for k, w in enumerate(pts):
        if w.speed_m_s > 0 and (speed is None or not math.isclose(w.speed_m_s, speed,
                                                                  abs_tol=0.05)):
            speed = w.speed_m_s
            changes[k] = round(speed, 2)
    lag = 1 if autopilot == AUTOPILOT_ARDUPILOT else 0
    for k, w in enumerate(pts):
        if not (k == 0 and skip_first):
            items.append(MissionItem(MAV_CMD_NAV_WAYPOINT, MAV_FRAME_GLOBAL,
                                     (0.0, 0.0, 0.0, yaw, w.lat, w.lon, w.alt_amsl_m), w))
        if k - lag in changes:
            items.append(MissionItem(MAV_CMD_DO_CHANGE_SPEED, MAV_FRAME_MISSION,
                                     (1.0, changes[k - lag], -1.0, 0.0, 0.0, 0.0, 0.0)))
    last_leg = len(pts) - 1
    if lag and last_leg in changes and end_with == "land":
        # ArduPilot: the change for the leg from the last waypoint to the landing point goes
        # after the landing item (it starts with that item; RTL flies at its own speed).
        pending = changes[last_leg]
    else:
        pending = None
    if end_with == "rtl":
        items.append(MissionItem(MAV_CMD_NAV_RETURN_TO_LAUNCH, MAV_FRAME_MISSION,
                                 (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
    else:
        last = sortie.waypoints[-1]
        touch = last if _on_ground(last) else plan.home
        items.append(MissionItem(MAV_CMD_NAV_LAND, MAV_FRAME_GLOBAL,
                                 (0.0, 0.0, 0.0, yaw, touch.lat, touch.lon, touch.alt_amsl_m)))
    if pending is not None:
        items.append(MissionItem(MAV_CMD_DO_CHANGE_SPEED, MAV_FRAME_MISSION,
                                 (1.0, pending, -1.0, 0.0, 0.0, 0.0, 0.0)))
    return items


def geoid_n(points: Sequence[Waypoint]) -> list[float]:
    """EGM2008 geoid separation N (metres) at each point, in one vectorised call.

    Ellipsoidal height h = alt_amsl_m + N (:func:`sar_planner.terrain.geoid_separation`).
    """
    import numpy as np

    from sar_planner.terrain import geoid_separation

    if not points:
        return []
    values = geoid_separation(np.array([p.lat for p in points], dtype=float),
                              np.array([p.lon for p in points], dtype=float))
    return [float(v) for v in np.atleast_1d(values)]


def waypoint_label(sortie: Sortie | int, seq: int) -> str:
    """Short name of a waypoint as printed on the briefing and in GPX/KML: ``S1-WP07``."""
    index = sortie if isinstance(sortie, int) else sortie.index
    return f"S{index}-WP{seq:02d}"


def utc_now() -> datetime:
    """The current time, UTC, to whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _finite(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values)
