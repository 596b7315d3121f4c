"""Exports of filtered sorties: CSV (UTF-8 with BOM so Excel shows Chinese), XLSX (openpyxl) and
GeoJSON of their flown tracks (RFC 7946: WGS84 longitude, latitude).

The page and the command line pass the same records to :func:`export_bytes`, so a file holds
exactly the rows the page shows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

from sar_planner.errors import LogbookError
from sar_planner.logbook.records import SortieRecord
from sar_planner.logbook.stats import sorties_frame
from sar_planner.logbook.times import format_local

__all__ = ["FORMATS", "export_bytes", "write_export", "tracks_geojson"]

#: Export formats and their file suffix.
FORMATS: dict[str, str] = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson"}


def tracks_geojson(records: Sequence[SortieRecord]) -> dict:
    """A FeatureCollection with one LineString per sortie that has a flown track."""
    features = []
    for r in records:
        if not r.track:
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": r.track["coordinates"]},
            "properties": {"number": r.number, "status": r.status, "task_type": r.task_type,
                           "mission": r.incident_number, "aircraft": r.aircraft,
                           "takeoff_local": format_local(r.takeoff_at),
                           "landing_local": format_local(r.landing_at),
                           "flight_hours": round(r.flight_hours, 2), "pod": r.pod},
        })
    return {"type": "FeatureCollection", "features": features}


def export_bytes(records: Sequence[SortieRecord], fmt: str) -> bytes:
    """The export file's content in ``fmt`` (``csv``, ``xlsx`` or ``geojson``)."""
    if fmt == "csv":
        return sorties_frame(records).to_csv(index=False).encode("utf-8-sig")
    if fmt == "xlsx":
        buf = io.BytesIO()
        sorties_frame(records).to_excel(buf, index=False, sheet_name="sorties", engine="openpyxl")
        return buf.getvalue()
    if fmt == "geojson":
        return json.dumps(tracks_geojson(records), ensure_ascii=False, indent=1).encode("utf-8")
    raise LogbookError("logbook.err_export_format", fmt=fmt, formats=", ".join(FORMATS))


def write_export(records: Sequence[SortieRecord], fmt: str, path: Path) -> int:
    """Write the export to ``path`` (replacing it only once complete); returns the row count."""
    data = export_bytes(records, fmt)
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise LogbookError("logbook.err_write_file", file=str(path), reason=exc.strerror or str(exc)) from exc
    return len(records) if fmt != "geojson" else sum(1 for r in records if r.track)
