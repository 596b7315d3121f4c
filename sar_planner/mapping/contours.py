"""Contour lines from the DEM, the interval chosen from the relief.

Contours are traced with scikit-image's marching squares (:func:`skimage.measure.find_contours`)
on the elevation grid (decimated first for a large grid), and returned in metres of the grid's
CRS. Every fifth level is an index contour (drawn heavier and labelled), as on topographic maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from skimage.measure import find_contours

from sar_planner.grid import Grid

__all__ = ["ContourLine", "INTERVALS", "contour_interval", "contour_lines"]

#: Contour intervals offered, metres (the series of Chinese and international topographic maps).
INTERVALS = (1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0)


@dataclass(frozen=True)
class ContourLine:
    """One traced contour line.

    Attributes
    ----------
    level:
        Elevation, metres above sea level.
    index:
        True for an index contour (level a multiple of five intervals).
    xy:
        (n, 2) points, metres in the grid's CRS.
    """

    level: float
    index: bool
    xy: np.ndarray


def contour_interval(elevation: np.ndarray, target_lines: int = 20) -> float:
    """The smallest interval of :data:`INTERVALS` giving at most ``target_lines`` levels.

    The relief is the 1st to 99th percentile range of the finite elevations (a single spike or
    void does not set the interval). A flat or empty grid gets the smallest interval.

    >>> contour_interval(np.array([[2900.0, 4500.0]]))   # 1,600 m of relief (Kunlun front)
    100.0
    >>> contour_interval(np.array([[2800.0, 2830.0]]))   # 30 m on the basin floor
    2.0
    """
    finite = elevation[np.isfinite(elevation)]
    if finite.size == 0:
        return INTERVALS[0]
    lo, hi = np.percentile(finite, [1, 99])
    relief = float(hi - lo)
    for step in INTERVALS:
        if relief / step <= target_lines:
            return step
    return INTERVALS[-1]


def contour_lines(grid: Grid, elevation: np.ndarray, interval: float | None = None,
                  max_cells: int = 500, min_points: int = 4) -> tuple[float, list[ContourLine]]:
    """Contours of ``elevation`` (metres a.s.l., ``grid.shape``, NaN = no data).

    Parameters
    ----------
    grid:
        The elevation's grid (metres in ``grid.crs``).
    interval:
        Metres between levels; None = :func:`contour_interval`.
    max_cells:
        The grid is decimated (every k-th cell) so neither side exceeds this before tracing.
    min_points:
        Pieces with fewer points (tiny closed loops of noise) are dropped.

    Returns
    -------
    (interval, lines)
        Levels are the multiples of ``interval`` inside the data's range; lines cross no NaN cell.
    """
    if interval is None:
        interval = contour_interval(elevation)
    if not (interval > 0 and math.isfinite(interval)):
        from sar_planner.errors import InputError
        raise InputError("mapping.err_interval", value=interval)
    k = max(1, math.ceil(max(elevation.shape) / max_cells))
    z = np.asarray(elevation, dtype=float)[::k, ::k]
    finite = np.isfinite(z)
    if not finite.any():
        return interval, []
    lo, hi = float(np.min(z[finite])), float(np.max(z[finite]))
    # NaN would break marching squares: fill with a value below every level, and drop the
    # contour points that fall in a no-data cell.
    filled = np.where(finite, z, lo - 10 * interval)
    # the decimated cell (r, c) is the full grid's cell (k r, k c): its centre, not the block's
    x0 = grid.transform.c + 0.5 * grid.cell_size
    y0 = grid.transform.f - 0.5 * grid.cell_size
    step = k * grid.cell_size
    out: list[ContourLine] = []
    for n in range(math.ceil(lo / interval), math.floor(hi / interval) + 1):
        level = n * interval
        for rc in find_contours(filled, level):
            rows, cols = rc[:, 0], rc[:, 1]
            ok = finite[np.clip(np.round(rows).astype(int), 0, z.shape[0] - 1),
                        np.clip(np.round(cols).astype(int), 0, z.shape[1] - 1)]
            # split at no-data points
            breaks = np.flatnonzero(~ok)
            for piece in np.split(np.arange(len(rows)), breaks):
                piece = piece[ok[piece]]
                if len(piece) < min_points:
                    continue
                xy = np.column_stack([x0 + cols[piece] * step, y0 - rows[piece] * step])
                out.append(ContourLine(float(level), n % 5 == 0, xy))
    return interval, out
