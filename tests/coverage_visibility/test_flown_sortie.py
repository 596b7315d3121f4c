"""A logged sortie is compared with THAT sortie of a plan of several (sar_planner.logbook.flown
choose_sortie / FlownPlan.for_sortie, the ``flown`` CLI's ``--sortie``, the logbook panel), and
the plan page's waypoint CSV is refused as a flown track.

Hand figures (Koopman's exponential law POD = 1 - exp(-C), IAMSAR Manual Vol. II;
search-theory.md): the 1,500 m x 1,200 m segment of tests/coverage_visibility/test_flown.py is searched by twelve
west-east legs 100 m apart with W = 100 m, split into three sorties of four legs (sortie 1 the
southern 400 m strip, 2 the middle, 3 the northern). Each sortie's own strip is swept exactly
once, C = 1, POD = 1 - 1/e = 0.632. A log that flies sortie 2's four legs exactly therefore
achieves 1 - 1/e over sortie 2's strip, and 0 over sortie 3's (its swaths end at y = 800 m,
where sortie 3's strip begins). Against the whole plan it would be 4/12 x (1 - 1/e) = 0.211: the
false alarm this fixes.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pyproj import Transformer

from sar_planner.errors import FormatError, LogbookError
from sar_planner.formats import read_track, write_plan
from sar_planner.formats.tracks import FlownTrack, TrackPoint
from sar_planner.flown_coverage import choose_sortie, compare_flown
from sar_planner.flown_plan import FlownPlan
from sar_planner.formats.plan_files import read_flown_plan
from sar_planner.plan import Sortie, SortiePlan
from tests.coverage_visibility.test_flown import UTM46, WIDTH, X0, Y0, W, _ll, _wp, lawnmower

ONE_PASS = 1.0 - math.exp(-1.0)   # 0.632120...
_TO_XY = Transformer.from_crs("EPSG:4326", UTM46, always_xy=True)


def three_sorties() -> SortiePlan:
    """The lawn-mower of tests/coverage_visibility/test_flown.py split into three sorties of four legs each."""
    sorties = []
    for s in range(3):
        wps = [_wp(X0 - 300, Y0 - 300, "takeoff", 3100.0)]
        for k in range(4 * s, 4 * s + 4):
            y = Y0 + W / 2 + k * W
            a, b = (X0, X0 + WIDTH) if k % 2 == 0 else (X0 + WIDTH, X0)
            wps += [_wp(a, y, "search"), _wp(b, y, "turn")]
        wps.append(_wp(X0 - 300, Y0 - 300, "land", 3100.0))
        sorties.append(Sortie(s + 1, tuple(wps), 8_000.0, 800.0, WIDTH * 4))
    base = lawnmower()
    return SortiePlan(name="three sorties", asset_id="m350-h20t", pattern="parallel", crs=UTM46,
                      home=sorties[0].waypoints[0], sorties=tuple(sorties),
                      area_wgs84=base.area_wgs84, spacing_m=W, sweep_width_m=W, agl_m=60.0,
                      min_clearance_m=60.0)


def flies_sortie(number: int, turn_out: float = 60.0, step: float = 20.0) -> FlownTrack:
    """Sortie ``number``'s four legs flown exactly (a fix every ``step`` m, turning
    ``turn_out`` m outside the segment)."""
    pts = []
    for k in range(4 * (number - 1), 4 * number):
        y = Y0 + W / 2 + k * W
        xs = np.arange(X0 - turn_out, X0 + WIDTH + turn_out + 1e-6, step)
        for x in xs if k % 2 == 0 else xs[::-1]:
            lat, lon = _ll(float(x), y)
            pts.append(TrackPoint(None, lat, lon, 3200.0))
    return FlownTrack("flown.gpx", "gpx", tuple(pts))


def _gpx(track: FlownTrack) -> bytes:
    pts = "".join(f'<trkpt lat="{p.lat:.9f}" lon="{p.lon:.9f}"></trkpt>' for p in track.points)
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + pts
            + "</trkseg></trk></gpx>").encode()


@pytest.fixture(scope="module")
def exported() -> FlownPlan:
    return read_flown_plan("plan.geojson", write_plan(three_sorties(), ".geojson"))


def test_the_geojson_export_keeps_each_runs_sortie(exported):
    assert exported.sorties == (1, 2, 3)
    assert len(exported.runs) == 12 and exported.sortie is None
    assert exported.run_sorties == (1,) * 4 + (2,) * 4 + (3,) * 4
    direct = FlownPlan.from_sortie_plan(three_sorties())
    assert direct.run_sorties == exported.run_sorties


def test_the_log_of_sortie_2_is_compared_with_sortie_2(exported):
    track = flies_sortie(2)
    plan, choice = choose_sortie(exported, track)
    assert (choice.sortie, choice.picked, choice.count) == (2, "auto", 3)
    # every fix is within W of sortie 2's legs (the turns are 60 m beyond their ends); of
    # sortie 1 and 3 only the fixes of the one adjacent leg, 100 m away: at most 1/4
    assert choice.shares[2] == 1.0
    assert choice.shares[1] <= 0.26 and choice.shares[3] <= 0.26
    assert choice.within_m == W
    assert plan.sortie == 2 and len(plan.runs) == 4
    report = compare_flown(plan, track)
    # sortie 2's strip: 1,500 m x 400 m, swept once by its own legs
    assert report.region_area_m2 == pytest.approx(WIDTH * 400.0, rel=1e-3)
    assert report.planned_pod == pytest.approx(ONE_PASS, abs=1e-3)
    assert report.achieved_pod == pytest.approx(report.planned_pod, abs=3e-3)
    assert report.planned_search_length_m == pytest.approx(4 * WIDTH, rel=1e-6)
    # against the whole plan it was the false alarm: 4/12 of 1 - 1/e achieved
    whole = compare_flown(exported, track)
    assert whole.achieved_pod == pytest.approx(4 / 12 * ONE_PASS, abs=3e-3)


def test_a_given_sortie_3_is_compared_and_shows_it_was_not_flown(exported):
    plan, choice = choose_sortie(exported, flies_sortie(2), sortie=3)
    assert (choice.sortie, choice.picked) == (3, "given")
    report = compare_flown(plan, flies_sortie(2))
    assert report.planned_pod == pytest.approx(ONE_PASS, abs=1e-3)
    assert report.achieved_pod == pytest.approx(0.0, abs=3e-3)


def test_the_stored_plan_is_the_sorties_with_its_number(exported):
    plan, _ = choose_sortie(exported, flies_sortie(2))
    doc = json.loads(json.dumps(plan.to_json()))
    assert doc["sortie"] == 2 and len(doc["runs"]) == 4
    # its segment is sortie 2's strip, y = 400..800 m in the segment
    xs, ys = _TO_XY.transform([p[0] for p in doc["area"]], [p[1] for p in doc["area"]])
    assert min(ys) == pytest.approx(Y0 + 400.0, abs=0.01)
    assert max(ys) == pytest.approx(Y0 + 800.0, abs=0.01)
    assert min(xs) == pytest.approx(X0, abs=0.01) and max(xs) == pytest.approx(X0 + WIDTH, abs=0.01)
    again = FlownPlan.from_json(doc)
    assert again == plan


def test_a_one_sortie_plan_is_compared_as_before():
    fp = FlownPlan.from_sortie_plan(lawnmower())
    plan, choice = choose_sortie(fp, flies_sortie(2))
    assert plan == fp and plan.area == fp.area      # the whole segment, as before
    assert (choice.sortie, choice.picked, choice.count) == (1, "auto", 1)
    assert choose_sortie(fp, flies_sortie(2), sortie=1)[0] == fp


def test_a_sortie_the_plan_does_not_hold_is_refused_in_words(exported):
    with pytest.raises(LogbookError) as err:
        choose_sortie(exported, flies_sortie(2), sortie=5)
    assert err.value.code == "flownsortie.err_no_such_sortie"
    assert err.value.params["known"] == "1, 2, 3"
    qgc = FlownPlan(name="one", runs=exported.runs[:4], source="qgc-plan")
    with pytest.raises(LogbookError) as err:
        choose_sortie(qgc, flies_sortie(1), sortie=2)
    assert err.value.code == "flownsortie.err_not_numbered"
    plan, choice = choose_sortie(qgc, flies_sortie(1))
    assert plan is qgc and choice.sortie is None and choice.count == 1


def test_the_cli_picks_or_takes_the_sortie(tmp_path, capsys):
    from sar_planner.cli import main

    (tmp_path / "plan.geojson").write_bytes(write_plan(three_sorties(), ".geojson"))
    (tmp_path / "flight.gpx").write_bytes(_gpx(flies_sortie(2)))
    args = ["flown", "--plan", str(tmp_path / "plan.geojson"),
            "--track", str(tmp_path / "flight.gpx")]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["sortie"], out["sortie_picked"], out["sorties"]) == (2, "auto", 3)
    assert out["sortie_shares"]["2"] == 1.0
    assert out["planned_pod"] == pytest.approx(ONE_PASS, abs=1e-3)
    assert out["achieved_pod"] == pytest.approx(out["planned_pod"], abs=3e-3)
    assert main([*args, "--sortie", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["sortie"], out["sortie_picked"]) == (3, "given")
    assert out["achieved_pod"] == pytest.approx(0.0, abs=3e-3)
    assert main([*args, "--sortie", "4"]) == 2
    assert "4" in capsys.readouterr().err


def test_the_plan_pages_waypoint_csv_is_not_a_flight_log():
    data = write_plan(three_sorties(), ".csv")
    with pytest.raises(FormatError) as err:
        read_track("plan.csv", data)
    assert err.value.code == "flownsortie.err_plan_csv"
    assert err.value.params["file"] == "plan.csv"
    # a flight log with a time column and the same coordinates is still read
    text = "time_utc,lat,lon\n2026-08-14T06:00:00Z,36.1,94.85\n2026-08-14T06:00:01Z,36.1001,94.85\n"
    assert len(read_track("log.csv", text.encode()).points) == 2


def test_the_panel_offers_the_sortie_and_says_which_was_picked(data_dir):
    from sar_planner.logbook.db import reset_database_cache
    from tests.ui.test_page_logbook_flown import _metric, _open

    reset_database_cache()
    try:
        at = _open("en")
        at.file_uploader(key="lb_fl_plan").set_value(
            ("plan.geojson", write_plan(three_sorties(), ".geojson"), "application/json"))
        at.file_uploader(key="lb_track_file").set_value(
            ("flight.gpx", _gpx(flies_sortie(2)), "application/gpx+xml"))
        at.selectbox(key="lb_fl_terrain").set_value("")
        at.run()
        assert at.selectbox(key="lb_fl_sortie").options == [
            "Automatic (the sortie the track follows best)", "Sortie 1", "Sortie 2", "Sortie 3"]
        at = at.button(key="lb_fl_compare").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        picked = [i.value for i in at.info if "Compared with sortie" in i.value]
        assert picked and picked[0].startswith("Compared with sortie 2 of 3, picked automatically")
        assert "100% of the track's fixes lie within 100 m" in picked[0]
        # both 1 - 1/e = 63.2 % on sortie 2's legs (hand figure in the module docstring), shown in whole
        # percent as a crew reads it (issue 16): 63
        assert _metric(at, "Planned POD") == 63
        assert _metric(at, "Achieved POD") == 63
        assert at.session_state["lb_plan"]["sortie"] == 2
        assert len(at.session_state["lb_plan"]["runs"]) == 4
        # the crew says it was sortie 3: compared with it, nothing of it was searched
        at.selectbox(key="lb_fl_sortie").set_value(3)
        at = at.button(key="lb_fl_compare").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any(i.value == "Compared with sortie 3 of 3, as chosen." for i in at.info)
        assert _metric(at, "Achieved POD") == pytest.approx(0.0, abs=0.3)
        assert at.session_state["lb_plan"]["sortie"] == 3
    finally:
        reset_database_cache()


def test_the_panel_shows_no_choice_for_a_one_sortie_plan(data_dir):
    from sar_planner.logbook.db import reset_database_cache
    from tests.ui.test_page_logbook_flown import _open

    reset_database_cache()
    try:
        at = _open("zh")
        at.file_uploader(key="lb_fl_plan").set_value(
            ("plan.geojson", write_plan(lawnmower(), ".geojson"), "application/json"))
        at.run()
        assert not [s for s in at.selectbox if s.key == "lb_fl_sortie"]
        assert not at.exception
    finally:
        reset_database_cache()
