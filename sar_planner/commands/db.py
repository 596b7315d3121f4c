"""``sar-planner db``: the logbook database (backup; the schema is migrated on every start).

    sar-planner db backup --out FILE
    sar-planner db upgrade
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sar_planner.cli import print_json

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the logbook database: backup, schema upgrade")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    b = dsub.add_parser("backup", help="copy the database while the app runs (SQLite) or pg_dump it")
    b.add_argument("--out", type=Path, required=True, help="backup file to create (never overwritten)")
    dsub.add_parser("upgrade", help="apply pending schema migrations (the app also does this on start)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sar_planner.logbook.backup import backup_database
    from sar_planner.logbook.db import get_database

    db = get_database()  # opening it applies the migrations
    if args.db_command == "backup":
        from sar_planner.permissions import Actor

        out = backup_database(db, args.out, Actor.command_line().username)
        print_json({"backend": db.backend, "out": str(out), "bytes": out.stat().st_size})
    else:
        print_json({"backend": db.backend, "url": db.engine.url.render_as_string(hide_password=True),
                    "upgraded": True})
    return 0
