"""Rosters, missions and sorties: logging, review (draft -> submitted -> approved / returned),
amendments that keep every earlier version, and the checks that keep the log true.

Every change runs in one write transaction together with its audit row
(:mod:`sar_planner.logbook.audit`); nothing is ever deleted (aircraft and crew are retired with
``active = False``). Times are timezone-aware and stored in UTC; coordinates are WGS84 degrees;
tracks are GeoJSON LineStrings, or MultiLineStrings when the log has several segments (WGS84
longitude, latitude, and metres above sea level where the fix has a height:
:mod:`sar_planner.logbook.tracks`); areas are square metres; POD is a
fraction 0..1.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, insert, select, true, update
from sqlalchemy.orm import Session

from sar_planner.permissions import Actor, allowed, require
from sar_planner.errors import AuthError, LogbookError
from sar_planner.logbook.audit import jsonable, record_audit
from sar_planner.logbook.counter import lock_counter, take_number
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import (
    AIRCRAFT_KINDS,
    CREW_ROLES,
    OUTCOMES,
    TASK_TYPES,
    Aircraft,
    CrewMember,
    Mission,
    Sortie,
    SortieAmendment,
    SortieCrew,
    SortieRevision,
    User,
)

__all__ = [
    "SortieInput",
    "SortieRecord",
    "RevisionRecord",
    "MAX_FLIGHT_HOURS",
    "add_aircraft",
    "set_aircraft_active",
    "set_aircraft_asset",
    "aircraft_assets",
    "list_aircraft",
    "add_crew_member",
    "list_crew",
    "open_mission",
    "close_mission",
    "list_missions",
    "log_sortie",
    "update_sortie",
    "submit_sortie",
    "approve_sortie",
    "return_sortie",
    "amend_sortie",
    "get_sortie",
    "list_sorties",
    "sortie_history",
    "check_sortie_input",
]

#: Longest plausible single sortie (hours); longer is a typing error (a day instead of an hour).
MAX_FLIGHT_HOURS = 12.0


@dataclass(frozen=True)
class SortieInput:
    """What a crew enters for one sortie.

    Parameters
    ----------
    task_type:
        One of :data:`~sar_planner.logbook.models.TASK_TYPES`.
    aircraft:
        Registration of an aircraft on the roster.
    takeoff_at, landing_at:
        Timezone-aware instants (any zone; stored as UTC).
    crew:
        ``(name, role)`` pairs of people on the roster; at least one ``pilot``.
    incident_number:
        The mission flown for, or ``None`` for training, patrol and other tasks.
    takeoff_site, landing_site, remarks:
        Free text.
    plan, track:
        The plan flown (JSON) and the flown track (GeoJSON LineString or, for several
        segments, MultiLineString; WGS84 lon/lat[/metres AMSL], :mod:`sar_planner.logbook.tracks`).
    area_covered_m2:
        Area covered by the sensor (square metres).
    pod:
        Achieved probability of detection, 0..1.
    """

    task_type: str
    aircraft: str
    takeoff_at: dt.datetime
    landing_at: dt.datetime
    crew: tuple[tuple[str, str], ...]
    incident_number: str | None = None
    takeoff_site: str = ""
    landing_site: str = ""
    plan: dict[str, Any] | None = None
    track: dict[str, Any] | None = None
    area_covered_m2: float | None = None
    pod: float | None = None
    remarks: str = ""


@dataclass(frozen=True)
class SortieRecord:
    """One sortie as stored (current version). Times UTC; ``flight_seconds`` is computed."""

    id: int
    number: int
    status: str
    task_type: str
    incident_number: str | None
    aircraft: str
    aircraft_type: str
    takeoff_at: dt.datetime
    landing_at: dt.datetime
    crew: tuple[tuple[str, str], ...]
    takeoff_site: str
    landing_site: str
    plan: dict[str, Any] | None
    track: dict[str, Any] | None
    area_covered_m2: float | None
    pod: float | None
    remarks: str
    revision: int
    created_by: int | None
    return_reason: str | None
    mission_outcome: str | None = None
    mission_area: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def flight_seconds(self) -> float:
        """Landing minus takeoff, seconds."""
        return (self.landing_at - self.takeoff_at).total_seconds()

    @property
    def flight_hours(self) -> float:
        """Landing minus takeoff, hours."""
        return self.flight_seconds / 3600.0


@dataclass(frozen=True)
class RevisionRecord:
    """One kept version of an approved sortie: the values, why it changed, who, when (UTC)."""

    revision: int
    data: dict[str, Any]
    reason: str
    author: str | None
    created_at: dt.datetime


# ----------------------------------------------------------------------------------- rosters

def _check_asset_id(asset_id: str | None) -> str | None:
    """A catalogue id as stored (None = not linked); an id the catalogue lacks is refused."""
    if asset_id is None or not str(asset_id).strip():
        return None
    from sar_planner.assets import load_catalogue

    asset_id = str(asset_id).strip()
    catalogue = load_catalogue()
    if asset_id not in catalogue:
        raise LogbookError("logbook.err_aircraft_asset", asset=asset_id,
                           known=", ".join(sorted(catalogue)))
    return asset_id


def add_aircraft(db: Database, actor: Actor, registration: str, type_name: str, kind: str,
                 asset_id: str | None = None) -> int:
    """Put an aircraft on the roster; returns its id.

    ``asset_id`` links it to its type in the asset catalogue (see :func:`set_aircraft_asset`).

    Raises
    ------
    LogbookError
        For an empty or duplicate registration, an unknown kind or catalogue type.
    """
    require(actor, "aircraft.manage")
    registration = registration.strip().upper()
    if not registration or not type_name.strip():
        raise LogbookError("logbook.err_aircraft_fields")
    if kind not in AIRCRAFT_KINDS:
        raise LogbookError("logbook.err_aircraft_kind", kind=kind, kinds=", ".join(AIRCRAFT_KINDS))
    asset_id = _check_asset_id(asset_id)

    def work(session: Session) -> int:
        if session.scalar(select(Aircraft.id).where(Aircraft.registration == registration)):
            raise LogbookError("logbook.err_aircraft_exists", registration=registration)
        row = Aircraft(registration=registration, type_name=type_name.strip(), kind=kind,
                       active=True, asset_id=asset_id)
        session.add(row)
        session.flush()
        record_audit(session, actor.username, "create", "aircraft", row.id,
                     {"registration": registration, "type_name": type_name, "kind": kind,
                      "asset_id": asset_id})
        return row.id

    return db.write(work)


def set_aircraft_asset(db: Database, actor: Actor, registration: str,
                       asset_id: str | None) -> None:
    """Link a roster aircraft to its catalogue type (None unlinks it); audited with before and
    after. The link decides the sweep width of its sorties logged with a track but no plan, in
    every map made after the change (sorties already logged included: the map is recomputed).

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_aircraft``, ``logbook.err_aircraft_asset``.
    """
    require(actor, "aircraft.manage")
    asset_id = _check_asset_id(asset_id)

    def work(session: Session) -> None:
        row = session.scalar(select(Aircraft).where(Aircraft.registration == registration))
        if row is None:
            raise LogbookError("logbook.err_unknown_aircraft", registration=registration)
        if row.asset_id == asset_id:
            return
        record_audit(session, actor.username, "set_asset", "aircraft", row.id,
                     {"registration": registration, "before": row.asset_id, "after": asset_id})
        row.asset_id = asset_id

    db.write(work)


def aircraft_assets(db: Database) -> dict[str, str | None]:
    """Registration -> catalogue type id (None when not linked), every aircraft ever on the roster."""
    with db.read() as session:
        return {a.registration: a.asset_id for a in session.scalars(select(Aircraft))}


def set_aircraft_active(db: Database, actor: Actor, registration: str, active: bool) -> None:
    """Retire (or return to service) an aircraft; its sorties stay in the log."""
    require(actor, "aircraft.manage")

    def work(session: Session) -> None:
        row = session.scalar(select(Aircraft).where(Aircraft.registration == registration))
        if row is None:
            raise LogbookError("logbook.err_unknown_aircraft", registration=registration)
        record_audit(session, actor.username, "set_active", "aircraft", row.id,
                     {"registration": registration, "before": row.active, "after": active})
        row.active = active

    db.write(work)


def list_aircraft(db: Database, active_only: bool = False) -> list[dict[str, Any]]:
    """The roster: registration, type, kind, active, catalogue type id (``asset_id``, or None)."""
    stmt = select(Aircraft).order_by(Aircraft.registration)
    if active_only:
        stmt = stmt.where(Aircraft.active.is_(True))
    with db.read() as session:
        return [{"registration": a.registration, "type_name": a.type_name, "kind": a.kind,
                 "active": a.active, "asset_id": a.asset_id} for a in session.scalars(stmt)]


def add_crew_member(db: Database, actor: Actor, name: str) -> int:
    """Put a person on the crew roster (without an account); returns the id."""
    require(actor, "aircraft.manage")
    name = name.strip()
    if not name:
        raise LogbookError("logbook.err_crew_name")

    def work(session: Session) -> int:
        if session.scalar(select(CrewMember.id).where(CrewMember.name == name)):
            raise LogbookError("logbook.err_crew_exists", name=name)
        row = CrewMember(name=name, active=True)
        session.add(row)
        session.flush()
        record_audit(session, actor.username, "create", "crew_member", row.id, {"name": name})
        return row.id

    return db.write(work)


def list_crew(db: Database, active_only: bool = False) -> list[dict[str, Any]]:
    """The crew roster: name, active, linked account user name (or None)."""
    stmt = select(CrewMember, User.username).outerjoin(User, CrewMember.user_id == User.id) \
        .order_by(CrewMember.name)
    if active_only:
        stmt = stmt.where(CrewMember.active.is_(True))
    with db.read() as session:
        return [{"name": c.name, "active": c.active, "username": u} for c, u in session.execute(stmt)]


# ----------------------------------------------------------------------------------- missions

def _aware(value: dt.datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise LogbookError("logbook.err_naive_time", what=what)


def open_mission(db: Database, actor: Actor, incident_number: str, opened_at: dt.datetime, *,
                 subject: str = "", area: str = "", reported_at: dt.datetime | None = None,
                 ipp_lat: float | None = None, ipp_lon: float | None = None,
                 ipp_time: dt.datetime | None = None) -> int:
    """Open a mission (incident). IPP in WGS84 degrees. Returns its id."""
    require(actor, "sortie.log")
    incident_number = incident_number.strip()
    if not incident_number:
        raise LogbookError("logbook.err_incident_number")
    for value, what in ((opened_at, "opened"), (reported_at, "reported"), (ipp_time, "ipp_time")):
        _aware(value, what)
    _check_latlon(ipp_lat, ipp_lon)

    def work(session: Session) -> int:
        if session.scalar(select(Mission.id).where(Mission.incident_number == incident_number)):
            raise LogbookError("logbook.err_mission_exists", incident=incident_number)
        row = Mission(incident_number=incident_number, opened_at=opened_at, reported_at=reported_at,
                      subject=subject, area=area, ipp_lat=ipp_lat, ipp_lon=ipp_lon,
                      ipp_time=ipp_time, status="open")
        session.add(row)
        session.flush()
        record_audit(session, actor.username, "create", "mission", row.id,
                     {"incident_number": incident_number, "opened_at": opened_at, "subject": subject,
                      "area": area, "ipp": [ipp_lat, ipp_lon]})
        return row.id

    return db.write(work)


def _check_latlon(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise LogbookError("logbook.err_latlon", lat=lat, lon=lon)
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LogbookError("logbook.err_latlon", lat=lat, lon=lon)


def close_mission(db: Database, actor: Actor, incident_number: str, outcome: str,
                  closed_at: dt.datetime, *, find_lat: float | None = None,
                  find_lon: float | None = None, find_time: dt.datetime | None = None) -> None:
    """Close a mission with its outcome and, when found, the find location (WGS84) and time."""
    require(actor, "mission.manage")
    if outcome not in OUTCOMES:
        raise LogbookError("logbook.err_outcome", outcome=outcome, outcomes=", ".join(OUTCOMES))
    _aware(closed_at, "closed")
    _aware(find_time, "find_time")
    _check_latlon(find_lat, find_lon)

    def work(session: Session) -> None:
        row = session.scalar(select(Mission).where(Mission.incident_number == incident_number))
        if row is None:
            raise LogbookError("logbook.err_unknown_mission", incident=incident_number)
        if closed_at < row.opened_at:
            raise LogbookError("logbook.err_closed_before_opened", incident=incident_number)
        before = {"status": row.status, "outcome": row.outcome}
        row.status, row.outcome, row.closed_at = "closed", outcome, closed_at
        row.find_lat, row.find_lon, row.find_time = find_lat, find_lon, find_time
        record_audit(session, actor.username, "close", "mission", row.id,
                     {"before": before, "after": {"status": "closed", "outcome": outcome,
                                                  "closed_at": closed_at, "find": [find_lat, find_lon],
                                                  "find_time": find_time}})

    db.write(work)


def list_missions(db: Database) -> list[dict[str, Any]]:
    """Every mission, newest first, as plain dicts (times UTC)."""
    with db.read() as session:
        return [{k: getattr(m, k) for k in (
            "incident_number", "opened_at", "closed_at", "reported_at", "subject", "area", "status",
            "outcome", "ipp_lat", "ipp_lon", "ipp_time", "find_lat", "find_lon", "find_time")}
            for m in session.scalars(select(Mission).order_by(Mission.opened_at.desc()))]


# ----------------------------------------------------------------------------------- sorties

def check_sortie_input(data: SortieInput) -> None:
    """Checks that need no database: times, task, crew roles, POD, area, track shape.

    Raises
    ------
    LogbookError
        The first problem found, with what to do about it.
    """
    _aware(data.takeoff_at, "takeoff")
    _aware(data.landing_at, "landing")
    if data.landing_at <= data.takeoff_at:
        raise LogbookError("logbook.err_landing_before_takeoff")
    if (data.landing_at - data.takeoff_at) > dt.timedelta(hours=MAX_FLIGHT_HOURS):
        raise LogbookError("logbook.err_too_long", hours=MAX_FLIGHT_HOURS)
    if data.task_type not in TASK_TYPES:
        raise LogbookError("logbook.err_task_type", task=data.task_type, tasks=", ".join(TASK_TYPES))
    if data.task_type in ("search", "rescue") and not data.incident_number:
        raise LogbookError("logbook.err_needs_mission", task=data.task_type)
    if not data.aircraft.strip():
        raise LogbookError("logbook.err_unknown_aircraft", registration="")
    # the same on both backends: PostgreSQL refuses NUL and over-long text, SQLite would keep it
    for text, limit in ((data.takeoff_site, 120), (data.landing_site, 120), (data.remarks, None),
                        (data.aircraft, 40), (data.incident_number or "", 40),
                        *((name, 80) for name, _ in data.crew)):
        if "\x00" in text or (limit is not None and len(text.strip()) > limit):
            raise LogbookError("logbook.err_text_value",
                               detail=f"{len(text.strip())} > {limit}" if limit and "\x00" not in text else "NUL")
    names = [n.strip() for n, _ in data.crew]
    if len(set(names)) != len(names):
        raise LogbookError("logbook.err_crew_twice")
    for _, role in data.crew:
        if role not in CREW_ROLES:
            raise LogbookError("logbook.err_crew_role", role=role, roles=", ".join(CREW_ROLES))
    if not any(role == "pilot" for _, role in data.crew):
        raise LogbookError("logbook.err_no_pilot")
    if data.pod is not None and not 0.0 <= data.pod <= 1.0:
        raise LogbookError("logbook.err_pod", pod=data.pod)
    if data.area_covered_m2 is not None and not data.area_covered_m2 >= 0:
        raise LogbookError("logbook.err_area", area=data.area_covered_m2)
    if data.track is not None:
        # a LineString (one segment) or a MultiLineString (one line per segment, never joined:
        # sar_planner.logbook.tracks), each line of two or more finite lon/lat positions
        raw = data.track.get("coordinates") if isinstance(data.track, dict) else None
        kind = data.track.get("type") if isinstance(data.track, dict) else None
        lines = ([raw] if kind == "LineString" else raw if kind == "MultiLineString" else None)
        if (not isinstance(raw, list) or not isinstance(lines, list) or not lines
                or any(not isinstance(line, list) or len(line) < 2 for line in lines)
                or any(not isinstance(c, (list, tuple)) or len(c) < 2
                       or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in c[:2])
                       or not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90)
                       for line in lines for c in line)):
            raise LogbookError("trackgaps.err_track")
        coords = [c for line in lines for c in line]
        # a third value is the fix's height above sea level (metres), where the file gave one;
        # points are numbered through the whole track
        for i, c in enumerate(coords, start=1):
            if len(c) >= 3 and (isinstance(c[2], bool) or not isinstance(c[2], (int, float))
                                or not math.isfinite(c[2])):
                raise LogbookError("tracks3d.err_track_height", point=i)


def _resolve(session: Session, data: SortieInput) -> tuple[Aircraft, Mission | None, list[CrewMember]]:
    aircraft = session.scalar(select(Aircraft).where(Aircraft.registration == data.aircraft.strip().upper()))
    if aircraft is None:
        raise LogbookError("logbook.err_unknown_aircraft", registration=data.aircraft)
    mission = None
    if data.incident_number:
        mission = session.scalar(select(Mission).where(Mission.incident_number == data.incident_number))
        if mission is None:
            raise LogbookError("logbook.err_unknown_mission", incident=data.incident_number)
    members = []
    for name, _ in data.crew:
        member = session.scalar(select(CrewMember).where(CrewMember.name == name.strip()))
        if member is None:
            raise LogbookError("logbook.err_unknown_crew", name=name)
        members.append(member)
    return aircraft, mission, members


def _fmt_local(value: dt.datetime) -> str:
    from sar_planner.logbook.times import format_local

    return format_local(value)


def _check_overlaps(session: Session, data: SortieInput, aircraft: Aircraft,
                    members: Sequence[CrewMember], exclude_id: int | None) -> None:
    overlap = and_(Sortie.takeoff_at < data.landing_at, Sortie.landing_at > data.takeoff_at)
    not_self = Sortie.id != exclude_id if exclude_id is not None else true()
    clash = session.scalar(select(Sortie).where(Sortie.aircraft_id == aircraft.id, overlap, not_self)
                           .order_by(Sortie.number).limit(1))
    if clash is not None:
        raise LogbookError("logbook.err_aircraft_overlap", registration=aircraft.registration,
                           number=clash.number, takeoff=_fmt_local(clash.takeoff_at),
                           landing=_fmt_local(clash.landing_at))
    if members:
        row = session.execute(
            select(Sortie.number, Sortie.takeoff_at, Sortie.landing_at, CrewMember.name)
            .join(SortieCrew, SortieCrew.sortie_id == Sortie.id)
            .join(CrewMember, CrewMember.id == SortieCrew.crew_member_id)
            .where(SortieCrew.crew_member_id.in_([m.id for m in members]), overlap, not_self)
            .order_by(Sortie.number).limit(1)).first()
        if row is not None:
            raise LogbookError("logbook.err_crew_overlap", name=row.name, number=row.number,
                               takeoff=_fmt_local(row.takeoff_at), landing=_fmt_local(row.landing_at))


def _check_own(session: Session, actor: Actor, members: Sequence[CrewMember]) -> None:
    """Crew (without ``sortie.log_for_others``) may only log sorties they flew themselves."""
    if allowed(actor.role, "sortie.log_for_others"):
        return
    if actor.user_id is None or not any(m.user_id == actor.user_id for m in members):
        raise AuthError("auth.err_not_own_sortie")


def _apply(row: Sortie, data: SortieInput, aircraft: Aircraft, mission: Mission | None) -> None:
    row.task_type = data.task_type
    row.aircraft_id = aircraft.id
    row.aircraft = aircraft
    row.mission_id = mission.id if mission else None
    row.mission = mission
    row.takeoff_at, row.landing_at = data.takeoff_at, data.landing_at
    row.takeoff_site, row.landing_site = data.takeoff_site.strip(), data.landing_site.strip()
    row.plan, row.track = data.plan, data.track
    row.area_covered_m2, row.pod, row.remarks = data.area_covered_m2, data.pod, data.remarks


def _set_crew(session: Session, row: Sortie, data: SortieInput, members: Sequence[CrewMember]) -> None:
    old = list(row.crew)
    for link in old:  # a crew list is part of the record, replaced as a whole
        row.crew.remove(link)
        session.delete(link)
    session.flush()
    for pos, ((_, role), member) in enumerate(zip(data.crew, members, strict=True)):
        row.crew.append(SortieCrew(crew_member_id=member.id, member=member, role=role, position=pos))


def _snapshot(row: Sortie) -> dict[str, Any]:
    return jsonable({
        "number": row.number, "status": row.status, "task_type": row.task_type,
        "incident_number": row.mission.incident_number if row.mission else None,
        "aircraft": row.aircraft.registration, "takeoff_at": row.takeoff_at, "landing_at": row.landing_at,
        "crew": [[c.member.name, c.role] for c in row.crew],
        "takeoff_site": row.takeoff_site, "landing_site": row.landing_site, "plan": row.plan,
        "track": row.track, "area_covered_m2": row.area_covered_m2, "pod": row.pod,
        "remarks": row.remarks,
    })


def _record(row: Sortie) -> SortieRecord:
    return SortieRecord(
        id=row.id, number=row.number, status=row.status, task_type=row.task_type,
        incident_number=row.mission.incident_number if row.mission else None,
        aircraft=row.aircraft.registration, aircraft_type=row.aircraft.type_name,
        takeoff_at=row.takeoff_at, landing_at=row.landing_at,
        crew=tuple((c.member.name, c.role) for c in row.crew),
        takeoff_site=row.takeoff_site, landing_site=row.landing_site, plan=row.plan, track=row.track,
        area_covered_m2=row.area_covered_m2, pod=row.pod, remarks=row.remarks, revision=row.revision,
        created_by=row.created_by, return_reason=row.return_reason,
        mission_outcome=row.mission.outcome if row.mission else None,
        mission_area=row.mission.area if row.mission else "",
    )


def log_sortie(db: Database, actor: Actor, data: SortieInput, *, submit: bool = False) -> SortieRecord:
    """Log a sortie: it takes the next number in the unit's running count.

    The sortie starts as a draft (or submitted, with ``submit=True``). Checks: landing after
    takeoff, a known aircraft, mission and crew, no other sortie of the same aircraft or of any
    of the crew overlapping in time, and (for crew) that the actor flew it.

    Raises
    ------
    LogbookError
        The first problem found; nothing is saved and no number is used.
    AuthError
        If the actor may not log this sortie.
    """
    require(actor, "sortie.log")
    check_sortie_input(data)

    def work(session: Session) -> SortieRecord:
        lock_counter(session)  # serialises loggers: the overlap checks below see every earlier sortie
        aircraft, mission, members = _resolve(session, data)
        _check_own(session, actor, members)
        if not aircraft.active:
            raise LogbookError("logbook.err_aircraft_retired", registration=aircraft.registration)
        _check_overlaps(session, data, aircraft, members, None)
        row = Sortie(number=take_number(session), status="submitted" if submit else "draft",
                     created_by=actor.user_id, revision=1, created_at=dt.datetime.now(dt.UTC))
        _apply(row, data, aircraft, mission)
        session.add(row)
        _set_crew(session, row, data, members)
        session.flush()
        record_audit(session, actor.username, "log", "sortie", row.id, _snapshot(row))
        return _record(row)

    return db.write(work)


def _load(session: Session, sortie_id: int, lock: bool = False) -> Sortie:
    stmt = select(Sortie).where(Sortie.id == sortie_id)
    if lock:
        stmt = stmt.with_for_update(of=Sortie)
    row = session.scalar(stmt)
    if row is None:
        raise LogbookError("logbook.err_unknown_sortie", sortie=sortie_id)
    return row


def update_sortie(db: Database, actor: Actor, sortie_id: int, data: SortieInput) -> SortieRecord:
    """Correct a draft or returned sortie (its number stays). Approved ones need :func:`amend_sortie`."""
    require(actor, "sortie.log")
    check_sortie_input(data)

    def work(session: Session) -> SortieRecord:
        lock_counter(session)
        row = _load(session, sortie_id, lock=True)
        if row.status not in ("draft", "returned"):
            raise LogbookError("logbook.err_not_editable", number=row.number, status=row.status)
        if row.created_by != actor.user_id:
            require(actor, "sortie.log_for_others")
        aircraft, mission, members = _resolve(session, data)
        _check_own(session, actor, members)
        _check_overlaps(session, data, aircraft, members, row.id)
        before = _snapshot(row)
        _apply(row, data, aircraft, mission)
        _set_crew(session, row, data, members)
        session.flush()
        record_audit(session, actor.username, "edit", "sortie", row.id,
                     {"before": before, "after": _snapshot(row)})
        return _record(row)

    return db.write(work)


def _transition(db: Database, actor: Actor, sortie_id: int, from_states: tuple[str, ...],
                to_state: str, action: str, reason: str | None = None) -> SortieRecord:
    """Move a sortie between review states with one conditional UPDATE.

    The ``WHERE status IN (...)`` makes the change atomic on both backends: when two commanders
    act at once, exactly one UPDATE matches the row and the other gets ``err_already_reviewed``.
    """
    now = dt.datetime.now(dt.UTC)

    def work(session: Session) -> SortieRecord:
        row = _load(session, sortie_id)
        if action == "submit" and row.created_by != actor.user_id:
            require(actor, "sortie.log_for_others")
        if action == "approve":
            _check_not_own_flight(session, actor, row)
        values: dict[str, Any] = {"status": to_state}
        if action in ("approve", "return"):
            values.update(reviewed_by=actor.user_id, reviewed_at=now, return_reason=reason)
        result = session.execute(
            update(Sortie).where(Sortie.id == sortie_id, Sortie.status.in_(from_states))
            .values(**values).execution_options(synchronize_session=False))
        if cast(CursorResult[Any], result).rowcount != 1:
            session.refresh(row)
            raise LogbookError("logbook.err_already_reviewed", number=row.number, status=row.status)
        session.refresh(row)
        if action == "approve":
            session.add(SortieRevision(sortie_id=row.id, revision=row.revision, data=_snapshot(row),
                                       reason="approved", author_id=actor.user_id, created_at=now))
        record_audit(session, actor.username, action, "sortie", row.id,
                     {"number": row.number, "from": list(from_states), "to": to_state, "reason": reason})
        return _record(row)

    return db.write(work)


def _check_not_own_flight(session: Session, actor: Actor, row: Sortie) -> None:
    """A commander does not approve a sortie he flew: another commander or the administrator does."""
    if actor.user_id is None:
        return
    flew = session.scalar(select(SortieCrew.id).join(CrewMember, CrewMember.id == SortieCrew.crew_member_id)
                          .where(SortieCrew.sortie_id == row.id, CrewMember.user_id == actor.user_id))
    if flew is not None:
        raise LogbookError("logbook.err_approve_own", number=row.number)


def submit_sortie(db: Database, actor: Actor, sortie_id: int) -> SortieRecord:
    """Send a draft (or a returned sortie, once corrected) to the commanders for review."""
    require(actor, "sortie.log")
    return _transition(db, actor, sortie_id, ("draft", "returned"), "submitted", "submit")


def approve_sortie(db: Database, actor: Actor, sortie_id: int) -> SortieRecord:
    """Approve a submitted sortie; its values become revision 1 in the kept history.

    Raises
    ------
    LogbookError
        ``logbook.err_approve_own`` when ``actor`` is on the sortie's crew (another commander or
        the administrator approves it), ``logbook.err_already_reviewed`` when it is no longer
        submitted.
    """
    require(actor, "sortie.review")
    return _transition(db, actor, sortie_id, ("submitted",), "approved", "approve")


def return_sortie(db: Database, actor: Actor, sortie_id: int, reason: str) -> SortieRecord:
    """Return a submitted sortie to its crew with a reason (required)."""
    require(actor, "sortie.review")
    if not reason.strip():
        raise LogbookError("logbook.err_reason_required")
    return _transition(db, actor, sortie_id, ("submitted",), "returned", "return", reason.strip())


def amend_sortie(db: Database, actor: Actor, sortie_id: int, data: SortieInput,
                 reason: str) -> SortieRecord:
    """Correct an approved (or historical) sortie: a new revision; every earlier one is kept.

    The number never changes. The same checks as logging apply (overlaps exclude the sortie
    itself).

    Raises
    ------
    LogbookError
        ``logbook.err_reason_required`` without a reason, ``logbook.err_not_amendable`` for a
        sortie not yet approved (edit or return it instead), or a validation message.
    """
    require(actor, "sortie.amend")
    if not reason.strip():
        raise LogbookError("logbook.err_reason_required")
    check_sortie_input(data)
    now = dt.datetime.now(dt.UTC)

    def work(session: Session) -> SortieRecord:
        lock_counter(session)
        row = _load(session, sortie_id, lock=True)
        if row.status not in ("approved", "historical"):
            raise LogbookError("logbook.err_not_amendable", number=row.number, status=row.status)
        aircraft, mission, members = _resolve(session, data)
        _check_overlaps(session, data, aircraft, members, row.id)
        # the permit the database's triggers ask for (migration 0007); removed before commit
        session.execute(insert(SortieAmendment).values(sortie_id=row.id))
        have = session.scalar(select(SortieRevision.id).where(
            SortieRevision.sortie_id == row.id, SortieRevision.revision == row.revision))
        before = _snapshot(row)
        if have is None:  # a historical row: keep its imported values as revision 1
            session.add(SortieRevision(sortie_id=row.id, revision=row.revision, data=before,
                                       reason="original", author_id=None, created_at=now))
        _apply(row, data, aircraft, mission)
        _set_crew(session, row, data, members)
        row.revision += 1
        session.flush()
        after = _snapshot(row)
        session.add(SortieRevision(sortie_id=row.id, revision=row.revision, data=after,
                                   reason=reason.strip(), author_id=actor.user_id, created_at=now))
        record_audit(session, actor.username, "amend", "sortie", row.id,
                     {"reason": reason.strip(), "revision": row.revision, "before": before, "after": after})
        session.flush()
        session.execute(delete(SortieAmendment).where(SortieAmendment.sortie_id == row.id))
        return _record(row)

    return db.write(work)


def get_sortie(db: Database, sortie_id: int) -> SortieRecord:
    """One sortie by id (current version)."""
    with db.read() as session:
        return _record(_load(session, sortie_id))


def list_sorties(db: Database, *, statuses: Sequence[str] | None = None,
                 created_by: int | None = None, start: dt.datetime | None = None,
                 end: dt.datetime | None = None) -> list[SortieRecord]:
    """Sorties by number, optionally by status, author, and takeoff in ``[start, end)`` (aware)."""
    stmt = select(Sortie).order_by(Sortie.number)
    if statuses:
        stmt = stmt.where(Sortie.status.in_(list(statuses)))
    if created_by is not None:
        stmt = stmt.where(Sortie.created_by == created_by)
    if start is not None:
        stmt = stmt.where(Sortie.takeoff_at >= start)
    if end is not None:
        stmt = stmt.where(Sortie.takeoff_at < end)
    with db.read() as session:
        return [_record(r) for r in session.scalars(stmt).unique()]


def sortie_history(db: Database, sortie_id: int) -> list[RevisionRecord]:
    """Every kept version of a sortie, oldest first (empty until it is approved or amended)."""
    with db.read() as session:
        _load(session, sortie_id)
        rows = session.execute(
            select(SortieRevision, User.username).outerjoin(User, SortieRevision.author_id == User.id)
            .where(SortieRevision.sortie_id == sortie_id).order_by(SortieRevision.revision)).all()
        return [RevisionRecord(r.revision, r.data, r.reason, u, r.created_at) for r, u in rows]


