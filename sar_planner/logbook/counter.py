"""The unit's running sortie count: numbers handed out gap-free and in order, and the opening balance.

A number is taken inside the same write transaction that inserts the sortie, after locking the
single counter row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the whole transaction holds
the write lock from ``BEGIN IMMEDIATE``). If the insert fails the transaction rolls back and the
number is not used, so there are never gaps; sorties are never deleted, so none appear later.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sar_planner.errors import LogbookError
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import Mission, Sortie, SortieCounter

__all__ = ["Totals", "lock_counter", "take_number", "set_opening_balance", "running_totals"]


@dataclass(frozen=True)
class Totals:
    """The unit's running totals: sorties and flight hours including the opening balance."""

    sorties: int
    hours: float
    opening_sorties: int
    opening_hours: float
    logged_sorties: int
    logged_hours: float
    missions: int
    people_found: int
    last_number: int


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


def set_opening_balance(db: Database, actor_name: str, sorties: int, hours: float) -> None:
    """Start the count at ``sorties`` flown and ``hours`` flown before the tool.

    Only on an empty log (no sortie logged, no history imported): the next sortie is number
    ``sorties + 1``.

    Raises
    ------
    LogbookError
        ``logbook.err_balance_not_empty`` if anything is logged already,
        ``logbook.err_balance_value`` for a negative count or hours.
    """
    if sorties < 0 or not hours >= 0:
        raise LogbookError("logbook.err_balance_value", sorties=sorties, hours=hours)

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
    """Sorties, hours, missions and people found, including the opening balance."""
    with db.read() as session:
        counter = session.get(SortieCounter, 1)
        opening_n = counter.opening_count if counter else 0
        opening_s = counter.opening_seconds if counter else 0
        last = counter.last_number if counter else 0
        rows = session.execute(select(Sortie.takeoff_at, Sortie.landing_at)).all()
        seconds = sum((b - a).total_seconds() for a, b in rows)
        missions = session.scalar(select(func.count()).select_from(Mission)) or 0
        found = session.scalar(select(func.count()).select_from(Mission).where(
            Mission.outcome.in_(("found_alive", "found_deceased")))) or 0
    return Totals(sorties=opening_n + len(rows), hours=round((opening_s + seconds) / 3600, 2),
                  opening_sorties=opening_n, opening_hours=round(opening_s / 3600, 2),
                  logged_sorties=len(rows), logged_hours=round(seconds / 3600, 2),
                  missions=int(missions), people_found=int(found), last_number=last)


