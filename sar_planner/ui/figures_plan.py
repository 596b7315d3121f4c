"""Figures of the plan page (pure: data in, plotly figure out).

* :func:`track_figure` - the sorties over the shaded relief on metric axes (metres of the mission
  CRS), markers coloured by height above ground, transits dashed, the segment outline and the
  launch point;
* :func:`profile_figure` - terrain under the searching path against the flight altitude, with the
  requested-height line (terrain + height above ground) and the minimum clearance marked.

No map tiles and no text labels on a web map: nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from sar_planner.flightpath import PlanResult
from sar_planner.terrain import Terrain
from sar_planner.grid import Grid
from shapely.geometry import Polygon

from sar_planner.mapping.labels import LabelRequest, place_labels
from sar_planner.ui.figures import selectable_lattice, terrain_figure

__all__ = ["track_figure", "profile_figure", "draw_area_figure"]

_AGL_SCALE = "Viridis"


def track_figure(terrain: Terrain, result: PlanResult, labels: Mapping[str, str], *,
                 area_xy: Sequence[tuple[float, float]] | None = None,
                 max_image_px: int = 1200, height_px: int = 680, lang: str = "en",
                 base: Sequence = ()) -> go.Figure:
    """The plan's sorties on the map (:mod:`sar_planner.ui.map_view`), waypoints coloured by
    height above ground.

    Parameters
    ----------
    terrain:
        The terrain the plan was made on (its grid gives the axes, metres).
    result:
        The plan with its mission-CRS coordinates (``sorties_xyz``).
    labels:
        Translated strings: ``easting``, ``northing``, ``agl``, ``sortie``, ``transit``,
        ``home``, ``area``.
    area_xy:
        The segment outline, metres in the terrain CRS.
    lang, base:
        The map's language and the unit's base layers on the terrain's grid.
    """
    grid = terrain.grid
    fig = terrain_figure(grid, np.asarray(terrain.elevation), np.asarray(terrain.hillshade),
                         np.asarray(terrain.slope_deg), labels, max_image_px=max_image_px,
                         height_px=height_px, lang=lang, base=base,
                         synthetic=bool(getattr(terrain, "synthetic", False)))
    if area_xy:
        ax, ay = zip(*area_xy, strict=True)
        fig.add_trace(go.Scatter(x=list(ax), y=list(ay), mode="lines", name=labels["area"],
                                 line={"color": "#d62728", "width": 2}, hoverinfo="skip"))
    agl_all: list[float] = []
    for s, _xyz in zip(result.plan.sorties, result.sorties_xyz, strict=True):
        agl_all.extend(w.agl_m for w in s.waypoints)
    cmax = max(agl_all) if agl_all else 1.0
    for s, xyz in zip(result.plan.sorties, result.sorties_xyz, strict=True):
        roles = [w.role for w in s.waypoints]
        agl = [w.agl_m for w in s.waypoints]
        # transits (and take-off / landing) as dashed grey segments, searching as solid
        tx, ty = [], []
        for i in range(len(xyz) - 1):
            if roles[i] != "search":
                tx += [xyz[i, 0], xyz[i + 1, 0], None]
                ty += [xyz[i, 1], xyz[i + 1, 1], None]
        fig.add_trace(go.Scatter(x=tx, y=ty, mode="lines", name=labels["transit"],
                                 line={"color": "rgba(60,60,60,0.7)", "width": 1, "dash": "dash"},
                                 hoverinfo="skip", showlegend=s.index == 1,
                                 legendgroup="transit"))
        sx, sy = [], []
        for i in range(len(xyz) - 1):
            if roles[i] == "search":
                sx += [xyz[i, 0], xyz[i + 1, 0], None]
                sy += [xyz[i, 1], xyz[i + 1, 1], None]
        fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines",
                                 name=f"{labels['sortie']} {s.index}",
                                 line={"width": 2}, hoverinfo="skip",
                                 legendgroup=f"s{s.index}"))
        fig.add_trace(go.Scatter(
            x=xyz[:, 0], y=xyz[:, 1], mode="markers", legendgroup=f"s{s.index}",
            showlegend=False, name=f"{labels['sortie']} {s.index}",
            marker={"size": 6, "color": agl, "colorscale": _AGL_SCALE, "cmin": 0.0,
                    "cmax": cmax, "showscale": s.index == 1,
                    "colorbar": {"title": {"text": labels["agl"]}, "thickness": 12,
                                 "len": 0.45, "y": 0.0, "yanchor": "bottom"}},
            customdata=np.column_stack([agl, xyz[:, 2]]),
            hovertemplate=(f"{labels['sortie']} {s.index}<br>{labels['agl']}: "
                           "%{customdata[0]:.0f} m<br>AMSL %{customdata[1]:.0f} m"
                           "<extra></extra>")))
    home = result.sorties_xyz[0][0] if result.sorties_xyz else None
    if home is not None:
        fig.add_trace(go.Scatter(x=[home[0]], y=[home[1]], mode="markers", name=labels["home"],
                                 marker={"symbol": "triangle-up", "size": 14, "color": "#1f77b4",
                                         "line": {"color": "white", "width": 1}},
                                 hovertext=[labels["home"]], hoverinfo="text"))
    return fig


def profile_figure(result: PlanResult, labels: Mapping[str, str], *,
                   max_points: int = 4000, height_px: int = 320) -> go.Figure:
    """Terrain vs flight altitude along the searching path, with the requested-height line.

    Parameters
    ----------
    result:
        The plan (its ``path.profile`` holds distance, terrain and altitude every half cell).
    labels:
        Translated strings: ``distance``, ``altitude``, ``terrain``, ``flight``, ``required``,
        ``min_clearance``.
    """
    prof = np.asarray(result.path.profile)
    k = max(1, int(np.ceil(len(prof) / max_points)))
    idx = np.unique(np.concatenate([np.arange(0, len(prof), k),
                                    [int(np.argmin(prof[:, 2] - prof[:, 1])), len(prof) - 1]]))
    d = prof[idx, 0] / 1000.0
    ground = prof[idx, 1]
    flight = prof[idx, 2]
    agl = result.plan.agl_m
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=d, y=ground, mode="lines", name=labels["terrain"],
                             line={"color": "#8c6d46"}, fill="tozeroy",
                             fillcolor="rgba(176,150,98,0.35)"))
    fig.add_trace(go.Scatter(x=d, y=ground + agl, mode="lines", name=labels["required"],
                             line={"color": "#d62728", "dash": "dash", "width": 1}))
    fig.add_trace(go.Scatter(x=d, y=flight, mode="lines", name=labels["flight"],
                             line={"color": "#1f77b4", "width": 2}))
    j = int(np.argmin(prof[:, 2] - prof[:, 1]))
    fig.add_trace(go.Scatter(x=[prof[j, 0] / 1000.0], y=[prof[j, 2]], mode="markers",
                             name=labels["min_clearance"],
                             marker={"color": "#d62728", "size": 9, "symbol": "x"},
                             hovertext=[f"{prof[j, 2] - prof[j, 1]:.0f} m"], hoverinfo="text"))
    lo = float(np.nanmin(ground)) - 20.0
    hi = float(np.nanmax(flight)) + 20.0
    fig.update_xaxes(title=labels["distance"])
    fig.update_yaxes(title=labels["altitude"], range=[lo, hi])
    fig.update_layout(height=height_px, margin={"l": 60, "r": 10, "t": 10, "b": 50},
                      plot_bgcolor="white", hovermode="x unified",
                      legend={"orientation": "h", "y": -0.3})
    return fig


def draw_area_figure(grid: Grid, elevation: np.ndarray, hillshade: np.ndarray,
                     slope_deg: np.ndarray, labels: Mapping[str, str], *,
                     area_xy: Sequence[tuple[float, float]] | None = None,
                     segments: Sequence[tuple[str, Sequence[tuple[float, float]]]] = (),
                     markers: Sequence[tuple[float, float, str]] = (),
                     dragmode: str = "lasso", height_px: int = 640, lang: str = "en",
                     base: Sequence = (), synthetic: bool = False) -> go.Figure:
    """The map (:mod:`sar_planner.ui.map_view`) to draw a search area on (lasso or box).

    Parameters
    ----------
    grid, elevation, hillshade, slope_deg:
        As :func:`sar_planner.ui.figures.terrain_figure` (metres a.s.l., uint8, degrees).
    labels:
        Translated strings: ``easting``, ``northing``, ``elevation``, ``slope``, ``latlon``,
        ``area`` (the drawn outline's legend name).
    area_xy:
        The area drawn so far, a closed (x, y) ring in metres, drawn as a red outline.
    segments:
        (name, exterior ring in metres) of the mission's segments, thin grey outlines.
    markers:
        Points to mark, (x, y, text) in metres (the IPP).
    dragmode:
        ``"lasso"`` (default) or ``"select"`` (box): what a drag on the map does.
    lang, base, synthetic:
        The map's language, the unit's base layers on ``grid``, synthetic terrain or not.
    """
    fig = terrain_figure(grid, elevation, hillshade, slope_deg, labels, markers=markers,
                         height_px=height_px, lang=lang, base=base, synthetic=synthetic)
    requests = []
    for i, (name, outline) in enumerate(segments):
        ring = np.asarray(outline, dtype=float)
        fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=name,
                                 line={"color": "rgba(60,60,60,0.6)", "width": 1},
                                 hoverinfo="name", showlegend=False))
        if len(ring) >= 4:
            at = Polygon(ring).representative_point()
            requests.append(LabelRequest(str(name), at.x, at.y, priority=-float(i)))
    from sar_planner.ui.map_view import metres_per_px

    # names never drawn on each other at the map's first view
    placed = place_labels(requests, metres_per_px(grid.bounds, height_px))
    if placed:
        fig.add_trace(go.Scatter(x=[p.x for p in placed], y=[p.y for p in placed], mode="text",
                                 text=[p.text for p in placed], hoverinfo="skip",
                                 textfont={"size": 11, "color": "#222222"},
                                 name="segment_names", showlegend=False))
    if area_xy is not None and len(area_xy) >= 3:
        area = np.asarray(area_xy, dtype=float)
        fig.add_trace(go.Scatter(x=area[:, 0], y=area[:, 1], mode="lines", name=labels["area"],
                                 line={"color": "#d62728", "width": 3}, hoverinfo="name",
                                 fill="toself", fillcolor="rgba(214,39,40,0.12)"))
    fig.add_trace(selectable_lattice(grid))
    fig.update_layout(dragmode=dragmode)
    return fig
