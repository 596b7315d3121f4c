"""Small logbook panels pages share: the unit's running totals (sorties, hours, missions, people
found), for the logbook page and the overview page."""

from __future__ import annotations

import streamlit as st

from sar_planner.logbook.counter import running_totals
from sar_planner.ui.common import error_boundary, tr
from sar_planner.ui.session import database

__all__ = ["unit_totals_panel"]


def unit_totals_panel(next_number: bool = False) -> None:
    """Four metrics: total sorties (with the opening balance), hours, missions or the next
    sortie number, and people found. A database fault shows as a message, never a traceback."""
    with error_boundary():
        totals = running_totals(database())
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(tr("logbook.ui.total_sorties"), f"{totals.sorties}")
        c2.metric(tr("logbook.ui.total_hours"), f"{totals.hours:.1f}")
        if next_number:
            c3.metric(tr("logbook.ui.next_number"), f"{totals.last_number + 1}")
        else:
            c3.metric(tr("logbook.ui.missions"), f"{totals.missions}")
        c4.metric(tr("logbook.ui.people_found"), f"{totals.people_found}")
