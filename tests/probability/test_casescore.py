"""MapScore of the models on closed cases (sar_planner.probability.casescore), on a flat synthetic
DEM written with rasterio in tmp_path.

MapScore as defined by Sava, Twardy, Koester & Sonwalkar, Transactions in GIS 20(1) 2016
(search-theory.md): r = share of cells whose probability is >= that of the find cell,
score = (0.5 - r) / 0.5.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point

from sar_planner.geo import local_metric_crs, to_local
from sar_planner.logbook.mission_inputs import check_mission_inputs
from sar_planner.probability import mapscore_cell
from sar_planner.probability.casescore import (Case, CaseScore, NotScored, choose_terrain,
                                               model_inputs, results_json, score_case,
                                               score_cases, summarize)
from sar_planner.probability.mission import default_grid, map_on_terrain
from sar_planner.probability.mission_features import new_feature
from sar_planner.terrain.library import TerrainEntry

LAT, LON = 36.40, 94.90  # Golmud (scenarios.md), UTM zone 46N
GEOD = Geod(ellps="WGS84")
CLOSED = dt.datetime(2025, 7, 2, 4, 0, tzinfo=dt.UTC)


def _dem(path, west=94.7, north=36.6, res=0.001, size=400):
    """A flat 2,800 m DEM, 0.4 x 0.4 degrees around the IPP (EPSG:4326)."""
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(west, north, res, res)) as dst:
        dst.write(np.full((size, size), 2800.0, dtype="float32"), 1)
    return str(path)


def _entry(path, entry_id="flat"):
    return TerrainEntry(entry_id, "Flat test DEM", "平坦测试地形", (path,), False, True, "test",
                        None)


@pytest.fixture
def flat(tmp_path):
    return [_entry(_dem(tmp_path / "flat.tif"))]


def _stored(**over):
    base = {"ipp_text": f"{LAT}, {LON}", "subject": "hiker", "quartiles_km": [1, 2, 3, 4],
            "terrain_class": "dry-flat", "terrain_id": "flat"}
    base.update(over)
    return check_mission_inputs(base)


def _case(find_lat, find_lon, inputs=..., incident="QH-GEM-2025-031"):
    stored = _stored() if inputs is ... else inputs
    return Case(incident, CLOSED, "found_alive", stored, LAT, LON, find_lat, find_lon)


def _east(km):
    lon, lat, _ = GEOD.fwd(LON, LAT, 90.0, km * 1000.0)
    return lat, lon


def test_default_grid_follows_the_probability_page_rule():
    # d95 4 km: ceil(1.25 x 4) = 5 km; cell max(30, ceil(2 x 5)) = 30 m
    assert default_grid(4000.0) == (5000.0, 30.0)
    # the terrain reaches only 3.7 km: floor(3.7) = 3 km
    assert default_grid(4000.0, reach_km=3.7) == (3000.0, 30.0)
    # d95 80 km: 100 km half-width, 200 m cells -> 1,000 cells across
    assert default_grid(80000.0) == (100000.0, 200.0)


@pytest.mark.parametrize("model", ["rings", "terrain"])
def test_find_at_the_ipp_scores_as_mapscore_cell_with_the_top_ties(flat, model):
    res = score_case(_case(LAT, LON), flat, (model,))
    assert res.not_scored == {}
    # rebuild the same map (same core function, the default grid) to count the top cells by hand
    mm = map_on_terrain(flat[0].paths, LAT, LON, 5000.0, 30.0, model=model, subject="hiker",
                        terrain_class="dry-flat", quartiles_m=(1000.0, 2000.0, 3000.0, 4000.0))
    assert res.grid.shape == mm.grid.shape and res.grid.transform == mm.grid.transform
    poa = mm.poa.poa
    r, c = (int(v) for v in mm.grid.rowcol(*to_local(LAT, LON, mm.grid.crs)))
    assert poa[r, c] == poa.max()  # flat ground, one IPP: the IPP's cell is the peak
    k = int(np.count_nonzero(poa >= poa.max()))
    expected = (0.5 - k / poa.size) / 0.5
    assert res.scores[model] == pytest.approx(expected, abs=1e-12)
    assert res.scores[model] == pytest.approx(mapscore_cell(poa, r, c), abs=1e-12)
    assert res.scores[model] > 0.99
    assert res.find_distance_m == pytest.approx(0.0, abs=1e-6)
    assert (res.subject, res.terrain_class, res.terrain_id) == ("hiker", "dry-flat", "flat")


def test_find_just_beyond_the_95_percent_ring_scores_below_zero(flat):
    lat, lon = _east(4.2)  # 1.05 x d95 (4 km)
    res = score_case(_case(lat, lon), flat, ("rings",))
    assert res.find_distance_m == pytest.approx(4200.0, abs=0.01)
    # every cell nearer the IPP than 4.2 km is more likely: r ~ pi 4.2^2 / grid area
    side_km = res.grid.shape[0] * res.grid.cell_size / 1000.0  # ~10 km
    r = math.pi * 4.2 ** 2 / side_km ** 2  # ~0.55
    assert res.scores["rings"] < 0
    assert res.scores["rings"] == pytest.approx((0.5 - r) / 0.5, abs=0.03)  # ~ -0.10


def test_find_outside_the_grid_is_not_scored_and_says_why(flat):
    lat, lon = _east(8.0)  # the map reaches 5 km
    res = score_case(_case(lat, lon), flat, ("rings", "terrain"))
    assert res.scores == {}
    for m in ("rings", "terrain"):
        why = res.not_scored[m]
        assert why.reason == "find_outside" and why.key == "casescore.reason_find_outside"
        assert "8.0 km" in why.message("en") and "rest of world" in why.message("en")
        assert "8.0 公里" in why.message("zh")


def test_case_without_inputs_is_not_scored_and_says_why(flat):
    res = score_case(_case(LAT, LON + 0.01, inputs=None), flat)
    assert res.scores == {} and set(res.not_scored) == {"rings", "terrain"}
    assert res.not_scored["rings"].reason == "no_inputs"
    assert "No planning inputs" in res.not_scored["rings"].message("en")
    # 0.01 degree of longitude at 36.4 N is about 896 m (111.32 km x cos 36.4 deg)
    assert res.find_distance_m == pytest.approx(896, rel=0.01)


def test_ipp_without_terrain_in_the_library_is_not_scored(flat):
    stored = _stored(ipp_text="38.0, 90.0", terrain_id=None)
    res = score_case(Case("X", CLOSED, "found_alive", stored, 38.0, 90.0, 38.0, 90.01), flat)
    assert res.not_scored["rings"].reason == "no_terrain"
    assert "38.00000" in res.not_scored["rings"].message("en")


def test_the_grid_does_not_depend_on_the_find_location(flat):
    grids = [score_case(_case(*where), flat, ("rings",)).grid
             for where in ((LAT, LON), _east(2.0), _east(4.5), _east(30.0))]
    for g in grids[1:]:
        assert g.shape == grids[0].shape and g.transform == grids[0].transform
        assert g.crs == grids[0].crs


def test_fixed_radius_and_cell_are_used(flat):
    res = score_case(_case(*_east(6.0)), flat, ("rings",), radius_m=8000.0, cell_m=100.0)
    assert res.grid.cell_size == 100.0 and res.grid.shape == (161, 161)  # 2 x 8 km / 100 m + 1
    assert "rings" in res.scores


def test_stored_terrain_is_preferred_then_the_first_holding(tmp_path):
    far = _entry(_dem(tmp_path / "far.tif", west=90.0, north=38.0), "far")
    near = _entry(_dem(tmp_path / "near.tif"), "near")
    other = _entry(_dem(tmp_path / "other.tif"), "other")
    assert choose_terrain([far, near, other], "other", LAT, LON).id == "other"
    assert choose_terrain([far, near, other], "gone", LAT, LON).id == "near"
    assert choose_terrain([far], None, LAT, LON) is None


def test_model_inputs_use_the_crews_quartiles_uncertainty_and_features():
    barrier = new_feature("barrier", "salt lake shore",
                          LineString([(94.91, 36.35), (94.91, 36.45)])).to_dict()
    track = new_feature("track", "G315", LineString([(94.85, 36.41), (94.95, 36.41)])).to_dict()
    stored = _stored(uncertainty_m=500.0, uncertainty_kind="disc", features=[barrier, track])
    mi = model_inputs(stored, local_metric_crs(LAT, LON))
    assert mi["quartiles_m"] == (1000.0, 2000.0, 3000.0, 4000.0)
    assert (mi["uncertainty_m"], mi["uncertainty_kind"]) == (500.0, "disc")
    opts = mi["terrain_options"]
    assert len(opts.barriers) == 1 and len(opts.tracks) == 1
    # the barrier is 0.01 degree east of the IPP: about 896 m (111.32 km x cos 36.4 deg x 0.01)
    # in UTM metres (measured square to the line: the meridian is tilted ~1.1 deg in the grid)
    x0, y0 = to_local(LAT, LON, local_metric_crs(LAT, LON))
    assert opts.barriers[0].distance(Point(x0, y0)) == pytest.approx(896, rel=0.01)
    assert model_inputs(_stored(quartiles_km=None), local_metric_crs(LAT, LON))["quartiles_m"] is None


def test_a_barrier_between_ipp_and_find_lowers_the_walking_effort_score(flat):
    # a wall across the whole map 1 km east of the IPP: the terrain model cannot reach the find
    # 2 km east, the ring model ignores barriers
    wall = new_feature("barrier", "wall", LineString([(LON + 0.0112, 36.30),
                                                       (LON + 0.0112, 36.50)])).to_dict()
    find = _east(2.0)
    free = score_case(_case(*find), flat)
    walled = score_case(_case(*find, inputs=_stored(features=[wall])), flat)
    assert walled.scores["rings"] == pytest.approx(free.scores["rings"], abs=1e-12)
    assert walled.scores["terrain"] < free.scores["terrain"]


def test_summary_mean_median_and_share_by_hand():
    def res(i, score):
        c = Case(f"C{i}", CLOSED, "found_alive", None, LAT, LON, LAT, LON)
        return CaseScore(c, {"rings": score}, {"terrain": NotScored(
            "no_inputs", "casescore.reason_no_inputs")}, 0.0, None, None)

    results = [res(1, 0.9), res(2, 0.5), res(3, -0.2)]
    s = summarize(results)
    # mean (0.9 + 0.5 - 0.2) / 3 = 0.4; median 0.5; 2 of 3 above zero
    assert s["rings"].scored == 3 and s["rings"].mean == pytest.approx(0.4)
    assert s["rings"].median == pytest.approx(0.5)
    assert s["rings"].share_above_zero == pytest.approx(2 / 3)
    assert s["terrain"].scored == 0 and s["terrain"].mean is None
    assert s["terrain"].not_scored == {"no_inputs": 3}
    out = results_json(results)
    assert out["summary"]["rings"]["mean"] == pytest.approx(0.4)
    assert out["cases"][2]["scores"] == {"rings": -0.2, "terrain": None}
    # published means (Sava et al. 2016), labelled as such
    assert out["published_mean_mapscore"]["distance_rings"] == 0.78
    assert "not this unit" in out["published_mean_mapscore"]["source"]


def test_score_cases_scores_each_case(flat):
    results = score_cases([_case(LAT, LON), _case(*_east(8.0), incident="B")], flat, ("rings",))
    assert [r.case.incident_number for r in results] == ["QH-GEM-2025-031", "B"]
    assert results[0].scores["rings"] > 0.99 and results[1].not_scored["rings"].reason == "find_outside"


def test_unknown_model_is_refused(flat):
    from sar_planner.errors import ProbabilityError

    with pytest.raises(ProbabilityError) as e:
        score_case(_case(LAT, LON), flat, ("watershed",))
    assert "watershed" in e.value.message("en")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bearing=st.floats(0.0, 360.0), km=st.floats(0.0, 12.0))
def test_any_find_leaves_the_grid_alone_and_scores_within_minus_one_to_one(flat, bearing, km):
    lon, lat, _ = GEOD.fwd(LON, LAT, bearing, km * 1000.0)
    res = score_case(_case(lat, lon), flat, ("rings",), radius_m=5000.0, cell_m=100.0)
    # the grid follows the IPP and the fixed size only: 2 x 5 km / 100 m + 1 cells
    assert res.grid.shape == (101, 101)
    x0, y0 = to_local(LAT, LON, res.grid.crs)
    assert res.grid.contains(x0, y0)
    assert res.find_distance_m == pytest.approx(km * 1000.0, abs=1e-3)
    if "rings" in res.scores:
        assert -1.0 <= res.scores["rings"] <= 1.0
    else:  # only a find beyond the map's edge is left unscored; the edge is >= 5 km away
        assert res.not_scored["rings"].reason == "find_outside" and km > 5.0
