"""Moved: the Bayes replay of logged sorties is :mod:`sar_planner.replay` (it needs coverage, so
it sits above the coverage layer, not in ``probability``). This name re-exports it for callers
not yet moved; new code imports :mod:`sar_planner.replay`."""

from sar_planner.replay import *  # noqa: F401,F403
from sar_planner.replay import (__all__, _plan_facts, _segment_mask,  # noqa: F401
                                _track_xyz, sweep_width_for)
