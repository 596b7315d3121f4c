"""The database: migrations on start, schema equal to the models, SQLite settings, UTC times."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from sar_planner.errors import LogbookError
from sar_planner.logbook.db import get_database, open_database, reset_database_cache, table_names
from sar_planner.logbook.models import Base, Mission

from tests.logbook._helpers import local


def test_migrations_create_every_table_and_match_the_models(db):
    assert set(table_names(db)) >= {t for t in Base.metadata.tables} | {"alembic_version"}
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                Base.metadata)
    assert diff == []


def test_opening_twice_is_harmless(db_url):
    open_database(db_url).dispose()
    db = open_database(db_url)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT last_number FROM sortie_counter WHERE id = 1")) == 0
        assert conn.scalar(text("SELECT count(*) FROM sortie_counter")) == 1
    db.dispose()


def test_times_come_back_as_the_same_utc_instant(db, unit):
    # 06:00 Beijing (UTC+8, no daylight saving) is 22:00 UTC the day before.
    with db.read() as session:
        m = session.scalar(select(Mission))
    assert m.opened_at == dt.datetime(2025, 6, 30, 22, 0, tzinfo=dt.UTC)
    assert m.opened_at.utcoffset() == dt.timedelta(0)


def test_a_time_without_zone_is_refused(db, unit):
    with pytest.raises(StatementError, match="naive"):
        db.write(lambda s: s.add(Mission(incident_number="X-1", opened_at=dt.datetime(2025, 1, 1),
                                         subject="", area="", status="open")))


def test_sqlite_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    db.dispose()


def test_default_database_is_sqlite_in_the_data_folder(data_dir: Path):
    reset_database_cache()
    db = get_database()
    assert db.backend == "sqlite"
    assert Path(db.engine.url.database) == data_dir / "sar_planner.db"
    assert get_database() is db  # one engine and session factory per process
    reset_database_cache()
    con = sqlite3.connect(data_dir / "sar_planner.db")
    assert con.execute("SELECT count(*) FROM sortie_counter").fetchone() == (1,)
    con.close()


def test_unreachable_server_is_a_clear_error():
    # Port 1 on localhost refuses connections: the planner must say so, not crash.
    with pytest.raises(LogbookError) as err:
        open_database("postgresql+psycopg://sar:sar@127.0.0.1:1/none")
    assert err.value.code == "logbook.err_unreachable"
    assert "127.0.0.1:1" in str(err.value) and ":sar@" not in str(err.value)  # no password shown


@pytest.mark.parametrize("url", ["mysql+nodriver://x/y", "oracle://x/y", "nonsense://"])
def test_unsupported_url_is_a_clear_error(url):
    with pytest.raises(LogbookError) as err:
        open_database(url)
    assert err.value.code == "logbook.err_bad_url"


def test_local_helper_is_beijing_time():
    assert local(2025, 1, 1, 8).astimezone(dt.UTC) == dt.datetime(2025, 1, 1, 0, tzinfo=dt.UTC)
