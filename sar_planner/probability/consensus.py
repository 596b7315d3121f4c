"""Consensus: planners' Mattson points over regions, spread by a model, blended with the model.

Mattson, "Establishing Search Priorities", NATO Search Theory and Applications (1980) pp. 93-97:
each planner spreads 100 points over the regions and ROW; the mean of the planners' points / 100
is each region's POA. Inside a region the POA is spread in proportion to the chosen model's map
(or evenly by area where the model gives the region nothing); the part of a region outside the
grid goes to ROW in proportion to its area. The result is blended with the model:
P = w x consensus + (1 - w) x model, ROW likewise, so cells + ROW stay 1.

Region geometries are shapely polygons in metres of the grid's CRS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rasterio import features
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import ProbabilityError
from sar_planner.grid import Grid
from sar_planner.probability.maps import ProbabilityMap

__all__ = ["Region", "ROW_KEY", "mattson", "region_labels", "consensus_map"]

#: The key of rest-of-world points in a planner's allocation.
ROW_KEY = "ROW"
_POINTS = 100.0


@dataclass(frozen=True)
class Region:
    """A named consensus region (polygon, metres in the grid CRS)."""

    name: str
    geometry: BaseGeometry


def mattson(allocations: Sequence[Mapping[str, float]], region_names: Sequence[str]
            ) -> dict[str, float]:
    """Region POAs (and ``"ROW"``) from several planners' 100-point allocations.

    Each allocation maps region names (and optionally ``"ROW"``) to points; each must total 100.

    >>> mattson([{"A": 60, "B": 30, "ROW": 10}, {"A": 40, "B": 50, "ROW": 10}], ["A", "B"])
    {'A': 0.5, 'B': 0.4, 'ROW': 0.1}
    """
    if not allocations:
        raise ProbabilityError("probability.err_no_planners")
    names = list(region_names) + [ROW_KEY]
    sums = {n: 0.0 for n in names}
    for k, alloc in enumerate(allocations, start=1):
        unknown = set(alloc) - set(names)
        if unknown:
            raise ProbabilityError("probability.err_mattson_region", planner=k,
                                   name=", ".join(sorted(unknown)))
        vals = [float(alloc.get(n, 0.0)) for n in names]
        if any(not math.isfinite(v) or v < 0 for v in vals):
            raise ProbabilityError("probability.err_mattson_points", planner=k,
                                   total=f"{sum(vals):g}")
        if not math.isclose(sum(vals), _POINTS, abs_tol=1e-6):
            raise ProbabilityError("probability.err_mattson_points", planner=k,
                                   total=f"{sum(vals):g}")
        for n, v in zip(names, vals, strict=True):
            sums[n] += v
    return {n: sums[n] / (_POINTS * len(allocations)) for n in names}


def region_labels(grid: Grid, geometries: Sequence[BaseGeometry]) -> np.ndarray:
    """Label per cell: index of the polygon holding the cell centre, -1 for none.

    Polygons must be valid and may not overlap (an error names the pair).
    """
    for i, g in enumerate(geometries):
        if not isinstance(g, BaseGeometry) or g.is_empty or not g.is_valid or g.area <= 0:
            raise ProbabilityError("probability.err_polygon", index=i + 1)
    for i in range(len(geometries)):
        for j in range(i + 1, len(geometries)):
            inter = geometries[i].intersection(geometries[j]).area
            if inter > 1e-6 * min(geometries[i].area, geometries[j].area) and inter > 1.0:
                raise ProbabilityError("probability.err_overlap", first=i + 1, second=j + 1,
                                       area=f"{inter:.0f}")
    if not geometries:
        return np.full(grid.shape, -1, dtype=np.int32)
    return features.rasterize(((g, i) for i, g in enumerate(geometries)), out_shape=grid.shape,
                              transform=grid.transform, fill=-1, all_touched=False,
                              dtype="int32")


def consensus_map(model: ProbabilityMap, regions: Sequence[Region],
                  region_poa: Mapping[str, float], weight: float) -> ProbabilityMap:
    """Blend of the consensus (``region_poa`` spread by ``model`` inside each region) and ``model``.

    Parameters
    ----------
    model:
        The model map (rings or terrain) on the mission grid.
    regions:
        Non-overlapping regions.
    region_poa:
        POA per region name plus ``"ROW"`` (e.g. from :func:`mattson`), summing to 1.
    weight:
        0 (model only) to 1 (consensus only).
    """
    if not (math.isfinite(weight) and 0.0 <= weight <= 1.0):
        raise ProbabilityError("probability.err_blend_weight", value=weight)
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise ProbabilityError("probability.err_region_names")
    total = sum(float(region_poa.get(n, 0.0)) for n in names) + float(region_poa.get(ROW_KEY, 0.0))
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ProbabilityError("probability.err_region_poa_sum", total=f"{total:.4f}")
    grid = model.grid
    labels = region_labels(grid, [r.geometry for r in regions])
    extent: Polygon = box(*grid.bounds)
    cons = np.zeros(grid.shape)
    row = float(region_poa.get(ROW_KEY, 0.0))
    for i, reg in enumerate(regions):
        p = float(region_poa.get(reg.name, 0.0))
        inside_share = reg.geometry.intersection(extent).area / reg.geometry.area
        cells = labels == i
        if not cells.any():
            row += p
            continue
        row += p * (1.0 - inside_share)
        w = model.poa[cells]
        s = float(w.sum())
        cons[cells] = p * inside_share * (w / s if s > 0 else np.full(w.shape, 1.0 / w.size))
    poa = weight * cons + (1.0 - weight) * model.poa
    row_b = weight * row + (1.0 - weight) * model.row
    s = float(poa.sum()) + row_b
    return ProbabilityMap(grid, poa / s, row_b / s)
