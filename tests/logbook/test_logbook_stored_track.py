"""Review tests of the stored flown track (sar_planner.logbook.tracks.track_geojson): whatever the
number and length of the segments, the stored track holds at most ``max_points`` positions, keeps
each stored segment's first and last fix, keeps flying order (a subsequence of the fixes), and keeps each
kept fix's height to 0.1 m or none at all (never an invented one).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sar_planner.logbook.tracks import track_geojson, track_lines


def _segments(lengths, with_height):
    segs, k = [], 0
    for n in lengths:
        seg = []
        for _ in range(n):
            h = 3000.0 + 0.37 * k if with_height(k) else None
            seg.append((90.0 + 1e-5 * k, 36.0 + 1e-5 * k, h))
            k += 1
        segs.append(seg)
    return segs, k


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=60), st.integers(2, 50),
       st.sampled_from([0, 2, 3]))
def test_the_stored_track_is_thinned_within_the_cap_in_order(lengths, max_points, every):
    segs, total = _segments(lengths, lambda k: every and k % every == 0)
    if not any(n >= 2 for n in lengths):
        return
    lines = track_lines(track_geojson(segs, max_points=max_points))
    coords = [c for line in lines for c in line]
    assert 2 <= len(coords) <= max_points
    assert all(len(line) >= 2 for line in lines)      # every stored segment is a line
    ks = [round((c[0] - 90.0) / 1e-5) for c in coords]
    ends = {(sum(lengths[:j]), sum(lengths[:j + 1]) - 1) for j, n in enumerate(lengths) if n >= 2}
    for line in lines:                                # each kept segment whole from end to end
        a, b = (round((line[i][0] - 90.0) / 1e-5) for i in (0, -1))
        assert (a, b) in ends
    assert all(a < b for a, b in zip(ks, ks[1:], strict=False))     # flying order, no repeats
    for k, c in zip(ks, coords, strict=True):
        has = bool(every) and k % every == 0
        assert len(c) == (3 if has else 2)
        if has:
            assert math.isclose(c[2], round(3000.0 + 0.37 * k, 1))
