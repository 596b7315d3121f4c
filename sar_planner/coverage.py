"""Coverage and POD of a planned or flown track on the mission grid; the sortie's POS.

Coverage (search-theory.md; IAMSAR Vol. II): each searching run of the track sweeps a swath of
width W (the effective sweep width) centred on it; the coverage of a cell is the area of the
swaths inside it divided by the cell's area, summed over the runs (overlaps add, as repeated
searches do). This is C = W L / A cell by cell; parallel tracks S apart give C = W / S. The
detection probability is the exponential (random-search) law POD = 1 - exp(-C) (Koopman).

Terrain masking: a cell steeper than ``slope_limit_deg`` whose surface faces away from the
sensor (the angle between its upward normal and the line of sight to the nearest point of the
searching track is at least ``max_incidence_deg``, 90 by default) gets no coverage.

Line of sight (:func:`line_of_sight_mask`): a cell is hidden when the terrain rises above the
straight sight line from the nearest sensor position to the ground at the cell's centre, as a
ridge hides the valley behind it. It is checked wherever the sensor's heights above sea level are
known: a plan's waypoints (:func:`plan_coverage`), a flown track with heights
(:func:`track_coverage`, :func:`seen_coverage`; :func:`sensor_heights` says whether a track's
heights can be used). Without heights (a track flown without them is taken 100 m above the
ground under it) only steep faces turned away are masked: a made-up height must not decide what
a ridge hid.

Each swath polygon (shapely buffer of the run, flat ends) is intersected exactly with the cells
it touches (found with rasterio's all-touched rasterisation), so coverage is the true swept area
per cell, whatever the swath width and the cell size.
Coordinates are metres in the grid's CRS; latitude/longitude inputs are degrees WGS84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from scipy.spatial import cKDTree

from sar_planner.errors import PlanningError
from sar_planner.geo import to_local
from sar_planner.grid import Grid
from sar_planner.plan import SortiePlan
from sar_planner.terrain import Terrain

__all__ = [
    "swath_coverage",
    "terrain_mask",
    "pod_from_coverage",
    "plan_runs",
    "plan_coverage",
    "track_coverage",
    "sortie_pos",
    "line_of_sight_mask",
    "seen_coverage",
    "mask_hidden",
    "sensor_heights",
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


def pod_from_coverage(coverage: np.ndarray) -> np.ndarray:
    """POD = 1 - exp(-C) per cell (exponential detection law).

    >>> round(float(pod_from_coverage(np.array(1.0))), 4)   # C = 1: 1 - 1/e
    0.6321
    """
    c = np.asarray(coverage, dtype=np.float64)
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        raise PlanningError("planning.err_coverage_values")
    return -np.expm1(-c)


def _densify_xyz(xyz: np.ndarray, step: float) -> np.ndarray:
    out = [xyz[:1]]
    for a, b in zip(xyz[:-1], xyz[1:], strict=True):
        n = max(1, int(math.ceil(math.hypot(*(b[:2] - a[:2])) / step)))
        t = (np.arange(1, n + 1) / n)[:, None]
        out.append(a + (b - a) * t)
    return np.vstack(out)


def plan_runs(plan: SortiePlan, crs: object) -> list[np.ndarray]:
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
        return mask_hidden(cov, grid, terrain, [np.column_stack([x, y, _assumed_heights(
            terrain, x, y)])], slope_limit_deg, max_incidence_deg, line_of_sight=False)
    return mask_hidden(cov, grid, terrain, [np.column_stack([x, y, heights])], slope_limit_deg,
                       max_incidence_deg, line_of_sight=True)


def _assumed_heights(terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
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
