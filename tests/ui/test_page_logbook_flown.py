"""Logbook page (AppTest): a crew member attaches the plan flown and the flown track, sees the
flown track drawn over the planned lines with the planned and achieved POD, and saves the sortie
with them.

Hand figures (Koopman's exponential law, IAMSAR Vol. II; search-theory.md): the plan
(tests/formats_plans.make_plan) is a lawn-mower with spacing = sweep width = 100 m over a
1,500 m x 1,200 m segment, C = 1, POD = 1 - 1/e = 63.2 %. The flown log runs every leg 100 m
(one swath) north of its line, so the southern 100 m strip is never seen: 11/12 x 63.2 = 57.9 %.
The plan is flown terrain-following (tests/plans3d.py: the fixture's bare straight legs would pass
under the demo terrain, and ridges are checked along the plan's 3D path); terrain masking on the
bundled demo terrain then takes off well under 1 point.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.formats import write_plan
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import add_aircraft, list_sorties
from sar_planner.plan import SortiePlan
from tests.formats_plans import make_plan
from tests.plans3d import terrain_followed
from tests.signin import TEST_PASSWORD, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
ONE_PASS = 1.0 - math.exp(-1.0)
_TO_XY = Transformer.from_crs("EPSG:4326", "EPSG:32646", always_xy=True)
_TO_LL = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True)


def flown_gpx(plan: SortiePlan, dy: float = 100.0, turn_out: float = 60.0,
              step: float = 20.0) -> bytes:
    """A GPX log of ``plan``'s legs flown ``dy`` metres north of their lines, turning
    ``turn_out`` metres outside the segment (fixes every ``step`` metres, no heights)."""
    xy = [_TO_XY.transform(lon, lat) for lon, lat in plan.area_wgs84]
    x0, y0 = min(x for x, _ in xy), min(y for _, y in xy)
    x1, y1 = max(x for x, _ in xy), max(y for _, y in xy)
    s = plan.spacing_m
    pts = []
    for k in range(int(round((y1 - y0) / s))):
        y = y0 + s / 2 + k * s + dy
        xs = np.arange(x0 - turn_out, x1 + turn_out + 1e-6, step)
        for x in xs if k % 2 == 0 else xs[::-1]:
            lon, lat = _TO_LL.transform(float(x), y)
            pts.append(f'<trkpt lat="{lat:.9f}" lon="{lon:.9f}"></trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + "".join(pts)
            + "</trkseg></trk></gpx>").encode()


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    db = get_database()
    add_aircraft(db, sign_in(db, "test-admin", TEST_PASSWORD).actor, "B-7185", "M350 RTK", "drone")
    at.run()
    at.switch_page("sar_planner/ui/pages/logbook.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(data_dir):
    reset_database_cache()
    yield _open("en")
    reset_database_cache()


def test_the_check_reads_in_chinese(data_dir):
    reset_database_cache()
    plan = terrain_followed(make_plan())
    at = _compare(_open("zh"), "plan.geojson", write_plan(plan, ".geojson"), flown_gpx(plan))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _metric(at, "实际发现概率") < _metric(at, "计划发现概率")
    names = [t.get("name") for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert "飞行航迹" in names and "计划搜索航线" in names
    assert any("已填入下方架次表单" in s.value for s in at.success)
    reset_database_cache()


def _metric(at: AppTest, label: str) -> float:
    (m,) = [m for m in at.metric if m.label == label]
    return float(m.value.rstrip("%"))


def _compare(at: AppTest, plan_name: str, plan_bytes: bytes, track: bytes,
             terrain: str = "kunlun-demo-30m") -> AppTest:
    at.file_uploader(key="lb_fl_plan").set_value((plan_name, plan_bytes, "application/json"))
    at.file_uploader(key="lb_track_file").set_value(("flight.gpx", track, "application/gpx+xml"))
    at.selectbox(key="lb_fl_terrain").set_value(terrain)
    return at.button(key="lb_fl_compare").click().run()


def test_crew_sees_achieved_beside_planned_pod_and_saves_them(app):
    plan = terrain_followed(make_plan())
    at = _compare(app, "plan.geojson", write_plan(plan, ".geojson"), flown_gpx(plan))
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    planned, achieved = _metric(at, "Planned POD"), _metric(at, "Achieved POD")
    assert planned == pytest.approx(100 * ONE_PASS, abs=1.0)
    assert achieved == pytest.approx(100 * 11 / 12 * ONE_PASS, abs=1.0)
    assert achieved < planned
    # the figure: flown track over the planned lines and the segment, on the relief image
    (chart,) = [c for c in at.get("plotly_chart")]
    spec = json.loads(chart.proto.spec)
    names = [tr.get("name") for tr in spec["data"]]
    assert "Planned search lines" in names and "Flown track" in names and "Search area" in names
    assert spec["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    flown = next(tr for tr in spec["data"] if tr.get("name") == "Flown track")
    assert len([v for v in flown["x"] if v is not None]) > 900     # 12 legs of 81 fixes
    # the form below carries the achieved POD (0..1) and the area covered (km^2)
    # the form keeps the precise POD (3 places); the metric shows it in whole percent (issue 16)
    form_pod = at.number_input(key="lb_pod").value
    assert form_pod == pytest.approx(achieved / 100, abs=0.005)
    # 12 runs of (1,500 + 2 x 60 m) x 100 m swath = 1.944 km^2 plus the turns' 100 m steps
    assert at.number_input(key="lb_area").value == pytest.approx(2.04, abs=0.02)

    at.selectbox(key="lb_task").set_value("training")
    at.selectbox(key="lb_aircraft").set_value("B-7185")
    day = dt.date(2025, 7, 1)
    at.date_input(key="lb_t_date").set_value(day)
    at.date_input(key="lb_l_date").set_value(day)
    at.time_input(key="lb_t_time").set_value(dt.time(8, 0))
    at.time_input(key="lb_l_time").set_value(dt.time(8, 40))
    next(b for b in at.button if b.label == "Save as draft").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (rec,) = list_sorties(get_database())
    assert rec.pod == pytest.approx(achieved / 100, abs=0.005)   # page: whole percent
    assert rec.pod == pytest.approx(form_pod, abs=1e-9)   # stored: the form's precise value, not the shown one
    assert rec.area_covered_m2 == pytest.approx(2.04e6, rel=0.01)
    assert rec.plan["kind"] == "sar_planner.flown_plan" and len(rec.plan["runs"]) == 12
    assert rec.plan["comparison"]["planned_pod"] == pytest.approx(planned / 100, abs=0.005)  # whole % shown
    assert rec.track["type"] == "LineString" and len(rec.track["coordinates"]) > 900
    # saved: the comparison, plan and track leave the form, so the next sortie cannot take them
    assert not at.get("plotly_chart")
    assert "lb_plan" not in at.session_state and "lb_track" not in at.session_state
    # loading the draft back for correction shows what was measured when it was logged
    at.button(key="lb_correct").click().run()
    assert not at.exception
    assert any(f"planned POD {planned:.0f} %" in i.value for i in at.info), \
        [i.value for i in at.info]
    assert at.session_state["lb_plan"]["comparison"]["achieved_pod"] == pytest.approx(
        achieved / 100, abs=0.005)


def test_a_qgc_plan_needs_the_sweep_width_and_then_compares(app):
    plan = terrain_followed(make_plan())
    doc = json.loads(write_plan(plan, ".plan"))
    del doc["sar_planner"]     # as QGroundControl saves it: no roles, no sweep width
    at = _compare(app, "sortie.plan", json.dumps(doc).encode(), flown_gpx(plan, dy=0.0))
    assert any("sweep width" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.get("plotly_chart")
    at.number_input(key="lb_fl_sweep").set_value(100.0)
    at = at.button(key="lb_fl_compare").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # flown exactly on the lines: achieved = (1 - 1/e) wherever the terrain lets the crew see
    assert _metric(at, "Achieved POD") == pytest.approx(100 * ONE_PASS, abs=1.0)


def test_a_track_from_another_place_is_refused_with_its_distance(app):
    plan = terrain_followed(make_plan())
    far = flown_gpx(plan).replace(b'lon="94.', b'lon="95.')   # 1 degree of longitude east
    at = _compare(app, "plan.geojson", write_plan(plan, ".geojson"), far, terrain="")
    assert not at.exception
    # 1 deg of longitude at 36.1 N is 90.1 km; minus the 1.5 km segment and 60 m: about 88.5 km
    assert any("stays 88.5 km away" in e.value and "another flight" in e.value
               for e in at.error), [e.value for e in at.error]
    assert at.number_input(key="lb_pod").value == 0.0
    assert not at.get("plotly_chart")


def test_compare_without_files_says_what_is_missing(app):
    at = app.button(key="lb_fl_compare").click().run()
    assert not at.exception
    assert any("Both files are needed" in e.value for e in at.error)


def test_a_sortie_loaded_back_names_the_sortie_of_the_plan_it_flew(app):
    """A sortie logged against sortie 2 of a several-sortie plan (the plan flown stored with its
    number) says so when its form is shown again: 'plan - sortie 2', planned and achieved POD."""
    app.session_state["lb_plan"] = {"kind": "plan_flown", "name": "PS-m350", "sortie": 2,
                                    "comparison": {"planned_pod": 0.632, "achieved_pod": 0.58}}
    at = app.run()
    assert not at.exception
    note = [i.value for i in at.info if "was logged with the plan" in i.value]
    # POD in whole percent as a crew reads it (issue 16): 0.632 -> 63 %, 0.58 -> 58 %
    assert note and "PS-m350 – sortie 2" in note[0] and "63 %" in note[0] and "58 %" in note[0]
