"""Streamlit entry point: ``streamlit run app.py`` (or ``sar-planner serve``)."""

from sar_planner.ui.shell import run_app

run_app()
