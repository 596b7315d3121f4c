"""The plan page in Chromium: sign in as crew, open "Sortie plan" from the sidebar, plan an
expanding square over the bundled real Pamir terrain, see the track and profile, download the
GeoJSON; no remote request, no console error."""

from __future__ import annotations

import json

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser


def test_plan_an_expanding_square_and_download_it(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "crew")
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Sortie plan").click()
    wait_for_app(page)
    page.locator("[data-testid='stSelectbox']").filter(has_text="Terrain").click()
    page.get_by_role("option").filter(has_text="Pamir").click()
    wait_for_app(page)
    page.locator("[data-testid='stSelectbox']").filter(has_text="Search pattern").click()
    page.get_by_role("option").filter(has_text="Expanding square").click()
    page.get_by_label("Datum (lat, lon)").fill("39.0, 75.6")
    page.get_by_label("Height above ground (m)").fill("80")
    page.get_by_label("Square half-side / sector radius (m; 0 = auto)").fill("300")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Plan").click()
    wait_for_app(page, timeout_ms=120_000)
    # red hazards (e.g. the height cap over steep ground) may show; nothing blocks the export
    assert page.get_by_text("Export is disabled").count() == 0
    charts = page.locator("[data-testid='stPlotlyChart']")
    charts.nth(1).wait_for()
    assert charts.count() == 2
    image = charts.first.locator("image").first
    image.wait_for(state="attached")
    assert (image.get_attribute("href") or "").startswith("data:image/png;base64,")
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="GeoJSON")
    with page.expect_download() as info:
        button.first.click()
    path = info.value.path()
    doc = json.loads(open(path, encoding="utf-8").read())
    wps = [f for f in doc["features"] if f["properties"].get("kind") == "waypoint"]
    assert wps and all(f["properties"]["agl_m"] >= -0.01 for f in wps)
