"""Asset catalogue: provenance on every figure, DJI/MAVLink enums, ISA density and derating."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sar_planner.assets import (density_altitude, get_asset, isa_density_ratio, load_catalogue,
                                performance_at)
from sar_planner.errors import PlanningError

PACKAGED = Path(__file__).resolve().parents[2] / "sar_planner" / "data" / "assets.toml"


def test_catalogue_has_the_unit_fleet_with_sources_on_every_figure():
    assets = load_catalogue()
    assert {"m350-h20t", "m350-h30t", "m30t", "mavic3t", "h125", "vtol"} <= set(assets)
    assert {a.kind for a in assets.values()} == {"multirotor", "helicopter", "vtol"}
    for a in assets.values():
        for key in ("search_speed_m_s", "endurance_s", "reserve_s", "max_altitude_amsl_m",
                    "climb_rate_m_s", "descent_rate_m_s", "turn_time_s"):
            fig = a.figures[key]
            assert fig.by in ("maker", "unit") and fig.ref, (a.id, key)
        for s in a.sensors:
            assert all(f.by in ("maker", "unit") and f.ref for f in s.figures.values())


def test_dji_and_mavlink_enums_match_flight_formats_md():
    # docs/references/flight-formats.md (DJI Cloud API 'DJI WPML' enums; MAV_TYPE)
    m350, m30t, m3t = get_asset("m350-h20t"), get_asset("m30t"), get_asset("mavic3t")
    assert (m350.dji_drone_enum, m350.dji_payload_enum) == (89, 43)
    assert get_asset("m350-h30t").dji_payload_enum == 83
    assert (m30t.dji_drone_enum, m30t.dji_drone_sub_enum, m30t.dji_payload_enum) == (67, 1, 53)
    assert (m3t.dji_drone_enum, m3t.dji_drone_sub_enum) == (77, 1)
    assert m350.mavlink_vehicle_type == 2
    assert get_asset("h125").mavlink_vehicle_type == 4
    assert get_asset("vtol").mavlink_vehicle_type == 1


def test_h20t_thermal_field_of_view_matches_the_spec_sheet():
    # DJI H20T: 640x512, 12 um, 13.5 mm, DFOV 40.6 deg (search-theory.md); geometry gives 40.0
    s = get_asset("m350-h20t").sensors[0]
    assert s.band == "thermal"
    assert s.dfov_deg == pytest.approx(40.6, abs=1.0)
    assert s.hfov_deg == pytest.approx(math.degrees(2 * math.atan(7.68 / 27.0)), rel=1e-9)


def test_isa_density_ratio_matches_the_standard_atmosphere_table():
    # ICAO standard atmosphere (Doc 7488): sigma = 0.7421 at 3,000 m, 0.6009 at 5,000 m
    assert isa_density_ratio(0.0) == pytest.approx(1.0)
    assert isa_density_ratio(3000.0) == pytest.approx(0.7421, abs=5e-4)
    assert isa_density_ratio(5000.0) == pytest.approx(0.6009, abs=5e-4)
    # flight-formats.md: "air density at 3,000 m is about 74% of sea level"
    assert round(isa_density_ratio(3000.0), 2) == 0.74


def test_density_altitude_is_the_altitude_at_isa_and_higher_on_a_hot_day():
    assert density_altitude(3000.0) == pytest.approx(3000.0, abs=0.01)
    # ISA at 3,000 m is -4.5 C; at +25 C the air is as thin as at ~4,000 m (rule of thumb:
    # +36 m per degree above ISA gives ~4,060 m; the exact ratio gives 4,000 m)
    assert density_altitude(3000.0, 25.0) == pytest.approx(4000, abs=50)


@given(st.floats(0, 8000), st.floats(0, 8000))
def test_density_falls_with_altitude(h1, h2):
    if h2 - h1 > 0.01:
        assert isa_density_ratio(h1) > isa_density_ratio(h2)


def test_performance_is_derated_by_density_at_the_basin_floor():
    a = get_asset("m30t")
    perf = performance_at(a, 3000.0)
    sigma = isa_density_ratio(3000.0)
    # 41 min (maker) x sqrt(0.7421) = 35.3 min; climb 6 m/s x 0.7421 = 4.45 m/s
    assert perf.endurance_s == pytest.approx(2460 * math.sqrt(sigma))
    assert perf.endurance_s / 60 == pytest.approx(35.3, abs=0.1)
    assert perf.usable_s == pytest.approx(perf.endurance_s - a.reserve_s)
    assert perf.climb_rate_m_s == pytest.approx(4.45, abs=0.01)
    assert perf.descent_rate_m_s == a.descent_rate_m_s


def test_an_asset_cannot_plan_above_its_ceiling():
    a = get_asset("m30t")
    with pytest.raises(PlanningError) as exc:
        performance_at(a, 5200.0)
    assert exc.value.code == "planning.err_above_ceiling"
    assert "5000" in str(exc.value)


def test_a_whole_unit_copy_as_earlier_versions_wrote_it_still_gives_the_units_figure(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    text = PACKAGED.read_text(encoding="utf-8").replace(
        'endurance_s = { value = 2460, by = "maker"', 'endurance_s = { value = 2000, by = "unit"')
    (data_dir / "assets.toml").write_text(text, encoding="utf-8")
    a = get_asset("m30t")
    assert a.endurance_s == 2000 and a.figures["endurance_s"].by == "unit"


@pytest.mark.parametrize("edit, key", [
    (lambda s: s.replace('by = "maker", ref = "DJI M30 series specs: max flight time',
                         'by = "guess", ref = "DJI M30 series specs: max flight time'),
     "planning.err_catalogue_field"),
    (lambda s: s + "\n[asset.broken\n", "planning.err_catalogue_syntax"),
    (lambda s: s.replace('sensors = ["m30t-thermal"]', 'sensors = ["nope"]'),
     "planning.err_catalogue_sensor"),
])
def test_a_broken_catalogue_is_refused_with_a_clear_message(tmp_path, edit, key):
    path = tmp_path / "assets.toml"
    path.write_text(edit(PACKAGED.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(PlanningError) as exc:
        load_catalogue(path)
    assert exc.value.code == key


def test_unknown_asset_lists_the_known_ones():
    with pytest.raises(PlanningError) as exc:
        get_asset("m300")
    assert "m30t" in str(exc.value)


def test_reserve_must_leave_flight_time(tmp_path):
    text = PACKAGED.read_text(encoding="utf-8").replace(
        'reserve_s = { value = 420, by = "unit", ref = "initial unit rule: land with 7 minutes left" }'
        '\nmax_altitude_amsl_m = { value = 5000',
        'reserve_s = { value = 9999, by = "unit", ref = "x" }\nmax_altitude_amsl_m = { value = 5000', 1)
    path = tmp_path / "assets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanningError) as exc:
        load_catalogue(path)
    assert exc.value.params["field"] == "reserve_s"


def test_asset_json_names_both_languages():
    j = get_asset("h125").to_json()
    assert j["name"]["zh"] and j["name"]["en"] and j["kind"] == "helicopter"
    assert dataclasses.is_dataclass(get_asset("h125"))


def test_every_dji_drone_names_its_camera_for_wpml():
    # DJI Cloud API enumerations (flight-formats.md; Cloud API "Enumeration Values of Camera"):
    # H20T 43, H30T 83, M30T camera 53, M3T camera 67. Without it DJI Pilot 2 cannot load a route.
    expected = {"m350-h20t": 43, "m350-h30t": 83, "m30t": 53, "mavic3t": 67}
    for asset_id, payload in expected.items():
        assert get_asset(asset_id).dji_payload_enum == payload, asset_id
