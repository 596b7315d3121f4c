"""Statistics page (issue 14, item 8): a sortie export is audited when it is downloaded (the click),
with who, the format and the row count; merely opening the page audits nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import SortieInput, add_aircraft, log_sortie
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def db(data_dir):
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    wang = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    create_user(db, admin, "li", "李晓梅", "analyst", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    for k in range(3):
        log_sortie(db, wang, SortieInput("training", "B-7185", t0 + dt.timedelta(hours=2 * k),
                                         t0 + dt.timedelta(hours=2 * k + 1), (("王志强", "pilot"),)), submit=True)
    yield db
    reset_database_cache()


def test_download_of_the_sortie_export_is_audited(db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.session_state[SESSION_KEY] = sign_in(get_database(), "li", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/statistics.py")
    at.run()
    assert not at.exception
    assert [e for e in audit_log(db, "sortie") if e.action == "export"] == []  # offered, not taken
    next(b for b in at.get("download_button") if b.proto.id.endswith("st_dl_xlsx") or "st_dl_xlsx" in b.proto.id
         ).click().run()
    assert not at.exception
    (entry,) = [e for e in audit_log(db, "sortie") if e.action == "export"]
    assert (entry.actor, entry.details["format"], entry.details["rows"]) == ("li", "xlsx", 3)
