"""A flown track's gaps are not searched ground (sar_planner.logbook.tracks, probability.logged).

The grid is 40 x 40 cells of 50 m in UTM zone 46N (EPSG:32646, near Golmud). Coverage of a cell is
the swath area inside it over the cell's area, POD = 1 - exp(-C) (Koopman 1946, search-theory.md;
sar_planner.coverage): a swath W = 100 m wide centred on a cell centre line covers that 50 m cell
fully, C = 1, POD = 1 - e^-1 = 0.632; a cell 500 m from any swath has C = 0, POD = 0.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod

from sar_planner.errors import LogbookError, PlanningError
from sar_planner.formats import read_track
from sar_planner.formats.tracks import FlownTrack, TrackPoint
from sar_planner.geo import from_local
from sar_planner.grid import Grid
from sar_planner.flown_plan import FlownPlan
from sar_planner.logbook.tracks import (
    DROPOUT_MIN_DISTANCE_M,
    dropout_starts,
    flown_track_geojson,
    split_dropouts,
    track_geojson,
    track_height_count,
    track_lines,
)
from sar_planner.probability.logged import FlownSortie, sortie_pod

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 2000.0, S0 + 2000.0, 50.0)
T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
P1 = 1.0 - math.exp(-1.0)  # POD of a fully swept cell, C = 1
GEOD = Geod(ellps="WGS84")

# leg A east along the centre line y = S0 + 525 (a row of cell centres), x 175 -> 1825 m;
# leg B west along y = S0 + 1525, 1 km north; the line that would join A's end to B's start
# runs north along x = W0 + 1825, also a column of cell centres
LEG_A = [(W0 + 175.0 + 50.0 * k, S0 + 525.0) for k in range(34)]
LEG_B = [(W0 + 1825.0 - 50.0 * k, S0 + 1525.0) for k in range(34)]


def _lonlat(xy):
    x, y = np.array([p[0] for p in xy]), np.array([p[1] for p in xy])
    lat, lon = from_local(x, y, UTM46)
    return [(round(float(a), 7), round(float(b), 7)) for a, b in zip(lon, lat, strict=True)]


def _gpx(segments, heights=None) -> bytes:
    """A GPX 1.1 file of one trk with one trkseg per segment, a fix every 5 s."""
    out, k = [], 0
    for seg in segments:
        pts = []
        for lon, lat in seg:
            t = (T0 + dt.timedelta(seconds=5 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            ele = "" if heights is None else f"<ele>{heights}</ele>"
            pts.append(f'<trkpt lat="{lat}" lon="{lon}">{ele}<time>{t}</time></trkpt>')
            k += 1
        out.append("<trkseg>" + "".join(pts) + "</trkseg>")
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk>' + "".join(out)
            + "</trk></gpx>").encode()


def _plan(width: float = 100.0) -> dict:
    run = ((94.9, 36.1, math.nan), (94.91, 36.1, math.nan))
    return FlownPlan(name="S3", runs=(run,), sweep_width_m=width).to_json()


def _cell(x: float, y: float) -> tuple[int, int]:
    """(row, col) of the cell whose centre is (x, y) metres (row 0 = north)."""
    return int((S0 + 2000.0 - y) // 50.0), int((x - W0) // 50.0)


def test_two_trksegs_are_stored_as_two_lines_and_replay_only_on_their_swaths():
    flown = read_track("two_legs.gpx", _gpx([_lonlat(LEG_A), _lonlat(LEG_B)]))
    assert len(flown.segments) == 2
    stored = flown_track_geojson(flown)
    assert stored["type"] == "MultiLineString" and len(stored["coordinates"]) == 2
    assert track_height_count(stored) == (68, 0)
    joined = {"type": "LineString", "coordinates": [list(c) for c in _lonlat(LEG_A + LEG_B)]}
    multi = sortie_pod(FlownSortie(1, T0, stored, _plan()), GRID).pod
    single = sortie_pod(FlownSortie(2, T0, joined, _plan()), GRID).pod
    # on both legs: a fully swept cell, C = 1, POD = 0.632, in both forms
    for x, y in [(W0 + 1025.0, S0 + 525.0), (W0 + 1025.0, S0 + 1525.0)]:
        assert multi[_cell(x, y)] == pytest.approx(P1, abs=1e-9)
        assert single[_cell(x, y)] == pytest.approx(P1, abs=1e-9)
    # on the straight line across the gap, midway between the legs: searched only when joined
    mid = _cell(W0 + 1825.0, S0 + 1025.0)
    assert single[mid] == pytest.approx(P1, abs=1e-9)
    assert multi[mid] == 0.0
    # the whole strip between the legs along the joining line: nothing credited from the gap
    rows = [_cell(W0 + 1825.0, S0 + 625.0 + 50.0 * k)[0] for k in range(17)]
    cols = [_cell(W0 + x, S0)[1] for x in (1775.0, 1825.0, 1875.0)]
    assert multi[np.ix_(rows, cols)].max() == 0.0
    assert single[np.ix_(rows, cols)].min() > 0.39  # half-swept side cells: 1 - e^-0.5 = 0.393
    # away from the joining line (more than 100 m from its swath) the two agree cell for cell
    far = np.ones(GRID.shape, bool)
    far[:, min(cols) - 2:max(cols) + 3] = False
    assert np.abs(multi[far] - single[far]).max() <= 1e-9 and multi[far].max() == pytest.approx(P1)


def test_with_heights_each_segment_is_masked_from_its_own_fixes():
    # flat ground 100 m under the aircraft hides nothing: the masked POD is the flat swath's,
    # and the gap gets none either way
    flown = read_track("two_legs.gpx", _gpx([_lonlat(LEG_A), _lonlat(LEG_B)], heights=3000.0))
    stored = flown_track_geojson(flown)
    assert track_height_count(stored) == (68, 68)
    got = sortie_pod(FlownSortie(1, T0, stored, _plan()), GRID,
                     elevation=np.full(GRID.shape, 2900.0))
    flat = sortie_pod(FlownSortie(1, T0, stored, _plan()), GRID)
    assert got.masking == "replay.masked"
    assert np.abs(got.pod - flat.pod).max() <= 1e-12
    assert got.pod[_cell(W0 + 1825.0, S0 + 1025.0)] == 0.0


def test_an_old_linestring_replays_as_a_one_line_multilinestring():
    line = [list(c) for c in _lonlat(LEG_A)]
    old = sortie_pod(FlownSortie(1, T0, {"type": "LineString", "coordinates": line}, _plan()), GRID)
    one = sortie_pod(FlownSortie(1, T0, {"type": "MultiLineString", "coordinates": [line]},
                                 _plan()), GRID)
    assert np.array_equal(old.pod, one.pod)
    assert old.pod[_cell(W0 + 1025.0, S0 + 525.0)] == pytest.approx(P1, abs=1e-9)
    # a one-segment track is still stored as a LineString, exactly as before
    assert track_geojson([_lonlat(LEG_A)]) == {"type": "LineString", "coordinates": line}


@pytest.mark.parametrize("track", [
    {"type": "MultiLineString", "coordinates": []},
    {"type": "MultiLineString", "coordinates": [[[96.4, 36.4], [96.5, 36.4]], [[96.4, 36.5]]]},
    {"type": "MultiLineString", "coordinates": [[[96.4, 36.4], [96.5, "x"]]]},
])
def test_a_damaged_multilinestring_is_a_clear_error_in_the_replay(track):
    with pytest.raises(PlanningError) as exc:
        sortie_pod(FlownSortie(1, T0, track, _plan()), GRID)
    assert exc.value.code == "planning.err_track_points"


def test_single_fix_segments_are_left_out_and_alone_are_no_track():
    a = [(96.40, 36.40), (96.41, 36.40)]
    out = track_geojson([a, [(96.45, 36.45)]])
    assert out == {"type": "LineString", "coordinates": [[96.4, 36.4], [96.41, 36.4]]}
    with pytest.raises(LogbookError) as exc:
        track_geojson([[(96.40, 36.40)], [(96.45, 36.45)]])
    assert exc.value.code == "trackgaps.err_track"


def test_too_many_segments_keep_the_longest():
    # 4 segments, room for 2 at two fixes each: the 2 longest (0.03 and 0.02 degrees) stay
    segs = [[(96.0, 36.0), (96.01, 36.0)], [(96.1, 36.0), (96.13, 36.0)],
            [(96.2, 36.0), (96.201, 36.0)], [(96.3, 36.0), (96.32, 36.0)]]
    out = track_geojson(segs, max_points=5)
    assert out["coordinates"] == [[[96.1, 36.0], [96.13, 36.0]], [[96.3, 36.0], [96.32, 36.0]]]


# ------------------------------------------------------------------------- GPS dropouts

def _fixes(steps, start=(96.40, 36.40)):
    """A one-segment track east along 36.40 N: ``steps`` = (seconds, metres) from each fix to
    the next (None seconds = no time in the file)."""
    lon, lat = start
    t = T0
    pts = [TrackPoint(t, lat, lon, None)]
    for sec, metres in steps:
        lon, lat, _ = GEOD.fwd(lon, lat, 90.0, metres)
        t = None if sec is None else (t or T0) + dt.timedelta(seconds=sec)
        pts.append(TrackPoint(t, lat, lon, None))
    return FlownTrack("t.gpx", "gpx", tuple(pts))


def test_a_long_pause_with_a_long_jump_splits_the_segment():
    # 1 Hz, 20 m a fix (72 km/h), then 60 s and 1 km with no fix, then 1 Hz again
    flown = _fixes([(1, 20.0)] * 10 + [(60, 1000.0)] + [(1, 20.0)] * 10)
    assert dropout_starts(flown) == (0, 11)
    split = split_dropouts(flown)
    assert [len(s) for s in split.segments] == [11, 11]
    assert flown_track_geojson(flown)["type"] == "MultiLineString"


@pytest.mark.parametrize("steps, why", [
    ([(1, 20.0)] * 10 + [(60, 100.0)] + [(1, 20.0)] * 10, "60 s but only 100 m: hovering"),
    ([(1, 20.0)] * 10 + [(20, 1000.0)] + [(1, 20.0)] * 10, "1 km but only 20 s"),
    ([(60, 500.0)] * 20, "a logger writing every 60 s: its usual interval"),
    ([(None, 20.0)] * 10 + [(None, 5000.0)] + [(None, 20.0)] * 10, "no times: never split"),
])
def test_what_is_not_a_dropout(steps, why):
    assert dropout_starts(_fixes(steps)) == (0,), why


def test_the_distance_rule_grows_with_the_sweep_width():
    # 60 s, 500 m: a dropout for a drone (3 W = 150 m floor), not with W = 200 m (3 W = 600 m)
    flown = _fixes([(1, 20.0)] * 5 + [(60, 500.0)] + [(1, 20.0)] * 5)
    assert dropout_starts(flown) == (0, 6)
    assert dropout_starts(flown, sweep_width_m=200.0) == (0,)
    assert dropout_starts(flown, sweep_width_m=100.0) == (0, 6)  # 3 W = 300 m < 500 m
    assert DROPOUT_MIN_DISTANCE_M == 150.0


def test_a_dropout_gap_is_not_credited_in_the_replay():
    # leg A flown at 1 Hz (10 s a fix here), then the GPS lost for 2 minutes while the aircraft
    # went 1 km north; leg B logged after: the same picture as two trksegs
    a, b = _lonlat(LEG_A), _lonlat(LEG_B)
    pts, t = [], T0
    for lon, lat in a + b:
        pts.append(TrackPoint(t, lat, lon, None))
        t += dt.timedelta(seconds=10 if len(pts) != len(a) else 120)
    flown = FlownTrack("dropout.gpx", "gpx", tuple(pts))
    stored = flown_track_geojson(flown, sweep_width_m=100.0)
    assert [len(line) for line in track_lines(stored)] == [34, 34]
    pod = sortie_pod(FlownSortie(1, T0, stored, _plan()), GRID).pod
    assert pod[_cell(W0 + 1825.0, S0 + 1025.0)] == 0.0
    assert pod[_cell(W0 + 1025.0, S0 + 525.0)] == pytest.approx(P1, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 200), st.floats(0.0, 3000.0)), min_size=1, max_size=40),
       st.one_of(st.none(), st.floats(1.0, 2000.0)))
def test_splitting_only_adds_starts_and_keeps_every_fix(steps, width):
    flown = _fixes(steps)
    starts = dropout_starts(flown, width)
    assert starts[0] == 0 and list(starts) == sorted(set(starts))
    split = split_dropouts(flown, width)
    assert split.points == flown.points
    for s in starts[1:]:  # every split is a pause over 30 s and a jump over 150 m and 3 W
        p, q = flown.points[s - 1], flown.points[s]
        assert (q.time - p.time).total_seconds() > 30.0
        assert GEOD.inv(p.lon, p.lat, q.lon, q.lat)[2] > max(150.0, 3 * (width or 0.0))


def test_the_flown_check_figure_draws_a_dropout_apart():
    # the logbook's flown-track check gets the track split as it is stored (logbook_panels), so
    # its figure draws the two legs apart: the flown trace breaks (None) after each segment
    from sar_planner.flown_coverage import compare_flown
    from sar_planner.ui.figures_flown import flown_figure

    a, b = _lonlat(LEG_A), _lonlat(LEG_B)
    plan = FlownPlan(name="S3", runs=(tuple((lon, lat, math.nan) for lon, lat in a),
                                      tuple((lon, lat, math.nan) for lon, lat in b)),
                     sweep_width_m=100.0)
    pts, t = [], T0
    for lon, lat in a + b:
        pts.append(TrackPoint(t, lat, lon, None))
        t += dt.timedelta(seconds=10 if len(pts) != len(a) else 120)
    labels = {k: k for k in ("easting", "northing", "elevation", "slope", "latlon", "planned",
                             "flown", "region")}
    joined = flown_figure(compare_flown(plan, FlownTrack("d.gpx", "gpx", tuple(pts))), labels)
    split = flown_figure(compare_flown(plan, split_dropouts(FlownTrack("d.gpx", "gpx", tuple(pts)),
                                                            100.0)), labels)
    assert sum(v is None for v in joined.data[-1].x) == 1     # one line, ended by None
    xs = split.data[-1].x
    assert sum(v is None for v in xs) == 2                     # two lines, each ended by None
    gap = xs.index(None)
    assert gap == 34 and xs[gap - 1] == pytest.approx(W0 + 1825.0, abs=0.01)
