"""The logbook's tables as typed SQLAlchemy 2 models.

Facts only: who flew what, when, where, and every change made to that record. Nothing derived
(flight time, totals, the current POA map) is stored; it is computed from these rows.

Times are stored in UTC and are always timezone-aware in Python (:class:`UTCDateTime`); the pages
show them in Asia/Shanghai. Coordinates are WGS84 (EPSG:4326) decimal degrees; tracks are GeoJSON
LineStrings in WGS84 longitude/latitude order. Areas are square metres.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "UTCDateTime",
    "Aircraft",
    "CrewMember",
    "User",
    "Mission",
    "Sortie",
    "SortieCrew",
    "SortieRevision",
    "AuditEntry",
    "SortieCounter",
    "MissionPodMap",
    "SignInSession",
    "SortieAmendment",
    "SignInLockout",
    "ROLES",
    "SORTIE_STATUSES",
    "TASK_TYPES",
    "CREW_ROLES",
    "OUTCOMES",
    "AIRCRAFT_KINDS",
]

#: Account roles, least to most administrative.
ROLES: tuple[str, ...] = ("crew", "commander", "analyst", "admin")
#: Review states of a sortie. ``historical`` rows came from the unit's list before the tool.
SORTIE_STATUSES: tuple[str, ...] = ("draft", "submitted", "returned", "approved", "historical")
#: What a sortie was flown for.
TASK_TYPES: tuple[str, ...] = ("search", "rescue", "training", "patrol", "transfer", "test", "other")
#: A crew member's role on one sortie.
CREW_ROLES: tuple[str, ...] = ("pilot", "copilot", "observer", "sensor_operator", "winch_operator", "medic")
#: How a mission ended.
OUTCOMES: tuple[str, ...] = ("found_alive", "found_deceased", "self_rescued", "not_found")
#: Kinds of aircraft on the roster.
AIRCRAFT_KINDS: tuple[str, ...] = ("helicopter", "drone", "fixed_wing")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC instant on every backend.

    Binding a naive datetime raises ``ValueError`` (a time without a zone is ambiguous); aware
    values are converted to UTC. SQLite returns naive values, which are read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to the logbook; attach a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every logbook table."""

    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class Aircraft(Base):
    """One aircraft or drone on the unit's roster (never deleted; ``active`` false retires it)."""

    __tablename__ = "aircraft"
    __table_args__ = (CheckConstraint(f"kind IN {_in(AIRCRAFT_KINDS)}", name="ck_aircraft_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration: Mapped[str] = mapped_column(String(40), unique=True)
    type_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    #: Its type in the asset catalogue (catalogue id), or None until an administrator links it
    #: (migration 0008): a flown track logged without a plan counts with that type's sweep width.
    asset_id: Mapped[str | None] = mapped_column(String(80), nullable=True)


class CrewMember(Base):
    """A person who flies (pilot, observer...). May be linked to a sign-in account."""

    __tablename__ = "crew_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class User(Base):
    """A sign-in account. ``password_hash`` is an argon2id hash string; there are no defaults."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(f"role IN {_in(ROLES)}", name="ck_user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Mission(Base):
    """A search incident. IPP and find location are WGS84 degrees.

    ``planning_inputs`` holds the crew's planning inputs as typed (datum, IPP text, uncertainty,
    subject category, quartiles...), a versioned dict kept by
    :mod:`sar_planner.logbook.mission_inputs`; every change is in the audit log.
    """

    __tablename__ = "mission"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="ck_mission_status"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {_in(OUTCOMES)}", name="ck_mission_outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_number: Mapped[str] = mapped_column(String(40), unique=True)
    opened_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    reported_at: Mapped[dt.datetime | None]
    subject: Mapped[str] = mapped_column(Text, default="")
    ipp_lat: Mapped[float | None] = mapped_column(Float)
    ipp_lon: Mapped[float | None] = mapped_column(Float)
    ipp_time: Mapped[dt.datetime | None]
    area: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(20))
    find_lat: Mapped[float | None] = mapped_column(Float)
    find_lon: Mapped[float | None] = mapped_column(Float)
    find_time: Mapped[dt.datetime | None]
    planning_inputs: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class Sortie(Base):
    """One flight, numbered in the unit's running count.

    The row holds the current values; every version (the original and each amendment) is kept in
    :class:`SortieRevision`. Flight time is ``landing_at - takeoff_at``, never stored.
    """

    __tablename__ = "sortie"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(SORTIE_STATUSES)}", name="ck_sortie_status"),
        CheckConstraint(f"task_type IN {_in(TASK_TYPES)}", name="ck_sortie_task_type"),
        CheckConstraint("landing_at > takeoff_at", name="ck_sortie_landing_after_takeoff"),
        CheckConstraint("number > 0", name="ck_sortie_number_positive"),
        # covering index of the running count and the summary statistics (migration 0009)
        Index("ix_sortie_stats", "status", "task_type", "aircraft_id", "takeoff_at", "landing_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(12))
    task_type: Mapped[str] = mapped_column(String(12))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    aircraft_id: Mapped[int] = mapped_column(ForeignKey("aircraft.id"), index=True)
    takeoff_at: Mapped[dt.datetime] = mapped_column(index=True)
    landing_at: Mapped[dt.datetime]
    takeoff_site: Mapped[str] = mapped_column(String(120), default="")
    landing_site: Mapped[str] = mapped_column(String(120), default="")
    plan: Mapped[dict[str, Any] | None]
    track: Mapped[dict[str, Any] | None]
    area_covered_m2: Mapped[float | None] = mapped_column(Float)
    pod: Mapped[float | None] = mapped_column(Float)
    remarks: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[dt.datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    aircraft: Mapped[Aircraft] = relationship(lazy="joined")
    mission: Mapped[Mission | None] = relationship(lazy="joined")
    crew: Mapped[list[SortieCrew]] = relationship(
        back_populates="sortie", lazy="selectin", cascade="save-update, merge",
        order_by="SortieCrew.position",
    )


class SortieCrew(Base):
    """One person on one sortie, in a role."""

    __tablename__ = "sortie_crew"
    __table_args__ = (
        CheckConstraint(f"role IN {_in(CREW_ROLES)}", name="ck_sortie_crew_role"),
        UniqueConstraint("sortie_id", "crew_member_id", name="uq_sortie_crew_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sortie_id: Mapped[int] = mapped_column(ForeignKey("sortie.id"), index=True)
    crew_member_id: Mapped[int] = mapped_column(ForeignKey("crew_member.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)

    sortie: Mapped[Sortie] = relationship(back_populates="crew")
    member: Mapped[CrewMember] = relationship(lazy="joined")


class SortieRevision(Base):
    """A full snapshot of one version of a sortie: revision 1 is the original, then amendments."""

    __tablename__ = "sortie_revision"
    __table_args__ = (UniqueConstraint("sortie_id", "revision", name="uq_sortie_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sortie_id: Mapped[int] = mapped_column(ForeignKey("sortie.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class AuditEntry(Base):
    """One change to the log: who, when, what, and the values before and after. Append-only."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]]


class SortieCounter(Base):
    """The single row (id 1) that hands out sortie numbers; locked while a number is taken.

    ``opening_count`` and ``opening_seconds`` are the balance carried over from before the tool
    when no historical list was imported (sorties and flight time, seconds).
    """

    __tablename__ = "sortie_counter"
    __table_args__ = (CheckConstraint("id = 1", name="ck_sortie_counter_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    opening_count: Mapped[int] = mapped_column(Integer, default=0)
    opening_seconds: Mapped[int] = mapped_column(Integer, default=0)


class MissionPodMap(Base):
    """A detection (POD) map uploaded for a mission: one unsuccessful sortie's POD per cell.

    The file is kept as uploaded (a single-band GeoTIFF on the mission grid, values 0-1) with its
    SHA-256 and the grid it lies on, so a later map on another grid can say which grid it needs.
    The grid: ``crs_wkt`` (WKT2) and ``epsg`` (when the CRS has one), ``transform`` (the six
    affine coefficients a, b, c, d, e, f in GDAL order as JSON text, metres in that CRS) and
    ``rows`` x ``cols``. Never deleted: a removal sets ``removed_by``/``removed_at`` (UTC) once;
    a removed map is no longer applied but stays in the record (:mod:`sar_planner.logbook.pod_maps`).
    """

    __tablename__ = "mission_pod_map"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="ck_pod_map_sha256"),
        CheckConstraint("size_bytes > 0", name="ck_pod_map_size"),
        CheckConstraint("rows > 0 AND cols > 0", name="ck_pod_map_shape"),
        CheckConstraint("(removed_at IS NULL AND removed_by IS NULL) OR "
                        "(removed_at IS NOT NULL AND removed_by IS NOT NULL)",
                        name="ck_pod_map_removed"),
        # at most one applied map of a name, and of a content, per mission
        Index("uq_pod_map_applied_name", "mission_id", "file_name", unique=True,
              sqlite_where=text("removed_at IS NULL"),
              postgresql_where=text("removed_at IS NULL")),
        Index("uq_pod_map_applied_sha256", "mission_id", "sha256", unique=True,
              sqlite_where=text("removed_at IS NULL"),
              postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    crs_wkt: Mapped[str] = mapped_column(Text)
    epsg: Mapped[int | None] = mapped_column(Integer)
    transform: Mapped[str] = mapped_column(String(400))
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(40))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=_now)
    removed_by: Mapped[str | None] = mapped_column(String(40))
    removed_at: Mapped[dt.datetime | None]
    removed_reason: Mapped[str | None] = mapped_column(Text)


class SignInSession(Base):
    """One browser sign-in (migration 0006), so a reload or a typed page address keeps the user
    signed in. The browser holds a token signed with the server's key naming this row and a
    random nonce; the row keeps only the nonce's SHA-256 (:mod:`sar_planner.auth`). Idle expiry
    runs from ``last_seen_at`` (UTC); ``ended_at``/``ended_reason`` (``sign_out``, ``disabled``,
    ``expired``) end it for good. ``mission_incident`` is the mission in hand.
    """

    __tablename__ = "sign_in_session"
    __table_args__ = (
        CheckConstraint("length(nonce_sha256) = 64", name="ck_sign_in_session_nonce"),
        CheckConstraint("(ended_at IS NULL AND ended_reason IS NULL) OR "
                        "(ended_at IS NOT NULL AND ended_reason IS NOT NULL)",
                        name="ck_sign_in_session_ended"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=_now)
    ended_at: Mapped[dt.datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    mission_incident: Mapped[str | None] = mapped_column(String(40))


class SortieAmendment(Base):
    """The amendment permit (migration 0007): while an amendment runs, its transaction holds the
    sortie's row here; the database's triggers refuse any other change to an approved or historical
    sortie and its crew. The row is removed before the amendment commits, so it is never seen."""

    __tablename__ = "sortie_amendment"

    sortie_id: Mapped[int] = mapped_column(ForeignKey("sortie.id"), primary_key=True)


class SignInLockout(Base):
    """Wrong passwords in a row for one user name (as typed, lower case, up to 80 characters) and
    when the last one was (UTC), so a sign-in lock-out holds across restarts and stations
    (migration 0007, :mod:`sar_planner.auth`)."""

    __tablename__ = "sign_in_lockout"
    __table_args__ = (CheckConstraint("failures >= 0", name="ck_sign_in_lockout_failures"),)

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime]
