"""The probability page hands the mission's current POA map and its segments to the plan page.

Flow in one signed-in AppTest session (app.py, crew): build the map on the Probability page,
apply one unsuccessful sortie (Bayes), switch to the Plan page, choose the top-ranked segment as
the area, plan it, and compare POS with sum(POA x POD) computed here from the core functions.

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md); the IPP is
near Karakul lake (38.30 N, 75.05 E), as in tests/ui/test_page_probability.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon, box
from streamlit.testing.v1 import AppTest

from sar_planner.errors import PlanningError
from sar_planner.geo import utm_crs
from sar_planner.probability import ProbabilityMap
from sar_planner.ui.mission_state import (HANDOVER_KEY, current_handover, mission_fingerprint,
                                          publish, segment_ring_wgs84)
from tests.rasters import grid_geotiff_bytes as _pod_tif
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PAMIR = "pamir-15arcsec"
PAMIR_TIF = REPO / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif"


def _mission(**over):
    m = {"ipp_text": "38.30, 75.05", "datum": "WGS84", "lat": 38.30, "lon": 75.05,
         "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
         "terrain_class": "dry-mountainous", "quartiles_km": None,
         "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
         "notes": ""}
    m.update(over)
    return m


def _signed_in_app(lang="en") -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")  # crews see mission, probability and plan (auth.PERMISSIONS)
    at.session_state["mission"] = _mission()
    at.session_state["terrain_entry"] = PAMIR
    at.run()
    assert not at.exception, at.exception
    return at


def _build_poa(at: AppTest, pod_file: bytes | None = None) -> AppTest:
    at.switch_page("sar_planner/ui/pages/probability.py").run()
    assert not at.exception, at.exception
    at.number_input(key="poa_radius").set_value(6.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.number_input(key="poa_seg_km").set_value(1.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    if pod_file is not None:
        uploader = next(u for u in at.get("file_uploader") if "poa_pods" in u.proto.id)
        uploader.set_value([("sortie1.tif", pod_file, "image/tiff")])
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_plan_from_the_top_segment_gives_pos_from_the_current_poa_map():
    from sar_planner.coverage import plan_coverage, pod_from_coverage
    from sar_planner.planner import PlanRequest, plan_search
    from sar_planner.probability import grid_segments, map_on_terrain, segment_table
    from sar_planner.terrain import grid_around

    grid = grid_around(38.30, 75.05, 6000.0, 100.0)  # the probability page's grid for these inputs
    sortie = np.zeros(grid.shape)
    sortie[: grid.shape[0] // 2] = 0.5  # an unsuccessful sortie over the northern half, POD 50 %
    at = _build_poa(_signed_in_app(), _pod_tif(grid, sortie))

    at.switch_page("sar_planner/ui/pages/plan.py").run()
    assert not at.exception, at.exception
    # the segment source is offered first, the top-ranked segment selected
    assert at.radio(key="plan_area_source").value == "segment"
    top = at.selectbox(key="plan_segment").value
    assert at.selectbox(key="plan_terrain").value == PAMIR
    at.selectbox(key="plan_asset").set_value("mavic3t")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.number_input(key="plan_agl").set_value(70.0)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    assert not [e for e in at.error if e.icon == ":material/block:"], [e.value for e in at.error]
    shown = float(next(m for m in at.metric if m.label.startswith("POS against the current")).value.rstrip(" %"))

    # --- the same numbers from the core, independently of the pages ------------------------------
    mm = map_on_terrain([str(PAMIR_TIF)], 38.30, 75.05, 6000.0, 100.0, subject="hiker",
                        terrain_class="dry-mountainous")
    assert mm.grid.shape == grid.shape
    # Bayes after an unsuccessful sortie (search-theory.md): POA' = POA (1 - POD) / (1 - POS)
    p0 = mm.poa.poa
    current = p0 * (1 - sortie) / (1 - float((p0 * sortie).sum()))
    cur_map = ProbabilityMap(grid, current, mm.poa.row / (1 - float((p0 * sortie).sum())))
    segs = grid_segments(grid, 1000.0)
    table = segment_table(segs, cur_map)
    best = min(table.rows, key=lambda r: r.rank)
    assert best.name == top
    seg = next(s for s in segs if s.name == top)
    # the segment's polygon is the plan's area, in the same metric CRS
    assert at.session_state["plan_request"].crs == grid.crs.to_string()
    plan_xy = Polygon(at.session_state["plan_request"].area)  # (lon, lat); compared in metres below
    assert len(plan_xy.exterior.coords) == len(seg.geometry.exterior.coords)
    req = PlanRequest(asset_id="mavic3t", pattern="parallel",
                      area=segment_ring_wgs84(seg.geometry, grid.crs), agl_m=70.0,
                      crs=grid.crs.to_string(), name=f"parallel-mavic3t-{top}")
    result = plan_search(req, sources=[str(PAMIR_TIF)])
    assert Polygon(result.area_xy).symmetric_difference(seg.geometry).area < 1e-3  # m^2
    pod = pod_from_coverage(plan_coverage(result.plan, grid, terrain=result.terrain))
    expected = 100.0 * float((current * pod).sum())  # POS = sum POA x POD, in %
    assert expected > 0.5  # the top segment holds real probability: the comparison means something
    assert shown == pytest.approx(expected, abs=0.006)
    # with the initial map (no sortie) the figure would differ: the hand-over is the current map
    assert abs(100.0 * float((p0 * pod).sum()) - expected) > 0.01
    # the current map is there, so no upload is asked for (uploading is the fallback)
    assert not [u for u in at.get("file_uploader") if "plan_poa" in u.proto.id]
    # what to fly next ranks the probability page's own segments
    ranking = at.dataframe[-1].value
    assert set(ranking["Segment"]) <= {s.name for s in segs}


def test_plan_page_refuses_the_segment_source_without_a_map_in_chinese():
    at = _signed_in_app("zh")
    at.switch_page("sar_planner/ui/pages/plan.py").run()
    assert not at.exception
    assert at.radio(key="plan_area_source").value == "typed"  # nothing to hand over yet
    at.radio(key="plan_area_source").set_value("segment")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("概率页面" in e.value for e in at.error)


# --- the hand-over module itself -------------------------------------------------------------


def _tiny_map():
    from sar_planner.grid import Grid

    grid = Grid.from_bounds("EPSG:32646", 500000, 4000000, 501000, 4001000, 100.0)
    return ProbabilityMap(grid, np.full(grid.shape, 0.009), 0.1)


def test_handover_is_for_its_mission_only():
    state: dict = {}
    m = _tiny_map()
    publish(state, terrain_id="t", mission=_mission(), model="rings", current=m,
            segments=[("B", box(500000, 4000000, 500500, 4000500), 2, 0.2),
                      ("A", box(500500, 4000000, 501000, 4000500), 1, 0.3)])
    got = current_handover(state, _mission())
    assert got is not None and [s.name for s in got.segments] == ["A", "B"]  # best rank first
    assert got.segment("B").rank == 2
    with pytest.raises(PlanningError):
        got.segment("Z")
    # another IPP, or no mission: the map is not offered
    assert current_handover(state, _mission(lat=38.31)) is None
    assert current_handover(state, None) is None
    assert mission_fingerprint(None) == ()
    assert HANDOVER_KEY in state


def test_segment_ring_round_trips_through_wgs84_to_the_same_metres():
    from sar_planner.planner import area_to_local

    crs = utm_crs(36.4, 94.9)  # UTM 46N, Golmud (scenarios.md)
    # 36.4 N 94.9 E is near (670,400 E, 4,030,000 N) in UTM 46N
    poly = Polygon([(670400, 4030000), (671900, 4030000), (671900, 4031200), (670400, 4031200)])
    ring = segment_ring_wgs84(poly, crs)
    lon, lat = ring[0]
    assert 94.88 < lon < 94.91 and 36.39 < lat < 36.42
    back = area_to_local(ring, crs)
    assert back.symmetric_difference(poly).area < 1e-4  # m^2: well below a millimetre strip
    two = MultiPolygon([poly, Polygon([(690000, 4030000), (690100, 4030000), (690100, 4030100)])])
    with pytest.raises(PlanningError) as err:
        segment_ring_wgs84(two, crs)
    assert err.value.code == "planning.err_segment_pieces"


def test_a_segment_on_other_terrain_than_the_map_is_refused():
    at = _build_poa(_signed_in_app())
    at.switch_page("sar_planner/ui/pages/plan.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="plan_terrain").set_value("kunlun-demo-30m").run()
    assert at.radio(key="plan_area_source").value == "segment"
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    # the plan and the POA map must stand on the same ground: the crew is told which to choose
    assert any("was built on the terrain" in e.value and "Pamir" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert "plan_request" not in at.session_state
