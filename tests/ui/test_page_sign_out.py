"""Signing out leaves nothing of the last user's work in the browser session (QA walk, session 2).

The field laptop is shared: before, signing out removed only the signed-in user, so the next crew
member to sign in on the same tab found the last one's mission, map settings and the flown track
and plan attached on the Logbook form ("A flown track of 18 points is attached"), ready to be
logged with their own sortie. What was saved is in the logbook and is opened again from there.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sar_planner.ui.session import SESSION_KEY
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]


def test_sign_out_forgets_the_session_but_keeps_the_language():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = {"ipp_text": "36.10, 94.85", "incident_number": "GOL-1"}
    at.session_state["lb_track"] = {"type": "LineString",
                                    "coordinates": [[94.85, 36.10], [94.86, 36.11]]}
    at.session_state["lb_remarks"] = "half-typed remarks"
    at.run()
    assert not at.exception
    at.sidebar.button(key="sign_out").click().run()
    assert not at.exception
    assert at.title[0].value == "登录"  # the sign-in page, still in Chinese
    for key in (SESSION_KEY, "mission", "lb_track", "lb_remarks"):
        assert key not in at.session_state, key
    assert at.session_state["lang"] == "zh"
