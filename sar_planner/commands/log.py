"""``sar-planner log``: import the historical sortie list, set the opening balance, export and count.

    sar-planner log import-history FILE.csv
    sar-planner log opening-balance --sorties 350 --hours 512.5
    sar-planner log export --format csv|xlsx|geojson --out FILE [--from DATE --to DATE]
    sar-planner log stats [--from DATE --to DATE] [--detail]

``log stats`` counts flown sorties only (historical, approved, waiting for review); drafts and
returned sorties are under ``not_counted``. ``running_total`` is the unit's count (opening balance
included) that the Overview shows, and ``reconciliation`` says how it is made.

Dates are ``YYYY-MM-DD`` in Beijing time, both inclusive. The command line acts as the
administrator of the machine that holds the database (``cli:<os user>`` in the audit log).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sar_planner.cli import print_json
from sar_planner.errors import InputError

__all__ = ["register", "run"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="the sortie log: import history, opening balance, export, statistics")
    lsub = p.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    imp = lsub.add_parser("import-history", help="start the count from the unit's historical sortie list (CSV)")
    imp.add_argument("file", type=Path, help="CSV file (see missions/README.md for the columns)")
    bal = lsub.add_parser("opening-balance", help="start the count from a number of sorties and hours")
    bal.add_argument("--sorties", type=int, required=True, help="sorties flown before the tool")
    bal.add_argument("--hours", type=float, required=True, help="flight hours before the tool")
    exp = lsub.add_parser("export", help="export sorties as CSV, XLSX or GeoJSON of their tracks")
    exp.add_argument("--format", choices=("csv", "xlsx", "geojson"), required=True, dest="fmt")
    exp.add_argument("--out", type=Path, required=True, help="file to write")
    stats = lsub.add_parser("stats", help="print sorties and hours, by type and by aircraft (JSON)")
    stats.add_argument("--detail", action="store_true",
                       help="also by year, by month (Beijing time), by crew member and the mean POD")
    for q in (exp, stats):
        q.add_argument("--from", type=_date, dest="start", help="first takeoff date (Beijing), YYYY-MM-DD")
        q.add_argument("--to", type=_date, dest="end", help="last takeoff date (Beijing), YYYY-MM-DD")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # each action imports only what it uses: `log stats` must start quickly (scripts/bench_stats.py)
    from sar_planner.auth import Actor
    from sar_planner.i18n import t
    from sar_planner.logbook.counter import running_totals, set_opening_balance
    from sar_planner.logbook.db import get_database
    from sar_planner.logbook.stats import SortieFilter, aggregate, filter_sorties, opening_row

    db = get_database()
    actor = Actor.command_line()
    if args.log_command == "import-history":
        from sar_planner.logbook.history import import_history_file

        n = import_history_file(db, actor, args.file)
        totals = running_totals(db)
        print_json({"imported": n, "last_number": totals.last_number, "hours": totals.hours})
        return 0
    if args.log_command == "opening-balance":
        set_opening_balance(db, actor, args.sorties, args.hours)
        totals = running_totals(db)
        print_json({"last_number": totals.last_number, "opening_sorties": totals.opening_sorties,
                    "opening_hours": totals.opening_hours})
        return 0
    if args.start and args.end and args.end < args.start:
        raise InputError("logbook.err_date_range", start=str(args.start), end=str(args.end))
    flt = SortieFilter(start=args.start, end=args.end)
    totals = running_totals(db)
    if args.log_command == "export":
        from sar_planner.logbook.exports import write_export

        records = filter_sorties(db, flt)
        n = write_export(records, args.fmt, args.out, opening=opening_row(totals, flt))
        from sar_planner.logbook.audit import audit_event

        audit_event(db, actor.username, "export", "sortie",
                    {"format": args.fmt, "file": str(args.out.resolve()), "rows": n,
                     "from": str(args.start) if args.start else None, "to": str(args.end) if args.end else None})
        print_json({"format": args.fmt, "out": str(args.out.resolve()), "rows": n})
        return 0
    s = aggregate(db, flt, detail=args.detail)  # GROUP BY in the database: fast on a long log
    detail = ({"by_year": s["by_year"], "by_month": s["by_month"], "by_crew": s["by_crew"],
               "mean_pod": s["mean_pod"]} if args.detail else {})
    print_json({"sorties": s["sorties"], "hours": s["hours"], "not_counted": s["apart"],
                "by_type": s["by_type"], "by_aircraft": s["by_aircraft"], **detail,
                "running_total": {"sorties": totals.sorties, "hours": totals.hours,
                                  "opening_sorties": totals.opening_sorties,
                                  "opening_hours": totals.opening_hours,
                                  "last_number": totals.last_number, "missions": totals.missions,
                                  "people_found": totals.people_found},
                "reconciliation": {**totals.reconciliation(),
                                   "line": t("unitstats.reconcile", "en", **totals.reconciliation())}})
    return 0
