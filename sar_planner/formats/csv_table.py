"""CSV waypoint table: one row per waypoint of every sortie, for crews and spreadsheets.

UTF-8 with a byte-order mark so that spreadsheet programs on Chinese Windows open it correctly.
Columns: ``sortie, seq, name, role, lat, lon, alt_amsl_m, alt_ellipsoid_m, agl_m, speed_m_s,
leg_m, cumulative_m`` (degrees WGS84; metres; m/s). ``leg_m`` is the geodesic distance from the
previous waypoint of the same sortie (WGS84 ellipsoid, pyproj.Geod).
"""

from __future__ import annotations

import csv
import io

from pyproj import Geod

from sar_planner.formats._common import check_exportable, geoid_n, select_sorties, waypoint_label
from sar_planner.plan import SortiePlan

__all__ = ["write_csv", "CSV_COLUMNS"]

CSV_COLUMNS = ("sortie", "seq", "name", "role", "lat", "lon", "alt_amsl_m", "alt_ellipsoid_m",
               "agl_m", "speed_m_s", "leg_m", "cumulative_m")
_GEOD = Geod(ellps="WGS84")


def write_csv(plan: SortiePlan, *, sortie: int | None = None) -> bytes:
    """``plan`` as a CSV waypoint table (see the module docstring for the columns)."""
    check_exportable(plan)
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".csv")
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    ns = iter(geoid_n([w for s in sorties for w in s.waypoints]))
    for s in sorties:
        total = 0.0
        prev = None
        for i, w in enumerate(s.waypoints):
            leg = 0.0 if prev is None else _GEOD.inv(prev.lon, prev.lat, w.lon, w.lat)[2]
            total += leg
            prev = w
            out.writerow([s.index, i, waypoint_label(s, i), w.role, f"{w.lat:.8f}",
                          f"{w.lon:.8f}", f"{w.alt_amsl_m:.2f}",
                          f"{w.alt_amsl_m + next(ns):.2f}",
                          f"{w.agl_m:.1f}", f"{w.speed_m_s:.2f}", f"{leg:.1f}", f"{total:.1f}"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
