"""The mission and probability pages in Chromium: sign in, type the IPP, build the POA map over the
bundled demo terrain near Golmud, see the heat map and segment table, with no remote request; pick
a new IPP on the map (a click, then a box) and rebuild the map around it."""

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
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Sign in").click()
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").wait_for()
    wait_for_app(page)


def _open_mission(page, incident: str) -> None:
    """Open a new logbook mission on the Mission page (its inputs are saved with it)."""
    details = page.locator("[data-testid='stExpander'] details").filter(
        has_text="Open a new mission")
    details.wait_for()
    if details.get_attribute("open") is None:  # collapsed once the logbook has open missions
        details.locator("summary").click()
    field = page.get_by_label("Incident number")
    field.wait_for(state="visible")
    field.fill(incident)
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Open mission").click()
    wait_for_app(page)
    page.get_by_text(f"Mission {incident} has no planning inputs yet").wait_for()


def test_type_an_ipp_and_see_the_probability_map(page_en, app_server, crew_account):
    page = page_en
    page.goto(app_server.url)
    wait_for_app(page)
    _sign_in(page, crew_account)

    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    _open_mission(page, "QH-E2E-001")
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


def _picked(page, not_at=None) -> tuple[float, float]:
    """The (lat, lon) the page says was picked on the map (waits for a new one)."""
    alert = page.locator("[data-testid='stAlert']").filter(has_text="Point picked on the map")
    for _ in range(50):
        alert.first.wait_for()
        text = alert.first.inner_text().split("map: ")[1].split(" (WGS84)")[0]
        lat, lon = (float(v) for v in text.split(","))
        if not_at is None or (lat, lon) != not_at:
            return lat, lon
        page.wait_for_timeout(200)
    raise AssertionError("the picked point did not change")


def test_click_the_map_to_move_the_ipp_and_rebuild(page_en, app_server, crew_account):
    page = page_en
    page.goto(app_server.url)
    wait_for_app(page)
    _sign_in(page, crew_account)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    _open_mission(page, "QH-E2E-002")
    page.get_by_label("Initial planning point (last known point or point last seen)").fill(
        "36.10, 94.85")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Save mission inputs").click()
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
    wait_for_app(page)
    page.get_by_label("Map half-width (km)").fill("4")
    page.get_by_label("Cell size (m)").fill("60")
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Build the map").click()
    wait_for_app(page, timeout_ms=120_000)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    area = chart.locator(".nsewdrag").first
    area.wait_for()
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    # 1) a click a quarter of the way across and a quarter down: about 2 km west and 2 km north
    # of the IPP on the 8 km map (snapped to the nearest lattice point, 8 km / 59 = 136 m apart)
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.25 * box["height"])
    wait_for_app(page, timeout_ms=120_000)
    lat, lon = _picked(page)
    # 2 km north = 2000 / 111,000 deg; 2 km east = 2000 / (111,320 cos 36.1 deg) (WGS84 degree
    # lengths); the map's edges snap outward by up to a cell
    assert lat == pytest.approx(36.10 + 2000 / 111_000, abs=0.003)
    assert lon == pytest.approx(94.85 - 2000 / (111_320 * 0.8080), abs=0.003)
    # 2) a small box (Box Select in the toolbar) centred three quarters east, a quarter down:
    # about 2 km east and 2 km north; the box's centre is the point
    chart.hover()
    chart.locator(".modebar-btn[data-title='Box Select']").click()
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    cx, cy = box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"]
    page.mouse.move(cx - 15, cy - 15)
    page.mouse.down()
    page.mouse.move(cx + 15, cy + 15, steps=6)
    page.mouse.up()
    wait_for_app(page, timeout_ms=120_000)
    lat, lon = _picked(page, not_at=(lat, lon))
    assert lat == pytest.approx(36.10 + 2000 / 111_000, abs=0.003)
    assert lon == pytest.approx(94.85 + 2000 / (111_320 * 0.8080), abs=0.003)
    page.locator("[data-testid='stButton'] button").filter(
        has_text="Use this point as the initial planning point").click()
    wait_for_app(page, timeout_ms=120_000)
    # the map is rebuilt around the new IPP, and the mission shows it in WGS84
    page.get_by_text(f"IPP {lat:.5f}, {lon:.5f}").first.wait_for()
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.locator(".heatmaplayer").first.wait_for(state="attached")
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    typed = page.get_by_label("Initial planning point (last known point or point last seen)")
    new_lat, new_lon = (float(v) for v in typed.input_value().split(","))
    assert new_lat == pytest.approx(lat, abs=1e-5) and new_lon == pytest.approx(lon, abs=1e-5)
    datum = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text("Datum", exact=True))
    shown = datum.inner_text() + " " + " ".join(
        i.input_value() for i in datum.locator("input").all())
    assert "WGS84" in shown, shown
    # the move is a fact in the logbook: version 2 of the mission's inputs, IPP typed in WGS84
    from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs

    reset_database_cache()
    db = get_database()
    stored = mission_inputs(db, mission_id_for(db, "QH-E2E-002"))
    assert stored["revision"] == 2 and stored["datum"] == "WGS84"
    assert stored["lat"] == pytest.approx(lat, abs=1e-5) and stored["lon"] == pytest.approx(lon, abs=1e-5)
    reset_database_cache()
