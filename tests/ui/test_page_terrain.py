"""The terrain page in AppTest: library, shaded relief, point read-out, imports good and bad."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from streamlit.testing.v1 import AppTest

from sar_planner.geo import to_local
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "terrain" / "kunlun_golmud_demo_30m_SYNTHETIC.tif"


def _terrain_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")  # crews load terrain (sar_planner.auth.PERMISSIONS)
    at.run()
    at.switch_page("sar_planner/ui/pages/terrain.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.get("form_submit_button") if b.label == label).click()
    at.run()
    assert not at.exception, at.exception
    return at


def _small_geotiff(value_at_origin: float = 3000.0) -> bytes:
    """A 40 x 40 cell, 30 m UTM 46N GeoTIFF near Golmud: a plane rising 1 m per cell to the east."""
    data = (value_at_origin + np.tile(np.arange(40, dtype=np.float32), (40, 1)))
    buf = io.BytesIO()
    with rasterio.MemoryFile() as mem:
        with mem.open(driver="GTiff", width=40, height=40, count=1, dtype="float32",
                      crs="EPSG:32646", transform=from_origin(480000, 4000000, 30, 30)) as dst:
            dst.write(data, 1)
        buf.write(mem.read())
    return buf.getvalue()


def test_library_lists_bundled_terrain_and_flags_the_synthetic_demo():
    at = _terrain_page()
    table = at.dataframe[0].value
    assert len(table) == 3
    assert table.iloc[0]["Synthetic"] == "yes"          # the demo is first and labelled
    assert set(table["Synthetic"]) == {"yes", "no"}
    assert any("SYNTHETIC terrain" in w.value for w in at.warning)


def test_shaded_relief_is_an_image_on_metric_axes_with_hover_values():
    at = _terrain_page()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    image = spec["layout"]["images"][0]
    assert image["source"].startswith("data:image/png;base64,")
    assert image["xref"] == "x" and image["yref"] == "y"
    assert spec["layout"]["yaxis"]["scaleanchor"] == "x"  # metres square on screen
    hover = spec["data"][0]
    assert hover["type"] == "heatmap" and "Elevation" in hover["hovertemplate"]
    # the demo is about 24 km across (scenarios.md / PROVENANCE.md), drawn on its 30 m grid or coarser
    assert 20_000 < image["sizex"] < 30_000


def test_typed_coordinate_reads_elevation_and_slope_from_the_data():
    at = _terrain_page()
    at.text_input(key="terrain_coord").set_value("36.10, 94.85")
    _submit(at, "Look up")
    assert not at.error, [e.value for e in at.error]
    shown = float(at.metric[0].value.split()[0])
    # independent read: the demo's own cell value at that point (UTM 46N metres, nearest cell)
    x, y = to_local(36.10, 94.85, "EPSG:32646")
    with rasterio.open(DEMO) as src:
        cell = float(next(src.sample([(float(x), float(y))]))[0])
    assert abs(shown - cell) < 40  # bilinear vs nearest cell on 30 m cells of a mountain front
    assert at.metric[1].value.endswith("°")


@pytest.mark.parametrize("text", ["not a place", "36.10"])
def test_coordinate_that_does_not_parse_gets_a_message_not_a_traceback(text):
    at = _terrain_page()
    at.text_input(key="terrain_coord").set_value(text)
    _submit(at, "Look up")
    assert at.error and not at.metric


def test_point_outside_the_terrain_is_refused_clearly():
    at = _terrain_page()
    at.text_input(key="terrain_coord").set_value("30.0, 80.0")
    _submit(at, "Look up")
    assert any("outside this terrain" in e.value for e in at.error)


def test_chinese_page_reads_in_chinese():
    at = _terrain_page("zh")
    assert at.title[0].value == "地形"
    assert any("合成地形" in w.value for w in at.warning)


def test_import_of_a_geotiff_adds_it_and_shows_it(data_dir):
    at = _terrain_page()
    at.file_uploader(key="terrain_upload").set_value(("my_tile.tif", _small_geotiff(), "image/tiff"))
    at.text_input(key="terrain_import_name").set_value("Unit survey tile")
    _submit(at, "Import")
    assert any("Imported 'Unit survey tile'" in s.value for s in at.success), [e.value for e in at.error]
    assert len(at.dataframe[0].value) == 4
    assert at.selectbox(key="terrain_choose").value != "kunlun-demo-30m"
    assert list((data_dir / "terrain").iterdir())  # kept in the data folder


def test_corrupt_upload_is_refused_and_loses_nothing(data_dir):
    at = _terrain_page()
    at.file_uploader(key="terrain_upload").set_value(("good.tif", _small_geotiff(), "image/tiff"))
    _submit(at, "Import")
    before = sorted(p.name for p in (data_dir / "terrain").iterdir())
    at.file_uploader(key="terrain_upload").set_value(("broken.tif", b"this is not a GeoTIFF", "image/tiff"))
    _submit(at, "Import")
    assert at.error, "a corrupt file must be refused with a message"
    assert sorted(p.name for p in (data_dir / "terrain").iterdir()) == before
    assert len(at.dataframe[0].value) == 4


@pytest.mark.parametrize(("lang", "words"), [("en", "not an elevation file"), ("zh", "不是")])
def test_a_photo_uploaded_as_terrain_is_refused_by_name(data_dir, lang, words):
    """Issue 16: a .jpg was marked red by the uploader without a word, then "choose a file
    first". Now the import says the file is not elevation data and which files are taken."""
    at = _terrain_page(lang)
    at.file_uploader(key="terrain_upload").set_value(("ridge_photo.jpg", b"\xff\xd8\xff\xe0JFIF",
                                                      "image/jpeg"))
    _submit(at, "导入" if lang == "zh" else "Import")
    assert len(at.error) == 1, [e.value for e in at.error]
    text = at.error[0].value
    assert "ridge_photo.jpg" in text and words in text and ".tif" in text and ".hgt" in text
    assert not at.warning or all("ridge_photo" not in w.value for w in at.warning)
    assert not [p for p in (data_dir / "terrain").iterdir() if not p.name.startswith(".")]


def test_crs_names_read_in_chinese_on_the_chinese_page():
    """Issue 16: "WGS 84 / UTM zone 46N" stood in English on the Chinese page. The demo terrain is
    in EPSG:32646 (WGS 84 / UTM zone 46N, EPSG registry), shown as "WGS 84 / UTM 第46带（北半球）"."""
    at = _terrain_page("zh")
    captions = " ".join(c.value for c in at.caption)
    assert "WGS 84 / UTM 第46带（北半球）" in captions and "UTM zone" not in captions
    at.text_input(key="terrain_coord").set_value("36.10, 94.85")
    _submit(at, "查询")
    captions = " ".join(c.value for c in at.caption)
    assert "UTM zone" not in captions and captions.count("第46带") >= 2
