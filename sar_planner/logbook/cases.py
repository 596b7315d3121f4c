"""The unit's closed cases: closed missions with a find location, for scoring the probability
models on them (:mod:`sar_planner.probability.casescore`).

A mission closed without a find location (not found, or found without a position recorded) and an
open mission are not cases; they are counted so a summary can say so. Dates filter on the
closing date at the station (Beijing time, Asia/Shanghai), inclusive at both ends, as the other
logbook filters do (:func:`sar_planner.logbook.times.local_date_bounds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from sar_planner.errors import LogbookError
from sar_planner.logbook.db import Database
from sar_planner.logbook.mission_inputs import _stored
from sar_planner.logbook.models import Mission
from sar_planner.logbook.times import local_date_bounds
from sar_planner.probability.casescore import Case

__all__ = ["ClosedCases", "closed_cases"]


@dataclass(frozen=True)
class ClosedCases:
    """Closed missions with a find location, and what was left out.

    Attributes
    ----------
    cases:
        The cases, oldest closing first (ties by incident number).
    closed_without_find:
        Closed missions matching the filters that have no find location.
    open_missions:
        Missions still open (not filtered: they have no closing date).
    """

    cases: tuple[Case, ...]
    closed_without_find: int
    open_missions: int


def closed_cases(db: Database, *, since: dt.date | None = None, until: dt.date | None = None,
                 outcomes: Sequence[str] = ()) -> ClosedCases:
    """The logbook's closed missions that have a find location, with their stored inputs.

    Parameters
    ----------
    db:
        The logbook.
    since, until:
        First and last closing date (station date, inclusive); None = no bound.
    outcomes:
        Keep only these outcomes (empty = all).

    Returns
    -------
    ClosedCases
        Each case with its incident number, closing time (UTC), outcome, stored planning inputs
        (None when none were saved), IPP and find location (WGS84 degrees).

    Raises
    ------
    LogbookError
        ``logbook.err_date_range`` when ``until`` is before ``since``. Stored inputs of an
        unknown version do not stop the listing: that case carries the error
        (``Case.inputs_error``) and is not scored, saying why.
    """
    if since and until and until < since:
        raise LogbookError("logbook.err_date_range", start=str(since), end=str(until))
    lo, hi = local_date_bounds(since, until)
    q = select(Mission).where(Mission.status == "closed")
    if lo is not None:
        q = q.where(Mission.closed_at >= lo)
    if hi is not None:
        q = q.where(Mission.closed_at < hi)
    if outcomes:
        q = q.where(Mission.outcome.in_(list(outcomes)))
    cases: list[Case] = []
    without = 0
    with db.read() as session:
        for row in session.scalars(q.order_by(Mission.closed_at, Mission.incident_number)):
            if row.find_lat is None or row.find_lon is None:
                without += 1
                continue
            try:
                inputs, unreadable = _stored(row), None
            except LogbookError as exc:  # one case's unknown inputs version: that case says so
                inputs, unreadable = None, (exc.code, dict(exc.params))
            cases.append(Case(row.incident_number, row.closed_at, row.outcome, inputs,
                              row.ipp_lat, row.ipp_lon, float(row.find_lat), float(row.find_lon),
                              unreadable))
        open_n = len(list(session.scalars(select(Mission.id).where(Mission.status == "open"))))
    return ClosedCases(tuple(cases), without, open_n)
