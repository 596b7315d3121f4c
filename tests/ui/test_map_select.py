"""Drawing on the plan map: Streamlit's plotly selection -> a ring in metres -> the core's checks,
and the drawing figure (selectable lattice, lasso by default, outline of what was drawn).

Selection shapes are those Streamlit 1.67's PlotlyChart component sends (box: x/y pairs of the
two corners; lasso: the x/y arrays of the path), in the figure's data coordinates.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon
from streamlit.testing.v1 import AppTest

from tests.signin import sign_in_apptest

from sar_planner.errors import PlanningError
from sar_planner.patterns import check_area
from sar_planner.ui.map_select import selection_point, selection_ring

REPO = Path(__file__).resolve().parents[2]
PLAN = str(REPO / "sar_planner" / "ui" / "pages" / "plan.py")


def test_a_box_becomes_its_four_corners_whatever_the_drag_direction():
    sel = {"points": [], "box": [{"xref": "x", "yref": "y", "x": [5000.0, 2000.0],
                                  "y": [9000.0, 7000.0]}], "lasso": []}
    ring = selection_ring(sel)
    assert ring == ((2000.0, 7000.0), (5000.0, 7000.0), (5000.0, 9000.0), (2000.0, 9000.0),
                    (2000.0, 7000.0))
    assert check_area(Polygon(ring)).area == pytest.approx(3000.0 * 2000.0)  # 6 km^2
    assert selection_point(sel) == (3500.0, 8000.0)


def test_a_lasso_is_closed_and_wins_over_an_older_box():
    sel = {"points": [], "box": [{"x": [0, 1], "y": [0, 1]}],
           "lasso": [{"x": [0, 100, 100, 0], "y": [0, 0, 50, 50]}]}
    ring = selection_ring(sel)
    assert ring[0] == ring[-1] and len(ring) == 5
    assert Polygon(ring).area == pytest.approx(5000.0)  # 100 m x 50 m


def test_nothing_drawn_gives_none():
    empty = {"points": [], "box": [], "lasso": []}
    assert selection_ring(empty) is None and selection_ring(None) is None
    assert selection_point(empty) is None
    assert selection_point({"points": [{"x": 1.5, "y": 2.5}], "box": [], "lasso": []}) == (1.5, 2.5)


def test_a_crossing_lasso_and_a_flat_one_get_the_cores_errors():
    bow_tie = selection_ring({"lasso": [{"x": [0, 100, 0, 100], "y": [0, 100, 100, 0]}]})
    with pytest.raises(PlanningError) as err:
        check_area(Polygon(bow_tie))
    assert err.value.code == "planning.err_area_invalid"
    line = selection_ring({"lasso": [{"x": [0, 50, 100], "y": [0, 0, 0]}]})
    with pytest.raises(PlanningError) as err:
        check_area(Polygon(line))
    assert err.value.code == "planning.err_area_zero"


@given(st.lists(st.tuples(st.floats(-1e7, 1e7), st.floats(-1e7, 1e7)), min_size=1, max_size=40))
def test_any_lasso_gives_a_closed_ring_of_its_own_points(points):
    xs, ys = zip(*points, strict=True)
    ring = selection_ring({"lasso": [{"x": list(xs), "y": list(ys)}]})
    assert ring[0] == ring[-1]
    assert set(ring) == set(points)


def test_drawing_figure_is_selectable_and_lassos_by_default():
    from sar_planner.grid import Grid
    from sar_planner.ui.figures_plan import draw_area_figure

    grid = Grid.from_bounds("EPSG:32646", 670000, 3990000, 680000, 4000000, 100.0)
    z = np.full(grid.shape, 3000.0)
    labels = {"easting": "E", "northing": "N", "elevation": "el", "slope": "sl",
              "latlon": "ll", "area": "Segment"}
    ring = ((671000, 3991000), (672000, 3991000), (672000, 3992000), (671000, 3991000))
    fig = draw_area_figure(grid, z, np.full(grid.shape, 180, np.uint8), np.zeros(grid.shape),
                           labels, area_xy=ring)
    assert fig.layout.dragmode == "lasso"
    lattice = next(t for t in fig.data if t.name == "select")
    assert lattice.type == "scatter" and len(lattice.x) == 60 * 60
    assert min(lattice.x) == 670000 and max(lattice.y) == 4000000  # the whole map
    outline = next(t for t in fig.data if t.name == "Segment")
    assert list(outline.x) == [p[0] for p in ring]


def test_plan_page_plans_the_drawn_area_in_the_maps_crs():
    """The drawn ring (as the map leaves it in the session) is the plan's area, in metres."""
    from sar_planner.geo import to_local
    from sar_planner.ui.mission_state import segment_ring_wgs84

    crs = "EPSG:32646"
    x0, y0 = (float(v) for v in to_local(36.10, 94.85, crs))  # demo terrain, scenarios.md
    xy = ((x0, y0), (x0 + 600, y0), (x0 + 600, y0 + 400), (x0, y0 + 400), (x0, y0))
    at = AppTest.from_file(PLAN, default_timeout=180)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")  # the page checks the role on every run
    at.session_state["plan_drawn"] = {"xy": xy, "lonlat": segment_ring_wgs84(Polygon(xy), crs),
                                      "crs": crs, "km2": 0.24}
    at.run()
    at.radio(key="plan_area_source").set_value("drawn")
    at.selectbox(key="plan_terrain").set_value("kunlun-demo-30m")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    req = at.session_state["plan_request"]
    assert req.crs == crs
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    track = figs[0]
    seg = next(t for t in track["data"] if t.get("name") == "Segment")
    drawn = Polygon(zip(seg["x"], seg["y"], strict=True))
    assert drawn.symmetric_difference(Polygon(xy)).area < 1e-3  # m^2: the same outline


def test_plan_page_asks_for_a_drawing_when_none_was_made():
    at = AppTest.from_file(PLAN, default_timeout=120)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")  # the page checks the role on every run
    at.session_state["mission"] = {"lat": 36.10, "lon": 94.85, "seen_date": dt.date(2026, 7, 1)}
    at.run()
    at.radio(key="plan_area_source").set_value("drawn")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("No area has been drawn" in e.value for e in at.error)


def test_probability_map_can_pick_a_point_only_when_asked():
    from sar_planner.grid import Grid
    from sar_planner.ui.figures_probability import poa_figure

    grid = Grid.from_bounds("EPSG:32646", 670000, 3990000, 674000, 3994000, 100.0)
    poa = np.full(grid.shape, 1.0 / grid.shape[0] / grid.shape[1])
    z = np.full(grid.shape, 3000.0)
    hs = np.full(grid.shape, 180, np.uint8)
    labels = {"easting": "E", "northing": "N", "density": "d", "poa": "p", "ipp": "IPP"}
    plain = poa_figure(grid, poa, z, hs, labels)
    assert not [t for t in plain.data if t.name == "select"]
    picking = poa_figure(grid, poa, z, hs, labels, pickable=True)
    lattice = next(t for t in picking.data if t.name == "select")
    assert lattice.hoverinfo == "text"  # clickable ("skip" would drop click events) ...
    # ... and it carries the heat map's read-out: a uniform map has POA = 1 / cells per cell,
    # so 100 m cells hold 100 / km^2 x (1 / 1600) = 0.0625 per km^2 everywhere
    assert all("6.25e-02" in text for text in lattice.hovertext)
    assert picking.layout.dragmode == "pan"  # moving the IPP needs the box tool on purpose


# ---------------------------------------------------------------- lines drawn on the POA map

def test_a_lasso_drawn_along_a_river_is_an_open_line_as_dragged():
    from sar_planner.ui.map_select import selection_path

    sel = {"points": [], "box": [], "lasso": [{"x": [0.0, 100.0, 100.0, 250.0, 0.0],
                                               "y": [0.0, 50.0, 50.0, 80.0, 0.0]}]}
    # the closing point plotly adds and the repeated point are dropped: three vertices left
    assert selection_path(sel) == ((0.0, 0.0), (100.0, 50.0), (250.0, 80.0))
    assert selection_path({"lasso": [{"x": [3.0, 3.0], "y": [4.0, 4.0]}]}) is None
    assert selection_path({"box": [{"x": [0, 1], "y": [0, 1]}], "lasso": []}) is None
    assert selection_path(None) is None


def test_clicked_points_make_a_line_and_a_rerun_never_adds_a_vertex_twice():
    from sar_planner.ui.map_select import append_vertex, selection_click

    verts, seen = (), None
    for x, y in ((0.0, 0.0), (0.0, 0.0), (10.0, 0.0), (10.0, 0.0), (10.0, 5.0)):
        # each pair of equal clicks stands for one click re-sent by a rerun
        click = selection_click({"points": [{"x": x, "y": y}], "box": [], "lasso": []})
        verts, seen = append_vertex(verts, click, seen)
    assert verts == ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0))
    # a box or lasso is not a click; several points are not one click
    assert selection_click({"points": [{"x": 1, "y": 1}], "box": [{"x": [0, 2], "y": [0, 2]}]}) is None
    assert selection_click({"points": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}) is None
