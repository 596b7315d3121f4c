"""Statistics for analysts: filtered sorties as a table, totals by type, aircraft, month and crew,
mission outcomes, time from report to find, POD achieved, and crew currency.

Hours are flight hours (landing minus takeoff). Months and dates are Asia/Shanghai local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sar_planner.logbook.db import Database
from sar_planner.logbook.records import SortieRecord, list_missions, list_sorties
from sar_planner.logbook.times import LOCAL_TZ, format_local, local_date_bounds

__all__ = ["SortieFilter", "FRAME_COLUMNS", "filter_sorties", "sorties_frame", "summary",
           "crew_currency", "report_to_find_hours", "CURRENCY_DAYS"]

#: Window of crew currency (days): sorties and hours flown in the last 90 days.
CURRENCY_DAYS = 90

#: Columns of :func:`sorties_frame`, in order (the exports use the same).
FRAME_COLUMNS: tuple[str, ...] = (
    "number", "status", "task_type", "mission", "outcome", "area", "aircraft", "aircraft_type",
    "takeoff_local", "landing_local", "flight_hours", "pilot", "crew", "takeoff_site",
    "landing_site", "area_covered_km2", "pod", "remarks", "revision")


@dataclass(frozen=True)
class SortieFilter:
    """What to include. Dates are Asia/Shanghai local dates, both inclusive; empty means all."""

    start: dt.date | None = None
    end: dt.date | None = None
    aircraft: tuple[str, ...] = ()
    crew: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    area: str = ""
    statuses: tuple[str, ...] = ()


def filter_sorties(db: Database, f: SortieFilter = SortieFilter()) -> list[SortieRecord]:
    """The sorties matching ``f``, by number."""
    lo, hi = local_date_bounds(f.start, f.end)
    out = []
    for r in list_sorties(db, statuses=f.statuses or None, start=lo, end=hi):
        if f.aircraft and r.aircraft not in f.aircraft:
            continue
        if f.crew and not any(name in f.crew for name, _ in r.crew):
            continue
        if f.task_types and r.task_type not in f.task_types:
            continue
        if f.outcomes and r.mission_outcome not in f.outcomes:
            continue
        if f.area and f.area.lower() not in (r.mission_area or "").lower():
            continue
        out.append(r)
    return out


def sorties_frame(records: Sequence[SortieRecord]) -> pd.DataFrame:
    """One row per sortie with :data:`FRAME_COLUMNS` (times as local ``YYYY-MM-DD HH:MM``)."""
    rows = []
    for r in records:
        pilots = [n for n, role in r.crew if role == "pilot"]
        rows.append({
            "number": r.number, "status": r.status, "task_type": r.task_type,
            "mission": r.incident_number or "", "outcome": r.mission_outcome or "",
            "area": r.mission_area or "", "aircraft": r.aircraft, "aircraft_type": r.aircraft_type,
            "takeoff_local": format_local(r.takeoff_at), "landing_local": format_local(r.landing_at),
            "flight_hours": round(r.flight_hours, 2), "pilot": "; ".join(pilots),
            "crew": "; ".join(f"{n} ({role})" for n, role in r.crew if role != "pilot"),
            "takeoff_site": r.takeoff_site, "landing_site": r.landing_site,
            "area_covered_km2": None if r.area_covered_m2 is None else round(r.area_covered_m2 / 1e6, 3),
            "pod": r.pod, "remarks": r.remarks, "revision": r.revision})
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def _group(records: Sequence[SortieRecord], key: Any) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for r in records:
        for k in key(r):
            entry = out.setdefault(k, {"sorties": 0, "hours": 0.0})
            entry["sorties"] += 1
            entry["hours"] += r.flight_hours
    return {k: {"sorties": int(v["sorties"]), "hours": round(v["hours"], 2)}
            for k, v in sorted(out.items())}


def crew_currency(records: Sequence[SortieRecord], as_of: dt.datetime,
                  days: int = CURRENCY_DAYS) -> dict[str, dict[str, float]]:
    """Per person: sorties and hours with takeoff in ``(as_of - days, as_of]`` (``as_of`` aware)."""
    since = as_of - dt.timedelta(days=days)
    recent = [r for r in records if since < r.takeoff_at <= as_of]
    return _group(recent, lambda r: [n for n, _ in r.crew])


def report_to_find_hours(db: Database) -> dict[str, float]:
    """Hours from report (or opening) to find, per mission found alive or deceased."""
    out = {}
    for m in list_missions(db):
        if m["outcome"] in ("found_alive", "found_deceased") and m["find_time"] is not None:
            start = m["reported_at"] or m["opened_at"]
            out[m["incident_number"]] = round((m["find_time"] - start).total_seconds() / 3600, 2)
    return out


def summary(records: Sequence[SortieRecord], as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Totals of ``records``: sorties, hours, by task type, aircraft, local month, crew; outcomes
    of their missions (each mission once); mean POD where logged; crew currency."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    outcomes: dict[str, int] = {}
    seen = set()
    for r in records:
        if r.incident_number and r.incident_number not in seen:
            seen.add(r.incident_number)
            key = r.mission_outcome or "open"
            outcomes[key] = outcomes.get(key, 0) + 1
    pods = [r.pod for r in records if r.pod is not None]
    return {
        "sorties": len(records),
        "hours": round(sum(r.flight_hours for r in records), 2),
        "by_type": _group(records, lambda r: [r.task_type]),
        "by_aircraft": _group(records, lambda r: [r.aircraft]),
        "by_month": _group(records, lambda r: [r.takeoff_at.astimezone(LOCAL_TZ).strftime("%Y-%m")]),
        "by_crew": _group(records, lambda r: [n for n, _ in r.crew]),
        "mission_outcomes": dict(sorted(outcomes.items())),
        "mean_pod": round(sum(pods) / len(pods), 3) if pods else None,
        "crew_currency": crew_currency(records, as_of),
    }
