"""A map around given places for pages that have no terrain grid of their own (Mission, Review,
Statistics): the first library terrain holding the centre, loaded on a grid in the UTM zone of
the centre, drawn with the one map component (:mod:`sar_planner.ui.map_view`).

    from sar_planner.ui.place_map import show_place_map

    show_place_map(points=[(36.10, 94.85, "IPP")], rings_m=[(1800, "25 %"), (5800, "95 %")],
                   lines=[("Sortie 12", [(36.10, 94.85), (36.12, 94.88)], "#ff7f0e")],
                   key="mission_map")

Points and lines are degrees WGS84 (lat, lon); rings are radii in metres around the first
point. Where no terrain holds the place the map is still drawn, on flat ground (no relief), and
the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import streamlit as st

from sar_planner.geo import to_local, utm_crs
from sar_planner.grid import Grid

__all__ = ["place_grid", "show_place_map"]


def place_grid(points: Sequence[tuple[float, float]], *, min_half_width_m: float = 3000.0,
               margin: float = 0.25, max_cells: int = 600) -> Grid:
    """A square grid in the UTM zone of the points' centre covering them with a margin.

    Parameters
    ----------
    points:
        (lat, lon) degrees WGS84 (at least one).
    min_half_width_m:
        Smallest half-width, metres.
    margin:
        Extra fraction of the points' half-extent on every side.
    max_cells:
        Cells a side at most (the cell is a whole number of metres, at least 30 m).

    >>> g = place_grid([(36.10, 94.85)])
    >>> g.crs.to_epsg(), g.shape, g.cell_size
    (32646, (600, 600), 13.0)
    """
    lats = np.array([p[0] for p in points], dtype=float)
    lons = np.array([p[1] for p in points], dtype=float)
    clat, clon = float((lats.min() + lats.max()) / 2), float((lons.min() + lons.max()) / 2)
    crs = utm_crs(clat, clon)
    xs, ys = to_local(lats, lons, crs)
    cx, cy = to_local(clat, clon, crs)
    half = max(min_half_width_m, float(np.max(np.abs(np.asarray(xs) - cx), initial=0.0)),
               float(np.max(np.abs(np.asarray(ys) - cy), initial=0.0))) * (1 + margin)
    cell = max(10.0, math.ceil(2 * half / max_cells))
    return Grid.from_bounds(crs, cx - half, cy - half, cx - half + cell * max_cells,
                            cy - half + cell * max_cells, cell)


def show_place_map(points: Sequence[tuple[float, float, str]], *, key: str,
                   rings_m: Sequence[tuple[float, str]] = (),
                   lines: Sequence[tuple[str, Sequence[tuple[float, float]], str]] = (),
                   height_px: int = 620) -> None:
    """Streamlit: the map around ``points`` (and ``lines``) with the unit's base layers."""
    from sar_planner.terrain.library import list_library
    from sar_planner.ui.common import app_settings, lang, tr
    from sar_planner.ui.map_layers import base_layers_for
    from sar_planner.ui.map_view import MapOptions, add_lines, add_points, base_map, show_map
    from sar_planner.ui.terrain_choice import first_holding

    every = [(p[0], p[1]) for p in points] + [q for _, line, _ in lines for q in line]
    if not every:
        return
    reach = max((r for r, _ in rings_m), default=0.0)
    grid = place_grid(every, min_half_width_m=max(3000.0, reach * 1.15))
    settings = app_settings()
    lat0, lon0 = every[0]
    entries = list_library(settings)
    chosen = first_holding(entries, lat0, lon0)
    entry = next((e for e in entries if e.id == chosen), None)
    terrain = _terrain(tuple(entry.paths), grid) if entry is not None else None
    if terrain is None:
        st.caption(tr("mapping.ui.no_terrain"))
        elevation = np.full(grid.shape, np.nan)
        hillshade = np.zeros(grid.shape, dtype=np.uint8)
        slope = None
        synthetic = False
    else:
        elevation, hillshade, slope = terrain.elevation, terrain.hillshade, terrain.slope_deg
        synthetic = bool(terrain.synthetic or (entry is not None and entry.synthetic))
    fig = base_map(grid, elevation, hillshade, slope, lang=lang(),
                   base=base_layers_for(grid, settings), synthetic=synthetic,
                   options=MapOptions(height_px=height_px))
    crs = grid.crs
    if rings_m and points:
        x0, y0 = to_local(points[0][0], points[0][1], crs)
        th = np.linspace(0, 2 * np.pi, 181)
        for r, label in rings_m:
            add_lines(fig, label, [np.column_stack([x0 + r * np.cos(th), y0 + r * np.sin(th)])],
                      colour="#1f3b73", width=1.2, dash="dot", group="rings")
    for name, line, colour in lines:
        if len(line) >= 2:
            lx, ly = to_local(np.array([q[0] for q in line]), np.array([q[1] for q in line]), crs)
            add_lines(fig, name, [np.column_stack([lx, ly])], colour=colour)
    if points:
        px, py = to_local(np.array([p[0] for p in points]), np.array([p[1] for p in points]), crs)
        add_points(fig, tr("mapping.ui.points"),
                   [(float(x), float(y), p[2]) for x, y, p in zip(np.atleast_1d(px),
                                                                  np.atleast_1d(py), points,
                                                                  strict=True)],
                   colour="#d62728")
    show_map(fig, key=key)


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(paths: tuple[str, ...], crs_wkt: str, bounds: tuple[float, ...], cell: float):
    from pyproj import CRS

    from sar_planner.errors import SarPlannerError
    from sar_planner.terrain.load import load_terrain

    grid = Grid.from_bounds(CRS.from_wkt(crs_wkt), *bounds, cell)
    try:
        return load_terrain(paths, grid, allow_partial=True, allow_voids=True)
    except SarPlannerError:
        return None


def _terrain(paths: tuple[str, ...], grid: Grid):
    """The terrain on ``grid`` (cached per files and grid), or None where it cannot be read."""
    return _load(paths, grid.crs.to_wkt(), tuple(grid.bounds), grid.cell_size)
