"""Sorties: the running count, validation, review, amendments, audit, concurrency (both backends)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sar_planner.auth import Actor, create_user
from sar_planner.errors import AuthError, LogbookError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.counter import running_totals, set_opening_balance
from sar_planner.logbook.models import Sortie, SortieRevision
from sar_planner.logbook.records import (
    add_aircraft,
    add_crew_member,
    amend_sortie,
    approve_sortie,
    list_sorties,
    log_sortie,
    return_sortie,
    set_aircraft_active,
    sortie_history,
    submit_sortie,
    update_sortie,
)
from tests.logbook._helpers import PASSWORD, local, sortie


def test_numbers_follow_the_opening_balance(db, unit):
    set_opening_balance(db, unit.admin, 350, 512.5)
    a = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=1.5), submit=True)
    b = log_sortie(db, unit.commander, sortie(local(2025, 7, 1, 10, 0), hours=0.5,
                                              crew=(("孙立民", "pilot"),)), submit=True)
    assert (a.number, b.number) == (351, 352)
    assert a.flight_seconds == 5400
    totals = running_totals(db)
    # 350 + 2 sorties waiting for review; 512.5 h + 1.5 h + 0.5 h = 514.5 h
    assert (totals.sorties, totals.hours, totals.last_number) == (352, 514.5, 352)
    assert totals.missions == 1 and totals.people_found == 0


def test_running_count_is_balance_plus_historical_approved_and_waiting(db, unit):
    """Drafts and returned sorties hold numbers but are not flown (issue 16: the Overview said
    353 with draft 352 in it). By hand: balance 350 sorties / 612.5 h; approved 351 (1.5 h) and
    waiting 353 (2.25 h); draft 352 (0.5 h) and returned 354 (0.75 h) apart.
    Total 350 + 0 + 1 + 1 = 352 sorties, 612.5 + 1.5 + 2.25 = 616.25 h."""
    set_opening_balance(db, unit.admin, 350, 612.5)
    approved = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=1.5), submit=True)
    approve_sortie(db, unit.commander, approved.id)
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 10, 0), hours=0.5))  # draft 352
    log_sortie(db, unit.crew, sortie(local(2025, 7, 2, 8, 0), hours=2.25), submit=True)  # 353
    ret = log_sortie(db, unit.crew, sortie(local(2025, 7, 3, 8, 0), hours=0.75), submit=True)
    return_sortie(db, unit.commander, ret.id, "wrong aircraft")
    t = running_totals(db)
    assert (t.sorties, t.hours) == (352, 616.25)
    assert (t.opening_sorties, t.historical_sorties, t.approved_sorties, t.waiting_sorties) == (350, 0, 1, 1)
    assert (t.opening_hours, t.approved_hours, t.waiting_hours) == (612.5, 1.5, 2.25)
    assert (t.draft_sorties, t.draft_hours, t.returned_sorties, t.returned_hours) == (1, 0.5, 1, 0.75)
    assert t.last_number == 354 and (t.logged_sorties, t.logged_hours) == (2, 3.75)


def test_opening_balance_only_on_an_empty_log(db, unit):
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)))
    with pytest.raises(LogbookError) as err:
        set_opening_balance(db, unit.admin, 350, 500)
    assert err.value.code == "logbook.err_balance_not_empty"


@pytest.mark.parametrize(("change", "code"), [
    ({"hours": -0.5}, "logbook.err_landing_before_takeoff"),
    ({"hours": 0}, "logbook.err_landing_before_takeoff"),
    ({"hours": 13}, "logbook.err_too_long"),
    ({"aircraft": "B-0000"}, "logbook.err_unknown_aircraft"),
    ({"crew": (("张三", "pilot"), ("马建国", "observer"))}, "logbook.err_unknown_crew"),
    ({"crew": (("马建国", "observer"),)}, "logbook.err_no_pilot"),
    ({"crew": (("马建国", "pilot"), ("马建国", "observer"))}, "logbook.err_crew_twice"),
    ({"incident": None}, "logbook.err_needs_mission"),
    ({"incident": "NO-SUCH"}, "logbook.err_unknown_mission"),
    ({"task": "joyride"}, "logbook.err_task_type"),
    ({"pod": 1.2}, "logbook.err_pod"),
    ({"track": {"type": "LineString", "coordinates": [[96.4, 36.4]]}}, "trackgaps.err_track"),
])
def test_bad_sorties_are_refused_and_use_no_number(db, unit, change, code):
    with pytest.raises(LogbookError) as err:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), **change))
    assert err.value.code == code
    assert err.value.message("zh") != err.value.message("en")  # both languages have it
    ok = log_sortie(db, unit.crew, sortie(local(2025, 7, 2, 8, 0)))
    assert ok.number == 1  # the refused entry took no number: no gap


def test_overlapping_sorties_of_one_aircraft_are_refused(db, unit):
    first = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=2))
    with pytest.raises(LogbookError) as err:  # another crew, same helicopter, 09:30-10:30
        log_sortie(db, unit.commander, sortie(local(2025, 7, 1, 9, 30), crew=(("孙立民", "pilot"),)))
    assert err.value.code == "logbook.err_aircraft_overlap"
    assert err.value.params["number"] == first.number
    assert err.value.params["takeoff"] == "2025-07-01 08:00"  # shown in Beijing time


def test_overlapping_sorties_of_one_pilot_are_refused(db, unit):
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=2))
    with pytest.raises(LogbookError) as err:  # same pilot in the other helicopter
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), aircraft="B-7361",
                                         crew=(("马建国", "pilot"),)))
    assert err.value.code == "logbook.err_crew_overlap"
    assert err.value.params["name"] == "马建国"


def test_back_to_back_sorties_are_allowed(db, unit):
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=1))
    nxt = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 9, 0), hours=1))  # lands 09:00, next 09:00
    assert nxt.number == 2


def test_retired_aircraft_cannot_be_logged(db, unit):
    set_aircraft_active(db, unit.admin, "B-7185", False)
    with pytest.raises(LogbookError) as err:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)))
    assert err.value.code == "logbook.err_aircraft_retired"


def test_crew_log_only_their_own_sorties_and_analysts_none(db, unit):
    with pytest.raises(AuthError) as err:
        log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), crew=(("孙立民", "pilot"),)))
    assert err.value.code == "auth.err_not_own_sortie"
    with pytest.raises(AuthError) as err:
        log_sortie(db, unit.analyst, sortie(local(2025, 7, 1, 8, 0)))
    assert err.value.code == "auth.err_forbidden"
    with pytest.raises(AuthError):
        add_aircraft(db, unit.crew, "B-9999", "Mi-171", "helicopter")


def test_review_flow_return_correct_submit_approve(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), remarks="draft"))
    assert s.status == "draft"
    with pytest.raises(AuthError):
        approve_sortie(db, unit.crew, s.id)  # crew cannot approve
    with pytest.raises(LogbookError) as err:
        approve_sortie(db, unit.commander, s.id)  # not submitted yet
    assert err.value.code == "logbook.err_already_reviewed"
    assert submit_sortie(db, unit.crew, s.id).status == "submitted"
    with pytest.raises(LogbookError) as err:
        return_sortie(db, unit.commander, s.id, "   ")
    assert err.value.code == "logbook.err_reason_required"
    r = return_sortie(db, unit.commander, s.id, "landing time is wrong")
    assert (r.status, r.return_reason) == ("returned", "landing time is wrong")
    fixed = update_sortie(db, unit.crew, s.id, sortie(local(2025, 7, 1, 8, 0), hours=1.25, remarks="fixed"))
    assert fixed.number == s.number and fixed.flight_hours == 1.25
    submit_sortie(db, unit.crew, s.id)
    done = approve_sortie(db, unit.commander, s.id)
    assert done.status == "approved"
    with pytest.raises(LogbookError) as err:
        update_sortie(db, unit.crew, s.id, sortie(local(2025, 7, 1, 8, 0), hours=2))
    assert err.value.code == "logbook.err_not_editable"
    history = sortie_history(db, s.id)
    assert [(h.revision, h.reason) for h in history] == [(1, "approved")]
    assert history[0].data["remarks"] == "fixed"
    actions = [a.action for a in reversed(audit_log(db, "sortie", s.id))]
    assert actions == ["log", "submit", "return", "edit", "submit", "approve"]


def test_amendment_keeps_the_original(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0), hours=1.0, remarks="as flown"), submit=True)
    approve_sortie(db, unit.commander, s.id)
    with pytest.raises(LogbookError) as err:
        amend_sortie(db, unit.commander, s.id, sortie(local(2025, 7, 1, 8, 0), hours=1.5), "")
    assert err.value.code == "logbook.err_reason_required"
    with pytest.raises(AuthError):
        amend_sortie(db, unit.crew, s.id, sortie(local(2025, 7, 1, 8, 0), hours=1.5), "typo")
    new = amend_sortie(db, unit.commander, s.id,
                       sortie(local(2025, 7, 1, 8, 0), hours=1.5, remarks="landing per tower log"),
                       "tower log shows landing 09:30")
    assert (new.number, new.revision, new.flight_hours, new.status) == (s.number, 2, 1.5, "approved")
    history = sortie_history(db, s.id)
    assert [h.revision for h in history] == [1, 2]
    assert history[0].data["remarks"] == "as flown"
    assert history[0].data["landing_at"] == "2025-07-01T01:00:00+00:00"  # 09:00 Beijing, kept
    assert history[1].reason == "tower log shows landing 09:30" and history[1].author == "wang"
    amend = audit_log(db, "sortie", s.id)[0]
    assert amend.action == "amend" and amend.details["before"]["remarks"] == "as flown"
    with db.read() as session:  # nothing deleted: one sortie row, two kept versions
        assert session.scalar(select(func.count()).select_from(Sortie)) == 1
        assert session.scalar(select(func.count()).select_from(SortieRevision)) == 2


def test_amendment_is_checked_like_a_new_entry(db, unit):
    a = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)), submit=True)
    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 12, 0)))
    approve_sortie(db, unit.commander, a.id)
    with pytest.raises(LogbookError) as err:  # would now overlap the 12:00 sortie
        amend_sortie(db, unit.commander, a.id, sortie(local(2025, 7, 1, 8, 0), hours=4.5), "late landing")
    assert err.value.code == "logbook.err_aircraft_overlap"
    with pytest.raises(LogbookError) as err:
        amend_sortie(db, unit.commander, a.id, sortie(local(2025, 7, 1, 8, 0), hours=-1), "x")
    assert err.value.code == "logbook.err_landing_before_takeoff"
    assert len(sortie_history(db, a.id)) == 1


def test_two_commanders_approving_at_once(db, unit):
    s = log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)), submit=True)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def act(name: str, actor: Actor, approve: bool) -> None:
        barrier.wait()
        try:
            results[name] = (approve_sortie(db, actor, s.id) if approve
                             else return_sortie(db, actor, s.id, "check the crew list"))
        except LogbookError as exc:
            results[name] = exc

    threads = [threading.Thread(target=act, args=("a", unit.commander, True)),
               threading.Thread(target=act, args=("b", unit.commander2, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results.values() if isinstance(r, LogbookError)]
    assert len(errors) == 1 and errors[0].code == "logbook.err_already_reviewed"
    reviews = [a for a in audit_log(db, "sortie", s.id) if a.action in ("approve", "return")]
    assert len(reviews) == 1


def test_eight_crews_logging_at_once_get_a_gap_free_count(db, unit):
    """8 threads x 50 sorties after a balance of 350 -> exactly 351..750, none lost, none twice."""
    set_opening_balance(db, unit.admin, 350, 500.0)
    pilots = []
    for i in range(8):
        reg = f"QHJ-T{i}"
        add_aircraft(db, unit.admin, reg, "DJI Matrice 350 RTK", "drone")
        name = f"pilot {i}"
        add_crew_member(db, unit.admin, name)
        pilots.append((reg, name))
    got: list[list[int]] = [[] for _ in range(8)]
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def crew(i: int) -> None:
        reg, name = pilots[i]
        barrier.wait()
        try:
            for k in range(50):
                start = local(2025, 8, 1, 6, 0) + dt.timedelta(minutes=30 * k)
                rec = log_sortie(db, unit.commander, sortie(start, hours=0.4, aircraft=reg, task="training",
                                                            incident=None, crew=((name, "pilot"),)),
                                 submit=True)
                got[i].append(rec.number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=crew, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    numbers = sorted(n for per in got for n in per)
    assert numbers == list(range(351, 751))
    for per in got:  # each crew's own numbers increase in the order it logged them
        assert per == sorted(per)
    assert [s.number for s in list_sorties(db)] == list(range(351, 751))
    assert running_totals(db).sorties == 750


def test_disabled_crew_account_and_new_crew_join_roster(db, unit):
    create_user(db, unit.admin, "han", "韩永红", "crew", PASSWORD)  # already on the roster: linked
    han = Actor(None, "han", "crew")
    with pytest.raises(AuthError):  # an actor with no account cannot claim a sortie
        log_sortie(db, han, sortie(local(2025, 7, 1, 8, 0), crew=(("韩永红", "pilot"),)))


def test_a_locked_database_is_a_clear_error_and_the_entry_can_be_retried(db_url, db, unit):
    """Another station holds the write lock: the entry is refused with err_busy (nothing saved,
    no number used); once the lock is released the same entry is saved as number 1."""
    from sqlalchemy import create_engine, text

    from sar_planner.logbook.db import open_database

    impatient = open_database(db_url, lock_wait_s=0.2)
    holder = create_engine(db_url)
    entry = sortie(local(2025, 7, 1, 8, 0))
    with holder.connect() as conn:
        if db_url.startswith("sqlite"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock of the whole file
        else:
            conn.begin()
            conn.execute(text("SELECT last_number FROM sortie_counter WHERE id = 1 FOR UPDATE"))
        with pytest.raises(LogbookError) as err:
            log_sortie(impatient, unit.crew, entry)
        assert err.value.code == "logbook.err_busy"
        assert "Retry" in str(err.value)
        conn.rollback()
    assert log_sortie(impatient, unit.crew, entry).number == 1
    impatient.dispose()
    holder.dispose()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=2)), min_size=1, max_size=12))
def test_refused_entries_never_leave_a_gap(tmp_path_factory, steps):
    """Any mix of good and bad entries: the good ones are numbered 1, 2, 3... in the order saved."""
    from sar_planner.auth import create_first_admin
    from sar_planner.logbook.db import open_database

    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('gap') / 'log.db'}")
    admin = create_first_admin(db, "admin", "Admin", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "孙立民")
    saved, t = [], local(2025, 7, 1, 6, 0)
    for good, kind in steps:
        t += dt.timedelta(hours=2)
        crew = (("孙立民", "pilot"),)
        bad_changes = [{"hours": -1}, {"aircraft": "B-0000"}, {"crew": (("nobody", "pilot"),)}]
        change = {} if good else bad_changes[kind]
        entry = sortie(t, **{"crew": crew, "task": "training", "incident": None, **change})
        try:
            saved.append(log_sortie(db, Actor(admin.user_id, "admin", "commander"), entry).number)
        except LogbookError:
            assert not good
    assert saved == list(range(1, len(saved) + 1))
    assert running_totals(db).last_number == len(saved)
    db.dispose()


def test_stations_in_separate_processes_share_one_gap_free_count(db_url, db, unit):
    """Four processes (as four stations or four app servers would) log 25 sorties each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tests.logbook._helpers import log_many_in_own_process

    set_opening_balance(db, unit.admin, 350, 500.0)
    jobs = []
    for i in range(4):
        add_aircraft(db, unit.admin, f"QHJ-P{i}", "DJI Matrice 30T", "drone")
        add_crew_member(db, unit.admin, f"station pilot {i}")
        jobs.append((db_url, f"QHJ-P{i}", f"station pilot {i}", 25, 0))
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(log_many_in_own_process, *zip(*jobs, strict=True)))
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(351, 451))
    assert [s.number for s in list_sorties(db)] == list(range(351, 451))
