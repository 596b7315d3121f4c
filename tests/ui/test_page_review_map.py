"""Issue 16 item 1 (AppTest): a sortie waiting for review is shown on the shared map with its
plan and flown track, planned and achieved POD and area, crew, aircraft and times, and is approved
from there; the kept-versions table is current right after an amendment."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import (SortieInput, add_aircraft, get_sortie, list_sorties, log_sortie,
                                         open_mission)
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY
from tests.ui.test_app import APP, PASSWORD

# a short plan inside the bundled Kunlun foothills terrain (36.10N 94.85E), and its flown track
RUNS = [[[94.850, 36.100, None], [94.860, 36.100, None]], [[94.860, 36.102, None], [94.850, 36.102, None]]]
TRACK = {"type": "LineString", "coordinates": [[94.8501, 36.1001], [94.8599, 36.1001], [94.8599, 36.1021],
                                               [94.8502, 36.1020]]}
PLAN = {"kind": "sar-planner-flown-plan", "version": 1, "name": "S3 parallel", "source": "geojson",
        "asset_id": "", "pattern": "parallel", "crs": None, "sweep_width_m": 100.0, "spacing_m": 200.0,
        "agl_m": 80.0, "sortie": None, "run_sorties": [], "area": None, "runs": RUNS,
        "comparison": {"planned_pod": 0.41, "region_area_m2": 2.0e6}}


@pytest.fixture
def waiting(data_dir):
    from sar_planner.flown_plan import PLAN_KIND

    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    wang = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    ma = create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "QHJ-UAV-01", "DJI Matrice 350 RTK", "drone")
    open_mission(db, wang, "QH-GEM-2026-016", dt.datetime(2026, 11, 30, 6, 0, tzinfo=LOCAL_TZ))
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL_TZ)
    rec = log_sortie(db, ma, SortieInput(
        task_type="search", aircraft="QHJ-UAV-01", takeoff_at=start, landing_at=start + dt.timedelta(minutes=40),
        crew=(("马建国", "pilot"),), incident_number="QH-GEM-2026-016", plan={**PLAN, "kind": PLAN_KIND},
        track=TRACK, pod=0.38, area_covered_m2=1.7e6), submit=True)
    yield db, rec
    reset_database_cache()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_waiting_sortie_on_the_map_and_approved_from_there(waiting, lang):
    db, rec = waiting
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state[SESSION_KEY] = sign_in(db, "wang", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/review.py")
    at.run()
    assert not at.exception, at.exception
    maps = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    flown_name = {"en": f"Flown track (sortie {rec.number})", "zh": f"实飞轨迹（第 {rec.number} 架次）"}[lang]
    (fig,) = [f for f in maps if any(t.get("name") == flown_name for t in f["data"])]
    names = [t.get("name") for t in fig["data"]]
    flown = fig["data"][-1]
    planned = fig["data"][-2]
    # two runs of two points each (a break after each); the track's four fixes, metres in UTM 46N
    # (EPSG:32646, 94.85E is 1.85 degrees east of its 93E meridian: x about 500 km + 166 km)
    assert [v is None for v in planned["x"]] == [False, False, True] * 2, names
    assert [v for v in flown["x"] if v is not None].__len__() == 4
    x0, y0 = Transformer.from_crs(4326, 32646, always_xy=True).transform(94.8501, 36.1001)
    assert flown["x"][0] == pytest.approx(x0, abs=0.01) and flown["y"][0] == pytest.approx(y0, abs=0.01)
    assert 666_000 < x0 < 667_000
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"  # metres square: equal scales
    metrics = [m.value for m in at.metric]
    # planned 41 %, achieved 38 %: whole percent with a space since issue 16 item 4 (display.whole_percent)
    assert "41 %" in metrics and "38 %" in metrics and "1.70 km²" in metrics and "2.00 km²" in metrics
    at.button(key="rv_approve").click().run()
    assert not at.exception, at.exception
    assert get_sortie(db, rec.id).status == "approved"
    assert [r.number for r in list_sorties(db, statuses=("submitted",))] == []
