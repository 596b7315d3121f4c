"""Figure builders of the probability page: pure functions, arrays in, plotly figures / PNG out.

The POA map is drawn on flat axes in the mission's metric CRS over the shaded relief (a PNG layout
image, nothing fetched from the internet), as a semi-transparent heat map of POA density per km^2
on a log colour scale, with the IPP, distance rings and search segments on top.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from shapely.geometry.base import BaseGeometry

from sar_planner.grid import Grid
from sar_planner.mapping.labels import LabelRequest, place_labels
from sar_planner.ui.map_view import block_sum
from sar_planner.ui.figures import selectable_lattice

__all__ = ["block_sum", "poa_figure", "poa_png"]

_COLORS = "YlOrRd"


def poa_figure(grid: Grid, poa: np.ndarray, elevation: np.ndarray, hillshade: np.ndarray,
               labels: Mapping[str, str], *, ipp: tuple[float, float] | None = None,
               rings: Sequence[tuple[float, str]] = (),
               segments: Sequence[tuple[str, BaseGeometry]] = (),
               barriers: Sequence[BaseGeometry] = (), tracks: Sequence[BaseGeometry] = (),
               regions: Sequence[tuple[str, BaseGeometry]] = (),
               pending: BaseGeometry | None = None,
               drainage: np.ndarray | None = None, pickable: bool = False,
               lattice_points: int = 60, max_cells: int = 250,
               max_image_px: int = 1400, height_px: int = 620,
               max_labels: int = 80, dragmode: str = "pan", lang: str = "en",
               base: Sequence = (), slope_deg: np.ndarray | None = None,
               synthetic: bool = False) -> go.Figure:
    """POA density heat map on the one map component (:func:`sar_planner.ui.map_view.base_map`).

    Parameters
    ----------
    grid:
        The mission grid (metres in ``grid.crs``).
    poa:
        POA per cell, ``grid.shape``.
    elevation, hillshade:
        Terrain on ``grid`` (metres a.s.l., uint8) for the relief image.
    labels:
        Translated strings: ``easting``, ``northing``, ``density``, ``poa``, ``ipp``.
    ipp:
        (x, y) of the IPP, metres.
    rings:
        (radius metres, label) circles around the IPP (e.g. the 25/50/75/95 % distances).
    segments:
        (name, polygon) outlines, dark grey, each named at a point inside it (at most
        ``max_labels`` names; plain text on flat axes, nothing fetched).
    barriers:
        Lines or polygons (a river, a cliff edge, a salt lake), drawn red.
    tracks:
        Roads and tracks (lines), drawn brown.
    regions:
        (name, polygon) consensus regions, dashed purple outlines.
    pending:
        A line or area drawn but not yet added (highlighted, dashed blue, with its vertices).
    drainage:
        Boolean mask of drainage cells on ``grid`` (drawn as small points, thinned to at most
        about ``max_cells`` squared).
    pickable:
        Add an invisible selectable lattice so that a click, a box or a lasso on the map reports
        points (:func:`sar_planner.ui.figures.selectable_lattice`), ``lattice_points`` a side.
    max_cells:
        Largest side of the heat map sent to the browser (cells are summed in blocks).
    dragmode:
        What a drag on the map does at first: ``pan``, or ``lasso`` / ``select`` when drawing.
    lang, base, slope_deg, synthetic:
        The map's language, the unit's imported base layers on ``grid``
        (:func:`sar_planner.ui.map_layers.base_layers_for`), slope in degrees on ``grid`` (the
        slope-shading layer; None = none) and whether the terrain is synthetic.

    Segment names never overlap (:func:`sar_planner.mapping.labels.place_labels`, in the order
    given: list the best segments first); a name with no room is read on hover over the outline.
    """
    from sar_planner.ui.map_view import MapOptions, base_map, metres_per_px

    west, south, east, north = grid.bounds
    fig = base_map(grid, elevation, hillshade, slope_deg, lang=lang, base=base,
                   options=MapOptions(height_px=height_px, dragmode=dragmode),
                   max_image_px=max_image_px, synthetic=synthetic)
    sums, k = block_sum(poa, max_cells)
    block_km2 = (k * grid.cell_size) ** 2 / 1e6
    dens = sums / block_km2
    z = np.where(dens > 0, np.log10(np.where(dens > 0, dens, 1.0)), np.nan)
    xs = west + (np.arange(sums.shape[1]) + 0.5) * k * grid.cell_size
    ys = north - (np.arange(sums.shape[0]) + 0.5) * k * grid.cell_size
    finite = z[np.isfinite(z)]
    zmax = float(finite.max()) if finite.size else 0.0
    zmin = max(float(finite.min()) if finite.size else -1.0, zmax - 4.0)  # four decades shown
    ticks = np.arange(math.floor(zmin), math.ceil(zmax) + 1)
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=z, zmin=zmin, zmax=zmax, colorscale=_COLORS, opacity=0.6,
        customdata=np.stack([sums, dens], axis=-1),
        colorbar={"title": {"text": labels["density"]}, "tickvals": ticks.tolist(),
                  "len": 0.5, "thickness": 14, "y": 0.0, "yanchor": "bottom",
                  "ticktext": [f"{10.0 ** t:g}" for t in ticks]},
        hovertemplate=(f"{labels['poa']}: %{{customdata[0]:.2e}}<br>"
                       f"{labels['density']}: %{{customdata[1]:.2e}}<br>"
                       "E %{x:.0f} m, N %{y:.0f} m<extra></extra>"),
        name="poa"))
    if ipp is not None:
        th = np.linspace(0, 2 * np.pi, 181)
        for radius, text in rings:
            fig.add_trace(go.Scatter(x=ipp[0] + radius * np.cos(th), y=ipp[1] + radius * np.sin(th),
                                     mode="lines", line={"color": "#1f3b73", "width": 1,
                                                         "dash": "dot"},
                                     hovertext=text, hoverinfo="text", name=text,
                                     showlegend=False))
    requests = []
    for i, (name, geom) in enumerate(segments):
        for part in getattr(geom, "geoms", [geom]):
            x, y = part.exterior.xy if hasattr(part, "exterior") else part.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines",
                                     line={"color": "#2b2b2b", "width": 1}, hovertext=name,
                                     hoverinfo="text", name=name, showlegend=False))
        if not geom.is_empty:
            at = geom.representative_point()
            # the caller lists the segments best first (the page: by rank): earlier wins
            requests.append(LabelRequest(str(name), at.x, at.y, priority=-float(i)))
    placed = place_labels(requests, metres_per_px(grid.bounds, height_px), font_px=11)[:max_labels]
    if placed:
        fig.add_trace(go.Scatter(x=[p.x for p in placed], y=[p.y for p in placed], mode="text",
                                 text=[p.text for p in placed],
                                 textfont={"color": "#111111", "size": 11}, hoverinfo="skip",
                                 name="segment_names", showlegend=False))
    for name, geom in regions:
        for part in getattr(geom, "geoms", [geom]):
            x, y = part.exterior.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines",
                                     line={"color": "#6a3d9a", "width": 2, "dash": "dash"},
                                     hovertext=name, hoverinfo="text", name="region",
                                     showlegend=False))
    for geom in barriers:
        for part in getattr(geom, "geoms", [geom]):
            x, y = part.exterior.xy if hasattr(part, "exterior") else part.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines",
                                     line={"color": "#d62728", "width": 3}, hoverinfo="skip",
                                     name="barrier", showlegend=False))
    for geom in tracks:
        for part in getattr(geom, "geoms", [geom]):
            x, y = part.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines",
                                     line={"color": "#8c564b", "width": 2},
                                     hoverinfo="skip", name="track", showlegend=False))
    if pending is not None and not pending.is_empty:
        for part in getattr(pending, "geoms", [pending]):
            x, y = part.exterior.xy if hasattr(part, "exterior") else part.xy
            fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines+markers",
                                     line={"color": "#1f77b4", "width": 3, "dash": "dashdot"},
                                     marker={"size": 7, "color": "#1f77b4"}, hoverinfo="skip",
                                     name="pending", showlegend=False))
    if drainage is not None and drainage.any():
        k_d = max(1, math.ceil(max(grid.shape) / max_cells))
        rr, cc = np.nonzero(drainage[::k_d, ::k_d])
        fig.add_trace(go.Scatter(x=grid.x_centres()[cc * k_d], y=grid.y_centres()[rr * k_d],
                                 mode="markers", marker={"size": 2, "color": "#1f77b4"},
                                 hoverinfo="skip", name="drainage", showlegend=False))
    if ipp is not None:
        fig.add_trace(go.Scatter(x=[ipp[0]], y=[ipp[1]], mode="markers",
                                 marker={"symbol": "x", "size": 12, "color": "#111111",
                                         "line": {"width": 2}},
                                 hovertext=labels["ipp"], hoverinfo="text", name="ipp",
                                 showlegend=False))
    if pickable:  # clicks and boxes on the map can pick a point (the new IPP)
        lattice = selectable_lattice(grid, points_per_side=lattice_points, clickable=True)
        # the lattice is nearer the pointer than the heat map's cell centres, so it takes the
        # hover: it carries the same read-out (POA and density of the block under the point)
        lx, ly = np.asarray(lattice.x), np.asarray(lattice.y)
        size = k * grid.cell_size
        col = np.clip(((lx - west) // size).astype(int), 0, sums.shape[1] - 1)
        row = np.clip(((north - ly) // size).astype(int), 0, sums.shape[0] - 1)
        lattice.update(hovertext=[
            f"{labels['poa']}: {sums[r, c]:.2e}<br>{labels['density']}: {dens[r, c]:.2e}<br>"
            f"E {x:.0f} m, N {y:.0f} m" for r, c, x, y in zip(row, col, lx, ly, strict=True)],
            hoverinfo="text")
        fig.add_trace(lattice)
    fig.update_layout(dragmode=dragmode)
    return fig


def poa_png(poa: np.ndarray, max_px: int = 1500) -> bytes:
    """PNG (RGBA, north up) of POA on a log colour scale over four decades; zero is transparent."""
    sums, _ = block_sum(poa, max_px)
    pos = sums > 0
    rgba = np.zeros(sums.shape + (4,), dtype=np.uint8)
    if pos.any():
        lg = np.log10(np.where(pos, sums, 1.0))
        hi = float(lg[pos].max())
        frac = np.clip((lg - (hi - 4.0)) / 4.0, 0.0, 1.0)
        # yellow (255, 255, 178) -> red (189, 0, 38), as the map's colour scale
        rgba[..., 0] = np.round(255 + frac * (189 - 255)).astype(np.uint8)
        rgba[..., 1] = np.round(255 + frac * (0 - 255)).astype(np.uint8)
        rgba[..., 2] = np.round(178 + frac * (38 - 178)).astype(np.uint8)
        rgba[..., 3] = np.where(pos, 255, 0).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue()
