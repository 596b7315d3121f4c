"""The mission's current map from the sorties logged against it: flown track -> coverage -> POD ->
Bayes update, in takeoff order.

Each logged sortie with a flown track (GeoJSON LineString, or MultiLineString for a log of several
segments; WGS84 lon/lat[/alt]) becomes coverage on the map's grid (as
:func:`sar_planner.coverage.track_coverage`: every fix searching, the swath W wide, one run per
segment so a second pass over the same ground within a segment is not credited twice, while
passes in two segments add, as in the logbook's flown-track check, :mod:`sar_planner.logbook.flown`;
the ground between two segments is never credited: nobody knows where the aircraft went across a
gap; GPS jitter is first
simplified away to within W / 20, as the logbook's flown-track check does), then POD = 1 - exp(-C)
(:func:`sar_planner.coverage.pod_from_coverage`, the exponential
detection law, Koopman 1946), then the Bayes update of the map
(:func:`sar_planner.probability.bayes.replay`). W is the sweep width of the plan flown, or, when
the plan does not give one, the sweep-width override of the plan's aircraft in the asset
catalogue; a sortie logged without a plan takes the catalogue type of the aircraft it was logged
with (the roster's link) at the median height above ground its track flew
(:func:`type_sweep_width`); a sortie with none of these is listed as not applied (the width is
never guessed).

Terrain masking: given the terrain under the map (``elevation`` on the map's grid) and a track
with heights (``[lon, lat, alt]``, metres above mean sea level, as every track reader in
:mod:`sar_planner.formats.tracks` gives them: GPX ``ele``, KML absolute, AirData sea-level
altitude, MAVLink ``alt`` above MSL), ground the aircraft could not see is not counted as
searched (:func:`sar_planner.coverage.seen_coverage`: line of sight over the terrain from the
nearest fix, and steep faces turned away). The DEM's heights are orthometric too, so no geoid
conversion is needed; heights that were ellipsoidal after all (about 50 m lower over the Qaidam
Basin) would mask more, never less. Each sortie says whether it was masked and why not:

- no heights in the track: the flat swath, as before (``replay.not_masked_no_heights``);
- no terrain given: the flat swath (``replay.not_masked_no_terrain``);
- heights far below the ground under the track (heights above take-off, or a wrong unit):
  they cannot be sea-level heights, so they are not used and the flat swath stands, said so
  (``replay.not_masked_bad_heights``);
- heights far above the ground (more than ``ABOVE_GROUND_LIMIT_M``, 3 km: feet read as metres):
  masking from there would hide next to nothing while saying "masked", so they are not used
  either, said so (``review.not_masked_high_heights``);
- some fixes without a height: those are given heights between their neighbours along the
  track (``replay.masked_partial``). A fix a little below the ground (GPS and DEM error) is
  taken at the ground: it can never see less than from the ground.

Layer: this replay needs coverage, so it sits above :mod:`sar_planner.coverage` and below the
logbook; it takes the sorties (and their stored plans) as plain data, which the logbook reads
from the database (:func:`sar_planner.logbook.mission_facts.flown_sorties`). It was
``sar_planner.probability.logged``, which re-exports it for older callers.

Nothing here is stored: the map follows from the mission's inputs and its logged sorties every
time (DESIGN.md, derived state is recomputed).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# the rule for a track's heights, re-exported here (sar_planner.coverage.sensor_heights applies it)
from sar_planner.coverage import ABOVE_GROUND_LIMIT_M, BELOW_GROUND_MARGIN_M, BELOW_GROUND_SHARE
from sar_planner.errors import SarPlannerError
from sar_planner.grid import Grid
from sar_planner.probability.bayes import MissionState, replay
from sar_planner.probability.maps import ProbabilityMap
from sar_planner.terrain import Terrain

#: The ``kind`` of a stored plan flown (:data:`sar_planner.logbook.flown.PLAN_KIND`).
_PLAN_KIND = "sar_planner.flown_plan"

__all__ = ["FlownSortie", "SortiePod", "SortieUpdate", "LoggedReplay", "sweep_width_for",
           "TypeWidth", "type_sweep_width", "track_agl_m", "TYPE_WIDTH_LIGHTS",
           "sortie_pod", "replay_logged", "BELOW_GROUND_MARGIN_M", "BELOW_GROUND_SHARE"]



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
        The flown track, GeoJSON LineString (or MultiLineString, one line per segment) of
        ``[lon, lat]`` or ``[lon, lat, alt]`` (WGS84 degrees, metres above mean sea level).
    plan:
        The plan flown as stored (:meth:`sar_planner.logbook.flown.FlownPlan.to_json`), or None.
    asset_id:
        The catalogue type of the aircraft flown (the roster's link, migration 0008), or None.
        Used when the plan gives no width: see :func:`type_sweep_width`.
    """

    number: int
    takeoff_at: dt.datetime
    track: Mapping[str, Any]
    plan: Mapping[str, Any] | None = None
    asset_id: str | None = None


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
        ``"plan"`` (the plan flown's W), ``"asset"`` (the aircraft's catalogue override),
        ``"type"`` (no plan: the logged aircraft's catalogue type at the height flown,
        :func:`type_sweep_width`) or None.
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
    skipped_params:
        Its placeholders.
    masking:
        Catalogue key saying whether the POD is terrain-masked and, if not, why
        (``replay.masked``, ``replay.masked_partial``, ``replay.not_masked_no_heights``,
        ``replay.not_masked_no_terrain``, ``replay.not_masked_bad_heights``,
        ``review.not_masked_high_heights``); None when the
        sortie was not applied or its POD came from a caller's function that does not say.
    masking_params:
        Its placeholders.
    """

    @property
    def terrain_masked(self) -> bool:
        """True when ground hidden by terrain was left out of this sortie's POD."""
        return self.masking in ("replay.masked", "replay.masked_partial")

    @property
    def masking_short(self) -> str | None:
        """Catalogue key of the short form of :attr:`masking` (a table cell), or None."""
        if self.masking is None:
            return None
        area, name = self.masking.split(".", 1)
        return f"{area}.short.{name}"

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
    masking: str | None = None
    masking_params: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class SortiePod:
    """One sortie's POD on the grid and how it was made (:func:`sortie_pod`).

    Iterating gives ``(sweep_width_m, width_source, pod)``, so
    ``width, source, pod = sortie_pod(...)`` works as it always has.

    Attributes
    ----------
    sweep_width_m, width_source:
        See :func:`sweep_width_for`; None when no W is known (then ``pod`` is None).
    pod:
        POD per cell on the grid, or None.
    masking, masking_params:
        See :class:`SortieUpdate`; None when not applied.
    """

    sweep_width_m: float | None
    width_source: str | None
    pod: np.ndarray | None
    masking: str | None = None
    masking_params: Mapping[str, Any] | None = None
    #: Catalogue key of why no width is known (a sortie without a plan: :class:`TypeWidth`).
    why: str | None = None

    def __iter__(self):  # noqa: D105 - the legacy (W, source, POD) triple
        return iter((self.sweep_width_m, self.width_source, self.pod))


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
    facts = _plan_facts(plan)
    if facts is None:
        return None, None
    width, asset_id, _ = facts
    if width is not None and width > 0:
        return float(width), "plan"
    if asset_id and asset_width is not None:
        got = asset_width(asset_id)
        if got is not None and got > 0:
            return float(got), "asset"
    return None, None


#: The lights a track without a plan is judged under: its day or night is not logged, so the
#: smaller of the two catalogue widths is taken (never more searched than the type can give).
TYPE_WIDTH_LIGHTS: tuple[str, ...] = ("day", "night")
#: The height above ground a track is taken to have flown: the median over its fixes (metres),
#: not below this (a drone at the ground searches nothing; the camera model needs a height).
MIN_TYPE_AGL_M = 5.0


@dataclass(frozen=True)
class TypeWidth:
    """The sweep width of a sortie flown without a plan, from its aircraft's catalogue type.

    Attributes
    ----------
    sweep_width_m:
        W in metres, or None when it cannot be known (then ``why`` says why).
    agl_m:
        The height above ground it is for (median over the track's fixes), metres; None for the
        unit's own height-free figure or when unknown.
    method:
        ``"unit"`` (the catalogue's trial figure, any height), ``"camera"`` or ``"visual-table"``.
    why:
        Catalogue key of why no width is known (``trackcounts.no_type``,
        ``trackcounts.unknown_type``, ``trackcounts.no_heights``, ``trackcounts.too_high``), or None.
    """

    sweep_width_m: float | None
    agl_m: float | None
    method: str | None
    why: str | None = None


def track_agl_m(track: Mapping[str, Any], grid: Grid, elevation: np.ndarray | None
                ) -> float | None:
    """The median height above ground of a track's fixes (metres), from the fixes' heights above
    sea level and the terrain on ``grid``; None when the track has no usable heights (none,
    below the ground, or far above it: :func:`sar_planner.coverage.sensor_heights`'s verdict)
    or no terrain is given."""
    from sar_planner.coverage import sensor_heights

    if elevation is None:
        return None
    elev = np.asarray(elevation, dtype=np.float64)
    if elev.shape != tuple(grid.shape) or not np.isfinite(elev).any():
        return None
    terrain = Terrain(grid, elev, (), 0, False)
    xy, alt, _ = _track_xyz(track, grid)
    got = sensor_heights(xy[:, 0], xy[:, 1], alt, terrain)
    if got.status not in ("heights", "partial") or got.z is None:
        return None
    from sar_planner.terrain import sample_bilinear

    inside = grid.contains(xy[:, 0], xy[:, 1])  # the fixes over the map's terrain
    if not inside.any():
        return None
    ground = sample_bilinear(terrain, xy[inside, 0], xy[inside, 1])
    agl = np.asarray(got.z, dtype=np.float64)[inside] - ground
    agl = agl[np.isfinite(agl)]
    if agl.size == 0:
        return None
    return max(MIN_TYPE_AGL_M, float(np.median(agl)))


def type_sweep_width(asset_id: str | None, agl_m: float | None) -> TypeWidth:
    """W of a catalogue type flown at ``agl_m`` metres above ground: the unit's own figure if the
    catalogue has one (any height), else the smaller of the day and night widths of
    :func:`sar_planner.sweep.effective_sweep_width` at that height (camera model or crew visual
    table). None, with the reason, for no type, a type the catalogue lacks, or no height."""
    from sar_planner.assets import get_asset
    from sar_planner.sweep import effective_sweep_width

    if not asset_id:
        return TypeWidth(None, None, None, "trackcounts.no_type")
    try:
        asset = get_asset(asset_id)
    except SarPlannerError:
        return TypeWidth(None, None, None, "trackcounts.unknown_type")
    if asset.sweep_width_override_m is not None and asset.sweep_width_override_m > 0:
        return TypeWidth(float(asset.sweep_width_override_m), None, "unit")
    if agl_m is None:
        return TypeWidth(None, None, None, "trackcounts.no_heights")
    widths = [effective_sweep_width(asset, agl_m, light) for light in TYPE_WIDTH_LIGHTS]  # type: ignore[arg-type]
    best = min(widths, key=lambda w: w.width_m)
    if best.width_m <= 0:
        return TypeWidth(None, agl_m, best.method, "trackcounts.too_high")
    return TypeWidth(float(best.width_m), agl_m, best.method)


def _plan_facts(plan: Mapping[str, Any] | None
                ) -> tuple[float | None, str, list[tuple[float, float]] | None] | None:
    """(sweep width in metres or None, asset id, search area ring of (lon, lat) WGS84 degrees or
    None) of a stored plan flown, read as plain data (the stored document of
    :meth:`sar_planner.logbook.flown.FlownPlan.to_json`: ``kind`` ``"sar_planner.flown_plan"``,
    ``sweep_width_m``, ``asset_id``, ``area``), or None when ``plan`` is not such a document
    (then no width is known and the sortie is listed as not applied)."""
    if not plan or not isinstance(plan, Mapping) or plan.get("kind") != _PLAN_KIND:
        return None
    try:
        raw = plan.get("sweep_width_m")
        width = None if raw is None else float(raw)
        area = plan.get("area")
        ring = [(float(a), float(b)) for a, b in area] if area else None
        return width, str(plan.get("asset_id") or ""), ring
    except (TypeError, ValueError):
        return None


def _segment_mask(plan: Mapping[str, Any] | None, grid: Grid) -> np.ndarray | None:
    from shapely import contains_xy
    from shapely.geometry import Polygon

    from sar_planner.geo import to_local

    facts = _plan_facts(plan)
    area = facts[2] if facts is not None else None
    if not area or len(area) < 3:
        return None
    ring = np.asarray(area, dtype=np.float64)
    x, y = to_local(ring[:, 1], ring[:, 0], grid.crs)
    polygon = Polygon(np.column_stack([x, y]))
    cx, cy = np.meshgrid(grid.x_centres(), grid.y_centres())
    return contains_xy(polygon, cx, cy)


def _track_xyz(track: Mapping[str, Any], grid: Grid
               ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """x, y metres in ``grid.crs`` (N, 2), heights (N,) metres AMSL (NaN where missing) and
    where each segment starts in them (0 first).

    A LineString is one segment; a MultiLineString one per line (segments are never joined:
    nobody knows where the aircraft went between them)."""
    from sar_planner.errors import PlanningError
    from sar_planner.geo import to_local

    raw = track.get("coordinates") if isinstance(track, Mapping) else None
    multi = isinstance(track, Mapping) and track.get("type") == "MultiLineString"
    lines: list[Any] = list(raw) if multi and isinstance(raw, Sequence) else [raw]
    if not lines:
        raise PlanningError("planning.err_track_points", count=0)
    for line in lines:
        if not isinstance(line, Sequence) or len(line) < 2:
            raise PlanningError("planning.err_track_points",
                                count=len(line) if isinstance(line, Sequence) else 0)
    total = sum(len(line) for line in lines)
    lonlat = np.full((total, 2), np.nan)
    alt = np.full(total, np.nan)
    starts: list[int] = []
    i = 0
    for line in lines:
        starts.append(i)
        for c in line:
            if isinstance(c, Sequence) and len(c) >= 2:
                lonlat[i] = [_num(c[0]), _num(c[1])]
                if len(c) >= 3:
                    alt[i] = _num(c[2])
            i += 1
    if not np.all(np.isfinite(lonlat)):
        raise PlanningError("planning.err_track_points", count=int(np.isfinite(lonlat).all(1).sum()))
    x, y = to_local(lonlat[:, 1], lonlat[:, 0], grid.crs)
    return np.column_stack([x, y]), alt, tuple(starts)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _heights(xy: np.ndarray, alt: np.ndarray, terrain: Terrain
             ) -> tuple[np.ndarray | None, str, dict[str, Any]]:
    """The sensor heights to mask with (metres AMSL), or None, and the masking key + params.

    The rule is :func:`sar_planner.coverage.sensor_heights`, the one the logbook judges a flown
    track by, so a sortie gets the same verdict in the logbook and in the replay."""
    from sar_planner.coverage import sensor_heights

    got = sensor_heights(xy[:, 0], xy[:, 1], alt, terrain)
    if got.status == "none":
        return None, "replay.not_masked_no_heights", {}
    if got.status == "bad":
        return None, "replay.not_masked_bad_heights", {
            "below": got.below, "total": got.over, "margin": f"{BELOW_GROUND_MARGIN_M:.0f}"}
    if got.status == "high":
        return None, "review.not_masked_high_heights", {
            "above": got.above, "total": got.over, "limit": f"{ABOVE_GROUND_LIMIT_M:.0f}"}
    if got.status == "partial":
        return got.z, "replay.masked_partial", {"missing": got.missing, "total": got.total}
    return got.z, "replay.masked", {}


def sortie_pod(sortie: FlownSortie, grid: Grid,
               asset_width: Callable[[str], float | None] | None = None, *,
               elevation: np.ndarray | None = None) -> SortiePod:
    """One sortie's W (metres), its source, and its POD per cell on ``grid``.

    Parameters
    ----------
    sortie:
        The logged sortie.
    grid:
        The map's grid (metric CRS).
    asset_width:
        See :func:`sweep_width_for`.
    elevation:
        Terrain on ``grid`` (metres above sea level, NaN = no data), e.g. the mission map's
        ``elevation``. With it, and heights in the track, ground hidden from the aircraft is
        left out (module docstring); without it the flat swath, said so in ``masking``.

    Returns
    -------
    SortiePod
        Unpacks as ``(W, source, POD)``; ``(None, None, None)`` when no sweep width is known.

    Raises
    ------
    PlanningError
        From the coverage module, for a track of fewer than two fixes;
        ``replay.err_elevation_shape`` for an ``elevation`` not on ``grid``.
    """
    import shapely

    from sar_planner.coverage import pod_from_coverage, seen_coverage, swath_coverage
    from sar_planner.errors import PlanningError

    terrain = None
    if elevation is not None:
        elev = np.asarray(elevation, dtype=np.float64)
        if elev.shape != tuple(grid.shape):
            raise PlanningError("replay.err_elevation_shape", elevation=str(elev.shape),
                                grid=str(tuple(grid.shape)))
        if np.isfinite(elev).any():
            terrain = Terrain(grid, elev, (), 0, False)
    width, source = sweep_width_for(sortie.plan, asset_width)
    if width is None and _plan_facts(sortie.plan) is None:
        # flown without a plan: the aircraft's catalogue type at the height it flew
        typed = type_sweep_width(sortie.asset_id, track_agl_m(sortie.track, grid, elevation))
        if typed.sweep_width_m is None:
            return SortiePod(None, None, None, why=typed.why)
        width, source = typed.sweep_width_m, "type"
    if width is None:
        return SortiePod(None, None, None)
    xy, alt, starts = _track_xyz(sortie.track, grid)
    if terrain is None:
        z, key = None, "replay.not_masked_no_terrain"
        params: dict[str, Any] = {}
    else:
        # one verdict on the heights of the whole sortie, as the logbook's check gives it
        z, key, params = _heights(xy, alt, terrain)
    # each segment its own swath run and its own sensor positions: no coverage across a gap.
    # GPS jitter simplified away to within W / 20 for the swath; the sensor's positions for
    # masking are every fix with its height (a straight leg over a ridge keeps only its ends
    # when simplified, and the straight line between their heights would cut through the ridge)
    bounds = [*starts, len(xy)]
    runs, sensors = [], []
    for a, b in zip(bounds, bounds[1:], strict=False):
        seg = xy[a:b]
        line = shapely.simplify(shapely.linestrings(seg), width / 20.0, preserve_topology=False)
        kept = shapely.get_coordinates(line)
        runs.append(kept if len(kept) >= 2 else seg[[0, -1]])
        if z is not None:
            sensors.append(np.column_stack([seg, z[a:b]]))
    if z is None or terrain is None:
        cov = swath_coverage(grid, runs, width)
    else:
        cov = seen_coverage(grid, runs, width, terrain, sensor_runs=sensors)
    return SortiePod(width, source, pod_from_coverage(cov), key, params)


def replay_logged(initial: ProbabilityMap, sorties: Sequence[FlownSortie], *,
                  asset_width: Callable[[str], float | None] | None = None,
                  extra_pods: Sequence[np.ndarray] = (),
                  pod_of: Callable[[FlownSortie], SortiePod
                                   | tuple[float | None, str | None, np.ndarray | None]]
                  | None = None, elevation: np.ndarray | None = None) -> LoggedReplay:
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
        Replaces :func:`sortie_pod` on this grid (a caller's cache of it); same result. A
        plain ``(W, source, POD)`` triple is accepted (then ``masking`` is None).
    elevation:
        Terrain on the map's grid for terrain masking (see :func:`sortie_pod`); used only
        when ``pod_of`` is not given.

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
    pod_of = pod_of or (lambda s: sortie_pod(s, grid, asset_width, elevation=elevation))
    prepared: list[tuple[FlownSortie, SortiePod]] = []
    for s in ordered:
        got = pod_of(s)
        if not isinstance(got, SortiePod):
            got = SortiePod(*got)
        prepared.append((s, got))
    pods = [p.pod for _, p in prepared if p.pod is not None]
    state = replay(initial, [*pods, *extra_pods])
    updates: list[SortieUpdate] = []
    k = 0
    for s, got in prepared:
        width, source, pod = got
        if pod is None:
            updates.append(SortieUpdate(s.number, s.takeoff_at, None, None, None, None, None, None,
                                        skipped=got.why or "probability.logged.skipped_no_width",
                                        skipped_params={"number": s.number}))
            continue
        mask = _segment_mask(s.plan, grid)
        over = "segment"
        if mask is None or not mask.any():
            mask, over = pod > 0, "swept"
        mean = float(pod[mask].mean()) if mask.any() else None
        updates.append(SortieUpdate(s.number, s.takeoff_at, width, source, pod, mean, over,
                                    state.pos[k], masking=got.masking,
                                    masking_params=got.masking_params))
        k += 1
    return LoggedReplay(state, tuple(updates))
