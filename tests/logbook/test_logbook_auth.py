"""Accounts: argon2 hashes, first-start administrator, sign-in, expiry, the role->page table."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from sar_planner.auth import (
    PERMISSIONS,
    Actor,
    can_see_page,
    check_session,
    create_first_admin,
    create_user,
    hash_password,
    list_users,
    needs_first_admin,
    set_password,
    set_user_active,
    sign_in,
    verify_password,
    visible_pages,
)
from sar_planner.errors import AuthError
from sar_planner.logbook.audit import audit_log
from tests.logbook._helpers import PASSWORD

ALL_PAGES = ("home", "mission", "probability", "plan", "logbook", "review", "statistics", "terrain",
             "settings")


def test_hash_is_argon2id_salted_and_verifies():
    h1, h2 = hash_password(PASSWORD), hash_password(PASSWORD)
    assert h1.startswith("$argon2id$") and h1 != h2  # RFC 9106 PHC string, random salt
    assert verify_password(h1, PASSWORD)
    assert not verify_password(h1, PASSWORD + "x")
    assert not verify_password("not a hash", PASSWORD)


def test_first_start_creates_the_administrator_once(db):
    assert needs_first_admin(db)
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    assert admin.role == "admin" and not needs_first_admin(db)
    with pytest.raises(AuthError) as err:
        create_first_admin(db, "mallory", "Mallory", PASSWORD)
    assert err.value.code == "auth.err_first_admin_done"


def test_two_browsers_racing_for_the_first_admin_make_one(db):
    barrier = threading.Barrier(2)
    out: list[object] = []

    def go(name: str) -> None:
        barrier.wait()
        try:
            out.append(create_first_admin(db, name, name, PASSWORD))
        except AuthError as exc:
            out.append(exc)

    threads = [threading.Thread(target=go, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in out) == ["Actor", "AuthError"]


@pytest.mark.parametrize(("username", "password", "code"), [
    ("Admin!", PASSWORD, "auth.err_username"),
    ("admin", "short", "auth.err_password_short"),
    ("admin", " " + PASSWORD, "auth.err_password_spaces"),
])
def test_no_weak_or_malformed_accounts(db, username, password, code):
    with pytest.raises(AuthError) as err:
        create_first_admin(db, username, "Admin", password)
    assert err.value.code == code


def test_sign_in_and_wrong_passwords(db, unit):
    s = sign_in(db, "MA ", PASSWORD)  # case and stray spaces in the name are forgiven
    assert (s.actor.username, s.actor.role, s.display_name) == ("ma", "crew", "马建国")
    for name, pw in (("ma", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(AuthError) as err:
            sign_in(db, name, pw)
        assert err.value.code == "auth.err_sign_in"  # one message: does not reveal which names exist
    set_user_active(db, unit.admin, "ma", False)
    with pytest.raises(AuthError):
        sign_in(db, "ma", PASSWORD)


def test_session_expires_after_the_idle_minutes(db, unit):
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
    s = sign_in(db, "wang", PASSWORD, now=t0)
    s2 = check_session(db, s, 30, now=t0 + dt.timedelta(minutes=29))
    assert s2.last_seen == t0 + dt.timedelta(minutes=29)  # activity moves the window
    check_session(db, s2, 30, now=t0 + dt.timedelta(minutes=58))
    with pytest.raises(AuthError) as err:
        check_session(db, s2, 30, now=t0 + dt.timedelta(minutes=60))
    assert err.value.code == "auth.err_session_expired"


def test_disabled_account_is_signed_out_on_the_next_page_run(db, unit):
    s = sign_in(db, "li", PASSWORD)
    set_user_active(db, unit.admin, "li", False)
    with pytest.raises(AuthError) as err:
        check_session(db, s, 480)
    assert err.value.code == "auth.err_account_changed"


def test_last_admin_cannot_be_disabled_and_accounts_are_audited(db, unit):
    with pytest.raises(AuthError) as err:
        set_user_active(db, unit.admin, "admin", False)
    assert err.value.code == "auth.err_last_admin"
    with pytest.raises(AuthError):
        create_user(db, unit.commander, "x1", "X", "crew", PASSWORD)  # only admins manage accounts
    with pytest.raises(AuthError) as err:
        create_user(db, unit.admin, "ma", "Another Ma", "crew", PASSWORD)
    assert err.value.code == "auth.err_username_taken"
    set_password(db, unit.crew, "ma", "a new long passphrase")
    assert sign_in(db, "ma", "a new long passphrase").actor.username == "ma"
    with pytest.raises(AuthError):
        set_password(db, unit.crew, "wang", "a new long passphrase")
    assert {u["username"] for u in list_users(db, unit.admin)} == {"admin", "wang", "zhou", "ma", "li"}
    assert "password_hash" not in list_users(db, unit.admin)[0]
    # (sign-ins are audited too since issue 14; the newest account change is the password)
    assert [a.action for a in audit_log(db, "user") if not a.action.startswith("sign_in")][:1] == ["set_password"]


def test_each_role_sees_only_its_pages():
    assert visible_pages("crew", ALL_PAGES) == ["home", "mission", "probability", "plan", "logbook", "terrain"]
    assert visible_pages("commander", ALL_PAGES) == ["home", "mission", "probability", "plan", "logbook",
                                                     "review", "statistics", "terrain"]
    assert visible_pages("analyst", ALL_PAGES) == ["home", "statistics"]
    # the administrator reviews too: a sortie a commander flew needs someone else to approve it
    assert visible_pages("admin", ALL_PAGES) == ["home", "review", "terrain", "settings"]
    assert not can_see_page("nobody", "home")
    assert set(PERMISSIONS) == {"crew", "commander", "analyst", "admin"}


def test_command_line_actor_is_an_admin():
    a = Actor.command_line()
    assert a.role == "admin" and a.username.startswith("cli:") and a.user_id is None


def test_repeated_wrong_passwords_make_sign_in_wait(db, unit):
    t0 = dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
    for _ in range(5):
        with pytest.raises(AuthError) as err:
            sign_in(db, "li", "guess guess guess", now=t0)
        assert err.value.code == "auth.err_sign_in"
    with pytest.raises(AuthError) as err:  # even the right password waits now
        sign_in(db, "li", PASSWORD, now=t0 + dt.timedelta(seconds=30))
    assert err.value.code == "auth.err_locked_out" and err.value.params["seconds"] == 31
    assert sign_in(db, "li", PASSWORD, now=t0 + dt.timedelta(seconds=61)).actor.username == "li"
    sign_in(db, "wang", PASSWORD, now=t0)  # other names are not affected
