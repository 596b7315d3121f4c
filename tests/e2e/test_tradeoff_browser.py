"""Plans a crew can afford (issue 15 item 3) in Chromium: build the POA map on the demo terrain
south of Golmud, plan the top segment with parallel tracks, read the starred (best POS per flight
hour) choice, apply it with one click, and see the plan drawn with the sorties and flight time the
choice promised; no remote request, no console error.

The demo terrain is SYNTHETIC (its plans are marked and not exported); the table's numbers are
checked against the core in tests/ui/test_page_tradeoff.py and by hand in
tests/planning/test_tradeoff_table.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_app
from tests.e2e.test_probability_browser import (_build, _mission_on_probability_page, _select,
                                                crew_account)

__all__ = ["crew_account"]

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "notes" / "2026-12-07" / "figures"


def _shot(page, name: str) -> None:
    if os.environ.get("SAR_PLANNER_SCREENSHOTS"):
        FIGURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(FIGURES / name), full_page=False)


def test_apply_the_best_choice_and_get_the_plan_it_promised(page_en, app_server, crew_account):
    page = page_en
    _mission_on_probability_page(page, app_server, crew_account, "QH-E2E-AFFORD")
    _build(page)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Sortie plan").click()
    wait_for_app(page, timeout_ms=120_000)
    page.get_by_role("heading", name="Draw the search area").wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    wait_for_app(page, timeout_ms=120_000)
    _select(page, "Search pattern", "Parallel track")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Plan").click()
    wait_for_app(page, timeout_ms=240_000)
    panel = page.locator("[data-testid='stExpander']").filter(has_text="Plans a crew can afford")
    panel.wait_for()
    assert panel.locator("[data-testid='stDataFrame']").count() == 1
    pick = panel.locator("[data-testid='stSelectbox']").filter(has_text="Choice to apply")
    text = pick.locator("input[role='combobox']").input_value()  # the chosen option's text
    m = re.search(r"★ (\d+) m, coverage ([\d.]+): (\d+) sorties, ([\d.]+) h", text)
    assert m, text
    height, sorties, hours = int(m.group(1)), int(m.group(3)), float(m.group(4))
    panel.scroll_into_view_if_needed()
    _shot(page, "15-tradeoff-table-en.png")
    panel.get_by_role("button", name="Apply").click()
    wait_for_app(page, timeout_ms=240_000)
    # the click's rerun may start after wait_for_app returned: wait for the form to follow
    expect(page.get_by_label("Height above ground (m)")).to_have_value(f"{height:.2f}",
                                                                       timeout=180_000)
    wait_for_app(page, timeout_ms=240_000)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Sorties")
    assert metric.locator("[data-testid='stMetricValue']").inner_text().strip() == str(sorties)
    flight = page.locator("[data-testid='stMetric']").filter(has_text="Flight time")
    h, mm = flight.locator("[data-testid='stMetricValue']").inner_text().strip().split(":")
    assert abs(int(h) + int(mm) / 60 - hours) <= 1 / 60 + 0.005
    # the plan is drawn (track map and profile under the drawing map)
    page.locator("[data-testid='stPlotlyChart']").nth(2).wait_for()
