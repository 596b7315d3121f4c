"""Several stations starting at once on an empty database (issue 14, items 1 and 5), with real
processes on SQLite and PostgreSQL: the schema is migrated exactly once and every station opens it;
six simultaneous first-start sign-ups make exactly one administrator and the others are told that
someone else set the unit up. A migration held longer than a station will wait says "being
prepared, try again" instead of a raw error; an up-to-date database opens without Alembic."""

from __future__ import annotations

import multiprocessing as mp
import sys
import time

import pytest

from sar_planner.errors import LogbookError
from sar_planner.logbook.db import head_revision, migrate, open_database
from tests.logbook._helpers import PASSWORD

RACERS = 6


def _station(url: str, index: int, barrier, results) -> None:  # runs in its own process
    from sar_planner.auth import create_first_admin
    from sar_planner.errors import SarPlannerError

    out = {"index": index}
    try:
        barrier.wait(timeout=120)
        db = open_database(url, migrate_schema=False)
        out["migrated"] = migrate(db.engine)
        barrier.wait(timeout=120)  # every station has the schema: now all sign up at once
        try:
            actor = create_first_admin(db, f"admin{index}", f"Administrator {index}", PASSWORD)
            out["admin"] = actor.username
        except SarPlannerError as exc:
            out["refused"] = exc.code
        db.dispose()
    except BaseException as exc:  # noqa: BLE001 - report anything to the test
        out["error"] = f"{type(exc).__name__}: {exc}"
    results.put(out)


def _race(url: str) -> list[dict]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(RACERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_station, args=(url, i, barrier, results)) for i in range(RACERS)]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return sorted(got, key=lambda r: r["index"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
def test_six_stations_start_at_once_one_migrates_one_administrator(db_url):
    got = _race(db_url)
    assert [r.get("error") for r in got] == [None] * RACERS
    assert sum(r["migrated"] for r in got) == 1  # the others waited and found the schema at head
    winners = [r["admin"] for r in got if "admin" in r]
    assert len(winners) == 1
    assert sorted(r["refused"] for r in got if "refused" in r) == ["auth.err_first_admin_done"] * (RACERS - 1)
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            users = conn.exec_driver_sql("SELECT username, role FROM app_user").all()
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
        assert [tuple(u) for u in users] == [(winners[0], "admin")]
    finally:
        db.dispose()


def test_a_migration_held_too_long_says_the_database_is_being_prepared(db_url):
    # the other station: an engine set up as the planner sets it up (WAL on SQLite)
    blocker = open_database(db_url, migrate_schema=False).engine
    try:
        with blocker.connect() as conn:
            if blocker.dialect.name == "postgresql":
                from sar_planner.logbook.db import _MIGRATION_LOCK_KEY

                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
            else:
                conn.exec_driver_sql("COMMIT")  # leave the transaction SQLAlchemy opened
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # another station's migration holds the file
            db = open_database(db_url, migrate_schema=False, lock_wait_s=0.3)
            start = time.monotonic()
            with pytest.raises(LogbookError) as err:
                migrate(db.engine, wait_s=1.0)
            waited = time.monotonic() - start
            db.dispose()
            if blocker.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
            else:
                conn.exec_driver_sql("ROLLBACK")
    finally:
        blocker.dispose()
    assert err.value.code == "logbook.err_preparing"
    assert "try again" in err.value.message("en") and "再试" in err.value.message("zh")
    assert waited < 30
    db = open_database(db_url)  # once the other station is done, opening migrates as usual
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
    finally:
        db.dispose()


def test_head_revision_agrees_with_alembic():
    from alembic.script import ScriptDirectory

    from sar_planner.logbook.db import _alembic_config

    assert [head_revision()] == ScriptDirectory.from_config(_alembic_config()).get_heads()


def test_an_up_to_date_database_opens_without_loading_alembic(db_url, tmp_path):
    import subprocess

    open_database(db_url).dispose()  # migrated once
    code = ("import sys; from sar_planner.logbook.db import open_database; "
            f"db = open_database({db_url!r}); db.dispose(); "
            "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
