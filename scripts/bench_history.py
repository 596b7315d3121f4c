"""Benchmark: importing a historical sortie list of 100,000 sorties (issue 12 target: <= 30 s CPU).

Writes a valid list (sortie k takes off 2 h after sortie k-1 from 2000-01-01 and flies 1 h, so
no aircraft or person ever overlaps; 12 aircraft, 40 pilots, one observer on every other sortie,
a mission every 10 sorties), then imports it with :func:`sar_planner.logbook.history.import_history`
into a fresh SQLite database, and into a fresh PostgreSQL database when ``--pg URL`` (or
SAR_PLANNER_TEST_PG_URL) names a server where the role may create databases. For each it prints
this process's CPU time (the import's parsing, checks and SQLAlchemy work; a PostgreSQL server's
own CPU is not in it), the wall time, and checks the result: count, last number, numbers 1..N
without a gap, and the crew rows.

The reference for the speed-up is the import as it was (one ORM object and one flush per
sortie), run in the same process on ``--reference`` sorties (default 5,000; 0 = skip): it prints
the CPU per sortie of both, so the ratio is measured under the same load.

Not a test: ``python3 scripts/bench_history.py [--sorties 100000] [--reference 5000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import csv
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from sar_planner.logbook import history  # noqa: E402
from sar_planner.logbook.counter import running_totals  # noqa: E402
from sar_planner.logbook.db import open_database  # noqa: E402
from sar_planner.logbook.models import Sortie, SortieCrew  # noqa: E402
from sar_planner.permissions import Actor  # noqa: E402


def make_csv(n: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["sortie_no", "date", "takeoff", "flight_hours", "aircraft", "aircraft_type",
                "aircraft_kind", "task_type", "pilot", "crew", "mission", "outcome",
                "takeoff_site", "remarks"])
    start = dt.datetime(2000, 1, 1, 8, 0)
    for k in range(1, n + 1):
        t = start + dt.timedelta(hours=2 * (k - 1))
        w.writerow([k, t.date().isoformat(), t.strftime("%H:%M"), "1.0", f"B-{7100 + k % 12}",
                    "AC311A", "helicopter", ("search", "training", "patrol")[k % 3],
                    f"Pilot {k % 40}", f"Observer {k % 17}" if k % 2 else "",
                    f"QH-{k // 10}" if k % 10 < 3 else "", "", "Golmud", f"row {k}"])
    return buf.getvalue().encode("utf-8")


def _reference_import(db, actor, data: bytes, file: str) -> int:
    """The import as it was before issue 12: one ORM object and one flush per sortie."""
    from sar_planner.logbook.audit import record_audit
    from sar_planner.logbook.counter import lock_counter
    from sar_planner.logbook.models import Aircraft, CrewMember, Mission

    rows = history.parse_history(data, file)

    def work(session) -> int:
        counter = lock_counter(session)
        aircraft, people, missions = {}, {}, {}
        for row in rows:
            if row.aircraft not in aircraft:
                aircraft[row.aircraft] = Aircraft(registration=row.aircraft,
                                                  type_name=row.aircraft_type,
                                                  kind=row.aircraft_kind, active=True)
                session.add(aircraft[row.aircraft])
            for person in (row.pilot, *row.crew):
                if person not in people:
                    people[person] = CrewMember(name=person, active=True)
                    session.add(people[person])
            if row.mission and row.mission not in missions:
                missions[row.mission] = Mission(incident_number=row.mission,
                                                opened_at=row.takeoff_at, status="closed",
                                                area="", subject="")
                session.add(missions[row.mission])
            if row.mission:
                m = missions[row.mission]
                m.closed_at = max(m.closed_at or row.landing_at, row.landing_at)
        session.flush()
        now = dt.datetime.now(dt.UTC)
        for row in rows:
            s = Sortie(number=row.number, status="historical", task_type=row.task_type,
                       aircraft_id=aircraft[row.aircraft].id,
                       mission_id=missions[row.mission].id if row.mission else None,
                       takeoff_at=row.takeoff_at, landing_at=row.landing_at,
                       takeoff_site=row.takeoff_site, landing_site=row.takeoff_site,
                       remarks=row.remarks, revision=1, created_by=actor.user_id, created_at=now)
            session.add(s)
            session.flush()
            session.add(SortieCrew(sortie_id=s.id, crew_member_id=people[row.pilot].id,
                                   role="pilot", position=0))
            for pos, person in enumerate(row.crew, start=1):
                session.add(SortieCrew(sortie_id=s.id, crew_member_id=people[person].id,
                                       role="observer", position=pos))
        counter.last_number = rows[-1].number
        session.flush()
        record_audit(session, actor.username, "import_history", "sortie_counter", 1,
                     {"file": file, "sorties": len(rows)})
        return len(rows)

    return db.write(work)


def _check(db, n: int) -> str:
    with db.read() as s:
        numbers = [v for (v,) in s.execute(select(Sortie.number).order_by(Sortie.number))]
        crew = s.scalar(select(func.count()).select_from(SortieCrew))
    totals = running_totals(db)
    gap_free = numbers == list(range(1, n + 1))
    want_crew = n + (n + 1) // 2
    return (f"sorties {totals.sorties}, last number {totals.last_number}, numbers 1..{n} "
            f"gap-free: {gap_free}, crew rows {crew} (expected {want_crew})")


def _run(url: str, data: bytes, n: int, fn, label: str) -> float:
    db = open_database(url)
    actor = Actor.command_line()
    c0, t0 = time.process_time(), time.perf_counter()
    done = fn(db, actor, data, "bench.csv")
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print(f"{label}: {done} sorties in {cpu:.2f} s CPU ({1000 * cpu / n:.3f} ms/sortie), "
          f"{wall:.2f} s wall; {_check(db, n)}")
    db.engine.dispose()
    return cpu / n


def _pg_database(base: str):
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return admin, name, make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sorties", type=int, default=100_000)
    ap.add_argument("--reference", type=int, default=5_000)
    ap.add_argument("--pg", default=os.environ.get("SAR_PLANNER_TEST_PG_URL"))
    args = ap.parse_args()
    data = make_csv(args.sorties)
    ref_data = make_csv(args.reference) if args.reference else b""
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", lambda name: f"sqlite:///{Path(tmp) / name}.db", None)]
        if args.pg:
            backends.append(("postgresql", None, args.pg))
        for label, sqlite_url, pg in backends:
            per: dict[str, float] = {}
            for kind, payload, n, fn in (
                    ("reference (per-row flush)", ref_data, args.reference, _reference_import),
                    ("batched import", data, args.sorties, history.import_history)):
                if not n:
                    continue
                admin = None
                if pg:
                    admin, name, url = _pg_database(pg)
                else:
                    url = sqlite_url(uuid.uuid4().hex)
                try:
                    per[kind] = _run(url, payload, n, fn, f"{label}, {kind}")
                finally:
                    if admin is not None:
                        with admin.connect() as conn:
                            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                        admin.dispose()
            if len(per) == 2:
                print(f"{label}: CPU per sortie, batched / reference = "
                      f"{per['batched import'] / per['reference (per-row flush)']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
