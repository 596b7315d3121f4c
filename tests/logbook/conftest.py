"""Logbook fixtures: every test runs against SQLite and, when SAR_PLANNER_TEST_PG_URL names a
server (scripts/test.sh starts Debian's PostgreSQL and sets it), against a fresh PostgreSQL
database of its own (created and dropped around the test, so tests never see each other's rows).
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from sar_planner.auth import Actor, create_first_admin, create_user
from sar_planner.logbook.db import Database, open_database, reset_database_cache
from sar_planner.logbook.records import add_aircraft, add_crew_member, open_mission
from tests.logbook._helpers import PASSWORD, local


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_base() -> str | None:
    return os.environ.get("SAR_PLANNER_TEST_PG_URL") or None


def _drop_database(admin: Engine, name: str, attempts: int = 5) -> None:
    """Drop a throw-away test database, retrying while a background process is inside it.

    ``WITH (FORCE)`` ends the other sessions, but PostgreSQL 15 refuses to end an autovacuum worker unless the
    role holds pg_signal_backend (scripts/test.sh grants it). Without that grant, or on a server where it cannot
    be granted, the worker finishes in well under a second, so a few retries drop the database anyway. A database
    left behind is reported as a warning, not as a failure of the test that used it.
    """
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError as exc:
            last = exc
            time.sleep(0.2 * (attempt + 1))
    warnings.warn(f"test database {name} was left behind: {last}", stacklevel=2)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with an empty database: SQLite in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'logbook.db'}"
        return
    base = _pg_base()
    if base is None:
        if os.environ.get("CI"):  # CI runs scripts/test.sh, which starts PostgreSQL: never skip there
            pytest.fail("SAR_PLANNER_TEST_PG_URL is not set under CI: scripts/test.sh must start PostgreSQL")
        pytest.skip("SAR_PLANNER_TEST_PG_URL is not set: no PostgreSQL server for this run "
                    "(scripts/test.sh starts one and sets it)")
    name = f"sar_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        reset_database_cache()
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The logbook database, migrated."""
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@dataclass(frozen=True)
class Unit:
    """A small unit: accounts of each role, two aircraft, a drone, and one open mission."""

    admin: Actor
    commander: Actor
    commander2: Actor
    crew: Actor  # 马建国, a helicopter pilot with an account
    analyst: Actor


@pytest.fixture
def unit(db: Database) -> Unit:
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    commander = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    commander2 = create_user(db, admin, "zhou", "周海波", "commander", PASSWORD)
    crew = create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    analyst = create_user(db, admin, "li", "李晓梅", "analyst", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_aircraft(db, admin, "B-7361", "H125", "helicopter")
    add_aircraft(db, admin, "QHJ-UAV-01", "DJI Matrice 350 RTK", "drone")
    for name in ("星卫东", "韩永红", "孙立民"):
        add_crew_member(db, admin, name)
    open_mission(db, commander, "QH-GEM-2025-031", local(2025, 7, 1, 6, 0), subject="wolfberry picker, 54",
                 area="Nuomuhong", reported_at=local(2025, 7, 1, 5, 30), ipp_lat=36.43, ipp_lon=96.42)
    return Unit(admin, commander, commander2, crew, analyst)
