"""``sar-planner pod-maps list / export`` on SQLite and PostgreSQL: the applied maps in the order
the Probability page applies them, the removed ones with --all, a stored file written back byte for
byte, and an existing file never overwritten."""

from __future__ import annotations

import hashlib
import json

import pytest

from sar_planner.cli import main
from sar_planner.logbook.db import reset_database_cache
from sar_planner.logbook.mission_inputs import mission_id_for
from sar_planner.logbook.pod_maps import add_pod_map, remove_pod_map
from tests.logbook.test_pod_maps import GRID, INCIDENT, _pod, _tif


@pytest.fixture(autouse=True)
def _database(db_url, monkeypatch):
    """Point the CLI at this test's database (SQLite file or a fresh PostgreSQL database)."""
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    reset_database_cache()
    yield
    reset_database_cache()


def test_list_and_export(db, unit, capsys, tmp_path):
    mid = mission_id_for(db, INCIDENT)
    b = add_pod_map(db, unit.crew, mid, "b.tif", _tif(GRID, _pod(0.3)), GRID)
    a = add_pod_map(db, unit.crew, mid, "a.tif", _tif(GRID, _pod(0.6)), GRID)
    c = add_pod_map(db, unit.crew, mid, "c.tif", _tif(GRID, _pod(0.9)), GRID)
    remove_pod_map(db, unit.commander, c.id, reason="duplicate of the logged sortie")
    assert main(["pod-maps", "list", "--incident", INCIDENT]) == 0
    out = json.loads(capsys.readouterr().out)
    # applied, in the order they were stored (issue 10: not by file name)
    assert [m["file_name"] for m in out["maps"]] == ["b.tif", "a.tif"]
    first = out["maps"][1]
    assert first["sha256"] == a.sha256 and first["added_by"] == "ma" and first["applied"]
    # grid_around(36.43, 96.42, 500, 100): 11 x 11 cells of 100 m in UTM zone 47N
    assert first["grid"] == {"crs": "EPSG:32647", "transform": list(tuple(GRID.transform)[:6]),
                             "rows": 11, "cols": 11, "cell_size_m": 100.0}
    assert main(["pod-maps", "list", "--incident", INCIDENT, "--all"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(m["file_name"], m["applied"], m["removed_by"], m["removed_reason"])
            for m in out["maps"]] == [("b.tif", True, None, None), ("a.tif", True, None, None),
                                      ("c.tif", False, "wang", "duplicate of the logged sortie")]
    target = tmp_path / "b_copy.tif"
    assert main(["pod-maps", "export", "--id", str(b.id), "--out", str(target)]) == 0
    assert hashlib.sha256(target.read_bytes()).hexdigest() == b.sha256
    assert json.loads(capsys.readouterr().out)["size_bytes"] == b.size_bytes
    # an existing file is never overwritten; an unknown map or mission is a clear error (exit 2)
    assert main(["pod-maps", "export", "--id", str(a.id), "--out", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert hashlib.sha256(target.read_bytes()).hexdigest() == b.sha256
    assert main(["pod-maps", "export", "--id", "999", "--out", str(tmp_path / "x.tif")]) == 2
    assert "no POD map number 999" in capsys.readouterr().err
    assert main(["pod-maps", "list", "--incident", "NO-SUCH-1"]) == 2
