"""POD maps kept with a mission in the logbook (sar_planner.logbook.pod_maps), on SQLite and
PostgreSQL: round trip byte for byte, every refusal with its catalogue key and nothing stored,
soft removal that keeps the row and is audited, the database refusing deletes and rewrites,
concurrent adds from two crews, and the Bayes update with a stored map (search-theory.md).

Grids: tiny real GeoTIFFs written with rasterio in UTM zone 47N (EPSG:32647), around the unit
fixture's mission IPP near Nuomuhong (36.43 N, 96.42 E).
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS
from rasterio.io import MemoryFile
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from sar_planner.auth import Actor
from sar_planner.errors import AuthError, LogbookError, ProbabilityError
from sar_planner.grid import Grid
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.mission_inputs import mission_id_for
from sar_planner.logbook.models import MissionPodMap
from sar_planner.logbook.pod_maps import (MAX_POD_MAP_BYTES, add_pod_map, grid_facts,
                                          list_pod_maps, pod_map_bytes, pods_on_grid,
                                          read_pod_map, remove_pod_map)
from sar_planner.logbook.records import close_mission
from sar_planner.probability.logged import replay_logged
from sar_planner.probability.maps import ProbabilityMap
from sar_planner.terrain import grid_around
from tests.logbook._helpers import local

INCIDENT = "QH-GEM-2025-031"  # the unit fixture's open mission
GRID = grid_around(36.43, 96.42, 500.0, 100.0)  # UTM 46N, 100 m cells


def _tif(grid: Grid, values, *, count: int = 1, nodata=None, crs=None, driver="GTiff") -> bytes:
    data = np.asarray(values, dtype=np.float64)
    with MemoryFile() as mem:
        with mem.open(driver=driver, width=grid.shape[1], height=grid.shape[0], count=count,
                      dtype="float64", crs=crs or grid.crs, transform=grid.transform,
                      nodata=nodata) as dst:
            for band in range(1, count + 1):
                dst.write(data, band)
        return mem.read()


def _pod(value: float = 0.5, grid: Grid = GRID) -> np.ndarray:
    pod = np.zeros(grid.shape)
    pod[: grid.shape[0] // 2] = value  # the northern half searched
    return pod


def _count(db) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(MissionPodMap)))


def test_add_list_read_remove_round_trip_keeps_the_file_and_the_history(db, unit):
    mid = mission_id_for(db, INCIDENT)
    one, two = _tif(GRID, _pod(0.5)), _tif(GRID, _pod(0.8))
    # added out of name order: listed (and applied) in the order they were stored (issue 10)
    b = add_pod_map(db, unit.crew, mid, "sortie_b.tif", two, GRID)
    a = add_pod_map(db, unit.commander, mid, "C:\\field\\sortie_a.tif", one, GRID)
    assert a.file_name == "sortie_a.tif"  # the folder part of the browser's name is dropped
    assert [r.file_name for r in list_pod_maps(db, mid)] == ["sortie_b.tif", "sortie_a.tif"]
    assert pod_map_bytes(db, a.id) == one and pod_map_bytes(db, b.id) == two
    assert a.sha256 == hashlib.sha256(one).hexdigest() and a.size_bytes == len(one)
    assert a.added_by == "wang" and a.added_by_name == "王志强"  # the unit's commander
    assert b.added_by == "ma" and a.applied and b.added_at.tzinfo is not None
    assert a.grid.shape == GRID.shape and a.grid.crs.to_epsg() == 32647
    assert tuple(a.grid.transform)[:6] == pytest.approx(tuple(GRID.transform)[:6])

    gone = remove_pod_map(db, unit.crew, a.id, reason="wrong sortie")
    assert not gone.applied and gone.removed_by == "ma" and gone.removed_reason == "wrong sortie"
    assert [r.file_name for r in list_pod_maps(db, mid)] == ["sortie_b.tif"]
    everything = list_pod_maps(db, mid, include_removed=True)
    assert [(r.file_name, r.applied) for r in everything] == [("sortie_b.tif", True),
                                                              ("sortie_a.tif", False)]
    assert pod_map_bytes(db, a.id) == one  # a removed map is not erased
    assert _count(db) == 2
    audit = audit_log(db, entity="mission", entity_id=mid)
    adds = [e for e in audit if e.action == "add_pod_map"]
    removes = [e for e in audit if e.action == "remove_pod_map"]
    assert sorted(e.details["file_name"] for e in adds) == ["sortie_a.tif", "sortie_b.tif"]
    assert [(e.actor, e.details["file_name"], e.details["reason"]) for e in removes] == [
        ("ma", "sortie_a.tif", "wrong sortie")]
    assert {e.details["sha256"] for e in adds} == {a.sha256, b.sha256}
    with pytest.raises(LogbookError) as err:  # removing twice says who removed it
        remove_pod_map(db, unit.commander, a.id)
    assert err.value.code == "logbook.err_pod_map_removed" and err.value.params["by"] == "ma"
    # once removed, the same name and the same content may be added again (a new row)
    again = add_pod_map(db, unit.crew, mid, "sortie_a.tif", one, GRID)
    assert again.id != a.id and _count(db) == 3


def _refused(db, unit, code, name, data, grid=GRID):
    mid = mission_id_for(db, INCIDENT)
    before = _count(db)
    with pytest.raises(LogbookError) as err:
        add_pod_map(db, unit.crew, mid, name, data, grid)
    assert err.value.code == code, err.value
    assert _count(db) == before  # nothing stored
    assert err.value.message("zh") and err.value.message("en")  # both catalogues have the text
    return err.value


def test_every_bad_file_is_refused_with_its_reason_and_nothing_is_stored(db, unit):
    refused = _refused(db, unit, "logbook.err_pod_map_not_geotiff", "notes.tif", b"not a tiff")
    assert "notes.tif" in refused.message("en")
    _refused(db, unit, "logbook.err_pod_map_not_geotiff", "empty.tif", b"")
    _refused(db, unit, "logbook.err_pod_map_bands", "rgb.tif", _tif(GRID, _pod(), count=3))
    # NaN cells: refused and counted (3 set by hand)
    pod = _pod(0.5)
    pod[0, :3] = np.nan
    refused = _refused(db, unit, "logbook.err_pod_map_missing", "holes.tif", _tif(GRID, pod))
    assert refused.params["n"] == 3 and refused.params["total"] == GRID.shape[0] * GRID.shape[1]
    # the file's nodata value counts as missing too
    pod = _pod(0.5)
    pod[-1, -1] = -9999.0
    refused = _refused(db, unit, "logbook.err_pod_map_missing", "nodata.tif",
                       _tif(GRID, pod, nodata=-9999.0))
    assert refused.params["n"] == 1
    # a percentage instead of a fraction: 60 is outside [0, 1]
    refused = _refused(db, unit, "logbook.err_pod_map_range", "percent.tif",
                       _tif(GRID, _pod(60.0)))
    assert refused.params["high"] == "60" and refused.params["low"] == "0"
    assert refused.params["n"] == (GRID.shape[0] // 2) * GRID.shape[1]
    _refused(db, unit, "logbook.err_pod_map_range", "negative.tif", _tif(GRID, _pod(-0.1)))
    # another grid: 200 m cells over the same place, named in both grids' words
    other = grid_around(36.43, 96.42, 500.0, 200.0)
    refused = _refused(db, unit, "logbook.err_pod_map_other_grid", "coarse.tif",
                       _tif(other, _pod(0.5, other)))
    assert refused.params["file_cell"] == "200" and refused.params["map_cell"] == "100"
    assert refused.params["file_crs"] == "EPSG:32647"
    # a projected CRS in US survey feet (EPSG:2227, California zone 3) is not metric
    feet = Grid(CRS.from_epsg(2227), Affine(100.0, 0, 6_000_000.0, 0, -100.0, 2_100_000.0), (4, 4))
    _refused(db, unit, "logbook.err_pod_map_crs", "feet.tif", _tif(feet, np.zeros((4, 4))), feet)
    # geographic degrees: the probability reader's own refusal
    mid = mission_id_for(db, INCIDENT)
    geo = Grid(CRS.from_epsg(32647), GRID.transform, GRID.shape)
    with pytest.raises(ProbabilityError) as err:
        add_pod_map(db, unit.crew, mid, "degrees.tif",
                    _tif(GRID, _pod(), crs=CRS.from_epsg(4326)), geo)
    assert err.value.code == "probability.err_raster_crs" and _count(db) == 0
    # too big: refused before it is read (64 MB + 1 byte)
    _refused(db, unit, "logbook.err_pod_map_too_big", "huge.tif", b"\0" * (MAX_POD_MAP_BYTES + 1))
    _refused(db, unit, "logbook.err_pod_map_name", "  ", _tif(GRID, _pod()))


def test_the_same_content_or_name_already_applied_is_refused(db, unit):
    mid = mission_id_for(db, INCIDENT)
    data = _tif(GRID, _pod(0.5))
    add_pod_map(db, unit.crew, mid, "team_north.tif", data, GRID)
    refused = _refused(db, unit, "logbook.err_pod_map_duplicate", "copy_of_north.tif", data)
    assert refused.params["earlier"] == "team_north.tif"
    assert "team_north.tif" in refused.message("en") and "team_north.tif" in refused.message("zh")
    refused = _refused(db, unit, "logbook.err_pod_map_name_taken", "team_north.tif",
                       _tif(GRID, _pod(0.7)))
    assert refused.params["by"] == "ma"


def test_permission_closed_mission_and_unknown_ids(db, unit):
    mid = mission_id_for(db, INCIDENT)
    data = _tif(GRID, _pod())
    with pytest.raises(AuthError):  # analysts read the log; they do not log searches
        add_pod_map(db, unit.analyst, mid, "a.tif", data, GRID)
    rec = add_pod_map(db, unit.crew, mid, "a.tif", data, GRID)
    with pytest.raises(AuthError):
        remove_pod_map(db, unit.analyst, rec.id)
    with pytest.raises(LogbookError) as err:
        add_pod_map(db, unit.crew, 999, "b.tif", _tif(GRID, _pod(0.3)), GRID)
    assert err.value.code == "logbook.err_unknown_mission_id"
    with pytest.raises(LogbookError) as err:
        remove_pod_map(db, unit.crew, 999)
    assert err.value.code == "logbook.err_pod_map_unknown"
    close_mission(db, unit.commander, INCIDENT, "found_alive", local(2025, 7, 2, 18, 0))
    with pytest.raises(LogbookError) as err:
        add_pod_map(db, unit.crew, mid, "b.tif", _tif(GRID, _pod(0.3)), GRID)
    assert err.value.code == "logbook.err_pod_map_closed"
    with pytest.raises(LogbookError) as err:
        remove_pod_map(db, unit.crew, rec.id)
    assert err.value.code == "logbook.err_pod_map_closed"
    assert [r.file_name for r in list_pod_maps(db, mid)] == ["a.tif"]


def test_the_database_refuses_to_delete_or_rewrite_a_pod_map(db, unit):
    mid = mission_id_for(db, INCIDENT)
    rec = add_pod_map(db, unit.crew, mid, "a.tif", _tif(GRID, _pod()), GRID)
    for sql in ("DELETE FROM mission_pod_map",
                "UPDATE mission_pod_map SET content = X'00'" if db.backend == "sqlite"
                else "UPDATE mission_pod_map SET content = '\\x00'::bytea",
                "UPDATE mission_pod_map SET file_name = 'other.tif'",
                "UPDATE mission_pod_map SET sha256 = repeat('0', 64)" if db.backend != "sqlite"
                else "UPDATE mission_pod_map SET rows = 99"):
        with pytest.raises(DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    remove_pod_map(db, unit.crew, rec.id)
    with pytest.raises(DBAPIError):  # a removal, once made, stays as it was
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE mission_pod_map SET removed_by = 'someone'"))
    assert pod_map_bytes(db, rec.id) == _tif(GRID, _pod()) and _count(db) == 1


def test_two_crews_adding_at_once_lose_neither(db, unit):
    mid = mission_id_for(db, INCIDENT)
    n = 4
    files = [(f"crew_{i}.tif", _tif(GRID, _pod(0.1 * (i + 1)))) for i in range(n)]
    actors = [unit.crew, unit.commander, unit.commander2, Actor(None, "station-2", "commander")]
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def crew(i: int) -> None:
        barrier.wait()
        try:
            results[i] = add_pod_map(db, actors[i], mid, files[i][0], files[i][1], GRID).file_name
        except Exception as err:  # noqa: BLE001 - any failure is the defect under test
            results[i] = repr(err)

    threads = [threading.Thread(target=crew, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [f for f, _ in files], results
    listed = list_pod_maps(db, mid)  # in the order they were stored, whichever crew was first
    assert sorted(r.file_name for r in listed) == [f for f, _ in files]
    assert [r.id for r in listed] == sorted(r.id for r in listed)
    assert len([e for e in audit_log(db, entity="mission", entity_id=mid)
                if e.action == "add_pod_map"]) == n


def test_two_crews_adding_the_same_file_at_once_store_it_once(db, unit):
    mid = mission_id_for(db, INCIDENT)
    data = _tif(GRID, _pod(0.5))
    n = 3
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def crew(i: int) -> None:
        barrier.wait()
        try:
            results[i] = add_pod_map(db, unit.crew, mid, f"team_{i}.tif", data, GRID).file_name
        except LogbookError as err:
            results[i] = err.code
        except Exception as err:  # noqa: BLE001 - a database error reaching the crew is a defect
            results[i] = repr(err)

    threads = [threading.Thread(target=crew, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stored = [r for r in results if isinstance(r, str) and r.endswith(".tif")]
    assert len(stored) == 1, results
    assert sorted(r for r in results if r not in stored) == ["logbook.err_pod_map_duplicate"] * 2
    assert _count(db) == 1


def test_a_stored_pod_map_updates_the_map_by_bayes(db, unit):
    # search-theory.md (Bayes update): two areas of POA 0.5; one searched with POD 0.5 and the
    # subject not found: POA' = POA (1 - POD) / (1 - sum POA POD) = 0.25 / 0.75 = 1/3 and
    # 0.5 / 0.75 = 2/3; POS = 0.25.
    mid = mission_id_for(db, INCIDENT)
    two = Grid(CRS.from_epsg(32647), Affine(1000.0, 0, 500_000.0, 0, -1000.0, 4_030_000.0), (1, 2))
    add_pod_map(db, unit.crew, mid, "west_half.tif", _tif(two, [[0.5, 0.0]]), two)
    stored = pods_on_grid(db, mid, two)  # what the Probability page applies
    assert [r.file_name for r, _ in stored.applied] == ["west_half.tif"] and not stored.other_grid
    initial = ProbabilityMap(two, np.array([[0.5, 0.5]]), 0.0)
    state = replay_logged(initial, [], extra_pods=stored.pods).state
    assert state.current.poa[0] == pytest.approx([1 / 3, 2 / 3], abs=1e-12)
    assert state.pos == pytest.approx((0.25,))


def test_a_map_on_another_grid_is_set_apart_not_resampled(db, unit):
    mid = mission_id_for(db, INCIDENT)
    coarse = grid_around(36.43, 96.42, 500.0, 200.0)
    add_pod_map(db, unit.crew, mid, "b_fine.tif", _tif(GRID, _pod(0.5)), GRID)
    add_pod_map(db, unit.crew, mid, "a_coarse.tif", _tif(coarse, _pod(0.5, coarse)), coarse)
    stored = pods_on_grid(db, mid, GRID)
    assert [r.file_name for r, _ in stored.applied] == ["b_fine.tif"]
    assert [r.file_name for r in stored.other_grid] == ["a_coarse.tif"]
    assert stored.pods[0].shape == GRID.shape
    # the grid it needs, in the page's words: 200 m cells, the half-width typed (500 m)
    facts = grid_facts(stored.other_grid[0].grid)
    assert facts["cell"] == "200" and facts["crs"] == "EPSG:32647"
    assert facts["half_km"] == "0.5"  # 6 cells of 200 m: (6 - 1) x 200 / 2 = 500 m, by hand
    lat, lon = (float(v) for v in facts["centre"].split(", "))
    assert lat == pytest.approx(36.43, abs=0.002) and lon == pytest.approx(96.42, abs=0.003)


def test_read_pod_map_gives_the_grid_and_values():
    grid, pod = read_pod_map(_tif(GRID, _pod(0.25)), "x.tif", GRID)
    assert grid.shape == GRID.shape and float(pod.max()) == 0.25
    # mean POD over the grid: half the rows at 0.25 (by hand: rows // 2 / rows * 0.25)
    rows = GRID.shape[0]
    assert float(pod.mean()) == pytest.approx(0.25 * (rows // 2) / rows)


def test_an_upload_of_several_files_stores_each_good_one_and_names_each_refusal(db, unit):
    # the Probability page's store-on-upload (sar_planner.logbook.pod_maps.add_pod_maps)
    from sar_planner.logbook.pod_maps import add_pod_maps

    mid = mission_id_for(db, INCIDENT)
    good_b, good_a = _tif(GRID, _pod(0.4)), _tif(GRID, _pod(0.2))
    stored, refused = add_pod_maps(db, unit.crew, mid, [("b.tif", good_b), ("bad.tif", b"junk"),
                                                        ("a.tif", good_a)], GRID)
    assert [r.file_name for r in stored] == ["a.tif", "b.tif"]  # file-name order
    assert [(e.code, e.params["file"]) for e in refused] == [
        ("logbook.err_pod_map_not_geotiff", "bad.tif")]
    # the same upload handled twice (a page rerun) stores nothing more: refused as the same content
    stored, refused = add_pod_maps(db, unit.crew, mid, [("a.tif", good_a)], GRID)
    assert stored == [] and [e.code for e in refused] == ["logbook.err_pod_map_duplicate"]
    assert _count(db) == 2
