"""The unit's asset catalogue is a layer over the bundled one: the unit's figures win field by
field, everything else (a later release's aircraft, a maker's corrected figure) comes from the
bundled catalogue; an old whole copy is read and rewritten as a layer without losing a unit
figure; the unit's copy can be discarded (kept as a dated backup, never deleted).

Figures are those of the bundled sar_planner/data/assets.toml (DJI M30 series specs: 41 min =
2,460 s; Mavic 3 Enterprise specs: 45 min = 2,700 s; the unit's initial 120 m height cap).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sar_planner.assets import catalogue as assets_catalogue
from sar_planner.assets import editing as assets_mod
from sar_planner.assets import (
    bundled_figure,
    discard_unit_catalogue,
    get_asset,
    load_catalogue,
    restore_figure,
    unit_catalogue_path,
    unit_copy_status,
    unit_layer_from_full,
    update_figures,
    validate_catalogue,
)
from sar_planner.errors import PlanningError

REPO = Path(__file__).resolve().parents[2]
PACKAGED = REPO / "sar_planner" / "data" / "assets.toml"
REF = "unit trial 2026-08, Zongjia"

UNIT_QUAD = '''
[asset.unit-quad]
name_en = "Unit-built quadrotor"
name_zh = "单位自组四旋翼"
kind = "multirotor"
sensors = ["m3t-thermal"]
search_speed_m_s = { value = 6.0, by = "unit", ref = "unit trial 2025-06" }
transit_speed_m_s = { value = 12.0, by = "unit", ref = "unit trial 2025-06" }
endurance_s = { value = 1800, by = "unit", ref = "unit trial 2025-06" }
endurance_ref_altitude_m = { value = 3000, by = "unit", ref = "measured at Golmud" }
reserve_s = { value = 300, by = "unit", ref = "unit rule" }
max_altitude_amsl_m = { value = 5000, by = "maker", ref = "frame maker's sheet" }
climb_rate_m_s = { value = 4.0, by = "maker", ref = "frame maker's sheet" }
descent_rate_m_s = { value = 3.0, by = "maker", ref = "frame maker's sheet" }
turn_time_s = { value = 5.0, by = "unit", ref = "unit trial 2025-06" }
'''


def _old_whole_copy() -> str:
    """A unit copy as earlier versions wrote it: a whole catalogue, copied from an earlier
    release (no VTOL yet; the Mavic 3T endurance then printed as 48 min) and edited by the unit
    (M30T endurance and M350 reserve from its trials, the M30T height cap removed, its own
    quadrotor, a Chinese name of its own for the H125)."""
    text = PACKAGED.read_text(encoding="utf-8")
    text = text[:text.index("[asset.vtol]")]  # the VTOL came with a later release
    subs = [
        ('endurance_s = { value = 2460, by = "maker", ref = "DJI M30 series specs: max flight time 41 min" }',
         'endurance_s = { value = 2000, by = "unit", ref = "unit trial 2025-09" }'),
        ('endurance_s = { value = 2700, by = "maker", '
         'ref = "DJI Mavic 3 Enterprise specs: max flight time 45 min (unverified)" }',
         'endurance_s = { value = 2880, by = "maker", ref = "DJI Mavic 3 Enterprise specs: 48 min" }'),
    ]
    for old, new in subs:
        assert old in text, old
        text = text.replace(old, new, 1)
    # the unit's M350 H20T reserve: 10 minutes (the bundled initial rule is 7)
    m350 = text.index("[asset.m350-h20t]")
    i = text.index("reserve_s = ", m350)
    j = text.index("\n", i)
    text = text[:i] + 'reserve_s = { value = 600, by = "unit", ref = "unit rule 2025" }' + text[j:]
    # the M30T height cap removed (police exemption)
    m30t = text.index("[asset.m30t]")
    i = text.index("max_agl_m = ", m30t)
    j = text.index("\n", i)
    text = text[:i] + text[j + 1:]
    h125 = text.index("[asset.h125]")
    i = text.index("name_zh = ", h125)
    j = text.index("\n", i)
    text = text[:i] + 'name_zh = "轻型直升机（本单位 H125）"' + text[j:]
    return text + UNIT_QUAD


def _write_old_copy(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    own = data_dir / "assets.toml"
    own.write_text(_old_whole_copy(), encoding="utf-8")
    return own


def test_an_old_whole_copy_is_read_as_a_layer_without_losing_a_unit_figure(data_dir):
    own = _write_old_copy(data_dir)
    cat = load_catalogue()
    # the unit's figures win, marked as the unit's and from its copy
    assert cat["m30t"].endurance_s == 2000.0
    assert cat["m30t"].figures["endurance_s"].layer == "unit"
    assert cat["m350-h20t"].reserve_s == 600.0
    assert cat["h125"].name_zh == "轻型直升机（本单位 H125）"
    assert cat["unit-quad"].endurance_s == 1800.0 and cat["unit-quad"].figures["max_altitude_amsl_m"].layer == "unit"
    # a maker's figure the copy held from the earlier release: the corrected bundled one applies
    assert cat["mavic3t"].endurance_s == 2700.0 and cat["mavic3t"].figures["endurance_s"].layer == "bundled"
    # the aircraft added in the later release is there
    assert cat["vtol"] == load_catalogue(PACKAGED)["vtol"]
    # a figure equal to the bundled one is "not set": it is the bundled figure
    assert cat["m30t"].figures["max_altitude_amsl_m"] == bundled_figure("asset", "m30t", "max_altitude_amsl_m")
    # every figure the unit marked as its own in the old copy is the one in use
    old = tomllib.loads(own.read_text(encoding="utf-8"))
    sensors = {s.id: s for a in cat.values() for s in a.sensors}
    for section, entries in (("asset", cat), ("sensor", sensors)):
        for eid, table in old[section].items():
            for name, fig in table.items():
                if isinstance(fig, dict) and fig.get("by") == "unit":
                    assert entries[eid].figures[name].value == float(fig["value"]), (eid, name)
    # what reading it as a layer did, for the Settings page
    status = unit_copy_status()
    assert status.exists and not status.layered
    rep = status.report
    assert (("asset", "mavic3t", "endurance_s"), 2880, 2700) in rep.maker_replaced
    assert ("asset", "unit-quad") in rep.own_entries and status.own_entries == (("asset", "unit-quad"),)
    assert ("asset", "m30t", "max_agl_m") in rep.bundled_only and ("asset", "vtol", "*") in rep.bundled_only
    assert set(rep.kept) == {("asset", "m30t", "endurance_s"), ("asset", "m350-h20t", "reserve_s"),
                             ("asset", "h125", "name_zh")}
    assert status.figures == 2  # endurance and reserve over bundled aircraft (a name is no figure)


def test_the_first_save_rewrites_an_old_copy_as_a_layer_and_keeps_the_old_file(data_dir):
    own = _write_old_copy(data_dir)
    before = own.read_bytes()
    update_figures({("asset", "m30t", "turn_time_s"): 7.5}, REF)
    (kept,) = (data_dir / "backups").glob("assets-whole-*.toml")
    assert kept.read_bytes() == before
    assert re.fullmatch(r"assets-whole-\d{8}T\d{6}Z\.toml", kept.name)
    layer = tomllib.loads(own.read_text(encoding="utf-8"))
    assert layer["unit_catalogue"] == {"layout": "overlay"}
    assert set(layer["asset"]) == {"m30t", "m350-h20t", "h125", "unit-quad"}
    assert set(layer["asset"]["m30t"]) == {"endurance_s", "turn_time_s"}
    assert "sensor" not in layer  # no sensor figure differed
    cat = load_catalogue()
    assert (cat["m30t"].endurance_s, cat["m30t"].turn_time_s) == (2000.0, 7.5)
    assert cat["unit-quad"].endurance_s == 1800.0 and cat["mavic3t"].endurance_s == 2700.0
    assert unit_copy_status().layered and unit_copy_status().figures == 3
    # a second save does not back up the layer again
    update_figures({("asset", "m30t", "turn_time_s"): 8.0}, REF)
    assert len(list((data_dir / "backups").glob("*.toml"))) == 1


def test_a_later_release_reaches_the_unit_and_the_units_figure_still_wins(data_dir, tmp_path, monkeypatch):
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)
    # the next release: the maker corrected the M30T ceiling and a new aircraft was added
    text = PACKAGED.read_text(encoding="utf-8")
    old = 'max_altitude_amsl_m = { value = 5000, by = "maker", ref = "DJI M30 series specs'
    assert old in text
    text = text.replace(old, 'max_altitude_amsl_m = { value = 7000, by = "maker", ref = "DJI M30 series specs')
    text += UNIT_QUAD.replace("unit-quad", "m4t").replace("Unit-built quadrotor", "DJI Matrice 4T")
    release = tmp_path / "assets.toml"
    release.write_text(text, encoding="utf-8")
    monkeypatch.setattr(assets_catalogue, "_PACKAGED", release)
    m30t = get_asset("m30t")
    assert m30t.endurance_s == 2100.0 and m30t.figures["endurance_s"].by == "unit"
    assert m30t.max_altitude_amsl_m == 7000.0 and m30t.figures["max_altitude_amsl_m"].layer == "bundled"
    assert get_asset("m4t").endurance_s == 1800.0


def test_clearing_a_bundled_optional_figure_is_kept_in_the_layer_and_restorable(data_dir):
    assert get_asset("m30t").max_agl_m == 120.0
    update_figures({("asset", "m30t", "max_agl_m"): None}, "police exemption 2026")
    assert get_asset("m30t").max_agl_m is None
    layer = tomllib.loads(unit_catalogue_path().read_text(encoding="utf-8"))
    assert layer["asset"]["m30t"]["max_agl_m"] == {"unset": True, "by": "unit", "ref": "police exemption 2026"}
    restore_figure("asset", "m30t", "max_agl_m")
    assert get_asset("m30t").max_agl_m == 120.0
    assert "asset" not in tomllib.loads(unit_catalogue_path().read_text(encoding="utf-8"))
    assert load_catalogue()["m30t"] == load_catalogue(PACKAGED)["m30t"]


def test_the_units_own_aircraft_can_be_edited_but_has_no_bundled_figure(data_dir):
    own = data_dir / "assets.toml"
    data_dir.mkdir(parents=True, exist_ok=True)
    own.write_text('[unit_catalogue]\nlayout = "overlay"\n' + UNIT_QUAD, encoding="utf-8")
    update_figures({("asset", "unit-quad", "endurance_s"): 1700.0}, REF)
    assert get_asset("unit-quad").endurance_s == 1700.0
    with pytest.raises(PlanningError) as exc:
        restore_figure("asset", "unit-quad", "endurance_s")
    assert exc.value.code == "assets_ui.err_not_bundled"


def test_discard_sets_the_units_copy_aside_and_never_deletes_it(data_dir):
    with pytest.raises(PlanningError) as exc:
        discard_unit_catalogue()
    assert exc.value.code == "assets_ui.err_no_unit_copy" and "bundled" in str(exc.value)
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)
    before = unit_catalogue_path().read_bytes()
    first = discard_unit_catalogue()
    assert first.parent == data_dir / "backups" and first.read_bytes() == before
    assert not unit_catalogue_path().exists()
    assert load_catalogue() == load_catalogue(PACKAGED)
    # a second copy discarded in the same second gets its own name
    update_figures({("asset", "m30t", "endurance_s"): 2200.0}, REF)
    second = discard_unit_catalogue()
    assert second != first and first.read_bytes() == before
    assert "2200.0" in second.read_text(encoding="utf-8")


def test_a_failed_discard_leaves_the_units_copy_in_use(data_dir, monkeypatch):
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)

    def refuse(path):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(assets_mod.os, "unlink", refuse)
    with pytest.raises(PlanningError) as exc:
        discard_unit_catalogue()
    assert exc.value.code == "assets_ui.err_discard" and "Permission denied" in exc.value.message("zh")
    assert get_asset("m30t").endurance_s == 2100.0


@pytest.mark.parametrize("text, key", [
    ('[unit_catalogue]\nlayout = "stacked"\n', "assets_ui.err_layout"),
    ('[unit_catalogue]\nlayout = "overlay"\n[asset]\nm30t = 5\n', "assets_ui.err_layer_entry"),
    ('[unit_catalogue]\nlayout = "overlay"\n[asset.m30t]\nendurance_s = { unset = true, by = "unit", ref = "x" }\n',
     "planning.err_catalogue_field"),
    ('[unit_catalogue]\nlayout = "overlay"\n[asset.m30t]\nreserve_s = { value = 9000, by = "unit", ref = "x" }\n',
     "planning.err_catalogue_field"),
])
def test_a_hand_broken_layer_is_refused_with_a_clear_message(data_dir, text, key):
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "assets.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PlanningError) as exc:
        load_catalogue()
    assert exc.value.code == key
    assert exc.value.message("zh") != key and exc.value.message("en") != key


def test_validate_checks_a_layer_over_the_bundled_catalogue():
    layer = {"unit_catalogue": {"layout": "overlay"},
             "asset": {"m30t": {"max_altitude_amsl_m": {"value": 12000, "by": "unit", "ref": "x"}}}}
    with pytest.raises(PlanningError) as exc:
        validate_catalogue(layer)
    assert exc.value.code == "assets_ui.err_range"
    layer["asset"]["m30t"]["max_altitude_amsl_m"]["value"] = 4500
    assert validate_catalogue(layer)["m30t"].max_altitude_amsl_m == 4500.0


def test_a_copy_equal_to_the_bundled_catalogue_is_an_empty_layer():
    bundled = tomllib.loads(PACKAGED.read_text(encoding="utf-8"))
    layer, report = unit_layer_from_full(bundled, bundled)
    assert layer == {"unit_catalogue": {"layout": "overlay"}}
    assert not report.kept and not report.maker_replaced and not report.own_entries
