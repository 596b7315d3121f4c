"""Sign-in for the pages: the first-start administrator form, the sign-in form, session expiry,
and the role check every page runs (``require_page``). The rules live in :mod:`sar_planner.auth`.

The signed-in session is kept in ``st.session_state["auth_signed_in"]`` (a
:class:`~sar_planner.auth.SignedIn`); it is re-checked against the database on every run, so a
disabled account or an idle session ends at the next click.
"""

from __future__ import annotations

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
from sar_planner.ui.common import app_settings, show_error, tr

__all__ = ["SESSION_KEY", "database", "current_user", "sign_in_page", "require_page", "sign_out_control",
           "role_name"]

SESSION_KEY = "auth_signed_in"
_NOTICE_KEY = "auth_notice"


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
        return None
    try:
        signed = check_session(database(), signed, app_settings().session_minutes)
    except AuthError as exc:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[_NOTICE_KEY] = exc
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
            st.session_state[SESSION_KEY] = sign_in(db, username, pw1)
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
            st.session_state[SESSION_KEY] = sign_in(db, username, password)
        except SarPlannerError as exc:
            show_error(exc)
            return
        st.rerun()


def sign_in_page() -> None:
    """The page shown to a browser nobody has signed in on: first-start form or sign-in form."""
    st.title(tr("auth.ui.sign_in_title"))
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
    if st.sidebar.button(tr("auth.ui.sign_out"), key="sign_out"):
        # the laptop is shared: the next person must not find this one's mission, settings or the
        # track and plan attached on the logbook form; what was saved is in the logbook
        lang_kept = st.session_state.get("lang")
        st.session_state.clear()
        if lang_kept is not None:
            st.session_state["lang"] = lang_kept
        st.rerun()
