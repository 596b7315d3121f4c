"""Readers' gaps (issue 13, items 4 and 6) on files kept in tests/data/formats (README there).

- arducopter_before_origin.tlog (made by make_arducopter_tlog.py beside it, in the shape
  ArduCopter and QGroundControl write): 40 GLOBAL_POSITION_INT fixes before the EKF origin
  carry alt == relative_alt (0.19-1.80 m at a 584 m site).
- N19W155v2.3a.hgt.zip: an SRTM3 tile zipped under srtm.py's name for it, member N19W155.hgt
  (1201 x 1201 big-endian int16, heights 100 + row // 10 m, so 100 m in the north row and
  220 m in the south row).
- gpsbabel_int32min_times.gpx: two fixes with GPSBabel's "no time" 1901-12-13T20:45:52Z.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pymavlink import mavutil

from sar_planner.cli import main
from sar_planner.errors import FormatError, TerrainError
from sar_planner.formats import read_track, write_plan
from sar_planner.i18n import t
from sar_planner.settings import get_settings
from sar_planner.terrain.library import terrain_sources
from sar_planner.terrain.sources import expand_sources, inspect
from tests.formats_plans import make_plan

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"
TLOG = DATA / "arducopter_before_origin.tlog"


def test_the_tlog_has_the_before_origin_shape():
    # read with pymavlink directly, not with our reader: the file is what the test says
    conn = mavutil.mavlink_connection(str(TLOG), notimestamps=False)
    gpi = []
    while (m := conn.recv_match(type="GLOBAL_POSITION_INT", blocking=False)) is not None:
        gpi.append(m)
    conn.close()
    assert len(gpi) == 120
    before = [m for m in gpi if m.alt == m.relative_alt]
    assert len(before) == 40
    assert min(m.alt for m in before) == 190 and max(m.alt for m in before) == 1800   # mm


def test_tlog_heights_before_the_ekf_origin_come_from_gps_or_are_left_out(capsys):
    track = read_track(TLOG.name, TLOG.read_bytes())
    assert len(track.points) == 120
    heights = [p.alt_amsl_m for p in track.points]
    # the bug read 0.19-1.8 m "above sea level" at a 584 m site: no such height is left
    assert all(h is None or h > 580 for h in heights)
    assert heights[:3] == [None, None, None]          # before the first GPS fix (t <= 1.0 s)
    assert heights[3] == pytest.approx(584.05)        # GPS_RAW_INT at t = 1.0 s, MSL
    assert heights[60] == pytest.approx(584.0 + 10.0)  # t = 30 s: 10 m above the 584 m site
    (note,) = track.notices
    assert note.code == "formats.note_tlog_pre_origin"
    assert dict(note.params) == {"count": 40, "gps": 37, "dropped": 3}
    assert "40" in t(note.code, "zh", **note.params) and "EKF" in t(note.code, "en", **note.params)
    # and the track summary says so
    assert main(["formats", "track", str(TLOG)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["alt_amsl_m"][0] > 580
    assert len(summary["notes"]) == 1 and "before the autopilot had set its EKF origin" in \
        summary["notes"][0]


def test_an_hgt_zip_named_otherwise_opens_by_its_member(tmp_path: Path):
    (name,) = expand_sources([DATA / "N19W155v2.3a.hgt.zip"])
    assert name.startswith("/vsizip/") and name.endswith("/N19W155.hgt")
    info = inspect(name)
    # SRTM3 N19W155: 19-20 N, 155-154 W, cell centres on the whole degrees, so the bounds reach
    # half a cell (1/2400 degree) beyond them
    west, south, east, north = info.bounds_wgs84
    assert (west, south, east, north) == pytest.approx(
        (-155 - 1 / 2400, 19 - 1 / 2400, -154 + 1 / 2400, 20 + 1 / 2400), abs=1e-9)
    assert info.shape == (1201, 1201)
    assert info.min_elevation_m == 100 and info.max_elevation_m == 220
    # a zip that carries the tile's own name is still handed to GDAL as it is
    named = tmp_path / "N19W155.hgt.zip"
    shutil.copy(DATA / "N19W155v2.3a.hgt.zip", named)
    assert expand_sources([named]) == [str(named.resolve())]
    assert inspect(str(named)).shape == (1201, 1201)


def test_gpx_times_before_1990_are_not_flight_times():
    data = (DATA / "gpsbabel_int32min_times.gpx").read_bytes()
    track = read_track("log.gpx", data)
    assert [p.time is None for p in track.points] == [True, True, False, False, False]
    assert track.start.isoformat() == "2026-07-01T03:00:00+00:00"
    assert track.end.isoformat() == "2026-07-01T03:00:20+00:00"
    assert [n.code for n in track.notices] == ["formats.note_gpx_bad_times"]
    assert track.notices[0].params["count"] == 2


def test_a_dji_route_given_as_a_flight_log_is_named_a_route():
    route = write_plan(make_plan(), ".kmz", drone_enum=89, payload_enum=43)
    with pytest.raises(FormatError) as err:
        read_track("route.kmz", route)
    assert err.value.code == "formats.err_route_not_log"
    assert "not a flight log" in err.value.message("en")
    assert "不是飞行记录" in err.value.message("zh")


def test_terrain_takes_a_path_or_a_library_id(tmp_path: Path, capsys):
    settings = get_settings()
    # a bundled library id stands for its files; a path for itself
    assert terrain_sources(["pamir-15arcsec"], settings)[0].endswith(
        "pamir_kashgar_gebco2023_15arcsec.tif")
    tile = DATA / "N19W155v2.3a.hgt.zip"
    assert terrain_sources([str(tile)], settings) == [str(tile)]
    with pytest.raises(TerrainError) as err:
        terrain_sources(["no-such-terrain"], settings)
    assert "pamir-15arcsec" in err.value.message("en") and "pamir-15arcsec" in \
        err.value.message("zh")
    # the plan command takes the id: the library's synthetic demo DEM is found and loaded, and
    # the plan is then refused for being made on synthetic terrain (a one-line error, exit 2)
    code = main(["plan", "--terrain", "kunlun-demo-30m", "--datum", "36.10,94.85", "--asset",
                 "mavic3t", "--pattern", "expanding-square", "--radius", "200", "--out",
                 str(tmp_path / "sq.plan")])
    err_text = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err_text
    assert t("planning.notice_synthetic", "en") in err_text
    code = main(["plan", "--terrain", "no-such-terrain", "--datum", "36.10,94.85", "--asset",
                 "mavic3t", "--pattern", "expanding-square", "--radius", "200", "--out",
                 str(tmp_path / "sq.plan")])
    err_text = capsys.readouterr().err
    assert code == 2 and "no-such-terrain" in err_text and len(err_text.strip().splitlines()) == 1


def test_flown_terrain_takes_a_file_as_well_as_a_library_id(tmp_path: Path, capsys):
    from tests.formats_plans import DEMO_DEM
    from tests.plans3d import terrain_followed
    from tests.ui.test_page_logbook_flown import flown_gpx

    plan = terrain_followed(make_plan())
    (tmp_path / "plan.geojson").write_bytes(write_plan(plan, ".geojson"))
    (tmp_path / "flight.gpx").write_bytes(flown_gpx(plan, dy=100.0))
    outs = []
    for terrain in ("kunlun-demo-30m", str(DEMO_DEM)):    # the id and the file it stands for
        code = main(["flown", "--plan", str(tmp_path / "plan.geojson"), "--track",
                     str(tmp_path / "flight.gpx"), "--terrain", terrain])
        got = capsys.readouterr()
        assert code == 0, got.err
        outs.append(json.loads(got.out))
    assert outs[0]["terrain_masked"] is True and outs[0] == outs[1]
