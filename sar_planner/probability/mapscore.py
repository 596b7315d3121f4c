"""MapScore: how good was a probability map for a case whose find location is known.

Sava, Twardy, Koester & Sonwalkar, "Evaluating lost person behavior models", Transactions in GIS
20(1), 2016 (ctwardy/mapscore): r = share of the map's cells whose probability is at least that
of the find cell; score = (0.5 - r) / 0.5. A map that put its single highest value on the find
cell scores 1 - 2/N (-> 1), a flat map -1, a random map 0 on average. Published: distance rings
0.78, watershed 0.61, combined 0.81.
"""

from __future__ import annotations

import numpy as np

from sar_planner.errors import ProbabilityError
from sar_planner.probability.maps import ProbabilityMap

__all__ = ["mapscore", "mapscore_cell"]


def mapscore_cell(poa: np.ndarray, row: int, col: int) -> float:
    """MapScore of the array ``poa`` for a find in cell (row, col)."""
    poa = np.asarray(poa, dtype=np.float64)
    if not (0 <= row < poa.shape[0] and 0 <= col < poa.shape[1]):
        raise ProbabilityError("probability.err_find_outside", x="-", y="-")
    r = float(np.count_nonzero(poa >= poa[row, col])) / poa.size
    return (0.5 - r) / 0.5


def mapscore(pm: ProbabilityMap, find_x: float, find_y: float) -> float:
    """MapScore of ``pm`` for a find at (find_x, find_y), metres in ``pm.grid.crs``.

    A find outside the grid cannot be scored (the map gave it only ROW): an error says so.
    """
    if not bool(pm.grid.contains(find_x, find_y)):
        raise ProbabilityError("probability.err_find_outside", x=f"{find_x:.0f}",
                               y=f"{find_y:.0f}")
    r, c = pm.grid.rowcol(find_x, find_y)
    rows, cols = pm.grid.shape
    return mapscore_cell(pm.poa, min(int(r), rows - 1), min(int(c), cols - 1))
