"""Figure builders shared by the pages: pure functions, arrays in, plotly figures out.

Maps are drawn on flat axes in the mission's metric CRS (metres, equal scale on both axes) with the
terrain as a PNG layout image: no tile server, no WebGL map, nothing fetched from the internet.
:func:`terrain_figure` is the one map component (:mod:`sar_planner.ui.map_view`) with markers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from sar_planner.grid import Grid
from sar_planner.ui.map_view import MapOptions, base_map, decimate, png_data_uri, shaded_relief_rgb

__all__ = ["shaded_relief_rgb", "png_data_uri", "terrain_figure", "decimate", "selectable_lattice"]

def terrain_figure(
    grid: Grid,
    elevation: np.ndarray,
    hillshade: np.ndarray,
    slope_deg: np.ndarray,
    labels: Mapping[str, str],
    *,
    markers: Sequence[tuple[float, float, str]] = (),
    max_image_px: int = 1400,
    hover_cells: int = 120,
    height_px: int = 640,
    lang: str = "en",
    base: Sequence = (),
    synthetic: bool = False,
) -> go.Figure:
    """The map of a terrain grid (:func:`sar_planner.ui.map_view.base_map`) with optional markers.

    Parameters
    ----------
    grid:
        The grid of the arrays (metres in ``grid.crs``).
    elevation, hillshade, slope_deg:
        Arrays of ``grid.shape``: metres a.s.l. (NaN = no data), uint8 hillshade, slope in degrees.
    labels:
        Translated strings (kept for the callers; the map names its own layers in ``lang``).
    markers:
        Points to mark, (x, y, text) in metres of ``grid.crs``.
    lang:
        ``"en"`` or ``"zh"``: the map's layer names, place names and read-out.
    base:
        The unit's imported base layers on this grid (:func:`sar_planner.ui.map_layers.base_layers_for`).

    Returns
    -------
    plotly.graph_objects.Figure
        Layout image 0 is the relief; trace 0 the hover read-out (elevation, slope, lat/lon).
    """
    fig = base_map(grid, elevation, hillshade, slope_deg, lang=lang, base=base,
                   options=MapOptions(height_px=height_px), max_image_px=max_image_px,
                   hover_cells=hover_cells, synthetic=synthetic)
    if markers:
        fig.add_trace(go.Scatter(
            x=[m[0] for m in markers], y=[m[1] for m in markers], mode="markers",
            marker={"symbol": "x", "size": 12, "color": "#d62728", "line": {"width": 2}},
            hovertext=[m[2] for m in markers], hoverinfo="text", name="points", showlegend=False,
        ))
    return fig


def selectable_lattice(grid: Grid, points_per_side: int = 60, clickable: bool = False
                       ) -> go.Scatter:
    """An invisible lattice of points over ``grid`` (metres in its CRS), named ``select``.

    Plotly fires selection events (box, lasso, click) only on traces that can be selected; a
    heatmap and a layout image cannot. The lattice makes the whole map selectable; a click snaps
    to the nearest lattice point (``grid`` width / ``points_per_side`` apart) when
    ``clickable`` (``hoverinfo="none"``: no label, but click events; otherwise ``"skip"``, which
    leaves the hover read-out to the terrain and still allows box and lasso).
    """
    west, south, east, north = grid.bounds
    n = max(2, int(points_per_side))
    xs, ys = np.meshgrid(np.linspace(west, east, n), np.linspace(south, north, n))
    return go.Scatter(x=xs.ravel(), y=ys.ravel(), mode="markers", name="select",
                      marker={"size": 8, "opacity": 0.0},
                      hoverinfo="none" if clickable else "skip", showlegend=False,
                      selected={"marker": {"opacity": 0.0}},
                      unselected={"marker": {"opacity": 0.0}})
