"""The plan page in AppTest: a pattern over real terrain, its warnings, figures and downloads.

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), foothills
west of Kashgar (39.0 N, 75.6 E); and the SYNTHETIC Kunlun demo, whose plans must not export.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PLAN = str(REPO / "sar_planner" / "ui" / "pages" / "plan.py")


def _app(lang="en", **state):
    at = AppTest.from_file(PLAN, default_timeout=180)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")  # the page checks the role on every run (auth.PERMISSIONS)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _array(v):
    """A plotly JSON array (plain list or typed {dtype, bdata})."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _figures(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _plan(at, terrain, pattern, asset, **values):
    at.run()
    at.selectbox(key="plan_terrain").set_value(terrain)
    at.selectbox(key="plan_asset").set_value(asset)
    at.selectbox(key="plan_pattern").set_value(pattern)
    for key, value in values.items():
        el = at.text_input(key=key) if key in ("plan_datum", "plan_home", "plan_temperature") \
            else at.text_area(key=key) if key == "plan_area_text" else at.number_input(key=key)
        el.set_value(value)
    at.form_submit_button[0].click().run()
    return at


def test_expanding_square_over_real_terrain_shows_plan_profile_and_downloads():
    at = _plan(_app(), "pamir-15arcsec", "expanding-square", "m30t", plan_datum="39.0, 75.6",
               plan_agl=80.0, plan_radius=300.0)
    assert not at.exception
    # hazards the crew must weigh are red but do not block; nothing here blocks export
    assert not [e for e in at.error if e.icon == ":material/block:"], [e.value for e in at.error]
    figs = _figures(at)
    assert len(figs) == 2
    track, profile = figs
    # the sortie's markers are coloured by height above ground, on metric axes
    markers = [tr for tr in track["data"] if tr.get("mode") == "markers" and
               isinstance(tr.get("marker", {}).get("color"), list | dict)]
    assert markers and min(_array(markers[0]["marker"]["color"])) >= 0
    assert track["layout"]["yaxis"]["scaleanchor"] == "x"
    # the profile: the flight line never dips below terrain + requested height - 10 m
    names = [tr["name"] for tr in profile["data"]]
    assert "Terrain" in names and "Flight altitude" in names
    ground = _array(next(tr for tr in profile["data"] if tr["name"] == "Terrain")["y"])
    flight = _array(next(tr for tr in profile["data"] if tr["name"] == "Flight altitude")["y"])
    assert min(f - g for f, g in zip(flight, ground, strict=True)) >= 80.0 - 10.0
    labels = {m.label for m in at.metric}
    assert {"Sorties", "Sweep width", "Lowest clearance"} <= labels
    # one download per format (one-flight formats per sortie)
    dl = at.get("download_button")
    assert len(dl) >= 7


def test_synthetic_terrain_shows_red_warning_and_no_downloads():
    at = _plan(_app(), "kunlun-demo-30m", "sector", "m30t", plan_datum="36.10, 94.85",
               plan_agl=80.0, plan_radius=400.0)
    assert not at.exception
    assert any("SYNTHETIC" in e.value for e in at.error)
    assert len(at.get("download_button")) == 0


def test_missing_area_is_a_clear_error_in_chinese():
    at = _plan(_app("zh"), "pamir-15arcsec", "parallel", "m30t")
    assert not at.exception
    assert any("搜索区域" in e.value for e in at.error)


def test_bad_corners_are_refused():
    at = _plan(_app(), "pamir-15arcsec", "parallel", "m30t",
               plan_area_text="39.00, 75.60\n39.01, 75.61\n39.00, 75.61\n39.01, 75.60")
    assert not at.exception
    assert any("edges do not cross" in e.value for e in at.error)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_starts_with_help(lang):
    at = _app(lang).run()
    assert not at.exception
    assert at.info


def test_pos_and_what_to_fly_next_from_an_uploaded_poa_map():
    from sar_planner.grid import Grid
    from sar_planner.geo import to_local
    from sar_planner.probability import ProbabilityMap, poa_geotiff_bytes

    at = _plan(_app(), "pamir-15arcsec", "expanding-square", "m30t", plan_datum="39.0, 75.6",
               plan_agl=80.0, plan_radius=300.0)
    x, y = to_local(39.0, 75.6, "EPSG:32643")
    grid = Grid.from_bounds("EPSG:32643", float(x) - 4000, float(y) - 4000, float(x) + 4000,
                            float(y) + 4000, 100.0)
    poa = np.full(grid.shape, 1.0 / (grid.shape[0] * grid.shape[1]))
    data = poa_geotiff_bytes(ProbabilityMap(grid, poa, 0.0))
    at.file_uploader(key="plan_poa").set_value(("poa.tif", data, "image/tiff")).run()
    assert not at.exception, at.exception
    assert not [e for e in at.error if e.icon == ":material/block:"], [e.value for e in at.error]
    pos = next(m for m in at.metric if m.label.startswith("POS"))
    # a uniform map over 64 km^2: POS = share of the map swept x POD, a fraction of a percent
    value = float(pos.value.rstrip(" %"))
    assert 0.1 < value < 5.0
    frames = at.dataframe
    ranking = frames[-1].value
    assert list(ranking["Rank"])[:3] == [1, 2, 3]
    assert ranking["POS per minute (%)"].is_monotonic_decreasing
    # only 10 minutes of daylight left: every sortie is shorter, so each buys less POS
    at.number_input(key="plan_next_daylight").set_value(10.0).run()
    assert not at.exception
    short = at.dataframe[-1].value
    assert short["POS (%)"].max() < ranking["POS (%)"].max()


def test_dji_route_is_offered_for_dji_drones_only():
    # every DJI drone in the catalogue carries its WPML drone and camera numbers (test_assets.py)
    at = _plan(_app(), "pamir-15arcsec", "sector", "mavic3t", plan_datum="39.0, 75.6",
               plan_agl=70.0, plan_radius=300.0)
    assert not at.exception
    assert not [e for e in at.error if e.icon == ":material/block:"]
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(".kmz" in label for label in labels)
    # a helicopter flies no DJI route
    at = _plan(_app(), "pamir-15arcsec", "sector", "h125", plan_datum="39.0, 75.6",
               plan_agl=150.0, plan_radius=2000.0)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels and not any(".kmz" in label for label in labels)


def test_export_files_are_written_once_per_plan_not_at_every_rerun(monkeypatch):
    """A plan's files are written when it is first shown and reused by later reruns (a 60-sortie
    plan has some 200 files); a new plan writes its own."""
    import sar_planner.formats as formats

    written = []
    real = formats.write_plan
    monkeypatch.setattr(formats, "write_plan",
                        lambda plan, ext, **k: written.append(ext) or real(plan, ext, **k))
    at = _plan(_app(), "pamir-15arcsec", "expanding-square", "m30t", plan_datum="39.0, 75.6",
               plan_agl=80.0, plan_radius=300.0)
    assert not at.exception
    first = len(written)
    assert first == len(at.get("download_button")) >= 7  # one write per download offered
    at.run()  # any rerun (a click elsewhere on the page)
    assert len(written) == first
    at.number_input(key="plan_radius").set_value(400.0)
    at.form_submit_button[0].click().run()  # a new plan: its own files
    assert len(written) == first + len(at.get("download_button"))


@pytest.mark.parametrize(("lang", "first"), [("en", "Sortie "), ("zh", "第 ")])
def test_per_sortie_downloads_name_the_sortie_first_and_short(lang, first):
    """Issue 16: per-sortie buttons were "QGroundControl plan (.plan) – sortie 2", cut before
    the number in a 1280 px column; now "Sortie 2 · .plan" with the format's name as tooltip."""
    at = _plan(_app(lang), "pamir-15arcsec", "expanding-square", "m30t", plan_datum="39.0, 75.6",
               plan_agl=80.0, plan_radius=900.0)
    assert not at.exception
    sorties = int(next(m.value for m in at.metric
                       if m.label in ("Sorties", "架次数")))
    assert sorties > 1
    per = [b.proto for b in at.get("download_button") if b.proto.label.startswith(first)]
    # .plan, .waypoints and .kmz (one flight each), for every sortie
    assert len(per) == 3 * sorties, [b.proto.label for b in at.get("download_button")]
    for proto in per:
        assert len(proto.label) <= 23 and proto.label.split(" · ")[1].startswith(".")
        assert proto.help and proto.label.split(" · ")[1] in proto.help


@pytest.mark.parametrize(("lang", "words"), [("en", "NOT used"), ("zh", "未被采用")])
def test_typed_corners_not_used_while_another_source_is_chosen_are_named(lang, words):
    """Issue 16: corners typed while "Area drawn on the map" (or a Probability page segment) was
    still chosen were ignored without a word. The plan is still the chosen area (the drawn
    600 m x 400 m = 0.24 km² ring), and a warning says the typed corners were not used."""
    from shapely.geometry import Polygon

    from sar_planner.geo import to_local
    from sar_planner.ui.mission_state import segment_ring_wgs84

    crs = "EPSG:32646"
    x0, y0 = (float(v) for v in to_local(36.10, 94.85, crs))  # demo terrain, scenarios.md
    xy = ((x0, y0), (x0 + 600, y0), (x0 + 600, y0 + 400), (x0, y0 + 400), (x0, y0))
    at = _app(lang, plan_drawn={"xy": xy, "lonlat": segment_ring_wgs84(Polygon(xy), crs),
                                "crs": crs, "km2": 0.24})
    at.run()
    at.radio(key="plan_area_source").set_value("drawn")
    at.selectbox(key="plan_terrain").set_value("kunlun-demo-30m")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.text_area(key="plan_area_text").set_value("36.20, 94.80\n36.20, 94.82\n36.22, 94.82")
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["plan_request"].crs == crs  # the drawn area is what was planned
    warned = [w.value for w in at.warning if words in w.value]
    assert len(warned) == 1, [w.value for w in at.warning]
    drawn_name = "Area drawn on the map" if lang == "en" else "在地图上圈出的区域"
    assert drawn_name in warned[0]
    # with the typed source chosen there is nothing to warn about
    at.radio(key="plan_area_source").set_value("typed")
    at.form_submit_button[0].click().run()
    assert not [w for w in at.warning if words in w.value]
