"""Review tests of a mission's map features: far-apart and antimeridian features refused with a
clear message, poles measured right, the overlap tolerance (what a sliver may and may not get
past), clipping of arbitrary (rotated, non-lattice) polygons never leaving an overlap, unicode
names.

Hand-checkable figures: the area of a spherical cap, 2 pi R^2 (1 - cos(theta)) with R = 6,371 km
(the mean Earth radius; the WGS84 ellipsoid differs by well under 1 % this close to a pole);
a 0.1 x 0.1 degree box at 50 N is about 7.15 km x 11.13 km (1 degree of longitude = 111.32 km x
cos(lat), 1 degree of latitude = 111.2 km near 50 N).
"""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely import affinity
from shapely.geometry import box

from sar_planner.errors import ProbabilityError
from sar_planner.probability.mission_features import (MAX_SPAN_KM, add_feature, add_features,
                                                      check_features, features_of, from_grid,
                                                      measure, new_feature, to_grid)

UTM46 = CRS.from_epsg(32646)
X0, Y0 = 500_000.0, 4_000_000.0


def _seg(name, geom_m):
    return new_feature("segment", name, from_grid(geom_m, UTM46))


def test_a_feature_across_the_antimeridian_is_refused_clearly():
    # drawn across 180 E and stored as -180..180 it would be measured in the UTM zone at 0 E:
    # area 0, no overlap found with another one across it
    a = new_feature("segment", "A", box(-180.0, 50.0, 180.0, 50.1))
    b = new_feature("segment", "B", box(-179.99, 50.05, 179.99, 50.2))
    with pytest.raises(ProbabilityError) as err:
        check_features([a.to_dict(), b.to_dict()])
    assert err.value.code == "review.err_mf_span"
    assert "180" in err.value.message("en") and "180" in err.value.message("zh")


def test_a_feature_far_from_the_others_is_refused_naming_it():
    near = [new_feature("segment", f"S{i}", box(94.0 + 0.1 * i, 36.0, 94.05 + 0.1 * i, 36.05))
            for i in range(3)]
    far = new_feature("barrier", "wrong file", box(-118.0, 34.0, -117.9, 34.1))  # California
    with pytest.raises(ProbabilityError) as err:
        check_features([f.to_dict() for f in near + [far]])
    assert err.value.code == "review.err_mf_span"
    assert "wrong file" in err.value.message("en") and "wrong file" in err.value.message("zh")
    # just inside the limit is still one mission: 1,000 km at 36 N is 11.1 degrees of longitude
    deg = 0.999 * MAX_SPAN_KM / (111.32 * math.cos(math.radians(36.0)))
    edge = new_feature("track", "long road", shapely.LineString([(94.0, 36.0),
                                                                  (94.0 + deg, 36.1)]))
    assert len(check_features([edge.to_dict()])) == 1
    too_far = new_feature("track", "longer", shapely.LineString([(94.0, 36.0),
                                                                 (94.0 + 1.01 * deg, 36.1)]))
    with pytest.raises(ProbabilityError):
        check_features([too_far.to_dict()])


def test_segments_at_the_pole_are_measured_and_their_overlap_found():
    # a 10-degree wedge of the cap above 89.9 N: 2 pi R^2 (1 - cos 0.1 deg) / 36 = 10.8 km^2
    cap = 2 * math.pi * 6371.0e3**2 * (1 - math.cos(math.radians(0.1)))
    a = new_feature("segment", "a", box(10.0, 89.9, 20.0, 90.0))
    assert measure(a)[1] == pytest.approx(cap / 36, rel=0.01)
    b = new_feature("segment", "b", box(15.0, 89.95, 25.0, 90.0))
    with pytest.raises(ProbabilityError) as err:
        check_features([a.to_dict(), b.to_dict()])
    assert err.value.code == "probability.err_mf_overlap"


def test_a_box_near_the_antimeridian_on_one_side_is_measured_right():
    f = new_feature("region", "r", box(179.9, 50.0, 180.0, 50.1))
    expect = (0.1 * 111.32e3 * math.cos(math.radians(50.05))) * (0.1 * 111.2e3)
    assert measure(f)[1] == pytest.approx(expect, rel=0.005)


@pytest.mark.parametrize(("sliver_m", "refused"), [(0.05, False), (0.2, True), (1.0, True)])
def test_the_overlap_tolerance_is_ten_parts_per_million_of_the_smaller_segment(sliver_m, refused):
    # two 10 x 10 km segments sharing a border: 1e-5 x 1e8 m^2 = 1,000 m^2 is taken as a border
    # (a 5 cm overlap along 10 km, 500 m^2); a 20 cm one (2,000 m^2) is an overlap
    a = _seg("A", box(X0, Y0, X0 + 10_000, Y0 + 10_000))
    b = _seg("B", box(X0 + 10_000 - sliver_m, Y0, X0 + 20_000, Y0 + 10_000))
    if refused:
        with pytest.raises(ProbabilityError):
            check_features([a.to_dict(), b.to_dict()])
        # added with clipping, it is cut back to the border instead
        items, done = add_feature([a.to_dict()], b)
        assert done.clipped == (("B", ("A",)),)
        assert check_features(items) == items
    else:
        assert len(check_features([a.to_dict(), b.to_dict()])) == 2
    # a small segment inside a large one can never hide under the large one's tolerance
    small = _seg("C", box(X0 + 5_000, Y0 + 5_000, X0 + 5_030, Y0 + 5_030))  # 900 m^2
    with pytest.raises(ProbabilityError):
        check_features([a.to_dict(), small.to_dict()])


_poly = st.tuples(st.floats(0, 3000), st.floats(0, 3000), st.floats(100, 2500),
                  st.floats(100, 2500), st.floats(0, 180), st.sampled_from([3, 4, 7]))


def _shape(cx, cy, w, h, angle, n):
    if n == 4:
        g = box(X0 + cx, Y0 + cy, X0 + cx + w, Y0 + cy + h)
    else:  # a triangle or heptagon inscribed in the w x h ellipse
        pts = [(X0 + cx + w / 2 * math.cos(2 * math.pi * k / n),
                Y0 + cy + h / 2 * math.sin(2 * math.pi * k / n)) for k in range(n)]
        g = shapely.Polygon(pts)
    return affinity.rotate(g, angle, origin="centroid")


@settings(max_examples=40, deadline=None)
@given(st.lists(_poly, min_size=2, max_size=6))
def test_clipping_arbitrary_polygons_never_leaves_an_overlap(polys):
    # rotated boxes, triangles and heptagons at any position, added one by one (one file)
    feats = [_seg(f"S{i}", _shape(*p)) for i, p in enumerate(polys)]
    try:
        items, _ = add_features([], feats)
    except ProbabilityError as err:
        # only "nothing left" may stop it, never an overlap the clipping itself left behind
        assert err.code == "probability.err_mf_clipped_away"
        return
    assert check_features(items) == items
    segs = features_of(items)
    total = sum(to_grid(f.geometry, UTM46).area for f in segs)
    union = shapely.union_all([to_grid(f.geometry, UTM46) for f in segs]).area
    assert total == pytest.approx(union, rel=1e-5, abs=1.0)
    # and the clipped segments still cover what was drawn (nothing beyond slivers lost)
    drawn = shapely.union_all([_shape(*p) for p in polys]).area
    assert union == pytest.approx(drawn, rel=1e-4, abs=10.0)


def test_unicode_names_are_kept_and_compared_without_case():
    name = "格尔木 东区 Ⅱ 🚁"
    f = new_feature("segment", name, box(94.0, 36.0, 94.1, 36.1))
    assert check_features([f.to_dict()])[0]["name"] == name
    g = new_feature("track", "Straße", shapely.LineString([(94, 36), (94.1, 36.1)]))
    h = new_feature("track", "STRASSE", shapely.LineString([(94, 36.2), (94.1, 36.3)]))
    with pytest.raises(ProbabilityError) as err:  # casefold: "Straße" == "STRASSE"
        check_features([g.to_dict(), h.to_dict()])
    assert err.value.code == "probability.err_mf_name_taken"
