"""Coverage, POD and POS on the mission grid (Koopman's exponential law, IAMSAR C = W / S)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

from sar_planner.assets import get_asset
from sar_planner.coverage import (plan_coverage, pod_from_coverage, sortie_pos, swath_coverage,
                                  terrain_mask, track_coverage)
from sar_planner.flightpath import build_plan
from sar_planner.geo import from_local
from sar_planner.grid import Grid
from sar_planner.patterns import parallel_track
from sar_planner.probability import ProbabilityMap, bayes_update
from sar_planner.sweep import SweepWidth
from sar_planner.terrain import load_terrain

UTM46 = CRS.from_epsg(32646)
X0, Y0 = 600000.0, 4000000.0


def test_tracks_one_sweep_width_apart_give_pod_1_minus_1_over_e_inside_the_area():
    # IAMSAR: C = W / S = 1 -> POD = 1 - e^-1 = 0.632 everywhere inside the searched area
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + 2000, Y0 + 2000, 20.0)
    area = box(X0 + 200, Y0 + 200, X0 + 1800, Y0 + 1800)
    w = 50.0
    track = parallel_track(area, w, heading_deg=90.0)
    cov = swath_coverage(grid, track.search_runs(), w)
    pod = pod_from_coverage(cov)
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    inner = (xs > X0 + 220) & (xs < X0 + 1780) & (ys > Y0 + 220) & (ys < Y0 + 1780)
    assert pod[inner] == pytest.approx(1 - math.exp(-1), abs=1e-12)
    outer = (xs < X0 + 190) | (xs > X0 + 1810) | (ys < Y0 + 190) | (ys > Y0 + 1810)
    assert np.all(pod[outer] == 0)
    # total swept area = W x search length
    assert cov.sum() * grid.cell_area == pytest.approx(w * track.search_length_m, rel=1e-9)


def test_a_narrow_swath_on_coarse_cells_keeps_its_true_area():
    # W = 34 m over 100 m cells, a leg along a row boundary and one at 30 degrees: the swept
    # area per cell is exact (no sub-cell sampling), so the sum is W x L
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + 3000, Y0 + 3000, 100.0)
    runs = [np.array([[X0 + 100, Y0 + 1500], [X0 + 2900, Y0 + 1500]]),
            np.array([[X0 + 500, Y0 + 200], [X0 + 500 + 2000 * math.sin(math.radians(30)),
                                             Y0 + 200 + 2000 * math.cos(math.radians(30))]])]
    cov = swath_coverage(grid, runs, 34.0)
    assert cov.sum() * grid.cell_area == pytest.approx(34.0 * (2800 + 2000), rel=1e-9)
    row = grid.shape[0] - 1 - 15  # the cells just north and south of y = 1,500 m
    assert cov[row, 5] == pytest.approx(17.0 / 100.0)
    assert cov[row + 1, 5] == pytest.approx(17.0 / 100.0)


def test_half_the_spacing_doubles_the_coverage():
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + 1000, Y0 + 1000, 10.0)
    track = parallel_track(box(X0 + 100, Y0 + 100, X0 + 900, Y0 + 900), 25.0, heading_deg=0.0)
    cov = swath_coverage(grid, track.search_runs(), 50.0)
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    inner = (xs > X0 + 160) & (xs < X0 + 840) & (ys > Y0 + 160) & (ys < Y0 + 840)
    # C = W / S = 2: POD = 1 - e^-2 = 0.8647 (= two searches of 63.2 %: 1 - 0.368^2)
    assert pod_from_coverage(cov)[inner] == pytest.approx(1 - math.exp(-2), abs=1e-12)


def test_cumulative_pod_of_two_60_percent_searches_is_84_percent():
    # search-theory.md: 60 % then 60 % gives 84 % (coverages add)
    c = -math.log(0.4)
    assert float(pod_from_coverage(np.array(2 * c))) == pytest.approx(0.84)


def test_pos_is_poa_times_pod_and_feeds_the_bayes_update():
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + 200, Y0 + 100, 100.0)
    pm = ProbabilityMap(grid, np.array([[0.5, 0.5]]), 0.0)
    pod = np.array([[0.5, 0.0]])
    assert sortie_pos(pm.poa, pod) == pytest.approx(0.25)
    updated, pos = bayes_update(pm, pod)  # search-theory.md: 1/3 and 2/3
    assert pos == pytest.approx(0.25)
    assert updated.poa == pytest.approx(np.array([[1 / 3, 2 / 3]]))


def _plane(tmp_path: Path, slope_deg: float) -> object:
    """A plane rising to the east at ``slope_deg`` (faces west, aspect 270)."""
    n, cell = 100, 10.0
    x = (np.arange(n) + 0.5) * cell
    z = np.tile(3000.0 + x * math.tan(math.radians(slope_deg)), (n, 1))
    path = tmp_path / "plane.tif"
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float64",
                       crs=UTM46, transform=Affine(cell, 0, X0, 0, -cell, Y0 + n * cell)) as d:
        d.write(z, 1)
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + n * cell, Y0 + n * cell, cell)
    return load_terrain([path], grid)


def test_steep_slopes_facing_away_from_the_sensor_get_no_coverage(tmp_path):
    terrain = _plane(tmp_path, 40.0)
    grid = terrain.grid
    cx, cy = X0 + 500.0, Y0 + 500.0
    ground = 3000.0 + 500.0 * math.tan(math.radians(40.0))
    # a sensor 200 m east and 100 m above: line of sight 26.6 deg above horizontal, the slope
    # faces west (away) and rises 40 deg: the sensor sees its back -> masked
    east = np.array([[cx + 200.0, cy, ground + 100.0]])
    assert not terrain_mask(grid, terrain, east)[50, 50]
    # a sensor 200 m west sees the face -> visible
    west = np.array([[cx - 200.0, cy, ground + 100.0]])
    assert terrain_mask(grid, terrain, west)[50, 50]
    # a gentle 20 deg slope is below the 30 deg limit: always seen
    gentle = _plane(tmp_path, 20.0)
    assert terrain_mask(grid, gentle, east).all()


def test_plan_coverage_reads_the_search_legs_back_from_the_plan(tmp_path):
    terrain = _plane(tmp_path, 0.0)
    asset = get_asset("m30t")
    sweep = SweepWidth(40.0, "unit", ())
    track = parallel_track(box(X0 + 200, Y0 + 200, X0 + 800, Y0 + 800), 40.0, heading_deg=90.0)
    plan = build_plan(terrain, track, asset, sweep, 80.0).plan
    cov = plan_coverage(plan, terrain.grid)
    direct = swath_coverage(terrain.grid, track.search_runs(), 40.0)
    # the plan went through WGS84 (9 decimals) and back: the same swept area per cell
    assert np.abs(cov - direct).max() <= 1e-4
    assert cov.sum() == pytest.approx(direct.sum(), rel=1e-6)


def test_flown_track_coverage_in_degrees():
    grid = Grid.from_bounds(UTM46, X0, Y0, X0 + 1000, Y0 + 1000, 10.0)
    lat, lon = from_local(np.array([X0 + 100, X0 + 900]), np.array([Y0 + 500, Y0 + 500]), UTM46)
    cov = track_coverage(lat, lon, None, grid, 100.0)
    # 800 m x 100 m swept = 80,000 m^2 = 800 cells' worth
    assert cov.sum() * grid.cell_area == pytest.approx(80000, rel=1e-6)


def test_negative_coverage_is_refused():
    from sar_planner.errors import PlanningError

    with pytest.raises(PlanningError):
        pod_from_coverage(np.array([-0.1]))
