"""MAVLink plain-text mission writer (``QGC WPL 110``, ``.waypoints``).

Format as documented at mavlink.io/en/file_formats ("Mission Plain-Text File Format") and read by
pymavlink's ``mavwp.MAVWPLoader``: a header line ``QGC WPL 110``, then one tab-separated line per
item: INDEX, CURRENT_WP, COORD_FRAME, COMMAND, PARAM1..PARAM4, LATITUDE, LONGITUDE, ALTITUDE,
AUTOCONTINUE. Row 0 is the home position (frame 0, AMSL) as QGroundControl and Mission Planner
write it; every position item uses frame 0 with the planner's AMSL altitude. The format has no
geofence (use the .plan file for that).
"""

from __future__ import annotations

from sar_planner.errors import FormatError
from sar_planner.formats._common import (
    AUTOPILOT_ARDUPILOT,
    AUTOPILOT_PX4,
    MAV_CMD_NAV_WAYPOINT,
    MAV_FRAME_GLOBAL,
    check_exportable,
    mission_items,
    select_sorties,
)
from sar_planner.plan import SortiePlan

__all__ = ["write_wpl"]


def _num(value: float | None, places: int) -> str:
    if value is None:
        # Unset yaw (PX4 only; ArduPilot items carry 0, see mission_items). Spelt "NaN": Mission
        # Planner parses each field with double.Parse under en-US, and on .NET Framework and
        # Mono only "NaN" parses ("nan" drops the line as "Line invalid"); Qt's toDouble
        # (QGroundControl) and Python's float (pymavlink) read it too.
        return "NaN"
    text = f"{value:.{places}f}"
    if "." in text:   # trailing zeros of the fraction only ("380" stays 380)
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def write_wpl(plan: SortiePlan, *, sortie: int | None = None, end_with: str = "land",
              firmware_type: int = AUTOPILOT_PX4) -> bytes:
    """One sortie of ``plan`` as a ``QGC WPL 110`` waypoint file.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL).
    sortie:
        1-based sortie number; may be omitted when the plan has one sortie.
    end_with:
        ``"land"`` (default) or ``"rtl"``; see :func:`sar_planner.formats._common.mission_items`.
    firmware_type:
        MAV_AUTOPILOT of the aircraft, which decides where speed changes go and how an unset
        yaw is written: 12 PX4 (default, as for the ``.plan``: the same sortie must not fly
        differently from the two files), 3 ArduPilot. Give the aircraft's (``asset=`` in
        :func:`sar_planner.formats.write_plan` fills it from the catalogue's ``autopilot``).

    Returns
    -------
    bytes
        ASCII text, tab-separated, CRLF-free (``\\n`` line ends).
    """
    check_exportable(plan)
    (chosen,) = select_sorties(plan, sortie, one_flight=True, fmt=".waypoints")
    home = plan.home
    rows = ["QGC WPL 110",
            "\t".join(["0", "1", str(MAV_FRAME_GLOBAL), str(MAV_CMD_NAV_WAYPOINT), "0", "0", "0",
                       "0", _num(home.lat, 8), _num(home.lon, 8), _num(home.alt_amsl_m, 3), "1"])]
    if firmware_type not in (0, AUTOPILOT_ARDUPILOT, AUTOPILOT_PX4):
        raise FormatError("formats.err_bad_option", name="firmware_type", value=firmware_type,
                          allowed="0, 3, 12")
    items = mission_items(plan, chosen, end_with=end_with, autopilot=firmware_type)
    for n, it in enumerate(items, start=1):
        p = it.params
        rows.append("\t".join([str(n), "0", str(it.frame), str(it.command),
                               _num(p[0], 6), _num(p[1], 6), _num(p[2], 6), _num(p[3], 6),
                               _num(p[4], 8), _num(p[5], 8), _num(p[6], 3), "1"]))
    return ("\n".join(rows) + "\n").encode("ascii")
