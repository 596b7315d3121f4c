"""Every plan writer, read back by an independent parser and compared with the plan.

Positions must agree to the centimetre (geodesic distance on WGS84, pyproj.Geod) and heights to
the decimetre. Independent parsers: json (QGroundControl .plan, GeoJSON), pymavlink's
``mavwp.MAVWPLoader`` (QGC WPL 110), zipfile + lxml (DJI WPML, KML), gpxpy (GPX), csv (table).
Format sources: QGroundControl plan file docs (docs/en/qgc-dev-guide/file_formats/plan.md),
mavlink.io/en/file_formats, DJI Cloud API "DJI WPML", OGC KML 2.2, GPX 1.1 schema, RFC 7946.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from dataclasses import replace
from pathlib import Path

import gpxpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pymavlink import mavwp
from pyproj import Geod

from sar_planner.errors import FormatError
from sar_planner.formats import WRITERS, write_plan
from sar_planner.formats._common import airborne
from sar_planner.geo import format_ddm
from sar_planner.i18n import t
from sar_planner.plan import Notice, ReturnHeight, Sortie, SortiePlan, Waypoint
from sar_planner.terrain import geoid_separation
from tests.formats_plans import make_plan

GEOD = Geod(ellps="WGS84")
KML = "http://www.opengis.net/kml/2.2"
WPML = "http://www.dji.com/wpmz/1.0.2"
NS = {"k": KML, "wpml": WPML}


def horizontal_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return abs(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def assert_same_point(got: tuple[float, float, float], wp, *, alt: float | None = None) -> None:
    lat, lon, z = got
    assert horizontal_m(lat, lon, wp.lat, wp.lon) < 0.01, (got, wp)
    assert abs(z - (wp.alt_amsl_m if alt is None else alt)) < 0.1, (got, wp)


@pytest.fixture(scope="module")
def plan():
    return make_plan()


def test_demo_plan_heights_are_kunlun_heights(plan):
    # The hand-built plan flies 75.5 m over the demo DEM: 3,300-4,500 m AMSL as the brief asks.
    alts = [w.alt_amsl_m for w in plan.waypoints]
    assert 3300 < min(alts) and max(alts) < 4500
    assert any(w.alt_amsl_m - plan.home.alt_amsl_m > 100 for w in plan.waypoints)


def test_writers_table_is_complete():
    assert set(WRITERS) == {".plan", ".waypoints", ".kmz", ".kml", ".gpx", ".geojson", ".csv",
                            ".html"}
    for spec in WRITERS.values():
        assert t(spec.label, "en") != spec.label and t(spec.label, "zh") != spec.label
        assert "/" in spec.mime
    assert {e for e, s in WRITERS.items() if s.one_flight} == {".plan", ".waypoints", ".kmz"}


# --------------------------------------------------------------------- QGroundControl .plan


def test_qgc_plan_reads_back_with_amsl_frame_0(plan):
    doc = json.loads(write_plan(plan, ".plan"))
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    mission = doc["mission"]
    assert mission["version"] == 2 and mission["firmwareType"] == 12
    assert mission["vehicleType"] == 2
    # 2 = AltitudeModeAbsolute (QGroundControlQmlGlobal.h, enum AltMode)
    assert mission["globalPlanAltitudeMode"] == 2
    hp = mission["plannedHomePosition"]
    assert_same_point(tuple(hp), plan.home)
    items = mission["items"]
    assert [i["doJumpId"] for i in items] == list(range(1, len(items) + 1))
    assert all(i["type"] == "SimpleItem" and len(i["params"]) == 7 for i in items)
    assert items[0]["command"] == 22 and items[-1]["command"] == 21
    nav = [i for i in items if i["command"] == 16]
    air = airborne(plan.sorties[0])
    # the take-off ends on the first airborne waypoint (straight above the launch point, same
    # height), so that waypoint is not written again: no zero-length leg
    assert len(nav) == len(air) - 1
    for item, wp in zip(nav, air[1:], strict=True):
        assert item["frame"] == 0 and item["AltitudeMode"] == 2
        assert item["params"][3] is None          # yaw unset (NaN in QGC's JSON)
        assert_same_point(tuple(item["params"][4:7]), wp)
        assert item["Altitude"] == item["params"][6]
    # take-off climbs over the launch point to the first airborne waypoint's height
    assert_same_point(tuple(items[0]["params"][4:7]), plan.home, alt=air[0].alt_amsl_m)
    assert_same_point(tuple(items[-1]["params"][4:7]), plan.sorties[0].waypoints[-1])
    speeds = [i["params"][1] for i in items if i["command"] == 178]
    assert set(speeds) == {15.0, 10.0, 5.0}
    fence = doc["geoFence"]["polygons"]
    assert len(fence) == 1 and fence[0]["inclusion"] is True
    ring = fence[0]["polygon"]
    assert len(ring) == len(plan.area_wgs84) - 1   # stored open
    for (lat, lon), (alon, alat) in zip(ring, plan.area_wgs84, strict=False):  # ring stored open
        assert horizontal_m(lat, lon, alat, alon) < 0.01


def test_qgc_plan_options(plan):
    doc = json.loads(write_plan(plan, ".plan", firmware_type=3, vehicle_type=4, end_with="rtl"))
    assert doc["mission"]["firmwareType"] == 3 and doc["mission"]["vehicleType"] == 4
    assert doc["mission"]["items"][-1]["command"] == 20
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".plan", vehicle_type=99)
    assert err.value.code == "formats.err_bad_option"
    with pytest.raises(FormatError):
        write_plan(plan, ".plan", end_with="crash")


# --------------------------------------------------------------------- MAVLink WPL


def test_wpl_reads_back_with_pymavlink(plan, tmp_path: Path):
    data = write_plan(plan, ".waypoints", firmware_type=3)     # an ArduPilot aircraft
    assert data.startswith(b"QGC WPL 110\n")
    assert all(len(line.split("\t")) == 12 for line in data.decode().splitlines()[1:])
    path = tmp_path / "s1.waypoints"
    path.write_bytes(data)
    loader = mavwp.MAVWPLoader()
    count = loader.load(str(path))
    items = [loader.wp(i) for i in range(count)]
    assert_same_point((items[0].x, items[0].y, items[0].z), plan.home)   # row 0 = home
    assert items[0].frame == 0 and items[0].current == 1
    nav = [m for m in items[1:] if m.command == 16]
    air = airborne(plan.sorties[0])
    assert len(nav) == len(air) - 1        # the take-off ends on air[0]: written once
    for m, wp in zip(nav, air[1:], strict=True):
        assert m.frame == 0 and m.autocontinue == 1
        assert m.param4 == 0.0             # ArduPilot writes 0, never "nan" (issue 13)
        assert_same_point((m.x, m.y, m.z), wp)
    assert items[1].command == 22
    assert [m.command for m in items if m.command != 178][-1] == 21
    assert [m.seq for m in items] == list(range(count))
    # ArduPilot's rule: a speed change follows the NAV item after it
    legs = _leg_speeds([(m.command, m.param2) for m in items[1:]], "ardupilot")
    assert legs == [w.speed_m_s for w in air]


# --------------------------------------------------------------------- DJI WPML


def _wpmz(data: bytes) -> tuple[etree._Element, etree._Element]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    assert "wpmz/template.kml" in names and "wpmz/waylines.wpml" in names
    return (etree.fromstring(zf.read("wpmz/template.kml")),
            etree.fromstring(zf.read("wpmz/waylines.wpml")))


def test_dji_wpml_heights_are_ellipsoidal(plan):
    template, waylines = _wpmz(write_plan(plan, ".kmz", drone_enum=89, payload_enum=43))
    for doc in (template, waylines):
        assert doc.xpath("string(//wpml:droneEnumValue)", namespaces=NS) == "89"
        assert doc.xpath("string(//wpml:payloadEnumValue)", namespaces=NS) == "43"
        assert doc.xpath("string(//wpml:flyToWaylineMode)", namespaces=NS) == "safely"
        assert doc.xpath("string(//wpml:finishAction)", namespaces=NS) == "goHome"
        assert doc.xpath("string(//wpml:executeRCLostAction)", namespaces=NS) == "goBack"
    assert waylines.xpath("string(//k:Folder/wpml:executeHeightMode)", namespaces=NS) == "WGS84"
    assert template.xpath("string(//wpml:heightMode)", namespaces=NS) == "EGM96"
    assert template.xpath("string(//wpml:templateType)", namespaces=NS) == "waypoint"
    air = airborne(plan.sorties[0])
    marks = waylines.xpath("//k:Folder/k:Placemark", namespaces=NS)
    tmarks = template.xpath("//k:Folder/k:Placemark", namespaces=NS)
    assert len(marks) == len(tmarks) == len(air)
    for i, (pm, tpm, wp) in enumerate(zip(marks, tmarks, air, strict=True)):
        lon, lat = map(float, pm.xpath("string(k:Point/k:coordinates)", namespaces=NS).split(","))
        h = float(pm.xpath("string(wpml:executeHeight)", namespaces=NS))
        assert int(pm.xpath("string(wpml:index)", namespaces=NS)) == i
        n = float(geoid_separation(wp.lat, wp.lon))
        # EGM2008 near Golmud is about -48 m (NGA EGM2008 model; the terrain tests pin the
        # interpolation against NGA's published check values): the ellipsoid lies ABOVE the
        # geoid here, so ellipsoidal heights are ~48 m smaller than sea-level ones.
        assert -52 < n < -44
        assert_same_point((lat, lon, h), wp, alt=wp.alt_amsl_m + n)
        assert abs((h - wp.alt_amsl_m) - n) < 0.01
        assert float(pm.xpath("string(wpml:waypointSpeed)", namespaces=NS)) == wp.speed_m_s
        # template: height = sea level, ellipsoidHeight = executeHeight
        assert abs(float(tpm.xpath("string(wpml:height)", namespaces=NS)) - wp.alt_amsl_m) < 0.01
        assert abs(float(tpm.xpath("string(wpml:ellipsoidHeight)", namespaces=NS)) - h) < 0.01


def test_dji_needs_the_aircraft_enums(plan):
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".kmz")
    assert err.value.code == "formats.err_dji_enum"
    assert "89" in err.value.message("en") and "89" in err.value.message("zh")
    with pytest.raises(FormatError):
        write_plan(plan, ".kmz", drone_enum=89, payload_enum=43, finish_action="explode")
    with pytest.raises(FormatError):
        write_plan(plan, ".kmz", drone_enum=89, payload_enum=43, take_off_security_height_m=0.5)


# --------------------------------------------------------------------- KML


def test_kml_reads_back_with_lxml(plan):
    root = etree.fromstring(write_plan(plan, ".kml"))
    lines = root.xpath("//k:Placemark/k:LineString", namespaces=NS)
    assert len(lines) == 1
    assert lines[0].xpath("string(k:altitudeMode)", namespaces=NS) == "absolute"
    tuples = lines[0].xpath("string(k:coordinates)", namespaces=NS).split()
    wps = plan.sorties[0].waypoints
    assert len(tuples) == len(wps)
    for tup, wp in zip(tuples, wps, strict=True):
        lon, lat, alt = map(float, tup.split(","))
        assert_same_point((lat, lon, alt), wp)
    ring = root.xpath("string(//k:Polygon//k:coordinates)", namespaces=NS).split()
    assert len(ring) == len(plan.area_wgs84)
    # no remote icons or links: the file opens offline
    assert b"http://maps.google" not in write_plan(plan, ".kml")
    assert not root.xpath("//k:href", namespaces=NS)


# --------------------------------------------------------------------- GPX


def test_gpx_reads_back_with_gpxpy(plan):
    gpx = gpxpy.parse(write_plan(plan, ".gpx").decode("utf-8"))
    assert gpx.version == "1.1"
    assert len(gpx.routes) == 1
    wps = plan.sorties[0].waypoints
    pts = gpx.routes[0].points
    assert len(pts) == len(wps)
    for p, wp in zip(pts, wps, strict=True):
        assert_same_point((p.latitude, p.longitude, p.elevation), wp)
        assert abs(p.geoid_height - geoid_separation(wp.lat, wp.lon)) < 0.01
    assert len(gpx.waypoints) == len(wps) + 1 and gpx.waypoints[0].name == "HOME"


# --------------------------------------------------------------------- GeoJSON


def test_geojson_heights_are_sea_level_as_the_cli_contract_says(plan):
    doc = json.loads(write_plan(plan, ".geojson"))
    assert doc["type"] == "FeatureCollection"
    tracks = [f for f in doc["features"] if f["properties"]["kind"] == "track"]
    assert len(tracks) == 1
    wps = plan.sorties[0].waypoints
    coords = tracks[0]["geometry"]["coordinates"]
    for (lon, lat, h), wp in zip(coords, wps, strict=True):
        # issue 4: "GeoJSON coordinates are [lon, lat, altitude above mean sea level in metres]"
        assert_same_point((lat, lon, h), wp, alt=wp.alt_amsl_m)
    points = [f for f in doc["features"] if f["properties"]["kind"] == "waypoint"]
    for f, wp in zip(points, wps, strict=True):
        assert abs(f["properties"]["alt_amsl_m"] - wp.alt_amsl_m) < 0.1
        # the RFC 7946 (ellipsoidal) height is there too: AMSL + EGM2008 N
        n = geoid_separation(wp.lat, wp.lon)
        assert abs(f["properties"]["alt_ellipsoid_m"] - (wp.alt_amsl_m + n)) < 0.01
    assert "mean sea level" in doc["height_note"]
    area = [f for f in doc["features"] if f["properties"]["kind"] == "area"][0]
    assert area["geometry"]["coordinates"][0][0] == area["geometry"]["coordinates"][0][-1]


# --------------------------------------------------------------------- CSV


def test_csv_table_reads_back(plan):
    data = write_plan(plan, ".csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    wps = plan.sorties[0].waypoints
    assert len(rows) == len(wps)
    total = 0.0
    for i, (r, wp) in enumerate(zip(rows, wps, strict=True)):
        assert_same_point((float(r["lat"]), float(r["lon"]), float(r["alt_amsl_m"])), wp)
        assert r["role"] == wp.role and r["name"] == f"S1-WP{i:02d}"
        if i:
            leg = GEOD.inv(wps[i - 1].lon, wps[i - 1].lat, wp.lon, wp.lat)[2]
            total += leg
            assert abs(float(r["leg_m"]) - leg) < 0.1
    assert abs(float(rows[-1]["cumulative_m"]) - total) < 0.5


# --------------------------------------------------------------------- briefing


@pytest.mark.parametrize("lang,word", [("zh", "架次任务简报"), ("en", "Sortie briefing")])
def test_briefing_is_self_contained_and_escaped(plan, lang, word):
    page = write_plan(plan, ".html", lang=lang, frequencies=["123.450 MHz"],
                      notes="<script>alert(1)</script>\nsecond line", crew="张三 / Li").decode()
    assert word in page and "123.450 MHz" in page and "张三" in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "<svg" in page and "S1-WP00" in page
    # nothing remote: the only URL is the SVG namespace
    assert page.count("http") == page.count("http://www.w3.org/2000/svg")
    # the return-to-home height the crew must set, and why: the highest ground between route
    # and home plus the clearance, as a height above the take-off point (the DJI file's value)
    r = plan.sorties[0].rth
    rth = math.ceil(r.terrain_max_amsl_m + r.clearance_m - plan.home.alt_amsl_m)
    top = f"{r.terrain_max_amsl_m:.0f}"
    if lang == "en":
        assert f"Sortie 1: {rth} m above the take-off point" in page
        assert f"is {top} m AMSL at {format_ddm(r.terrain_max_lat, r.terrain_max_lon)}" in page
        assert "plus the planned clearance of 76 m" in page     # AGL_M 75.5 rounded
    else:
        assert f"第 1 架次:高于起飞点 {rth} 米" in page and f"海拔 {top} 米" in page
    # a plan made without a DEM has no checked return height: the page says what is unchecked
    bare = replace(plan, sorties=tuple(replace(s, rth=None) for s in plan.sorties))
    page = write_plan(bare, ".html", lang=lang).decode()
    highest = max(w.alt_amsl_m for w in plan.sorties[0].waypoints)
    rth = f"{highest - plan.home.alt_amsl_m:.0f}"
    assert (f"at least {rth} m above" if lang == "en" else f"至少高于起飞点 {rth} 米") in page
    # every waypoint is in the table with its AMSL height, rounded to the metre
    for w in plan.sorties[0].waypoints:
        assert f"<td>{w.alt_amsl_m:.0f}</td>" in page
        assert f"<td>{format_ddm(w.lat, w.lon)}</td>" in page
    # by hand: 36.09 N = 36 deg 05.400 min; 94.84 E = 94 deg 50.400 min (the home point)
    assert "<td>36°05.400′N 94°50.400′E</td>" in page


# --------------------------------------------------------------------- write_plan rules


def test_multi_sortie_plans_need_a_sortie_for_flight_files():
    plan2 = make_plan(n_sorties=2)
    for ext in (".plan", ".waypoints", ".kmz"):
        with pytest.raises(FormatError) as err:
            write_plan(plan2, ext, drone_enum=89, payload_enum=43) if ext == ".kmz" \
                else write_plan(plan2, ext)
        assert err.value.code == "formats.err_choose_sortie"
    doc = json.loads(write_plan(plan2, ".plan", sortie=2))
    nav = [i for i in doc["mission"]["items"] if i["command"] == 16]
    air = airborne(plan2.sorties[1])
    assert len(nav) == len(air) - 1     # the take-off ends on air[0]
    for item, wp in zip(nav, air[1:], strict=True):
        assert_same_point(tuple(item["params"][4:7]), wp)
    with pytest.raises(FormatError) as err:
        write_plan(plan2, ".plan", sortie=3)
    assert err.value.code == "formats.err_no_such_sortie"
    gpx = gpxpy.parse(write_plan(plan2, ".gpx").decode())
    assert len(gpx.routes) == 2   # display formats carry every sortie


def test_blocking_notice_forbids_every_export():
    bad = make_plan(notices=(Notice("planning.err_terrain_clearance", {}, blocking=True),))
    for ext in WRITERS:
        with pytest.raises(FormatError) as err:
            write_plan(bad, ext, drone_enum=89, payload_enum=43) if ext == ".kmz" \
                else write_plan(bad, ext)
        assert err.value.code == "formats.err_blocked"


def test_write_plan_saves_only_inside_the_data_folder(plan, data_dir: Path, tmp_path: Path):
    target = data_dir / "exports" / "s1.plan"
    data = write_plan(plan, target)
    assert target.read_bytes() == data
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".export-")]
    for outside in (tmp_path / "elsewhere.plan", data_dir / ".." / "escape.gpx"):
        with pytest.raises(FormatError) as err:
            write_plan(plan, outside)
        assert err.value.code == "formats.err_outside_data"
        assert not Path(outside).exists()
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".exe")
    assert err.value.code == "formats.err_unknown_ext"


# --------------------------------------------------------------------- asset from the catalogue


class _CatalogueAsset:
    """Stands for sar_planner.assets.Asset (same attribute names), so these tests do not depend
    on the catalogue's current numbers. Enums: DJI Cloud API product support page (M350 RTK 89/0,
    Zenmuse H20T 43)."""

    def __init__(self, id: str, vehicle: int, drone: int | None, sub: int | None,
                 payload: int | None) -> None:
        self.id, self.mavlink_vehicle_type = id, vehicle
        self.dji_drone_enum, self.dji_drone_sub_enum, self.dji_payload_enum = drone, sub, payload

    def name(self, lang: str = "en") -> str:
        return {"en": "DJI M350 RTK + H20T", "zh": "大疆 M350 RTK + H20T"}[lang]


def test_asset_fills_enums_vehicle_type_and_name(plan):
    m350 = _CatalogueAsset("m350-h20t", 2, 89, 0, 43)
    _, waylines = _wpmz(write_plan(plan, ".kmz", asset=m350))
    assert waylines.xpath("string(//wpml:droneEnumValue)", namespaces=NS) == "89"
    assert waylines.xpath("string(//wpml:payloadEnumValue)", namespaces=NS) == "43"
    assert json.loads(write_plan(plan, ".plan", asset=m350))["mission"]["vehicleType"] == 2
    assert "大疆 M350 RTK + H20T" in write_plan(plan, ".html", asset=m350, lang="zh").decode()
    # explicit options win over the asset
    _, waylines = _wpmz(write_plan(plan, ".kmz", asset=m350, payload_enum=83))
    assert waylines.xpath("string(//wpml:payloadEnumValue)", namespaces=NS) == "83"


def test_asset_must_be_the_plans_and_a_dji_drone_for_kmz(plan):
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".plan", asset=_CatalogueAsset("m30t", 2, 67, 1, 53))
    assert err.value.code == "formats.err_asset_mismatch"
    heli = _CatalogueAsset("m350-h20t", 4, None, None, None)
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".kmz", asset=heli)
    assert err.value.code == "formats.err_not_dji"
    no_payload = _CatalogueAsset("m350-h20t", 2, 89, 0, None)
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".kmz", asset=no_payload)
    assert err.value.code == "formats.err_dji_enum"


# --------------------------------------------------------------------- any plan, any place


_offset = st.floats(-0.3, 0.3, allow_nan=False)
_wp_near = st.tuples(_offset, _offset, st.floats(-430, 8850, allow_nan=False), st.floats(5, 500),
                     st.floats(0.5, 60), st.sampled_from(["transit", "search", "turn"]))


def _geodesic_dedupe(points: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """(lat, lon, alt) without a point at the same place (< 0.5 m on the WGS84 ellipsoid, pyproj
    Geod) and height (< 0.5 m) as the one kept before it: the "no zero-length leg" rule checked
    with a geodesic, independently of the writers' own spherical test."""
    out: list[tuple[float, float, float]] = []
    for q in points:
        if out and horizontal_m(out[-1][0], out[-1][1], q[0], q[1]) < 0.5 \
                and abs(out[-1][2] - q[2]) < 0.5:
            out[-1] = q
        else:
            out.append(q)
    return out


def _assert_same_sequence(got, want) -> None:
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want, strict=True):
        assert horizontal_m(g[0], g[1], w[0], w[1]) < 0.01 and abs(g[2] - w[2]) < 0.1, (g, w)


def _assert_no_zero_leg(points) -> None:
    for a, b in zip(points, points[1:], strict=False):
        assert horizontal_m(a[0], a[1], b[0], b[1]) >= 0.5 or abs(a[2] - b[2]) >= 0.5, (a, b)


@settings(max_examples=15, deadline=None)
@given(lat0=st.floats(-84, 84), lon0=st.floats(-179.6, 179.6),
       offsets=st.lists(_wp_near, min_size=1, max_size=12),
       repeats=st.lists(st.integers(0, 11), max_size=4))
def test_any_waypoints_round_trip_through_plan_wpl_gpx_kml(lat0, lon0, offsets, repeats,
                                                           tmp_path_factory):
    # Property: wherever a sortie is (both hemispheres, both sides of Greenwich, Dead Sea to
    # Everest heights), every flight file reads back to the centimetre and decimetre, and none
    # has a zero-length leg, also when the plan repeats a point (issue 13).
    pts = [Waypoint(lat0 + dy, lon0 + dx, alt, agl, speed, role)
           for dy, dx, alt, agl, speed, role in offsets]
    for k in repeats:   # the same place and height twice in a row, as a planner may emit
        if k < len(pts):
            pts.insert(k, replace(pts[k], role="transit"))
    home = Waypoint(pts[0].lat, pts[0].lon, pts[0].alt_amsl_m - pts[0].agl_m, 0.0, 0.0, "takeoff")
    rth = ReturnHeight(9000.0, 9000.0 - home.alt_amsl_m, 8900.0, lat0, lon0, 100.0)
    sortie = Sortie(1, (home, *pts, replace(home, role="land")), 1000.0, 100.0, 800.0, rth=rth)
    plan = SortiePlan("prop", "x", "parallel", "EPSG:3857", home, (sortie,), None, 50.0, 50.0,
                      80.0, 5.0)
    xyz = [(w.lat, w.lon, w.alt_amsl_m) for w in pts]
    flown = _geodesic_dedupe(xyz)
    # take-off: over the launch point to the first waypoint's height, at least 10 m up
    takeoff = (home.lat, home.lon, max(pts[0].alt_amsl_m, home.alt_amsl_m + 10.0))
    mission = _geodesic_dedupe([takeoff, *xyz])
    items = json.loads(write_plan(plan, ".plan"))["mission"]["items"]
    got = [tuple(i["params"][4:7]) for i in items if i["command"] in (22, 16)]
    _assert_same_sequence(got, mission)
    _assert_no_zero_leg(got)
    path = tmp_path_factory.mktemp("wpl") / "p.waypoints"
    path.write_bytes(write_plan(plan, ".waypoints"))
    loader = mavwp.MAVWPLoader()
    items = [loader.wp(i) for i in range(loader.load(str(path)))]
    got = [(m.x, m.y, m.z) for m in items[1:] if m.command in (22, 16)]
    _assert_same_sequence(got, mission)
    _assert_no_zero_leg(got)
    gpx = gpxpy.parse(write_plan(plan, ".gpx").decode())
    got = [(p.latitude, p.longitude, p.elevation) for p in gpx.routes[0].points]
    _assert_same_sequence(got[1:-1], flown)
    _assert_no_zero_leg(got)
    root = etree.fromstring(write_plan(plan, ".kml"))
    tuples = root.xpath("string(//k:LineString/k:coordinates)", namespaces=NS).split()
    got = [(lat, lon, alt) for lon, lat, alt in (map(float, t.split(",")) for t in tuples)]
    _assert_same_sequence(got[1:-1], flown)
    _assert_no_zero_leg(got)
    _, waylines = _wpmz(write_plan(plan, ".kmz", drone_enum=89, payload_enum=43))
    heights = [float(h) for h in waylines.xpath("//wpml:executeHeight/text()", namespaces=NS)]
    coords = [tuple(map(float, c.split(","))) for c in
              waylines.xpath("//k:Placemark/k:Point/k:coordinates/text()", namespaces=NS)]
    ns = [float(n) for n in np.atleast_1d(geoid_separation(np.array([f[0] for f in flown]),
                                                           np.array([f[1] for f in flown])))]
    got = [(lat, lon, h - n) for (lon, lat), h, n in zip(coords, heights, ns, strict=True)]
    _assert_same_sequence(got, flown)
    _assert_no_zero_leg(got)


# --------------------------------------------------------------------- speeds per autopilot


def _leg_speeds(items: list[tuple[int, float]], autopilot: str) -> list[float | None]:
    """Speed in force on each leg between consecutive NAV items, by the autopilot's rule.

    ``items`` are (command, speed param) in mission order. PX4 executes items in sequence: a
    DO_CHANGE_SPEED after NAV k is in force from k on. ArduPilot (AP_Mission) starts the DO_
    items that follow NAV k when NAV k starts, i.e. already on the leg toward k.
    """
    nav_idx = [i for i, (cmd, _) in enumerate(items) if cmd != 178]
    speed = None
    legs: list[float | None] = []
    for a, b in zip(nav_idx, nav_idx[1:], strict=False):
        dos_after_a = [items[j][1] for j in range(a + 1, b)]
        dos_after_b = [items[j][1] for j in range(b + 1, (nav_idx + [len(items)])
                                                  [nav_idx.index(b) + 1])]
        if autopilot == "px4":
            speed = dos_after_a[-1] if dos_after_a else speed
        else:
            speed = dos_after_b[-1] if dos_after_b else speed
        legs.append(speed)
    return legs


@pytest.mark.parametrize("firmware,rule", [(12, "px4"), (3, "ardupilot")])
def test_speed_changes_govern_the_right_legs(plan, firmware, rule):
    doc = json.loads(write_plan(plan, ".plan", firmware_type=firmware))
    items = [(i["command"], i["params"][1]) for i in doc["mission"]["items"]]
    legs = _leg_speeds(items, rule)
    air = airborne(plan.sorties[0])
    # the take-off ends on wp0 (straight above launch), so the legs are wp0->wp1, ...,
    # wp_last->landing, each at the speed of the waypoint it leaves
    assert legs == [w.speed_m_s for w in air]


def test_takeoff_climbs_at_least_10_m_when_the_first_waypoint_is_below_launch(plan):
    s = plan.sorties[0]
    low = replace(s.waypoints[1], alt_amsl_m=plan.home.alt_amsl_m - 50)   # valley below a ridge
    sortie = replace(s, waypoints=(s.waypoints[0], low, *s.waypoints[2:]))
    doc = json.loads(write_plan(replace(plan, sorties=(sortie,)), ".plan"))
    takeoff = doc["mission"]["items"][0]
    assert takeoff["command"] == 22
    assert takeoff["params"][6] == pytest.approx(plan.home.alt_amsl_m + 10.0)


def test_unknown_options_are_a_clear_error_and_lang_goes_to_the_briefing_only(plan):
    assert write_plan(plan, ".gpx", lang="en") == write_plan(plan, ".gpx")
    with pytest.raises(FormatError) as err:
        write_plan(plan, ".gpx", sortei=1)
    assert err.value.code == "formats.err_bad_option" and "sortie" in err.value.params["allowed"]


def test_writers_for_leaves_out_the_dji_route_for_other_aircraft():
    from sar_planner.formats import writers_for

    heli = _CatalogueAsset("h125", 4, None, None, None)
    m350 = _CatalogueAsset("m350-h20t", 2, 89, 0, 43)
    assert set(writers_for(heli)) == set(WRITERS) - {".kmz"}
    assert set(writers_for(m350)) == set(WRITERS) == set(writers_for(None))
