"""Sign-in for the pages: the first-start administrator form, the sign-in form, session expiry,
and the role check every page runs (``require_page``). The rules live in :mod:`sar_planner.auth`.

The signed-in session is kept in ``st.session_state["auth_signed_in"]`` (a
:class:`~sar_planner.auth.SignedIn`); it is re-checked against the database on every run, so a
disabled account or an idle session ends at the next click.

A reload or a typed page address starts a new Streamlit session; the browser's session cookie
(a signed, expiring token: :mod:`sar_planner.session_tokens`) brings the sign-in back, and the
mission in hand with it. The cookie is written by a line of script in the page after sign-in and
removed at sign-out; the server ends the token's row at sign-out too, so a copy of the cookie is
worthless from then on.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sar_planner.auth import (
    SignedIn,
    can_see_page,
    check_session,
    create_first_admin,
    needs_first_admin,
    sign_in,
)
from sar_planner.errors import AuthError, SarPlannerError
from sar_planner.logbook.db import Database, get_database
from sar_planner.session_tokens import (COOKIE_NAME, end_session, resume_session, server_key,
                                        start_session, token_session_id, touch_session)
from sar_planner.ui.common import app_settings, show_error, tr

__all__ = ["SESSION_KEY", "database", "current_user", "sign_in_page", "require_page", "sign_out_control",
           "role_name", "remember_mission"]

SESSION_KEY = "auth_signed_in"
_NOTICE_KEY = "auth_notice"
#: (token, session row id) of this browser's sign-in session.
_TOKEN_KEY = "auth_token"
#: The token the browser's cookie was last set to from this Streamlit session.
_COOKIE_DONE = "auth_cookie_written"
#: Set by sign-out (kept through the clear): remove the cookie, never resume from it.
_COOKIE_CLEAR = "auth_cookie_clear"
#: When this session's row was last touched (UTC), and the mission in hand it holds.
_TOUCHED = "auth_touched"
_MISSION_SAVED = "auth_mission_saved"
#: The row's last-seen time is written at most this often (seconds).
_TOUCH_EVERY_S = 60


def _key() -> bytes:
    return server_key(app_settings().data_dir)


def _cookie_script(token: str | None, where=st) -> None:
    """Set (or, with None, remove) the session cookie in the browser."""
    if token is None:
        value = f"{COOKIE_NAME}=; Max-Age=0; path=/; SameSite=Strict"
    else:
        value = f"{COOKIE_NAME}={token}; Max-Age={app_settings().session_minutes * 60}; path=/; SameSite=Strict"
    where.html(f"<script>document.cookie = {value!r};</script>", unsafe_allow_javascript=True)


def _begin(db: Database, signed: SignedIn) -> None:
    """After a sign-in: keep it in the session and issue its token (the cookie is set next run)."""
    ss = st.session_state
    ss[SESSION_KEY] = signed
    token = start_session(db, signed, _key())
    ss[_TOKEN_KEY] = (token, token_session_id(token, _key()))
    ss.pop(_COOKIE_CLEAR, None)
    ss[_TOUCHED] = dt.datetime.now(dt.UTC)


def _restore_mission(db: Database, incident: str) -> None:
    """Take the mission in hand back after a reload, as the Mission page loads a chosen one."""
    from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs
    from sar_planner.ui.mission_state import session_from_stored

    try:
        mid = mission_id_for(db, incident)
        stored = mission_inputs(db, mid)
    except SarPlannerError:
        return  # no longer there: the crew chooses again
    ss = st.session_state
    ss["mission_pick"] = {"incident_number": incident, "mission_id": mid,
                          "revision": stored["revision"] if stored else None}
    if stored is not None:
        ss["mission"] = session_from_stored(stored, incident, mid)
        if stored.get("terrain_id"):
            ss["terrain_entry"] = stored["terrain_id"]


def _resume_from_cookie() -> SignedIn | None:
    """The sign-in the browser's cookie stands for (a reload, a typed address), or None."""
    ss = st.session_state
    if ss.get(_COOKIE_CLEAR):
        return None
    token = st.context.cookies.get(COOKIE_NAME)
    if not token:
        return None
    db = database()
    try:
        resumed = resume_session(db, token, _key(), app_settings().session_minutes)
    except AuthError as exc:
        ss[_NOTICE_KEY] = exc
        ss[_COOKIE_CLEAR] = True
        return None
    ss[SESSION_KEY] = resumed.signed
    ss[_TOKEN_KEY] = (token, resumed.session_id)
    ss[_COOKIE_DONE] = token
    ss[_TOUCHED] = dt.datetime.now(dt.UTC)
    ss[_MISSION_SAVED] = resumed.mission_incident
    if resumed.mission_incident and "mission_pick" not in ss:
        _restore_mission(db, resumed.mission_incident)
    return resumed.signed


def remember_mission() -> None:
    """Keep the mission in hand with this browser's session row (called after each page run), so a
    reload brings it back; also moves the row's last-seen time at most every minute."""
    ss = st.session_state
    held = ss.get(_TOKEN_KEY)
    if not held or held[1] is None or SESSION_KEY not in ss:
        return
    pick = ss.get("mission_pick")
    incident = pick.get("incident_number") if isinstance(pick, dict) else None
    now = dt.datetime.now(dt.UTC)
    last = ss.get(_TOUCHED)
    try:
        if incident != ss.get(_MISSION_SAVED):
            touch_session(database(), held[1], now, mission_incident=incident)
            ss[_MISSION_SAVED] = incident
            ss[_TOUCHED] = now
        elif last is None or (now - last).total_seconds() > _TOUCH_EVERY_S:
            touch_session(database(), held[1], now)
            ss[_TOUCHED] = now
    except SarPlannerError:
        pass  # the database is away for a moment: the next run tries again


def database() -> Database:
    """The app's one database (opened and migrated on first use in this process)."""
    return get_database()


def role_name(role: str) -> str:
    """The role in the session's language."""
    return tr(f"auth.ui.role_{role}")


def current_user() -> SignedIn | None:
    """The signed-in user, re-checked now (expiry, account still active, same role), or ``None``.

    Raises
    ------
    LogbookError
        When the database cannot be reached (the caller shows it with a retry).
    """
    signed = st.session_state.get(SESSION_KEY)
    if not isinstance(signed, SignedIn):
        signed = _resume_from_cookie()
        if signed is None:
            return None
    try:
        signed = check_session(database(), signed, app_settings().session_minutes)
    except AuthError as exc:
        held = st.session_state.pop(_TOKEN_KEY, None)
        if held and held[1] is not None:  # the token ends with it (a disabled account, expiry)
            end_session(database(), held[1], "disabled" if exc.code == "auth.err_account_changed"
                        else "expired")
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[_NOTICE_KEY] = exc
        st.session_state[_COOKIE_CLEAR] = True
        return None
    st.session_state[SESSION_KEY] = signed
    return signed


def _first_admin_form(db: Database) -> None:
    st.subheader(tr("auth.ui.first_start_title"))
    st.info(tr("auth.ui.first_start_body"), icon=":material/shield_person:")
    with st.form("first_admin"):
        username = st.text_input(tr("auth.ui.username"), key="first_admin_username")
        display = st.text_input(tr("auth.ui.display_name"), key="first_admin_display")
        pw1 = st.text_input(tr("auth.ui.password"), type="password", key="first_admin_pw1")
        pw2 = st.text_input(tr("auth.ui.password_again"), type="password", key="first_admin_pw2")
        go = st.form_submit_button(tr("auth.ui.create_admin"), type="primary")
    if go:
        if pw1 != pw2:
            st.error(tr("auth.ui.passwords_differ"))
            return
        try:
            create_first_admin(db, username.strip().lower(), display, pw1)
            _begin(db, sign_in(db, username, pw1))
        except SarPlannerError as exc:
            show_error(exc)
            return
        st.rerun()


def _sign_in_form(db: Database) -> None:
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice is not None:
        show_error(notice)
    with st.form("sign_in"):
        username = st.text_input(tr("auth.ui.username"), key="sign_in_username")
        password = st.text_input(tr("auth.ui.password"), type="password", key="sign_in_password")
        go = st.form_submit_button(tr("auth.ui.sign_in"), type="primary")
    if go:
        try:
            _begin(db, sign_in(db, username, password))
        except SarPlannerError as exc:
            show_error(exc)
            return
        st.rerun()


def sign_in_page() -> None:
    """The page shown to a browser nobody has signed in on: first-start form or sign-in form."""
    st.title(tr("auth.ui.sign_in_title"))
    if st.session_state.get(_COOKIE_CLEAR):
        _cookie_script(None)  # signed out or expired: the browser forgets the token too
    try:
        db = database()
        if needs_first_admin(db):
            _first_admin_form(db)
        else:
            _sign_in_form(db)
    except SarPlannerError as exc:
        show_error(exc)
        st.button(tr("logbook.ui.retry"), key="sign_in_retry")


def require_page(page_key: str) -> SignedIn:
    """Run at the top of a page on every run: the signed-in user allowed to see ``page_key``.

    Shows the sign-in form (and stops the page) when nobody is signed in or the session expired,
    and a plain refusal when the role may not open the page.
    """
    try:
        signed = current_user()
    except SarPlannerError as exc:
        show_error(exc)
        st.button(tr("logbook.ui.retry"), key="require_retry")
        st.stop()
    if signed is None:
        sign_in_page()
        st.stop()
    if not can_see_page(signed.actor.role, page_key):
        st.title(tr(f"nav.{page_key}"))
        st.error(tr("auth.ui.no_access"), icon=":material/block:")
        st.stop()
    return signed


def sign_out_control(signed: SignedIn) -> None:
    """Who is signed in, and the sign-out button, in the sidebar."""
    st.sidebar.caption(tr("auth.ui.signed_in_as", name=signed.display_name, role=role_name(signed.actor.role)))
    held = st.session_state.get(_TOKEN_KEY)
    if held and st.session_state.get(_COOKIE_DONE) != held[0]:
        _cookie_script(held[0], st.sidebar)  # a reload or a typed address keeps this sign-in
        st.session_state[_COOKIE_DONE] = held[0]
    if st.sidebar.button(tr("auth.ui.sign_out"), key="sign_out"):
        if held and held[1] is not None:
            try:
                end_session(database(), held[1], "sign_out")  # ends the token at once
            except SarPlannerError as exc:
                show_error(exc)
                return
        # the laptop is shared: the next person must not find this one's mission, settings or the
        # track and plan attached on the logbook form; what was saved is in the logbook
        lang_kept = st.session_state.get("lang")
        st.session_state.clear()
        if lang_kept is not None:
            st.session_state["lang"] = lang_kept
        st.session_state[_COOKIE_CLEAR] = True
        st.rerun()
