"""The flown track against the plan flown: achieved POD beside planned POD, area covered, offsets.

The plan flown is a :class:`~sar_planner.flown_plan.FlownPlan` (read from a plan file by
:mod:`sar_planner.formats.plan_files`, or reduced from a :class:`~sar_planner.plan.SortiePlan`).
A crew logs one sortie, and a GeoJSON plan often holds several (each run keeps its sortie
number): :func:`choose_sortie` takes the one the crew names, else the sortie with the largest
share of the track's fixes within W of its searching legs, and
:meth:`~sar_planner.flown_plan.FlownPlan.for_sortie` reduces the plan to it (its runs, and the
plan's segment cut to the convex hull of its swaths), so a log is never measured against other
sorties' legs.
:func:`compare_flown` then puts the plan's searching runs and the flown track on one grid in one
metric CRS and computes, with the coverage module (:mod:`sar_planner.coverage`: exact swath area
per cell, POD = 1 - exp(-C), terrain masking of ground hidden from the aircraft, see below):

- the **search region**: the plan's segment, or for patterns without one (expanding square,
  sector, track line) the convex hull of the planned swaths;
- **planned POD** and **achieved POD**: the mean POD over the region, each cell weighted by the
  part of it inside the region (the POD a uniform POA over the region would give, POS / POA);
- **area covered**: the area the flown track's swath swept, sum over cells of min(C, 1) times
  the cell's area, over the whole track and inside the region (one straight run of length L
  gives W x L);
- the flown **search length** inside the region and the **cross-track offsets** of the flown
  fixes inside the region from the planned searching path (median and 95th percentile).

Terrain masking (with terrain): a swept cell counts only if the aircraft could see it.

- The plan: from its 3D path (the searching legs' waypoints with their altitudes above sea level,
  straight in between): line of sight over the terrain (no ridge between) and no steep face
  turned away (:func:`sar_planner.visibility.mask_hidden`). A plan without sea-level altitudes (a
  QGroundControl ``.plan`` in a relative frame) is taken 100 m above the ground, steep faces only.
- The flown track: from every fix with its height (not the simplified line: a straight leg over
  a ridge would keep only its ends), by the same rule as the mission's replay
  (:func:`sar_planner.visibility.sensor_heights`: missing heights filled in between neighbours,
  heights far below the ground, or more than 3 km above it (feet), not used). A track without
  usable heights is taken 100 m above the ground under it, as before, and only steep faces
  turned away are masked (a made-up height must not decide what a ridge hid).

The report says which was done for each (:attr:`FlownReport.plan_masking`,
:attr:`FlownReport.flown_masking`, catalogue keys ``tracks3d.*``).

Every fix of the flown track counts as searching (a flight log does not say when the crew was
looking); transits outside the region therefore add to the whole-track area covered only.
Coordinates: degrees WGS84 in, metres in the report's CRS (``FlownReport.crs``) out; heights are
metres above mean sea level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features
from shapely.geometry import LineString, MultiLineString, Polygon

from sar_planner.coverage import pod_from_coverage, swath_coverage
from sar_planner.errors import LogbookError, PlanningError
from sar_planner.flown_plan import PLAN_KIND, FlownPlan
from sar_planner.formats.plan_files import geojson_plan
from sar_planner.formats.tracks import FlownTrack
from sar_planner.geo import local_metric_crs, to_local
from sar_planner.grid import Grid
from sar_planner.plan import SortiePlan
from sar_planner.planner import terrain_for
from sar_planner.terrain import Terrain, sample_bilinear
from sar_planner.visibility import (ABOVE_GROUND_LIMIT_M, BELOW_GROUND_MARGIN_M, mask_hidden,
                                    sensor_heights)

__all__ = [
    "ELSEWHERE_M",
    "FlownReport",
    "SortieChoice",
    "choose_sortie",
    "compare_flown",
    "comparison_crs",
    "flown_terrain",
]

#: A flown track farther than this from the search region (metres, or 10 sweep widths if more)
#: belongs to another place.
ELSEWHERE_M = 2000.0
#: Largest comparison grid, cells (the cell grows beyond it).
_MAX_CELLS = 4_000_000
#: Vertices of one simplified flown segment above which the simplification is made coarser.
_MAX_VERTICES = 3000
#: Distance (metres) the automatic sortie pick counts fixes within when no sweep width is known.
_DEFAULT_PICK_W = 100.0


@dataclass(frozen=True, eq=False)
class FlownReport:
    """The flown track measured against the plan on one grid (see the module docstring).

    Attributes
    ----------
    planned_pod, achieved_pod:
        Mean POD over the search region of the plan and of the flown track (0..1).
    region_area_m2:
        Area of the search region, square metres.
    area_covered_m2:
        Area swept by the flown track's swath, whole track (within the grid), square metres.
    area_covered_in_region_m2:
        The part of it inside the search region, square metres.
    planned_covered_in_region_m2:
        Area the plan's swaths sweep inside the region, square metres.
    flown_length_m:
        Geodesic length of the whole flown track (WGS84 ellipsoid), metres.
    flown_search_length_m:
        Length of the flown track inside the search region (in ``crs``), metres.
    planned_search_length_m:
        Length of the plan's searching runs (in ``crs``), metres.
    offset_median_m, offset_p95_m:
        Median and 95th percentile of the distance of the flown fixes inside the region from
        the nearest planned searching run, metres (NaN when no fix is inside).
    offset_fixes:
        Number of flown fixes those statistics are taken over.
    sweep_width_m:
        The sweep width W used for both, metres.
    cell_m:
        Cell size of the comparison grid, metres.
    crs:
        The metric CRS of every x, y below (``"EPSG:nnnn"`` or WKT).
    terrain_masked:
        True when terrain masking was applied at all (terrain given).
    region_xy:
        The region's outline, (K, 2) metres in ``crs``.
    planned_xy, flown_xy:
        The planned runs and the flown segments, each (M, 2) metres in ``crs``.
    plan_masking, flown_masking:
        Catalogue keys saying how each POD was terrain-masked: ``tracks3d.plan_masked`` (line
        of sight from the plan's altitudes) or ``tracks3d.plan_faces_only``;
        ``tracks3d.flown_masked``, ``tracks3d.flown_masked_partial``,
        ``tracks3d.flown_no_heights`` or ``tracks3d.flown_bad_heights``; both
        ``tracks3d.not_masked_no_terrain`` without terrain.
    flown_masking_params:
        The placeholders of ``flown_masking``.
    """

    planned_pod: float
    achieved_pod: float
    region_area_m2: float
    area_covered_m2: float
    area_covered_in_region_m2: float
    planned_covered_in_region_m2: float
    flown_length_m: float
    flown_search_length_m: float
    planned_search_length_m: float
    offset_median_m: float
    offset_p95_m: float
    offset_fixes: int
    sweep_width_m: float
    cell_m: float
    crs: str
    terrain_masked: bool
    region_xy: np.ndarray
    planned_xy: tuple[np.ndarray, ...]
    flown_xy: tuple[np.ndarray, ...]
    plan_masking: str = "tracks3d.not_masked_no_terrain"
    flown_masking: str = "tracks3d.not_masked_no_terrain"
    flown_masking_params: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict (NaN as None), for the sortie record and the CLI."""
        out: dict[str, Any] = {}
        for name in ("planned_pod", "achieved_pod", "region_area_m2", "area_covered_m2",
                     "area_covered_in_region_m2", "planned_covered_in_region_m2",
                     "flown_length_m", "flown_search_length_m", "planned_search_length_m",
                     "offset_median_m", "offset_p95_m", "sweep_width_m", "cell_m"):
            value = float(getattr(self, name))
            out[name] = round(value, 6) if math.isfinite(value) else None
        out["offset_fixes"] = self.offset_fixes
        out["terrain_masked"] = self.terrain_masked
        out["plan_masking"] = self.plan_masking
        out["flown_masking"] = self.flown_masking
        out["flown_masking_params"] = dict(self.flown_masking_params)
        out["crs"] = self.crs
        return out


# ------------------------------------------------------------------------------ one sortie


@dataclass(frozen=True)
class SortieChoice:
    """Which sortie of the plan a flown track was compared with, and why.

    Attributes
    ----------
    sortie:
        The sortie number, or None for a plan that does not number its sorties (a ``.plan``).
    picked:
        ``"auto"`` (the sortie whose searching legs the track follows best) or ``"given"``.
    count:
        How many sorties the plan holds (1 for a ``.plan``).
    shares:
        For each sortie number, the share (0..1) of the track's fixes within W of that
        sortie's searching legs (empty for a one-sortie plan).
    within_m:
        The distance those shares are counted within (the sweep width W), metres, or None.
    """

    sortie: int | None
    picked: str
    count: int
    shares: Mapping[int, float] = field(default_factory=dict)
    within_m: float | None = None


def _shares(plan: FlownPlan, flown: FlownTrack, width: float) -> dict[int, float]:
    """Share of the flown fixes within ``width`` metres of each sortie's searching legs."""
    crs = comparison_crs(plan)
    lat, lon, _ = flown.arrays()
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        raise LogbookError("logbook.flown.err_track_empty", file=flown.name,
                           count=int(ok.sum()))
    fx, fy = to_local(lat[ok], lon[ok], crs)
    fixes = shapely.points(np.atleast_1d(np.asarray(fx, dtype=float)),
                           np.atleast_1d(np.asarray(fy, dtype=float)))
    out: dict[int, float] = {}
    for number in plan.sorties:
        lines = []
        for run, n in zip(plan.runs, plan.run_sorties, strict=True):
            if n == number and len(run) >= 2:
                arr = np.array(run, dtype=float)
                x, y = to_local(arr[:, 1], arr[:, 0], crs)
                lines.append(LineString(np.column_stack([x, y])))
        if not lines:
            out[number] = 0.0
            continue
        near = shapely.dwithin(MultiLineString(lines), fixes, width)
        out[number] = float(np.count_nonzero(near)) / float(len(fixes))
    return out


def choose_sortie(plan: FlownPlan, flown: FlownTrack, sortie: int | None = None,
                  sweep_width_m: float | None = None) -> tuple[FlownPlan, SortieChoice]:
    """The sortie of ``plan`` a flown track is to be compared with (a crew logs one sortie).

    Parameters
    ----------
    plan:
        The plan flown (possibly several sorties, as the plan page's GeoJSON export holds).
    flown:
        The flown track (degrees WGS84).
    sortie:
        The sortie number the crew names, or None for the automatic pick: the sortie with the
        largest share of the track's fixes within W of its searching legs (the lowest number
        on a tie).
    sweep_width_m:
        W in metres for the automatic pick; None = the plan's (else 100 m).

    Returns
    -------
    (FlownPlan, SortieChoice)
        That sortie's plan (:meth:`FlownPlan.for_sortie`; the plan itself when it holds one
        sortie) and the choice with its reason.

    Raises
    ------
    LogbookError
        ``flownsortie.err_no_such_sortie`` / ``err_not_numbered`` for a sortie the plan does
        not hold.
    """
    numbers = plan.sorties
    picked = "auto" if sortie is None else "given"
    if sortie is not None:
        return plan.for_sortie(int(sortie)), SortieChoice(int(sortie), picked, max(len(numbers), 1))
    if len(numbers) <= 1:
        number = numbers[0] if numbers else None
        one = plan if number is None else plan.for_sortie(number)
        return one, SortieChoice(number, picked, 1)
    width = sweep_width_m if sweep_width_m else plan.sweep_width_m
    width = float(width) if width and math.isfinite(width) and width > 0 else _DEFAULT_PICK_W
    shares = _shares(plan, flown, width)
    best = max(numbers, key=lambda n: (shares[n], -n))
    return plan.for_sortie(best), SortieChoice(best, picked, len(numbers), shares, width)


# ------------------------------------------------------------------------------ comparison


def _as_flown_plan(plan: SortiePlan | FlownPlan | Mapping[str, Any]) -> FlownPlan:
    if isinstance(plan, FlownPlan):
        return plan
    if isinstance(plan, SortiePlan):
        return FlownPlan.from_sortie_plan(plan)
    if isinstance(plan, Mapping):
        if plan.get("kind") == PLAN_KIND:
            return FlownPlan.from_json(plan)
        found = geojson_plan(str(plan.get("name") or "plan.geojson"), plan)
        if not found.runs:
            raise LogbookError("logbook.flown.err_plan_no_search", file=found.name)
        return found
    raise LogbookError("logbook.flown.err_stored_plan")


def _region_weights(grid: Grid, region: Polygon) -> np.ndarray:
    """Fraction of each cell inside ``region`` (exact polygon-box intersection)."""
    west, _, _, north = grid.bounds
    cell = grid.cell_size
    touched = features.rasterize([(region, 1)], out_shape=grid.shape,
                                 transform=Affine(cell, 0.0, west, 0.0, -cell, north), fill=0,
                                 all_touched=True, dtype="uint8")
    rr, cc = np.nonzero(touched)
    out = np.zeros(grid.shape, dtype=np.float64)
    if len(rr):
        x0 = west + cc * cell
        y1 = north - rr * cell
        boxes = shapely.box(x0, y1 - cell, x0 + cell, y1)
        out[rr, cc] = shapely.area(shapely.intersection(boxes, region)) / cell**2
    return out


def _xyz(grid: Grid, arr: np.ndarray, terrain: Terrain | None) -> np.ndarray:
    """(M, 3) x, y metres in ``grid.crs`` and altitude metres AMSL of a (lat, lon, alt) array;
    without heights the aircraft is taken 100 m above the terrain under it, as
    :func:`sar_planner.coverage.track_coverage` does."""
    x, y = to_local(arr[:, 0], arr[:, 1], grid.crs)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    z = arr[:, 2].copy()
    if not np.all(np.isfinite(z)):
        z = np.zeros(len(x))
        if terrain is not None:
            inside = terrain.grid.contains(x, y)
            z = np.full(len(x), np.nan)
            z[inside] = sample_bilinear(terrain, x[inside], y[inside]) + 100.0
            z = np.where(np.isfinite(z), z, np.nanmax(z) if np.isfinite(z).any() else 0.0)
    return np.column_stack([x, y, z])


def _simplified(xyz: np.ndarray, tolerance_m: float) -> np.ndarray:
    """The vertices of ``xyz`` (x, y metres, altitude) that Douglas-Peucker keeps within
    ``tolerance_m`` of the line (first and last always kept; heights kept with their vertex)."""
    if len(xyz) <= 2 or tolerance_m <= 0:
        return xyz
    kept = np.asarray(shapely.simplify(LineString(xyz[:, :2]), tolerance_m,
                                       preserve_topology=False).coords)
    if len(kept) < 2:
        return xyz[[0, -1]]
    xy = xyz[:, 0] + 1j * xyz[:, 1]
    mask = np.isin(xy, kept[:, 0] + 1j * kept[:, 1])
    mask[0] = mask[-1] = True
    return xyz[mask]


def _thinned(xyz: np.ndarray, width: float) -> np.ndarray:
    """The flown line simplified to within W / 20, or coarser (up to W / 5) while it keeps more
    than :data:`_MAX_VERTICES` vertices (a jittery log: the swath union would take minutes)."""
    tolerance = width / 20.0
    out = _simplified(xyz, tolerance)
    while len(out) > _MAX_VERTICES and tolerance < width / 5.0:
        tolerance *= 2.0
        out = _simplified(xyz, tolerance)
    return out


@dataclass(frozen=True)
class _Masking:
    """How a coverage is terrain-masked: the terrain, where the sensor was ((K, 3) x, y metres,
    altitude AMSL), whether ridges are checked, and the masking angles (degrees)."""

    terrain: Terrain | None
    sensors: Sequence[np.ndarray]
    line_of_sight: bool
    slope_limit_deg: float
    max_incidence_deg: float

    def apply(self, cov: np.ndarray, grid: Grid) -> np.ndarray:
        if self.terrain is None:
            return cov
        return mask_hidden(cov, grid, self.terrain, self.sensors, self.slope_limit_deg,
                           self.max_incidence_deg, line_of_sight=self.line_of_sight)


def _region_coverage(grid: Grid, runs: Sequence[np.ndarray], width: float, region: Polygon,
                     weights: np.ndarray, masking: _Masking) -> np.ndarray:
    """Coverage of the part of each cell inside ``region``: the area of the runs' swaths
    (W wide, flat ends) inside cell and region over the area of cell and region, summed over
    the runs; terrain-masked as ``masking`` says. 0 outside the region."""
    out = np.zeros(grid.shape, dtype=np.float64)
    west, _, _, north = grid.bounds
    cell = grid.cell_size
    transform = Affine(cell, 0.0, west, 0.0, -cell, north)
    for run in runs:
        line = shapely.simplify(LineString(run[:, :2]), 0.01)
        if line.length <= 0:
            continue
        poly = shapely.intersection(line.buffer(width / 2.0, cap_style="flat"), region)
        if poly.is_empty or poly.area <= 0:
            continue
        touched = features.rasterize([(poly, 1)], out_shape=grid.shape, transform=transform,
                                     fill=0, all_touched=True, dtype="uint8")
        rr, cc = np.nonzero(touched)
        if not len(rr):
            continue
        x0 = west + cc * cell
        y1 = north - rr * cell
        boxes = shapely.box(x0, y1 - cell, x0 + cell, y1)
        shapely.prepare(poly)
        area = np.full(len(rr), cell**2)
        edge = ~shapely.contains(poly, boxes)
        if edge.any():
            area[edge] = shapely.area(shapely.intersection(boxes[edge], poly))
        out[rr, cc] += area
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.where(weights > 0, out / (weights * cell**2), 0.0)
    return masking.apply(cov, grid)


def compare_flown(plan: SortiePlan | FlownPlan | Mapping[str, Any], flown: FlownTrack, *,
                  sweep_width_m: float | None = None, terrain: Terrain | None = None,
                  cell_m: float | None = None, slope_limit_deg: float = 30.0,
                  max_incidence_deg: float = 90.0) -> FlownReport:
    """Measure the flown track against the plan flown (see the module docstring).

    Parameters
    ----------
    plan:
        The plan flown: a :class:`~sar_planner.plan.SortiePlan`, a :class:`FlownPlan`, a
        stored :meth:`FlownPlan.to_json` dict or a parsed GeoJSON plan export.
    flown:
        The flown track (degrees WGS84; metres AMSL where the file has heights). Every fix
        counts as searching; segments are not joined across their gaps.
    sweep_width_m:
        Effective sweep width W, metres, for the plan and the track alike; None = the plan's.
    terrain:
        Terrain covering the search region: its CRS becomes the comparison CRS, and ground
        hidden from the aircraft (line of sight, steep faces turned away; module docstring) is
        not counted. None = no masking, in the plan's CRS (else the UTM zone of the plan's
        centre).
    cell_m:
        Cell size of the comparison grid, metres; None = W / 4 (at least 2 m), grown if the
        grid would exceed 4 million cells.
    slope_limit_deg, max_incidence_deg:
        Terrain masking parameters (degrees), see :func:`sar_planner.visibility.terrain_mask`.

    Returns
    -------
    FlownReport
        PODs, areas (m^2), lengths and offsets (m), the geometry in metres of ``report.crs``.

    Raises
    ------
    LogbookError
        ``logbook.flown.err_no_sweep`` (no usable sweep width), ``err_plan_no_search`` (a plan
        without searching legs), ``err_track_empty`` (fewer than two usable fixes),
        ``err_elsewhere`` (the track never comes within 2 km, or 10 W, of the region),
        ``err_outside_terrain`` (the region, or every fix, lies off the terrain).
    """
    fp = _as_flown_plan(plan)
    width = fp.sweep_width_m if sweep_width_m is None else sweep_width_m
    if width is None or not (math.isfinite(width) and width > 0):
        raise LogbookError("logbook.flown.err_no_sweep", plan=fp.name)
    width = float(width)
    plan_runs = [np.array([(lat, lon, z) for lon, lat, z in run], dtype=np.float64)
                 for run in fp.runs if len(run) >= 2]
    if not plan_runs:
        raise LogbookError("logbook.flown.err_plan_no_search", file=fp.name)
    segs = []
    for seg in flown.segments:
        arr = np.array([(p.lat, p.lon, math.nan if p.alt_amsl_m is None else p.alt_amsl_m)
                        for p in seg], dtype=np.float64).reshape(-1, 3)
        arr = arr[np.isfinite(arr[:, 0]) & np.isfinite(arr[:, 1])]
        if len(arr) >= 2:
            segs.append(arr)
    if not segs:
        raise LogbookError("logbook.flown.err_track_empty", file=flown.name,
                           count=len(flown.points))

    if terrain is not None:
        crs = terrain.grid.crs
    elif fp.crs:
        crs = CRS.from_user_input(fp.crs)
    else:
        allp = np.vstack(plan_runs)
        crs = local_metric_crs(float(np.mean(allp[:, 0])), float(np.mean(allp[:, 1])))

    def xy(arr: np.ndarray) -> np.ndarray:
        x, y = to_local(arr[:, 0], arr[:, 1], crs)
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    planned_xy = tuple(xy(r) for r in plan_runs)
    flown_xy = tuple(xy(s) for s in segs)
    planned_path = MultiLineString([LineString(p) for p in planned_xy])
    if fp.area:
        ring = np.array([(lat, lon, 0.0) for lon, lat in fp.area])
        region = shapely.make_valid(Polygon(xy(ring)))
        if region.geom_type != "Polygon":  # a crossing ring: keep its largest part
            parts = [g for g in getattr(region, "geoms", [region]) if g.geom_type == "Polygon"]
            region = max(parts, key=lambda g: g.area) if parts else None
    else:
        region = None
    if region is None or region.area <= 0:
        region = planned_path.buffer(width / 2.0, cap_style="flat").convex_hull

    fixes = np.vstack(flown_xy)
    near = shapely.distance(region, shapely.points(fixes))
    limit = max(ELSEWHERE_M, 10.0 * width)
    if float(np.min(near)) > limit:
        raise LogbookError("logbook.flown.err_elsewhere", file=flown.name,
                           km=f"{float(np.min(near)) / 1000.0:.1f}")

    rx0, ry0, rx1, ry1 = region.bounds
    fx0, fy0 = fixes.min(axis=0)
    fx1, fy1 = fixes.max(axis=0)
    west, south = min(rx0, fx0) - width, min(ry0, fy0) - width
    east, north = max(rx1, fx1) + width, max(ry1, fy1) + width
    if terrain is not None:
        tw, ts, te, tn = terrain.grid.bounds
        if rx0 < tw or ry0 < ts or rx1 > te or ry1 > tn:
            raise LogbookError("logbook.flown.err_outside_terrain", file=flown.name)
        if not terrain.grid.contains(fixes[:, 0], fixes[:, 1]).any():
            raise LogbookError("logbook.flown.err_outside_terrain", file=flown.name)
        west, south, east, north = max(west, tw), max(south, ts), min(east, te), min(north, tn)
    cell = float(cell_m) if cell_m is not None else max(2.0, width / 4.0)
    if not (math.isfinite(cell) and cell > 0):
        raise LogbookError("logbook.flown.err_cell", value=f"{cell}")
    cell = max(cell, math.sqrt((east - west) * (north - south) / _MAX_CELLS))
    grid = Grid.from_bounds(crs, west, south, east, north, cell)

    weights = _region_weights(grid, region)
    if weights.sum() <= 0:  # pragma: no cover - region lies inside the grid by construction
        raise LogbookError("logbook.flown.err_outside_terrain", file=flown.name)
    plan_xyz = [_xyz(grid, r, terrain) for r in plan_runs]
    plan_3d = all(np.all(np.isfinite(r[:, 2])) for r in plan_runs)
    # GPS jitter does not change what was searched: the flown lines are simplified to within
    # W / 20 (W / 5 at most for a very jittery log) before their swaths are drawn. Each segment
    # is one run, so where it passes twice over the same ground the swaths are united, not added:
    # a second pass is not credited (never more POD than was flown, as jitter would otherwise add)
    flown_xyz, flown_sensors, flown_los, flown_key, flown_params = _flown_sensors(
        grid, segs, flown_xy, terrain, width)
    plan_masking = _Masking(terrain, plan_xyz, plan_3d, slope_limit_deg, max_incidence_deg)
    flown_masking = _Masking(terrain, flown_sensors, flown_los, slope_limit_deg,
                             max_incidence_deg)
    plan_cov = _region_coverage(grid, plan_xyz, width, region, weights, plan_masking)
    flown_cov = _region_coverage(grid, flown_xyz, width, region, weights, flown_masking)
    wsum = float(weights.sum())
    planned_pod = float(np.sum(weights * pod_from_coverage(plan_cov)) / wsum)
    achieved_pod = float(np.sum(weights * pod_from_coverage(flown_cov)) / wsum)
    cell_area = grid.cell_area
    # the whole track's swept area (transits too), with the coverage module's per-cell sum
    whole = flown_masking.apply(swath_coverage(grid, [f[:, :2] for f in flown_xyz], width), grid)

    inside = shapely.contains_xy(region, fixes[:, 0], fixes[:, 1])
    if inside.any():
        offsets = shapely.distance(planned_path, shapely.points(fixes[inside]))
        med, p95 = (float(v) for v in np.percentile(offsets, [50, 95]))
    else:
        med = p95 = math.nan
    flown_lines = MultiLineString([LineString(s) for s in flown_xy])
    return FlownReport(
        planned_pod=planned_pod, achieved_pod=achieved_pod,
        region_area_m2=float(region.area),
        area_covered_m2=float(np.minimum(whole, 1.0).sum() * cell_area),
        area_covered_in_region_m2=float(np.sum(np.minimum(flown_cov, 1.0) * weights)
                                        * cell_area),
        planned_covered_in_region_m2=float(np.sum(np.minimum(plan_cov, 1.0) * weights)
                                           * cell_area),
        flown_length_m=flown.length_m,
        flown_search_length_m=float(flown_lines.intersection(region).length),
        planned_search_length_m=float(planned_path.length),
        offset_median_m=med, offset_p95_m=p95, offset_fixes=int(inside.sum()),
        sweep_width_m=width, cell_m=grid.cell_size,
        crs=crs.to_string() if crs.to_epsg() else crs.to_wkt(),
        terrain_masked=terrain is not None,
        region_xy=np.asarray(region.exterior.coords, dtype=np.float64),
        planned_xy=planned_xy, flown_xy=flown_xy,
        plan_masking=("tracks3d.not_masked_no_terrain" if terrain is None
                      else "tracks3d.plan_masked" if plan_3d else "tracks3d.plan_faces_only"),
        flown_masking=flown_key, flown_masking_params=flown_params)


def _flown_sensors(grid: Grid, segs: Sequence[np.ndarray], flown_xy: Sequence[np.ndarray],
                   terrain: Terrain | None, width: float
                   ) -> tuple[list[np.ndarray], list[np.ndarray], bool, str, dict[str, Any]]:
    """The flown segments' swath lines (thinned), the sensor positions to mask with, whether
    ridges are checked, and the masking key and its placeholders (module docstring).

    ``segs`` are (M, 3) lat, lon degrees and heights metres AMSL (NaN where missing);
    ``flown_xy`` the same fixes in metres of ``grid.crs``.
    """
    if terrain is None:
        lines = [_thinned(_xyz(grid, s, None), width) for s in segs]
        return lines, lines, False, "tracks3d.not_masked_no_terrain", {}
    xy = np.vstack(flown_xy)
    got = sensor_heights(xy[:, 0], xy[:, 1], np.concatenate([s[:, 2] for s in segs]), terrain)
    if got.z is None:
        # no usable heights: as for a log without any, 100 m above the ground under each fix
        # (swath lines and sensors alike), steep faces only
        flat = [np.column_stack([s[:, :2], np.full(len(s), math.nan)]) for s in segs]
        lines = [_thinned(_xyz(grid, s, terrain), width) for s in flat]
        if got.status == "bad":
            return lines, lines, False, "tracks3d.flown_bad_heights", {
                "below": got.below, "total": got.over, "margin": f"{BELOW_GROUND_MARGIN_M:.0f}"}
        if got.status == "high":
            return lines, lines, False, "review.flown_high_heights", {
                "above": got.above, "total": got.over, "limit": f"{ABOVE_GROUND_LIMIT_M:.0f}"}
        return lines, lines, False, "tracks3d.flown_no_heights", {}
    bounds = np.cumsum([0, *(len(s) for s in segs)])
    sensors = [np.column_stack([f, got.z[a:b]])
               for f, a, b in zip(flown_xy, bounds[:-1], bounds[1:], strict=True)]
    lines = [_thinned(s, width) for s in sensors]
    if got.status == "partial":
        return lines, sensors, True, "tracks3d.flown_masked_partial", {
            "missing": got.missing, "total": got.total}
    return lines, sensors, True, "tracks3d.flown_masked", {}


def comparison_crs(plan: SortiePlan | FlownPlan | Mapping[str, Any]) -> CRS:
    """The metric CRS a plan is compared in without terrain: the plan's own, else the UTM zone
    of the centre of its searching runs."""
    return _as_flown_plan(plan).metric_crs()




def flown_terrain(sources: Sequence[str], plan: SortiePlan | FlownPlan | Mapping[str, Any],
                  flown: FlownTrack, sweep_width_m: float | None = None,
                  margin_m: float = 500.0) -> Terrain:
    """Terrain from ``sources`` (a terrain library entry's paths) around the plan's search region
    and the flown track, in the plan's metric CRS (see :func:`comparison_crs`), for
    :func:`compare_flown` and the figure. When the sources do not reach the whole track (a long
    transit off the DEM), the region alone with ``margin_m`` metres around it is loaded. Only
    the fixes within 2 km (or 10 sweep widths) of the region count, so a long transit does not
    coarsen the grid.

    Raises
    ------
    LogbookError
        ``logbook.flown.err_outside_terrain`` when the sources do not cover the search region.
    """
    fp = _as_flown_plan(plan)
    crs = comparison_crs(fp)
    width = fp.sweep_width_m if sweep_width_m is None else sweep_width_m
    pts = np.array([(p[1], p[0]) for run in fp.runs for p in run], dtype=np.float64)
    if fp.area:
        pts = np.vstack([pts, np.array([(lat, lon) for lon, lat in fp.area])])
    x, y = to_local(pts[:, 0], pts[:, 1], crs)
    pad = (width or 0.0) / 2.0
    region = shapely.box(float(np.min(x)) - pad, float(np.min(y)) - pad,
                         float(np.max(x)) + pad, float(np.max(y)) + pad)
    lat, lon, _ = flown.arrays()
    ok = np.isfinite(lat) & np.isfinite(lon)
    fx, fy = to_local(lat[ok], lon[ok], crs)
    fx, fy = np.atleast_1d(np.asarray(fx, dtype=float)), np.atleast_1d(np.asarray(fy, dtype=float))
    reach = max(ELSEWHERE_M, 10.0 * (width or 0.0))
    bx0, by0, bx1, by1 = region.bounds
    near = (fx > bx0 - reach) & (fx < bx1 + reach) & (fy > by0 - reach) & (fy < by1 + reach)
    extra = ([(float(fx[near].min()), float(fy[near].min())),
              (float(fx[near].max()), float(fy[near].max()))] if near.any() else [])
    try:
        return terrain_for(list(sources), crs, region, extra, margin_m=margin_m)
    except PlanningError:
        pass
    try:
        return terrain_for(list(sources), crs, region, margin_m=margin_m)
    except PlanningError:
        raise LogbookError("logbook.flown.err_outside_terrain", file=flown.name) from None
