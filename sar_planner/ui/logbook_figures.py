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

__all__ = ["bar_figure", "tracks_figure", "stacked_month_figure", "hbar_figure", "month_task_rows",
           "PNG_CONFIG"]


def PNG_CONFIG(filename: str) -> dict[str, Any]:  # noqa: N802 - reads as a constant at call sites
    """Plotly's chart menu settings: the camera button saves the chart as ``filename``.png at twice
    the screen resolution, drawn in the browser (works offline; no server-side renderer)."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
            "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def month_task_rows(by_month_task: dict[str, dict[str, dict[str, float]]],
                    task_label: Callable[[str], str]) -> list[dict[str, Any]]:
    """The table under the month chart: one row per month and task (sorties, hours)."""
    return [{"month": m, "task": task_label(t), "sorties": v["sorties"], "hours": v["hours"]}
            for m, tasks in by_month_task.items() for t, v in tasks.items()]


def stacked_month_figure(by_month_task: dict[str, dict[str, dict[str, float]]], measure: str,
                         title: str, task_label: Callable[[str], str], y_title: str) -> go.Figure:
    """Sorties (``measure="sorties"``) or hours per month (Beijing time), one stacked bar colour per
    task type; months without a sortie are left out of the category axis."""
    months = list(by_month_task)
    tasks = sorted({t for v in by_month_task.values() for t in v})
    fig = go.Figure()
    for t in tasks:
        fig.add_bar(x=months, y=[by_month_task[m].get(t, {}).get(measure, 0) for m in months],
                    name=task_label(t))
    fig.update_layout(title=title, barmode="stack", height=340,
                      margin={"l": 50, "r": 10, "t": 40, "b": 40}, legend={"orientation": "h"})
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=y_title)
    return fig


def hbar_figure(groups: dict[str, dict[str, float]], measure: str, title: str, x_title: str,
                hover_other: tuple[str, str] | None = None) -> go.Figure:
    """One horizontal bar per group (aircraft, crew member), largest at the top; ``hover_other``
    (label, measure) adds the other figure of each group to its hover text."""
    keys = sorted(groups, key=lambda k: groups[k][measure])
    hover = None
    if hover_other is not None:
        label, other = hover_other
        hover = [f"{k}: {groups[k][measure]:g} · {label} {groups[k][other]:g}" for k in keys]
    fig = go.Figure()
    fig.add_bar(x=[groups[k][measure] for k in keys], y=keys, orientation="h",
                hovertext=hover, hoverinfo="text" if hover else None)
    fig.update_layout(title=title, height=max(240, 60 + 26 * len(keys)),
                      margin={"l": 10, "r": 10, "t": 40, "b": 40}, showlegend=False)
    fig.update_yaxes(type="category", automargin=True)
    fig.update_xaxes(title=x_title)
    return fig


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
