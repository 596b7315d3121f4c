"""Flown tracks as the logbook stores them: one GeoJSON LineString (RFC 7946: WGS84 longitude,
latitude in degrees), thinned to at most :data:`MAX_STORED_POINTS` points.

A 10 Hz flight log has tens of thousands of fixes; the log keeps enough to draw and export the
track (every n-th fix, always the first and last of each segment), while the file the crew
brought back remains the full record. Gaps between segments are joined with a straight line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sar_planner.errors import LogbookError

__all__ = ["MAX_STORED_POINTS", "track_geojson"]

#: Most points kept per stored track (about 100 kB of JSON).
MAX_STORED_POINTS = 5000


def track_geojson(segments: Sequence[Sequence[tuple[float, float]]],
                  max_points: int = MAX_STORED_POINTS) -> dict[str, Any]:
    """A GeoJSON LineString from track segments of ``(lon, lat)`` degrees (WGS84).

    Keeps every k-th point with k the smallest step that fits ``max_points``, plus the first and
    last point of each segment, in flying order.

    Raises
    ------
    LogbookError
        ``logbook.err_track`` when fewer than two points remain.

    Examples
    --------
    >>> track_geojson([[(96.40, 36.40), (96.41, 36.41), (96.42, 36.42)]], max_points=2)
    {'type': 'LineString', 'coordinates': [[96.4, 36.4], [96.42, 36.42]]}
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
        coords.extend([round(float(seg[i][0]), 7), round(float(seg[i][1]), 7)] for i in keep)
    if len(coords) > max_points:  # many tiny segments: thin the joined line once more
        stride = -(-len(coords) // max_points)
        coords = coords[::stride] + ([coords[-1]] if (len(coords) - 1) % stride else [])
    if len(coords) < 2:
        raise LogbookError("logbook.err_track")
    return {"type": "LineString", "coordinates": coords}
