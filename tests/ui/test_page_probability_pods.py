"""POD maps kept with a logbook mission on the Probability page (AppTest, the whole app so pages can
be left and reopened):

* an upload under "Sorties flown" is stored with the mission at once (named in a success message),
  listed, applied, and not stored again on the next rerun; a visit to another page and back keeps
  it applied;
* a map stored by another crew (through the core API the page reads) is applied and listed when
  the page opens; Remove, once confirmed, takes it out of the map and keeps it in the record;
* a stored map on another grid is named in a warning with the grid it needs and is not applied;
* a mission only in the session says its POD maps are not saved.

Figures: POS = sum POA x POD and ROW' = ROW / (1 - POS) (Bayes update, search-theory.md; the rest
of the world is never searched). Terrain: the bundled real 15" GEBCO grid of the eastern Pamir
(terrain/PROVENANCE.md), IPP near Karakul lake (38.30 N, 75.05 E); the page's grid for a 3 km
half-width and 100 m cells is ``grid_around(38.30, 75.05, 3000, 100)`` (61 x 61 cells).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.auth import sign_in
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.db import get_database
from sar_planner.logbook.mission_inputs import mission_id_for, save_mission_inputs
from sar_planner.logbook.pod_maps import add_pod_map, list_pod_maps
from sar_planner.logbook.records import open_mission
from sar_planner.probability import map_on_terrain
from sar_planner.terrain import grid_around
from sar_planner.ui.mission_state import session_from_stored
from tests.rasters import grid_geotiff_bytes as _pod_tif
from tests.signin import TEST_PASSWORD, ensure_account, sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PAGES = "sar_planner/ui/pages/"
PAMIR = "pamir-15arcsec"
LAT, LON = 38.30, 75.05
GRID = grid_around(LAT, LON, 3000.0, 100.0)  # the page's grid for 3 km, 100 m


def _north_half(grid, value):
    pod = np.zeros(grid.shape)
    pod[: grid.shape[0] // 2] = value  # the northern half searched
    return pod


def _logbook_mission(incident):
    db = get_database()
    commander = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    open_mission(db, commander, incident, dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))
    mid = mission_id_for(db, incident)
    stored = save_mission_inputs(db, commander, mid, {
        "ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "subject": "hiker",
        "terrain_class": "dry-mountainous", "terrain_id": PAMIR,
        "seen_at": dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)})
    return db, commander, mid, session_from_stored(stored, incident, mid)


def _app(mission, lang="en") -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = mission
    at.session_state["terrain_entry"] = PAMIR
    at.run()
    assert not at.exception, at.exception
    return at


def _build(at):
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception, at.exception
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    next(b for b in at.button if b.label == "Build the map").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def _row(at) -> float:
    return float(at.metric[1].value)  # the main map's ROW (rest of world)


def _pods_table(at):
    return next(d.value for d in at.dataframe if "Added by" in d.value.columns)


def _uploader(at):
    return next(u for u in at.get("file_uploader") if "poa_pods_db" in u.proto.id)


def _expected_row(pod) -> tuple[float, float]:
    """(ROW before, ROW after the unsuccessful search ``pod``) from the core, by Bayes."""
    mm = map_on_terrain([str(REPO / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif")], LAT, LON,
                        3000.0, 100.0, subject="hiker", terrain_class="dry-mountainous")
    pos = float((mm.poa.poa * pod).sum())
    return mm.poa.row, mm.poa.row / (1.0 - pos)


def test_an_upload_is_stored_with_the_mission_and_stays_applied_after_a_visit():
    db, _, mid, mission = _logbook_mission("QH-KK-2026-061")
    at = _build(_app(mission))
    pod = _north_half(GRID, 0.5)
    row_before, row_after = _expected_row(pod)
    assert _row(at) == pytest.approx(row_before, abs=6e-4)
    assert any("No POD maps are stored with mission QH-KK-2026-061" in c.value for c in at.caption)
    _uploader(at).set_value([("sortie_2.tif", _pod_tif(GRID, pod), "image/tiff")])
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Stored with mission QH-KK-2026-061 and applied: sortie_2.tif" in s.value
               for s in at.success)
    assert [r.file_name for r in list_pod_maps(db, mid)] == ["sortie_2.tif"]
    assert _row(at) == pytest.approx(row_after, abs=6e-4)  # ROW / (1 - POS)
    table = _pods_table(at)
    assert list(table["File"]) == ["sortie_2.tif"] and list(table["Added by"]) == ["Test crew"]
    # mean POD over the grid: 30 of 61 rows at 0.5 = 0.2459 (by hand)
    assert float(table["Mean POD over its grid"].iloc[0]) == pytest.approx(0.5 * 30 / 61, abs=1e-4)
    assert list(table["On this map"]) == ["applied"]
    assert not _uploader(at).value  # a fresh uploader: the next rerun stores nothing again
    at.run()
    assert not at.error and len(list_pod_maps(db, mid, include_removed=True)) == 1
    # a visit to another page and back: still applied, still listed, no "dropped" warning
    at.switch_page(PAGES + "mission.py").run()
    at.switch_page(PAGES + "probability.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _row(at) == pytest.approx(row_after, abs=6e-4)
    assert list(_pods_table(at)["File"]) == ["sortie_2.tif"]
    assert not [w.value for w in at.warning if "no longer applied" in w.value]
    # the same file again (under another name) is refused, naming the earlier file
    _uploader(at).set_value([("copy.tif", _pod_tif(GRID, pod), "image/tiff")])
    at.run()
    assert any("same content as sortie_2.tif" in e.value for e in at.error)
    assert len(list_pod_maps(db, mid, include_removed=True)) == 1
    assert _row(at) == pytest.approx(row_after, abs=6e-4)


def test_a_map_stored_by_another_crew_is_applied_and_remove_takes_it_out():
    db, commander, mid, mission = _logbook_mission("QH-KK-2026-062")
    pod = _north_half(GRID, 0.6)
    add_pod_map(db, commander, mid, "ground_team.tif", _pod_tif(GRID, pod), GRID)
    row_before, row_after = _expected_row(pod)
    at = _build(_app(mission))
    assert _row(at) == pytest.approx(row_after, abs=6e-4)
    table = _pods_table(at)
    assert list(table["File"]) == ["ground_team.tif"] and list(table["Added by"]) == ["Test commander"]
    rec = list_pod_maps(db, mid)[0]
    assert any(b.proto.id.endswith(f"poa_pod_dl_{rec.id}") for b in at.get("download_button"))
    at.button(key=f"poa_pod_rm_{rec.id}").click().run()
    assert any("Remove POD map ground_team.tif from mission QH-KK-2026-062?" in w.value
               for w in at.warning)
    assert _row(at) == pytest.approx(row_after, abs=6e-4)  # not removed before it is confirmed
    at.button(key="poa_pod_rm_no").click().run()  # Cancel: nothing changes
    assert list_pod_maps(db, mid) and not any("Remove POD map" in w.value for w in at.warning)
    at.button(key=f"poa_pod_rm_{rec.id}").click().run()
    at.text_input(key="poa_pod_rm_reason").set_value("team searched the wrong valley")
    at.button(key="poa_pod_rm_yes").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("POD map ground_team.tif removed" in s.value for s in at.success)
    assert _row(at) == pytest.approx(row_before, abs=6e-4)  # out of the map
    assert list_pod_maps(db, mid) == []
    (kept,) = list_pod_maps(db, mid, include_removed=True)
    assert kept.removed_by == "test-crew"  # the row stays, with who removed it and why
    assert kept.removed_reason == "team searched the wrong valley"
    assert [a.details["file_name"] for a in audit_log(db, entity="mission", entity_id=mid)
            if a.action == "remove_pod_map"] == ["ground_team.tif"]


def test_a_stored_map_on_another_grid_is_named_and_not_applied():
    db, commander, mid, mission = _logbook_mission("QH-KK-2026-063")
    wide = grid_around(LAT, LON, 5000.0, 100.0)  # made on a 5 km map: 101 x 101 cells
    add_pod_map(db, commander, mid, "wide.tif", _pod_tif(wide, _north_half(wide, 0.5)), wide)
    row_before, _ = _expected_row(np.zeros(GRID.shape))
    at = _build(_app(mission))
    assert not at.error, [e.value for e in at.error]
    (warning,) = [w.value for w in at.warning if "wide.tif" in w.value]
    assert "NOT applied" in warning and "101 × 101 cells of 100 m" in warning
    assert "half-width about 5 km" in warning and "half-width about 3 km" in warning
    assert _row(at) == pytest.approx(row_before, abs=6e-4)  # left out, not resampled
    assert list(_pods_table(at)["On this map"]) == ["other grid: NOT applied"]
    # built on that grid, the same map applies it and the warning goes
    at.number_input(key="poa_radius").set_value(5.0)
    next(b for b in at.button if b.label == "Build the map").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not [w.value for w in at.warning if "wide.tif" in w.value]
    assert list(_pods_table(at)["On this map"]) == ["applied"]


def test_a_mission_only_in_the_session_says_its_pod_maps_are_not_saved():
    mission = {"ipp_text": f"{LAT}, {LON}", "datum": "WGS84", "lat": LAT, "lon": LON,
               "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
               "terrain_class": "dry-mountainous", "quartiles_km": None,
               "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
               "notes": "", "incident_number": "QH-KK-2026-064"}
    at = _build(_app(mission))
    assert any("POD maps uploaded here are NOT saved" in c.value for c in at.caption)
    assert any("poa_pods" == u.proto.id.rsplit("-", 1)[-1] or u.proto.id.endswith("poa_pods")
               for u in at.get("file_uploader"))
    assert not any("poa_pods_db" in u.proto.id for u in at.get("file_uploader"))


def test_the_stored_maps_read_in_chinese():
    db, commander, mid, mission = _logbook_mission("QH-KK-2026-065")
    wide = grid_around(LAT, LON, 5000.0, 100.0)
    add_pod_map(db, commander, mid, "wide.tif", _pod_tif(wide, _north_half(wide, 0.5)), wide)
    add_pod_map(db, commander, mid, "here.tif", _pod_tif(GRID, _north_half(GRID, 0.5)), GRID)
    at = _app(mission, lang="zh")
    at.switch_page(PAGES + "probability.py").run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (warning,) = [w.value for w in at.warning if "wide.tif" in w.value]
    assert "未应用" in warning and "101 × 101 个 100 米的单元" in warning
    table = next(d.value for d in at.dataframe if "添加人" in d.value.columns)
    assert sorted(table["本地图"]) == ["已应用", "网格不同：未应用"]
