"""Sign a Streamlit AppTest in, for tests of pages behind the sign-in gate.

    from tests.signin import sign_in_apptest

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "admin")     # or "crew", "commander", "analyst"
    at.run()

It creates an account of that role in the test's own database (tests/conftest.py gives every test
an empty SAR_PLANNER_DATA_DIR, so the SQLite file is new) and puts its signed-in session into
``st.session_state`` exactly as the sign-in form does. Which pages each role sees:
:data:`sar_planner.auth.PERMISSIONS` (admin: home, terrain, settings; commander: all but settings).
"""

from __future__ import annotations

from typing import Any

from sar_planner.auth import create_first_admin, create_user, needs_first_admin, sign_in
from sar_planner.logbook.db import get_database
from sar_planner.ui.session import SESSION_KEY

__all__ = ["sign_in_apptest", "TEST_PASSWORD"]

TEST_PASSWORD = "test password, not a real one"


def sign_in_apptest(at: Any, role: str = "admin") -> Any:
    """Put a signed-in user of ``role`` into ``at.session_state``; returns ``at``."""
    db = get_database()
    if needs_first_admin(db):
        create_first_admin(db, "test-admin", "Test administrator", TEST_PASSWORD)
    username = f"test-{role}"
    if role != "admin":
        admin = sign_in(db, "test-admin", TEST_PASSWORD).actor
        try:
            sign_in(db, username, TEST_PASSWORD)
        except Exception:  # noqa: BLE001 - not created yet
            create_user(db, admin, username, f"Test {role}", role, TEST_PASSWORD)
    at.session_state[SESSION_KEY] = sign_in(db, username, TEST_PASSWORD)
    return at


