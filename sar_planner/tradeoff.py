"""Plans a crew can afford: height x coverage choices for one segment and one aircraft.

For a segment of area ``A`` (m^2, in the plan's metric CRS) and POA ``p``, each choice of height
above ground ``h`` (m) and coverage ``C`` is PLANNED with :func:`sar_planner.planner.plan_search`
(the same call the Plan page draws), so the table's figures are the plan's own:

- spacing ``S = W / C`` (m), ``W`` the aircraft's effective sweep width at ``h``
  (:func:`sar_planner.sweep.effective_sweep_width`);
- sorties = the planner's own split into battery or fuel loads; flight time = the sum of their
  durations including transits and climbs (s);
- POD = ``1 - exp(-W L / A)`` with ``L`` the plan's search-leg length (the exponential detection
  function for parallel sweeps, Koopman 1946 / IAMSAR Vol. II: coverage ``Z / A = W L / A``);
- POS = ``p x POD``; POS per flight hour = ``POS / (flight time / 3600)``.

The best row is the one with the largest POS per flight hour. A row is "over today's hours" when
its flight time exceeds the aircraft-hours the unit has today (:func:`aircraft_hours_today`).
Applying a row means planning its :attr:`TradeoffRow.request`, the very request the row was
computed from, so the plan drawn has exactly the sorties, hours and POD the table promised.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon

from sar_planner.errors import PlanningError
from sar_planner.flightpath import PlanResult
from sar_planner.planner import PlanRequest, plan_search

__all__ = ["DEFAULT_HEIGHTS_M", "DEFAULT_COVERAGES", "TradeoffRow", "Skipped", "tradeoff_table",
           "aircraft_hours_today", "plan_pod", "mark_budget"]

#: Heights above ground offered by default (m): low for small subjects, higher for wide sweeps.
DEFAULT_HEIGHTS_M: tuple[float, ...] = (40.0, 60.0, 90.0)
#: Coverages offered by default (C = W / S): a quick look, the usual full cover, a thorough one.
DEFAULT_COVERAGES: tuple[float, ...] = (0.5, 1.0, 1.5)


@dataclass(frozen=True)
class TradeoffRow:
    """One choice of the table.

    Attributes
    ----------
    agl_m, coverage:
        The height above ground (m) and the coverage asked for.
    spacing_m, sweep_width_m:
        The plan's track spacing and effective sweep width (m).
    sorties:
        Number of sorties the planner splits the plan into.
    flight_s:
        Total flight time of those sorties (s).
    search_m:
        Length of the search legs (m), ``L`` of the POD.
    area_m2:
        The segment's area in the plan's metric CRS (m^2), ``A`` of the POD.
    pod, pos, pos_per_hour:
        ``1 - exp(-W L / A)``, ``POA x POD`` and ``POS / flight hours``.
    best:
        True on the row with the largest POS per flight hour.
    over_budget:
        True when ``flight_s`` exceeds the aircraft-hours available today (False when none given).
    request:
        The plan request this row was computed from; planning it again gives the same plan.
    """

    agl_m: float
    coverage: float
    spacing_m: float
    sweep_width_m: float
    sorties: int
    flight_s: float
    search_m: float
    area_m2: float
    pod: float
    pos: float
    pos_per_hour: float
    request: PlanRequest
    best: bool = False
    over_budget: bool = False

    @property
    def flight_h(self) -> float:
        """Flight time in hours."""
        return self.flight_s / 3600.0


@dataclass(frozen=True)
class Skipped:
    """A height x coverage the planner refused, with its error key and parameters."""

    agl_m: float
    coverage: float
    key: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def plan_pod(result: PlanResult) -> tuple[float, float, float]:
    """``(POD, L, A)`` of a planned area search: ``1 - exp(-W L / A)``.

    ``L`` is the sum of the sorties' search-leg lengths (m), ``A`` the area of the segment as
    planned (m^2, ``result.area_xy``), ``W`` the plan's sweep width (m).
    """
    if not result.area_xy:
        raise PlanningError("planning.err_no_area", pattern=result.plan.pattern)
    area = float(Polygon(result.area_xy).area)
    length = float(sum(s.search_length_m for s in result.plan.sorties))
    if not area > 0:
        raise PlanningError("planning.err_no_area", pattern=result.plan.pattern)
    return 1.0 - math.exp(-result.plan.sweep_width_m * length / area), length, area


def tradeoff_table(req: PlanRequest, poa: float,
                   heights_m: Sequence[float] = DEFAULT_HEIGHTS_M,
                   coverages: Sequence[float] = DEFAULT_COVERAGES,
                   available_s: float | None = None,
                   plan: Callable[[PlanRequest], PlanResult] | None = None,
                   sources: Sequence[str] | None = None,
                   ) -> tuple[list[TradeoffRow], list[Skipped]]:
    """Every height x coverage choice for ``req``'s area and aircraft, planned and scored.

    Parameters
    ----------
    req:
        The crew's request (area, aircraft, pattern ``parallel`` or ``creeping-line``, light,
        launch point, CRS); its height, coverage and spacing are replaced by each choice's.
    poa:
        The segment's probability of area (0..1) on the current POA map.
    heights_m, coverages:
        The choices (m above ground; C = W / S).
    available_s:
        Aircraft time the unit has today (s); rows needing more are marked ``over_budget``.
    plan:
        The planning call (default: ``plan_search`` over ``sources``); the page passes its
        cached call so that applying a row reuses the very plan.

    Returns
    -------
    (rows, skipped)
        Rows in height then coverage order, the best POS per flight hour marked; choices the
        planner refused, each with its reason.
    """
    if req.pattern not in ("parallel", "creeping-line"):
        raise PlanningError("tradeoff.err_pattern", pattern=req.pattern)
    if not (math.isfinite(poa) and 0.0 <= poa <= 1.0):
        raise PlanningError("tradeoff.err_poa", value=f"{poa}")
    if available_s is not None and not (math.isfinite(available_s) and available_s >= 0):
        raise PlanningError("tradeoff.err_hours", value=f"{available_s}")
    call = plan or (lambda r: plan_search(r, sources=sources))
    rows: list[TradeoffRow] = []
    skipped: list[Skipped] = []
    for h in heights_m:
        for c in coverages:
            r = dataclasses.replace(req, agl_m=float(h), coverage=float(c), spacing_m=None)
            try:
                res = call(r)
            except PlanningError as e:
                skipped.append(Skipped(float(h), float(c), e.code, dict(e.params)))
                continue
            pod, length, area = plan_pod(res)
            flight = res.plan.duration_s
            pos = poa * pod
            rows.append(TradeoffRow(
                agl_m=float(h), coverage=float(c), spacing_m=res.plan.spacing_m,
                sweep_width_m=res.plan.sweep_width_m, sorties=len(res.plan.sorties),
                flight_s=flight, search_m=length, area_m2=area, pod=pod, pos=pos,
                pos_per_hour=pos / (flight / 3600.0) if flight > 0 else 0.0, request=r))
    if rows:
        best = max(range(len(rows)), key=lambda i: rows[i].pos_per_hour)
        rows[best] = dataclasses.replace(rows[best], best=True)
    return mark_budget(rows, available_s), skipped


def mark_budget(rows: Sequence[TradeoffRow], available_s: float | None) -> list[TradeoffRow]:
    """``rows`` with ``over_budget`` set where the flight time exceeds ``available_s`` (s);
    none marked when ``available_s`` is None."""
    if available_s is not None and not (math.isfinite(available_s) and available_s >= 0):
        raise PlanningError("tradeoff.err_hours", value=f"{available_s}")
    return [dataclasses.replace(r, over_budget=available_s is not None and r.flight_s > available_s)
            for r in rows]


def aircraft_hours_today(roster: Iterable[Mapping[str, Any]], asset_id: str,
                         endurance_s: float) -> tuple[int, float]:
    """``(n, n x endurance_s)``: the roster's ACTIVE aircraft linked to catalogue type
    ``asset_id``, and the flight time they give with one full load each (s).

    The rule the Plan page states: one sortie's endurance per active aircraft of that type; the
    crew types a different figure when more loads (spare batteries, refuelling) are at hand.
    """
    n = sum(1 for a in roster if a.get("active") and a.get("asset_id") == asset_id)
    return n, n * float(endurance_s)
