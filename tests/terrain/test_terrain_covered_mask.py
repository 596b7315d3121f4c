"""Which grid cells a source covers (terrain.load._covered_mask), decided from the outer ring of
cells where that settles it (issue 12: no per-cell pyproj transform for a grid inside the data).
The result must equal transforming every cell centre, which is what the mask means."""

from __future__ import annotations

import numpy as np
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from sar_planner.grid import Grid
from sar_planner.terrain import load as load_module

UTM46 = CRS.from_epsg(32646)
WGS84 = CRS.from_epsg(4326)
UTM45 = CRS.from_epsg(32645)  # the neighbouring zone: a rotated, curved view of the same grid
#: 36.1 N 94.85 E (south of Golmud) in UTM 46N metres
X0, Y0 = Transformer.from_crs(WGS84, UTM46, always_xy=True).transform(94.85, 36.1)


def _every_centre(grid: Grid, crs: CRS, boxes) -> np.ndarray:
    xs, ys = np.meshgrid(grid.x_centres(), grid.y_centres())
    sx, sy = Transformer.from_crs(grid.crs, crs, always_xy=True).transform(xs, ys)
    out = np.zeros(grid.shape, dtype=bool)
    for w, s, e, n in boxes:
        out |= (sx >= w) & (sx <= e) & (sy >= s) & (sy <= n)
    return out


def _grid(x0: float, y0: float, cell: float, rows: int, cols: int) -> Grid:
    return Grid(UTM46, Affine(cell, 0, x0, 0, -cell, y0), (rows, cols))


def test_box_edge_through_the_grid_in_the_same_crs():
    # 10 x 10 cells of 30 m from x = 500000; centres at 500015, 500045, ...; an east edge at
    # 500100 keeps the centres 500015, 500045 and 500075: 3 columns of 10 rows
    grid = _grid(500000.0, 4000000.0, 30.0, 10, 10)
    mask = load_module._covered_mask(grid, UTM46, [(499000.0, 3990000.0, 500100.0, 4010000.0)])
    assert mask.sum() == 30 and mask[:, :3].all() and not mask[:, 3:].any()


def test_grid_inside_a_geographic_tile_is_covered_without_transforming_every_centre(monkeypatch):
    # a 2,000 x 2,000 grid of 30 m (60 km across) around 36.1 N 94.85 E, inside a tile of
    # 94.0-95.5 E, 35.5-36.9 N (60 km is about 0.67 degrees of longitude and 0.54 of latitude)
    grid = _grid(X0 - 30_000.0, Y0 + 30_000.0, 30.0, 2000, 2000)
    calls = []
    real = Transformer.transform

    def counting(self, xx, yy, *a, **k):
        calls.append(np.size(xx))
        return real(self, xx, yy, *a, **k)

    monkeypatch.setattr(Transformer, "transform", counting)
    mask = load_module._covered_mask(grid, WGS84, [(94.0, 35.5, 95.5, 36.9)])
    assert mask.all()
    assert calls == [4 * 2000]  # the outer ring only, not 4 million centres


@settings(max_examples=60, deadline=None)
@given(dx=st.floats(-80_000, 80_000), dy=st.floats(-80_000, 80_000),
       cell=st.sampled_from([30.0, 90.0, 400.0]), rows=st.integers(1, 60),
       cols=st.integers(1, 60), crs=st.sampled_from([WGS84, UTM45, UTM46]),
       half=st.floats(0.01, 0.6), n_boxes=st.integers(1, 3))
def test_same_mask_as_transforming_every_centre(dx, dy, cell, rows, cols, crs, half, n_boxes):
    # boxes of +-half degrees (or the same size in metres) near 36.1 N 94.85 E; the grid lands
    # anywhere from well inside to outside them, across their edges and corners
    grid = _grid(X0 + dx, Y0 + dy, cell, rows, cols)
    centre = Transformer.from_crs(WGS84, crs, always_xy=True).transform(94.85, 36.1)
    size = half if crs.is_geographic else half * 100_000.0
    boxes = [(centre[0] - size + k * size, centre[1] - size, centre[0] + size + k * size,
              centre[1] + size) for k in range(n_boxes)]
    np.testing.assert_array_equal(load_module._covered_mask(grid, crs, boxes),
                                  _every_centre(grid, crs, boxes))
