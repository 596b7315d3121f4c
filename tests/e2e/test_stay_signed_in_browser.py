"""Issue 16 item 3 in Chromium: a reload, or a typed page address, keeps the user signed in on
that page (the signed session cookie); sign-out ends it at once; a disabled account's open session
ends at its next click. Before, a reload of /review signed the commander out.

Streamlit's own page script, opened at a page address such as /review, first asks for
/review/_stcore/health and /review/_stcore/host-config (in case the app is served under that base
path), gets 404 and then uses the root: those two 404s per load are Streamlit's and are the only
console errors allowed here (each is checked to be one of them).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sar_planner.auth import Actor, set_user_active
from sar_planner.logbook.db import open_database
from sar_planner.session_tokens import COOKIE_NAME
from tests.e2e.conftest import _new_page, wait_for_app
from tests.e2e.signin import sign_in_browser

_STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")


@pytest.fixture
def page_en(browser, app_server) -> Iterator[object]:
    """As tests/e2e/conftest.py's page_en, allowing only Streamlit's base-path probes' 404s."""
    context, page, guard = _new_page(browser, "en-US")
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    yield page
    try:
        assert not guard.remote_requests, f"the app asked for remote hosts: {guard.remote_requests}"
        assert all(u.endswith(_STREAMLIT_PROBES) and u.count("/") > 3 for u in missing), missing
        others = [e for e in guard.console_errors if "status of 404" not in e]
        assert not others and len(guard.console_errors) - len(others) <= len(missing), guard.console_errors
    finally:
        context.close()


def _signed_in_on(page, heading: str) -> None:
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
    assert page.get_by_role("textbox", name="User name").count() == 0
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 8  # a commander's pages


def test_reload_and_typed_address_keep_the_sign_in_and_sign_out_ends_it(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "commander")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Review").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Review", exact=True).wait_for()
    page.reload()
    wait_for_app(page)
    _signed_in_on(page, "Review")
    assert page.url.rstrip("/").endswith("/review")
    page.goto(f"{app_server.url}/statistics")  # typed into the address bar
    wait_for_app(page)
    _signed_in_on(page, "Statistics")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert "correct" not in cookie["value"] and cookie["sameSite"] == "Strict"
    # the cookie's token is the session: a copy in another browser is signed in too ...
    copy = page.context.browser.new_context()
    try:
        copy.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
        other = copy.new_page()
        other.goto(f"{app_server.url}/statistics")
        wait_for_app(other)
        other.get_by_role("heading", name="Statistics", exact=True).wait_for()
        # ... until the user signs out here: then the copy is refused at its next load
        page.get_by_role("button", name="Sign out").click()
        wait_for_app(page)
        page.get_by_role("textbox", name="User name").wait_for()
        other.reload()
        wait_for_app(other)
        other.get_by_role("textbox", name="User name").wait_for()
    finally:
        copy.close()
    page.reload()  # and this browser forgot it
    wait_for_app(page)
    page.get_by_role("textbox", name="User name").wait_for()
    assert all(c["name"] != COOKIE_NAME for c in page.context.cookies())


def test_a_disabled_accounts_open_session_ends_at_its_next_click(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "analyst")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Statistics").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Statistics", exact=True).wait_for()
    db = open_database(f"sqlite:///{app_server.data_dir / 'sar_planner.db'}")
    try:
        admin = Actor(None, "cli:test", "admin")
        set_user_active(db, admin, "test-analyst", False)
        try:
            page.locator("[data-testid='stSidebarNavLink']", has_text="Overview").click()  # next click
            wait_for_app(page)
            page.get_by_role("textbox", name="User name").wait_for()
            page.reload()  # and the cookie does not bring it back
            wait_for_app(page)
            page.get_by_role("textbox", name="User name").wait_for()
        finally:
            set_user_active(db, admin, "test-analyst", True)
    finally:
        db.dispose()
