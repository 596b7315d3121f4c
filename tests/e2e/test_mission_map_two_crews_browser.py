"""One mission, one map, in Chromium (issue 10): two browser contexts signed in as two crew members
on ONE PostgreSQL database open the same logbook mission and see the same map; one changes a
setting and builds, and the other, on its next visit to the page, shows that setting and the very
same map (the downloaded GeoTIFFs are equal cell for cell, ROW tags equal).

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), IPP near
Karakul lake (38.30 N, 75.05 E), a 3 km half-width at 100 m cells stored with the mission.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import numpy as np
import pytest
import rasterio
from playwright.sync_api import expect

from tests.e2e.conftest import AppServer, _new_page, wait_for_app

INCIDENT = "QH-E2E-MAP"
PASSWORD = "Very-long-test-pass-123!"


@pytest.fixture
def pg_server(tmp_path):
    """The app served on a fresh PostgreSQL database with two crew members and one mission."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from sar_planner.auth import create_first_admin, create_user
    from sar_planner.logbook.db import open_database, reset_database_cache
    from sar_planner.logbook.mission_inputs import (mission_id_for, save_mission_inputs,
                                                    save_mission_settings)
    from sar_planner.logbook.records import open_mission

    base = os.environ.get("SAR_PLANNER_TEST_PG_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("SAR_PLANNER_TEST_PG_URL is not set under CI")
        pytest.skip("SAR_PLANNER_TEST_PG_URL is not set: no PostgreSQL server for this run")
    name = f"sar_t_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    db = open_database(url)
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    commander = create_user(db, admin, "wang", "王志强", "commander", PASSWORD)
    create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    create_user(db, admin, "zhao", "赵永胜", "crew", PASSWORD)
    open_mission(db, commander, INCIDENT, dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    mid = mission_id_for(db, INCIDENT)
    stored = save_mission_inputs(db, commander, mid, {
        "ipp_text": "38.30, 75.05", "datum": "WGS84", "subject": "hiker",
        "terrain_class": "dry-mountainous", "terrain_id": "pamir-15arcsec",
        "seen_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=4)})
    save_mission_settings(db, commander, mid, {"radius_m": 3000, "cell_m": 100},
                          base_revision=stored["revision"])
    db.dispose()
    server = AppServer(tmp_path / "data", env={"SAR_PLANNER_DATABASE_URL": url})
    try:
        yield server
    finally:
        server.stop()
        reset_database_cache()
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_engine.dispose()


def _crew_on_the_map(page, server, username: str) -> None:
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Sign in").click()
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").wait_for()
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
    wait_for_app(page)
    page.locator("[data-testid='stSelectbox']").filter(
        has_text="Mission (from the logbook)").click()
    page.get_by_role("option", name=INCIDENT).click()
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
    wait_for_app(page, timeout_ms=120_000)


def _build(page) -> None:
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Build the map").click()
    wait_for_app(page, timeout_ms=180_000)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, \
        page.locator("[data-testid='stAlertContentError']").first.inner_text()


def _geotiff(page, path):
    with page.expect_download(timeout=180_000) as got:
        page.locator("[data-testid='stDownloadButton'] button").filter(
            has_text="GeoTIFF").first.click()
    got.value.save_as(path)
    with rasterio.open(path) as src:
        return src.read(1), float(src.tags()["ROW"])


def _geotiff_of_shape(page, stem, shape):
    """The page's GeoTIFF once it is the map of ``shape``.

    On the loaded 2-core CI machine the download can be clicked while the build's rerun is still
    replacing the button, which then serves the map before it; take it again, a bounded few times.
    """
    for attempt in range(6):
        got = _geotiff(page, stem.with_name(f"{stem.name}-{attempt}.tif"))
        if got[0].shape == shape:
            break
        page.wait_for_timeout(3000)
        wait_for_app(page, timeout_ms=180_000)
    return got


def test_two_crews_on_one_postgresql_database_see_the_same_map(browser, pg_server, tmp_path):
    ctx_a, a, guard_a = _new_page(browser, "en-US")
    ctx_b, b, guard_b = _new_page(browser, "en-US")
    try:
        _crew_on_the_map(a, pg_server, "ma")
        _crew_on_the_map(b, pg_server, "zhao")
        expect(a.get_by_label("Map half-width (km)")).to_have_value("3.00")  # stored, not typed
        _build(a)
        _build(b)
        map_a, row_a = _geotiff(a, tmp_path / "a1.tif")
        map_b, row_b = _geotiff(b, tmp_path / "b1.tif")
        assert map_a.shape == (61, 61) and np.array_equal(map_a, map_b) and row_a == row_b

        # crew A widens the map to 4 km and builds: a stored, audited fact
        a.get_by_label("Map half-width (km)").fill("4")
        a.get_by_label("Map half-width (km)").press("Tab")
        _build(a)
        map_a2, row_a2 = _geotiff_of_shape(a, tmp_path / "a2", (81, 81))
        assert map_a2.shape == (81, 81) and row_a2 < row_a  # wider map: less outside it
        # crew B opens the page again: the stored setting and the same map, without typing it
        b.locator("[data-testid='stSidebarNavLink']").filter(has_text="Mission").click()
        wait_for_app(b)
        b.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
        wait_for_app(b, timeout_ms=180_000)
        # the page rereads the store and reruns once with the stored values (auto-waiting check)
        expect(b.get_by_label("Map half-width (km)")).to_have_value("4.00", timeout=180_000)
        wait_for_app(b, timeout_ms=180_000)
        map_b2, row_b2 = _geotiff_of_shape(b, tmp_path / "b2", (81, 81))
        assert np.array_equal(map_a2, map_b2) and row_a2 == row_b2
        for guard in (guard_a, guard_b):
            assert not guard.remote_requests, guard.remote_requests
            assert not guard.console_errors, guard.console_errors
    finally:
        ctx_a.close()
        ctx_b.close()
