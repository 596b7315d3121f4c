"""What a crew drew or clicked on a map, from Streamlit's plotly selection state.

``st.plotly_chart(..., on_select="rerun", selection_mode=("lasso", "box"))`` returns a selection
dict (Streamlit 1.67) with ``box`` (a list of ``{"x": [x0, x1], "y": [y0, y1], ...}``), ``lasso``
(a list of ``{"x": [...], "y": [...], ...}``) and ``points``, all in the figure's data
coordinates: here metres in the map grid's CRS. These helpers turn it into a ring, a point, an
open path (a line drawn with the lasso) or the next vertex of a line clicked point by point;
the core checks the geometry (:func:`sar_planner.patterns.check_area`,
:mod:`sar_planner.probability.mission_features`). Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["selection_ring", "selection_point", "selection_path", "selection_click",
           "append_vertex"]


def _pairs(xs: Any, ys: Any) -> list[tuple[float, float]]:
    try:
        pts = [(float(x), float(y)) for x, y in zip(xs or [], ys or [], strict=True)]
    except (TypeError, ValueError):
        return []
    return [p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])]


def selection_ring(selection: Mapping[str, Any] | None) -> tuple[tuple[float, float], ...] | None:
    """The last lasso or box of a plotly selection as a closed ring (metres, the map's CRS).

    Parameters
    ----------
    selection:
        Streamlit's selection state (``event.selection``), or None.

    Returns
    -------
    tuple or None
        ``((x, y), ..., first point again)`` or None when nothing was drawn. A lasso wins over a
        box when both are present (the crew drew it on purpose). The ring is not checked here:
        a crossing or flat outline is refused by the core with its clear message.

    Examples
    --------
    >>> selection_ring({"box": [{"x": [10, 0], "y": [0, 5]}], "lasso": [], "points": []})
    ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0), (0.0, 0.0))
    """
    if not selection:
        return None
    for lasso in reversed(list(selection.get("lasso") or [])):
        pts = _pairs(lasso.get("x"), lasso.get("y"))
        if pts:
            if pts[0] != pts[-1]:
                pts.append(pts[0])
            return tuple(pts)
    for box in reversed(list(selection.get("box") or [])):
        pts = _pairs(box.get("x"), box.get("y"))
        if len(pts) >= 2:
            (xa, ya), (xb, yb) = pts[0], pts[-1]
            x0, x1, y0, y1 = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
            return ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return None


def selection_point(selection: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """One point (metres, the map's CRS) from a plotly selection: a clicked point, else the
    centre of the last box or lasso drawn; None when nothing was selected.

    >>> selection_point({"points": [{"x": 3.0, "y": 4.0}], "box": [], "lasso": []})
    (3.0, 4.0)
    """
    if not selection:
        return None
    points = _pairs([p.get("x") for p in selection.get("points") or []],
                    [p.get("y") for p in selection.get("points") or []])
    if len(points) == 1:
        return points[0]
    ring = selection_ring(selection)
    if ring is not None:
        xs = [p[0] for p in ring[:-1]]
        ys = [p[1] for p in ring[:-1]]
        return (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0
    if points:  # a box over several lattice points: their centre
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0
    return None


def selection_path(selection: Mapping[str, Any] | None) -> tuple[tuple[float, float], ...] | None:
    """The last lasso of a plotly selection as an OPEN path (metres, the map's CRS), for a line.

    Plotly closes a lasso on screen, but the path the crew dragged (along a river, a cliff edge,
    a track) is the line: it is returned as drawn, without the closing point. Consecutive
    repeated points are dropped. None when no lasso with at least two distinct points was drawn.

    >>> selection_path({"lasso": [{"x": [0, 5, 5, 9], "y": [0, 0, 0, 3]}]})
    ((0.0, 0.0), (5.0, 0.0), (9.0, 3.0))
    """
    if not selection:
        return None
    for lasso in reversed(list(selection.get("lasso") or [])):
        pts = _pairs(lasso.get("x"), lasso.get("y"))
        path = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        if len(path) >= 2 and path[0] == path[-1]:
            path.pop()
        if len(path) >= 2:
            return tuple(path)
    return None


def selection_click(selection: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """The one point clicked (metres, the map's CRS), or None (no click, or a box/lasso).

    >>> selection_click({"points": [{"x": 1.5, "y": 2.0}], "box": [], "lasso": []})
    (1.5, 2.0)
    """
    if not selection or selection.get("box") or selection.get("lasso"):
        return None
    points = _pairs([p.get("x") for p in selection.get("points") or []],
                    [p.get("y") for p in selection.get("points") or []])
    return points[0] if len(points) == 1 else None


def append_vertex(vertices: tuple[tuple[float, float], ...], point: tuple[float, float] | None,
                  last_seen: tuple[float, float] | None) -> tuple[tuple[tuple[float, float], ...],
                                                                  tuple[float, float] | None]:
    """A line's vertices after one more click; returns (vertices, the click now seen).

    Streamlit re-sends the same selection on every rerun (a button press, a rename): a click is
    appended only when it differs from ``last_seen``, the click taken last time, so a rerun never
    adds the same vertex twice. A click on the line's last vertex adds nothing.

    >>> append_vertex(((0.0, 0.0),), (5.0, 0.0), None)
    (((0.0, 0.0), (5.0, 0.0)), (5.0, 0.0))
    >>> append_vertex(((0.0, 0.0), (5.0, 0.0)), (5.0, 0.0), (5.0, 0.0))
    (((0.0, 0.0), (5.0, 0.0)), (5.0, 0.0))
    """
    if point is None or point == last_seen:
        return vertices, last_seen
    if vertices and vertices[-1] == point:
        return vertices, point
    return tuple(vertices) + (point,), point
