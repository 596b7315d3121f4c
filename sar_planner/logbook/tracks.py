"""Flown tracks as the logbook stores them: one GeoJSON LineString of WGS84 longitude, latitude in
degrees and, where the file gave one, the fix's height in metres above mean sea level (rounded to
0.1 m), thinned to at most :data:`MAX_STORED_POINTS` points.

A 10 Hz flight log has tens of thousands of fixes; the log keeps enough to draw and export the
track and to replay it on the mission's map with terrain masking (every n-th fix, always the first
and last of each segment), while the file the crew brought back remains the full record. Gaps
between segments are joined with a straight line.

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
from collections.abc import Mapping, Sequence
from typing import Any

from sar_planner.errors import LogbookError
from sar_planner.formats.tracks import FlownTrack

__all__ = ["MAX_STORED_POINTS", "HEIGHT_DECIMALS", "track_geojson", "flown_track_geojson",
           "track_height_count"]

#: Most points kept per stored track (about 100 kB of JSON; 130 kB with heights).
MAX_STORED_POINTS = 5000
#: Stored heights are rounded to this many decimals of a metre (0.1 m).
HEIGHT_DECIMALS = 1


def _position(p: Sequence[Any]) -> list[float]:
    pos = [round(float(p[0]), 7), round(float(p[1]), 7)]
    if len(p) >= 3 and p[2] is not None:
        h = float(p[2])
        if math.isfinite(h):
            pos.append(round(h, HEIGHT_DECIMALS))
    return pos


def track_geojson(segments: Sequence[Sequence[Sequence[float | None]]],
                  max_points: int = MAX_STORED_POINTS) -> dict[str, Any]:
    """A GeoJSON LineString from track segments of ``(lon, lat)`` or ``(lon, lat, alt)``.

    Longitude and latitude are degrees WGS84 (kept to 7 decimals, about 1 cm); ``alt`` is metres
    above mean sea level, or None / NaN where the fix has no height (the position is then
    ``[lon, lat]``), kept to 0.1 m. Keeps every k-th point with k the smallest step that fits
    ``max_points``, plus the first and last point of each segment, in flying order.

    Raises
    ------
    LogbookError
        ``logbook.err_track`` when fewer than two points remain.

    Examples
    --------
    >>> track_geojson([[(96.40, 36.40), (96.41, 36.41), (96.42, 36.42)]], max_points=2)
    {'type': 'LineString', 'coordinates': [[96.4, 36.4], [96.42, 36.42]]}
    >>> track_geojson([[(96.40, 36.40, 3105.04), (96.41, 36.41, None)]])["coordinates"]
    [[96.4, 36.4, 3105.0], [96.41, 36.41]]
    """
    total = sum(len(s) for s in segments)
    step = max(1, -(-total // max(max_points - 2 * len(segments), 1)))  # ceil division
    coords: list[list[float]] = []
    for seg in segments:
        if not seg:
            continue
        keep = list(range(0, len(seg), step))
        if keep[-1] != len(seg) - 1:
            keep.append(len(seg) - 1)
        coords.extend(_position(seg[i]) for i in keep)
    if len(coords) > max_points:  # many tiny segments: thin the joined line once more
        # every stride-th point plus the last: ceil((n - 1) / stride) + 1 <= max_points points
        stride = -(-(len(coords) - 1) // max(max_points - 1, 1))
        coords = coords[::stride] + ([coords[-1]] if (len(coords) - 1) % stride else [])
    if len(coords) < 2:
        raise LogbookError("logbook.err_track")
    return {"type": "LineString", "coordinates": coords}


def flown_track_geojson(flown: FlownTrack, max_points: int = MAX_STORED_POINTS) -> dict[str, Any]:
    """The stored form of a flown track read from a file (:func:`track_geojson` of its
    segments, each fix's height above sea level kept where the file gave one)."""
    return track_geojson([[(p.lon, p.lat, p.alt_amsl_m) for p in seg] for seg in flown.segments],
                         max_points)


def track_height_count(track: Mapping[str, Any] | None) -> tuple[int, int]:
    """``(points, points with a height)`` of a stored track (0, 0 for none or a malformed one)."""
    coords = track.get("coordinates") if isinstance(track, Mapping) else None
    if not isinstance(coords, list):
        return 0, 0
    with_height = sum(1 for c in coords if isinstance(c, (list, tuple)) and len(c) >= 3
                      and isinstance(c[2], (int, float)) and math.isfinite(c[2]))
    return len(coords), with_height
