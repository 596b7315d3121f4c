"""One autopilot setting per aircraft drives both MAVLink files (issue 13, item 5).

Before, the same sortie went out as a PX4 ``.plan`` and an ArduPilot ``.waypoints``: speed changes
placed by different rules (PX4 runs a DO_CHANGE_SPEED after NAV k from k on; ArduPilot's
AP_Mission starts the DO_ items after NAV k when NAV k starts), so the two files flew the sortie
differently. Now the catalogue's ``autopilot`` (or ``sar-planner plan --autopilot``) decides both.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from pymavlink import mavwp

from sar_planner.assets import AUTOPILOTS, get_asset, load_catalogue
from sar_planner.cli import main
from sar_planner.errors import PlanningError
from sar_planner.formats import write_plan
from sar_planner.formats._common import airborne
from sar_planner.planner import writer_options
from tests.formats_plans import make_plan
from tests.planning.test_planning_cli import X0, Y0, _dem, _lonlat
from tests.formats.test_formats_writers import _leg_speeds

RULE = {12: "px4", 3: "ardupilot"}


def _unit_layer(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "unit.toml"
    path.write_text(f'[unit_catalogue]\nlayout = "overlay"\n\n[asset.vtol]\nautopilot = "{value}"\n',
                    encoding="utf-8")
    return path


def test_every_aircraft_has_one_autopilot_and_the_unit_can_set_it(tmp_path):
    bundled = load_catalogue()
    assert all(a.autopilot in AUTOPILOTS for a in bundled.values())
    assert bundled["vtol"].autopilot == "px4"
    assert load_catalogue(_unit_layer(tmp_path, "ardupilot"))["vtol"].autopilot == "ardupilot"
    with pytest.raises(PlanningError) as err:
        load_catalogue(_unit_layer(tmp_path, "inav"))
    assert err.value.code == "planning.err_catalogue_autopilot"
    assert '"ardupilot"' in err.value.message("en") and "飞控" in err.value.message("zh")


@pytest.mark.parametrize("autopilot,code", [("px4", 12), ("ardupilot", 3)])
def test_the_same_sortie_flies_the_same_from_both_files(tmp_path, autopilot, code):
    plan = make_plan()
    asset = dataclasses.replace(get_asset(plan.asset_id), autopilot=autopilot)
    doc = json.loads(write_plan(plan, ".plan", asset=asset))
    assert doc["mission"]["firmwareType"] == code
    path = tmp_path / "s.waypoints"
    path.write_bytes(write_plan(plan, ".waypoints", asset=asset))
    loader = mavwp.MAVWPLoader()
    wpl = [loader.wp(i) for i in range(loader.load(str(path)))][1:]     # row 0 = home
    plan_items = [(i["command"], i["params"][1]) for i in doc["mission"]["items"]]
    wpl_items = [(m.command, m.param2) for m in wpl]
    assert plan_items == wpl_items                     # item for item the same mission
    want = [w.speed_m_s for w in airborne(plan.sorties[0])]
    assert _leg_speeds(plan_items, RULE[code]) == want
    yaw_plan = [i["params"][3] for i in doc["mission"]["items"] if i["command"] == 16]
    yaw_wpl = [m.param4 for m in wpl if m.command == 16]
    if autopilot == "px4":
        assert all(y is None for y in yaw_plan) and all(math.isnan(y) for y in yaw_wpl)
    else:
        assert all(y == 0 for y in yaw_plan) and all(y == 0 for y in yaw_wpl)


def test_writer_options_follow_the_catalogue_unless_told():
    assert writer_options("vtol", ".plan") == {"firmware_type": 12}
    assert writer_options("vtol", ".waypoints") == {"firmware_type": 12}
    assert writer_options("vtol", ".waypoints", "ardupilot") == {"firmware_type": 3}
    assert writer_options("vtol", ".gpx") == {}


def test_cli_autopilot_drives_both_files(tmp_path, capsys):
    dem = _dem(tmp_path)
    lon, lat = _lonlat(X0 + 3000, Y0 - 3000)
    files = {}
    for ext in (".plan", ".waypoints"):
        out = tmp_path / f"sq{ext}"
        code = main(["plan", "--terrain", str(dem), "--datum", f"{lat:.6f},{lon:.6f}", "--asset",
                     "mavic3t", "--pattern", "expanding-square", "--radius", "300",
                     "--autopilot", "ardupilot", "--out", str(out)])
        got = capsys.readouterr()
        assert code == 0, got.err
        files[ext] = json.loads(got.out)["files"][0]     # sortie 1
    assert json.loads(Path(files[".plan"]).read_text())["mission"]["firmwareType"] == 3
    text = Path(files[".waypoints"]).read_text()
    assert "NaN" not in text and "nan" not in text     # ArduPilot: unset yaw written as 0
    with pytest.raises(SystemExit) as ex:
        main(["plan", "--terrain", str(dem), "--datum", f"{lat:.6f},{lon:.6f}", "--asset",
              "mavic3t", "--pattern", "expanding-square", "--autopilot", "inav", "--out",
              str(tmp_path / "x.plan")])
    assert ex.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_the_plan_page_says_which_autopilot_the_mavlink_files_are_for():
    from streamlit.testing.v1 import AppTest

    from tests.signin import sign_in_apptest
    from tests.ui.test_page_plan import PLAN

    at = AppTest.from_file(PLAN, default_timeout=180)
    at.session_state["lang"] = "zh"
    sign_in_apptest(at, "crew")
    at.run()
    at.selectbox(key="plan_terrain").set_value("pamir-15arcsec")
    at.selectbox(key="plan_asset").set_value("h125")
    at.selectbox(key="plan_pattern").set_value("sector")
    at.text_input(key="plan_datum").set_value("39.0, 75.6")
    at.number_input(key="plan_agl").set_value(150.0)
    at.number_input(key="plan_radius").set_value(2000.0)
    at.form_submit_button[0].click().run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("按 PX4 飞控写出" in c for c in captions), captions
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(".waypoints" in label for label in labels)
