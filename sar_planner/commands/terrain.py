"""``sar-planner terrain``: describe elevation files, import them into the library, list it.

* ``sar-planner terrain info PATH`` prints :meth:`RasterInfo.to_json` (a list when PATH is a zip
  or folder holding several tiles).
* ``sar-planner terrain import PATH... [--name NAME]`` adds the files to the terrain library in
  the data folder (all or nothing) and prints the new entry.
* ``sar-planner terrain list`` prints the library (bundled and imported entries).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sar_planner.cli import print_json
from sar_planner.settings import get_settings

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("terrain", help="elevation data: info, import, list")
    tsub = p.add_subparsers(dest="terrain_command", metavar="ACTION")
    info = tsub.add_parser("info", help="describe an elevation file (JSON)")
    info.add_argument("path", help="GeoTIFF, .hgt, .hgt.zip or .zip of tiles")
    imp = tsub.add_parser("import", help="add elevation files to the terrain library")
    imp.add_argument("paths", nargs="+", help="GeoTIFF, .hgt, .hgt.zip or .zip files")
    imp.add_argument("--name", default=None, help="name shown in the library")
    tsub.add_parser("list", help="list the terrain library (JSON)")
    p.set_defaults(func=run, _terrain_parser=p)


def run(args: argparse.Namespace) -> int:
    # imported here so that every ``sar-planner`` command starts without rasterio (issue 12)
    from sar_planner.terrain import expand_sources, import_files, inspect, list_library

    action = getattr(args, "terrain_command", None)
    if action == "info":
        datasets = expand_sources([args.path])
        infos = [inspect(d).to_json() for d in datasets]
        print_json(infos[0] if len(infos) == 1 else infos)
        return 0
    if action == "import":
        settings = get_settings()

        def progress(fraction: float, message: str) -> None:
            print(f"{fraction * 100:5.1f}% {message}", file=sys.stderr)

        entry = import_files([Path(p) for p in args.paths], settings, name=args.name,
                             progress=progress)
        from sar_planner.logbook.audit import audit_event
        from sar_planner.logbook.db import get_database
        from sar_planner.permissions import Actor

        audit_event(get_database(), Actor.command_line().username, "import_terrain", "terrain",
                    {"name": entry.name_en, "id": entry.id, "files": [Path(p).name for p in args.paths]})
        print_json(entry.to_json())
        return 0
    if action == "list":
        print_json([e.to_json() for e in list_library(get_settings())])
        return 0
    args._terrain_parser.print_help(sys.stderr)
    return 2
