"""SQL expressions over sortie times that give the same numbers on SQLite and PostgreSQL, so
totals and statistics are aggregated in the database instead of row by row in Python.

- Flight seconds: ``landing_at - takeoff_at`` in seconds. SQLite stores the UTC instants as text
  and subtracts Julian day numbers (a double: about 50 microseconds of rounding per sortie near
  the year 2026, far below the 0.01 h the totals are rounded to); PostgreSQL takes the epoch of
  the interval (exact).
- Station calendar: the takeoff's year, month (``YYYY-MM``) and date in Beijing time, taken as
  UTC+8. Asia/Shanghai has kept UTC+8 all year since 1992 (China's summer time ran 1986-1991), so
  this equals :data:`sar_planner.logbook.times.LOCAL_TZ` for every sortie from 1992 on.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from sar_planner.logbook.models import Sortie

__all__ = ["flight_seconds", "local_month", "local_year"]


def flight_seconds(dialect: str) -> ColumnElement[float]:
    """Seconds from takeoff to landing of a ``sortie`` row, for the backend ``dialect``."""
    if dialect == "sqlite":
        days = func.julianday(Sortie.landing_at) - func.julianday(Sortie.takeoff_at)
        return cast(days * 86400.0, Float)
    return cast(func.extract("epoch", Sortie.landing_at - Sortie.takeoff_at), Float)


def _local(dialect: str, fmt_sqlite: str, fmt_pg: str) -> ColumnElement[str]:
    if dialect == "sqlite":
        return func.strftime(fmt_sqlite, Sortie.takeoff_at, "+8 hours")
    utc = func.timezone("UTC", Sortie.takeoff_at)  # the instant as UTC wall-clock time
    return func.to_char(utc + literal_column("interval '8 hours'"), fmt_pg)


def local_month(dialect: str) -> ColumnElement[str]:
    """The takeoff's Beijing-time month as ``YYYY-MM``."""
    return _local(dialect, "%Y-%m", "YYYY-MM")


def local_year(dialect: str) -> ColumnElement[int]:
    """The takeoff's Beijing-time year."""
    return cast(_local(dialect, "%Y", "YYYY"), Integer)
