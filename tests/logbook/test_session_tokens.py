"""Signed, expiring session tokens (issue 16 item 3): a token resumes the sign-in until it is
older or idler than the session minutes, signed out, forged, or its account disabled."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from sar_planner.auth import set_user_active, sign_in
from sar_planner.errors import AuthError
from sar_planner.logbook.models import SignInSession
from sar_planner.session_tokens import (end_session, resume_session, server_key, start_session,
                                        touch_session)
from tests.logbook._helpers import PASSWORD

T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
KEY = b"k" * 32


def _token(db, username: str = "ma", now: dt.datetime = T0) -> str:
    return start_session(db, sign_in(db, username, PASSWORD), KEY, now=now)


def test_a_token_resumes_the_same_user_and_never_holds_the_password(db, unit):
    token = _token(db)
    assert PASSWORD not in token and "argon2" not in token
    got = resume_session(db, token, KEY, minutes=480, now=T0 + dt.timedelta(minutes=30))
    assert (got.signed.actor.username, got.signed.actor.role) == ("ma", "crew")
    assert got.signed.display_name == "马建国" and got.mission_incident is None
    with db.read() as s:
        row = s.scalar(select(SignInSession))
        assert len(row.nonce_sha256) == 64 and row.nonce_sha256 not in token  # only a digest kept
        assert row.last_seen_at == T0 + dt.timedelta(minutes=30)


def test_the_mission_in_hand_comes_back_with_the_session(db, unit):
    token = _token(db)
    sid = resume_session(db, token, KEY, 480, now=T0).session_id
    touch_session(db, sid, T0, mission_incident="QH-GEM-2025-031")
    assert resume_session(db, token, KEY, 480, now=T0).mission_incident == "QH-GEM-2025-031"


@pytest.mark.parametrize("minutes_later", [481, 10_000])
def test_a_token_expires_after_the_session_minutes(db, unit, minutes_later):
    token = _token(db)
    with pytest.raises(AuthError) as err:  # idle 481 minutes (the signature is also older)
        resume_session(db, token, KEY, 480, now=T0 + dt.timedelta(minutes=minutes_later))
    assert err.value.code == "auth.err_session_expired"


def test_an_idle_session_expires_even_with_a_fresh_signature(db, unit):
    # signed now (itsdangerous stamps the real clock), but the row was last seen 481 min ago
    token = _token(db, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=481))
    with pytest.raises(AuthError) as err:
        resume_session(db, token, KEY, 480)
    assert err.value.code == "auth.err_session_expired"


def test_sign_out_ends_the_token_at_once(db, unit):
    token = _token(db)
    sid = resume_session(db, token, KEY, 480, now=T0).session_id
    end_session(db, sid, "sign_out", now=T0)
    with pytest.raises(AuthError) as err:
        resume_session(db, token, KEY, 480, now=T0)
    assert err.value.code == "auth.err_session_expired"


def test_disabling_the_account_ends_its_open_sessions(db, unit):
    token_a, token_b = _token(db), _token(db)
    set_user_active(db, unit.admin, "ma", False)
    with pytest.raises(AuthError) as err:
        resume_session(db, token_a, KEY, 480, now=T0)
    assert err.value.code == "auth.err_account_changed"
    with db.read() as s:
        reasons = sorted(r.ended_reason for r in s.scalars(select(SignInSession)))
    assert reasons == ["disabled", "disabled"]  # the other browser's session too
    set_user_active(db, unit.admin, "ma", True)
    with pytest.raises(AuthError):  # re-enabling does not bring an ended session back
        resume_session(db, token_b, KEY, 480, now=T0)


@pytest.mark.parametrize("tamper", ["another key", "edited", "garbage"])
def test_a_forged_or_damaged_token_is_refused(db, unit, tamper):
    token = _token(db)
    if tamper == "another key":
        token = start_session(db, sign_in(db, "admin", PASSWORD), b"x" * 32, now=T0)
    elif tamper == "edited":
        token = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    else:
        token = "not a token"
    with pytest.raises(AuthError) as err:
        resume_session(db, token, KEY, 480, now=T0)
    assert err.value.code == "auth.err_session_expired"


def test_server_key_is_made_once_private_and_kept(tmp_path):
    key = server_key(tmp_path)
    assert len(key) == 32 and server_key(tmp_path) == key
    assert (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
