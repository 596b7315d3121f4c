"""Graticule, kilometre grid and scale bar (sar_planner.mapping.grids)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer

from sar_planner.errors import InputError
from sar_planner.mapping.grids import (gk3_zone_crs, graticule_lines, km_grid_lines, nice_step,
                                       scale_bar_length)

# 24 x 24 km around the Kunlun demo terrain (36.10N 94.85E), UTM zone 46N
DEMO = (654_700.0, 3_984_700.0, 678_700.0, 4_008_700.0)


def test_gk3_zone_of_golmud_is_zone_32_epsg_4520() -> None:
    # docs/references/offline-maps.md: Golmud at 94.9E is zone 32, CM 96E, EPSG:4520;
    # EPSG:4513 is zone 25 (75E) and EPSG:4533 zone 45 (135E)
    assert gk3_zone_crs(94.9).to_epsg() == 4520
    assert gk3_zone_crs(75.0).to_epsg() == 4513
    assert gk3_zone_crs(135.0).to_epsg() == 4533
    with pytest.raises(InputError):
        gk3_zone_crs(10.0)


def test_central_meridian_is_the_false_easting() -> None:
    # UTM zone 46 has its central meridian at 93E, drawn at exactly E 500,000 m
    step, lines = graticule_lines("EPSG:32646", (480_000.0, 3_985_000.0, 520_000.0, 4_009_000.0))
    # 40 km at 36N is 40 / (111.32 cos 36) = 0.445 deg: 5' lines give 5.3 <= 6 lines across
    assert step == pytest.approx(5 / 60)
    cm = next(g for g in lines if g.kind == "lon" and g.value == pytest.approx(93.0))
    assert np.allclose(cm.xy[:, 0], 500_000.0, atol=1e-6)


def test_graticule_lines_lie_on_their_latitude_and_longitude() -> None:
    step, lines = graticule_lines("EPSG:32646", DEMO)
    assert step == pytest.approx(5 / 60)  # the demo's 0.27 deg: 5' lines
    to_ll = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True)
    kinds = {g.kind for g in lines}
    assert kinds == {"lat", "lon"}
    for g in lines:
        lon, lat = to_ll.transform(g.xy[:, 0], g.xy[:, 1])
        assert np.allclose(lon if g.kind == "lon" else lat, g.value, atol=1e-9)
        # a 5' line value is a whole number of minutes
        assert abs(g.value * 60 - round(g.value * 60)) < 1e-6
    # 36N and 36 05'N cross the demo (35.99-36.21N), 36 10'N too
    lats = sorted(g.value for g in lines if g.kind == "lat")
    assert lats == pytest.approx([36.0, 36 + 5 / 60, 36 + 10 / 60])


def test_km_grid_of_its_own_crs_is_straight_and_round() -> None:
    box = (32_500_100.0, 3_990_100.0, 32_512_900.0, 4_002_900.0)
    step, lines = km_grid_lines("EPSG:4520", "EPSG:4520", box)
    assert step == 2000.0  # 12.8 km, six lines: 2 km
    for g in lines:
        assert g.value % step == 0
        col = 0 if g.kind == "x" else 1
        assert np.allclose(g.xy[:, col], g.value, atol=1e-6)
    eastings = sorted(g.value for g in lines if g.kind == "x")
    assert eastings == [32_502_000.0 + 2000.0 * i for i in range(6)]


def test_gk_grid_over_utm_map_carries_the_zone_in_the_easting() -> None:
    step, lines = km_grid_lines("EPSG:32646", gk3_zone_crs(94.85), DEMO)
    assert step == 5000.0
    assert all(str(int(g.value)).startswith("32") for g in lines if g.kind == "x")


@pytest.mark.parametrize(("width", "bar"), [(24_000.0, 2000.0), (3_000.0, 500.0),
                                            (120_000.0, 20_000.0), (1000.0, 200.0)])
def test_scale_bar_by_hand(width: float, bar: float) -> None:
    # a fifth of the view, rounded down to 1, 2 or 5 x 10^k: 24 km -> 4.8 km -> 2 km
    assert scale_bar_length(width) == bar


@given(st.floats(min_value=1.0, max_value=5e6))
def test_scale_bar_is_round_and_fits(width: float) -> None:
    bar = scale_bar_length(width)
    mantissa = bar / 10 ** math.floor(math.log10(bar))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert bar <= 0.2 * width * (1 + 1e-9)
    assert bar > 0.2 * width / 2.5 * (1 - 1e-9)  # never less than the next round size down


def test_nice_step_and_bad_spans() -> None:
    assert nice_step(24_000.0) == 5000.0
    assert nice_step(10.0, 10) == 1.0
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(InputError):
            nice_step(bad)
        with pytest.raises(InputError):
            scale_bar_length(bad)
    with pytest.raises(InputError, match="empty"):
        graticule_lines("EPSG:32646", (10.0, 0.0, 5.0, 1.0))


def test_mapping_doctests_pass() -> None:
    import doctest

    from sar_planner.mapping import contours, grids, labels

    for module in (grids, contours, labels):
        assert doctest.testmod(module).failed == 0
