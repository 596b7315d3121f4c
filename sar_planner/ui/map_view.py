"""The one map every page that shows a place draws on (pure: arrays in, plotly figure out).

The map is a plotly figure on flat axes in the mission's metric CRS (UTM or CGCS2000 Gauss-Kruger
metres, equal scale both ways): no tile server, no WebGL, no web map style or glyphs, so nothing is
ever fetched from the network. It holds, from the bottom up:

- the shaded relief (a PNG layout image), the unit's imported raster base maps and slope shading
  (PNG layout images, each with an on/off button above the map);
- contour lines with the interval chosen from the relief (index contours labelled);
- the unit's imported vector base layers (roads, rivers, camps...) with their names;
- the latitude/longitude graticule, and the UTM and CGCS2000 3-degree Gauss-Kruger kilometre grids
  (off at first: click them on in the legend);
- the bundled gazetteer (towns, airfields, passes) named in the page's language;
- whatever the page adds on top (POA, segments with non-overlapping labels, plans, flown tracks:
  :func:`add_poa`, :func:`add_segments`, :func:`add_lines`, :func:`add_points`);
- a scale bar, and a hover read-out of latitude/longitude, elevation and slope everywhere.

Every trace layer is an entry of the legend ("Layers"): a click turns it off and on, in the browser,
without a rerun; ``uirevision`` keeps the crew's zoom and layer choice across reruns of the page.

How a page calls it (the figure is pure; only the last line is Streamlit)::

    from sar_planner.ui.map_view import (MapOptions, add_lines, add_points, add_poa,
                                         add_segments, base_map, show_map)

    fig = base_map(terrain.grid, terrain.elevation, terrain.hillshade, terrain.slope_deg,
                   lang=lang(), base=base_layers_for(terrain.grid),   # imported base maps
                   options=MapOptions(height_px=680))
    add_poa(fig, terrain.grid, poa, lang=lang())                  # POA heat map (optional)
    add_segments(fig, [(name, polygon, poa_of_segment), ...], lang=lang())
    add_lines(fig, "Plan A", [xy_array, ...], colour="#1f77b4")   # a plan's legs, metres
    add_lines(fig, "Flown #12", [track_xy], colour="#ff7f0e")     # a flown track
    add_points(fig, "IPP", [(x, y, "IPP")], symbol="x")
    event = show_map(fig, key="review_map")                         # st.plotly_chart, full width

``base_layers_for`` is :func:`sar_planner.ui.map_layers.base_layers_for` (reads the data folder).
All coordinates are metres in ``grid.crs``.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from sar_planner.display import crs_name
from sar_planner.grid import Grid
from sar_planner.i18n import t
from sar_planner.mapping.contours import contour_lines
from sar_planner.mapping.gazetteer import places_in
from sar_planner.mapping.grids import (gk3_zone_crs, graticule_lines, km_grid_lines,
                                       scale_bar_length)
from sar_planner.mapping.labels import LabelRequest, place_labels, text_width_px

__all__ = ["decimate", "shaded_relief_rgb", "png_data_uri", "block_sum", "metres_per_px", "MapOptions",
           "RasterLayer", "VectorLayer", "base_map", "add_poa", "add_segments",
           "add_lines", "add_points", "slope_rgba", "show_map", "rgba_data_uri"]


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


def block_sum(poa: np.ndarray, max_cells: int) -> tuple[np.ndarray, int]:
    """POA summed over k x k blocks so neither side exceeds ``max_cells``; returns (sums, k).

    Sums keep the mass (a block holds the probability of all its cells).
    """
    k = max(1, math.ceil(max(poa.shape) / max_cells))
    rows = math.ceil(poa.shape[0] / k) * k
    cols = math.ceil(poa.shape[1] / k) * k
    padded = np.zeros((rows, cols))
    padded[: poa.shape[0], : poa.shape[1]] = poa
    return padded.reshape(rows // k, k, cols // k, k).sum(axis=(1, 3)), k


@dataclass(frozen=True)
class RasterLayer:
    """An image already on the map's CRS: PNG data URI and its (west, south, east, north) metres."""

    name: str
    source: str
    bounds: tuple[float, float, float, float]
    opacity: float = 1.0


@dataclass(frozen=True)
class VectorLayer:
    """Vector features in the map's CRS: (geometry, label or "") pairs, with one colour."""

    name: str
    features: Sequence[tuple[BaseGeometry, str]]
    colour: str = "#7a4b1e"


@dataclass(frozen=True)
class MapOptions:
    """How the map is drawn.

    Attributes
    ----------
    height_px:
        Plot height; the width is the page's main width.
    plot_width_px:
        Width the labels are placed for (the page's main width on a 1400 px screen).
    contours, graticule, gazetteer, slope:
        Whether each layer starts visible (all can be toggled in the map).
    km_grid:
        ``None``, ``"utm"`` or ``"gk3"``: which kilometre grid starts visible (both are offered).
    dragmode:
        ``"pan"`` (default), or ``"lasso"`` / ``"select"`` on pages where the crew draws.
    """

    height_px: int = 680
    plot_width_px: int = 1200
    contours: bool = True
    graticule: bool = True
    gazetteer: bool = True
    slope: bool = False
    km_grid: str | None = None
    dragmode: str = "pan"
    extra_config: dict[str, Any] = field(default_factory=dict)


_SLOPE_CLASSES = ((15.0, (255, 235, 120, 110)), (25.0, (250, 160, 40, 130)),
                  (35.0, (215, 40, 30, 150)))


def slope_rgba(slope_deg: np.ndarray) -> np.ndarray:
    """RGBA uint8 slope shading: < 15° clear, 15-25° yellow, 25-35° orange, >= 35° red.

    The classes are those of avalanche-terrain slope maps (30-45° is where slabs release), which
    also tell a ground team where walking becomes climbing.
    """
    out = np.zeros(slope_deg.shape + (4,), dtype=np.uint8)
    s = np.where(np.isfinite(slope_deg), slope_deg, 0.0)
    for lo, colour in _SLOPE_CLASSES:
        out[s >= lo] = colour
    return out


def rgba_data_uri(rgba: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an RGBA uint8 array."""
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def metres_per_px(bounds: tuple[float, float, float, float], height_px: int = 680,
                  plot_width_px: int = 1200) -> float:
    """Map metres per screen pixel of the initial view of ``bounds`` (equal scale both ways).

    The axes keep metres square and fill the plot (``constrain="range"``): the scale is set by
    whichever side is tighter, the width over ``plot_width_px`` or the height over the plot's
    height (``height_px`` less 126 px of margins and the legend row).

    >>> metres_per_px((0, 0, 24_000, 24_000), 680, 1200)  # doctest: +ELLIPSIS
    43.3212...
    """
    west, south, east, north = bounds
    return max((east - west) / max(1, plot_width_px), (north - south) / max(1, height_px - 126))


def _joined(lines: Sequence[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in lines:
        a = np.asarray(line, dtype=float)
        if len(a) < 2:
            continue
        xs += a[:, 0].tolist() + [None]
        ys += a[:, 1].tolist() + [None]
    return xs, ys


def _parts(geom: BaseGeometry) -> list[np.ndarray]:
    """Outline coordinates of every part of a (multi) line or polygon."""
    out: list[np.ndarray] = []
    for part in getattr(geom, "geoms", [geom]):
        if part.is_empty:
            continue
        if hasattr(part, "exterior"):
            out.append(np.asarray(part.exterior.coords))
            out += [np.asarray(r.coords) for r in part.interiors]
        elif part.geom_type == "LineString":
            out.append(np.asarray(part.coords))
    return out


def _toggle_button(fig: go.Figure, index: int, label: str, visible: bool, x: float) -> None:
    """An on/off button (plotly toggle: ``args2``) for layout image ``index``, ``x`` pixels
    right of the plot's left edge (one menu per button: a menu's toggle acts on one button)."""
    menus = list(fig.layout.updatemenus or [])
    menus.append({
        "type": "buttons", "direction": "right", "showactive": True,
        "active": 0 if visible else -1, "x": 0.0, "xanchor": "left", "y": 1.0,
        "yanchor": "bottom", "pad": {"t": 2, "b": 2, "l": x}, "bgcolor": "#f4f4f4",
        "font": {"size": 11},
        "buttons": [{"label": label, "method": "relayout",
                     "args": [{f"images[{index}].visible": not visible}],
                     "args2": [{f"images[{index}].visible": visible}]}],
    })
    fig.update_layout(updatemenus=menus)


def _fmt_deg(value: float, axis: str) -> str:
    """12.5 -> 12°30′E (whole minutes; the graticule steps are whole minutes)."""
    hemi = ("E" if value >= 0 else "W") if axis == "lon" else ("N" if value >= 0 else "S")
    total = round(abs(value) * 60)
    d, m = divmod(total, 60)
    return f"{d}°{m:02d}′{hemi}" if m else f"{d}°{hemi}"


def base_map(grid: Grid, elevation: np.ndarray, hillshade: np.ndarray,
             slope_deg: np.ndarray | None = None, *, lang: str = "en",
             base: Sequence[RasterLayer | VectorLayer] = (),
             options: MapOptions | None = None, max_image_px: int = 1400,
             hover_cells: int = 120, synthetic: bool = False) -> go.Figure:
    """The map frame of one grid: relief, base layers, contours, grids, places, scale bar.

    Parameters
    ----------
    grid:
        The terrain grid (metres in ``grid.crs``); the axes span its bounds.
    elevation, hillshade, slope_deg:
        Arrays of ``grid.shape``: metres a.s.l. (NaN = no data), uint8 hillshade, slope in
        degrees (None: no slope layer).
    lang:
        ``"en"`` or ``"zh"``: layer names, place names and the read-out.
    base:
        The unit's imported base layers, already on ``grid.crs`` (see
        :mod:`sar_planner.ui.map_layers`); rasters draw above the relief, vectors above contours.
    synthetic:
        The terrain is synthetic: the map says so in its corner.

    Returns
    -------
    plotly.graph_objects.Figure
        Layout image 0 is the relief; trace 0 is the invisible hover read-out (named
        ``terrain``). Page layers are added with :func:`add_poa`, :func:`add_segments`,
        :func:`add_lines` and :func:`add_points`.
    """
    opt = options or MapOptions()
    west, south, east, north = grid.bounds
    width_m, height_m = east - west, north - south
    m_per_px = metres_per_px(grid.bounds, opt.height_px, opt.plot_width_px)
    elevation = np.asarray(elevation, dtype=float)
    fig = go.Figure()
    relief = png_data_uri(shaded_relief_rgb(decimate(elevation, max_image_px),
                                            decimate(np.asarray(hillshade), max_image_px)))
    img = {"xref": "x", "yref": "y", "x": west, "y": north, "sizex": width_m, "sizey": height_m,
           "sizing": "stretch", "layer": "below"}
    fig.add_layout_image(source=relief, name="relief", **img)
    buttons: list[tuple[int, str, bool]] = [(0, t("mapping.ui.relief", lang), True)]
    for layer in base:
        if isinstance(layer, RasterLayer):
            w, s, e, n = layer.bounds
            fig.add_layout_image(source=layer.source, name=layer.name, xref="x", yref="y", x=w,
                                 y=n, sizex=e - w, sizey=n - s, sizing="stretch", layer="below",
                                 opacity=layer.opacity)
            buttons.append((len(fig.layout.images) - 1, layer.name, True))
    if slope_deg is not None:
        fig.add_layout_image(source=rgba_data_uri(slope_rgba(decimate(np.asarray(slope_deg),
                                                                      max_image_px))),
                             name="slope", visible=opt.slope, **img)
        buttons.append((len(fig.layout.images) - 1, t("mapping.ui.slope", lang), opt.slope))
    x_button = 0.0
    for index, label, visible in buttons:  # side by side, each about as wide as its label
        _toggle_button(fig, index, label, visible, x_button)
        x_button += text_width_px(label, 11) + 24

    # hover read-out: an invisible heat map of coarse cells (elevation, slope, lat/lon)
    k = max(1, int(np.ceil(max(grid.shape) / hover_cells)))
    rows = np.arange(k // 2, grid.shape[0], k)
    cols = np.arange(k // 2, grid.shape[1], k)
    xs, ys = grid.x_centres()[cols], grid.y_centres()[rows]
    elev = elevation[np.ix_(rows, cols)]
    slope = (np.asarray(slope_deg)[np.ix_(rows, cols)] if slope_deg is not None
             else np.full_like(elev, np.nan))
    to_ll = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(*np.meshgrid(xs, ys))
    custom = np.stack([np.round(elev, 0), np.round(slope, 1), np.round(lat, 5), np.round(lon, 5)],
                      axis=-1)
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=np.where(np.isfinite(elev), 1.0, np.nan), customdata=custom, opacity=0.0,
        showscale=False, colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        hovertemplate=(f"{t('mapping.ui.latlon', lang)}: %{{customdata[2]:.5f}}°N, "
                       f"%{{customdata[3]:.5f}}°E<br>"
                       f"{t('mapping.ui.elevation', lang)}: %{{customdata[0]:.0f}} m<br>"
                       f"{t('mapping.ui.slope_read', lang)}: %{{customdata[1]:.1f}}°<br>"
                       "E %{x:.0f} m, N %{y:.0f} m<extra></extra>"),
        name="terrain", showlegend=False))

    # contour lines, index contours heavier and labelled
    interval, contours = contour_lines(grid, elevation)
    name_c = t("mapping.ui.contours", lang, interval=f"{interval:g}")
    for index in (False, True):
        cx, cy = _joined([c.xy for c in contours if c.index is index])
        fig.add_trace(go.Scatter(
            x=cx, y=cy, mode="lines", name=name_c, legendgroup="contours",
            showlegend=index is False, hoverinfo="skip",
            visible=True if opt.contours else "legendonly",
            line={"color": "rgba(110,70,30,0.75)" if index else "rgba(110,70,30,0.45)",
                  "width": 1.3 if index else 0.6}))
    requests = [LabelRequest(f"{c.level:.0f}", float(c.xy[len(c.xy) // 2, 0]),
                             float(c.xy[len(c.xy) // 2, 1]), priority=len(c.xy))
                for c in contours if c.index and len(c.xy) >= 20]
    placed = place_labels(requests, m_per_px, font_px=9)
    fig.add_trace(go.Scatter(
        x=[p.x for p in placed], y=[p.y for p in placed], text=[p.text for p in placed],
        mode="text", textfont={"size": 9, "color": "rgba(90,55,20,0.95)"}, hoverinfo="skip",
        name=name_c, legendgroup="contours", showlegend=False,
        visible=True if opt.contours else "legendonly"))

    for layer in base:
        if isinstance(layer, VectorLayer):
            _add_vector(fig, layer, m_per_px)

    # graticule (lat/lon) and the two kilometre grids
    _, grat = graticule_lines(grid.crs, grid.bounds)
    gx, gy = _joined([g.xy for g in grat])
    name_g = t("mapping.ui.graticule", lang)
    vis_g = True if opt.graticule else "legendonly"
    fig.add_trace(go.Scatter(x=gx, y=gy, mode="lines", name=name_g, legendgroup="graticule",
                             hoverinfo="skip", visible=vis_g,
                             line={"color": "rgba(20,40,110,0.45)", "width": 0.8}))
    lx, ly, lt = [], [], []
    for g in grat:
        xy = g.xy
        inside = ((xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south)
                  & (xy[:, 1] <= north))
        idx = np.flatnonzero(inside)
        if idx.size == 0:
            continue
        for frac in (0.1, 0.5, 0.9):  # several labels on each line, so panning keeps one in view
            i = idx[int(frac * (idx.size - 1))]
            lx.append(float(xy[i, 0]))
            ly.append(float(xy[i, 1]))
            lt.append(_fmt_deg(g.value, g.kind))
    fig.add_trace(go.Scatter(x=lx, y=ly, text=lt, mode="text", hoverinfo="skip",
                             textfont={"size": 10, "color": "rgba(20,40,110,0.9)"},
                             name=name_g, legendgroup="graticule", showlegend=False,
                             visible=vis_g))
    centre_lon, _ = to_ll.transform((west + east) / 2, (south + north) / 2)
    for kind, crs, name_key in (("utm", _utm_of(grid), "mapping.ui.grid_utm"),
                                ("gk3", gk3_zone_crs(centre_lon), "mapping.ui.grid_gk3")):
        step, kl = km_grid_lines(grid.crs, crs, grid.bounds)
        kx, ky = _joined([g.xy for g in kl])
        vis = True if opt.km_grid == kind else "legendonly"
        name = t(name_key, lang, step=f"{step / 1000:g}", epsg=crs.to_epsg() or "")
        fig.add_trace(go.Scatter(x=kx, y=ky, mode="lines", name=name, legendgroup=kind,
                                 hoverinfo="skip", visible=vis,
                                 line={"color": "rgba(0,110,60,0.6)" if kind == "utm"
                                       else "rgba(150,0,90,0.6)", "width": 0.8}))
        tx, ty, tt = [], [], []
        for g in kl:
            inside = np.flatnonzero((g.xy[:, 0] >= west) & (g.xy[:, 0] <= east)
                                    & (g.xy[:, 1] >= south) & (g.xy[:, 1] <= north))
            if inside.size == 0:
                continue
            i = inside[0] if g.kind == "x" else inside[-1]
            tx.append(float(g.xy[i, 0]))
            ty.append(float(g.xy[i, 1]))
            # paper-map style: the kilometre number (easting keeps the zone prefix for GK)
            tt.append(f"{g.value / 1000:.0f}")
        fig.add_trace(go.Scatter(x=tx, y=ty, text=tt, mode="text", hoverinfo="skip",
                                 textposition="top right",
                                 textfont={"size": 9, "color": "rgba(0,80,50,0.95)"
                                           if kind == "utm" else "rgba(130,0,80,0.95)"},
                                 name=name, legendgroup=kind, showlegend=False, visible=vis))

    # the bundled gazetteer, names in the page's language (the other language on hover); names
    # placed without overlap (towns first), a place without room keeps its marker and hover
    places = places_in(grid.crs, grid.bounds)
    other = "en" if lang == "zh" else "zh"
    vis_p = True if opt.gazetteer else "legendonly"
    name_p = t("mapping.ui.places", lang)
    rank = {"town": 3.0, "airport": 2.0, "pass": 2.0, "township": 1.0}
    fig.add_trace(go.Scatter(
        x=[p[1] for p in places], y=[p[2] for p in places], mode="markers",
        marker={"symbol": "square", "size": 7, "color": "#ffffff",
                "line": {"color": "#111111", "width": 1.5}},
        hovertext=[f"{p[0].name(lang)} ({p[0].name(other)})<br>{p[0].lat:.2f}°N "
                   f"{p[0].lon:.2f}°E<br>{p[0].source}" for p in places],
        hoverinfo="text", name=name_p, legendgroup="places", visible=vis_p))
    lift = 11 * m_per_px  # the name sits just above its marker
    named = place_labels([LabelRequest(p[0].name(lang), p[1], p[2] + lift,
                                       priority=rank.get(p[0].kind, 0.0)) for p in places],
                         m_per_px, font_px=12)
    fig.add_trace(go.Scatter(
        x=[p.x for p in named], y=[p.y for p in named], text=[p.text for p in named],
        mode="text", textfont={"size": 12, "color": "#111111"}, hoverinfo="skip",
        name=name_p, legendgroup="places", showlegend=False, visible=vis_p))

    # scale bar: its length in metres of x, kept at the bottom of the plot (paper y)
    bar = scale_bar_length(width_m)
    x0 = west + 0.04 * width_m
    fig.add_shape(type="line", xref="x", yref="paper", x0=x0, x1=x0 + bar, y0=0.03, y1=0.03,
                  line={"color": "#111111", "width": 4}, name="scale_bar")
    fig.add_annotation(xref="x", yref="paper", x=x0 + bar / 2, y=0.035, yanchor="bottom",
                       text=f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m",
                       showarrow=False, font={"size": 12, "color": "#111111"},
                       bgcolor="rgba(255,255,255,0.7)", name="scale_bar_text")
    if synthetic:
        fig.add_annotation(xref="paper", yref="paper", x=0.99, y=0.99, xanchor="right",
                           yanchor="top", showarrow=False, text=t("common.synthetic_badge", lang),
                           font={"size": 12, "color": "#b00020"},
                           bgcolor="rgba(255,255,255,0.8)")

    fig.update_xaxes(title=t("mapping.ui.easting", lang, crs=crs_name(grid.crs, lang)),
                     range=[west, east],
                     showgrid=False, zeroline=False, constrain="range", exponentformat="none",
                     separatethousands=False)
    fig.update_yaxes(title=t("mapping.ui.northing", lang), range=[south, north], showgrid=False,
                     zeroline=False, scaleanchor="x", scaleratio=1.0, constrain="range",
                     exponentformat="none")
    # the axes fill the page's width at equal scale (constrain="range"): more ground shows
    # beside a square grid, on a pale background that says "no terrain here"
    fig.update_layout(height=opt.height_px, margin={"l": 70, "r": 10, "t": 36, "b": 90},
                      plot_bgcolor="#eeeeee", dragmode=opt.dragmode, hovermode="closest",
                      uirevision=f"{grid.crs.to_string()}:{west:.0f}:{north:.0f}",
                      showlegend=True,
                      # the layers in a row under the map: the map keeps the page's width
                      legend={"title": {"text": t("mapping.ui.layers", lang)},
                              "orientation": "h", "x": 0.0, "xanchor": "left", "y": -0.09,
                              "yanchor": "top",
                              "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11},
                              "itemclick": "toggle", "itemdoubleclick": "toggleothers"})
    return fig


def _utm_of(grid: Grid):
    from sar_planner.geo import utm_crs

    west, south, east, north = grid.bounds
    lon, lat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(
        (west + east) / 2, (south + north) / 2)
    return utm_crs(lat, lon)


def _add_vector(fig: go.Figure, layer: VectorLayer, m_per_px: float) -> None:
    lines: list[np.ndarray] = []
    px, py, pt = [], [], []
    requests: list[LabelRequest] = []
    for geom, label in layer.features:
        if geom.is_empty:
            continue
        if geom.geom_type in ("Point", "MultiPoint"):
            for p in getattr(geom, "geoms", [geom]):
                px.append(p.x)
                py.append(p.y)
                pt.append(label)
            continue
        lines += _parts(geom)
        if label:
            at = geom.representative_point() if hasattr(geom, "exterior") or \
                geom.geom_type == "MultiPolygon" else geom.interpolate(0.5, normalized=True)
            requests.append(LabelRequest(label, at.x, at.y, priority=geom.length))
    group = f"base:{layer.name}"
    if lines:
        lx, ly = _joined(lines)
        fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", name=layer.name, legendgroup=group,
                                 line={"color": layer.colour, "width": 1.6}, hoverinfo="skip"))
    placed = place_labels(requests, m_per_px, font_px=10)
    if px or placed:
        fig.add_trace(go.Scatter(
            x=px + [p.x for p in placed], y=py + [p.y for p in placed],
            text=pt + [p.text for p in placed],
            mode="markers+text", textposition="middle right",
            marker={"size": [7] * len(px) + [0] * len(placed), "color": layer.colour},
            textfont={"size": 11, "color": "#2a1a00"}, hovertext=pt + [p.text for p in placed],
            hoverinfo="text", name=layer.name, legendgroup=group, showlegend=not lines))


def add_poa(fig: go.Figure, grid: Grid, poa: np.ndarray, *, lang: str = "en",
            max_cells: int = 250, opacity: float = 0.6) -> None:
    """POA density per km² (log colour scale, four decades) as a toggleable heat map.

    ``poa`` is the POA per cell on ``grid``; cells are summed in blocks so no side exceeds
    ``max_cells``. Hover gives the block's POA, its density and its latitude/longitude.
    """
    west, south, east, north = grid.bounds
    sums, k = block_sum(np.asarray(poa, dtype=float), max_cells)
    dens = sums / ((k * grid.cell_size) ** 2 / 1e6)
    z = np.where(dens > 0, np.log10(np.where(dens > 0, dens, 1.0)), np.nan)
    xs = west + (np.arange(sums.shape[1]) + 0.5) * k * grid.cell_size
    ys = north - (np.arange(sums.shape[0]) + 0.5) * k * grid.cell_size
    lon, lat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(
        *np.meshgrid(xs, ys))
    finite = z[np.isfinite(z)]
    zmax = float(finite.max()) if finite.size else 0.0
    zmin = max(float(finite.min()) if finite.size else -1.0, zmax - 4.0)
    ticks = np.arange(math.floor(zmin), math.ceil(zmax) + 1)
    name = t("mapping.ui.poa", lang)
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=z, zmin=zmin, zmax=zmax, colorscale="YlOrRd", opacity=opacity,
        customdata=np.stack([sums, dens, lat, lon], axis=-1),
        colorbar={"title": {"text": t("mapping.ui.density", lang)}, "len": 0.6,
                  "thickness": 12, "x": 1.01, "y": 0.0, "yanchor": "bottom",
                  "tickvals": ticks.tolist(), "ticktext": [f"{10.0 ** v:g}" for v in ticks]},
        hovertemplate=(f"{name}: %{{customdata[0]:.2e}}<br>"
                       f"{t('mapping.ui.density', lang)}: %{{customdata[1]:.2e}}<br>"
                       f"{t('mapping.ui.latlon', lang)}: %{{customdata[2]:.5f}}°N, "
                       "%{customdata[3]:.5f}°E<extra></extra>"),
        name=name, showlegend=True, legendgroup="poa"))


def add_segments(fig: go.Figure, segments: Sequence[tuple[str, BaseGeometry, float]], *,
                 lang: str = "en", plot_width_px: int = 1200, font_px: float = 11,
                 colour: str = "#2b2b2b") -> None:
    """Segment outlines with readable names that never overlap.

    ``segments`` are (name, polygon in metres, priority): the priority (the segment's POA, say)
    decides which names win where they crowd (near the IPP); a name with no room is left out of
    the map but still read on hover over the outline. Names are placed for the figure's initial
    view at ``plot_width_px`` (trace ``segment_names``).
    """
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    bounds = (xr[0], yr[0], xr[1], yr[1]) if xr and yr else (0.0, 0.0, 1.0, 1.0)
    m_per_px = metres_per_px(bounds, int(fig.layout.height or 680), plot_width_px)
    outlines = [p for _, geom, _ in segments for p in _parts(geom)]
    name = t("mapping.ui.segments", lang)
    sx, sy = _joined(outlines)
    fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name=name, legendgroup="segments",
                             line={"color": colour, "width": 1}, hoverinfo="skip"))
    requests = [LabelRequest(str(n), geom.representative_point().x,
                             geom.representative_point().y, priority=float(pri))
                for n, geom, pri in segments if not geom.is_empty]
    placed = place_labels(requests, m_per_px, font_px=font_px)
    fig.add_trace(go.Scatter(
        x=[p.x for p in placed], y=[p.y for p in placed], text=[p.text for p in placed],
        mode="text", textfont={"size": font_px, "color": "#111111"}, hoverinfo="skip",
        name="segment_names", legendgroup="segments", showlegend=False))


def add_lines(fig: go.Figure, name: str, lines: Sequence[np.ndarray], *, colour: str,
              width: float = 2.0, dash: str | None = None, group: str | None = None,
              hover: str | None = None) -> None:
    """Polylines ((n, 2) metres each) as one legend entry: a plan's legs, a flown track..."""
    x, y = _joined(lines)
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, legendgroup=group or name,
                             line={"color": colour, "width": width, "dash": dash},
                             hovertext=hover or name, hoverinfo="text"))


def add_points(fig: go.Figure, name: str, points: Sequence[tuple[float, float, str]], *,
               symbol: str = "x", colour: str = "#111111", size: int = 12) -> None:
    """Marked points (x, y metres, hover text), one legend entry (the IPP, a find, home)."""
    fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="markers",
                             marker={"symbol": symbol, "size": size, "color": colour,
                                     "line": {"width": 2, "color": colour}},
                             hovertext=[p[2] for p in points], hoverinfo="text", name=name))


def show_map(fig: go.Figure, *, key: str, on_select: str | None = None,
             selection_mode: Sequence[str] = ("points", "box", "lasso")) -> Any:
    """Draw the map at the page's main width with scroll-wheel zoom (Streamlit).

    Returns what ``st.plotly_chart`` returns (the selection event when ``on_select="rerun"``).
    """
    import streamlit as st

    kwargs: dict[str, Any] = {}
    if on_select:
        kwargs.update(on_select=on_select, selection_mode=tuple(selection_mode))
    return st.plotly_chart(fig, width="stretch", key=key,
                           config={"scrollZoom": True, "displaylogo": False}, **kwargs)
