"""What the aircraft could see: terrain masking of swept ground (steep faces turned away, line of sight).

A swept cell counts only where the sensor could see it (search-theory.md, terrain masking):

- steep faces turned away (:func:`terrain_mask`): a cell steeper than ``slope_limit_deg`` whose
  surface faces away from the sensor (the angle between its upward normal and the line of sight to
  the nearest point of the searching track is at least ``max_incidence_deg``, 90 by default) is
  hidden;
- line of sight (:func:`line_of_sight_mask`): a cell is hidden when the terrain rises above the
  straight sight line from the nearest sensor position to the ground at the cell's centre, as a
  ridge hides the valley behind it. It is checked wherever the sensor's heights above sea level
  are known: a plan's waypoints, a flown track with heights (:func:`sensor_heights` says whether
  a track's heights can be used). Without heights (a track flown without them is taken
  :data:`ASSUMED_AGL_M` above the ground under it, :func:`assumed_heights`) only steep faces
  turned away are masked: a made-up height must not decide what a ridge hid.

:func:`mask_hidden` applies both to a coverage array; :mod:`sar_planner.coverage` computes the
coverage itself. Coordinates are metres in the grid's CRS, heights metres above mean sea level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from sar_planner.grid import Grid
from sar_planner.terrain import Terrain

__all__ = [
    "terrain_mask",
    "line_of_sight_mask",
    "mask_hidden",
    "sensor_heights",
    "assumed_heights",
    "SensorHeights",
    "BELOW_GROUND_MARGIN_M",
    "BELOW_GROUND_SHARE",
    "ABOVE_GROUND_LIMIT_M",
    "ASSUMED_AGL_M",
]


#: A fix more than this far below the ground under it (metres) is not a sea-level height (SRTM's
#: absolute height error is 16 m at 90 %, Rodriguez et al. 2006; GNSS heights a few metres more):
#: the same rule as :mod:`sar_planner.probability.logged` so a sortie is judged alike everywhere.
BELOW_GROUND_MARGIN_M = 50.0
#: The share of fixes over terrain that may lie so far below it before a track's heights are not
#: used at all (a few fixes at landing or in a GPS glitch are tolerated).
BELOW_GROUND_SHARE = 0.1
#: A fix more than this far above the ground under it (metres) is not a searching height above
#: sea level: heights in feet read as metres put an aircraft over the Qaidam (ground 2,700 m and
#: up) more than 6,000 m above the ground, from where masking would hide next to nothing while
#: the sortie is reported as masked. No search sensor is of use 3 km up; the same share
#: :data:`BELOW_GROUND_SHARE` of such fixes makes the heights unusable.
ABOVE_GROUND_LIMIT_M = 3000.0
#: Height above the ground (metres) a track without usable heights is taken to be flown at.
ASSUMED_AGL_M = 100.0


def terrain_mask(grid: Grid, terrain: Terrain, sensor_xyz: np.ndarray,
                 slope_limit_deg: float = 30.0, max_incidence_deg: float = 90.0,
                 cells: np.ndarray | None = None) -> np.ndarray:
    """True where a cell can be seen from the nearest sensor position (see module docstring).

    Parameters
    ----------
    grid:
        The mission grid.
    terrain:
        DEM (any grid covering ``grid``; slope and aspect are read at the cell centres).
    sensor_xyz:
        (P, 3) sensor positions along the searching track: x, y metres, altitude metres.
    slope_limit_deg:
        Slopes up to this angle are always seen.
    max_incidence_deg:
        A steeper cell is seen only if its normal is within this angle of the line of sight.
    cells:
        Optional boolean mask of cells to evaluate (others are returned True).
    """
    rows, cols = grid.shape
    visible = np.ones(grid.shape, dtype=bool)
    pts = np.asarray(sensor_xyz, dtype=np.float64).reshape(-1, 3)
    if len(pts) == 0:
        return visible
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    todo = np.ones(grid.shape, dtype=bool) if cells is None else np.asarray(cells, dtype=bool)
    inside = terrain.grid.contains(xs, ys)
    todo &= inside
    if not todo.any():
        return visible
    tr, tc = terrain.grid.rowcol(xs[todo], ys[todo])
    ri = np.clip(tr.astype(int), 0, terrain.grid.shape[0] - 1)
    ci = np.clip(tc.astype(int), 0, terrain.grid.shape[1] - 1)
    slope = np.asarray(terrain.slope_deg)[ri, ci]
    aspect = np.asarray(terrain.aspect_deg)[ri, ci]
    elev = np.asarray(terrain.elevation)[ri, ci]
    steep = np.isfinite(slope) & (slope > slope_limit_deg) & np.isfinite(aspect)
    if not steep.any():
        return visible
    cx, cy, cz = xs[todo][steep], ys[todo][steep], elev[steep]
    s = np.radians(slope[steep])
    a = np.radians(aspect[steep])
    normal = np.column_stack([np.sin(s) * np.sin(a), np.sin(s) * np.cos(a), np.cos(s)])
    _, nearest = cKDTree(pts[:, :2]).query(np.column_stack([cx, cy]))
    los = pts[nearest] - np.column_stack([cx, cy, cz])
    cos_inc = np.einsum("ij,ij->i", normal, los) / np.maximum(np.linalg.norm(los, axis=1), 1e-9)
    seen = cos_inc > math.cos(math.radians(max_incidence_deg)) + 1e-12
    idx_todo = np.flatnonzero(todo.ravel())
    flat = visible.ravel()
    flat[idx_todo[np.flatnonzero(steep)[~seen]]] = False
    return flat.reshape(rows, cols)


def _densify_xyz(xyz: np.ndarray, step: float) -> np.ndarray:
    out = [xyz[:1]]
    for a, b in zip(xyz[:-1], xyz[1:], strict=True):
        n = max(1, int(math.ceil(math.hypot(*(b[:2] - a[:2])) / step)))
        t = (np.arange(1, n + 1) / n)[:, None]
        out.append(a + (b - a) * t)
    return np.vstack(out)


def assumed_heights(terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:data:`ASSUMED_AGL_M` above the terrain under each point (the highest such height off it)."""
    from sar_planner.terrain import sample_bilinear

    inside = terrain.grid.contains(x, y)
    z = np.full(len(x), np.nan)
    if inside.any():
        z[inside] = sample_bilinear(terrain, x[inside], y[inside]) + ASSUMED_AGL_M
    return np.where(np.isfinite(z), z, np.nanmax(z) if np.isfinite(z).any() else 0.0)


@dataclass(frozen=True, eq=False)
class SensorHeights:
    """A track's heights as terrain masking can use them (:func:`sensor_heights`).

    Attributes
    ----------
    z:
        Metres above sea level per fix, or None when the track's heights cannot be used.
    status:
        ``"heights"`` (every fix had one), ``"partial"`` (some filled in between their
        neighbours), ``"none"`` (fewer than two fixes with a height), ``"bad"`` (too many
        far below the ground: not sea-level heights) or ``"high"`` (too many more than
        :data:`ABOVE_GROUND_LIMIT_M` above it: feet, or not a searching height).
    missing, total:
        Fixes without a height, and all fixes.
    below, over:
        Fixes more than :data:`BELOW_GROUND_MARGIN_M` below the ground, and fixes with a height
        over the terrain (the share ``below / over`` is what is judged).
    above:
        Fixes more than :data:`ABOVE_GROUND_LIMIT_M` above the ground (judged as ``below``).
    """

    z: np.ndarray | None
    status: str
    missing: int
    total: int
    below: int = 0
    over: int = 0
    above: int = 0


def sensor_heights(x: np.ndarray, y: np.ndarray, alt_amsl_m: np.ndarray,
                   terrain: Terrain) -> SensorHeights:
    """The heights (metres above sea level) to mask a flown track with, or why there are none.

    The rule of :mod:`sar_planner.probability.logged` (a sortie is judged alike in the logbook
    and in the replay): fewer than two fixes with a height -> none; more than
    :data:`BELOW_GROUND_SHARE` of the fixes over the terrain lying more than
    :data:`BELOW_GROUND_MARGIN_M` below the ground -> not sea-level heights (heights above
    take-off), not used (``"bad"``); as many more than :data:`ABOVE_GROUND_LIMIT_M` above it ->
    feet read as metres, or no searching height, not used (``"high"``); otherwise fixes
    without a height get one interpolated along the track (horizontal distance) between their
    neighbours, and a fix below the ground under it (GPS and DEM error) is taken at the ground,
    from where it can never see less.

    Parameters
    ----------
    x, y:
        Fixes in flying order, metres in ``terrain.grid.crs``.
    alt_amsl_m:
        Their heights, metres above sea level, NaN where a fix has none.
    terrain:
        DEM (metres above sea level).

    Returns
    -------
    SensorHeights

    Examples
    --------
    >>> from pyproj import CRS
    >>> g = Grid.from_bounds(CRS.from_epsg(32646), 0, 0, 100, 100, 10)
    >>> flat = Terrain(g, np.full((10, 10), 3000.0), (), 0, False)
    >>> h = sensor_heights(np.array([5.0, 45.0, 95.0]), np.array([50.0] * 3),
    ...                    np.array([3100.0, np.nan, 3200.0]), flat)
    >>> h.status, [round(float(v), 1) for v in h.z]   # 3,100 + 40 / 90 x 100 m
    ('partial', [3100.0, 3144.4, 3200.0])
    >>> sensor_heights(np.array([5.0, 95.0]), np.array([50.0] * 2),
    ...                np.array([30.0, 40.0]), flat).status   # above take-off, not sea level
    'bad'
    >>> sensor_heights(np.array([5.0, 95.0]), np.array([50.0] * 2),
    ...                np.array([10170.0, 10171.0]), flat).status   # 3,100 m AMSL in feet
    'high'
    """
    from sar_planner.terrain import sample_bilinear

    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    alt = np.asarray(alt_amsl_m, dtype=np.float64).ravel()
    total = len(alt)
    known = np.isfinite(alt)
    missing = int(total - known.sum())
    if known.sum() < 2:
        return SensorHeights(None, "none", missing, total)
    ground = np.full(total, np.nan)
    inside = terrain.grid.contains(x, y)
    if inside.any():
        ground[inside] = sample_bilinear(terrain, x[inside], y[inside])
    over = known & np.isfinite(ground)
    below = int(np.sum(over & (alt < ground - BELOW_GROUND_MARGIN_M)))
    n_over = int(over.sum())
    if n_over and below > BELOW_GROUND_SHARE * n_over:
        return SensorHeights(None, "bad", missing, total, below, n_over)
    above = int(np.sum(over & (alt > ground + ABOVE_GROUND_LIMIT_M)))
    if n_over and above > BELOW_GROUND_SHARE * n_over:
        return SensorHeights(None, "high", missing, total, below, n_over, above)
    z = alt
    if missing:
        along = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        z = np.interp(along, along[known], alt[known])
    z = np.where(np.isfinite(ground), np.fmax(z, ground), z)
    return SensorHeights(z, "partial" if missing else "heights", missing, total, below, n_over,
                         above)


def _elevation_at(terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear elevation (metres) at x, y metres in ``terrain.grid.crs``; NaN off the grid."""
    from scipy.ndimage import map_coordinates

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    inside = terrain.grid.contains(x, y)
    if inside.any():
        r, c = terrain.grid.rowcol(x[inside], y[inside])
        # map_coordinates counts from the centre of the first cell; repeat the edge cells so
        # points in the outer half cell are still defined (NaN cells stay NaN)
        out[inside] = map_coordinates(np.asarray(terrain.elevation, dtype=np.float64),
                                      [r - 0.5, c - 0.5], order=1, mode="nearest")
    return out


def line_of_sight_mask(grid: Grid, terrain: Terrain, sensor_xyz: np.ndarray,
                       cells: np.ndarray | None = None, clearance_m: float = 0.5) -> np.ndarray:
    """True where the ground at a cell's centre can be seen from the nearest sensor position.

    The sight line runs straight from the sensor position nearest the cell (horizontal
    distance) to the ground at the cell's centre. It is sampled every half terrain cell from the
    target towards the sensor, leaving out the first half cell (the target's own surface); the
    cell is hidden when the terrain (bilinear) rises more than ``clearance_m`` above the line at
    any sample. Samples with no terrain (NaN, off the terrain grid) hide nothing, and a cell with
    no elevation under it is returned True (not judged: the plain swath stands there).

    Parameters
    ----------
    grid:
        The mission grid (coordinates metres in ``grid.crs``).
    terrain:
        DEM on a grid in the same CRS covering ``grid`` (metres above sea level).
    sensor_xyz:
        (P, 3) sensor positions along the searching track: x, y metres in ``grid.crs``,
        altitude metres above sea level (the DEM's vertical datum). Densify the track to about
        a cell's length so "nearest" means the point abeam of the cell.
    cells:
        Optional boolean mask of cells to evaluate (others are returned True).
    clearance_m:
        Terrain must rise more than this (metres) above the sight line to hide the cell: DEM
        round-off on a smooth slope seen at a grazing angle does not hide it.

    Returns
    -------
    numpy.ndarray
        bool, ``grid.shape``.

    Examples
    --------
    A 100 m step (plateau east of x = 500 m) seen from 30 m above the low ground 20 m west of
    it: the plateau beyond the crest is hidden (the sensor is below the crest), the low ground
    is not.

    >>> from pyproj import CRS
    >>> from sar_planner.terrain import Terrain
    >>> g = Grid.from_bounds(CRS.from_epsg(32646), 0, 0, 1000, 100, 10)
    >>> dem = np.where(g.x_centres() > 500, 100.0, 0.0)[None, :].repeat(10, axis=0)
    >>> seen = line_of_sight_mask(g, Terrain(g, dem, (), 0, False), np.array([[480.0, 50.0, 30.0]]))
    >>> bool(seen[5, 45]), bool(seen[5, 55])   # x = 455 m (low ground), x = 555 m (plateau)
    (True, False)
    """
    rows, cols = grid.shape
    visible = np.ones(grid.shape, dtype=bool)
    pts = np.asarray(sensor_xyz, dtype=np.float64).reshape(-1, 3)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0:
        return visible
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    todo = np.ones(grid.shape, dtype=bool) if cells is None else np.asarray(cells, dtype=bool)
    idx = np.flatnonzero(todo.ravel())
    if len(idx) == 0:
        return visible
    cx, cy = xs.ravel()[idx], ys.ravel()[idx]
    cz = _elevation_at(terrain, cx, cy)
    judged = np.isfinite(cz)
    idx, cx, cy, cz = idx[judged], cx[judged], cy[judged], cz[judged]
    if len(idx) == 0:
        return visible
    _, nearest = cKDTree(pts[:, :2]).query(np.column_stack([cx, cy]))
    sensor = pts[nearest]
    dist = np.hypot(sensor[:, 0] - cx, sensor[:, 1] - cy)
    step = terrain.grid.cell_size / 2.0
    hidden = np.zeros(len(idx), dtype=bool)
    order = np.argsort(dist)  # ascending: a chunk's last sight line is its longest
    budget = 4_000_000  # samples per chunk (memory: a few tens of MB)
    start = 0
    while start < len(order):
        end = min(len(order), start + max(1, budget // max(1, math.ceil(dist[order[start]] / step))))
        n = max(1, int(math.ceil(dist[order[end - 1]] / step)))
        end = min(end, start + max(1, budget // n))
        sel = order[start:end]
        start = end
        d = dist[sel]
        s = step * np.arange(1, n + 1)[None, :]        # distance from the target, metres
        valid = s < d[:, None]
        if not valid.any():
            continue
        frac = np.where(valid, s / np.maximum(d[:, None], 1e-9), 0.0)
        px = cx[sel, None] + frac * (sensor[sel, 0, None] - cx[sel, None])
        py = cy[sel, None] + frac * (sensor[sel, 1, None] - cy[sel, None])
        line = cz[sel, None] + frac * (sensor[sel, 2, None] - cz[sel, None])
        ground = _elevation_at(terrain, px, py)
        above = valid & np.isfinite(ground) & (ground > line + clearance_m)
        hidden[sel] = above.any(axis=1)
    flat = visible.ravel()
    flat[idx[hidden]] = False
    return flat.reshape(rows, cols)


def mask_hidden(coverage: np.ndarray, grid: Grid, terrain: Terrain,
                sensor_runs: Sequence[np.ndarray], slope_limit_deg: float = 30.0,
                max_incidence_deg: float = 90.0, *, line_of_sight: bool = True,
                clearance_m: float = 0.5) -> np.ndarray:
    """``coverage`` with every swept cell the sensor could not see set to 0.

    The sensor's path (``sensor_runs``, straight between their points) is densified to about a
    cell's length; a swept cell is hidden when its steep surface is turned away from the nearest
    position (:func:`terrain_mask`) or, with ``line_of_sight``, when terrain rises above the
    sight line from that position to the ground at the cell's centre
    (:func:`line_of_sight_mask`).

    Parameters
    ----------
    coverage:
        Coverage per cell on ``grid`` (e.g. :func:`swath_coverage`); not changed.
    grid:
        The grid of ``coverage``.
    terrain:
        DEM in ``grid.crs`` (metres above sea level).
    sensor_runs:
        (K, 3) polylines: x, y metres in ``grid.crs``, altitude metres above sea level.
        Polylines of another shape are left out.
    slope_limit_deg, max_incidence_deg:
        See :func:`terrain_mask`.
    line_of_sight:
        Check ridges too (needs true heights); False = steep faces only.
    clearance_m:
        See :func:`line_of_sight_mask`.

    Returns
    -------
    numpy.ndarray
        float64 coverage per cell, ``grid.shape``.
    """
    cov = np.asarray(coverage, dtype=np.float64)
    good = [r for r in (np.asarray(r, dtype=np.float64) for r in sensor_runs)
            if r.ndim == 2 and r.shape[1] == 3 and len(r) >= 1]
    if not good or not cov.any():
        return cov
    sensors = np.vstack([_densify_xyz(r, max(grid.cell_size, 1.0)) for r in good])
    swept = cov > 0
    seen = terrain_mask(grid, terrain, sensors, slope_limit_deg, max_incidence_deg, cells=swept)
    if line_of_sight:
        seen &= line_of_sight_mask(grid, terrain, sensors, cells=swept & seen,
                                   clearance_m=clearance_m)
    return np.where(seen, cov, 0.0)
