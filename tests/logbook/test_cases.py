"""Closed cases for MapScore (sar_planner.logbook.cases): closed missions with a find location,
on SQLite and PostgreSQL (``db`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest

from sar_planner.errors import LogbookError
from sar_planner.logbook.cases import closed_cases
from sar_planner.logbook.mission_inputs import mission_id_for, save_mission_inputs
from sar_planner.logbook.records import close_mission, open_mission
from tests.logbook._helpers import local

INPUTS = {"ipp_text": "36.43, 96.42", "subject": "hiker", "quartiles_km": [1, 2, 3, 4],
          "terrain_class": "dry-flat"}


@pytest.fixture
def logbook(db, unit):
    """031: inputs, found alive with a find, closed 00:30 on 2 July station time (16:30 UTC on
    1 July); 040: closed not found, no find; 050: found deceased with a find, no inputs;
    060: still open."""
    save_mission_inputs(db, unit.crew, mission_id_for(db, "QH-GEM-2025-031"), INPUTS)
    close_mission(db, unit.commander, "QH-GEM-2025-031", "found_alive", local(2025, 7, 2, 0, 30),
                  find_lat=36.45, find_lon=96.44, find_time=local(2025, 7, 1, 20, 0))
    open_mission(db, unit.commander, "QH-GEM-2025-040", local(2025, 8, 1, 6, 0),
                 ipp_lat=36.5, ipp_lon=96.5)
    close_mission(db, unit.commander, "QH-GEM-2025-040", "not_found", local(2025, 8, 3, 18, 0))
    open_mission(db, unit.commander, "QH-GEM-2025-050", local(2025, 9, 1, 6, 0),
                 ipp_lat=36.2, ipp_lon=95.0)
    close_mission(db, unit.commander, "QH-GEM-2025-050", "found_deceased", local(2025, 9, 2, 9, 0),
                  find_lat=36.25, find_lon=95.05)
    open_mission(db, unit.commander, "QH-GEM-2025-060", local(2025, 10, 1, 6, 0))
    return db


def test_closed_missions_with_a_find_are_cases_and_the_others_are_counted(logbook):
    got = closed_cases(logbook)
    assert [c.incident_number for c in got.cases] == ["QH-GEM-2025-031", "QH-GEM-2025-050"]
    assert got.closed_without_find == 1 and got.open_missions == 1
    first, second = got.cases
    assert first.outcome == "found_alive" and (first.find_lat, first.find_lon) == (36.45, 96.44)
    assert first.inputs["subject"] == "hiker" and first.inputs["quartiles_km"] == [1, 2, 3, 4]
    assert (first.ipp_lat, first.ipp_lon) == (pytest.approx(36.43), pytest.approx(96.42))
    # 00:30 Beijing (UTC+8) is 16:30 UTC the day before
    assert first.closed_at == dt.datetime(2025, 7, 1, 16, 30, tzinfo=dt.UTC)
    assert second.inputs is None and second.outcome == "found_deceased"


def test_dates_are_the_station_closing_dates_inclusive(logbook):
    # 031 closed on 2 July at the station, 1 July in UTC
    assert [c.incident_number for c in closed_cases(logbook, since=dt.date(2025, 7, 2),
                                                    until=dt.date(2025, 7, 2)).cases] \
        == ["QH-GEM-2025-031"]
    assert closed_cases(logbook, until=dt.date(2025, 7, 1)).cases == ()
    later = closed_cases(logbook, since=dt.date(2025, 8, 1))
    assert [c.incident_number for c in later.cases] == ["QH-GEM-2025-050"]
    assert later.closed_without_find == 1  # 040, closed 3 August
    early = closed_cases(logbook, until=dt.date(2025, 8, 2))
    assert [c.incident_number for c in early.cases] == ["QH-GEM-2025-031"]
    assert early.closed_without_find == 0


def test_outcome_filter(logbook):
    got = closed_cases(logbook, outcomes=("found_deceased", "not_found"))
    assert [c.incident_number for c in got.cases] == ["QH-GEM-2025-050"]
    assert got.closed_without_find == 1


def test_an_empty_logbook_has_no_cases(db):
    got = closed_cases(db)
    assert (got.cases, got.closed_without_find, got.open_missions) == ((), 0, 0)


def test_a_reversed_date_range_is_refused(logbook):
    with pytest.raises(LogbookError) as e:
        closed_cases(logbook, since=dt.date(2025, 9, 1), until=dt.date(2025, 8, 1))
    assert e.value.code == "logbook.err_date_range"


def test_inputs_of_an_unknown_version_leave_that_case_unscored_not_the_listing(logbook):
    # a newer planner saved 050's inputs in a format version this one does not read (99): the
    # listing still gives both cases, and 050 says why it is not scored
    from sqlalchemy import select

    from sar_planner.logbook.models import Mission
    from sar_planner.probability.casescore import score_case

    def newer(session):
        row = session.scalar(select(Mission).where(Mission.incident_number == "QH-GEM-2025-050"))
        row.planning_inputs = {"version": 99, "subject": "hiker"}

    logbook.write(newer)
    got = closed_cases(logbook)
    assert [c.incident_number for c in got.cases] == ["QH-GEM-2025-031", "QH-GEM-2025-050"]
    unread = got.cases[1]
    assert unread.inputs is None and unread.inputs_error[0] == "logbook.err_inputs_version"
    result = score_case(unread, [])
    assert result.scores == {}
    why = result.not_scored["rings"]
    assert why.reason == "unreadable_inputs" and "version 99" in why.message("en")
    assert got.cases[0].inputs_error is None
