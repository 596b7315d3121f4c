"""The mission and probability pages in AppTest: inputs are checked, the map is drawn over the
terrain with rings and segments, the second model sits beside it, downloads are offered.

The terrain is the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md);
the IPP is near Karakul lake (38.30 N, 75.05 E).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.rasters import grid_geotiff_bytes as _pod_tif
from tests.signin import sign_in_apptest
from tests.ui.test_page_mission_thread import open_on_page

REPO = Path(__file__).resolve().parents[2]
MISSION = str(REPO / "sar_planner" / "ui" / "pages" / "mission.py")
PROBABILITY = str(REPO / "sar_planner" / "ui" / "pages" / "probability.py")
PAMIR = "pamir-15arcsec"


def _mission(**over):
    m = {"ipp_text": "38.30, 75.05", "datum": "WGS84", "lat": 38.30, "lon": 75.05,
         "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
         "terrain_class": "dry-mountainous", "quartiles_km": None,
         "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
         "notes": ""}
    m.update(over)
    return m


def _app(path, lang="en", **state):
    at = AppTest.from_file(path, default_timeout=120)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")  # the page checks the role on every run (auth.PERMISSIONS)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _save_inputs(at):
    next(b for b in at.button if b.label == "Save mission inputs").click().run()


def _figures(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_mission_page_saves_a_typed_position():
    at = open_on_page(_app(MISSION).run(), "QH-T-1")  # inputs belong to a logbook mission
    at.text_input(key="mission_ipp").set_value("北纬38度18分 东经75度03分")
    at.selectbox(key="mission_subject").set_value("wolfberry_picker")
    _save_inputs(at)
    assert not at.exception
    saved = at.session_state["mission"]
    assert saved["lat"] == pytest.approx(38.30) and saved["lon"] == pytest.approx(75.05)
    assert saved["subject"] == "wolfberry_picker"
    # the local category says which published one stands for it (search-theory.md: gatherer)
    assert any("Gatherer" in i.value for i in at.info)


def test_mission_page_refuses_bad_position_and_quartiles():
    at = open_on_page(_app(MISSION).run(), "QH-T-1")  # inputs belong to a logbook mission
    at.text_input(key="mission_ipp").set_value("somewhere near the lake")
    _save_inputs(at)
    assert not at.exception and at.error and "mission" not in at.session_state
    at.text_input(key="mission_ipp").set_value("38.3, 75.05")
    at.checkbox(key="mission_own_q").check()
    at.number_input(key="mission_q75").set_value(1.0)  # below the 50 % distance
    _save_inputs(at)
    assert not at.exception and "do not increase" in at.error[0].value


def test_probability_page_asks_for_the_mission_first():
    at = _app(PROBABILITY).run()
    assert not at.exception and at.info and not _figures(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_probability_page_draws_rings_and_terrain_side_by_side(lang):
    at = _app(PROBABILITY, lang, mission=_mission(), terrain_entry=PAMIR).run()
    assert not at.exception
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.checkbox(key="poa_compare").check()
    at.number_input(key="poa_seg_km").set_value(3.0)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    figs = _figures(at)
    assert len(figs) == 2  # rings and terrain model side by side
    for fig in figs:
        types = [t["type"] for t in fig["data"]]
        assert "heatmap" in types
        assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
        names = [t.get("name") for t in fig["data"]]
        assert "ipp" in names
        assert sum(1 for t in fig["data"] if t.get("line", {}).get("dash") == "dot") == 4  # rings
    # segment table: the 6 km half-width grid snaps outward to 121 x 121 cells of 100 m
    # (12.1 km), so 3 km squares make 5 x 5 = 25 segments (the last row/column 100 m wide)
    df = at.dataframe[0].value
    assert len(df) == 25 and sorted(df.iloc[:, -1]) == list(range(1, 26))
    assert df.iloc[:, 2].sum() == pytest.approx(1 - float(at.metric[1].value), abs=2e-3)
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) == 2


def test_probability_page_shows_a_clear_error_for_an_ipp_off_the_terrain():
    at = _app(PROBABILITY, mission=_mission(lat=36.4, lon=94.9), terrain_entry=PAMIR).run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.error and "outside" in at.error[0].value
    assert not _figures(at)


def _built(**state):
    at = _app(PROBABILITY, mission=_mission(), terrain_entry=PAMIR, **state).run()
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.number_input(key="poa_seg_km").set_value(3.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    return at


def test_an_unsuccessful_sortie_updates_the_map_by_bayes():
    import numpy as np

    from sar_planner.terrain import grid_around

    at = _built()
    row_before = float(at.metric[1].value)
    grid = grid_around(38.30, 75.05, 6000.0, 100.0)  # the page's grid for these inputs
    pod = np.zeros(grid.shape)
    pod[: grid.shape[0] // 2] = 0.6  # the northern half searched with POD 60 %
    uploader = next(u for u in at.get("file_uploader") if "poa_pods" in u.proto.id)
    uploader.set_value([("sortie1.tif", _pod_tif(grid, pod), "image/tiff")])
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    row_after = float(at.metric[1].value)
    # the same map from the core: POS = sum POA x POD, and ROW' = ROW / (1 - POS) (Bayes,
    # search-theory.md; ROW is never searched)
    from sar_planner.probability import map_on_terrain

    mm = map_on_terrain([str(REPO / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif")], 38.30,
                        75.05, 6000.0, 100.0, subject="hiker", terrain_class="dry-mountainous")
    pos = float((mm.poa.poa * pod).sum())
    assert row_before == pytest.approx(mm.poa.row, abs=6e-4)
    assert row_after == pytest.approx(mm.poa.row / (1 - pos), abs=6e-4)
    assert any(f"{pos:.3f}" in c.value for c in at.caption)
    df = at.dataframe[0].value
    pod_col = df.columns[4]
    assert df[pod_col].max() == pytest.approx(0.6, abs=1e-3)  # northern segments: 60 %
    assert df[pod_col].min() == 0.0  # southern segments: not searched


def test_a_pod_map_on_another_grid_is_refused_on_the_page():
    import numpy as np

    from sar_planner.terrain import grid_around

    at = _built()
    other = grid_around(38.30, 75.05, 5000.0, 100.0)
    uploader = next(u for u in at.get("file_uploader") if "poa_pods" in u.proto.id)
    uploader.set_value([("sortie1.tif", _pod_tif(other, np.zeros(other.shape)), "image/tiff")])
    at.run()
    assert not at.exception
    assert any("different grid" in e.value for e in at.error)


def test_terrain_segments_follow_ridges_on_the_page():
    at = _app(PROBABILITY, mission=_mission(), terrain_entry=PAMIR).run()
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.selectbox(key="poa_seg_mode").set_value("terrain")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    df = at.dataframe[0].value
    assert len(df) > 4 and df.iloc[:, 0].str.startswith("T").all()
    # the segments tile the map: their POA adds up to everything inside it
    assert df.iloc[:, 2].sum() == pytest.approx(1 - float(at.metric[1].value), abs=2e-3)
    assert any("Not in any segment: 0.00 km²" in c.value for c in at.caption)


def test_mapscore_of_the_map_for_a_find_at_the_ipp_and_far_away():
    at = _built()
    at.text_input(key="poa_find").set_value("38.30, 75.05").run()
    assert not at.exception
    score = float(next(m for m in at.metric if m.label == "MapScore").value)
    assert score > 0.99  # the rings peak at the IPP (Sava et al. 2016: peaked map -> 1)
    at.text_input(key="poa_find").set_value("38.60, 75.05").run()  # 33 km north: off the map
    assert not at.exception and any("outside the map area" in e.value for e in at.error)


def test_terrain_model_layers_are_drawn_when_switched_on():
    at = _app(PROBABILITY, mission=_mission(), terrain_entry=PAMIR).run()
    at.selectbox(key="poa_model").set_value("terrain")
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.number_input(key="poa_drainage").set_value(1.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    names = [t.get("name") for t in _figures(at)[0]["data"]]
    assert "drainage" in names


def test_mission_page_suggests_the_child_category_for_a_childs_age():
    at = open_on_page(_app(MISSION).run(), "QH-T-1")  # inputs belong to a logbook mission
    at.text_input(key="mission_ipp").set_value("38.30, 75.05")
    at.number_input(key="mission_age").set_value(5)
    _save_inputs(at)
    assert not at.exception
    assert any("Child 4-6 years" in i.value for i in at.info)
    assert at.session_state["mission"]["age"] == 5


@pytest.mark.parametrize(("lang", "label", "internal"), [
    ("en", "'Initial planning point (last known point or point last seen)' is missing",
     "ipp_text"),
    ("zh", "缺少任务参数 “初始规划点（最后已知位置或最后目击点）”", "ipp_text"),
])
def test_mission_page_errors_name_the_field_as_the_form_labels_it(lang, label, internal):
    from sar_planner.i18n import t

    at = open_on_page(_app(MISSION).run(), "QH-T-1")
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="mission_ipp").set_value("   ")
    next(b for b in at.button if b.label == t("probability.mission.save", lang)).click().run()
    assert not at.exception
    assert at.error and label in at.error[0].value, at.error[0].value
    assert internal not in at.error[0].value


def test_the_walking_cap_is_taken_when_the_map_is_built_not_on_every_rerun(monkeypatch):
    """Seen 2 h before the build at 3 km/h: nobody is farther than 6.0 km of walking (hours x
    speed, issue 3 item 2). A later rerun (another widget) keeps the build's time, so the cached
    map is reused instead of rebuilt for a cap that moved on with the clock."""
    seen = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=2)
    m = _mission(seen_date=seen.date(), seen_time=seen.time().replace(microsecond=0),
                 speed_kmh=3.0)
    import sar_planner.probability.mission as mission_core

    builds = []
    real = mission_core.map_on_terrain
    monkeypatch.setattr(mission_core, "map_on_terrain",
                        lambda *a, **k: builds.append(k["hours_since_seen"]) or real(*a, **k))
    at = _app(PROBABILITY, mission=m, terrain_entry=PAMIR).run()
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    cap = [c.value for c in at.caption if c.value.startswith("Nobody is farther than")]
    assert len(cap) == 1 and cap[0].startswith("Nobody is farther than 6.0 km of walking: 2.0 h")
    # the time the cap runs to is a map setting of the mission, set by the build (issue 10)
    built = at.session_state["mission"]["settings"]["time_cap_at"]
    at.text_input(key="poa_find").set_value("38.30, 75.05").run()  # any rerun of the page
    assert not at.exception
    assert [c.value for c in at.caption if c.value.startswith("Nobody is farther than")] == cap
    assert at.session_state["mission"]["settings"]["time_cap_at"] == built
    assert len(builds) == 1 and builds[0] == pytest.approx(2.0, abs=0.01)  # built once


def test_the_default_map_stays_on_the_terrain_it_is_built_on():
    """The 30 m demo terrain is 24 km across round 36.10 N 94.85 E; a hiker's published 95 %
    distance in dry mountains (19.2 km, Koester 2008) would ask for a 24 km half-width, past the
    data. The default is cut to what the terrain reaches (about 12 km less a margin) and says so."""
    at = _app(PROBABILITY, mission=_mission(ipp_text="36.10, 94.85", lat=36.10, lon=94.85),
              terrain_entry="kunlun-demo-30m").run()
    assert not at.exception
    radius = at.number_input(key="poa_radius").value
    assert 10.0 <= radius <= 12.0, radius
    assert any("as far as this terrain goes" in c.value for c in at.caption)
