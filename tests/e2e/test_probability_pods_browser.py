"""A sortie's POD map in Chromium: uploaded on the Probability page of a logbook mission, it is
stored with the mission, applied (the rest-of-world share rises as the Bayes update says), still
applied after a visit to another page, and taken out again by a confirmed Remove."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from sar_planner.terrain import grid_around
from tests.e2e.conftest import wait_for_app
from tests.e2e.test_probability_browser import _mission_on_probability_page, crew_account  # noqa: F401

INCIDENT = "QH-E2E-POD"
LAT, LON = 36.10, 94.85  # the IPP _mission_on_probability_page types (demo terrain south of Golmud)


def _row(page) -> float:
    """The rest-of-world share the page shows for the current map (first model column)."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has_text="Rest of world (outside the map)").first
    metric.wait_for()
    return float(metric.locator("[data-testid='stMetricValue']").inner_text())


def _build(page) -> None:
    page.get_by_label("Map half-width (km)").fill("4")
    page.get_by_label("Cell size (m)").fill("60")
    page.get_by_label("Cell size (m)").press("Tab")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Build the map").click()
    wait_for_app(page, timeout_ms=120_000)


def _open_sorties(page):
    details = page.locator("[data-testid='stExpander'] details").filter(
        has_text="Sorties flown (Bayes update)")
    details.wait_for()
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def test_a_pod_map_uploaded_in_the_browser_stays_with_the_mission(page_en, app_server,
                                                                   crew_account,  # noqa: F811 - the fixture imported above
                                                                   tmp_path):
    page = page_en
    _mission_on_probability_page(page, app_server, crew_account, INCIDENT)
    _build(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    row0 = _row(page)
    assert 0.0 < row0 < 1.0
    # a POD of 0.5 on every cell of the page's grid (8 km square, 60 m cells): every cell's POA
    # halves, so POS = 0.5 (1 - ROW) and ROW' = ROW / (1 - POS) = 2 ROW / (1 + ROW)
    # (search-theory.md, Bayes update)
    grid = grid_around(LAT, LON, 4000.0, 60.0)
    pod_file = tmp_path / "team_a.tif"
    with rasterio.open(pod_file, "w", driver="GTiff", width=grid.shape[1], height=grid.shape[0],
                       count=1, dtype="float64", crs=grid.crs, transform=grid.transform) as dst:
        dst.write(np.full(grid.shape, 0.5), 1)
    details = _open_sorties(page)
    details.locator("[data-testid='stFileUploader']").filter(
        has_text="POD maps (GeoTIFF").locator("input[type='file']").set_input_files(str(pod_file))
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text=f"Stored with mission {INCIDENT} and applied: team_a.tif").wait_for(
        timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)
    row1 = _row(page)
    assert row1 == pytest.approx(2 * row0 / (1 + row0), abs=2e-3)  # the metric shows 3 decimals
    # another page and back: the map still applies it (it is in the logbook, not the uploader)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
    wait_for_app(page, timeout_ms=120_000)
    assert _row(page) == pytest.approx(row1, abs=1e-9)
    details = _open_sorties(page)
    details.get_by_text("team_a.tif").first.wait_for()
    # a confirmed Remove takes it out of the map again
    details.locator("[data-testid='stButton'] button").filter(has_text="Remove").first.click()
    wait_for_app(page)
    page.locator("[data-testid='stButton'] button").filter(has_text="Yes, remove it").click()
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="POD map team_a.tif removed").wait_for(timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)
    assert _row(page) == pytest.approx(row0, abs=1e-9)
