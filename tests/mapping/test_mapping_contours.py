"""Contour lines and their interval (sar_planner.mapping.contours)."""

from __future__ import annotations

import numpy as np
import pytest

from sar_planner.errors import InputError
from sar_planner.grid import Grid
from sar_planner.mapping.contours import INTERVALS, contour_interval, contour_lines

GRID = Grid.from_bounds("EPSG:32646", 0.0, 0.0, 1000.0, 1000.0, 10.0)


def _plane() -> np.ndarray:
    x, y = np.meshgrid(GRID.x_centres(), GRID.y_centres())
    return 3000.0 + 0.5 * x  # rises 0.5 m per metre east: 3002.5 .. 3497.5 m


def test_interval_from_relief_by_hand() -> None:
    # Kunlun front, 1,600 m of relief: 1600/100 = 16 levels <= 20, 1600/50 = 32 > 20
    assert contour_interval(np.array([2900.0, 4500.0])) == 100.0
    # basin floor, 30 m: 30/2 = 15 levels; 30/1 = 30 too many
    assert contour_interval(np.array([2800.0, 2830.0])) == 2.0
    # a single spike does not set it (1st-99th percentile)
    flat = np.full(1000, 2800.0)
    flat[:5] = 6000.0
    assert contour_interval(flat) == INTERVALS[0]
    assert contour_interval(np.full((3, 3), np.nan)) == INTERVALS[0]


def test_plane_contours_are_straight_where_the_formula_puts_them() -> None:
    interval, lines = contour_lines(GRID, _plane(), 50.0)
    assert interval == 50.0
    # z = 3000 + 0.5 x: level L lies at x = 2 (L - 3000); 3050 m at x = 100 m ... 3450 at 900
    assert sorted({c.level for c in lines}) == [3050.0 + 50 * i for i in range(9)]
    for c in lines:
        assert np.allclose(c.xy[:, 0], 2 * (c.level - 3000.0), atol=1e-6)
        assert c.index == (c.level % 250 == 0)  # every fifth 50 m level: 3250 m
    assert [c.level for c in lines if c.index] == [3250.0]


def test_no_data_breaks_a_contour() -> None:
    z = _plane()
    z[40:60, :] = np.nan  # a void band across every contour
    _, lines = contour_lines(GRID, z, 100.0)
    for level in (3100.0, 3200.0, 3300.0, 3400.0):
        pieces = [c for c in lines if c.level == level]
        assert len(pieces) == 2  # north and south of the void
        for c in pieces:
            assert not np.any((c.xy[:, 1] > 400.0) & (c.xy[:, 1] < 600.0))


def test_decimated_grid_keeps_positions() -> None:
    _, lines = contour_lines(GRID, _plane(), 100.0, max_cells=25)  # every 4th cell
    for c in lines:
        assert np.allclose(c.xy[:, 0], 2 * (c.level - 3000.0), atol=1e-6)


def test_bad_interval() -> None:
    with pytest.raises(InputError):
        contour_lines(GRID, _plane(), 0.0)
