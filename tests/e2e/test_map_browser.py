"""The one map in Chromium (issue 15): pans and zooms, reads latitude/longitude, names a place
from the bundled gazetteer and one from a vector base layer the unit imported, in English and
Chinese, with no request leaving the machine (the page fixture refuses and records any)."""

from __future__ import annotations

import json

from pyproj import Transformer

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser

_RANGE_JS = """() => {
  const plots = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const p = plots[plots.length - 1];
  return [p._fullLayout.xaxis.range.slice(), p._fullLayout.yaxis.range.slice()];
}"""


_IMAGE_JS = """() => {
  const plots = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const im = plots[plots.length - 1]._fullLayout.images[0];
  return {x: im.x, y: im.y, sizex: im.sizex, sizey: im.sizey};
}"""


def _camp_geojson(path):
    # a herders' camp 25 km east of Golmud (36.41N 94.90E, the bundled gazetteer), in WGS84
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bayan herders camp"},
         "geometry": {"type": "Point", "coordinates": [95.18, 36.41]}},
        {"type": "Feature", "properties": {"name": "Winter track"},
         "geometry": {"type": "LineString", "coordinates": [[94.9, 36.41], [95.18, 36.41]]}}]}))
    return path


def _map(page):
    return page.locator("[data-testid='stPlotlyChart']").last


def test_map_pans_zooms_reads_lat_lon_and_names_places_offline(page_en, app_server, tmp_path):
    page = page_en
    sign_in_browser(page, app_server, "crew")
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Terrain").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Terrain", exact=True).wait_for()

    # the unit imports its own vector layer once (all-or-nothing, into the data folder)
    panel = page.locator("[data-testid='stExpander']").filter(has_text="Base maps")
    panel.get_by_text("Base maps").first.click()
    panel.locator("input[type='file']").set_input_files(str(_camp_geojson(tmp_path /
                                                                          "camps.geojson")))
    panel.get_by_text("camps.geojson").wait_for()
    name = panel.get_by_label("Name for this layer (optional)")
    name.fill("Camps")
    name.press("Tab")
    panel.locator("[data-testid='stFormSubmitButton'] button").click()
    wait_for_app(page)
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="Imported base map Camps").wait_for()
    assert list((app_server.data_dir / "basemaps").iterdir())

    # the real Qaidam grid holds Golmud and the camp
    chooser = page.locator("[data-testid='stSelectbox']").filter(has_text="Terrain to show")
    chooser.click()  # (a click on an option did not take here after the import's rerun)
    page.keyboard.type("Qaidam Basin")
    page.get_by_role("option").filter(has_text="Qaidam Basin and Kunlun front").wait_for()
    page.keyboard.press("Enter")
    wait_for_app(page)
    chart = _map(page)
    chart.scroll_into_view_if_needed()
    chart.locator("text").filter(has_text="Golmud").first.wait_for()  # gazetteer label
    chart.locator("text").filter(has_text="Bayan herders camp").first.wait_for()  # imported
    assert chart.locator("text").filter(has_text="Lat/lon grid").count() == 1  # legend layer

    # hover: latitude/longitude read-out where the pointer is, at a point of the terrain 30 %
    # in from its west edge and 70 % down from its north edge (away from the labelled places)
    drag = chart.locator(".nsewdrag").first
    box = drag.bounding_box()
    (x0, x1), (y0, y1) = page.evaluate(_RANGE_JS)
    img = page.evaluate(_IMAGE_JS)
    tx = img["x"] + 0.3 * img["sizex"]
    ty = img["y"] - 0.7 * img["sizey"]
    cx = box["x"] + (tx - x0) / (x1 - x0) * box["width"]
    cy = box["y"] + (y1 - ty) / (y1 - y0) * box["height"]
    page.mouse.move(cx, cy)
    hover = chart.locator(".hoverlayer .hovertext").first
    hover.wait_for()
    text = hover.text_content() or ""  # SVG: no inner_text
    assert "Lat/lon" in text and "°N" in text and "°E" in text, text
    lat_text = text.split("Lat/lon:")[1].split("°N")[0]
    epsg = chart.locator(".xtitle").text_content() or ""
    assert "UTM zone" in epsg
    zone = int(epsg.split("UTM zone ")[1][:2])
    lon, lat = Transformer.from_crs(32600 + zone, 4326, always_xy=True).transform(tx, ty)
    assert abs(float(lat_text) - lat) < 0.15  # within the hover grid's coarse cell (~9 km)

    # zoom with the map's own zoom-in button: the x range narrows (plotly halves it)
    chart.locator(".modebar-btn[data-title='Zoom in']").click()
    page.wait_for_function(f"() => {{ const r = ({_RANGE_JS})(); "
                           f"return (r[0][1] - r[0][0]) < {0.6 * (x1 - x0)}; }}")
    (zx0, zx1), _ = page.evaluate(_RANGE_JS)
    # pan by dragging (the map's default drag): the view moves, its width stays
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 200, cy, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => {{ const r = ({_RANGE_JS})(); return r[0][0] > {zx0 + 1}; }}")
    (px0, px1), _ = page.evaluate(_RANGE_JS)
    assert abs((px1 - px0) - (zx1 - zx0)) < 1e-6 * (zx1 - zx0) + 1.0

    # in Chinese the same map names Golmud 格尔木
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="中文").click()
    wait_for_app(page)
    chart = _map(page)
    chart.scroll_into_view_if_needed()
    chart.locator("text").filter(has_text="格尔木").first.wait_for()
    chart.locator("text").filter(has_text="Bayan herders camp").first.wait_for()
    assert chart.locator("text").filter(has_text="经纬网").count() == 1
