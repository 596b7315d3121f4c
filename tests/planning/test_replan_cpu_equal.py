"""The re-plan's CPU savings change no result (issue 12, the 25 km^2 re-plan).

``return_height`` now builds its fan as plain GeoJSON mappings and grows and searches it only in
its bounding box plus one cell; ``_Legs.quick_leg`` keeps the transits it has computed. Both
must give exactly (float equality) what the straightforward computation gives. The reference
here is the rule of :mod:`sar_planner.return_height` written out the plain way: one shapely
object per line and triangle, burnt with rasterio (every touched cell), grown by one cell with
scipy over the WHOLE grid, the first highest cell in row-major order. Terrain: the bundled
SYNTHETIC 30 m Kunlun demo DEM (terrain/, its relief is what matters) read with rasterio onto
a UTM 46N grid, as scripts/bench_planning.py does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio import features
from scipy import ndimage
from shapely.geometry import LineString, Polygon, box, mapping

from sar_planner.assets import get_asset
from sar_planner.flightpath import _Legs, build_plan
from sar_planner.geo import to_local
from sar_planner.patterns import parallel_track
from sar_planner.return_height import return_height
from sar_planner.sweep import effective_sweep_width, track_spacing
from sar_planner.terrain import grid_around, load_terrain

DEM = Path(__file__).resolve().parents[2] / "terrain" / "kunlun_golmud_demo_30m_SYNTHETIC.tif"


@pytest.fixture(scope="module")
def demo():
    grid = grid_around(36.10, 94.85, 4000.0, 30.0)
    terrain = load_terrain([str(DEM)], grid)
    x, y = to_local(36.10, 94.85, grid.crs)
    return terrain, float(x), float(y)


def _reference(terrain, xy: np.ndarray, home: tuple[float, float]) -> tuple[float, int, int]:
    """(highest ground, row, col) of the fan grown by one cell, over the whole grid."""
    hx, hy = home
    shapes = [mapping(LineString([(hx, hy), (float(x), float(y))])) for x, y in xy]
    for (ax, ay), (bx, by) in zip(xy[:-1], xy[1:], strict=True):
        shapes.append(mapping(LineString([(ax, ay), (bx, by)])))
        tri = Polygon([(hx, hy), (ax, ay), (bx, by)])
        if tri.area > 0:
            shapes.append(mapping(tri))
    grid = terrain.grid
    burnt = features.rasterize(((s, 1) for s in shapes), out_shape=grid.shape,
                               transform=grid.transform, all_touched=True, fill=0,
                               dtype="uint8").astype(bool)
    burnt = ndimage.binary_dilation(burnt, structure=np.ones((3, 3), dtype=bool))
    elev = np.asarray(terrain.elevation, dtype=np.float64)
    values = np.where(burnt & np.isfinite(elev), elev, -np.inf)
    flat = int(np.argmax(values))
    row, col = np.unravel_index(flat, values.shape)
    return float(values.flat[flat]), int(row), int(col)


def _check(terrain, route: np.ndarray, home: tuple[float, float]) -> None:
    top, row, col = _reference(terrain, route, home)
    r = return_height(terrain, route, home, 3000.0, 70.0)
    assert r.terrain_max_amsl_m == top                       # float equality
    assert r.alt_amsl_m == top + 70.0
    x, y = to_local(r.terrain_max_lat, r.terrain_max_lon, terrain.grid.crs)
    rr, cc = terrain.grid.rowcol(float(x), float(y))
    assert (math.floor(float(rr)), math.floor(float(cc))) == (row, col)   # the same cell


# offsets from the grid centre, metres: the grid is 268 x 268 cells of 30 m (+-4,020 m), so
# +-4,000 m reaches the edge cells, where the search window is cut by the grid
_OFF = st.floats(min_value=-4000.0, max_value=4000.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(route=st.lists(st.tuples(_OFF, _OFF), min_size=1, max_size=12), home=st.tuples(_OFF, _OFF))
def test_the_fan_height_equals_the_whole_grid_computation(demo, route, home):
    terrain, x, y = demo
    xy = np.array(route, dtype=np.float64) + (x, y)
    _check(terrain, xy, (x + home[0], y + home[1]))


def test_degenerate_and_edge_routes_equal_too(demo):
    terrain, x, y = demo
    home = (x - 2600.0, y - 2600.0)
    cases = [
        np.array([[x, y]]),                                            # one vertex
        np.array([[x, y], [x, y]]),                                    # a zero-length leg
        np.array([[x - 2600.0, y], [x - 2600.0, y + 3000.0]]),         # collinear with home
        np.array([[x + 4000.0, y + 4000.0], [x + 4000.0, y - 4000.0]]),  # along the east edge
        np.array([[x - 4000.0, y - 4000.0], [x - 3990.0, y - 4000.0]]),  # at the home corner
    ]
    for route in cases:
        _check(terrain, route, home)


def test_the_bench_plans_transits_are_the_ones_computed_afresh(demo):
    """Every transit quick_leg handed out during a real plan (the bench's M350 at 70 m, 89
    sorties) equals the transit computed again without the store."""
    terrain, x, y = demo
    asset = get_asset("m350-h20t")
    sw = effective_sweep_width(asset, 70.0, "night")
    area = box(x - 2500, y - 2500, x + 2500, y + 2500)
    home = (x - 2600.0, y - 2600.0)
    track = parallel_track(area, track_spacing(sw.width_m), start_xy=home)
    seen: list[tuple[_Legs, tuple]] = []
    original = _Legs.quick_leg

    def spy(self, a, b, za, zb):
        out = original(self, a, b, za, zb)
        seen.append((self, (np.array(a), np.array(b), za, zb, out)))
        return out

    _Legs.quick_leg = spy
    try:
        res = build_plan(terrain, track, asset, sw, 70.0, home_xy=home)
    finally:
        _Legs.quick_leg = original
    assert len(res.plan.sorties) > 50
    keys = {(tuple(a), tuple(b), za, zb) for _, (a, b, za, zb, _) in seen}
    assert len(keys) < len(seen)                  # the store is used: transits asked again
    for legs, (a, b, za, zb, out) in seen[::7]:
        assert legs._quick_leg(a, b, za, zb) == out   # float equality


def _rows_plain(area, heading_deg: float, spacing: float):
    """The sweep-line pieces the plain way: one shapely object per part (patterns._rows' rule)."""
    from sar_planner.patterns import _rows
    rows_fast, along, across, vs = _rows(area, heading_deg, spacing)
    import shapely
    pts_u = np.asarray(area.exterior.coords if area.geom_type == "Polygon"
                       else np.vstack([np.asarray(p.exterior.coords) for p in area.geoms])) @ along
    umin, umax = float(pts_u.min()) - 1.0, float(pts_u.max()) + 1.0
    lines = shapely.linestrings(np.stack([vs[:, None] * across + umin * along,
                                          vs[:, None] * across + umax * along], axis=1))
    rows = []
    for geom in shapely.intersection(lines, area):
        segs = []
        for part in getattr(geom, "geoms", [geom]):
            if part.is_empty or part.geom_type != "LineString" or part.length < 1e-6:
                continue
            c = np.asarray(part.coords)
            a, b = float(c[0] @ along), float(c[-1] @ along)
            segs.append((min(a, b), max(a, b)))
        segs.sort()
        rows.append(segs)
    return rows, rows_fast


@settings(max_examples=60, deadline=None)
@given(pts=st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 5000)), min_size=3, max_size=9),
       heading=st.floats(0.0, 179.9), spacing=st.floats(20.0, 600.0))
def test_sweep_line_pieces_equal_the_plain_computation(pts, heading, spacing):
    """Concave, self-touching and split areas (a star of random points, and the same area with
    a 300 m corridor cut out of it, which splits rows into several pieces)."""
    from shapely.geometry import MultiPoint
    from sar_planner.errors import PlanningError
    hull = MultiPoint(pts).convex_hull
    if hull.geom_type != "Polygon" or hull.area < 1e4:
        return
    c = hull.centroid
    star = Polygon(sorted(pts, key=lambda p: math.atan2(p[1] - c.y, p[0] - c.x)))
    cut = hull.difference(box(c.x - 150, -1, c.x + 150, 5001))
    for area in (star, cut, hull):
        if area.is_empty or not area.is_valid or area.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        try:
            plain, fast = _rows_plain(area, heading, spacing)
        except PlanningError:
            continue
        assert fast == plain                                   # float equality, row by row
