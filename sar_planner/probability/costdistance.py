"""Travel-effort distance over a DEM: a compiled Dijkstra on the grid (numba).

Walking speed follows Tobler's hiking function (Tobler 1993, "Three presentations on geographical
analysis and modeling", NCGIA Technical Report 93-1): v(s) = 6 exp(-3.5 |s + 0.05|) km/h, with
s = dz/dx the signed slope *in the direction of travel* (uphill positive), so walking up and down
the same slope differ (fastest at 5 % downhill). Effort is expressed in *flat-ground metres*: the
time an edge takes, times the flat-ground speed v(0) = 5.04 km/h. So on flat open ground effort
equals distance and the distance-ring statistics apply unchanged (the calibration the ring model
needs); an edge steeper than the impassable slope is not walkable at all.

Edges join each cell to its 8 neighbours, or to 16 (adding the knight moves (1, 2)) which cuts the
largest error of grid paths against straight lines from 8.2 % to 2.7 %. An edge's effort is its
length x the mean friction of its two end cells x the slope factor v(0)/v(s); with no slope factor
and 8 neighbours this is exactly scikit-image's ``MCP_Geometric`` cost (tests check the two agree).
Diagonal and knight edges may not cut past an impassable cell (a drawn barrier one cell wide can
not be slipped through diagonally).

Two compiled kernels run the Dijkstra: a bucket queue (exact; used whenever the edge efforts are
bounded) and a 4-ary heap fallback. Both relax a settled node's edges with one inlined function,
:func:`_relax` (a helper per node, not per edge: numba passes arrays to an inlined helper with
reference counting, which per edge made the kernels 35 % to 4 x slower; per node it costs nothing
measurable and the results are bit-identical).

Arrays are (rows, cols) on a :class:`~sar_planner.grid.Grid`; lengths are metres.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

from sar_planner.errors import ProbabilityError

__all__ = ["TOBLER_FLAT_KMH", "tobler_kmh", "travel_effort", "cost_distance", "grid_path_bias"]

#: Tobler's walking speed on flat ground, km/h: 6 exp(-3.5 x 0.05).
TOBLER_FLAT_KMH = 6.0 * math.exp(-3.5 * 0.05)


def tobler_kmh(slope: np.ndarray | float) -> np.ndarray:
    """Tobler's walking speed (km/h) on signed slope dz/dx (uphill positive, dimensionless)."""
    return 6.0 * np.exp(-3.5 * np.abs(np.asarray(slope, dtype=float) + 0.05))


@functools.cache
def grid_path_bias(connectivity: int) -> float:
    """Mean ratio, over all directions, of the grid-path length on flat ground to the straight line.

    A path built of 8 (or 16) neighbour moves in direction theta (0 <= theta <= 45 deg, the rest
    by symmetry) has length cos + (sqrt2 - 1) sin (8 neighbours), or cos + (sqrt5 - 2) sin up to
    atan(1/2) and sqrt5 (cos - sin) + sqrt2 (2 sin - cos) beyond (16 neighbours), per metre of
    straight line. Their means, 1.0548 and 1.0144, are what the terrain model divides effort by so
    that flat open ground reproduces the ring model on average over directions.
    """
    th = (np.arange(200_000) + 0.5) / 200_000 * (math.pi / 4)
    c, s = np.cos(th), np.sin(th)
    if connectivity == 8:
        ratio = c + (math.sqrt(2) - 1) * s
    elif connectivity == 16:
        ratio = np.where(th <= math.atan(0.5), c + (math.sqrt(5) - 2) * s,
                         math.sqrt(5) * (c - s) + math.sqrt(2) * (2 * s - c))
    else:
        raise ProbabilityError("probability.err_connectivity", value=connectivity)
    return float(ratio.mean())


def _offsets(connectivity: int) -> np.ndarray:
    base = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
    if connectivity == 16:
        base += [(-1, -2), (-1, 2), (1, -2), (1, 2), (-2, -1), (-2, 1), (2, -1), (2, 1)]
    elif connectivity != 8:
        raise ProbabilityError("probability.err_connectivity", value=connectivity)
    return np.array(base, dtype=np.int64)


def _edge_tables(connectivity: int, cols_padded: int, h: float, no_corner_cut: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat-index deltas of the neighbours, of the two cells each edge passes beside, and lengths."""
    off = _offsets(connectivity)
    delta = off[:, 0] * cols_padded + off[:, 1]
    m1 = np.zeros(len(off), dtype=np.int64)
    m2 = np.zeros(len(off), dtype=np.int64)
    if no_corner_cut:
        for k, (dr, dc) in enumerate(off):
            if dr != 0 and dc != 0:
                if abs(dr) == 1 and abs(dc) == 1:
                    m1[k], m2[k] = dc, dr * cols_padded
                elif abs(dr) == 2:
                    m1[k], m2[k] = (dr // 2) * cols_padded, (dr // 2) * cols_padded + dc
                else:
                    m1[k], m2[k] = dc // 2, dr * cols_padded + dc // 2
    lengths = h * np.hypot(off[:, 0], off[:, 1]).astype(np.float64)
    return delta.astype(np.int64), m1, m2, lengths


_PAD = 2
#: Nodes of the slope-factor table (linear interpolation error below 2e-6 relative up to 45 deg).
_TABLE_SIZE = 16385


def _slope_factor(grad: np.ndarray) -> np.ndarray:
    """Effort per flat-ground metre on signed slope ``grad``: v(0) / v(grad) of Tobler's function."""
    return np.exp(3.5 * (np.abs(grad + 0.05) - 0.05))


@numba.njit(inline="always", cache=True, nogil=True)
def _relax(u, du, dist, elev, fric, fconst, delta, m1, m2, lengths, inv_len, max_grad, use_slope,
           check_corners, table, tab_g, tab_scale, tab_last, fac_min, out_v, out_d):  # pragma: no cover - compiled
    """The edges out of settled node u that lower a neighbour's effort: fills out_v / out_d
    (neighbour, new effort) and returns how many. Shared by both Dijkstra kernels.

    Impassable cells (the padding ring, barriers) hold -inf in ``dist`` (see :func:`_init_dist`),
    so the settled test skips them. ``fconst`` > 0: every passable cell has that friction, and
    ``fric`` is not read for the edge cost.
    """
    inf = np.inf
    count = 0
    zu = elev[u]
    fu = fconst if fconst > 0.0 else fric[u]
    for k in range(delta.shape[0]):
        v = u + delta[k]
        dv = dist[v]
        if dv <= du:          # settled already (or as close), or impassable (-inf)
            continue
        fv = fconst if fconst > 0.0 else fric[v]
        if check_corners and (fric[u + m1[k]] == inf or fric[u + m2[k]] == inf):
            continue
        w = lengths[k] * 0.5 * (fu + fv)
        if use_slope:
            if du + w * fac_min >= dv:  # cannot improve even on the easiest slope
                continue
            grad = (elev[v] - zu) * inv_len[k]
            if grad > max_grad or grad < -max_grad:
                continue
            t = (grad + tab_g) * tab_scale
            if t >= 0.0 and t < tab_last:
                j = int(t)
                fr_ = t - j
                w *= table[j] + fr_ * (table[j + 1] - table[j])
            else:
                w *= math.exp(3.5 * (abs(grad + 0.05) - 0.05))
        nd = du + w
        if nd < dv:
            out_v[count] = v
            out_d[count] = nd
            count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _init_dist(fric):  # pragma: no cover - compiled
    """Effort array to start from: inf on passable cells, -inf on impassable ones (inf friction)."""
    dist = np.empty(fric.shape[0])
    for i in range(fric.shape[0]):
        dist[i] = np.inf if fric[i] < np.inf else -np.inf
    return dist


@numba.njit(cache=True, nogil=True)
def _final_dist(dist):  # pragma: no cover - compiled
    """Impassable cells back to inf (unreachable) after the search."""
    for i in range(dist.shape[0]):
        if dist[i] == -np.inf:
            dist[i] = np.inf
    return dist


@numba.njit(cache=True, nogil=True)
def _stop_after(d_next, limit, band):  # pragma: no cover - compiled
    """Effort up to which a search limited to ``limit`` settles every node.

    ``d_next`` is the least effort beyond ``limit``. With ``band`` > 0 the search goes on to the
    end of the band (width ``band``, bands centred on its multiples) that holds ``d_next``, and
    two bands further (a margin: a caller that divides efforts before banding them may put a
    node on a band's edge into the next band); with ``band`` = 0 it stops at ``limit``.
    """
    if band <= 0.0:
        return limit
    k = math.floor(d_next / band + 0.5)
    return max(limit, (k + 2.5) * band)


@numba.njit(cache=True, nogil=True)
def _friction_range(fric):  # pragma: no cover - compiled
    """(smallest, largest) finite friction and the number of impassable cells, one pass."""
    lo = np.inf
    hi = -np.inf
    n_inf = 0
    for i in range(fric.shape[0]):
        f = fric[i]
        if f < np.inf:
            if f < lo:
                lo = f
            if f > hi:
                hi = f
        else:
            n_inf += 1
    return lo, hi, n_inf


@numba.njit(cache=True, nogil=True)
def _dijkstra_flat(elev, fric, fconst, s, delta, m1, m2, lengths, max_grad, use_slope, table,
                   tab_g, limit, band):  # pragma: no cover - compiled
    """Dijkstra over a padded, flattened grid whose border cells have infinite friction.

    Stops early as :func:`_stop_after` describes when ``limit`` is finite.
    """
    n = fric.shape[0]
    dist = _init_dist(fric)
    heap = np.empty(n, dtype=np.int64)      # node at heap slot
    hkey = np.empty(n)                      # its key, kept beside it (no indirection on compare)
    pos = np.full(n, -1, dtype=np.int64)    # heap slot of a node, -1 when not queued
    out_v = np.empty(delta.shape[0], dtype=np.int64)  # what _relax found for the node
    out_d = np.empty(delta.shape[0])
    tab_last = table.shape[0] - 1.0
    tab_scale = tab_last / (2.0 * tab_g)
    inv_len = 1.0 / lengths
    fac_min = math.exp(-3.5 * 0.05) * (1.0 - 1e-12)
    dist[s] = 0.0
    heap[0] = s
    hkey[0] = 0.0
    pos[s] = 0
    size = 1
    stop = limit
    phase = 0 if limit < np.inf else 2
    while size > 0:
        u = heap[0]
        du = hkey[0]
        if phase < 2 and du > stop:  # every node with effort <= stop is settled
            if phase == 0:  # du: the least effort beyond the limit
                stop = _stop_after(du, limit, band)
                phase = 1
            if du > stop:
                for i in range(n):  # the queued nodes' efforts are not final: unknown
                    if pos[i] >= 0:
                        dist[i] = np.inf
                break
        pos[u] = -1
        size -= 1
        if size > 0:
            last = heap[size]
            lk = hkey[size]
            i = 0
            while True:  # 4-ary heap: half the depth of a binary one, children side by side
                c0 = 4 * i + 1
                if c0 >= size:
                    break
                c = c0
                ck = hkey[c0]
                cend = min(c0 + 4, size)
                for cc in range(c0 + 1, cend):
                    if hkey[cc] < ck:
                        ck = hkey[cc]
                        c = cc
                if ck < lk:
                    heap[i] = heap[c]
                    hkey[i] = hkey[c]
                    pos[heap[i]] = i
                    i = c
                else:
                    break
            heap[i] = last
            hkey[i] = lk
            pos[last] = i
        cnt = _relax(u, du, dist, elev, fric, fconst, delta, m1, m2, lengths, inv_len, max_grad,
                     use_slope, True, table, tab_g, tab_scale, tab_last, fac_min, out_v, out_d)
        for q in range(cnt):
            v = out_v[q]
            nd = out_d[q]
            dist[v] = nd
            i = pos[v]
            if i < 0:
                i = size
                size += 1
            while i > 0:
                p = (i - 1) >> 2
                if hkey[p] > nd:
                    heap[i] = heap[p]
                    hkey[i] = hkey[p]
                    pos[heap[i]] = i
                    i = p
                else:
                    break
            heap[i] = v
            hkey[i] = nd
            pos[v] = i
    return _final_dist(dist)


@numba.njit(cache=True, nogil=True)
def _buckets_flat(elev, fric, fconst, s, delta, m1, m2, lengths, max_grad, use_slope, table, tab_g,
                  width, ring, has_inf, limit, band):  # pragma: no cover - compiled
    """Dijkstra with a bucket queue of bucket width = the smallest possible edge effort (Dinitz).

    A node in the current bucket can not lower another node of the same bucket (any edge adds at
    least one bucket width), so each bucket's nodes are settled in any order: the exact Dijkstra
    result without a heap's log n. Buckets are doubly linked lists in a ring of ``ring`` buckets,
    more than the largest edge effort / width apart. Stops early as :func:`_stop_after`
    describes when ``limit`` is finite: on entering bucket b every node of effort below
    b x width is settled, so the search stops at the first bucket starting beyond the stop.
    """
    n = fric.shape[0]
    dist = _init_dist(fric)
    nxt = np.full(n, -1, dtype=np.int32)   # int32: half the memory traffic of int64
    prv = np.full(n, -1, dtype=np.int32)
    where = np.full(n, -1, dtype=np.int32)   # bucket number (absolute) of a queued node
    head = np.full(ring, -1, dtype=np.int32)
    out_v = np.empty(delta.shape[0], dtype=np.int64)
    out_d = np.empty(delta.shape[0])
    tab_last = table.shape[0] - 1.0
    tab_scale = tab_last / (2.0 * tab_g)
    inv_len = 1.0 / lengths
    fac_min = math.exp(-3.5 * 0.05) * (1.0 - 1e-12)
    dist[s] = 0.0
    head[0] = s
    where[s] = 0
    queued = 1
    b = 0
    stop = limit
    phase = 0 if limit < np.inf else 2
    while queued > 0:
        slot = b % ring
        u = head[slot]
        if u < 0:
            b += 1
            if phase < 2 and b * width > stop:
                if phase == 0:
                    # the least effort beyond the limit: the least key of the first non-empty
                    # bucket (the smallest queued key is final, Dijkstra's invariant)
                    bb = b
                    while head[bb % ring] < 0:
                        bb += 1
                    dmin = np.inf
                    v = head[bb % ring]
                    while v >= 0:
                        if dist[v] < dmin:
                            dmin = dist[v]
                        v = nxt[v]
                    stop = _stop_after(dmin, limit, band)
                    phase = 1
                if b * width > stop:
                    for i in range(n):  # the queued nodes' efforts are not final: unknown
                        if where[i] >= 0:
                            dist[i] = np.inf
                    break
            continue
        # pop u from the current bucket
        head[slot] = nxt[u]
        if nxt[u] >= 0:
            prv[nxt[u]] = -1
        nxt[u] = -1
        where[u] = -1
        queued -= 1
        du = dist[u]
        cnt = _relax(u, du, dist, elev, fric, fconst, delta, m1, m2, lengths, inv_len, max_grad,
                     use_slope, has_inf, table, tab_g, tab_scale, tab_last, fac_min, out_v, out_d)
        for q in range(cnt):
            v = out_v[q]
            nd = out_d[q]
            dist[v] = nd
            nb = int(nd / width)
            if nb < b:
                nb = b
            ob = where[v]
            if ob == nb:
                continue
            if ob >= 0:  # unlink from its old bucket
                if prv[v] >= 0:
                    nxt[prv[v]] = nxt[v]
                else:
                    head[ob % ring] = nxt[v]
                if nxt[v] >= 0:
                    prv[nxt[v]] = prv[v]
            else:
                queued += 1
            ns = nb % ring
            h0 = head[ns]
            nxt[v] = h0
            prv[v] = -1
            if h0 >= 0:
                prv[h0] = v
            head[ns] = v
            where[v] = nb
    return _final_dist(dist)


#: Largest bucket ring the bucket queue may use; beyond it the binary-heap Dijkstra runs instead.
_MAX_RING = 2_000_000


def _steepest(z: np.ndarray) -> float:
    """Largest |dz| between orthogonal neighbours of a DEM (metres per cell step)."""
    return max(float(np.abs(np.diff(z, axis=0)).max(initial=0.0)),
               float(np.abs(np.diff(z, axis=1)).max(initial=0.0)))


def _run(elev: np.ndarray | None, friction: np.ndarray, start: tuple[int, int], h: float,
         connectivity: int, max_grad: float, use_slope: bool, no_corner_cut: bool,
         limit: float = math.inf, band: float = 0.0) -> np.ndarray:
    rows, cols = friction.shape
    fr = np.pad(np.asarray(friction, dtype=np.float64), _PAD, constant_values=np.inf)
    if elev is None:
        ez = np.zeros(fr.size)
    else:
        # the padding's heights are never read: a route stops at its infinite friction first
        ez = np.pad(np.asarray(elev, dtype=np.float64), _PAD).ravel()
    cp = cols + 2 * _PAD
    delta, m1, m2, lengths = _edge_tables(connectivity, cp, h, no_corner_cut)
    s = (int(start[0]) + _PAD) * cp + int(start[1]) + _PAD
    g = float(min(max_grad, 10.0))
    table = _slope_factor(np.linspace(-g, g, _TABLE_SIZE))
    frf = fr.ravel()
    fmin, fmax, n_inf = _friction_range(np.ascontiguousarray(friction, dtype=np.float64).ravel())
    if n_inf == friction.size or not math.isfinite(frf[s]):
        return np.full((rows, cols), np.inf)
    # one friction everywhere passable (open ground, no tracks): the kernels need not read it
    fconst = fmin if fmin == fmax and fmin > 0 else 0.0
    if use_slope:
        # steepest walkable edge: the limit, or with no limit the DEM's steepest step
        # (diagonal and knight edges are at most 1.42 x an orthogonal step's gradient)
        gmax = max_grad if math.isfinite(max_grad) else 1.5 * _steepest(np.asarray(elev)) / h
        wmin = h * fmin * float(_slope_factor(np.array(-0.05)))
        wmax = float(lengths.max()) * fmax * float(max(_slope_factor(np.array([-gmax, gmax]))))
    else:
        wmin, wmax = h * fmin, float(lengths.max()) * fmax
    ring = int(math.ceil(wmax / wmin)) + 2 if wmin > 0 and math.isfinite(wmax) else _MAX_RING + 1
    if ring <= _MAX_RING and frf.size < 2**31 - 1:  # the bucket lists index with int32
        # without an impassable cell inside the grid the corner-cutting tests can be skipped
        dist = _buckets_flat(ez, frf, fconst, s, delta, m1, m2, lengths, max_grad, use_slope,
                             table, g, wmin * (1.0 - 1e-9), ring, n_inf > 0, limit, band)
    else:
        dist = _dijkstra_flat(ez, frf, fconst, s, delta, m1, m2, lengths, max_grad, use_slope,
                              table, g, limit, band)
    return dist.reshape(rows + 2 * _PAD, cp)[_PAD:-_PAD, _PAD:-_PAD].copy()


def cost_distance(friction: np.ndarray, start: tuple[int, int], cell_size: float = 1.0,
                  connectivity: int = 8, no_corner_cut: bool = False) -> np.ndarray:
    """Isotropic accumulated cost from ``start`` (row, col): edge length x mean end-cell friction.

    With ``connectivity=8`` and ``no_corner_cut=False`` this equals
    ``skimage.graph.MCP_Geometric(friction).find_costs([start])[0] * cell_size``. ``inf`` friction
    marks impassable cells; unreachable cells get ``inf``.
    """
    return _run(None, friction, start, float(cell_size), connectivity, np.inf, False,
                no_corner_cut)


def travel_effort(elevation: np.ndarray, cell_size: float, start: tuple[int, int], *,
                  friction: np.ndarray | None = None, max_slope_deg: float = 40.0,
                  connectivity: int = 16, limit_m: float = math.inf,
                  band_m: float = 0.0) -> np.ndarray:
    """Walking effort (flat-ground metres) from cell ``start`` to every cell over the DEM.

    Parameters
    ----------
    elevation:
        Heights (metres above sea level), (rows, cols), no NaN (checked).
    cell_size:
        Cell width in metres.
    start:
        (row, col) of the IPP cell.
    friction:
        Optional per-cell multiplier of walking effort (1 = open ground, < 1 easier, e.g. a
        track; ``inf`` = impassable barrier). Defaults to 1 everywhere.
    max_slope_deg:
        Edges steeper than this (degrees, either direction) cannot be walked.
    connectivity:
        8 or 16 neighbours (see module docstring).
    limit_m:
        Effort (flat-ground metres, > 0) at which the search may stop: every cell whose
        effort is at most ``limit_m`` is exact. With ``band_m`` > 0 the search goes on past the
        limit to the end of the effort band (``band_m`` wide, bands centred on multiples of
        ``band_m``) that holds the least effort beyond the limit, and two bands further: every
        cell up to there is exact too (the terrain model needs the cells of that band whole).
        Farther cells are exact or ``inf`` (not searched). Default: no limit.
    band_m:
        Band width (metres, >= 0) for ``limit_m``; 0 stops at the limit itself.

    Returns
    -------
    numpy.ndarray
        float64 effort in metres; ``inf`` where no walkable route exists (or, with a limit,
        where the search stopped before reaching the cell).
    """
    elev = np.ascontiguousarray(elevation, dtype=np.float64)
    if not np.all(np.isfinite(elev)):
        raise ProbabilityError("probability.err_dem_nan", count=int((~np.isfinite(elev)).sum()))
    if friction is None:
        fr = np.ones_like(elev)
    else:
        fr = np.ascontiguousarray(friction, dtype=np.float64)
        if fr.shape != elev.shape or not np.all(fr > 0):  # NaN fails the test too
            raise ProbabilityError("probability.err_friction")
    if not 0.0 < max_slope_deg <= 90.0:
        raise ProbabilityError("probability.err_max_slope", value=max_slope_deg)
    if not math.isfinite(fr[start]):
        raise ProbabilityError("probability.err_ipp_impassable")
    if not (limit_m > 0 and math.isfinite(band_m) and band_m >= 0):  # NaN fails too
        raise ProbabilityError("review.err_effort_limit", limit=limit_m, band=band_m)
    max_grad = math.tan(math.radians(max_slope_deg)) if max_slope_deg < 90 else np.inf
    return _run(elev, fr, start, float(cell_size), connectivity, max_grad, True, True,
                float(limit_m), float(band_m))
