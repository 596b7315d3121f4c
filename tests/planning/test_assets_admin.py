"""The unit edits its asset catalogue: figures saved to its own copy (atomically, all or none),
marked as the unit's with the reference the administrator gives, maker's figures restorable, the
unit's trial sweep width used by the plan; the Settings page does it for an administrator only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tomllib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from sar_planner.assets import editing as assets_mod
from sar_planner.assets import (
    FIGURE_LIMITS,
    bundled_figure,
    catalogue_path,
    editable_figures,
    get_asset,
    load_catalogue,
    restore_figure,
    unit_catalogue_path,
    update_figures,
    validate_catalogue,
)
from sar_planner.auth import PERMISSIONS, can_see_page
from sar_planner.cli import main
from sar_planner.errors import PlanningError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import get_database
from sar_planner.sweep import effective_sweep_width
from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
PACKAGED = REPO / "sar_planner" / "data" / "assets.toml"
REF = "unit trial 2026-08, Zongjia"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def bundled_unchanged():
    """Every test here must leave the bundled catalogue byte for byte as it was."""
    before = _sha(PACKAGED)
    yield
    assert _sha(PACKAGED) == before


# --- core: round trip -------------------------------------------------------------------------

def test_an_edit_is_saved_to_the_units_copy_marked_unit_with_its_ref(data_dir, bundled_unchanged):
    assert catalogue_path() == PACKAGED  # no unit copy yet
    # bundled M30T endurance: 2460 s, the maker's (DJI M30 series specs: 41 min)
    assert get_asset("m30t").figures["endurance_s"].by == "maker"
    changed = update_figures({("asset", "m30t", "endurance_s"): 2100.0,
                              ("asset", "m30t", "max_altitude_amsl_m"): 5000.0},  # as it was
                             f"  {REF}\n")
    assert changed == (("asset", "m30t", "endurance_s"),)
    own = unit_catalogue_path()
    assert own == data_dir / "assets.toml" and catalogue_path() == own
    m30t = load_catalogue()["m30t"]
    assert m30t.endurance_s == 2100.0
    assert m30t.figures["endurance_s"].by == "unit" and m30t.figures["endurance_s"].ref == REF
    # the unchanged figure keeps the maker's source and reference
    ceiling = m30t.figures["max_altitude_amsl_m"]
    assert ceiling.by == "maker" and ceiling.ref.startswith("DJI M30 series specs")
    # nothing else moved: every other asset equals the bundled one
    bundled = load_catalogue(PACKAGED)
    assert all(load_catalogue()[a] == bundled[a] for a in bundled if a != "m30t")
    # the unit's copy is a layer: it holds the unit's figure only, under a header saying so
    text = own.read_text(encoding="utf-8")
    assert "laid over the catalogue bundled with the planner" in text
    assert tomllib.loads(text) == {"unit_catalogue": {"layout": "overlay"}, "asset": {"m30t": {
        "endurance_s": {"value": 2100.0, "by": "unit", "ref": REF}}}}
    assert m30t.figures["endurance_s"].layer == "unit" and ceiling.layer == "bundled"
    assert not list(data_dir.glob(".assets-*"))  # no temporary file left behind


def test_sensor_figures_and_whole_pixels_round_trip(data_dir, bundled_unchanged):
    update_figures({("sensor", "m30t-thermal", "focal_mm"): 13.5,
                    ("sensor", "m30t-thermal", "width_px"): 1280}, REF)
    sensor = get_asset("m30t").primary_sensor
    assert sensor.focal_mm == 13.5 and sensor.width_px == 1280
    assert sensor.figures["width_px"].by == "unit" and sensor.figures["focal_mm"].ref == REF
    # 1280 px x 12 um = 15.36 mm across; HFOV = 2 atan(15.36 / (2 x 13.5)) = 59.27 degrees
    assert sensor.hfov_deg == pytest.approx(math.degrees(2 * math.atan(15.36 / 27.0)), abs=1e-9)
    assert 'width_px = {value = 1280, by = "unit"' in unit_catalogue_path().read_text(encoding="utf-8")


def test_nothing_changed_writes_nothing(data_dir, bundled_unchanged):
    figures = {key: (fig.value if fig else None) for key, fig in editable_figures(get_asset("h125"))}
    assert update_figures(figures, "") == ()
    assert not unit_catalogue_path().exists()


def test_editable_figures_list_every_figure_with_its_source():
    m30t = [key for key, _ in editable_figures(get_asset("m30t"))]
    # 9 flight figures, height cap and sweep-width override, then 4 of the M30T thermal camera
    assert len(m30t) == 9 + 2 + 4 and m30t[-1] == ("sensor", "m30t-thermal", "focal_mm")
    assert ("asset", "m30t", "sweep_visibility_km") not in m30t  # a camera drone
    h125 = dict(editable_figures(get_asset("h125")))
    assert h125[("asset", "h125", "sweep_visibility_km")].value == 18.5  # crew visual search
    assert h125[("asset", "h125", "max_agl_m")] is None and h125[("asset", "h125", "endurance_s")].by == "unit"


def test_optional_figures_can_be_cleared(data_dir):
    update_figures({("asset", "m30t", "max_agl_m"): None}, "unit rule: no cap while under police exemption")
    assert get_asset("m30t").max_agl_m is None
    with pytest.raises(PlanningError) as exc:
        update_figures({("asset", "m30t", "endurance_s"): None}, REF)
    assert exc.value.code == "assets_ui.err_required"


# --- core: refused edits leave the file as it was ---------------------------------------------

REFUSED = [
    # (edit, expected key) - limits from the brief: speeds, endurance, rates > 0; reserve < endurance;
    # maximum altitude 500-9,000 m above sea level; sensor figures > 0; a sweep-width override > 0
    ({("asset", "m30t", "search_speed_m_s"): 0.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "transit_speed_m_s"): -15.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "endurance_s"): 0.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "reserve_s"): 2460.0}, "assets_ui.err_reserve"),  # = endurance
    ({("asset", "m30t", "endurance_s"): 400.0}, "assets_ui.err_reserve"),  # below the 420 s reserve
    ({("asset", "m30t", "max_altitude_amsl_m"): 499.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "max_altitude_amsl_m"): 9001.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "climb_rate_m_s"): 0.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "descent_rate_m_s"): -5.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "sweep_width_override_m"): 0.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "sweep_width_override_m"): -40.0}, "assets_ui.err_range"),
    ({("asset", "m30t", "endurance_s"): float("nan")}, "assets_ui.err_range"),
    ({("sensor", "m30t-thermal", "pixel_pitch_um"): 0.0}, "assets_ui.err_range"),
    ({("sensor", "m30t-thermal", "focal_mm"): -9.1}, "assets_ui.err_range"),
    ({("sensor", "m30t-thermal", "width_px"): 0}, "assets_ui.err_range"),
    ({("sensor", "m30t-thermal", "height_px"): 511.5}, "assets_ui.err_whole"),
    ({("asset", "m30t", "wingspan_m"): 2.0}, "assets_ui.err_unknown_field"),
    ({("asset", "m300", "endurance_s"): 2000.0}, "assets_ui.err_unknown_entry"),
    # all or none: a good figure next to a bad one is not saved either
    ({("asset", "m30t", "turn_time_s"): 9.0, ("asset", "m30t", "climb_rate_m_s"): 0.0},
     "assets_ui.err_range"),
]


@pytest.mark.parametrize("edit, key", REFUSED)
def test_a_refused_edit_leaves_the_units_file_as_it_was(data_dir, bundled_unchanged, edit, key):
    update_figures({("asset", "m30t", "turn_time_s"): 7.5}, REF)  # the unit's copy exists
    own = unit_catalogue_path()
    before = own.read_bytes()
    with pytest.raises(PlanningError) as exc:
        update_figures(edit, REF)
    assert exc.value.code == key
    assert own.read_bytes() == before
    assert get_asset("m30t").turn_time_s == 7.5


@pytest.mark.parametrize("edit, key", REFUSED[:4])
def test_a_refused_first_edit_creates_no_copy(data_dir, edit, key):
    with pytest.raises(PlanningError) as exc:
        update_figures(edit, REF)
    assert exc.value.code == key
    assert not unit_catalogue_path().exists() and catalogue_path() == PACKAGED


def test_a_change_needs_a_reference(data_dir):
    with pytest.raises(PlanningError) as exc:
        update_figures({("asset", "m30t", "endurance_s"): 2100.0}, "   ")
    assert exc.value.code == "assets_ui.err_no_ref"
    assert not unit_catalogue_path().exists()


def test_refusals_name_the_figure_in_the_readers_language(data_dir):
    with pytest.raises(PlanningError) as exc:
        update_figures({("asset", "m30t", "max_altitude_amsl_m"): 12000.0}, REF)
    assert "Maximum operating altitude" in exc.value.message("en") and "9000" in str(exc.value)
    assert "最大使用海拔" in exc.value.message("zh")
    with pytest.raises(PlanningError) as exc:
        update_figures({("asset", "m30t", "reserve_s"): 3000.0}, REF)
    assert "3000" in exc.value.message("zh") and "2460" in exc.value.message("zh")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(data_dir, monkeypatch):
    update_figures({("asset", "m30t", "turn_time_s"): 7.5}, REF)
    own = unit_catalogue_path()
    before = own.read_bytes()

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(assets_mod.os, "replace", disk_full)
    with pytest.raises(PlanningError) as exc:
        update_figures({("asset", "m30t", "turn_time_s"): 9.0}, REF)
    assert exc.value.code == "assets_ui.err_write" and "No space left" in str(exc.value)
    assert own.read_bytes() == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["assets.toml"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_any_endurance_is_saved_exactly_or_refused_without_a_trace(data_dir, value):
    own = unit_catalogue_path()
    own.unlink(missing_ok=True)
    reserve = 420.0  # the M30T's bundled reserve
    accepted = math.isfinite(value) and reserve < value <= FIGURE_LIMITS["endurance_s"].high
    try:
        changed = update_figures({("asset", "m30t", "endurance_s"): value}, REF)
    except PlanningError:
        assert not accepted
        assert not own.exists()
        return
    assert accepted
    fig = get_asset("m30t").figures["endurance_s"]
    if value == 2460.0:  # the bundled figure: nothing changed, still the maker's
        assert changed == () and fig.by == "maker"
    else:
        assert fig.value == value and fig.by == "unit" and fig.ref == REF


# --- restore --------------------------------------------------------------------------------

def test_restore_puts_back_the_makers_figure_and_its_reference(data_dir, bundled_unchanged):
    update_figures({("asset", "m30t", "max_altitude_amsl_m"): 4500.0,
                    ("asset", "m30t", "sweep_width_override_m"): 45.0}, REF)
    assert get_asset("m30t").figures["max_altitude_amsl_m"].by == "unit"
    restore_figure("asset", "m30t", "max_altitude_amsl_m")
    restored = get_asset("m30t").figures["max_altitude_amsl_m"]
    assert restored == bundled_figure("asset", "m30t", "max_altitude_amsl_m")
    assert restored.value == 5000.0 and restored.by == "maker"  # DJI M30 series specs: 5000 m
    # the bundled catalogue has no sweep-width override: restoring removes the unit's
    restore_figure("asset", "m30t", "sweep_width_override_m")
    assert get_asset("m30t").sweep_width_override_m is None
    assert load_catalogue()["m30t"] == load_catalogue(PACKAGED)["m30t"]


def test_restore_that_breaks_the_catalogue_is_refused(data_dir):
    update_figures({("asset", "m30t", "endurance_s"): 4000.0, ("asset", "m30t", "reserve_s"): 3000.0}, REF)
    before = unit_catalogue_path().read_bytes()
    with pytest.raises(PlanningError) as exc:  # bundled 2460 s is below the unit's 3000 s reserve
        restore_figure("asset", "m30t", "endurance_s")
    assert exc.value.code == "assets_ui.err_reserve"
    # in the minutes the Settings page types, with the catalogue's seconds: 3000 s = 50 min
    assert "(50 min, 3000 s)" in exc.value.message("en") and "41 min, 2460 s" in exc.value.message("en")
    assert unit_catalogue_path().read_bytes() == before


def test_validate_refuses_an_implausible_hand_edited_figure():
    text = PACKAGED.read_text(encoding="utf-8").replace(
        'max_altitude_amsl_m = { value = 7010, by = "maker"', 'max_altitude_amsl_m = { value = 23000, by = "maker"')
    import tomllib

    with pytest.raises(PlanningError) as exc:
        validate_catalogue(tomllib.loads(text))
    assert exc.value.params["entry"] == "h125" and exc.value.code == "assets_ui.err_range"
    assert set(validate_catalogue(tomllib.loads(PACKAGED.read_text(encoding="utf-8")))) == \
        set(load_catalogue(PACKAGED))


# --- the plan follows the unit's sweep width --------------------------------------------------

X0, Y0 = 600000.0, 4000000.0  # UTM 46N, on the basin floor near 36.1N 93.9E


def _flat_dem(tmp_path: Path) -> Path:
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=150, height=150, count=1, dtype="float32",
                       crs="EPSG:32646", transform=Affine(30.0, 0, X0, 0, -30.0, Y0)) as d:
        d.write(np.full((150, 150), 2900.0, dtype="float32"), 1)
    return path


def _square(tmp_path: Path, x0: float, y0: float, side: float) -> Path:
    to_ll = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True)
    ring = [to_ll.transform(x, y) for x, y in
            ((x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0))]
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[list(p) for p in ring]]}}), encoding="utf-8")
    return path


def test_the_plans_sweep_width_follows_the_units_override(data_dir, tmp_path, capsys):
    before = effective_sweep_width(get_asset("m30t"), 80.0)
    assert before.method == "camera"
    update_figures({("asset", "m30t", "sweep_width_override_m"): 37.0}, REF)
    sw = effective_sweep_width(get_asset("m30t"), 80.0)
    assert sw.width_m == 37.0 and sw.method == "unit"
    dem, area = _flat_dem(tmp_path), _square(tmp_path, X0 + 1000, Y0 - 3000, 1000.0)
    code = main(["plan", "--terrain", str(dem), "--area", str(area), "--asset", "m30t",
                 "--pattern", "parallel", "--agl", "80", "--out", str(tmp_path / "p.geojson")])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    # coverage 1 by default: spacing S = W / C = 37 m (IAMSAR Vol. II, C = W / S)
    assert summary["sweep_width_m"] == pytest.approx(37.0)
    assert summary["spacing_m"] == pytest.approx(37.0)


# --- the page -------------------------------------------------------------------------------

def _settings_page(role: str = "admin") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, role)
    at.run()
    at.switch_page("sar_planner/ui/pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _number(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label == label)


def _asset_table(at: AppTest):
    return next(d for d in at.dataframe if "Source" in d.value.columns).value


def test_admin_edits_a_figure_on_the_settings_page(data_dir, bundled_unchanged):
    at = _settings_page()
    at.selectbox(key="ae_pick").set_value("m30t").run()
    table = _asset_table(at)
    # the page shows endurance and reserve in minutes; the catalogue keeps seconds (2,460 s = 41 min)
    row = table[table["Figure"] == "Endurance (min)"].iloc[0]
    assert (row["Value"], row["Source"]) == ("41", "maker")
    _number(at, "Endurance (min)").set_value(35.0)  # 35 min = 2,100 s
    _number(at, "Sweep width from the unit's trials (m)").set_value(41.0)
    next(t for t in at.text_input if t.label.startswith("Reference")).input(REF)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved 2 figure(s)" in s.value for s in at.success)
    m30t = get_asset("m30t")
    assert m30t.endurance_s == 2100.0 and m30t.figures["endurance_s"].ref == REF
    assert m30t.sweep_width_override_m == 41.0
    table = _asset_table(at)
    row = table[table["Figure"] == "Endurance (min)"].iloc[0]
    assert (row["Value"], row["Source"], row["Reference"]) == ("35", "unit", REF)
    assert _number(at, "Endurance (min)").value == 35.0  # the form shows the saved figure
    (entry,) = audit_log(get_database(), entity="asset_catalogue")
    assert entry.actor == "test-admin" and entry.action == "edit"
    assert entry.details == {"changes": {"asset/m30t/endurance_s": 2100.0,
                                         "asset/m30t/sweep_width_override_m": 41.0}, "ref": REF}

    # restore the maker's endurance from the bundled catalogue
    restore = at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("ae_restore_pick")))
    restore.set_value(next(o for o in range(len(restore.options)) if "Endurance" in restore.options[o]))
    at.button(key="ae_restore").click().run()
    assert not at.exception and any("back to the bundled figure" in s.value for s in at.success)
    assert get_asset("m30t").figures["endurance_s"] == bundled_figure("asset", "m30t", "endurance_s")
    assert _number(at, "Endurance (min)").value == 41.0
    assert get_asset("m30t").sweep_width_override_m == 41.0
    assert [e.action for e in audit_log(get_database(), entity="asset_catalogue")] == ["restore", "edit"]


def test_a_refused_edit_on_the_page_shows_an_error_and_saves_nothing(data_dir):
    at = _settings_page()
    at.selectbox(key="ae_pick").set_value("m30t").run()
    _number(at, "Reserve kept at landing (min)").set_value(50.0)  # 3,000 s; endurance is 2,460 s
    next(t for t in at.text_input if t.label.startswith("Reference")).input(REF)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    assert any("must be shorter than the endurance" in e.value for e in at.error)
    assert not unit_catalogue_path().exists()
    assert _number(at, "Reserve kept at landing (min)").value == 50.0  # the typed figure is kept
    # a change without a reference is refused too
    _number(at, "Reserve kept at landing (min)").set_value(10.0)
    next(t for t in at.text_input if t.label.startswith("Reference")).input("")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert any("Say where the new figures come from" in e.value for e in at.error)
    assert not unit_catalogue_path().exists()


def test_the_page_reads_in_chinese(data_dir):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "zh"
    sign_in_apptest(at, "admin")
    at.run()
    at.switch_page("sar_planner/ui/pages/settings.py")
    at.run()
    assert not at.exception
    assert any(s.value == "装备目录" for s in at.subheader)
    assert any(n.label == "续航时间（分钟）" for n in at.number_input)


def test_crew_cannot_see_the_settings_page(data_dir):
    assert "page.settings" not in PERMISSIONS["crew"] and not can_see_page("crew", "settings")
    assert can_see_page("admin", "settings") and "settings.manage" in PERMISSIONS["admin"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("sar_planner/ui/pages/settings.py")
    assert os.environ["SAR_PLANNER_DATA_DIR"] == str(data_dir)


def test_minutes_on_the_page_are_seconds_in_the_catalogue(data_dir, bundled_unchanged):
    # M30T: endurance 2,460 s = 41 min, reserve 420 s = 7 min (bundled catalogue, maker's figures)
    at = _settings_page()
    at.selectbox(key="ae_pick").set_value("m30t").run()
    assert _number(at, "Endurance (min)").value == 41.0
    assert _number(at, "Reserve kept at landing (min)").value == 7.0
    assert not any(n.label.endswith("(s)") and ("Endurance" in n.label or "Reserve" in n.label)
                   for n in at.number_input)
    # 12.5 min typed is 750 s stored; the untouched endurance is not counted as a change
    _number(at, "Reserve kept at landing (min)").set_value(12.5)
    next(t for t in at.text_input if t.label.startswith("Reference")).input(REF)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved 1 figure(s)" in s.value for s in at.success), [s.value for s in at.success]
    m30t = get_asset("m30t")
    assert m30t.reserve_s == 750.0 and m30t.endurance_s == 2460.0
    table = _asset_table(at)
    assert table[table["Figure"] == "Reserve kept at landing (min)"].iloc[0]["Value"] == "12.5"
