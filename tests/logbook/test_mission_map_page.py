"""The map made on the Probability page equals ``sar-planner mission map`` for the same mission, cell
for cell (float equality), on SQLite and PostgreSQL (issue 10); a reload (a fresh session) keeps
every setting the crew built with, and a setting changed by another crew (here the command line)
is what the page then shows and builds with.

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), IPP near
Karakul lake (38.30 N, 75.05 E); the crew builds a 3 km half-width at 100 m (61 x 61 cells) with
the slope limit at 35 degrees and terrain segments of 1 km.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.cli import main
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs, save_mission_inputs
from sar_planner.logbook.records import open_mission
from sar_planner.ui.mission_state import HANDOVER_KEY, session_from_stored
from tests.signin import TEST_PASSWORD, ensure_account, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
INCIDENT = "QH-KAR-2026-010"
LAT, LON = 38.30, 75.05


@pytest.fixture(autouse=True)
def _database(db_url, monkeypatch):
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    reset_database_cache()
    yield
    reset_database_cache()


def _mission():
    db = get_database()
    boss = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    open_mission(db, boss, INCIDENT, dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, boss, mid, {
        "ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "subject": "hiker",
        "terrain_class": "dry-mountainous", "terrain_id": "pamir-15arcsec",
        "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)})
    return db, mid, session_from_stored(stored, INCIDENT, mid)


def _page(mission) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = mission
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    at.switch_page("sar_planner/ui/pages/probability.py").run()
    assert not at.exception, at.exception
    return at


def _cli_map(capsys, out: Path) -> np.ndarray:
    assert main(["mission", "map", "--incident", INCIDENT, "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    with rasterio.open(out) as src:
        assert float(src.tags()["ROW"]) == summary["row"]
        return src.read(1), summary


def test_the_page_map_equals_mission_map_and_a_reload_keeps_the_settings(capsys, tmp_path):
    db, mid, mission = _mission()
    at = _page(mission)
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.number_input(key="poa_max_slope").set_value(35.0)
    at.selectbox(key="poa_seg_mode").set_value("terrain")
    at.number_input(key="poa_seg_km").set_value(1.0)
    next(b for b in at.button if b.label == "Build the map").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = mission_inputs(db, mid)
    assert stored["settings"]["radius_m"] == 3000.0 and stored["settings"]["cell_m"] == 100.0
    assert stored["settings"]["max_slope_deg"] == 35.0
    assert stored["settings"]["segment_rule"] == "terrain" and stored["settings"]["segment_km"] == 1.0
    page_map = at.session_state[HANDOVER_KEY].current
    cli, summary = _cli_map(capsys, tmp_path / "cli.tif")
    assert page_map.poa.shape == (61, 61) and summary["inputs_version"] == stored["revision"]
    assert np.array_equal(page_map.poa, cli) and page_map.row == summary["row"]

    # a reload (a fresh session on the stored mission) starts from every stored setting
    again = _page(session_from_stored(stored, INCIDENT, mid))
    assert again.number_input(key="poa_radius").value == 3.0
    assert again.number_input(key="poa_cell").value == 100.0
    assert again.number_input(key="poa_max_slope").value == 35.0
    assert again.selectbox(key="poa_seg_mode").value == "terrain"
    assert again.number_input(key="poa_seg_km").value == 1.0

    # another crew (the command line) changes the model: the open page follows the stored facts
    assert main(["mission", "set", "--incident", INCIDENT, "model=terrain", "--as",
                 ensure_account(db, "commander")]) == 0
    capsys.readouterr()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="poa_model").value == "terrain"
    assert any("were changed and saved" in i.value for i in at.info)
    cli, summary = _cli_map(capsys, tmp_path / "terrain.tif")
    assert summary["model"] == "terrain"
    assert np.array_equal(at.session_state[HANDOVER_KEY].current.poa, cli)
