"""The terrain model: the distance statistics applied in walking effort instead of straight line.

Travel effort (:mod:`.costdistance`, flat-ground metres by Tobler's function, impassable slopes and
drawn barriers; divided by the grid paths' mean excess over straight lines, 1.4 % with 16
neighbours, so that flat open ground gives the ring model back) replaces straight-line distance as
the radial coordinate: the published CDF F is
read as P(effort walked <= D). The mass F(D2) - F(D1) of each effort band (bands one cell wide)
is shared equally by the grid cells whose effort lies in that band: equal probability per area
along an effort contour, which on flat open ground is exactly the ring model.

Rest of world: for an effort D, the share phi(D) of the contour that lies inside the grid is the
share of directions from the IPP (720 sectors at most) whose route has not yet reached the grid's
edge at effort D; the band's mass is split phi into the grid and 1 - phi to ROW (on flat ground
this is the share of the circle inside the grid). Mass of a band that has no cell inside the grid
(a jump in effort behind a cliff line) passes to the next band that has cells; mass beyond the
farthest reachable cell that has not left the grid (a basin walled in by barriers) is spread over
the reachable cells in proportion to their mass.

Optional weights, each off by default and shown to the user as a layer: drainages (D8 flow
accumulation of the DEM above a catchment area), linear features (tracks, roads, power lines;
easier walking and/or more probability on them), and an uphill share (Koester 2008: 32-48 % of
hikers are found uphill of the IPP). Weights multiply cell POA and keep the grid total and ROW.

IPP uncertainty (a phone-tower fix can be kilometres wide): the subject started from an unknown
point X distributed as the uncertainty (:class:`~.rings.IppUncertainty`: a Gaussian whose 95 %
circle is the radius, cut at 4 sigma, or a uniform disc) and then walked, so the map is the
mixture E_X[map from X]. It is computed by a stratified polar cubature (:func:`ipp_start_points`):
strata of about Delta x Delta whose probabilities are integrated exactly, each represented by one
start point with its own Dijkstra, its own effort bands, exit sectors, ROW and weights (uphill
counts from that point's height), weighted by the stratum's probability. A point stands for
its whole stratum: its distance law is the published one blurred by a uniform disc of the
stratum's area (:class:`_StratumLaw`), which removes the peak a single point would leave and still
puts the mass only where that point's effort field reaches. Barriers and cliffs therefore hold:
mass is never smeared across them, and mass comes in from start points the IPP cannot reach.
Each stratum is sampled by its point and 16 sub-points (:func:`_split_strata`). The share of it
outside the grid is ROW: the map cannot say where those subjects walked. The share on impassable
(barrier) cells is renormalised away over the rest: nobody can have started there. A stratum cut
by a barrier into parts a walker cannot join (4-neighbour regions of the passable cells) gives
each part its own start point (its sample nearest the stratum's point), with the share of the
stratum lying there; so a barrier or the grid's edge splits the mass to within a sub-point's
share. Impassable slopes are not used for this split (only drawn barriers).

The spacing Delta is a quarter of the median distance (never below a cell), widened so the rule
has at most 21 start points on a 2,000 x 2,000 grid, 84 on 1,000 x 1,000 (:func:`auto_spacing`;
strata cut by a barrier add a start per extra part). The cost is one terrain map per start point
(about 0.6 s of CPU each on 2,000 x 2,000 cells here, 0.15 s on 1,000 x 1,000), spread over up to
4 threads. When the distance law is capped (elapsed time x speed) every start point but the
IPP's own stops its search where its law ends (:func:`_search_limit`): the law's CDF is exactly 1
from the cap plus the stratum's radius, so farther bands hold no mass and the map is the same to
the last bit (tests check it), measured 6.3 x less CPU for a 12 km cap on the 2,000 x 2,000 bench
grid. Checks (tests/probability/test_terrain_model_uncertain_ipp.py): on flat open ground the mixture agrees
with the ring model's exact convolution to 2 % of the mass cell by cell; a barrier across the
uncertainty splits the mass as the law does to within 0.5 %; on real mountain terrain doubling
the start points moves less than 5 % of the mass cell by cell, 2.5 % over 500 m blocks. All
coordinates are metres in the grid's CRS; heights metres above sea level.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import numba
import numpy as np
from rasterio import features
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.costdistance import grid_path_bias, travel_effort
from sar_planner.probability.maps import ProbabilityMap, ipp_cell
from sar_planner.probability.radial import RadialDistribution
from sar_planner.probability.rings import IppUncertainty, _check_uncertainty

__all__ = ["TerrainOptions", "TerrainLayers", "terrain_map", "spread_by_effort",
           "rasterize_lines", "flow_accumulation", "StartPoints", "ipp_start_points",
           "auto_spacing", "MAX_START_CELLS", "MAX_START_POINTS", "SPACING_PER_D50"]

_MAX_SECTORS = 720
#: Most effort bands one map uses. Cells farther than this many cell widths of effort (behind
#: cliffs walked with no slope limit: 80 degrees costs e^20 x flat ground) share the last band;
#: without the cap a 16-cell grid with 90-degree slopes asked for 10^12 bands (MemoryError).
#: 50,000 bands of 30 m is 1,500 km of flat-ground walking (a route at the 40 degree limit all
#: the way across a 60 km grid would be 1,100 km), where the heaviest published tail leaves a
#: few parts in 10^5; ordinary maps use a few thousand bands. Memory and time grow with the band
#: count (the blurred law of an uncertain IPP evaluates 65 points per band).
_MAX_BANDS = 50_000


@dataclass(frozen=True)
class TerrainOptions:
    """Settings of the terrain model (the defaults give plain Tobler walking, no weights).

    Attributes
    ----------
    max_slope_deg:
        Slopes steeper than this (degrees) cannot be walked.
    connectivity:
        8 or 16 neighbours per cell (16: paths within 2.7 % of straight lines on flat ground).
    barriers:
        Shapely geometries (metres in the grid CRS) that cannot be crossed: rivers, salt-lake
        shores, cliffs (lines) or whole areas (polygons). Every cell they touch is impassable.
    tracks:
        Linear features (roads, tracks, power lines) as shapely lines in the grid CRS.
    track_friction:
        Effort multiplier on track cells (0.8 = walking 25 % faster there; 1 = no effect).
    track_weight:
        Extra POA weight on track cells: POA x (1 + weight). 0 = off.
    drainage_weight:
        Extra POA weight on drainage cells (flow accumulation of at least ``drainage_min_area_m2``).
    drainage_min_area_m2:
        Upstream catchment (m^2) from which a cell counts as a drainage.
    uphill_share:
        If set (0-1), the grid's mass is rescaled so that this share lies above the IPP's height.
    """

    max_slope_deg: float = 40.0
    connectivity: int = 16
    barriers: Sequence[BaseGeometry] = field(default_factory=tuple)
    tracks: Sequence[BaseGeometry] = field(default_factory=tuple)
    track_friction: float = 1.0
    track_weight: float = 0.0
    drainage_weight: float = 0.0
    drainage_min_area_m2: float = 1.0e6
    uphill_share: float | None = None

    def __post_init__(self) -> None:
        for name in ("track_weight", "drainage_weight"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ProbabilityError("probability.err_weight", name=name, value=v)
        if not (math.isfinite(self.track_friction) and self.track_friction > 0):
            raise ProbabilityError("probability.err_weight", name="track_friction",
                                   value=self.track_friction)
        if self.uphill_share is not None and not 0.0 < self.uphill_share < 1.0:
            raise ProbabilityError("probability.err_uphill_share", value=self.uphill_share)


@dataclass(frozen=True, eq=False)
class TerrainLayers:
    """What the terrain model used, for display: arrays on the grid.

    Attributes
    ----------
    effort:
        Walking effort from the IPP, flat-ground metres (``inf`` = unreachable).
    barrier:
        True where a drawn barrier makes the cell impassable.
    track:
        True on linear-feature cells.
    drainage:
        True on drainage cells (``None`` unless the drainage weight is on).
    """

    effort: np.ndarray
    barrier: np.ndarray
    track: np.ndarray
    drainage: np.ndarray | None


def rasterize_lines(grid: Grid, geometries: Sequence[BaseGeometry]) -> np.ndarray:
    """Boolean mask of every cell that ``geometries`` (grid CRS metres) touch."""
    if not geometries:
        return np.zeros(grid.shape, dtype=bool)
    for g in geometries:
        if not isinstance(g, BaseGeometry) or g.is_empty or not g.is_valid:
            raise ProbabilityError("probability.err_geometry")
    return features.rasterize(((g, 1) for g in geometries), out_shape=grid.shape,
                              transform=grid.transform, all_touched=True, fill=0,
                              dtype="uint8").astype(bool)


def _exit_efforts(effort: np.ndarray, grid: Grid, ipp_x: float, ipp_y: float) -> np.ndarray:
    """Per direction sector, the smallest effort at which a route reaches the grid's edge."""
    rows, cols = effort.shape
    xs, ys = grid.x_centres(), grid.y_centres()
    edge_r = np.concatenate([np.zeros(cols, int), np.full(cols, rows - 1), np.arange(rows),
                             np.arange(rows)])
    edge_c = np.concatenate([np.arange(cols), np.arange(cols), np.zeros(rows, int),
                             np.full(rows, cols - 1)])
    theta = np.arctan2(ys[edge_r] - ipp_y, xs[edge_c] - ipp_x)
    west, south, east, north = grid.bounds
    dmin = max(min(ipp_x - west, east - ipp_x, ipp_y - south, north - ipp_y), grid.cell_size)
    # a multiple of 4 starting at -pi: a quarter turn of the grid maps sectors onto sectors, so
    # the ROW split (and the map) keeps the symmetry of its inputs
    n_sec = 4 * int(min(_MAX_SECTORS, max(8, math.pi * dmin / grid.cell_size)) // 4)
    sec = np.minimum(((theta + math.pi) / (2 * math.pi) * n_sec).astype(int), n_sec - 1)
    exit_d = np.full(n_sec, np.inf)
    np.minimum.at(exit_d, sec, effort[edge_r, edge_c])
    seen = np.zeros(n_sec, dtype=bool)
    seen[np.unique(sec)] = True
    if not seen.all():  # a sector without edge cells takes its nearest neighbour's value
        idx = np.flatnonzero(seen)
        all_idx = np.arange(n_sec)
        near = idx[np.argmin(np.abs(((all_idx[:, None] - idx[None, :]) + n_sec // 2) % n_sec
                                    - n_sec // 2), axis=1)]
        exit_d = exit_d[near]
    return np.sort(exit_d)


@numba.njit(cache=True, nogil=True)
def _effort_bands(effort, h):  # pragma: no cover - compiled
    """Band floor(effort / h + 1/2) of each cell (-1 where unreachable) and cells per band."""
    band = np.empty(effort.shape[0], dtype=np.int64)
    top = -1
    for i in range(effort.shape[0]):
        e = effort[i]
        if e < np.inf:
            k = np.int64(math.floor(e / h + 0.5))
            band[i] = k
            if k > top:
                top = k
        else:
            band[i] = -1
    counts = np.zeros(top + 1)
    for i in range(effort.shape[0]):
        if band[i] >= 0:
            counts[band[i]] += 1.0
    return band, counts


@numba.njit(cache=True, nogil=True)
def _fill_bands(band, per_cell):  # pragma: no cover - compiled
    """POA of each cell: its band's mass per cell (0 where unreachable)."""
    out = np.empty(band.shape[0])
    for i in range(band.shape[0]):
        out[i] = per_cell[band[i]] if band[i] >= 0 else 0.0
    return out


def spread_by_effort(effort: np.ndarray, grid: Grid, ipp_x: float, ipp_y: float,
                     dist: RadialDistribution | _StratumLaw) -> tuple[np.ndarray, float]:
    """Share the distribution over cells by effort band; returns (POA per cell, ROW).

    ``effort`` is flat-ground metres from the IPP (``inf`` = unreachable). See the module
    docstring for the rule; cells + ROW = 1 to float precision. Efforts beyond
    ``_MAX_BANDS`` cell widths count as that far.
    """
    h = grid.cell_size
    effort = np.ascontiguousarray(effort, dtype=np.float64)
    far = _MAX_BANDS * h
    if np.any(np.isfinite(effort) & (effort > far)):  # beyond it: one band (see _MAX_BANDS)
        effort = np.where(np.isfinite(effort), np.minimum(effort, far), effort)
    band, counts = _effort_bands(effort.ravel(), h)
    if counts.size == 0:
        raise ProbabilityError("probability.err_ipp_impassable")
    nb = counts.size
    edges = np.concatenate([[0.0], (np.arange(nb) + 0.5) * h])  # band k: [(k-1/2)h, (k+1/2)h)
    if nb > 1:
        edges[1] = h / math.sqrt(math.pi)  # the IPP cell's band: the disc of one cell's area
    # a CDF never falls: the blurred law's quadrature can dip by up to 3e-4 just below r = rho
    # (a law with most of its mass within one of its 64 pieces), which gave negative cells
    cdf = np.maximum.accumulate(np.asarray(dist.cdf(edges), dtype=np.float64))
    cdf[0] = 0.0
    d_f = np.diff(cdf)
    centres = 0.5 * (edges[:-1] + edges[1:])
    exits = _exit_efforts(effort, grid, ipp_x, ipp_y)
    phi = 1.0 - np.searchsorted(exits, centres, side="right") / exits.size
    inside = phi * d_f
    # bands without cells hand their mass on to the next band that has cells
    mass = np.zeros(nb)
    cum_inside = np.cumsum(inside)
    has = np.flatnonzero(counts > 0)
    upto = cum_inside[has]
    mass[has] = np.diff(np.concatenate([[0.0], upto]))
    carry = float(cum_inside[-1] - upto[-1])  # after the last band with cells
    phi_tail = 1.0 - np.searchsorted(exits, edges[-1], side="right") / exits.size
    carry += phi_tail * (1.0 - float(cdf[-1]))
    per_cell = np.zeros(nb)
    per_cell[has] = mass[has] / counts[has]
    poa = _fill_bands(band, per_cell).reshape(effort.shape)
    total = float(poa.sum())
    if carry > 0 and total > 0:
        poa *= (total + carry) / total
    total = float(poa.sum())
    if total > 1.0:
        poa /= total
        total = 1.0
    return poa, 1.0 - total


@numba.njit(cache=True)
def _d8_accumulate(z, order):  # pragma: no cover - compiled
    rows, cols = z.shape
    acc = np.ones(rows * cols)
    dr = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
    dc = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
    dd = np.array([math.sqrt(2.0), 1.0, math.sqrt(2.0), 1.0, 1.0, math.sqrt(2.0), 1.0,
                   math.sqrt(2.0)])
    for idx in range(order.shape[0]):
        u = order[idx]
        r = u // cols
        c = u - r * cols
        best = 0.0
        target = -1
        for k in range(8):
            rr = r + dr[k]
            cc = c + dc[k]
            if rr < 0 or rr >= rows or cc < 0 or cc >= cols:
                continue
            drop = (z[r, c] - z[rr, cc]) / dd[k]
            if drop > best:
                best = drop
                target = rr * cols + cc
        if target >= 0:
            acc[target] += acc[u]
    return acc.reshape(rows, cols)


def flow_accumulation(elevation: np.ndarray) -> np.ndarray:
    """D8 flow accumulation: number of cells (itself included) draining through each cell.

    Each cell drains to its steepest lower neighbour (O'Callaghan & Mark 1984); pits and flats
    keep their water (no depression filling), so it marks drainages on slopes, not across flats.
    """
    z = np.ascontiguousarray(elevation, dtype=np.float64)
    if not np.all(np.isfinite(z)):
        raise ProbabilityError("probability.err_dem_nan", count=int((~np.isfinite(z)).sum()))
    order = np.argsort(-z, axis=None, kind="stable")
    return _d8_accumulate(z, order)


def _reweight(poa: np.ndarray, factor: np.ndarray) -> np.ndarray:
    total = float(poa.sum())
    out = poa * factor
    s = float(out.sum())
    return out * (total / s) if s > 0 else poa


@dataclass(frozen=True, eq=False)
class StartPoints:
    """A cubature of the IPP uncertainty: possible start points and their probabilities.

    Attributes
    ----------
    dx, dy:
        Offsets of the start points from the IPP, metres east and north (grid CRS).
    weight:
        Probability that the subject started in each point's stratum; sums to 1.
    rho:
        Radius (metres) of the disc with the area of each point's stratum (its regular part).
    sub_dx, sub_dy:
        (points, 16) offsets (metres east, north) of 16 sub-points of equal probability in each
        stratum (4 x 4 in probability-radius and angle; 2 x 8 in the central disc): they measure
        which share of a stratum lies outside the grid or on impassable cells.
    spacing_m:
        Radial width (metres) of the rule's annuli, about the distance between neighbours.
    """

    dx: np.ndarray
    dy: np.ndarray
    weight: np.ndarray
    rho: np.ndarray
    sub_dx: np.ndarray
    sub_dy: np.ndarray
    spacing_m: float

    def __len__(self) -> int:
        return int(self.weight.size)


def _radial_cdf(unc: IppUncertainty, r: np.ndarray | float) -> np.ndarray:
    """P(start within r metres of the IPP) for the uncertainty, as :mod:`.rings` defines it.

    Gaussian: the Rayleigh law 1 - exp(-r^2 / 2 sigma^2), truncated at 4 sigma like the ring
    model's kernel; disc: (r / R)^2 inside the radius R.
    """
    r = np.minimum(np.asarray(r, dtype=np.float64), unc.reach_m)
    if unc.kind == "gaussian":
        s2 = 2.0 * unc.sigma_m ** 2
        return -np.expm1(-r * r / s2) / -math.expm1(-unc.reach_m ** 2 / s2)
    return (r / unc.radius_m) ** 2


def _radial_quantile(unc: IppUncertainty, p: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_radial_cdf`: the radius (metres) holding a share ``p`` of start points."""
    p = np.asarray(p, dtype=np.float64)
    if unc.kind == "gaussian":
        s2 = 2.0 * unc.sigma_m ** 2
        return np.sqrt(-s2 * np.log1p(p * math.expm1(-unc.reach_m ** 2 / s2)))
    return unc.radius_m * np.sqrt(p)


def _rings_for(unc: IppUncertainty, spacing_m: float) -> int:
    """Number of annuli of the rule for a wanted spacing (at least one)."""
    regular = 3.0 * unc.sigma_m if unc.kind == "gaussian" else unc.radius_m
    return max(1, math.ceil(regular / spacing_m - 0.5))


def _sectors(i: int) -> int:
    """Sectors of annulus ``i`` (1, 2, ...): about 2 pi i, a multiple of 4 (8, 12, 20, 24, ...)."""
    return 4 * max(2, round(0.5 * math.pi * i))


def _points_for_rings(n: int) -> int:
    return 1 + sum(_sectors(i) for i in range(1, n + 1))


def ipp_start_points(unc: IppUncertainty, spacing_m: float) -> StartPoints:
    """Stratified polar cubature of the IPP uncertainty with points about ``spacing_m`` apart.

    The plane around the IPP is cut into strata whose probabilities are integrated exactly (the
    radial law of :func:`_radial_cdf` times the share of the angle): a central disc of radius
    Delta / 2 (its point is the IPP itself) and annuli Delta wide, annulus i cut into
    :func:`_sectors` (i) equal sectors so every stratum is about Delta x Delta. Each stratum is
    represented by one point at its mid-angle and at the radius that halves its probability (the
    midpoint rule in probability). Delta is the regular part's extent (3 sigma for the Gaussian,
    the radius for the disc) divided by (n + 1/2), n = ceil(extent / spacing - 1/2); for the
    Gaussian the last annulus also takes the tail out to 4 sigma. The sector counts are
    multiples of 4 with points at mid-angles, so the rule is symmetric about the IPP's easting
    and northing lines and no point lies on them. The weights are the strata's probabilities and
    sum to 1; as Delta shrinks to a cell the rule tends to the exact mixture over start cells.

    Parameters
    ----------
    unc:
        The IPP uncertainty (:class:`~sar_planner.probability.rings.IppUncertainty`; radius_m > 0).
    spacing_m:
        Wanted distance between neighbouring start points, metres (> 0).

    Returns
    -------
    StartPoints
        Offsets from the IPP (metres east, north in the grid's CRS) and weights.
    """
    if not (math.isfinite(spacing_m) and spacing_m > 0):
        raise ProbabilityError("probability.terrain_model.err_start_spacing", value=spacing_m)
    if unc.radius_m <= 0:
        raise ProbabilityError("probability.err_uncertainty_value", value=unc.radius_m)
    regular = 3.0 * unc.sigma_m if unc.kind == "gaussian" else unc.radius_m
    n = _rings_for(unc, spacing_m)
    delta = regular / (n + 0.5)
    edges = (np.arange(n + 1) + 0.5) * delta  # annulus i spans edges[i-1]..edges[i]
    edges[-1] = unc.reach_m
    cdf = _radial_cdf(unc, np.concatenate([[0.0], edges]))
    cdf[-1] = 1.0
    dx, dy, w, rho = [np.zeros(1)], [np.zeros(1)], [np.array([cdf[1]])], [np.array([0.5 * delta])]
    # sub-points of the central disc: 2 radii x 8 angles, each of equal probability
    sr = _radial_quantile(unc, cdf[1] * (np.arange(2) + 0.5) / 2)
    st = (np.arange(8) + 0.5) * (2.0 * math.pi / 8)
    sub_x = [(sr[:, None] * np.cos(st)[None, :]).reshape(1, 16)]
    sub_y = [(sr[:, None] * np.sin(st)[None, :]).reshape(1, 16)]
    for i in range(1, n + 1):
        m = _sectors(i)
        radius = float(_radial_quantile(unc, np.array(0.5 * (cdf[i] + cdf[i + 1]))))
        theta = (np.arange(m) + 0.5) * (2.0 * math.pi / m)
        dx.append(radius * np.cos(theta))
        dy.append(radius * np.sin(theta))
        w.append(np.full(m, (cdf[i + 1] - cdf[i]) / m))
        rho.append(np.full(m, delta * math.sqrt(2.0 * i / m)))  # area 2 pi i delta^2 / m
        # 4 x 4 sub-points per sector: radii at probability midpoints, angles across the sector
        sr = _radial_quantile(unc, cdf[i] + (cdf[i + 1] - cdf[i]) * (np.arange(4) + 0.5) / 4)
        st = theta[:, None] + ((np.arange(4) + 0.5) / 4 - 0.5)[None, :] * (2.0 * math.pi / m)
        sub_x.append((sr[None, :, None] * np.cos(st)[:, None, :]).reshape(m, 16))
        sub_y.append((sr[None, :, None] * np.sin(st)[:, None, :]).reshape(m, 16))
    return StartPoints(np.concatenate(dx), np.concatenate(dy), np.concatenate(w),
                       np.concatenate(rho), np.concatenate(sub_x), np.concatenate(sub_y), delta)


class _StratumLaw:
    """Distance law from a start point standing for a stratum of start positions.

    The subject started anywhere in the stratum, which is taken as a uniform disc of radius
    ``rho`` (metres) centred on the point, and then walked a distance with law ``dist`` in a
    random direction. The distance from the point is then |U + V| (U uniform in the disc, V
    isotropic with law ``dist``), whose CDF is
    F_rho(r) = E_V[area(disc(0, r) ∩ disc(V, rho))] / (pi rho^2) (the lens area of two circles).
    It has no peak at the point (its density there is finite), unlike ``dist`` itself.
    """

    _PIECES = 64  # subintervals of |V| across the lens window (midpoint in |V|, exact in mass)

    def __init__(self, dist: RadialDistribution, rho: float) -> None:
        self.dist = dist
        self.rho = float(rho)

    def cdf(self, r: np.ndarray | float) -> np.ndarray:
        """P(distance from the point <= r), r in metres."""
        r = np.atleast_1d(np.asarray(r, dtype=np.float64))
        rho = self.rho
        lo = np.abs(r - rho)
        full = np.minimum(r, rho) ** 2 / rho ** 2  # |V| <= |r - rho|: one disc inside the other
        out = self.dist.cdf(lo) * full
        t = np.linspace(0.0, 1.0, self._PIECES + 1)
        v = lo[:, None] + (r + rho - lo)[:, None] * t[None, :]
        mass = np.diff(self.dist.cdf(v), axis=1)
        vm = 0.5 * (v[:, 1:] + v[:, :-1])
        out = out + (mass * _lens(r[:, None], vm, rho)).sum(axis=1) / (math.pi * rho * rho)
        return np.clip(out, 0.0, 1.0)


def _lens(r: np.ndarray, v: np.ndarray, rho: float) -> np.ndarray:
    """Area (m^2) shared by the circles of radius r (centre 0) and rho (centre v metres away)."""
    r, v = np.broadcast_arrays(r, v)
    out = np.zeros(r.shape)
    inner = v <= np.abs(r - rho)
    out[inner] = math.pi * np.minimum(r[inner], rho) ** 2
    part = ~inner & (v < r + rho) & (r > 0) & (v > 0)
    rr, vv = r[part], v[part]
    a1 = np.clip((vv * vv + rr * rr - rho * rho) / (2.0 * vv * rr), -1.0, 1.0)
    a2 = np.clip((vv * vv + rho * rho - rr * rr) / (2.0 * vv * rho), -1.0, 1.0)
    k = (-vv + rr + rho) * (vv + rr - rho) * (vv - rr + rho) * (vv + rr + rho)
    out[part] = (rr * rr * np.arccos(a1) + rho * rho * np.arccos(a2)
                 - 0.5 * np.sqrt(np.maximum(k, 0.0)))
    return out


#: Start points x grid cells one uncertain map may cost: 21 Dijkstras of a 2,000 x 2,000 grid.
MAX_START_CELLS = 21 * 2000 * 2000
#: Start points never fewer than the first ring's (9) nor more than this.
MAX_START_POINTS = 400
#: Spacing of start points as a share of the distribution's median distance (see auto_spacing).
SPACING_PER_D50 = 0.25


def auto_spacing(unc: IppUncertainty, dist: RadialDistribution, grid: Grid) -> float:
    """The start-point spacing (metres) :func:`terrain_map` uses for an uncertain IPP.

    A quarter of the median distance (``SPACING_PER_D50``) and never below a cell; then widened
    until the rule has no more than ``MAX_START_CELLS / cells`` points (at least 9, at most
    ``MAX_START_POINTS``): a 2,000 x 2,000 grid takes at most 21 start points, 1,000 x 1,000
    at most 84. On real mountain terrain (tests) doubling the points from this spacing moves
    less than 5 % of the mass cell by cell and 2.5 % over 500 m blocks; where the cap binds the
    rule is coarser and the map less converged.
    """
    spacing = max(grid.cell_size, SPACING_PER_D50 * dist.quantile(0.5))
    cells = grid.shape[0] * grid.shape[1]
    cap = max(9, min(MAX_START_POINTS, MAX_START_CELLS // cells))
    n = _rings_for(unc, spacing)
    while n > 1 and _points_for_rings(n) > cap:
        n -= 1
    regular = 3.0 * unc.sigma_m if unc.kind == "gaussian" else unc.radius_m
    return max(spacing, regular / (n + 0.5) * (1.0 + 1e-9))


class _Model:
    """Everything of one terrain map that does not depend on the start point."""

    def __init__(self, grid: Grid, elev: np.ndarray, dist: RadialDistribution,
                 opts: TerrainOptions, barrier: np.ndarray, track: np.ndarray) -> None:
        self.grid, self.elev, self.dist, self.opts = grid, elev, dist, opts
        self.barrier, self.track = barrier, track
        friction = np.ones(grid.shape)
        friction[track] = opts.track_friction
        friction[barrier] = np.inf
        self.friction = friction
        self.drainage = None
        if opts.drainage_weight > 0:
            acc = flow_accumulation(elev)
            self.drainage = acc * grid.cell_area >= opts.drainage_min_area_m2

    def start_map(self, r0: int, c0: int, x: float, y: float,
                  law: RadialDistribution | _StratumLaw | None = None, *, limited: bool = False
                  ) -> tuple[np.ndarray, float, np.ndarray]:
        """(POA, ROW, effort) of a subject who started at (x, y) in cell (r0, c0).

        ``law`` is the distance law from that point (default: the model's distribution).
        ``limited``: stop the effort search where the law can put no more mass (see
        :func:`_search_limit`); the POA and ROW are the same to the last bit, the effort is
        ``inf`` beyond the search (so not for display).
        """
        opts = self.opts
        law = law or self.dist
        h = self.grid.cell_size
        bias = grid_path_bias(opts.connectivity)
        limit, band = _search_limit(law, h, bias) if limited else (math.inf, 0.0)
        effort = travel_effort(self.elev, h, (r0, c0), friction=self.friction,
                               max_slope_deg=opts.max_slope_deg, connectivity=opts.connectivity,
                               limit_m=limit, band_m=band)
        if math.isfinite(limit) and float(np.max(effort, where=np.isfinite(effort), initial=0.0)
                                          ) >= (_MAX_BANDS - 3) * h * bias:
            # the search went on into the capped last band (a cell beyond a cliff walked with
            # no slope limit): that band holds every farther cell, so search them all
            effort = travel_effort(self.elev, h, (r0, c0), friction=self.friction,
                                   max_slope_deg=opts.max_slope_deg,
                                   connectivity=opts.connectivity)
        effort /= bias  # calibration: flat ground = the ring model
        poa, row = spread_by_effort(effort, self.grid, x, y, law)
        if self.drainage is not None:
            poa = _reweight(poa, 1.0 + opts.drainage_weight * self.drainage)
        if opts.track_weight > 0 and self.track.any():
            poa = _reweight(poa, 1.0 + opts.track_weight * self.track)
        if opts.uphill_share is not None:
            up = self.elev > self.elev[r0, c0]
            m_up, m_all = float(poa[up].sum()), float(poa.sum())
            if 0 < m_up < m_all:
                f_up = opts.uphill_share * m_all / m_up
                f_dn = (1 - opts.uphill_share) * m_all / (m_all - m_up)
                poa = poa * np.where(up, f_up, f_dn)
        return poa, row, effort


def _support_end(law: RadialDistribution | _StratumLaw) -> float:
    """Distance (metres) from which the law's CDF is exactly 1: the cap, plus a stratum's radius.

    ``inf`` for a law without a cap (its power-law tail reaches every distance).
    """
    if isinstance(law, _StratumLaw):
        # |U + V| <= rho + |V|; _StratumLaw.cdf gives 1.0 exactly from cap + rho on (every
        # piece of its quadrature then lies at or beyond the cap, where dist.cdf is 1.0)
        return _support_end(law.dist) + law.rho
    return float(law.cap_m) if law.cap_m else math.inf


def _search_limit(law: RadialDistribution | _StratumLaw, h: float, bias: float
                  ) -> tuple[float, float]:
    """(limit_m, band_m) of the effort search for one start point, in raw (unscaled) effort.

    :func:`spread_by_effort` gives a cell the mass of its effort band (bands ``h`` wide after
    dividing by the grid-path ``bias``); a band whose lower edge is at or beyond the law's
    support end E has no mass, except what a band without cells hands on to the next band
    that has cells. So the search must settle every cell up to E + h (all bands with mass),
    and then the whole band holding the next cell (where such handed-on mass lands), which
    :func:`travel_effort`'s ``limit_m`` / ``band_m`` do (with margin). Every cell left
    unsearched then gets 0 in the full computation too, the exit sectors at the efforts that
    carry mass are the same, and the map is bit-identical (tests check it). No limit (inf)
    when the law has no cap or the bands would reach ``_MAX_BANDS``.
    """
    end = _support_end(law)
    if not math.isfinite(end) or end / h + 4 >= _MAX_BANDS:
        return math.inf, 0.0
    return (end + h) * bias, h * bias


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _split_strata(points: StartPoints, grid: Grid, ipp_x: float, ipp_y: float,
                  regions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                float, float]:
    """Where each stratum's probability goes: (rows, cols, rho, weights, outside, impassable).

    ``regions`` labels the grid's cells by the part of the grid a walker can reach (0 =
    impassable). Each stratum is sampled by its point and its 16 sub-points, 17 samples of
    equal share: those outside the grid give their share to ``outside`` (ROW), those on
    impassable cells to ``impassable`` (renormalised away). The rest stays with the stratum,
    split by region so that a stratum cut by a barrier puts on each side the share of it lying
    there: one start per region, at the stratum's point if it lies in that region, else at the
    region's sample nearest to it. Rows and cols index ``grid``; weights are per start.
    """
    rows, cols = grid.shape
    sx = ipp_x + np.concatenate([points.dx[:, None], points.sub_dx], axis=1)
    sy = ipp_y + np.concatenate([points.dy[:, None], points.sub_dy], axis=1)
    inside = np.asarray(grid.contains(sx, sy), dtype=bool)
    fr, fc = grid.rowcol(np.where(inside, sx, ipp_x), np.where(inside, sy, ipp_y))
    rr = np.clip(np.floor(fr).astype(np.int64), 0, rows - 1)
    cc = np.clip(np.floor(fc).astype(np.int64), 0, cols - 1)
    lab = np.where(inside, regions[rr, cc], -1)
    share = 1.0 / sx.shape[1]
    w = points.weight
    w_outside = float((w * (lab < 0).sum(axis=1)).sum() * share)
    w_impassable = float((w * (lab == 0).sum(axis=1)).sum() * share)
    d2 = (sx - sx[:, :1]) ** 2 + (sy - sy[:, :1]) ** 2
    out_r, out_c, out_rho, out_w = [], [], [], []
    for k in range(sx.shape[0]):
        for region in np.unique(lab[k][lab[k] > 0]):
            here = lab[k] == region
            j = int(np.argmin(np.where(here, d2[k], np.inf)))
            out_r.append(rr[k, j])
            out_c.append(cc[k, j])
            out_rho.append(points.rho[k])
            out_w.append(w[k] * here.sum() * share)
    return (np.array(out_r, dtype=np.int64), np.array(out_c, dtype=np.int64),
            np.array(out_rho), np.array(out_w), w_outside, w_impassable)


def _mixture(model: _Model, ipp_x: float, ipp_y: float, r0: int, c0: int,
             points: StartPoints) -> tuple[np.ndarray, float, np.ndarray]:
    """Weighted sum of the start points' maps (see the module docstring); (POA, ROW, IPP effort)."""
    grid = model.grid
    # parts of the grid a walker can reach from each other (4-neighbour: no corner cutting)
    regions = (ndimage.label(~model.barrier)[0] if model.barrier.any()
               else np.ones(grid.shape, dtype=np.int32))
    rr, cc, rho, w_ok, w_outside, w_impassable = _split_strata(points, grid, ipp_x, ipp_y,
                                                               regions)
    norm = 1.0 - w_impassable  # > 0: the IPP's own point is inside and passable
    # one map per start cell and stratum size: points in the same cell share it (weights add)
    starts: dict[tuple[int, int, float], float] = {}
    for r, c, rh, wk in zip(rr.tolist(), cc.tolist(), rho.tolist(), w_ok.tolist(), strict=True):
        if wk > 0:
            starts[(r, c, rh)] = starts.get((r, c, rh), 0.0) + wk
    centre = (r0, c0, float(points.rho[0]))  # the IPP's stratum (first point, at the IPP)
    starts.setdefault(centre, 0.0)  # its effort is the layer shown
    xs, ys = grid.x_centres(), grid.y_centres()

    def job(key: tuple[int, int, float]) -> tuple[np.ndarray, float, np.ndarray | None]:
        r, c, rho = key
        x, y = (ipp_x, ipp_y) if key == centre else (float(xs[c]), float(ys[r]))
        # only the IPP's effort is shown: the other searches may stop where the law ends
        poa_k, row_k, effort_k = model.start_map(r, c, x, y, _StratumLaw(model.dist, rho),
                                                 limited=key != centre)
        return poa_k, row_k, effort_k if key == centre else None  # only the IPP's is kept

    keys = sorted(starts)  # a fixed order: the same inputs give the same sums
    poa = np.zeros(grid.shape)
    row = w_outside / norm  # the map cannot say where they walked: all of it is outside
    effort_ipp = np.full(grid.shape, np.inf)
    n_workers = _workers()
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        # a window of workers + 1 maps in flight (a few in memory at a time): the next search
        # starts before this one is summed, so no worker waits on the sum; sums in key order
        todo = iter(keys)
        flight = deque((key, pool.submit(job, key)) for key in islice(todo, n_workers + 1))
        while flight:
            key, future = flight.popleft()
            poa_k, row_k, effort_k = future.result()
            nxt = next(todo, None)
            if nxt is not None:
                flight.append((nxt, pool.submit(job, nxt)))
            wk = starts[key] / norm
            poa += wk * poa_k
            row += wk * row_k
            if effort_k is not None:
                effort_ipp = effort_k
    return poa, row, effort_ipp


def terrain_map(grid: Grid, elevation: np.ndarray, ipp_x: float, ipp_y: float,
                dist: RadialDistribution, *, options: TerrainOptions | None = None,
                uncertainty: IppUncertainty | None = None,
                start_spacing_m: float | None = None
                ) -> tuple[ProbabilityMap, TerrainLayers]:
    """POA of the terrain model on ``grid``.

    Parameters
    ----------
    grid:
        The mission grid (metric CRS).
    elevation:
        Heights (metres above sea level) on ``grid``; NaN is refused (fill voids first).
    ipp_x, ipp_y:
        The IPP, metres in ``grid.crs``, inside the grid.
    dist:
        Distance distribution, read as walking effort in flat-ground metres.
    options:
        Slopes, barriers, linear features and weights (:class:`TerrainOptions`).
    uncertainty:
        Optional IPP uncertainty: the map is the mixture over possible start points (see the
        module docstring); its radius may not exceed half the grid's shorter side.
    start_spacing_m:
        Distance (metres) between the start points of that mixture; ``None`` (the default)
        chooses it by :func:`auto_spacing`.

    Returns
    -------
    (ProbabilityMap, TerrainLayers)
        The layers' effort is the effort from the IPP itself.
    """
    opts = options or TerrainOptions()
    elev = np.asarray(elevation, dtype=np.float64)
    if elev.shape != grid.shape:
        raise ProbabilityError("probability.err_dem_shape", shape=str(elev.shape),
                               grid=str(grid.shape))
    if not np.all(np.isfinite(elev)):
        raise ProbabilityError("probability.err_dem_nan", count=int((~np.isfinite(elev)).sum()))
    r0, c0 = ipp_cell(grid, ipp_x, ipp_y)
    if uncertainty is not None:
        _check_uncertainty(grid, uncertainty)
    barrier = rasterize_lines(grid, list(opts.barriers))
    track = rasterize_lines(grid, list(opts.tracks))
    if barrier[r0, c0]:
        raise ProbabilityError("probability.err_ipp_impassable")
    model = _Model(grid, elev, dist, opts, barrier, track)
    if uncertainty is None or uncertainty.radius_m < 0.5 * grid.cell_size:
        poa, row, effort = model.start_map(r0, c0, ipp_x, ipp_y)
    else:
        spacing = start_spacing_m if start_spacing_m is not None else \
            auto_spacing(uncertainty, dist, grid)
        points = ipp_start_points(uncertainty, spacing)
        poa, row, effort = _mixture(model, ipp_x, ipp_y, r0, c0, points)
    total = float(poa.sum())
    if total > 1.0:
        poa /= total
    return (ProbabilityMap(grid, poa, max(0.0, 1.0 - float(poa.sum()))),
            TerrainLayers(effort, barrier, track, model.drainage))
