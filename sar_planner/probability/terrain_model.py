"""The terrain model: the distance statistics applied in walking effort instead of straight line.

Travel effort (:mod:`.costdistance`, flat-ground metres by Tobler's function, impassable slopes and
drawn barriers; divided by the grid paths' mean excess over straight lines, 1.4 % with 16
neighbours, so that flat open ground gives the ring model back) replaces straight-line distance as the radial coordinate: the published CDF F is
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

IPP uncertainty in this model is a convolution of the in-grid map (the DEM ends at the grid, so
mass outside cannot be brought in), after which impassable and unreachable cells are emptied and
the grid total is kept: an approximation that is good while the uncertainty is small against the
grid. All coordinates are metres in the grid's CRS; heights metres above sea level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numba
import numpy as np
from rasterio import features
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.costdistance import grid_path_bias, travel_effort
from sar_planner.probability.maps import ProbabilityMap, ipp_cell
from sar_planner.probability.radial import RadialDistribution
from sar_planner.probability.rings import (IppUncertainty, _check_uncertainty,
                                           convolve_uncertainty)

__all__ = ["TerrainOptions", "TerrainLayers", "terrain_map", "spread_by_effort",
           "rasterize_lines", "flow_accumulation"]

_MAX_SECTORS = 720


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
    n_sec = int(min(_MAX_SECTORS, max(8, math.pi * dmin / grid.cell_size)))
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


def spread_by_effort(effort: np.ndarray, grid: Grid, ipp_x: float, ipp_y: float,
                     dist: RadialDistribution) -> tuple[np.ndarray, float]:
    """Share the distribution over cells by effort band; returns (POA per cell, ROW).

    ``effort`` is flat-ground metres from the IPP (``inf`` = unreachable). See the module
    docstring for the rule; cells + ROW = 1 to float precision.
    """
    h = grid.cell_size
    finite = np.isfinite(effort)
    if not finite.any():
        raise ProbabilityError("probability.err_ipp_impassable")
    band = np.zeros(effort.shape, dtype=np.int64)
    band[finite] = np.floor(effort[finite] / h + 0.5).astype(np.int64)
    nb = int(band[finite].max()) + 1
    counts = np.bincount(band[finite], minlength=nb).astype(np.float64)
    edges = np.concatenate([[0.0], (np.arange(nb) + 0.5) * h])  # band k: [(k-1/2)h, (k+1/2)h)
    if nb > 1:
        edges[1] = h / math.sqrt(math.pi)  # the IPP cell's band: the disc of one cell's area
    cdf = dist.cdf(edges)
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
    poa = np.zeros(effort.shape, dtype=np.float64)
    poa[finite] = per_cell[band[finite]]
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


def terrain_map(grid: Grid, elevation: np.ndarray, ipp_x: float, ipp_y: float,
                dist: RadialDistribution, *, options: TerrainOptions | None = None,
                uncertainty: IppUncertainty | None = None
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
        Optional IPP uncertainty (see the module docstring).

    Returns
    -------
    (ProbabilityMap, TerrainLayers)
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
    friction = np.ones(grid.shape)
    friction[track] = opts.track_friction
    friction[barrier] = np.inf
    effort = travel_effort(elev, grid.cell_size, (r0, c0), friction=friction,
                           max_slope_deg=opts.max_slope_deg, connectivity=opts.connectivity)
    effort /= grid_path_bias(opts.connectivity)  # calibration: flat ground = the ring model
    poa, row = spread_by_effort(effort, grid, ipp_x, ipp_y, dist)
    drainage = None
    if opts.drainage_weight > 0:
        acc = flow_accumulation(elev)
        drainage = acc * grid.cell_area >= opts.drainage_min_area_m2
        poa = _reweight(poa, 1.0 + opts.drainage_weight * drainage)
    if opts.track_weight > 0 and track.any():
        poa = _reweight(poa, 1.0 + opts.track_weight * track)
    if opts.uphill_share is not None:
        up = elev > elev[r0, c0]
        m_up, m_all = float(poa[up].sum()), float(poa.sum())
        if 0 < m_up < m_all:
            f_up = opts.uphill_share * m_all / m_up
            f_dn = (1 - opts.uphill_share) * m_all / (m_all - m_up)
            poa = poa * np.where(up, f_up, f_dn)
    if uncertainty is not None and uncertainty.radius_m >= 0.5 * grid.cell_size:
        total = float(poa.sum())
        poa = convolve_uncertainty(poa, uncertainty, grid.cell_size)
        poa[~np.isfinite(effort)] = 0.0
        s = float(poa.sum())
        if s > 0:
            poa *= total / s
    total = float(poa.sum())
    if total > 1.0:
        poa /= total
    return (ProbabilityMap(grid, poa, max(0.0, 1.0 - float(poa.sum()))),
            TerrainLayers(effort, barrier, track, drainage))
