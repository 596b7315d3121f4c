"""Benchmark: opening an up-to-date logbook database (issue 12 target: at most 0.1 s).

Every process that opens the database checks its schema. The planner compares the revision stored
in the database with the head of the shipped migration scripts read from their text
(:func:`sar_planner.logbook.db.head_revision`) and loads Alembic only when a migration is due. The
reference, measured in the same run, is what opening did before: Alembic's ``upgrade head`` on the
same, already up-to-date database (which loads every migration script to find that nothing is
due). Both are CPU time of this process (the machine is shared, so wall time is no figure), each
on a fresh engine, interleaved over the rounds; the first cold round (imports) is reported apart.
Then the same two as whole ``python -c`` processes (imports included), CPU time of the child.

    python3 scripts/bench_db_open.py [--pg postgresql+psycopg://sar:sar@127.0.0.1:5432/sar_test]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sar_planner.logbook import db as dbmod  # noqa: E402

TARGET_S = 0.1
ROUNDS = 7


def _open_new(url: str) -> float:
    t0 = time.process_time()
    database = dbmod.open_database(url)
    with database.engine.connect() as conn:  # a first query, as every page makes
        conn.exec_driver_sql("SELECT 1")
    spent = time.process_time() - t0
    database.dispose()
    return spent


def _open_alembic(url: str) -> float:
    from alembic import command

    t0 = time.process_time()
    database = dbmod.open_database(url, migrate_schema=False)
    cfg = dbmod._alembic_config()
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    spent = time.process_time() - t0
    database.dispose()
    return spent


_NEW = "from sar_planner.logbook.db import open_database; open_database({url!r}).dispose()"
_REF = ("from alembic import command; from sar_planner.logbook import db; "
        "d = db.open_database({url!r}, migrate_schema=False); c = db._alembic_config(); "
        "conn = d.engine.connect(); c.attributes['connection'] = conn; command.upgrade(c, 'head'); "
        "conn.commit(); conn.close(); d.dispose()")


def _process_cpu(code: str) -> float:
    """CPU time (user + system) of a whole ``python -c code`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _bench(label: str, url: str) -> None:
    dbmod.open_database(url).dispose()  # bring it to head once
    dbmod.head_revision.cache_clear()
    cold = _open_new(url)
    new, ref = [], []
    for _ in range(ROUNDS):
        dbmod.head_revision.cache_clear()  # every round reads the scripts again, as a new process does
        new.append(_open_new(url))
        ref.append(_open_alembic(url))
    med_new, med_ref = statistics.median(new), statistics.median(ref)
    print(f"{label}: open up-to-date database: first (cold imports) {cold:.3f} s CPU; "
          f"median {med_new:.4f} s (range {min(new):.4f}-{max(new):.4f}) vs Alembic upgrade-head check "
          f"median {med_ref:.4f} s (range {min(ref):.4f}-{max(ref):.4f}); ratio {med_new / med_ref:.3f}; "
          f"target {TARGET_S} s: {'met' if med_new <= TARGET_S else 'NOT met'}")
    pnew, pref = [], []
    for _ in range(3):
        pnew.append(_process_cpu(_NEW.format(url=url)))
        pref.append(_process_cpu(_REF.format(url=url)))
    print(f"{label}: whole process (import + open): median {statistics.median(pnew):.3f} s CPU "
          f"(range {min(pnew):.3f}-{max(pnew):.3f}) vs with Alembic's check {statistics.median(pref):.3f} s "
          f"(range {min(pref):.3f}-{max(pref):.3f}); ratio {statistics.median(pnew) / statistics.median(pref):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL of an empty test database (optional)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")
    if args.pg:
        _bench("PostgreSQL", args.pg)


if __name__ == "__main__":
    main()
