"""Readable, non-overlapping map labels.

Text is sized in screen pixels, the map in metres: at a view of ``metres_per_px`` a label of
``n`` characters at ``font_px`` takes about ``n x 0.6 x font_px`` pixels (a CJK character a full
``font_px``) by ``1.3 x font_px``. Labels are placed greedily in priority order; each tries its
anchor centred, then above, below, right and left of it, and takes the first box that overlaps
no label already placed. A label that fits nowhere is left out (its feature still names itself
on hover), never drawn on top of another.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LabelRequest", "PlacedLabel", "text_width_px", "place_labels"]


@dataclass(frozen=True)
class LabelRequest:
    """A label wanted at (x, y) metres; a higher ``priority`` is placed first."""

    text: str
    x: float
    y: float
    priority: float = 0.0


@dataclass(frozen=True)
class PlacedLabel:
    """A placed label: the text's centre (x, y) in metres and its request."""

    text: str
    x: float
    y: float
    request: LabelRequest


def text_width_px(text: str, font_px: float) -> float:
    """Approximate width in pixels: wide (CJK) characters ``font_px``, others ``0.6 font_px``.

    >>> text_width_px("S12", 10)
    18.0
    >>> text_width_px("格尔木", 10)
    30.0
    """
    return sum(float(font_px) if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6 * font_px
               for ch in text)


def place_labels(requests: Sequence[LabelRequest], metres_per_px: float, font_px: float = 11.0,
                 pad_px: float = 2.0) -> list[PlacedLabel]:
    """Place labels so that no two boxes overlap at ``metres_per_px``.

    Parameters
    ----------
    requests:
        The labels wanted (anchor in metres of the map's CRS).
    metres_per_px:
        Map scale of the view the labels are for (view width in metres / plot width in px).
    font_px:
        Font size in pixels.
    pad_px:
        Clear space kept around each label.

    Returns
    -------
    list of PlacedLabel
        In priority order (ties keep the input order); labels that fit nowhere are left out.
    """
    placed: list[PlacedLabel] = []
    boxes: list[tuple[float, float, float, float]] = []
    order = sorted(range(len(requests)), key=lambda i: -requests[i].priority)
    h = (1.3 * font_px + 2 * pad_px) * metres_per_px
    for i in order:
        r = requests[i]
        w = (text_width_px(r.text, font_px) + 2 * pad_px) * metres_per_px
        for dx, dy in ((0.0, 0.0), (0.0, h), (0.0, -h), (w / 2 + h / 2, 0.0), (-w / 2 - h / 2, 0.0)):
            cx, cy = r.x + dx, r.y + dy
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]
                   for b in boxes):
                boxes.append(box)
                placed.append(PlacedLabel(r.text, cx, cy, r))
                break
    return placed
