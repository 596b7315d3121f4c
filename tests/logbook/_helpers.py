"""Helpers for the logbook tests: Beijing-time instants and valid sortie inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sar_planner.logbook.records import SortieInput
from sar_planner.logbook.times import LOCAL_TZ

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "missions" / "sample_sortie_history.csv"
PASSWORD = "correct horse battery"


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """A Beijing-time instant."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def sortie(takeoff: dt.datetime, hours: float = 1.0, aircraft: str = "B-7185",
           crew: tuple[tuple[str, str], ...] = (("马建国", "pilot"), ("星卫东", "observer")),
           task: str = "search", incident: str | None = "QH-GEM-2025-031", **kw: object) -> SortieInput:
    """A valid sortie input starting at ``takeoff``."""
    return SortieInput(task_type=task, aircraft=aircraft, takeoff_at=takeoff,
                       landing_at=takeoff + dt.timedelta(hours=hours), crew=crew,
                       incident_number=incident, **kw)  # type: ignore[arg-type]


def log_many_in_own_process(url: str, registration: str, pilot: str, count: int, first_hour: int) -> list[int]:
    """Log ``count`` sorties from a separate process (a second station); returns their numbers."""
    from sar_planner.auth import Actor
    from sar_planner.logbook.db import open_database
    from sar_planner.logbook.records import log_sortie

    db = open_database(url)
    actor = Actor(None, f"station-{registration}", "commander")
    out = []
    try:
        for k in range(count):
            start = local(2025, 9, 1, 0, 0) + dt.timedelta(hours=first_hour, minutes=30 * k)
            rec = log_sortie(db, actor, sortie(start, hours=0.4, aircraft=registration, task="training",
                                               incident=None, crew=((pilot, "pilot"),)))
            out.append(rec.number)
    finally:
        db.dispose()
    return out
