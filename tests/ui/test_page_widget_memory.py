"""Pages keep what the crew set after a visit to another page (sar_planner/ui/widget_memory.py).

Streamlit forgets a widget's value when a run does not draw it. Before this, the Probability page
opened again after the Mission page showed its defaults (distance rings, 24 km) and rebuilt the
map with them without a word, handing that map to the Plan page; the planners' Mattson points were
back to 100 for the first region. Found walking the app in Chinese (QA session 2).

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), IPP near
Karakul lake (38.30 N, 75.05 E), as in tests/ui/test_page_probability.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PAGES = "sar_planner/ui/pages/"


def _mission(incident="QH-KK-2026-031"):
    return {"ipp_text": "38.30, 75.05", "datum": "WGS84", "lat": 38.30, "lon": 75.05,
            "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
            "terrain_class": "dry-mountainous", "quartiles_km": None,
            "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
            "notes": "", "incident_number": incident}


def _app(lang="en") -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = _mission()
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    assert not at.exception, at.exception
    return at


def test_probability_settings_and_map_survive_a_visit_to_the_mission_page():
    at = _app()
    at.switch_page(PAGES + "probability.py").run()
    at.selectbox(key="poa_model").set_value("terrain")
    at.checkbox(key="poa_compare").check()
    at.number_input(key="poa_radius").set_value(4.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.number_input(key="poa_seg_km").set_value(1.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    handed = [c.value for c in at.caption if c.value.startswith("The Plan page uses this map")]
    # a 4 km half-width of 100 m cells is 81 cells across (the IPP's cell in the middle), so
    # 1 km squares give 9 x 9 = 81 segments
    assert handed and "these 81 segments" in handed[0]

    at.switch_page(PAGES + "mission.py").run()
    assert not at.exception
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="poa_model").value == "terrain"
    assert at.checkbox(key="poa_compare").value is True
    assert at.number_input(key="poa_radius").value == 4.0
    assert at.number_input(key="poa_cell").value == 100.0
    assert at.number_input(key="poa_seg_km").value == 1.0
    # the map shown (and handed to the Plan page) is still the one built, not one rebuilt with
    # the default half-width and 2 km squares
    assert [c.value for c in at.caption if c.value.startswith("The Plan page uses")] == handed


def test_another_mission_starts_from_the_defaults():
    at = _app()
    at.switch_page(PAGES + "probability.py").run()
    default_radius = at.number_input(key="poa_radius").value
    at.number_input(key="poa_radius").set_value(4.0)
    at.form_submit_button[0].click().run()
    at.switch_page(PAGES + "mission.py").run()
    at.session_state["mission"] = _mission("QH-KK-2026-032")
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception
    assert at.number_input(key="poa_radius").value == default_radius != 4.0


def test_plan_form_keeps_what_was_typed_over_a_visit_to_another_page():
    # before: the plan stayed but the form showed its defaults, so changing one field and
    # pressing Plan again silently went back to the M350, parallel tracks and 60 m (the datum:
    # foothills west of Kashgar, low enough for the M30T, as in tests/ui/test_page_plan.py)
    at = _app()
    at.switch_page(PAGES + "plan.py").run()
    at.selectbox(key="plan_terrain").set_value("pamir-15arcsec")
    at.selectbox(key="plan_asset").set_value("m30t")
    at.selectbox(key="plan_pattern").set_value("expanding-square")
    at.radio(key="plan_light").set_value("night")
    at.text_input(key="plan_datum").set_value("39.0, 75.6")
    at.number_input(key="plan_agl").set_value(80.0)
    at.number_input(key="plan_radius").set_value(300.0)
    at.text_input(key="plan_temperature").set_value("-12")
    at.form_submit_button[0].click().run()
    # planned (red hazards such as the 120 m height limit are the crew's to weigh, not errors)
    assert not at.exception and at.metric

    at.switch_page(PAGES + "mission.py").run()
    at.switch_page(PAGES + "plan.py").run()
    assert not at.exception and at.metric
    assert at.selectbox(key="plan_terrain").value == "pamir-15arcsec"
    assert at.selectbox(key="plan_asset").value == "m30t"
    assert at.selectbox(key="plan_pattern").value == "expanding-square"
    assert at.radio(key="plan_light").value == "night"
    assert at.text_input(key="plan_datum").value == "39.0, 75.6"
    assert at.number_input(key="plan_agl").value == 80.0
    assert at.number_input(key="plan_radius").value == 300.0
    assert at.text_input(key="plan_temperature").value == "-12"


def test_logbook_form_keeps_what_was_typed_over_a_visit_to_the_plan_page():
    # a crew saves a sortie, is told the search needs its mission, goes to open it and comes
    # back: before, the form was empty again (Streamlit forgot every field). (Fields typed but
    # never sent with a form button are not known to the app and cannot be kept.)
    from sar_planner.logbook.db import get_database
    from sar_planner.logbook.records import add_aircraft, add_crew_member
    from sar_planner.auth import sign_in
    from tests.signin import TEST_PASSWORD, ensure_account

    db = get_database()
    admin = sign_in(db, ensure_account(db, "admin"), TEST_PASSWORD).actor
    add_aircraft(db, admin, "QH-UAV-07", "DJI M30T", "drone")
    add_crew_member(db, admin, "马建国")
    at = _app()
    at.switch_page(PAGES + "logbook.py").run()
    assert not at.exception
    at.selectbox(key="lb_task").set_value("search")
    at.selectbox(key="lb_aircraft").set_value("QH-UAV-07")
    at.selectbox(key="lb_pilot").set_value("马建国")
    at.time_input(key="lb_t_time").set_value(dt.time(20, 0))
    at.time_input(key="lb_l_time").set_value(dt.time(20, 40))
    at.text_input(key="lb_t_site").set_value("Km 42, G315")
    at.text_area(key="lb_remarks").set_value("thermal, wind 8 m/s")
    next(b for b in at.button if b.label == "Save as draft").click().run()
    assert any("must name the mission" in e.value for e in at.error)
    at.switch_page(PAGES + "mission.py").run()
    at.switch_page(PAGES + "logbook.py").run()
    assert not at.exception
    assert at.selectbox(key="lb_task").value == "search"
    assert at.selectbox(key="lb_aircraft").value == "QH-UAV-07"
    assert at.selectbox(key="lb_pilot").value == "马建国"
    assert at.time_input(key="lb_t_time").value == dt.time(20, 0)
    assert at.time_input(key="lb_l_time").value == dt.time(20, 40)
    assert at.text_input(key="lb_t_site").value == "Km 42, G315"
    assert at.text_area(key="lb_remarks").value == "thermal, wind 8 m/s"


def test_probability_page_offers_the_terrain_that_holds_the_ipp():
    # the gobi driver (36.90 N, 93.60 E, scenarios.md) lies outside the 30 m demo listed first:
    # the page offered the demo and the first build failed ("completely outside the elevation
    # data"); the real 5' Qaidam grid holds it (terrain/PROVENANCE.md)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    m = _mission("GOL-2026-002")
    m.update(lat=36.90, lon=93.60, ipp_text="36.90, 93.60")
    at.session_state["mission"] = m
    at.run()
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception
    assert at.selectbox(key="poa_terrain").value == "qaidam-5arcmin"
    # the herder south of Golmud (36.10 N, 94.85 E) lies on the demo, listed first (another
    # mission, chosen on the Mission page)
    at.switch_page(PAGES + "mission.py").run()
    m = dict(m, lat=36.10, lon=94.85, ipp_text="36.10, 94.85", incident_number="GOL-2026-001")
    at.session_state["mission"] = m
    at.switch_page(PAGES + "probability.py").run()
    assert at.selectbox(key="poa_terrain").value == "kunlun-demo-30m"


def test_plan_page_offers_the_terrain_that_holds_the_ipp_before_any_map():
    # no map built yet for the gobi driver: the Plan page offered the demo around Golmud and its
    # drawing map said "completely outside the elevation data" at once
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    m = _mission("GOL-2026-002")
    m.update(lat=36.90, lon=93.60, ipp_text="36.90, 93.60")
    at.session_state["mission"] = m
    at.run()
    at.switch_page(PAGES + "plan.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="plan_terrain").value == "qaidam-5arcmin"
