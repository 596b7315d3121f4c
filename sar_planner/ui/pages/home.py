"""Overview: what the planner is for and where to start."""

import streamlit as st

from sar_planner.ui.common import tr

st.title(tr("common.app_title"))
st.markdown(tr("pages.home_intro"))
