"""One call from a crew's inputs to a checked plan: area or datum + asset + pattern -> PlanResult.

This is the flow the plan page and ``sar-planner plan`` share: the segment (degrees WGS84) or the
datum is put in the mission's metric CRS (UTM zone of its centre unless a CRS is given), terrain
is loaded around it, the sweep width and spacing follow from the asset and the coverage asked for,
the pattern is drawn, terrain-followed, split into sorties and checked
(:func:`sar_planner.flightpath.build_plan`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyproj import CRS
from shapely import ops
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from sar_planner.assets import Asset, get_asset
from sar_planner.errors import OutsideTerrainError, PlanningError
from sar_planner.flightpath import VISUAL_CLEARANCE_RADIUS_M, PlanResult, build_plan
from sar_planner.geo import local_metric_crs, to_local
from sar_planner.grid import Grid
from sar_planner.patterns import (AREA_PATTERNS, DATUM_PATTERNS, PATTERNS, Track, check_area,
                                  contour_search, creeping_line, expanding_square,
                                  parallel_track, sector, track_line)
from sar_planner.sweep import (Light, SweepStep, SweepWidth, effective_sweep_width,
                               track_spacing)
from sar_planner.terrain import MAX_GRID_CELLS, Terrain, load_terrain

__all__ = ["PlanRequest", "area_to_local", "terrain_for", "plan_search", "writer_options",
           "read_segment", "read_line"]

_MARGIN_M = 500.0


@dataclass(frozen=True)
class PlanRequest:
    """What the crew asks for (degrees WGS84 in, metres and seconds otherwise).

    Attributes
    ----------
    asset_id:
        Catalogue id.
    pattern:
        One of :data:`sar_planner.patterns.PATTERNS`.
    area:
        Segment polygon in (lon, lat) degrees (area patterns), or None.
    datum:
        (lat, lon) degrees (expanding square, sector), or None.
    line:
        Track line in (lon, lat) degrees (``track-line``), or None.
    agl_m:
        Height above ground, metres.
    spacing_m:
        Track spacing; None = sweep width / coverage.
    coverage:
        Coverage asked for (C = W / S).
    heading_deg:
        Leg heading for a parallel track; None = fewest turns.
    radius_m:
        Expanding square half-side or sector radius; None = 5 spacings (square) or 3 (sector).
    interval_m:
        Contour height interval; None = 30 m.
    home:
        Launch point (lat, lon); None = the pattern's start.
    light:
        ``"day"`` or ``"night"`` (sweep width contrast).
    temperature_c:
        Outside air temperature for density altitude; None = ISA.
    extension_m:
        Turnaround extension, metres.
    name:
        Plan name.
    crs:
        Mission CRS to plan in; None = UTM zone of the area's centre.
    sweep_width_m:
        The unit's own sweep width from its trials for this plan, metres; None = the catalogue
        or the model.
    """

    asset_id: str
    pattern: str
    area: tuple[tuple[float, float], ...] | None = None
    datum: tuple[float, float] | None = None
    line: tuple[tuple[float, float], ...] | None = None
    agl_m: float = 60.0
    spacing_m: float | None = None
    coverage: float = 1.0
    heading_deg: float | None = None
    radius_m: float | None = None
    interval_m: float | None = None
    home: tuple[float, float] | None = None
    light: Light = "day"
    temperature_c: float | None = None
    extension_m: float = 0.0
    name: str = ""
    crs: str | None = None
    sweep_width_m: float | None = None


def _centre(req: PlanRequest) -> tuple[float, float]:
    if req.area:
        lons, lats = zip(*req.area, strict=True)
        return (min(lats) + max(lats)) / 2.0, (min(lons) + max(lons)) / 2.0
    if req.datum:
        return req.datum
    if req.line:
        lons, lats = zip(*req.line, strict=True)
        return (min(lats) + max(lats)) / 2.0, (min(lons) + max(lons)) / 2.0
    raise PlanningError("planning.err_no_datum", pattern=req.pattern)


def area_to_local(lonlat: Sequence[tuple[float, float]], crs: CRS | str) -> Polygon:
    """A (lon, lat) ring as a polygon in metres of ``crs`` (not checked; see check_area)."""
    ring = np.asarray(lonlat, dtype=np.float64)
    if ring.ndim != 2 or ring.shape[1] != 2 or len(ring) < 3:
        raise PlanningError("planning.err_area_type", kind=f"{len(ring)} points")
    x, y = to_local(ring[:, 1], ring[:, 0], crs)
    return Polygon(np.column_stack([x, y]))


def terrain_for(sources: Sequence[str], crs: CRS, geometry: BaseGeometry,
                extra_xy: Sequence[tuple[float, float]] = (), margin_m: float = _MARGIN_M,
                cell_m: float | None = None) -> Terrain:
    """Terrain on a grid covering ``geometry`` (+ ``extra_xy`` points) with a margin.

    Raises
    ------
    PlanningError
        ``planning.err_area_outside_terrain`` when the sources do not cover every cell needed.
    """
    from sar_planner.terrain import inspect
    from sar_planner.terrain.sources import expand_sources

    minx, miny, maxx, maxy = geometry.bounds
    for x, y in extra_xy:
        minx, miny, maxx, maxy = min(minx, x), min(miny, y), max(maxx, x), max(maxy, y)
    if cell_m is None:
        names = expand_sources(list(sources))
        res = [min(inspect(n).resolution_m) for n in names[:4]] if names else [30.0]
        # half the source's cell: the reprojected grid then follows the source's own surface
        # closely (resampling at the source's size smooths peaks by up to half a cell's relief)
        cell_m = max(5.0, float(min(res)) / 2.0)
    span = max(maxx - minx, maxy - miny) + 2 * margin_m
    cell_m = max(cell_m, span / math.sqrt(MAX_GRID_CELLS) * 1.01)
    grid = Grid.from_bounds(crs, minx - margin_m, miny - margin_m, maxx + margin_m,
                            maxy + margin_m, cell_m)
    try:
        terrain = load_terrain(list(sources), grid, allow_partial=True)
    except OutsideTerrainError:
        raise PlanningError("planning.err_area_outside_terrain") from None
    if terrain.outside_cells or not np.all(np.isfinite(terrain.elevation)):
        # the pattern and its margin must all be on the DEM
        raise PlanningError("planning.err_area_outside_terrain")
    return terrain


def _track(req: PlanRequest, area: BaseGeometry | None, datum_xy: tuple[float, float] | None,
           line: LineString | None, spacing: float, terrain: Terrain,
           home_xy: tuple[float, float] | None) -> Track:
    p = req.pattern
    if p in AREA_PATTERNS and area is None:
        raise PlanningError("planning.err_no_area", pattern=p)
    if p == "parallel":
        return parallel_track(area, spacing, req.heading_deg, req.extension_m, home_xy)
    if p == "creeping-line":
        return creeping_line(area, spacing, req.extension_m, home_xy)
    if p == "contour":
        return contour_search(terrain.elevation, tuple(terrain.grid.transform), area,
                              req.interval_m or 30.0, spacing)
    if p == "expanding-square":
        return expanding_square(datum_xy, spacing, req.radius_m or 5 * spacing,
                                req.heading_deg or 0.0)
    if p == "sector":
        return sector(datum_xy, req.radius_m or 3 * spacing, req.heading_deg or 0.0)
    if p == "track-line":
        if line is None:
            raise PlanningError("planning.err_line")
        half = spacing / 2.0
        return track_line(line, [-half, half])
    raise PlanningError("planning.err_pattern", value=p, known=", ".join(PATTERNS))


def plan_search(req: PlanRequest, sources: Sequence[str] | None = None,
                terrain: Terrain | None = None, asset: Asset | None = None) -> PlanResult:
    """Plan ``req`` over terrain from ``sources`` (or a loaded ``terrain`` covering it).

    Raises
    ------
    PlanningError
        Any input the planner cannot fly: unknown pattern or asset, a missing area or datum, a
        bad polygon, spacing wider than the area, terrain that does not cover the plan, an
        altitude above the asset's ceiling, a pattern out of reach from the launch point.
    """
    if req.pattern not in PATTERNS:
        raise PlanningError("planning.err_pattern", value=req.pattern, known=", ".join(PATTERNS))
    if req.pattern in DATUM_PATTERNS and req.datum is None:
        raise PlanningError("planning.err_no_datum", pattern=req.pattern)
    if req.pattern in AREA_PATTERNS and not req.area:
        raise PlanningError("planning.err_no_area", pattern=req.pattern)
    asset = asset or get_asset(req.asset_id)
    lat0, lon0 = _centre(req)
    crs = (terrain.grid.crs if terrain is not None
           else CRS.from_user_input(req.crs) if req.crs else local_metric_crs(lat0, lon0))
    area = check_area(area_to_local(req.area, crs)) if req.area else None
    datum_xy = None
    if req.datum is not None:
        dx, dy = to_local(req.datum[0], req.datum[1], crs)
        datum_xy = (float(dx), float(dy))
    line = None
    if req.line:
        arr = np.asarray(req.line, dtype=np.float64)
        lx, ly = to_local(arr[:, 1], arr[:, 0], crs)
        line = LineString(np.column_stack([lx, ly]))
    home_xy = None
    if req.home is not None:
        hx, hy = to_local(req.home[0], req.home[1], crs)
        home_xy = (float(hx), float(hy))
    sweep: SweepWidth = effective_sweep_width(asset, req.agl_m, req.light)
    if req.sweep_width_m is not None:
        w = float(req.sweep_width_m)
        if not (math.isfinite(w) and w > 0):
            raise PlanningError("planning.err_sweep_zero", width=f"{w}")
        # the unit's figure replaces the width; the camera footprint still sets the clearance
        sweep = SweepWidth(w, "unit", (SweepStep("planning.sweep_unit", {"width": f"{w:.0f}"}),),
                           footprint_m=sweep.footprint_m, gsd_m=sweep.gsd_m)
    if sweep.width_m <= 0:
        raise PlanningError("planning.err_sweep_zero", width="0")
    spacing = track_spacing(sweep.width_m, req.coverage) if req.spacing_m is None else float(
        req.spacing_m)
    if not (math.isfinite(spacing) and spacing > 0):
        raise PlanningError("planning.err_spacing", value=f"{spacing}")
    # what the plan will cover, for loading terrain
    reach = [g for g in (area, line) if g is not None]
    if datum_xy is not None:
        from shapely.geometry import Point

        r = req.radius_m or (5 if req.pattern == "expanding-square" else 3) * spacing
        reach.append(Point(datum_xy).buffer(r * 1.5 + spacing))
    footprint = ops.unary_union(reach)
    if terrain is None:
        if not sources:
            raise PlanningError("planning.err_no_terrain")
        extra = [home_xy] if home_xy is not None else []
        # the terrain must reach past the track by the clearance radius (and the DEM cells the
        # maximum filter adds) plus any turn extension
        radius = sweep.footprint_m / 2.0 if sweep.footprint_m else VISUAL_CLEARANCE_RADIUS_M
        margin = radius + req.extension_m + 250.0
        terrain = terrain_for(sources, crs, footprint, extra, margin_m=margin)
    else:
        west, south, east, north = terrain.grid.bounds
        fx0, fy0, fx1, fy1 = footprint.bounds
        if fx0 < west or fy0 < south or fx1 > east or fy1 > north:
            raise PlanningError("planning.err_area_outside_terrain")
    track = _track(req, area, datum_xy, line, spacing, terrain, home_xy)
    ring = None
    if req.area:
        ring = tuple((float(a), float(b)) for a, b in req.area)
        if ring[0] != ring[-1]:
            ring = ring + (ring[0],)
    if isinstance(area, MultiPolygon):  # pragma: no cover - area_to_local gives one polygon
        ring = None
    result = build_plan(terrain, track, asset, sweep, req.agl_m, home_xy=home_xy,
                        name=req.name or f"{req.pattern} / {asset.id}",
                        temperature_c=req.temperature_c, area_wgs84=ring)
    area_xy = (tuple((float(a), float(b)) for a, b in area.exterior.coords)
               if isinstance(area, Polygon) else None)
    return dataclasses.replace(result, terrain=terrain, area_xy=area_xy)


def writer_options(asset_id: str, ext: str, autopilot: str | None = None) -> dict[str, Any]:
    """Options a writer needs from the catalogue: the aircraft's autopilot for ``.plan`` and
    ``.waypoints`` (``firmware_type``, MAV_AUTOPILOT; ``autopilot`` = ``"px4"`` or
    ``"ardupilot"`` overrides the catalogue's), the DJI enums for ``.kmz``.

    Raises
    ------
    FormatError
        ``formats.err_bad_option`` for an autopilot that is neither.
    """
    from sar_planner.formats._common import autopilot_code

    code = autopilot_code(autopilot) if autopilot is not None else None
    if ext in (".plan", ".waypoints"):
        return {"firmware_type": code if code is not None
                else autopilot_code(get_asset(asset_id).autopilot)}
    if ext != ".kmz":
        return {}
    a = get_asset(asset_id)
    opts: dict[str, Any] = {}
    if a.dji_drone_enum is not None:
        opts["drone_enum"] = a.dji_drone_enum
        opts["drone_sub_enum"] = a.dji_drone_sub_enum or 0
    if a.dji_payload_enum is not None:
        opts["payload_enum"] = a.dji_payload_enum
    return opts


def read_segment(name: str, data: bytes) -> tuple[tuple[float, float], ...]:
    """The one search area in a GeoJSON, KML/KMZ or zipped-shapefile file, as a (lon, lat) ring.

    Raises
    ------
    PlanningError
        Not exactly one polygon in the file, or a polygon whose edges cross (the reader repaired
        it: the crew must redraw it rather than fly a guess).
    """
    from sar_planner.formats.areas import read_area

    areas = [a for a in read_area(name, data)
             if a.geometry.geom_type in ("Polygon", "MultiPolygon")]
    if any(a.repaired for a in areas):  # a bow-tie comes back as two triangles: refuse it
        raise PlanningError("planning.err_area_crossing", file=name)
    polys = [a for a in areas if a.geometry.geom_type == "Polygon"]
    if len(polys) != 1 or len(areas) != 1:
        raise PlanningError("planning.err_area_count", file=name, count=len(areas))
    return tuple((float(x), float(y)) for x, y in polys[0].geometry.exterior.coords)


def read_line(name: str, data: bytes) -> tuple[tuple[float, float], ...]:
    """The one line (road, drainage) in a GeoJSON, KML/KMZ or zipped-shapefile file, (lon, lat)."""
    from sar_planner.formats.areas import read_area

    lines = [a for a in read_area(name, data) if a.geometry.geom_type == "LineString"]
    if len(lines) != 1:
        raise PlanningError("planning.err_line")
    return tuple((float(x), float(y)) for x, y in lines[0].geometry.coords)
