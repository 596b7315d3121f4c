"""Accounts, roles and what each role may do; argon2 password hashes; sign-in sessions that expire.

There are no default passwords: the first start asks for an administrator
(:func:`needs_first_admin`, :func:`create_first_admin`). Pages and commands check
:data:`PERMISSIONS` through :func:`require` on every run (both defined in
:mod:`sar_planner.permissions`, which the logbook uses too, and re-exported here).

Roles (see :data:`PERMISSIONS`):

- ``crew``: plan searches, log and submit their own sorties;
- ``commander``: everything crew may do, plus review (approve, return, amend) and all missions;
- ``analyst``: read the log, statistics and exports;
- ``admin``: accounts, aircraft roster, settings and backups.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sar_planner.errors import AuthError
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import ROLES, CrewMember, SignInLockout, User
# the roles' permissions and who acts live below the logbook (it checks them); re-exported
from sar_planner.permissions import (PAGE_PERMISSIONS, PERMISSIONS, Actor, allowed,
                                     can_see_page, require, visible_pages)

__all__ = [
    "ROLES",
    "PERMISSIONS",
    "PAGE_PERMISSIONS",
    "MIN_PASSWORD_LENGTH",
    "MAX_FAILED_SIGN_INS",
    "SIGN_IN_LOCKOUT_S",
    "Actor",
    "SignedIn",
    "hash_password",
    "verify_password",
    "allowed",
    "require",
    "can_see_page",
    "visible_pages",
    "needs_first_admin",
    "create_first_admin",
    "create_user",
    "set_password",
    "set_user_active",
    "list_users",
    "sign_in",
    "check_session",
]

#: Shortest password accepted (characters). Long passphrases are easier to type on a field laptop
#: than short complex ones; NIST SP 800-63B section 3.1.1.2 asks for at least 8.
MIN_PASSWORD_LENGTH = 10

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for an unknown user name (equalises the time of such sign-ins);
    made on first use, since hashing takes most of a second of CPU that every command line
    start would otherwise pay."""
    return _hasher.hash("not a password: equalises the time of unknown-user sign-ins")


#: After this many wrong passwords in a row for one user name, sign-in waits. Counted in the
#: database (``sign_in_lockout``), so the wait holds across a restart and on every station.
MAX_FAILED_SIGN_INS = 5
#: How long that wait is, seconds.
SIGN_IN_LOCKOUT_S = 60
#: The user name as typed is kept (for the count and the audit) up to this many characters.
_TYPED_NAME_CHARS = 80


def _lockout_wait(db: Database, username: str, now: dt.datetime) -> float:
    """Seconds this user name must still wait (0 when it may try)."""
    with db.read() as session:
        row = session.get(SignInLockout, username[:_TYPED_NAME_CHARS])
        if row is None or row.failures < MAX_FAILED_SIGN_INS:
            return 0.0
        return max(0.0, SIGN_IN_LOCKOUT_S - (now - row.last_failure_at).total_seconds())


def _note_sign_in(db: Database, username: str, user_id: int | None, now: dt.datetime,
                  failure: str | None) -> None:
    """Count (or clear) wrong passwords for ``username`` and audit the attempt, in one write.

    ``failure`` is None for a good sign-in, else why it failed (``unknown_user``, ``wrong_password``,
    ``disabled``, ``locked_out``); the audit never holds the password. The fifth failure in a row
    also writes a ``lock_out`` audit row.
    """
    key = username[:_TYPED_NAME_CHARS]

    def work(session: Session) -> None:
        db.serialise(session, f"sign_in:{key}")
        row = session.get(SignInLockout, key)
        if failure is None:
            if row is not None and row.failures:
                row.failures = 0
            record_audit(session, key, "sign_in", "user", user_id, {"username": key})
            return
        details: dict[str, object] = {"username": key, "reason": failure}
        if failure != "locked_out":
            if row is None:
                row = SignInLockout(username=key, failures=0, last_failure_at=now)
                session.add(row)
            elif row.failures >= MAX_FAILED_SIGN_INS:  # an earlier lock-out has run out: count afresh
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            details["failures_in_a_row"] = row.failures
        record_audit(session, key, "sign_in_failed", "user", user_id, details)
        if row is not None and failure != "locked_out" and row.failures == MAX_FAILED_SIGN_INS:
            record_audit(session, key, "lock_out", "user", user_id,
                         {"username": key, "seconds": SIGN_IN_LOCKOUT_S, "failures_in_a_row": row.failures})

    db.write(work)


@dataclass(frozen=True)
class SignedIn:
    """A signed-in browser session. ``last_seen`` is UTC; it expires after the idle minutes."""

    actor: Actor
    display_name: str
    last_seen: dt.datetime


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (a PHC string with its salt and parameters)."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; False for a mismatch or a damaged hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_new_account(username: str, display_name: str, role: str, password: str) -> None:
    if not _USERNAME.match(username):
        raise AuthError("auth.err_username", username=username)
    if not display_name.strip():
        raise AuthError("auth.err_display_name")
    if role not in ROLES:
        raise AuthError("auth.err_role", role=role, roles=", ".join(ROLES))
    _check_password(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.err_password_short", minimum=MIN_PASSWORD_LENGTH)
    if password.strip() != password:
        raise AuthError("auth.err_password_spaces")


def _user_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def needs_first_admin(db: Database) -> bool:
    """True while the database has no account at all (the first start)."""
    with db.read() as session:
        return _user_count(session) == 0


def _insert_user(session: Session, actor_name: str, username: str, display_name: str, role: str,
                 password_hash: str) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AuthError("auth.err_username_taken", username=username)
    user = User(username=username, display_name=display_name.strip(), role=role,
                password_hash=password_hash, active=True)
    session.add(user)
    session.flush()
    if role in ("crew", "commander"):
        member = session.scalar(select(CrewMember).where(CrewMember.name == user.display_name))
        if member is None:
            member = CrewMember(name=user.display_name, active=True)
            session.add(member)
        if member.user_id is None:
            member.user_id = user.id
        session.flush()
    record_audit(session, actor_name, "create", "user", user.id,
                 {"username": username, "display_name": user.display_name, "role": role})
    return user


def create_first_admin(db: Database, username: str, display_name: str, password: str) -> Actor:
    """Create the administrator on the first start; refused once any account exists.

    Raises
    ------
    AuthError
        ``auth.err_first_admin_done`` when an account exists already (also when two browsers
        race to create it: exactly one wins), or a message about the name or password.
    """
    _check_new_account(username, display_name, "admin", password)
    password_hash = hash_password(password)

    def work(session: Session) -> Actor:
        db.serialise(session, "first_admin")  # else on PostgreSQL every racer sees no users
        if _user_count(session) > 0:
            raise AuthError("auth.err_first_admin_done")
        user = _insert_user(session, username, username, display_name, "admin", password_hash)
        return Actor(user.id, user.username, user.role)

    return db.write(work)


def create_user(db: Database, actor: Actor, username: str, display_name: str, role: str,
                password: str) -> Actor:
    """An administrator creates an account. Crew and commanders also join the crew roster.

    Raises
    ------
    AuthError
        When ``actor`` may not manage accounts, the user name is taken or malformed, the role is
        unknown or the password is too short.
    """
    require(actor, "accounts.manage")
    _check_new_account(username, display_name, role, password)
    password_hash = hash_password(password)

    def work(session: Session) -> Actor:
        user = _insert_user(session, actor.username, username, display_name, role, password_hash)
        return Actor(user.id, user.username, user.role)

    return db.write(work)


def set_password(db: Database, actor: Actor, username: str, password: str) -> None:
    """Set a new password: an administrator for anyone, any user for themself."""
    if actor.username != username:
        require(actor, "accounts.manage")
    _check_password(password)
    password_hash = hash_password(password)

    def work(session: Session) -> None:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AuthError("auth.err_no_such_user", username=username)
        user.password_hash = password_hash
        record_audit(session, actor.username, "set_password", "user", user.id, {"username": username})

    db.write(work)


def set_user_active(db: Database, actor: Actor, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; accounts are never deleted. The last admin stays active."""
    require(actor, "accounts.manage")

    def work(session: Session) -> None:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AuthError("auth.err_no_such_user", username=username)
        if not active and user.role == "admin":
            admins = session.scalar(select(func.count()).select_from(User).where(
                User.role == "admin", User.active.is_(True), User.id != user.id))
            if not admins:
                raise AuthError("auth.err_last_admin")
        before = user.active
        user.active = active
        record_audit(session, actor.username, "set_active", "user", user.id,
                     {"username": username, "before": before, "after": active})

    db.write(work)


def list_users(db: Database, actor: Actor) -> list[dict[str, object]]:
    """Every account (no hashes): username, display name, role, active, created (UTC)."""
    require(actor, "accounts.manage")
    with db.read() as session:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role,
                 "active": u.active, "created_at": u.created_at}
                for u in session.scalars(select(User).order_by(User.username))]


def sign_in(db: Database, username: str, password: str, now: dt.datetime | None = None) -> SignedIn:
    """Check a user name and password; return the signed-in session.

    Raises
    ------
    AuthError
        ``auth.err_sign_in`` for an unknown name, a wrong password or a disabled account (one
        message for all three, so the form does not reveal which names exist);
        ``auth.err_locked_out`` for :data:`SIGN_IN_LOCKOUT_S` seconds after
        :data:`MAX_FAILED_SIGN_INS` wrong passwords in a row for that name.
    """
    now = now or dt.datetime.now(dt.UTC)
    username = username.strip().lower()
    wait = _lockout_wait(db, username, now)
    if wait > 0:
        _note_sign_in(db, username, None, now, "locked_out")
        raise AuthError("auth.err_locked_out", seconds=int(wait) + 1)
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            verify_password(_dummy_hash(), password)
            failure: str | None = "unknown_user"
            user_id = None
        else:
            ok = verify_password(user.password_hash, password)
            failure = None if ok and user.active else ("wrong_password" if not ok else "disabled")
            user_id = user.id
            if failure is None:
                signed = SignedIn(Actor(user.id, user.username, user.role), user.display_name, now)
                stale = _hasher.check_needs_rehash(user.password_hash)
    _note_sign_in(db, username, user_id, now, failure)
    if failure is not None:
        raise AuthError("auth.err_sign_in")
    if stale:
        new_hash = hash_password(password)

        def work(session: Session) -> None:
            row = session.get(User, signed.actor.user_id)
            if row is not None:
                row.password_hash = new_hash

        db.write(work)
    return signed


def check_session(db: Database, signed: SignedIn, minutes: int,
                  now: dt.datetime | None = None) -> SignedIn:
    """Confirm a session is still valid and return it with ``last_seen`` moved to ``now``.

    Raises
    ------
    AuthError
        ``auth.err_session_expired`` after ``minutes`` idle minutes, ``auth.err_account_changed``
        when the account was disabled or its role changed since sign-in.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now - signed.last_seen > dt.timedelta(minutes=minutes):
        raise AuthError("auth.err_session_expired", minutes=minutes)
    with db.read() as session:
        user = session.get(User, signed.actor.user_id) if signed.actor.user_id is not None else None
        if user is None or not user.active or user.role != signed.actor.role:
            raise AuthError("auth.err_account_changed")
    return replace(signed, last_seen=now)
