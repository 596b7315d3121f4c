"""Figure builders for the statistics page: data in, plotly figure out (no streamlit here).

Tracks are drawn on flat longitude/latitude axes (WGS84 degrees, the y axis scaled by
1/cos(latitude) so distances look right) with no map tiles: the field laptop has no internet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from sar_planner.logbook.records import SortieRecord
from sar_planner.logbook.tracks import track_lines

__all__ = ["bar_figure", "tracks_figure"]


def bar_figure(groups: dict[str, dict[str, float]], title: str, sorties_label: str,
               hours_label: str) -> go.Figure:
    """Sorties and hours per group (month, aircraft, crew...) as two bar series."""
    keys = list(groups)
    fig = go.Figure()
    fig.add_bar(x=keys, y=[groups[k]["sorties"] for k in keys], name=sorties_label)
    fig.add_bar(x=keys, y=[groups[k]["hours"] for k in keys], name=hours_label)
    fig.update_layout(title=title, barmode="group", height=320, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h"})
    # the groups are names ("2026-11", "B-7185"): a month must not become a date axis, which
    # showed "00:00:00 Nov 1, 2026" in English on the Chinese page
    fig.update_xaxes(type="category")
    return fig


def tracks_figure(records: Sequence[SortieRecord], title: str,
                  label: Callable[[SortieRecord], str] = lambda r: f"#{r.number}",
                  axis_titles: tuple[str, str] = ("lon °E", "lat °N")) -> go.Figure:
    """Every flown track of ``records`` as a line on longitude/latitude axes (WGS84 degrees).

    One trace per sortie; a track of several segments (a stored MultiLineString) is drawn with a
    break (None) between its segments, never joined across the gap.
    ``axis_titles`` are the x (longitude) and y (latitude) axis titles, in the page's language.
    """
    fig = go.Figure()
    lats: list[float] = []
    for r in records:
        lines = track_lines(r.track)
        if not lines:
            continue
        xs: list[Any] = []
        ys: list[Any] = []
        for i, line in enumerate(lines):
            if i:
                xs.append(None)
                ys.append(None)
            xs.extend(c[0] for c in line)
            ys.extend(c[1] for c in line)
            lats.extend(c[1] for c in line)
        fig.add_scatter(x=xs, y=ys, mode="lines", name=label(r), hovertext=label(r), hoverinfo="text",
                        connectgaps=False)
    mid = sum(lats) / len(lats) if lats else 36.0
    fig.update_layout(title=title, height=420, showlegend=False, margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_xaxes(title=axis_titles[0])
    fig.update_yaxes(title=axis_titles[1], scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid)))
    return fig
