"""``sar-planner formats``: read flown tracks and search areas, list the export formats.

* ``sar-planner formats track FILE`` reads a flown track (GPX, KML/KMZ, AirData CSV, .tlog) and
  prints its summary as JSON: format, points, segments, length (m), start/end (UTC), bounds and
  height range (m AMSL).
* ``sar-planner formats area FILE`` reads search areas or lines (GeoJSON, KML/KMZ, zipped
  shapefile) and prints each one's name, type, bounds (degrees WGS84) and area (km², geodesic).
* ``sar-planner formats list`` prints the export formats (extension, MIME type, label, whether
  the file holds one flight).

Plans are exported by the planning commands through :func:`sar_planner.formats.write_plan`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sar_planner.cli import print_json
from sar_planner.i18n import t

# pyproj, shapely and the format readers are imported inside run(), so that every ``sar-planner``
# command (and --help) starts without them (issue 12)

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("formats", help="read flown tracks and search areas; list export formats")
    fsub = p.add_subparsers(dest="formats_command", metavar="ACTION")
    tr = fsub.add_parser("track", help="summarise a flown track file (JSON)")
    tr.add_argument("file", help=".gpx, .kml, .kmz, .csv (AirData) or .tlog")
    ar = fsub.add_parser("area", help="list the search areas or lines in a file (JSON)")
    ar.add_argument("file", help=".geojson, .json, .kml, .kmz or .zip (shapefile)")
    fsub.add_parser("list", help="list the plan export formats (JSON)")
    p.set_defaults(func=run, _formats_parser=p)


def _track_summary(name: str, data: bytes) -> dict[str, Any]:
    from sar_planner.formats import read_track

    track = read_track(name, data)
    lats = [p.lat for p in track.points]
    lons = [p.lon for p in track.points]
    alts = [p.alt_amsl_m for p in track.points if p.alt_amsl_m is not None]
    return {
        "file": name, "format": track.source_format, "points": len(track.points),
        "segments": len(track.segments), "length_m": round(track.length_m, 1),
        "start_utc": track.start.isoformat() if track.start else None,
        "end_utc": track.end.isoformat() if track.end else None,
        "bounds_wgs84": [min(lons), min(lats), max(lons), max(lats)],
        "alt_amsl_m": [min(alts), max(alts)] if alts else None,
        # what the reader changed or left out, e.g. heights logged before the EKF origin
        "notes": [t(n.code, "en", **dict(n.params)) for n in track.notices],
    }


def _area_summary(name: str, data: bytes) -> list[dict[str, Any]]:
    from pyproj import Geod
    from shapely.geometry.polygon import orient

    from sar_planner.formats import read_area

    geod = Geod(ellps="WGS84")
    out = []
    for a in read_area(name, data):
        area_m2 = 0.0
        if a.geometry.geom_type in ("Polygon", "MultiPolygon"):
            # pyproj adds each ring's signed area: orient shells CCW and holes CW first
            polys = a.geometry.geoms if a.geometry.geom_type == "MultiPolygon" else [a.geometry]
            area_m2 = sum(geod.geometry_area_perimeter(orient(g, 1.0))[0] for g in polys)
        out.append({"name": a.name, "type": a.geometry.geom_type,
                    "bounds_wgs84": list(a.geometry.bounds),
                    "area_km2": round(area_m2 / 1e6, 4), "repaired": a.repaired})
    return out


def run(args: argparse.Namespace) -> int:
    from sar_planner.formats import WRITERS
    from sar_planner.formats._safe import read_local_file as _read

    action = getattr(args, "formats_command", None)
    if action == "track":
        print_json(_track_summary(*_read(args.file)))
        return 0
    if action == "area":
        print_json(_area_summary(*_read(args.file)))
        return 0
    if action == "list":
        print_json([{"ext": s.ext, "mime": s.mime, "label": t(s.label, "en"),
                     "one_flight": s.one_flight} for s in WRITERS.values()])
        return 0
    args._formats_parser.print_help(sys.stderr)
    return 2
