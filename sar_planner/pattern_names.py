"""The search pattern names, without the geometry that flies them (:mod:`sar_planner.patterns`).

Kept apart so that the command line can offer the names in ``sar-planner plan --help`` and check
``--pattern`` without importing numpy and shapely (issue 12: command start-up). Names are the
IAMSAR Vol. II patterns as :mod:`sar_planner.patterns` implements them.
"""

from __future__ import annotations

__all__ = ["PATTERNS", "AREA_PATTERNS", "DATUM_PATTERNS"]

#: Every pattern :func:`sar_planner.planner.plan_search` flies.
PATTERNS: tuple[str, ...] = ("parallel", "creeping-line", "expanding-square", "sector", "contour",
                             "track-line")
#: Patterns flown over a segment polygon.
AREA_PATTERNS: tuple[str, ...] = ("parallel", "creeping-line", "contour")
#: Patterns flown from a datum point.
DATUM_PATTERNS: tuple[str, ...] = ("expanding-square", "sector")
