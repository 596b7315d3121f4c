"""The mission map from logged sorties: flown track -> coverage -> POD -> Bayes, checked by hand.

Sources: POD = 1 - exp(-C) is the exponential detection law (Koopman 1946, search-theory.md);
the update POA_i' = POA_i (1 - POD_i) / (1 - sum_j POA_j POD_j) is Stone (1975), as in
sar_planner.probability.bayes. The grid is 10 x 10 cells of 100 m in UTM zone 46N (EPSG:32646),
near Golmud.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pyproj import CRS

from sar_planner.geo import from_local
from sar_planner.grid import Grid
from sar_planner.flown_plan import FlownPlan
from sar_planner.probability.logged import FlownSortie, replay_logged, sweep_width_for
from sar_planner.probability.maps import ProbabilityMap

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 1000.0, S0 + 1000.0, 100.0)
T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)


def _initial() -> ProbabilityMap:
    poa = np.arange(1.0, 101.0).reshape(10, 10)
    poa = 0.9 * poa / poa.sum()  # 0.9 in the grid, 0.1 rest of the world
    return ProbabilityMap(GRID, poa, 0.1)


def _track_along_row(row: int, x0: float = W0 - 500.0, x1: float = W0 + 1500.0) -> dict:
    """A straight east-west track over the centre line of grid row ``row`` (0 = north)."""
    y = S0 + 1000.0 - (row + 0.5) * 100.0
    lat, lon = from_local(np.array([x0, x1]), np.array([y, y]), UTM46)
    return {"type": "LineString", "coordinates": [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]}


def _plan(width: float | None, asset: str = "", area=None) -> dict:
    run = ((94.9, 36.1, math.nan), (94.91, 36.1, math.nan))
    return FlownPlan(name="S3", runs=(run,), sweep_width_m=width, asset_id=asset,
                     area=area).to_json()


def test_one_sortie_over_one_row_gives_the_bayes_update_by_hand():
    initial = _initial()
    # W = 50 m over 100 m cells, the track running past both grid edges: every cell of row 3
    # has coverage C = 50 x 100 / 100^2 = 0.5, every other cell 0.
    s = FlownSortie(7, T0, _track_along_row(3), _plan(50.0))
    out = replay_logged(initial, [s])
    p = 1.0 - math.exp(-0.5)  # 0.3935
    pod = np.zeros((10, 10))
    pod[3, :] = p
    pos = float(np.sum(initial.poa * pod))
    expected = initial.poa * (1.0 - pod) / (1.0 - pos)
    assert out.state.current.poa == pytest.approx(expected, abs=1e-12)
    assert out.state.current.row == pytest.approx(0.1 / (1.0 - pos), abs=1e-12)
    # row 3 holds cells 31..40 of 5050 parts of 0.9: POS = 0.9 x 355 / 5050 x p
    assert pos == pytest.approx(0.9 * 355 / 5050 * p, rel=1e-12)
    (u,) = out.sorties
    assert u.number == 7 and u.sweep_width_m == 50.0 and u.width_source == "plan"
    assert u.pos == pytest.approx(pos, rel=1e-12)
    assert u.pod_mean == pytest.approx(p, abs=1e-12) and u.pod_mean_over == "swept"


def test_two_sorties_apply_in_takeoff_order_not_list_order():
    initial = _initial()
    later = FlownSortie(9, T0 + dt.timedelta(hours=3), _track_along_row(3), _plan(50.0))
    first = FlownSortie(8, T0, _track_along_row(6), _plan(100.0))
    out = replay_logged(initial, [later, first])
    assert [u.number for u in out.sorties] == [8, 9]
    # sortie 8: W = 100 m, C = 1 on row 6, POD 1 - 1/e; then sortie 9 on row 3 (as above)
    pod8 = np.zeros((10, 10))
    pod8[6, :] = 1.0 - math.exp(-1.0)
    pod9 = np.zeros((10, 10))
    pod9[3, :] = 1.0 - math.exp(-0.5)
    pos8 = float(np.sum(initial.poa * pod8))
    after8 = initial.poa * (1 - pod8) / (1 - pos8)
    pos9 = float(np.sum(after8 * pod9))
    after9 = after8 * (1 - pod9) / (1 - pos9)
    assert out.state.current.poa == pytest.approx(after9, abs=1e-12)
    assert [u.pos for u in out.sorties] == [pytest.approx(pos8, rel=1e-12),
                                             pytest.approx(pos9, rel=1e-12)]


def test_a_sortie_without_a_sweep_width_is_listed_and_not_applied():
    initial = _initial()
    out = replay_logged(initial, [FlownSortie(3, T0, _track_along_row(3), _plan(None)),
                                  FlownSortie(4, T0, _track_along_row(3), None)])
    # without a plan, the width would come from the aircraft's catalogue type: none is linked
    assert [u.skipped for u in out.sorties] == ["probability.logged.skipped_no_width",
                                                "trackcounts.no_type"]
    assert out.state.current.poa == pytest.approx(initial.poa, abs=0)


def test_the_asset_catalogue_width_is_used_only_when_the_plan_has_none():
    widths = {"m350-h20t": 80.0}.get
    assert sweep_width_for(_plan(None, asset="m350-h20t"), widths) == (80.0, "asset")
    assert sweep_width_for(_plan(60.0, asset="m350-h20t"), widths) == (60.0, "plan")
    assert sweep_width_for(_plan(None, asset="unknown"), widths) == (None, None)


def test_mean_pod_over_the_plan_segment():
    initial = _initial()
    # the segment: the west half of rows 2-4 (x 0..500 m, cells whose centres are inside)
    x = np.array([W0, W0 + 500.0, W0 + 500.0, W0, W0])
    y = S0 + 1000.0 - np.array([200.0, 200.0, 500.0, 500.0, 200.0])
    lat, lon = from_local(x, y, UTM46)
    area = tuple((float(a), float(b)) for a, b in zip(lon, lat, strict=True))
    out = replay_logged(initial, [FlownSortie(5, T0, _track_along_row(3), _plan(50.0, area=area))])
    (u,) = out.sorties
    # 15 cells in the segment, 5 of them (row 3) with POD 1 - exp(-0.5): mean = p / 3
    assert u.pod_mean_over == "segment"
    assert u.pod_mean == pytest.approx((1.0 - math.exp(-0.5)) / 3.0, abs=1e-9)


def test_extra_pod_rasters_apply_after_the_logged_sorties():
    initial = _initial()
    extra = np.full((10, 10), 0.2)
    out = replay_logged(initial, [FlownSortie(1, T0, _track_along_row(0), _plan(100.0))],
                        extra_pods=[extra])
    assert len(out.state.pos) == 2
    pod = np.zeros((10, 10))
    pod[0, :] = 1.0 - math.exp(-1.0)
    a = initial.poa * (1 - pod) / (1 - np.sum(initial.poa * pod))
    b = a * 0.8 / (1 - np.sum(a * 0.2))
    assert out.state.current.poa == pytest.approx(b, abs=1e-12)
