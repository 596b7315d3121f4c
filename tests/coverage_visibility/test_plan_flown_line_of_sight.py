"""The plan's POD and the flown-vs-planned comparison see ridges: hand-checked line of sight.

Same synthetic ground as tests/coverage_visibility/test_replay_masking.py: a 10 m grid in UTM zone 46N (EPSG:32646)
near Golmud, low ground at 3,000 m and a plateau at 3,100 m east of x = 500 m (a vertical wall).
A searching leg north-south at x = 480 m with W = 100 m sweeps x 430..530 m, columns 43..52,
fully: coverage C = 1 there (swath area / cell area), POD = 1 - exp(-1) (Koopman 1946;
search-theory.md). Line of sight is plain geometry: an aircraft 30 m above the low ground 20 m
west of a 100 m wall is below the crest, so no sight line reaches the plateau top behind it.

Sight lines to the cells next to the wall, sampled every half terrain cell (5 m) from the target
(bilinear DEM, hidden when the ground is more than 0.5 m above the line), aircraft at x = 480 m,
3,030 m:
- column 50 (centre x = 505 m, the crest cell, 3,100 m): at x = 500 m the ground is 3,050 m, the
  line 3,100 - 5/25 x 70 = 3,086 m: seen;
- column 51 (x = 515 m): at x = 510 m the ground is 3,100 m, the line 3,100 - 5/35 x 70 = 3,090 m:
  hidden; column 52 likewise.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS

from sar_planner.coverage import (plan_coverage, plan_runs, pod_from_coverage, swath_coverage,
                                  track_coverage)
from sar_planner.formats.tracks import FlownTrack, TrackPoint
from sar_planner.geo import from_local, to_local
from sar_planner.grid import Grid
from sar_planner.flown_coverage import compare_flown
from sar_planner.flown_plan import FlownPlan
from sar_planner.plan import Sortie, SortiePlan, Waypoint
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.terrain import Terrain
from sar_planner.visibility import mask_hidden, sensor_heights

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 1000.0, S0 + 200.0, 10.0)  # 20 rows x 100 cols
ONE_PASS = 1.0 - math.exp(-1.0)
X = GRID.x_centres() - W0


def _step_terrain() -> Terrain:
    dem = np.where(X > 500.0, 3100.0, 3000.0)[None, :].repeat(GRID.shape[0], axis=0)
    return Terrain(GRID, dem, (), 0, False)


def _wp(x: float, y: float, alt: float, role: str) -> Waypoint:
    lat, lon = from_local(np.array([W0 + x]), np.array([S0 + y]), UTM46)
    return Waypoint(float(lat[0]), float(lon[0]), alt, alt - 3000.0, 10.0, role)


def _plan(x: float, alt: float, width: float = 100.0) -> SortiePlan:
    """One searching leg north-south at x metres east of the grid's west edge, from 100 m south
    of the grid to 100 m north of it, at ``alt`` metres above sea level."""
    home = _wp(x, -300.0, 3000.0, "takeoff")
    wps = (home, _wp(x, -100.0, alt, "search"), _wp(x, 300.0, alt, "turn"),
           _wp(x, -300.0, 3000.0, "land"))
    sortie = Sortie(1, wps, 1200.0, 120.0, 400.0)
    return SortiePlan(name="wall", asset_id="m350-h20t", pattern="parallel",
                      crs="EPSG:32646", home=home, sorties=(sortie,), area_wgs84=None,
                      spacing_m=width, sweep_width_m=width, agl_m=alt - 3000.0,
                      min_clearance_m=30.0)


def test_a_planned_leg_at_the_foot_of_a_wall_does_not_count_the_plateau_behind_the_crest():
    pod = pod_from_coverage(plan_coverage(_plan(480.0, 3030.0), GRID, terrain=_step_terrain()))
    assert pod[:, 43:51] == pytest.approx(ONE_PASS, abs=1e-6)  # low ground and the crest cell
    assert np.all(pod[:, 51:53] == 0.0)                        # the plateau behind the crest
    assert np.all(pod[:, :43] == 0.0) and np.all(pod[:, 53:] == 0.0)
    # steep faces alone (the old rule) saw the plateau: the wall's faces turn towards the leg
    runs = plan_runs(_plan(480.0, 3030.0), UTM46)
    flat = swath_coverage(GRID, [r[:, :2] for r in runs], 100.0)
    old = mask_hidden(flat, GRID, _step_terrain(), runs, line_of_sight=False)
    assert pod_from_coverage(old)[:, 43:53] == pytest.approx(ONE_PASS, abs=1e-6)


def test_the_same_leg_planned_above_the_plateau_counts_all_of_it():
    pod = pod_from_coverage(plan_coverage(_plan(480.0, 3150.0), GRID, terrain=_step_terrain()))
    assert pod[:, 43:53] == pytest.approx(ONE_PASS, abs=1e-6)


def test_without_terrain_the_plan_gets_the_plain_swath():
    pod = pod_from_coverage(plan_coverage(_plan(480.0, 3030.0), GRID))
    assert pod[:, 43:53] == pytest.approx(ONE_PASS, abs=1e-6)
    assert pod.sum() == pytest.approx(10 * 20 * ONE_PASS, rel=1e-6)


def _lawnmower_over_a_plane(slope_deg: float, aspect_deg: float, agl: float, spacing: float
                            ) -> tuple[SortiePlan, Terrain]:
    """A plane through 3,000 m at the grid's centre, rising ``slope_deg`` towards the bearing
    ``aspect_deg`` + 180 (facing ``aspect_deg``), and a lawn-mower over it flown ``agl`` m above
    it: legs west-east ``spacing`` apart, their ends at the plane + agl (on a plane a straight leg
    between two points agl above it stays agl above it all along: that is terrain following)."""
    xs, ys = np.meshgrid(GRID.x_centres() - W0 - 500.0, GRID.y_centres() - S0 - 100.0)
    t = math.tan(math.radians(slope_deg))
    a = math.radians(aspect_deg)
    # height falls towards the aspect: z = 3000 - t (x sin a + y cos a)
    dem = 3000.0 - t * (xs * math.sin(a) + ys * math.cos(a))

    def z(x: float, y: float) -> float:
        return 3000.0 - t * ((x - 500.0) * math.sin(a) + (y - 100.0) * math.cos(a)) + agl

    wps = [_wp(-50.0, -50.0, z(-50.0, -50.0), "takeoff")]
    y = spacing / 2.0
    k = 0
    while y < 200.0:
        xa, xb = (50.0, 950.0) if k % 2 == 0 else (950.0, 50.0)
        wps += [_wp(xa, y, z(xa, y), "search"), _wp(xb, y, z(xb, y), "turn")]
        y += spacing
        k += 1
    wps.append(_wp(-50.0, -50.0, z(-50.0, -50.0), "land"))
    sortie = Sortie(1, tuple(wps), 5000.0, 500.0, 900.0 * k)
    plan = SortiePlan(name="plane", asset_id="m350-h20t", pattern="parallel", crs="EPSG:32646",
                      home=wps[0], sorties=(sortie,), area_wgs84=None, spacing_m=spacing,
                      sweep_width_m=spacing, agl_m=agl, min_clearance_m=agl)
    return plan, Terrain(GRID, dem, (), 0, False)


@settings(max_examples=12, deadline=None)
@given(slope=st.floats(0.0, 25.0), aspect=st.floats(0.0, 360.0), agl=st.floats(30.0, 150.0),
       spacing=st.sampled_from([20.0, 40.0, 60.0]))
def test_a_terrain_following_plan_over_open_ground_gets_the_same_pod_as_before(
        slope, aspect, agl, spacing):
    # Open ground: a plane of at most 25 degrees (under the 30 degree steep-face limit). A straight
    # sight line between two points on or above a plane never meets it (the half-space above a
    # plane is convex) and bilinear interpolation reproduces a plane exactly, so line of sight
    # hides nothing: the POD is the one before line of sight came in, to 1e-9.
    plan, terrain = _lawnmower_over_a_plane(slope, aspect, agl, spacing)
    new = pod_from_coverage(plan_coverage(plan, GRID, terrain=terrain))
    runs = plan_runs(plan, UTM46)
    flat = swath_coverage(GRID, [r[:, :2] for r in runs], plan.sweep_width_m)
    before = pod_from_coverage(mask_hidden(flat, GRID, terrain, runs, line_of_sight=False))
    assert np.abs(new - before).max() <= 1e-9
    assert np.abs(new - pod_from_coverage(plan_coverage(plan, GRID))).max() <= 1e-9
    assert new.max() > 0.5


# ------------------------------------------------------------------ flown against planned


def _ll(x: float, y: float) -> tuple[float, float]:
    lat, lon = from_local(np.array([W0 + x]), np.array([S0 + y]), UTM46)
    return float(lat[0]), float(lon[0])


def _segment_plan(alt: float) -> FlownPlan:
    """The plan flown: the leg at x = 480 m at ``alt`` m AMSL, and its segment, x 430..530 m,
    y 10..190 m (exactly the swath's width, inside the terrain: planned C = 1 all over it)."""
    run = tuple((lon, lat, alt) for lat, lon in (_ll(480.0, -100.0), _ll(480.0, 300.0)))
    ring = [(430.0, 10.0), (530.0, 10.0), (530.0, 190.0), (430.0, 190.0), (430.0, 10.0)]
    area = tuple((lon, lat) for lat, lon in (_ll(x, y) for x, y in ring))
    return FlownPlan(name="wall", runs=(run,), area=area, sweep_width_m=100.0)


def _flown(alt: float | None, missing: tuple[int, ...] = ()) -> FlownTrack:
    """The leg flown at x = 480 m, a fix every 20 m from y = -100 to 300 m (21 fixes)."""
    pts = []
    for i, y in enumerate(np.arange(-100.0, 300.1, 20.0)):
        lat, lon = _ll(480.0, float(y))
        pts.append(TrackPoint(None, lat, lon, None if alt is None or i in missing else alt))
    return FlownTrack("wall.gpx", "gpx", tuple(pts))


def test_a_flown_leg_at_the_foot_of_a_wall_does_not_count_the_plateau_behind_the_crest():
    # region = 10 columns (x 430..530 m); the log at 3,030 m sees columns 43..50 (8), not 51, 52:
    # achieved = 8/10 x (1 - 1/e) = 0.5057. The plan above the plateau (3,150 m) sees all ten.
    report = compare_flown(_segment_plan(3150.0), _flown(3030.0), terrain=_step_terrain(),
                           cell_m=10.0)
    assert report.planned_pod == pytest.approx(ONE_PASS, abs=1e-6)
    assert report.achieved_pod == pytest.approx(0.8 * ONE_PASS, abs=1e-6)
    assert report.plan_masking == "tracks3d.plan_masked"
    assert report.flown_masking == "tracks3d.flown_masked"
    # 0.8 of the 100 m x 180 m segment searched; the whole swath is counted on the terrain
    # (y 0..200 m), where 20 m of its 100 m width lies hidden on the plateau
    assert report.area_covered_in_region_m2 == pytest.approx(0.8 * 100.0 * 180.0, rel=1e-6)
    assert report.area_covered_m2 == pytest.approx(0.8 * 100.0 * 200.0, rel=1e-6)


def test_a_planned_leg_at_the_foot_of_the_wall_gets_the_same_lower_planned_pod():
    report = compare_flown(_segment_plan(3030.0), _flown(3030.0), terrain=_step_terrain(),
                           cell_m=10.0)
    assert report.planned_pod == pytest.approx(0.8 * ONE_PASS, abs=1e-6)
    assert report.achieved_pod == pytest.approx(report.planned_pod, abs=1e-9)


def test_a_log_without_heights_is_masked_as_before_and_the_report_says_so():
    # no heights: 100 m above the ground under it (3,100 m at x = 480 m), steep faces only; the
    # wall's faces turn west, towards the aircraft: nothing is masked, ridges are not checked
    report = compare_flown(_segment_plan(3150.0), _flown(None), terrain=_step_terrain(),
                           cell_m=10.0)
    assert report.flown_masking == "tracks3d.flown_no_heights"
    assert report.achieved_pod == pytest.approx(ONE_PASS, abs=1e-6)
    assert report.summary()["flown_masking"] == "tracks3d.flown_no_heights"


def test_some_fixes_without_a_height_are_filled_in_between_their_neighbours():
    report = compare_flown(_segment_plan(3150.0), _flown(3030.0, missing=(3, 4, 10)),
                           terrain=_step_terrain(), cell_m=10.0)
    assert report.flown_masking == "tracks3d.flown_masked_partial"
    assert report.flown_masking_params == {"missing": 3, "total": 21}
    assert report.achieved_pod == pytest.approx(0.8 * ONE_PASS, abs=1e-6)


def test_without_terrain_nothing_is_masked_and_both_pods_say_so():
    report = compare_flown(_segment_plan(3030.0), _flown(3030.0), cell_m=10.0)
    assert report.plan_masking == report.flown_masking == "tracks3d.not_masked_no_terrain"
    assert report.achieved_pod == pytest.approx(ONE_PASS, abs=1e-6)


def test_track_coverage_with_heights_sees_the_wall_and_without_them_does_not():
    pts = _flown(3030.0).points
    lat = np.array([p.lat for p in pts])
    lon = np.array([p.lon for p in pts])
    with_h = track_coverage(lat, lon, np.full(len(pts), 3030.0), GRID, 100.0, _step_terrain())
    assert np.all(with_h[:, 51:53] == 0.0) and with_h[:, 43:51] == pytest.approx(1.0, abs=1e-6)
    without = track_coverage(lat, lon, None, GRID, 100.0, _step_terrain())
    assert without[:, 43:53] == pytest.approx(1.0, abs=1e-6)
    # heights above take-off (30 m over ground at 3,000 m) are not sea-level heights: not used
    agl = track_coverage(lat, lon, np.full(len(pts), 30.0), GRID, 100.0, _step_terrain())
    assert np.array_equal(agl, without)


def test_the_masking_rule_is_the_replays():
    from sar_planner import coverage
    from sar_planner.probability import logged

    assert coverage.BELOW_GROUND_MARGIN_M == logged.BELOW_GROUND_MARGIN_M
    assert coverage.BELOW_GROUND_SHARE == logged.BELOW_GROUND_SHARE



_REPLAY_KEY = {"heights": "replay.masked", "partial": "replay.masked_partial",
               "none": "replay.not_masked_no_heights", "bad": "replay.not_masked_bad_heights"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(2880.0, 3200.0)), min_size=11, max_size=11))
def test_the_logbook_check_and_the_replay_judge_a_tracks_heights_alike(heights):
    # the same 11 fixes (x = 480 m, y = -100..300 m, 5 of them over the terrain) judged by
    # sensor_heights (the logbook's check) and by the mission replay (probability.logged):
    # same verdict, same counts, so a sortie is never masked in one and not in the other
    ys = np.linspace(-100.0, 300.0, 11)
    coords = []
    for y, h in zip(ys, heights, strict=True):
        lat, lon = _ll(480.0, float(y))
        coords.append([lon, lat] if h is None else [lon, lat, h])
    plan = FlownPlan(name="S1", runs=(((94.9, 36.1, math.nan), (94.91, 36.1, math.nan)),),
                     sweep_width_m=100.0).to_json()
    sortie = FlownSortie(1, dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
                         {"type": "LineString", "coordinates": coords}, plan)
    replay = sortie_pod(sortie, GRID, elevation=_step_terrain().elevation)
    x, y = to_local(np.array([c[1] for c in coords]), np.array([c[0] for c in coords]), UTM46)
    alt = np.array([math.nan if h is None else h for h in heights])
    mine = sensor_heights(np.asarray(x), np.asarray(y), alt, _step_terrain())
    assert replay.masking == _REPLAY_KEY[mine.status]
    if mine.status == "partial":
        assert replay.masking_params == {"missing": mine.missing, "total": mine.total}
    if mine.status == "bad":
        assert replay.masking_params["below"] == mine.below
        assert replay.masking_params["total"] == mine.over
