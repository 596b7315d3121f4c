"""Review page (issue 14, item 8): a commander who flew a sortie is told, in his language, that
another commander or the administrator approves it; the administrator (who may now review) opens
the Review page and approves it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import SortieInput, add_aircraft, list_sorties, log_sortie
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def db(data_dir):
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    wang = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    log_sortie(db, wang, SortieInput("training", "B-7185", t0, t0 + dt.timedelta(hours=1), (("王志强", "pilot"),)),
               submit=True)
    yield db
    reset_database_cache()


def _review(user: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SESSION_KEY] = sign_in(get_database(), user, PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/review.py")
    at.run()
    return at


def _approve(at: AppTest) -> None:
    next(b for b in at.button if b.key == "rv_approve").click()
    at.run()


@pytest.mark.parametrize("lang, words", [("en", "You flew sortie 1"), ("zh", "您是第 1 架次的机组成员")])
def test_the_commander_who_flew_it_is_told_who_approves(db, lang, words):
    at = _review("wang", lang)
    _approve(at)
    assert not at.exception
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert [s.status for s in list_sorties(db)] == ["submitted"]


def test_the_administrator_approves_it_on_the_review_page(db):
    at = _review("admin", "en")
    assert not at.exception and not at.error, [e.value for e in at.error]
    _approve(at)
    assert not at.exception
    assert [s.status for s in list_sorties(db)] == ["approved"]
