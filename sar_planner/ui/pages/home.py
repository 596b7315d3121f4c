"""Overview: the unit's running totals, what the planner is for, and where to start."""

import streamlit as st

from sar_planner.ui.common import tr
from sar_planner.ui.logbook_panels import unit_totals_panel
from sar_planner.ui.session import require_page

require_page("home")
st.title(tr("common.app_title"))
unit_totals_panel()
st.markdown(tr("pages.home_intro"))
