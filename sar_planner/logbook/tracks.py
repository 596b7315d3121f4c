"""Flown tracks as the logbook stores them: GeoJSON of WGS84 longitude, latitude in degrees and,
where the file gave one, the fix's height in metres above mean sea level (rounded to 0.1 m),
thinned to at most :data:`MAX_STORED_POINTS` points over the whole track.

Segments: a flight log often has several (GPX ``trkseg``, a log restarted in the air, a GPS
dropout). Nobody knows where the aircraft went between them, so they are never joined: a track of
one segment is stored as a ``LineString`` (as every track stored before), a track of several as a
``MultiLineString`` with one line per segment, in flying order (RFC 7946 section 3.1.5). Every
reader takes both through :func:`track_lines`; the replay on the mission's map gives each segment
its own swath run, so the straight line across a gap is never counted as searched.

A 10 Hz flight log has tens of thousands of fixes; the log keeps enough to draw and export the
track and to replay it on the mission's map with terrain masking (every n-th fix, always the first
and last of each segment), while the file the crew brought back remains the full record.

Decisions (:func:`track_geojson`):

- A segment of a single fix is left out: one position has no direction or length, so it sweeps
  no ground (a swath W wide and 0 m long), and a GeoJSON line needs two positions (RFC 7946
  section 3.1.4). Thinning never reduces a segment to one fix: the first and last fix of every
  segment are always kept.
- When there are more segments than the cap can hold at two fixes each (more than
  ``MAX_STORED_POINTS / 2``, a broken log), the shortest segments (geodesic length) are left
  out until the rest fit. Leaving a piece out can only under-count what was searched, never
  credit ground nobody looked at.

GPS dropouts inside one segment (:func:`dropout_starts`, applied by :func:`flown_track_geojson`):
two consecutive timed fixes more than :data:`DROPOUT_MIN_SECONDS` (30 s) apart in time, and more
than :data:`DROPOUT_INTERVAL_FACTOR` (5) times the segment's usual (median) fix interval, and
farther apart than the larger of :data:`DROPOUT_MIN_DISTANCE_M` (150 m) and
:data:`DROPOUT_SWEEP_WIDTHS` (3) sweep widths (when the sweep width is known) start a new
segment, as SARTopo/CalTopo split a recorded track on a long time gap. The figures: a 1 Hz log
never pauses 30 s while recording, so such a pause is a dropout or a logger stopped; 150 m is
3 times the smallest sweep width the unit flies (about 50 m, a small drone looking for a person),
so a gap narrower than that is covered by the swaths on both sides anyway; the median-interval
factor keeps a sparse logger (a fix every 60 s) from being cut into single fixes. Fixes without
a time (a KML ``LineString``) are never split: a line drawn by a tool may have long straight legs
with only their ends, and distance alone cannot tell them from a dropout.

Heights: a position is ``[lon, lat, alt]`` where the fix has a height and ``[lon, lat]`` where it
has none (RFC 7946 section 3.1.1 allows two or more numbers per position), so a track whose fixes
only partly have heights keeps what it has; the replay
(:mod:`sar_planner.probability.logged`) fills the gaps between neighbours along the track. Tracks
stored before heights were kept are all ``[lon, lat]`` and read as before. Every track reader
(:mod:`sar_planner.formats.tracks`) gives heights above mean sea level, by each format's own
definition or common practice: GPX ``ele`` (the GPX 1.1 schema says only "elevation in
meters"; receivers write sea-level heights, and a phone app writing ellipsoidal ones, about 48 m
lower near Golmud by EGM2008, makes the masking hide more, never less), KML only with
``altitudeMode`` = ``absolute`` ("relative to sea level", OGC KML 2.2; relative or clamped
altitudes are dropped by the reader), AirData CSV ``altitude_above_seaLevel``, MAVLink
``GLOBAL_POSITION_INT.alt`` and ``GPS_RAW_INT.alt`` ("Altitude (MSL)", MAVLink common message
set); GeoJSON tracks give none (the reader drops them: RFC 7946 makes them ellipsoidal and many
tools write sea level there). So no geoid conversion is made here; heights that are plainly not
sea level (above take-off) are caught where they are used
(:func:`sar_planner.coverage.sensor_heights`). The third value is therefore
NOT the RFC 7946 ellipsoidal height; :func:`sar_planner.logbook.exports.tracks_geojson` says so
in the files it writes and gives the ellipsoidal heights beside it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pyproj import Geod

from sar_planner.errors import LogbookError
from sar_planner.formats.tracks import FlownTrack

__all__ = ["MAX_STORED_POINTS", "HEIGHT_DECIMALS", "DROPOUT_MIN_SECONDS", "DROPOUT_INTERVAL_FACTOR",
           "DROPOUT_MIN_DISTANCE_M", "DROPOUT_SWEEP_WIDTHS", "track_geojson",
           "flown_track_geojson", "track_height_count", "track_lines", "dropout_starts",
           "split_dropouts"]

#: Most points kept per stored track, over all its segments (about 100 kB of JSON; 130 kB with
#: heights).
MAX_STORED_POINTS = 5000
#: Stored heights are rounded to this many decimals of a metre (0.1 m).
HEIGHT_DECIMALS = 1
#: A pause between two consecutive fixes longer than this (seconds) may be a dropout.
DROPOUT_MIN_SECONDS = 30.0
#: ... and only when it is also longer than this many times the segment's median fix interval.
DROPOUT_INTERVAL_FACTOR = 5.0
#: ... and the two fixes are farther apart than this (metres, geodesic) ...
DROPOUT_MIN_DISTANCE_M = 150.0
#: ... and than this many sweep widths, when the sweep width is known.
DROPOUT_SWEEP_WIDTHS = 3.0

_GEOD = Geod(ellps="WGS84")


def _position(p: Sequence[Any]) -> list[float]:
    pos = [round(float(p[0]), 7), round(float(p[1]), 7)]
    if len(p) >= 3 and p[2] is not None:
        h = float(p[2])
        if math.isfinite(h):
            pos.append(round(h, HEIGHT_DECIMALS))
    return pos


def _length_m(seg: Sequence[Sequence[Any]]) -> float:
    """Geodesic length of a segment of (lon, lat, ...) on the WGS84 ellipsoid, metres."""
    return float(_GEOD.line_length([float(p[0]) for p in seg], [float(p[1]) for p in seg]))


def track_geojson(segments: Sequence[Sequence[Sequence[float | None]]],
                  max_points: int = MAX_STORED_POINTS) -> dict[str, Any]:
    """A GeoJSON LineString (one segment) or MultiLineString (several) from track segments of
    ``(lon, lat)`` or ``(lon, lat, alt)``.

    Longitude and latitude are degrees WGS84 (kept to 7 decimals, about 1 cm); ``alt`` is metres
    above mean sea level, or None / NaN where the fix has no height (the position is then
    ``[lon, lat]``), kept to 0.1 m. Keeps every k-th point with k the smallest step that fits
    ``max_points`` over all segments, plus the first and last point of each segment, in flying
    order. Segments of one fix are left out, and the shortest segments too when there are more
    than ``max_points / 2`` (module docstring).

    Raises
    ------
    LogbookError
        ``trackgaps.err_track`` when no segment of two fixes remains.

    Examples
    --------
    >>> track_geojson([[(96.40, 36.40), (96.41, 36.41), (96.42, 36.42)]], max_points=2)
    {'type': 'LineString', 'coordinates': [[96.4, 36.4], [96.42, 36.42]]}
    >>> track_geojson([[(96.40, 36.40, 3105.04), (96.41, 36.41, None)]])["coordinates"]
    [[96.4, 36.4, 3105.0], [96.41, 36.41]]
    >>> track_geojson([[(96.40, 36.40), (96.41, 36.40)], [(96.45, 36.40)],
    ...                [(96.41, 36.41), (96.40, 36.41)]])["type"]
    'MultiLineString'
    """
    segs = [list(seg) for seg in segments if len(seg) >= 2]
    most = max(max_points // 2, 1)
    if len(segs) > most:  # a broken log: keep the longest pieces, in flying order
        keep = sorted(sorted(range(len(segs)), key=lambda i: -_length_m(segs[i]))[:most])
        segs = [segs[i] for i in keep]
    if not segs:
        raise LogbookError("trackgaps.err_track")
    total = sum(len(s) for s in segs)
    step = max(1, -(-total // max(max_points - 2 * len(segs), 1)))  # ceil division
    lines: list[list[list[float]]] = []
    for seg in segs:
        idx = list(range(0, len(seg), step))
        if idx[-1] != len(seg) - 1:
            idx.append(len(seg) - 1)
        lines.append([_position(seg[i]) for i in idx])
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def dropout_starts(flown: FlownTrack, sweep_width_m: float | None = None) -> tuple[int, ...]:
    """Where the track's segments start once GPS dropouts split them (indices into
    ``flown.points``, 0 first; the file's own segment starts included).

    Within a segment, fix i starts a new segment when it and fix i - 1 both have a time, the
    pause between them is longer than both :data:`DROPOUT_MIN_SECONDS` and
    :data:`DROPOUT_INTERVAL_FACTOR` times the segment's median fix interval, and they are farther
    apart (geodesic, WGS84) than both :data:`DROPOUT_MIN_DISTANCE_M` and
    :data:`DROPOUT_SWEEP_WIDTHS` times ``sweep_width_m`` (metres, when given). See the module
    docstring for the figures.
    """
    starts: list[int] = []
    bounds = [*flown.segment_starts, len(flown.points)]
    far = DROPOUT_MIN_DISTANCE_M
    if sweep_width_m is not None and math.isfinite(sweep_width_m) and sweep_width_m > 0:
        far = max(far, DROPOUT_SWEEP_WIDTHS * float(sweep_width_m))
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b <= a:
            continue
        starts.append(a)
        pts = flown.points[a:b]
        pauses = [(i, (q.time - p.time).total_seconds())
                  for i, (p, q) in enumerate(zip(pts, pts[1:], strict=False), start=1)
                  if p.time is not None and q.time is not None]
        if not pauses:
            continue
        usual = statistics.median(max(d, 0.0) for _, d in pauses)
        limit = max(DROPOUT_MIN_SECONDS, DROPOUT_INTERVAL_FACTOR * usual)
        for i, pause in pauses:
            if pause > limit:
                p, q = pts[i - 1], pts[i]
                if _GEOD.inv(p.lon, p.lat, q.lon, q.lat)[2] > far:
                    starts.append(a + i)
    return tuple(starts) if starts else (0,)


def split_dropouts(flown: FlownTrack, sweep_width_m: float | None = None) -> FlownTrack:
    """``flown`` with its segments split at GPS dropouts (:func:`dropout_starts`)."""
    starts = dropout_starts(flown, sweep_width_m)
    return flown if starts == tuple(flown.segment_starts) else replace(flown, segment_starts=starts)


def flown_track_geojson(flown: FlownTrack, max_points: int = MAX_STORED_POINTS, *,
                        sweep_width_m: float | None = None) -> dict[str, Any]:
    """The stored form of a flown track read from a file: :func:`track_geojson` of its segments
    once split at GPS dropouts (:func:`split_dropouts`, with the sweep width in metres when
    known), each fix's height above sea level kept where the file gave one."""
    flown = split_dropouts(flown, sweep_width_m)
    return track_geojson([[(p.lon, p.lat, p.alt_amsl_m) for p in seg] for seg in flown.segments],
                         max_points)


def track_lines(track: Mapping[str, Any] | None) -> list[list[Any]]:
    """The lines of a stored track, one per segment: ``[coordinates]`` of a LineString, the
    ``coordinates`` of a MultiLineString; ``[]`` for None or anything else. Positions are
    returned as stored (not checked: :func:`sar_planner.logbook.records.check_sortie_input`
    checks what is saved)."""
    if not isinstance(track, Mapping):
        return []
    coords = track.get("coordinates")
    if not isinstance(coords, list):
        return []
    if track.get("type") == "LineString":
        return [coords]
    if track.get("type") == "MultiLineString":
        return [line for line in coords if isinstance(line, list)]
    return []


def track_height_count(track: Mapping[str, Any] | None) -> tuple[int, int]:
    """``(points, points with a height)`` of a stored track over all its segments (0, 0 for
    none or a malformed one)."""
    coords = [c for line in track_lines(track) for c in line]
    with_height = sum(1 for c in coords if isinstance(c, (list, tuple)) and len(c) >= 3
                      and isinstance(c[2], (int, float)) and math.isfinite(c[2]))
    return len(coords), with_height
