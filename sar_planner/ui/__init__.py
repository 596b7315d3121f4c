"""Streamlit pages and the helpers and figure builders they share (the only place streamlit is used)."""
