"""The Probability page applies the sorties logged against the mission (flown track -> coverage ->
POD -> Bayes), in takeoff order, and lists them.

Hand check: a track along the centre line of one grid row, running past both edges, with the plan
flown's sweep width W = half a cell, covers every cell of that row with coverage C = 0.5 and no
other cell; POD = 1 - exp(-0.5) (exponential detection law, Koopman 1946); then
POA'_i = POA_i (1 - POD_i) / (1 - sum POA POD) (Stone 1975), computed here independently.
Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.geo import from_local
from sar_planner.logbook.db import get_database
from sar_planner.flown_plan import FlownPlan
from sar_planner.logbook.mission_inputs import mission_id_for, save_mission_inputs
from sar_planner.logbook.records import (SortieInput, add_aircraft, add_crew_member, log_sortie,
                                         open_mission)
from sar_planner.ui.mission_state import HANDOVER_KEY, session_from_stored
from tests.signin import TEST_PASSWORD, ensure_account, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PROBABILITY = str(REPO / "sar_planner" / "ui" / "pages" / "probability.py")
INCIDENT = "QH-KK-2026-011"
T0 = dt.datetime(2026, 7, 1, 3, 0, tzinfo=dt.UTC)


def _setup():
    db = get_database()
    commander = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    admin = sign_in(db, "test-admin", TEST_PASSWORD).actor
    add_aircraft(db, admin, "QHJ-UAV-02", "DJI Matrice 350 RTK", "drone")
    add_crew_member(db, admin, "韩永红")
    open_mission(db, commander, INCIDENT, T0 - dt.timedelta(hours=5))
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, commander, mid, {
        "ipp_text": "38.30, 75.05", "datum": "WGS84", "subject": "hiker",
        "terrain_class": "dry-mountainous", "seen_at": T0 - dt.timedelta(hours=6)})
    return db, commander, session_from_stored(stored, INCIDENT, mid)


def _log(db, actor, number_hint, takeoff, track, width):
    run = ((75.0, 38.3, math.nan), (75.01, 38.3, math.nan))
    plan = FlownPlan(name=f"S{number_hint}", runs=(run,), sweep_width_m=width).to_json()
    return log_sortie(db, actor, SortieInput(
        task_type="search", aircraft="QHJ-UAV-02", takeoff_at=takeoff,
        landing_at=takeoff + dt.timedelta(minutes=40), crew=(("韩永红", "pilot"),),
        incident_number=INCIDENT, plan=plan, track=track))


def _row_track(grid, row):
    west, south, east, north = grid.bounds
    y = north - (row + 0.5) * grid.cell_size
    lat, lon = from_local(np.array([west - 500.0, east + 500.0]), np.array([y, y]), grid.crs)
    return {"type": "LineString", "coordinates": [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]}


def _run(mission):
    at = AppTest.from_file(PROBABILITY, default_timeout=180)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = mission
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_a_logged_sortie_updates_the_map_exactly_as_bayes_by_hand():
    db, commander, mission = _setup()
    before = _run(mission)
    assert any("No sortie with a flown track" in c.value for c in before.caption)
    initial = before.session_state[HANDOVER_KEY].current
    grid = initial.grid
    row = grid.shape[0] // 2 - 5
    rec = _log(db, commander, 1, T0, _row_track(grid, row), grid.cell_size / 2.0)

    after = _run(mission)
    current = after.session_state[HANDOVER_KEY].current
    assert current.grid.shape == grid.shape
    p = 1.0 - math.exp(-0.5)
    pod = np.zeros(grid.shape)
    pod[row, :] = p
    pos = float(np.sum(initial.poa * pod))
    expected = initial.poa * (1.0 - pod) / (1.0 - pos)
    assert current.poa == pytest.approx(expected, abs=1e-12)
    assert current.row == pytest.approx(initial.row / (1.0 - pos), abs=1e-12)
    table = after.dataframe[0].value
    assert list(table["Sortie"]) == [str(rec.number)]
    assert list(table["W from"]) == ["plan flown"]
    assert float(table["W (m)"][0]) == grid.cell_size / 2.0
    # Mean POD is 1 - e^-0.5 = 0.3935, shown in whole percent as "39 %" (issue 16 item 4)
    assert table["Mean POD"][0] == "39 %"
    assert float(table["Mean POD"][0].rstrip("%")) / 100 == pytest.approx(p, abs=0.005)
    assert float(table["POS"][0]) == pytest.approx(pos, abs=1e-5)
    assert table["Takeoff (Beijing time)"][0] == "2026-07-01 11:00"  # 03:00 UTC + 8 h
    # the track has no heights: the flat swath, and the crew is told its POD may be too high
    assert list(table["Terrain masking"]) == ["not masked: the track has no heights"]
    assert any(w.value.startswith(f"{rec.number}: Not terrain-masked") for w in after.warning)


def test_a_logged_track_with_heights_is_terrain_masked():
    db, commander, mission = _setup()
    grid = _run(mission).session_state[HANDOVER_KEY].current.grid
    track = _row_track(grid, grid.shape[0] // 2)
    for c in track["coordinates"]:
        c.append(7000.0)  # metres above sea level: above every peak of the eastern Pamir grid
    _log(db, commander, 1, T0, track, grid.cell_size / 2.0)
    after = _run(mission)
    table = after.dataframe[0].value
    assert list(table["Terrain masking"]) == ["masked"]
    assert not any("Not terrain-masked" in w.value for w in after.warning)


def test_sorties_apply_in_takeoff_order_and_one_without_width_is_named():
    db, commander, mission = _setup()
    initial = _run(mission).session_state[HANDOVER_KEY].current
    grid = initial.grid
    late = _log(db, commander, 1, T0 + dt.timedelta(hours=2), _row_track(grid, 10), grid.cell_size)
    early = _log(db, commander, 2, T0, _row_track(grid, 20), grid.cell_size / 2.0)
    _log(db, commander, 3, T0 + dt.timedelta(hours=4), _row_track(grid, 30), None)
    after = _run(mission)
    table = after.dataframe[0].value
    assert list(table["Sortie"])[:2] == [str(early.number), str(late.number)]  # takeoff order
    assert list(table["POS"])[2] == "not applied"
    assert any("is not applied" in w.value for w in after.warning)
    pod_e = np.zeros(grid.shape)
    pod_e[20, :] = 1.0 - math.exp(-0.5)
    pod_l = np.zeros(grid.shape)
    pod_l[10, :] = 1.0 - math.exp(-1.0)
    a = initial.poa * (1 - pod_e) / (1 - np.sum(initial.poa * pod_e))
    b = a * (1 - pod_l) / (1 - np.sum(a * pod_l))
    assert after.session_state[HANDOVER_KEY].current.poa == pytest.approx(b, abs=1e-9)
