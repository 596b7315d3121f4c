"""Probability of area: ring model, terrain model, Bayes update, MapScore, consensus, segments.

Hand-checkable figures come from docs/references/search-theory.md (Koester 2008 quartiles,
the Bayes and cumulative-POD checks, MapScore's definition) unless a comment names another source.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, Polygon, box

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability import (
    IppUncertainty,
    ProbabilityMap,
    RadialDistribution,
    Region,
    Segment,
    TerrainOptions,
    bayes_update,
    consensus_map,
    cost_distance,
    cumulative_pod,
    grid_segments,
    mapscore,
    mapscore_cell,
    mattson,
    replay,
    ring_map,
    segment_table,
    terrain_map,
    tobler_kmh,
    travel_effort,
)
from sar_planner.subjects import Quartiles, quartiles_for

UTM46 = CRS.from_epsg(32646)  # Golmud area
X0, Y0 = 500_025.0, 4_000_025.0  # a cell centre of the grids below
HIKER = quartiles_for("hiker", "dry-mountainous")  # 1.6 / 3.2 / 6.4 / 19.2 km


def _grid(half=25_000.0, cell=50.0):
    return Grid.centered(UTM46, 500_000.0, 4_000_000.0, half, cell)


def _radius(grid, x=X0, y=Y0):
    xx, yy = np.meshgrid(grid.x_centres() - x, grid.y_centres() - y)
    return np.hypot(xx, yy)


@pytest.fixture(scope="module")
def hiker_rings():
    g = _grid()
    return ring_map(g, X0, Y0, RadialDistribution(HIKER))


# ---------------------------------------------------------------- radial distribution

def test_radial_cdf_passes_through_the_published_quartiles():
    d = RadialDistribution(HIKER)
    assert d.cdf(np.array([1600.0, 3200.0, 6400.0, 19200.0])) == pytest.approx(
        [0.25, 0.50, 0.75, 0.95], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.05, 50.0), min_size=4, max_size=4, unique=True))
def test_radial_cdf_is_monotone_with_tails_for_any_increasing_quartiles(km):
    try:
        q = Quartiles.from_km(sorted(km))
    except ProbabilityError:  # distances equal to 1e-9: refused, as they should be
        assume(False)
    d = RadialDistribution(q)
    r = np.geomspace(1.0, 1e6, 400)
    f = d.cdf(r)
    assert np.all(np.diff(f) >= 0)
    assert 0.0 <= f[0] < 0.25 and 0.95 < f[-1] <= 1.0
    assert np.all(d.pdf(r) >= 0)


def test_elapsed_time_cap_truncates_and_renormalises():
    # 1 h at 1.5 km/h: nobody beyond 1,500 m; half of the mass inside 1.5 km is inside F^-1(F(1.5)/2)
    d = RadialDistribution(HIKER, cap_m=1500.0)
    assert float(d.cdf(1500.0)) == 1.0
    assert float(d.cdf(1499.0)) < 1.0
    raw = RadialDistribution(HIKER)
    assert float(d.cdf(800.0)) == pytest.approx(float(raw.cdf(800.0) / raw.cdf(1500.0)))


# ---------------------------------------------------------------- ring model

def test_cells_plus_row_is_one(hiker_rings):
    assert hiker_rings.poa.sum() + hiker_rings.row == pytest.approx(1.0, abs=1e-12)
    assert hiker_rings.poa.min() >= 0


@pytest.mark.parametrize("q, published_m", [(0.25, 1600.0), (0.50, 3200.0), (0.75, 6400.0),
                                            (0.95, 19200.0)])
def test_rings_hold_the_published_share_within_the_published_radius(hiker_rings, q, published_m):
    # Koester (2008) hiker, dry mountainous: 25/50/75/95 % found within 1.6/3.2/6.4/19.2 km.
    # Within a cell's width: the mass of cells centred inside r - h is <= q <= inside r + h.
    g = hiker_rings.grid
    r = _radius(g)
    h = g.cell_size
    assert hiker_rings.poa[r <= published_m - h].sum() <= q <= hiker_rings.poa[r <= published_m + h].sum()


def test_row_is_the_mass_outside_the_square_grid(hiker_rings):
    # the 25 km half-width square holds less than P(r <= 25 km) and more than P(r <= 25 km) of
    # the inscribed circle's... i.e. 1 - F(25 km * sqrt 2) < ROW < 1 - F(25 km)
    d = RadialDistribution(HIKER)
    assert 1 - float(d.cdf(25_000 * math.sqrt(2))) < hiker_rings.row < 1 - float(d.cdf(25_000))


def test_cell_mass_is_integrated_not_sampled_at_the_centre():
    # the IPP cell holds P(subject within the cell): between the discs inscribed (r = h/2)
    # and circumscribed (r = h/sqrt2), which a centre sample (density at r=0) cannot give
    g = _grid(half=2_000.0, cell=50.0)
    d = RadialDistribution(HIKER)
    m = ring_map(g, X0, Y0, d)
    i, j = (int(v) for v in g.rowcol(X0, Y0))
    assert float(d.cdf(25.0)) < m.poa[i, j] < float(d.cdf(25.0 * math.sqrt(2)))


def test_uncertainty_spreads_mass_and_keeps_the_sum():
    g = _grid(half=10_000.0, cell=100.0)
    d = RadialDistribution(Quartiles.from_km([0.6, 1.8, 3.2, 9.8]))
    sharp = ring_map(g, X0 + 25, Y0 + 25, d)
    for kind in ("gaussian", "disc"):
        wide = ring_map(g, X0 + 25, Y0 + 25, d, IppUncertainty(3_000.0, kind))
        assert wide.poa.sum() + wide.row == pytest.approx(1.0, abs=1e-12)
        i, j = (int(v) for v in g.rowcol(X0, Y0))
        assert wide.poa[i, j] < 0.5 * sharp.poa[i, j]  # the peak is flattened
        assert wide.row > sharp.row  # more mass is pushed out of a 10 km grid


def test_uncertainty_larger_than_the_grid_is_refused():
    g = _grid(half=5_000.0, cell=100.0)
    with pytest.raises(ProbabilityError) as e:
        ring_map(g, X0, Y0, RadialDistribution(HIKER), IppUncertainty(6_000.0))
    assert e.value.code == "probability.err_uncertainty_too_large"


def test_ipp_outside_the_grid_is_refused():
    g = _grid(half=5_000.0, cell=100.0)
    with pytest.raises(ProbabilityError, match="outside the map area"):
        ring_map(g, X0 + 50_000, Y0, RadialDistribution(HIKER))


# ---------------------------------------------------------------- cost distance / terrain model

def test_compiled_dijkstra_equals_skimage_mcp_geometric():
    from skimage.graph import MCP_Geometric

    rng = np.random.default_rng(7)
    cost = rng.uniform(0.2, 5.0, (120, 90))
    cost[40, 10:80] = np.inf  # a wall
    ours = cost_distance(cost, (5, 7), cell_size=30.0)
    ref, _ = MCP_Geometric(cost).find_costs([(5, 7)])
    fin = np.isfinite(ref)
    assert np.array_equal(np.isfinite(ours), fin)
    np.testing.assert_allclose(ours[fin], ref[fin] * 30.0, rtol=1e-12)


def test_tobler_speed_published_figures():
    # Tobler (1993): 6 km/h peak at 5 % downhill, about 5 km/h on the flat
    assert float(tobler_kmh(-0.05)) == pytest.approx(6.0)
    assert float(tobler_kmh(0.0)) == pytest.approx(5.04, abs=0.01)
    assert float(tobler_kmh(0.2)) < float(tobler_kmh(-0.2))  # up is slower than down


def test_uphill_and_downhill_effort_differ():
    # a plane rising 10 m per 100 m cell northward: going up costs exp(3.5*(0.15-0.05)) = 1.419
    # times flat, going down exp(3.5*(0.05-0.05)) = 1.0 (Tobler)
    rows = 41
    z = np.repeat((np.arange(rows)[::-1] * 10.0)[:, None], 5, axis=1)
    e = travel_effort(z, 100.0, (20, 2), connectivity=8)
    assert e[0, 2] == pytest.approx(2000.0 * math.exp(3.5 * (0.15 - 0.05)), rel=1e-4)
    assert e[40, 2] == pytest.approx(2000.0 * math.exp(3.5 * (0.05 - 0.05)), rel=1e-4)


def test_slopes_steeper_than_the_limit_cannot_be_walked():
    z = np.zeros((5, 20))
    z[:, 10:] = 1000.0  # a 1 km cliff in one 30 m step
    e = travel_effort(z, 30.0, (2, 2), max_slope_deg=40.0)
    assert np.isinf(e[:, 10:]).all() and np.isfinite(e[:, :10]).all()


@pytest.fixture(scope="module")
def flat_pair():
    g = _grid(half=25_000.0, cell=50.0)
    d = RadialDistribution(HIKER)
    rings = ring_map(g, X0, Y0, d)
    terr, layers = terrain_map(g, np.full(g.shape, 2900.0), X0, Y0, d)
    return g, rings, terr, layers


@pytest.mark.parametrize("q, published_m", [(0.25, 1600.0), (0.50, 3200.0), (0.75, 6400.0),
                                            (0.95, 19200.0)])
def test_terrain_model_on_flat_ground_gives_the_rings_back(flat_pair, q, published_m):
    # calibration: on flat open ground the quartile shares match the ring model within a
    # cell's width of the published radius, and the two maps agree cell by cell to 3 % of mass
    g, rings, terr, _ = flat_pair
    r = _radius(g)
    h = g.cell_size
    assert terr.poa[r <= published_m - h].sum() <= q <= terr.poa[r <= published_m + h].sum()
    assert np.abs(terr.poa - rings.poa).sum() < 0.03
    assert terr.row == pytest.approx(rings.row, abs=0.002)
    assert terr.poa.sum() + terr.row == pytest.approx(1.0, abs=1e-12)


def test_a_barrier_moves_mass_to_the_far_sides_travel_distance(flat_pair):
    g, rings, _, _ = flat_pair
    d = RadialDistribution(HIKER)
    wall = LineString([(X0 - 3000, Y0 + 1000), (X0 + 3000, Y0 + 1000)])
    terr, layers = terrain_map(g, np.full(g.shape, 2900.0), X0, Y0, d,
                               options=TerrainOptions(barriers=[wall]))
    i, j = (int(v) for v in g.rowcol(X0, Y0 + 1500))  # 500 m behind the wall
    detour = math.hypot(3000, 1000) + math.hypot(3000, 500)  # round the wall's end: 6,204 m
    # within 5 %: grid paths run up to 1.3 % long after calibration, and the wall is rasterised
    # one cell thick with its ends grown to whole cells
    assert detour < layers.effort[i, j] < 1.05 * detour
    # its mass is what the rings give a cell at that travel distance (south, unobstructed) ...
    i2, j2 = (int(v) for v in g.rowcol(X0, Y0 - layers.effort[i, j]))
    assert terr.poa[i, j] == pytest.approx(rings.poa[i2, j2], rel=0.05)
    # ... not what it had at 1.5 km straight line (17 x more)
    assert terr.poa[i, j] < 0.1 * rings.poa[i, j]
    assert terr.poa[layers.barrier].sum() == 0.0
    assert terr.poa.sum() + terr.row == pytest.approx(1.0, abs=1e-12)


def test_walled_in_basin_keeps_all_mass_inside():
    g = _grid(half=5_000.0, cell=100.0)
    ring = Polygon([(X0 - 2000, Y0 - 2000), (X0 + 2000, Y0 - 2000), (X0 + 2000, Y0 + 2000),
                    (X0 - 2000, Y0 + 2000)]).exterior
    terr, layers = terrain_map(g, np.zeros(g.shape), X0, Y0, RadialDistribution(HIKER),
                               options=TerrainOptions(barriers=[ring]))
    assert terr.row == pytest.approx(0.0, abs=1e-12)
    xx, yy = np.meshgrid(g.x_centres() - X0, g.y_centres() - Y0)
    inside = (np.abs(xx) < 2000) & (np.abs(yy) < 2000)
    assert terr.poa[inside].sum() == pytest.approx(1.0, abs=1e-12)


def test_weights_keep_the_sum_and_can_be_switched():
    g = _grid(half=3_000.0, cell=100.0)
    rng = np.random.default_rng(3)
    yy = np.arange(g.shape[0])[:, None] * 20.0
    z = 3000.0 + yy + rng.normal(0, 1, g.shape)  # rising to the south
    d = RadialDistribution(HIKER)
    base, _ = terrain_map(g, z, X0, Y0, d)
    track = LineString([(X0 - 3000, Y0 + 500), (X0 + 3000, Y0 + 500)])
    opts = TerrainOptions(tracks=[track], track_weight=2.0, drainage_weight=1.0,
                          drainage_min_area_m2=1e5, uphill_share=0.4)
    w, layers = terrain_map(g, z, X0, Y0, d, options=opts)
    assert w.poa.sum() + w.row == pytest.approx(1.0, abs=1e-12)
    assert w.row == pytest.approx(base.row, abs=1e-12)
    assert layers.track.any() and layers.drainage is not None
    i, j = (int(v) for v in g.rowcol(X0, Y0))
    up = z > z[i, j]
    assert w.poa[up].sum() == pytest.approx(0.4 * w.poa.sum(), rel=1e-9)


def test_nan_in_the_dem_is_refused():
    g = _grid(half=2_000.0, cell=100.0)
    z = np.zeros(g.shape)
    z[3, 4] = np.nan
    with pytest.raises(ProbabilityError) as e:
        terrain_map(g, z, X0, Y0, RadialDistribution(HIKER))
    assert e.value.code == "probability.err_dem_nan" and "1 cells without a height" in str(e.value)


def test_ipp_on_a_barrier_is_refused():
    g = _grid(half=2_000.0, cell=100.0)
    with pytest.raises(ProbabilityError, match="on a barrier"):
        terrain_map(g, np.zeros(g.shape), X0, Y0, RadialDistribution(HIKER),
                    options=TerrainOptions(barriers=[box(X0 - 200, Y0 - 200, X0 + 200, Y0 + 200)]))


# ---------------------------------------------------------------- Bayes update

def _two_cells(a=0.5, b=0.5, row=0.0):
    g = Grid.from_bounds(UTM46, 0, 0, 200, 100, 100)
    return ProbabilityMap(g, np.array([[a, b]]), row)


def test_bayes_two_areas_gives_one_third_and_two_thirds():
    # search-theory.md: POA 0.5 / 0.5, search one with POD 0.5 -> 0.25/0.75 = 1/3 and 0.5/0.75 = 2/3
    new, pos = bayes_update(_two_cells(), np.array([[0.5, 0.0]]))
    assert new.poa[0, 0] == pytest.approx(1 / 3)
    assert new.poa[0, 1] == pytest.approx(2 / 3)
    assert pos == pytest.approx(0.25)


def test_row_is_never_searched_and_grows():
    new, _ = bayes_update(_two_cells(0.4, 0.4, 0.2), np.array([[1.0, 0.0]]))
    assert new.row == pytest.approx(0.2 / 0.6) and new.poa[0, 0] == 0.0


def test_cumulative_pod_sixty_percent_twice_is_84():
    # search-theory.md: 60 % then 60 % gives 84 %, a third gives 93.6 %
    assert float(cumulative_pod(np.array(0.6), np.array(0.6))) == pytest.approx(0.84)
    assert float(cumulative_pod(np.array(0.6), np.array(0.6), np.array(0.6))) == pytest.approx(0.936)


def test_replay_in_order_equals_one_update_with_cumulative_pod():
    pm = _two_cells(0.3, 0.5, 0.2)
    pods = [np.array([[0.6, 0.1]]), np.array([[0.6, 0.3]])]
    state = replay(pm, pods)
    once, _ = bayes_update(pm, cumulative_pod(*pods))
    np.testing.assert_allclose(state.current.poa, once.poa)
    assert state.cumulative_pod[0, 0] == pytest.approx(0.84)
    assert state.total_pos == pytest.approx(0.3 * 0.84 + 0.5 * (1 - 0.9 * 0.7))


def test_update_refuses_pod_on_another_grid_and_bad_values():
    pm = _two_cells()
    with pytest.raises(ProbabilityError, match="mission grid"):
        bayes_update(pm, np.zeros((2, 2)))
    with pytest.raises(ProbabilityError, match="outside 0-1"):
        bayes_update(pm, np.array([[1.2, 0.0]]))


def test_update_refuses_a_search_that_could_not_have_missed():
    with pytest.raises(ProbabilityError, match="certainly"):
        bayes_update(_two_cells(), np.ones((1, 2)))


# ---------------------------------------------------------------- MapScore

def test_mapscore_peaked_map_scores_one():
    # Sava et al. (2016): r = share of cells >= find cell; score = (0.5 - r)/0.5 -> 1 - 2/N
    p = np.full((100, 100), 1e-6)
    p[40, 60] = 0.5
    assert mapscore_cell(p, 40, 60) == pytest.approx(1 - 2 / 10_000)


def test_mapscore_flat_map_scores_minus_one():
    assert mapscore_cell(np.full((50, 50), 1 / 2500), 10, 10) == -1.0


def test_mapscore_of_random_maps_averages_zero():
    rng = np.random.default_rng(11)
    scores = [mapscore_cell(rng.random((40, 40)), int(rng.integers(40)), int(rng.integers(40)))
              for _ in range(2000)]
    # mean of a uniform(-1, 1) score over 2,000 maps: standard error 0.013
    assert abs(np.mean(scores)) < 0.05


def test_mapscore_of_rings_at_the_ipp_is_near_one_and_outside_is_refused(hiker_rings):
    assert mapscore(hiker_rings, X0, Y0) > 0.999
    with pytest.raises(ProbabilityError, match="outside the map area"):
        mapscore(hiker_rings, X0 + 1e6, Y0)


# ---------------------------------------------------------------- consensus and segments

def test_mattson_means_the_planners_points():
    # Mattson (1980): mean of each planner's 100 points / 100
    poa = mattson([{"A": 60, "B": 30, "ROW": 10}, {"A": 40, "B": 50, "ROW": 10}], ["A", "B"])
    assert poa == pytest.approx({"A": 0.5, "B": 0.4, "ROW": 0.1})
    with pytest.raises(ProbabilityError, match="add up to 90"):
        mattson([{"A": 60, "B": 30}], ["A", "B"])


def test_consensus_puts_each_regions_poa_inside_it_and_blends():
    g = Grid.from_bounds(UTM46, 0, 0, 1000, 1000, 100)
    model = ProbabilityMap(g, np.full(g.shape, 0.009), 0.1)
    regions = [Region("A", box(0, 500, 1000, 1000)), Region("B", box(0, 0, 1000, 500))]
    full = consensus_map(model, regions, {"A": 0.7, "B": 0.2, "ROW": 0.1}, weight=1.0)
    assert full.poa[:5].sum() == pytest.approx(0.7) and full.poa[5:].sum() == pytest.approx(0.2)
    half = consensus_map(model, regions, {"A": 0.7, "B": 0.2, "ROW": 0.1}, weight=0.5)
    assert half.poa[:5].sum() == pytest.approx(0.5 * 0.7 + 0.5 * 0.45)
    assert half.poa.sum() + half.row == pytest.approx(1.0)


def test_segments_table_figures_and_gaps():
    g = Grid.from_bounds(UTM46, 0, 0, 400, 200, 100)
    initial = ProbabilityMap(g, np.array([[0.1, 0.1, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1]]), 0.0)
    segs = [Segment("W", box(0, 0, 200, 200)), Segment("E", box(200, 100, 400, 200))]
    pod = np.zeros(g.shape)
    pod[:, :2] = 0.5
    state = replay(initial, [pod])
    table = segment_table(segs, state.current, initial, state.cumulative_pod)
    w, e = table.rows
    assert w.area_m2 == 40_000 and e.area_m2 == 20_000
    assert w.pos == pytest.approx(0.2)  # 0.4 x 0.5
    assert w.cumulative_pod == pytest.approx(0.5)
    assert w.poa == pytest.approx(0.2 / 0.8) and e.poa == pytest.approx(0.4 / 0.8)
    assert e.rank == 1 and w.rank == 2  # E is denser
    assert e.poa_density_per_km2 == pytest.approx(0.5 / 0.02)
    assert table.gap_area_m2 == pytest.approx(20_000) and table.gap_poa == pytest.approx(0.2 / 0.8)


def test_overlapping_segments_are_refused():
    g = Grid.from_bounds(UTM46, 0, 0, 400, 200, 100)
    pm = ProbabilityMap(g, np.full(g.shape, 1 / 8), 0.0)
    with pytest.raises(ProbabilityError, match="overlap"):
        segment_table([Segment("a", box(0, 0, 250, 200)), Segment("b", box(200, 0, 400, 200))], pm)


def test_grid_segments_tile_the_grid_without_gaps():
    g = Grid.from_bounds(UTM46, 0, 0, 1000, 700, 50)
    segs = grid_segments(g, 300)
    assert len(segs) == 4 * 3
    pm = ProbabilityMap(g, np.full(g.shape, 1 / g.shape[0] / g.shape[1]), 0.0)
    t = segment_table(segs, pm)
    assert t.gap_area_m2 == pytest.approx(0.0) and t.gap_poa == 0.0
    assert sum(r.poa for r in t.rows) == pytest.approx(1.0)


# ---------------------------------------------------------------- more properties

def test_d8_flow_accumulation_collects_a_v_valley_into_its_channel():
    # a V valley draining south: every cell drains towards column 5 and then down it, so the
    # channel cell in the last row collects all 11 x 11 = 121 cells (O'Callaghan & Mark 1984)
    from sar_planner.probability import flow_accumulation

    rows, cols = 11, 11
    yy, xx = np.mgrid[0:rows, 0:cols]
    z = 100.0 + 10.0 * np.abs(xx - 5) - 1.0 * yy
    acc = flow_accumulation(z)
    assert acc[10, 5] == 121
    # side cells drain sideways (drop 10 m/cell beats 1 m/cell downhill), the channel drains south
    assert acc[0, 0] == 1 and acc[5, 4] == 5 and acc[5, 5] == 6 * 11


def test_terrain_model_with_ipp_uncertainty_keeps_the_sum_and_empties_barriers():
    g = _grid(half=5_000.0, cell=100.0)
    wall = LineString([(X0 - 2000, Y0 + 800), (X0 + 2000, Y0 + 800)])
    d = RadialDistribution(Quartiles.from_km([0.6, 1.8, 3.2, 9.8]))
    sharp, layers = terrain_map(g, np.zeros(g.shape), X0, Y0, d,
                                options=TerrainOptions(barriers=[wall]))
    wide, _ = terrain_map(g, np.zeros(g.shape), X0, Y0, d, options=TerrainOptions(barriers=[wall]),
                          uncertainty=IppUncertainty(1_000.0))
    assert wide.poa.sum() + wide.row == pytest.approx(1.0, abs=1e-12)
    # start points nearer the edges send a little more out (0.109 -> 0.111)
    assert sharp.row < wide.row < sharp.row + 0.005
    assert wide.poa[layers.barrier].sum() == 0.0
    i, j = (int(v) for v in g.rowcol(X0, Y0))
    assert wide.poa[i, j] < sharp.poa[i, j]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
       st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6), st.floats(0.0, 0.5))
def test_bayes_update_keeps_the_sum_and_never_raises_a_searched_cell_above_unsearched(w, pod, row):
    w = np.array(w) + 1e-3
    poa = (1 - row) * w / w.sum()
    g = Grid.from_bounds(UTM46, 0, 0, 600, 100, 100)
    pm = ProbabilityMap(g, poa.reshape(1, 6), row)
    pod = np.minimum(np.array(pod), 0.99).reshape(1, 6)
    new, pos = bayes_update(pm, pod)
    assert new.poa.sum() + new.row == pytest.approx(1.0, abs=1e-12)
    assert pos == pytest.approx(float((poa * pod.ravel()).sum()))
    assert new.row >= row - 1e-15  # ROW is never searched, so it can only grow
    # a cell's share relative to an unsearched cell falls by exactly (1 - POD)
    ratio = (new.poa / np.maximum(pm.poa, 1e-300)).ravel()
    np.testing.assert_allclose(ratio * (1 - pos), 1 - pod.ravel(), rtol=1e-9)


def test_bucket_queue_and_binary_heap_dijkstra_agree(monkeypatch):
    # the bucket queue (exact for bucket width <= the smallest edge) against the plain heap
    from sar_planner.probability import costdistance

    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 4.0, (150, 120)).cumsum(axis=0)
    fr = rng.uniform(0.7, 2.0, z.shape)
    fr[60, 10:110] = np.inf
    fast = travel_effort(z, 30.0, (20, 60), friction=fr, max_slope_deg=35.0)
    monkeypatch.setattr(costdistance, "_MAX_RING", 0)  # forces the heap
    slow = travel_effort(z, 30.0, (20, 60), friction=fr, max_slope_deg=35.0)
    assert np.array_equal(np.isfinite(fast), np.isfinite(slow))
    fin = np.isfinite(slow)
    np.testing.assert_allclose(fast[fin], slow[fin], rtol=1e-12)
    assert fin.sum() > 0.5 * fin.size


def test_imported_segments_are_projected_into_the_mission_crs_and_checked_by_type():
    from sar_planner.probability import imported_geometries
    from sar_planner.probability.features import LINES, POLYGONS

    # a 0.01 deg square near Golmud: 0.01 deg of latitude is 1,109 m and of longitude at 36.4 N
    # 1,109 x cos(36.4 deg) = 894 m, so about 0.99 km^2 in UTM 46N
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>S1</name><Polygon>
<outerBoundaryIs><LinearRing><coordinates>94.90,36.40 94.91,36.40 94.91,36.41 94.90,36.41
94.90,36.40</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""
    [(name, geom)] = imported_geometries("segments.kml", kml, UTM46, kinds=POLYGONS)
    assert name == "S1"
    assert geom.area == pytest.approx(1109 * 894, rel=0.01)
    with pytest.raises(ProbabilityError, match="only LineString"):
        imported_geometries("segments.kml", kml, UTM46, kinds=LINES)


def test_current_state_is_recomputed_from_inputs_and_sorties_in_order():
    from sar_planner.probability import MissionInputs, current_state, initial_map

    g = _grid(half=3_000.0, cell=100.0)
    inputs = MissionInputs(ipp_x=X0 + 25, ipp_y=Y0 + 25, subject="dementia",
                           terrain_class="dry-flat")
    pods = [np.zeros(g.shape), np.zeros(g.shape)]
    pods[0][:30] = 0.5
    pods[1][20:40] = 0.7
    state = current_state(inputs, g, None, pods)
    first, _ = initial_map(inputs, g)
    by_hand = first
    for pod in pods:
        by_hand, _ = bayes_update(by_hand, pod)
    np.testing.assert_allclose(state.current.poa, by_hand.poa, rtol=1e-12)
    assert state.current.row == pytest.approx(by_hand.row)
    # rows 20-29 were searched twice: 1 - 0.5 x 0.3 = 85 %
    assert state.cumulative_pod[25, 0] == pytest.approx(0.85)


@settings(max_examples=25, deadline=None)
@given(st.floats(-2_900.0, 2_900.0), st.floats(-2_900.0, 2_900.0),
       st.sampled_from(["hiker", "dementia", "child_1_3", "atv"]), st.floats(0.0, 2_000.0),
       st.sampled_from(["gaussian", "disc"]))
def test_ring_map_sums_to_one_for_any_ipp_subject_and_uncertainty(dx, dy, subject, unc, kind):
    g = _grid(half=3_000.0, cell=100.0)
    d = RadialDistribution(quartiles_for(subject, "dry-flat"))
    m = ring_map(g, 500_000.0 + dx, 4_000_000.0 + dy, d, IppUncertainty(unc, kind))
    assert m.poa.min() >= 0.0
    assert m.poa.sum() + m.row == pytest.approx(1.0, abs=1e-12)
    # the disc around the IPP that stays inside the grid after the kernel's reach (at most
    # 2.45 x the radius, less 1.5 cells for the kernel's cells) keeps at least its own mass
    west, south, east, north = g.bounds
    room = min(500_000.0 + dx - west, east - 500_000.0 - dx, 4_000_000.0 + dy - south,
               north - 4_000_000.0 - dy)
    assert m.poa.sum() >= float(d.cdf(max(room - 2.45 * unc - 150.0, 0.0))) - 1e-9


def test_terrain_segments_split_along_the_ridge_and_tile_the_grid():
    from sar_planner.probability import terrain_segments

    # a north-south ridge at x = 1,500 m between two valleys draining to the west and east edges
    g = Grid.from_bounds(UTM46, 0, 0, 3000, 3000, 30)
    xx = g.x_centres()[None, :] * np.ones((g.shape[0], 1))
    z = 3500.0 - 0.3 * np.abs(xx - 1500.0)
    segs = terrain_segments(g, z, 3000.0)
    assert len(segs) == 2
    west, east = sorted(segs, key=lambda s: s.geometry.centroid.x)
    assert west.geometry.bounds[2] == pytest.approx(1500.0, abs=60.0)  # two cells of the ridge
    assert east.geometry.bounds[0] == pytest.approx(1500.0, abs=60.0)
    pm = ProbabilityMap(g, np.full(g.shape, 1.0 / (g.shape[0] * g.shape[1])), 0.0)
    table = segment_table(segs, pm)  # refuses overlaps
    assert table.gap_area_m2 == pytest.approx(0.0, abs=1.0) and table.gap_poa == 0.0


def test_every_terrain_segment_on_a_real_dem_is_one_outline():
    # On the bundled Pamir GEBCO sample (12 km half-width, 100 m cells, 3 km target) a basin cut
    # by the 3 km squares once left a segment in two pieces touching only at a cell's corner (a
    # 5.61 km^2 piece and one 100 m cell): the plan page cannot fly such a segment. Every one is
    # now a single polygon, and together they still tile the grid exactly.
    from pathlib import Path

    from sar_planner.probability import terrain_segments
    from sar_planner.terrain import grid_around, load_terrain

    dem = Path(__file__).resolve().parents[2] / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif"
    g = grid_around(38.30, 75.05, 12_000.0, 100.0)
    z = load_terrain([dem], g).elevation
    segs = terrain_segments(g, z, 3000.0)
    assert [s.name for s in segs if s.geometry.geom_type != "Polygon"] == []
    rows, cols = g.shape  # 241 x 241 cells of 100 m: the IPP's cell in the middle
    assert sum(s.geometry.area for s in segs) == pytest.approx(rows * cols * 100.0 ** 2, rel=1e-9)
    pm = ProbabilityMap(g, np.full(g.shape, 1.0 / (g.shape[0] * g.shape[1])), 0.0)
    table = segment_table(segs, pm)
    assert table.gap_area_m2 == pytest.approx(0.0, abs=1.0) and table.gap_poa == 0.0
