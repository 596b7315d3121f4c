"""The mission and probability pages in Chromium: sign in, type the IPP, build the POA map over the
bundled demo terrain near Golmud, see the heat map and segment table, with no remote request."""

from __future__ import annotations

import pytest

from sar_planner.auth import create_first_admin, create_user, needs_first_admin
from sar_planner.logbook.db import get_database, reset_database_cache
from tests.e2e.conftest import wait_for_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def crew_account(app_server, monkeypatch):
    """An administrator and a crew member in the served app's own database (crew see the
    mission and probability pages; the administrator does not)."""
    monkeypatch.setenv("SAR_PLANNER_DATA_DIR", str(app_server.data_dir))
    monkeypatch.delenv("SAR_PLANNER_DATABASE_URL", raising=False)
    reset_database_cache()
    db = get_database()
    if needs_first_admin(db):
        admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
        create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    reset_database_cache()
    return "ma"


def _sign_in(page, username: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Sign in").click()
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").wait_for()
    wait_for_app(page)


def test_type_an_ipp_and_see_the_probability_map(page_en, app_server, crew_account):
    page = page_en
    page.goto(app_server.url)
    wait_for_app(page)
    _sign_in(page, crew_account)

    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    page.get_by_label("Initial planning point (last known point or point last seen)").fill(
        "36.10, 94.85")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Save mission inputs").click()
    wait_for_app(page)
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="36.10000").wait_for()

    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
    wait_for_app(page)
    page.get_by_label("Map half-width (km)").fill("4")
    page.get_by_label("Cell size (m)").fill("60")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Build the map").click()
    wait_for_app(page, timeout_ms=120_000)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.wait_for()
    # the relief is a local PNG under the heat map; the heat map is drawn (plotly's heatmap layer)
    image = chart.locator("image").first
    image.wait_for(state="attached")
    assert (image.get_attribute("href") or "").startswith("data:image/png;base64,")
    chart.locator(".heatmaplayer").first.wait_for(state="attached")
    # segment table and downloads
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    assert page.locator("[data-testid='stDownloadButton']").count() == 2
