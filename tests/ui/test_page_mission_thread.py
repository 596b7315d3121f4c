"""The Mission page keeps a mission's inputs in the logbook: open a mission, save its inputs, and a
fresh session (another laptop, the next shift) gets them back from the database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import get_database
from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
MISSION = str(REPO / "sar_planner" / "ui" / "pages" / "mission.py")


def _app(lang="en"):
    at = AppTest.from_file(MISSION, default_timeout=120)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    return at


def open_on_page(at, incident: str):
    """Open a new mission with the page's own form (it is then chosen)."""
    at.text_input(key="mission_new_incident").set_value(incident)
    next(b for b in at.button if b.label == "Open mission").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="mission_incident").value == incident
    return at


def _fill(at):
    at.text_input(key="mission_ipp").set_value("北纬36度24分 东经94度54分")
    at.number_input(key="mission_unc").set_value(800.0)
    at.selectbox(key="mission_unc_kind").set_value("disc")
    at.selectbox(key="mission_subject").set_value("wolfberry_picker")
    at.selectbox(key="mission_tclass").set_value("dry-flat")
    at.checkbox(key="mission_own_q").check()
    for p, v in zip((25, 50, 75, 95), (0.8, 1.9, 3.5, 8.0), strict=True):
        at.number_input(key=f"mission_q{p}").set_value(v)
    at.date_input(key="mission_date").set_value(dt.date(2026, 7, 1))
    at.time_input(key="mission_time").set_value(dt.time(6, 30))
    at.number_input(key="mission_speed").set_value(2.5)
    at.number_input(key="mission_age").set_value(54)
    at.text_area(key="mission_notes").set_value("带一瓶水")
    return at


def _save(at):
    next(b for b in at.button if b.label == "Save mission inputs").click().run()
    assert not at.exception
    return at


def test_page_asks_for_a_mission_first():
    at = _app().run()
    assert not at.exception and at.info
    assert not [t for t in at.text_input if t.key == "mission_ipp"]


def test_saved_inputs_come_back_in_a_fresh_session_from_the_database():
    at = open_on_page(_app().run(), "QH-GEM-2026-007")
    _save(_fill(at))
    assert not at.error, [e.value for e in at.error]
    db = get_database()
    mid = mission_id_for(db, "QH-GEM-2026-007")
    stored = mission_inputs(db, mid)
    # 36°24' = 36.4, 94°54' = 94.9 (hand arithmetic); 06:30 Beijing is 22:30 UTC the day before
    assert stored["lat"] == pytest.approx(36.4) and stored["lon"] == pytest.approx(94.9)
    assert stored["seen_at"] == "2026-06-30T22:30:00+00:00" and stored["revision"] == 1
    assert at.session_state["mission"]["lat"] == pytest.approx(36.4)  # the other pages read this

    fresh = _app().run()  # a new session: nothing in it but the sign-in
    assert "mission" not in fresh.session_state
    fresh.selectbox(key="mission_incident").set_value("QH-GEM-2026-007").run()
    assert not fresh.exception and not fresh.error
    assert fresh.text_input(key="mission_ipp").value == "北纬36度24分 东经94度54分"
    assert fresh.number_input(key="mission_unc").value == 800.0
    assert fresh.selectbox(key="mission_unc_kind").value == "disc"
    assert fresh.selectbox(key="mission_subject").value == "wolfberry_picker"
    assert fresh.selectbox(key="mission_tclass").value == "dry-flat"
    assert fresh.checkbox(key="mission_own_q").value is True
    assert [fresh.number_input(key=f"mission_q{p}").value for p in (25, 50, 75, 95)] == \
        [0.8, 1.9, 3.5, 8.0]
    assert fresh.date_input(key="mission_date").value == dt.date(2026, 7, 1)
    assert fresh.time_input(key="mission_time").value == dt.time(6, 30)
    assert fresh.number_input(key="mission_speed").value == 2.5
    assert fresh.number_input(key="mission_age").value == 54
    assert fresh.text_area(key="mission_notes").value == "带一瓶水"
    m = fresh.session_state["mission"]
    assert (m["lat"], m["lon"]) == (pytest.approx(36.4), pytest.approx(94.9))
    assert m["incident_number"] == "QH-GEM-2026-007" and m["revision"] == 1

    # a change from the fresh session is version 2, audited with the old and new value
    fresh.number_input(key="mission_unc").set_value(1500.0)
    _save(fresh)
    assert not fresh.error, [e.value for e in fresh.error]
    assert mission_inputs(db, mid)["uncertainty_m"] == 1500.0
    rows = [a for a in audit_log(db, entity="mission", entity_id=mid) if a.action == "set_inputs"]
    assert [(r.details["before"] or {}).get("uncertainty_m") for r in rows] == [800.0, None]
    assert [r.details["after"]["uncertainty_m"] for r in rows] == [1500.0, 800.0]

    # the first session still holds version 1: its save is refused, nothing is overwritten
    at.number_input(key="mission_unc").set_value(100.0)
    _save(at)
    assert at.error and "Someone else saved" in at.error[0].value
    assert mission_inputs(db, mid)["uncertainty_m"] == 1500.0


def test_a_mission_without_inputs_does_not_inherit_the_previous_ones():
    at = open_on_page(_app().run(), "QH-A")
    _save(_fill(at))
    open_on_page(at, "QH-B")
    assert "mission" not in at.session_state  # the probability page asks for inputs again
    assert at.text_input(key="mission_ipp").value == ""


def test_quartile_boxes_show_the_distances_in_use():
    """Issue 16: after choosing the wolfberry picker on dry flat ground the boxes still showed the
    hiker's dry-mountainous 1.60/3.20/6.40/19.20 km while 1.6/2.6/5.8/11.1 km were used. The
    figures are the unit's dry-region table (sar_planner/data, after Koester 2008: hiker, dry
    mountainous, median 3.2 km)."""
    at = open_on_page(_app().run(), "QH-Q-2026-016")
    boxes = [at.number_input(key=f"mission_q{p}") for p in (25, 50, 75, 95)]
    assert [b.value for b in boxes] == [1.6, 3.2, 6.4, 19.2]  # hiker, dry-mountainous (default)
    assert all(b.proto.format == "%g" for b in boxes)  # 1.6, not 1.60
    at.text_input(key="mission_ipp").set_value("36.40, 94.90")
    at.selectbox(key="mission_subject").set_value("wolfberry_picker")
    at.selectbox(key="mission_tclass").set_value("dry-flat")
    _save(at)
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["mission"].get("quartiles_km") is None  # the published ones in use
    assert [at.number_input(key=f"mission_q{p}").value for p in (25, 50, 75, 95)] == \
        [1.6, 2.6, 5.8, 11.1]
    assert not at.warning  # no "default value and Session State" clash
