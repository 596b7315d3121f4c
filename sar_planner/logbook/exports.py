"""Exports of filtered sorties: CSV (UTF-8 with BOM so Excel shows Chinese), XLSX (openpyxl) and
GeoJSON of their flown tracks (RFC 7946: WGS84 longitude, latitude; a track of several segments is a
MultiLineString, as stored, so the gaps between segments are not drawn as flown). The CSV and XLSX
are one row per sortie and list no track points.

Heights in the GeoJSON: a track's positions are written as the logbook stores them
(:mod:`sar_planner.logbook.tracks`): ``[lon, lat, metres above mean sea level]`` where the fix
has a height, else ``[lon, lat]``. That is the unit's convention for every GeoJSON it writes (the
plan export, :mod:`sar_planner.formats.geojson`, does the same), so a flown track and its plan
read alike and against the DEM and charts. It departs from RFC 7946 section 4, which makes the
third value a height above the WGS84 ellipsoid (about 48 m less than sea level near Golmud,
EGM2008): the file says so in ``height_note``, and each feature with heights also carries
``properties.alt_ellipsoid_m``, one value per position (null where the fix has no height),
h = H + N with the EGM2008 geoid (:func:`sar_planner.terrain.geoid_separation`), for a reader that
follows the RFC. Heights are kept rather than stripped because the replay and any later analysis
of what a crew could see need them, and this file is the way tracks leave the logbook.

The page and the command line pass the same records to :func:`export_bytes`, so a file holds
exactly the rows the page shows. Typed text that a spreadsheet would run as a formula (remarks,
sites, names starting with ``= + - @``, a tab or CR) is neutralised in the CSV and XLSX as
:mod:`sar_planner.formats.cells` says (OWASP); the logbook keeps it exactly as typed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sar_planner.errors import LogbookError
from sar_planner.formats.cells import frame_to_csv, frame_to_xlsx
from sar_planner.logbook.records import SortieRecord
from sar_planner.logbook.stats import sorties_frame
from sar_planner.logbook.times import format_local
from sar_planner.logbook.tracks import track_lines

__all__ = ["FORMATS", "HEIGHT_NOTE", "export_bytes", "write_export", "tracks_geojson"]

#: What the third value of a position means in the tracks GeoJSON (module docstring).
HEIGHT_NOTE = ("third coordinate, where present = metres above mean sea level (EGM2008 "
               "orthometric, as the flight log gave it), not the RFC 7946 ellipsoidal height; "
               "properties.alt_ellipsoid_m = metres above the WGS84 ellipsoid, one per position "
               "(null where the fix has no height)")

#: Export formats and their file suffix.
FORMATS: dict[str, str] = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson"}


def _ellipsoidal(coords: Sequence[Sequence[float]]) -> list[float | None] | None:
    """h = H + N (metres above the WGS84 ellipsoid) per position, None where it has no height;
    None when no position has one."""
    import numpy as np

    from sar_planner.terrain import geoid_separation

    idx = [i for i, c in enumerate(coords) if len(c) >= 3]
    if not idx:
        return None
    lat = np.array([coords[i][1] for i in idx], dtype=np.float64)
    lon = np.array([coords[i][0] for i in idx], dtype=np.float64)
    n = np.atleast_1d(geoid_separation(lat, lon))
    out: list[float | None] = [None] * len(coords)
    for i, sep in zip(idx, n, strict=True):
        out[i] = round(float(coords[i][2]) + float(sep), 1)
    return out


def tracks_geojson(records: Sequence[SortieRecord]) -> dict:
    """A FeatureCollection with one feature per sortie that has a flown track: a LineString, or
    a MultiLineString (one line per segment, the gaps between them not drawn) as stored.

    Positions as stored (degrees WGS84, metres above sea level where the fix has a height);
    ``height_note`` and ``properties.alt_ellipsoid_m`` as the module docstring says (for a
    MultiLineString, one list per line, nested as the coordinates are).
    """
    features = []
    for r in records:
        lines = track_lines(r.track)
        if not lines or r.track is None:
            continue
        multi = r.track.get("type") == "MultiLineString"
        props = {"number": r.number, "status": r.status, "task_type": r.task_type,
                 "mission": r.incident_number, "aircraft": r.aircraft,
                 "takeoff_local": format_local(r.takeoff_at),
                 "landing_local": format_local(r.landing_at),
                 "flight_hours": round(r.flight_hours, 2), "pod": r.pod}
        per_line = [_ellipsoidal(line) for line in lines]
        if any(e is not None for e in per_line):
            heights = [e if e is not None else [None] * len(line)
                       for e, line in zip(per_line, lines, strict=True)]
            props["alt_ellipsoid_m"] = heights if multi else heights[0]
        geometry = ({"type": "MultiLineString", "coordinates": lines} if multi
                    else {"type": "LineString", "coordinates": lines[0]})
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "height_note": HEIGHT_NOTE, "features": features}


def export_bytes(records: Sequence[SortieRecord], fmt: str,
                 opening: tuple[int, float] | None = None) -> bytes:
    """The export file's content in ``fmt`` (``csv``, ``xlsx`` or ``geojson``).

    ``opening`` (sorties, hours; :func:`~sar_planner.logbook.stats.opening_row`) puts the opening
    balance as the first row of a CSV or XLSX, so its ``counted_*`` columns sum to the unit's
    running count."""
    if fmt == "csv":
        return frame_to_csv(sorties_frame(records, opening))
    if fmt == "xlsx":
        return frame_to_xlsx(sorties_frame(records, opening), sheet_name="sorties")
    if fmt == "geojson":
        return json.dumps(tracks_geojson(records), ensure_ascii=False, indent=1).encode("utf-8")
    raise LogbookError("logbook.err_export_format", fmt=fmt, formats=", ".join(FORMATS))


def write_export(records: Sequence[SortieRecord], fmt: str, path: Path,
                 opening: tuple[int, float] | None = None) -> int:
    """Write the export to ``path`` (replacing it only once complete); returns the sortie rows
    written (the opening-balance row, if any, is not a sortie)."""
    data = export_bytes(records, fmt, opening)
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise LogbookError("logbook.err_write_file", file=str(path), reason=exc.strerror or str(exc)) from exc
    return len(records) if fmt != "geojson" else sum(1 for r in records if track_lines(r.track))
