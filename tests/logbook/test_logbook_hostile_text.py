"""Hostile text gets its own clear message and exit status 2, never "internal error" (issue 14, item 7):
a CSV cell over csv's field limit (131,072 characters, Python's csv.field_size_limit default), a NUL
character or a 5,000-character name (PostgreSQL refuses both outright; SQLite would keep them), and an
infinite or huge opening balance. Nothing is saved in any of these cases, on either backend."""

from __future__ import annotations

import csv

import pytest

from sar_planner.cli import main
from sar_planner.errors import LogbookError
from sar_planner.logbook.counter import running_totals
from sar_planner.logbook.db import reset_database_cache
from sar_planner.logbook.history import HistoryImportError, import_history
from sar_planner.logbook.records import add_crew_member, list_sorties, log_sortie
from tests.logbook._helpers import local, sortie

HEADER = ("sortie_no,date,takeoff,flight_hours,aircraft,aircraft_type,aircraft_kind,task_type,pilot,crew,"
          "mission,outcome,takeoff_site,remarks\n")


def _row(pilot: str = "孙立民", remarks: str = "ok", crew: str = "") -> str:
    return f"1,2019-03-08,09:35,0.5,B-7185,AC311A,helicopter,training,{pilot},{crew},,,site,{remarks}\n"


@pytest.fixture
def cli_db(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    monkeypatch.setenv("SAR_PLANNER_DATA_DIR", str(tmp_path / "data"))
    reset_database_cache()
    yield db_url
    reset_database_cache()


def test_a_cell_over_the_csv_field_limit_is_a_clear_error(db, unit):
    too_big = "x" * (csv.field_size_limit() + 1)
    with pytest.raises(LogbookError) as err:
        import_history(db, unit.admin, (HEADER + _row(remarks=too_big)).encode(), "big.csv")
    assert err.value.code == "logbook.err_import_csv"
    assert "Line 2 of big.csv" in err.value.message("en") and "131,072" in err.value.message("en")
    assert "第 2 行" in err.value.message("zh")
    assert list_sorties(db) == []


@pytest.mark.parametrize("row, code, column", [
    (_row(pilot="孙立\x00民"), "logbook.row_nul", "pilot"),
    (_row(remarks="a\x00b"), "logbook.row_nul", "remarks"),
    (_row(pilot="孙" * 5000), "logbook.row_too_long", "pilot"),
    (_row(crew="白" * 81), "logbook.row_too_long", "crew"),
])
def test_nul_and_over_long_names_in_a_history_file_are_reported_by_line(db, unit, row, code, column):
    with pytest.raises(HistoryImportError) as err:
        import_history(db, unit.admin, (HEADER + row).encode(), "h.csv")
    assert [(p.line, p.code, p.params["column"]) for p in err.value.problems] == [(2, code, column)]
    assert list_sorties(db) == [] and running_totals(db).last_number == 0


@pytest.mark.parametrize("field, value", [("remarks", "before\x00after"), ("takeoff_site", "a" * 5000),
                                          ("landing_site", "\x00")])
def test_typed_nul_or_over_long_text_is_refused_before_the_database(db, unit, field, value):
    with pytest.raises(LogbookError) as err:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), **{field: value}))
    assert err.value.code == "logbook.err_text_value"
    assert list_sorties(db) == []


def test_postgresql_refusing_text_is_a_clear_message(db, unit):
    if db.backend != "postgresql":
        pytest.skip("SQLite stores any text; this is PostgreSQL's own refusal, caught")
    with pytest.raises(LogbookError) as err:
        add_crew_member(db, unit.admin, "N" * 5000)  # the roster column holds 80 characters
    assert err.value.code == "logbook.err_text_value"
    with pytest.raises(LogbookError) as err:
        add_crew_member(db, unit.admin, "N\x00N")
    assert err.value.code == "logbook.err_text_value"


@pytest.mark.parametrize("args", [
    ["log", "opening-balance", "--sorties", "350", "--hours", "inf"],
    ["log", "opening-balance", "--sorties", "350", "--hours", "1e300"],
    ["log", "opening-balance", "--sorties", "350", "--hours", "nan"],
])
def test_cli_opening_balance_bad_values_exit_2_with_one_line(cli_db, capsys, args):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err and "opening balance" in err


def test_cli_history_with_a_huge_cell_exits_2(cli_db, capsys, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _row(remarks="y" * 140_000), encoding="utf-8")
    assert main(["log", "import-history", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err and "131,072" in err
