"""Review tests of line of sight, terrain masking and a track's sensor heights.

Everything here is plain geometry (a straight sight line from the sensor to the ground at a
cell's centre, hidden where the bilinear terrain rises above it by more than the clearance),
checked by hand on a one-cell wall, and by properties over random terrain: raising a sensor
raises every sight line from a fixed ground point, so nothing seen from below is hidden from
above; masking only removes coverage.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS

from sar_planner.coverage import swath_coverage
from sar_planner.visibility import line_of_sight_mask, mask_hidden, sensor_heights, terrain_mask
from sar_planner.grid import Grid
from sar_planner.terrain import Terrain

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 400.0, S0 + 400.0, 10.0)  # 40 x 40 cells
_SET = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _terrain(seed: int, relief: float, grid: Grid = GRID) -> Terrain:
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(grid.x_centres() - W0, grid.y_centres() - S0)
    z = np.full(grid.shape, 3000.0)
    for _ in range(5):
        cx, cy, r = rng.uniform(0, 400), rng.uniform(0, 400), rng.uniform(10, 120)
        z += rng.uniform(-relief, relief) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r))
    return Terrain(grid, z, (), 0, False)


def _sensors(seed: int, n: int, z: float) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    return np.column_stack([W0 + rng.uniform(-50, 450, n), S0 + rng.uniform(-50, 450, n),
                            z + rng.uniform(0, 50, n)])


@_SET
@given(seed=st.integers(0, 10_000), relief=st.floats(0.0, 400.0), n=st.integers(1, 12),
       base=st.floats(2900.0, 3500.0), climb=st.floats(0.1, 2000.0))
def test_a_higher_sensor_never_sees_less(seed, relief, n, base, climb):
    terrain = _terrain(seed, relief)
    low = _sensors(seed, n, base)
    high = low + np.array([0.0, 0.0, climb])
    seen_low = line_of_sight_mask(GRID, terrain, low) & terrain_mask(GRID, terrain, low)
    seen_high = line_of_sight_mask(GRID, terrain, high) & terrain_mask(GRID, terrain, high)
    assert not np.any(seen_low & ~seen_high)


@_SET
@given(seed=st.integers(0, 10_000), relief=st.floats(0.0, 400.0), n=st.integers(2, 12))
def test_the_order_of_the_sensor_positions_does_not_matter(seed, relief, n):
    terrain = _terrain(seed, relief)
    pts = _sensors(seed, n, 3100.0)
    perm = np.random.default_rng(seed).permutation(n)
    assert np.array_equal(line_of_sight_mask(GRID, terrain, pts),
                          line_of_sight_mask(GRID, terrain, pts[perm]))
    assert np.array_equal(terrain_mask(GRID, terrain, pts), terrain_mask(GRID, terrain, pts[perm]))


@_SET
@given(seed=st.integers(0, 10_000), relief=st.floats(0.0, 150.0), fx=st.floats(0, 1),
       fy=st.floats(0, 1))
def test_a_sensor_high_enough_above_the_terrain_sees_all_of_it(seed, relief, fx, fy):
    # along any sight line the ground can rise at most g (the bilinear terrain's steepest
    # gradient, <= sqrt(2) x the largest neighbour step / cell) from the target; a line that
    # climbs faster than g from every target can not meet it: H above the highest ground
    # with H / d_max > g, d_max the longest horizontal distance (the grid's diagonal + margin)
    terrain = _terrain(seed, relief)
    z = np.asarray(terrain.elevation)
    step = max(np.abs(np.diff(z, axis=0)).max(), np.abs(np.diff(z, axis=1)).max())
    g = np.sqrt(2.0) * step / GRID.cell_size
    d_max = np.hypot(400.0, 400.0)
    sensor = np.array([[W0 + fx * 400.0, S0 + fy * 400.0, z.max() + 1.1 * g * d_max + 1.0]])
    assert line_of_sight_mask(GRID, terrain, sensor).all()


def test_a_one_cell_wall_hides_exactly_the_cells_its_geometry_says():
    # flat ground at 3,000 m, one column (centre x = 505 m) 100 m higher; bilinear terrain is a
    # ridge peaked at x = 505 m. Sensor at x = 0, 200 m above the ground. A ground point at x is
    # hidden when 100 > 200 (x - 505) / x + 0.5 (the clearance), i.e. x < 101,000 / 100.5 =
    # 1,004.98 m. So the cells centred 515 .. 995 m are hidden (49), 1,005 m and beyond and
    # everything before the wall are seen.
    grid = Grid.from_bounds(UTM46, W0, S0, W0 + 1500.0, S0 + 30.0, 10.0)
    xc = grid.x_centres() - W0
    dem = np.where(np.abs(xc - 505.0) < 1.0, 3100.0, 3000.0)[None, :].repeat(3, axis=0)
    seen = line_of_sight_mask(grid, Terrain(grid, dem, (), 0, False),
                              np.array([[W0, S0 + 15.0, 3200.0]]))
    row = seen[1]
    hidden_x = xc[~row]
    assert hidden_x.min() == pytest.approx(515.0) and hidden_x.max() == pytest.approx(995.0)
    assert len(hidden_x) == 49


@_SET
@given(seed=st.integers(0, 10_000), relief=st.floats(0.0, 400.0), alt=st.floats(-100.0, 600.0),
       width=st.floats(5.0, 300.0), los=st.booleans())
def test_masking_never_adds_coverage(seed, relief, alt, width, los):
    terrain = _terrain(seed, relief)
    rng = np.random.default_rng(seed)
    run = np.column_stack([W0 + rng.uniform(0, 400, 5), S0 + rng.uniform(0, 400, 5),
                           np.full(5, 3000.0 + alt)])
    cov = swath_coverage(GRID, [run[:, :2]], width)
    masked = mask_hidden(cov, GRID, terrain, [run], line_of_sight=los)
    assert np.all((masked == 0) | (masked == cov))
    assert np.all(masked <= cov) and masked.sum() <= cov.sum()


# --- sensor heights ---------------------------------------------------------------------------

_FLAT = Terrain(GRID, np.full(GRID.shape, 3000.0), (), 0, False)
_XS = W0 + np.array([5.0, 105.0, 205.0, 305.0])
_YS = np.full(4, S0 + 200.0)


def test_heights_all_missing_or_on_one_fix_are_not_used():
    assert sensor_heights(_XS, _YS, np.full(4, np.nan), _FLAT).status == "none"
    one = sensor_heights(_XS, _YS, np.array([np.nan, 3100.0, np.nan, np.nan]), _FLAT)
    assert one.status == "none" and one.z is None and one.missing == 3
    single = sensor_heights(_XS[:1], _YS[:1], np.array([3100.0]), _FLAT)
    assert single.status == "none" and single.total == 1


def test_fixes_exactly_at_ground_level_are_used_as_they_are():
    got = sensor_heights(_XS, _YS, np.full(4, 3000.0), _FLAT)
    assert got.status == "heights" and got.below == 0
    np.testing.assert_array_equal(got.z, np.full(4, 3000.0))


def test_fixes_off_the_terrain_keep_their_heights_and_are_not_judged():
    xs = _XS.copy()
    xs[0] = W0 - 5000.0  # off the DEM
    got = sensor_heights(xs, _YS, np.array([10.0, 3100.0, 3100.0, 3100.0]), _FLAT)
    assert got.status == "heights" and got.over == 3 and got.z[0] == 10.0


@_SET
@given(seed=st.integers(0, 10_000), relief=st.floats(0.0, 300.0), n=st.integers(2, 30),
       width=st.floats(10.0, 200.0), missing=st.floats(0.0, 0.6))
def test_a_track_flown_the_other_way_round_searches_the_same_ground(seed, relief, n, width,
                                                                     missing):
    # coverage, line of sight and the filled-in heights depend on where the fixes are, not on
    # the direction they were flown in
    from sar_planner.coverage import track_coverage
    from sar_planner.geo import from_local

    terrain = _terrain(seed, relief)
    rng = np.random.default_rng(seed)
    x = W0 + rng.uniform(0, 400, n)
    y = S0 + rng.uniform(0, 400, n)
    alt = 3000.0 + rng.uniform(-20.0, 400.0, n)
    alt[rng.random(n) < missing] = np.nan
    lat, lon = from_local(x, y, UTM46)
    fwd = track_coverage(lat, lon, alt, GRID, width, terrain)
    back = track_coverage(lat[::-1], lon[::-1], alt[::-1], GRID, width, terrain)
    np.testing.assert_allclose(back, fwd, rtol=0, atol=1e-9)


# --- heights in feet --------------------------------------------------------------------------

_FT = 1.0 / 0.3048  # feet per metre (international foot, exactly 0.3048 m)


def test_heights_in_feet_are_not_used_for_masking():
    # 3,100 m above sea level logged in feet (10,171 ft) and read as metres: 7 km above the
    # 3,000 m ground, from where masking would hide nothing while saying "masked"
    got = sensor_heights(_XS, _YS, np.full(4, 3100.0 * _FT), _FLAT)
    assert got.status == "high" and got.z is None and got.above == 4 and got.over == 4
    # a real helicopter 1,500 m above the ground is fine; one high fix in ten is tolerated
    ok = sensor_heights(_XS, _YS, np.full(4, 4500.0), _FLAT)
    assert ok.status == "heights" and ok.above == 0
    xs = W0 + np.linspace(5.0, 395.0, 10)
    alt = np.full(10, 3100.0)
    alt[3] = 3100.0 * _FT
    assert sensor_heights(xs, np.full(10, S0 + 200.0), alt, _FLAT).status == "heights"
    alt[4] = 3100.0 * _FT  # two in ten: more than the 10 % share
    assert sensor_heights(xs, np.full(10, S0 + 200.0), alt, _FLAT).status == "high"


def test_a_replayed_track_in_feet_is_the_flat_swath_and_says_why():
    from tests.coverage_visibility.test_replay_masking import _sortie, _track, _wall, GRID as RGRID
    from sar_planner.i18n import t
    from sar_planner.probability.logged import sortie_pod

    flat = sortie_pod(_sortie(_track(485.0, None)), RGRID).pod
    got = sortie_pod(_sortie(_track(485.0, 3150.0 * _FT)), RGRID, elevation=_wall())
    assert got.masking == "review.not_masked_high_heights"
    assert np.array_equal(got.pod, flat)
    assert got.masking_params["above"] == got.masking_params["total"] > 0
    for lang in ("en", "zh"):
        assert "3000" in t(got.masking, lang, **got.masking_params)
        short = "review.short.not_masked_high_heights"
        assert t(short, lang) != short


def test_a_compared_flight_in_feet_says_its_heights_were_not_used():
    from tests.coverage_visibility.test_plan_flown_line_of_sight import (_flown, _segment_plan, _step_terrain,
                                                     ONE_PASS)
    from sar_planner.flown_coverage import compare_flown

    report = compare_flown(_segment_plan(3150.0), _flown(3030.0 * _FT), terrain=_step_terrain(),
                           cell_m=10.0)
    assert report.flown_masking == "review.flown_high_heights"
    assert report.flown_masking_params["limit"] == "3000"
    # as a log without heights: 100 m above the ground, steep faces only (they face the track)
    assert report.achieved_pod == pytest.approx(ONE_PASS, abs=1e-6)


def test_a_damaged_stored_track_is_a_clear_error_not_a_crash():
    from tests.coverage_visibility.test_replay_masking import _sortie, GRID as RGRID
    from sar_planner.errors import PlanningError
    from sar_planner.probability.logged import sortie_pod

    for coords in (5, None, [], [[94.9, 36.1]], "abc", [[94.9, 36.1], ["x", 36.1]], {"a": 1}):
        with pytest.raises(PlanningError) as err:
            sortie_pod(_sortie({"type": "LineString", "coordinates": coords}), RGRID)
        assert err.value.code == "planning.err_track_points"
