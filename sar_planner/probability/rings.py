"""The distance-ring model: published distance statistics spread in straight-line distance.

Each cell holds the probability mass of the radial distribution (:mod:`.radial`) *integrated over
the cell*, not sampled at its centre: cells within :data:`EXACT_CELLS` cells of the IPP (where the
density is steep, even singular at the IPP) are integrated exactly with the polar "quadrant"
integral Q(x, y) = P(subject in [0, x] x [0, y] relative to the IPP), and every other cell by the
mean of a 3 x 3 supersample of the density (error below 0.05 % five cells out, shrinking as
1/r^2). The mass inside the whole grid rectangle is computed exactly the same way, the remainder
is rest of world (ROW), and the supersampled cells are rescaled by a factor within about 1e-4 of
one so that cells + ROW = 1 to float precision.

IPP uncertainty (a phone-tower fix, a vague sighting) is a convolution of that map with the
uncertainty kernel (:class:`IppUncertainty`), done over a grid padded by the kernel's reach so
that mass coming in from outside the grid is counted and mass pushed out becomes ROW.

All coordinates are metres in the grid's CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import erf

# scipy.integrate and scipy.signal (about 0.8 s of CPU to import, with scipy.stats) are imported
# where they are used: the terrain model and the command line's start-up do without them

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.maps import ProbabilityMap, ipp_cell
from sar_planner.probability.radial import RadialDistribution

__all__ = ["IppUncertainty", "ring_map", "uncertainty_kernel", "convolve_uncertainty",
           "EXACT_CELLS"]

#: Cells this many (or fewer) rows/columns from the IPP cell are integrated exactly.
EXACT_CELLS = 3
_SUPERSAMPLE = 3
_CHUNK_ROWS = 256


@dataclass(frozen=True)
class IppUncertainty:
    """How uncertain the IPP is.

    Attributes
    ----------
    radius_m:
        Radius in metres: for ``"gaussian"`` the circle holding 95 % of the possible IPPs
        (sigma = radius / 2.448), for ``"disc"`` the disc in which every IPP is equally likely.
    kind:
        ``"gaussian"`` (a fix with an error estimate) or ``"disc"`` (e.g. a phone-tower sector).
    """

    radius_m: float
    kind: Literal["gaussian", "disc"] = "gaussian"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius_m) and self.radius_m >= 0):
            raise ProbabilityError("probability.err_uncertainty_value", value=self.radius_m)
        if self.kind not in ("gaussian", "disc"):
            raise ProbabilityError("probability.err_uncertainty_kind", value=self.kind)

    @property
    def sigma_m(self) -> float:
        """Standard deviation (metres) of the Gaussian whose 95 % circle is ``radius_m``."""
        return self.radius_m / math.sqrt(-2.0 * math.log(0.05))

    @property
    def reach_m(self) -> float:
        """Farthest distance (metres) the kernel spreads mass (4 sigma, or the disc radius)."""
        return 4.0 * self.sigma_m if self.kind == "gaussian" else self.radius_m


def _kernel_half(unc: IppUncertainty, cell_size: float) -> int:
    """Half-width (cells) of the kernel: its reach rounded to whole cells."""
    return max(0, math.ceil(unc.reach_m / cell_size - 0.5))


def _gaussian_1d(unc: IppUncertainty, cell_size: float) -> np.ndarray:
    """Cell-integrated 1-D Gaussian (erf differences) out to 4 sigma, summing to 1."""
    half = _kernel_half(unc, cell_size)
    edges = (np.arange(-half, half + 2) - 0.5) * cell_size
    c = np.diff(0.5 * (1.0 + erf(edges / (unc.sigma_m * math.sqrt(2.0)))))
    return c / c.sum()


def uncertainty_kernel(unc: IppUncertainty, cell_size: float) -> np.ndarray:
    """The kernel on cells of ``cell_size`` metres: odd square array summing to 1.

    The Gaussian is integrated exactly over each cell (product of erf differences, separable) and
    truncated at 4 sigma; the disc takes each cell's area share inside the radius (8 x 8
    supersample).
    """
    half = _kernel_half(unc, cell_size)
    if unc.kind == "gaussian":
        if unc.sigma_m <= 0:
            return np.ones((1, 1))
        c = _gaussian_1d(unc, cell_size)
        return np.outer(c, c)
    n = 8
    sub = (np.arange(n) + 0.5) / n
    pts = ((np.arange(-half, half + 1)[:, None] - 0.5 + sub[None, :]) * cell_size).ravel()
    inside = (np.hypot(*np.meshgrid(pts, pts)) <= unc.radius_m).astype(float)
    m = 2 * half + 1
    k = inside.reshape(m, n, m, n).mean(axis=(1, 3))
    if k.sum() == 0:
        k = np.zeros((m, m))
        k[half, half] = 1.0
    return k / k.sum()


def _quadrant(dist: RadialDistribution, x: float, y: float) -> float:
    """P(subject in the box between the IPP and (x, y)), signed (odd in x and in y); metres."""
    if x == 0.0 or y == 0.0:
        return 0.0
    sign = math.copysign(1.0, x) * math.copysign(1.0, y)
    ax, ay = abs(x), abs(y)
    alpha = math.atan2(ay, ax)

    def part(a: float, beta: float) -> float:
        if beta <= 0.0:
            return 0.0
        from scipy import integrate

        val, _ = integrate.quad(lambda th: float(dist.cdf(a / math.cos(th))), 0.0, beta,
                                limit=400, epsabs=1e-14, epsrel=1e-12)
        return val

    return sign * (part(ax, alpha) + part(ay, 0.5 * math.pi - alpha)) / (2.0 * math.pi)


def _rect_mass(dist: RadialDistribution, x0: float, x1: float, y0: float, y1: float) -> float:
    """Exact probability in the rectangle [x0, x1] x [y0, y1] (metres relative to the IPP)."""
    return (_quadrant(dist, x1, y1) - _quadrant(dist, x0, y1) - _quadrant(dist, x1, y0)
            + _quadrant(dist, x0, y0))


def _density_table(dist: RadialDistribution, rmin: float, rmax: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Probability per m^2 tabulated against ln r (dense, for fast interpolation)."""
    lr = np.linspace(math.log(rmin), math.log(rmax), 8192)
    r = np.exp(lr)
    dens = dist.area_density(r)
    if dist.cap_m:  # put the cap exactly on a table node so the cut is sharp
        lr = np.sort(np.append(lr, [math.log(dist.cap_m) - 1e-12, math.log(dist.cap_m)]))
        dens = dist.area_density(np.exp(lr))
        dens[lr >= math.log(dist.cap_m)] = 0.0
    return lr, dens


def _cell_masses(dist: RadialDistribution, west: float, north: float, h: float,
                 shape: tuple[int, int], ipp_x: float, ipp_y: float
                 ) -> tuple[np.ndarray, float]:
    """(cell masses, exact mass inside the whole rectangle) for a grid-like box."""
    rows, cols = shape
    dx0 = west - ipp_x
    dy0 = north - ipp_y
    rmax = math.hypot(max(abs(dx0), abs(dx0 + cols * h)), max(abs(dy0), abs(dy0 - rows * h))) + h
    lr, dens = _density_table(dist, h * 1e-3, rmax * 1.01)
    off = (np.arange(_SUPERSAMPLE) + 0.5) / _SUPERSAMPLE
    xs = (dx0 + (np.arange(cols)[:, None] + off[None, :]) * h).ravel()
    out = np.empty(shape, dtype=np.float64)
    for r0 in range(0, rows, _CHUNK_ROWS):
        r1 = min(rows, r0 + _CHUNK_ROWS)
        ys = (dy0 - (np.arange(r0, r1)[:, None] + off[None, :]) * h).ravel()
        rr = np.hypot(ys[:, None], xs[None, :])
        np.maximum(rr, h * 1e-3, out=rr)
        d = np.interp(np.log(rr), lr, dens)
        n = _SUPERSAMPLE
        out[r0:r1] = d.reshape(r1 - r0, n, cols, n).mean(axis=(1, 3)) * h * h
    # exact cells near the IPP
    ir = math.floor(dy0 / h)
    ic = math.floor(-dx0 / h)
    exact = np.zeros(shape, dtype=bool)
    ra, rb = max(0, ir - EXACT_CELLS), min(rows, ir + EXACT_CELLS + 1)
    ca, cb = max(0, ic - EXACT_CELLS), min(cols, ic + EXACT_CELLS + 1)
    if ra < rb and ca < cb:
        xe = dx0 + np.arange(ca, cb + 1) * h
        ye = dy0 - np.arange(ra, rb + 1) * h
        q = np.array([[_quadrant(dist, float(x), float(y)) for x in xe] for y in ye])
        # cell (i, j) spans x in [xe[j], xe[j+1]], y in [ye[i+1], ye[i]]
        block = q[:-1, 1:] - q[:-1, :-1] - q[1:, 1:] + q[1:, :-1]
        out[ra:rb, ca:cb] = np.maximum(block, 0.0)
        exact[ra:rb, ca:cb] = True
    inside = _rect_mass(dist, dx0, dx0 + cols * h, dy0 - rows * h, dy0)
    approx_sum = float(out[~exact].sum())
    rest = inside - float(out[exact].sum())
    if approx_sum > 0 and rest > 0:
        out[~exact] *= rest / approx_sum
    return out, min(max(inside, 0.0), 1.0)


def convolve_uncertainty(masses: np.ndarray, unc: IppUncertainty, cell_size: float
                         ) -> np.ndarray:
    """``masses`` convolved with the uncertainty kernel (same shape; zero beyond the array).

    The Gaussian is applied as two 1-D convolutions (it is separable), which keeps memory to a
    few copies of the array however wide the uncertainty; negatives from FFT rounding are zeroed.
    """
    from scipy.signal import fftconvolve

    if unc.kind == "gaussian":
        if _kernel_half(unc, cell_size) == 0 or unc.sigma_m <= 0:
            return masses.copy()
        c = _gaussian_1d(unc, cell_size)
        out = fftconvolve(masses, c[:, None], mode="same", axes=0)
        out = fftconvolve(out, c[None, :], mode="same", axes=1)
    else:
        kernel = uncertainty_kernel(unc, cell_size)
        if kernel.shape == (1, 1):
            return masses.copy()
        out = fftconvolve(masses, kernel, mode="same")
    np.maximum(out, 0.0, out=out)
    return out


def ring_map(grid: Grid, ipp_x: float, ipp_y: float, dist: RadialDistribution,
             uncertainty: IppUncertainty | None = None) -> ProbabilityMap:
    """POA of the distance-ring model on ``grid``.

    Parameters
    ----------
    grid:
        The mission grid (metric CRS).
    ipp_x, ipp_y:
        The initial planning point, metres in ``grid.crs``; must lie inside the grid.
    dist:
        The distance distribution (quartiles, optional cap).
    uncertainty:
        Optional IPP uncertainty; its radius may not exceed half the grid's shorter side.

    Returns
    -------
    ProbabilityMap
        Cells + ROW = 1.
    """
    ipp_cell(grid, ipp_x, ipp_y)
    h = grid.cell_size
    west, _, _, north = grid.bounds
    rows, cols = grid.shape
    if uncertainty is None or uncertainty.radius_m < 0.5 * h:
        masses, inside = _cell_masses(dist, west, north, h, grid.shape, ipp_x, ipp_y)
        return ProbabilityMap(grid, masses, max(0.0, 1.0 - float(masses.sum())))
    _check_uncertainty(grid, uncertainty)
    p = _kernel_half(uncertainty, h)
    padded, _ = _cell_masses(dist, west - p * h, north + p * h, h, (rows + 2 * p, cols + 2 * p),
                             ipp_x, ipp_y)
    conv = convolve_uncertainty(padded, uncertainty, h)[p:p + rows, p:p + cols]
    total = float(conv.sum())
    if total > 1.0:  # FFT rounding can only overshoot by ~1e-15
        conv /= total
        total = 1.0
    return ProbabilityMap(grid, conv, 1.0 - total)


def _check_uncertainty(grid: Grid, unc: IppUncertainty) -> None:
    west, south, east, north = grid.bounds
    limit = 0.5 * min(east - west, north - south)
    if unc.radius_m > limit:
        raise ProbabilityError("probability.err_uncertainty_too_large",
                               radius=f"{unc.radius_m:.0f}", limit=f"{limit:.0f}")
