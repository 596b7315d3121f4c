"""Figure of the logbook's flown-track check (pure: data in, plotly figure out).

:func:`flown_figure` draws the plan's searching runs and the flown track over the shaded relief of
the terrain that covers them (:func:`sar_planner.ui.figures.terrain_figure`: flat axes in metres of
the terrain's CRS, the relief as a PNG layout image, nothing fetched from the network), with the
search region's outline. The report's coordinates must be in the terrain's CRS, as
:func:`sar_planner.flown_coverage.compare_flown` gives them when it is handed that terrain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from sar_planner.flown_coverage import FlownReport
from sar_planner.terrain import Terrain
from sar_planner.ui.figures import terrain_figure

__all__ = ["flown_figure", "PLANNED_COLOUR", "FLOWN_COLOUR"]

PLANNED_COLOUR = "#1f77b4"
FLOWN_COLOUR = "#ff7f0e"
_REGION_COLOUR = "#d62728"


def _joined(lines: Sequence[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    """x and y lists of several polylines, separated by None (one plotly trace)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in lines:
        xs += [float(v) for v in line[:, 0]] + [None]
        ys += [float(v) for v in line[:, 1]] + [None]
    return xs, ys


def flown_figure(report: FlownReport, labels: Mapping[str, str], terrain: Terrain | None = None,
                 *, max_points: int = 20_000, height_px: int = 640, lang: str = "en",
                 base: Sequence = ()) -> go.Figure:
    """The flown track over the planned searching runs and the search region.

    Parameters
    ----------
    report:
        The comparison (coordinates in metres of ``report.crs``).
    labels:
        Translated strings: ``easting``, ``northing``, ``elevation``, ``slope``, ``latlon``
        (the relief's hover read-out), ``planned``, ``flown``, ``region``.
    terrain:
        The terrain the comparison was made on (its grid sets the axes); None = plain metric
        axes around the region and the track.
    max_points:
        Most flown-track vertices sent to the browser (every k-th kept, the last of each
        segment too).
    lang, base:
        The map's language and the unit's base layers on the terrain's grid (with terrain).

    Returns
    -------
    plotly.graph_objects.Figure
        The last three traces are named ``labels['region']``, ``labels['planned']`` and
        ``labels['flown']`` (after the map's layers when ``terrain`` is given:
        :mod:`sar_planner.ui.map_view`).
    """
    if terrain is not None:
        fig = terrain_figure(terrain.grid, np.asarray(terrain.elevation),
                             np.asarray(terrain.hillshade), np.asarray(terrain.slope_deg),
                             labels, height_px=height_px, lang=lang, base=base,
                             synthetic=bool(getattr(terrain, "synthetic", False)))
    else:
        fig = go.Figure()
        fig.update_xaxes(title=labels["easting"], exponentformat="none", showgrid=False)
        fig.update_yaxes(title=labels["northing"], exponentformat="none", showgrid=False,
                         scaleanchor="x", scaleratio=1.0)
        fig.update_layout(height=height_px, margin={"l": 60, "r": 10, "t": 10, "b": 50},
                          plot_bgcolor="white")
    rx, ry = _joined([report.region_xy])
    fig.add_trace(go.Scatter(x=rx, y=ry, mode="lines", name=labels["region"],
                             line={"color": _REGION_COLOUR, "width": 2}, hoverinfo="skip"))
    px, py = _joined(report.planned_xy)
    fig.add_trace(go.Scatter(x=px, y=py, mode="lines", name=labels["planned"],
                             line={"color": PLANNED_COLOUR, "width": 5},
                             opacity=0.55,
                             hoverinfo="skip"))
    total = sum(len(s) for s in report.flown_xy)
    step = max(1, -(-total // max_points))
    thinned = [s[::step] if (len(s) - 1) % step == 0 else np.vstack([s[::step], s[-1:]])
               for s in report.flown_xy]
    fx, fy = _joined(thinned)
    fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=labels["flown"],
                             line={"color": FLOWN_COLOUR, "width": 2},
                             hovertemplate="E %{x:.0f} m, N %{y:.0f} m<extra></extra>"))
    if terrain is None:
        fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.02, "x": 0.0,
                                                   "yanchor": "bottom"})
    return fig
