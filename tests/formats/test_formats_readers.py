"""Readers of flown tracks and search areas, and the safety of parsing what users upload.

Sample inputs are small hand-made files in tests/data/formats (each states what it holds); the
.tlog and the zipped shapefile are built in the test with pymavlink and pyshp, the libraries
that also define those formats here.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import shapefile
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

import sar_planner.formats._safe as safe
from sar_planner.errors import FormatError
from sar_planner.formats import read_area, read_track, write_plan
from tests.formats_plans import make_plan

DATA = Path(__file__).parents[1] / "data" / "formats"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


# --------------------------------------------------------------------- tracks


def test_gpx_track_segments_times_and_heights():
    track = read_track("flown_track.gpx", _read("flown_track.gpx"))
    assert track.source_format == "gpx"
    assert len(track.points) == 5 and track.segment_starts == (0, 3)
    assert [len(s) for s in track.segments] == [3, 2]
    p0 = track.points[0]
    assert (p0.lat, p0.lon, p0.alt_amsl_m) == (36.1, 94.85, 3801.5)
    assert p0.time == datetime(2026, 8, 14, 6, 0, 0, tzinfo=timezone.utc)
    # 14:10 Beijing time (+08:00) is 06:10 UTC
    assert track.points[3].time == datetime(2026, 8, 14, 6, 10, 0, tzinfo=timezone.utc)
    assert track.points[4].alt_amsl_m is None
    assert not track.has_altitudes
    lat, lon, alt = track.arrays()
    assert lat.shape == lon.shape == alt.shape == (5,) and alt[4] != alt[4]   # NaN
    lat1, _, _ = track.arrays(segment=1)
    assert list(lat1) == [36.101, 36.101]
    assert track.end == datetime(2026, 8, 14, 6, 10, 20, tzinfo=timezone.utc)
    # 0.002 deg of longitude along 36.100 N and 36.101 N in each segment. One degree of
    # longitude on the WGS84 ellipsoid = pi/180 * a cos(phi) / sqrt(1 - e2 sin^2 phi)
    # = 0.0174533 * 6378137 * 0.80799 / 0.998838 = 90.049 km, so 2 * 180.10 m.
    assert track.length_m == pytest.approx(2 * 180.10, abs=0.1)


def test_gpx_of_timed_waypoints_only():
    gpx = b"""<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="36.2" lon="94.9"><name>no time: a landmark, not a fix</name></wpt>
<wpt lat="36.11" lon="94.86"><time>2026-08-14T06:00:20Z</time></wpt>
<wpt lat="36.10" lon="94.85"><time>2026-08-14T06:00:10Z</time></wpt></gpx>"""
    track = read_track("fixes.gpx", gpx)
    assert [(p.lat, p.lon) for p in track.points] == [(36.10, 94.85), (36.11, 94.86)]


def test_geojson_line_track_with_coord_times():
    doc = {"type": "Feature", "properties": {"coordTimes": ["2026-08-14T06:00:00Z",
                                                            "2026-08-14T06:00:05Z"]},
           "geometry": {"type": "LineString", "coordinates": [[94.85, 36.1, 3752.4],
                                                              [94.851, 36.1, 3753.0]]}}
    track = read_track("t.geojson", json.dumps(doc).encode())
    assert track.source_format == "geojson"
    assert [(p.lat, p.lon, p.alt_amsl_m) for p in track.points] == [(36.1, 94.85, None),
                                                                     (36.1, 94.851, None)]
    assert track.points[1].time == datetime(2026, 8, 14, 6, 0, 5, tzinfo=timezone.utc)
    # our own plan GeoJSON: one segment per sortie track (the waypoint points are not a line)
    plan = make_plan(n_sorties=2)
    track = read_track("plan.geojson", write_plan(plan, ".geojson"))
    assert len(track.segments) == 2
    assert len(track.points) == sum(len(s.waypoints) for s in plan.sorties)
    with pytest.raises(FormatError) as err:
        read_track("t.geojson", b'{"type": "LineString", "coordinates": [[94.85]]}')
    assert err.value.code == "formats.err_not_format"


def test_exported_gpx_route_is_read_as_a_track():
    plan = make_plan()
    track = read_track("plan.gpx", write_plan(plan, ".gpx"))
    assert len(track.points) == len(plan.sorties[0].waypoints)
    for p, w in zip(track.points, plan.sorties[0].waypoints, strict=True):
        assert abs(p.lat - w.lat) < 1e-7 and abs(p.lon - w.lon) < 1e-7
        assert abs(p.alt_amsl_m - w.alt_amsl_m) < 0.01


def test_kml_linestring_and_kmz_gx_track():
    plan = make_plan()
    track = read_track("plan.kml", write_plan(plan, ".kml"))
    assert track.source_format == "kml"
    assert [round(p.alt_amsl_m, 2) for p in track.points] == \
        [round(w.alt_amsl_m, 2) for w in plan.sorties[0].waypoints]
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document><Placemark><gx:Track><altitudeMode>absolute</altitudeMode>
<when>2026-08-14T06:00:00Z</when><when>2026-08-14T06:00:05Z</when>
<gx:coord>94.85 36.10 3800.5</gx:coord><gx:coord>94.851 36.10 3801</gx:coord>
</gx:Track></Placemark></Document></kml>"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", kml)
        zf.writestr("files/icon.png", b"\x89PNG")
    track = read_track("flight.kmz", buf.getvalue())
    assert track.source_format == "kmz"
    assert [(p.lat, p.lon, p.alt_amsl_m) for p in track.points] == \
        [(36.10, 94.85, 3800.5), (36.10, 94.851, 3801.0)]
    assert track.points[1].time == datetime(2026, 8, 14, 6, 0, 5, tzinfo=timezone.utc)
    # clampToGround (the KML default) carries no usable altitude
    ground = kml.replace(b"<altitudeMode>absolute</altitudeMode>", b"")
    assert read_track("g.kml", ground).points[0].alt_amsl_m is None


def test_kml_point_fixes_with_timestamps_become_a_track():
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><TimeStamp><when>2026-08-14T06:00:10Z</when></TimeStamp>
  <Point><altitudeMode>absolute</altitudeMode><coordinates>94.851,36.10,3805</coordinates></Point></Placemark>
<Placemark><TimeStamp><when>2026-08-14T06:00:00Z</when></TimeStamp>
  <Point><altitudeMode>absolute</altitudeMode><coordinates>94.850,36.10,3800</coordinates></Point></Placemark>
<Placemark><name>note without time</name><Point><coordinates>94.9,36.2</coordinates></Point></Placemark>
</Document></kml>"""
    track = read_track("fixes.kml", kml)
    assert [(p.lon, p.alt_amsl_m) for p in track.points] == [(94.850, 3800.0), (94.851, 3805.0)]
    assert track.points[0].time == datetime(2026, 8, 14, 6, 0, tzinfo=timezone.utc)


def test_osd_columns_of_other_dji_record_viewers():
    text = ("CUSTOM.updateTime [local],OSD.latitude,OSD.longitude,OSD.altitude [ft]\n"
            "14:00:00.1,36.1,94.85,120\n14:00:01.1,36.1001,94.85,125\n")
    track = read_track("FlightRecord.csv", text.encode())
    assert [(p.lat, p.lon) for p in track.points] == [(36.1, 94.85), (36.1001, 94.85)]
    assert all(p.time is None and p.alt_amsl_m is None for p in track.points)


def test_airdata_csv_in_feet():
    track = read_track("airdata_flight.csv", _read("airdata_flight.csv"))
    assert track.source_format == "csv-airdata"
    assert len(track.points) == 3            # the (0, 0) row before the GPS fix is dropped
    # 12467.2 ft * 0.3048 m/ft (international foot) = 3800.0 m
    assert track.points[0].alt_amsl_m == pytest.approx(3800.0, abs=0.01)
    assert track.points[2].alt_amsl_m == pytest.approx(12713.3 * 0.3048, abs=0.001)
    assert track.points[0].time == datetime(2026, 8, 14, 6, 0, 1, tzinfo=timezone.utc)


def test_plain_csv_and_bad_rows():
    text = "lat,lon,time_utc,alt_amsl_m\n36.1,94.85,2026-08-14T06:00:00Z,3800\n36.2,94.86,,\n"
    track = read_track("t.csv", text.encode())
    assert track.source_format == "csv"
    assert track.points[1] == (None, 36.2, 94.86, None)
    with pytest.raises(FormatError) as err:
        read_track("t.csv", b"a,b\n1,2\n")
    assert err.value.code == "formats.err_csv_columns"
    with pytest.raises(FormatError) as err:
        read_track("t.csv", b"latitude,longitude\n36.1,94.85\nabc,94.8\n")
    assert err.value.code == "formats.err_csv_row" and err.value.params["line"] == 3
    with pytest.raises(FormatError) as err:
        read_track("t.csv", b"latitude,longitude\n136.1,94.85\n")
    assert err.value.code == "formats.err_bad_coordinate"


def _tlog(points: list[tuple[float, float, float, float]], system: int = 1) -> bytes:
    """A QGroundControl .tlog: each MAVLink packet after a big-endian uint64 time in us (UTC)."""
    from pymavlink.dialects.v20 import common as mavlink

    mav = mavlink.MAVLink(None, srcSystem=system, srcComponent=1)
    out = bytearray()
    for k, (t_s, lat, lon, alt_m) in enumerate(points):
        hb = mavlink.MAVLink_heartbeat_message(2, 12, 0, 0, 4, 3)
        out += struct.pack(">Q", int(t_s * 1e6)) + hb.pack(mav)
        msg = mavlink.MAVLink_global_position_int_message(
            k * 1000, int(round(lat * 1e7)), int(round(lon * 1e7)), int(round(alt_m * 1000)),
            80_000, 0, 0, 0, 0)
        out += struct.pack(">Q", int(t_s * 1e6)) + msg.pack(mav)
    return bytes(out)


def test_tlog_through_pymavlink():
    t0 = datetime(2026, 8, 14, 6, 0, tzinfo=timezone.utc).timestamp()
    pts = [(t0 + i, 36.1 + i * 1e-4, 94.85, 3800.0 + i) for i in range(5)]
    track = read_track("flight.tlog", _tlog(pts))
    assert track.source_format == "tlog"
    assert len(track.points) == 5
    for p, (t_s, lat, lon, alt) in zip(track.points, pts, strict=True):
        assert p.time.timestamp() == pytest.approx(t_s, abs=1e-3)
        assert p.lat == pytest.approx(lat, abs=1e-7) and p.lon == pytest.approx(lon, abs=1e-7)
        assert p.alt_amsl_m == pytest.approx(alt, abs=1e-3)
    # a log that also holds another system's positions (a GCS with GPS, system 255): the
    # vehicle, with the most fixes, is kept
    gcs = [(t0 + i + 0.5, 36.0, 94.0, 2800.0) for i in range(2)]
    track = read_track("two.tlog", _tlog(gcs, system=255) + _tlog(pts))
    assert len(track.points) == 5 and track.points[0].lat == pytest.approx(36.1)
    with pytest.raises(FormatError) as err:
        read_track("junk.tlog", b"this is not telemetry" * 10)
    assert err.value.code == "formats.err_no_points"


# --------------------------------------------------------------------- hostile and wrong files


@pytest.mark.parametrize("name", ["billion_laughs.gpx", "external_entity.kml"])
def test_hostile_xml_is_refused(name):
    data = _read(name)
    with pytest.raises(FormatError) as err:
        read_track(name, data)
    assert err.value.code == "formats.err_unsafe_xml"
    if name.endswith(".kml"):
        with pytest.raises(FormatError) as err:
            read_area(name, data)
        assert err.value.code == "formats.err_unsafe_xml"
    # the same attack inside a KMZ
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", data)
    with pytest.raises(FormatError) as err:
        read_track("x.kmz", buf.getvalue())
    assert err.value.code == "formats.err_unsafe_xml"   # refused before the root is looked at


@pytest.mark.parametrize("name,data,code", [
    ("track.gpx", b'{"type": "FeatureCollection"}', "formats.err_not_format"),
    ("track.gpx", (DATA / "search_area.kml").read_bytes(), "formats.err_not_format"),
    ("track.kml", (DATA / "flown_track.gpx").read_bytes(), "formats.err_not_format"),
    ("track.kmz", (DATA / "flown_track.gpx").read_bytes(), "formats.err_not_format"),
    ("track.csv", b"PK\x03\x04rest", "formats.err_not_format"),
    ("track.gpx", b"", "formats.err_empty_file"),
    ("track.exe", b"MZ", "formats.err_unknown_track"),
    ("track.kmz", b"PK\x03\x04broken", "formats.err_zip_bad"),
    ("flight.tlog", (DATA / "flown_track.gpx").read_bytes(), "formats.err_not_format"),
    ("flight.tlog", (DATA / "airdata_flight.csv").read_bytes(), "formats.err_not_format"),
])
def test_files_that_are_not_what_their_name_says(name, data, code):
    with pytest.raises(FormatError) as err:
        read_track(name, data)
    assert err.value.code == code
    assert err.value.message("zh") != code and err.value.message("en") != code


def test_size_caps(monkeypatch):
    monkeypatch.setattr(safe, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(FormatError) as err:
        read_track("big.gpx", b" " * 101)
    assert err.value.code == "formats.err_too_big"
    monkeypatch.setattr(safe, "MAX_UPLOAD_BYTES", 64 * 2**20)
    monkeypatch.setattr(safe, "MAX_UNZIPPED_BYTES", 1000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", b"<kml>" + b" " * 100_000 + b"</kml>")   # 100 kB from ~100 bytes
    assert len(buf.getvalue()) < 1000
    with pytest.raises(FormatError) as err:
        read_track("bomb.kmz", buf.getvalue())
    assert err.value.code == "formats.err_zip_too_big"


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["a.gpx", "a.kml", "a.kmz", "a.csv", "a.geojson", "a.zip",
                             "t.geojson"]),
       data=st.binary(min_size=1, max_size=400))
def test_any_bytes_give_a_track_area_or_a_format_error(name, data):
    # Whatever a user uploads, the reader answers with data or a FormatError, never a crash.
    reader = read_area if name.startswith("a.") and name.endswith((".geojson", ".zip")) \
        else read_track
    try:
        reader(name, data)
    except FormatError as exc:
        assert exc.code.startswith("formats.err_")


# --------------------------------------------------------------------- areas


def test_geojson_areas_with_names():
    areas = read_area("search_areas.geojson", _read("search_areas.geojson"))
    assert [a.name for a in areas] == ["段A 山前冲沟", "road G109"]
    assert areas[0].geometry.geom_type == "Polygon" and not areas[0].repaired
    assert areas[0].geometry.bounds == (94.84, 36.09, 94.86, 36.11)
    assert areas[1].geometry.geom_type == "LineString" and not areas[1].geometry.has_z


def test_geojson_in_metres_or_another_crs_is_refused():
    doc = {"type": "Polygon", "coordinates": [[[666000, 3996000], [667000, 3996000],
                                               [667000, 3997000], [666000, 3996000]]]}
    with pytest.raises(FormatError) as err:
        read_area("utm.geojson", json.dumps(doc).encode())
    assert err.value.code == "formats.err_not_degrees"
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties":
                                                {"name": "urn:ogc:def:crs:EPSG::32646"}},
           "features": []}
    with pytest.raises(FormatError) as err:
        read_area("utm.geojson", json.dumps(doc).encode())
    assert err.value.code == "formats.err_geojson_crs"


def test_kml_areas_polygon_with_hole_and_line():
    areas = read_area("search_area.kml", _read("search_area.kml"))
    assert [a.name for a in areas] == ["Segment B", "Dry river bed"]
    poly = areas[0].geometry
    assert len(poly.interiors) == 1
    # 0.02 deg x 0.02 deg minus 0.01 x 0.01 = 0.0003 square degrees
    assert poly.area == pytest.approx(0.0003, rel=1e-9)


def test_self_crossing_polygon_is_repaired_and_says_so():
    bowtie = {"type": "Polygon", "coordinates": [[[94.84, 36.09], [94.86, 36.11],
                                                  [94.86, 36.09], [94.84, 36.11],
                                                  [94.84, 36.09]]]}
    (area,) = read_area("bowtie.geojson", json.dumps(bowtie).encode())
    assert area.repaired and area.geometry.is_valid
    # two triangles of 0.01 x 0.02 / 2 each
    assert area.geometry.area == pytest.approx(0.0002, rel=1e-9)


def _shapefile_zip(crs_epsg: int | None, rings: list[list[tuple[float, float]]]) -> bytes:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON,
                          encoding="utf-8") as w:
        w.field("name", "C", size=40)
        for i, ring in enumerate(rings):
            w.poly([ring])
            w.record(f"段{i + 1}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("areas/segments.shp", shp.getvalue())
        zf.writestr("areas/segments.shx", shx.getvalue())
        zf.writestr("areas/segments.dbf", dbf.getvalue())
        zf.writestr("areas/segments.cpg", b"UTF-8")
        if crs_epsg is not None:
            zf.writestr("areas/segments.prj",
                        CRS.from_epsg(crs_epsg).to_wkt("WKT1_ESRI").encode())
    return buf.getvalue()


def test_zipped_shapefile_in_utm_is_reprojected_to_wgs84():
    # A 1 km square in UTM 46N (EPSG:32646) near 36.10 N 94.85 E, clockwise as shapefiles store it.
    x0, y0 = 666_000.0, 3_996_000.0
    ring = [(x0, y0), (x0, y0 + 1000), (x0 + 1000, y0 + 1000), (x0 + 1000, y0), (x0, y0)]
    areas = read_area("segments.zip", _shapefile_zip(32646, [ring]))
    assert [a.name for a in areas] == ["段1"]
    to_ll = Transformer.from_crs(32646, 4326, always_xy=True)
    expected = [to_ll.transform(x, y) for x, y in ring]
    got = list(areas[0].geometry.exterior.coords)
    assert len(got) == len(expected)
    for (lon, lat), (elon, elat) in zip(sorted(got), sorted(expected), strict=True):
        assert abs(lon - elon) < 1e-9 and abs(lat - elat) < 1e-9
    assert 36.0 < got[0][1] < 36.2 and 94.7 < got[0][0] < 95.0
    # the same square without .prj cannot be placed: refused, not guessed
    with pytest.raises(FormatError) as err:
        read_area("segments.zip", _shapefile_zip(None, [ring]))
    assert err.value.code == "formats.err_not_degrees"
    # in degrees without .prj it is accepted
    ll_ring = [(94.84, 36.09), (94.84, 36.1), (94.85, 36.1), (94.85, 36.09), (94.84, 36.09)]
    (area,) = read_area("ll.zip", _shapefile_zip(None, [ll_ring]))
    assert area.geometry.bounds == pytest.approx((94.84, 36.09, 94.85, 36.1))


def test_zip_without_a_shapefile():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", b"hello")
    with pytest.raises(FormatError) as err:
        read_area("nothing.zip", buf.getvalue())
    assert err.value.code == "formats.err_zip_no_member"


def test_every_error_key_used_exists_in_both_catalogues():
    import re

    from sar_planner.i18n import catalogue

    src = "".join(p.read_text() for p in
                  (Path(__file__).parents[2] / "sar_planner" / "formats").glob("*.py"))
    keys = set(re.findall(r'"(formats\.[a-z_]*[a-z])"', src))
    assert len(keys) > 25
    # waypoint roles are looked up as "formats.role_" + role (sar_planner.plan.WaypointRole)
    keys |= {f"formats.role_{r}" for r in ("takeoff", "transit", "search", "turn", "land")}
    for lang in ("en", "zh"):
        missing = keys - set(catalogue(lang))
        assert not missing, (lang, missing)


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8) | st.sampled_from(["Feature", "FeatureCollection", "LineString",
                                            "Polygon", "MultiLineString", "Point"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["type", "features", "geometry", "coordinates",
                                       "properties", "name", "coordTimes", "crs"]),
                      children, max_size=5),
    max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(doc=_json)
def test_any_json_gives_areas_a_track_or_a_format_error(doc):
    data = json.dumps(doc).encode()
    for reader, name in ((read_area, "a.geojson"), (read_track, "t.geojson")):
        try:
            reader(name, data)
        except FormatError as exc:
            assert exc.code.startswith("formats.err_")


_num_text = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str),
                      st.sampled_from(["", " ", "abc", "1e400", "-0", "36.1,94.8", "nan"]))
_coords = st.lists(st.tuples(_num_text, _num_text, _num_text), max_size=4).map(
    lambda ts: " ".join(",".join(t) for t in ts))
_gpx_pt = st.builds(lambda tag, lat, lon, ele, time: f'<{tag} lat="{lat}" lon="{lon}">'
                    f"<ele>{ele}</ele><time>{time}</time></{tag}>",
                    st.sampled_from(["trkpt", "rtept", "wpt"]), _num_text, _num_text, _num_text,
                    st.sampled_from(["2026-08-14T06:00:00Z", "yesterday", "", "2026-13-45"]))
_kml_geom = st.one_of(
    _coords.map(lambda c: f"<LineString><coordinates>{c}</coordinates></LineString>"),
    _coords.map(lambda c: "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                          f"{c}</coordinates></LinearRing></outerBoundaryIs></Polygon>"),
    _coords.map(lambda c: f"<Point><coordinates>{c}</coordinates></Point>"),
    st.lists(_num_text, max_size=3).map(lambda v: "<gx:Track><when>2026-08-14T06:00:00Z</when>"
                                        f"<gx:coord>{' '.join(v)}</gx:coord></gx:Track>"))


@settings(max_examples=120, deadline=None)
@given(gpx_pts=st.lists(_gpx_pt, max_size=5), kml_geoms=st.lists(_kml_geom, max_size=4))
def test_odd_values_in_well_formed_gpx_and_kml_give_data_or_a_format_error(gpx_pts, kml_geoms):
    gpx = ('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
           + "".join(p for p in gpx_pts if p.startswith("<trkpt")) + "</trkseg></trk>"
           + "".join(p for p in gpx_pts if not p.startswith("<trkpt")) + "</gpx>")
    kml = ('<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/'
           'ext/2.2"><Document>' + "".join(f"<Placemark>{g}</Placemark>" for g in kml_geoms)
           + "</Document></kml>")
    for reader, name, data in ((read_track, "f.gpx", gpx), (read_track, "f.kml", kml),
                               (read_area, "f.kml", kml)):
        try:
            result = reader(name, data.encode())
        except FormatError as exc:
            assert exc.code.startswith("formats.err_")
        else:
            pts = result.points if hasattr(result, "points") else []
            assert all(abs(p.lat) <= 90 and abs(p.lon) <= 180 for p in pts)


_GOOD_TLOG = _tlog([(1.78e9 + i, 36.1, 94.85, 3800.0) for i in range(3)])


@settings(max_examples=60, deadline=None)
@given(junk=st.binary(min_size=1, max_size=200), cut=st.integers(0, len(_GOOD_TLOG)),
       flip=st.integers(0, len(_GOOD_TLOG) - 1))
def test_damaged_tlog_gives_positions_or_a_format_error(junk, cut, flip):
    # A telemetry log cut off or damaged in the field (a radio dropout, a pulled card): never
    # a crash. Found a crash once: a damaged time stamp in the year 15673.
    data = bytearray(_GOOD_TLOG[:cut] + junk + _GOOD_TLOG[cut:])
    data[flip] ^= 0xFF
    try:
        track = read_track("damaged.tlog", bytes(data))
    except FormatError as exc:
        assert exc.code.startswith("formats.err_")
    else:
        assert all(abs(p.lat) <= 90 and abs(p.lon) <= 180 for p in track.points)
        assert all(p.time is None or 2000 <= p.time.year < 2100 for p in track.points)


def test_a_shapefile_cut_short_is_refused_not_read_in_part():
    x0, y0 = 666_000.0, 3_996_000.0
    rings = [[(x0 + k * 2000, y0), (x0 + k * 2000, y0 + 1000), (x0 + k * 2000 + 1000, y0 + 1000),
              (x0 + k * 2000 + 1000, y0), (x0 + k * 2000, y0)] for k in range(3)]
    good = _shapefile_zip(32646, rings)
    assert len(read_area("three.zip", good)) == 3
    members = {n: zipfile.ZipFile(io.BytesIO(good)).read(n)
               for n in zipfile.ZipFile(io.BytesIO(good)).namelist()}
    members["areas/segments.shp"] = members["areas/segments.shp"][:-60]   # last shape cut
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    with pytest.raises(FormatError) as err:
        read_area("cut.zip", buf.getvalue())
    assert err.value.code == "formats.err_shp_bad"
