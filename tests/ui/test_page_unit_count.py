"""Issue 16: the Overview and the Statistics page give the unit's one running count, with the
reconciliation line, and the Statistics page counts drafts and returned sorties apart.

The logbook, by hand: opening balance 350 sorties / 612.5 h; approved 351 (1.5 h); draft 352
(0.5 h); waiting review 353 (2.25 h); returned 354 (0.75 h).
Running count = 350 + 0 historical + 1 approved + 1 waiting = 352 sorties;
612.5 + 1.5 + 2.25 = 616.25 h (shown 616.2 at one decimal, Python's round-half-even on 616.25).
Flown in the log (Statistics, no filter): 351 and 353 = 2 sorties, 3.75 h.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.counter import set_opening_balance
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import (SortieInput, add_aircraft, add_crew_member, approve_sortie,
                                         log_sortie, open_mission, return_sortie)
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY
from tests.ui.test_app import APP, PASSWORD


def _sortie(day: int, hours: float) -> SortieInput:
    start = dt.datetime(2026, 11, day, 9, 0, tzinfo=LOCAL_TZ)
    return SortieInput(task_type="search", aircraft="B-7185", takeoff_at=start,
                       landing_at=start + dt.timedelta(hours=hours), crew=(("马建国", "pilot"),),
                       incident_number="QH-GEM-2026-016")


@pytest.fixture
def unit_log(data_dir):
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    wang = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    ma = create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    add_crew_member(db, admin, "星卫东")
    # the acting account (issue 14 makes it an Actor checked for log.import; a name before that)
    who = "admin" if "actor_name" in inspect.signature(set_opening_balance).parameters else admin
    set_opening_balance(db, who, 350, 612.5)
    open_mission(db, wang, "QH-GEM-2026-016", dt.datetime(2026, 11, 1, 6, 0, tzinfo=LOCAL_TZ),
                 area="Nuomuhong")
    approve_sortie(db, wang, log_sortie(db, ma, _sortie(1, 1.5), submit=True).id)  # 351
    log_sortie(db, ma, _sortie(2, 0.5))  # 352 draft
    log_sortie(db, ma, _sortie(3, 2.25), submit=True)  # 353 waiting
    return_sortie(db, wang, log_sortie(db, ma, _sortie(4, 0.75), submit=True).id, "track missing")
    yield db
    reset_database_cache()


def _run(page: str | None, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state[SESSION_KEY] = sign_in(get_database(), "wang", PASSWORD)
    at.run()
    if page:
        at.switch_page(f"sar_planner/ui/pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_and_statistics_show_the_same_count_and_reconciliation(unit_log, lang):
    home = _run(None, lang)
    stats = _run("statistics", lang)
    for at in (home, stats):
        values = [m.value for m in at.metric]
        assert values[:2] == ["352", "616.2"], values
        line = next(c.value for c in at.caption if "616.25" in c.value)
        for part in ("352", "350", "612.5", "1.5", "2.25", "0.5", "0.75"):
            assert part in line, (part, line)
    if lang == "en":
        assert ("352 sorties, 616.25 h = opening balance 350 (612.5 h) + historical 0 (0.0 h) + "
                "approved 1 (1.5 h) + waiting review 1 (2.25 h)") in line
    else:
        assert "累计 352 架次" in line and "草稿 1 架次" in line


def test_statistics_counts_flown_sorties_and_shows_drafts_and_returned_apart(unit_log):
    at = _run("statistics", "en")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Sorties flown"], metrics["Hours flown"]) == ("2", "3.8")  # 3.75 h at one decimal
    apart = next(c.value for c in at.caption if c.value.startswith("Not counted as flown"))
    assert "drafts 1 (0.5 h)" in apart and "returned for correction 1 (0.75 h)" in apart
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts if "title" in c["layout"]]
    assert "Sorties per month by task" in titles and "Flight hours per aircraft" in titles
    month = next(c for c in charts if c["layout"].get("title", {}).get("text") == "Sorties per month by task")
    # November 2026: the approved and the waiting sortie, both search
    assert [(tr["name"], tr["x"], tr["y"]) for tr in month["data"]] == [("search", ["2026-11"], [2])]
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Table (CSV)") >= 3 and labels.count("Table (XLSX)") >= 3
