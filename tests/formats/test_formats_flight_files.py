"""The flight files as the aircraft and ground stations read them (issue 13, items 1-3).

The plan is made by the real planner (sar_planner.flightpath.build_plan) over a 30 m ridge DEM
(tests/test_flightpath._ridge_terrain) with the launch point at the pattern's first corner, the
case where the planner emits the take-off climb and the first search waypoint at the same place
and height (checked below, so this test keeps meaning something if the planner changes). Every
export is read back by a reader that is not ours:

- ``.waypoints``: every field must parse the way Mission Planner parses it (.NET double.Parse
  under en-US: digits with an optional sign and point, or exactly ``NaN``; "nan" is "Line
  invalid" on .NET Framework and Mono), then pymavlink's MAVWPLoader reads it.
- ``.plan``: QGroundControl's loader rules (src/MissionManager/MissionController.cc,
  SimpleMissionItem.cc; docs/en/qgc-dev-guide/file_formats/plan.md) checked field by field.
- ``.gpx``: lxml against the GPX 1.1 XSD (tests/data/formats/gpx11.xsd, see README there).
- ``.kmz``: the DJI WPML element tables (Cloud API "DJI WPML": template.kml, waylines.wpml,
  common elements): the required elements present with allowed values.

No file may hold a zero-length leg (two consecutive positions < 0.5 m apart horizontally on the
WGS84 ellipsoid and < 0.5 m vertically).
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from pymavlink import mavwp
from pyproj import Geod
from shapely.geometry import box

from sar_planner.assets import get_asset
from sar_planner.errors import FormatError
from sar_planner.flightpath import build_plan
from sar_planner.formats import write_plan
from sar_planner.formats._common import same_point
from sar_planner.patterns import parallel_track
from sar_planner.sweep import effective_sweep_width
from tests.planning.test_flightpath import X0, Y0, _ridge_terrain

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"
GEOD = Geod(ellps="WGS84")
NS = {"k": "http://www.opengis.net/kml/2.2", "wpml": "http://www.dji.com/wpmz/1.0.2"}
#: What .NET's double.Parse accepts under en-US with NumberStyles.Float | AllowThousands, as
#: Mission Planner calls it, restricted to what a waypoint file should hold.
DOTNET_DOUBLE = re.compile(r"^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN)$")


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    terrain, _ = _ridge_terrain(tmp_path_factory.mktemp("ridge"))
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    area = box(X0 + 3800, Y0 - 3600, X0 + 5400, Y0 - 2400)
    track = parallel_track(area, sweep.width_m, start_xy=(X0 + 3800, Y0 - 3600))
    plan = build_plan(terrain, track, asset, sweep, 80.0).plan   # home = pattern start
    return plan, asset


def _zero_legs(points: list[tuple[float, float, float]]) -> list[int]:
    out = []
    for i, (a, b) in enumerate(zip(points, points[1:], strict=False)):
        d = abs(GEOD.inv(a[1], a[0], b[1], b[0])[2])
        if d < 0.5 and abs(a[2] - b[2]) < 0.5:
            out.append(i)
    return out


def test_the_planner_does_emit_a_repeated_point_here(planned):
    plan, _ = planned
    w = plan.sorties[0].waypoints
    assert any(same_point(a, b) for a, b in zip(w, w[1:], strict=False))


@pytest.mark.parametrize("firmware", [None, 3, 12])
def test_waypoints_parse_as_mission_planner_does_and_read_back(planned, firmware, tmp_path):
    plan, asset = planned
    opts = {} if firmware is None else {"firmware_type": firmware}
    text = write_plan(plan, ".waypoints", sortie=1, **opts).decode("ascii")
    lines = text.splitlines()
    assert lines[0] == "QGC WPL 110"
    for n, line in enumerate(lines[1:], start=1):
        fields = line.split("\t")
        assert len(fields) == 12
        assert all(f.isdigit() for f in fields[:4] + fields[11:]), line
        bad = [f for f in fields[4:11] if not DOTNET_DOUBLE.match(f)]
        assert not bad, f"line {n}: {bad} would be 'Line invalid' in Mission Planner"
    assert "nan" not in text            # the lowercase spelling .NET Framework refuses
    if firmware == 3:                   # ArduPilot: 0 where unused, as its own missions write
        assert "NaN" not in text
    path = tmp_path / "s1.waypoints"
    path.write_text(text)
    loader = mavwp.MAVWPLoader()
    items = [loader.wp(i) for i in range(loader.load(str(path)))]
    nav = [(m.x, m.y, m.z) for m in items[1:] if m.command in (22, 16, 21)]
    assert _zero_legs(nav) == []
    yaws = [m.param4 for m in items[1:] if m.command == 16]
    if firmware in (None, 12):           # PX4 (the default, as for .plan): NaN = keep heading
        assert all(math.isnan(y) for y in yaws)
    else:
        assert all(y == 0.0 for y in yaws)


def _qgc_rules(doc: dict) -> None:
    """QGroundControl's plan loader, the checks that refuse a file or an item."""
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    assert doc["groundStation"] == "QGroundControl"
    m = doc["mission"]
    assert m["version"] == 2
    assert m["firmwareType"] in (0, 3, 12) and isinstance(m["vehicleType"], int)
    assert len(m["plannedHomePosition"]) == 3
    for it in m["items"]:
        assert it["type"] == "SimpleItem"
        assert set(it) >= {"autoContinue", "command", "doJumpId", "frame", "params"}
        assert len(it["params"]) == 7
        assert all(p is None or isinstance(p, (int, float)) for p in it["params"])
    ids = [it["doJumpId"] for it in m["items"]]
    assert len(set(ids)) == len(ids)
    for poly in doc["geoFence"]["polygons"]:
        assert poly["version"] == 1 and len(poly["polygon"]) >= 3
    assert doc["geoFence"]["version"] == 2 and doc["rallyPoints"]["version"] == 2


@pytest.mark.parametrize("firmware", [3, 12])
def test_qgc_plan_passes_the_loader_rules_without_zero_legs(planned, firmware):
    plan, asset = planned
    doc = json.loads(write_plan(plan, ".plan", sortie=1, asset=asset, firmware_type=firmware))
    _qgc_rules(doc)
    pos = [tuple(it["params"][4:7]) for it in doc["mission"]["items"]
           if it["command"] in (22, 16, 21)]
    assert _zero_legs(pos) == []


def test_gpx_is_valid_gpx_1_1_without_zero_legs(planned):
    plan, _ = planned
    schema = etree.XMLSchema(etree.parse(str(DATA / "gpx11.xsd")))
    doc = etree.fromstring(write_plan(plan, ".gpx"))
    assert schema.validate(doc), schema.error_log
    g = "{http://www.topografix.com/GPX/1/1}"
    for rte in doc.iter(f"{g}rte"):
        pts = [(float(p.get("lat")), float(p.get("lon")), float(p.find(f"{g}ele").text))
               for p in rte.iter(f"{g}rtept")]
        assert len(pts) > 3 and _zero_legs(pts) == []


#: Required elements (DJI WPML element tables), path below wpml:missionConfig / Folder.
MISSION_CONFIG = {"flyToWaylineMode": ("safely", "pointToPoint"),
                  "finishAction": ("goHome", "noAction", "autoLand", "gotoFirstWaypoint"),
                  "exitOnRCLost": ("goContinue", "executeLostAction"),
                  "executeRCLostAction": ("goBack", "landing", "hover"),
                  "takeOffSecurityHeight": None, "globalTransitionalSpeed": None,
                  "globalRTHHeight": None, "droneInfo/wpml:droneEnumValue": None,
                  "payloadInfo/wpml:payloadEnumValue": None,
                  "payloadInfo/wpml:payloadPositionIndex": None}
TEMPLATE_FOLDER = ("templateType", "templateId", "waylineCoordinateSysParam/wpml:coordinateMode",
                   "waylineCoordinateSysParam/wpml:heightMode", "autoFlightSpeed",
                   "payloadParam/wpml:payloadPositionIndex")
WAYLINE_FOLDER = ("templateId", "waylineId", "executeHeightMode", "autoFlightSpeed")
WAYLINE_MARK = ("index", "executeHeight", "waypointSpeed", "waypointHeadingParam/wpml:"
                "waypointHeadingMode", "waypointTurnParam/wpml:waypointTurnMode",
                "waypointTurnParam/wpml:waypointTurnDampingDist")


def _one(el, path: str) -> str:
    found = el.xpath(f"wpml:{path}", namespaces=NS)
    assert len(found) == 1, path
    return found[0].text


def test_dji_wpml_has_every_required_element_and_no_zero_legs(planned):
    plan, asset = planned
    zf = zipfile.ZipFile(io.BytesIO(write_plan(plan, ".kmz", sortie=1, asset=asset)))
    template = etree.fromstring(zf.read("wpmz/template.kml"))
    waylines = etree.fromstring(zf.read("wpmz/waylines.wpml"))
    for doc in (template, waylines):
        (mc,) = doc.xpath("/k:kml/k:Document/wpml:missionConfig", namespaces=NS)
        for path, allowed in MISSION_CONFIG.items():
            value = _one(mc, path)
            assert allowed is None or value in allowed, (path, value)
        rth = float(_one(mc, "globalRTHHeight"))
        assert rth == math.ceil(plan.sorties[0].rth.above_home_m) and rth >= 20
    (tf,) = template.xpath("/k:kml/k:Document/k:Folder", namespaces=NS)
    for path in TEMPLATE_FOLDER:
        _one(tf, path)
    (wf,) = waylines.xpath("/k:kml/k:Document/k:Folder", namespaces=NS)
    for path in WAYLINE_FOLDER:
        _one(wf, path)
    marks = wf.xpath("k:Placemark", namespaces=NS)
    assert [int(_one(pm, "index")) for pm in marks] == list(range(len(marks)))
    pts = []
    for pm in marks:
        for path in WAYLINE_MARK:
            _one(pm, path)
        lon, lat = map(float, pm.xpath("string(k:Point/k:coordinates)", namespaces=NS)
                       .split(","))
        pts.append((lat, lon, float(_one(pm, "executeHeight"))))
    assert _zero_legs(pts) == []


def test_dji_route_refused_without_a_terrain_checked_return_height(planned):
    plan, asset = planned
    bare = replace(plan, sorties=tuple(replace(s, rth=None) for s in plan.sorties))
    with pytest.raises(FormatError) as err:
        write_plan(bare, ".kmz", sortie=1, asset=asset)
    assert err.value.code == "formats.err_no_rth"
    assert "1" in err.value.message("en") and "返航高度" in err.value.message("zh")


def test_geojson_and_kml_tracks_have_no_zero_legs(planned):
    plan, _ = planned
    doc = json.loads(write_plan(plan, ".geojson"))
    tracks = [f for f in doc["features"] if f["properties"]["kind"] == "track"]
    assert len(tracks) == len(plan.sorties)
    for f in tracks:
        pts = [(c[1], c[0], c[2]) for c in f["geometry"]["coordinates"]]
        assert len(pts) > 3 and _zero_legs(pts) == []
    # the repeated waypoint is written once; the others keep their numbers (seq)
    s1 = [f["properties"]["seq"] for f in doc["features"]
          if f["properties"]["kind"] == "waypoint" and f["properties"]["sortie"] == 1]
    w = plan.sorties[0].waypoints
    repeats = sum(same_point(a, b) for a, b in zip(w, w[1:], strict=False))
    assert repeats >= 1 and len(s1) == len(w) - repeats and s1 == sorted(s1)
    kml = etree.fromstring(write_plan(plan, ".kml"))
    for line in kml.xpath("//k:LineString/k:coordinates/text()", namespaces=NS):
        pts = [(lat, lon, alt) for lon, lat, alt in (map(float, t.split(",")) for t in
                                                     line.split())]
        assert _zero_legs(pts) == []
