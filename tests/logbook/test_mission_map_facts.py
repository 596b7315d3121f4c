"""One mission, one map (issue 10), on SQLite and PostgreSQL (``db`` fixture):

* map settings are stored facts: checked (a bad name or value is refused naming the allowed ones,
  nothing stored), audited (before and after), stale saves refused;
* ``sar-planner mission map`` run in ANOTHER process writes, cell for cell (float equality), the
  map the core assembles in this process from the same stored facts, with ROW in its tag; with
  ``--at`` before a POD map was stored, the map without it; case scoring scores exactly the
  initial map of the stored settings;
* an earlier (version 2) stored input is upgraded by migration 0005 with the defaults written out,
  audited, and gives the map it gave before (the pre-issue-10 case-scoring build: page defaults).

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), IPP near
Karakul lake (38.30 N, 75.05 E). Grid: 3 km half-width, 100 m cells (61 x 61, UTM 43N) unless the
default rule is tested. Bayes: ROW' = ROW / (1 - POS), POS = sum POA x POD (search-theory.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio

from sar_planner.cli import main
from sar_planner.errors import LogbookError, ProbabilityError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.cases import closed_cases
from sar_planner.logbook.db import reset_database_cache
from sar_planner.logbook.mission_facts import mission_facts, stored_mission_map
from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                save_mission_inputs, save_mission_settings)
from sar_planner.logbook.pod_maps import add_pod_map
from sar_planner.logbook.records import close_mission
from sar_planner.probability.casescore import score_case
from sar_planner.settings import get_settings
from sar_planner.terrain import list_library
from tests.logbook._helpers import local
from tests.logbook.test_pod_maps import INCIDENT
from tests.rasters import grid_geotiff_bytes

REPO = Path(__file__).resolve().parents[2]
LAT, LON = 38.30, 75.05
PAMIR = "pamir-15arcsec"
INPUTS = {"ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "subject": "hiker",
          "terrain_class": "dry-mountainous", "terrain_id": PAMIR,
          "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)}


@pytest.fixture(autouse=True)
def _database(db_url, monkeypatch):
    """Point the command line (and any child process) at this test's database."""
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    reset_database_cache()
    yield
    reset_database_cache()


def _cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 else out.err)


def test_settings_are_checked_audited_and_stale_saves_refused(db, unit):
    mid = mission_id_for(db, INCIDENT)
    first = save_mission_inputs(db, unit.crew, mid, INPUTS)
    assert first["version"] == 3 and first["settings"]["max_slope_deg"] == 40.0  # the default
    saved = save_mission_settings(db, unit.crew, mid, {"max_slope_deg": "35", "model": "terrain",
                                                       "radius_m": 3000},
                                  base_revision=first["revision"])
    assert saved["revision"] == 2 and saved["model"] == "terrain"
    assert saved["settings"]["max_slope_deg"] == 35.0 and saved["settings"]["radius_m"] == 3000.0
    entry = next(e for e in audit_log(db, entity="mission", entity_id=mid)
                 if e.action == "set_inputs")
    assert entry.actor == "ma" and entry.details["before"]["settings"]["max_slope_deg"] == 40.0
    assert entry.details["after"]["settings"]["max_slope_deg"] == 35.0
    for bad, code in (({"max_slope_deg": 95}, "probability.err_setting_value"),
                      ({"cell_m": -30}, "probability.err_setting_value"),
                      ({"colour": "red"}, "probability.err_setting_unknown")):
        with pytest.raises(ProbabilityError) as err:
            save_mission_settings(db, unit.crew, mid, bad, base_revision=2)
        assert err.value.code == code
    assert "1 .. 90" in str(ProbabilityError("probability.err_setting_value", name="max_slope_deg",
                                             value=95, allowed="1 .. 90"))
    with pytest.raises(LogbookError) as err:  # based on revision 1, but 2 is stored
        save_mission_settings(db, unit.commander, mid, {"segment_km": 3}, base_revision=1)
    assert err.value.code == "logbook.err_inputs_changed"
    assert mission_inputs(db, mid)["revision"] == 2  # nothing stored by the refusals


def test_the_command_line_map_in_another_process_equals_the_core_and_case_scoring(
        db, unit, capsys, tmp_path, db_url):
    mid = mission_id_for(db, INCIDENT)
    save_mission_inputs(db, unit.crew, mid, INPUTS)
    code, out = _cli(capsys, "mission", "set", "--incident", INCIDENT, "radius_m=3000",
                     "cell_m=100", "segment_km=1", "--as", "ma")
    assert code == 0 and out["version"] == 2 and out["settings"]["cell_m"] == 100.0
    code, err = _cli(capsys, "mission", "set", "--incident", INCIDENT, "max_slope_deg=91",
                     "--as", "ma")
    assert code == 2 and "max_slope_deg" in err and "1 .. 90" in err and len(err.splitlines()) == 1
    entries = list_library(get_settings())
    before_pod = dt.datetime.now(dt.UTC)
    _, _, plain = stored_mission_map(db, mission_facts(db, INCIDENT), entries)
    grid = plain.grid
    assert grid.shape == (61, 61) and grid.crs.to_epsg() == 32643
    pod = np.zeros(grid.shape)
    pod[:30] = 0.5  # the northern half searched at POD 0.5
    add_pod_map(db, unit.crew, mid, "north.tif", grid_geotiff_bytes(grid, pod), grid)
    _, pods, state = stored_mission_map(db, mission_facts(db, INCIDENT), entries)
    assert [r.file_name for r, _ in pods.applied] == ["north.tif"]
    pos = float((plain.current.poa * pod).sum())
    assert state.current.row == pytest.approx(plain.current.row / (1 - pos), rel=1e-12)

    out_tif = tmp_path / "now.tif"
    env = dict(os.environ, SAR_PLANNER_DATABASE_URL=db_url)
    run = subprocess.run([sys.executable, "-m", "sar_planner", "mission", "map", "--incident",
                          INCIDENT, "--out", str(out_tif)], env=env, capture_output=True,
                         text=True, timeout=600, cwd=REPO)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["shape"] == [61, 61] and summary["cell_size_m"] == 100.0
    assert summary["inputs_version"] == 2 and summary["crs"] == "EPSG:32643"
    assert summary["row"] == state.current.row and summary["sum"] == float(state.current.poa.sum())
    with rasterio.open(out_tif) as src:
        written, tags = src.read(1), src.tags()
    assert np.array_equal(written, state.current.poa)  # float equality, cell for cell
    assert float(tags["ROW"]) == state.current.row and tags["INPUTS_VERSION"] == "2"

    # the map as it stood before the POD map was stored: the plain one
    code, out = _cli(capsys, "mission", "map", "--incident", INCIDENT, "--out",
                     str(tmp_path / "then.tif"), "--at", before_pod.isoformat())
    assert code == 0 and out["row"] == plain.current.row
    with rasterio.open(tmp_path / "then.tif") as src:
        assert np.array_equal(src.read(1), plain.current.poa)
    code, err = _cli(capsys, "mission", "map", "--incident", INCIDENT, "--out",
                     str(tmp_path / "x.tif"), "--at", "2020-01-01T00:00:00+00:00")
    assert code == 2 and "was opened at" in err and not (tmp_path / "x.tif").exists()
    code, err = _cli(capsys, "mission", "show", "--incident", "QH-NOPE")
    assert code == 2 and "QH-NOPE" in err

    code, shown = _cli(capsys, "mission", "show", "--incident", INCIDENT)
    assert code == 0 and shown["version"] == 2 and shown["settings"]["radius_m"] == 3000.0
    assert shown["inputs"]["subject"] == "hiker" and shown["sorties_applied"] == []
    assert [p["file_name"] for p in shown["pod_maps"]] == ["north.tif"]

    # closed with a find 1 km north: case scoring scores exactly the stored settings' initial map
    close_mission(db, unit.commander, INCIDENT, "found_alive", local(2026, 7, 2, 12, 0),
                  find_lat=LAT + 0.009, find_lon=LON)
    case = next(c for c in closed_cases(db).cases if c.incident_number == INCIDENT)
    scored = score_case(case, entries, ("rings",), keep_maps=True)
    assert scored.grid.shape == (61, 61)
    assert np.array_equal(scored.maps["rings"].poa, plain.initial.base.poa)
    assert scored.maps["rings"].row == plain.initial.base.row


def test_an_earlier_stored_input_is_upgraded_and_gives_the_map_it_gave_before(db, unit):
    import importlib

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import text

    from sar_planner.geo import local_metric_crs
    from sar_planner.probability.casescore import model_inputs
    from sar_planner.probability.mission import default_grid, map_on_terrain
    from sar_planner.subjects import quartiles_for
    from sar_planner.terrain.choice import terrain_extent, terrain_reach_km

    migration = importlib.import_module(
        "sar_planner.logbook.migrations.versions.0005_mission_map_settings")
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, unit.crew, mid, INPUTS)
    v2 = {k: v for k, v in stored.items() if k != "settings"}
    v2.update(version=2, model=None)  # as saved before issue 10: no settings, model not chosen
    with db.engine.begin() as conn:  # the stored row as before, then migration 0005's upgrade
        conn.execute(text("UPDATE mission SET planning_inputs = :v WHERE id = :i"),
                     {"v": json.dumps(v2), "i": mid})
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT planning_inputs FROM mission WHERE id = :i"),
                           {"i": mid}).scalar_one()
    raw = json.loads(raw) if isinstance(raw, str) else raw
    assert raw["version"] == 3 and raw["settings"] == migration.SETTINGS_V3_DEFAULTS
    after = mission_inputs(db, mid)
    assert after["version"] == 3 and after["model"] == "rings"
    assert after["settings"] == migration.SETTINGS_V3_DEFAULTS
    audited = [e for e in audit_log(db, entity="mission", entity_id=mid)
               if e.action == "upgrade_inputs"]
    assert len(audited) == 1 and audited[0].details["before"]["version"] == 2

    entry = next(e for e in list_library(get_settings()) if e.id == PAMIR)
    _, _, now = stored_mission_map(db, mission_facts(db, INCIDENT), [entry])
    # before issue 10 (case scoring, the command line): the page's default grid, page defaults
    reach = terrain_reach_km(terrain_extent(tuple(entry.paths)), LAT, LON)
    radius, cell = default_grid(quartiles_for("hiker", "dry-mountainous").d95, reach)
    old = map_on_terrain(list(entry.paths), LAT, LON, radius, cell, model="rings",
                         **model_inputs(v2, local_metric_crs(LAT, LON)))
    assert now.grid.shape == old.grid.shape
    assert np.array_equal(now.current.poa, old.poa.poa) and now.current.row == old.poa.row
