"""The terrain credit line in the user's language: ``attribution_zh`` in the catalogue, English
where an entry has none (QA found the Chinese Terrain page showing the English credit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from streamlit.testing.v1 import AppTest

from sar_planner.settings import get_settings
from sar_planner.terrain.library import list_library
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]


def _tif(path: Path) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1, dtype="float32",
                       crs="EPSG:32646", transform=from_origin(500000, 4000000, 30, 30)) as dst:
        dst.write(np.full((1, 4, 4), 3000.0, dtype="float32"))


def test_chinese_credit_is_read_and_english_is_the_fallback(tmp_path, monkeypatch):
    folder = tmp_path / "bundled"
    folder.mkdir()
    _tif(folder / "a.tif")
    _tif(folder / "b.tif")
    (folder / "catalog.toml").write_text(
        '[[terrain]]\nid = "a"\nfiles = ["a.tif"]\nname_en = "A"\nname_zh = "甲"\n'
        'attribution = "Courtesy of USGS"\nattribution_zh = "由美国地质调查局提供"\n\n'
        '[[terrain]]\nid = "b"\nfiles = ["b.tif"]\nname_en = "B"\nname_zh = "乙"\n'
        'attribution = "GEBCO 2023"\n', encoding="utf-8")
    monkeypatch.setenv("SAR_PLANNER_TERRAIN_DIR", str(folder))
    a, b = list_library(get_settings())
    assert a.attribution_in("zh") == "由美国地质调查局提供"
    assert a.attribution_in("en") == "Courtesy of USGS"
    assert b.attribution_in("zh") == "GEBCO 2023"  # no Chinese line: the English one
    assert a.to_json()["attribution_zh"] == "由美国地质调查局提供"


def test_every_bundled_entry_has_a_chinese_credit():
    for entry in list_library(get_settings()):
        if entry.bundled:
            assert entry.attribution_zh and entry.attribution_zh != entry.attribution, entry.id
            # the licence's names and the DOI are kept as they are in the English line
            if "doi:" in entry.attribution:
                assert "doi:10.5285/f98b053b-0cbc-6c23-e053-6c86abc0af7b" in entry.attribution_zh


def test_terrain_page_in_chinese_shows_the_chinese_credit():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    sign_in_apptest(at, "crew")
    at.run()
    at.switch_page("sar_planner/ui/pages/terrain.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    # the first bundled entry is the synthetic demo (terrain/catalog.toml)
    assert any(c.startswith("合成数据：由 scripts/make_demo_terrain.py") for c in captions), captions
    assert not any(c.startswith("SYNTHETIC: made by") for c in captions)
