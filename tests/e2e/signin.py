"""Sign a browser in past the app's sign-in gate.

    from tests.e2e.signin import sign_in_browser

    sign_in_browser(page, app_server, "commander")   # then use the app as that role

It adds the account ``test-<role>`` straight into the server's database (the SQLite file in
``app_server.data_dir``; the app reads it on the next run), opens the app, types the user name
and password into the sign-in form and waits for the home page.
"""

from __future__ import annotations

from typing import Any

from sar_planner.logbook.db import open_database
from tests.e2e.conftest import wait_for_app
from tests.signin import TEST_PASSWORD, ensure_account

__all__ = ["sign_in_browser"]


def sign_in_browser(page: Any, app_server: Any, role: str = "commander") -> None:
    """Create ``test-<role>`` if needed, open the app and sign in as it."""
    db = open_database(f"sqlite:///{app_server.data_dir / 'sar_planner.db'}")
    try:
        username = ensure_account(db, role)
    finally:
        db.dispose()
    page.goto(app_server.url)
    wait_for_app(page)
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").first.click()
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNavLink']").first.wait_for()
