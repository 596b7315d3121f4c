"""Work limits (issue 14, item 6): inputs that would tie up a crew's page for minutes are refused at
once with the limit stated: a 200,000-vertex area (about 8 MB of GeoJSON, under the upload size cap),
a track spacing of 0.01 m (100,000 legs over a 1 km square) and a contour interval of 0.001 m
(500,000 levels over 500 m of relief). Counts by hand: legs = ceil(width / spacing); levels =
floor(relief / interval)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from sar_planner.errors import FormatError, PlanningError
from sar_planner.formats.areas import read_area
from sar_planner.patterns import (MAX_AREA_VERTICES, MAX_CONTOUR_LEVELS, check_area, contour_search,
                                  parallel_track)


def _circle_lonlat(n: int, lon: float = 94.85, lat: float = 36.10, r_deg: float = 0.02) -> list[list[float]]:
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    ring = np.column_stack([lon + r_deg * np.cos(t), lat + r_deg * np.sin(t)]).round(9).tolist()
    return ring + [ring[0]]


def test_a_200000_vertex_area_file_is_refused_before_it_is_checked():
    ring = _circle_lonlat(200_000)
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "basin"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()
    assert 5_000_000 < len(data) < 10_000_000  # about the size of the probe's 8 MB file
    with pytest.raises(FormatError) as err:
        read_area("basin.geojson", data)
    assert err.value.code == "formats.err_area_vertices"
    assert err.value.params == {"file": "basin.geojson", "vertices": 200_001, "limit": MAX_AREA_VERTICES}
    assert "200001" in err.value.message("en") and f"{MAX_AREA_VERTICES}" in err.value.message("zh")


def test_an_area_file_under_the_limit_is_read():
    ring = _circle_lonlat(2_000)
    data = json.dumps({"type": "Polygon", "coordinates": [ring]}).encode()
    (area,) = read_area("ok.geojson", data)
    assert len(area.geometry.exterior.coords) == 2_001


def test_a_drawn_area_with_too_many_vertices_is_refused_by_the_planner():
    t = np.linspace(0.0, 2.0 * math.pi, MAX_AREA_VERTICES + 1, endpoint=False)
    poly = Polygon(np.column_stack([500 * np.cos(t), 500 * np.sin(t)]))
    with pytest.raises(PlanningError) as err:
        check_area(poly)
    assert err.value.code == "planning.err_area_vertices"
    assert err.value.params["vertices"] == MAX_AREA_VERTICES + 2  # the ring closes on its first point
    check_area(Polygon(np.column_stack([500 * np.cos(t[::10]), 500 * np.sin(t[::10])])))  # 5,001: fine


@pytest.mark.parametrize("heading", [None, 0.0])
def test_a_spacing_of_a_centimetre_says_how_many_legs_and_the_limit(heading):
    square = box(0.0, 0.0, 1000.0, 1000.0)  # metres, 1 km across
    with pytest.raises(PlanningError) as err:
        parallel_track(square, 0.01, heading_deg=heading)
    assert err.value.code == "planning.err_too_many_legs"
    assert err.value.params["legs"] == 100_000 and err.value.params["limit"] == 5000
    assert "100000 legs" in err.value.message("en")


def test_a_spacing_wider_than_the_area_names_both_in_metres():
    with pytest.raises(PlanningError) as err:
        parallel_track(box(0.0, 0.0, 1000.0, 1000.0), 5000.0)
    assert err.value.code == "planning.err_spacing_too_large"
    assert (err.value.params["spacing"], err.value.params["width"]) == ("5000", "1000")


def test_a_millimetre_contour_interval_is_refused_with_the_level_count():
    # a 30 m grid rising 0..500 m west to east
    cols = 101
    elev = np.tile(np.linspace(0.0, 500.0, cols), (60, 1))
    transform = (30.0, 0.0, 0.0, 0.0, -30.0, 60 * 30.0)
    area = box(100.0, 100.0, 2900.0, 1700.0)
    with pytest.raises(PlanningError) as err:
        contour_search(elev, transform, area, interval_m=0.001)
    assert err.value.code == "planning.err_contour_levels"
    p = err.value.params
    relief = float(p["high"]) - float(p["low"])
    assert p["limit"] == MAX_CONTOUR_LEVELS and p["levels"] == math.floor(relief / 0.001)
    assert float(p["minimum"]) * MAX_CONTOUR_LEVELS >= relief
    track = contour_search(elev, transform, area, interval_m=float(p["minimum"]) * 10)  # well under: flies
    assert len(track.xy) > 1 and "search" in set(track.kinds)
