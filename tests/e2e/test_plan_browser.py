"""The plan page in Chromium: sign in as crew, open "Sortie plan" from the sidebar, plan an
expanding square over the bundled real Pamir terrain, see the track and profile, download the
GeoJSON; draw a search area with a lasso on the map and plan it; no remote request, no console
error."""

from __future__ import annotations

import json

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser
from tests.e2e.test_probability_browser import _open_mission


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


def _lasso(page, chart, fractions):
    """Drag a lasso through points given as fractions of the chart's plot area."""
    area = chart.locator(".nsewdrag").first
    area.wait_for()
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    pts = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in fractions]
    page.mouse.move(*pts[0])
    page.mouse.down()
    for x, y in pts[1:] + [pts[0]]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def test_draw_the_area_with_a_lasso_and_plan_it(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "crew")
    nav = page.locator("[data-testid='stSidebarNavLink']")
    nav.filter(has_text="Mission").click()
    wait_for_app(page)
    _open_mission(page, "QH-E2E-PLAN")  # the inputs are saved with a logbook mission
    # the IPP on the demo terrain south of Golmud (scenarios.md), 36.10 N 94.85 E
    page.get_by_label("Initial planning point (last known point or point last seen)").fill(
        "36.10, 94.85")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Save mission inputs").click()
    wait_for_app(page)
    page.locator("[data-testid='stAlertContentSuccess']").first.wait_for()
    nav.filter(has_text="Sortie plan").click()
    wait_for_app(page, timeout_ms=120_000)
    page.get_by_role("heading", name="Draw the search area").wait_for()
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.wait_for()
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1  # the drawing map only
    # a small pentagon round the middle of the 10 km map (about 1.5 km across)
    _lasso(page, chart, [(0.45, 0.44), (0.57, 0.45), (0.58, 0.55), (0.50, 0.59), (0.44, 0.54)])
    wait_for_app(page, timeout_ms=120_000)
    drawn = page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Area drawn")
    drawn.wait_for()
    km2 = float(drawn.inner_text().split("Area drawn: ")[1].split(" km²")[0])
    assert 0.5 < km2 < 5.0, km2
    # the outline is on the map and chosen as the area source
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.locator("path.js-fill").first.wait_for(state="attached")
    source = page.locator("[data-testid='stRadio']").filter(has_text="Search area from")
    checked = source.locator("label").filter(has=page.locator("input:checked"))
    assert checked.count() == 1 and "Area drawn on the map" in checked.inner_text()
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Plan").click()
    wait_for_app(page, timeout_ms=180_000)
    # a plan made from it: the sorties, the track map and the profile (the demo terrain is
    # SYNTHETIC, so its plan is marked and not exported)
    page.get_by_text("SYNTHETIC").first.wait_for()
    assert page.locator("[data-testid='stMetric']").filter(has_text="Sorties").count() == 1
    assert page.locator("[data-testid='stPlotlyChart']").count() == 3
