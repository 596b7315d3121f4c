"""The sorties tables on the Logbook, Review and Statistics pages speak the page's language.

Found walking the app (QA session 2): the tables showed the logbook's machine columns and values
(``task_type``, ``takeoff_local``, ``submitted``, ``Li (observer)``) in both languages, and
``None`` where no POD or area was given. The CSV/XLSX downloads keep the machine names (other
tools read them): tests/ui/test_app.py checks those.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import SortieInput, add_aircraft, add_crew_member, log_sortie
from sar_planner.logbook.stats import FRAME_COLUMNS
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def one_sortie(data_dir):
    """A submitted training sortie of 1 h 30 min with a pilot and an observer, no POD or area."""
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    create_user(db, admin, "li", "李晓梅", "analyst", PASSWORD)
    create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "星卫东")
    crew = sign_in(db, "ma", PASSWORD).actor
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    log_sortie(db, crew, SortieInput("training", "B-7185", t0, t0 + dt.timedelta(minutes=90),
                                     (("马建国", "pilot"), ("星卫东", "observer"))), submit=True)
    yield db
    reset_database_cache()


def _table(page: str, lang: str, user: str):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SESSION_KEY] = sign_in(get_database(), user, PASSWORD)
    at.run()
    at.switch_page(f"sar_planner/ui/pages/{page}.py").run()
    assert not at.exception, at.exception
    # the sorties table: the one with a sortie-number column (machine or translated name)
    return next(d.value for d in at.dataframe
                if {"number", "Sortie", "架次"} & set(map(str, d.value.columns)))


@pytest.mark.parametrize(("page", "user"), [
    ("logbook", "ma"), ("review", "wang"), ("statistics", "li"),
])
def test_sortie_tables_in_english_have_words_not_machine_names(one_sortie, page, user):
    rows = _table(page, "en", user)
    assert not set(FRAME_COLUMNS) & set(rows.columns)  # no machine column name left
    # no raw catalogue key either (issue 16: "sortie_table.col_counted_sorties" was a heading)
    assert not [c for c in rows.columns if "sortie_table." in str(c)], list(rows.columns)
    assert {"Counted sorties", "Counted hours"} <= set(rows.columns)
    row = rows.iloc[0]
    assert row["Sortie"] == 1 and row["Status"] == "submitted for review"
    assert row["Task"] == "training" and row["Takeoff (Beijing)"] == "2025-07-01 08:00"
    assert row["Flight hours"] == 1.5  # 08:00 to 09:30
    assert row["Other crew"] == "星卫东 (observer)" and row["Pilot in command"] == "马建国"
    assert row["Achieved POD (%)"] == "" and row["Area covered (km²)"] == ""  # not None


def test_sortie_table_in_chinese(one_sortie):
    row = _table("logbook", "zh", "ma").iloc[0]
    assert not [c for c in row.index if "sortie_table." in str(c)], list(row.index)
    assert row["架次"] == 1 and row["状态"] == "已提交审核" and row["任务类型"] == "训练"
    assert row["其他机组成员"] == "星卫东 (观察员)" and row["飞行小时"] == 1.5


def test_statistics_figures_in_chinese_name_months_and_axes_in_chinese(one_sortie):
    import json

    db = get_database()
    # a second sortie with a flown track (two fixes near Golmud), so the tracks figure is drawn
    crew = sign_in(db, "ma", PASSWORD).actor
    t0 = dt.datetime(2025, 7, 2, 8, 0, tzinfo=LOCAL_TZ)
    log_sortie(db, crew, SortieInput("training", "B-7185", t0, t0 + dt.timedelta(hours=1),
                                     (("马建国", "pilot"),), track={
                                         "type": "LineString",
                                         "coordinates": [[94.85, 36.10], [94.86, 36.11]]}),
               submit=True)  # Statistics counts flown sorties only; a draft is kept apart (issue 16)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "zh"
    at.session_state[SESSION_KEY] = sign_in(db, "li", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/statistics.py").run()
    assert not at.exception, at.exception
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # issue 16: the month chart is sorties per month stacked by task type (hours have their own)
    month = next(f for f in figs if f["layout"]["title"]["text"] == "每月架次（按任务类型）")
    # the month is a category "2025-07" (both takeoffs, 1 and 2 July 2025 Beijing), not a date
    assert month["layout"]["xaxis"]["type"] == "category"
    assert [t["name"] for t in month["data"]] == ["训练"]  # the task named in Chinese
    assert month["data"][0]["x"] == ["2025-07"] and month["data"][0]["y"] == [2]
    assert month["layout"]["yaxis"]["title"]["text"] == "架次"
    tracks = next(f for f in figs if f["layout"]["title"]["text"] == "飞行航迹")
    assert tracks["layout"]["xaxis"]["title"]["text"].startswith("经度")
    assert tracks["layout"]["yaxis"]["title"]["text"].startswith("纬度")


def test_review_audit_log_and_versions_in_chinese(data_dir):
    from sar_planner.logbook.counter import set_opening_balance
    from sar_planner.logbook.records import approve_sortie

    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "星卫东")
    # 1,200 sorties flown before the tool: the first one logged here is number 1,201 (row id 1)
    set_opening_balance(db, admin, 1200, 3000.0)
    wang = sign_in(db, "wang", PASSWORD).actor
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    rec = log_sortie(db, wang, SortieInput("training", "B-7185", t0, t0 + dt.timedelta(hours=1),
                                           (("星卫东", "pilot"),)), submit=True)
    assert (rec.number, rec.id) == (1201, 1)
    approve_sortie(db, wang, rec.id)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "zh"
    at.session_state[SESSION_KEY] = sign_in(db, "wang", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/review.py").run()
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe]
    versions = next(t for t in tables if "理由" in t.columns)
    assert versions["理由"].tolist() == ["已批准"]  # was "approved"
    audit = next(t for t in tables if "操作" in t.columns)
    # newest first: wang's sign-in for this page (sign-ins are audited, 8e99b36), the approval,
    # the sortie logged, ... the accounts created by the fixture
    assert audit["操作"].tolist()[:3] == ["登录", "批准", "记录"]
    # the sortie by its number in the unit's count, as on every other page (was "sortie 1")
    assert audit["记录"].tolist()[:3] == ["账户 2", "架次 1201", "架次 1201"]  # wang's account
    assert "账户" in " ".join(audit["记录"]) and "crew_member" not in " ".join(audit["记录"])
    reset_database_cache()


def test_review_amend_panel_says_no_sortie_is_approved_yet(one_sortie):
    # one sortie waiting for review: the amendment panel said "No sorties yet" under it
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state[SESSION_KEY] = sign_in(get_database(), "wang", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/review.py").run()
    captions = [c.value for c in at.caption]
    assert "No sorties yet." not in captions
    assert any(c.startswith("No approved sortie yet") for c in captions)
