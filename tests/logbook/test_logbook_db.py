"""The database: migrations on start, schema equal to the models, SQLite settings, UTC times."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, StatementError

from sar_planner.errors import LogbookError
from sar_planner.logbook.db import (_alembic_config, get_database, open_database, reset_database_cache,
                                    table_names)
from sar_planner.logbook.models import Base, Mission

from tests.logbook._helpers import local


def test_migrations_create_every_table_and_match_the_models(db):
    assert set(table_names(db)) >= {t for t in Base.metadata.tables} | {"alembic_version"}
    with db.engine.connect() as conn:
        # the one head of the migration scripts (several engineers add migrations)
        heads = ScriptDirectory.from_config(_alembic_config()).get_heads()
        assert len(heads) == 1
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == heads[0]
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


@pytest.mark.parametrize("statement", [
    "DELETE FROM sortie",
    "UPDATE sortie SET number = number + 100",
    "DELETE FROM audit_entry",
    "UPDATE audit_entry SET actor = 'someone else'",
    "DELETE FROM sortie_revision",
    "UPDATE sortie_revision SET reason = 'rewritten'",
])
def test_the_database_refuses_to_lose_or_rewrite_the_record(db, unit, statement):
    from sar_planner.logbook.records import approve_sortie, log_sortie
    from tests.logbook._helpers import sortie

    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)), submit=True)
    approve_sortie(db, unit.commander, s.id)  # so a kept revision exists
    with pytest.raises(DBAPIError, match="never deletes or rewrites"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT number FROM sortie").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM sortie_revision").scalar() == 1


def test_migrations_downgrade_and_upgrade_again(db_url):
    from alembic import command

    from sar_planner.logbook.db import _alembic_config

    db = open_database(db_url)
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert table_names(db) in ([], ["alembic_version"])
    db.dispose()
    db = open_database(db_url)  # start-up migrates again
    assert "sortie" in table_names(db)
    db.dispose()
