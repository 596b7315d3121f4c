"""Which terrain to offer first: the first one in the library that holds the mission's IPP.

The rule lives in the core (:mod:`sar_planner.terrain.choice`, also used to score closed cases);
here the extent of each terrain is read once (cached by its files).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from sar_planner.terrain import choice
from sar_planner.terrain.library import TerrainEntry

__all__ = ["extent", "first_holding"]


@st.cache_data(show_spinner=False, max_entries=64)
def extent(paths: tuple[str, ...]) -> tuple[float, float, float, float] | None:
    """West, south, east, north (WGS84 degrees) of a terrain's files, or None if unreadable."""
    return choice.terrain_extent(paths)


def first_holding(entries: Sequence[TerrainEntry], lat: float | None,
                  lon: float | None) -> str | None:
    """Id of the first entry whose extent holds (lat, lon) (WGS84 degrees), or None."""
    return choice.first_holding(entries, lat, lon, extent=extent)
