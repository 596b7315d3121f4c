"""A sortie waiting for review on the shared map (:mod:`sar_planner.ui.map_view`): the plan's
searching runs and segment against the flown track, over the relief of the first terrain in the
library that holds the sortie, with the planned and achieved POD and area as the crew logged them.

Pure parts (no streamlit): :func:`review_geometry` and :func:`review_figure`; the Review page shows
the figure. Coordinates: the stored plan and track are WGS84 degrees; the map is metres in the
UTM zone of the sortie's centre (:func:`sar_planner.geo.local_metric_crs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from pyproj import CRS

from sar_planner.errors import SarPlannerError
from sar_planner.flown_plan import FlownPlan
from sar_planner.geo import local_metric_crs, to_local
from sar_planner.grid import Grid
from sar_planner.logbook.records import SortieRecord
from sar_planner.logbook.tracks import track_lines

__all__ = ["ReviewGeometry", "review_geometry", "review_figure", "comparison_figures",
           "MAP_MARGIN_M", "MAX_MAP_CELLS"]

#: Ground shown around the plan and the track (metres).
MAP_MARGIN_M = 1_000.0
#: Cells of the relief along the longer side (the map's resolution follows the sortie's size).
MAX_MAP_CELLS = 500


@dataclass(frozen=True)
class ReviewGeometry:
    """A sortie's plan and track in metres of ``crs``; ``centre`` is (lat, lon) degrees WGS84."""

    crs: CRS
    centre: tuple[float, float]
    plan_runs: tuple[np.ndarray, ...]
    plan_area: np.ndarray | None
    track: tuple[np.ndarray, ...]

    def grid(self) -> Grid:
        """The map's grid: the plan and track with :data:`MAP_MARGIN_M` around them, at most
        :data:`MAX_MAP_CELLS` cells along the longer side and never finer than 10 m."""
        parts = [*self.plan_runs, *self.track] + ([self.plan_area] if self.plan_area is not None else [])
        xy = np.vstack([p[:, :2] for p in parts])
        west, south = xy.min(axis=0) - MAP_MARGIN_M
        east, north = xy.max(axis=0) + MAP_MARGIN_M
        cell = max(10.0, max(east - west, north - south) / MAX_MAP_CELLS)
        return Grid.from_bounds(self.crs, float(west), float(south), float(east), float(north), cell)


def review_geometry(record: SortieRecord) -> ReviewGeometry | None:
    """The plan flown (if stored) and the flown track (if any) of ``record`` in metres; None when
    the sortie has neither (nothing to put on a map)."""
    plan = None
    if record.plan and record.plan.get("runs"):
        try:
            plan = FlownPlan.from_json(record.plan)
        except SarPlannerError:
            plan = None
    lines = [np.asarray([c[:2] for c in line], dtype=np.float64) for line in track_lines(record.track)]
    runs = [np.asarray([p[:2] for p in run], dtype=np.float64) for run in plan.runs] if plan else []
    area = np.asarray(plan.area, dtype=np.float64) if plan and plan.area else None
    every = [*lines, *runs] + ([area] if area is not None else [])
    every = [a for a in every if len(a)]
    if not every:
        return None
    lonlat = np.vstack(every)
    lat, lon = float(lonlat[:, 1].mean()), float(lonlat[:, 0].mean())
    crs = local_metric_crs(lat, lon)

    def metric(a: np.ndarray) -> np.ndarray:
        x, y = to_local(a[:, 1], a[:, 0], crs)
        return np.column_stack([x, y])

    return ReviewGeometry(crs, (lat, lon), tuple(metric(r) for r in runs if len(r)),
                          metric(area) if area is not None else None,
                          tuple(metric(t) for t in lines if len(t)))


def review_figure(base: go.Figure, geom: ReviewGeometry, labels: dict[str, str]) -> go.Figure:
    """``base`` (a :func:`sar_planner.ui.map_view.base_map` on ``geom.grid()``) with the segment,
    the plan's runs and the flown track; ``labels``: ``area``, ``planned``, ``flown``."""
    from sar_planner.ui.map_view import add_lines

    if geom.plan_area is not None:
        ring = np.vstack([geom.plan_area, geom.plan_area[:1]])
        add_lines(base, labels["area"], [ring], colour="#6a3d9a", width=2.0, dash="dot")
    if geom.plan_runs:
        add_lines(base, labels["planned"], list(geom.plan_runs), colour="#1f77b4", width=2.0, dash="dash")
    if geom.track:
        add_lines(base, labels["flown"], list(geom.track), colour="#d62728", width=2.5)
    return base


def comparison_figures(record: SortieRecord) -> dict[str, Any]:
    """What the crew logged about planned against achieved: POD planned and achieved (fractions,
    None when not compared), area covered and the plan's region (m²), as stored with the sortie."""
    comp = (record.plan or {}).get("comparison") or {}
    return {"planned_pod": comp.get("planned_pod"), "achieved_pod": record.pod
            if record.pod is not None else comp.get("achieved_pod"),
            "area_covered_m2": record.area_covered_m2 if record.area_covered_m2 is not None
            else comp.get("area_covered_m2"),
            "region_area_m2": comp.get("region_area_m2")}
