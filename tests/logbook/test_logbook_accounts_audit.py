"""Accounts and audit (issue 14, item 8): sign-ins good and bad and lock-outs are audited and the
lock-out is kept in the database (it survives a restart); nobody approves a sortie he flew; the
opening balance checks the role in the core; backups and exports are audited."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from sar_planner.auth import MAX_FAILED_SIGN_INS, SIGN_IN_LOCKOUT_S, sign_in
from sar_planner.errors import AuthError, LogbookError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.counter import running_totals, set_opening_balance
from sar_planner.logbook.db import open_database
from sar_planner.logbook.records import approve_sortie, log_sortie
from tests.logbook._helpers import PASSWORD, local, sortie

T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def _actions(db) -> list[tuple[str, str, str | None]]:
    return [(a.action, a.actor, a.details.get("reason")) for a in reversed(audit_log(db, "user"))
            if a.action.startswith(("sign_in", "lock_out"))]


def test_sign_ins_good_and_bad_are_audited_without_the_password(db, unit):
    sign_in(db, "wang", PASSWORD, now=T0)
    with pytest.raises(AuthError):
        sign_in(db, "wang", PASSWORD + "x", now=T0)
    with pytest.raises(AuthError):
        sign_in(db, "nobody", PASSWORD, now=T0)
    assert _actions(db) == [("sign_in", "wang", None), ("sign_in_failed", "wang", "wrong_password"),
                            ("sign_in_failed", "nobody", "unknown_user")]
    for entry in audit_log(db):
        assert PASSWORD not in repr(entry.details)


def test_lock_out_survives_a_restart_and_ends_after_the_wait(db_url, db, unit):
    for k in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthError) as err:
            sign_in(db, "ma", "wrong password!", now=T0 + dt.timedelta(seconds=k))
        assert err.value.code == "auth.err_sign_in"
    last = T0 + dt.timedelta(seconds=MAX_FAILED_SIGN_INS - 1)
    db.dispose()
    restarted = open_database(db_url)  # a new server process: nothing kept in memory
    try:
        with pytest.raises(AuthError) as err:  # even the right password waits
            sign_in(restarted, "ma", PASSWORD, now=last + dt.timedelta(seconds=10))
        assert err.value.code == "auth.err_locked_out"
        assert err.value.params["seconds"] == SIGN_IN_LOCKOUT_S - 10 + 1
        signed = sign_in(restarted, "ma", PASSWORD, now=last + dt.timedelta(seconds=SIGN_IN_LOCKOUT_S + 1))
        assert signed.actor.username == "ma"
        actions = [a for a, _, _ in _actions(restarted)]
        assert actions == ["sign_in_failed"] * MAX_FAILED_SIGN_INS + ["lock_out", "sign_in_failed", "sign_in"]
        locked = next(a for a in audit_log(restarted, "user") if a.action == "lock_out")
        assert locked.details["failures_in_a_row"] == MAX_FAILED_SIGN_INS
        # a good sign-in starts the count again: four wrong passwords do not lock
        for k in range(MAX_FAILED_SIGN_INS - 1):
            with pytest.raises(AuthError) as err:
                sign_in(restarted, "ma", "wrong password!", now=last + dt.timedelta(minutes=5, seconds=k))
            assert err.value.code == "auth.err_sign_in"
        sign_in(restarted, "ma", PASSWORD, now=last + dt.timedelta(minutes=6))
    finally:
        restarted.dispose()


def test_a_commander_does_not_approve_a_sortie_he_flew(db, unit):
    # 王志强 (wang) is a commander and, with his account, on the crew roster
    s = log_sortie(db, unit.commander, sortie(local(2025, 7, 1, 8, 0), crew=(("王志强", "pilot"),)), submit=True)
    with pytest.raises(LogbookError) as err:
        approve_sortie(db, unit.commander, s.id)
    assert err.value.code == "logbook.err_approve_own"
    assert f"{s.number}" in err.value.message("en") and f"{s.number}" in err.value.message("zh")
    assert approve_sortie(db, unit.commander2, s.id).status == "approved"  # another commander does
    t = log_sortie(db, unit.commander, sortie(local(2025, 7, 2, 8, 0), crew=(("王志强", "pilot"),)), submit=True)
    assert approve_sortie(db, unit.admin, t.id).status == "approved"  # or the administrator
    u = log_sortie(db, unit.crew, sortie(local(2025, 7, 3, 8, 0)), submit=True)
    assert approve_sortie(db, unit.commander, u.id).status == "approved"  # one he did not fly


@pytest.mark.parametrize("who", ["crew", "commander", "analyst"])
def test_only_the_administrator_sets_the_opening_balance(db, unit, who):
    with pytest.raises(AuthError) as err:
        set_opening_balance(db, getattr(unit, who), 350, 500.0)
    assert err.value.code == "auth.err_forbidden"
    assert running_totals(db).last_number == 0


@pytest.mark.parametrize("sorties, hours", [(350, math.inf), (350, math.nan), (350, -1.0), (-1, 10.0),
                                            (350, 1e300), (10**12, 10.0), (350.5, 10.0)])
def test_impossible_opening_balances_are_refused_clearly(db, unit, sorties, hours):
    with pytest.raises(LogbookError) as err:
        set_opening_balance(db, unit.admin, sorties, hours)
    assert err.value.code == "logbook.err_balance_value"
    assert "1000000" in err.value.message("en")
    assert running_totals(db).last_number == 0


def test_backups_and_command_line_exports_are_audited(db, unit, tmp_path, monkeypatch, db_url):
    from sar_planner.cli import main
    from sar_planner.logbook.backup import backup_database
    from sar_planner.logbook.db import reset_database_cache

    log_sortie(db, unit.crew, sortie(local(2025, 7, 1, 8, 0)))
    if db.backend == "sqlite":
        out = backup_database(db, tmp_path / "b.db", unit.admin.username)
        entry = audit_log(db, "database")[0]
        assert (entry.action, entry.actor, entry.details["file"]) == ("backup", "admin", str(out))
        assert entry.details["bytes"] == out.stat().st_size > 0
    monkeypatch.setenv("SAR_PLANNER_DATABASE_URL", db_url)
    reset_database_cache()
    try:
        assert main(["log", "export", "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 0
    finally:
        reset_database_cache()
    entry = audit_log(db, "sortie")[0]
    assert entry.action == "export" and entry.actor.startswith("cli:")
    assert entry.details["format"] == "csv" and entry.details["file"] == str((tmp_path / "x.csv").resolve())
