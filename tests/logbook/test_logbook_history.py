"""Importing the historical sortie list: all rows or none, every bad row reported by line number."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sar_planner.errors import LogbookError
from sar_planner.logbook.counter import running_totals, set_opening_balance
from sar_planner.logbook.history import HistoryImportError, import_history, parse_history
from sar_planner.logbook.records import list_aircraft, list_sorties, log_sortie
from tests.logbook._helpers import SAMPLE_CSV, local, sortie

SAMPLE = SAMPLE_CSV.read_bytes()


def _sample_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(SAMPLE.decode("utf-8"))))


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_sample_history_starts_the_count_at_350(db, unit):
    n = import_history(db, unit.admin, SAMPLE, "sample_sortie_history.csv")
    assert n == 350
    rows = _sample_rows()
    expected_hours = round(sum(float(r["flight_hours"]) for r in rows), 2)  # sum of the file's column
    totals = running_totals(db)
    assert (totals.sorties, totals.last_number, totals.hours) == (350, 350, expected_hours)
    assert totals.missions == len({r["mission"] for r in rows if r["mission"]}) + 1  # + the unit fixture's
    nxt = log_sortie(db, unit.crew, sortie(local(2026, 11, 20, 9, 0)))
    assert nxt.number == 351
    first = list_sorties(db)[0]
    assert (first.number, first.status, first.aircraft) == (1, "historical", rows[0]["aircraft"])
    assert first.takeoff_at.isoformat() == "2019-03-08T01:35:00+00:00"  # 09:35 Beijing
    assert {a["registration"] for a in list_aircraft(db)} >= {r["aircraft"] for r in rows}


def test_bad_rows_are_all_reported_and_nothing_is_imported(db, unit):
    rows = _sample_rows()[:6]
    rows[1]["flight_hours"] = "abc"          # line 3
    rows[2]["date"] = "2019-02-30"           # line 4
    rows[3]["task_type"] = "sightseeing"     # line 5
    rows[4]["sortie_no"] = "7"               # line 6: gap (5 expected)
    with pytest.raises(HistoryImportError) as err:
        import_history(db, unit.admin, _csv(rows), "bad.csv")
    lines = [(p.line, p.code) for p in err.value.problems]
    assert lines == [(3, "logbook.row_hours"), (4, "logbook.row_datetime"), (5, "logbook.row_choice"),
                     (6, "logbook.row_sequence")]
    text = err.value.message("en")
    assert "bad.csv has 4 problem(s)" in text and "line 4:" in text
    assert "第 5 行" in err.value.message("zh")
    assert running_totals(db).last_number == 0 and list_sorties(db) == []


def test_missing_columns_are_reported_on_line_1(db, unit):
    data = b"sortie_no,date,takeoff\n1,2019-03-08,09:35\n"
    with pytest.raises(HistoryImportError) as err:
        import_history(db, unit.admin, data, "short.csv")
    (problem,) = err.value.problems
    assert problem.line == 1 and "flight_hours" in problem.params["columns"]


def test_overlaps_within_the_file_are_reported(db, unit):
    rows = _sample_rows()[:2]
    rows[1].update(date=rows[0]["date"], takeoff=rows[0]["takeoff"], aircraft=rows[0]["aircraft"],
                   aircraft_type=rows[0]["aircraft_type"], aircraft_kind=rows[0]["aircraft_kind"])
    with pytest.raises(HistoryImportError) as err:
        parse_history(_csv(rows))
    assert ("logbook.row_aircraft_overlap", 3) in [(p.code, p.line) for p in err.value.problems]


def test_import_only_into_an_empty_log(db, unit):
    set_opening_balance(db, unit.admin, 10, 5)
    with pytest.raises(LogbookError) as err:
        import_history(db, unit.admin, SAMPLE)
    assert err.value.code == "logbook.err_import_not_empty"


def test_gb18030_file_from_chinese_excel_is_read():
    rows = parse_history(SAMPLE.decode("utf-8").encode("gb18030"))
    assert len(rows) == 350 and rows[0].pilot == _sample_rows()[0]["pilot"]


def test_empty_and_binary_files_are_clear_errors():
    with pytest.raises(LogbookError) as err:
        parse_history(b"", "empty.csv")
    assert err.value.code == "logbook.err_import_empty"
    with pytest.raises(LogbookError):
        parse_history(bytes(range(256)) * 4, "photo.jpg")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0, max_value=29),
       bad=st.sampled_from(["", "0", "-1", "12.5", "one", "1,5", "nan"]))
def test_a_bad_hours_cell_is_reported_on_its_own_line(index, bad):
    rows = _sample_rows()[:30]
    rows[index]["flight_hours"] = bad
    with pytest.raises(HistoryImportError) as err:
        parse_history(_csv(rows))
    # line 1 is the header, so row index i is on line i + 2
    assert [(p.line, p.code) for p in err.value.problems] == [(index + 2, "logbook.row_hours")]
