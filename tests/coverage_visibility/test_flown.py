"""The flown track against the plan flown (sar_planner.flown_coverage), by hand-computable cases.

Reference: the exponential (random-search) detection law POD = 1 - exp(-C) with coverage
C = W / S for parallel tracks S apart (Koopman; IAMSAR Manual Vol. II; search-theory.md). A
lawn-mower with S = W covers its segment exactly once: C = 1, POD = 1 - 1/e = 0.63212.
A strip of the segment left unswept has C = 0 there, so the mean POD over the segment is
(1 - unswept fraction) x (1 - 1/e).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from sar_planner.errors import LogbookError
from sar_planner.formats import read_track, write_plan
from sar_planner.formats.tracks import FlownTrack, TrackPoint
from sar_planner.grid import Grid
from sar_planner.flown_coverage import FlownReport, compare_flown
from sar_planner.flown_plan import FlownPlan
from sar_planner.formats.plan_files import read_flown_plan
from sar_planner.plan import Sortie, SortiePlan, Waypoint
from sar_planner.terrain import load_terrain
from tests.formats_plans import make_plan

UTM46 = "EPSG:32646"
_TO_LL = Transformer.from_crs(UTM46, "EPSG:4326", always_xy=True)
# segment 1,500 m x 1,200 m south of Golmud (UTM 46N), near 36.1 N 94.85 E
X0, Y0, WIDTH, HEIGHT = 666_000.0, 3_996_000.0, 1500.0, 1200.0
W = 100.0
ONE_PASS = 1.0 - math.exp(-1.0)   # 0.632120...


def _ll(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_LL.transform(x, y)
    return float(lat), float(lon)


def _wp(x: float, y: float, role: str, alt: float = 3200.0) -> Waypoint:
    lat, lon = _ll(x, y)
    return Waypoint(lat, lon, alt, 60.0, 10.0, role)


def lawnmower(spacing: float = W, sweep: float = W) -> SortiePlan:
    """Legs west-east across the segment, S apart, the first S/2 inside the south edge."""
    wps = [_wp(X0 - 300, Y0 - 300, "takeoff", 3100.0)]
    n = int(HEIGHT // spacing)
    for k in range(n):
        y = Y0 + spacing / 2 + k * spacing
        a, b = (X0, X0 + WIDTH) if k % 2 == 0 else (X0 + WIDTH, X0)
        wps += [_wp(a, y, "search"), _wp(b, y, "turn")]
    wps.append(_wp(X0 - 300, Y0 - 300, "land", 3100.0))
    ring = [(X0, Y0), (X0 + WIDTH, Y0), (X0 + WIDTH, Y0 + HEIGHT), (X0, Y0 + HEIGHT), (X0, Y0)]
    area = tuple((lon, lat) for lat, lon in (_ll(x, y) for x, y in ring))
    sortie = Sortie(1, tuple(wps), 20_000.0, 2000.0, WIDTH * n)
    return SortiePlan(name="test lawnmower", asset_id="m350-h20t", pattern="parallel", crs=UTM46,
                      home=wps[0], sorties=(sortie,), area_wgs84=area, spacing_m=spacing,
                      sweep_width_m=sweep, agl_m=60.0, min_clearance_m=60.0)


def flown_lawnmower(dx: float = 0.0, dy: float = 0.0, spacing: float = W,
                    turn_out: float = 60.0, step: float = 20.0) -> FlownTrack:
    """The lawn-mower flown as a GPS log (a fix every ``step`` m), shifted by (dx, dy) metres;
    the turns are flown ``turn_out`` metres beyond the segment's east and west edges."""
    pts: list[TrackPoint] = []
    n = int(HEIGHT // spacing)
    for k in range(n):
        y = Y0 + spacing / 2 + k * spacing + dy
        xs = np.arange(X0 - turn_out, X0 + WIDTH + turn_out + 1e-6, step) + dx
        if k % 2:
            xs = xs[::-1]
        for x in xs:
            lat, lon = _ll(float(x), y)
            pts.append(TrackPoint(None, lat, lon, 3200.0))
    return FlownTrack("flown.gpx", "gpx", tuple(pts))


def straight_run(length: float, x: float = X0, y: float = Y0 + 600.0) -> FlownTrack:
    pts = []
    for xi in np.linspace(x, x + length, 51):
        lat, lon = _ll(float(xi), y)
        pts.append(TrackPoint(None, lat, lon, None))
    return FlownTrack("run.gpx", "gpx", tuple(pts))


@pytest.fixture(scope="module")
def plan() -> SortiePlan:
    return lawnmower()


def test_flown_exactly_as_planned_achieves_the_planned_pod(plan):
    report = compare_flown(plan, flown_lawnmower())
    # S = W: C = 1 over the whole segment, POD = 1 - 1/e (Koopman)
    assert report.planned_pod == pytest.approx(ONE_PASS, abs=1e-6)
    assert report.achieved_pod == pytest.approx(report.planned_pod, abs=2e-3)
    assert report.region_area_m2 == pytest.approx(WIDTH * HEIGHT, rel=1e-6)
    # every square metre of the segment was swept once
    assert report.area_covered_in_region_m2 == pytest.approx(WIDTH * HEIGHT, rel=1e-3)
    assert report.planned_search_length_m == pytest.approx(12 * WIDTH, rel=1e-6)
    assert report.flown_search_length_m == pytest.approx(12 * WIDTH, rel=1e-3)
    assert report.offset_median_m < 0.5 and report.offset_p95_m < 0.5
    assert report.crs == UTM46


def test_a_track_offset_by_a_whole_swath_leaves_the_first_strip_unsearched(plan):
    report = compare_flown(plan, flown_lawnmower(dy=W))
    # the southern 100 m of 1,200 m are never swept; the rest once: 11/12 x (1 - 1/e) = 0.5794
    assert report.achieved_pod == pytest.approx(11 / 12 * ONE_PASS, abs=2e-3)
    assert report.achieved_pod < report.planned_pod - 0.05
    assert report.area_covered_in_region_m2 == pytest.approx(WIDTH * (HEIGHT - W), rel=2e-3)


def test_a_track_offset_30_m_shows_30_m_cross_track_offsets(plan):
    report = compare_flown(plan, flown_lawnmower(dy=30.0))
    assert report.offset_median_m == pytest.approx(30.0, abs=0.5)
    assert report.offset_p95_m == pytest.approx(30.0, abs=0.5)
    # 30 m of 1,200 m left unswept at the south edge: (1 - 30/1200) x (1 - 1/e) = 0.6163
    assert report.achieved_pod == pytest.approx((1 - 30 / 1200) * ONE_PASS, abs=2e-3)


def test_half_the_legs_flown_gives_the_pod_of_double_spacing(plan):
    # flying every other leg: S = 2W, C = 1/2 on average but as strips: half the area C = 1,
    # half C = 0 -> mean POD = (1 - 1/e) / 2 = 0.3161
    report = compare_flown(plan, flown_lawnmower(spacing=2 * W, dy=-W / 2))
    assert report.achieved_pod == pytest.approx(ONE_PASS / 2, abs=2e-3)


def test_area_covered_by_one_straight_run_is_sweep_width_times_length(plan):
    report = compare_flown(plan, straight_run(1000.0), sweep_width_m=80.0)
    # W x L = 80 m x 1,000 m = 80,000 m^2 (flat ends), exact per cell
    assert report.area_covered_m2 == pytest.approx(80.0 * 1000.0, rel=5e-3)
    assert report.flown_search_length_m == pytest.approx(1000.0, rel=1e-3)
    assert report.flown_length_m == pytest.approx(1000.0, rel=2e-3)   # geodesic vs UTM scale


def test_the_plans_own_sweep_width_is_used_unless_one_is_given(plan):
    own = compare_flown(plan, straight_run(1000.0))
    assert own.sweep_width_m == W
    assert own.area_covered_m2 == pytest.approx(W * 1000.0, rel=5e-3)


def test_a_track_with_one_point_is_refused(plan):
    one = FlownTrack("one.gpx", "gpx", (TrackPoint(None, *_ll(X0 + 10, Y0 + 10), None),))
    with pytest.raises(LogbookError) as exc:
        compare_flown(plan, one)
    assert exc.value.code == "logbook.flown.err_track_empty"


def test_a_track_in_another_place_is_refused(plan):
    far = straight_run(1000.0, x=X0 + 30_000.0)
    with pytest.raises(LogbookError) as exc:
        compare_flown(plan, far)
    assert exc.value.code == "logbook.flown.err_elsewhere"
    # the run starts 30 km east of the segment's west edge, 28.5 km past its east edge
    assert exc.value.params["km"] == "28.5"


def test_terrain_that_does_not_cover_the_segment_is_refused(plan, tmp_path):
    path = tmp_path / "elsewhere.tif"
    n, cell = 50, 20.0
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float64",
                       crs=UTM46, transform=Affine(cell, 0, X0 + 20_000, 0, -cell, Y0)) as d:
        d.write(np.full((n, n), 3000.0), 1)
    grid = Grid.from_bounds(UTM46, X0 + 20_000, Y0 - n * cell, X0 + 20_000 + n * cell, Y0, cell)
    terrain = load_terrain([path], grid)
    with pytest.raises(LogbookError) as exc:
        compare_flown(plan, flown_lawnmower(), terrain=terrain)
    assert exc.value.code == "logbook.flown.err_outside_terrain"


def _flat_terrain(tmp_path, slope_deg: float = 0.0):
    """A plane over the segment and 1 km around it rising to the east at ``slope_deg``, 3,000 m
    high at the segment's west edge."""
    cell = 20.0
    x0, y0 = X0 - 1000, Y0 - 1000
    nx, ny = int((WIDTH + 2000) / cell), int((HEIGHT + 2000) / cell)
    xs = (np.arange(nx) + 0.5) * cell
    z = np.tile(3000.0 + (x0 + xs - X0) * math.tan(math.radians(slope_deg)), (ny, 1))
    path = tmp_path / f"plane{slope_deg}.tif"
    with rasterio.open(path, "w", driver="GTiff", width=nx, height=ny, count=1, dtype="float64",
                       crs=UTM46, transform=Affine(cell, 0, x0, 0, -cell, y0 + ny * cell)) as d:
        d.write(z, 1)
    return load_terrain([path], Grid.from_bounds(UTM46, x0, y0, x0 + nx * cell, y0 + ny * cell,
                                                 cell))


def test_flat_terrain_masks_nothing(plan, tmp_path):
    terrain = _flat_terrain(tmp_path)
    with_terrain = compare_flown(plan, flown_lawnmower(dy=W), terrain=terrain)
    without = compare_flown(plan, flown_lawnmower(dy=W))
    assert with_terrain.terrain_masked and not without.terrain_masked
    assert with_terrain.achieved_pod == pytest.approx(without.achieved_pod, abs=1e-9)
    assert with_terrain.planned_pod == pytest.approx(without.planned_pod, abs=1e-9)


def test_heights_hundreds_of_metres_inside_a_steep_face_are_not_used(plan, tmp_path):
    # A 40 degree plane rising east from 3,000 m at the segment's west edge; the log says
    # 3,200 m AMSL all along, so east of 250 m / tan 40 deg = 297.9 m the fix lies more than
    # 50 m below the ground (at the east edge 1,058 m inside the mountain). Those cannot be
    # heights above sea level (the replay's rule, sar_planner.coverage.sensor_heights): fixes
    # every 20 m from -60 to +1,560 m on each of 12 legs = 82 per leg, 64 of them (300..1,560 m)
    # too low: 768 of 984, far more than 10 %. They are not used; the aircraft is taken 100 m
    # above the ground as for a log without heights, and the report says why.
    # (Until line of sight came in, these heights were used and the face "seen from below"
    # gave 0.100; an aircraft cannot fly inside the ground, so that figure rested on bad data.)
    terrain = _flat_terrain(tmp_path, slope_deg=40.0)
    low = compare_flown(plan, flown_lawnmower(), terrain=terrain)
    assert low.flown_masking == "tracks3d.flown_bad_heights"
    assert low.flown_masking_params == {"below": 768, "total": 984, "margin": "50"}
    # without heights the aircraft is taken 100 m above the ground under it: it sees the face
    pts = tuple(p._replace(alt_amsl_m=None) for p in flown_lawnmower().points)
    agl = compare_flown(plan, FlownTrack("agl.gpx", "gpx", pts), terrain=terrain)
    assert agl.flown_masking == "tracks3d.flown_no_heights"
    assert agl.achieved_pod == pytest.approx(ONE_PASS, abs=2e-3)
    assert low.achieved_pod == pytest.approx(agl.achieved_pod, abs=1e-12)


def test_the_geojson_export_is_read_back_as_the_plan_flown():
    plan = make_plan()
    data = write_plan(plan, ".geojson")
    doc = json.loads(data)
    assert doc["properties"]["sweep_width_m"] == plan.sweep_width_m
    assert doc["properties"]["asset_id"] == plan.asset_id
    fp = read_flown_plan("plan.geojson", data)
    direct = FlownPlan.from_sortie_plan(plan)
    assert len(fp.runs) == len(direct.runs) == 12   # 1,200 m / 100 m legs
    for a, b in zip(fp.runs, direct.runs, strict=True):
        assert np.allclose(np.array(a)[:, :2], np.array(b)[:, :2], atol=1e-8)
        assert np.allclose(np.array(a)[:, 2], np.array(b)[:, 2], atol=1e-3)
    assert fp.sweep_width_m == 100.0 and fp.crs == "EPSG:32646"
    assert fp.area is not None and len(fp.area) == 5


def test_the_stored_plan_round_trips_through_json(plan):
    fp = FlownPlan.from_sortie_plan(plan)
    again = FlownPlan.from_json(json.loads(json.dumps(fp.to_json())))
    assert again == fp
    report_a = compare_flown(fp, flown_lawnmower(dy=W))
    report_b = compare_flown(fp.to_json(), flown_lawnmower(dy=W))
    assert report_a.achieved_pod == report_b.achieved_pod


def test_a_qgc_plan_is_read_with_its_geofence_as_the_segment():
    plan = make_plan()
    # as QGroundControl saves it: without this planner's roles block (sar_planner key)
    doc = json.loads(write_plan(plan, ".plan"))
    del doc["sar_planner"]
    fp = read_flown_plan("sortie.plan", json.dumps(doc).encode())
    assert fp.source == "qgc-plan" and fp.sweep_width_m is None
    assert fp.area is not None
    with pytest.raises(LogbookError) as exc:
        compare_flown(fp, straight_run(100.0))   # no sweep width in a .plan
    assert exc.value.code == "logbook.flown.err_no_sweep"
    # the .plan's legs inside the fence include the turns along its edge: at least 1 - 1/e
    lat = [p[1] for run in FlownPlan.from_sortie_plan(plan).runs for p in run]
    lon = [p[0] for run in FlownPlan.from_sortie_plan(plan).runs for p in run]
    track = FlownTrack("f.gpx", "gpx", tuple(TrackPoint(None, a, b, None)
                                            for a, b in zip(lat, lon, strict=True)))
    report = compare_flown(fp, track, sweep_width_m=100.0)
    assert report.planned_pod >= ONE_PASS - 1e-3


@pytest.mark.parametrize(("name", "data", "code"), [
    ("plan.txt", b"{}", "logbook.flown.err_plan_ext"),
    ("plan.geojson", b"not json", "logbook.flown.err_plan_file"),
    ("plan.geojson", b"", "logbook.flown.err_plan_file"),
    ("plan.geojson", b"[1, 2]", "logbook.flown.err_plan_file"),
    ("plan.geojson", json.dumps({"type": "FeatureCollection", "features": []}).encode(),
     "logbook.flown.err_plan_no_search"),
    ("sortie.plan", json.dumps({"fileType": "Plan"}).encode(), "logbook.flown.err_plan_file"),
])
def test_bad_plan_files_are_refused_with_a_message(name, data, code):
    with pytest.raises(LogbookError) as exc:
        read_flown_plan(name, data)
    assert exc.value.code == code


def test_a_gpx_file_read_from_bytes_gives_the_same_answer(plan):
    flown = flown_lawnmower(dy=W, step=50.0)
    body = "".join(f'<trkpt lat="{p.lat:.9f}" lon="{p.lon:.9f}"><ele>3200</ele></trkpt>'
                   for p in flown.points)
    gpx = ('<?xml version="1.0"?><gpx version="1.1" creator="test" '
           'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + body +
           "</trkseg></trk></gpx>").encode()
    read = read_track("flown.gpx", gpx)
    report = compare_flown(plan, read)
    assert report.achieved_pod == pytest.approx(11 / 12 * ONE_PASS, abs=2e-3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dx=st.floats(-400, 400), dy=st.floats(-400, 400))
def test_no_shift_of_the_flown_pattern_beats_the_plan(plan, dx, dy):
    # C = 1 everywhere in the segment under the plan; the flown strips are disjoint and the turns
    # (460 m beyond the edges) stay outside the segment, so no cell
    # of the segment can get more than C = 1: the achieved POD never exceeds the planned one
    report = compare_flown(plan, flown_lawnmower(dx=dx, dy=dy, turn_out=460.0, step=50.0))
    assert 0.0 <= report.achieved_pod <= report.planned_pod + 1e-9
    assert report.area_covered_in_region_m2 <= report.region_area_m2 * (1 + 1e-9)
    assert isinstance(report, FlownReport)


LABELS = {"easting": "E", "northing": "N", "elevation": "elev", "slope": "slope",
          "latlon": "ll", "planned": "planned", "flown": "flown", "region": "region"}


def test_the_figure_draws_the_flown_track_over_the_plan_on_the_relief(plan, tmp_path):
    from sar_planner.ui.figures_flown import flown_figure

    terrain = _flat_terrain(tmp_path, slope_deg=10.0)
    report = compare_flown(plan, flown_lawnmower(dy=W), terrain=terrain)
    fig = flown_figure(report, LABELS, terrain)
    names = [t.name for t in fig.data]
    # the map's hover read-out first, its layers (contours, grids, places: map_view), then
    # region, plan and flight: the flight drawn on top
    assert names[0] == "terrain" and names[-3:] == ["region", "planned", "flown"]
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    planned = fig.data[-2]
    # 12 planned runs of two points each, separated by None
    assert sum(v is None for v in planned.x) == 12
    assert [v for v in planned.x if v is not None][:2] == [pytest.approx(X0),
                                                           pytest.approx(X0 + WIDTH)]
    flown = fig.data[-1]
    assert len([v for v in flown.y if v is not None]) == sum(len(s) for s in report.flown_xy)
    assert fig.layout.yaxis.scaleanchor == "x"


def test_the_figure_thins_a_long_log_and_works_without_terrain(plan):
    from sar_planner.ui.figures_flown import flown_figure

    report = compare_flown(plan, flown_lawnmower(step=2.0))   # 12 x 811 fixes
    fig = flown_figure(report, LABELS, None, max_points=1000)
    assert [t.name for t in fig.data] == ["region", "planned", "flown"]
    kept = [v for v in fig.data[2].x if v is not None]
    # step = ceil(9,732 / 1,000) = 10: fixes 0, 10, ..., 9,730 (974) plus the last one
    assert len(kept) == 975
    assert kept[-1] == pytest.approx(report.flown_xy[0][-1, 0])


def test_gps_jitter_neither_adds_nor_loses_a_pass(plan):
    # a 10 Hz-like log (a fix every 2 m) with 1.5 m of white GPS noise: jitter must not be
    # credited as extra passes, and the swath must still cover the segment about once
    rng = np.random.default_rng(20260729)
    clean = flown_lawnmower(step=2.0)
    pts = tuple(p._replace(lat=p.lat + rng.normal(0.0, 1.35e-5),     # 1.5 m north
                           lon=p.lon + rng.normal(0.0, 1.67e-5))     # 1.5 m east at 36.1 N
                for p in clean.points)
    report = compare_flown(plan, FlownTrack("jitter.gpx", "gpx", pts))
    assert report.achieved_pod <= ONE_PASS + 1e-9
    assert report.achieved_pod == pytest.approx(ONE_PASS, abs=0.01)
    # cross-track offset = |N(0, 1.5 m)|: median 0.6745 sigma = 1.01 m, 95 % 1.96 sigma = 2.94 m
    assert report.offset_median_m == pytest.approx(0.6745 * 1.5, abs=0.1)
    assert report.offset_p95_m == pytest.approx(1.96 * 1.5, abs=0.2)


def test_without_a_segment_the_region_is_the_planned_swath():
    # a track-line plan: one 2,000 m run, no segment; W = 60 m. The region is the run's swath,
    # 60 m x 2,000 m = 0.12 km^2, covered once: POD 1 - 1/e; flown 60 m off the line: 0
    lat0, lon0 = _ll(X0, Y0)
    lat1, lon1 = _ll(X0 + 2000.0, Y0)
    fp = FlownPlan("road", ((( lon0, lat0, 3000.0), (lon1, lat1, 3000.0)),), sweep_width_m=60.0)
    on = FlownTrack("on.gpx", "gpx", tuple(TrackPoint(None, *_ll(x, Y0), None)
                                           for x in np.linspace(X0 - 100, X0 + 2100, 60)))
    off = FlownTrack("off.gpx", "gpx", tuple(TrackPoint(None, *_ll(x, Y0 + 60.0), None)
                                             for x in np.linspace(X0 - 100, X0 + 2100, 60)))
    a, b = compare_flown(fp, on), compare_flown(fp, off)
    assert a.region_area_m2 == pytest.approx(60.0 * 2000.0, rel=1e-6)
    assert a.planned_pod == pytest.approx(ONE_PASS, abs=1e-6)
    assert a.achieved_pod == pytest.approx(ONE_PASS, abs=1e-3)
    assert b.achieved_pod == pytest.approx(0.0, abs=1e-6)
    assert b.offset_fixes == 0 and math.isnan(b.offset_median_m)


_coord = st.tuples(st.floats(-1500, 3000), st.floats(-1500, 2700))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=st.lists(_coord, min_size=2, max_size=40), width=st.floats(5.0, 400.0))
def test_any_track_gives_bounded_figures(plan, points, width):
    track = FlownTrack("any.gpx", "gpx", tuple(TrackPoint(None, *_ll(X0 + x, Y0 + y), None)
                                               for x, y in points))
    report = compare_flown(plan, track, sweep_width_m=width)
    assert 0.0 <= report.achieved_pod <= 1.0 and 0.0 <= report.planned_pod <= 1.0
    tol = 1e-6 * report.region_area_m2
    assert report.area_covered_in_region_m2 <= report.region_area_m2 + tol
    assert report.area_covered_in_region_m2 <= report.area_covered_m2 + tol
    # a union of swaths is never larger than W x length (flat ends), up to the W / 20 thinning
    assert report.area_covered_m2 <= width * (report.flown_length_m * 1.001 + width / 10) + 1.0


def test_the_cli_prints_both_pods(tmp_path, capsys):
    from sar_planner.cli import main

    # the fixture plan flown as planned: terrain following along its legs (tests/plans3d.py; the
    # bare fixture's straight legs pass up to 62 m under the demo terrain, and line of sight
    # through the ground is rightly hidden); on flat ground the two plans are the same lines
    from tests.plans3d import terrain_followed

    plan = terrain_followed(make_plan())
    (tmp_path / "plan.geojson").write_bytes(write_plan(plan, ".geojson"))
    from tests.ui.test_page_logbook_flown import flown_gpx

    (tmp_path / "flight.gpx").write_bytes(flown_gpx(plan, dy=100.0))
    code = main(["flown", "--plan", str(tmp_path / "plan.geojson"),
                 "--track", str(tmp_path / "flight.gpx")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    # no terrain: exactly the hand figures, 1 - 1/e and 11/12 of it
    assert out["planned_pod"] == pytest.approx(ONE_PASS, abs=1e-4)
    assert out["achieved_pod"] == pytest.approx(11 / 12 * ONE_PASS, abs=2e-3)
    assert out["terrain_masked"] is False and out["crs"] == "EPSG:32646"
    code = main(["flown", "--plan", str(tmp_path / "plan.geojson"),
                 "--track", str(tmp_path / "flight.gpx"), "--terrain", "kunlun-demo-30m"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["terrain_masked"] is True
    assert out["achieved_pod"] < out["planned_pod"]
    # the plan's 3D path is checked for ridges; the log has no heights, so only steep faces
    assert out["plan_masking"] == "tracks3d.plan_masked"
    assert out["flown_masking"] == "tracks3d.flown_no_heights"
    # terrain following 75.5 m above the smooth demo relief, W = 100 m: nothing is hidden to
    # speak of, the plan's POD stays the flat 1 - 1/e (Koopman) within 0.1 point
    assert out["planned_pod"] == pytest.approx(ONE_PASS, abs=1e-3)


def test_the_cli_refuses_a_plan_without_sweep_width_in_words(tmp_path, capsys):
    from sar_planner.cli import main

    plan = make_plan()
    doc = json.loads(write_plan(plan, ".plan"))
    del doc["sar_planner"]     # a .plan as QGroundControl saves it: no sweep width in it
    (tmp_path / "sortie.plan").write_text(json.dumps(doc))
    (tmp_path / "f.gpx").write_bytes(
        b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        + b"<trk><trkseg>" + b"".join(
            f'<trkpt lat="{p.lat}" lon="{p.lon}"/>'.encode()
            for p in plan.sorties[0].waypoints) + b"</trkseg></trk></gpx>")
    code = main(["flown", "--plan", str(tmp_path / "sortie.plan"), "--track",
                 str(tmp_path / "f.gpx")])
    err = capsys.readouterr().err
    assert code == 2 and "sweep width" in err and "Traceback" not in err


def test_the_cli_does_not_count_a_gps_dropout_as_flown(tmp_path, capsys):
    """`sar-planner flown` splits the log at a GPS dropout as the logbook does
    (sar_planner/logbook/tracks.py: > 30 s, > 5 x the usual interval, > max(150 m, 3 W) apart): the
    straight line across the gap is not swept. Hand check: the first leg loses 31 fixes 20 m apart
    (a 640 m jump in 32 s, fixes 1 s apart elsewhere); joined, that jump would be swept, so the
    joined track covers about W x 640 m more than the split one."""
    import datetime as dt
    import re

    from sar_planner.cli import main
    from sar_planner.formats import read_track
    from sar_planner.flown_coverage import compare_flown
    from sar_planner.formats.plan_files import read_flown_plan
    from tests.plans3d import terrain_followed
    from tests.ui.test_page_logbook_flown import flown_gpx

    plan = terrain_followed(make_plan())
    (tmp_path / "plan.geojson").write_bytes(write_plan(plan, ".geojson"))
    fixes = re.findall(rb'<trkpt lat="[^"]+" lon="[^"]+">', flown_gpx(plan, dy=0.0))
    kept = fixes[:20] + fixes[51:]  # 31 fixes of the first leg lost
    times = list(range(20)) + [20 + 31 + i for i in range(len(kept) - 20)]  # 1 s apart, 32 s gap
    body = b"".join(f[:-1] + b"><time>" + (dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
                                            + dt.timedelta(seconds=s)).strftime(
        "%Y-%m-%dT%H:%M:%SZ").encode() + b"</time></trkpt>" for f, s in zip(kept, times, strict=True))
    gpx = (b'<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
           b'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + body
           + b"</trkseg></trk></gpx>")
    (tmp_path / "flight.gpx").write_bytes(gpx)
    code = main(["flown", "--plan", str(tmp_path / "plan.geojson"),
                 "--track", str(tmp_path / "flight.gpx")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    joined = compare_flown(read_flown_plan("plan.geojson", write_plan(plan, ".geojson")),
                           read_track("flight.gpx", gpx))
    width = plan.sweep_width_m
    gap_area = width * 31 * 20.0
    assert joined.area_covered_m2 - out["area_covered_m2"] == pytest.approx(gap_area, rel=0.15)
