"""The terrain model with an uncertain IPP: the mixture over possible start points.

Hand-checkable figures: the area of a circular segment, R^2 acos(a/R) - a sqrt(R^2 - a^2)
(standard geometry), the normal distribution's tail for the Gaussian's marginal, the lens area of
two unit circles one unit apart, 2 pi / 3 - sqrt(3) / 2 (standard geometry), the Rayleigh law's
second moment 2 sigma^2, and the ring model (rings.py), which integrates the convolution exactly.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from scipy import ndimage
from scipy.stats import norm
from shapely.geometry import LineString

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability import (IppUncertainty, RadialDistribution, TerrainOptions,
                                     ring_map, terrain_map)
from sar_planner.probability.maps import ipp_cell
from sar_planner.probability.terrain_model import (_lens, _split_strata, _StratumLaw,
                                                   auto_spacing, ipp_start_points)
from sar_planner.subjects import Quartiles, quartiles_for

UTM46 = CRS.from_epsg(32646)
X0, Y0 = 500_050.0, 4_000_050.0  # a cell centre of the 100 m grids below
COMPACT = Quartiles(200.0, 400.0, 800.0, 1600.0)  # a short walk: little mass reaches the edges


def _grid(half: float, cell: float = 100.0) -> Grid:
    return Grid.centered(UTM46, 500_000.0, 4_000_000.0, half, cell)


def _segment(radius: float, a: float) -> float:
    """Area of the part of a disc of ``radius`` beyond a chord ``a`` metres from its centre."""
    return radius**2 * math.acos(a / radius) - a * math.sqrt(radius**2 - a**2)


# ---------------------------------------------------------------- the start-point rule

@pytest.mark.parametrize("kind", ["gaussian", "disc"])
def test_start_point_rule_weights_sum_to_one_and_match_the_second_moment(kind):
    unc = IppUncertainty(3000.0, kind)
    pts = ipp_start_points(unc, 150.0)
    assert pts.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert pts.weight.min() > 0
    # E|X|^2 of the rule (points plus each stratum's own spread, a uniform disc: rho^2 / 2)
    # against the law's: for the Gaussian cut at 4 sigma (Rayleigh, integrated by parts)
    # (2 s^2 - 18 s^2 e^-8) / (1 - e^-8); the rule lumps the 3-4 sigma tail (1.1 % of the mass)
    # at its median, 0.4 % low. For the uniform disc R^2 / 2.
    m2 = float((pts.weight * (pts.dx**2 + pts.dy**2 + 0.5 * pts.rho**2)).sum())
    s2, e8 = unc.sigma_m**2, math.exp(-8.0)
    exact = (2 * s2 - 18 * s2 * e8) / (1 - e8) if kind == "gaussian" else 3000.0**2 / 2
    assert m2 == pytest.approx(exact, rel=0.005)
    # symmetric about the IPP's easting and northing lines, and no point on them but the IPP
    assert float((pts.weight * pts.dx).sum()) == pytest.approx(0.0, abs=1e-6)
    assert float((pts.weight * pts.dy).sum()) == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.abs(pts.dx[1:]) > 1.0) and np.all(np.abs(pts.dy[1:]) > 1.0)


def test_start_point_counts_follow_the_rings():
    # ring i has 4 x max(2, round(pi i / 2)) points: 8, 12, 20, 24 -> 1 + 8 = 9, 21, 41, 65
    unc = IppUncertainty(1500.0, "disc")
    assert [len(ipp_start_points(unc, 1500.0 / (n + 0.5))) for n in (1, 2, 3, 4)] == [9, 21, 41, 65]


def test_auto_spacing_is_a_quarter_of_the_median_and_capped_on_large_grids():
    d = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))  # median 3.2 km
    unc = IppUncertainty(3000.0, "disc")
    small = _grid(20_000.0, 100.0)  # 400 x 400 cells: 84e6 / 160,000 = 525 -> the 400 cap
    assert auto_spacing(unc, d, small) == pytest.approx(800.0)
    big = _grid(30_000.0, 30.0)  # 2,000 x 2,000 cells: at most 21 start points
    assert len(ipp_start_points(unc, auto_spacing(unc, d, big))) == 21


def test_lens_area_of_two_unit_circles_one_apart():
    assert float(_lens(np.array([1.0]), np.array([1.0]), 1.0)[0]) == pytest.approx(
        2 * math.pi / 3 - math.sqrt(3) / 2, rel=1e-12)
    assert float(_lens(np.array([0.5]), np.array([0.2]), 1.0)[0]) == pytest.approx(math.pi * 0.25)
    assert float(_lens(np.array([1.0]), np.array([2.5]), 1.0)[0]) == 0.0


def test_stratum_law_is_the_distance_from_a_point_of_a_uniform_disc_start():
    # Monte Carlo of |U + V|, U uniform in a disc of 300 m, V the published 'unknown' walk
    d = RadialDistribution(quartiles_for("unknown"))
    law = _StratumLaw(d, 300.0)
    rng = np.random.default_rng(11)
    n = 400_000
    rg = np.geomspace(0.01, 1e6, 20_000)
    v = np.interp(rng.uniform(0, 1, n), d.cdf(rg), rg)
    a, b = rng.uniform(0, 2 * math.pi, (2, n))
    u = 300.0 * np.sqrt(rng.uniform(0, 1, n))
    dist = np.hypot(u * np.cos(a) + v * np.cos(b), u * np.sin(a) + v * np.sin(b))
    for r in (100.0, 300.0, 600.0, 1800.0, 5000.0):
        p = float((dist <= r).mean())
        assert float(law.cdf(r)[0]) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n) + 1e-4)
    # no spike at the start point: its density there is finite, unlike the walk's own
    assert float(law.cdf(10.0)[0]) < 0.05 * float(d.cdf(10.0))


# ---------------------------------------------------------------- the mixture

@pytest.mark.parametrize("kind", ["gaussian", "disc"])
def test_flat_open_ground_with_uncertainty_gives_the_ring_model_back(kind):
    # rings.py convolves the ring map with the same uncertainty exactly; the terrain model's
    # mixture over start points (41 at the default spacing) must agree to 2 % of the mass cell
    # by cell (measured 1.3 % and 1.2 %; the terrain model without uncertainty differs from the
    # rings by 3.9 % here: 16-neighbour paths are not straight lines)
    g = _grid(20_000.0, 100.0)
    d = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))
    unc = IppUncertainty(2000.0, kind)
    rings = ring_map(g, X0, Y0, d, unc)
    terr, _ = terrain_map(g, np.zeros(g.shape), X0, Y0, d, uncertainty=unc)
    assert np.abs(terr.poa - rings.poa).sum() < 0.02
    assert terr.row == pytest.approx(rings.row, abs=0.002)
    assert terr.poa.sum() + terr.row == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("kind, exact_north", [
    # disc of 2 km: the share north of the barrier row (y > 150 m) among the passable start
    # positions (the row 50-150 m is impassable): A(150) / (pi R^2 - A(50) + A(150))
    ("disc", _segment(2000.0, 150.0) / (math.pi * 2000.0**2 - _segment(2000.0, 50.0)
                                        + _segment(2000.0, 150.0))),
    # Gaussian: its north-south marginal is normal with sigma = 2000 / 2.448 m
    ("gaussian", norm.sf(150 / (2000 / 2.4477)) / (1 - (norm.cdf(150 / (2000 / 2.4477))
                                                        - norm.cdf(50 / (2000 / 2.4477))))),
])
def test_an_impassable_line_through_the_uncertainty_splits_the_mass_as_the_start_points(
        kind, exact_north):
    # a barrier across the whole grid 100 m north of the IPP: the subject stays on the side
    # where they started, so each side holds exactly the weight of its start points
    g = _grid(10_000.0)
    d = RadialDistribution(COMPACT)
    unc = IppUncertainty(2000.0, kind)
    wall = LineString([(X0 - 20_000, Y0 + 100), (X0 + 20_000, Y0 + 100)])
    pm, layers = terrain_map(g, np.zeros(g.shape), X0, Y0, d,
                             options=TerrainOptions(barriers=[wall]), uncertainty=unc)
    rb = int(g.rowcol(X0, Y0 + 100)[0][()])  # the barrier row
    assert layers.barrier[rb].all() and not layers.barrier[rb - 1].any()
    north = float(pm.poa[:rb].sum())
    south = float(pm.poa[rb + 1:].sum())
    pts = ipp_start_points(unc, auto_spacing(unc, d, g))
    regions = ndimage.label(~layers.barrier)[0]
    rows, _, _, w_ok, outside, impassable = _split_strata(pts, g, X0, Y0, regions)
    assert outside == 0.0
    # the barrier row's strip (50-150 m north) holds (A(50) - A(150)) / (pi R^2) of the disc,
    # Phi(150 / sigma) - Phi(50 / sigma) of the Gaussian: nobody started there
    sigma = 2000 / 2.4477
    strip = ((_segment(2000.0, 50.0) - _segment(2000.0, 150.0)) / (math.pi * 2000.0**2)
             if kind == "disc" else norm.cdf(150 / sigma) - norm.cdf(50 / sigma))
    assert impassable == pytest.approx(strip, abs=0.002)
    w_n, w_s = float(w_ok[rows < rb].sum()), float(w_ok[rows > rb].sum())
    assert w_n + w_s == pytest.approx(1.0 - impassable, abs=1e-12)
    assert north == pytest.approx(w_n / (w_n + w_s), abs=0.001)  # ROW here is 0.0002
    assert south == pytest.approx(w_s / (w_n + w_s), abs=0.001)
    # and the rule's split is the continuous law's within 0.5 % of the mass (strata cut by the
    # barrier are split by their sub-points; measured 0.1 % and 0.2 %)
    assert w_n / (w_n + w_s) == pytest.approx(exact_north, abs=0.005)
    assert pm.poa[layers.barrier].sum() == 0.0
    assert pm.poa.sum() + pm.row == pytest.approx(1.0, abs=1e-12)
    # a convolution of the one-IPP map (the old way) would have left the north nearly empty
    sharp, _ = terrain_map(g, np.zeros(g.shape), X0, Y0, d, options=TerrainOptions(barriers=[wall]))
    assert float(sharp.poa[:rb].sum()) < 1e-6


def test_start_points_outside_the_grid_are_rest_of_world():
    # IPP 250 m from the west edge, a 2 km disc: the share of the disc west of the edge is
    # A(250) / (pi R^2) = 0.4204; the map cannot say where those walked, so it is ROW
    g = _grid(10_000.0)
    west = g.bounds[0]
    x = west + 250.0
    d = RadialDistribution(COMPACT)
    unc = IppUncertainty(2000.0, "disc")
    pm, _ = terrain_map(g, np.zeros(g.shape), x, Y0, d, uncertainty=unc)
    pts = ipp_start_points(unc, auto_spacing(unc, d, g))
    _, _, _, _, outside, impassable = _split_strata(pts, g, x, Y0, np.ones(g.shape, int))
    # each stratum's point and 16 sub-points (about 60 m apart here) measure its share outside:
    # 0.4219 against 0.4206
    assert outside == pytest.approx(_segment(2000.0, 250.0) / (math.pi * 2000.0**2), abs=0.003)
    assert impassable == 0.0
    # ROW = the outside starts plus what walks out from the inside ones (starts near the edge)
    assert outside < pm.row < outside + 0.15
    assert pm.poa.sum() + pm.row == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("radius, kind, counts", [(1500.0, "gaussian", (21, 65)),
                                                  (4000.0, "disc", (97, 229))])
def test_doubling_the_start_points_changes_the_map_by_less_than_five_percent(radius, kind, counts):
    # real terrain (GEBCO 2023 15" grid of the eastern Pamir, terrain/PROVENANCE.md; 3,600 to
    # 7,400 m here) on 100 m cells: the default spacing (a quarter of the median, 800 m) against
    # one with at least twice the points. L1 = the share of the mass that moves: under 5 % cell
    # by cell and under 2.5 % over 500 m blocks (the size of a search segment); measured 3.7 %
    # and 1.8 %
    from sar_planner.geo import to_local
    from sar_planner.terrain import grid_around, load_terrain

    dem = (Path(__file__).resolve().parents[2] / "terrain"
           / "pamir_kashgar_gebco2023_15arcsec.tif")
    g = grid_around(38.30, 75.05, 15_000.0, 100.0)
    z = np.asarray(load_terrain([str(dem)], g).elevation, dtype=np.float64)
    x, y = (float(v) for v in to_local(38.30, 75.05, g.crs))
    d = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))
    unc = IppUncertainty(radius, kind)
    sp = auto_spacing(unc, d, g)
    n_a = len(ipp_start_points(unc, sp))
    sp_b = sp
    while len(ipp_start_points(unc, sp_b)) < 2 * n_a:
        sp_b *= 0.95
    assert (n_a, len(ipp_start_points(unc, sp_b))) == counts
    a, _ = terrain_map(g, z, x, y, d, uncertainty=unc)
    b, _ = terrain_map(g, z, x, y, d, uncertainty=unc, start_spacing_m=sp_b)
    assert np.abs(a.poa - b.poa).sum() < 0.05
    blocks = (60, 5, 60, 5)  # 301 x 301 cells -> 60 x 60 blocks of 500 m
    a5 = a.poa[:300, :300].reshape(blocks).sum(axis=(1, 3))
    b5 = b.poa[:300, :300].reshape(blocks).sum(axis=(1, 3))
    assert np.abs(a5 - b5).sum() < 0.025
    assert abs(a.row - b.row) < 0.002


def test_uncertainty_larger_than_the_grid_is_refused_by_the_terrain_model():
    g = _grid(5_000.0)
    with pytest.raises(ProbabilityError) as e:
        terrain_map(g, np.zeros(g.shape), X0, Y0, RadialDistribution(COMPACT),
                    uncertainty=IppUncertainty(6_000.0, "disc"))
    assert e.value.code == "probability.err_uncertainty_too_large"


@settings(max_examples=20, deadline=None)
@given(st.floats(-2_900.0, 2_900.0), st.floats(-2_900.0, 2_900.0), st.floats(0.0, 3_000.0),
       st.sampled_from(["gaussian", "disc"]), st.floats(-2_000.0, 2_000.0))
def test_cells_plus_row_is_one_for_any_ipp_uncertainty_and_barrier(dx, dy, radius, kind, wy):
    g = _grid(3_000.0)
    wall = LineString([(X0 - 2500, Y0 + wy), (X0 + 1500, Y0 + wy + 300)])
    opts = TerrainOptions(barriers=[wall])
    d = RadialDistribution(quartiles_for("dementia", "dry-flat"))
    x, y = 500_000.0 + dx, 4_000_000.0 + dy
    try:
        pm, layers = terrain_map(g, np.zeros(g.shape), x, y, d, options=opts,
                                 uncertainty=IppUncertainty(radius, kind))
    except ProbabilityError as e:  # the IPP fell on the wall
        assert e.code == "probability.err_ipp_impassable"
        return
    assert pm.poa.min() >= 0.0
    assert pm.poa.sum() + pm.row == pytest.approx(1.0, abs=1e-12)
    assert pm.poa[layers.barrier].sum() == 0.0


@pytest.mark.parametrize("spacing", [0.0, -50.0, float("nan"), float("inf")])
def test_an_impossible_start_point_spacing_is_refused_in_words(spacing):
    g = _grid(3_000.0)
    with pytest.raises(ProbabilityError) as e:
        terrain_map(g, np.zeros(g.shape), X0, Y0, RadialDistribution(COMPACT),
                    uncertainty=IppUncertainty(500.0), start_spacing_m=spacing)
    assert e.value.code == "probability.terrain_model.err_start_spacing"
    assert "spacing" in str(e.value)


def test_weights_with_an_uncertain_ipp_keep_each_start_points_rest_of_world():
    # every start point's map is reweighted keeping its own grid total, so the mixture's ROW is
    # the unweighted mixture's and cells + ROW = 1
    g = _grid(3_000.0)
    rng = np.random.default_rng(3)
    z = 3000.0 + np.arange(g.shape[0])[:, None] * 20.0 + rng.normal(0, 1, g.shape)
    d = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))
    unc = IppUncertainty(1000.0, "disc")
    base, _ = terrain_map(g, z, X0, Y0, d, uncertainty=unc)
    track = LineString([(X0 - 3000, Y0 + 500), (X0 + 3000, Y0 + 500)])
    opts = TerrainOptions(tracks=[track], track_weight=2.0, drainage_weight=1.0,
                          drainage_min_area_m2=1e5, uphill_share=0.4)
    w, layers = terrain_map(g, z, X0, Y0, d, options=opts, uncertainty=unc)
    assert w.poa.sum() + w.row == pytest.approx(1.0, abs=1e-12)
    assert w.row == pytest.approx(base.row, abs=1e-12)
    assert layers.drainage is not None and layers.track.any()
    assert not np.allclose(w.poa, base.poa)  # the weights did act


# ------------------------------------ a capped law: each start point's search stops where it ends

def _both_ways(monkeypatch, *args, **kwargs):
    """The map with the start points' searches stopped where the law ends, and without."""
    import sar_planner.probability.terrain_model as tm

    calls: list[float] = []
    real = tm._search_limit

    def spy(*a):
        out = real(*a)
        calls.append(out[0])
        return out

    monkeypatch.setattr(tm, "_search_limit", spy)
    limited, layers = terrain_map(*args, **kwargs)
    monkeypatch.setattr(tm, "_search_limit", lambda *a: (math.inf, 0.0))
    full, layers_full = terrain_map(*args, **kwargs)
    return limited, full, calls, layers, layers_full


def _plateau(g: Grid, radius: float, z_low: float, z_high: float) -> np.ndarray:
    yy, xx = np.meshgrid(g.y_centres() - Y0, g.x_centres() - X0, indexing="ij")
    return np.where(np.hypot(xx, yy) <= radius, z_low, z_high)


@pytest.mark.parametrize("case", ["mountain", "cliff_gap", "disc_8"])
def test_a_capped_law_stops_the_searches_and_leaves_the_map_the_same_to_the_last_bit(
        monkeypatch, case):
    # A law capped at D (elapsed time x speed) has CDF exactly 1 from D on, and a stratum's
    # blurred law from D + rho on, so effort bands beyond them hold no mass: the start points'
    # searches stop there (plus the band that receives mass handed on over a gap) and the map,
    # ROW and the IPP's effort layer are the same bit for bit as with full searches.
    g = _grid(3_000.0)
    rng = np.random.default_rng(11)
    if case == "mountain":
        z = 3000.0 + ndimage.gaussian_filter(rng.normal(0, 300, g.shape), 2) * 6
        wall = LineString([(X0 - 2000, Y0 - 1500), (X0 + 1500, Y0 + 900)])
        opts = TerrainOptions(barriers=[wall],
                              tracks=[LineString([(X0 - 3000, Y0 + 400), (X0 + 3000, Y0 + 600)])],
                              track_friction=0.8, track_weight=1.0, drainage_weight=1.0,
                              drainage_min_area_m2=1e5, uphill_share=0.4)
        d = RadialDistribution(quartiles_for("hiker", "dry-mountainous"), cap_m=2500.0)
        unc = IppUncertainty(800.0, "gaussian")
    elif case == "cliff_gap":
        # a basin 1.2 km across under a 200 m wall (63 degrees, walkable with no slope limit at
        # e^(3.5 x 2) = 1,100 x the flat effort): the bands between the basin's far side and
        # the cap hold no cell, so their mass passes to the first band beyond the wall
        z = _plateau(g, 1200.0, 3000.0, 3200.0)
        opts = TerrainOptions(max_slope_deg=89.0)
        d = RadialDistribution(COMPACT, cap_m=2500.0)
        unc = IppUncertainty(400.0, "disc")
    else:
        z = 3000.0 + np.arange(g.shape[1])[None, :] * 15.0 + rng.normal(0, 2, g.shape)
        opts = TerrainOptions(connectivity=8)
        d = RadialDistribution(COMPACT, cap_m=1500.0)
        unc = IppUncertainty(600.0, "disc")
    limited, full, calls, lay, lay_full = _both_ways(monkeypatch, g, z, X0, Y0, d,
                                                     options=opts, uncertainty=unc)
    assert calls and all(math.isfinite(c) for c in calls)  # every other start point was limited
    assert np.array_equal(limited.poa, full.poa)
    assert limited.row == full.row
    assert np.array_equal(lay.effort, lay_full.effort)  # the IPP's own search is whole
    assert limited.poa.sum() + limited.row == pytest.approx(1.0, abs=1e-12)
    if case == "cliff_gap":
        above = z > 3100.0
        assert limited.poa[above].sum() > 0.01  # the handed-on mass did land beyond the wall


def test_a_limited_start_point_search_covers_only_the_law_s_reach():
    # the law capped at 1.5 km, a stratum of radius 200 m: the search must reach (1.5 + 0.2 +
    # 0.1) km x 1.0144 (the grid-path bias) and then the band of the next cell and two more; on
    # flat ground of 100 m cells that is about 2.1 km of the grid's 3 km half-width, so the
    # corners (4.2 km away) are not searched while the full search reaches them
    import sar_planner.probability.terrain_model as tm

    g = _grid(3_000.0)
    model = tm._Model(g, np.zeros(g.shape), RadialDistribution(COMPACT, cap_m=1500.0),
                      TerrainOptions(), np.zeros(g.shape, bool), np.zeros(g.shape, bool))
    r0, c0 = ipp_cell(g, X0, Y0)
    law = _StratumLaw(model.dist, 200.0)
    poa_l, row_l, eff_l = model.start_map(r0, c0, X0, Y0, law, limited=True)
    poa_f, row_f, eff_f = model.start_map(r0, c0, X0, Y0, law)
    assert np.isinf(eff_l[0, 0]) and np.isfinite(eff_f[0, 0])
    reached = np.isfinite(eff_l)
    assert np.all(eff_f[~reached] > 1700.0)  # nothing the law can reach was left out
    assert np.array_equal(eff_l[reached], eff_f[reached])
    assert np.array_equal(poa_l, poa_f) and row_l == row_f
    assert poa_f[~reached].sum() == 0.0


def test_the_blurred_law_is_exactly_one_from_the_cap_plus_the_stratum_radius():
    # |U + V| <= rho + |V| <= rho + cap: the CDF is 1.0 exactly there (what the stop relies on)
    import sar_planner.probability.terrain_model as tm

    d = RadialDistribution(COMPACT, cap_m=1500.0)
    law = _StratumLaw(d, 250.0)
    assert tm._support_end(law) == 1750.0 and tm._support_end(d) == 1500.0
    assert np.all(law.cdf(np.array([1750.0, 1750.5, 1800.0, 5e4])) == 1.0)
    assert float(law.cdf(1600.0)[0]) < 1.0
    assert tm._support_end(RadialDistribution(COMPACT)) == math.inf  # no cap: no stop


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(200.0, 6_000.0), st.floats(100.0, 1_500.0),
       st.sampled_from(["gaussian", "disc"]), st.sampled_from([8, 16]),
       st.sampled_from([30.0, 89.0]), st.floats(-1_500.0, 1_500.0))
def test_any_capped_law_gives_the_same_map_with_the_searches_stopped(seed, cap, radius,
                                                                     kind, conn, slope, wy):
    # the property behind the stop, on random rough ground (cliffs walkable at 89 degrees),
    # a barrier and weights: stopped and full searches give bit-identical maps and ROW
    import sar_planner.probability.terrain_model as tm

    g = _grid(3_000.0)
    rng = np.random.default_rng(seed)
    z = 3000.0 + ndimage.gaussian_filter(rng.normal(0, 200, g.shape), 1.5) * 5
    opts = TerrainOptions(connectivity=conn, max_slope_deg=slope, uphill_share=0.45,
                          barriers=[LineString([(X0 - 2500, Y0 + wy), (X0 + 1500, Y0 + wy + 300)])])
    d = RadialDistribution(COMPACT, cap_m=cap)
    unc = IppUncertainty(radius, kind)
    try:
        limited, _ = terrain_map(g, z, X0, Y0, d, options=opts, uncertainty=unc)
    except ProbabilityError as e:  # the IPP fell on the wall
        assert e.code == "probability.err_ipp_impassable"
        return
    real = tm._search_limit
    tm._search_limit = lambda *a: (math.inf, 0.0)
    try:
        full, _ = terrain_map(g, z, X0, Y0, d, options=opts, uncertainty=unc)
    finally:
        tm._search_limit = real
    assert np.array_equal(limited.poa, full.poa)
    assert limited.row == full.row
