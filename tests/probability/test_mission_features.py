"""A mission's map features (sar_planner.probability.mission_features): validation of each kind,
overlapping segments refused with names and area, clipping, GeoJSON round trip, projection to the
UTM grid and back, and a drawn barrier line with a gap in the terrain model.

Squares are built in UTM zone 46N metres near Golmud (EPSG:32646) and stored in WGS84 degrees,
as the page stores what the crew draws.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, MultiLineString, Point, box

from sar_planner.errors import FormatError, ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability import RadialDistribution, TerrainOptions, ring_map, terrain_map
from sar_planner.probability.mission_features import (
    MAX_VERTICES, add_feature, add_features, check_features, clip_segment, feature_collection,
    features_of, features_from_file, from_grid, grid_geometries, measure, new_feature,
    remove_feature, rename_feature, to_grid)
from sar_planner.subjects import quartiles_for

UTM46 = CRS.from_epsg(32646)
X0, Y0 = 500_025.0, 4_000_025.0  # a cell centre of the grids below (about 36.14 N, 93.00 E)


def _wgs(geom):
    return from_grid(geom, UTM46)


def _seg(name, geom_m):
    return new_feature("segment", name, _wgs(geom_m))


def _dicts(*feats):
    return [f.to_dict() for f in feats]


def test_each_kind_takes_only_its_geometry_types():
    line = _wgs(LineString([(X0, Y0), (X0 + 1000, Y0)]))
    area = _wgs(box(X0, Y0, X0 + 1000, Y0 + 1000))
    for kind in ("barrier", "track"):
        assert new_feature(kind, "river", line).geometry.geom_type == "LineString"
    for kind in ("barrier", "segment", "region"):
        assert new_feature(kind, "lake", area).geometry.geom_type == "Polygon"
    for kind, geom in (("track", area), ("segment", line), ("region", line),
                       ("barrier", _wgs(Point(X0, Y0)))):
        with pytest.raises(ProbabilityError) as err:
            new_feature(kind, "x", geom)
        assert err.value.code == f"probability.err_mf_type_{kind}"
    # the messages are clear in both languages
    with pytest.raises(ProbabilityError) as err:
        new_feature("track", "G315", area)
    assert "must be a line" in err.value.message("en") and "必须是线" in err.value.message("zh")


@pytest.mark.parametrize(("geometry", "code"), [
    ({"type": "Polygon", "coordinates": [[[94, 36], [95, 37], [95, 36], [94, 37], [94, 36]]]},
     "probability.err_mf_invalid"),  # a bow tie crosses itself
    ({"type": "LineString", "coordinates": [[94, 36], [94, 36]]}, "probability.err_mf_empty"),
    ({"type": "LineString", "coordinates": [[94, 36], [194, 36]]}, "probability.err_mf_coords"),
    ({"type": "LineString", "coordinates": [[94, 36], [float("nan"), 36]]},
     "probability.err_mf_coords"),
    ({"type": "Polygon", "coordinates": []}, "probability.err_mf_empty"),
    ({"type": "Nonsense"}, "probability.err_mf_geometry"),
    ("not geojson", "probability.err_mf_geometry"),
])
def test_bad_geometry_is_refused_naming_the_feature(geometry, code):
    item = {"id": "a1", "kind": "barrier", "name": "Nuomuhong river", "source": "drawn",
            "geometry": geometry}
    with pytest.raises(ProbabilityError) as err:
        check_features([item])
    assert err.value.code == code
    if code != "probability.err_mf_geometry" or geometry != "not geojson":
        assert "Nuomuhong river" in err.value.message("en")


def test_names_must_be_given_and_unique_within_a_kind_only():
    area = _wgs(box(X0, Y0, X0 + 1000, Y0 + 1000))
    line = _wgs(LineString([(X0, Y0), (X0 + 1000, Y0)]))
    with pytest.raises(ProbabilityError) as err:
        new_feature("region", "   ", area)
    assert err.value.code == "probability.err_mf_name_empty"
    a = new_feature("barrier", "A", line)
    b = new_feature("barrier", "a", _wgs(LineString([(X0, Y0 + 50), (X0 + 900, Y0 + 50)])))
    with pytest.raises(ProbabilityError) as err:
        check_features(_dicts(a, b))  # names compare without case: "A" and "a" are the same
    assert err.value.code == "probability.err_mf_name_taken"
    # the same name in another kind is fine (a region and a segment may both be "North fan")
    assert len(check_features(_dicts(a, new_feature("track", "A", line)))) == 2


def test_bad_kind_source_and_id_are_refused():
    line = _wgs(LineString([(X0, Y0), (X0 + 1000, Y0)])).__geo_interface__
    base = {"id": "x", "kind": "track", "name": "t", "source": "drawn", "geometry": line}
    for over, code in ((dict(kind="road"), "probability.err_mf_kind"),
                       (dict(source="guessed"), "probability.err_mf_source"),
                       (dict(source="imported:"), "probability.err_mf_source"),
                       (dict(id=""), "probability.err_mf_id")):
        with pytest.raises(ProbabilityError) as err:
            check_features([dict(base, **over)])
        assert err.value.code == code
    with pytest.raises(ProbabilityError) as err:
        check_features([base, dict(base, name="u")])  # the same id twice
    assert err.value.code == "probability.err_mf_id"
    with pytest.raises(ProbabilityError):
        check_features({"not": "a list"})
    assert check_features(None) == []


def test_too_many_vertices_in_one_mission_is_refused_with_the_count():
    n = MAX_VERTICES // 2 + 1
    xs = np.linspace(0, 10_000, n)
    wiggly = _wgs(LineString(np.column_stack([X0 + xs, Y0 + 10 * np.sin(xs)])))
    one = new_feature("track", "one", wiggly)
    check_features(_dicts(one))  # half the cap is fine
    with pytest.raises(ProbabilityError) as err:
        check_features(_dicts(one, new_feature("track", "two", wiggly)))
    assert err.value.code == "probability.err_mf_vertices"
    assert str(2 * n) in err.value.message("en") and str(MAX_VERTICES) in err.value.message("en")


def test_overlapping_segments_are_refused_naming_both_and_the_area():
    # two 1 km squares overlapping by a strip 200 m wide: 1 km x 0.2 km = 0.2 km^2 (by hand)
    s1 = _seg("S1", box(X0, Y0, X0 + 1000, Y0 + 1000))
    s2 = _seg("S2", box(X0 + 800, Y0, X0 + 1800, Y0 + 1000))
    with pytest.raises(ProbabilityError) as err:
        check_features(_dicts(s1, s2))
    assert err.value.code == "probability.err_mf_overlap"
    text = err.value.message("en")
    assert "S1" in text and "S2" in text and "0.200 km²" in text
    assert "0.200 平方公里" in err.value.message("zh")
    # squares that only share a border do not overlap, nor do regions (kinds apart)
    s3 = _seg("S3", box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000))
    assert len(check_features(_dicts(s1, s3))) == 2
    region = new_feature("region", "R1", _wgs(box(X0 + 500, Y0, X0 + 1500, Y0 + 1000)))
    assert len(check_features(_dicts(s1, s3, region))) == 3


def test_a_new_segment_is_clipped_by_the_existing_ones():
    s1 = _seg("S1", box(X0, Y0, X0 + 1000, Y0 + 1000))
    s2 = _seg("S2", box(X0 + 800, Y0, X0 + 1800, Y0 + 1000))
    clipped, by = clip_segment(s2, [s1])
    assert by == ["S1"]
    kind, area = measure(clipped, UTM46)
    # what is left of S2: 1 km x 0.8 km = 0.8 km^2 (by hand), to well under a square metre
    assert kind == "area_m2" and area == pytest.approx(800_000.0, abs=0.5)
    items, done = add_feature(_dicts(s1), s2)
    assert done.clipped == (("S2", ("S1",)),) and done.split == ()
    assert [f["name"] for f in items] == ["S1", "S2"]
    check_features(items)  # no overlap left
    # refusing instead of clipping is possible, and then the overlap is named
    with pytest.raises(ProbabilityError) as err:
        add_feature(_dicts(s1), s2, clip=False)
    assert err.value.code == "probability.err_mf_overlap"
    # a segment wholly inside another has nothing left
    inner = _seg("S9", box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300))
    with pytest.raises(ProbabilityError) as err:
        clip_segment(inner, [s1])
    assert err.value.code == "probability.err_mf_clipped_away" and "S1" in err.value.message("en")
    # a segment that touches nothing is unchanged
    far = _seg("S4", box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000))
    assert clip_segment(far, [s1]) == (far, [])


def test_rename_and_remove_keep_the_id_and_the_rules():
    s1 = _seg("S1", box(X0, Y0, X0 + 1000, Y0 + 1000))
    s3 = _seg("S3", box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000))
    items = rename_feature(_dicts(s1, s3), s1.id, "North fan")
    assert [(f["id"], f["name"]) for f in items] == [(s1.id, "North fan"), (s3.id, "S3")]
    with pytest.raises(ProbabilityError):
        rename_feature(items, s3.id, "north FAN")
    assert [f["id"] for f in remove_feature(items, s1.id)] == [s3.id]
    with pytest.raises(ProbabilityError) as err:
        remove_feature(items, "gone")
    assert err.value.code == "probability.err_mf_unknown"


def test_geojson_round_trip_keeps_every_coordinate_within_1e9_degrees(tmp_path):
    river = new_feature("barrier", "Nuomuhong river", _wgs(LineString(
        [(X0, Y0), (X0 + 700, Y0 + 300), (X0 + 1500, Y0 + 250)])))
    lake = new_feature("barrier", "盐湖", _wgs(box(X0 + 3000, Y0, X0 + 4000, Y0 + 800)))
    seg = _seg("S1", box(X0, Y0 - 2000, X0 + 1000, Y0 - 1000))
    fc = feature_collection(_dicts(river, lake, seg))
    data = json.dumps(fc, ensure_ascii=False).encode("utf-8")
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
    # read back as a file (the page's upload): the barriers as barriers, the segment refused as one
    with pytest.raises(ProbabilityError) as err:
        features_from_file("features.geojson", data, "barrier")
    assert err.value.code == "probability.err_feature_kind"  # the segment is not a barrier
    only_barriers = dict(fc, features=fc["features"][:2])
    back = features_from_file("b.geojson", json.dumps(only_barriers).encode(), "barrier")
    assert [f.name for f in back] == ["Nuomuhong river", "盐湖"]
    assert all(f.source == "imported:b.geojson" for f in back)
    for a, b in zip((river, lake), back, strict=True):
        xa = np.asarray(a.geometry.exterior.coords if a.geometry.geom_type == "Polygon"
                        else a.geometry.coords)
        xb = np.asarray(b.geometry.exterior.coords if b.geometry.geom_type == "Polygon"
                        else b.geometry.coords)
        assert np.abs(xa - xb).max() < 1e-9
    # the stored dicts read back exactly through JSON (the logbook's column)
    stored = json.loads(json.dumps(check_features(_dicts(river, lake, seg))))
    assert features_of(stored)[0].geometry.equals_exact(river.geometry, 1e-12)


def test_imported_names_are_made_unique_within_the_kind():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "S1"},
         "geometry": _wgs(box(X0, Y0, X0 + 500, Y0 + 500)).__geo_interface__},
        {"type": "Feature", "properties": {"name": "S1"},
         "geometry": _wgs(box(X0 + 600, Y0, X0 + 900, Y0 + 500)).__geo_interface__}]}
    existing = _dicts(_seg("S1", box(X0 - 5000, Y0, X0 - 4000, Y0 + 1000)))
    feats = features_from_file("segs.geojson", json.dumps(doc).encode(), "segment", existing)
    assert [f.name for f in feats] == ["S1 (2)", "S1 (3)"]
    with pytest.raises(FormatError):
        features_from_file("segs.geojson", b"{not json", "segment")


@settings(max_examples=40, deadline=None)
@given(st.floats(-3000, 3000), st.floats(-3000, 3000))
def test_projection_to_the_utm_grid_and_back_is_exact_to_a_millimetre(dx, dy):
    geom = LineString([(X0 + dx, Y0 + dy), (X0 + dx + 123.4, Y0 + dy - 56.7)])
    back = to_grid(from_grid(geom, UTM46), UTM46)
    assert np.abs(np.asarray(back.coords) - np.asarray(geom.coords)).max() < 1e-3


def test_grid_geometries_projects_one_kind_into_metres():
    s1 = _seg("S1", box(X0, Y0, X0 + 1000, Y0 + 1000))
    track = new_feature("track", "G315", _wgs(LineString([(X0, Y0), (X0 + 2000, Y0)])))
    got = grid_geometries(_dicts(s1, track), "segment", UTM46)
    assert [n for n, _ in got] == ["S1"]
    assert got[0][1].area == pytest.approx(1e6, abs=1e-3)
    (name, line), = grid_geometries(_dicts(s1, track), "track", UTM46)
    assert name == "G315" and line.length == pytest.approx(2000.0, abs=1e-4)
    assert measure(track) == ("length_m", pytest.approx(2000.0, abs=1e-4))


def test_a_drawn_barrier_line_with_a_gap_moves_mass_to_the_far_sides_travel_distance():
    # flat ground, a wall 1 km north of the IPP across the whole map with a gap from 2.0 to
    # 2.4 km east. A point 500 m behind the wall, due north, is reached through the gap's near
    # end: by hand hypot(2000, 1000) + hypot(2000, 500) = 2,236.1 + 2,061.6 = 4,297.7 m walked
    grid = Grid.centered(UTM46, 500_000.0, 4_000_000.0, 5_000.0, 50.0)
    wall = MultiLineString([[(X0 - 6000, Y0 + 1000), (X0 + 2000, Y0 + 1000)],
                            [(X0 + 2400, Y0 + 1000), (X0 + 6000, Y0 + 1000)]])
    drawn = new_feature("barrier", "dry wash edge", _wgs(wall))  # as stored: WGS84
    stored = json.loads(json.dumps(check_features(_dicts(drawn))))
    barriers = [g for _, g in grid_geometries(stored, "barrier", grid.crs)]
    dist = RadialDistribution(quartiles_for("hiker", "dry-mountainous"))
    rings = ring_map(grid, X0, Y0, dist)
    terr, layers = terrain_map(grid, np.full(grid.shape, 2900.0), X0, Y0, dist,
                               options=TerrainOptions(barriers=barriers))
    i, j = (int(v) for v in grid.rowcol(X0, Y0 + 1500))
    detour = math.hypot(2000, 1000) + math.hypot(2000, 500)
    # within 6 %: grid paths run up to 1.3 % long, and the wall is rasterised a cell thick,
    # which narrows the gap by up to a cell each side
    assert detour < layers.effort[i, j] < 1.06 * detour
    # its mass is that of the unobstructed cell due south at the same travel effort (cells of
    # one effort band share its mass equally) ...
    i0 = int(grid.rowcol(X0, Y0)[0])
    i2 = i0 + int(np.argmin(np.abs(layers.effort[i0:, j] - layers.effort[i, j])))
    assert terr.poa[i, j] == pytest.approx(terr.poa[i2, j], rel=0.03)
    # ... near what the rings give at that distance (within 30 %: north of the wall fewer cells
    # share each effort band, so each holds more; 21 % in this run), and far less than the rings
    # give at its 1.5 km straight-line distance
    i3, j3 = (int(v) for v in grid.rowcol(X0, Y0 - layers.effort[i, j]))
    assert terr.poa[i, j] == pytest.approx(rings.poa[i3, j3], rel=0.30)
    assert terr.poa[i, j] < 0.25 * rings.poa[i, j]
    # the wall halves the mass beyond it: the rings put 19.7 % north of the wall, the drawn
    # barrier about 10 % (numbers of this run; the check is "much less", 2/3 of the rings' share)
    north = np.broadcast_to((grid.y_centres() > Y0 + 1000)[:, None], grid.shape)
    assert terr.poa[north].sum() < 0.67 * rings.poa[north].sum()
    assert terr.poa[layers.barrier].sum() == 0.0
    # the gap itself is open: cells in it are reachable at about their straight-line distance
    gi, gj = (int(v) for v in grid.rowcol(X0 + 2200, Y0 + 1000))
    assert not layers.barrier[gi, gj] and np.isfinite(layers.effort[gi, gj])


def test_kind_tags_are_matched_to_the_right_feature_when_one_has_no_geometry():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "empty", "kind": "segment"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "lake", "kind": "barrier"},
         "geometry": _wgs(box(X0, Y0, X0 + 500, Y0 + 500)).__geo_interface__}]}
    feats = features_from_file("f.geojson", json.dumps(doc).encode(), "barrier")
    assert [(f.kind, f.name) for f in feats] == [("barrier", "lake")]


_boxes = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(1, 10), st.integers(1, 10))


@settings(max_examples=30, deadline=None)
@given(st.lists(_boxes, min_size=1, max_size=6))
def test_segments_added_with_clipping_never_overlap(boxes):
    # boxes on a 100 m lattice, added one by one: each is clipped by those before it, or refused
    # when nothing is left; the mission's segments then always pass the overlap check
    items: list = []
    for n, (i, j, w, h) in enumerate(boxes):
        geom = box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + w), Y0 + 100 * (j + h))
        try:
            items, _ = add_feature(items, _seg(f"S{n}", geom))
        except ProbabilityError as err:
            assert err.code == "probability.err_mf_clipped_away"
    assert check_features(items) == items
    total = sum(measure(f, UTM46)[1] for f in features_of(items))
    union = shapely.union_all([to_grid(f.geometry, UTM46) for f in features_of(items)]).area
    assert total == pytest.approx(union, abs=1.0)  # no area counted twice


def test_a_file_of_overlapping_segments_is_added_clipped_in_file_order():
    s1 = _seg("S1", box(X0, Y0, X0 + 1000, Y0 + 1000))
    a = _seg("A", box(X0 + 500, Y0, X0 + 1500, Y0 + 1000))  # half over S1
    b = _seg("B", box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000))  # half over A
    items, done = add_features(_dicts(s1), [a, b])
    assert done.clipped == (("A", ("S1",)), ("B", ("A",)))
    areas = {f.name: measure(f, UTM46)[1] for f in features_of(items)}
    # S1 1 km^2; A keeps 1.0-1.5 km east (0.5 km^2); B keeps 1.5-2.0 km east (0.5 km^2), by hand
    assert areas == pytest.approx({"S1": 1e6, "A": 5e5, "B": 5e5}, abs=1.0)


def test_a_segment_cut_in_two_by_clipping_is_kept_as_two_segments():
    # S1 is a 200 m wide north-south strip; B, a 1 km square across it, is cut into a 400 m
    # west piece and a 400 m east piece (by hand: 1,000 x 400 = 0.4 km^2 each). The planner
    # flies one outline at a time, so each piece becomes its own segment.
    s1 = _seg("S1", box(X0 + 400, Y0 - 500, X0 + 600, Y0 + 1500))
    b = _seg("B", box(X0, Y0, X0 + 1000, Y0 + 1000))
    items, done = add_feature(_dicts(s1), b)
    assert done.clipped == (("B", ("S1",)),)
    assert done.split == (("B", ("B 1", "B 2")),)
    feats = {f.name: f for f in features_of(items)}
    assert sorted(feats) == ["B 1", "B 2", "S1"]
    for name in ("B 1", "B 2"):
        assert feats[name].geometry.geom_type == "Polygon"
        assert measure(feats[name], UTM46)[1] == pytest.approx(400_000.0, abs=1.0)
    assert feats["B 1"].id == b.id and feats["B 2"].id != b.id  # the largest keeps the id
    assert len({f.id for f in feats.values()}) == 3
    check_features(items)


def test_a_multi_part_segment_from_a_file_is_split_largest_first_and_names_stay_unique():
    # a 2 km^2 and a 1 km^2 piece in one MultiPolygon; "M 1" is taken already, so the largest
    # piece is "M 1 (2)" (unique_name's rule) and the other "M 2"
    taken = _seg("M 1", box(X0 + 10_000, Y0, X0 + 11_000, Y0 + 1000))
    multi = _seg("M", shapely.MultiPolygon([box(X0, Y0, X0 + 1000, Y0 + 1000),
                                            box(X0 + 3000, Y0, X0 + 5000, Y0 + 1000)]))
    items, done = add_features(_dicts(taken), [multi])
    assert done.clipped == () and done.split == (("M", ("M 1 (2)", "M 2")),)
    areas = {f.name: measure(f, UTM46)[1] for f in features_of(items)}
    assert areas == pytest.approx({"M 1": 1e6, "M 1 (2)": 2e6, "M 2": 1e6}, abs=1.0)
    # barriers and regions are never split: a salt lake in two parts is one barrier
    lakes = new_feature("barrier", "lakes", _wgs(shapely.MultiPolygon(
        [box(X0, Y0 + 5000, X0 + 500, Y0 + 5500), box(X0 + 2000, Y0 + 5000, X0 + 2500, Y0 + 5500)])))
    items, done = add_feature(items, lakes)
    assert done.split == () and [f.name for f in features_of(items, "barrier")] == ["lakes"]


def test_a_file_too_big_for_the_mission_is_refused_before_any_work():
    n = MAX_VERTICES + 10
    xs = np.linspace(0, 10_000, n)
    line = _wgs(LineString(np.column_stack([X0 + xs, Y0 + 10 * np.sin(xs)])))
    doc = {"type": "Feature", "properties": {"name": "river"}, "geometry": line.__geo_interface__}
    with pytest.raises(ProbabilityError) as err:
        features_from_file("river.geojson", json.dumps(doc).encode(), "barrier")
    assert err.value.code == "probability.err_mf_vertices" and str(n) in err.value.message("en")
