"""Issue 16 in Chromium: a commander approves a sortie from the map view on the Review page, and
the Overview, the Statistics page, ``sar-planner log stats`` and the whole-log CSV export give the
same running count.

The logbook, by hand: opening balance 350 sorties / 612.5 h; approved 351 (1.5 h); waiting 352
(0.5 h, with a plan and a flown track: approved in the test) and 353 (2.25 h); draft 354 (0.75 h);
returned 355 (0.25 h). Running count = 350 + 1 approved + 2 waiting = 353 sorties;
612.5 + 1.5 + 0.5 + 2.25 = 616.75 h (616.8 at one decimal). Approving 352 moves it from waiting to
approved: the count stays 353 / 616.75 h. (Historical sorties are none here: the logbook takes an
opening balance or a historical list, never both; the historical case is in
tests/logbook/test_logbook_cli.py.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sar_planner.auth import sign_in
from sar_planner.flown_plan import PLAN_KIND
from sar_planner.logbook.counter import set_opening_balance
from sar_planner.logbook.db import open_database
from sar_planner.logbook.records import (SortieInput, add_aircraft, add_crew_member, approve_sortie, get_sortie,
                                         log_sortie, open_mission, return_sortie)
from sar_planner.logbook.times import LOCAL_TZ
from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser
from tests.e2e.test_stay_signed_in_browser import page_en  # noqa: F401 - allows Streamlit's probes
from tests.signin import TEST_PASSWORD, ensure_account

REPO = Path(__file__).resolve().parents[2]
RUNS = [[[94.850, 36.100, None], [94.860, 36.100, None]], [[94.860, 36.102, None], [94.850, 36.102, None]]]
TRACK = {"type": "LineString", "coordinates": [[94.8501, 36.1001], [94.8599, 36.1001], [94.8599, 36.1021],
                                               [94.8502, 36.1020]]}


def _logbook(data_dir: Path) -> int:
    """The logbook above; returns the id of sortie 352 (the one with a plan and a track)."""
    import inspect

    db = open_database(f"sqlite:///{data_dir / 'sar_planner.db'}")
    try:
        ensure_account(db, "commander")
        admin = sign_in(db, "test-admin", TEST_PASSWORD).actor
        boss = sign_in(db, "test-commander", TEST_PASSWORD).actor
        add_aircraft(db, admin, "QHJ-UAV-01", "DJI Matrice 350 RTK", "drone")
        add_crew_member(db, admin, "马建国")  # flies them: a commander approves others' sorties only
        who = "test-admin" if "actor_name" in inspect.signature(set_opening_balance).parameters else admin
        set_opening_balance(db, who, 350, 612.5)
        open_mission(db, boss, "QH-GEM-2026-016", dt.datetime(2026, 11, 30, 6, 0, tzinfo=LOCAL_TZ))

        def sortie(day: int, hours: float, **kw) -> SortieInput:
            start = dt.datetime(2026, 11, day, 9, 0, tzinfo=LOCAL_TZ)
            return SortieInput(task_type="search", aircraft="QHJ-UAV-01", takeoff_at=start,
                               landing_at=start + dt.timedelta(hours=hours), crew=(("马建国", "pilot"),),
                               incident_number="QH-GEM-2026-016", **kw)

        approve_sortie(db, boss, log_sortie(db, boss, sortie(1, 1.5), submit=True).id)  # 351
        plan = {"kind": PLAN_KIND, "version": 1, "name": "S3", "source": "geojson", "runs": RUNS,
                "sweep_width_m": 100.0, "comparison": {"planned_pod": 0.41, "region_area_m2": 2.0e6}}
        mapped = log_sortie(db, boss, sortie(2, 0.5, plan=plan, track=TRACK, pod=0.38, area_covered_m2=1.7e6),
                            submit=True)  # 352
        log_sortie(db, boss, sortie(3, 2.25), submit=True)  # 353 waiting
        log_sortie(db, boss, sortie(4, 0.75))  # 354 draft
        return_sortie(db, boss, log_sortie(db, boss, sortie(5, 0.25), submit=True).id, "no track")  # 355
        return mapped.id
    finally:
        db.dispose()


def _metrics(page) -> list[str]:
    page.locator("[data-testid='stMetricValue']").first.wait_for()
    return page.locator("[data-testid='stMetricValue']").all_inner_texts()


def _line(page) -> str:
    return page.locator("[data-testid='stCaptionContainer']", has_text="= opening balance").first.inner_text()


def test_approve_from_the_map_and_one_count_everywhere(page_en, app_server, tmp_path):  # noqa: F811
    page = page_en
    mapped_id = _logbook(app_server.data_dir)
    sign_in_browser(page, app_server, "commander")
    assert _metrics(page)[:2] == ["353", "616.8"]  # Overview
    assert _line(page).startswith("353 sorties, 616.75 h = opening balance 350 (612.5 h) + historical 0 (0.0 h) "
                                  "+ approved 1 (1.5 h) + waiting review 2 (2.75 h)")

    page.locator("[data-testid='stSidebarNavLink']", has_text="Review").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Waiting for review (2)").wait_for()
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.wait_for()
    assert page.get_by_text("Flown track (sortie 352)").count() >= 1  # the map's legend
    assert "41 %" in _metrics(page) and "38 %" in _metrics(page)  # whole percent (issue 16 item 4)
    page.get_by_role("button", name="Approve").click()
    wait_for_app(page)
    page.get_by_text("Sortie 352 approved.").wait_for()
    page.get_by_role("heading", name="Waiting for review (1)").wait_for()

    page.locator("[data-testid='stSidebarNavLink']", has_text="Statistics").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Statistics", exact=True).wait_for()
    assert _metrics(page)[:2] == ["353", "616.8"]
    assert "+ approved 2 (2.0 h) + waiting review 1 (2.25 h)" in _line(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    csv = pd.read_csv(dl.value.path(), encoding="utf-8-sig")
    assert csv["status"].iloc[0] == "opening_balance"
    assert int(csv["counted_sorties"].sum()) == 353
    assert round(float(csv["counted_hours"].sum()), 2) == 616.75

    env = {**os.environ, "SAR_PLANNER_DATA_DIR": str(app_server.data_dir)}
    env.pop("SAR_PLANNER_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "sar_planner", "log", "stats"], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    total = json.loads(out)["running_total"]
    assert (total["sorties"], total["hours"]) == (353, 616.75)

    db = open_database(f"sqlite:///{app_server.data_dir / 'sar_planner.db'}")
    try:
        assert get_sortie(db, mapped_id).status == "approved"
    finally:
        db.dispose()
