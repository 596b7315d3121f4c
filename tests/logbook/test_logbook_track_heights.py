"""Flown tracks keep their heights in the logbook: GPX ``ele`` stored to 0.1 m, old 2-value tracks
still read, the GeoJSON export says what the third value is, and the replay of a stored sortie is
terrain-masked.

The GPX here is written by hand near Nuomuhong (the unit's mission QH-GEM-2025-031, about 36.43 N
96.42 E, ground about 2,900 m); its ``ele`` values are metres above sea level (GPX 1.1 ``ele``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sar_planner.errors import LogbookError
from sar_planner.formats import read_track
from sar_planner.logbook.exports import HEIGHT_NOTE, export_bytes
from sar_planner.flown_plan import FlownPlan
from sar_planner.logbook.records import get_sortie, log_sortie
from sar_planner.logbook.tracks import flown_track_geojson, track_geojson, track_height_count
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.terrain import geoid_separation, grid_around
from tests.logbook._helpers import local, sortie

#: (lat, lon, ele) of the hand-written GPX: a 1 km leg east along 36.43 N, ele None = no <ele>.
FIXES = [(36.43, round(96.41 + 0.0011 * k, 7), None if k in (4, 7) else 2987.34 + 3.17 * k)
         for k in range(10)]
OLD_TRACK = {"type": "LineString", "coordinates": [[96.40, 36.40], [96.45, 36.42], [96.50, 36.40]]}


def _gpx(fixes) -> bytes:
    pts = "".join(f'<trkpt lat="{lat}" lon="{lon}">' + ("" if ele is None else f"<ele>{ele}</ele>")
                  + "</trkpt>" for lat, lon, ele in fixes)
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + pts
            + "</trkseg></trk></gpx>").encode()


def _plan_json(width: float = 100.0) -> dict:
    run = ((96.41, 36.43, math.nan), (96.42, 36.43, math.nan))
    return FlownPlan(name="S1", runs=(run,), sweep_width_m=width).to_json()


def test_a_gpx_with_ele_is_stored_with_its_heights_to_a_tenth_of_a_metre(db, unit):
    track = flown_track_geojson(read_track("leg.gpx", _gpx(FIXES)))  # what the page calls
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=track,
                                           plan=_plan_json()))
    stored = get_sortie(db, rec.id).track["coordinates"]
    assert len(stored) == len(FIXES)
    for (lat, lon, ele), c in zip(FIXES, stored, strict=True):
        assert c[:2] == [lon, lat]
        if ele is None:
            assert len(c) == 2          # no height in the file: none stored
        else:
            assert len(c) == 3 and abs(c[2] - ele) <= 0.05 + 1e-9   # rounded to 0.1 m
    assert stored[1][2] == 2990.5       # 2,987.34 + 3.17 = 2,990.51 -> 2,990.5
    assert track_height_count(get_sortie(db, rec.id).track) == (10, 8)


def test_the_replay_of_the_stored_sortie_is_terrain_masked(db, unit):
    full = [(lat, lon, 2987.34 + 3.17 * k) for k, (lat, lon, _) in enumerate(FIXES)]
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=flown_track_geojson(
        read_track("leg.gpx", _gpx(full))), plan=_plan_json()))
    partial = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 11, 0), track=flown_track_geojson(
        read_track("leg.gpx", _gpx(FIXES))), plan=_plan_json()))
    grid = grid_around(36.43, 96.415, 1500.0, 20.0)
    ground = np.full(grid.shape, 2900.0)   # flat ground 87 m and more under the aircraft
    got = []
    for r in (get_sortie(db, rec.id), get_sortie(db, partial.id)):
        s = FlownSortie(r.number, r.takeoff_at, r.track, r.plan)
        got.append(sortie_pod(s, grid, elevation=ground))
    assert got[0].masking == "replay.masked"
    assert got[1].masking == "replay.masked_partial"
    assert got[1].masking_params == {"missing": 2, "total": 10}
    # flat ground hides nothing: the masked POD is the flat swath's
    flat = sortie_pod(FlownSortie(1, rec.takeoff_at, rec.track, rec.plan), grid)
    assert np.abs(got[0].pod - flat.pod).max() <= 1e-12 and flat.pod.max() > 0.5


def test_an_old_two_value_track_still_reads_and_replays_flat(db, unit):
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=OLD_TRACK,
                                           plan=_plan_json()))
    back = get_sortie(db, rec.id)
    assert back.track == OLD_TRACK
    assert track_height_count(back.track) == (3, 0)
    grid = grid_around(36.41, 96.45, 6000.0, 50.0)
    got = sortie_pod(FlownSortie(back.number, back.takeoff_at, back.track, back.plan), grid,
                     elevation=np.full(grid.shape, 2900.0))
    assert got.masking == "replay.not_masked_no_heights"
    data = json.loads(export_bytes([back], "geojson"))
    (feature,) = data["features"]
    assert feature["geometry"]["coordinates"] == OLD_TRACK["coordinates"]
    assert "alt_ellipsoid_m" not in feature["properties"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, "3100", True])
def test_a_height_that_is_not_a_number_is_refused(db, unit, bad):
    track = {"type": "LineString", "coordinates": [[96.40, 36.40, 3000.0], [96.45, 36.42, bad]]}
    with pytest.raises(LogbookError) as exc:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=track))
    assert exc.value.code == "tracks3d.err_track_height" and exc.value.params == {"point": 2}


def test_the_geojson_export_says_the_heights_are_sea_level_and_gives_the_ellipsoidal_ones(db, unit):
    track = flown_track_geojson(read_track("leg.gpx", _gpx(FIXES)))
    rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), track=track))
    data = json.loads(export_bytes([get_sortie(db, rec.id)], "geojson"))
    assert data["height_note"] == HEIGHT_NOTE and "not the RFC 7946" in HEIGHT_NOTE
    (feature,) = data["features"]
    coords = feature["geometry"]["coordinates"]
    assert coords == track["coordinates"]          # the stored AMSL heights, unchanged
    ell = feature["properties"]["alt_ellipsoid_m"]
    assert len(ell) == len(coords)
    for c, h in zip(coords, ell, strict=True):
        if len(c) == 2:
            assert h is None
        else:
            # h = H + N (EGM2008); N is about -40 to -60 m over the Qaidam Basin (geoid.py)
            n = geoid_separation(c[1], c[0])
            assert -60.0 < n < -40.0
            assert h == pytest.approx(c[2] + n, abs=0.051)


@given(st.lists(st.one_of(st.none(), st.floats(-400.0, 9000.0)), min_size=2, max_size=300),
       st.integers(min_value=2, max_value=50))
def test_every_kept_fix_keeps_its_own_height(heights, limit):
    seg = [(90.0 + i * 1e-5, 36.0, h) for i, h in enumerate(heights)]
    out = track_geojson([seg], max_points=limit)["coordinates"]
    by_lon = {round(90.0 + i * 1e-5, 7): h for i, h in enumerate(heights)}
    assert len(out) <= limit
    for c in out:
        h = by_lon[c[0]]
        if h is None:
            assert len(c) == 2
        else:
            assert len(c) == 3 and abs(c[2] - h) <= 0.05 + 1e-9

