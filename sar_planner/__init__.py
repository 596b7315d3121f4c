"""sar_planner: search-and-rescue mission planning and logging for the Qaidam Basin.

The core package never imports streamlit; the Streamlit pages live in :mod:`sar_planner.ui`.
Units are SI (metres, seconds); angles are degrees unless a name says radians; every function
that takes or returns coordinates names their CRS.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
