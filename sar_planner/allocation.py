"""What to fly next: optimal effort allocation and a ranking of candidate sorties.

Search-theory.md (Stone, Theory of Optimal Search, 1975; Charnes-Cooper for one resource): with
POA ``p_a`` in area a and a search that sweeps ``w_a = W v / A_a`` of it per unit time, the
probability of missing the subject after ``t_a`` in each area is ``sum p_a exp(-w_a t_a)``. It is
smallest, for a total time T, where the marginal gains ``p_a w_a exp(-w_a t_a)`` are equal (= beta)
in every area that gets effort, and no larger in those that get none:
``t_a = max(0, ln(p_a w_a / beta) / w_a)``. :func:`allocate_effort` finds beta by bisection;
:func:`greedy_allocation` reaches the same by giving each small increment to the area with the
largest marginal gain (water-filling).

:func:`rank_candidates` scores every (segment x asset x pattern) sortie the crews could fly next:
the POS it buys against the current POA map (``p (1 - exp(-C))`` with ``C = W v t_search / A``),
per minute of flight including transits, and says why. Areas are square metres, times seconds
unless a name says minutes, rates per second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from sar_planner.assets import Asset
from sar_planner.assets.atmosphere import MIN_USABLE_ENDURANCE_S
from sar_planner.errors import PlanningError
from sar_planner.grid import Grid
from sar_planner.patterns import min_width

__all__ = [
    "PATTERN_OVERHEAD",
    "AssetOption",
    "Reason",
    "Candidate",
    "allocate_effort",
    "greedy_allocation",
    "marginal_gains",
    "rank_candidates",
    "Unplannable",
    "next_sortie_options",
]

#: Extra search-time factor per pattern for turns and repositioning beyond the turn count model
#: (1 = none). Contour legs are rarely straight; the unit may tune these from flown sorties.
PATTERN_OVERHEAD: dict[str, float] = {"parallel": 1.0, "creeping-line": 1.0, "contour": 1.25}


def _check(p: np.ndarray, w: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=np.float64).ravel()
    w = np.asarray(w, dtype=np.float64).ravel()
    if p.shape != w.shape or len(p) == 0:
        raise PlanningError("planning.err_alloc_shape")
    if np.any(p < 0) or np.any(w <= 0) or not np.all(np.isfinite(p)) or not np.all(np.isfinite(w)):
        raise PlanningError("planning.err_alloc_values")
    if not (math.isfinite(total) and total >= 0):
        raise PlanningError("planning.err_alloc_total", value=f"{total}")
    return p, w


def allocate_effort(p: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray,
                    total: float) -> np.ndarray:
    """Optimal time per area (Charnes-Cooper / KKT, see module docstring).

    Parameters
    ----------
    p:
        POA of each area.
    w:
        Sweep rate per area, ``W v / A`` (1/s, or 1/min if ``total`` is in minutes).
    total:
        Time available, same unit as 1 / w.

    Returns
    -------
    numpy.ndarray
        Time per area, summing to ``total``.

    Examples
    --------
    Two areas of equal size, POA 0.6 and 0.2, w = 1 per hour, 2 hours: the first gets
    ln(0.6/0.2) = 1.0986 h alone, then both share: t = (1.549, 0.451) h.

    >>> [round(float(v), 3) for v in allocate_effort([0.6, 0.2], [1.0, 1.0], 2.0)]
    [1.549, 0.451]
    """
    p, w = _check(np.asarray(p), np.asarray(w), total)
    if total == 0 or not np.any(p > 0):
        return np.zeros_like(p)
    gain0 = p * w
    hi = float(gain0.max())
    lo = hi * 1e-300

    def t_of(beta: float) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.maximum(0.0, np.log(np.where(gain0 > 0, gain0 / beta, 0.0) + 1e-300) / w)

    # sum t(beta) falls as beta grows; bisect in log space
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if t_of(mid).sum() > total:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-13:
            break
    t = t_of(hi)
    s = t.sum()
    return t * (total / s) if s > 0 else t


def greedy_allocation(p: Sequence[float] | np.ndarray, w: Sequence[float] | np.ndarray,
                      total: float, step: float) -> np.ndarray:
    """Water-filling: each increment of ``step`` goes to the area of largest marginal gain.

    Converges to :func:`allocate_effort` as ``step`` shrinks (within about one ``step`` per area).
    """
    p, w = _check(np.asarray(p), np.asarray(w), total)
    if not (math.isfinite(step) and step > 0):
        raise PlanningError("planning.err_alloc_total", value=f"{step}")
    n = int(round(total / step))
    t = np.zeros_like(p)
    for _ in range(n):
        gain = p * (np.exp(-w * t) - np.exp(-w * (t + step)))
        t[int(np.argmax(gain))] += step
    return t


def marginal_gains(p: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``p_a w_a exp(-w_a t_a)``: the rate at which more time in area a buys POS."""
    return np.asarray(p) * np.asarray(w) * np.exp(-np.asarray(w) * np.asarray(t))


@dataclass(frozen=True)
class AssetOption:
    """An asset available for the next sortie.

    Attributes
    ----------
    asset:
        Catalogue entry.
    sweep_width_m:
        Effective sweep width it will search with, metres.
    usable_s:
        Flight time of one sortie after reserve, derated for altitude, seconds (or the daylight
        left, whichever is shorter).
    home_xy:
        Launch point, metres in the mission CRS.
    """

    asset: Asset
    sweep_width_m: float
    usable_s: float
    home_xy: tuple[float, float]


@dataclass(frozen=True)
class Reason:
    """One line of why a candidate ranks where it does: a catalogue key and its numbers."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """One possible next sortie, scored.

    Attributes
    ----------
    segment, asset_id, pattern:
        What would be flown where.
    poa:
        Current POA of the segment.
    area_m2:
        Segment area, square metres.
    search_s, transit_s:
        Search time and transit time (out and back) in the sortie, seconds.
    coverage, pod:
        Coverage C the sortie gives the segment and the segment's POD 1 - exp(-C).
    pos:
        POA x POD: probability this sortie finds the subject.
    pos_per_minute:
        ``pos`` per minute of flight (search + transit).
    marginal_start, marginal_end:
        Marginal gain (POA per minute) at the start and at the end of the sortie.
    rank:
        1 = fly first.
    reasons:
        Why, for display.
    """

    segment: str
    asset_id: str
    pattern: str
    poa: float
    area_m2: float
    search_s: float
    transit_s: float
    coverage: float
    pod: float
    pos: float
    pos_per_minute: float
    marginal_start: float
    marginal_end: float
    rank: int = 0
    reasons: tuple[Reason, ...] = ()


def _segment_poa(poa: np.ndarray, grid: Grid, segments: Sequence[tuple[str, BaseGeometry]]
                 ) -> list[float]:
    from sar_planner.probability.consensus import region_labels

    labels = region_labels(grid, [g for _, g in segments])
    poa = np.asarray(poa, dtype=np.float64)
    if poa.shape != grid.shape:
        raise PlanningError("planning.err_pod_shape", poa=str(poa.shape), pod=str(grid.shape))
    sums = np.bincount(labels[labels >= 0].ravel(), weights=poa[labels >= 0].ravel(),
                       minlength=len(segments))
    return [float(v) for v in sums]


def rank_candidates(poa: np.ndarray, grid: Grid, segments: Sequence[tuple[str, BaseGeometry]],
                    options: Sequence[AssetOption],
                    patterns: Sequence[str] = ("parallel",)) -> list[Candidate]:
    """Rank every (segment x asset x pattern) sortie by POS gained per flight minute.

    Parameters
    ----------
    poa:
        Current POA per cell on ``grid`` (after the sorties flown so far).
    grid:
        The mission grid.
    segments:
        (name, polygon) pairs, metres in ``grid.crs``; must not overlap.
    options:
        The assets available, each with its sweep width, usable time and launch point.
    patterns:
        Area patterns to consider (``parallel``, ``creeping-line``, ``contour``).

    Returns
    -------
    list[Candidate]
        Best first (rank 1), each with its reasons. A candidate whose transit alone uses the
        sortie is left out.

    Model: the sortie flies out to the segment's centroid and back at transit speed; the rest of
    its usable time searches at search speed, losing one turn per leg (legs ~ minimum width / S
    with S = W) and the pattern's overhead factor; the segment gets coverage
    ``C = W v t_search / A``, capped at one full pass per sortie's remaining need.
    """
    if not segments:
        raise PlanningError("planning.err_no_segments")
    if not options:
        raise PlanningError("planning.err_no_assets")
    seg_poa = _segment_poa(poa, grid, segments)
    out: list[Candidate] = []
    for (name, geom), p in zip(segments, seg_poa, strict=True):
        area = float(geom.area)
        centre = geom.centroid
        for opt in options:
            a = opt.asset
            w = float(opt.sweep_width_m)
            if w <= 0 or opt.usable_s <= 0:
                continue
            dist = math.hypot(centre.x - opt.home_xy[0], centre.y - opt.home_xy[1])
            transit = 2.0 * dist / a.transit_speed_m_s
            for pattern in patterns:
                overhead = PATTERN_OVERHEAD.get(pattern, 1.0)
                available = opt.usable_s - transit
                if available <= MIN_USABLE_ENDURANCE_S:
                    continue
                legs = max(1.0, min_width(geom) / w)
                leg_len = area / max(legs * w, 1e-9)
                per_leg = (leg_len / a.search_speed_m_s + a.turn_time_s) * overhead
                # searching share of the time spent in the pattern
                eff = (leg_len / a.search_speed_m_s) / per_leg
                search = available * eff
                coverage = w * a.search_speed_m_s * search / area
                pod = -math.expm1(-coverage)
                pos = p * pod
                minutes = (available + transit) / 60.0
                rate = w * a.search_speed_m_s * eff / area * 60.0  # per minute of pattern time
                out.append(Candidate(
                    segment=name, asset_id=a.id, pattern=pattern, poa=p, area_m2=area,
                    search_s=search, transit_s=transit, coverage=coverage, pod=pod, pos=pos,
                    pos_per_minute=pos / minutes if minutes > 0 else 0.0,
                    marginal_start=p * rate, marginal_end=p * rate * math.exp(-coverage)))
    if not out:
        raise PlanningError("planning.err_no_candidates")
    out.sort(key=lambda c: (-c.pos_per_minute, -c.pos, c.segment, c.asset_id))
    ranked: list[Candidate] = []
    for i, c in enumerate(out, start=1):
        reasons = [
            Reason("planning.why_poa", {"segment": c.segment, "poa": f"{c.poa * 100:.1f}",
                                        "density": f"{c.poa / (c.area_m2 / 1e6) * 100:.2f}"}),
            Reason("planning.why_effort", {"search": f"{c.search_s / 60:.0f}",
                                           "transit": f"{c.transit_s / 60:.0f}",
                                           "coverage": f"{c.coverage:.2f}",
                                           "pod": f"{c.pod * 100:.0f}"}),
            Reason("planning.why_pos", {"pos": f"{c.pos * 100:.2f}",
                                        "rate": f"{c.pos_per_minute * 100:.3f}"}),
        ]
        if i > 1:
            best = out[0]
            reasons.append(Reason("planning.why_below", {
                "first": f"{best.segment} / {best.asset_id}",
                "rate": f"{best.pos_per_minute * 100:.3f}"}))
        # the optimal-allocation view: after this sortie, is this segment still the best place?
        others = [o.marginal_start for o in out if o.segment != c.segment]
        if others and c.marginal_end < max(others):
            reasons.append(Reason("planning.why_then_move", {
                "end": f"{c.marginal_end * 100:.3f}", "other": f"{max(others) * 100:.3f}"}))
        ranked.append(Candidate(**{**c.__dict__, "rank": i, "reasons": tuple(reasons)}))
    return ranked


@dataclass(frozen=True)
class Unplannable:
    """An aircraft that cannot be planned for the next sortie, and why (never dropped silently).

    Attributes
    ----------
    asset_id:
        Catalogue id.
    key, params:
        Catalogue key of the reason and its placeholders (the error that stopped it, or
        ``planning.next_no_width`` when its sensor sees nothing at that height and light).
    """

    asset_id: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def next_sortie_options(assets: Sequence[Asset], agl_m: float, light: str, altitude_m: float,
                        temperature_c: float, home_xy: tuple[float, float],
                        daylight_s: float | None = None
                        ) -> tuple[list[AssetOption], list[Unplannable]]:
    """The aircraft that can fly the next sortie, as :class:`AssetOption` for
    :func:`rank_candidates`, and those that cannot, each with its reason.

    Parameters
    ----------
    assets:
        The catalogue's aircraft.
    agl_m, light:
        Search height above ground (metres) and light (``day``/``night``...), for the sweep width
        (:func:`sar_planner.sweep.effective_sweep_width`).
    altitude_m, temperature_c:
        Flight altitude above sea level (metres) and air temperature (deg C), for the usable
        endurance (:func:`sar_planner.assets.performance_at`, density altitude).
    home_xy:
        Launch point, metres in the mission CRS.
    daylight_s:
        Daylight left (seconds); caps every sortie when given and > 0.
    """
    from sar_planner.assets import performance_at
    from sar_planner.sweep import effective_sweep_width

    options: list[AssetOption] = []
    refused: list[Unplannable] = []
    for a in assets:
        try:
            sw = effective_sweep_width(a, agl_m, light)  # type: ignore[arg-type]
            usable_s = performance_at(a, altitude_m, temperature_c).usable_s
        except PlanningError as exc:
            refused.append(Unplannable(a.id, exc.code, dict(exc.params)))
            continue
        if daylight_s is not None and daylight_s > 0:
            usable_s = min(usable_s, daylight_s)
        if not sw.width_m > 0:
            refused.append(Unplannable(a.id, "planning.next_no_width",
                                       {"agl": f"{agl_m:.0f}"}))
            continue
        options.append(AssetOption(a, sw.width_m, usable_s, home_xy))
    return options, refused
