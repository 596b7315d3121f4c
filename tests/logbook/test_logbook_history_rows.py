"""The batched history import (issue 12) stores every row of the file as the file says: each
sortie's number, times, aircraft, mission, remarks and crew in the file's order (pilot first,
then the observers), and it is still all or none when the transaction fails after the rows went
in. Run on SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from sar_planner.logbook import history
from sar_planner.logbook.counter import running_totals
from sar_planner.logbook.records import list_sorties
from tests.logbook._helpers import SAMPLE_CSV

SAMPLE = SAMPLE_CSV.read_bytes()
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _file_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(SAMPLE.decode("utf-8"))))


def test_every_sortie_holds_its_rows_values_and_crew_in_order(db, unit):
    assert history.import_history(db, unit.admin, SAMPLE, "sample.csv") == 350
    stored = {s.number: s for s in list_sorties(db) if s.status == "historical"}
    rows = _file_rows()
    assert sorted(stored) == list(range(1, 351))  # numbers 1..350 without a gap
    for r in rows:
        s = stored[int(r["sortie_no"])]
        takeoff = dt.datetime.fromisoformat(f"{r['date']}T{r['takeoff']}").replace(tzinfo=BEIJING)
        assert s.takeoff_at == takeoff
        assert s.landing_at - s.takeoff_at == dt.timedelta(hours=float(r["flight_hours"]))
        assert (s.aircraft, s.task_type, s.takeoff_site, s.remarks) == (
            r["aircraft"].upper(), r["task_type"], r["takeoff_site"], r["remarks"])
        assert s.incident_number == (r["mission"] or None)
        observers = [n.strip() for n in r["crew"].split(";") if n.strip()]
        assert s.crew == ((r["pilot"], "pilot"), *((n, "observer") for n in observers))


def test_a_failure_after_the_rows_went_in_leaves_nothing(db, unit, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")  # as if the audit write failed at the very end

    monkeypatch.setattr(history, "record_audit", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        history.import_history(db, unit.admin, SAMPLE, "sample.csv")
    totals = running_totals(db)
    assert (totals.last_number, totals.sorties) == (0, 0)
    assert [s for s in list_sorties(db) if s.status == "historical"] == []
