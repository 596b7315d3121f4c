"""Search patterns: hand-countable legs, spacings and angles (IAMSAR Vol. II, search-theory.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import LineString, Polygon, box

from sar_planner.errors import PlanningError
from sar_planner.patterns import (check_area, contour_search, creeping_line, expanding_square,
                                  fewest_turns_heading, parallel_track, sector, track_line)


def _headings(xy: np.ndarray) -> np.ndarray:
    d = np.diff(xy, axis=0)
    return np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0


def test_parallel_track_over_a_rectangle_counts_and_spaces_legs():
    # 1000 m x 400 m, S = 100 m: legs along the long side, first S/2 inside -> 4 legs at
    # y = 50, 150, 250, 350, each 1000 m; 3 turns between them
    t = parallel_track(box(0, 0, 1000, 400), 100.0)
    legs = t.search_legs()
    assert len(legs) == 4
    ys = sorted(float(leg[0, 1]) for leg in legs)
    assert ys == pytest.approx([50, 150, 250, 350])
    assert all(np.hypot(*(leg[1] - leg[0])) == pytest.approx(1000) for leg in legs)
    assert list(t.kinds) == ["search", "turn"] * 3 + ["search"]
    assert t.heading_deg in (90.0, 270.0)
    assert t.search_length_m == pytest.approx(4000)
    assert t.length_m == pytest.approx(4000 + 3 * 100)


def test_last_leg_stays_inside_when_width_is_not_a_multiple_of_spacing():
    # 450 m wide, S = 100 m: ceil(4.5) = 5 legs; first and last S/2 inside the edges, the last
    # gap shortened to 50 m so that no leg lies outside
    t = parallel_track(box(0, 0, 1000, 450), 100.0, heading_deg=90.0)
    ys = sorted(float(leg[0, 1]) for leg in t.search_legs())
    assert len(ys) == 5
    assert ys[0] == pytest.approx(50) and ys[-1] == pytest.approx(400)
    assert sorted(np.round(np.diff(ys), 6)) == [50, 100, 100, 100]


def test_fewest_turns_heading_follows_a_rotated_rectangle():
    rect = affinity.rotate(box(0, 0, 1000, 400), 30.0, origin=(0, 0))  # long side at 30 deg
    # the long side now points 30 deg anticlockwise from east = heading 60 deg
    h = fewest_turns_heading(rect, 100.0)
    assert h == pytest.approx(60.0, abs=1e-6)
    assert len(parallel_track(rect, 100.0).search_legs()) == 4


def test_creeping_line_crosses_the_long_axis():
    # legs 400 m long across, advancing along 1000 m: 10 legs at x = 50 .. 950
    t = creeping_line(box(0, 0, 1000, 400), 100.0, start_xy=(1000.0, 0.0))
    legs = t.search_legs()
    assert len(legs) == 10
    assert all(np.hypot(*(leg[1] - leg[0])) == pytest.approx(400) for leg in legs)
    assert t.xy[0, 0] == pytest.approx(950)  # starts at the end nearest the given point


def test_concave_area_gets_transits_across_the_gap_and_no_search_outside():
    u = Polygon([(0, 0), (1000, 0), (1000, 1000), (700, 1000), (700, 300), (300, 300),
                 (300, 1000), (0, 1000)])
    t = parallel_track(u, 100.0, heading_deg=90.0)
    assert "transit" in set(t.kinds)
    grown = u.buffer(1e-6)
    for leg in t.search_legs():
        assert grown.contains(LineString(leg))
    for k in np.flatnonzero(t.kinds == "transit"):
        assert not u.buffer(-1e-6).contains(LineString(t.xy[k:k + 2]))
    # rows above y = 300 have two pieces: 7 such rows (350 .. 950) and 3 full rows
    assert len(t.search_legs()) == 3 + 2 * 7


def test_turn_extensions_are_flown_outside_as_turns():
    t = parallel_track(box(0, 0, 1000, 200), 100.0, heading_deg=90.0, extension_m=50.0)
    assert t.xy[:, 0].min() == pytest.approx(-50) and t.xy[:, 0].max() == pytest.approx(1050)
    assert t.search_length_m == pytest.approx(2000)


def test_expanding_square_leg_sequence():
    # IAMSAR: S, S, 2S, 2S, 3S, 3S, turning 90 degrees the same way each time
    t = expanding_square((1000.0, 2000.0), 100.0, 150.0, first_heading_deg=0.0, turn="right")
    assert [round(v, 6) for v in t.leg_lengths] == [100, 100, 200, 200, 300, 300]
    assert list(_headings(t.xy).round(6) % 360) == [0, 90, 180, 270, 0, 90]
    assert t.xy[1] == pytest.approx([1000, 2100])
    assert t.xy[2] == pytest.approx([1100, 2100])
    left = expanding_square((0.0, 0.0), 100.0, 150.0, turn="left")
    assert list(_headings(left.xy).round(6) % 360) == [0, 270, 180, 90, 0, 270]


def test_sector_geometry():
    # VS: nine legs of the radius, 120-degree turns, straight through the datum between the
    # triangles, radials every 60 degrees, ending at the datum
    r = 500.0
    t = sector((0.0, 0.0), r, first_heading_deg=0.0)
    assert len(t.leg_lengths) == 9
    assert t.leg_lengths == pytest.approx([r] * 9)
    h = _headings(t.xy)
    turns = (np.diff(h) + 180.0) % 360.0 - 180.0
    assert list(np.round(turns, 6)) == [120, 120, 0, 120, 120, 0, 120, 120]
    assert t.xy[-1] == pytest.approx([0.0, 0.0], abs=1e-9)
    assert t.xy[3] == pytest.approx([0.0, 0.0], abs=1e-9)
    assert t.xy[6] == pytest.approx([0.0, 0.0], abs=1e-9)
    far = [p for p in t.xy if np.hypot(*p) > r - 1e-6]
    bearings = sorted(round(math.degrees(math.atan2(p[0], p[1])) % 360.0, 6) for p in far)
    assert bearings == [0, 60, 120, 180, 240, 300]


def test_track_line_offsets():
    line = LineString([(0, 0), (2000, 0)])
    t = track_line(line, [-50.0, 50.0])
    legs = t.search_legs()
    assert {round(float(leg[0, 1])) for leg in legs} == {-50, 50}
    assert t.spacing_m == 100.0 and t.search_length_m == pytest.approx(4000)


def test_contour_legs_follow_their_height():
    # a cone: z = 4000 - 0.5 r; contours every 50 m are circles of radius 2 dz
    cell = 10.0
    n = 201
    c = (np.arange(n) + 0.5) * cell
    xx, yy = np.meshgrid(c, c[::-1])
    r = np.hypot(xx - 1005, yy - 1005)
    z = 4000.0 - 0.5 * r
    area = box(200, 200, 1800, 1800)
    t = contour_search(z, (cell, 0, 0, 0, -cell, n * cell), area, 50.0)
    levels = set()
    for leg in t.search_legs():
        rr = np.hypot(leg[:, 0] - 1005, leg[:, 1] - 1005)
        levels.add(round(float(np.mean(4000 - 0.5 * rr)) / 50) * 50)
        assert np.ptp(4000 - 0.5 * rr) < 3.0  # along one contour, within the cell interpolation
    assert levels >= {3950, 3900, 3850, 3800, 3750, 3700, 3650, 3600}


@pytest.mark.parametrize("poly, key", [
    (Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)]), "planning.err_area_invalid"),
    (Polygon([(0, 0), (500, 0), (1000, 0)]), "planning.err_area_zero"),
    (LineString([(0, 0), (10, 10)]), "planning.err_area_type"),
])
def test_bad_polygons_are_refused(poly, key):
    with pytest.raises(PlanningError) as exc:
        check_area(poly)
    assert exc.value.code == key


def test_spacing_larger_than_the_area_is_refused():
    with pytest.raises(PlanningError) as exc:
        parallel_track(box(0, 0, 1000, 400), 1500.0)
    assert exc.value.code == "planning.err_spacing_too_large"
    with pytest.raises(PlanningError):
        parallel_track(box(0, 0, 1000, 400), 500.0, heading_deg=90.0)


def test_datum_patterns_need_a_datum():
    for call in (lambda: expanding_square(None, 100, 300), lambda: sector(None, 300)):
        with pytest.raises(PlanningError) as exc:
            call()
        assert exc.value.code == "planning.err_no_datum"


@settings(max_examples=40, deadline=None)
@given(st.floats(200, 5000), st.floats(200, 5000), st.floats(10, 400), st.floats(0, 179))
def test_parallel_legs_stay_inside_and_never_exceed_the_spacing(w, h, s, angle):
    area = affinity.rotate(box(0, 0, w, h), angle, origin=(0, 0))
    if s > h:
        with pytest.raises(PlanningError):
            parallel_track(area, s, heading_deg=(90.0 - angle) % 180.0)
        return
    heading = (90.0 - angle) % 180.0  # the w side, rotated anticlockwise by angle
    if s > min(w, h):
        return
    t = parallel_track(area, s, heading_deg=heading)
    legs = t.search_legs()
    assert len(legs) == math.ceil(h / s - 1e-9)
    grown = area.buffer(1e-6)
    assert all(grown.contains(LineString(leg)) for leg in legs)
    mids = sorted(LineString(leg).distance(LineString(legs[0])) for leg in legs)
    gaps = np.diff(mids)
    assert np.all(gaps <= s + 1e-6)
