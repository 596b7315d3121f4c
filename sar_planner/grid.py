"""The grid shared by terrain, probability and coverage arrays.

A :class:`Grid` is a north-up raster of square cells in one projected, metric CRS (the mission's
UTM or CGCS2000 Gauss-Kruger zone). Cell ``[i, j]`` of every array on the same grid means the same
place: row ``i`` counts down from the north edge, column ``j`` right from the west edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS

from sar_planner.errors import InputError

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells.

    Attributes
    ----------
    crs:
        Projected CRS with metre units (for example EPSG:32646, UTM zone 46N).
    transform:
        Affine from (col, row) to (x, y) of the cell's upper-left corner, in ``crs`` metres.
    shape:
        (rows, cols).
    """

    crs: CRS
    transform: Affine
    shape: tuple[int, int]

    def __post_init__(self) -> None:
        rows, cols = self.shape
        if rows <= 0 or cols <= 0:
            raise InputError("common.err_grid_shape", rows=rows, cols=cols)
        a, b, _, d, e, _ = tuple(self.transform)[:6]
        if b != 0 or d != 0 or a <= 0 or e >= 0 or not math.isclose(a, -e, rel_tol=1e-9):
            raise InputError("common.err_grid_transform")

    @classmethod
    def from_bounds(cls, crs: CRS, west: float, south: float, east: float, north: float,
                    cell_size: float) -> Grid:
        """Grid covering the box (metres in ``crs``), cells of ``cell_size`` metres.

        The box is grown outward to whole cells: the west/north edges are kept and the
        east/south edges move out by less than one cell.
        """
        if cell_size <= 0 or not math.isfinite(cell_size):
            raise InputError("common.err_cell_size", value=cell_size)
        cols = max(1, math.ceil((east - west) / cell_size - 1e-9))
        rows = max(1, math.ceil((north - south) / cell_size - 1e-9))
        return cls(CRS.from_user_input(crs), Affine(cell_size, 0.0, west, 0.0, -cell_size, north),
                   (rows, cols))

    @classmethod
    def centered(cls, crs: CRS, x: float, y: float, half_width: float, cell_size: float) -> Grid:
        """Square grid centred on (x, y) metres in ``crs`` reaching ``half_width`` metres each way."""
        return cls.from_bounds(crs, x - half_width, y - half_width, x + half_width, y + half_width,
                               cell_size)

    @property
    def cell_size(self) -> float:
        """Cell width (= height) in metres."""
        return float(self.transform.a)

    @property
    def cell_area(self) -> float:
        """Area of one cell in square metres."""
        return self.cell_size**2

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the outer cell edges, metres in ``crs``."""
        rows, cols = self.shape
        west, north = self.transform.c, self.transform.f
        return (west, north - rows * self.cell_size, west + cols * self.cell_size, north)

    def x_centres(self) -> np.ndarray:
        """Easting of each column's cell centres (metres), shape (cols,)."""
        return self.transform.c + (np.arange(self.shape[1]) + 0.5) * self.cell_size

    def y_centres(self) -> np.ndarray:
        """Northing of each row's cell centres (metres), shape (rows,)."""
        return self.transform.f - (np.arange(self.shape[0]) + 0.5) * self.cell_size

    def rowcol(self, x: float | np.ndarray, y: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fractional (row, col) of points (x, y) in metres; cell centres are at .5."""
        row = (self.transform.f - np.asarray(y, dtype=float)) / self.cell_size
        col = (np.asarray(x, dtype=float) - self.transform.c) / self.cell_size
        return row, col

    def contains(self, x: float | np.ndarray, y: float | np.ndarray) -> np.ndarray:
        """True where (x, y) metres lies inside the grid's outer edges."""
        west, south, east, north = self.bounds
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)
