"""``sar-planner pod-maps``: the POD maps kept with a mission in the logbook (read only, JSON out).

    sar-planner pod-maps list --incident QH-GEM-2025-031 [--all]
    sar-planner pod-maps export --id 3 --out sortie_3_pod.tif

``list`` prints the maps applied to the mission in the order the Probability page applies them
(the order they were stored; with ``--all`` the removed ones follow, with who removed them, when and why):
file name, SHA-256, size (bytes), who added it and when (UTC, ISO 8601) and the grid it lies on
(EPSG code or CRS name, the six affine coefficients in metres, rows and columns, cell size m).
``export`` writes a stored file byte for byte (an existing file is never overwritten). Adding and
removing are done on the Probability page, by a crew who sees the map
(:mod:`sar_planner.logbook.pod_maps`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sar_planner.cli import print_json
from sar_planner.errors import LogbookError

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pod-maps", help="the POD maps kept with a mission (list, export; JSON)")
    psub = p.add_subparsers(dest="pod_command", metavar="ACTION", required=True)
    lst = psub.add_parser("list", help="a mission's POD maps, in the order they are applied")
    lst.add_argument("--incident", required=True, help="the mission's incident number")
    lst.add_argument("--all", action="store_true", help="also the removed maps (history)")
    exp = psub.add_parser("export", help="write a stored POD map file as it was uploaded")
    exp.add_argument("--id", type=int, required=True, dest="map_id", help="the map's id (list)")
    exp.add_argument("--out", type=Path, required=True, help="file to write (must not exist)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sar_planner.logbook.db import get_database
    from sar_planner.logbook.mission_inputs import mission_id_for
    from sar_planner.logbook.pod_maps import list_pod_maps, pod_map_bytes

    db = get_database()
    if args.pod_command == "list":
        mid = mission_id_for(db, args.incident)
        records = list_pod_maps(db, mid, include_removed=args.all)
        print_json({"incident_number": args.incident.strip(), "maps": [{
            "id": r.id, "file_name": r.file_name, "applied": r.applied, "sha256": r.sha256,
            "size_bytes": r.size_bytes, "added_by": r.added_by,
            "added_at": r.added_at.isoformat(),
            "removed_by": r.removed_by,
            "removed_at": r.removed_at.isoformat() if r.removed_at else None,
            "removed_reason": r.removed_reason,
            "grid": {"crs": (f"EPSG:{r.grid.crs.to_epsg()}" if r.grid.crs.to_epsg()
                             else r.grid.crs.name),
                     "transform": [float(v) for v in tuple(r.grid.transform)[:6]],
                     "rows": r.grid.shape[0], "cols": r.grid.shape[1],
                     "cell_size_m": float(r.grid.transform.a)},
        } for r in records]})
        return 0
    data = pod_map_bytes(db, args.map_id)
    out: Path = args.out
    try:
        with out.open("xb") as fh:  # never over an existing file
            fh.write(data)
    except FileExistsError:
        raise LogbookError("logbook.err_pod_map_out_exists", file=str(out)) from None
    except OSError as exc:
        raise LogbookError("logbook.err_pod_map_out_failed", file=str(out),
                           reason=exc.strerror or str(exc)) from None
    print_json({"id": args.map_id, "out": str(out), "size_bytes": len(data)})
    return 0
