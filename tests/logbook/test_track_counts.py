"""Every logged track counts (issue 15 item 4): an aircraft on the roster linked to its catalogue
type; a sortie logged with a track and no plan flown counts on the map with that type's sweep
width at the height it flew; the logbook form says beforehand what it will add, or why not.

Hand figures. DJI Zenmuse H20T thermal (sar_planner/data/assets.toml, maker's figures: 640 px of
12 um, focal 13.5 mm): at H = 120 m above ground the footprint across track is
F = H w p / f = 120 x 640 x 12e-6 / 13.5e-3 = 68.27 m; a 0.5 m person keeps 4 pixels out to
R = f T / (N p) = 13.5e-3 x 0.5 / (4 x 12e-6) = 140.6 m slant, i.e. sqrt(140.6^2 - 120^2) = 73.3 m
to the side, more than F / 2, so W = F x contrast; thermal by day 0.5, by night 1 (sweep.py): the
smaller, by day, W = 34.13 m. Over 100 m cells a straight pass along a row gives every cell of it
C = W x 100 / 100^2 = 0.3413, POD = 1 - exp(-C) (Koopman 1946), and the map is updated by Bayes:
POA' = POA (1 - POD) / (1 - sum POA POD), ROW' = ROW / (1 - sum POA POD) (Stone 1975).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pyproj import CRS

from sar_planner.errors import AuthError, LogbookError
from sar_planner.geo import from_local
from sar_planner.grid import Grid
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.mission_facts import flown_sorties
from sar_planner.logbook.mission_inputs import mission_id_for
from sar_planner.logbook.records import (add_aircraft, aircraft_assets, list_aircraft, log_sortie,
                                         set_aircraft_asset)
from sar_planner.logbook.track_counts import sortie_map_preview, swept_ground
from sar_planner.probability.maps import ProbabilityMap
from sar_planner.replay import FlownSortie, replay_logged, type_sweep_width
from tests.logbook._helpers import local, sortie

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 1000.0, S0 + 1000.0, 100.0)
T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
GROUND_M = 3000.0  # flat ground, metres above sea level
H20T_W_120 = 120 * 640 * 12e-6 / 13.5e-3 * 0.5  # 34.133 m, module docstring


def _track_along_row(row: int, alt: float | None) -> dict:
    """A straight east-west track over the centre line of grid row ``row`` (0 = north), past
    both grid edges, at ``alt`` metres above sea level (None: no heights)."""
    y = S0 + 1000.0 - (row + 0.5) * 100.0
    x = np.arange(W0 - 500.0, W0 + 1500.0 + 1.0, 50.0)  # a fix every 50 m, as a logger gives
    lat, lon = from_local(x, np.full_like(x, y), UTM46)
    return {"type": "LineString", "coordinates": [
        [float(a), float(b)] + ([alt] if alt is not None else []) for a, b in zip(lon, lat, strict=True)]}


def _initial() -> ProbabilityMap:
    poa = np.arange(1.0, 101.0).reshape(10, 10)
    return ProbabilityMap(GRID, 0.9 * poa / poa.sum(), 0.1)


def test_the_type_width_at_a_height_is_the_camera_model_by_hand():
    got = type_sweep_width("m350-h20t", 120.0)
    assert got.sweep_width_m == pytest.approx(H20T_W_120, rel=1e-9)
    assert got.sweep_width_m == pytest.approx(34.13, abs=0.01)
    assert got.agl_m == 120.0 and got.method == "camera" and got.why is None
    assert type_sweep_width(None, 120.0).why == "trackcounts.no_type"
    assert type_sweep_width("no-such-type", 120.0).why == "trackcounts.unknown_type"
    assert type_sweep_width("m350-h20t", None).why == "trackcounts.no_heights"


def test_a_track_without_a_plan_counts_with_its_type_at_the_height_flown_by_hand():
    initial = _initial()
    elevation = np.full(GRID.shape, GROUND_M)
    s = FlownSortie(12, T0, _track_along_row(3, GROUND_M + 120.0), None, "m350-h20t")
    out = replay_logged(initial, [s], elevation=elevation)
    (u,) = out.sorties
    assert u.skipped is None and u.width_source == "type"
    assert u.sweep_width_m == pytest.approx(H20T_W_120, rel=1e-9)
    p = -math.expm1(-H20T_W_120 * 100.0 / 100.0**2)  # 0.2892
    pod = np.zeros(GRID.shape)
    pod[3, :] = p
    pos = float(np.sum(initial.poa * pod))
    assert u.pos == pytest.approx(pos, rel=1e-9)
    assert out.state.current.poa == pytest.approx(initial.poa * (1 - pod) / (1 - pos), abs=1e-12)
    assert out.state.current.row == pytest.approx(0.1 / (1 - pos), abs=1e-12)


@pytest.mark.parametrize(("track", "asset", "why"), [
    (_track_along_row(3, None), "m350-h20t", "trackcounts.no_heights"),
    (_track_along_row(3, GROUND_M + 120.0), None, "trackcounts.no_type"),
])
def test_a_track_without_a_plan_that_cannot_count_is_listed_with_the_reason(track, asset, why):
    initial = _initial()
    out = replay_logged(initial, [FlownSortie(3, T0, track, None, asset)],
                        elevation=np.full(GRID.shape, GROUND_M))
    (u,) = out.sorties
    assert u.pod is None and u.skipped == why
    assert out.state.current.poa == pytest.approx(initial.poa, abs=0)


def test_aircraft_are_linked_to_a_catalogue_type_once_and_audited(db, unit):
    add_aircraft(db, unit.admin, "QHJ-UAV-02", "M350 with H20T", "drone", asset_id="m350-h20t")
    assert aircraft_assets(db)["QHJ-UAV-02"] == "m350-h20t"
    assert aircraft_assets(db)["QHJ-UAV-01"] is None  # added before: asked once in Settings
    set_aircraft_asset(db, unit.admin, "QHJ-UAV-01", "m350-h30t")
    roster = {a["registration"]: a for a in list_aircraft(db)}
    assert roster["QHJ-UAV-01"]["asset_id"] == "m350-h30t"
    (entry,) = [e for e in audit_log(db, "aircraft") if e.action == "set_asset"]
    assert entry.actor == "admin" and entry.details["registration"] == "QHJ-UAV-01"
    assert entry.details["before"] is None and entry.details["after"] == "m350-h30t"
    with pytest.raises(LogbookError, match="not a type in the asset catalogue"):
        set_aircraft_asset(db, unit.admin, "QHJ-UAV-01", "m999")
    with pytest.raises(LogbookError, match="not a type in the asset catalogue"):
        add_aircraft(db, unit.admin, "QHJ-UAV-03", "?", "drone", asset_id="m999")
    with pytest.raises(AuthError):  # crew may not change the roster
        set_aircraft_asset(db, unit.crew, "QHJ-UAV-01", None)


def test_a_logged_sortie_carries_its_aircraft_type_to_the_map(db, unit):
    set_aircraft_asset(db, unit.admin, "QHJ-UAV-01", "m350-h20t")
    track = {"type": "LineString", "coordinates": [[96.42, 36.43, 3100.0], [96.43, 36.43, 3100.0]]}
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), aircraft="QHJ-UAV-01",
                                     crew=(("马建国", "pilot"),), track=track))
    (s,) = flown_sorties(db, mission_id_for(db, "QH-GEM-2025-031"))
    assert s.asset_id == "m350-h20t" and s.plan is None


def test_the_form_says_what_the_sortie_adds_or_why_not(db, unit):
    track = _track_along_row(3, None)
    preview = sortie_map_preview(db, incident_number=None, registration="QHJ-UAV-01",
                                 track=track, plan=None)
    assert not preview.counts and preview.key == "trackcounts.preview_no_mission"
    preview = sortie_map_preview(db, incident_number="QH-GEM-2025-031", registration="QHJ-UAV-01",
                                 track=None, plan=None)
    assert preview.key == "trackcounts.preview_no_track"
    preview = sortie_map_preview(db, incident_number="QH-GEM-2025-031", registration="QHJ-UAV-01",
                                 track=track, plan=None)
    assert not preview.counts and preview.key == "trackcounts.no_type_preview"
    set_aircraft_asset(db, unit.admin, "QHJ-UAV-01", "m350-h20t")
    preview = sortie_map_preview(db, incident_number="QH-GEM-2025-031", registration="QHJ-UAV-01",
                                 track=track, plan=None)  # no heights, no terrain
    assert not preview.counts and preview.key == "trackcounts.no_heights_preview"


def test_swept_ground_of_a_straight_track_is_its_length_times_the_width_plus_the_caps():
    # 2000 m of track, W = 50 m: 2000 x 50 plus the two half-disc caps of radius 25 m
    length, area = swept_ground(_track_along_row(3, None), 50.0)
    assert length == pytest.approx(2000.0, rel=2e-3)  # UTM 46N scale, and the zone's centre
    assert area == pytest.approx(2000.0 * 50.0 + math.pi * 25.0**2, rel=3e-3)
