"""The command line as the issue names it: log import-history / export / stats, db backup."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from sar_planner.cli import main
from sar_planner.logbook.db import reset_database_cache
from tests.logbook._helpers import SAMPLE_CSV


@pytest.fixture(autouse=True)
def _database(db_url, monkeypatch):
    """Point the CLI at this test's database (SQLite file or a fresh PostgreSQL database)."""
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    reset_database_cache()
    yield
    reset_database_cache()


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_import_stats_export_round_trip(capsys, tmp_path):
    assert main(["log", "import-history", str(SAMPLE_CSV)]) == 0
    out = _json(capsys)
    assert (out["imported"], out["last_number"]) == (350, 350)
    sample = pd.read_csv(SAMPLE_CSV)
    assert main(["log", "stats"]) == 0
    stats = _json(capsys)
    assert stats["sorties"] == 350
    assert stats["hours"] == pytest.approx(sample["flight_hours"].sum(), abs=0.01)
    by_type = sample.groupby("task_type").size().to_dict()
    assert {k: v["sorties"] for k, v in stats["by_type"].items()} == by_type
    assert sum(v["sorties"] for v in stats["by_aircraft"].values()) == 350
    assert stats["running_total"]["last_number"] == 350
    # 350 historical sorties, no balance, nothing else: the line says how 350 is made
    rec = stats["reconciliation"]
    assert (rec["total"], rec["opening"], rec["historical"], rec["approved"], rec["waiting"]) == (350, 0, 350, 0, 0)
    assert rec["line"].startswith("350 sorties, ")
    assert stats["not_counted"] == {"draft": {"sorties": 0, "hours": 0.0}, "returned": {"sorties": 0, "hours": 0.0}}
    assert main(["log", "stats", "--detail"]) == 0
    detail = _json(capsys)
    assert sum(v["sorties"] for v in detail["by_year"].values()) == 350
    assert detail["by_year"]["2019"]["sorties"] == int(sample["date"].str.startswith("2019").sum())
    assert detail["by_type"] == stats["by_type"] and detail["sorties"] == 350

    assert main(["log", "stats", "--from", "2024-01-01", "--to", "2024-12-31"]) == 0
    n_2024 = int(sample["date"].str.startswith("2024").sum())
    assert _json(capsys)["sorties"] == n_2024

    csv_out = tmp_path / "y2024.csv"
    assert main(["log", "export", "--format", "csv", "--out", str(csv_out),
                 "--from", "2024-01-01", "--to", "2024-12-31"]) == 0
    assert _json(capsys)["rows"] == n_2024
    exported = pd.read_csv(csv_out, encoding="utf-8-sig")
    assert exported["number"].tolist() == sample.loc[sample["date"].str.startswith("2024"), "sortie_no"].tolist()

    xlsx_out = tmp_path / "all.xlsx"
    assert main(["log", "export", "--format", "xlsx", "--out", str(xlsx_out)]) == 0
    assert len(pd.read_excel(xlsx_out)) == 350
    capsys.readouterr()
    geo_out = tmp_path / "tracks.geojson"
    assert main(["log", "export", "--format", "geojson", "--out", str(geo_out)]) == 0
    assert json.loads(geo_out.read_text())["type"] == "FeatureCollection"


def test_bad_history_file_exits_2_with_line_numbers(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[:4]
    lines[2] = lines[2].replace(",training,", ",joyride,").replace(",search,", ",joyride,")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["log", "import-history", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "line 3:" in err and "Traceback" not in err
    assert main(["log", "stats"]) == 0
    assert _json(capsys)["sorties"] == 0


def test_missing_file_and_reversed_dates_are_clear_errors(capsys, tmp_path):
    assert main(["log", "import-history", str(tmp_path / "nope.csv")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert main(["log", "stats", "--from", "2025-02-01", "--to", "2025-01-01"]) == 2
    assert "before it starts" in capsys.readouterr().err


def test_opening_balance_command(capsys):
    assert main(["log", "opening-balance", "--sorties", "350", "--hours", "512.5"]) == 0
    assert _json(capsys) == {"last_number": 350, "opening_sorties": 350, "opening_hours": 512.5}


def test_db_backup(capsys, tmp_path, db_url):
    assert main(["log", "import-history", str(SAMPLE_CSV)]) == 0
    capsys.readouterr()
    out = tmp_path / "backups" / "log.backup"
    assert main(["db", "backup", "--out", str(out)]) == 0
    info = _json(capsys)
    assert info["bytes"] == out.stat().st_size > 0
    if db_url.startswith("sqlite"):
        con = sqlite3.connect(out)  # the backup is a complete SQLite database
        assert con.execute("SELECT count(*), max(number) FROM sortie").fetchone() == (350, 350)
        con.close()
    else:
        assert out.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert main(["db", "backup", "--out", str(out)]) == 2  # never overwrites a backup
    assert "exists already" in capsys.readouterr().err


def test_postgresql_backup_without_pg_dump_says_what_to_do(capsys, db_url, monkeypatch):
    if db_url.startswith("sqlite"):
        pytest.skip("pg_dump is only for the PostgreSQL log")
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["db", "backup", "--out", "/tmp/never-written.dump"]) == 2
    assert "pg_dump is not installed" in capsys.readouterr().err


def test_unreachable_database_is_a_clear_cli_error(capsys, monkeypatch):
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", "postgresql+psycopg://sar:secret@127.0.0.1:1/none")
    reset_database_cache()
    assert main(["log", "stats"]) == 2
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "secret" not in err and "Traceback" not in err
