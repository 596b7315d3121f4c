"""Figure builders shared by the pages: pure functions, arrays in, plotly figures out.

Maps are drawn on flat axes in the mission's metric CRS (metres, equal scale on both axes) with the
terrain as a PNG layout image: no tile server, no WebGL map, nothing fetched from the internet.
:func:`terrain_figure` is the one map component (:mod:`sar_planner.ui.map_view`) with markers.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from sar_planner.grid import Grid

__all__ = ["shaded_relief_rgb", "png_data_uri", "terrain_figure", "decimate", "selectable_lattice"]

# Hypsometric tint for dry high terrain, elevation fraction -> RGB (basin floor ochre, snow white).
_RAMP = np.array([
    [0.00, 196, 178, 128],
    [0.25, 176, 150, 98],
    [0.50, 140, 112, 80],
    [0.75, 120, 104, 96],
    [0.90, 200, 196, 190],
    [1.00, 250, 250, 250],
])


def decimate(array: np.ndarray, max_px: int) -> np.ndarray:
    """Every k-th cell so that neither side exceeds ``max_px`` (k >= 1); NaN kept."""
    k = max(1, int(np.ceil(max(array.shape) / max_px)))
    return array[::k, ::k]


def shaded_relief_rgb(elevation: np.ndarray, hillshade: np.ndarray) -> np.ndarray:
    """RGB uint8 image: elevation tint modulated by the hillshade (0 = nodata drawn transparent grey).

    Parameters
    ----------
    elevation:
        Metres above sea level, NaN where there is no data.
    hillshade:
        uint8 hillshade of the same shape (1..255, 0 = nodata), as gdaldem makes it.
    """
    finite = np.isfinite(elevation)
    lo, hi = (np.nanpercentile(elevation, [1, 99]) if finite.any() else (0.0, 1.0))
    frac = np.clip((np.where(finite, elevation, lo) - lo) / max(hi - lo, 1.0), 0.0, 1.0)
    rgb = np.stack([np.interp(frac, _RAMP[:, 0], _RAMP[:, i]) for i in (1, 2, 3)], axis=-1)
    shade = 0.35 + 0.65 * (hillshade.astype(float) / 255.0)
    out = np.clip(rgb * shade[..., None], 0, 255).astype(np.uint8)
    out[~finite | (hillshade == 0)] = (225, 225, 225)
    return out


def png_data_uri(rgb: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an RGB uint8 array."""
    buf = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


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
    from sar_planner.ui.map_view import MapOptions, base_map

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
