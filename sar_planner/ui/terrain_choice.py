"""Which terrain to offer first: the first one in the library that holds the mission's IPP.

The library lists the 30 m demo around Golmud first; a mission elsewhere (the gobi west of
Golmud, 36.90 N 93.60 E) was offered it and the first map or plan failed with "completely outside
the elevation data". The extent of each terrain is read once (cached by its files).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from sar_planner.terrain.library import TerrainEntry

__all__ = ["extent", "first_holding"]


@st.cache_data(show_spinner=False, max_entries=64)
def extent(paths: tuple[str, ...]) -> tuple[float, float, float, float] | None:
    """West, south, east, north (WGS84 degrees) of a terrain's files, or None if unreadable."""
    from sar_planner.terrain import inspect

    try:
        boxes = [inspect(p).bounds_wgs84 for p in paths]
    except Exception:  # noqa: BLE001 - a file that cannot be read holds no IPP; building says why
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def first_holding(entries: Sequence[TerrainEntry], lat: float | None,
                  lon: float | None) -> str | None:
    """Id of the first entry whose extent holds (lat, lon) (WGS84 degrees), or None."""
    if lat is None or lon is None:
        return None
    for e in entries:
        box = extent(tuple(e.paths))
        if box is not None and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return e.id
    return None
