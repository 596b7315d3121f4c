"""From a 2D pattern to a flyable 3D plan: terrain following, climb limits, time and batteries.

Terrain following (as QGroundControl's TransectStyleComplexItem does it, flight-formats.md):

1. the track is sampled every DEM cell; the target altitude at each sample is the highest terrain
   within ``clearance_radius_m`` of it (half the camera footprint: the swath) plus the requested
   height above ground. The highest terrain is taken from a square maximum filter of the DEM
   grown by two cell diagonals, so that the bilinear terrain anywhere within the radius is
   provably below it;
2. climb and descent limits (derated to the plan's altitude) are enforced by raising points only:
   one forward pass raises points after too steep a descent, one backward pass raises points
   before too steep a climb (each raise keeps the other constraint, so two passes are enough);
3. intermediate samples are dropped while the straight line between kept points stays within
   ``tolerance_m`` of the target profile (above and below), so the clearance over the swath's
   highest terrain is never less than the requested height minus the tolerance;
4. the finished path is checked against the DEM at half-cell steps: its minimum clearance is
   reported, and a clearance below the requested height minus the tolerance blocks export.

Time: each leg at its speed (search or transit), plus the turn time scaled by the turn angle
(``turn_time_s`` per 180 degrees), plus the vertical climb after take-off and descent to land.
Sorties: the pattern is cut where the next point could not be reached with the return transit
and landing inside the derated endurance minus the reserve; each sortie flies out from the launch
point, continues the pattern, and returns. When one more sortie would finish the pattern, the
rest is shared evenly between the last two. Endurance and climb are derated at the highest point
of the whole plan, transits included (the plan is redone if a transit climbs above the altitude
first used), and that point is checked against the asset's maximum operating altitude.

Coordinates are metres in the terrain grid's CRS (the mission CRS); altitudes metres above mean
sea level (the DEM's datum); times seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numba
import numpy as np
from scipy import ndimage

from sar_planner.assets import Asset, Performance, performance_at
from sar_planner.assets.atmosphere import MIN_USABLE_ENDURANCE_S
from sar_planner.errors import PlanningError
from sar_planner.geo import from_local
from sar_planner.patterns import Track
from sar_planner.plan import Notice, Sortie, SortiePlan, Waypoint, WaypointRole
from sar_planner.return_height import return_height
from sar_planner.sweep import SweepWidth
from sar_planner.terrain import Terrain

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "VISUAL_CLEARANCE_RADIUS_M",
    "Path3D",
    "PlanResult",
    "follow_terrain",
    "path_clearance",
    "build_plan",
    "MIN_PATTERN_PER_SORTIE_S",
    "MIN_PATTERN_SHARE",
    "MAX_SORTIES",
]

#: Default tolerance for dropping intermediate points, metres (QGroundControl's default).
DEFAULT_TOLERANCE_M = 10.0
#: Terrain-clearance radius used for crew visual search (no camera footprint), metres.
VISUAL_CLEARANCE_RADIUS_M = 100.0


@dataclass(frozen=True, eq=False)
class Path3D:
    """A terrain-followed path.

    Attributes
    ----------
    xy:
        (N, 2) vertices, metres in the mission CRS.
    z:
        (N,) flight altitude, metres above mean sea level.
    ground:
        (N,) DEM elevation under each vertex, metres.
    kinds:
        (N - 1,) ``"search"``, ``"turn"`` or ``"transit"`` per leg.
    speeds:
        (N - 1,) ground speed per leg, m/s.
    min_clearance_m:
        Lowest height above the DEM along the whole path (sampled every half cell), metres.
    profile:
        (M, 3) columns distance along the path (m), terrain (m), flight altitude (m) at the
        sampled points, for the profile chart.
    """

    xy: np.ndarray
    z: np.ndarray
    ground: np.ndarray
    kinds: np.ndarray
    speeds: np.ndarray
    min_clearance_m: float
    profile: np.ndarray

    @property
    def agl(self) -> np.ndarray:
        """(N,) height above the DEM at each vertex, metres."""
        return self.z - self.ground

    @property
    def leg_lengths(self) -> np.ndarray:
        """(N - 1,) horizontal length of each leg, metres."""
        return np.hypot(*np.diff(self.xy, axis=0).T)


@dataclass(frozen=True, eq=False)
class PlanResult:
    """A plan with the intermediate products the plan page and the CLI show.

    Attributes
    ----------
    plan:
        The :class:`~sar_planner.plan.SortiePlan` handed to exporters.
    track:
        The 2D pattern.
    path:
        The terrain-followed pattern (without the transits to and from the launch point).
    sorties_xyz:
        Per sortie, (K, 3) x, y, altitude of its waypoints in the mission CRS.
    performance:
        The asset's derated figures at the plan's highest altitude.
    sweep:
        The sweep width used and its derivation.
    terrain:
        The terrain the plan was made on (set by :func:`sar_planner.planner.plan_search`).
    area_xy:
        The segment outline in metres of the mission CRS, if any.
    """

    plan: SortiePlan
    track: Track
    path: Path3D
    sorties_xyz: tuple[np.ndarray, ...]
    performance: Performance
    sweep: SweepWidth
    terrain: Terrain | None = None
    area_xy: tuple[tuple[float, float], ...] | None = None


class _MaxTerrain:
    """Bilinear sampler of the DEM's moving maximum over a radius (cached per radius)."""

    def __init__(self, terrain: Terrain) -> None:
        self.terrain = terrain
        self._cache: dict[int, np.ndarray] = {}

    def sample(self, radius_m: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        grid = self.terrain.grid
        cell = grid.cell_size
        r_cells = int(math.ceil(max(0.0, radius_m) / cell + 2.0 * math.sqrt(2.0)))
        if r_cells not in self._cache:
            elev = np.asarray(self.terrain.elevation, dtype=np.float64)
            filled = np.where(np.isfinite(elev), elev, np.inf)
            self._cache[r_cells] = ndimage.maximum_filter(filled, size=2 * r_cells + 1,
                                                          mode="nearest")
        return _bilinear(self._cache[r_cells], self.terrain, x, y)


def _bilinear(array: np.ndarray, terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    grid = terrain.grid
    inside = grid.contains(x, y)
    if not np.all(inside):
        bad = int(np.argmin(inside))
        raise PlanningError("planning.err_path_outside_terrain",
                            x=f"{float(np.ravel(x)[bad]):.0f}", y=f"{float(np.ravel(y)[bad]):.0f}")
    row, col = grid.rowcol(x, y)
    vals = ndimage.map_coordinates(array, np.vstack([np.ravel(row) - 0.5, np.ravel(col) - 0.5]),
                                   order=1, mode="nearest", prefilter=False)
    if not np.all(np.isfinite(vals)):
        bad = int(np.argmin(np.isfinite(vals)))
        raise PlanningError("planning.err_path_no_elevation",
                            x=f"{float(np.ravel(x)[bad]):.0f}", y=f"{float(np.ravel(y)[bad]):.0f}")
    return vals.reshape(np.shape(x))


def _densify(xy: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, leg index of each point's following leg, is-original-vertex) every <= step m."""
    seg = np.diff(xy, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    counts = np.maximum(1, np.ceil(lengths / step).astype(int))
    leg = np.repeat(np.arange(len(seg)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    frac = (np.arange(counts.sum()) - np.repeat(starts, counts)) / np.repeat(counts, counts)
    pts = xy[leg] + seg[leg] * frac[:, None]
    pts = np.vstack([pts, xy[-1:]])
    leg = np.concatenate([leg, [len(seg) - 1]])
    vertex = np.zeros(len(pts), dtype=bool)
    vertex[np.concatenate([starts, [len(pts) - 1]])] = True
    return pts, leg, vertex


def _enforce_rates(z: np.ndarray, dist: np.ndarray, speed: np.ndarray, climb: float,
                   descent: float) -> np.ndarray:
    """Raise points so no step climbs faster than ``climb`` or descends faster than ``descent``.

    Forward, a too steep descent raises the later point: ``z'_k = max_{j<=k}(z_j - (D_k - D_j))``
    with D the cumulative allowed drop; backward, a too steep climb raises the earlier point:
    ``z''_k = max_{j>=k}(z'_j - (U_j - U_k))`` with U the cumulative allowed rise. Raising for one
    never breaks the other, so the two passes give the lowest profile within both limits.
    """
    up = np.concatenate([[0.0], np.cumsum(climb * dist / speed)])
    down = np.concatenate([[0.0], np.cumsum(descent * dist / speed)])
    z1 = np.maximum.accumulate(z + down) - down
    z2 = np.maximum.accumulate((z1 - up)[::-1])[::-1] + up
    return np.maximum(z2, z)


def _simplify(s: np.ndarray, z: np.ndarray, keep: np.ndarray, tol: float) -> np.ndarray:
    """Indices kept: every ``keep`` point, plus those needed to stay within ``tol`` of ``z``.

    Greedy: from each kept point the chord is grown one sample at a time as far as it stays
    within ``tol`` of every sample it spans, never past the next forced point.
    """
    return _simplify_compiled(np.ascontiguousarray(s, dtype=np.float64),
                              np.ascontiguousarray(z, dtype=np.float64),
                              np.ascontiguousarray(keep, dtype=np.bool_), float(tol))


@numba.njit(cache=True, nogil=True)
def _simplify_compiled(s, z, keep, tol):  # pragma: no cover - compiled
    n = len(z)
    out = np.empty(n, dtype=np.int64)
    m = 0
    out[m] = 0
    m += 1
    i = 0
    while i < n - 1:
        ok = i + 1
        if not keep[ok]:
            j = i + 2
            while j < n:
                span = s[j] - s[i]
                good = True
                for k in range(i + 1, j):
                    t = (s[k] - s[i]) / span if span > 0 else 0.0
                    dev = z[i] + (z[j] - z[i]) * t - z[k]
                    if dev < -tol or dev > tol:
                        good = False
                        break
                if not good:
                    break
                ok = j
                if keep[j]:
                    break
                j += 1
        out[m] = ok
        m += 1
        i = ok
    return out[:m].copy()


def follow_terrain(terrain: Terrain, xy: np.ndarray, kinds: np.ndarray, speeds: np.ndarray,
                   agl_m: float, clearance_radius_m: float, climb_m_s: float,
                   descent_m_s: float, tolerance_m: float = DEFAULT_TOLERANCE_M,
                   start_z: float | None = None, end_z: float | None = None,
                   _max: _MaxTerrain | None = None) -> Path3D:
    """Terrain-follow a 2D path (see the module docstring for the method).

    Parameters
    ----------
    terrain:
        DEM on the mission grid.
    xy:
        (N, 2) vertices, metres in ``terrain.grid.crs``.
    kinds:
        (N - 1,) leg kinds (kept through to the result).
    speeds:
        (N - 1,) ground speed per leg, m/s (> 0).
    agl_m:
        Requested height above the highest terrain under the swath, metres.
    clearance_radius_m:
        Horizontal radius around the track whose highest terrain must be cleared, metres.
    climb_m_s, descent_m_s:
        Vertical speed limits, m/s.
    tolerance_m:
        Largest difference between the flown altitude and the target profile where points are
        dropped, metres.
    start_z, end_z:
        Optional lowest altitude at the first / last vertex (to join a neighbouring path).

    Returns
    -------
    Path3D
        Kept vertices (every input vertex plus the intermediate points terrain needs).

    Raises
    ------
    PlanningError
        If the path leaves the terrain or crosses cells without elevation.
    """
    if not (math.isfinite(agl_m) and agl_m > 0):
        raise PlanningError("planning.err_agl", value=f"{agl_m}")
    if not (climb_m_s > 0 and descent_m_s > 0):
        raise PlanningError("planning.err_rates")
    xy = np.asarray(xy, dtype=np.float64)
    speeds = np.asarray(speeds, dtype=np.float64)
    kinds = np.asarray(kinds)
    if np.any(speeds <= 0):
        raise PlanningError("planning.err_rates")
    sampler = _max or _MaxTerrain(terrain)
    cell = terrain.grid.cell_size
    pts, leg, vertex = _densify(xy, cell)
    target = sampler.sample(clearance_radius_m, pts[:, 0], pts[:, 1]) + agl_m
    if start_z is not None:
        target[0] = max(target[0], start_z)
    if end_z is not None:
        target[-1] = max(target[-1], end_z)
    step = np.hypot(*np.diff(pts, axis=0).T)
    z = _enforce_rates(target, step, speeds[leg[:-1]], climb_m_s, descent_m_s)
    s = np.concatenate([[0.0], np.cumsum(step)])
    kept = _simplify(s, z, vertex, tolerance_m)
    # the kept points' legs inherit the kind and speed of the original leg they lie on
    out_xy = pts[kept]
    out_z = z[kept]
    out_leg = leg[kept][:-1]
    ground = _bilinear(np.asarray(terrain.elevation, dtype=np.float64), terrain,
                       out_xy[:, 0], out_xy[:, 1])
    min_clear, profile = path_clearance(terrain, out_xy, out_z)
    return Path3D(out_xy, out_z, ground, kinds[out_leg], speeds[out_leg], min_clear, profile)


def path_clearance(terrain: Terrain, xy: np.ndarray, z: np.ndarray,
                   step_m: float | None = None) -> tuple[float, np.ndarray]:
    """Minimum height of a 3D polyline above the DEM, sampled every ``step_m`` (half a cell).

    Returns
    -------
    (float, numpy.ndarray)
        The minimum clearance (metres) and the (M, 3) profile: distance, terrain, altitude.
    """
    step = terrain.grid.cell_size / 2.0 if step_m is None else float(step_m)
    pts, leg, _ = _densify(np.asarray(xy, dtype=np.float64), step)
    seg = np.diff(xy, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    along = np.hypot(*(pts - xy[leg]).T)
    frac = np.divide(along, lengths[leg], out=np.zeros_like(along), where=lengths[leg] > 0)
    zz = z[leg] + (z[leg + 1] - z[leg]) * frac if len(z) > 1 else z[leg]
    zz[-1] = z[-1]
    ground = _bilinear(np.asarray(terrain.elevation, dtype=np.float64), terrain,
                       pts[:, 0], pts[:, 1])
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    clearance = zz - ground
    return float(clearance.min()), np.column_stack([dist, ground, zz])


def _turn_angles(xy: np.ndarray) -> np.ndarray:
    """(N,) heading change at each vertex, degrees (0 at the ends)."""
    out = np.zeros(len(xy))
    if len(xy) < 3:
        return out
    d = np.diff(xy, axis=0)
    h = np.degrees(np.arctan2(d[:, 0], d[:, 1]))
    nonzero = np.hypot(d[:, 0], d[:, 1]) > 1e-6
    h = np.where(nonzero, h, np.nan)
    # carry the last defined heading over zero-length legs
    for k in range(1, len(h)):
        if np.isnan(h[k]):
            h[k] = h[k - 1]
    delta = np.abs((np.diff(h) + 180.0) % 360.0 - 180.0)
    out[1:-1] = np.nan_to_num(delta)
    return out


def _leg_times(xy: np.ndarray, z: np.ndarray, speeds: np.ndarray, turn_time_s: float,
               climb: float, descent: float) -> np.ndarray:
    """(N,) cumulative time at each vertex of a path, seconds."""
    lengths = np.hypot(*np.diff(xy, axis=0).T)
    dz = np.diff(z)
    t = np.maximum(lengths / speeds, np.where(dz > 0, dz / climb, -dz / descent))
    turns = _turn_angles(xy)[1:] / 180.0 * turn_time_s
    t = t + turns
    return np.concatenate([[0.0], np.cumsum(t)])


def _point_at(xy: np.ndarray, z: np.ndarray, times: np.ndarray, tau: float
              ) -> tuple[int, np.ndarray, float]:
    """(leg index, xy, z) at time ``tau`` along a path (linear within the leg)."""
    k = int(np.clip(np.searchsorted(times, tau, side="right") - 1, 0, len(xy) - 2))
    span = times[k + 1] - times[k]
    f = 0.0 if span <= 0 else min(1.0, max(0.0, (tau - times[k]) / span))
    return k, xy[k] + (xy[k + 1] - xy[k]) * f, float(z[k] + (z[k + 1] - z[k]) * f)


def _furthest(cost: Callable[[float], float], tau: float, total: float, budget: float) -> float:
    """Largest end time in [tau, total] whose sortie cost fits the budget (to about 2 s).

    The cost grows with the end time at a slope near 1 (pattern time plus a slower change of
    the return transit), so stepping by the slack converges in a few steps; bisection is the
    fallback.
    """
    if cost(total) <= budget:
        return total
    end = tau
    if cost(tau) > budget:
        return tau
    for _ in range(30):
        slack = budget - cost(end)
        if 0.0 <= slack < 2.0:
            return end
        nxt = min(total, max(tau, end + slack))
        if nxt == end:
            break
        end = nxt
    lo, hi = tau, total
    while hi - lo > 1.0:
        mid = 0.5 * (lo + hi)
        if cost(mid) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


#: A sortie that can fly less of the pattern than this, seconds (or than
#: :data:`MIN_PATTERN_SHARE` of the usable endurance, if that is less), means the rest of the
#: pattern lies beyond the asset's reach from the launch point: the plan is refused rather than
#: cut into endless slivers. A rule of this planner, not a published figure.
MIN_PATTERN_PER_SORTIE_S = 60.0
#: See :data:`MIN_PATTERN_PER_SORTIE_S` (share of the usable endurance, 0..1).
MIN_PATTERN_SHARE = 0.05
#: Most sorties one plan may be cut into; more is refused (``planning.err_too_many_sorties``).
MAX_SORTIES = 200
#: Seconds added to each sortie's estimate, besides two turn times, for what the estimate leaves
#: out: the turns where the transits meet the pattern and the raise-only join between them.
_JOIN_MARGIN_S = 10.0
#: Passes of "derate at the plan's highest point, then plan again" before giving up.
_ALTITUDE_PASSES = 4
#: A pass whose highest point is within this of the derating altitude is final, metres.
_ALTITUDE_SLACK_M = 1.0
#: The next pass derates this far above the highest point found, metres (so that it is very
#: likely the last).
_ALTITUDE_HEADROOM_M = 25.0
#: Two points closer than this are one point, metres.
_SAME_POINT_M = 1e-6
#: A transit shorter than this is no transit (the aircraft climbs or lands in place), metres.
_MIN_TRANSIT_M = 1.0
#: A sortie longer than the usable endurance by more than this is flagged, seconds.
_OVERRUN_S = 1.0
#: Slack of the clearance and height-cap checks against rounding, metres.
_CHECK_SLACK_M = 0.5
#: Waypoint roles a plan file carries; any other kind of point is written as ``transit``.
_ROLES = ("takeoff", "transit", "search", "turn", "land")


@dataclass(frozen=True)
class _Legs:
    """The flights between the launch point and the pattern at one derating (climb and descent
    rates in m/s, the clearance radius and height above ground in metres, home in the mission
    CRS with the ground height under it, metres above sea level)."""

    terrain: Terrain
    sampler: _MaxTerrain
    asset: Asset
    agl_m: float
    radius_m: float
    climb: float
    descent: float
    tolerance_m: float
    home: np.ndarray
    home_ground: float
    #: quick_leg's results by (a, b, za, zb): the search of the cut points asks for the same
    #: transit again (about a fifth of its calls on the 25 km^2 bench), so it is not recomputed
    _quick: dict = field(default_factory=dict, repr=False, compare=False)

    def transit(self, a: np.ndarray, b: np.ndarray, za: float | None, zb: float | None
                ) -> Path3D:
        """The terrain-followed transit a -> b (starting at ``za``, ending at ``zb`` if given)."""
        if np.hypot(*(b - a)) < _MIN_TRANSIT_M:
            b = a + np.array([0.0, 1.0])
        return follow_terrain(self.terrain, np.vstack([a, b]), np.array(["transit"]),
                              np.array([self.asset.transit_speed_m_s]), self.agl_m, self.radius_m,
                              self.climb, self.descent, self.tolerance_m, start_z=za, end_z=zb,
                              _max=self.sampler)

    def transit_time(self, p: Path3D, up_from_ground: bool) -> float:
        """Flight time of a transit with the climb from (or descent to) the launch point's
        ground, seconds."""
        t = _leg_times(p.xy, p.z, p.speeds, self.asset.turn_time_s, self.climb, self.descent)[-1]
        vertical = (p.z[0] - self.home_ground) / self.climb if up_from_ground else (
            p.z[-1] - self.home_ground) / self.descent
        return float(t + max(0.0, vertical))

    def quick_leg(self, a: np.ndarray, b: np.ndarray, za: float | None, zb: float | None
                  ) -> tuple[float, float, float]:
        """(flight time, start altitude, end altitude) of a transit a -> b: the rate-limited
        profile, not simplified (for the cheap search of the cut points)."""
        key = (float(a[0]), float(a[1]), float(b[0]), float(b[1]), za, zb)
        hit = self._quick.get(key)
        if hit is None:
            hit = self._quick[key] = self._quick_leg(a, b, za, zb)
        return hit

    def _quick_leg(self, a: np.ndarray, b: np.ndarray, za: float | None, zb: float | None
                   ) -> tuple[float, float, float]:
        if np.hypot(*(b - a)) < _MIN_TRANSIT_M:
            top = max(v for v in (za, zb, self.home_ground) if v is not None)
            return 0.0, top, top
        pts, _, _ = _densify(np.vstack([a, b]), self.terrain.grid.cell_size)
        target = self.sampler.sample(self.radius_m, pts[:, 0], pts[:, 1]) + self.agl_m
        if za is not None:
            target[0] = max(target[0], za)
        if zb is not None:
            target[-1] = max(target[-1], zb)
        step = np.hypot(*np.diff(pts, axis=0).T)
        speed = self.asset.transit_speed_m_s
        z = _enforce_rates(target, step, np.full(len(step), speed), self.climb, self.descent)
        return float(step.sum() / speed), float(z[0]), float(z[-1])

    def quick_out(self, p0: np.ndarray, z0: float) -> float:
        """Take-off and transit time from the launch point to p0."""
        t, z_start, _ = self.quick_leg(self.home, p0, None, z0)
        return t + max(0.0, z_start - self.home_ground) / self.climb

    def quick_back(self, p1: np.ndarray, z1: float) -> float:
        """Transit time from p1 back to the launch point, and landing."""
        t, _, z_end = self.quick_leg(p1, self.home, z1, None)
        return t + max(0.0, z_end - self.home_ground) / self.descent


@dataclass(frozen=True)
class _Pattern:
    """The terrain-followed pattern and the time (s) at each of its vertices."""

    path: Path3D
    times: np.ndarray

    @property
    def total(self) -> float:
        return float(self.times[-1])

    def at(self, tau: float) -> tuple[int, np.ndarray, float]:
        """(leg index, xy, z) at pattern time ``tau``."""
        return _point_at(self.path.xy, self.path.z, self.times, tau)


@dataclass(frozen=True)
class _SortieCost:
    """Flight time of the sortie that starts the pattern at ``tau`` (after ``t_out`` seconds
    out) as a function of where it leaves the pattern: out, pattern, back and land, margin."""

    legs: _Legs
    pattern: _Pattern
    tau: float
    t_out: float
    margin: float

    def __call__(self, tau_end: float) -> float:
        _, p1, z1 = self.pattern.at(tau_end)
        return self.t_out + (tau_end - self.tau) + self.legs.quick_back(p1, z1) + self.margin


@dataclass
class _Split:
    """The sorties as flown: per sortie, (K, 3) x, y metres and altitude AMSL, the kind and the
    speed (m/s) of each point."""

    xyz: list[np.ndarray] = field(default_factory=list)
    kinds: list[np.ndarray] = field(default_factory=list)
    speeds: list[np.ndarray] = field(default_factory=list)


def _check_heights(agl_m: float, tolerance_m: float) -> None:
    if not (math.isfinite(agl_m) and agl_m > 0):
        raise PlanningError("planning.err_agl", value=f"{agl_m}")
    if not (math.isfinite(tolerance_m) and 0 <= tolerance_m < agl_m):
        raise PlanningError("planning.err_tolerance", value=f"{tolerance_m}", agl=f"{agl_m:g}")


def _check_ceiling(asset: Asset, top: float) -> None:
    if top > asset.max_altitude_amsl_m:
        raise PlanningError("planning.err_above_ceiling", asset=asset.name_en,
                            altitude=f"{top:.0f}", ceiling=f"{asset.max_altitude_amsl_m:.0f}")


def _pattern_band(terrain: Terrain, track: Track, asset: Asset, speeds: np.ndarray,
                  agl_m: float, radius_m: float, tolerance_m: float, sampler: _MaxTerrain,
                  temperature_c: float | None) -> tuple[Path3D, Performance]:
    """The pattern terrain-followed with sea-level climb to find its altitude band, then again
    with the rates derated at its highest point; the performance there."""
    perf: Performance | None = None
    path: Path3D | None = None
    for _ in range(2):
        climb = perf.climb_rate_m_s if perf else asset.climb_rate_m_s
        descent = perf.descent_rate_m_s if perf else asset.descent_rate_m_s
        path = follow_terrain(terrain, track.xy, track.kinds, speeds, agl_m, radius_m,
                              climb, descent, tolerance_m, _max=sampler)
        top = float(path.z.max())
        _check_ceiling(asset, top)
        perf = performance_at(asset, top, temperature_c)
    assert path is not None and perf is not None
    return path, perf


def _sortie_end(legs: _Legs, pattern: _Pattern, cost: _SortieCost, budget: float,
                p0: np.ndarray) -> float:
    """Where the sortie that starts at ``cost.tau`` leaves the pattern (pattern time, s): as far
    as the usable endurance ``budget`` allows; when one more sortie would finish the pattern,
    the rest is shared evenly between the two (no last sortie of a few minutes) if both fit."""
    tau, total, margin = cost.tau, pattern.total, cost.margin
    tau_end = _furthest(cost, tau, total, budget)
    if tau_end < total:
        _, pe, ze = pattern.at(tau_end)
        _, pl, zl = pattern.at(total)
        last = legs.quick_out(pe, ze) + (total - tau_end) + legs.quick_back(pl, zl) + margin
        if last <= budget:
            even = tau + (total - tau) / 2.0
            _, pm, zm = pattern.at(even)
            second = legs.quick_out(pm, zm) + (total - even) + legs.quick_back(pl, zl) + margin
            if even < tau_end and cost(even) <= budget and second <= budget:
                tau_end = even
    if tau_end < total and tau_end - tau < min(MIN_PATTERN_PER_SORTIE_S,
                                               MIN_PATTERN_SHARE * budget):
        raise PlanningError("planning.err_out_of_reach", asset=legs.asset.name_en,
                            distance=f"{np.hypot(*(p0 - legs.home)) / 1000:.1f}",
                            usable=f"{budget / 60:.0f}")
    return tau_end


def _assemble_sortie(legs: _Legs, pattern: _Pattern, start: tuple[int, np.ndarray, float],
                     out: Path3D, tau_end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sortie's points, kinds and speeds: take-off, out, the pattern from ``start`` (leg
    index, xy, z) to ``tau_end``, back, land; the joins rate-limited (raise only)."""
    path, asset, home = pattern.path, legs.asset, legs.home
    k0, p0, z0 = start
    _, p_end, z_end = pattern.at(tau_end)
    back = legs.transit(p_end, home, z_end, None)
    k1, p1, z1 = pattern.at(tau_end)
    idx = np.arange(k0 + 1, k1 + 1)
    # drop only a first vertex on p0 and a last one on p1 (a closed contour may pass the
    # same point again later: that vertex must stay)
    if len(idx) and np.hypot(*(path.xy[idx[0]] - p0)) <= _SAME_POINT_M:
        idx = idx[1:]
    if len(idx) and np.hypot(*(path.xy[idx[-1]] - p1)) <= _SAME_POINT_M:
        idx = idx[:-1]
    leg_idx = np.concatenate([[k0], idx]).astype(int)
    pattern_xyz = np.vstack([[p0[0], p0[1], z0],
                             np.column_stack([path.xy[idx], path.z[idx]]),
                             [p1[0], p1[1], z1]])
    home_xyz = np.array([[home[0], home[1], legs.home_ground]])
    xyz = np.vstack([home_xyz,
                     np.column_stack([out.xy[:-1], out.z[:-1]]),
                     pattern_xyz,
                     np.column_stack([back.xy[1:], back.z[1:]]),
                     home_xyz])
    kinds = np.concatenate([["takeoff"], out.kinds, path.kinds[leg_idx], ["transit"],
                            back.kinds[1:], ["land", "land"]])
    v = asset.transit_speed_m_s
    spd = np.concatenate([[v], out.speeds, path.speeds[leg_idx], [v], back.speeds[1:], [v, v]])
    # joins between transits and pattern: raise-only rate limits over the airborne points
    air = slice(1, len(xyz) - 1)
    air_len = np.hypot(*np.diff(xyz[air, :2], axis=0).T)
    xyz[air, 2] = _enforce_rates(xyz[air, 2], air_len, spd[1:len(xyz) - 2], legs.climb,
                                 legs.descent)
    if len(kinds) != len(xyz) or len(spd) != len(xyz):  # pragma: no cover - internal check
        raise AssertionError("sortie assembly lost a point")
    return xyz, kinds, spd


def _split_sorties(legs: _Legs, pattern: _Pattern, budget: float) -> _Split:
    """Cut the pattern into sorties that each fit the usable endurance ``budget`` (seconds)."""
    margin = 2.0 * legs.asset.turn_time_s + _JOIN_MARGIN_S
    split = _Split()
    tau = 0.0
    while tau < pattern.total - 1e-6:
        if len(split.xyz) >= MAX_SORTIES:
            raise PlanningError("planning.err_too_many_sorties", limit=MAX_SORTIES)
        start = pattern.at(tau)
        out = legs.transit(legs.home, start[1], None, start[2])
        cost = _SortieCost(legs, pattern, tau, legs.transit_time(out, True), margin)
        tau_end = _sortie_end(legs, pattern, cost, budget, start[1])
        xyz, kinds, spd = _assemble_sortie(legs, pattern, start, out, tau_end)
        split.xyz.append(xyz)
        split.kinds.append(kinds)
        split.speeds.append(spd)
        tau = tau_end
    return split


def _legs_at(terrain: Terrain, path: Path3D, perf: Performance, asset: Asset, agl_m: float,
             radius_m: float, tolerance_m: float, sampler: _MaxTerrain,
             home_xy: tuple[float, float] | None) -> _Legs:
    home = np.asarray(home_xy if home_xy is not None else path.xy[0], dtype=np.float64)
    home_ground = float(_bilinear(np.asarray(terrain.elevation, dtype=np.float64), terrain,
                                  np.array([home[0]]), np.array([home[1]]))[0])
    return _Legs(terrain, sampler, asset, agl_m, radius_m, perf.climb_rate_m_s,
                 perf.descent_rate_m_s, tolerance_m, home, home_ground)


def _sorties_derated(terrain: Terrain, track: Track, asset: Asset, speeds: np.ndarray,
                     agl_m: float, radius_m: float, tolerance_m: float, sampler: _MaxTerrain,
                     temperature_c: float | None, home_xy: tuple[float, float] | None,
                     path: Path3D, perf: Performance
                     ) -> tuple[Path3D, Performance, _Legs, _Split]:
    """Split the pattern into sorties with endurance and climb derated at the highest point of
    the whole plan: the transits may cross higher ground than the pattern, so if the sorties
    climb above the altitude used, derate there and plan again (raising only: converges fast)."""
    top_all = math.nan
    for attempt in range(_ALTITUDE_PASSES):
        if attempt:
            path = follow_terrain(terrain, track.xy, track.kinds, speeds, agl_m, radius_m,
                                  perf.climb_rate_m_s, perf.descent_rate_m_s, tolerance_m,
                                  _max=sampler)
        if perf.usable_s <= MIN_USABLE_ENDURANCE_S:
            raise PlanningError("planning.err_no_endurance", asset=asset.name_en,
                                altitude=f"{perf.altitude_m:.0f}",
                                endurance=f"{perf.endurance_s / 60:.0f}",
                                reserve=f"{asset.reserve_s / 60:.0f}")
        legs = _legs_at(terrain, path, perf, asset, agl_m, radius_m, tolerance_m, sampler, home_xy)
        times = _leg_times(path.xy, path.z, path.speeds, asset.turn_time_s, legs.climb,
                           legs.descent)
        split = _split_sorties(legs, _Pattern(path, times), perf.usable_s)
        top_all = max(float(x[:, 2].max()) for x in split.xyz)
        _check_ceiling(asset, top_all)
        if top_all <= perf.altitude_m + _ALTITUDE_SLACK_M:
            return path, perf, legs, split
        perf = performance_at(asset, min(top_all + _ALTITUDE_HEADROOM_M,
                                         asset.max_altitude_amsl_m), temperature_c)
    # (not reached by the tests: it needs terrain that keeps raising the path every pass)
    raise PlanningError("planning.err_altitude_iteration", altitude=f"{top_all:.0f}")


def _one_sortie(index: int, xyz: np.ndarray, kinds: np.ndarray, spd: np.ndarray,
                lat: np.ndarray, lon: np.ndarray, ground: np.ndarray, legs: _Legs
                ) -> Sortie:
    """The plan's record of one sortie: waypoints (degrees WGS84, metres AMSL and above the
    ground), length, search length and duration (take-off climb and landing included)."""
    n = len(xyz)
    wps = []
    for j in range(n):
        role = cast(WaypointRole, str(kinds[j]) if kinds[j] in _ROLES else "transit")
        wps.append(Waypoint(lat=float(lat[j]), lon=float(lon[j]), alt_amsl_m=float(xyz[j, 2]),
                            agl_m=float(xyz[j, 2] - ground[j]), speed_m_s=float(spd[j]),
                            role=role))
    legs_m = np.hypot(*np.diff(xyz[:, :2], axis=0).T)
    search_len = float(sum(legs_m[j] for j in range(n - 1) if kinds[j] == "search"))
    air_xy, air_z = xyz[1:-1, :2], xyz[1:-1, 2]
    air_speeds = np.asarray(spd[1:-2], dtype=np.float64)
    t_air = _leg_times(air_xy, air_z, air_speeds, legs.asset.turn_time_s, legs.climb,
                       legs.descent)[-1]
    duration = float(t_air + (air_z[0] - legs.home_ground) / legs.climb
                     + (air_z[-1] - legs.home_ground) / legs.descent)
    rth = return_height(legs.terrain, air_xy, (float(legs.home[0]), float(legs.home[1])),
                        legs.home_ground, legs.agl_m)
    return Sortie(index=index, waypoints=tuple(wps), length_m=float(legs_m.sum()),
                  duration_s=duration, search_length_m=search_len, rth=rth)


def _sortie_records(split: _Split, legs: _Legs, usable_s: float
                    ) -> tuple[list[Sortie], list[Notice], float]:
    """The sorties' records, a blocking notice for any longer than ``usable_s`` (a guard: the
    split should prevent it) and the lowest clearance above the terrain of any sortie, metres."""
    terrain = legs.terrain
    all_xy = np.vstack([s[:, :2] for s in split.xyz])
    lat, lon = from_local(all_xy[:, 0], all_xy[:, 1], terrain.grid.crs)
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    elev = np.asarray(terrain.elevation, dtype=np.float64)
    ground_all = _bilinear(elev, terrain, all_xy[:, 0], all_xy[:, 1])
    sorties: list[Sortie] = []
    notices: list[Notice] = []
    min_clear = math.inf
    offset = 0
    for idx, (xyz, kinds, spd) in enumerate(zip(split.xyz, split.kinds, split.speeds,
                                                strict=True), start=1):
        part = slice(offset, offset + len(xyz))
        offset += len(xyz)
        sortie = _one_sortie(idx, xyz, kinds, spd, lat[part], lon[part], ground_all[part], legs)
        clear, _ = path_clearance(terrain, xyz[1:-1, :2], xyz[1:-1, 2])
        min_clear = min(min_clear, clear)
        sorties.append(sortie)
        if sortie.duration_s > usable_s + _OVERRUN_S:
            notices.append(Notice("planning.notice_sortie_too_long",
                                  {"sortie": idx, "minutes": f"{sortie.duration_s / 60:.1f}",
                                   "usable": f"{usable_s / 60:.1f}"}, blocking=True))
    return sorties, notices, min_clear


def _plan_notices(terrain: Terrain, track: Track, asset: Asset, sorties: list[Sortie],
                  min_clear: float, agl_m: float, tolerance_m: float, usable_s: float
                  ) -> list[Notice]:
    """What the crew must know about the plan (blocking ones stop its export)."""
    notices: list[Notice] = []
    if min_clear < agl_m - tolerance_m - _CHECK_SLACK_M:
        notices.append(Notice("planning.notice_clearance",
                              {"clearance": f"{min_clear:.0f}", "agl": f"{agl_m:.0f}",
                               "tolerance": f"{tolerance_m:.0f}"}, blocking=True))
    max_agl = max(w.agl_m for s in sorties for w in s.waypoints)
    if asset.max_agl_m is not None and max_agl > asset.max_agl_m + _CHECK_SLACK_M:
        notices.append(Notice("planning.notice_agl_cap",
                              {"max_agl": f"{max_agl:.0f}", "cap": f"{asset.max_agl_m:.0f}"}))
    if terrain.synthetic:
        notices.append(Notice("planning.notice_synthetic", {}, blocking=True))
    if asset.kind in ("vtol", "helicopter") and track.spacing_m > 0:
        # a 180-degree turn in turn_time_s at search speed has diameter v t / (pi / 2)
        diameter = 2.0 * asset.search_speed_m_s * asset.turn_time_s / math.pi
        if track.spacing_m < diameter and "turn" in set(track.kinds):
            notices.append(Notice("planning.notice_turn_diameter",
                                  {"spacing": f"{track.spacing_m:.0f}",
                                   "diameter": f"{diameter:.0f}"}))
    if len(sorties) > 1:
        notices.append(Notice("planning.notice_sorties",
                              {"sorties": len(sorties), "usable": f"{usable_s / 60:.0f}"}))
    return notices


def build_plan(terrain: Terrain, track: Track, asset: Asset, sweep: SweepWidth, agl_m: float, *,
               home_xy: tuple[float, float] | None = None, name: str = "",
               temperature_c: float | None = None, tolerance_m: float = DEFAULT_TOLERANCE_M,
               clearance_radius_m: float | None = None,
               area_wgs84: tuple[tuple[float, float], ...] | None = None,
               progress: Callable[[float], None] | None = None) -> PlanResult:
    """Terrain-follow ``track`` for ``asset``, split it into sorties, and check it.

    Parameters
    ----------
    terrain:
        DEM on the mission grid; the plan's CRS is ``terrain.grid.crs``.
    track:
        The 2D pattern (metres in that CRS).
    asset:
        The aircraft.
    sweep:
        Sweep width used for the spacing (recorded in the plan).
    agl_m:
        Requested height above ground, metres.
    home_xy:
        Launch and landing point, metres; default the pattern's first point.
    name:
        Plan name.
    temperature_c:
        Outside air temperature for density altitude; None = ISA.
    tolerance_m:
        Altitude tolerance for dropping intermediate points, metres.
    clearance_radius_m:
        Terrain-clearance radius; default half the sweep footprint (the camera swath), or
        :data:`VISUAL_CLEARANCE_RADIUS_M` for crew visual search.
    area_wgs84:
        The segment ring (lon, lat) for the plan record, or None.
    progress:
        Called with the share done (0.5, 0.8, 1.0), or None.

    Raises
    ------
    PlanningError
        The path leaves the terrain, the asset cannot reach the altitude the terrain needs, or a
        part of the pattern lies beyond the asset's reach from the launch point.
    """
    _check_heights(agl_m, tolerance_m)
    if clearance_radius_m is None:
        clearance_radius_m = (sweep.footprint_m / 2.0 if sweep.footprint_m
                              else VISUAL_CLEARANCE_RADIUS_M)
    sampler = _MaxTerrain(terrain)
    speeds = np.where(track.kinds == "search", asset.search_speed_m_s, asset.transit_speed_m_s)
    path, perf = _pattern_band(terrain, track, asset, speeds, agl_m, clearance_radius_m,
                               tolerance_m, sampler, temperature_c)
    if progress:
        progress(0.5)
    path, perf, legs, split = _sorties_derated(
        terrain, track, asset, speeds, agl_m, clearance_radius_m, tolerance_m, sampler,
        temperature_c, home_xy, path, perf)
    if progress:
        progress(0.8)
    sorties, notices, min_clear = _sortie_records(split, legs, perf.usable_s)
    notices += _plan_notices(terrain, track, asset, sorties, min_clear, agl_m, tolerance_m,
                             perf.usable_s)
    crs = terrain.grid.crs
    epsg = crs.to_epsg()
    home_lat, home_lon = from_local(legs.home[0], legs.home[1], crs)
    plan = SortiePlan(
        name=name or f"{track.pattern} {asset.id}", asset_id=asset.id, pattern=track.pattern,
        crs=f"EPSG:{epsg}" if epsg else crs.to_string(),
        home=Waypoint(lat=float(home_lat), lon=float(home_lon), alt_amsl_m=legs.home_ground,
                      agl_m=0.0, speed_m_s=0.0, role="takeoff"),
        sorties=tuple(sorties), area_wgs84=area_wgs84, spacing_m=float(track.spacing_m),
        sweep_width_m=float(sweep.width_m), agl_m=float(agl_m),
        min_clearance_m=float(min(min_clear, path.min_clearance_m)), notices=tuple(notices))
    if progress:
        progress(1.0)
    return PlanResult(plan=plan, track=track, path=path, sorties_xyz=tuple(split.xyz),
                      performance=perf, sweep=sweep)
