"""Map features on the Probability page in AppTest: a drawing (put in the session as the map's
selection would) is named and added, listed, used as a segment, clipped by an existing segment,
renamed and removed; for a logbook mission every change is saved with the mission's inputs and a
stale save is refused; an uploaded file adds its features; the model takes barriers and regions
at the next build.

AppTest cannot click on a plotly chart (tests/e2e/test_probability_browser.py does that); here the
drawing goes in through ``st.session_state["poa_pending"]``, the page's own record of a drawing
not yet added (WGS84 lon/lat). Terrain: the bundled real 15" GEBCO grid of the eastern Pamir
(terrain/PROVENANCE.md), IPP near Karakul lake (38.30 N, 75.05 E).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.geo import from_local, to_local
from sar_planner.logbook.db import get_database
from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                save_mission_features, save_mission_inputs)
from sar_planner.logbook.records import open_mission
from sar_planner.terrain import grid_around
from sar_planner.ui.mission_state import session_from_stored
from tests.signin import TEST_PASSWORD, ensure_account, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PROBABILITY = str(REPO / "sar_planner" / "ui" / "pages" / "probability.py")
INCIDENT = "QH-KK-2026-020"
LAT, LON = 38.30, 75.05
GRID = grid_around(LAT, LON, 3000.0, 100.0)  # the page's grid for a 3 km half-width, 100 m cells
IX, IY = (float(v) for v in to_local(LAT, LON, GRID.crs))


def _box_lonlat(x0, y0, x1, y1):
    """A box in metres of the page's grid CRS as the page stores a drawing: WGS84 (lon, lat)."""
    xs, ys = [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]
    lat, lon = from_local(xs, ys, GRID.crs)
    return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]


def _logbook_mission():
    db = get_database()
    commander = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    open_mission(db, commander, INCIDENT, dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, commander, mid, {
        "ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "subject": "hiker",
        "terrain_class": "dry-mountainous",
        "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)})
    return db, commander, mid, session_from_stored(stored, INCIDENT, mid)


def _session_mission():
    return {"ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "lat": LAT, "lon": LON,
            "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
            "terrain_class": "dry-mountainous", "quartiles_km": None,
            "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
            "notes": ""}


def _built(mission, seg_mode="mission"):
    at = AppTest.from_file(PROBABILITY, default_timeout=180)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = mission
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.selectbox(key="poa_seg_mode").set_value(seg_mode)
    _submit(at, "Build the map")
    return at


def _submit(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception


def _draw(at, mode, lonlat, name):
    """Choose the drawing mode, leave a drawing as the map would, name it and press Add."""
    at.radio(key="poa_draw_mode").set_value(mode).run()
    at.session_state["poa_pending"] = {"mode": mode, "lonlat": lonlat}
    at.run()
    assert not at.exception, at.exception
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "pending" in [t.get("name") for t in fig["data"]]  # shown before it is kept
    name_box = next(w for w in at.text_input if w.label == "Name")
    name_box.set_value(name)
    _submit(at, "Add")


def _segment_rows(at):
    table = next(d for d in at.dataframe if d.proto.id.endswith("poa_segment_table")
                 or "Rank" in d.value.columns)
    return table.value


def test_a_drawn_segment_is_saved_with_the_mission_listed_and_used_in_the_table():
    db, _, mid, mission = _logbook_mission()
    at = _built(mission)
    assert not at.error, [e.value for e in at.error]
    assert any("No search segments" in i.value for i in at.info)  # none drawn yet
    # a 1 km square north-east of the IPP: 1.000 km^2 (by hand)
    _draw(at, "segment", _box_lonlat(IX + 200, IY + 200, IX + 1200, IY + 1200), "North fan")
    assert not at.error, [e.value for e in at.error]
    assert any("Search segment North fan added" in s.value for s in at.success)
    stored = mission_inputs(db, mid)
    # version 2 is the terrain the map was built on, 3 the map settings it was built with (both
    # saved at the build, issue 10); 4 adds the segment
    assert stored["revision"] == 4 and [f["name"] for f in stored["features"]] == ["North fan"]
    assert stored["terrain_id"] == "pamir-15arcsec" and stored["settings"]["segment_rule"] == "mission"
    assert at.session_state["mission"]["revision"] == 4  # the page holds the new version
    features = next(d.value for d in at.dataframe if "Kind" in d.value.columns)
    assert list(features["Name"]) == ["North fan"] and list(features["Source"]) == ["drawn"]
    assert "1.000 km²" in features.iloc[0, 3]
    rows = _segment_rows(at)
    assert list(rows.iloc[:, 0]) == ["North fan"]
    assert rows.iloc[0, 1] == pytest.approx(1.0, abs=1e-3)
    # a second square overlapping it by a 200 m strip: clipped, 1 km x 0.8 km = 0.8 km^2 left
    _draw(at, "segment", _box_lonlat(IX + 1000, IY + 200, IX + 2000, IY + 1200), "East fan")
    assert any("Clipped to avoid North fan" in s.value for s in at.success)
    rows = _segment_rows(at).set_index(_segment_rows(at).columns[0])
    assert rows.iloc[:, 0]["East fan"] == pytest.approx(0.8, abs=1e-3)
    # both segments are drawn on the map with their names
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = next(t for t in fig["data"] if t.get("name") == "segment_names")["text"]
    assert sorted(names) == ["East fan", "North fan"]
    # a 400 m wide strip drawn right across North fan is cut in two: kept as two segments, a
    # south piece of 400 x 700 m = 0.28 km^2 ("Cross 1", the larger) and a north piece of
    # 400 x 600 m = 0.24 km^2 ("Cross 2"), by hand
    _draw(at, "segment", _box_lonlat(IX + 500, IY - 500, IX + 900, IY + 1800), "Cross")
    assert not at.error, [e.value for e in at.error]
    assert any("Cross lies in 2 separate pieces" in s.value and "Cross 1, Cross 2" in s.value
               for s in at.success)
    rows = _segment_rows(at).set_index(_segment_rows(at).columns[0])
    assert rows.iloc[:, 0]["Cross 1"] == pytest.approx(0.28, abs=1e-3)
    assert rows.iloc[:, 0]["Cross 2"] == pytest.approx(0.24, abs=1e-3)
    assert sorted(f["name"] for f in mission_inputs(db, mid)["features"]) == [
        "Cross 1", "Cross 2", "East fan", "North fan"]


def test_rename_and_remove_are_saved_and_another_crews_save_is_kept():
    db, commander, mid, mission = _logbook_mission()
    at = _built(mission)
    _draw(at, "barrier_area", _box_lonlat(IX - 2000, IY + 500, IX - 1000, IY + 1500), "Salt flat")
    assert [f["name"] for f in mission_inputs(db, mid)["features"]] == ["Salt flat"]
    at.text_input(key="poa_feature_rename").set_value("Dry salt lake")
    _submit(at, "Rename")
    assert [f["name"] for f in mission_inputs(db, mid)["features"]] == ["Dry salt lake"]
    # someone else saves in between: the page reads the stored facts on its next run (issue 10),
    # so the removal is made on their version and nothing they saved is lost
    other = mission_inputs(db, mid)
    save_mission_features(db, commander, mid, other["features"] + [
        {"id": "their-track", "kind": "track", "name": "G315", "source": "drawn",
         "geometry": {"type": "LineString", "coordinates": _box_lonlat(IX, IY - 2000, IX + 2000,
                                                                       IY - 1000)[:2]}}],
        base_revision=other["revision"])
    at.run()
    features = next(d.value for d in at.dataframe if "Kind" in d.value.columns)
    assert sorted(features["Name"]) == ["Dry salt lake", "G315"]  # their track is shown
    at.selectbox(key="poa_feature_pick").set_value(
        next(f["id"] for f in mission_inputs(db, mid)["features"] if f["name"] == "Dry salt lake"))
    _submit(at, "Remove")
    assert not at.error, [e.value for e in at.error]
    assert [f["name"] for f in mission_inputs(db, mid)["features"]] == ["G315"]


def test_a_saved_barrier_is_in_the_map_at_once():
    """The map is made from the stored facts (issue 10): a barrier saved with the mission is in
    the model for everyone at once, with no rebuild to forget."""
    _, _, _, mission = _logbook_mission()
    at = _built(mission, seg_mode="grid")
    at.selectbox(key="poa_model").set_value("terrain")
    _submit(at, "Build the map")
    row_before = float(at.metric[1].value)
    in_before = float(at.metric[0].value)
    # a wall all round the IPP, 1 km out: four barrier lines, the first drawn on its own
    hole = _box_lonlat(IX - 1000, IY - 1000, IX + 1000, IY + 1000)
    for a, b in zip(hole[:-1], hole[1:], strict=True):
        at.radio(key="poa_draw_mode").set_value("barrier_line").run()
        at.session_state["poa_pending"] = {"mode": "barrier_line", "lonlat": [a, b]}
        at.run()
        _submit(at, "Add")
        assert not at.error, [e.value for e in at.error]
        assert not any("Press Build the map" in w.value for w in at.warning)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    reds = [t for t in fig["data"] if t.get("name") == "barrier"]
    assert len(reds) == 4 and all(t["line"]["color"] == "#d62728" for t in reds)
    # walled in 1 km round the IPP: nothing leaves the map any more (Koester's 95 % hiker
    # distance is far beyond 1 km, so before the wall much of the mass was outside the 3 km map)
    assert row_before > 0.3 and float(at.metric[1].value) == pytest.approx(0.0, abs=1e-3)
    assert float(at.metric[0].value) == pytest.approx(1.0, abs=1e-3) and in_before < 0.7


def test_a_session_mission_keeps_features_in_the_session_and_regions_feed_the_consensus():
    at = _built(_session_mission(), seg_mode="grid")
    assert any("not a logbook mission" in w.value for w in at.warning)
    _draw(at, "region", _box_lonlat(IX - 1500, IY - 1500, IX, IY), "South-west bowl")
    assert [f["name"] for f in at.session_state["mission"]["features"]] == ["South-west bowl"]
    _submit(at, "Build the map")
    # one region with all 100 points (the editor's default share): its POA is 1 (Mattson)
    assert any("Region probabilities: South-west bowl 1.000" in c.value for c in at.caption)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    dashed = [t for t in fig["data"] if t.get("name") == "region"]
    assert dashed and dashed[0]["line"]["dash"] == "dash"


def test_an_uploaded_file_adds_its_features_and_the_download_gives_them_back():
    at = _built(_session_mission())
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"},
         "geometry": {"type": "Polygon", "coordinates": [_box_lonlat(IX, IY, IX + 1000,
                                                                     IY + 1000)]}},
        {"type": "Feature", "properties": {"name": "B"},
         "geometry": {"type": "Polygon", "coordinates": [_box_lonlat(IX - 1000, IY, IX,
                                                                     IY + 1000)]}}]}
    at.selectbox(key="poa_import_kind").set_value("segment")
    up = next(u for u in at.get("file_uploader") if "poa_import_file" in u.proto.id)
    up.set_value(("segs.geojson", json.dumps(doc).encode(), "application/geo+json"))
    _submit(at, "Add the file's features")
    assert any("2 features of segs.geojson added" in s.value for s in at.success)
    feats = at.session_state["mission"]["features"]
    assert [f["source"] for f in feats] == ["imported:segs.geojson"] * 2
    assert sorted(_segment_rows(at).iloc[:, 0]) == ["A", "B"]
    # a line file cannot become segments: a clear error, nothing added
    line = {"type": "Feature", "properties": {},
            "geometry": {"type": "LineString", "coordinates": _box_lonlat(0, 0, 10, 10)[:2]}}
    up = next(u for u in at.get("file_uploader") if "poa_import_file" in u.proto.id)
    up.set_value(("road.geojson", json.dumps(line).encode(), "application/geo+json"))
    at.selectbox(key="poa_import_kind").set_value("segment")
    _submit(at, "Add the file's features")
    assert any("only Polygon, MultiPolygon" in e.value for e in at.error)
    assert len(at.session_state["mission"]["features"]) == 2
    dl = next(b for b in at.get("download_button") if "Download all features" in str(b.proto))
    assert dl is not None


def test_the_features_read_in_chinese():
    from sar_planner.i18n import t

    at = AppTest.from_file(PROBABILITY, default_timeout=180)
    at.session_state["lang"] = "zh"
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = _session_mission()
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.selectbox(key="poa_seg_mode").set_value("mission")
    _submit(at, t("probability.ui.build", "zh"))
    at.radio(key="poa_draw_mode").set_value("segment").run()
    at.session_state["poa_pending"] = {"mode": "segment",
                                       "lonlat": _box_lonlat(IX, IY, IX + 1000, IY + 1000)}
    at.run()
    assert any("已绘制、尚未添加：绘制搜索分区" in m.value for m in at.markdown)
    next(w for w in at.text_input if w.label == "名称").set_value("北坡")
    _submit(at, "添加")
    assert any("已添加搜索分区 北坡" in s.value for s in at.success)
    # a segment wholly inside it: nothing left once clipped, refused in Chinese, nothing added
    at.session_state["poa_pending"] = {"mode": "segment", "lonlat": _box_lonlat(
        IX + 100, IY + 100, IX + 300, IY + 300)}
    at.run()
    next(w for w in at.text_input if w.label == "名称").set_value("内圈")
    _submit(at, "添加")
    assert any("新分区 内圈 已一无所剩" in e.value for e in at.error)
    assert [f["name"] for f in at.session_state["mission"]["features"]] == ["北坡"]
    assert any("平方公里" in str(d.value.iloc[0, 3]) for d in at.dataframe
               if "类别" in d.value.columns)
