"""The terrain page in Chromium: switch language, import a DEM, see its shaded relief, offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser


def _dem(path: Path) -> Path:
    """A 200 x 200 cell, 30 m GeoTIFF in UTM 46N near Golmud: a cone 600 m high."""
    yy, xx = np.mgrid[0:200, 0:200]
    z = 3000 + 600 * np.clip(1 - np.hypot(xx - 100, yy - 100) / 100, 0, 1)
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="float32",
                       crs="EPSG:32646", transform=from_origin(470000, 4010000, 30, 30)) as dst:
        dst.write(z.astype("float32"), 1)
    return path


def test_import_a_dem_and_see_its_hillshade_in_chinese(page_en, app_server, tmp_path):
    page = page_en
    # sign in at the root and use the menu (a deep link makes Streamlit probe
    # /terrain/_stcore/* first, which answers 404 before it falls back)
    sign_in_browser(page, app_server, "crew")
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Terrain").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Terrain", exact=True).wait_for()
    # the bundled demo's relief is drawn as an image inside the plotly chart
    page.locator("[data-testid='stPlotlyChart'] image").first.wait_for(state="attached")

    # switch to Chinese
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="中文").click()
    wait_for_app(page)
    page.get_by_role("heading", name="地形", exact=True).wait_for()

    # import a DEM
    page.get_by_text("导入高程数据").click()
    # the Terrain page also has the Base maps import panel with its own uploader (issue 15):
    # take the terrain import's one by its widget key (st.file_uploader key="terrain_upload")
    page.locator(".st-key-terrain_upload [data-testid='stFileUploader'] input[type='file']").set_input_files(
        str(_dem(tmp_path / "cone_utm46.tif")))
    page.get_by_text("cone_utm46.tif").wait_for()
    name = page.get_by_label("地形名称（可选）")
    name.fill("锥形测试地形")
    name.press("Tab")  # commit the typed name before the form is submitted
    # and its own submit button ("导入", not the Base maps panel's "导入底图")
    page.locator("[data-testid='stFormSubmitButton']").get_by_role(
        "button", name="导入", exact=True).click()
    wait_for_app(page)
    # the import validates, copies and then draws the new terrain: allow a loaded CI machine time
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="锥形测试地形").wait_for(
        timeout=90_000)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0

    # the imported terrain is selected and its relief drawn
    chooser = page.get_by_label("显示的地形")
    assert chooser.input_value() == "锥形测试地形"
    image = page.locator("[data-testid='stPlotlyChart'] image").first
    image.wait_for(state="attached")
    assert (image.get_attribute("href") or "").startswith("data:image/png;base64,")
    assert list((app_server.data_dir / "terrain").iterdir()), "the import is kept in the data folder"
