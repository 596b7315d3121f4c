"""Logbook page (AppTest): after "Saved as sortie N" the form is emptied for the next sortie (task,
mission and date kept), so a double press has nothing to save and says so calmly (QA found a red
"already logged in the air" under the success), and the saved sortie's track file is not read
again into the next sortie."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import add_aircraft, add_crew_member, list_sorties
from sar_planner.ui.session import SESSION_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "test password, not a real one"
# three fixes, lon/lat as in tests/ui/test_app.py's GPX
GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="36.400" lon="96.400"><ele>2900</ele></trkpt>
<trkpt lat="36.410" lon="96.420"><ele>2950</ele></trkpt>
<trkpt lat="36.420" lon="96.400"><ele>2980</ele></trkpt>
</trkseg></trk></gpx>"""


@pytest.fixture
def at(data_dir):
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "星卫东")
    app = AppTest.from_file(APP, default_timeout=90)
    app.session_state["lang"] = "en"
    app.session_state[SESSION_KEY] = sign_in(db, "ma", PASSWORD)
    app.run()
    app.switch_page("sar_planner/ui/pages/logbook.py").run()
    assert not app.exception
    yield app
    reset_database_cache()


def _press(app: AppTest, label: str) -> None:
    next(b for b in app.button if b.label == label).click().run()


def test_a_saved_sortie_empties_the_form_and_a_second_press_saves_nothing(at):
    day = dt.date(2025, 7, 1)
    at.selectbox(key="lb_task").set_value("training")
    at.selectbox(key="lb_aircraft").set_value("B-7185")
    at.date_input(key="lb_t_date").set_value(day)
    at.date_input(key="lb_l_date").set_value(day)
    at.time_input(key="lb_t_time").set_value(dt.time(10, 0))
    at.time_input(key="lb_l_time").set_value(dt.time(10, 40))
    at.multiselect(key="lb_observers").set_value(["星卫东"])
    at.text_input(key="lb_t_site").set_value("Km 42, G315")
    at.text_area(key="lb_remarks").input("circuit training")
    at.file_uploader(key="lb_track_file").set_value(("flight.gpx", GPX, "application/gpx+xml"))
    _press(at, "Save as draft")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved as sortie 1" in s.value for s in at.success), [s.value for s in at.success]
    (first,) = list_sorties(get_database())
    assert len(first.track["coordinates"]) == 3
    # emptied for the next sortie; the kind of task and the day are kept
    assert at.selectbox(key="lb_aircraft").value == ""
    assert at.multiselect(key="lb_observers").value == []
    assert at.text_input(key="lb_t_site").value == ""
    assert at.text_area(key="lb_remarks").value == ""
    assert at.time_input(key="lb_t_time").value == dt.time(8, 0)  # the form's default
    assert at.selectbox(key="lb_task").value == "training"
    assert at.date_input(key="lb_t_date").value == day
    # a double press: nothing saved, no red error, a calm note with the sortie number
    _press(at, "Save as draft")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Nothing new to save: sortie 1" in i.value for i in at.info), [i.value for i in at.info]
    assert len(list_sorties(get_database())) == 1
    # the next sortie is saved without the first one's track (its uploader was emptied)
    at.selectbox(key="lb_aircraft").set_value("B-7185")
    at.time_input(key="lb_t_time").set_value(dt.time(11, 0))
    at.time_input(key="lb_l_time").set_value(dt.time(11, 30))
    _press(at, "Save as draft")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved as sortie 2" in s.value for s in at.success)
    second = next(r for r in list_sorties(get_database()) if r.number == 2)
    assert second.track is None and second.remarks == ""
    assert second.takeoff_at.date() == day
