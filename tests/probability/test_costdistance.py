"""Review tests of the compiled Dijkstra after the kernel changes (impassable cells at -inf,
uniform friction not read per edge, shared _relax).

References: scikit-image's MCP_Geometric (the documented cost: edge length x mean of the two end
cells' costs) is the oracle for 8 neighbours; a shortest-path distance obeys the triangle
inequality d(a, c) <= d(a, b) + d(b, c) for any graph, directed or not (Cormen et al.,
Introduction to Algorithms, 3rd ed., lemma 24.10), which checks the anisotropic (Tobler) kernel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skimage.graph import MCP_Geometric

from sar_planner.probability.costdistance import cost_distance, travel_effort

_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _mcp(friction: np.ndarray, start: tuple[int, int], h: float) -> np.ndarray:
    costs = MCP_Geometric(friction).find_costs([start])[0] * h
    return np.where(np.isfinite(friction), costs, np.inf)


@st.composite
def _friction(draw, uniform: bool):
    rows = draw(st.integers(1, 14))
    cols = draw(st.integers(1, 14))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if uniform:
        f = np.full((rows, cols), draw(st.floats(0.05, 50.0)))
    else:
        f = rng.uniform(0.1, 10.0, (rows, cols)) ** draw(st.sampled_from([1.0, 2.0]))
    share = draw(st.sampled_from([0.0, 0.1, 0.3, 0.5]))
    f[rng.random((rows, cols)) < share] = np.inf
    r, c = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
    f[r, c] = f[r, c] if np.isfinite(f[r, c]) else 1.0
    return f, (r, c), draw(st.sampled_from([1.0, 30.0, 0.5]))


@_SETTINGS
@given(_friction(uniform=False))
def test_cost_distance_equals_mcp_geometric_with_impassable_cells(case):
    f, start, h = case
    mine = cost_distance(f, start, h)
    ref = _mcp(f, start, h)
    # unreachable cells: inf in both (MCP keeps inf where no route exists)
    assert np.array_equal(np.isinf(mine), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(mine[fin], ref[fin], rtol=1e-9, atol=1e-9)


@_SETTINGS
@given(_friction(uniform=True))
def test_cost_distance_equals_mcp_geometric_with_uniform_friction(case):
    f, start, h = case
    mine = cost_distance(f, start, h)
    ref = _mcp(f, start, h)
    assert np.array_equal(np.isinf(mine), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(mine[fin], ref[fin], rtol=1e-9, atol=1e-9)


@_SETTINGS
@given(st.integers(2, 12), st.integers(2, 12), st.integers(0, 2**32 - 1),
       st.sampled_from([8, 16]), st.sampled_from([20.0, 40.0, 90.0]),
       st.sampled_from([0.0, 0.2]))
def test_travel_effort_obeys_the_triangle_inequality(rows, cols, seed, conn, max_slope, barriers):
    rng = np.random.default_rng(seed)
    h = 30.0
    z = np.cumsum(np.cumsum(rng.normal(0, 8.0, (rows, cols)), axis=0), axis=1)
    fr = rng.uniform(0.5, 2.0, (rows, cols))
    fr[rng.random((rows, cols)) < barriers] = np.inf
    a = (int(rng.integers(rows)), int(rng.integers(cols)))
    b = (int(rng.integers(rows)), int(rng.integers(cols)))
    fr[a] = fr[b] = 1.0
    da = travel_effort(z, h, a, friction=fr, max_slope_deg=max_slope, connectivity=conn)
    db = travel_effort(z, h, b, friction=fr, max_slope_deg=max_slope, connectivity=conn)
    assert da[a] == 0.0 and db[b] == 0.0
    assert np.all(da >= 0) and not np.isnan(da).any()
    # d(a, c) <= d(a, b) + d(b, c), tiny slack for the slope table's interpolation order
    bound = da[b] + db
    fin = np.isfinite(bound)
    assert np.all(da[fin] <= bound[fin] * (1 + 1e-9) + 1e-9)
    # impassable cells are never reached
    assert np.all(np.isinf(da[np.isinf(fr)]))


@_SETTINGS
@given(st.integers(1, 15), st.integers(1, 15), st.integers(0, 2**32 - 1),
       st.sampled_from([8, 16]), st.sampled_from([0.0, 0.3]), st.booleans(),
       st.sampled_from([40.0, 90.0]), st.sampled_from([5.0, 200.0]))
def test_bucket_queue_and_heap_kernels_agree(rows, cols, seed, conn, barriers, uniform, slope,
                                             rough):
    # with no slope limit (90) on rough ground the bucket ring is sized from the DEM's steepest
    # step (gradients past the table's 10 use the exact factor): an edge beyond the ring
    # would be filed in the wrong bucket and settle too early
    # the same search by the bucket queue and (ring cap forced to 0) by the 4-ary heap
    import sar_planner.probability.costdistance as cd

    rng = np.random.default_rng(seed)
    z = np.cumsum(rng.normal(0, rough, (rows, cols)), axis=0)
    fr = np.ones((rows, cols)) if uniform else rng.uniform(0.5, 3.0, (rows, cols))
    fr[rng.random((rows, cols)) < barriers] = np.inf
    start = (int(rng.integers(rows)), int(rng.integers(cols)))
    fr[start] = 1.0
    bucket = travel_effort(z, 10.0, start, friction=fr, connectivity=conn, max_slope_deg=slope)
    saved = cd._MAX_RING
    cd._MAX_RING = 0
    try:
        heap = travel_effort(z, 10.0, start, friction=fr, connectivity=conn,
                             max_slope_deg=slope)
    finally:
        cd._MAX_RING = saved
    assert np.array_equal(np.isinf(bucket), np.isinf(heap))
    fin = np.isfinite(heap)
    np.testing.assert_allclose(bucket[fin], heap[fin], rtol=1e-12, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 40), st.sampled_from([8, 16]), st.floats(1.0, 100.0))
def test_flat_effort_grows_with_distance_along_every_ray(n, conn, h):
    z = np.full((2 * n + 1, 2 * n + 1), 3000.0)
    e = travel_effort(z, h, (n, n), connectivity=conn)
    # along the 8 rays from the centre effort rises strictly, and equals the straight-line
    # distance on the 4 axes and the 4 diagonals (exact grid paths)
    k = np.arange(n + 1)
    for dr, dc in [(0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)]:
        ray = e[n + dr * k, n + dc * k]
        assert np.all(np.diff(ray) > 0)
        np.testing.assert_allclose(ray, k * h * math.hypot(dr, dc), rtol=1e-12)
    # and no cell is closer in effort than in straight line
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1] * h
    assert np.all(e >= np.hypot(xx, yy) * (1 - 1e-12))


# ------------------------------------------------ a search limited to an effort (limit_m / band_m)

def _stop_of(full: np.ndarray, limit: float, band: float) -> float:
    """The effort up to which a limited search must be exact, from the documented rule: the
    limit, or with bands the end of the band holding the least effort beyond the limit and two
    bands more (travel_effort's docstring)."""
    beyond = full[np.isfinite(full) & (full > limit)]
    if band == 0 or beyond.size == 0:
        return limit
    return max(limit, (math.floor(beyond.min() / band + 0.5) + 2.5) * band)


@_SETTINGS
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**32 - 1),
       st.sampled_from([8, 16]), st.sampled_from([0.0, 0.2]), st.sampled_from([40.0, 90.0]),
       st.floats(0.01, 1.2), st.sampled_from([0.0, 10.0, 37.0]), st.booleans())
def test_a_limited_search_is_exact_up_to_its_stop_and_unknown_beyond(rows, cols, seed, conn,
                                                                     barriers, slope, share,
                                                                     band, heap):
    # Dijkstra settles nodes in order of distance (Cormen et al., lemma 24.6 / theorem 24.6):
    # stopping it leaves every node up to the stop with its exact distance; the rest is inf
    import sar_planner.probability.costdistance as cd

    rng = np.random.default_rng(seed)
    z = np.cumsum(rng.normal(0, 30.0, (rows, cols)), axis=0)
    fr = rng.uniform(0.5, 3.0, (rows, cols))
    fr[rng.random((rows, cols)) < barriers] = np.inf
    start = (int(rng.integers(rows)), int(rng.integers(cols)))
    fr[start] = 1.0
    full = travel_effort(z, 10.0, start, friction=fr, connectivity=conn, max_slope_deg=slope)
    limit = share * float(full[np.isfinite(full)].max()) + 1.0
    saved = cd._MAX_RING
    if heap:
        cd._MAX_RING = 0  # the 4-ary heap kernel instead of the bucket queue
    try:
        part = travel_effort(z, 10.0, start, friction=fr, connectivity=conn,
                             max_slope_deg=slope, limit_m=limit, band_m=band)
    finally:
        cd._MAX_RING = saved
    exact = full <= _stop_of(full, limit, band)
    assert np.array_equal(part[exact], full[exact])  # bit for bit
    assert np.all((part == full) | np.isinf(part))  # beyond: the exact value or not searched


def test_a_limited_search_on_flat_ground_stops_at_the_band_after_the_limit():
    # flat open ground, 8 neighbours, 1 m cells: effort is 1 m per straight step and sqrt2 per
    # diagonal one. With limit 10 m and 3 m bands (centred on 0, 3, 6, ...) the least effort
    # beyond the limit is 9 + sqrt2 = 10.414 m (cell (1, 10)), in band 3 ([7.5, 10.5)), so the
    # search is exact to (3 + 2.5) x 3 = 16.5 m and stops within one bucket (the smallest edge
    # effort, 5 % downhill: e^-0.175 = 0.84 m) after it: (0, 16) is 16 m, (0, 18) is not
    # searched, nor the corner (30, 30) at 30 sqrt2 = 42.4 m
    z = np.zeros((31, 31))
    full = travel_effort(z, 1.0, (0, 0), connectivity=8)
    part = travel_effort(z, 1.0, (0, 0), connectivity=8, limit_m=10.0, band_m=3.0)
    assert full[1, 10] == pytest.approx(9 + math.sqrt(2))
    assert part[0, 16] == full[0, 16] == pytest.approx(16.0)
    assert np.array_equal(part[full <= 16.5], full[full <= 16.5])
    assert np.isinf(part[0, 18]) and np.isinf(part[30, 30])
    assert np.all(np.isinf(part[full > 16.5 + 0.84]))
    # without bands the search is exact to the limit itself and stops a bucket after it
    plain = travel_effort(z, 1.0, (0, 0), connectivity=8, limit_m=10.0)
    assert np.array_equal(plain[full <= 10.0], full[full <= 10.0])
    assert np.isinf(plain[0, 12]) and np.all(np.isinf(plain[full > 10.0 + 0.84]))


@pytest.mark.parametrize("limit, band", [(0.0, 0.0), (-5.0, 1.0), (float("nan"), 1.0),
                                         (10.0, -1.0), (10.0, float("inf"))])
def test_a_bad_search_limit_is_refused_in_words(limit, band):
    from sar_planner.errors import ProbabilityError

    with pytest.raises(ProbabilityError) as ei:
        travel_effort(np.zeros((3, 3)), 1.0, (1, 1), limit_m=limit, band_m=band)
    assert ei.value.code == "review.err_effort_limit"
    assert "positive" in ei.value.message("en")
    assert "正数" in ei.value.message("zh")
