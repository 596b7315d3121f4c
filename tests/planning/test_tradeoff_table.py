"""Plans a crew can afford (issue 15 item 3): the height x coverage table is the plans themselves.

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), a
0.018 x 0.018 degree square at 39.0 N, 75.6 E (about 1.56 km x 2.0 km = 3.11 km^2).
Hand checks: POD = 1 - exp(-W L / A) (Koopman 1946; IAMSAR Vol. II, coverage C = W / S); with
legs S apart filling the area, W L / A is about C, so C = 1 gives POD about 1 - e^-1 = 0.632 and
C = 0.5 about 1 - e^-0.5 = 0.393.
"""

from __future__ import annotations

import math

import pytest

from sar_planner.errors import PlanningError
from sar_planner.planner import PlanRequest, plan_search
from sar_planner.settings import get_settings
from sar_planner.terrain.library import list_library
from sar_planner.tradeoff import aircraft_hours_today, plan_pod, tradeoff_table

LAT, LON, D = 39.0, 75.6, 0.009
RING = ((LON - D, LAT - D), (LON + D, LAT - D), (LON + D, LAT + D), (LON - D, LAT + D),
        (LON - D, LAT - D))


@pytest.fixture(scope="module")
def sources():
    entry = next(e for e in list_library(get_settings()) if e.id == "pamir-15arcsec")
    return list(entry.paths)


@pytest.fixture(scope="module")
def table(sources):
    req = PlanRequest(asset_id="m30t", pattern="parallel", area=RING)
    return tradeoff_table(req, 0.2, heights_m=(40.0, 90.0), coverages=(0.5, 1.0),
                          available_s=4 * 3600.0, sources=sources)


def test_rows_follow_the_published_pod_and_pos(table):
    rows, skipped = table
    assert not skipped and len(rows) == 4
    for r in rows:
        # spacing S = W / C (IAMSAR)
        assert r.spacing_m == pytest.approx(r.sweep_width_m / r.coverage, rel=1e-9)
        assert r.pod == pytest.approx(1 - math.exp(-r.sweep_width_m * r.search_m / r.area_m2))
        assert r.pod == pytest.approx(1 - math.exp(-r.coverage), abs=0.03)  # 0.393 / 0.632
        assert r.pos == pytest.approx(0.2 * r.pod)
        assert r.pos_per_hour == pytest.approx(r.pos / (r.flight_s / 3600.0))
        assert r.area_m2 == pytest.approx(3.11e6, rel=0.01)  # 0.018 deg square at 39 N
        assert r.over_budget == (r.flight_s > 4 * 3600.0)
    # twice the coverage needs about twice the sorties and hours for the same height
    low = {r.agl_m: r for r in rows if r.coverage == 0.5}
    full = {r.agl_m: r for r in rows if r.coverage == 1.0}
    for h in (40.0, 90.0):
        assert 1.6 < full[h].flight_s / low[h].flight_s < 2.4
        assert full[h].sorties > low[h].sorties
    best = [r for r in rows if r.best]
    assert len(best) == 1 and best[0].pos_per_hour == max(r.pos_per_hour for r in rows)
    # a wider sweep at 90 m buys POS in fewer hours than 40 m
    assert best[0].agl_m == 90.0 and best[0].coverage == 0.5


def test_applied_best_row_gives_the_plan_the_table_promised(table, sources):
    best = next(r for r in table[0] if r.best)
    # what the page sets: the height and the spacing of the row (a fresh plan, no cache)
    res = plan_search(PlanRequest(asset_id="m30t", pattern="parallel", area=RING,
                                  agl_m=best.agl_m, spacing_m=best.spacing_m),
                      sources=sources)
    assert len(res.plan.sorties) == best.sorties
    assert res.plan.duration_s == pytest.approx(best.flight_s, rel=1e-12)
    assert plan_pod(res)[0] == pytest.approx(best.pod, rel=1e-12)
    assert res.plan.spacing_m == pytest.approx(best.spacing_m, rel=1e-12)


def test_aircraft_hours_today_counts_active_linked_aircraft_only():
    roster = [{"registration": "B-7001", "active": True, "asset_id": "m30t"},
              {"registration": "B-7002", "active": True, "asset_id": "m30t"},
              {"registration": "B-7003", "active": False, "asset_id": "m30t"},
              {"registration": "B-7004", "active": True, "asset_id": "mavic3t"},
              {"registration": "B-7005", "active": True, "asset_id": None}]
    # 2 aircraft x 33 min = 66 min = 3960 s
    assert aircraft_hours_today(roster, "m30t", 33 * 60.0) == (2, 3960.0)
    assert aircraft_hours_today(roster, "m350", 2400.0) == (0, 0.0)


@pytest.mark.parametrize("over, key", [
    ({"pattern": "expanding-square", "area": None, "datum": (LAT, LON)}, "tradeoff.err_pattern"),
])
def test_datum_patterns_are_refused_with_the_reason(over, key):
    req = PlanRequest(asset_id="m30t", **{"pattern": "parallel", "area": RING, **over})
    with pytest.raises(PlanningError) as e:
        tradeoff_table(req, 0.2, plan=lambda r: pytest.fail("must not plan"))
    assert e.value.code == key


@pytest.mark.parametrize("poa, hours, key", [(1.5, None, "tradeoff.err_poa"),
                                             (float("nan"), None, "tradeoff.err_poa"),
                                             (0.2, -1.0, "tradeoff.err_hours")])
def test_bad_poa_or_hours_are_refused(poa, hours, key):
    req = PlanRequest(asset_id="m30t", pattern="parallel", area=RING)
    with pytest.raises(PlanningError) as e:
        tradeoff_table(req, poa, available_s=hours, plan=lambda r: pytest.fail("must not plan"))
    assert e.value.code == key


def test_budget_marks_follow_the_hours_typed(table):
    from sar_planner.tradeoff import mark_budget

    rows = table[0]
    cheapest = min(r.flight_s for r in rows)
    marked = mark_budget(rows, cheapest)  # exactly the cheapest row's time: it still fits
    assert [r.over_budget for r in marked] == [r.flight_s > cheapest for r in rows]
    assert sum(not r.over_budget for r in marked) == 1
    assert not any(r.over_budget for r in mark_budget(rows, None))
