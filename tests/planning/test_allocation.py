"""Optimal effort allocation (Stone 1975; Charnes-Cooper) and the next-sortie ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import box

from sar_planner.allocation import (AssetOption, allocate_effort, greedy_allocation,
                                    marginal_gains, rank_candidates)
from sar_planner.assets import get_asset
from sar_planner.grid import Grid


def test_two_areas_equal_marginal_gain_by_hand():
    # search-theory.md: minimise sum p_a exp(-w_a t_a), sum t_a = T. With w = 1/h, p = (0.6, 0.2)
    # and T = 2 h: area 1 alone until p1 e^-t1 = p2 (t1 = ln 3 = 1.0986 h), then both share:
    # t1 - t2 = ln 3 and t1 + t2 = 2 -> t1 = (2 + ln 3) / 2 = 1.5493 h, t2 = 0.4507 h
    t = allocate_effort([0.6, 0.2], [1.0, 1.0], 2.0)
    assert t == pytest.approx([(2 + math.log(3)) / 2, (2 - math.log(3)) / 2], abs=1e-9)
    g = marginal_gains(np.array([0.6, 0.2]), np.array([1.0, 1.0]), t)
    assert g[0] == pytest.approx(g[1], rel=1e-9)  # equal marginal gain
    # POS = 1 - sum p e^-t = 0.8 - 2 x 0.6 e^-1.5493 = 0.5451
    assert 0.8 - float(np.sum([0.6, 0.2] * np.exp(-t))) == pytest.approx(0.5451, abs=1e-4)


def test_little_time_goes_all_to_the_best_area():
    t = allocate_effort([0.6, 0.2], [1.0, 1.0], 1.0)  # 1 h < ln 3 h
    assert t == pytest.approx([1.0, 0.0], abs=1e-9)


def test_greedy_water_filling_reaches_the_same_allocation():
    p, w = [0.5, 0.3, 0.2], [0.8, 1.5, 2.0]
    exact = allocate_effort(p, w, 3.0)
    greedy = greedy_allocation(p, w, 3.0, 0.001)
    assert greedy == pytest.approx(exact, abs=0.005)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1.0), st.floats(0.05, 5.0)), min_size=1, max_size=6),
       st.floats(0.0, 10.0), st.integers(0, 2**31 - 1))
def test_kkt_allocation_beats_any_other_split(areas, total, seed):
    p = np.array([a[0] for a in areas])
    w = np.array([a[1] for a in areas])
    t = allocate_effort(p, w, total)
    assert np.all(t >= 0) and t.sum() == pytest.approx(total, abs=1e-9)
    miss = float(np.sum(p * np.exp(-w * t)))
    rng = np.random.default_rng(seed)
    for _ in range(20):
        other = rng.dirichlet(np.ones(len(p))) * total
        assert miss <= float(np.sum(p * np.exp(-w * other))) + 1e-9
    g = marginal_gains(p, w, t)
    used = t > 1e-9
    if used.any():
        beta = g[used].max()
        assert np.allclose(g[used], beta, rtol=1e-6)
        assert np.all(g[~used] <= beta * (1 + 1e-6))


def test_ranking_puts_the_dense_near_segment_first_and_says_why():
    crs = CRS.from_epsg(32646)
    grid = Grid.from_bounds(crs, 0, 0, 6000, 2000, 100.0)
    poa = np.zeros(grid.shape)
    xs = grid.x_centres()
    poa[:, xs < 2000] = 0.6 / (20 * 20)     # segment A: 60 %
    poa[:, (xs > 2000) & (xs < 4000)] = 0.3 / (20 * 20)  # B: 30 %
    poa[:, xs > 4000] = 0.1 / (20 * 20)     # C: 10 %
    segs = [("A", box(0, 0, 2000, 2000)), ("B", box(2000, 0, 4000, 2000)),
            ("C", box(4000, 0, 6000, 2000))]
    opts = [AssetOption(get_asset("m30t"), 40.0, 1500.0, (3000.0, 1000.0)),
            AssetOption(get_asset("mavic3t"), 35.0, 1700.0, (3000.0, 1000.0))]
    ranked = rank_candidates(poa, grid, segs, opts)
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    assert ranked[0].segment == "A"
    assert all(a.pos_per_minute >= b.pos_per_minute for a, b in zip(ranked, ranked[1:], strict=False))
    best = ranked[0]
    # POS = POA x (1 - exp(-W v t / A)) for the search time it gets
    c = 40.0 * 8.0 * best.search_s / 4e6 if best.asset_id == "m30t" else None
    if c is not None:
        assert best.coverage == pytest.approx(c)
        assert best.pos == pytest.approx(0.6 * (1 - math.exp(-c)))
    assert {r.key for r in best.reasons} >= {"planning.why_poa", "planning.why_effort",
                                             "planning.why_pos"}
    assert any(r.key == "planning.why_below" for r in ranked[1].reasons)


def test_a_segment_out_of_reach_is_not_offered():
    crs = CRS.from_epsg(32646)
    grid = Grid.from_bounds(crs, 0, 0, 60000, 2000, 500.0)
    poa = np.full(grid.shape, 1.0 / grid.shape[0] / grid.shape[1])
    segs = [("near", box(0, 0, 2000, 2000)), ("far", box(55000, 0, 60000, 2000))]
    opts = [AssetOption(get_asset("mavic3t"), 35.0, 1700.0, (0.0, 0.0))]
    ranked = rank_candidates(poa, grid, segs, opts)
    assert [c.segment for c in ranked] == ["near"]
