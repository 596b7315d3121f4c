"""The review page (not built yet: it says what it will do)."""

from sar_planner.ui.common import not_built

not_built("review")
