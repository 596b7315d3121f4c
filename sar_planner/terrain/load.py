"""Load elevation onto a mission grid: mosaic tiles, reproject, fill small voids, report large ones.

How the reading works (so that a large file is never read whole into memory):

1. The grid's outline is transformed into each source's CRS; sources that do not touch it are
   skipped.
2. Sources are grouped by CRS. For each group, :func:`rasterio.merge.merge` reads only the window
   that covers the grid (plus a margin of two source cells), from every tile of the group, into
   one seamless mosaic on the source lattice, so bilinear resampling across a tile seam uses
   cells from both tiles. When the grid cell is more than twice the source cell, the window is read
   decimated by a whole factor (about half the grid cell) with ``average`` resampling; GDAL then
   takes the values from the file's overviews when it has them.
3. That small mosaic is reprojected onto the grid with :func:`rasterio.warp.reproject` (GDAL's
   warper, ``bilinear`` by default). Groups are combined first-come-first-served.

No data: cells of the grid outside every source are *outside* (see ``allow_partial``). Cells inside
a source that still have no value (SRTM voids, nodata patches) are *voids*: each connected void
of at most ``max_fill_area_m2`` (default 1 km^2, :data:`SMALL_VOID_MAX_AREA_M2`) is filled by
inverse-distance interpolation from its edges (:func:`rasterio.fill.fillnodata`, GDAL's
GDALFillNodata) and counted in :attr:`Terrain.filled_voids`. A larger void raises a
:class:`TerrainError` saying where it is and how big, unless ``allow_voids=True``; then it stays
NaN and is listed in :attr:`Terrain.large_voids`.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.fill import fillnodata
from rasterio.merge import merge
from rasterio.warp import reproject, transform_bounds
from scipy import ndimage

from sar_planner.errors import InputError, OutsideTerrainError, TerrainError
from sar_planner.geo import WGS84
from sar_planner.grid import Grid
from sar_planner.terrain._open import display_name, open_elevation, quiet_gdal
from sar_planner.terrain.sources import expand_sources, is_synthetic_tags
from sar_planner.terrain.surface import hillshade as _hillshade
from sar_planner.terrain.surface import slope_aspect

__all__ = ["Terrain", "Void", "load_terrain", "SMALL_VOID_MAX_AREA_M2", "RESAMPLING_METHODS"]

#: Voids up to this area (square metres) are filled; larger ones are reported.
SMALL_VOID_MAX_AREA_M2 = 1_000_000.0
#: Resampling methods accepted by :func:`load_terrain`.
RESAMPLING_METHODS = ("bilinear", "nearest", "cubic", "average")

_MARGIN_CELLS = 2


@dataclass(frozen=True)
class Void:
    """A connected patch of grid cells inside the data that has no elevation.

    Attributes
    ----------
    lat, lon:
        Centre of the patch, degrees WGS84.
    area_m2:
        Area in square metres (cells x cell area).
    cells:
        Number of grid cells.
    """

    lat: float
    lon: float
    area_m2: float
    cells: int


@dataclass(frozen=True, eq=False)
class Terrain:
    """Elevation on a mission grid, with derived layers computed on first use.

    Attributes
    ----------
    grid:
        The grid (metric CRS, north-up, square cells).
    elevation:
        float64 metres above mean sea level (the sources' vertical datum, normally EGM96/EGM2008
        orthometric heights), shape ``grid.shape``, read-only; NaN only where there is no data at
        all (outside the sources with ``allow_partial``, or large voids with ``allow_voids``).
    sources:
        The dataset names that contributed (those touching the grid).
    filled_voids:
        Number of grid cells that were small voids and were filled by interpolation.
    synthetic:
        True when any contributing source carries the tag SYNTHETIC=yes/true: not real data.
    large_voids:
        Voids left unfilled (only with ``allow_voids=True``).
    outside_cells:
        Number of grid cells outside every source (only with ``allow_partial=True``).
    """

    grid: Grid
    elevation: np.ndarray
    sources: tuple[str, ...]
    filled_voids: int
    synthetic: bool
    large_voids: tuple[Void, ...] = ()
    outside_cells: int = 0

    @cached_property
    def _slope_aspect(self) -> tuple[np.ndarray, np.ndarray]:
        slope, aspect = slope_aspect(self.elevation, self.grid.cell_size)
        slope.flags.writeable = False
        aspect.flags.writeable = False
        return slope, aspect

    @property
    def slope_deg(self) -> np.ndarray:
        """Slope in degrees (Horn's method, as gdaldem), shape ``grid.shape``; NaN where no data."""
        return self._slope_aspect[0]

    @property
    def aspect_deg(self) -> np.ndarray:
        """Downhill azimuth in degrees clockwise from grid north, NaN on flat cells and no data."""
        return self._slope_aspect[1]

    @cached_property
    def hillshade(self) -> np.ndarray:
        """uint8 shaded relief, sun from 315 degrees at 45 degrees altitude (gdaldem defaults)."""
        shade = _hillshade(self.elevation, self.grid.cell_size)
        shade.flags.writeable = False
        return shade

    @property
    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) degrees WGS84 of a box holding the whole grid."""
        with quiet_gdal():
            west, south, east, north = transform_bounds(self.grid.crs, WGS84, *self.grid.bounds,
                                                        densify_pts=21)
        return (float(west), float(south), float(east), float(north))

    @property
    def valid_fraction(self) -> float:
        """Fraction of grid cells that have an elevation (0..1)."""
        return float(np.isfinite(self.elevation).mean())


def _source_res_in_metres(crs: CRS, res: tuple[float, float], lat: float) -> tuple[float, float]:
    if crs.is_geographic:
        return (res[0] * 111_320.0 * max(0.01, math.cos(math.radians(lat))), res[1] * 110_574.0)
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return (res[0] * unit, res[1] * unit)


def _grid_centres_lonlat(grid: Grid) -> tuple[float, float]:
    west, south, east, north = grid.bounds
    lon, lat = Transformer.from_crs(grid.crs, WGS84, always_xy=True).transform(
        (west + east) / 2.0, (south + north) / 2.0)
    return float(lat), float(lon)


#: A box decides the outline test when its edges are at least this share of one cell's spacing
#: (in the source CRS) away from the outline's bounding box; closer, every centre is transformed.
_OUTLINE_MARGIN_CELLS = 1e-3


def _covered_mask(grid: Grid, crs: CRS, boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """True for grid cells whose centre lies inside one of ``boxes`` (in ``crs``).

    Only the centres of the outer ring of cells (first and last row and column) are transformed
    first. The transform is continuous and one-to-one over a mission grid, so every centre's image
    lies inside the bounding box of the ring's images: a box holding that bounding box holds every
    centre, and a box missing it holds none. Only a box whose edge crosses the grid (or comes
    within :data:`_OUTLINE_MARGIN_CELLS` of a cell of the ring's bounding box: the ring's images
    are joined by straight segments one cell long, which bend by micrometres under a projection)
    needs every centre transformed, which costs about 0.2 s per million cells; the result is the
    same as transforming every centre.
    """
    xc, yc = grid.x_centres(), grid.y_centres()
    rows, cols = grid.shape
    transformer = Transformer.from_crs(grid.crs, crs, always_xy=True)
    ring_x = np.concatenate([xc, xc, np.full(rows, xc[0]), np.full(rows, xc[-1])])
    ring_y = np.concatenate([np.full(cols, yc[0]), np.full(cols, yc[-1]), yc, yc])
    rx, ry = transformer.transform(ring_x, ring_y)
    covered = np.zeros(grid.shape, dtype=bool)
    crossing: list[tuple[float, float, float, float]] = []
    if np.isfinite(rx).all() and np.isfinite(ry).all():
        lo_x, hi_x, lo_y, hi_y = float(rx.min()), float(rx.max()), float(ry.min()), float(ry.max())
        mx = _OUTLINE_MARGIN_CELLS * max(hi_x - lo_x, 0.0) / max(cols - 1, 1)
        my = _OUTLINE_MARGIN_CELLS * max(hi_y - lo_y, 0.0) / max(rows - 1, 1)
        # a single row or column has no extent on one axis: take the other's margin
        mx = mx or my
        my = my or mx
        for box in boxes:
            west, south, east, north = box
            if (west <= lo_x - mx and east >= hi_x + mx and south <= lo_y - my
                    and north >= hi_y + my) and mx > 0:
                covered[:] = True
                return covered
            if east < lo_x - mx or west > hi_x + mx or north < lo_y - my or south > hi_y + my:
                continue  # holds no centre
            crossing.append(box)
    else:  # the ring leaves the source CRS's domain: decide cell by cell
        crossing = list(boxes)
    if crossing:
        xs, ys = np.meshgrid(xc, yc)
        sx, sy = transformer.transform(xs, ys)
        for west, south, east, north in crossing:
            covered |= (sx >= west) & (sx <= east) & (sy >= south) & (sy <= north)
    return covered


def _read_group(datasets: list, boxes: list[tuple[float, float, float, float]], grid: Grid,
                crs: CRS, region: tuple[float, float, float, float],
                lat: float) -> tuple[np.ndarray, object]:
    """Mosaic of the group's tiles over ``region`` (source CRS), on the finest tile's lattice."""
    # the lattice of the finest tile (tiles of one product share it; a coarser tile is resampled)
    first = min(datasets, key=lambda ds: abs(ds.res[0]) * abs(ds.res[1]))
    rx, ry = abs(first.res[0]), abs(first.res[1])
    mx, my = _source_res_in_metres(crs, (rx, ry), lat)
    factor = max(1, int(math.floor(grid.cell_size / 2.0 / max(mx, my))))
    rx, ry = rx * factor, ry * factor
    ox, oy = first.transform.c, first.transform.f
    west, south, east, north = region
    margin_x, margin_y = _MARGIN_CELLS * rx, _MARGIN_CELLS * ry
    west = ox + math.floor((west - margin_x - ox) / rx) * rx
    east = ox + math.ceil((east + margin_x - ox) / rx) * rx
    north = oy - math.floor((oy - north - margin_y) / ry) * ry
    south = oy - math.ceil((oy - south + margin_y) / ry) * ry
    with quiet_gdal():
        arr, transform = merge(datasets, bounds=(west, south, east, north), res=(rx, ry),
                               nodata=np.nan, dtype="float64", method="first",
                               resampling=Resampling.average if factor > 1 else Resampling.nearest)
    mosaic = arr[0]
    # Beyond the outer edge of the data, repeat the nearest edge cell so that bilinear
    # interpolation is defined right up to the edge (GDAL's warper leaves a thin no-data strip
    # otherwise). Cells are only used inside the data's outline: see _covered_mask.
    xs = transform.c + (np.arange(mosaic.shape[1]) + 0.5) * transform.a
    ys = transform.f + (np.arange(mosaic.shape[0]) + 0.5) * transform.e
    inside = np.zeros(mosaic.shape, dtype=bool)
    for bw, bs, be, bn in boxes:
        inside |= np.outer((ys >= bs) & (ys <= bn), (xs >= bw) & (xs <= be))
    if inside.any() and not inside.all():
        idx = ndimage.distance_transform_edt(~inside, return_distances=False, return_indices=True)
        mosaic = mosaic[idx[0], idx[1]]
    return mosaic, transform


def load_terrain(sources: Sequence[str | os.PathLike[str]], grid: Grid,
                 resampling: str = "bilinear", *, allow_partial: bool = False,
                 allow_voids: bool = False,
                 max_fill_area_m2: float = SMALL_VOID_MAX_AREA_M2) -> Terrain:
    """Mosaic, clip and reproject elevation sources onto ``grid``.

    Parameters
    ----------
    sources:
        GeoTIFF / .hgt / .hgt.zip files, zip archives of tiles, folders or ``/vsizip/`` names, in
        any CRS (geographic or projected). Where tiles overlap, the first one listed wins.
    grid:
        Target grid (metric CRS, e.g. from :func:`grid_around`).
    resampling:
        ``"bilinear"`` (default), ``"nearest"``, ``"cubic"`` or ``"average"``.
    allow_partial:
        If False (default) a grid that reaches outside the data raises
        :class:`OutsideTerrainError` saying how much is missing; if True those cells are NaN.
        A grid entirely outside the data always raises.
    allow_voids:
        If False (default) a void larger than ``max_fill_area_m2`` raises :class:`TerrainError`
        with its place and size; if True it is left NaN and listed in ``large_voids``.
    max_fill_area_m2:
        Largest void (square metres) that is filled by interpolation.

    Returns
    -------
    Terrain

    Raises
    ------
    TerrainError, OutsideTerrainError, InputError
    """
    if resampling not in RESAMPLING_METHODS:
        raise InputError("terrain.err_resampling", value=resampling,
                         allowed=", ".join(RESAMPLING_METHODS))
    names = expand_sources(sources)
    if not names:
        raise TerrainError("terrain.err_no_sources")
    lat, lon = _grid_centres_lonlat(grid)
    rows, cols = grid.shape
    out = np.full(grid.shape, np.nan, dtype=np.float64)
    covered = np.zeros(grid.shape, dtype=bool)
    used: list[str] = []
    synthetic = False
    with contextlib.ExitStack() as stack:
        groups: dict[str, tuple[CRS, list, list, list]] = {}
        for name in names:
            src = stack.enter_context(open_elevation(name))
            crs = CRS.from_user_input(src.crs.to_wkt())
            b = src.bounds
            try:
                with quiet_gdal():
                    gw, gs, ge, gn = transform_bounds(grid.crs, src.crs, *grid.bounds,
                                                      densify_pts=21)
            except Exception:  # noqa: BLE001 - the grid cannot be expressed in this CRS
                continue
            if not all(math.isfinite(v) for v in (gw, gs, ge, gn)):
                continue
            if gw >= b.right or ge <= b.left or gs >= b.top or gn <= b.bottom:
                continue
            used.append(name)
            synthetic = synthetic or is_synthetic_tags(src.tags())
            key = crs.to_wkt()
            entry = groups.setdefault(key, (crs, [], [], []))
            entry[1].append(src)
            entry[2].append((b.left, b.bottom, b.right, b.top))
            entry[3].append((gw, gs, ge, gn))
        if not used:
            raise OutsideTerrainError("terrain.err_outside_all", files=_names(names))
        for crs, datasets, boxes, grid_boxes in groups.values():
            region = (min(g[0] for g in grid_boxes), min(g[1] for g in grid_boxes),
                      max(g[2] for g in grid_boxes), max(g[3] for g in grid_boxes))
            region = (max(region[0], min(bx[0] for bx in boxes)),
                      max(region[1], min(bx[1] for bx in boxes)),
                      min(region[2], max(bx[2] for bx in boxes)),
                      min(region[3], max(bx[3] for bx in boxes)))
            try:
                mosaic, transform = _read_group(datasets, boxes, grid, crs, region, lat)
            except TerrainError:
                raise
            except Exception:  # noqa: BLE001 - GDAL read failure inside a tile
                raise TerrainError("terrain.err_corrupt",
                                   file=_names([ds.name for ds in datasets])) from None
            part = np.full(grid.shape, np.nan, dtype=np.float64)
            with quiet_gdal():
                reproject(source=mosaic, destination=part, src_transform=transform, src_crs=crs,
                          src_nodata=np.nan, dst_transform=grid.transform, dst_crs=grid.crs,
                          dst_nodata=np.nan, resampling=Resampling[resampling])
            fill = np.isnan(out)
            out[fill] = part[fill]
            covered |= _covered_mask(grid, crs, boxes)

    n_outside = int((~covered).sum())
    if n_outside == rows * cols:
        raise OutsideTerrainError("terrain.err_outside_all", files=_names(used))
    if n_outside and not allow_partial:
        raise OutsideTerrainError(
            "terrain.err_outside_part", percent=f"{100.0 * n_outside / (rows * cols):.1f}",
            km2=f"{n_outside * grid.cell_area / 1e6:.2f}")
    out[~covered] = np.nan

    filled, large = _handle_voids(out, covered, grid, max_fill_area_m2)
    if large and not allow_voids:
        biggest = max(large, key=lambda v: v.area_m2)
        raise TerrainError("terrain.err_large_void", count=len(large),
                           km2=f"{biggest.area_m2 / 1e6:.2f}", lat=f"{biggest.lat:.4f}",
                           lon=f"{biggest.lon:.4f}", limit_km2=f"{max_fill_area_m2 / 1e6:g}")
    out.flags.writeable = False
    return Terrain(grid=grid, elevation=out, sources=tuple(used), filled_voids=filled,
                   synthetic=synthetic, large_voids=tuple(large), outside_cells=n_outside)


def _names(names: Sequence[str]) -> str:
    shown = [display_name(n) for n in names[:3]]
    return ", ".join(shown) + (f" (+{len(names) - 3})" if len(names) > 3 else "")


def _handle_voids(out: np.ndarray, covered: np.ndarray, grid: Grid,
                  max_fill_area_m2: float) -> tuple[int, list[Void]]:
    """Fill small voids of ``out`` in place; return (cells filled, large voids)."""
    voids = np.isnan(out) & covered
    if not voids.any():
        return 0, []
    labels, count = ndimage.label(voids, structure=np.ones((3, 3), dtype=bool))
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    max_cells = max_fill_area_m2 / grid.cell_area
    small_ids = np.flatnonzero(sizes[1:] <= max_cells) + 1
    large_ids = np.flatnonzero(sizes[1:] > max_cells) + 1
    filled = 0
    if small_ids.size and np.isfinite(out).any():
        small = np.isin(labels, small_ids)
        valid = np.isfinite(out)
        # search far enough to reach across the largest small void
        reach = 2.0 * math.sqrt(max(1.0, max_cells)) + 2.0
        image = out.copy()  # unfilled cells stay NaN
        with quiet_gdal():
            result = fillnodata(image, mask=valid.astype(np.uint8), max_search_distance=reach,
                                smoothing_iterations=0)
        ok = small & np.isfinite(result)
        out[ok] = result[ok]
        filled = int(ok.sum())
    large: list[Void] = []
    if large_ids.size:
        centres = ndimage.center_of_mass(voids, labels, large_ids)
        to_wgs = Transformer.from_crs(grid.crs, WGS84, always_xy=True)
        for vid, (r, c) in zip(large_ids, centres, strict=True):
            x = grid.transform.c + (c + 0.5) * grid.cell_size
            y = grid.transform.f - (r + 0.5) * grid.cell_size
            vlon, vlat = to_wgs.transform(x, y)
            large.append(Void(lat=float(vlat), lon=float(vlon),
                              area_m2=float(sizes[vid] * grid.cell_area), cells=int(sizes[vid])))
    return filled, large
