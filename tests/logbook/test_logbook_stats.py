"""Statistics and exports: hand-checkable totals, local months, and files with the page's rows."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest

from sar_planner.logbook.exports import export_bytes, write_export
from sar_planner.logbook.records import close_mission, log_sortie, return_sortie
from sar_planner.logbook.stats import (
    FRAME_COLUMNS,
    SortieFilter,
    filter_sorties,
    aggregate,
    report_to_find_hours,
    sorties_frame,
    summary,
)
from tests.logbook._helpers import local, sortie

TRACK = {"type": "LineString", "coordinates": [[96.40, 36.40], [96.45, 36.42], [96.50, 36.40]]}


@pytest.fixture
def logged(db, unit):
    # Three sorties a person can add up: 1.5 h + 0.5 h search (B-7185, drone), 2.0 h training (B-7361).
    # All three submitted (waiting for review), so they count as flown.
    log_sortie(db, unit.crew, sortie(local(2025, 1, 31, 23, 30), hours=1.5, pod=0.6, track=TRACK,
                                     area_covered_m2=4.2e6), submit=True)  # 15:30 UTC, January in Beijing
    log_sortie(db, unit.commander, sortie(local(2025, 2, 1, 10, 0), hours=0.5, aircraft="QHJ-UAV-01",
                                          crew=(("韩永红", "pilot"),), pod=0.4), submit=True)
    log_sortie(db, unit.commander, sortie(local(2025, 3, 5, 9, 0), hours=2.0, aircraft="B-7361",
                                          task="training", incident=None,
                                          crew=(("孙立民", "pilot"), ("星卫东", "observer"))),
               submit=True)
    close_mission(db, unit.commander, "QH-GEM-2025-031", "found_alive", local(2025, 7, 1, 18, 0),
                  find_lat=36.45, find_lon=96.47, find_time=local(2025, 7, 1, 14, 0))
    return db


def test_summary_by_type_aircraft_month_and_crew(logged):
    s = summary(filter_sorties(logged), as_of=local(2025, 3, 31, 0, 0))
    assert (s["sorties"], s["hours"]) == (3, 4.0)
    assert s["by_type"] == {"search": {"sorties": 2, "hours": 2.0}, "training": {"sorties": 1, "hours": 2.0}}
    assert s["by_aircraft"]["B-7185"] == {"sorties": 1, "hours": 1.5}
    # 23:30 on 31 January Beijing is 15:30 UTC: it counts in January, the local month.
    assert s["by_month"] == {"2025-01": {"sorties": 1, "hours": 1.5}, "2025-02": {"sorties": 1, "hours": 0.5},
                             "2025-03": {"sorties": 1, "hours": 2.0}}
    assert s["by_crew"]["星卫东"] == {"sorties": 2, "hours": 3.5}
    assert s["mission_outcomes"] == {"found_alive": 1}
    assert s["mean_pod"] == 0.5  # (0.6 + 0.4) / 2
    # currency: in the 90 days before 31 March 00:00 (from 31 Dec) all three; 马建国 1 sortie 1.5 h
    assert s["crew_currency"]["马建国"] == {"sorties": 1, "hours": 1.5}


def test_database_aggregate_gives_the_same_numbers(logged):
    # the same hand-checked numbers as above, computed by GROUP BY in the database
    as_of = local(2025, 3, 31, 0, 0)
    s = aggregate(logged, as_of=as_of)
    assert (s["sorties"], s["hours"]) == (3, 4.0)
    assert s["by_year"] == {"2025": {"sorties": 3, "hours": 4.0}}
    assert s["by_month"]["2025-01"] == {"sorties": 1, "hours": 1.5}  # 23:30 Beijing on 31 Jan
    assert s["by_month_task"]["2025-03"] == {"training": {"sorties": 1, "hours": 2.0}}
    assert s["by_crew"]["星卫东"] == {"sorties": 2, "hours": 3.5}
    assert s["mean_pod"] == 0.5 and s["mission_outcomes"] == {"found_alive": 1}
    assert s == summary(filter_sorties(logged), as_of=as_of)


@pytest.mark.parametrize("flt", [
    SortieFilter(start=dt.date(2025, 1, 31), end=dt.date(2025, 1, 31)), SortieFilter(start=dt.date(2025, 2, 1)),
    SortieFilter(aircraft=("B-7361",)), SortieFilter(crew=("星卫东",)), SortieFilter(task_types=("training",)),
    SortieFilter(outcomes=("found_alive",)), SortieFilter(area="NUOMU"), SortieFilter(area="50%"),
    SortieFilter(statuses=("submitted",)), SortieFilter(statuses=("approved",))])
def test_database_aggregate_matches_the_records_for_each_filter(logged, unit, flt):
    log_sortie(logged, unit.crew, sortie(local(2025, 2, 2, 8, 0), hours=0.75))  # a draft
    as_of = local(2025, 3, 31, 0, 0)
    assert aggregate(logged, flt, as_of=as_of) == summary(filter_sorties(logged, flt), as_of=as_of)


def test_drafts_and_returned_sorties_are_apart_and_never_counted_as_flown(logged, unit):
    log_sortie(logged, unit.crew, sortie(local(2025, 2, 2, 8, 0), hours=0.75))  # draft 4
    ret = log_sortie(logged, unit.crew, sortie(local(2025, 2, 3, 8, 0), hours=0.25), submit=True)
    return_sortie(logged, unit.commander, ret.id, "track missing")  # returned 5
    for s in (aggregate(logged), summary(filter_sorties(logged))):
        assert (s["sorties"], s["hours"]) == (3, 4.0)  # as before: 1.5 + 0.5 + 2.0
        assert s["apart"] == {"draft": {"sorties": 1, "hours": 0.75},
                              "returned": {"sorties": 1, "hours": 0.25}}
        assert s["by_month"]["2025-02"] == {"sorties": 1, "hours": 0.5}


def test_currency_window_is_ninety_days(logged):
    s = summary(filter_sorties(logged), as_of=local(2025, 5, 1, 0, 0))  # 90 days back: 31 Jan 00:00
    assert "马建国" in s["crew_currency"]  # 31 Jan 23:30 is inside
    s = summary(filter_sorties(logged), as_of=local(2025, 5, 2, 0, 0))  # window starts 1 Feb 00:00
    assert "马建国" not in s["crew_currency"]


def test_filters_by_local_date_aircraft_crew_task_outcome(logged):
    def numbers(**kw):
        return [r.number for r in filter_sorties(logged, SortieFilter(**kw))]

    assert numbers(start=dt.date(2025, 1, 31), end=dt.date(2025, 1, 31)) == [1]  # local date
    assert numbers(start=dt.date(2025, 2, 1)) == [2, 3]
    assert numbers(aircraft=("B-7361",)) == [3]
    assert numbers(crew=("星卫东",)) == [1, 3]
    assert numbers(task_types=("training",)) == [3]
    assert numbers(outcomes=("found_alive",)) == [1, 2]
    assert numbers(area="nuomu") == [1, 2]


def test_report_to_find_time(logged):
    # reported 05:30, found 14:00 the same day (Beijing): 8.5 hours
    assert report_to_find_hours(logged) == {"QH-GEM-2025-031": 8.5}


def test_csv_and_xlsx_hold_the_rows_the_page_shows(logged, tmp_path):
    records = filter_sorties(logged, SortieFilter(task_types=("search",)))
    shown = sorties_frame(records)
    assert list(shown.columns) == list(FRAME_COLUMNS)
    back = pd.read_csv(io.BytesIO(export_bytes(records, "csv")), encoding="utf-8-sig")
    assert back["number"].tolist() == shown["number"].tolist() == [1, 2]
    assert back["flight_hours"].tolist() == [1.5, 0.5]
    assert back.loc[0, "takeoff_local"] == "2025-01-31 23:30"
    assert back.loc[0, "pilot"] == "马建国"
    out = tmp_path / "sorties.xlsx"
    assert write_export(records, "xlsx", out) == 2
    ws = openpyxl.load_workbook(out).active
    values = list(ws.values)
    assert list(values[0]) == list(FRAME_COLUMNS)
    assert [row[0] for row in values[1:]] == [1, 2]
    assert pd.read_excel(out)["aircraft"].tolist() == ["B-7185", "QHJ-UAV-01"]


def test_geojson_has_the_tracks_of_the_filtered_sorties(logged):
    data = json.loads(export_bytes(filter_sorties(logged), "geojson"))
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]  # only sortie 1 has a flown track
    assert feature["geometry"] == TRACK
    assert feature["properties"]["number"] == 1 and feature["properties"]["flight_hours"] == 1.5


def test_unknown_export_format_is_refused(logged):
    from sar_planner.errors import LogbookError

    with pytest.raises(LogbookError):
        export_bytes([], "pdf")


def test_whole_log_export_carries_the_opening_balance_so_columns_sum_to_the_count(db, unit):
    """By hand: balance 350 sorties / 612.5 h; submitted 351 (1.5 h); draft 352 (0.5 h).
    Running count 351 sorties, 614.0 h: the CSV's counted_* columns sum to exactly that."""
    from sar_planner.logbook.counter import running_totals, set_opening_balance
    from sar_planner.logbook.stats import OPENING_STATUS, opening_row

    set_opening_balance(db, unit.admin, 350, 612.5)
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=1.5), submit=True)
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 10, 0), hours=0.5))
    totals = running_totals(db)
    assert (totals.sorties, totals.hours) == (351, 614.0)
    assert opening_row(totals) == (350, 612.5)
    assert opening_row(totals, SortieFilter(start=dt.date(2025, 1, 1))) is None  # a part of the log
    assert opening_row(totals, SortieFilter(end=dt.date(2025, 12, 31))) == (350, 612.5)
    back = pd.read_csv(io.BytesIO(export_bytes(filter_sorties(db), "csv", opening_row(totals))),
                       encoding="utf-8-sig")
    assert back["status"].tolist() == [OPENING_STATUS, "submitted", "draft"]
    assert back["counted_sorties"].sum() == 351
    assert back["counted_hours"].sum() == pytest.approx(614.0, abs=1e-9)
    assert back["counted_hours"].tolist() == [612.5, 1.5, 0.0]
