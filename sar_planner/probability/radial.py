"""A continuous radial distance distribution through the published 25/50/75/95 % distances.

Choice (and why): the cumulative distribution F(r) is interpolated in *log-odds against
log-distance*, z(r) = logit F(r) as a function of ln r, by a monotone piecewise-cubic Hermite
(PCHIP, Fritsch-Carlson) curve through the four published points. PCHIP keeps a monotone curve
monotone, so F is a valid CDF that passes exactly through the published quartiles (a fitted
log-normal does not: Koester's tables are skewed differently in each quarter). Beyond the end
points z continues linearly in ln r with the slope of the end segment, i.e. F has power-law tails:
near the IPP F ~ r^k and beyond the 95 % distance 1 - F ~ r^-k', the heavy tail seen in
lost-person data (a log-normal tail would drop off too fast and put nothing far away). With an
elapsed-time cap the distribution is truncated at the cap and renormalised (nobody walks farther
than time x speed).

Distances are metres (horizontal; or travel-effort metres in the terrain model).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.special import expit, logit

from sar_planner.errors import ProbabilityError
from sar_planner.subjects import QUARTILE_LEVELS, Quartiles

__all__ = ["RadialDistribution"]


class RadialDistribution:
    """Distance-from-IPP distribution with CDF through the four quartiles.

    Parameters
    ----------
    quartiles:
        The 25/50/75/95 % distances (metres).
    cap_m:
        Optional greatest distance (metres), e.g. elapsed time x walking speed; the distribution
        is truncated there and renormalised. Must be positive.

    Examples
    --------
    >>> d = RadialDistribution(Quartiles(1600, 3200, 6400, 19200))
    >>> round(float(d.cdf(3200.0)), 6)
    0.5
    """

    def __init__(self, quartiles: Quartiles, cap_m: float | None = None) -> None:
        self.quartiles = quartiles
        x = np.log(np.array(quartiles.as_tuple()))
        z = logit(np.array(QUARTILE_LEVELS))
        self._x = x
        self._z = z
        self._pchip = PchipInterpolator(x, z, extrapolate=False)
        self._dpchip = self._pchip.derivative()
        self._slope_lo = float((z[1] - z[0]) / (x[1] - x[0]))
        self._slope_hi = float((z[-1] - z[-2]) / (x[-1] - x[-2]))
        if cap_m is not None and not (math.isfinite(cap_m) and cap_m > 0):
            raise ProbabilityError("probability.err_cap", value=cap_m)
        self.cap_m = cap_m
        self._f_cap = float(self._cdf_raw(np.array([cap_m]))[0]) if cap_m else 1.0

    def _z_of(self, lr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """logit F and d(logit F)/d ln r at ln r."""
        x0, x3 = self._x[0], self._x[-1]
        z = np.empty_like(lr)
        dz = np.empty_like(lr)
        lo = lr < x0
        hi = lr > x3
        mid = ~(lo | hi)
        z[lo] = self._z[0] + self._slope_lo * (lr[lo] - x0)
        dz[lo] = self._slope_lo
        z[hi] = self._z[-1] + self._slope_hi * (lr[hi] - x3)
        dz[hi] = self._slope_hi
        z[mid] = self._pchip(lr[mid])
        dz[mid] = self._dpchip(lr[mid])
        return z, dz

    def _cdf_raw(self, r: np.ndarray) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        out = np.zeros_like(r)
        pos = r > 0
        z, _ = self._z_of(np.log(r[pos]))
        out[pos] = expit(z)
        return out

    def cdf(self, r: np.ndarray | float) -> np.ndarray:
        """P(distance <= r), r in metres (array or scalar)."""
        r = np.asarray(r, dtype=np.float64)
        f = self._cdf_raw(np.atleast_1d(r)) / self._f_cap
        if self.cap_m:
            f = np.where(np.atleast_1d(r) >= self.cap_m, 1.0, np.minimum(f, 1.0))
        return f.reshape(r.shape)

    def pdf(self, r: np.ndarray | float) -> np.ndarray:
        """Density of the distance (per metre) at r metres; 0 at r <= 0 and beyond the cap."""
        r = np.atleast_1d(np.asarray(r, dtype=np.float64))
        out = np.zeros_like(r)
        pos = r > 0
        if self.cap_m:
            pos &= r < self.cap_m
        z, dz = self._z_of(np.log(r[pos]))
        f = expit(z)
        out[pos] = f * (1.0 - f) * dz / r[pos] / self._f_cap
        return out

    def quantile(self, p: float) -> float:
        """Distance (metres) within which a share ``p`` (0 < p < 1) of subjects are found."""
        if not 0.0 < p < 1.0:
            raise ProbabilityError("probability.err_probability_range", value=p)
        lo, hi = 1e-3, max(self.quartiles.d95 * 1e4, 1.0)
        if self.cap_m:
            hi = self.cap_m
        for _ in range(200):  # bisection in log space; F is monotone
            mid = math.sqrt(lo * hi)
            if float(self.cdf(mid)) < p:
                lo = mid
            else:
                hi = mid
        return math.sqrt(lo * hi)

    def area_density(self, r: np.ndarray) -> np.ndarray:
        """Probability per square metre at r metres from the IPP: pdf(r) / (2 pi r)."""
        r = np.asarray(r, dtype=np.float64)
        out = np.zeros_like(r)
        pos = r > 0
        out[pos] = self.pdf(r[pos]) / (2.0 * math.pi * r[pos])
        return out
