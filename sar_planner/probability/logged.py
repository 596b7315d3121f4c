"""The mission's current map from the sorties logged against it: flown track -> coverage -> POD ->
Bayes update, in takeoff order.

Each logged sortie with a flown track (GeoJSON LineString, WGS84 lon/lat[/alt]) becomes coverage
on the map's grid (as :func:`sar_planner.coverage.track_coverage`: every fix searching, the swath
W wide, one run so a second pass over the same ground is not credited twice; GPS jitter is first
simplified away to within W / 20, as the logbook's flown-track check does), then POD = 1 - exp(-C) (:func:`sar_planner.coverage.pod_from_coverage`, the exponential
detection law, Koopman 1946), then the Bayes update of the map
(:func:`sar_planner.probability.bayes.replay`). W is the sweep width of the plan flown, or, when
the plan does not give one, the sweep-width override of the plan's aircraft in the asset
catalogue; a sortie without either is listed as not applied (the width is never guessed).
Terrain masking is not applied here (flat-earth swath on the grid).

Nothing here is stored: the map follows from the mission's inputs and its logged sorties every
time (DESIGN.md, derived state is recomputed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sar_planner.errors import SarPlannerError
from sar_planner.grid import Grid
from sar_planner.probability.bayes import MissionState, replay
from sar_planner.probability.maps import ProbabilityMap

__all__ = ["FlownSortie", "SortieUpdate", "LoggedReplay", "sweep_width_for", "sortie_pod",
           "replay_logged"]


@dataclass(frozen=True)
class FlownSortie:
    """One logged sortie as the replay needs it.

    Attributes
    ----------
    number:
        The unit's sortie number.
    takeoff_at:
        Takeoff, timezone-aware (the replay order).
    track:
        The flown track, GeoJSON LineString of ``[lon, lat]`` or ``[lon, lat, alt]`` (WGS84
        degrees, metres above mean sea level).
    plan:
        The plan flown as stored (:meth:`sar_planner.logbook.flown.FlownPlan.to_json`), or None.
    """

    number: int
    takeoff_at: dt.datetime
    track: Mapping[str, Any]
    plan: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class SortieUpdate:
    """What one sortie did to the map.

    Attributes
    ----------
    number, takeoff_at:
        As logged.
    sweep_width_m:
        W used, metres, or None when the sortie was not applied.
    width_source:
        ``"plan"`` (the plan flown's W), ``"asset"`` (the aircraft's catalogue override) or None.
    pod:
        POD per cell on the grid (None when not applied).
    pod_mean:
        Mean POD over the plan's segment (cells whose centre is inside it) or, without a segment,
        over the cells the swath touched; None when not applied or nothing was touched.
    pod_mean_over:
        ``"segment"`` or ``"swept"``: which area ``pod_mean`` is over.
    pos:
        The sortie's probability of success against the map it searched (sum POA x POD), or
        None when not applied.
    skipped:
        Catalogue key of why the sortie was not applied, or None.
    """

    number: int
    takeoff_at: dt.datetime
    sweep_width_m: float | None
    width_source: str | None
    pod: np.ndarray | None
    pod_mean: float | None
    pod_mean_over: str | None
    pos: float | None
    skipped: str | None = None
    skipped_params: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class LoggedReplay:
    """The mission's state after its logged sorties (then any extra POD rasters).

    Attributes
    ----------
    state:
        The replayed :class:`~sar_planner.probability.bayes.MissionState`.
    sorties:
        One :class:`SortieUpdate` per logged sortie with a track, in takeoff order.
    """

    state: MissionState
    sorties: tuple[SortieUpdate, ...]


def sweep_width_for(plan: Mapping[str, Any] | None,
                    asset_width: Callable[[str], float | None] | None = None
                    ) -> tuple[float | None, str | None]:
    """The sweep width W (metres) for a sortie and where it came from.

    Parameters
    ----------
    plan:
        The stored plan flown, or None.
    asset_width:
        Looks up the catalogue's sweep-width override (metres) of an asset id, None if none.

    Returns
    -------
    (float or None, str or None)
        ``(W, "plan")``, ``(W, "asset")`` or ``(None, None)``.
    """
    from sar_planner.logbook.flown import FlownPlan

    if not plan:
        return None, None
    try:
        flown = FlownPlan.from_json(plan)
    except SarPlannerError:
        return None, None
    if flown.sweep_width_m is not None and flown.sweep_width_m > 0:
        return float(flown.sweep_width_m), "plan"
    if flown.asset_id and asset_width is not None:
        width = asset_width(flown.asset_id)
        if width is not None and width > 0:
            return float(width), "asset"
    return None, None


def _segment_mask(plan: Mapping[str, Any] | None, grid: Grid) -> np.ndarray | None:
    from shapely import contains_xy
    from shapely.geometry import Polygon

    from sar_planner.geo import to_local
    from sar_planner.logbook.flown import FlownPlan

    if not plan:
        return None
    try:
        area = FlownPlan.from_json(plan).area
    except SarPlannerError:
        return None
    if not area or len(area) < 3:
        return None
    ring = np.asarray(area, dtype=np.float64)
    x, y = to_local(ring[:, 1], ring[:, 0], grid.crs)
    polygon = Polygon(np.column_stack([x, y]))
    cx, cy = np.meshgrid(grid.x_centres(), grid.y_centres())
    return contains_xy(polygon, cx, cy)


def sortie_pod(sortie: FlownSortie, grid: Grid,
               asset_width: Callable[[str], float | None] | None = None
               ) -> tuple[float | None, str | None, np.ndarray | None]:
    """One sortie's W (metres), its source, and its POD per cell on ``grid``.

    Returns ``(None, None, None)`` when no sweep width is known (see :func:`sweep_width_for`).

    Raises
    ------
    PlanningError
        From the coverage module, for a track of fewer than two fixes.
    """
    import shapely

    from sar_planner.coverage import pod_from_coverage, swath_coverage
    from sar_planner.errors import PlanningError
    from sar_planner.geo import to_local

    width, source = sweep_width_for(sortie.plan, asset_width)
    if width is None:
        return None, None, None
    coords = np.asarray([c[:2] for c in sortie.track["coordinates"]], dtype=np.float64)
    if coords.ndim != 2 or len(coords) < 2:
        raise PlanningError("planning.err_track_points", count=len(coords))
    x, y = to_local(coords[:, 1], coords[:, 0], grid.crs)
    line = shapely.simplify(shapely.linestrings(np.column_stack([x, y])), width / 20.0,
                            preserve_topology=False)
    xy = shapely.get_coordinates(line)
    if len(xy) < 2:
        xy = np.column_stack([x, y])[[0, -1]]
    return width, source, pod_from_coverage(swath_coverage(grid, [xy], width))


def replay_logged(initial: ProbabilityMap, sorties: Sequence[FlownSortie], *,
                  asset_width: Callable[[str], float | None] | None = None,
                  extra_pods: Sequence[np.ndarray] = (),
                  pod_of: Callable[[FlownSortie], tuple[float | None, str | None, np.ndarray | None]]
                  | None = None) -> LoggedReplay:
    """Replay a mission's logged sorties (takeoff order), then ``extra_pods``, on ``initial``.

    Parameters
    ----------
    initial:
        The mission's initial (or consensus) map; its grid is the mission grid (metric CRS).
    sorties:
        The logged sorties with a flown track; sorted here by takeoff, then number.
    asset_width:
        See :func:`sweep_width_for`.
    extra_pods:
        Further POD rasters on the same grid (uploaded files), applied after the sorties.
    pod_of:
        Replaces :func:`sortie_pod` on this grid (a caller's cache of it); same result.

    Returns
    -------
    LoggedReplay
        The replayed state and, per sortie, W and its source, POD, mean POD and POS.

    Raises
    ------
    SarPlannerError
        From the coverage module (a bad track) or the Bayes update (POS of 1).
    """
    grid = initial.grid
    ordered = sorted(sorties, key=lambda s: (s.takeoff_at, s.number))
    pod_of = pod_of or (lambda s: sortie_pod(s, grid, asset_width))
    prepared: list[tuple[FlownSortie, float | None, str | None, np.ndarray | None]] = []
    for s in ordered:
        width, source, pod = pod_of(s)
        prepared.append((s, width, source, pod))
    pods = [p for *_, p in prepared if p is not None]
    state = replay(initial, [*pods, *extra_pods])
    updates: list[SortieUpdate] = []
    k = 0
    for s, width, source, pod in prepared:
        if pod is None:
            updates.append(SortieUpdate(s.number, s.takeoff_at, None, None, None, None, None, None,
                                        skipped="probability.logged.skipped_no_width",
                                        skipped_params={"number": s.number}))
            continue
        mask = _segment_mask(s.plan, grid)
        over = "segment"
        if mask is None or not mask.any():
            mask, over = pod > 0, "swept"
        mean = float(pod[mask].mean()) if mask.any() else None
        updates.append(SortieUpdate(s.number, s.takeoff_at, width, source, pod, mean, over,
                                    state.pos[k]))
        k += 1
    return LoggedReplay(state, tuple(updates))
