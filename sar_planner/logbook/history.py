"""Import the unit's historical sortie list (CSV) to start the running count.

The file has one row per sortie flown before the tool, numbered 1, 2, 3... in the order flown.
Every row is checked first; if any row is bad, every problem is reported with its line number
(line 1 is the header) and nothing is imported. The import is allowed only into an empty log.

Columns (header names, any order; extra columns are ignored):

| column | required | what |
|---|---|---|
| ``sortie_no`` | yes | the unit's sortie number: 1, 2, 3... without gaps |
| ``date`` | yes | takeoff date, ``YYYY-MM-DD``, Beijing time (Asia/Shanghai) |
| ``takeoff`` | yes | takeoff time ``HH:MM``, Beijing time |
| ``flight_hours`` | yes | decimal hours, more than 0 and at most 12 |
| ``aircraft`` | yes | registration, e.g. ``B-7185`` |
| ``aircraft_type`` | yes | type name, e.g. ``AC311A`` |
| ``aircraft_kind`` | yes | ``helicopter``, ``drone`` or ``fixed_wing`` |
| ``task_type`` | yes | ``search``, ``rescue``, ``training``, ``patrol``, ``transfer``, ``test``, ``other`` |
| ``pilot`` | yes | the pilot's name |
| ``crew`` | no | other crew, names separated by ``;`` (logged as observers) |
| ``mission`` | no | incident number the sortie flew for |
| ``outcome`` | no | the mission's outcome: ``found_alive``, ``found_deceased``, ``self_rescued``, ``not_found`` |
| ``takeoff_site`` | no | free text |
| ``remarks`` | no | free text |

The file may be UTF-8 (with or without the BOM Excel writes) or GB18030 (Chinese Excel's default).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from sar_planner.permissions import Actor, require
from sar_planner.errors import LogbookError
from sar_planner.i18n import t
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.counter import lock_counter
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import (
    AIRCRAFT_KINDS,
    OUTCOMES,
    TASK_TYPES,
    Aircraft,
    CrewMember,
    Mission,
    Sortie,
    SortieCrew,
)
from sar_planner.logbook.records import MAX_FLIGHT_HOURS
from sar_planner.logbook.times import LOCAL_TZ

__all__ = ["REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "HistoryRow", "RowProblem", "HistoryImportError",
           "parse_history", "import_history", "import_history_file"]

REQUIRED_COLUMNS: tuple[str, ...] = ("sortie_no", "date", "takeoff", "flight_hours", "aircraft",
                                     "aircraft_type", "aircraft_kind", "task_type", "pilot")
OPTIONAL_COLUMNS: tuple[str, ...] = ("crew", "mission", "outcome", "takeoff_site", "remarks")


@dataclass(frozen=True)
class HistoryRow:
    """One checked row. ``takeoff_at``/``landing_at`` are aware (UTC)."""

    line: int
    number: int
    takeoff_at: dt.datetime
    landing_at: dt.datetime
    aircraft: str
    aircraft_type: str
    aircraft_kind: str
    task_type: str
    pilot: str
    crew: tuple[str, ...]
    mission: str
    outcome: str
    takeoff_site: str
    remarks: str


@dataclass(frozen=True)
class RowProblem:
    """What is wrong on one line: a catalogue key (``logbook.row_*``) and its values."""

    line: int
    code: str
    params: dict[str, Any]

    def message(self, lang: str = "en") -> str:
        """The problem in ``lang``, starting with its line number."""
        return t("logbook.row_prefix", lang, line=self.line) + " " + t(self.code, lang, **self.params)


class HistoryImportError(LogbookError):
    """The historical list has bad rows; ``problems`` lists every one. Nothing was imported."""

    def __init__(self, problems: list[RowProblem], file: str) -> None:
        super().__init__("logbook.err_import_rows", count=len(problems), file=file)
        self.problems = problems

    def message(self, lang: str = "en") -> str:
        head = super().message(lang)
        return "\n".join([head, *(p.message(lang) for p in self.problems)])


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LogbookError("logbook.err_import_encoding")


#: Longest text the logbook keeps per column (characters; the database columns' sizes).
TEXT_LIMITS: dict[str, int] = {"aircraft": 40, "aircraft_type": 80, "pilot": 80, "mission": 40,
                               "takeoff_site": 120, "outcome": 20, "task_type": 12, "aircraft_kind": 20}


def _csv_rows(reader: csv.DictReader, file: str) -> Iterator[dict[str, Any]]:
    """The reader's rows; a line csv cannot read (a cell over its field limit of 131,072
    characters, a stray quote) is a clear error naming the line, not a crash."""
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LogbookError("logbook.err_import_csv", file=file, line=reader.line_num + 1,
                               reason=str(exc)) from None
        yield raw


def parse_history(data: bytes, file: str = "history.csv",
                  now: dt.datetime | None = None) -> list[HistoryRow]:
    """Check every row of a historical sortie list; return the rows or raise with every problem.

    Raises
    ------
    HistoryImportError
        Listing each bad line (missing or malformed values, numbers out of order or with gaps,
        landing before takeoff, overlapping sorties of one aircraft or one person, times in the
        future, a mission with two different outcomes).
    LogbookError
        When the file is empty, not text, or lacks required columns (nothing else is checked).
    """
    now = now or dt.datetime.now(dt.UTC)
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise LogbookError("logbook.err_import_empty", file=file)
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise HistoryImportError([RowProblem(1, "logbook.row_missing_columns",
                                             {"columns": ", ".join(missing)})], file)
    problems: list[RowProblem] = []
    rows: list[HistoryRow] = []
    expected = 1
    for raw in _csv_rows(reader, file):
        line = reader.line_num
        if None in raw:  # more cells than header columns
            problems.append(RowProblem(line, "logbook.row_extra_cells", {}))
            continue
        cell = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cell.values()):
            continue  # blank line
        before = len(problems)

        def bad(code: str, **params: Any) -> None:
            problems.append(RowProblem(line, code, params))  # noqa: B023 - used at once

        for column, value in cell.items():  # PostgreSQL refuses NUL and over-long text outright
            if "\x00" in value:
                bad("logbook.row_nul", column=column)
            elif len(value) > TEXT_LIMITS.get(column, len(value)):
                bad("logbook.row_too_long", column=column, length=len(value), maximum=TEXT_LIMITS[column])
        for person in cell.get("crew", "").split(";"):
            if len(person.strip()) > TEXT_LIMITS["pilot"]:
                bad("logbook.row_too_long", column="crew", length=len(person.strip()),
                    maximum=TEXT_LIMITS["pilot"])
        number = None
        try:
            number = int(cell["sortie_no"])
        except ValueError:
            bad("logbook.row_number", value=cell["sortie_no"])
        if number is not None and number != expected:
            bad("logbook.row_sequence", value=number, expected=expected)
        expected += 1  # row k must carry number k: a typo is one problem, not a cascade
        takeoff = None
        try:
            day = dt.date.fromisoformat(cell["date"])
            clock = dt.time.fromisoformat(cell["takeoff"])
            if len(cell["takeoff"]) < 4:
                raise ValueError
            takeoff = dt.datetime.combine(day, clock, tzinfo=LOCAL_TZ).astimezone(dt.UTC)
        except ValueError:
            bad("logbook.row_datetime", date=cell["date"], time=cell["takeoff"])
        hours = None
        try:
            hours = float(cell["flight_hours"])
            if not 0 < hours <= MAX_FLIGHT_HOURS:
                bad("logbook.row_hours", value=cell["flight_hours"], maximum=MAX_FLIGHT_HOURS)
                hours = None
        except ValueError:
            bad("logbook.row_hours", value=cell["flight_hours"], maximum=MAX_FLIGHT_HOURS)
        for column in ("aircraft", "aircraft_type", "pilot"):
            if not cell[column]:
                bad("logbook.row_required", column=column)
        if cell["aircraft_kind"] not in AIRCRAFT_KINDS:
            bad("logbook.row_choice", column="aircraft_kind", value=cell["aircraft_kind"],
                choices=", ".join(AIRCRAFT_KINDS))
        if cell["task_type"] not in TASK_TYPES:
            bad("logbook.row_choice", column="task_type", value=cell["task_type"],
                choices=", ".join(TASK_TYPES))
        outcome = cell.get("outcome", "")
        if outcome and outcome not in OUTCOMES:
            bad("logbook.row_choice", column="outcome", value=outcome, choices=", ".join(OUTCOMES))
        if outcome and not cell.get("mission"):
            bad("logbook.row_outcome_without_mission")
        landing = takeoff + dt.timedelta(hours=hours) if takeoff and hours else None
        if landing is not None and landing > now:
            bad("logbook.row_future")
        crew = tuple(n.strip() for n in cell.get("crew", "").split(";") if n.strip())
        if cell["pilot"] and cell["pilot"] in crew or len(set(crew)) != len(crew):
            bad("logbook.row_crew_twice")
        if len(problems) == before and number is not None and takeoff and landing:
            rows.append(HistoryRow(
                line=line, number=number, takeoff_at=takeoff, landing_at=landing,
                aircraft=cell["aircraft"].upper(), aircraft_type=cell["aircraft_type"],
                aircraft_kind=cell["aircraft_kind"], task_type=cell["task_type"], pilot=cell["pilot"],
                crew=crew, mission=cell.get("mission", ""), outcome=outcome,
                takeoff_site=cell.get("takeoff_site", ""), remarks=cell.get("remarks", "")))
    if not rows and not problems:
        raise LogbookError("logbook.err_import_empty", file=file)
    problems.extend(_cross_row_problems(rows))
    if problems:
        raise HistoryImportError(sorted(problems, key=lambda p: p.line), file)
    return rows


def _cross_row_problems(rows: list[HistoryRow]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for prev, row in zip(rows, rows[1:], strict=False):
        if row.takeoff_at < prev.takeoff_at:
            problems.append(RowProblem(row.line, "logbook.row_out_of_order",
                                       {"number": row.number, "previous": prev.number}))
    by_key: dict[tuple[str, str], list[HistoryRow]] = {}
    types: dict[str, tuple[str, str, int]] = {}
    outcomes: dict[str, tuple[str, int]] = {}
    for row in rows:
        by_key.setdefault(("aircraft", row.aircraft), []).append(row)
        for person in (row.pilot, *row.crew):
            by_key.setdefault(("person", person), []).append(row)
        first = types.setdefault(row.aircraft, (row.aircraft_type, row.aircraft_kind, row.line))
        if first[:2] != (row.aircraft_type, row.aircraft_kind):
            problems.append(RowProblem(row.line, "logbook.row_aircraft_changed",
                                       {"registration": row.aircraft, "line_first": first[2]}))
        if row.mission and row.outcome:
            seen = outcomes.setdefault(row.mission, (row.outcome, row.line))
            if seen[0] != row.outcome:
                problems.append(RowProblem(row.line, "logbook.row_outcome_changed",
                                           {"mission": row.mission, "line_first": seen[1]}))
    for (kind, name), group in by_key.items():
        group = sorted(group, key=lambda r: r.takeoff_at)
        for prev, row in zip(group, group[1:], strict=False):
            if row.takeoff_at < prev.landing_at:
                code = "logbook.row_aircraft_overlap" if kind == "aircraft" else "logbook.row_crew_overlap"
                problems.append(RowProblem(row.line, code, {"name": name, "line_other": prev.line}))
    return problems


def import_history(db: Database, actor: Actor, data: bytes, file: str = "history.csv") -> int:
    """Import a checked historical list into an empty log; returns the number of sorties.

    Aircraft, crew and missions named in the file are added to the rosters. The sorties get
    status ``historical`` and keep their numbers; the next sortie logged is ``len(rows) + 1``.
    One transaction: all rows or none.

    Raises
    ------
    HistoryImportError, LogbookError
        See :func:`parse_history`; ``logbook.err_import_not_empty`` if anything is logged already.
    """
    require(actor, "log.import")
    rows = parse_history(data, file)
    digest = hashlib.sha256(data).hexdigest()

    def work(session: Session) -> int:
        counter = lock_counter(session)
        if counter.last_number or session.scalar(select(func.count()).select_from(Sortie)):
            raise LogbookError("logbook.err_import_not_empty", last=counter.last_number)
        aircraft = {a.registration: a for a in session.scalars(select(Aircraft))}
        people = {c.name: c for c in session.scalars(select(CrewMember))}
        missions = {m.incident_number: m for m in session.scalars(select(Mission))}
        for row in rows:
            if row.aircraft not in aircraft:
                aircraft[row.aircraft] = Aircraft(registration=row.aircraft, type_name=row.aircraft_type,
                                                  kind=row.aircraft_kind, active=True)
                session.add(aircraft[row.aircraft])
            for person in (row.pilot, *row.crew):
                if person not in people:
                    people[person] = CrewMember(name=person, active=True)
                    session.add(people[person])
            if row.mission and row.mission not in missions:
                missions[row.mission] = Mission(incident_number=row.mission, opened_at=row.takeoff_at,
                                                status="closed", area="", subject="")
                session.add(missions[row.mission])
            if row.mission:
                m = missions[row.mission]
                m.closed_at = max(m.closed_at or row.landing_at, row.landing_at)
                if row.outcome:
                    m.outcome = row.outcome
        session.flush()
        now = dt.datetime.now(dt.UTC)
        # The sorties and their crews go in as two Core executemany INSERTs on the tables (the
        # driver batches them), not one ORM object and one flush per sortie: 100,000 sorties took
        # 4-6 minutes that way. (Not the ORM's bulk insert either: it splits the rows into a
        # statement per run of equal None-ness, e.g. with and without a mission.) Still inside
        # this one transaction: all or none.
        session.execute(insert(cast(Table, Sortie.__table__)), [
            {"number": row.number, "status": "historical", "task_type": row.task_type,
             "aircraft_id": aircraft[row.aircraft].id,
             "mission_id": missions[row.mission].id if row.mission else None,
             "takeoff_at": row.takeoff_at, "landing_at": row.landing_at,
             "takeoff_site": row.takeoff_site, "landing_site": row.takeoff_site,
             "remarks": row.remarks, "revision": 1, "created_by": actor.user_id,
             "created_at": now} for row in rows])
        # the log was empty (checked above under the counter's lock): every sortie is this file's
        ids = {n: i for n, i in session.execute(select(Sortie.number, Sortie.id))}
        session.execute(insert(cast(Table, SortieCrew.__table__)), [
            {"sortie_id": ids[row.number], "crew_member_id": people[person].id,
             "role": "pilot" if pos == 0 else "observer", "position": pos}
            for row in rows for pos, person in enumerate((row.pilot, *row.crew))])
        counter.last_number = rows[-1].number
        session.flush()
        record_audit(session, actor.username, "import_history", "sortie_counter", 1,
                     {"file": file, "sha256": digest, "sorties": len(rows),
                      "first": rows[0].number, "last": rows[-1].number})
        return len(rows)

    return db.write(work)


def import_history_file(db: Database, actor: Actor, path: Path) -> int:
    """:func:`import_history` from a file on disk."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LogbookError("logbook.err_read_file", file=str(path), reason=exc.strerror or str(exc)) from exc
    return import_history(db, actor, data, path.name)
