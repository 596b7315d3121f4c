"""File names of the logbook's downloads, dated by the station's calendar.

The unit works on Beijing time (:data:`sar_planner.logbook.times.LOCAL_TZ`, Asia/Shanghai,
UTC+8 all year): an export made at 01:30 on 30 November at the station is named
``...-2026-11-30...``, not by the UTC date (29 November, 17:30 UTC), which the crew never sees.
"""

from __future__ import annotations

import datetime as dt

from sar_planner.logbook.times import LOCAL_TZ

__all__ = ["station_date", "export_file_name"]


def _now() -> dt.datetime:
    """The current instant (UTC, timezone-aware); a seam for tests."""
    return dt.datetime.now(dt.UTC)


def station_date(now: dt.datetime | None = None) -> dt.date:
    """The station's calendar date (Asia/Shanghai) at ``now``.

    Parameters
    ----------
    now
        A timezone-aware instant; None for the current time.

    Returns
    -------
    datetime.date
        The date on the station's calendar.

    Raises
    ------
    ValueError
        If ``now`` is naive (no timezone: its instant is unknown).
    """
    now = _now() if now is None else now
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(LOCAL_TZ).date()


def export_file_name(stem: str, extension: str, now: dt.datetime | None = None) -> str:
    """``<stem>-<station date, ISO 8601>.<extension>``, e.g. ``sorties-2026-11-30.csv``.

    Parameters
    ----------
    stem
        The start of the name (``"sorties"``, ``"tracks"``).
    extension
        The extension without its dot (``"csv"``).
    now
        A timezone-aware instant; None for the current time.
    """
    return f"{stem}-{station_date(now).isoformat()}.{extension}"
