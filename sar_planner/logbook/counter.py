"""The unit's running sortie count: numbers handed out gap-free and in order, and the opening balance.

A number is taken inside the same write transaction that inserts the sortie, after locking the
single counter row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the whole transaction holds
the write lock from ``BEGIN IMMEDIATE``). If the insert fails the transaction rolls back and the
number is not used, so there are never gaps; sorties are never deleted, so none appear later.

The unit's running count (:func:`running_totals`) is one number everywhere (Overview,
Statistics, ``sar-planner log stats``, the exports): the opening balance, plus the historical
sorties imported, plus the approved sorties, plus the sorties waiting for review. Drafts and
returned sorties hold a number but are not counted as flown until submitted again; they are
reported apart. Hours likewise; each part is rounded to 0.01 h and the total is the sum of the
rounded parts, so the reconciliation line adds up exactly as printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sar_planner.errors import LogbookError
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import Mission, Sortie, SortieCounter
from sar_planner.logbook.sqltime import flight_seconds
from sar_planner.permissions import Actor, require

__all__ = ["Totals", "FLOWN_STATUSES", "APART_STATUSES", "lock_counter", "take_number",
           "set_opening_balance", "running_totals"]

#: Sortie states counted as flown in the unit's running count (historical, approved, waiting).
FLOWN_STATUSES: tuple[str, ...] = ("historical", "approved", "submitted")
#: Sortie states shown apart and never counted as flown.
APART_STATUSES: tuple[str, ...] = ("draft", "returned")


@dataclass(frozen=True)
class Totals:
    """The unit's running totals and how they are made (hours are flight hours).

    ``sorties = opening_sorties + historical_sorties + approved_sorties + waiting_sorties`` and
    ``hours`` the same sum of the hours parts (each rounded to 0.01 h). Drafts and returned
    sorties are counted apart (``draft_*``, ``returned_*``) and are not in the total.
    ``logged_*`` is the flown part of the log (historical + approved + waiting). ``last_number``
    is the last number handed out (drafts and returned sorties hold numbers too).
    """

    sorties: int
    hours: float
    opening_sorties: int
    opening_hours: float
    logged_sorties: int
    logged_hours: float
    missions: int
    people_found: int
    last_number: int
    historical_sorties: int = 0
    historical_hours: float = 0.0
    approved_sorties: int = 0
    approved_hours: float = 0.0
    waiting_sorties: int = 0
    waiting_hours: float = 0.0
    draft_sorties: int = 0
    draft_hours: float = 0.0
    returned_sorties: int = 0
    returned_hours: float = 0.0

    def reconciliation(self) -> dict[str, float]:
        """The parts of the total by name, for the reconciliation line (``logbook.reconcile``)."""
        return {"total": self.sorties, "total_hours": self.hours,
                "opening": self.opening_sorties, "opening_hours": self.opening_hours,
                "historical": self.historical_sorties, "historical_hours": self.historical_hours,
                "approved": self.approved_sorties, "approved_hours": self.approved_hours,
                "waiting": self.waiting_sorties, "waiting_hours": self.waiting_hours,
                "draft": self.draft_sorties, "draft_hours": self.draft_hours,
                "returned": self.returned_sorties, "returned_hours": self.returned_hours}


def lock_counter(session: Session) -> SortieCounter:
    """Lock and return the counter row for the rest of the transaction."""
    counter = session.scalar(select(SortieCounter).where(SortieCounter.id == 1)
                             .with_for_update())
    if counter is None:  # the first migration creates it; a damaged database lacks it
        raise LogbookError("logbook.err_counter_missing")
    return counter


def take_number(session: Session) -> int:
    """The next sortie number (the counter row must be locked by :func:`lock_counter`)."""
    counter = lock_counter(session)
    counter.last_number += 1
    session.flush()
    return counter.last_number


def _log_is_empty(session: Session, counter: SortieCounter) -> bool:
    return counter.last_number == 0 and not session.scalar(select(func.count()).select_from(Sortie))


#: Largest opening balance accepted: more sorties or hours than any unit has flown before a tool.
MAX_OPENING_SORTIES = 1_000_000
MAX_OPENING_HOURS = 1_000_000.0


def set_opening_balance(db: Database, actor: Actor, sorties: int, hours: float) -> None:
    """Start the count at ``sorties`` flown and ``hours`` flown before the tool.

    Only on an empty log (no sortie logged, no history imported): the next sortie is number
    ``sorties + 1``. Only an administrator (``log.import``) may set it; checked here, not only by
    the page.

    Raises
    ------
    AuthError
        ``auth.err_forbidden`` when ``actor`` may not import the unit's history.
    LogbookError
        ``logbook.err_balance_not_empty`` if anything is logged already,
        ``logbook.err_balance_value`` for a negative, non-finite or implausibly large count or
        hours (at most :data:`MAX_OPENING_SORTIES` sorties and :data:`MAX_OPENING_HOURS` hours).
    """
    require(actor, "log.import")
    actor_name = actor.username
    try:
        ok = (0 <= sorties <= MAX_OPENING_SORTIES and sorties == int(sorties)
              and math.isfinite(hours) and 0 <= hours <= MAX_OPENING_HOURS)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise LogbookError("logbook.err_balance_value", sorties=sorties, hours=hours,
                           max_sorties=MAX_OPENING_SORTIES, max_hours=f"{MAX_OPENING_HOURS:.0f}")
    sorties = int(sorties)

    def work(session: Session) -> None:
        counter = lock_counter(session)
        if not _log_is_empty(session, counter) or counter.opening_count:
            raise LogbookError("logbook.err_balance_not_empty", last=counter.last_number)
        counter.last_number = sorties
        counter.opening_count = sorties
        counter.opening_seconds = round(hours * 3600)
        record_audit(session, actor_name, "opening_balance", "sortie_counter", 1,
                     {"sorties": sorties, "hours": hours})

    db.write(work)


def running_totals(db: Database) -> Totals:
    """The unit's running count (see :class:`Totals`), aggregated in the database."""
    with db.read() as session:
        counter = session.get(SortieCounter, 1)
        opening_n = counter.opening_count if counter else 0
        opening_s = counter.opening_seconds if counter else 0
        last = counter.last_number if counter else 0
        by_status = {status: (int(n), float(sec or 0.0)) for status, n, sec in session.execute(
            select(Sortie.status, func.count(), func.sum(flight_seconds(db.backend)))
            .group_by(Sortie.status))}
        missions = session.scalar(select(func.count()).select_from(Mission)) or 0
        found = session.scalar(select(func.count()).select_from(Mission).where(
            Mission.outcome.in_(("found_alive", "found_deceased")))) or 0

    def part(status: str) -> tuple[int, float]:
        n, sec = by_status.get(status, (0, 0.0))
        return n, round(sec / 3600, 2)

    hist, appr, wait, draft, ret = (part(s) for s in ("historical", "approved", "submitted",
                                                      "draft", "returned"))
    opening_h = round(opening_s / 3600, 2)
    logged_n = hist[0] + appr[0] + wait[0]
    logged_h = round(hist[1] + appr[1] + wait[1], 2)
    return Totals(sorties=opening_n + logged_n, hours=round(opening_h + logged_h, 2),
                  opening_sorties=opening_n, opening_hours=opening_h,
                  logged_sorties=logged_n, logged_hours=logged_h,
                  missions=int(missions), people_found=int(found), last_number=last,
                  historical_sorties=hist[0], historical_hours=hist[1],
                  approved_sorties=appr[0], approved_hours=appr[1],
                  waiting_sorties=wait[0], waiting_hours=wait[1],
                  draft_sorties=draft[0], draft_hours=draft[1],
                  returned_sorties=ret[0], returned_hours=ret[1])
