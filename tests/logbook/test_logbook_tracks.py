"""Stored tracks: thinned to the limit, first and last fixes of each segment kept, order kept,
segments of one fix left out (sar_planner.logbook.tracks)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sar_planner.errors import LogbookError
from sar_planner.logbook.tracks import track_geojson, track_lines


def test_small_track_is_kept_whole():
    seg = [(96.4 + i * 0.001, 36.4) for i in range(10)]
    assert track_geojson([seg])["coordinates"] == [[round(x, 7), y] for x, y in seg]


def test_long_track_is_thinned_keeping_ends():
    seg = [(96.0 + i * 1e-5, 36.0 + i * 1e-5) for i in range(36_001)]  # an hour at 10 Hz
    out = track_geojson([seg], max_points=1000)["coordinates"]
    assert len(out) <= 1000
    assert out[0] == [96.0, 36.0] and out[-1] == [round(96.0 + 0.36, 7), round(36.0 + 0.36, 7)]


def test_a_single_point_is_not_a_track():
    with pytest.raises(LogbookError):
        track_geojson([[(96.0, 36.0)]])


@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=20),
       st.integers(min_value=50, max_value=2000))
def test_never_more_than_the_limit_and_in_order(lengths, limit):
    segs, k = [], 0
    for n in lengths:
        segs.append([(90.0 + (k + i) * 1e-6, 36.0) for i in range(n)])
        k += n
    lines = [(sum(lengths[:j]), sum(lengths[:j + 1]) - 1) for j, n in enumerate(lengths) if n >= 2]
    if not lines:  # only single fixes: no line to store
        with pytest.raises(LogbookError):
            track_geojson(segs, max_points=limit)
        return
    track = track_geojson(segs, max_points=limit)
    assert track["type"] == ("LineString" if len(lines) == 1 else "MultiLineString")
    stored = track_lines(track)
    assert len(stored) == len(lines)  # at most 20 segments: all fit at two fixes each
    out = [c for line in stored for c in line]
    xs = [c[0] for c in out]
    assert len(out) <= limit
    assert xs == sorted(xs)  # flying order kept
    for (first, last), line in zip(lines, stored, strict=True):  # each segment's ends kept
        assert line[0][0] == round(90.0 + first * 1e-6, 7)
        assert line[-1][0] == round(90.0 + last * 1e-6, 7)
