"""The Settings page's asset editor over the layered catalogue: each figure says which file it
comes from, an old whole copy is explained, and an administrator can discard the unit's copy
(confirm step, audit entry, the file kept as a dated backup)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sar_planner.assets import get_asset, load_catalogue, unit_catalogue_path, update_figures
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import get_database
from tests.signin import sign_in_apptest
from tests.planning.test_assets_layer import PACKAGED, _write_old_copy

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
REF = "unit trial 2026-08, Zongjia"


def _settings_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "admin")
    at.run()
    at.switch_page("sar_planner/ui/pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _asset_table(at: AppTest):
    return next(d for d in at.dataframe if "Source" in d.value.columns).value


def _row(at: AppTest, figure: str):
    table = _asset_table(at)
    return table[table["Figure"] == figure].iloc[0]


def test_each_figure_says_whether_it_is_the_bundled_or_the_units(data_dir):
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)
    at = _settings_page()
    at.selectbox(key="ae_pick").set_value("m30t").run()
    end = _row(at, "Endurance (min)")  # shown in minutes: 2,100 s = 35 min
    assert (end["Value"], end["Source"], end["From"]) == ("35", "unit", "unit's copy")
    ceiling = _row(at, "Maximum operating altitude (m above sea level)")
    assert (ceiling["Source"], ceiling["From"]) == ("maker", "bundled catalogue")
    assert any("with the unit's copy" in c.value and "1 figure(s)" in c.value for c in at.caption)


def test_an_old_whole_copy_is_explained_on_the_page(data_dir):
    _write_old_copy(data_dir)
    at = _settings_page()
    assert not at.error, [e.value for e in at.error]
    (warning,) = [w.value for w in at.warning if "earlier version" in w.value]
    # kept: M30T endurance, M350 reserve, the H125's Chinese name; own: the unit's quadrotor
    assert "3 value(s) of the unit's own are kept" in warning and "Unit-built quadrotor" in warning
    assert any("mavic3t" in c.value and "2880" in c.value and "2700" in c.value for c in at.caption)


def test_admin_discards_the_units_copy_after_confirming(data_dir):
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)
    before = unit_catalogue_path().read_bytes()
    at = _settings_page()
    at.button(key="ae_discard").click().run()
    assert any("stops being used by plans at once" in w.value for w in at.warning)
    at.button(key="ae_discard_no").click().run()  # cancel: nothing happens
    assert unit_catalogue_path().read_bytes() == before
    assert not audit_log(get_database(), entity="asset_catalogue")
    at.button(key="ae_discard").click().run()
    at.button(key="ae_discard_yes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("set aside" in s.value for s in at.success)
    assert not unit_catalogue_path().exists()
    (kept,) = (data_dir / "backups").glob("assets-discarded-*.toml")
    assert kept.read_bytes() == before
    assert get_asset("m30t").endurance_s == 2460.0  # DJI M30 series specs: 41 min
    (entry,) = audit_log(get_database(), entity="asset_catalogue")
    assert entry.action == "discard" and entry.actor == "test-admin"
    assert entry.details == {"file": str(unit_catalogue_path()), "kept_as": str(kept)}
    assert not any(b.key == "ae_discard" for b in at.button)  # nothing left to discard


def test_a_unit_copy_that_no_longer_reads_can_still_be_discarded(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    unit_catalogue_path().write_text('[unit_catalogue]\nlayout = "stacked"\n', encoding="utf-8")
    at = _settings_page()
    assert any("does not know" in e.value for e in at.error)
    at.button(key="ae_discard").click().run()
    at.button(key="ae_discard_yes").click().run()
    assert not at.exception
    assert not unit_catalogue_path().exists()
    assert load_catalogue() == load_catalogue(PACKAGED)


def test_discard_reads_in_chinese(data_dir):
    update_figures({("asset", "m30t", "endurance_s"): 2100.0}, REF)
    at = _settings_page("zh")
    assert any(b.label == "弃用本单位副本…" for b in at.button)
    at.button(key="ae_discard").click().run()
    assert any(b.label == "确定弃用本单位副本" for b in at.button)
