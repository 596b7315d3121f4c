"""Probability page (AppTest, the whole app so pages can be left and reopened):

* POD maps uploaded under "Sorties flown" are dropped by a visit to another page (a file uploader
  cannot be restored). The page says so, naming how many and which, until they are uploaded
  again or the crew chooses to go on without them; a crew emptying the uploader is not warned.
* The terrain a logbook mission's map is built on is saved with the mission's inputs (a new
  version), so reopening the mission offers it; a stale version is refused, said on the page, the
  map is still built and nothing saved is lost.

Terrain: bundled real grids (terrain/PROVENANCE.md): the eastern Pamir 15" GEBCO grid around
38.30 N, 75.05 E; the herder south of Golmud (36.10 N, 94.85 E) lies on both the 30 m demo
(listed first) and the real 5' Qaidam grid.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.logbook.db import get_database
from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs, save_mission_inputs
from sar_planner.logbook.records import open_mission
from sar_planner.terrain import grid_around
from sar_planner.ui.mission_state import session_from_stored
from tests.rasters import grid_geotiff_bytes as _pod_tif
from tests.signin import TEST_PASSWORD, ensure_account, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PAGES = "sar_planner/ui/pages/"
PAMIR = "pamir-15arcsec"


def _session_mission():
    return {"ipp_text": "38.30, 75.05", "datum": "WGS84", "lat": 38.30, "lon": 75.05,
            "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
            "terrain_class": "dry-mountainous", "quartiles_km": None,
            "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
            "notes": "", "incident_number": "QH-KK-2026-044"}


def _app(mission=None, terrain_entry=None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    if mission is not None:
        at.session_state["mission"] = mission
    if terrain_entry is not None:
        at.session_state["terrain_entry"] = terrain_entry
    at.run()
    assert not at.exception, at.exception
    return at


def _build(at, terrain=None, radius_km=3.0, cell_m=100.0):
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception, at.exception
    if terrain:
        at.selectbox(key="poa_terrain").set_value(terrain).run()
    at.number_input(key="poa_radius").set_value(radius_km)
    at.number_input(key="poa_cell").set_value(cell_m)
    next(b for b in at.button if b.label == "Build the map").click().run()
    assert not at.exception, at.exception
    return at


def _uploader(at):
    return next(u for u in at.get("file_uploader") if "poa_pods" in u.proto.id)


def _dropped(at):
    return [w.value for w in at.warning if "no longer applied" in w.value]


def test_pod_maps_dropped_by_a_visit_to_another_page_are_named():
    at = _build(_app(_session_mission(), PAMIR))
    grid = grid_around(38.30, 75.05, 3000.0, 100.0)  # the page's grid for 3 km, 100 m
    pod = np.zeros(grid.shape)
    pod[: grid.shape[0] // 2] = 0.5
    _uploader(at).set_value([("s1.tif", _pod_tif(grid, pod), "image/tiff"),
                             ("s2.tif", _pod_tif(grid, pod), "image/tiff")])
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not _dropped(at)
    row_with = float(at.metric[1].value)
    # a visit to the Mission page and back: the uploader is empty, the map no longer has them
    at.switch_page(PAGES + "mission.py").run()
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception, at.exception
    (warning,) = _dropped(at)
    assert "2 POD map(s)" in warning and "s1.tif, s2.tif" in warning
    assert float(at.metric[1].value) < row_with  # ROW without the Bayes update: smaller
    at.run()  # the warning stays on the next rerun
    assert _dropped(at)
    # uploaded again: no warning
    _uploader(at).set_value([("s1.tif", _pod_tif(grid, pod), "image/tiff")])
    at.run()
    assert not _dropped(at) and not at.error
    # the crew empties the uploader themselves: no warning
    _uploader(at).set_value([])
    at.run()
    assert not _dropped(at)
    # dropped again by a visit, then the crew goes on without them: the warning goes
    _uploader(at).set_value([("s2.tif", _pod_tif(grid, pod), "image/tiff")])
    at.run()
    at.switch_page(PAGES + "mission.py").run()
    at.switch_page(PAGES + "probability.py").run()
    (warning,) = _dropped(at)
    assert "1 POD map(s)" in warning and "s2.tif" in warning
    at.button(key="poa_pods_dropped_ok").click().run()
    assert not at.exception and not _dropped(at)


def _logbook_mission(incident, lat, lon):
    db = get_database()
    commander = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    open_mission(db, commander, incident, dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))
    mid = mission_id_for(db, incident)
    stored = save_mission_inputs(db, commander, mid, {
        "ipp_text": f"{lat}, {lon}", "datum": "WGS84", "subject": "herder",
        "terrain_class": "dry-flat", "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)})
    return db, commander, mid, session_from_stored(stored, incident, mid)


def test_the_terrain_a_mission_map_is_built_on_is_saved_and_offered_again():
    incident = "GOL-2026-051"
    db, _, mid, mission = _logbook_mission(incident, 36.10, 94.85)
    at = _app(mission)
    # the demo (listed first) holds the IPP; the crew builds on the real 5' grid instead
    at = _build(at, terrain="qaidam-5arcmin", radius_km=5.0, cell_m=250.0)
    assert not at.error, [e.value for e in at.error]
    stored = mission_inputs(db, mid)
    # version 2 the terrain, version 3 the map settings built with (5 km, 250 m; issue 10)
    assert (stored["terrain_id"], stored["revision"]) == ("qaidam-5arcmin", 3)
    assert stored["settings"]["radius_m"] == 5000.0 and stored["settings"]["cell_m"] == 250.0
    assert stored["subject"] == "herder"  # the other inputs as they were
    assert at.session_state["mission"]["revision"] == 3
    assert any("saved with mission GOL-2026-051 (version 2)" in c.value for c in at.caption)
    # built again on the same terrain and settings: nothing to save, no new version
    next(b for b in at.button if b.label == "Build the map").click().run()
    assert mission_inputs(db, mid)["revision"] == 3

    # another laptop still on version 1 reads the stored facts first: already saved, no alarm
    other = _build(_app(mission), terrain="qaidam-5arcmin", radius_km=5.0, cell_m=250.0)
    assert not other.error, [e.value for e in other.error]
    assert mission_inputs(db, mid)["revision"] == 3

    fresh = _app()  # a new session (the next shift): the mission is reopened
    fresh.switch_page(PAGES + "mission.py").run()
    fresh.selectbox(key="mission_incident").set_value(incident).run()
    assert not fresh.exception
    fresh.switch_page(PAGES + "probability.py").run()
    assert not fresh.exception, fresh.exception
    assert fresh.selectbox(key="poa_terrain").value == "qaidam-5arcmin"


def test_a_page_opened_before_another_save_reads_it_first_and_loses_nothing():
    """The page reads the stored inputs on every run (issue 10), so a save made by someone else
    in between is taken in before this page saves anything: nothing is refused, nothing lost."""
    incident = "GOL-2026-052"
    db, commander, mid, mission = _logbook_mission(incident, 36.10, 94.85)
    at = _app(mission)
    # someone else saves the inputs in between (version 2)
    save_mission_inputs(db, commander, mid, {
        "ipp_text": "36.10, 94.85", "datum": "WGS84", "subject": "herder",
        "terrain_class": "dry-flat", "notes": "seen near the well",
        "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)}, base_revision=1)
    at = _build(at, terrain="qaidam-5arcmin", radius_km=5.0, cell_m=250.0)
    assert not at.error, [e.value for e in at.error]
    stored = mission_inputs(db, mid)
    # 3: the terrain, 4: the map settings, both on top of their version 2
    assert (stored["revision"], stored["notes"], stored["terrain_id"]) == (
        4, "seen near the well", "qaidam-5arcmin")
    assert at.get("plotly_chart")  # the map is built all the same
