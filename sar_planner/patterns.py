"""Search patterns as 2D tracks in the mission's metric CRS (IAMSAR Vol. II; search-theory.md).

Every function returns a :class:`Track`: vertices in metres of the mission CRS (the one the segment
polygon is in) and, for each leg between consecutive vertices, what it is for: ``"search"`` (counts
toward coverage), ``"turn"`` (a turnaround between search legs, with any turn extension) or
``"transit"`` (repositioning, not searching). Headings are degrees clockwise from grid north.

* :func:`parallel_track` - legs S apart, first leg S/2 inside the edge; by default the heading
  with the fewest legs (the long axis; brute force over 0-179 degrees, ties broken by length);
  concave areas give several pieces per line, joined by transits across the gaps.
* :func:`creeping_line` - the same across the long axis, advancing from the end nearest a point.
* :func:`expanding_square` - from a datum, legs S, S, 2S, 2S, 3S, ... turning 90 degrees the same
  way each time.
* :func:`sector` - three triangles through the datum, legs of the radius, 120-degree turns.
* :func:`contour_search` - legs along DEM contours every ``interval_m`` of height.
* :func:`track_line` - along an imported line (road, drainage) at lateral offsets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from sar_planner.errors import PlanningError
from sar_planner.limits import MAX_AREA_VERTICES

__all__ = [
    "PATTERNS",
    "DATUM_PATTERNS",
    "AREA_PATTERNS",
    "Track",
    "check_area",
    "fewest_turns_heading",
    "min_width",
    "parallel_track",
    "creeping_line",
    "expanding_square",
    "sector",
    "contour_search",
    "track_line",
]

# the names live in a module without numpy/shapely so the command line starts fast
from sar_planner.pattern_names import AREA_PATTERNS, DATUM_PATTERNS, PATTERNS  # noqa: E402

_MAX_LEGS = 5000
#: Most contour levels one contour search may fly (relief / interval).
MAX_CONTOUR_LEVELS = 500


@dataclass(frozen=True, eq=False)
class Track:
    """A 2D pattern track.

    Attributes
    ----------
    pattern:
        One of :data:`PATTERNS`.
    xy:
        float64 (N, 2) vertices, metres in the mission CRS, in flying order.
    kinds:
        (N - 1,) strings: ``"search"``, ``"turn"`` or ``"transit"`` for leg k = xy[k] -> xy[k+1].
    spacing_m:
        Track spacing (distance between adjacent search legs), metres.
    heading_deg:
        Heading of the first search leg, degrees clockwise from grid north (None for contours).
    """

    pattern: str
    xy: np.ndarray
    kinds: np.ndarray
    spacing_m: float
    heading_deg: float | None

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy, dtype=np.float64).reshape(-1, 2)
        kinds = np.asarray(self.kinds, dtype="<U8")
        if len(xy) < 2 or len(kinds) != len(xy) - 1 or not np.all(np.isfinite(xy)):
            raise PlanningError("planning.err_empty_track", pattern=self.pattern)
        xy.setflags(write=False)
        kinds.setflags(write=False)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "kinds", kinds)

    @property
    def leg_lengths(self) -> np.ndarray:
        """(N - 1,) length of each leg, metres."""
        return np.hypot(*np.diff(self.xy, axis=0).T)

    @property
    def length_m(self) -> float:
        """Total length, metres."""
        return float(self.leg_lengths.sum())

    @property
    def search_length_m(self) -> float:
        """Length of the searching legs, metres."""
        return float(self.leg_lengths[self.kinds == "search"].sum())

    def search_legs(self) -> list[np.ndarray]:
        """Each searching leg as a (2, 2) array [[x0, y0], [x1, y1]], in flying order."""
        return [self.xy[k:k + 2] for k in np.flatnonzero(self.kinds == "search")]

    def search_runs(self) -> list[np.ndarray]:
        """Consecutive searching legs joined into polylines ((M, 2) arrays)."""
        runs: list[np.ndarray] = []
        start = None
        for k, kind in enumerate([*self.kinds, "end"]):
            if kind == "search" and start is None:
                start = k
            elif kind != "search" and start is not None:
                runs.append(self.xy[start:k + 1])
                start = None
        return runs


def check_area(area: BaseGeometry) -> Polygon | MultiPolygon:
    """The segment polygon after checks: a polygon, valid (not self-intersecting), with area.

    Raises
    ------
    PlanningError
        ``planning.err_area_type``, ``planning.err_area_zero`` or ``planning.err_area_invalid``
        (which names shapely's reason and place).
    """
    if not isinstance(area, Polygon | MultiPolygon) or area.is_empty:
        raise PlanningError("planning.err_area_type",
                            kind=getattr(area, "geom_type", type(area).__name__))
    vertices = shapely.get_num_coordinates(area)
    if vertices > MAX_AREA_VERTICES:  # before any costly check (validity is O(n log n) and more)
        raise PlanningError("planning.err_area_vertices", vertices=vertices, limit=MAX_AREA_VERTICES)
    # the hull, not the signed area: a bow-tie's halves cancel but it is not "zero area"
    if not math.isfinite(area.area) or area.convex_hull.area <= 1.0:
        raise PlanningError("planning.err_area_zero", area=f"{area.area:.1f}")
    if not area.is_valid:
        raise PlanningError("planning.err_area_invalid", reason=explain_validity(area))
    if area.area <= 1.0:
        raise PlanningError("planning.err_area_zero", area=f"{area.area:.1f}")
    return area


def _metres(value: float) -> str:
    """A distance for a message: whole metres, or three significant digits below 10 m."""
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.3g}"


def _check_spacing(spacing_m: float) -> float:
    if not (math.isfinite(spacing_m) and spacing_m > 0):
        raise PlanningError("planning.err_spacing", value=f"{spacing_m}")
    return float(spacing_m)


def _unit(heading_deg: float) -> np.ndarray:
    h = math.radians(heading_deg)
    return np.array([math.sin(h), math.cos(h)])


def _frame(heading_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(along, across) unit vectors: along the legs, and 90 degrees to their right."""
    return _unit(heading_deg), _unit(heading_deg + 90.0)


def _rows(area: BaseGeometry, heading_deg: float, spacing: float
          ) -> tuple[list[list[tuple[float, float]]], np.ndarray, np.ndarray, float]:
    """Pieces of each sweep line inside ``area`` as (u0, u1) along-coordinates, per row.

    Returns (rows, along, across, width) where row k lies at across-coordinate v_k.
    """
    along, across = _frame(heading_deg)
    pts = np.asarray(area.exterior.coords if isinstance(area, Polygon)
                     else np.vstack([np.asarray(p.exterior.coords) for p in area.geoms]))
    u = pts @ along
    v = pts @ across
    vmin, vmax = float(v.min()), float(v.max())
    width = vmax - vmin
    if spacing > width + 1e-9:
        raise PlanningError("planning.err_spacing_too_large", spacing=_metres(spacing),
                            width=f"{width:.0f}")
    n = max(1, math.ceil(width / spacing - 1e-9))
    if n > _MAX_LEGS:
        raise PlanningError("planning.err_too_many_legs", legs=n, limit=_MAX_LEGS)
    vs = np.minimum(vmin + spacing / 2.0 + spacing * np.arange(n), vmax - spacing / 2.0)
    vs = np.maximum(vs, vmin + spacing / 2.0 if n > 1 else (vmin + vmax) / 2.0)
    umin, umax = float(u.min()) - 1.0, float(u.max()) + 1.0
    starts = vs[:, None] * across + umin * along
    ends = vs[:, None] * across + umax * along
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    pieces = shapely.intersection(lines, area)
    # the non-empty LineString parts of at least 1e-6 m, found for all rows at once (one shapely
    # object per part in Python was most of the heading search's time, issue 12); each part's
    # end points projected as before, one dot product each, so the pieces are the same floats
    parts, row_of = shapely.get_parts(pieces, return_index=True)
    keep = ((shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
            & (shapely.length(parts) >= 1e-6))
    parts, row_of = parts[keep], row_of[keep]
    first = shapely.get_coordinates(shapely.get_point(parts, 0))
    last = shapely.get_coordinates(shapely.get_point(parts, -1))
    rows: list[list[tuple[float, float]]] = [[] for _ in range(len(pieces))]
    for k, c0, c1 in zip(row_of.tolist(), first, last, strict=True):
        a, b = float(c0 @ along), float(c1 @ along)
        rows[k].append((min(a, b), max(a, b)))
    for segs in rows:
        segs.sort()
    return rows, along, across, vs


def fewest_turns_heading(area: BaseGeometry, spacing_m: float, step_deg: float = 1.0) -> float:
    """Leg heading (0-179 degrees) giving the fewest search legs over ``area``; ties: shortest.

    For a convex polygon this is parallel to its long axis (the edge of minimum width; rotating
    calipers); concave areas are handled by counting the pieces each sweep line makes.
    """
    area = check_area(area)
    spacing = _check_spacing(spacing_m)
    fewest = math.ceil(min_width(area) / spacing - 1e-9)  # legs at the best heading, at least
    if fewest > _MAX_LEGS:  # refused at once, before trying headings (a 0.01 m spacing)
        raise PlanningError("planning.err_too_many_legs", legs=fewest, limit=_MAX_LEGS)
    best: tuple[int, float, float] | None = None

    def score(h: float) -> tuple[int, float, float] | None:
        try:
            rows, _, _, _ = _rows(area, h, spacing)
        except PlanningError:
            return None
        legs = sum(len(r) for r in rows)
        length = sum(b - a for r in rows for a, b in r)
        return (legs, round(length, 3), h)

    # candidates: every edge direction (optimal for convex polygons) and a coarse sweep, then a
    # fine sweep around the best few
    candidates = set(np.round(np.arange(0.0, 180.0, max(step_deg, 5.0)), 6))
    rings = [area.exterior] if isinstance(area, Polygon) else [p.exterior for p in area.geoms]
    for ring in rings:
        c = np.asarray(ring.coords)
        d = np.diff(c, axis=0)
        if len(d) <= 64:
            candidates.update(np.round(np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 180.0, 6))
    scored = [s for s in (score(float(h)) for h in sorted(candidates)) if s is not None]
    scored.sort()
    fine = set()
    for _, _, h in scored[:3]:
        fine.update(np.round((h + np.arange(-4.0, 4.01, step_deg)) % 180.0, 6))
    scored += [s for s in (score(float(h)) for h in sorted(fine - candidates)) if s is not None]
    if scored:
        best = min(scored)
    if best is None:
        raise PlanningError("planning.err_spacing_too_large", spacing=_metres(spacing),
                            width=f"{min_width(area):.0f}")
    return best[2]


def min_width(area: BaseGeometry) -> float:
    """Smallest width of ``area`` across any direction (minimum rotated rectangle), metres."""
    rect = area.minimum_rotated_rectangle
    c = np.asarray(rect.exterior.coords)
    sides = np.hypot(*np.diff(c, axis=0).T)
    return float(sides.min()) if len(sides) else 0.0


def _boustrophedon(rows: list[list[tuple[float, float]]], along: np.ndarray, across: np.ndarray,
                   vs: np.ndarray, extension_m: float, reverse_rows: bool, flip_first: bool
                   ) -> tuple[np.ndarray, list[str]]:
    order = list(range(len(rows)))[::-1] if reverse_rows else list(range(len(rows)))
    pts: list[np.ndarray] = []
    kinds: list[str] = []
    forward = not flip_first
    for k in order:
        segs = rows[k] if forward else [(b, a) for a, b in rows[k][::-1]]
        if not segs:
            continue
        sign = 1.0 if forward else -1.0
        v = vs[k]
        for i, (a, b) in enumerate(segs):
            start = v * across + a * along
            end = v * across + b * along
            if i == 0 and extension_m > 0:
                if pts:
                    kinds.append("turn")
                pts.append(start - sign * extension_m * along)
                kinds.append("turn")
            elif pts:
                kinds.append("turn" if i == 0 else "transit")
            pts.append(start)
            kinds.append("search")
            pts.append(end)
            if i == len(segs) - 1 and extension_m > 0:
                kinds.append("turn")
                pts.append(end + sign * extension_m * along)
        forward = not forward
    xy = np.asarray(pts)
    return xy, kinds


def _area_pattern(name: str, area: BaseGeometry, spacing_m: float, heading_deg: float,
                  extension_m: float, start_xy: tuple[float, float] | None) -> Track:
    spacing = _check_spacing(spacing_m)
    if not (math.isfinite(extension_m) and extension_m >= 0):
        raise PlanningError("planning.err_extension", value=f"{extension_m}")
    rows, along, across, vs = _rows(area, heading_deg, spacing)
    if not any(rows):
        raise PlanningError("planning.err_empty_track", pattern=name)
    variants = [(r, f) for r in (False, True) for f in (False, True)]
    best = None
    for reverse_rows, flip in variants:
        xy, kinds = _boustrophedon(rows, along, across, vs, extension_m, reverse_rows, flip)
        d = 0.0 if start_xy is None else math.hypot(xy[0, 0] - start_xy[0], xy[0, 1] - start_xy[1])
        if best is None or d < best[0] - 1e-6:
            best = (d, xy, kinds)
    _, xy, kinds = best
    first = np.flatnonzero(np.asarray(kinds) == "search")[0]
    dx, dy = xy[first + 1] - xy[first]
    heading = math.degrees(math.atan2(dx, dy)) % 360.0
    return Track(name, xy, np.asarray(kinds), spacing, heading)


def parallel_track(area: BaseGeometry, spacing_m: float, heading_deg: float | None = None,
                   extension_m: float = 0.0,
                   start_xy: tuple[float, float] | None = None) -> Track:
    """Parallel track search (PS) over ``area``.

    Parameters
    ----------
    area:
        Segment polygon, metres in the mission CRS (concave allowed).
    spacing_m:
        Track spacing S, metres; legs lie S/2 inside the edges, S apart.
    heading_deg:
        Leg heading, degrees from grid north; None = :func:`fewest_turns_heading`.
    extension_m:
        Turnaround extension beyond each end of a row, metres (flown as ``"turn"``).
    start_xy:
        Start at the corner nearest this point (e.g. the launch point), metres.

    Raises
    ------
    PlanningError
        Bad polygon (:func:`check_area`), a spacing <= 0 or larger than the area is wide.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> t = parallel_track(box(0, 0, 1000, 400), 100)
    >>> len(t.search_legs()), t.heading_deg in (90.0, 270.0)
    (4, True)
    """
    area = check_area(area)
    if heading_deg is None:
        heading_deg = fewest_turns_heading(area, spacing_m)
    elif not math.isfinite(heading_deg):
        raise PlanningError("planning.err_heading", value=f"{heading_deg}")
    return _area_pattern("parallel", area, spacing_m, float(heading_deg) % 180.0, extension_m,
                         start_xy)


def creeping_line(area: BaseGeometry, spacing_m: float, extension_m: float = 0.0,
                  start_xy: tuple[float, float] | None = None) -> Track:
    """Creeping line search (CS): legs across the long axis, advancing along it.

    The advance starts at the end of the area nearest ``start_xy`` (the likely end, or the launch
    point). Parameters as :func:`parallel_track`.
    """
    area = check_area(area)
    heading = (fewest_turns_heading(area, spacing_m) + 90.0) % 180.0
    return _area_pattern("creeping-line", area, spacing_m, heading, extension_m, start_xy)


def _check_datum(datum_xy: tuple[float, float] | None, pattern: str) -> np.ndarray:
    if datum_xy is None:
        raise PlanningError("planning.err_no_datum", pattern=pattern)
    d = np.asarray(datum_xy, dtype=np.float64)
    if d.shape != (2,) or not np.all(np.isfinite(d)):
        raise PlanningError("planning.err_no_datum", pattern=pattern)
    return d


def _turn_sign(turn: str) -> float:
    if turn not in ("right", "left"):
        raise PlanningError("planning.err_turn", value=str(turn))
    return 1.0 if turn == "right" else -1.0


def expanding_square(datum_xy: tuple[float, float] | None, spacing_m: float, radius_m: float,
                     first_heading_deg: float = 0.0, turn: str = "right") -> Track:
    """Expanding square search (SS) from the datum.

    Leg lengths S, S, 2S, 2S, 3S, 3S, ... each turning 90 degrees the same way, until the square
    reaches ``radius_m`` from the datum each way (2k legs with k = ceil(2 radius / S)).

    Parameters
    ----------
    datum_xy:
        Datum, metres in the mission CRS (required).
    spacing_m:
        Track spacing S, metres.
    radius_m:
        Half-side of the square to cover, metres (>= S/2).
    first_heading_deg:
        Heading of the first leg; a repeat search is usually rotated 45 degrees.
    turn:
        ``"right"`` or ``"left"``.

    >>> t = expanding_square((0.0, 0.0), 100.0, 150.0)
    >>> [round(v) for v in t.leg_lengths]
    [100, 100, 200, 200, 300, 300]
    """
    datum = _check_datum(datum_xy, "expanding-square")
    spacing = _check_spacing(spacing_m)
    if not (math.isfinite(radius_m) and radius_m >= spacing / 2.0):
        raise PlanningError("planning.err_radius", value=f"{radius_m}",
                            minimum=f"{spacing / 2:.0f}")
    k = max(1, math.ceil(2.0 * radius_m / spacing - 1e-9))
    if 2 * k > _MAX_LEGS:
        raise PlanningError("planning.err_too_many_legs", legs=2 * k, limit=_MAX_LEGS)
    sign = _turn_sign(turn)
    pts = [datum]
    for i in range(2 * k):
        length = spacing * (i // 2 + 1)
        pts.append(pts[-1] + length * _unit(first_heading_deg + sign * 90.0 * i))
    return Track("expanding-square", np.asarray(pts), np.full(2 * k, "search"), spacing,
                 float(first_heading_deg) % 360.0)


def sector(datum_xy: tuple[float, float] | None, radius_m: float, first_heading_deg: float = 0.0,
           turn: str = "right") -> Track:
    """Sector search (VS): three equilateral triangles through the datum, 120-degree turns.

    Nine legs of length ``radius_m``: out from the datum, across (the cross leg equals the radius),
    back through the datum and on to the next radial; radials every 60 degrees; it ends at the
    datum. The track spacing reported is the radius (the widest gap, at the ends of the radials).

    >>> t = sector((0.0, 0.0), 500.0)
    >>> len(t.kinds), [round(v) for v in t.leg_lengths][:3], [float(v) for v in t.xy[-1]]
    (9, [500, 500, 500], [0.0, 0.0])
    """
    datum = _check_datum(datum_xy, "sector")
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise PlanningError("planning.err_radius", value=f"{radius_m}", minimum="0")
    sign = _turn_sign(turn)
    # three triangles; after each, straight on through the datum into the next one
    turns = (0.0, 120.0, 240.0, 240.0, 0.0, 120.0, 120.0, 240.0, 0.0)
    pts = [datum]
    for t in turns:
        pts.append(pts[-1] + radius_m * _unit(first_heading_deg + sign * t))
    xy = np.asarray(pts)
    xy[-1] = datum  # closes exactly (the three unit vectors 120 degrees apart sum to zero)
    return Track("sector", xy, np.full(len(xy) - 1, "search"), float(radius_m),
                 float(first_heading_deg) % 360.0)


def contour_search(elevation: np.ndarray, transform: Sequence[float], area: BaseGeometry,
                   interval_m: float, spacing_m: float | None = None,
                   min_leg_m: float | None = None) -> Track:
    """Contour search: legs along elevation contours every ``interval_m`` metres of height.

    Parameters
    ----------
    elevation:
        Elevation grid (metres above sea level), north-up.
    transform:
        Its affine (a, b, c, d, e, f) with square cells (the terrain grid's transform).
    area:
        Segment polygon, metres in the same CRS.
    interval_m:
        Height between contour legs, metres.
    spacing_m:
        Reported track spacing (metres, horizontal); default ``interval_m``.
    min_leg_m:
        Contour pieces shorter than this are left out; default three cells.

    Legs are flown from the highest contour down, alternating direction, joined by transits.
    """
    from skimage import measure

    area = check_area(area)
    if not (math.isfinite(interval_m) and interval_m > 0):
        raise PlanningError("planning.err_interval", value=f"{interval_m}")
    elev = np.asarray(elevation, dtype=np.float64)
    a, _, c, _, e, f = tuple(transform)[:6]
    cell = float(a)
    minx, miny, maxx, maxy = area.bounds
    c0 = max(0, int((minx - c) / cell) - 1)
    c1 = min(elev.shape[1], int((maxx - c) / cell) + 2)
    r0 = max(0, int((f - maxy) / cell) - 1)
    r1 = min(elev.shape[0], int((f - miny) / cell) + 2)
    if c1 - c0 < 2 or r1 - r0 < 2:
        raise PlanningError("planning.err_area_outside_terrain")
    window = elev[r0:r1, c0:c1]
    if not np.all(np.isfinite(window)):
        raise PlanningError("planning.err_area_outside_terrain")
    lo, hi = float(window.min()), float(window.max())
    if (hi - lo) / interval_m > MAX_CONTOUR_LEVELS:  # refused before any contour is traced
        raise PlanningError("planning.err_contour_levels", interval=f"{interval_m:g}", low=f"{lo:.0f}",
                            high=f"{hi:.0f}", levels=math.floor((hi - lo) / interval_m),
                            limit=MAX_CONTOUR_LEVELS,
                            minimum=f"{math.ceil((hi - lo) / MAX_CONTOUR_LEVELS * 10) / 10:g}")
    levels = np.arange(math.ceil(lo / interval_m) * interval_m, hi, interval_m)[::-1]
    if len(levels) == 0:
        raise PlanningError("planning.err_contour_flat", low=f"{lo:.0f}", high=f"{hi:.0f}",
                            interval=f"{interval_m:g}")
    min_len = 3 * cell if min_leg_m is None else float(min_leg_m)
    pieces: list[np.ndarray] = []
    for level in levels:
        level_lines = []
        for contour in measure.find_contours(window, level):
            xs = c + (c0 + contour[:, 1] + 0.5) * cell
            ys = f + (r0 + contour[:, 0] + 0.5) * e
            line = LineString(np.column_stack([xs, ys]))
            clipped = line.intersection(area)
            for part in getattr(clipped, "geoms", [clipped]):
                if part.geom_type == "LineString" and part.length >= min_len:
                    level_lines.append(np.asarray(part.simplify(cell / 4).coords))
        level_lines.sort(key=lambda p: -len(p))
        pieces.extend(level_lines)
    if not pieces:
        raise PlanningError("planning.err_contour_flat", low=f"{lo:.0f}", high=f"{hi:.0f}",
                            interval=f"{interval_m:g}")
    pts: list[np.ndarray] = []
    kinds: list[str] = []
    for p in pieces:
        if pts:  # start each piece at the end nearest the last point
            if np.hypot(*(p[-1] - pts[-1])) < np.hypot(*(p[0] - pts[-1])):
                p = p[::-1]
            kinds.append("transit")
        pts.extend(p)
        kinds.extend(["search"] * (len(p) - 1))
    return Track("contour", np.asarray(pts), np.asarray(kinds),
                 float(spacing_m if spacing_m is not None else interval_m), None)


def track_line(line: BaseGeometry, offsets_m: Sequence[float]) -> Track:
    """Track-line search along ``line`` (a road or drainage), one pass per lateral offset.

    Parameters
    ----------
    line:
        A shapely LineString, metres in the mission CRS.
    offsets_m:
        Lateral offsets, metres (positive to the left of the line's direction, as shapely's
        ``offset_curve``); passes alternate direction and are joined by turns.
    """
    if not isinstance(line, LineString) or line.is_empty or line.length <= 1.0:
        raise PlanningError("planning.err_line")
    offs = [float(o) for o in offsets_m]
    if not offs or not all(math.isfinite(o) for o in offs):
        raise PlanningError("planning.err_offsets")
    pts: list[np.ndarray] = []
    kinds: list[str] = []
    for i, o in enumerate(sorted(offs)):
        curve = line if o == 0 else line.offset_curve(o)
        parts = [g for g in getattr(curve, "geoms", [curve]) if g.length > 0]
        if not parts:
            raise PlanningError("planning.err_offsets")
        c = np.asarray(max(parts, key=lambda g: g.length).coords)
        if o != 0 and np.hypot(*(c[0] - np.asarray(line.coords[0]))) > np.hypot(
                *(c[-1] - np.asarray(line.coords[0]))):
            c = c[::-1]  # offset_curve may reverse; keep the line's direction first
        if i % 2 == 1:
            c = c[::-1]
        if pts:
            kinds.append("turn")
        pts.extend(c)
        kinds.extend(["search"] * (len(c) - 1))
    spacing = float(np.min(np.diff(sorted(offs)))) if len(offs) > 1 else 0.0
    first = np.asarray(pts[1]) - np.asarray(pts[0])
    return Track("track-line", np.asarray(pts), np.asarray(kinds), spacing,
                 math.degrees(math.atan2(first[0], first[1])) % 360.0)
