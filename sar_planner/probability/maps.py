"""The probability-of-area map: POA per cell on a :class:`~sar_planner.grid.Grid`, plus ROW."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import CRS

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid

__all__ = ["ProbabilityMap", "same_grid", "ipp_cell"]

#: Cells + ROW may differ from 1 by this much (float64 sums over millions of cells).
SUM_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class ProbabilityMap:
    """POA per cell and the rest-of-world (ROW) probability; cells + ROW = 1.

    Attributes
    ----------
    grid:
        The mission grid (metric CRS); ``poa[i, j]`` is the probability that the subject is in
        cell ``(i, j)`` of ``grid``.
    poa:
        float64 array of ``grid.shape``, every value >= 0 and finite.
    row:
        Probability that the subject is outside the grid (rest of world), in [0, 1].
    """

    grid: Grid
    poa: np.ndarray
    row: float

    def __post_init__(self) -> None:
        poa = np.asarray(self.poa, dtype=np.float64)
        if poa.shape != self.grid.shape:
            raise ProbabilityError("probability.err_map_shape", shape=str(poa.shape),
                                   grid=str(self.grid.shape))
        if not np.all(np.isfinite(poa)) or poa.min(initial=0.0) < 0:
            raise ProbabilityError("probability.err_map_values")
        total = float(poa.sum()) + float(self.row)
        if not (0.0 <= self.row <= 1.0 + SUM_TOLERANCE) or not math.isclose(
                total, 1.0, rel_tol=0.0, abs_tol=1e-6):
            raise ProbabilityError("probability.err_map_sum", total=f"{total:.6f}",
                                   row=f"{self.row:.6f}")
        poa.setflags(write=False)
        object.__setattr__(self, "poa", poa)
        object.__setattr__(self, "row", float(self.row))

    @property
    def total(self) -> float:
        """Cells + ROW (1 up to float rounding)."""
        return float(self.poa.sum()) + self.row

    @property
    def density(self) -> np.ndarray:
        """POA per square kilometre of each cell."""
        return self.poa / (self.grid.cell_area / 1e6)


def same_grid(a: Grid, b: Grid) -> bool:
    """True when ``a`` and ``b`` hold the same cells: same CRS, shape and (to 1 mm) transform."""
    if a.shape != b.shape or not CRS.from_user_input(a.crs).equals(CRS.from_user_input(b.crs)):
        return False
    return all(math.isclose(x, y, rel_tol=0.0, abs_tol=1e-3)
               for x, y in zip(tuple(a.transform)[:6], tuple(b.transform)[:6], strict=True))


def ipp_cell(grid: Grid, x: float, y: float) -> tuple[int, int]:
    """(row, col) of the cell holding point (x, y), metres in ``grid.crs``; error if outside."""
    if not (math.isfinite(x) and math.isfinite(y)) or not bool(grid.contains(x, y)):
        west, south, east, north = grid.bounds
        raise ProbabilityError("probability.err_ipp_outside", x=f"{x:.0f}", y=f"{y:.0f}",
                               west=f"{west:.0f}", south=f"{south:.0f}", east=f"{east:.0f}",
                               north=f"{north:.0f}")
    r, c = grid.rowcol(x, y)
    rows, cols = grid.shape
    return min(int(r), rows - 1), min(int(c), cols - 1)
