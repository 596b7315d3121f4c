"""Every page of the app runs in AppTest, in both languages, behind the sign-in; each role sees
only its pages; the logbook, review, statistics and settings pages do their work.

Sign-in in these tests: the ``accounts`` fixture creates one account of each role in the test's
own database, and ``_run(user=...)`` puts that user's signed-in session into
``st.session_state["auth_signed_in"]`` before the first run (exactly what the sign-in form does).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest


from sar_planner.auth import PERMISSIONS, can_see_page, create_first_admin, create_user, sign_in
from sar_planner.errors import LogbookError
from sar_planner.i18n import t
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.history import import_history
from sar_planner.logbook.records import SortieInput, add_aircraft, add_crew_member, list_sorties, log_sortie
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY
from sar_planner.ui.shell import PAGES

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
PASSWORD = "correct horse battery"
USERS = {"admin": "admin", "commander": "wang", "analyst": "li", "crew": "ma"}


@pytest.fixture
def accounts(data_dir):
    """One account per role in this test's own database, an aircraft and an observer."""
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    create_user(db, admin, "li", "李晓梅", "analyst", PASSWORD)
    create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "星卫东")
    yield db
    reset_database_cache()


def _run(page: str | None = None, lang: str = "en", user: str | None = "admin") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if user:
        at.session_state[SESSION_KEY] = sign_in(get_database(), user, PASSWORD)
    at.run()
    if page:
        at.switch_page(f"sar_planner/ui/pages/{page}.py")
        at.run()
    return at


def _user_for(page: str) -> str:
    for role in ("commander", "admin", "analyst", "crew"):
        if can_see_page(role, page):
            return USERS[role]
    raise AssertionError(f"no role sees {page}")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_page_runs_without_exception(accounts, page, lang):
    at = _run(page, lang, _user_for(page))
    assert not at.exception, at.exception
    assert at.title, f"page {page} shows no title"
    assert not at.error, [e.value for e in at.error]


def test_language_switch_changes_the_text(accounts):
    at = _run(None, "en")
    assert at.title[0].value == "Qaidam SAR planner"
    at.sidebar.selectbox(key="language_select").set_value("zh").run()
    assert at.title[0].value == "柴达木搜救规划"


def test_first_start_asks_for_the_administrator_then_signs_in(data_dir):
    reset_database_cache()
    at = _run(None, "en", user=None)
    assert at.title[0].value == "Sign in"
    assert any("no accounts yet" in i.value for i in at.info)
    at.text_input(key="first_admin_username").input("chief")
    at.text_input(key="first_admin_display").input("韩站长")
    at.text_input(key="first_admin_pw1").input(PASSWORD)
    at.text_input(key="first_admin_pw2").input(PASSWORD + "x")
    at.button[0].click().run()
    assert any("not the same" in e.value for e in at.error)
    at.text_input(key="first_admin_pw2").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Qaidam SAR planner"
    assert any("韩站长" in c.value for c in at.sidebar.caption)
    reset_database_cache()


def test_sign_in_form_refuses_a_wrong_password_and_accepts_the_right_one(accounts):
    at = _run(None, "en", user=None)
    assert at.title[0].value == "Sign in"
    at.text_input(key="sign_in_username").input("wang")
    at.text_input(key="sign_in_password").input("wrong password")
    at.button[0].click().run()
    assert any("wrong" in e.value for e in at.error)
    assert at.title[0].value == "Sign in"
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Qaidam SAR planner"
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in"


def test_an_idle_session_expires(accounts):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    signed = sign_in(get_database(), "wang", PASSWORD,
                     now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=481))  # default limit 480
    at.session_state[SESSION_KEY] = signed
    at.run()
    assert at.title[0].value == "Sign in"
    assert any("signed out after 480 minutes" in e.value for e in at.error)


@pytest.mark.parametrize("role", list(USERS))
def test_each_role_sees_only_its_pages(accounts, role):
    allowed = {p.key for p in PAGES if f"page.{p.key}" in PERMISSIONS[role]}
    assert "home" in allowed
    for spec in PAGES:
        at = _run(None, "en", USERS[role])
        if spec.key not in allowed:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(spec.path)  # not in this role's navigation at all
            continue
        at.switch_page(spec.path)
        at.run()
        assert not at.exception, (role, spec.key, at.exception)
        assert at.title, (role, spec.key)


def _fill_sortie(at: AppTest, *, takeoff: dt.time, landing: dt.time, day: dt.date) -> None:
    at.selectbox(key="lb_task").set_value("training")
    at.selectbox(key="lb_aircraft").set_value("B-7185")
    at.date_input(key="lb_t_date").set_value(day)
    at.time_input(key="lb_t_time").set_value(takeoff)
    at.date_input(key="lb_l_date").set_value(day)
    at.time_input(key="lb_l_time").set_value(landing)
    at.selectbox(key="lb_pilot").set_value("马建国")
    at.multiselect(key="lb_observers").set_value(["星卫东"])
    at.text_area(key="lb_remarks").input("高原起降训练")


def _submit(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_crew_logs_a_sortie_kept_on_the_form_when_the_database_fails(accounts, monkeypatch):
    import sar_planner.logbook.records as records

    real = records.log_sortie
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise LogbookError("logbook.err_busy")
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "log_sortie", flaky)
    at = _run("logbook", "en", "ma")
    day = dt.date(2025, 7, 1)
    _fill_sortie(at, takeoff=dt.time(8, 0), landing=dt.time(9, 30), day=day)
    _submit(at, "Save and submit for review")
    assert any("busy" in e.value for e in at.error)
    assert at.text_area(key="lb_remarks").value == "高原起降训练"  # the entry is still on the form
    assert list_sorties(accounts) == []
    _submit(at, "Retry")
    assert not at.exception
    assert any("Saved as sortie 1" in s.value for s in at.success)
    (rec,) = list_sorties(accounts)
    assert (rec.status, rec.flight_hours, rec.crew) == ("submitted", 1.5, (("马建国", "pilot"), ("星卫东", "observer")))
    assert rec.takeoff_at == dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)


GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="36.400" lon="96.400"><ele>2900</ele><time>2025-07-01T00:00:00Z</time></trkpt>
<trkpt lat="36.410" lon="96.420"><ele>2950</ele><time>2025-07-01T00:30:00Z</time></trkpt>
<trkpt lat="36.420" lon="96.400"><ele>2980</ele><time>2025-07-01T01:00:00Z</time></trkpt>
</trkseg></trk></gpx>"""


def test_crew_attaches_a_flown_gpx_track(accounts):
    at = _run("logbook", "en", "ma")
    _fill_sortie(at, takeoff=dt.time(8, 0), landing=dt.time(9, 0), day=dt.date(2025, 7, 1))
    at.file_uploader(key="lb_track_file").set_value(("flight.gpx", GPX, "application/gpx+xml"))
    _submit(at, "Save as draft")
    assert not at.exception and not at.error, [e.value for e in at.error]
    (rec,) = list_sorties(accounts)
    # the three GPX points, as GeoJSON lon, lat (RFC 7946 order) and their <ele>, metres above sea
    # level, kept for terrain masking (sar_planner/logbook/tracks.py)
    assert rec.track == {"type": "LineString", "coordinates": [
        [96.4, 36.4, 2900.0], [96.42, 36.41, 2950.0], [96.4, 36.42, 2980.0]]}


def test_logbook_form_shows_validation_errors(accounts):
    at = _run("logbook", "en", "ma")
    _fill_sortie(at, takeoff=dt.time(9, 0), landing=dt.time(8, 0), day=dt.date(2025, 7, 1))
    _submit(at, "Save as draft")
    assert any("Landing is not after takeoff" in e.value for e in at.error)
    assert list_sorties(accounts) == []


def test_commander_approves_and_returns(accounts):
    crew = sign_in(accounts, "ma", PASSWORD).actor
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    for k in range(2):
        log_sortie(accounts, crew, SortieInput("training", "B-7185", t0 + dt.timedelta(hours=2 * k),
                                               t0 + dt.timedelta(hours=2 * k + 1), (("马建国", "pilot"),)),
                   submit=True)
    at = _run("review", "en", "wang")
    assert at.subheader[0].value == "Waiting for review (2)"
    at.selectbox(key="rv_pick").set_value(1)
    _submit(at, "Approve")
    assert any("Sortie 1 approved" in s.value for s in at.success)
    at.selectbox(key="rv_pick").set_value(2)
    _submit(at, "Return to crew")
    assert any("Give a reason" in e.value for e in at.error)
    at.text_input(key="rv_reason").input("observer missing")
    _submit(at, "Return to crew")
    assert [(s.number, s.status) for s in list_sorties(accounts)] == [(1, "approved"), (2, "returned")]


def test_statistics_table_and_downloads_hold_the_same_rows(accounts):
    import_history(accounts, sign_in(accounts, "admin", PASSWORD).actor,
                   (REPO / "missions" / "sample_sortie_history.csv").read_bytes())
    at = _run("statistics", "en", "li")
    assert not at.exception
    rows = at.dataframe[-1].value
    assert len(rows) == 350
    at.multiselect(key="st_aircraft").set_value(["B-7185"]).run()
    rows = at.dataframe[-1].value
    sample = pd.read_csv(REPO / "missions" / "sample_sortie_history.csv")
    assert rows["Sortie"].tolist() == sample.loc[sample["aircraft"] == "B-7185", "sortie_no"].tolist()
    charts = at.get("plotly_chart")
    assert len(charts) >= 3
    # the rows' export (the report charts' table buttons come before it)
    csv_button = next(b for b in at.get("download_button") if b.proto.label == "Download CSV")
    assert csv_button.proto.label == "Download CSV"


def test_admin_creates_an_account_and_an_aircraft(accounts):
    at = _run("settings", "en", "admin")
    at.text_input(key="na_username").input("zhao")
    at.text_input(key="na_display").input("赵德林")
    at.selectbox(key="na_role").set_value("crew")
    at.text_input(key="na_password").input(PASSWORD)
    _submit(at, "Create account")
    assert any("zhao created" in s.value for s in at.success)
    assert sign_in(accounts, "zhao", PASSWORD).actor.role == "crew"
    at.text_input(key="ac_reg").input("b-7361")
    at.text_input(key="ac_type").input("H125")
    _submit(at, "Add aircraft")
    assert "B-7361" in at.dataframe[1].value.iloc[:, 0].tolist()


@pytest.mark.parametrize("role", list(USERS))
def test_signin_helper_for_other_page_tests(data_dir, role):
    from tests.signin import sign_in_apptest

    reset_database_cache()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, role).run()
    assert at.title[0].value == "Qaidam SAR planner"  # past the gate, on the home page
    reset_database_cache()


def test_commander_amends_an_approved_sortie_and_sees_its_history(accounts):
    crew = sign_in(accounts, "ma", PASSWORD).actor
    commander = sign_in(accounts, "wang", PASSWORD).actor
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    from sar_planner.logbook.records import approve_sortie, sortie_history

    s = log_sortie(accounts, crew, SortieInput("training", "B-7185", t0, t0 + dt.timedelta(hours=1),
                                               (("马建国", "pilot"),), remarks="as flown"), submit=True)
    approve_sortie(accounts, commander, s.id)
    at = _run("review", "en", "wang")
    at.selectbox(key="rv_amend_pick").set_value(1)
    _submit(at, "Load into the amendment form")
    assert at.text_area(key="rv_remarks").value == "as flown"  # the stored values are in the form
    at.time_input(key="rv_l_time").set_value(dt.time(9, 30))
    at.text_area(key="rv_remarks").input("landing per tower log")
    _submit(at, "Save amendment")
    assert any("Give a reason" in e.value for e in at.error)
    at.text_input(key="rv_amend_reason").input("tower log shows landing 09:30")
    _submit(at, "Save amendment")
    assert any("revision 2" in m.value for m in at.success), [e.value for e in at.error]
    history = sortie_history(accounts, s.id)
    assert [h.data["remarks"] for h in history] == ["as flown", "landing per tower log"]
    (rec,) = list_sorties(accounts)
    assert rec.flight_hours == 1.5 and rec.number == 1


def test_admin_imports_the_history_and_backs_up(accounts, data_dir):
    at = _run("settings", "en", "admin")
    bad = b"sortie_no,date,takeoff\n1,2019-03-08,09:35\n"
    at.file_uploader(key="ih_file").set_value(("bad.csv", bad, "text/csv"))
    _submit(at, "Import")
    assert any("line 1:" in e.value and "flight_hours" in e.value for e in at.error)
    sample = (REPO / "missions" / "sample_sortie_history.csv").read_bytes()
    at.file_uploader(key="ih_file").set_value(("sample_sortie_history.csv", sample, "text/csv"))
    _submit(at, "Import")
    assert any("350 historical sorties imported" in s.value for s in at.success), [e.value for e in at.error]
    _submit(at, "Back up the database now")
    done = next(s.value for s in at.success if "Backup written" in s.value)
    backups = list((data_dir / "backups").glob("sar_planner-*.db"))
    assert len(backups) == 1 and str(backups[0]) in done
    import sqlite3

    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT count(*) FROM sortie").fetchone() == (350,)
    con.close()


def test_home_page_shows_the_units_running_totals(accounts):
    # the unit has flown 350 sorties (612.5 h) before the tool: the overview starts from there
    from sar_planner.logbook.counter import set_opening_balance
    from sar_planner.permissions import Actor

    set_opening_balance(accounts, Actor.command_line(), 350, 612.5)
    at = _run(None, "en", "wang")
    values = {m.label: m.value for m in at.metric}
    assert values["Total sorties"] == "350"
    assert values["Total hours"] == "612.5"


@pytest.mark.parametrize("page", [p.key for p in PAGES
                                  if not all(can_see_page(r, p.key) for r in PERMISSIONS)])
def test_each_page_refuses_a_role_that_may_not_see_it(accounts, page):
    # The menu hides pages a role may not open; each page must also refuse on its own run
    # (an old link, a stale session), so run the page file itself as each such role
    # (sar_planner.auth.PERMISSIONS).
    refused_roles = [r for r in ("crew", "commander", "analyst", "admin") if not can_see_page(r, page)]
    for role in refused_roles:
        at = AppTest.from_file(str(REPO / "sar_planner" / "ui" / "pages" / f"{page}.py"),
                               default_timeout=60)
        at.session_state["lang"] = "en"
        at.session_state[SESSION_KEY] = sign_in(get_database(), USERS[role], PASSWORD)
        at.run()
        assert not at.exception, (role, page, at.exception)
        assert [e.value for e in at.error] == [t("auth.ui.no_access", "en")], (role, page)
        assert not at.button and not at.text_input and not at.file_uploader, (role, page)
