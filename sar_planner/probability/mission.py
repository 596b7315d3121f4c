"""A mission's inputs -> its initial POA map -> its current map after the sorties, recomputed.

The database stores facts (these inputs and each sortie's POD raster); the current map is always
derived again from them, in flying order, and never stored as a copy that could drift. Building
the initial map is the expensive step, so callers may cache it keyed by the (frozen, hashable)
inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.bayes import MissionState, replay
from sar_planner.probability.maps import ProbabilityMap
from sar_planner.probability.radial import RadialDistribution
from sar_planner.probability.rings import IppUncertainty, ring_map
from sar_planner.probability.terrain_model import TerrainLayers, TerrainOptions, terrain_map
from sar_planner.subjects import Quartiles, quartiles_for

if TYPE_CHECKING:
    from sar_planner.terrain import Terrain

__all__ = ["MissionInputs", "initial_map", "current_state", "MissionMap", "map_on_terrain",
           "default_grid", "InitialMissionMap", "initial_mission_map", "mission_grid", "time_cap"]

ModelName = Literal["rings", "terrain"]

_RADIUS_FACTOR = 1.25  # the default half-width: 1.25 x the 95 % distance
_MIN_CELL_M = 30.0


@dataclass(frozen=True)
class MissionInputs:
    """What the planners know at the start of a mission.

    Attributes
    ----------
    ipp_x, ipp_y:
        Initial planning point, metres in the mission grid's CRS.
    subject:
        Subject category key (:mod:`sar_planner.subjects`).
    terrain_class:
        ``"dry-mountainous"`` or ``"dry-flat"``.
    quartiles_m:
        The mission's own 25/50/75/95 % distances (metres), overriding the published ones.
    uncertainty_m, uncertainty_kind:
        IPP uncertainty radius (metres; 0 = exact) and shape (``"gaussian"`` or ``"disc"``).
    hours_since_seen, speed_kmh:
        With both set, nobody is farther than hours x speed (flat-ground km).
    model:
        ``"rings"`` or ``"terrain"``.
    terrain_options:
        Settings of the terrain model.
    """

    ipp_x: float
    ipp_y: float
    subject: str = "unknown"
    terrain_class: str = "dry-mountainous"
    quartiles_m: tuple[float, float, float, float] | None = None
    uncertainty_m: float = 0.0
    uncertainty_kind: Literal["gaussian", "disc"] = "gaussian"
    hours_since_seen: float | None = None
    speed_kmh: float | None = None
    model: ModelName = "rings"
    terrain_options: TerrainOptions = field(default_factory=TerrainOptions)

    def quartiles(self) -> Quartiles:
        """The quartiles in force: the mission's own, else the published ones."""
        if self.quartiles_m is not None:
            return Quartiles(*self.quartiles_m)
        return quartiles_for(self.subject, self.terrain_class)

    def distribution(self) -> RadialDistribution:
        """The distance distribution, capped by time x speed when both are given."""
        cap = None
        if self.hours_since_seen is not None and self.speed_kmh is not None:
            cap = self.hours_since_seen * self.speed_kmh * 1000.0
            if not (math.isfinite(cap) and cap > 0):
                raise ProbabilityError("probability.err_cap", value=cap)
        return RadialDistribution(self.quartiles(), cap_m=cap)


def initial_map(inputs: MissionInputs, grid: Grid, elevation: np.ndarray | None = None
                ) -> tuple[ProbabilityMap, TerrainLayers | None]:
    """The mission's map before any search (and the terrain layers for the terrain model)."""
    dist = inputs.distribution()
    # a negative or NaN radius reaches IppUncertainty, which refuses it (it was silently ignored)
    unc = IppUncertainty(inputs.uncertainty_m, inputs.uncertainty_kind) \
        if inputs.uncertainty_m != 0 else None
    if inputs.model == "rings":
        return ring_map(grid, inputs.ipp_x, inputs.ipp_y, dist, unc), None
    if inputs.model == "terrain":
        if elevation is None:
            raise ProbabilityError("probability.err_dem_shape", shape="-", grid=str(grid.shape))
        return terrain_map(grid, elevation, inputs.ipp_x, inputs.ipp_y, dist,
                           options=inputs.terrain_options, uncertainty=unc)
    raise ProbabilityError("probability.err_model", value=inputs.model)


def current_state(inputs: MissionInputs, grid: Grid, elevation: np.ndarray | None,
                  sortie_pods: Sequence[np.ndarray]) -> MissionState:
    """Initial map from ``inputs``, then every sortie's POD in flying order (see module doc)."""
    first, _ = initial_map(inputs, grid, elevation)
    return replay(first, sortie_pods)


@dataclass(frozen=True, eq=False)
class MissionMap:
    """A map built on terrain from the library: what the page and the command line show.

    Attributes
    ----------
    grid:
        The mission grid (UTM or CGCS2000 GK zone of the IPP).
    elevation:
        Terrain on the grid (metres a.s.l., NaN = no data).
    terrain:
        The loaded terrain (:class:`~sar_planner.terrain.Terrain`); its shaded relief,
        :attr:`hillshade`, is made on first use only (the command line never draws it).
    synthetic:
        True when the terrain is not real elevation data.
    inputs:
        The inputs, with the IPP in grid metres.
    poa:
        The map.
    layers:
        The terrain model's layers (``None`` for the ring model).
    """

    grid: Grid
    elevation: np.ndarray
    terrain: Terrain
    synthetic: bool
    inputs: MissionInputs
    poa: ProbabilityMap
    layers: TerrainLayers | None

    @property
    def hillshade(self) -> np.ndarray:
        """uint8 shaded relief of the terrain on the grid (computed once, on first use)."""
        return self.terrain.hillshade


def map_on_terrain(terrain_paths: Sequence[str], lat: float, lon: float, radius_m: float,
                   cell_m: float, grid_kind: str = "utm", **inputs: object) -> MissionMap:
    """Load terrain around (lat, lon) (degrees WGS84) and build the mission's initial map on it.

    ``radius_m`` is the grid's half-width and ``cell_m`` its cell size (metres); ``inputs`` are
    the :class:`MissionInputs` fields other than the IPP. The IPP must have terrain under it;
    the ring model tolerates missing terrain elsewhere, the terrain model does not.
    """
    from sar_planner.errors import OutsideTerrainError
    from sar_planner.geo import to_local
    from sar_planner.terrain import grid_around, load_terrain

    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ProbabilityError("probability.err_radius", value=radius_m / 1000.0)
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ProbabilityError("probability.err_resolution", value=cell_m)
    grid = grid_around(lat, lon, radius_m, cell_m, grid_kind)  # type: ignore[arg-type]
    terrain = load_terrain(list(terrain_paths), grid, allow_partial=True, allow_voids=True)
    x, y = to_local(lat, lon, grid.crs)
    r, c = (int(v) for v in grid.rowcol(x, y))
    if not np.isfinite(terrain.elevation[r, c]):
        raise OutsideTerrainError("probability.err_ipp_no_terrain", lat=f"{lat:.5f}",
                                  lon=f"{lon:.5f}", file=", ".join(terrain.sources) or "-")
    mi = MissionInputs(ipp_x=float(x), ipp_y=float(y), **inputs)  # type: ignore[arg-type]
    pm, layers = initial_map(mi, grid, terrain.elevation)
    return MissionMap(grid, terrain.elevation, terrain, terrain.synthetic, mi, pm,
                      layers)


def default_grid(d95_m: float, reach_km: float | None = None) -> tuple[float, float]:
    """The default mission grid (the Probability page's, and scoring's): (half-width, cell
    size), both metres.

    Half-width ceil(1.25 x d95) km, but no wider than the terrain reaches around the IPP
    (``reach_km``, :func:`~sar_planner.terrain.choice.terrain_reach_km`; at least 1 km); cell
    max(30, ceil(2 x half-width in km)) m, about 1,000 cells across.

    Examples
    --------
    >>> default_grid(4000.0)  # 1.25 x 4 km = 5 km; 2 x 5 = 10 -> 30 m cells
    (5000.0, 30.0)
    >>> default_grid(9800.0, reach_km=7.6)  # wants 13 km, the terrain reaches 7.6
    (7000.0, 30.0)
    >>> default_grid(40000.0)  # 50 km -> 100 m cells, 1,000 across
    (50000.0, 100.0)
    """
    radius_km = math.ceil(_RADIUS_FACTOR * d95_m / 1000.0)
    if reach_km is not None and reach_km < radius_km:
        radius_km = max(1, math.floor(reach_km))
    return float(radius_km) * 1000.0, float(max(_MIN_CELL_M, math.ceil(2 * radius_km)))


@dataclass(frozen=True, eq=False)
class InitialMissionMap:
    """A stored mission's map before any sortie, from its stored inputs and map settings
    (:func:`initial_mission_map`).

    Attributes
    ----------
    built:
        The model's map on its terrain (:class:`MissionMap`).
    base:
        The map the sorties update: the model's map, blended with the planners' consensus
        when the mission has consensus regions.
    settings:
        The settings used, complete (:func:`sar_planner.probability.map_settings.check_map_settings`).
    model:
        ``rings`` or ``terrain``.
    radius_m, cell_m:
        The grid's half-width and cell size (metres), given or by the default rule.
    default_radius_m:
        The default rule's half-width without the terrain's reach (metres): a smaller
        ``radius_m`` by default was held back by the terrain.
    cap_hours, cap_speed_kmh:
        The time cap used (hours since last seen up to ``time_cap_at``, km/h), or None.
    regions:
        The consensus regions (metres in the grid's CRS) and ``region_poa`` their POA from the
        planners' points (empty without regions).
    """

    built: MissionMap
    base: ProbabilityMap
    settings: Mapping[str, Any]
    model: str
    radius_m: float
    cell_m: float
    default_radius_m: float
    cap_hours: float | None
    cap_speed_kmh: float | None
    regions: tuple
    region_poa: Mapping[str, float]


def mission_grid(inputs: Mapping[str, Any], settings: Mapping[str, Any],
                 terrain_paths: Sequence[str]) -> tuple[float, float, float]:
    """(half-width, cell size, default half-width without the terrain's reach), metres, of a
    stored mission's map: the settings' ``radius_m``/``cell_m``, or where None the default
    rule (:func:`default_grid` with the terrain's reach around the IPP)."""
    from sar_planner.terrain.choice import terrain_extent, terrain_reach_km

    lat, lon = float(inputs["lat"]), float(inputs["lon"])
    q = inputs.get("quartiles_km")
    d95 = (Quartiles.from_km(list(q)) if q else
           quartiles_for(inputs["subject"], inputs.get("terrain_class") or "dry-mountainous")).d95
    radius, cell = float(settings["radius_m"] or 0), float(settings["cell_m"] or 0)
    want = default_grid(d95)[0]
    if settings["radius_m"] is None or settings["cell_m"] is None:
        reach = terrain_reach_km(terrain_extent(tuple(terrain_paths)), lat, lon)
        r_default, c_default = default_grid(d95, reach)
        radius = r_default if settings["radius_m"] is None else radius
        cell = c_default if settings["cell_m"] is None else cell
    return radius, cell, want


def time_cap(inputs: Mapping[str, Any], settings: Mapping[str, Any]
             ) -> tuple[float | None, float | None]:
    """(hours, km/h) of the cap "nobody is farther than hours x speed", or (None, None): hours
    from the time last seen (``seen_at``) to the settings' ``time_cap_at`` (both UTC), with the
    stored speed; no cap when either time is missing, the speed is 0 or the hours not > 0."""
    import datetime as dt

    at, seen = settings.get("time_cap_at"), inputs.get("seen_at")
    speed = float(inputs.get("speed_kmh") or 0.0)
    if not at or not seen or speed <= 0:
        return None, None
    hours = (dt.datetime.fromisoformat(at) - dt.datetime.fromisoformat(seen)).total_seconds() / 3600
    return (hours, speed) if hours > 0 else (None, None)


def initial_mission_map(inputs: Mapping[str, Any], settings: Mapping[str, Any] | None,
                        terrain_paths: Sequence[str], *, model: str | None = None,
                        build: Any = None) -> InitialMissionMap:
    """A stored mission's map before any sortie: the one function that turns stored inputs and
    map settings into the initial (and consensus-blended) map, for the page, the command line
    and case scoring alike (the sorties are applied above, in :func:`sar_planner.mission_map.mission_map`).

    Parameters
    ----------
    inputs:
        Stored planning inputs (:mod:`sar_planner.logbook.mission_inputs`): ``lat``/``lon``
        (WGS84 degrees), ``subject``, ``terrain_class``, ``quartiles_km``, ``uncertainty_m``,
        ``uncertainty_kind``, ``seen_at``, ``speed_kmh``, ``model``, ``features``.
    settings:
        The map settings (:mod:`sar_planner.probability.map_settings`; None = defaults).
    terrain_paths:
        The terrain's files (the mission's terrain library entry).
    model:
        Another model than the stored one (case scoring scores both); default the stored one.
    build:
        Replaces :func:`map_on_terrain` (a caller's cache of it; same arguments, same result).

    Raises
    ------
    ProbabilityError, OutsideTerrainError
        A setting out of range, no terrain under the IPP, a model that cannot be built.
    """
    from sar_planner.probability.consensus import ROW_KEY, Region, consensus_map, mattson
    from sar_planner.probability.map_settings import check_map_settings, default_equal_points
    from sar_planner.probability.mission_features import grid_geometries
    from sar_planner.geo import local_metric_crs

    s = check_map_settings(settings)
    model = model or inputs.get("model") or "rings"
    lat, lon = float(inputs["lat"]), float(inputs["lon"])
    radius, cell, want = mission_grid(inputs, s, terrain_paths)
    hours, speed = time_cap(inputs, s)
    crs = local_metric_crs(lat, lon)
    features = inputs.get("features") or []
    q = inputs.get("quartiles_km")
    opts = TerrainOptions(
        max_slope_deg=s["max_slope_deg"],
        barriers=tuple(g for _, g in grid_geometries(features, "barrier", crs)),
        tracks=tuple(g for _, g in grid_geometries(features, "track", crs)),
        track_weight=s["track_weight"], track_friction=s["track_friction"],
        drainage_weight=s["drainage_weight"], uphill_share=s["uphill_share"])
    built = (build or map_on_terrain)(
        tuple(terrain_paths), lat, lon, radius, cell,
        subject=inputs["subject"], terrain_class=inputs.get("terrain_class") or "dry-mountainous",
        quartiles_m=tuple(Quartiles.from_km(list(q)).as_tuple()) if q else None,
        uncertainty_m=float(inputs.get("uncertainty_m") or 0.0),
        uncertainty_kind=inputs.get("uncertainty_kind") or "gaussian",
        hours_since_seen=hours, speed_kmh=speed, model=model, terrain_options=opts)
    regions = tuple(Region(n, g) for n, g in grid_geometries(features, "region", built.grid.crs))
    base, region_poa = built.poa, {}
    if regions:
        names = [r.name for r in regions]
        points = s["consensus_points"] or default_equal_points(names)
        filled = [{n: float(p.get(n, 0.0)) for n in (*names, ROW_KEY)} for p in points]
        region_poa = mattson(filled, names)
        base = consensus_map(built.poa, regions, region_poa, s["consensus_weight"])
    return InitialMissionMap(built, base, s, model, radius, cell, want, hours, speed, regions,
                             region_poa)
