"""Signed, expiring session tokens: a reload or a typed page address keeps the user signed in.

After a sign-in the browser keeps a token (a cookie) that names one row of ``sign_in_session``
(migration 0006) and a random nonce, signed with the server's key (HMAC-SHA1 over the
timestamped payload, ``itsdangerous.URLSafeTimedSerializer``). It never holds the password or its
hash; the row holds only the nonce's SHA-256, so a copy of the database cannot be turned into a
working token, and a token cannot be forged without the key.

A token is good while all of these hold (checked on every resume):

- the signature is valid and it was issued less than the session minutes ago
  (``SAR_PLANNER_SESSION_MINUTES``, the absolute lifetime);
- its row exists, has not ended, and was seen less than the session minutes ago (idle expiry);
- the account is still active with the role it signed in with.

Sign-out ends the row at once (:func:`end_session`), and a disabled account's rows are ended the
first time any of them is checked, so the next click of either browser is signed out.

The server key is 32 random bytes in ``<data dir>/session.key`` (created with mode 0600 on first
use). Deleting it signs everyone out. Times are UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from sar_planner.auth import Actor, SignedIn
from sar_planner.errors import AuthError
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import SignInSession, User

__all__ = ["COOKIE_NAME", "KEY_FILE", "Resumed", "server_key", "start_session", "resume_session",
           "token_session_id", "touch_session", "end_session", "end_user_sessions"]

#: The browser cookie that carries the token.
COOKIE_NAME = "sar_planner_session"
#: The server key's file name in the data folder.
KEY_FILE = "session.key"
_SALT = "sar-planner sign-in session v1"


@dataclass(frozen=True)
class Resumed:
    """A session brought back from its token: who, the row id, and the mission in hand."""

    signed: SignedIn
    session_id: int
    mission_incident: str | None


def server_key(data_dir: Path) -> bytes:
    """The server's signing key from ``data_dir/session.key``, made on first use (mode 0600)."""
    path = Path(data_dir) / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:  # O_EXCL: two processes starting at once agree on one key (the loser reads the winner's)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def start_session(db: Database, signed: SignedIn, key: bytes, now: dt.datetime | None = None) -> str:
    """Record a new sign-in session for ``signed`` and return its token (for the cookie)."""
    if signed.actor.user_id is None:
        raise AuthError("auth.err_account_changed")
    now = now or dt.datetime.now(dt.UTC)
    nonce = secrets.token_urlsafe(32)

    def work(session) -> int:
        row = SignInSession(user_id=signed.actor.user_id, nonce_sha256=_digest(nonce),
                            created_at=now, last_seen_at=now)
        session.add(row)
        session.flush()
        return row.id

    sid = db.write(work)
    return _serializer(key).dumps({"sid": sid, "n": nonce})


def token_session_id(token: str, key: bytes) -> int | None:
    """The session row a token names (signature checked, age not), or None for a bad token."""
    try:
        return int(_serializer(key).loads(token)["sid"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def resume_session(db: Database, token: str, key: bytes, minutes: int,
                   now: dt.datetime | None = None) -> Resumed:
    """The signed-in session a token stands for, with ``last_seen`` now.

    Raises
    ------
    AuthError
        ``auth.err_session_expired`` for a token that is older than ``minutes``, idle longer,
        ended (signed out), forged or damaged; ``auth.err_account_changed`` when the account was
        disabled or its role changed (its open sessions are then ended).
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        data = _serializer(key).loads(token, max_age=minutes * 60)
        sid, nonce = int(data["sid"]), str(data["n"])
    except (SignatureExpired, BadSignature, KeyError, TypeError, ValueError):
        raise AuthError("auth.err_session_expired", minutes=minutes) from None
    with db.read() as session:
        row = session.get(SignInSession, sid)
        if (row is None or row.ended_at is not None
                or not secrets.compare_digest(row.nonce_sha256, _digest(nonce))
                or now - row.last_seen_at > dt.timedelta(minutes=minutes)):
            raise AuthError("auth.err_session_expired", minutes=minutes)
        user = session.get(User, row.user_id)
        mission = row.mission_incident
    if user is None or not user.active:
        end_user_sessions(db, row.user_id, "disabled", now)
        raise AuthError("auth.err_account_changed")
    touch_session(db, sid, now)
    signed = SignedIn(Actor(user.id, user.username, user.role), user.display_name, now)
    return Resumed(signed, sid, mission)


def touch_session(db: Database, session_id: int, now: dt.datetime | None = None, *,
                  mission_incident: str | None | EllipsisType = ...) -> None:
    """Move the session's last-seen time to ``now`` (and its mission in hand, when given)."""
    now = now or dt.datetime.now(dt.UTC)
    values: dict[str, object] = {"last_seen_at": now}
    if mission_incident is not ...:
        values["mission_incident"] = mission_incident

    def work(session) -> None:
        session.execute(update(SignInSession).where(SignInSession.id == session_id,
                                                    SignInSession.ended_at.is_(None)).values(**values))

    db.write(work)


def end_session(db: Database, session_id: int, reason: str = "sign_out",
                now: dt.datetime | None = None) -> None:
    """End one session for good (``reason``: ``sign_out``, ``disabled``, ``expired``)."""
    now = now or dt.datetime.now(dt.UTC)

    def work(session) -> None:
        session.execute(update(SignInSession).where(SignInSession.id == session_id,
                                                    SignInSession.ended_at.is_(None))
                        .values(ended_at=now, ended_reason=reason))

    db.write(work)


def end_user_sessions(db: Database, user_id: int, reason: str, now: dt.datetime | None = None) -> int:
    """End every open session of one account (disabled, or its role changed); returns how many."""
    now = now or dt.datetime.now(dt.UTC)

    def work(session) -> int:
        ids = list(session.scalars(select(SignInSession.id).where(
            SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))))
        if ids:
            session.execute(update(SignInSession).where(SignInSession.id.in_(ids))
                            .values(ended_at=now, ended_reason=reason))
        return len(ids)

    return db.write(work)
