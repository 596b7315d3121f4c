"""sar_planner.geo: parsing and formatting positions, datums (CGCS2000, GCJ-02, BD-09), local grids.

Figures are checked by hand (36°06′00″ = 36 + 6/60 = 36.1 degrees) or against published values,
named at each test.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sar_planner import geo
from sar_planner.errors import CoordinateError
from sar_planner.geo import (
    LatLon,
    bd09_to_gcj02,
    distance_m,
    format_dd,
    format_ddm,
    format_dms,
    from_local,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gk3_crs,
    in_china_box,
    parse_angle,
    parse_latlon,
    to_local,
    to_wgs84,
    utm_crs,
    wgs84_to_gcj02,
)

# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

# Every form names the IPP of the "herder overdue" scenario, 36.10 N 94.85 E (scenarios.md).
# Hand check: 36°06′00″ = 36 + 6/60 = 36.1; 94°51′00″ = 94 + 51/60 = 94.85.
SAME_PLACE = [
    "36.1, 94.85",
    "36.1 94.85",
    "36.1,94.85",
    "N36.1 E94.85",
    "N 36.1, E 94.85",
    "36.1N 94.85E",
    "36.1°N 94.85°E",
    "E94.85 N36.1",
    "94.85E, 36.1N",
    "lat 36.1 lon 94.85",
    "Latitude: 36.1; Longitude: 94.85",
    "36°06'00\"N 94°51'00\"E",
    "36°06′00″N 94°51′00″E",
    "36°06′00.0″N 94°51′00.0″E",
    "36°06'00''N 94°51'00''E",
    "36º06'N 94º51'E",
    "36 06 00 N, 94 51 00 E",
    "36 06 00 94 51 00",
    "36 06 94 51",
    "36°06' 94°51'",
    "36°6'N 94°51'E",
    "北纬36度06分00秒 东经94度51分00秒",
    "北纬36°06′00″ 东经94°51′00″",
    "北纬36.1 东经94.85",
    "36度6分N 94度51分E",
    "东经94°51′ 北纬36°06′",
    "纬度：36.1 经度：94.85",
    "北緯36度06分 東經94度51分",
    "３６．１，９４．８５",
    "３６°０６′Ｎ，９４°５１′Ｅ",
    "  36.1 ,  94.85  ",
]


@pytest.mark.parametrize("text", SAME_PLACE)
def test_accepted_forms_give_the_same_place(text):
    p = parse_latlon(text)
    assert p.datum == "WGS84"
    assert p.lat == pytest.approx(36.1, abs=1e-12)
    assert p.lon == pytest.approx(94.85, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        # degrees-decimal-minutes: 6.5′ = 6.5/60 degrees, 51.25′ = 51.25/60 degrees
        ("36°6.5'N 94°51.25'E", 36 + 6.5 / 60, 94 + 51.25 / 60),
        ("36 6.5 N 94 51.25 E", 36 + 6.5 / 60, 94 + 51.25 / 60),
        # seconds with decimals
        ("36°05′59.5″N 94°50′59.5″E", 36 + 5 / 60 + 59.5 / 3600, 94 + 50 / 60 + 59.5 / 3600),
        # south and west, by letter, by Chinese word, by sign
        ("33.9S 151.2E", -33.9, 151.2),
        ("南纬33度54分 东经151度12分", -33.9, 151.2),
        ("-33.9, 151.2", -33.9, 151.2),
        ("40.7128 N, 74.0060 W", 40.7128, -74.0060),
        ("西经74.006 北纬40.7128", 40.7128, -74.006),
        ("36.1N, -94.85", 36.1, -94.85),
        ("0 0", 0.0, 0.0),
        ("90, 180", 90.0, 180.0),
    ],
)
def test_parse_values(text, lat, lon):
    p = parse_latlon(text)
    assert (p.lat, p.lon) == (pytest.approx(lat, abs=1e-12), pytest.approx(lon, abs=1e-12))


def test_parse_keeps_the_datum_it_is_told():
    p = parse_latlon("36.1, 94.85", "GCJ02")
    assert p == LatLon(36.1, 94.85, "GCJ02")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "geo.err_empty"),
        ("   ", "geo.err_empty"),
        ("Golmud", "geo.err_parse"),
        ("36.1 # 94.85", "geo.err_parse"),
        ("N E 36.1", "geo.err_parse"),
        ("36.1", "geo.err_count"),
        ("36.1, 94.85, 3000", "geo.err_count"),
        ("36°61'N 94°51'E", "geo.err_minutes_range"),
        ("36°60'N 94°51'E", "geo.err_minutes_range"),
        ("36 06 60 N, 94 51 00 E", "geo.err_seconds_range"),
        ("36°06'75\"N 94°51'E", "geo.err_seconds_range"),
        ("36.1N 94.85N", "geo.err_two_latitudes"),
        ("北纬36.1 北纬94.85", "geo.err_two_latitudes"),
        ("E36.1 E94.85", "geo.err_two_longitudes"),
        ("-36.1S 94.85E", "geo.err_sign_and_hemisphere"),
        ("36.5°30'N 94°51'E", "geo.err_fraction_not_last"),
        ("36°6.5'30\"N 94°51'E", "geo.err_fraction_not_last"),
        # Amap and many apps copy "lng,lat": the first number cannot be a latitude
        ("94.85, 36.1", "geo.err_swapped"),
        ("N94.85 E36.1", "geo.err_latitude_range"),
        ("91, 94.85", "geo.err_latitude_range"),
        ("36.1, 181", "geo.err_longitude_range"),
        ("36.1, 194.85", "geo.err_longitude_range"),
    ],
)
def test_bad_input_gets_a_clear_error(text, code):
    with pytest.raises(CoordinateError) as info:
        parse_latlon(text)
    assert info.value.code == code
    # the message exists in both languages and says what to do (no raw key leaks through)
    for lang in ("en", "zh"):
        assert info.value.message(lang) != code


def test_parse_error_message_shows_accepted_forms_in_both_languages():
    with pytest.raises(CoordinateError) as info:
        parse_latlon("near the river")
    assert "near the river" in info.value.message("en")
    assert "36°06′00″N 94°51′00″E" in info.value.message("en")
    assert "北纬36度06分" in info.value.message("zh")


def test_unknown_datum_is_refused():
    with pytest.raises(CoordinateError) as info:
        parse_latlon("36.1, 94.85", "WGS72")  # type: ignore[arg-type]
    assert info.value.code == "geo.err_datum"
    with pytest.raises(CoordinateError):
        LatLon(36.1, 94.85, "ED50")  # type: ignore[arg-type]
    with pytest.raises(CoordinateError):
        LatLon(95.0, 94.85)


@pytest.mark.parametrize(
    ("text", "axis", "value"),
    [
        ("36度6分N", None, 36.1),
        ("东经94°51′", None, 94.85),
        ("36 30 S", None, -36.5),
        ("-94.85", "lon", -94.85),
        ("94°51.25′", "lon", 94 + 51.25 / 60),
        ("北纬36.1", "lat", 36.1),
    ],
)
def test_parse_angle(text, axis, value):
    assert parse_angle(text, axis) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "axis", "code"),
    [
        ("94.85E", "lat", "geo.err_expected_latitude"),
        ("北纬36.1", "lon", "geo.err_expected_longitude"),
        ("94.85", "lat", "geo.err_latitude_range"),
        ("36.1 94.85", None, "geo.err_angle_count"),
        ("36°75′", None, "geo.err_minutes_range"),
        ("", None, "geo.err_empty"),
    ],
)
def test_parse_angle_errors(text, axis, code):
    with pytest.raises(CoordinateError) as info:
        parse_angle(text, axis)
    assert info.value.code == code


# ---------------------------------------------------------------------------------------------
# Formatting and round trips
# ---------------------------------------------------------------------------------------------


def test_format_examples():
    assert format_dd(36.1, 94.85) == "36.10000, 94.85000"
    assert format_dd(-36.1, -94.85, places=2) == "-36.10, -94.85"
    assert format_dms(36.1, 94.85) == "36°06′00.0″N 94°51′00.0″E"
    assert format_dms(36.1, 94.85, lang="zh") == "北纬36°06′00.0″ 东经94°51′00.0″"
    assert format_dms(-33.9, -74.006, lang="zh") == "南纬33°54′00.0″ 西经74°00′21.6″"
    assert format_ddm(36.1, 94.85) == "36°06.000′N 94°51.000′E"
    assert format_ddm(36 + 6.5 / 60, 94 + 51.25 / 60, lang="zh") == "北纬36°06.500′ 东经94°51.250′"
    assert format_dms(36.1, 94.85, places=0) == "36°06′00″N 94°51′00″E"


def test_format_carries_rounded_seconds_and_minutes():
    # 36.999999 degrees = 36°59′59.9964″: to 0.1″ it is 37°00′00.0″, never 36°59′60.0″
    assert format_dms(36.999999, 94.999999) == "37°00′00.0″N 95°00′00.0″E"
    assert format_ddm(36.9999999, 94.9999999) == "37°00.000′N 95°00.000′E"


def test_format_refuses_out_of_range_values():
    with pytest.raises(CoordinateError):
        format_dms(91.0, 0.0)
    with pytest.raises(CoordinateError):
        format_dd(0.0, float("nan"))


lats = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)
lons = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
langs = st.sampled_from(["en", "zh"])


@given(lats, lons, langs, st.integers(min_value=0, max_value=3))
def test_dms_round_trip_within_printed_precision(lat, lon, lang, places):
    p = parse_latlon(format_dms(lat, lon, lang=lang, places=places))
    tol = 0.5 * 10**-places / 3600 + 1e-12  # half the last printed digit of seconds
    assert abs(p.lat - lat) <= tol and abs(p.lon - lon) <= tol


@given(lats, lons, langs, st.integers(min_value=0, max_value=5))
def test_ddm_round_trip_within_printed_precision(lat, lon, lang, places):
    p = parse_latlon(format_ddm(lat, lon, lang=lang, places=places))
    tol = 0.5 * 10**-places / 60 + 1e-12
    assert abs(p.lat - lat) <= tol and abs(p.lon - lon) <= tol


@given(lats, lons, st.integers(min_value=0, max_value=8))
def test_dd_round_trip_within_printed_precision(lat, lon, places):
    p = parse_latlon(format_dd(lat, lon, places=places))
    tol = 0.5 * 10**-places + 1e-12
    assert abs(p.lat - lat) <= tol and abs(p.lon - lon) <= tol


# ---------------------------------------------------------------------------------------------
# Datums
# ---------------------------------------------------------------------------------------------


def test_gcj02_and_bd09_forward_match_published_values():
    # wandergis/coordtransform, test/app.js (also used in its Rust and Java ports):
    #   wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164]   (lng, lat)
    #   gcj02tobd09(116.404, 39.915)  = [116.41036949371029, 39.92133699351021]
    lat, lon = wgs84_to_gcj02(39.915, 116.404)
    assert lon == pytest.approx(116.41024449916938, abs=1e-11)
    assert lat == pytest.approx(39.91640428150164, abs=1e-11)
    lat, lon = gcj02_to_bd09(39.915, 116.404)
    assert lon == pytest.approx(116.41036949371029, abs=1e-11)
    assert lat == pytest.approx(39.92133699351021, abs=1e-11)
    # hujiulong/gcoord, test/unit/crs/GCJ02.spec.js: GCJ02 -> BD09 of [123, 45] is
    # [123.00636499, 45.00636899] (to 5 decimals)
    lat, lon = gcj02_to_bd09(45.0, 123.0)
    assert (lon, lat) == (pytest.approx(123.00636499, abs=1e-5), pytest.approx(45.00636899, abs=1e-5))


def test_gcj02_inverse_matches_published_values():
    # hujiulong/gcoord, test/unit/crs/GCJ02.spec.js: GCJ02 -> WGS84 of [123, 45] is
    # [122.99395597, 44.99804071] (checked there to 5 decimals)
    lat, lon = gcj02_to_wgs84(45.0, 123.0)
    assert (lon, lat) == (pytest.approx(122.99395597, abs=1e-5), pytest.approx(44.99804071, abs=1e-5))
    # hujiulong/gcoord, test/fixtures/china-cities.json, western China (checked there to 4 decimals):
    # Nagqu (Tibet) WGS84 [92.0499619, 31.4784436] = GCJ02 [92.0512438, 31.4762063];
    # Jiuquan (Gansu) WGS84 [98.4937175, 39.7319946] = GCJ02 [98.4943595, 39.7328234]
    for (wlon, wlat), (glon, glat) in [((92.0499619, 31.4784436), (92.0512438, 31.4762063)),
                                       ((98.4937175, 39.7319946), (98.4943595, 39.7328234))]:
        lat, lon = gcj02_to_wgs84(glat, glon)
        assert (lat, lon) == (pytest.approx(wlat, abs=1e-4), pytest.approx(wlon, abs=1e-4))
        lat, lon = wgs84_to_gcj02(wlat, wlon)
        assert (lat, lon) == (pytest.approx(glat, abs=1e-4), pytest.approx(glon, abs=1e-4))


def test_iterative_inverse_beats_the_one_step_approximation():
    # wandergis/coordtransform's one-step gcj02towgs84(116.404, 39.915) = [116.39775550083061,
    # 39.91359571849836]: sent forward again it misses the GCJ-02 point by centimetres to metres.
    one_step = (39.91359571849836, 116.39775550083061)
    miss_one_step = distance_m(*wgs84_to_gcj02(*one_step), 39.915, 116.404)
    ours = gcj02_to_wgs84(39.915, 116.404)
    miss_ours = distance_m(*wgs84_to_gcj02(*ours), 39.915, 116.404)
    assert miss_one_step > 0.01
    assert miss_ours < 1e-4


china_lat = st.floats(min_value=18.0, max_value=53.5)
china_lon = st.floats(min_value=73.5, max_value=134.8)


@settings(max_examples=300)
@given(china_lat, china_lon)
def test_gcj02_round_trip_within_one_centimetre_over_china(lat, lon):
    glat, glon = wgs84_to_gcj02(lat, lon)
    back = gcj02_to_wgs84(glat, glon)
    assert distance_m(lat, lon, *back) < 0.01
    # and it really moved: GCJ-02 is off by tens to hundreds of metres everywhere in China
    assert distance_m(lat, lon, glat, glon) > 10.0


@settings(max_examples=300)
@given(china_lat, china_lon)
def test_bd09_round_trip_within_one_centimetre_over_china(lat, lon):
    p = from_wgs84(LatLon(lat, lon), "BD09")
    back = to_wgs84(p)
    assert distance_m(lat, lon, back.lat, back.lon) < 0.01


def test_bd09_inverse_agrees_with_the_published_closed_form():
    # wandergis/coordtransform: bd09togcj02(116.404, 39.915) = [116.39762729119315, 39.90865673957631]
    # (a closed-form approximation); ours iterates to the exact inverse, within a few cm of it
    lat, lon = bd09_to_gcj02(39.915, 116.404)
    assert distance_m(lat, lon, 39.90865673957631, 116.39762729119315) < 0.1
    assert distance_m(*gcj02_to_bd09(lat, lon), 39.915, 116.404) < 1e-4


def test_phone_map_offset_at_the_golmud_ipp():
    # The published GCJ-02 formulas give about 102 m at 36.10 N 94.85 E (offset grows eastwards
    # and southwards: gcoord's fixtures give about 110 m at Jiuquan and 280 m at Nagqu).
    glat, glon = wgs84_to_gcj02(36.10, 94.85)
    offset = distance_m(36.10, 94.85, glat, glon)
    assert 90.0 < offset < 115.0
    # a crew pasting a Gaode position without saying GCJ02 would be off by that much
    assert distance_m(36.10, 94.85, *gcj02_to_wgs84(36.10, 94.85)) == pytest.approx(offset, rel=0.01)
    # Baidu adds several hundred metres more
    b = from_wgs84(LatLon(36.10, 94.85), "BD09")
    assert 500.0 < distance_m(36.10, 94.85, b.lat, b.lon) < 1500.0


def test_outside_china_gcj02_is_identity():
    # The bounding rectangle of the published implementations: lon 72.004-137.8347, lat 0.8293-55.8271
    assert in_china_box(36.10, 94.85) is True
    for lat, lon in [(48.8566, 2.3522), (-33.9, 151.2), (60.0, 100.0), (36.0, 71.9)]:
        assert in_china_box(lat, lon) is False
        assert wgs84_to_gcj02(lat, lon) == (lat, lon)
        assert gcj02_to_wgs84(lat, lon) == (lat, lon)


def test_datum_conversions_are_vectorised():
    lat = np.array([36.10, 36.90, 48.8566])
    lon = np.array([94.85, 93.60, 2.3522])
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert glat.shape == (3,)
    assert glat[2] == lat[2]  # Paris untouched
    wlat, wlon = gcj02_to_wgs84(glat, glon)
    assert np.all(distance_m(lat, lon, wlat, wlon) < 0.01)


def test_to_wgs84_for_every_datum():
    ipp = LatLon(36.10, 94.85)
    assert to_wgs84(ipp) is ipp
    # CGCS2000 and WGS84 coincide at the centimetre level: PROJ does not move the numbers
    c = to_wgs84(LatLon(36.10, 94.85, "CGCS2000"))
    assert c.datum == "WGS84" and distance_m(c.lat, c.lon, 36.10, 94.85) < 0.01
    assert from_wgs84(ipp, "CGCS2000").datum == "CGCS2000"
    for datum in ("GCJ02", "BD09"):
        shown = from_wgs84(ipp, datum)
        assert shown.datum == datum and distance_m(shown.lat, shown.lon, 36.10, 94.85) > 50.0
        back = to_wgs84(shown)
        assert back.datum == "WGS84" and distance_m(back.lat, back.lon, 36.10, 94.85) < 0.01
    with pytest.raises(CoordinateError):
        from_wgs84(ipp, "NAD27")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Local metric grid and distances
# ---------------------------------------------------------------------------------------------


def _meridian_arc(lat_deg: float, a: float, f: float) -> float:
    """Meridian distance from the equator (metres): Snyder 1987, Map Projections - A Working
    Manual (USGS PP 1395), eq. 3-21."""
    e2 = f * (2 - f)
    phi = math.radians(lat_deg)
    return a * ((1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256) * phi
                - (3 * e2 / 8 + 3 * e2**2 / 32 + 45 * e2**3 / 1024) * math.sin(2 * phi)
                + (15 * e2**2 / 256 + 45 * e2**3 / 1024) * math.sin(4 * phi)
                - (35 * e2**3 / 3072) * math.sin(6 * phi))


def test_to_local_matches_pyproj_documented_example():
    # pyproj docs ("Getting Started", Transformer): Transformer.from_crs(4326, 26917)
    # .transform(50, -80) -> (571666.4475041276, 5539109.815175673)  (NAD83 / UTM zone 17N)
    x, y = to_local(50.0, -80.0, "EPSG:26917")
    assert x == pytest.approx(571666.4475041276, abs=0.001)
    assert y == pytest.approx(5539109.815175673, abs=0.001)


def test_to_local_matches_snyder_worked_example():
    # Snyder 1987, USGS PP 1395, p. 269: transverse Mercator, Clarke 1866, CM 75 W, k0 = 0.9996:
    # 40°30′N 73°30′W -> x = 127,106.5 m, y = 4,484,124.4 m
    crs = "+proj=tmerc +lat_0=0 +lon_0=-75 +k=0.9996 +x_0=0 +y_0=0 +ellps=clrk66 +units=m +no_defs"
    x, y = to_local(40.5, -73.5, crs)
    assert x == pytest.approx(127106.5, abs=0.1)
    assert y == pytest.approx(4484124.4, abs=0.1)


def test_utm_and_gk_central_meridian_hand_check():
    # On the central meridian easting is the false easting (500 000 m) and northing is
    # k0 x meridian arc (Snyder eq. 8-10 with lambda = lambda0).
    x, y = to_local(36.1, 93.0, utm_crs(36.1, 94.85))  # UTM 46N, CM 93E, k0 0.9996, WGS84
    assert x == pytest.approx(500000.0, abs=0.001)
    assert y == pytest.approx(0.9996 * _meridian_arc(36.1, 6378137.0, 1 / 298.257223563), abs=0.01)
    crs = gk3_crs(36.1, 94.85)  # CGCS2000 GK CM 96E, k0 1, false easting 500 000 m
    x, y = to_local(36.1, 96.0, crs)
    assert x == pytest.approx(500000.0, abs=0.001)
    assert y == pytest.approx(_meridian_arc(36.1, 6378137.0, 1 / 298.257222101), abs=0.01)


def test_local_round_trip_and_vectorised():
    crs = utm_crs(36.10, 94.85)
    lat = np.array([[36.0, 36.1], [36.2, 36.3]])
    lon = np.array([[94.7, 94.85], [95.0, 95.1]])
    x, y = to_local(lat, lon, crs)
    assert x.shape == (2, 2)
    back_lat, back_lon = from_local(x, y, crs)
    assert np.allclose(back_lat, lat, atol=1e-9) and np.allclose(back_lon, lon, atol=1e-9)
    # grid distances in the mission's UTM zone agree with the geodesic within the scale factor
    d_grid = math.hypot(x[0, 0] - x[1, 1], y[0, 0] - y[1, 1])
    d_geo = distance_m(36.0, 94.7, 36.3, 95.1)
    assert d_grid == pytest.approx(d_geo, rel=1e-3)  # UTM scale factor near 95E: 0.9996-1.0000


def test_local_errors():
    with pytest.raises(CoordinateError) as info:
        to_local(36.1, 94.85, "EPSG:999999")
    assert info.value.code == "geo.err_crs_unknown"
    with pytest.raises(CoordinateError) as info:
        to_local(36.1, 94.85, "EPSG:4326")  # degrees, not metres
    assert info.value.code == "geo.err_crs_not_metric"
    with pytest.raises(CoordinateError) as info:
        to_local(95.0, 94.85, "EPSG:32646")
    assert info.value.code == "geo.err_latitude_range"


def test_distance_m():
    # one degree of the equator = a x pi / 180 = 6378137 x pi / 180 = 111 319.49 m (WGS84)
    assert distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(6378137.0 * math.pi / 180, abs=0.001)
    # pole to pole along a meridian = 2 x quarter meridian 10 001 965.729 m (WGS84; Karney 2013)
    assert distance_m(-90.0, 0.0, 90.0, 0.0) == pytest.approx(2 * 10001965.729, abs=0.01)
    d = distance_m(np.array([36.1, 36.1]), np.array([94.85, 94.85]), 36.1, np.array([94.85, 94.95]))
    assert d.shape == (2,) and d[0] == 0.0 and 8900 < d[1] < 9100  # 0.1 deg of longitude at 36 N


def test_module_doctests_pass():
    result = doctest.testmod(geo)
    assert result.attempted >= 15 and result.failed == 0


_TYPED = st.sampled_from(
    list("0123456789.,;:/ -+°'\"′″NSEWnsew度分秒北纬南东经西，．１３") + ["lat", "lon", "北纬", "东经"])


@settings(max_examples=500)
@given(st.one_of(st.lists(_TYPED, max_size=16).map("".join), st.text(max_size=24)))
def test_any_text_parses_or_gives_a_coordinate_error(text):
    # nothing a person types may end in a traceback: either a valid position or a CoordinateError
    for parse in (parse_latlon, parse_angle):
        try:
            result = parse(text)
        except CoordinateError as err:
            assert err.message("zh") and err.message("en")
        else:
            if isinstance(result, LatLon):
                assert -90 <= result.lat <= 90 and -180 <= result.lon <= 180
            else:
                assert -180 <= result <= 180
