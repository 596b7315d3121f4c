"""No message, log line or command output shows a database password (issue 14, item 3), and
``postgres://`` (libpq's notation, which SQLAlchemy 2 rejects on its own) means PostgreSQL."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from sar_planner.errors import LogbookError, RedactingFilter, SettingsError, redact_secrets
from sar_planner.logbook.db import normalise_url, open_database
from sar_planner.settings import get_settings

SECRET = "Qa1dam-S3cret"


@pytest.mark.parametrize("text, shown", [
    (f"postgres://sar:{SECRET}@10.1.2.3/logbook", "postgres://sar:***@10.1.2.3/logbook"),
    (f"postgresql+psycopg://sar:{SECRET}@db:5432/x", "postgresql+psycopg://sar:***@db:5432/x"),
    (f"address 'postgres://u:p@{SECRET}@h/d' is bad", "address 'postgres://u:***@h/d' is bad"),
    (f"host=db user=sar password={SECRET} dbname=x", "host=db user=sar password=*** dbname=x"),
    ("sqlite:////var/lib/sar/sar.db", "sqlite:////var/lib/sar/sar.db"),
    ("postgresql+psycopg://sar@db/x", "postgresql+psycopg://sar@db/x"),
])
def test_redaction_hides_only_the_password(text, shown):
    assert redact_secrets(text) == shown


@pytest.mark.parametrize("url", ["postgres://u:p@h/d", "postgresql://u:p@h/d", "postgresql+psycopg://u:p@h/d"])
def test_postgres_scheme_means_postgresql_with_psycopg(url):
    assert normalise_url(url).drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url, code", [
    (f"postgres://sar:{SECRET}@127.0.0.1:1/none", "logbook.err_unreachable"),  # port 1 refuses at once
    (f"mysql+nodriver://sar:{SECRET}@127.0.0.1/x", "logbook.err_bad_url"),
    (f"oracle://sar:{SECRET}@127.0.0.1/x", "logbook.err_bad_url"),
])
def test_database_errors_never_show_the_password(url, code):
    with pytest.raises(LogbookError) as err:
        open_database(url)
    assert err.value.code == code
    for lang in ("en", "zh"):
        text = err.value.message(lang)
        assert SECRET not in text and "sar:***@127.0.0.1" in text


def test_settings_error_never_shows_the_password():
    with pytest.raises(SettingsError) as err:
        get_settings({"SAR_PLANNER_DATABASE_URL": f"sar:{SECRET}@db/x", "HOME": "/tmp"})
    for lang in ("en", "zh"):
        assert SECRET not in err.value.message(lang)


def test_log_records_are_redacted(caplog):
    log = logging.getLogger("sar_planner.test_secrets")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.ERROR, logger="sar_planner.test_secrets"):
        try:
            raise RuntimeError(f"could not use postgres://sar:{SECRET}@db/x")
        except RuntimeError:
            log.exception("failed on %s", f"postgres://sar:{SECRET}@db/x")
    assert caplog.text and SECRET not in caplog.text and "postgres://sar:***@db/x" in caplog.text


def test_cli_says_it_in_one_line_without_the_password(tmp_path):
    env = dict(os.environ, SAR_PLANNER_DATA_DIR=str(tmp_path),
               SAR_PLANNER_DATABASE_URL=f"postgres://sar:{SECRET}@127.0.0.1:1/none")
    out = subprocess.run([sys.executable, "-m", "sar_planner", "log", "stats"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert SECRET not in out.stdout + out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "127.0.0.1:1" in out.stderr


def test_postgres_scheme_opens_the_test_server():
    base = os.environ.get("SAR_PLANNER_TEST_PG_URL")
    if not base:
        pytest.skip("SAR_PLANNER_TEST_PG_URL is not set (scripts/test.sh sets it)")
    url = make_url(base).set(drivername="postgres").render_as_string(hide_password=False)
    assert url.startswith("postgres://")
    db = open_database(url, migrate_schema=False)
    try:
        assert db.backend == "postgresql"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        db.dispose()
