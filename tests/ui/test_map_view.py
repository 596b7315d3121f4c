"""The one map component (sar_planner.ui.map_view): what the figure holds, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import box

from sar_planner.grid import Grid
from sar_planner.mapping.labels import text_width_px
from sar_planner.ui.map_view import (MapOptions, RasterLayer, VectorLayer, add_lines, add_poa,
                                     add_segments, base_map, metres_per_px, slope_rgba)
from shapely.geometry import LineString, Point

# 60 x 60 km around Golmud (36.41N 94.90E is E 670,361 N 4,031,102 in UTM 46N), 500 m cells
GRID = Grid.from_bounds("EPSG:32646", 640_000.0, 4_000_000.0, 700_000.0, 4_060_000.0, 500.0)


def _terrain():
    x, y = np.meshgrid(GRID.x_centres(), GRID.y_centres())
    elevation = 2800.0 + (4_060_000.0 - y) * 0.02  # rises 20 m per km southward: 2800-4000 m
    hillshade = np.full(GRID.shape, 180, dtype=np.uint8)
    slope = np.full(GRID.shape, 1.15)  # atan(0.02) = 1.15 deg
    return elevation, hillshade, slope


def _fig(lang="en", **kw):
    e, h, s = _terrain()
    return base_map(GRID, e, h, s, lang=lang, **kw)


def test_hover_reads_latitude_longitude_of_the_cell() -> None:
    fig = _fig()
    hover = fig.data[0]
    assert hover.name == "terrain" and "Lat/lon" in hover.hovertemplate
    custom = np.asarray(hover.customdata)
    i, j = 5, 7
    lon, lat = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True).transform(
        hover.x[j], hover.y[i])
    assert custom[i, j, 2] == pytest.approx(lat, abs=1e-5)
    assert custom[i, j, 3] == pytest.approx(lon, abs=1e-5)
    assert custom[i, j, 1] == pytest.approx(1.15, abs=0.051)  # shown to 0.1 deg


def test_layers_are_legend_entries_and_images_have_buttons() -> None:
    fig = _fig(options=MapOptions(km_grid="gk3"))
    names = {tr.name: tr.visible for tr in fig.data if tr.showlegend is not False}
    assert names["Contours (100 m)"] is True  # 1,200 m of relief: 100 m (12 levels <= 20)
    assert names["Lat/lon grid"] is True
    assert names["Places"] is True
    assert names["UTM grid 10 km (EPSG:32646)"] == "legendonly"
    assert names["CGCS2000 GK 3° grid 10 km (EPSG:4520)"] is True
    images = fig.layout.images
    assert [im.name for im in images] == ["relief", "slope"]
    assert images[1].visible is False  # slope shading starts off
    menus = fig.layout.updatemenus
    assert [m.buttons[0].label for m in menus] == ["Relief", "Slope ≥15/25/35°"]
    assert menus[1].buttons[0].args == ({"images[1].visible": True},)
    assert menus[1].buttons[0].args2 == ({"images[1].visible": False},)
    assert fig.layout.uirevision  # zoom and layer choice survive a rerun


def test_places_in_view_in_the_page_language() -> None:
    zh = next(tr for tr in _fig("zh").data if tr.name == "地名" and tr.mode == "text")
    assert set(zh.text) == {"格尔木", "格尔木机场"}  # Naij Tal is at N 3,972,900: south of the view
    en = next(tr for tr in _fig("en").data if tr.name == "Places" and tr.mode == "markers")
    i = next(k for k, h in enumerate(en.hovertext) if h.startswith("Golmud ("))
    assert en.x[i] == pytest.approx(670_361, abs=2) and en.y[i] == pytest.approx(4_031_102, abs=2)
    assert "格尔木" in en.hovertext[i]


def test_scale_bar_is_a_round_length_in_map_metres() -> None:
    fig = _fig()
    bar = next(s for s in fig.layout.shapes if s.name == "scale_bar")
    # 60 km view: a fifth is 12 km, rounded down to 10 km
    assert (bar.xref, bar.yref) == ("x", "paper")
    assert bar.x1 - bar.x0 == pytest.approx(10_000.0)
    assert any(a.text == "10 km" for a in fig.layout.annotations)


def test_contour_levels_follow_the_terrain() -> None:
    fig = _fig()
    lines = [tr for tr in fig.data if tr.legendgroup == "contours" and tr.mode == "lines"]
    ys = [v for tr in lines for v in tr.y if v is not None]
    # z = 2800 + 0.02 (4,060,000 - y): the 3000 m line at N 4,050,000, 3900 m at N 4,005,000
    levels = {round(2800 + 0.02 * (4_060_000 - y)) for y in ys}
    assert levels == {2900, 3000, 3100, 3200, 3300, 3400, 3500, 3600, 3700, 3800, 3900}


def test_segment_names_do_not_overlap_and_high_poa_wins() -> None:
    fig = _fig()
    # 20 tiny segments crowded at one point (near the IPP): names must not pile up
    segs = [(f"S{i:02d}", box(670_000 + i, 4_030_000, 670_050 + i, 4_030_050), float(i))
            for i in range(20)]
    add_segments(fig, segs)
    names = next(tr for tr in fig.data if tr.name == "segment_names")
    assert names.text[0] == "S19"  # the highest priority first, at its anchor
    # 60 km square at 680 px: the height sets the scale, 60 km / (680 - 126) px = 108 m per px
    m_per_px = metres_per_px(GRID.bounds, 680, 1200)
    assert m_per_px == pytest.approx(60_000 / 554)
    w = (text_width_px("S00", 11) + 4) * m_per_px
    h = (1.3 * 11 + 4) * m_per_px
    pts = list(zip(names.x, names.y, strict=True))
    for a in range(len(pts)):
        for b in range(a + 1, len(pts)):
            assert abs(pts[a][0] - pts[b][0]) >= w - 1e-6 or abs(pts[a][1] - pts[b][1]) >= h - 1e-6
    assert 1 <= len(pts) < 20  # the rest are left out, never drawn on top


def test_poa_base_layers_and_lines() -> None:
    poa = np.zeros(GRID.shape)
    poa[60, 60] = 0.5  # 0.5 in one 500 m cell (0.25 km2): 2 per km2
    raster = RasterLayer("Ortho", "data:image/png;base64,AAAA", (650_000, 4_010_000, 660_000,
                                                                  4_020_000))
    vector = VectorLayer("Roads", [(LineString([(650_000, 4_020_000), (690_000, 4_020_000)]),
                                    "G109"), (Point(665_000, 4_040_000), "Camp A")])
    fig = _fig(base=[raster, vector])
    add_poa(fig, GRID, poa)
    add_lines(fig, "Flown #7", [np.array([[650_000, 4_010_000], [660_000, 4_011_000]])],
              colour="#ff7f0e")
    heat = next(tr for tr in fig.data if tr.name == "POA")
    custom = np.asarray(heat.customdata)
    assert custom[60, 60, 1] == pytest.approx(2.0)
    assert [im.name for im in fig.layout.images] == ["relief", "Ortho", "slope"]
    labelled = [tr for tr in fig.data if tr.legendgroup == "base:Roads" and tr.text]
    assert {"G109", "Camp A"} <= set(labelled[0].text)
    assert any(tr.name == "Flown #7" for tr in fig.data)


def test_map_view_doctests_pass() -> None:
    import doctest

    import sar_planner.ui.map_view as mv

    assert doctest.testmod(mv).failed == 0


def test_slope_classes() -> None:
    rgba = slope_rgba(np.array([[0.0, 14.9, 15.0, 30.0, 40.0, np.nan]]))
    assert list(rgba[0, :, 3]) == [0, 0, 110, 130, 150, 0]
