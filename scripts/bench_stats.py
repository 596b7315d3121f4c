"""Benchmark: the logbook statistics on 100,000 sorties, aggregated in the database.

Targets (issues 12 and 16): the summary that ``sar-planner log stats`` prints takes at most 0.2 s
of CPU in the process (SQLite and PostgreSQL), and the whole ``log stats`` process at most 1.5 s
of CPU. Each figure is printed with its ratio to the target and to the reference measured in the
same run: the record-by-record path the command used before (load every sortie, then count in
Python: ``summary(filter_sorties(db))``) for the in-process figure, and a bare ``python3 -c pass``
for the whole process. CPU time is this process's (or the child's) user + system time, so the
PostgreSQL server's own work is not in it: that is the point of aggregating there.

The log: 100,000 sorties over 8 years, 6 aircraft, 7 task types, 20 people (2 per sortie),
inserted directly (not through log_sortie: one checked transaction per sortie would take
much longer than the measurement).

    python3 scripts/bench_stats.py            # SQLite; PostgreSQL too when SAR_PLANNER_TEST_PG_URL is set
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from sar_planner.logbook.counter import running_totals  # noqa: E402
from sar_planner.logbook.db import open_database  # noqa: E402
from sar_planner.logbook.models import (TASK_TYPES, Aircraft, CrewMember, Mission, Sortie,  # noqa: E402
                                        SortieCounter, SortieCrew)
from sar_planner.logbook.stats import aggregate, filter_sorties, summary  # noqa: E402

N_SORTIES = 100_000
IN_PROCESS_TARGET_S = 0.2
PROCESS_TARGET_S = 1.5
STATUSES = ("historical",) * 6 + ("approved",) * 2 + ("submitted", "draft", "returned")


def _fill(db) -> None:
    rng = random.Random(16)
    start = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(Aircraft), [{"id": i + 1, "registration": f"B-71{i:02d}", "type_name": "AC311A",
                                         "kind": "helicopter", "active": True, "created_at": start}
                                        for i in range(6)])
        conn.execute(insert(CrewMember), [{"id": i + 1, "name": f"pilot {i:02d}", "active": True,
                                           "created_at": start} for i in range(20)])
        conn.execute(insert(Mission), [{"id": i + 1, "incident_number": f"QH-B-{i:04d}", "opened_at": start,
                                        "status": "closed", "outcome": "found_alive", "area": "Golmud",
                                        "subject": "", "created_at": start} for i in range(200)])
        sorties, crew = [], []
        status: dict[str, list[int]] = {k: [] for k in STATUSES}
        for n in range(1, N_SORTIES + 1):
            takeoff = start + dt.timedelta(minutes=41 * n + rng.randrange(30))
            status[rng.choice(STATUSES)].append(n)
            sorties.append({"id": n, "number": n, "status": "draft",
                            "task_type": rng.choice(TASK_TYPES), "aircraft_id": rng.randrange(6) + 1,
                            "mission_id": rng.randrange(200) + 1 if n % 3 == 0 else None,
                            "takeoff_at": takeoff,
                            "landing_at": takeoff + dt.timedelta(minutes=rng.randrange(15, 300)),
                            "takeoff_site": "", "landing_site": "", "remarks": "", "revision": 1,
                            "pod": rng.random() if n % 4 == 0 else None, "created_at": takeoff})
            a, b = rng.sample(range(1, 21), 2)
            crew += [{"sortie_id": n, "crew_member_id": a, "role": "pilot", "position": 0},
                     {"sortie_id": n, "crew_member_id": b, "role": "observer", "position": 1}]
        for i in range(0, N_SORTIES, 10_000):
            conn.execute(insert(Sortie), sorties[i:i + 10_000])
        for i in range(0, len(crew), 20_000):
            conn.execute(insert(SortieCrew), crew[i:i + 20_000])
        # the crew list of an approved or historical sortie is fixed (migration 0007): the rows
        # go in as drafts with their crew, then take their final state
        for name, ids in status.items():
            for i in range(0, len(ids), 5_000):
                conn.execute(update(Sortie).where(Sortie.id.in_(ids[i:i + 5_000])).values(status=name))
        conn.execute(update(SortieCounter).where(SortieCounter.id == 1).values(last_number=N_SORTIES))


def _cpu(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def _child_cpu(argv: list[str], env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def _bench(name: str, url: str) -> None:
    db = open_database(url)
    try:
        t0 = time.perf_counter()
        _fill(db)
        print(f"{name}: {N_SORTIES:,} sorties written in {time.perf_counter() - t0:.1f} s")
        as_of = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        lean_s, lean = _cpu(lambda: (running_totals(db), aggregate(db, as_of=as_of, detail=False)))
        sql_s, fast = _cpu(lambda: aggregate(db, as_of=as_of))
        ref_s, slow = _cpu(lambda: summary(filter_sorties(db), as_of=as_of), repeat=1)
        assert fast == slow, "the database aggregate and the record-by-record summary differ"
        assert {k: lean[1][k] for k in ("sorties", "hours", "apart", "by_type", "by_aircraft")} == \
            {k: slow[k] for k in ("sorties", "hours", "apart", "by_type", "by_aircraft")}
        print(f"{name}: `log stats` summary (running count + by type and aircraft) in the database "
              f"{lean_s:.3f} s CPU (target {IN_PROCESS_TARGET_S} s: {lean_s / IN_PROCESS_TARGET_S:.2f} "
              f"of it); record-by-record reference {ref_s:.2f} s CPU: ratio {lean_s / ref_s:.4f}")
        print(f"{name}: the Statistics page's full aggregate (year, month x task, crew, currency, "
              f"outcomes) {sql_s:.3f} s CPU: ratio {sql_s / ref_s:.3f} to the reference; same numbers: "
              f"{fast['sorties']:,} flown sorties, {fast['hours']:,} h")
        env = {**os.environ, "SAR_PLANNER_DATABASE_URL": url}
        base_s = _child_cpu([sys.executable, "-c", "pass"], env)
        proc_s = _child_cpu([sys.executable, "-m", "sar_planner", "log", "stats"], env)
        print(f"{name}: whole `sar-planner log stats` process {proc_s:.2f} s CPU "
              f"(target {PROCESS_TARGET_S} s: {proc_s / PROCESS_TARGET_S:.2f} of it); "
              f"bare `python3 -c pass` {base_s:.2f} s CPU: ratio {proc_s / base_s:.1f}")
    finally:
        db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")
    base = os.environ.get("SAR_PLANNER_TEST_PG_URL")
    if not base:
        print("PostgreSQL: skipped (set SAR_PLANNER_TEST_PG_URL; scripts/test.sh shows how)")
        return
    name = f"sar_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        _bench("PostgreSQL", make_url(base).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
