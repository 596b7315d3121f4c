"""Terrain following, climb limits, time and sorties: checked against the DEM independently."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from affine import Affine
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import box

from sar_planner.assets import get_asset, performance_at
from sar_planner.errors import PlanningError
from sar_planner.flightpath import build_plan, follow_terrain
from sar_planner.geo import to_local
from sar_planner.grid import Grid
from sar_planner.patterns import expanding_square, parallel_track
from sar_planner.planner import PlanRequest, plan_search
from sar_planner.sweep import effective_sweep_width
from sar_planner.terrain import load_terrain
from tests.shared_data import shared_file

REPO = Path(__file__).resolve().parents[2]
SRTM = REPO.parent / "shared" / "terrain" / "bigtujunga_srtm30m_utm11n.tif"
PAMIR = REPO / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif"
EPSG = 32646
X0, Y0 = 600000.0, 4000000.0


def _write_dem(path: Path, z: np.ndarray, cell: float, west: float = X0, north: float = Y0,
               tags: dict | None = None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype="float32", crs=f"EPSG:{EPSG}",
                       transform=Affine(cell, 0, west, 0, -cell, north)) as dst:
        dst.write(z.astype("float32"), 1)
        if tags:
            dst.update_tags(**tags)
    return path


def _ridge_terrain(tmp_path: Path, height: float = 300.0, tags: dict | None = None):
    """6 km x 6 km at 30 m: a basin floor at 3,000 m with a 300 m ridge running north-south."""
    n, cell = 200, 30.0
    x = (np.arange(n) + 0.5) * cell
    z = 3000.0 + height * np.exp(-((x - 3000.0) / 400.0) ** 2)
    z = np.tile(z, (n, 1))
    path = _write_dem(tmp_path / "ridge.tif", z, cell, tags=tags)
    grid = Grid.from_bounds(f"EPSG:{EPSG}", X0, Y0 - n * cell, X0 + n * cell, Y0, cell)
    return load_terrain([path], grid), path


def _independent_min_clearance(source: Path, crs_wkt, xyz: np.ndarray, step: float = 3.0):
    """Lowest height of the 3D polyline above the SOURCE file, sampled every ``step`` metres.

    Independent of the planner: positions are moved into the file's CRS with pyproj and the
    file's own pixels are read with rasterio and interpolated bilinearly here.
    """
    pts = [xyz[:1]]
    for a, b in zip(xyz[:-1], xyz[1:], strict=True):
        k = max(1, int(math.ceil(math.hypot(*(b[:2] - a[:2])) / step)))
        t = (np.arange(1, k + 1) / k)[:, None]
        pts.append(a + (b - a) * t)
    pts = np.vstack(pts)
    with rasterio.open(source) as src:
        fx, fy = Transformer.from_crs(crs_wkt, src.crs, always_xy=True).transform(pts[:, 0],
                                                                                pts[:, 1])
        data = src.read(1).astype(float)
        inv = ~src.transform
        col, row = inv * (np.asarray(fx), np.asarray(fy))
    ground = ndimage.map_coordinates(data, [row - 0.5, col - 0.5], order=1, mode="nearest")
    return float(np.min(pts[:, 2] - ground)), len(pts)


def _rates(xyz: np.ndarray, speeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.hypot(*np.diff(xyz[:, :2], axis=0).T)
    dz = np.diff(xyz[:, 2])
    t = d / speeds
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, dz / t, 0.0), d


def test_crossing_a_ridge_keeps_the_height_and_respects_climb_limits(tmp_path):
    terrain, source = _ridge_terrain(tmp_path)
    xy = np.array([[X0 + 300, Y0 - 3000], [X0 + 5700, Y0 - 3000]])
    climb, descent, speed, agl, tol = 2.0, 3.0, 10.0, 50.0, 10.0
    path = follow_terrain(terrain, xy, np.array(["search"]), np.array([speed]), agl, 30.0,
                          climb, descent, tol)
    # clearance over the DEM, checked by the planner at half-cell steps and independently
    assert path.min_clearance_m >= agl - tol
    indep, n = _independent_min_clearance(source, terrain.grid.crs, np.column_stack([path.xy,
                                                                                     path.z]))
    assert n > 1500 and indep >= agl - tol
    # every leg within the vertical speed limits (m/s at the leg's ground speed)
    vz, _ = _rates(np.column_stack([path.xy, path.z]), path.speeds)
    assert vz.max() <= climb + 1e-9 and vz.min() >= -descent - 1e-9
    # the climb limit binds: the aircraft starts climbing before the ridge's foot
    top = float(path.z.max())
    assert top >= 3300.0 + agl - tol
    assert 3000.0 + agl <= path.z[0] <= 3000.0 + agl + 1.0
    # and points were dropped on the flat parts
    assert len(path.xy) < 5400 / 30


def test_raising_only_never_lowers_the_target_profile(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path)
    xy = np.array([[X0 + 300, Y0 - 1000], [X0 + 5700, Y0 - 1000]])
    strict = follow_terrain(terrain, xy, np.array(["search"]), np.array([10.0]), 50.0, 0.0,
                            100.0, 100.0, 0.0)
    limited = follow_terrain(terrain, xy, np.array(["search"]), np.array([10.0]), 50.0, 0.0,
                             1.0, 1.0, 0.0)
    # with no tolerance, the rate-limited profile lies on or above the unconstrained one
    z_strict = np.interp(limited.xy[:, 0], strict.xy[:, 0], strict.z)
    assert np.all(limited.z >= z_strict - 1e-6)


def test_plan_over_a_ridge_splits_into_sorties_within_endurance(tmp_path):
    terrain, source = _ridge_terrain(tmp_path)
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    area = box(X0 + 600, Y0 - 5400, X0 + 5400, Y0 - 600)
    track = parallel_track(area, sweep.width_m, start_xy=(X0 + 500, Y0 - 5500))
    res = build_plan(terrain, track, asset, sweep, 80.0, home_xy=(X0 + 500, Y0 - 5500))
    plan = res.plan
    perf = res.performance
    assert len(plan.sorties) > 1
    assert all(s.duration_s <= perf.usable_s + 1.0 for s in plan.sorties)
    # every metre of searching track is flown once, across the sorties
    assert sum(s.search_length_m for s in plan.sorties) == pytest.approx(track.search_length_m,
                                                                          rel=1e-6)
    # each sortie starts and ends on the ground at the launch point
    for s in plan.sorties:
        assert s.waypoints[0].role == "takeoff" and s.waypoints[-1].role == "land"
        assert s.waypoints[0].agl_m == pytest.approx(0.0, abs=1e-6)
        xyz = res.sorties_xyz[s.index - 1][1:-1]
        indep, _ = _independent_min_clearance(source, terrain.grid.crs, xyz)
        assert indep >= 80.0 - 10.0
        vz, _ = _rates(xyz, np.array([w.speed_m_s for w in s.waypoints[1:-2]]))
        assert vz.max() <= perf.climb_rate_m_s + 1e-6
        assert vz.min() >= -perf.descent_rate_m_s - 1e-6
    assert plan.min_clearance_m >= 70.0
    assert plan.exportable
    # the last two sorties share what is left evenly (no last flight of a few minutes)
    d = [s.duration_s for s in plan.sorties]
    assert abs(d[-1] - d[-2]) < 0.25 * perf.usable_s


def test_the_whole_plan_time_adds_up(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path, height=0.0)  # flat: times are distances / speeds
    asset = dataclasses.replace(get_asset("m30t"), turn_time_s=0.0)
    sweep = effective_sweep_width(asset, 80.0)
    track = parallel_track(box(X0 + 1000, Y0 - 2000, X0 + 3000, Y0 - 1000), 200.0,
                           heading_deg=90.0)
    home = (float(track.xy[0, 0]), float(track.xy[0, 1]))
    res = build_plan(terrain, track, asset, sweep, 80.0, home_xy=home)
    (s,) = res.plan.sorties
    perf = res.performance
    # 5 legs of 2,000 m at 8 m/s + 4 turns of 200 m at 15 m/s + 80 m up and down
    expected = 5 * 2000 / 8.0 + 4 * 200 / 15.0 + 80.0 / perf.climb_rate_m_s + 80.0 / 5.0
    # the return transit: from the last leg's end back to the start corner
    back = math.hypot(*(track.xy[-1] - track.xy[0]))
    expected += back / 15.0
    assert s.duration_s == pytest.approx(expected, rel=1e-6)


def test_an_asset_that_cannot_reach_the_altitude_is_refused(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path)
    low = dataclasses.replace(get_asset("m30t"), max_altitude_amsl_m=3200.0)
    sweep = effective_sweep_width(low, 80.0)
    track = expanding_square((X0 + 3000, Y0 - 3000), 60.0, 600.0)
    with pytest.raises(PlanningError) as exc:
        build_plan(terrain, track, low, sweep, 80.0)
    assert exc.value.code == "planning.err_above_ceiling"


def test_a_path_off_the_terrain_is_refused(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path)
    with pytest.raises(PlanningError) as exc:
        follow_terrain(terrain, np.array([[X0 + 100, Y0 - 100], [X0 - 900, Y0 - 100]]),
                       np.array(["search"]), np.array([10.0]), 50.0, 10.0, 2.0, 2.0)
    assert exc.value.code == "planning.err_path_outside_terrain"


def test_synthetic_terrain_blocks_export(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path, tags={"SYNTHETIC": "yes"})
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    track = expanding_square((X0 + 3000, Y0 - 3000), 60.0, 300.0)
    plan = build_plan(terrain, track, asset, sweep, 80.0).plan
    assert not plan.exportable
    assert any(n.code == "planning.notice_synthetic" and n.blocking for n in plan.notices)


def test_height_cap_is_warned_about(tmp_path):
    terrain, _ = _ridge_terrain(tmp_path, height=600.0)
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 90.0)
    track = parallel_track(box(X0 + 600, Y0 - 1500, X0 + 5400, Y0 - 600), sweep.width_m,
                           heading_deg=90.0)
    plan = build_plan(terrain, track, asset, sweep, 90.0).plan
    cap = [n for n in plan.notices if n.code == "planning.notice_agl_cap"]
    assert cap and not cap[0].blocking and float(cap[0].params["max_agl"]) > 120


def _real_mountains(path: Path, lat: float, lon: float, half: float):
    """A plan request over a real mountain DEM, with terrain loaded by the planner."""
    req = PlanRequest(asset_id="mavic3t", pattern="expanding-square", datum=(lat, lon),
                      agl_m=70.0, radius_m=half, light="night")
    return plan_search(req, sources=[str(path)])


def test_clearance_over_real_30m_srtm_mountains_sampled_independently():
    shared_file(SRTM)
    # San Gabriel Mountains (Big Tujunga), real SRTM 1 arc-second on UTM 11N, steep relief
    res = _real_mountains(SRTM, 34.30, -118.20, 600.0)
    relief = np.ptp(res.path.ground)
    assert relief > 150.0  # genuinely mountainous under the pattern
    samples = 0
    for xyz in res.sorties_xyz:
        indep, n = _independent_min_clearance(SRTM, _crs(res), xyz[1:-1])
        samples += n
        assert indep >= 70.0 - 10.0
    assert samples > 300


def _crs(res):
    from pyproj import CRS

    return CRS.from_user_input(res.plan.crs)


def test_clearance_over_real_pamir_mountains_sampled_independently():
    # GEBCO 2023 15" grid of the eastern Pamir (real; coarse): the planner works on its own
    # UTM grid; the check reads the geographic source file directly
    res = _real_mountains(PAMIR, 39.00, 75.60, 1500.0)  # Kashgar foothills, ~1,700-2,600 m
    assert np.ptp(res.path.ground) > 200.0
    samples = 0
    for xyz in res.sorties_xyz:
        indep, n = _independent_min_clearance(PAMIR, _crs(res), xyz[1:-1], step=10.0)
        samples += n
        assert indep >= 70.0 - 10.0
    assert samples > 1000
    perf = performance_at(get_asset("mavic3t"), float(max(x[:, 2].max() for x in res.sorties_xyz)))
    assert res.performance.endurance_s == pytest.approx(perf.endurance_s, rel=1e-9)


def test_polygon_outside_the_terrain_is_refused(tmp_path):
    _, source = _ridge_terrain(tmp_path)
    lat, lon = 36.0, 94.0  # far from the ridge file
    ring = ((lon, lat), (lon + 0.01, lat), (lon + 0.01, lat + 0.01), (lon, lat + 0.01), (lon, lat))
    req = PlanRequest(asset_id="m30t", pattern="parallel", area=ring)
    with pytest.raises(PlanningError) as exc:
        plan_search(req, sources=[str(source)])
    assert exc.value.code == "planning.err_area_outside_terrain"
    x, y = to_local(lat, lon, f"EPSG:{EPSG}")
    assert math.isfinite(float(x)) and math.isfinite(float(y))


def test_closed_contour_loops_are_flown_whole_across_sorties(tmp_path):
    # a hill: z = 3400 - 0.25 r; every contour inside the area is a closed loop that returns to
    # its first point (a vertex the sortie split must not drop)
    n, cell = 200, 30.0
    c = (np.arange(n) + 0.5) * cell
    xx, yy = np.meshgrid(c, c[::-1])
    z = 3400.0 - 0.25 * np.hypot(xx - 3000, yy - 3000)
    path = _write_dem(tmp_path / "hill.tif", z, cell)
    grid = Grid.from_bounds(f"EPSG:{EPSG}", X0, Y0 - n * cell, X0 + n * cell, Y0, cell)
    terrain = load_terrain([path], grid)
    from sar_planner.patterns import contour_search

    area = box(X0 + 1200, Y0 - 4800, X0 + 4800, Y0 - 1200)
    track = contour_search(terrain.elevation, tuple(grid.transform), area, 25.0)
    asset = get_asset("m350-h20t")
    sweep = effective_sweep_width(asset, 80.0, "night")
    res = build_plan(terrain, track, asset, sweep, 80.0, home_xy=(X0 + 1000, Y0 - 5000))
    assert len(res.plan.sorties) > 1
    assert sum(s.search_length_m for s in res.plan.sorties) == pytest.approx(
        track.search_length_m, rel=1e-6)
    assert all(s.duration_s <= res.performance.usable_s + 1.0 for s in res.plan.sorties)
    assert res.plan.exportable


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), agl=st.floats(20.0, 150.0), tol=st.floats(0.0, 15.0),
       climb=st.floats(0.5, 8.0), descent=st.floats(0.5, 8.0), speed=st.floats(3.0, 30.0),
       radius=st.floats(0.0, 200.0))
def test_terrain_following_holds_over_random_relief(seed, agl, tol, climb, descent, speed,
                                                    radius):
    # random hills (sums of Gaussian bumps up to 400 m) on a 30 m grid; a zig-zag path
    if tol >= agl:
        return
    from sar_planner.terrain import Terrain

    rng = np.random.default_rng(seed)
    n, cell = 120, 30.0
    grid = Grid.from_bounds(f"EPSG:{EPSG}", X0, Y0 - n * cell, X0 + n * cell, Y0, cell)
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    z = np.full(grid.shape, 3000.0)
    for _ in range(8):
        cx, cy = rng.uniform(X0, X0 + n * cell), rng.uniform(Y0 - n * cell, Y0)
        z += rng.uniform(-150, 400) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2)
                                              / (2 * rng.uniform(100, 800) ** 2))
    terrain = Terrain(grid=grid, elevation=z, sources=("random",), filled_voids=0,
                      synthetic=True)
    pts = np.column_stack([rng.uniform(X0 + 300, X0 + n * cell - 300, 5),
                           rng.uniform(Y0 - n * cell + 300, Y0 - 300, 5)])
    kinds = np.array(["search"] * 4)
    speeds = np.full(4, speed)
    path = follow_terrain(terrain, pts, kinds, speeds, agl, radius, climb, descent, tol)
    # 1. never below the requested height minus the tolerance, anywhere along the path
    #    (bilinear terrain every 2 m, computed here, not by the planner)
    dense = []
    for a, b, za, zb in zip(path.xy[:-1], path.xy[1:], path.z[:-1], path.z[1:], strict=True):
        k = max(1, int(np.ceil(np.hypot(*(b - a)) / 2.0)))
        t = np.arange(k) / k
        dense.append(np.column_stack([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t,
                                      za + (zb - za) * t]))
    d = np.vstack(dense)
    row = (Y0 - d[:, 1]) / cell - 0.5
    col = (d[:, 0] - X0) / cell - 0.5
    ground = ndimage.map_coordinates(z, [row, col], order=1, mode="nearest")
    assert np.min(d[:, 2] - ground) >= agl - tol - 1e-6
    assert path.min_clearance_m >= agl - tol - 1e-6
    # 2. every leg within the climb and descent limits
    vz, _ = _rates(np.column_stack([path.xy, path.z]), path.speeds)
    assert vz.max() <= climb + 1e-6 and vz.min() >= -descent - 1e-6
    # 3. every input vertex is kept (the pattern's corners are flown)
    for p in pts:
        assert np.min(np.hypot(*(path.xy - p).T)) < 1e-6


def test_endurance_is_derated_at_the_highest_transit_not_just_the_pattern(tmp_path):
    # launch west of a 600 m ridge, search the flat ground east of it: the transits cross the
    # ridge (3,600 m + height) although the pattern itself stays near 3,000 m
    terrain, _ = _ridge_terrain(tmp_path, height=600.0)
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    area = box(X0 + 4500, Y0 - 4000, X0 + 5700, Y0 - 2000)
    track = parallel_track(area, sweep.width_m, heading_deg=0.0)
    res = build_plan(terrain, track, asset, sweep, 80.0, home_xy=(X0 + 600, Y0 - 3000))
    top = max(float(x[:, 2].max()) for x in res.sorties_xyz)
    assert float(res.path.z.max()) < 3000.0 + 80.0 + 20.0  # the pattern alone is low
    assert top >= 3600.0 + 80.0 - 10.0                       # the transits are not
    assert res.performance.altitude_m >= top - 1.0
    assert res.performance.endurance_s == pytest.approx(
        performance_at(asset, res.performance.altitude_m).endurance_s)
    assert all(s.duration_s <= res.performance.usable_s + 1.0 for s in res.plan.sorties)


def test_fixed_wing_legs_closer_than_its_turn_are_warned_about(tmp_path):
    # VTOL in the catalogue: 18 m/s, 14 s per 180-degree turn -> diameter 2 x 18 x 14 / pi = 160 m
    terrain, _ = _ridge_terrain(tmp_path, height=0.0)
    asset = get_asset("vtol")
    sweep = effective_sweep_width(asset, 150.0, "night")
    track = parallel_track(box(X0 + 600, Y0 - 3000, X0 + 3000, Y0 - 600), 100.0,
                           heading_deg=90.0)
    plan = build_plan(terrain, track, asset, sweep, 150.0).plan
    (n,) = [n for n in plan.notices if n.code == "planning.notice_turn_diameter"]
    assert n.params == {"spacing": "100", "diameter": "160"} and not n.blocking
    wide = parallel_track(box(X0 + 600, Y0 - 3000, X0 + 3000, Y0 - 600), 200.0,
                          heading_deg=90.0)
    plan = build_plan(terrain, wide, asset, sweep, 150.0).plan
    assert not [n for n in plan.notices if n.code == "planning.notice_turn_diameter"]
