"""Issue 15 item 4 in Chromium: a sortie saved with a flown track but no plan flown changes the
mission's map by the Bayes update the test computes by hand.

A crew member opens a logbook mission (IPP 36.10 N 94.85 E, the demo terrain south of Golmud) and
builds its map (8 km square, 60 m cells). The drone QHJ-UAV-15 is on the roster, linked to the
catalogue type M350 RTK + H20T. The crew uploads a GPX log of a lawn-mower flown 120 m above the
ground over the 1.2 km square round the IPP (legs 30 m apart, heights above sea level), with no
plan; the form says beforehand that the sortie will update the mission with the type's width:
H20T thermal at 120 m, W = F x 0.5 (day) = 120 x 640 x 12e-6 / 13.5e-3 x 0.5 = 34.1 m
(sweep.py, maker's figures). Saved, the Probability page's rest-of-world share must be
ROW' = ROW / (1 - sum POA POD) (Stone 1975; search-theory.md), with POA the map before and POD the
sortie's POD on the map's grid (Koopman's 1 - exp(-C), seen ground only).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sar_planner.auth import sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.mission_facts import mission_facts, stored_mission_map
from sar_planner.logbook.records import add_aircraft, list_sorties
from sar_planner.replay import FlownSortie, sortie_pod
from sar_planner.settings import get_settings
from sar_planner.terrain import elevation_at, grid_around, load_terrain
from sar_planner.terrain.library import list_library
from tests.e2e.conftest import wait_for_app
from tests.e2e.test_probability_browser import PASSWORD, _mission_on_probability_page, crew_account  # noqa: F401
from tests.e2e.test_probability_pods_browser import _build, _row

INCIDENT = "QH-E2E-TRACK"
LAT, LON = 36.10, 94.85
AGL_M = 120.0
H20T_W_120 = 120 * 640 * 12e-6 / 13.5e-3 * 0.5  # 34.13 m, module docstring


def _lawnmower_gpx(entry_paths) -> tuple[bytes, dict]:
    """A GPX log over the 1.2 km square round the IPP, legs 30 m apart east-west, a fix every
    20 m at the ground + 120 m (the ground from the terrain the map is built on); also the same
    track as GeoJSON (as the logbook stores it)."""
    grid = grid_around(LAT, LON, 1000.0, 30.0)
    terrain = load_terrain(entry_paths, grid)
    dlat = 30.0 / 111_000.0
    dlon_fix = 20.0 / (111_000.0 * np.cos(np.radians(LAT)))
    half_lat, half_lon = 600.0 / 111_000.0, 600.0 / (111_000.0 * np.cos(np.radians(LAT)))
    lats = np.arange(LAT - half_lat, LAT + half_lat + 1e-9, dlat)
    points: list[tuple[float, float]] = []
    for k, la in enumerate(lats):
        lons = np.arange(LON - half_lon, LON + half_lon + 1e-9, dlon_fix)
        points.extend((float(la), float(lo)) for lo in (lons if k % 2 == 0 else lons[::-1]))
    lat_a = np.array([p[0] for p in points])
    lon_a = np.array([p[1] for p in points])
    alt = elevation_at(terrain, lat_a, lon_a) + AGL_M
    t0 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    pts = "".join(
        f'<trkpt lat="{a:.7f}" lon="{o:.7f}"><ele>{h:.1f}</ele>'
        f"<time>{(t0 + dt.timedelta(seconds=2 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i, (a, o, h) in enumerate(zip(lat_a, lon_a, alt, strict=True)))
    gpx = ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
           f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>')
    track = {"type": "LineString",
             "coordinates": [[float(o), float(a), float(h)] for a, o, h in zip(lat_a, lon_a, alt, strict=True)]}
    return gpx.encode(), track


def _select(page, label: str, option: str) -> None:
    box = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text(label, exact=True)).first
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=option, exact=True).click(timeout=30_000)


def test_a_track_saved_without_a_plan_updates_the_map_by_bayes(page_en, app_server, crew_account,  # noqa: F811
                                                                tmp_path):
    page = page_en
    _mission_on_probability_page(page, app_server, crew_account, INCIDENT)
    _build(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    row_page0 = _row(page)

    # the map before, from the mission's stored facts (the same the page used)
    reset_database_cache()
    db = get_database()
    entries = list_library(get_settings())
    admin = sign_in(db, "admin", PASSWORD).actor
    add_aircraft(db, admin, "QHJ-UAV-15", "M350 RTK with H20T", "drone", asset_id="m350-h20t")
    entry, _, before = stored_mission_map(db, mission_facts(db, INCIDENT), entries)
    assert before.current.row == pytest.approx(row_page0, abs=1e-3)  # the metric shows 3 places
    gpx, track = _lawnmower_gpx(entry.paths)
    gpx_file = tmp_path / "uav15-0207.gpx"
    gpx_file.write_bytes(gpx)

    # the sortie's POD on the map's grid, and the Bayes update by hand
    got = sortie_pod(FlownSortie(1, dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), track, None,
                                 "m350-h20t"), before.grid, elevation=before.initial.built.elevation)
    assert got.width_source == "type"
    assert got.sweep_width_m == pytest.approx(H20T_W_120, rel=0.03)  # median AGL 120 m +- 3 %
    poa0, row0 = before.current.poa, before.current.row
    pos = float(np.nansum(poa0 * got.pod))
    row1_by_hand = row0 / (1.0 - pos)
    assert row1_by_hand - row0 > 0.01  # enough for the page's 3 decimals to tell

    # the crew logs the sortie with the track and no plan
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Logbook").click()
    wait_for_app(page)
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Flown track (GPX")
    uploader.locator("input[type='file']").set_input_files(str(gpx_file))
    uploader.get_by_text(gpx_file.name).wait_for(timeout=60_000)
    wait_for_app(page, timeout_ms=120_000)
    _select(page, "Task", "search")
    _select(page, "Mission", INCIDENT)
    _select(page, "Aircraft", "QHJ-UAV-15")
    page.get_by_role("button", name="Check the map effect", exact=True).click()
    wait_for_app(page, timeout_ms=120_000)
    says = page.locator("[data-testid='stAlertContentInfo']").filter(
        has_text=f"this sortie will update {INCIDENT}")
    says.wait_for(timeout=120_000)
    text = says.inner_text()
    assert "34 m" in text or "33 m" in text or "35 m" in text, text
    page.locator("[data-testid='stFormSubmitButton'] button").filter(
        has_text="Save as draft").click()
    wait_for_app(page, timeout_ms=120_000)
    errors = page.locator("[data-testid='stAlertContentError']")
    assert errors.count() == 0, errors.first.inner_text()
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="Saved as sortie 1").wait_for()
    (rec,) = list_sorties(db)
    assert rec.plan is None and rec.track and rec.aircraft == "QHJ-UAV-15"

    # the map now: ROW' = ROW / (1 - sum POA POD)
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Probability").click()
    wait_for_app(page, timeout_ms=180_000)
    assert _row(page) == pytest.approx(row1_by_hand, abs=2e-3)
    reset_database_cache()
