"""A mission's planning inputs stored in the logbook: round trip, audit, refusals, migration 0003.

Runs on SQLite and PostgreSQL (``db_url`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from sar_planner.errors import AuthError, CoordinateError, LogbookError, ProbabilityError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import _alembic_config, open_database
from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                save_mission_features, save_mission_inputs)
from sar_planner.logbook.records import close_mission, list_missions
from tests.logbook._helpers import local

INCIDENT = "QH-GEM-2025-031"


def _inputs(**over):
    base = {"ipp_text": "36°24′N 94°54′E", "datum": "WGS84", "uncertainty_m": 500.0,
            "uncertainty_kind": "disc", "subject": "hiker", "age": 54,
            "quartiles_km": [1.0, 2.0, 4.0, 9.0], "terrain_class": "dry-flat", "model": "terrain",
            "terrain_id": "golmud-demo", "seen_at": local(2025, 7, 1, 5, 0),
            "speed_kmh": 3.0, "notes": "枸杞采摘工人，带一瓶水"}
    base.update(over)
    return base


def test_round_trip_keeps_every_input_and_moves_the_mission_ipp(db, unit):
    mid = mission_id_for(db, INCIDENT)
    assert mission_inputs(db, mid) is None
    stored = save_mission_inputs(db, unit.crew, mid, _inputs())
    back = mission_inputs(db, mid)
    assert back == stored
    assert back["revision"] == 1 and back["version"] == 3 and back["features"] == []
    # 36°24' = 36 + 24/60 = 36.4 and 94°54' = 94.9 (hand arithmetic), datum WGS84 unchanged
    assert back["lat"] == pytest.approx(36.4, abs=1e-12)
    assert back["lon"] == pytest.approx(94.9, abs=1e-12)
    assert back["ipp_text"] == "36°24′N 94°54′E" and back["datum"] == "WGS84"
    assert back["uncertainty_m"] == 500.0 and back["uncertainty_kind"] == "disc"
    assert back["quartiles_km"] == [1.0, 2.0, 4.0, 9.0]
    assert back["terrain_class"] == "dry-flat" and back["model"] == "terrain"
    assert back["terrain_id"] == "golmud-demo" and back["notes"] == "枸杞采摘工人，带一瓶水"
    # 05:00 Beijing (UTC+8) is 21:00 UTC the day before
    assert back["seen_at"] == "2025-06-30T21:00:00+00:00"
    row = next(m for m in list_missions(db) if m["incident_number"] == INCIDENT)
    assert (row["ipp_lat"], row["ipp_lon"]) == (pytest.approx(36.4), pytest.approx(94.9))
    assert row["ipp_time"] == dt.datetime(2025, 6, 30, 21, 0, tzinfo=dt.UTC)


def test_own_quartiles_none_means_the_published_table(db, unit):
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, unit.crew, mid, _inputs(quartiles_km=None, model=None,
                                                               seen_at=None))
    assert stored["quartiles_km"] is None and stored["seen_at"] is None
    # version 3: a map always has a model; none chosen is the page's first choice, rings
    assert stored["model"] == "rings"


def test_gcj02_ipp_is_stored_as_typed_and_in_wgs84(db, unit):
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, unit.crew, mid, _inputs(ipp_text="36.4, 94.9", datum="GCJ02"))
    assert stored["ipp_text"] == "36.4, 94.9" and stored["datum"] == "GCJ02"
    # GCJ-02 shifts by a few hundred metres in China: the WGS84 point is not the typed one
    assert 1e-4 < abs(stored["lat"] - 36.4) + abs(stored["lon"] - 94.9) < 1e-2


def test_every_change_is_audited_with_old_and_new(db, unit):
    mid = mission_id_for(db, INCIDENT)
    first = save_mission_inputs(db, unit.crew, mid, _inputs())
    second = save_mission_inputs(db, unit.commander, mid, _inputs(uncertainty_m=2000.0),
                                 base_revision=1)
    assert second["revision"] == 2
    rows = [a for a in audit_log(db, entity="mission", entity_id=mid) if a.action == "set_inputs"]
    assert [a.actor for a in rows] == ["wang", "ma"]  # newest first
    assert rows[1].details["before"] is None and rows[1].details["after"] == first
    assert rows[0].details["before"] == first and rows[0].details["after"] == second
    assert rows[0].details["before"]["uncertainty_m"] == 500.0
    assert rows[0].details["after"]["uncertainty_m"] == 2000.0


def test_a_save_on_a_stale_revision_is_refused_and_changes_nothing(db, unit):
    mid = mission_id_for(db, INCIDENT)
    save_mission_inputs(db, unit.crew, mid, _inputs())
    save_mission_inputs(db, unit.commander, mid, _inputs(notes="second"), base_revision=1)
    with pytest.raises(LogbookError) as err:  # ma still holds revision 1
        save_mission_inputs(db, unit.crew, mid, _inputs(notes="third"), base_revision=1)
    assert err.value.code == "logbook.err_inputs_changed"
    with pytest.raises(LogbookError):  # a first save over existing inputs, too
        save_mission_inputs(db, unit.crew, mid, _inputs(notes="third"))
    assert mission_inputs(db, mid)["notes"] == "second"


@pytest.mark.parametrize(("over", "error", "key"), [
    ({"ipp_text": ""}, LogbookError, "logbook.err_inputs_missing"),
    ({"ipp_text": "somewhere near the lake"}, CoordinateError, None),
    ({"datum": "Beijing54"}, LogbookError, "logbook.err_inputs_choice"),
    ({"subject": "unicorn"}, LogbookError, "logbook.err_inputs_choice"),
    ({"terrain_class": "jungle"}, LogbookError, "logbook.err_inputs_choice"),
    ({"uncertainty_kind": "square"}, LogbookError, "logbook.err_inputs_choice"),
    ({"model": "guess"}, LogbookError, "logbook.err_inputs_choice"),
    ({"uncertainty_m": -1.0}, LogbookError, "logbook.err_inputs_number"),
    ({"uncertainty_m": float("nan")}, LogbookError, "logbook.err_inputs_number"),
    ({"age": 12.5}, LogbookError, "logbook.err_inputs_number"),
    ({"age": 300}, LogbookError, "logbook.err_inputs_number"),
    ({"speed_kmh": "fast"}, LogbookError, "logbook.err_inputs_number"),
    ({"quartiles_km": [4.0, 2.0, 1.0, 9.0]}, ProbabilityError, "probability.err_quartiles_order"),
    ({"quartiles_km": "1 2 4 9"}, LogbookError, "logbook.err_inputs_quartiles"),
    ({"seen_at": dt.datetime(2025, 7, 1, 5, 0)}, LogbookError, "logbook.err_inputs_seen"),
    ({"seen_at": "yesterday"}, LogbookError, "logbook.err_inputs_seen"),
    ({"notes": 12}, LogbookError, "logbook.err_inputs_text"),
])
def test_bad_inputs_are_refused_and_nothing_is_stored(db, unit, over, error, key):
    mid = mission_id_for(db, INCIDENT)
    with pytest.raises(error) as err:
        save_mission_inputs(db, unit.crew, mid, _inputs(**over))
    if key:
        assert err.value.code == key
    assert mission_inputs(db, mid) is None
    assert not [a for a in audit_log(db, entity="mission") if a.action == "set_inputs"]


def test_unknown_or_closed_mission_and_analyst_are_refused(db, unit):
    with pytest.raises(LogbookError) as err:
        save_mission_inputs(db, unit.crew, 9999, _inputs())
    assert err.value.code == "logbook.err_unknown_mission_id"
    with pytest.raises(LogbookError):
        mission_id_for(db, "NO-SUCH")
    mid = mission_id_for(db, INCIDENT)
    with pytest.raises(AuthError):
        save_mission_inputs(db, unit.analyst, mid, _inputs())
    save_mission_inputs(db, unit.crew, mid, _inputs())
    close_mission(db, unit.commander, INCIDENT, "found_alive", local(2025, 7, 2, 10, 0))
    with pytest.raises(LogbookError) as err:
        save_mission_inputs(db, unit.commander, mid, _inputs(notes="later"), base_revision=1)
    assert err.value.code == "logbook.err_inputs_closed"
    assert mission_inputs(db, mid)["notes"] == "枸杞采摘工人，带一瓶水"


def test_migration_0003_down_to_0002_and_up_keeps_missions(db_url, unit, db):
    from alembic import command

    mid = mission_id_for(db, INCIDENT)
    save_mission_inputs(db, unit.crew, mid, _inputs())
    db.dispose()
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    cols = {c["name"] for c in inspect(db.engine).get_columns("mission")}
    assert "planning_inputs" not in cols and "ipp_lat" in cols
    db.dispose()
    again = open_database(db_url)  # start-up migrates to head again
    try:
        cols = {c["name"] for c in inspect(again.engine).get_columns("mission")}
        assert "planning_inputs" in cols
        assert mission_inputs(again, mid) is None  # the column came back empty...
        assert [m["incident_number"] for m in list_missions(again)] == [INCIDENT]  # ...the row stayed
        assert save_mission_inputs(again, unit.crew, mid, _inputs())["revision"] == 1
    finally:
        again.dispose()


def test_sorties_flown_are_the_missions_sorties_with_a_track_in_takeoff_order(db, unit):
    from sar_planner.logbook.mission_inputs import mission_sorties_flown
    from sar_planner.logbook.records import log_sortie, open_mission
    from tests.logbook._helpers import sortie

    track = {"type": "LineString", "coordinates": [[96.42, 36.43], [96.43, 36.44]]}
    late = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 14, 0), track=track))
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 11, 0)))  # no track: not a search flown
    early = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), track=track))
    open_mission(db, unit.commander, "QH-OTHER", local(2025, 7, 1, 6, 0))
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 16, 0), incident="QH-OTHER", track=track))
    flown = mission_sorties_flown(db, mission_id_for(db, INCIDENT))
    assert [s.number for s in flown] == [early.number, late.number]
    assert flown[0].track == track


# ---------------------------------------------------------------- map features (version 2)

def _segment(name, west, south, east, north, fid=None):
    """A drawn segment, a box in degrees (lon, lat) near Nuomuhong."""
    return {"id": fid or f"id-{name}", "kind": "segment", "name": name, "source": "drawn",
            "geometry": {"type": "Polygon", "coordinates": [[[west, south], [east, south],
                                                             [east, north], [west, north],
                                                             [west, south]]]}}


_RIVER = {"id": "id-river", "kind": "barrier", "name": "诺木洪河", "source": "imported:river.kml",
          "geometry": {"type": "LineString", "coordinates": [[96.40, 36.40], [96.45, 36.46]]}}


def _set_raw(db, mid, value):
    from sar_planner.logbook.models import Mission

    def work(session):
        session.get(Mission, mid).planning_inputs = value
    db.write(work)


def test_a_version_1_dict_without_features_is_still_read_and_saved_over(db, unit):
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, unit.crew, mid, _inputs())
    old = {k: v for k, v in stored.items() if k != "features"}
    old["version"] = 1  # as saved before map features existed
    _set_raw(db, mid, old)
    back = mission_inputs(db, mid)  # read as version 3 (migration 0005's upgrade), no features
    assert back["version"] == 3 and back["features"] == [] and back["notes"] == stored["notes"]
    assert back["settings"]["max_slope_deg"] == 40.0 and back["settings"]["radius_m"] is None
    saved = save_mission_features(db, unit.crew, mid, [_RIVER], base_revision=1)
    assert saved["version"] == 3 and saved["revision"] == 2
    assert [f["name"] for f in saved["features"]] == ["诺木洪河"]
    _set_raw(db, mid, dict(old, version=7))  # a format this planner does not know
    with pytest.raises(LogbookError) as err:
        mission_inputs(db, mid)
    assert err.value.code == "logbook.err_inputs_version"


def test_a_save_of_features_keeps_every_other_input_and_is_audited(db, unit):
    mid = mission_id_for(db, INCIDENT)
    first = save_mission_inputs(db, unit.crew, mid, _inputs())
    feats = [_RIVER, _segment("S1", 96.40, 36.40, 96.41, 36.41)]
    saved = save_mission_features(db, unit.crew, mid, feats, base_revision=1)
    assert saved["revision"] == 2
    assert {k: v for k, v in saved.items() if k not in ("features", "revision")} == \
        {k: v for k, v in first.items() if k not in ("features", "revision")}
    assert mission_inputs(db, mid)["features"] == feats
    audit = [a for a in audit_log(db, entity="mission", entity_id=mid) if a.action == "set_inputs"]
    assert audit[0].details["before"]["features"] == [] and audit[0].details["after"] == saved
    # the Mission page's save (no features key) keeps them; an explicit list replaces them
    again = save_mission_inputs(db, unit.crew, mid, _inputs(notes="更新"), base_revision=2)
    assert again["features"] == feats and again["notes"] == "更新"
    cleared = save_mission_inputs(db, unit.crew, mid, _inputs(features=[]), base_revision=3)
    assert cleared["features"] == []


def test_a_stale_save_of_features_is_refused_and_loses_nothing(db, unit):
    mid = mission_id_for(db, INCIDENT)
    save_mission_inputs(db, unit.crew, mid, _inputs())
    save_mission_features(db, unit.commander, mid, [_RIVER], base_revision=1)  # wang adds a river
    with pytest.raises(LogbookError) as err:  # ma's page still holds revision 1
        save_mission_features(db, unit.crew, mid, [_segment("S1", 96.40, 36.40, 96.41, 36.41)],
                              base_revision=1)
    assert err.value.code == "logbook.err_inputs_changed"
    assert "reload the mission" in err.value.message("en")
    assert [f["name"] for f in mission_inputs(db, mid)["features"]] == ["诺木洪河"]


def test_features_need_inputs_and_bad_features_are_refused_unsaved(db, unit):
    mid = mission_id_for(db, INCIDENT)
    with pytest.raises(LogbookError) as err:
        save_mission_features(db, unit.crew, mid, [_RIVER], base_revision=None)
    assert err.value.code == "logbook.err_features_no_inputs"
    save_mission_inputs(db, unit.crew, mid, _inputs())
    # two segments overlapping: refused with both names; nothing saved
    a = _segment("S1", 96.40, 36.40, 96.41, 36.41)
    b = _segment("S2", 96.405, 36.40, 96.415, 36.41)
    with pytest.raises(ProbabilityError) as err:
        save_mission_features(db, unit.crew, mid, [a, b], base_revision=1)
    assert err.value.code == "probability.err_mf_overlap"
    with pytest.raises(ProbabilityError):
        save_mission_inputs(db, unit.crew, mid, _inputs(features=[dict(_RIVER, kind="track"),
                                                                   dict(_RIVER, kind="track",
                                                                        id="x")]),
                            base_revision=1)  # the same track name twice
    assert mission_inputs(db, mid)["revision"] == 1 and mission_inputs(db, mid)["features"] == []


@pytest.mark.parametrize(("over", "en", "zh"), [
    ({"uncertainty_m": -5.0}, "'Position uncertainty radius (m)'", "“位置误差半径（米）”"),
    ({"ipp_text": ""}, "'Initial planning point (last known point or point last seen)'",
     "初始规划点"),
    ({"speed_kmh": "fast"}, "'Walking speed for a distance limit (km/h, 0 = no limit)'", "步行速度"),
    ({"datum": "Beijing54"}, "'Datum'", "“坐标系”"),
])
def test_messages_name_the_field_as_the_form_labels_it(db, unit, over, en, zh):
    mid = mission_id_for(db, INCIDENT)
    with pytest.raises(LogbookError) as err:
        save_mission_inputs(db, unit.crew, mid, _inputs(**over))
    assert en in err.value.message("en")
    assert zh in err.value.message("zh")
    for key in ("uncertainty_m", "ipp_text", "speed_kmh", "datum"):  # no internal key shown
        assert key not in err.value.message("en") and key not in err.value.message("zh")
