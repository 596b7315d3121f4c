"""Coverage and POD of a planned or flown track on the mission grid; the sortie's POS.

Coverage (search-theory.md; IAMSAR Vol. II): each searching run of the track sweeps a swath of
width W (the effective sweep width) centred on it; the coverage of a cell is the area of the
swaths inside it divided by the cell's area, summed over the runs (overlaps add, as repeated
searches do). This is C = W L / A cell by cell; parallel tracks S apart give C = W / S. The
detection probability is the exponential (random-search) law POD = 1 - exp(-C) (Koopman).

Ground the aircraft could not see (steep faces turned away, ridges in the line of sight) gets no
coverage: :mod:`sar_planner.visibility` says what was hidden (its public names are re-exported
here, as before the split). :func:`plan_coverage` masks by the plan's waypoint heights,
:func:`track_coverage` and :func:`seen_coverage` by a flown track's heights where
:func:`~sar_planner.visibility.sensor_heights` accepts them.

Each swath polygon (shapely buffer of the run, flat ends) is intersected exactly with the cells
it touches (found with rasterio's all-touched rasterisation), so coverage is the true swept area
per cell, whatever the swath width and the cell size.
Coordinates are metres in the grid's CRS; latitude/longitude inputs are degrees WGS84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features

from sar_planner.errors import PlanningError
from sar_planner.geo import to_local
from sar_planner.grid import Grid
from sar_planner.plan import SortiePlan
from sar_planner.terrain import Terrain
from sar_planner.visibility import (ABOVE_GROUND_LIMIT_M, ASSUMED_AGL_M, BELOW_GROUND_MARGIN_M,
                                    BELOW_GROUND_SHARE, SensorHeights, assumed_heights,
                                    line_of_sight_mask, mask_hidden, sensor_heights,
                                    terrain_mask)

__all__ = [
    "swath_coverage",
    "pod_from_coverage",
    "plan_runs",
    "plan_coverage",
    "track_coverage",
    "sortie_pos",
    "seen_coverage",
    # re-exported from sar_planner.visibility (their home since the split)
    "terrain_mask",
    "line_of_sight_mask",
    "mask_hidden",
    "sensor_heights",
    "SensorHeights",
    "BELOW_GROUND_MARGIN_M",
    "BELOW_GROUND_SHARE",
    "ABOVE_GROUND_LIMIT_M",
    "ASSUMED_AGL_M",
]


def _check_width(sweep_width_m: float) -> float:
    if not (math.isfinite(sweep_width_m) and sweep_width_m > 0):
        raise PlanningError("planning.err_sweep_zero", width=f"{sweep_width_m}")
    return float(sweep_width_m)


def _chords(ring: np.ndarray, xs: np.ndarray, y0: np.ndarray, size: float) -> np.ndarray:
    """Length of the vertical line x = xs inside a convex polygon and within [y0, y0 + size].

    ``ring`` is the closed exterior (V + 1, 2); ``xs`` is (N, K); ``y0`` is (N,).
    """
    ax, ay = ring[:-1, 0], ring[:-1, 1]
    bx, by = ring[1:, 0], ring[1:, 1]
    x = xs[..., None]
    slanted = ax != bx
    within = (x >= np.minimum(ax, bx)) & (x <= np.maximum(ax, bx)) & slanted
    with np.errstate(divide="ignore", invalid="ignore"):
        y = ay + (x - ax) * np.where(slanted, (by - ay) / np.where(slanted, bx - ax, 1.0), 0.0)
    lo = np.where(within, y, np.inf).min(axis=-1)
    hi = np.where(within, y, -np.inf).max(axis=-1)
    top = y0[:, None] + size
    return np.clip(np.minimum(hi, top) - np.maximum(lo, y0[:, None]), 0.0, None)


def _convex_cell_areas(ring: np.ndarray, x0: np.ndarray, y0: np.ndarray, size: float
                       ) -> np.ndarray:
    """Exact area of each square [x0, x0 + size] x [y0, y0 + size] inside a convex polygon.

    Between the x of the polygon's vertices and of its edges' crossings with the square's top
    and bottom, the chord length is linear in x, so the midpoint rule on those pieces is exact.
    """
    ax, ay = ring[:-1, 0], ring[:-1, 1]
    bx, by = ring[1:, 0], ring[1:, 1]
    dy = by - ay
    flat = dy == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(flat, 0.0, (bx - ax) / np.where(flat, 1.0, dy))
    cross_b = ax + (y0[:, None] - ay) * inv            # x where each edge meets y = y0
    cross_t = ax + (y0[:, None] + size - ay) * inv     # ... and y = y0 + size
    n = len(x0)
    pts = np.concatenate([x0[:, None], x0[:, None] + size,
                          np.broadcast_to(ax, (n, len(ax))), cross_b, cross_t], axis=1)
    pts = np.clip(np.where(np.isfinite(pts), pts, x0[:, None]), x0[:, None], x0[:, None] + size)
    pts.sort(axis=1)
    width = np.diff(pts, axis=1)
    mid = 0.5 * (pts[:, 1:] + pts[:, :-1])
    return np.sum(width * _chords(ring, mid, y0, size), axis=1)


def swath_coverage(grid: Grid, runs: Sequence[np.ndarray], sweep_width_m: float) -> np.ndarray:
    """Coverage per cell of searching runs with sweep width W (exact swath area per cell).

    Parameters
    ----------
    grid:
        The mission grid (POA grid).
    runs:
        Searching polylines, each an (M, 2) array of x, y metres in ``grid.crs``.
    sweep_width_m:
        Effective sweep width W, metres (swath W wide, centred on the track, flat ends).

    Returns
    -------
    numpy.ndarray
        float64 coverage per cell, ``grid.shape`` (0 where nothing was searched): the area of
        each run's swath inside the cell over the cell's area, summed over the runs.

    Examples
    --------
    One 1,000 m leg with W = 100 m over 100 m cells: 0.1 km^2 swept in 0.01 km^2 cells.

    >>> from pyproj import CRS
    >>> g = Grid.from_bounds(CRS.from_epsg(32646), 0, 0, 1000, 1000, 100)
    >>> c = swath_coverage(g, [np.array([[0.0, 500.0], [1000.0, 500.0]])], 100.0)
    >>> float(c.sum())   # 1000 m x 100 m / (100 m x 100 m) = 10 cells' worth
    10.0
    """
    width = _check_width(sweep_width_m)
    rows, cols = grid.shape
    out = np.zeros(grid.shape, dtype=np.float64)
    west, _, _, north = grid.bounds
    cell = grid.cell_size
    for run in runs:
        run = np.asarray(run, dtype=np.float64)
        if run.ndim != 2 or len(run) < 2 or not np.all(np.isfinite(run)):
            continue
        # terrain following adds waypoints along straight legs: drop the collinear ones (1 cm)
        # so a leg's swath is a plain rectangle, cheap to intersect with the cells
        line = shapely.simplify(shapely.linestrings(run), 0.01)
        if line.length <= 0:
            continue
        poly = shapely.buffer(line, width / 2.0, cap_style="flat", join_style="round")
        minx, miny, maxx, maxy = poly.bounds
        c0 = max(0, int(math.floor((minx - west) / cell)))
        c1 = min(cols, int(math.ceil((maxx - west) / cell)))
        r0 = max(0, int(math.floor((north - maxy) / cell)))
        r1 = min(rows, int(math.ceil((north - miny) / cell)))
        if c1 <= c0 or r1 <= r0:
            continue
        # candidate cells: every cell the swath touches; then the exact area inside each
        transform = Affine(cell, 0.0, west + c0 * cell, 0.0, -cell, north - r0 * cell)
        touched = features.rasterize([(poly, 1)], out_shape=(r1 - r0, c1 - c0),
                                     transform=transform, fill=0, all_touched=True,
                                     dtype="uint8")
        rr, cc = np.nonzero(touched)
        if len(rr) == 0:
            continue
        x0 = west + (c0 + cc) * cell
        y1 = north - (r0 + rr) * cell
        boxes = shapely.box(x0, y1 - cell, x0 + cell, y1)
        shapely.prepare(poly)
        inside = shapely.contains(poly, boxes)
        frac = np.ones(len(rr))
        edge = ~inside
        if edge.any():
            convex = abs(poly.convex_hull.area - poly.area) <= 1e-9 * poly.area
            if convex and len(poly.exterior.coords) <= 64:
                ring = np.asarray(poly.exterior.coords)
                frac[edge] = _convex_cell_areas(ring, x0[edge], y1[edge] - cell, cell) / cell**2
            else:
                frac[edge] = shapely.area(shapely.intersection(boxes[edge], poly)) / cell**2
        out[r0 + rr, c0 + cc] += frac
    return out


def pod_from_coverage(coverage: np.ndarray) -> np.ndarray:
    """POD = 1 - exp(-C) per cell (exponential detection law).

    >>> round(float(pod_from_coverage(np.array(1.0))), 4)   # C = 1: 1 - 1/e
    0.6321
    """
    c = np.asarray(coverage, dtype=np.float64)
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        raise PlanningError("planning.err_coverage_values")
    return -np.expm1(-c)


def plan_runs(plan: SortiePlan, crs: CRS | str | int) -> list[np.ndarray]:
    """The plan's searching runs as (M, 3) x, y (metres in ``crs``), altitude arrays."""
    runs: list[np.ndarray] = []
    for sortie in plan.sorties:
        wps = sortie.waypoints
        if not wps:
            continue
        lat = np.array([w.lat for w in wps])
        lon = np.array([w.lon for w in wps])
        x, y = to_local(lat, lon, crs)
        z = np.array([w.alt_amsl_m for w in wps])
        current: list[int] = []
        for i, w in enumerate(wps):
            if w.role == "search" and i + 1 < len(wps):
                if not current:
                    current = [i]
                current.append(i + 1)
            elif current:
                runs.append(np.column_stack([x[current], y[current], z[current]]))
                current = []
        if current:
            runs.append(np.column_stack([x[current], y[current], z[current]]))
    return runs


def plan_coverage(plan: SortiePlan, grid: Grid, sweep_width_m: float | None = None,
                  terrain: Terrain | None = None, slope_limit_deg: float = 30.0,
                  max_incidence_deg: float = 90.0, clearance_m: float = 0.5) -> np.ndarray:
    """Coverage per cell of a plan's searching legs on ``grid``, terrain-masked if given.

    With ``terrain``, a swept cell counts only if the aircraft on its planned 3D path can see
    it (:func:`mask_hidden`): the searching legs are densified between their waypoints (x, y in
    ``grid.crs`` and the waypoints' altitudes above sea level, straight in between, as the
    aircraft flies them) to about a cell's length, and the ground at each swept cell must be in
    line of sight of the nearest such position, with no ridge between, and not be a steep face
    turned away from it. Without terrain: the plain swath coverage.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, waypoint altitudes metres above sea level).
    grid:
        The grid to rasterise on (metric CRS).
    sweep_width_m:
        Effective sweep width W, metres; defaults to the plan's own.
    terrain:
        DEM in ``grid.crs`` (metres above sea level), or None for no masking.
    slope_limit_deg, max_incidence_deg:
        See :func:`terrain_mask`.
    clearance_m:
        See :func:`line_of_sight_mask`.

    Returns
    -------
    numpy.ndarray
        float64 coverage per cell, ``grid.shape``.
    """
    width = plan.sweep_width_m if sweep_width_m is None else sweep_width_m
    runs = plan_runs(plan, grid.crs)
    cov = swath_coverage(grid, [r[:, :2] for r in runs], width)
    if terrain is None:
        return cov
    return mask_hidden(cov, grid, terrain, runs, slope_limit_deg, max_incidence_deg,
                       line_of_sight=True, clearance_m=clearance_m)


def track_coverage(lat: np.ndarray, lon: np.ndarray, alt_amsl_m: np.ndarray | None, grid: Grid,
                   sweep_width_m: float, terrain: Terrain | None = None,
                   slope_limit_deg: float = 30.0, max_incidence_deg: float = 90.0) -> np.ndarray:
    """Coverage per cell of a flown track (every fix searching), degrees WGS84 in.

    With ``terrain`` and heights that :func:`sensor_heights` accepts (metres above sea level,
    NaN where a fix has none), ground hidden from the track by terrain (line of sight) or
    turned away from it is not counted. Without usable heights the track is taken as flown
    :data:`ASSUMED_AGL_M` (100 m) above the terrain under it and only steep faces turned away
    are masked (no line of sight from a height nobody flew).
    """
    lat = np.asarray(lat, dtype=np.float64).ravel()
    lon = np.asarray(lon, dtype=np.float64).ravel()
    if len(lat) < 2 or len(lat) != len(lon):
        raise PlanningError("planning.err_track_points", count=len(lat))
    x, y = to_local(lat, lon, grid.crs)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    cov = swath_coverage(grid, [np.column_stack([x, y])], sweep_width_m)
    if terrain is None:
        return cov
    heights = None
    if alt_amsl_m is not None:
        alt = np.asarray(alt_amsl_m, dtype=np.float64).ravel()
        if len(alt) == len(x):
            heights = sensor_heights(x, y, alt, terrain).z
    if heights is None:
        return mask_hidden(cov, grid, terrain, [np.column_stack([x, y, assumed_heights(
            terrain, x, y)])], slope_limit_deg, max_incidence_deg, line_of_sight=False)
    return mask_hidden(cov, grid, terrain, [np.column_stack([x, y, heights])], slope_limit_deg,
                       max_incidence_deg, line_of_sight=True)


def sortie_pos(poa: np.ndarray, pod: np.ndarray) -> float:
    """POS = sum over cells of POA x POD.

    >>> sortie_pos(np.array([0.5, 0.5]), np.array([0.5, 0.0]))   # search-theory.md example
    0.25
    """
    poa = np.asarray(poa, dtype=np.float64)
    pod = np.asarray(pod, dtype=np.float64)
    if poa.shape != pod.shape:
        raise PlanningError("planning.err_pod_shape", poa=str(poa.shape), pod=str(pod.shape))
    return float(np.sum(poa * pod))


def seen_coverage(grid: Grid, runs: Sequence[np.ndarray], sweep_width_m: float,
                  terrain: Terrain, slope_limit_deg: float = 30.0,
                  max_incidence_deg: float = 90.0, clearance_m: float = 0.5,
                  sensor_runs: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Coverage of searching runs with heights, counting only ground the sensor could see.

    The swath coverage of the runs (:func:`swath_coverage` over their x, y), set to 0 in every
    cell hidden from the nearest sensor position by terrain (:func:`line_of_sight_mask`) or
    whose steep surface is turned away from it (:func:`terrain_mask`).

    Parameters
    ----------
    grid:
        The mission grid.
    runs:
        Searching polylines, each an (M, 3) array: x, y metres in ``grid.crs`` and the
        sensor's altitude in metres above sea level (the DEM's vertical datum); (M, 2) when
        ``sensor_runs`` gives the heights.
    sweep_width_m:
        Effective sweep width W, metres.
    terrain:
        DEM in ``grid.crs`` covering the grid.
    slope_limit_deg, max_incidence_deg:
        See :func:`terrain_mask`.
    clearance_m:
        See :func:`line_of_sight_mask`.
    sensor_runs:
        Where the sensor was, as (K, 3) polylines (x, y, altitude); default ``runs``. Give the
        unsimplified fixes here when ``runs`` were simplified in plan (a straight leg over a
        ridge keeps only its ends, and a straight line between their heights would cut
        through the ridge).

    Returns
    -------
    numpy.ndarray
        float64 coverage per cell, ``grid.shape``.
    """
    runs = [np.asarray(r, dtype=np.float64) for r in runs]
    cov = swath_coverage(grid, [r[:, :2] for r in runs], sweep_width_m)
    sensor_runs = runs if sensor_runs is None else sensor_runs
    return mask_hidden(cov, grid, terrain, sensor_runs, slope_limit_deg, max_incidence_deg,
                       line_of_sight=True, clearance_m=clearance_m)
