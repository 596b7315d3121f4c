"""Re-export shim: the flown-plan code moved out of the logbook (it has no database code).

- the plan record :class:`FlownPlan`: :mod:`sar_planner.flown_plan`;
- the plan-file readers :func:`read_flown_plan`: :mod:`sar_planner.formats.plan_files`;
- the planned-vs-flown comparison :func:`compare_flown` and friends: :mod:`sar_planner.flown_coverage`.

Kept while code outside issue 11 (``probability/logged.py``, the benchmark scripts) still imports
this path; import from the modules above in new code.
"""

from __future__ import annotations

from sar_planner.flown_coverage import (ELSEWHERE_M, FlownReport, SortieChoice, choose_sortie,
                                        compare_flown, comparison_crs, flown_terrain)
from sar_planner.flown_plan import PLAN_KIND, FlownPlan, Run
from sar_planner.formats.plan_files import PLAN_EXTENSIONS, read_flown_plan

__all__ = [
    "ELSEWHERE_M",
    "PLAN_EXTENSIONS",
    "PLAN_KIND",
    "FlownPlan",
    "FlownReport",
    "Run",
    "SortieChoice",
    "choose_sortie",
    "comparison_crs",
    "compare_flown",
    "flown_terrain",
    "read_flown_plan",
]
