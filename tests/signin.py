"""Sign tests in past the app's sign-in gate (AppTest here; browsers in tests/e2e/signin.py).

    from tests.signin import sign_in_apptest

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "commander")     # or "admin", "crew", "analyst"
    at.run()

It creates an account of that role in the test's own database (tests/conftest.py gives every test
an empty SAR_PLANNER_DATA_DIR, so the SQLite file is new) and puts its signed-in session into
``st.session_state`` exactly as the sign-in form does. Which pages each role sees:
:data:`sar_planner.auth.PERMISSIONS` (crew: home, mission, probability, plan, logbook, terrain;
commander: all but settings; analyst: home, statistics; admin: home, terrain, settings).
"""

from __future__ import annotations

from typing import Any

from sar_planner.auth import create_first_admin, create_user, needs_first_admin, sign_in
from sar_planner.errors import AuthError
from sar_planner.logbook.db import Database, get_database
from sar_planner.ui.session import SESSION_KEY

__all__ = ["sign_in_apptest", "ensure_account", "TEST_PASSWORD"]

TEST_PASSWORD = "test password, not a real one"


def ensure_account(db: Database, role: str = "admin") -> str:
    """Make sure ``test-<role>`` exists (and a ``test-admin``); returns the user name."""
    if needs_first_admin(db):
        create_first_admin(db, "test-admin", "Test administrator", TEST_PASSWORD)
    username = f"test-{role}"
    if role != "admin":
        try:
            sign_in(db, username, TEST_PASSWORD)
        except AuthError:  # not created yet
            admin = sign_in(db, "test-admin", TEST_PASSWORD).actor
            create_user(db, admin, username, f"Test {role}", role, TEST_PASSWORD)
    return username


def sign_in_apptest(at: Any, role: str = "admin") -> Any:
    """Put a signed-in user of ``role`` into ``at.session_state``; returns ``at``."""
    db = get_database()
    at.session_state[SESSION_KEY] = sign_in(db, ensure_account(db, role), TEST_PASSWORD)
    return at
