"""A track of several segments in the logbook: saved and read back as a MultiLineString, checked
like a LineString, exported as one (GeoJSON, read back by the track reader with its segments
apart), drawn with a break between the segments, and replayed without the gap
(sar_planner.logbook.tracks; RFC 7946 section 3.1.5 for MultiLineString).

Positions near Nuomuhong (the unit's mission QH-GEM-2025-031, about 36.43 N 96.42 E): two legs
east-west 0.01 degrees of latitude apart (about 1.1 km).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sar_planner.errors import LogbookError
from sar_planner.formats import read_track
from sar_planner.geo import to_local
from sar_planner.logbook.exports import export_bytes
from sar_planner.flown_plan import FlownPlan
from sar_planner.logbook.mission_inputs import mission_id_for, mission_sorties_flown
from sar_planner.logbook.records import get_sortie, log_sortie
from sar_planner.logbook.tracks import track_height_count, track_lines
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.terrain import grid_around
from sar_planner.ui.logbook_figures import tracks_figure
from tests.logbook._helpers import local, sortie

LEG_A = [[round(96.41 + 0.001 * k, 7), 36.43, 3000.0] for k in range(11)]
LEG_B = [[round(96.42 - 0.001 * k, 7), 36.44] for k in range(11)]  # no heights on this leg
TWO = {"type": "MultiLineString", "coordinates": [LEG_A, LEG_B]}


def _plan_json(width: float = 100.0) -> dict:
    run = ((96.41, 36.43, math.nan), (96.42, 36.43, math.nan))
    return FlownPlan(name="S1", runs=(run,), sweep_width_m=width).to_json()


def test_a_two_segment_track_is_saved_and_read_back_unchanged(db, unit):
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=TWO, plan=_plan_json()))
    back = get_sortie(db, rec.id)
    assert back.track == TWO
    assert track_height_count(back.track) == (22, 11)
    assert [len(line) for line in track_lines(back.track)] == [11, 11]


@pytest.mark.parametrize("track", [
    {"type": "MultiLineString", "coordinates": []},
    {"type": "MultiLineString", "coordinates": [LEG_A, [[96.40, 36.40]]]},       # a line of 1
    {"type": "MultiLineString", "coordinates": [LEG_A, [[96.40, 96.0], [96.41, 36.4]]]},
    {"type": "MultiLineString", "coordinates": [LEG_A, [[96.40, "36.4"], [96.41, 36.4]]]},
    {"type": "MultiLineString", "coordinates": [[96.40, 36.40], [96.41, 36.41]]},  # flat list
    {"type": "MultiLineString", "coordinates": [LEG_A, [[96.40, math.nan], [96.41, 36.4]]]},
    {"type": "Polygon", "coordinates": [LEG_A]},
])
def test_a_damaged_multilinestring_is_refused(db, unit, track):
    with pytest.raises(LogbookError) as exc:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=track))
    assert exc.value.code == "trackgaps.err_track"


def test_a_bad_height_is_numbered_through_the_whole_track(db, unit):
    bad = {"type": "MultiLineString",
           "coordinates": [LEG_A[:3], [[96.40, 36.44, 3000.0], [96.41, 36.44, math.inf]]]}
    with pytest.raises(LogbookError) as exc:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=bad))
    assert exc.value.code == "tracks3d.err_track_height" and exc.value.params == {"point": 5}


def test_the_geojson_export_keeps_the_segments_and_reads_back_apart(db, unit):
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=TWO))
    data = json.loads(export_bytes([get_sortie(db, rec.id)], "geojson"))
    (feature,) = data["features"]
    assert feature["geometry"] == TWO
    ell = feature["properties"]["alt_ellipsoid_m"]    # nested like the coordinates
    assert [len(e) for e in ell] == [11, 11] and ell[1] == [None] * 11
    # h = H + N with N about -40 to -60 m over the Qaidam Basin (EGM2008, geoid.py)
    assert all(-60.0 < h - 3000.0 < -40.0 for h in ell[0])
    again = read_track("tracks.geojson", export_bytes([get_sortie(db, rec.id)], "geojson"))
    assert [len(s) for s in again.segments] == [11, 11]
    assert [[p.lon, p.lat] for p in again.segments[1]] == LEG_B
    # the one-row-per-sortie tables still have one row
    assert export_bytes([get_sortie(db, rec.id)], "csv").decode("utf-8-sig").count("\n") == 2


def test_the_tracks_figure_breaks_between_segments(db, unit):
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=TWO))
    fig = tracks_figure([get_sortie(db, rec.id)], "tracks")
    (trace,) = fig.data
    assert list(trace.x) == [c[0] for c in LEG_A] + [None] + [c[0] for c in LEG_B]
    assert list(trace.y) == [c[1] for c in LEG_A] + [None] + [c[1] for c in LEG_B]
    assert trace.connectgaps is False


def test_the_mission_replay_of_the_stored_sortie_credits_no_gap(db, unit):
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=TWO, plan=_plan_json()))
    (r,) = mission_sorties_flown(db, mission_id_for(db, "QH-GEM-2025-031"))
    grid = grid_around(36.435, 96.415, 1500.0, 20.0)
    pod = sortie_pod(FlownSortie(r.number, r.takeoff_at, r.track, r.plan), grid).pod
    joined = {"type": "LineString", "coordinates": LEG_A + LEG_B}
    pod_joined = sortie_pod(FlownSortie(r.number, r.takeoff_at, joined, r.plan), grid).pod
    # the cell at 96.42 E, 36.435 N, on the line A's end -> B's start, half-way between the legs
    x, y = to_local(np.array([36.435]), np.array([96.42]), grid.crs)
    row, col = (int(v) for v in grid.rowcol(float(x[0]), float(y[0])))
    assert pod_joined[row, col] > 0.5 and pod[row, col] == 0.0
