"""Work limits checked in more than one layer (a file reader and the planner alike), so they live below both.

A limit stated once here is refused with the limit named wherever the input arrives: a search area
read from a file (:mod:`sar_planner.formats.areas`) and one drawn or passed to the planner
(:func:`sar_planner.patterns.check_area`).
"""

from __future__ import annotations

__all__ = ["MAX_AREA_VERTICES"]

#: Most corner points a search area may have (all its rings): a hand-drawn segment has tens, a
#: GIS boundary a few thousand; 200,000 would tie up the page for minutes (issue 14).
MAX_AREA_VERTICES = 50_000
