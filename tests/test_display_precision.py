"""Numbers at the precision a crew reads (issue 16 item 4): sar_planner.display.

Expected values are worked by hand: 28.444444444444443 m (the sweep width seen on the
Probability page's logged-sortie table) is 28 m; POD 0.6234 is 62 %; half rounds away from zero
(28.5 m -> 29 m, 0.625 -> 63 %), as a person rounding on paper does.
"""

import math

import pytest

from sar_planner.display import NOT_KNOWN, crs_name, metres, whole_percent


@pytest.mark.parametrize(("value", "text"), [
    (28.444444444444443, "28 m"), (28.5, "29 m"), (27.49, "27 m"), (0.2, "0 m"),
    (-3.5, "-4 m"), (1234.0, "1234 m"),
])
def test_metres_whole(value, text):
    assert metres(value) == text


def test_metres_without_unit_and_unknown():
    assert metres(28.444444444444443, unit=False) == "28"
    assert metres(None) == NOT_KNOWN
    assert metres(math.nan) == NOT_KNOWN


@pytest.mark.parametrize(("value", "text"), [
    (0.6234, "62 %"), (0.625, "63 %"), (0.0, "0 %"), (1.0, "100 %"),
    (0.004, "<1 %"), (0.996, ">99 %"), (0.5, "50 %"),
])
def test_whole_percent(value, text):
    assert whole_percent(value) == text


def test_whole_percent_unknown():
    assert whole_percent(None) == NOT_KNOWN
    assert whole_percent(float("inf")) == NOT_KNOWN
    assert whole_percent(0.62, unit=False) == "62"


@pytest.mark.parametrize(("code", "zh"), [
    # English names: the EPSG registry (pyproj); the Chinese grid words as crews write them
    ("EPSG:32646", "WGS 84 / UTM 第46带（北半球）"),
    ("EPSG:32746", "WGS 84 / UTM 第46带（南半球）"),
    ("EPSG:4525", "CGCS2000 / 3度带高斯-克吕格 第37带"),
    ("EPSG:4540", "CGCS2000 / 3度带高斯-克吕格 中央经线 93°E"),
    ("EPSG:4499", "CGCS2000 / 6度带高斯-克吕格 第21带"),
    ("EPSG:4326", "WGS 84 经纬度"),
    ("EPSG:4490", "CGCS2000 经纬度"),
])
def test_crs_name_in_chinese(code, zh):
    assert crs_name(code, "zh") == zh
    assert "带" not in crs_name(code, "en") and "经纬度" not in crs_name(code, "en")


def test_crs_name_in_english_is_the_registry_name():
    assert crs_name("EPSG:32646", "en") == "WGS 84 / UTM zone 46N"
    assert crs_name("EPSG:4525") == "CGCS2000 / 3-degree Gauss-Kruger zone 37"
