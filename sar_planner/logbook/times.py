"""Times: stored in UTC, shown in the unit's local time (Asia/Shanghai, UTC+8, no daylight saving)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TZ", "to_local", "format_local", "local_date_bounds", "parse_local"]

#: The unit's time zone (China Standard Time; the Qaidam Basin keeps Beijing time).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware instant in Asia/Shanghai."""
    return value.astimezone(LOCAL_TZ)


def format_local(value: dt.datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Asia/Shanghai, or ``""`` for ``None``."""
    return "" if value is None else to_local(value).strftime("%Y-%m-%d %H:%M")


def parse_local(date_text: str, time_text: str = "00:00") -> dt.datetime:
    """``YYYY-MM-DD`` and ``HH:MM`` read as Asia/Shanghai local time; an aware datetime.

    Raises ``ValueError`` when either does not parse.
    """
    day = dt.date.fromisoformat(date_text.strip())
    clock = dt.time.fromisoformat(time_text.strip())
    return dt.datetime.combine(day, clock, tzinfo=LOCAL_TZ)


def local_date_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The UTC instants that bound local dates ``start`` to ``end`` inclusive: ``[start 00:00, end+1 00:00)``."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC) if start else None
    hi = (dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
          if end else None)
    return lo, hi
