"""Statistics for analysts: filtered sorties as a table, totals by year, month, task type,
aircraft and crew member, mission outcomes, time from report to find, POD achieved, and crew
currency.

Hours are flight hours (landing minus takeoff). Months and dates are Beijing time
(Asia/Shanghai). Only flown sorties are counted (historical, approved, waiting for review:
:data:`~sar_planner.logbook.counter.FLOWN_STATUSES`); drafts and returned sorties are counted
apart (``apart``), as the running count does.

:func:`aggregate` computes the statistics in the database (GROUP BY over the filtered rows), so
``sar-planner log stats`` and the Statistics page stay fast on a large log;
:func:`summary` computes the same from loaded records (the reference the tests and
``scripts/bench_stats.py`` compare against).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from sar_planner.logbook.counter import APART_STATUSES, FLOWN_STATUSES
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import (SORTIE_STATUSES, Aircraft, CrewMember, Mission, Sortie,
                                        SortieCrew)
from sar_planner.logbook.records import SortieRecord, list_missions, list_sorties
from sar_planner.logbook.sqltime import flight_seconds, local_month
from sar_planner.logbook.times import LOCAL_TZ, format_local, local_date_bounds

if TYPE_CHECKING:  # pandas is imported when a frame is made (the command line starts faster)
    import pandas as pd

__all__ = ["SortieFilter", "FRAME_COLUMNS", "OPENING_STATUS", "filter_sorties", "opening_row",
           "sorties_frame", "summary",
           "aggregate", "crew_currency", "report_to_find_hours", "CURRENCY_DAYS"]

#: Window of crew currency (days): sorties and hours flown in the last 90 days.
CURRENCY_DAYS = 90

#: Columns of :func:`sorties_frame`, in order (the exports use the same).
#: ``counted_sorties``/``counted_hours`` are what the row adds to the unit's running count (0 for a
#: draft or a returned sortie), so summing the two columns in a spreadsheet gives the total.
FRAME_COLUMNS: tuple[str, ...] = (
    "number", "status", "task_type", "mission", "outcome", "area", "aircraft", "aircraft_type",
    "takeoff_local", "landing_local", "flight_hours", "counted_sorties", "counted_hours", "pilot",
    "crew", "takeoff_site", "landing_site", "area_covered_km2", "pod", "remarks", "revision")

#: The ``status`` of the opening-balance row of an export (:func:`opening_row`).
OPENING_STATUS = "opening_balance"


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


def opening_row(totals: Any, f: SortieFilter = SortieFilter()) -> tuple[int, float] | None:
    """``(sorties, hours)`` of the opening balance when an export of ``f`` should carry it: the
    unit has one and ``f`` takes the whole log (an end date only: the balance is older than any
    sortie). A filtered export (a start date, an aircraft, crew...) has no share of it to show.
    ``totals`` is a :class:`~sar_planner.logbook.counter.Totals`."""
    whole = not (f.start or f.aircraft or f.crew or f.task_types or f.outcomes or f.area or f.statuses)
    if not whole or not totals.opening_sorties and not totals.opening_hours:
        return None
    return totals.opening_sorties, totals.opening_hours


def sorties_frame(records: Sequence[SortieRecord],
                  opening: tuple[int, float] | None = None) -> pd.DataFrame:
    """One row per sortie with :data:`FRAME_COLUMNS` (times as local ``YYYY-MM-DD HH:MM``).

    With ``opening`` (sorties, hours: :func:`opening_row`), a first row of status
    :data:`OPENING_STATUS` carries the opening balance in ``counted_sorties``/``counted_hours``,
    so the two columns sum to the unit's running count."""
    import pandas as pd

    rows = []
    if opening is not None:
        rows.append({"status": OPENING_STATUS, "flight_hours": opening[1],
                     "counted_sorties": opening[0], "counted_hours": opening[1]})
    for r in records:
        counted = r.status in FLOWN_STATUSES
        pilots = [n for n, role in r.crew if role == "pilot"]
        rows.append({
            "number": r.number, "status": r.status, "task_type": r.task_type,
            "mission": r.incident_number or "", "outcome": r.mission_outcome or "",
            "area": r.mission_area or "", "aircraft": r.aircraft, "aircraft_type": r.aircraft_type,
            "takeoff_local": format_local(r.takeoff_at), "landing_local": format_local(r.landing_at),
            "flight_hours": round(r.flight_hours, 2), "counted_sorties": int(counted),
            "counted_hours": round(r.flight_hours, 2) if counted else 0.0,
            "pilot": "; ".join(pilots),
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


def _flown(records: Sequence[SortieRecord]) -> list[SortieRecord]:
    return [r for r in records if r.status in FLOWN_STATUSES]


def _apart(records: Sequence[SortieRecord]) -> dict[str, dict[str, float]]:
    grouped = _group([r for r in records if r.status in APART_STATUSES], lambda r: [r.status])
    return {k: grouped.get(k, {"sorties": 0, "hours": 0.0}) for k in APART_STATUSES}


def _month_task(records: Sequence[SortieRecord]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for month, rows in _bucket(records, lambda r: r.takeoff_at.astimezone(LOCAL_TZ).strftime("%Y-%m")):
        out[month] = _group(rows, lambda r: [r.task_type])
    return dict(sorted(out.items()))


def _bucket(records: Sequence[SortieRecord], key: Any) -> list[tuple[str, list[SortieRecord]]]:
    out: dict[str, list[SortieRecord]] = {}
    for r in records:
        out.setdefault(key(r), []).append(r)
    return list(out.items())


def summary(records: Sequence[SortieRecord], as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Totals of the flown sorties among ``records``: sorties, hours, by year, month (Beijing
    time), task type, aircraft, crew member, month and task; outcomes of their missions (each
    mission once); mean POD where logged; crew currency. Drafts and returned sorties are in
    ``apart`` only. Same keys and numbers as :func:`aggregate` on the same rows."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    apart = _apart(records)
    records = _flown(records)
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
        "apart": apart,
        "by_year": _group(records, lambda r: [r.takeoff_at.astimezone(LOCAL_TZ).strftime("%Y")]),
        "by_type": _group(records, lambda r: [r.task_type]),
        "by_aircraft": _group(records, lambda r: [r.aircraft]),
        "by_month": _group(records, lambda r: [r.takeoff_at.astimezone(LOCAL_TZ).strftime("%Y-%m")]),
        "by_month_task": _month_task(records),
        "by_crew": _group(records, lambda r: [n for n, _ in r.crew]),
        "mission_outcomes": dict(sorted(outcomes.items())),
        "mean_pod": round(sum(pods) / len(pods), 3) if pods else None,
        "crew_currency": crew_currency(records, as_of),
    }


# --------------------------------------------------------------- the same, in the database

def _where(stmt: Select, f: SortieFilter, *, statuses: Sequence[str],
           aircraft_ids: bool = False) -> Select:
    """``stmt`` (selecting from ``sortie`` joined to ``aircraft``) restricted to ``f`` and
    ``statuses``; joins ``mission`` when the filter needs it. With ``aircraft_ids``, ``stmt``
    selects from ``sortie`` alone and an aircraft filter becomes a sub-select of their ids."""
    lo, hi = local_date_bounds(f.start, f.end)
    wanted = {s for s in statuses if not f.statuses or s in f.statuses}
    # "not one of the others" rather than "one of these": SQLite then scans the table (or the
    # covering index) once instead of looking up every row through the status index
    others = [s for s in SORTIE_STATUSES if s not in wanted]
    cond: list[ColumnElement[bool]] = [Sortie.status.not_in(others)] if others else []
    if lo is not None:
        cond.append(Sortie.takeoff_at >= lo)
    if hi is not None:
        cond.append(Sortie.takeoff_at < hi)
    if f.aircraft and aircraft_ids:
        cond.append(Sortie.aircraft_id.in_(select(Aircraft.id).where(
            Aircraft.registration.in_(list(f.aircraft)))))
    elif f.aircraft:
        cond.append(Aircraft.registration.in_(list(f.aircraft)))
    if f.task_types:
        cond.append(Sortie.task_type.in_(list(f.task_types)))
    if f.crew:
        cond.append(Sortie.id.in_(select(SortieCrew.sortie_id).join(
            CrewMember, CrewMember.id == SortieCrew.crew_member_id).where(
            CrewMember.name.in_(list(f.crew)))))
    if f.outcomes or f.area:
        stmt = stmt.outerjoin(Mission, Mission.id == Sortie.mission_id)
        if f.outcomes:
            cond.append(Mission.outcome.in_(list(f.outcomes)))
        if f.area:
            cond.append(func.lower(Mission.area).contains(f.area.lower(), autoescape=True))
    return stmt.where(and_(*cond)) if cond else stmt


def _entry(n: Any, seconds: Any) -> dict[str, float]:
    return {"sorties": int(n), "hours": float(seconds or 0.0)}


def _rounded(groups: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {k: {"sorties": int(v["sorties"]), "hours": round(v["hours"] / 3600, 2)}
            for k, v in sorted(groups.items())}


def _add(groups: dict[str, dict[str, float]], key: str, n: int, seconds: float) -> None:
    entry = groups.setdefault(key, {"sorties": 0, "hours": 0.0})
    entry["sorties"] += n
    entry["hours"] += seconds  # seconds until _rounded


def aggregate(db: Database, f: SortieFilter = SortieFilter(),
              as_of: dt.datetime | None = None, detail: bool = True) -> dict[str, Any]:
    """:func:`summary` of the sorties matching ``f``, computed in the database.

    ``detail=False`` gives the summary ``sar-planner log stats`` prints (``sorties``, ``hours``,
    ``apart``, ``by_type``, ``by_aircraft``) from one GROUP BY over (status, task type, aircraft)
    that reads the covering index ``ix_sortie_stats`` alone. ``detail=True`` adds the rest of
    :func:`summary`: one GROUP BY over (Beijing month, task type, aircraft, status), one over the
    crew list (and one more for the currency window), and the outcomes of the flown sorties'
    missions.
    """
    as_of = as_of or dt.datetime.now(dt.UTC)
    dialect = db.backend
    sec = flight_seconds(dialect)
    month = local_month(dialect)
    every = FLOWN_STATUSES + APART_STATUSES
    if not detail:
        lean = _where(select(Sortie.status, Sortie.task_type, Sortie.aircraft_id, func.count(),
                             func.sum(sec)).select_from(Sortie), f, statuses=every,
                      aircraft_ids=True).group_by(Sortie.status, Sortie.task_type, Sortie.aircraft_id)
        with db.read() as session:
            rows = session.execute(lean).all()
            names = dict(session.execute(select(Aircraft.id, Aircraft.registration)).all())
        return _totals([("", task, names.get(aid, str(aid)), status, n, seconds)
                        for status, task, aid, n, seconds in rows], detail=False)
    cube_stmt = _where(
        select(month, Sortie.task_type, Aircraft.registration, Sortie.status, func.count(),
               func.sum(sec))
        .select_from(Sortie).join(Aircraft, Aircraft.id == Sortie.aircraft_id), f, statuses=every
    ).group_by(month, Sortie.task_type, Aircraft.registration, Sortie.status)
    # the POD is not in the covering index: its mean is one scan of its own
    pod_stmt = _where(select(func.sum(Sortie.pod), func.count(Sortie.pod)).select_from(Sortie).join(
        Aircraft, Aircraft.id == Sortie.aircraft_id), f, statuses=FLOWN_STATUSES)

    def crew_stmt(since: dt.datetime | None) -> Select:
        stmt = _where(select(CrewMember.name, func.count(), func.sum(sec))
                      .select_from(Sortie).join(Aircraft, Aircraft.id == Sortie.aircraft_id)
                      .join(SortieCrew, SortieCrew.sortie_id == Sortie.id)
                      .join(CrewMember, CrewMember.id == SortieCrew.crew_member_id),
                      f, statuses=FLOWN_STATUSES)
        if since is not None:
            stmt = stmt.where(Sortie.takeoff_at > since, Sortie.takeoff_at <= as_of)
        return stmt.group_by(CrewMember.name)

    flown_missions = _where(select(Sortie.mission_id).select_from(Sortie).join(
        Aircraft, Aircraft.id == Sortie.aircraft_id), f, statuses=FLOWN_STATUSES)
    with db.read() as session:
        cube = session.execute(cube_stmt).all()
        pod_sum, pod_n = session.execute(pod_stmt).one()
        crew = session.execute(crew_stmt(None)).all()
        current = session.execute(crew_stmt(as_of - dt.timedelta(days=CURRENCY_DAYS))).all()
        outcome_rows = session.execute(
            select(func.coalesce(Mission.outcome, "open"), func.count())
            .where(Mission.id.in_(flown_missions)).group_by(Mission.outcome)).all()

    outcomes: dict[str, int] = {}
    for k, n in outcome_rows:
        outcomes[k] = outcomes.get(k, 0) + int(n)
    return {**_totals(cube, detail=True),
            "mean_pod": round(float(pod_sum) / pod_n, 3) if pod_n else None,
            "by_crew": _rounded({name: _entry(n, s_) for name, n, s_ in crew}),
            "mission_outcomes": dict(sorted(outcomes.items())),
            "crew_currency": _rounded({name: _entry(n, s_) for name, n, s_ in current})}


def _totals(cube: Sequence[Any], detail: bool) -> dict[str, Any]:
    """The totals of (month, task, aircraft, status, count, seconds) rows."""
    keys = ("by_year", "by_month", "by_type", "by_aircraft") if detail else ("by_type", "by_aircraft")
    by: dict[str, dict[str, dict[str, float]]] = {k: {} for k in keys}
    month_task: dict[str, dict[str, dict[str, float]]] = {}
    apart: dict[str, dict[str, float]] = {}
    n_all, sec_all = 0, 0.0
    for m, task, reg, status, n, seconds in cube:
        seconds = float(seconds or 0.0)
        if status in APART_STATUSES:
            _add(apart, status, int(n), seconds)
            continue
        n_all += int(n)
        sec_all += seconds
        values = {"by_type": task, "by_aircraft": reg}
        if detail:
            values.update(by_year=m[:4], by_month=m)
            _add(month_task.setdefault(m, {}), task, int(n), seconds)
        for key, value in values.items():
            _add(by[key], value, int(n), seconds)
    apart_r = _rounded(apart)
    out: dict[str, Any] = {
        "sorties": n_all,
        "hours": round(sec_all / 3600, 2),
        "apart": {k: apart_r.get(k, {"sorties": 0, "hours": 0.0}) for k in APART_STATUSES},
        **{k: _rounded(v) for k, v in by.items()},
    }
    if detail:
        out["by_month_task"] = {m: _rounded(v) for m, v in sorted(month_task.items())}
    return out
