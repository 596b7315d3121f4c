"""Keep a page's widget values over a visit to another page.

Streamlit forgets the value of every widget that a run does not draw, so a page left for another
and opened again shows its defaults: a planner who built the map with a terrain model and 8 km,
looked at the Mission page and came back saw the distance-ring map at the default size, rebuilt
without a word (and handed to the Plan page). A page calls :func:`keep_values` before drawing its
widgets: the values present are remembered, and values Streamlit forgot are put back.

The memory is per page and per mission (``scope``), so another mission starts from the defaults.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import streamlit as st

__all__ = ["keep_values", "kept"]

_STORE = "_widget_memory"


def kept(scope: str) -> dict[str, Any]:
    """The remembered values of ``scope`` (a dict the page may also use for its own values)."""
    store = st.session_state.setdefault(_STORE, {})
    return store.setdefault(scope, {})


def keep_values(keys: Iterable[str], scope: str,
                allowed: Mapping[str, Collection[Any]] | None = None) -> None:
    """Remember the widgets ``keys`` of ``scope``, and put back values Streamlit forgot.

    Parameters
    ----------
    keys
        The widget keys (``key=`` of each widget) to keep.
    scope
        The page and mission the values belong to, e.g. ``"probability:QH-2026-001"``.
    allowed
        For a widget whose options change (a terrain list), the options it has now: a remembered
        value no longer among them is not put back (the widget shows its default).
    """
    mine = kept(scope)
    for key in keys:
        if key in st.session_state:
            mine[key] = st.session_state[key]
        elif key in mine:
            if allowed is not None and key in allowed and mine[key] not in allowed[key]:
                continue
            st.session_state[key] = mine[key]
