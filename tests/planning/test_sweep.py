"""Sweep width: camera geometry from first principles, the visual table, the unit's override."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sar_planner.assets import get_asset
from sar_planner.errors import PlanningError
from sar_planner.sweep import (camera_sweep_width, effective_sweep_width, footprint_m, gsd_m,
                               max_detection_height_m, track_spacing, visual_sweep_width)

H20T = get_asset("m350-h20t").sensors[0]


def test_h20t_footprint_and_gsd_at_100_m_match_search_theory_md():
    # search-theory.md: "at 100 m AGL a footprint of about 57 x 46 m and 8.9 cm/px"
    across, along = footprint_m(H20T, 100.0)
    assert across == pytest.approx(56.9, abs=0.05)
    assert along == pytest.approx(45.5, abs=0.05)
    assert gsd_m(H20T, 100.0) == pytest.approx(0.0889, abs=1e-4)


def test_highest_detection_range_is_f_t_over_n_p():
    # 13.5 mm x 0.5 m / (4 px x 12 um) = 140.625 m
    assert max_detection_height_m(H20T, 0.5, 4) == pytest.approx(140.625)


def test_sweep_width_is_the_footprint_when_pixels_allow():
    sw = camera_sweep_width(H20T, 100.0, "night")
    assert sw.width_m == pytest.approx(100.0 * 7.68 / 13.5)
    assert sw.method == "camera" and sw.steps[-1].key == "planning.sweep_contrast"


def test_sweep_width_shrinks_to_the_detection_range_near_the_limit():
    # at 139 m: lateral = sqrt(140.625^2 - 139^2) = 21.32 m < half footprint 39.5 m
    sw = camera_sweep_width(H20T, 139.0, "night")
    assert sw.width_m == pytest.approx(2 * math.sqrt(140.625**2 - 139.0**2), rel=1e-9)


def test_too_high_to_detect_gives_zero_and_says_how_low_to_fly():
    sw = camera_sweep_width(H20T, 150.0, "night")
    assert sw.width_m == 0.0
    assert any(s.key == "planning.sweep_too_high" and s.params["limit"] == "141" for s in sw.steps)


def test_day_thermal_and_night_visible_contrast_factors():
    # thermal by day x0.5 (unit figure); visible at night x0.34 (ICESAR 2018: 22/64 m)
    assert camera_sweep_width(H20T, 100.0, "day").width_m == pytest.approx(
        0.5 * camera_sweep_width(H20T, 100.0, "night").width_m)
    wide = get_asset("m350-h20t").sensors[1]
    assert camera_sweep_width(wide, 50.0, "night").width_m == pytest.approx(
        0.34 * camera_sweep_width(wide, 50.0, "day").width_m)


def test_visual_table_helicopter_500ft():
    # canterbury-air-patrol/marine-sweep-width-data Helicopter-500ft.csv: raft 1 person,
    # 10 NM visibility -> 1.6 NM; 5 NM -> 1.2 NM; 7.5 NM interpolates to 1.4 NM
    assert visual_sweep_width(152.4, 10 * 1.852).width_m == pytest.approx(1.6 * 1852)
    assert visual_sweep_width(152.4, 5 * 1.852).width_m == pytest.approx(1.2 * 1852)
    assert visual_sweep_width(152.4, 7.5 * 1.852).width_m == pytest.approx(1.4 * 1852)
    # winds over 15 kt halve it, fatigue x 0.9
    assert visual_sweep_width(152.4, 10 * 1.852, wind_kt=20, fatigue=True).width_m == \
        pytest.approx(1.6 * 1852 * 0.5 * 0.9)


def test_effective_width_prefers_the_units_trial_figure():
    a = get_asset("m30t")
    assert effective_sweep_width(a, 80.0).method == "camera"
    own = dataclasses.replace(a, sweep_width_override_m=42.0)
    sw = effective_sweep_width(own, 80.0)
    assert (sw.width_m, sw.method) == (42.0, "unit")
    assert effective_sweep_width(get_asset("h125"), 152.4).method == "visual-table"


def test_track_spacing_from_coverage():
    assert track_spacing(60.0, 1.0) == 60.0
    assert track_spacing(60.0, 1.5) == pytest.approx(40.0)
    with pytest.raises(PlanningError):
        track_spacing(0.0)


@pytest.mark.parametrize("height", [0.0, -5.0, float("nan")])
def test_bad_height_is_refused(height):
    with pytest.raises(PlanningError) as exc:
        camera_sweep_width(H20T, height)
    assert exc.value.code == "planning.err_agl"


@given(st.floats(5, 300), st.floats(0.1, 2.0), st.floats(1, 20))
def test_width_never_exceeds_the_footprint_and_grows_with_target(height, target, pixels):
    sw = camera_sweep_width(H20T, height, "night", target, pixels)
    assert 0.0 <= sw.width_m <= footprint_m(H20T, height)[0] + 1e-9
    bigger = camera_sweep_width(H20T, height, "night", target * 1.5, pixels)
    assert bigger.width_m >= sw.width_m - 1e-9
