"""Search segments: POA, density, cumulative POD, POS and rank per segment; gaps reported.

A cell belongs to the segment holding its centre (segments may not overlap; the cell-centre rule
splits a shared border cleanly). Per segment (Stone 1975; search-theory.md):
area (m^2, of the polygon), POA = sum of current cell POA, POA density = POA per km^2,
cumulative POD = 1 - sum POA0_i (1 - cumPOD_i) / sum POA0_i (against the initial map),
POS so far = sum POA0_i cumPOD_i, and rank by current POA density (1 = search first).
Geometries are shapely polygons in metres of the grid's CRS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rasterio import features
from scipy import ndimage
from shapely.geometry import box, shape
from skimage import measure
from skimage.segmentation import watershed
from shapely.ops import unary_union

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.consensus import Region, region_labels
from sar_planner.probability.maps import ProbabilityMap

__all__ = ["Segment", "SegmentStats", "SegmentTable", "segment_table", "grid_segments",
           "terrain_segments"]

Segment = Region


@dataclass(frozen=True)
class SegmentStats:
    """One row of the segment table (see the module docstring for each figure)."""

    name: str
    area_m2: float
    poa: float
    poa_density_per_km2: float
    cumulative_pod: float
    pos: float
    rank: int


@dataclass(frozen=True)
class SegmentTable:
    """Rows by segment (in the given order) and what no segment covers.

    Attributes
    ----------
    rows:
        One :class:`SegmentStats` per segment.
    gap_area_m2:
        Area of the grid covered by no segment (polygon geometry, m^2).
    gap_poa:
        Current POA of the cells covered by no segment.
    row:
        Current ROW (outside the grid).
    """

    rows: tuple[SegmentStats, ...]
    gap_area_m2: float
    gap_poa: float
    row: float


def segment_table(segments: Sequence[Segment], current: ProbabilityMap,
                  initial: ProbabilityMap | None = None,
                  cumulative_pod: np.ndarray | None = None) -> SegmentTable:
    """Figures per segment for the current map (and the initial map and cumulative POD, if any)."""
    grid = current.grid
    labels = region_labels(grid, [s.geometry for s in segments])
    n = len(segments)
    idx = labels.ravel()
    ok = idx >= 0
    poa: np.ndarray = np.bincount(idx[ok], weights=current.poa.ravel()[ok], minlength=n)
    if initial is not None and cumulative_pod is not None:
        cp = np.asarray(cumulative_pod, dtype=float)
        if cp.shape != grid.shape:
            raise ProbabilityError("probability.err_pod_grid", shape=str(cp.shape),
                                   grid=str(grid.shape))
        p0: np.ndarray = np.bincount(idx[ok], weights=initial.poa.ravel()[ok], minlength=n)
        found: np.ndarray = np.bincount(idx[ok], weights=(initial.poa * cp).ravel()[ok], minlength=n)
    else:
        p0 = poa
        found = np.zeros(n)
    areas = np.array([s.geometry.area for s in segments], dtype=float)
    extent = box(*grid.bounds)
    density = np.where(areas > 0, poa / np.maximum(areas, 1e-300) * 1e6, 0.0)
    order = np.argsort(-density, kind="stable")
    ranks = np.empty(n, dtype=int)
    ranks[order] = np.arange(1, n + 1)
    rows = tuple(
        SegmentStats(s.name, float(areas[i]), float(poa[i]), float(density[i]),
                     float(found[i] / p0[i]) if p0[i] > 0 else 0.0, float(found[i]),
                     int(ranks[i]))
        for i, s in enumerate(segments))
    covered = unary_union([s.geometry for s in segments]) if segments else None
    gap_area = extent.area - (covered.intersection(extent).area if covered is not None else 0.0)
    gap_poa = float(current.poa[labels < 0].sum())
    return SegmentTable(rows, max(0.0, float(gap_area)), gap_poa, current.row)


def grid_segments(grid: Grid, size_m: float, prefix: str = "S") -> list[Segment]:
    """Square segments of ``size_m`` metres tiling the grid from its north-west corner.

    Names run ``S1``, ``S2``, ... west to east, north to south; the last row and column are cut
    at the grid's edge.
    """
    west, south, east, north = grid.bounds
    if not (math.isfinite(size_m) and size_m >= grid.cell_size):
        raise ProbabilityError("probability.err_segment_size", value=size_m,
                               cell=f"{grid.cell_size:g}")
    out: list[Segment] = []
    k = 1
    y = north
    while y > south + 1e-6:
        x = west
        while x < east - 1e-6:
            out.append(Segment(f"{prefix}{k}", box(x, max(south, y - size_m), min(east, x + size_m), y)))
            k += 1
            x += size_m
        y -= size_m
    return out


def terrain_segments(grid: Grid, elevation: np.ndarray, size_m: float,
                     prefix: str = "T") -> list[Segment]:
    """Segments bounded by ridgelines and drainages, about ``size_m`` x ``size_m`` each.

    The DEM (metres a.s.l. on ``grid``), lightly smoothed, is split into drainage basins by a
    watershed from its local minima (markers: one per ``size_m`` window; scikit-image's flooding
    watershed): basin edges run along ridges and each basin holds a drainage. Basins larger than
    the target are cut by a ``size_m`` grid, and pieces under a tenth of the target area are
    merged into the neighbour they share most cells with. Each segment is one 4-connected piece
    (a polygon, never a multi-polygon: the planner flies one outline). The segments tile the
    grid without gaps or overlaps; names run ``T1``, ``T2``, ... from north-west to south-east.
    """
    z = np.asarray(elevation, dtype=np.float64)
    if z.shape != grid.shape:
        raise ProbabilityError("probability.err_dem_shape", shape=str(z.shape),
                               grid=str(grid.shape))
    if not np.all(np.isfinite(z)):
        raise ProbabilityError("probability.err_dem_nan", count=int((~np.isfinite(z)).sum()))
    h = grid.cell_size
    if not (math.isfinite(size_m) and size_m >= 3 * h):
        raise ProbabilityError("probability.err_segment_size", value=size_m, cell=f"{3 * h:g}")
    w = max(3, int(round(size_m / h)) | 1)
    smooth = ndimage.gaussian_filter(z, sigma=max(1.0, w / 8.0))
    minima = smooth == ndimage.minimum_filter(smooth, size=w, mode="nearest")
    markers, n = ndimage.label(minima)
    if n == 0:  # pragma: no cover - a finite array always has a minimum
        markers[0, 0], n = 1, 1
    basins = watershed(smooth, markers, connectivity=2)
    rows, cols = grid.shape
    squares = (np.arange(rows)[:, None] * h // size_m).astype(np.int64) * (cols + 1) + \
        (np.arange(cols)[None, :] * h // size_m).astype(np.int64)
    combined = basins.astype(np.int64) * (squares.max() + 1) + squares
    # a basin cut by the squares can leave one (basin, square) pair in separate pieces, and a
    # basin may hang together only through a cell's corner: each 4-connected piece is its own
    # region (the polygons below are traced 4-connected), so every segment is one outline the
    # planner can fly; small pieces are merged next
    labels = measure.label(combined, background=-1, connectivity=1).astype(np.int32) - 1
    labels = _merge_small(labels, max(1, int(0.1 * (size_m / h) ** 2)))
    polys: dict[int, list] = {}
    for geom, value in features.shapes(labels, transform=grid.transform):
        polys.setdefault(int(value), []).append(shape(geom))
    pieces = [unary_union(p) for p in polys.values()]
    pieces.sort(key=lambda g: (-round(g.centroid.y / size_m), g.centroid.x))
    return [Segment(f"{prefix}{k}", g) for k, g in enumerate(pieces, start=1)]


def _merge_small(labels: np.ndarray, min_cells: int) -> np.ndarray:
    """Give every region of fewer than ``min_cells`` cells to its most-bordering neighbour."""
    labels = labels.copy()
    for _ in range(20):
        counts = np.bincount(labels.ravel())
        small = np.flatnonzero((counts > 0) & (counts < min_cells))
        if small.size == 0 or np.count_nonzero(counts) <= 1:
            break
        changed = False
        for lab in small.tolist():
            mask = labels == lab
            if not mask.any():
                continue
            ring = ndimage.binary_dilation(mask) & ~mask
            neighbours = labels[ring]
            if neighbours.size == 0:
                continue
            labels[mask] = np.bincount(neighbours).argmax()
            changed = True
        if not changed:
            break
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape).astype(np.int32)
