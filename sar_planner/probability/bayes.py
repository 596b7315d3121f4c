"""Updating POA after an unsuccessful search (Bayes), cumulative POD, and the mission's replay.

For every cell i, with POD_i = 0 where nothing was searched and ROW never searched:

    POA_i' = POA_i (1 - POD_i) / (1 - sum_j POA_j POD_j)

(Stone, *Theory of Optimal Search*, 1975; ctwardy/soral formulation.tex). Independent searches
combine as POD_cum = 1 - (1 - POD_1)(1 - POD_2)... A mission's current map is never stored: it
is recomputed from the initial map and the sorties' POD rasters, in the order flown
(:func:`replay`), so it cannot drift from the facts in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sar_planner.errors import ProbabilityError
from sar_planner.probability.maps import ProbabilityMap

__all__ = ["check_pod", "bayes_update", "cumulative_pod", "MissionState", "replay"]


def check_pod(pod: np.ndarray, pm: ProbabilityMap) -> np.ndarray:
    """``pod`` as float64 after checking it lies on ``pm``'s grid with values in [0, 1]."""
    pod = np.asarray(pod, dtype=np.float64)
    if pod.shape != pm.grid.shape:
        raise ProbabilityError("probability.err_pod_grid", shape=str(pod.shape),
                               grid=str(pm.grid.shape))
    if not np.all(np.isfinite(pod)) or pod.min(initial=0.0) < 0 or pod.max(initial=0.0) > 1:
        raise ProbabilityError("probability.err_pod_values")
    return pod


def bayes_update(pm: ProbabilityMap, pod: np.ndarray) -> tuple[ProbabilityMap, float]:
    """The map after an unsuccessful search with detection probability ``pod`` per cell.

    Returns
    -------
    (ProbabilityMap, float)
        The updated map (cells + ROW = 1) and the search's probability of success
        POS = sum POA_i POD_i.

    Examples
    --------
    Two areas of POA 0.5, one searched with POD 0.5 (search-theory.md): 1/3 and 2/3.
    """
    pod = check_pod(pod, pm)
    pos = float(np.sum(pm.poa * pod))
    remaining = 1.0 - pos
    if remaining <= 1e-12:
        raise ProbabilityError("probability.err_update_certain", pos=f"{pos:.6f}")
    poa = pm.poa * (1.0 - pod) / remaining
    row = pm.row / remaining
    s = float(poa.sum()) + row  # re-close the sum against float rounding
    return ProbabilityMap(pm.grid, poa / s, row / s), pos


def cumulative_pod(*pods: np.ndarray) -> np.ndarray:
    """Per-cell POD of independent searches: 1 - prod(1 - POD_k).

    >>> float(cumulative_pod(np.array(0.6), np.array(0.6)))   # search-theory.md: 84 %
    0.84
    """
    if not pods:
        raise ProbabilityError("probability.err_no_pods")
    out = np.ones_like(np.asarray(pods[0], dtype=np.float64))
    for p in pods:
        out = out * (1.0 - np.asarray(p, dtype=np.float64))
    return 1.0 - out


@dataclass(frozen=True, eq=False)
class MissionState:
    """A mission's current state, derived from its inputs and sorties.

    Attributes
    ----------
    initial:
        The map before any search.
    current:
        The map after every sortie so far.
    cumulative_pod:
        Per-cell cumulative POD of all sorties.
    pos:
        Each sortie's probability of success, in flying order (POS against the map it searched).
    """

    initial: ProbabilityMap
    current: ProbabilityMap
    cumulative_pod: np.ndarray
    pos: tuple[float, ...]

    @property
    def total_pos(self) -> float:
        """Probability that the searches so far would have found the subject (against the initial
        map): sum POA0_i x cumulative POD_i."""
        return float(np.sum(self.initial.poa * self.cumulative_pod))


def replay(initial: ProbabilityMap, pods: Sequence[np.ndarray]) -> MissionState:
    """Apply each sortie's POD raster to ``initial`` in order; the mission's current state."""
    current = initial
    cum = np.zeros(initial.grid.shape)
    pos: list[float] = []
    for pod in pods:
        pod = check_pod(pod, initial)
        current, p = bayes_update(current, pod)
        cum = 1.0 - (1.0 - cum) * (1.0 - pod)
        pos.append(p)
    return MissionState(initial, current, cum, tuple(pos))
