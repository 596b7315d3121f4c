"""Approved means unchangeable, in the database (issue 14, item 4): raw SQL cannot rewrite an approved
or imported historical sortie or its crew, nor set it back to draft, nor (PostgreSQL) TRUNCATE the
record; the amendment path still works and leaves no permit behind. Each statement below is one an
administrator's script could send past the application."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from sar_planner.auth import Actor
from sar_planner.logbook.history import import_history
from sar_planner.logbook.records import (amend_sortie, approve_sortie, get_sortie, list_sorties, log_sortie,
                                         sortie_history, update_sortie)
from tests.logbook._helpers import local, sortie

_HISTORY = ("sortie_no,date,takeoff,flight_hours,aircraft,aircraft_type,aircraft_kind,task_type,pilot,crew,"
            "mission,outcome,takeoff_site,remarks\n"
            "1,2019-03-08,09:35,0.5,QHJ-UAV-02,DJI Matrice 30T,drone,training,冶成林,白玛措,,,西大滩,高原起降训练\n")


def _row(db, sortie_id: int) -> tuple:
    with db.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT status, remarks, takeoff_site, landing_at, revision, aircraft_id FROM sortie WHERE id = "
            f"{int(sortie_id)}").one()
        crew = conn.exec_driver_sql(
            f"SELECT crew_member_id, role FROM sortie_crew WHERE sortie_id = {int(sortie_id)} ORDER BY position"
        ).all()
    return tuple(row), [tuple(c) for c in crew]


def _refused(db, statement: str) -> None:
    with pytest.raises(DBAPIError, match="never deletes or rewrites"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)


TAMPERING = [
    "UPDATE sortie SET remarks = 'rewritten' WHERE id = {id}",
    "UPDATE sortie SET status = 'draft' WHERE id = {id}",
    "UPDATE sortie SET pod = 0.99 WHERE id = {id}",
    "UPDATE sortie SET takeoff_site = 'elsewhere', revision = revision + 1 WHERE id = {id}",
    "DELETE FROM sortie_crew WHERE sortie_id = {id}",
    "UPDATE sortie_crew SET role = 'medic' WHERE sortie_id = {id}",
]


@pytest.mark.parametrize("statement", TAMPERING)
def test_raw_sql_cannot_rewrite_an_approved_sortie(db, unit, statement):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), remarks="as flown"), submit=True)
    approve_sortie(db, unit.commander, s.id)
    before = _row(db, s.id)
    _refused(db, statement.format(id=s.id))
    assert _row(db, s.id) == before
    assert before[0][0] == "approved" and before[0][1] == "as flown" and len(before[1]) == 2


def test_raw_sql_cannot_add_crew_to_an_approved_sortie(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)), submit=True)
    approve_sortie(db, unit.commander, s.id)
    before = _row(db, s.id)
    with db.engine.connect() as conn:
        someone = conn.exec_driver_sql("SELECT id FROM crew_member WHERE name = '孙立民'").scalar()
    _refused(db, "INSERT INTO sortie_crew (sortie_id, crew_member_id, role, position) "
                 f"VALUES ({s.id}, {someone}, 'observer', 5)")
    assert _row(db, s.id) == before


@pytest.mark.parametrize("statement", TAMPERING)
def test_raw_sql_cannot_rewrite_an_imported_historical_sortie(db, statement):
    assert import_history(db, Actor(None, "cli:test", "admin"), _HISTORY.encode(), "h.csv") == 1
    s = list_sorties(db)[0]
    before = _row(db, s.id)
    _refused(db, statement.format(id=s.id))
    assert _row(db, s.id) == before and before[0][0] == "historical"


def test_setting_back_to_draft_then_the_api_is_refused_at_the_first_step(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), remarks="as flown"), submit=True)
    approve_sortie(db, unit.commander, s.id)
    _refused(db, f"UPDATE sortie SET status = 'draft' WHERE id = {s.id}")
    from sar_planner.errors import LogbookError

    with pytest.raises(LogbookError) as err:  # so the edit path stays closed too
        update_sortie(db, unit.crew, s.id, sortie(local(2025, 7, 1, 8, 0), remarks="rewritten"))
    assert err.value.code == "logbook.err_not_editable"
    assert get_sortie(db, s.id).remarks == "as flown"


def test_drafts_stay_editable_and_amendments_still_work(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), remarks="as flown"), submit=False)
    with db.engine.begin() as conn:  # a draft is not final: the triggers leave it alone
        conn.exec_driver_sql(f"UPDATE sortie SET remarks = 'draft note' WHERE id = {s.id}")
    update_sortie(db, unit.crew, s.id, sortie(local(2025, 7, 1, 8, 0), remarks="as flown"))
    from sar_planner.logbook.records import submit_sortie

    submit_sortie(db, unit.crew, s.id)
    approve_sortie(db, unit.commander, s.id)
    new = amend_sortie(db, unit.commander, s.id,
                       sortie(local(2025, 7, 1, 8, 0), hours=1.5, remarks="tower log",
                              crew=(("马建国", "pilot"), ("孙立民", "observer"))), "tower log shows 09:30")
    assert (new.revision, new.remarks, new.flight_hours) == (2, "tower log", 1.5)
    assert [n for n, _ in new.crew] == ["马建国", "孙立民"]
    assert [h.revision for h in sortie_history(db, s.id)] == [1, 2]
    with db.engine.connect() as conn:  # the permit is gone once the amendment commits
        assert conn.exec_driver_sql("SELECT count(*) FROM sortie_amendment").scalar() == 0
    _refused(db, f"UPDATE sortie SET remarks = 'again' WHERE id = {s.id}")


def test_historical_sortie_is_amended_through_the_api(db):
    admin = Actor(None, "cli:test", "admin")
    import_history(db, admin, _HISTORY.encode(), "h.csv")
    s = list_sorties(db)[0]
    commander = Actor(None, "cli:cmd", "commander")
    new = amend_sortie(db, commander, s.id, sortie(s.takeoff_at, hours=0.75, aircraft="QHJ-UAV-02",
                                                   crew=(("冶成林", "pilot"),), task="training",
                                                   incident=None), "log book says 45 min")
    assert (new.revision, new.flight_hours, new.status) == (2, 0.75, "historical")
    assert [h.reason for h in sortie_history(db, s.id)] == ["original", "log book says 45 min"]


@pytest.mark.parametrize("table", ["sortie_revision", "audit_entry", "sortie_crew", "sortie"])
def test_truncate_is_refused_on_postgresql(db, unit, table):
    if db.backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused row by row, 0002)")
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)), submit=True)
    approve_sortie(db, unit.commander, s.id)
    with db.engine.connect() as conn:
        counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in
                  ("sortie_revision", "audit_entry", "sortie_crew", "sortie")}
    _refused(db, f"TRUNCATE {table} CASCADE")
    with db.engine.connect() as conn:
        assert {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in counts} == counts
    assert counts["sortie_revision"] == 1 and counts["sortie_crew"] == 2
