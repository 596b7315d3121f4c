"""What the terrain page shows of a library entry: a summary, an overview, and a point read-out.

These sit over the loading functions so that the page stays thin: it asks for a summary of an
entry, an overview :class:`~sar_planner.terrain.load.Terrain` at display resolution, or the
elevation, slope and aspect at one point (read at the data's own resolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer

from sar_planner.errors import OutsideTerrainError
from sar_planner.geo import WGS84, MetricCrsKind
from sar_planner.terrain.grids import grid_around, grid_covering
from sar_planner.terrain.load import Terrain, load_terrain
from sar_planner.terrain.sample import sample_bilinear
from sar_planner.terrain.sources import RasterInfo, crs_label, expand_sources, inspect

__all__ = ["EntrySummary", "PointReport", "summarize", "overview", "point_report"]


@dataclass(frozen=True)
class EntrySummary:
    """The facts about a set of elevation files that a crew reads before using them.

    Attributes
    ----------
    infos:
        One :class:`RasterInfo` per dataset (tiles of a zip listed one by one).
    bounds_wgs84:
        (west, south, east, north) degrees WGS84 holding every dataset.
    resolution_m:
        The finest cell size among the datasets, metres (approximate for geographic data).
    crs_labels:
        The distinct CRSs of the datasets (``EPSG:nnnn`` or a name).
    min_elevation_m, max_elevation_m:
        Elevation range over all datasets, metres (None if unknown).
    synthetic:
        True if any dataset is tagged synthetic.
    """

    infos: tuple[RasterInfo, ...]
    bounds_wgs84: tuple[float, float, float, float]
    resolution_m: float
    crs_labels: tuple[str, ...]
    min_elevation_m: float | None
    max_elevation_m: float | None
    synthetic: bool


@dataclass(frozen=True)
class PointReport:
    """Elevation, slope and aspect at one point, read at the data's resolution.

    Attributes
    ----------
    lat, lon:
        The point, degrees WGS84.
    crs:
        The local metric CRS the values were computed in; ``x``, ``y`` are the point in it (metres).
    elevation_m:
        Bilinear elevation, metres above mean sea level.
    slope_deg, aspect_deg:
        Horn slope and downhill aspect (degrees clockwise from grid north; NaN on flat ground)
        of the cell holding the point.
    cell_size_m:
        Cell size of the local grid used (about the data's own resolution).
    """

    lat: float
    lon: float
    crs: CRS
    x: float
    y: float
    elevation_m: float
    slope_deg: float
    aspect_deg: float
    cell_size_m: float


def summarize(paths: Sequence[str]) -> EntrySummary:
    """Summarise the datasets of a library entry (zips expanded to their tiles)."""
    infos = tuple(inspect(name) for name in expand_sources(paths))
    west = min(i.bounds_wgs84[0] for i in infos)
    south = min(i.bounds_wgs84[1] for i in infos)
    east = max(i.bounds_wgs84[2] for i in infos)
    north = max(i.bounds_wgs84[3] for i in infos)
    lows = [i.min_elevation_m for i in infos if i.min_elevation_m is not None]
    highs = [i.max_elevation_m for i in infos if i.max_elevation_m is not None]
    return EntrySummary(
        infos=infos,
        bounds_wgs84=(west, south, east, north),
        resolution_m=min(min(i.resolution_m) for i in infos),
        crs_labels=tuple(dict.fromkeys(crs_label(i.crs) for i in infos)),
        min_elevation_m=min(lows) if lows else None,
        max_elevation_m=max(highs) if highs else None,
        synthetic=any(i.synthetic for i in infos),
    )


def overview(paths: Sequence[str], summary: EntrySummary, max_cells: int = 900,
             kind: MetricCrsKind = "utm") -> Terrain:
    """The whole entry on a metric grid of at most ``max_cells`` a side (cells outside are NaN).

    The grid is in the metric CRS of the entry's centre, and never finer than the data.
    """
    grid = grid_covering(summary.bounds_wgs84, cell_size_m=max(1.0, round(summary.resolution_m)),
                         max_cells=max_cells, kind=kind)
    return load_terrain(paths, grid, allow_partial=True, allow_voids=True)


def point_report(paths: Sequence[str], summary: EntrySummary, lat: float, lon: float,
                 kind: MetricCrsKind = "utm") -> PointReport:
    """Elevation (bilinear), slope and aspect at (lat, lon) degrees WGS84, at the data's resolution.

    Raises
    ------
    OutsideTerrainError
        If the point is outside the entry's data.
    """
    west, south, east, north = summary.bounds_wgs84
    if not (west <= lon <= east and south <= lat <= north):
        raise OutsideTerrainError("tpage.err_point_outside", lat=f"{lat:.5f}", lon=f"{lon:.5f}",
                                  box=f"{west:.3f}, {south:.3f}, {east:.3f}, {north:.3f}")
    cell = max(1.0, float(round(summary.resolution_m)))
    grid = grid_around(lat, lon, 4 * cell, cell, kind)
    try:
        terrain = load_terrain(paths, grid, allow_partial=True, allow_voids=True)
    except OutsideTerrainError:
        raise OutsideTerrainError("tpage.err_point_outside", lat=f"{lat:.5f}", lon=f"{lon:.5f}",
                                  box=f"{west:.3f}, {south:.3f}, {east:.3f}, {north:.3f}") from None
    x, y = Transformer.from_crs(WGS84, grid.crs, always_xy=True).transform(lon, lat)
    elevation = float(sample_bilinear(terrain, x, y))
    if not np.isfinite(elevation):
        raise OutsideTerrainError("tpage.err_point_no_data", lat=f"{lat:.5f}", lon=f"{lon:.5f}")
    row, col = (int(v) for v in grid.rowcol(x, y))
    return PointReport(lat=lat, lon=lon, crs=grid.crs, x=float(x), y=float(y),
                       elevation_m=elevation, slope_deg=float(terrain.slope_deg[row, col]),
                       aspect_deg=float(terrain.aspect_deg[row, col]), cell_size_m=cell)
