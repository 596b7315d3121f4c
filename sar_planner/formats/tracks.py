"""Flown tracks from the files crews bring back: GPX, KML/KMZ, DJI flight records (CSV), .tlog.

Every reader returns a :class:`FlownTrack`: points in flying order as
``(time UTC or None, lat, lon, alt_amsl_m or None)`` with degrees WGS84 and metres above mean sea
level. Heights are what the file says; the logbook keeps them and coverage uses them to mask ground
the aircraft could not see (line of sight over the terrain, sar_planner.coverage.sensor_heights
judges whether they are usable). Sources and their height conventions:

- GPX 1.1 ``trk/trkseg/trkpt`` (else ``rte/rtept``, else timed ``wpt`` in time order): ``ele``
  taken as AMSL, ``time`` as UTC
  (the GPX schema's ``xsd:dateTime``; a time without zone is UTC by the GPX convention); a time
  before :data:`GPX_FIRST_YEAR` (GPSBabel's INT32_MIN "no time", 1901-12-13T20:45:52Z) is
  dropped and counted in :attr:`FlownTrack.notices`.
- A DJI WPML route (``.kmz`` holding ``wpmz/template.kml`` or ``waylines.wpml``) is a plan, not a
  log: it is refused with that reason, not as "no track points".
- KML/KMZ ``gx:Track`` (``when`` + ``gx:coord``) or ``LineString``, else Point placemarks with
  a ``TimeStamp`` in time order: altitude kept only with ``altitudeMode`` = ``absolute`` (sea
  level, OGC KML 2.2); ``clampToGround`` (the default) or relative altitudes give None.
- DJI flight records exported as CSV in AirData's layout (``datetime(utc)``, ``latitude``,
  ``longitude``, ``altitude_above_seaLevel(feet|meters)``); rows without a GPS fix (0, 0) are
  skipped. A plain table with ``lat``/``latitude``, ``lon``/``longitude`` and optional
  ``time_utc`` and ``alt_amsl_m`` columns is read too. The plan page's waypoint table
  (``sortie``, ``seq``, ``role`` columns, no time) is a plan, not a log, and is refused.
- GeoJSON ``LineString``/``MultiLineString`` features, times from ``properties.coordTimes``
  (the togeojson convention); heights are left out (RFC 7946 makes them ellipsoidal, and many
  tools put sea-level heights there instead, so neither can be trusted).
- QGroundControl telemetry logs (``.tlog``: MAVLink packets each after an 8-byte microsecond
  UTC time stamp) through pymavlink: ``GLOBAL_POSITION_INT`` (``alt`` = mm above MSL), else
  ``GPS_RAW_INT`` with a 3D fix. Until the EKF origin is set, ArduCopter reports
  ``GLOBAL_POSITION_INT.alt`` equal to ``relative_alt`` (the height above home, so a real
  flight from a 584 m site reads 0.19-1.8 m "above sea level"): such a fix takes the height of
  the latest ``GPS_RAW_INT`` 3D fix of the same system within :data:`TLOG_GPS_MAX_AGE_S`
  (its ``alt`` is MSL), else no height; :attr:`FlownTrack.notices` says how many.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from dataclasses import dataclass, replace
from typing import NamedTuple, cast
from xml.etree.ElementTree import Element

import numpy as np
from pyproj import Geod

from sar_planner.errors import FormatError
from sar_planner.formats._safe import check_upload, is_zip, kml_from_kmz, local_name, parse_xml
from sar_planner.plan import Notice
from sar_planner.settings import get_settings

__all__ = ["TrackPoint", "FlownTrack", "read_track", "TRACK_EXTENSIONS", "MAX_TRACK_POINTS"]

#: File extensions :func:`read_track` understands.
TRACK_EXTENSIONS = (".gpx", ".kml", ".kmz", ".csv", ".tlog", ".geojson", ".json")
#: Most points one track may hold (a 10 Hz log of 55 hours).
MAX_TRACK_POINTS = 2_000_000

_GEOD = Geod(ellps="WGS84")
_FEET = 0.3048


class TrackPoint(NamedTuple):
    """One fix: time (timezone-aware UTC, or None), degrees WGS84, metres AMSL (or None)."""

    time: datetime | None
    lat: float
    lon: float
    alt_amsl_m: float | None


@dataclass(frozen=True)
class FlownTrack:
    """A flown track read from a file.

    Attributes
    ----------
    name:
        The file name (or the track name inside it).
    source_format:
        ``gpx``, ``kml``, ``kmz``, ``csv-airdata``, ``csv`` or ``tlog``.
    points:
        :class:`TrackPoint` in flying order.
    segment_starts:
        Indices in ``points`` where a new segment starts (0 first); the aircraft was not
        recorded between the end of one segment and the start of the next.
    notices:
        What the reader changed or left out and why (catalogue key + parameters), for the
        track summary: e.g. heights logged before the autopilot's EKF origin was set.
    """

    name: str
    source_format: str
    points: tuple[TrackPoint, ...]
    segment_starts: tuple[int, ...] = (0,)
    notices: tuple[Notice, ...] = ()

    @property
    def segments(self) -> tuple[tuple[TrackPoint, ...], ...]:
        """The points split at :attr:`segment_starts`."""
        bounds = [*self.segment_starts, len(self.points)]
        return tuple(self.points[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a)

    @property
    def length_m(self) -> float:
        """Geodesic length on the WGS84 ellipsoid over all segments, metres."""
        total = 0.0
        for seg in self.segments:
            if len(seg) > 1:
                total += _GEOD.line_length([p.lon for p in seg], [p.lat for p in seg])
        return float(total)

    @property
    def start(self) -> datetime | None:
        """Time of the first timed point, UTC."""
        return next((p.time for p in self.points if p.time is not None), None)

    @property
    def end(self) -> datetime | None:
        """Time of the last timed point, UTC."""
        return next((p.time for p in reversed(self.points) if p.time is not None), None)

    @property
    def has_altitudes(self) -> bool:
        """True when every point has a height above sea level."""
        return all(p.alt_amsl_m is not None for p in self.points)

    def arrays(self, segment: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(lat, lon, alt_amsl_m)`` as float arrays (NaN where a height is missing), for
        :func:`sar_planner.coverage.track_coverage`; all points, or one segment (0-based)."""
        pts = self.points if segment is None else self.segments[segment]
        lat = np.array([p.lat for p in pts], dtype=np.float64)
        lon = np.array([p.lon for p in pts], dtype=np.float64)
        alt = np.array([np.nan if p.alt_amsl_m is None else p.alt_amsl_m for p in pts],
                       dtype=np.float64)
        return lat, lon, alt

    def lonlat(self) -> list[list[tuple[float, float]]]:
        """Each segment as a list of (lon, lat) degrees, for shapely and the coverage module."""
        return [[(p.lon, p.lat) for p in seg] for seg in self.segments]


# ---------------------------------------------------------------------------- helpers


def _point(filename: str, time: datetime | None, lat: float, lon: float,
           alt: float | None, where: str) -> TrackPoint:
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise FormatError("formats.err_bad_coordinate", file=filename, where=where)
    if alt is not None and not math.isfinite(alt):
        alt = None
    return TrackPoint(time, float(lat), float(lon), None if alt is None else float(alt))


def _parse_time(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _float(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _finish(filename: str, fmt: str, segments: list[list[TrackPoint]]) -> FlownTrack:
    segments = [s for s in segments if s]
    points: list[TrackPoint] = []
    starts: list[int] = []
    for seg in segments:
        starts.append(len(points))
        points.extend(seg)
    if not points:
        raise FormatError("formats.err_no_points", file=filename)
    if len(points) > MAX_TRACK_POINTS:
        raise FormatError("formats.err_too_many_points", file=filename, limit=MAX_TRACK_POINTS)
    return FlownTrack(name=filename, source_format=fmt, points=tuple(points),
                      segment_starts=tuple(starts))


# ---------------------------------------------------------------------------- GPX


#: A GPX time before this year is not a flight: a GPS without a clock fix, or GPSBabel writing
#: its "no time" value INT32_MIN seconds (1901-12-13T20:45:52Z). The point keeps its position and
#: loses the time. (GPS itself began in 1980; no drone flew with it before 1990.)
GPX_FIRST_YEAR = 1990


def _read_gpx(filename: str, data: bytes) -> FlownTrack:
    root = parse_xml(filename, data, "gpx", "GPX")

    def children(el: Element, name: str) -> list[Element]:
        return [c for c in el if local_name(c.tag) == name]

    def text(el: Element, name: str) -> str | None:
        found = children(el, name)
        return found[0].text if found else None

    bad_times = 0

    def pt(el: Element, n: int) -> TrackPoint:
        nonlocal bad_times
        lat, lon = _float(el.get("lat")), _float(el.get("lon"))
        if lat is None or lon is None:
            raise FormatError("formats.err_bad_coordinate", file=filename, where=f"point {n}")
        when = _parse_time(text(el, "time"))
        if when is not None and when.year < GPX_FIRST_YEAR:
            bad_times += 1
            when = None
        return _point(filename, when, lat, lon, _float(text(el, "ele")), f"point {n}")

    segments: list[list[TrackPoint]] = []
    count = 0
    for trk in children(root, "trk"):
        for seg in children(trk, "trkseg"):
            pts = []
            for p in children(seg, "trkpt"):
                count += 1
                pts.append(pt(p, count))
            segments.append(pts)
    if not any(segments):
        for rte in children(root, "rte"):
            pts = []
            for p in children(rte, "rtept"):
                count += 1
                pts.append(pt(p, count))
            segments.append(pts)
    if not any(segments):
        # some apps save a flight as timed waypoints: use those that carry a time, in order
        timed = [q for q in (pt(p, n) for n, p in enumerate(children(root, "wpt"), start=1))
                 if q.time is not None]
        segments = [sorted(timed, key=lambda q: cast(datetime, q.time))]
    track = _finish(filename, "gpx", segments)
    if bad_times:
        track = replace(track, notices=(Notice("formats.note_gpx_bad_times",
                                               {"count": bad_times}),))
    return track


# ---------------------------------------------------------------------------- KML / KMZ


def _altitude_absolute(geom: Element) -> bool:
    for c in geom:
        if local_name(c.tag) == "altitudeMode":
            return (c.text or "").strip() == "absolute"
    return False


def _kml_coords(filename: str, text: str, absolute: bool, where: str) -> list[TrackPoint]:
    pts = []
    for tup in text.split():
        parts = tup.split(",")
        if len(parts) < 2:
            raise FormatError("formats.err_bad_coordinate", file=filename, where=where)
        lon, lat = _float(parts[0]), _float(parts[1])
        if lon is None or lat is None:
            raise FormatError("formats.err_bad_coordinate", file=filename, where=where)
        alt = _float(parts[2]) if absolute and len(parts) > 2 else None
        pts.append(_point(filename, None, lat, lon, alt, where))
    return pts


def _kml_segments(filename: str, root: Element) -> list[list[TrackPoint]]:
    segments: list[list[TrackPoint]] = []
    n = 0
    for el in root.iter():
        name = local_name(el.tag)
        if name == "Track":  # gx:Track: <when> and <gx:coord> in parallel
            n += 1
            absolute = _altitude_absolute(el)
            whens = [_parse_time(c.text) for c in el if local_name(c.tag) == "when"]
            coords = [c.text or "" for c in el if local_name(c.tag) == "coord"]
            pts = []
            for i, ctext in enumerate(coords):
                parts = ctext.split()
                vals = [_float(p) for p in parts]
                if len(vals) < 2 or vals[0] is None or vals[1] is None:
                    raise FormatError("formats.err_bad_coordinate", file=filename,
                                      where=f"track {n}, point {i + 1}")
                alt = vals[2] if absolute and len(vals) > 2 else None
                t = whens[i] if i < len(whens) else None
                pts.append(_point(filename, t, vals[1], vals[0], alt,
                                  f"track {n}, point {i + 1}"))
            segments.append(pts)
        elif name == "LineString":
            n += 1
            coord = next((c for c in el if local_name(c.tag) == "coordinates"), None)
            if coord is not None and coord.text:
                segments.append(_kml_coords(filename, coord.text, _altitude_absolute(el),
                                            f"line {n}"))
    return segments


def _kml_timed_points(filename: str, root: Element) -> list[TrackPoint]:
    """Placemarks holding one Point and a time (``TimeStamp/when``), in time order: the way
    some loggers write a track as a list of fixes."""
    pts: list[TrackPoint] = []
    for pm in root.iter():
        if local_name(pm.tag) != "Placemark":
            continue
        when = next((e.text for e in pm.iter() if local_name(e.tag) == "when"), None)
        point = next((e for e in pm.iter() if local_name(e.tag) == "Point"), None)
        t = _parse_time(when)
        if point is None or t is None:
            continue
        coord = next((c for c in point if local_name(c.tag) == "coordinates"), None)
        if coord is None or not coord.text:
            continue
        found = _kml_coords(filename, coord.text, _altitude_absolute(point),
                            f"point {len(pts) + 1}")
        if found:
            pts.append(found[0]._replace(time=t))
    return sorted(pts, key=lambda p: cast(datetime, p.time))


def _read_kml(filename: str, data: bytes, fmt: str) -> FlownTrack:
    root = parse_xml(filename, data, "kml", "KML")
    segments = _kml_segments(filename, root)
    if not any(segments):
        segments = [_kml_timed_points(filename, root)]
    return _finish(filename, fmt, segments)


# ---------------------------------------------------------------------------- CSV


_UNIT_RE = re.compile(r"^(?P<name>[^(\[]+?)\s*[(\[](?P<unit>[^)\]]*)[)\]]\s*$")


def _header_map(header: list[str]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for i, raw in enumerate(header):
        h = raw.strip().lstrip("\ufeff")
        m = _UNIT_RE.match(h)
        name, unit = (m.group("name"), m.group("unit")) if m else (h, "")
        out.setdefault(name.strip().lower(), (i, unit.strip().lower()))
    return out


def _read_csv(filename: str, data: bytes) -> FlownTrack:
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = bytes(data).decode("gb18030")
        except UnicodeDecodeError:
            raise FormatError("formats.err_not_format", file=filename, expected="CSV") from None
    if "\x00" in text[:4096]:
        raise FormatError("formats.err_not_format", file=filename, expected="CSV")
    rows = csv.reader(io.StringIO(text))
    try:
        header = next(rows)
    except (StopIteration, csv.Error):
        raise FormatError("formats.err_not_format", file=filename, expected="CSV") from None
    cols = _header_map(header)
    # AirData: latitude/longitude; plain tables: lat/lon; DJI records decoded by other viewers
    # (PhantomHelp, Flight Reader): OSD.latitude/OSD.longitude (positions only: their heights
    # and local times are not sea level and UTC, so they are not used).
    lat_c = cols.get("latitude") or cols.get("lat") or cols.get("osd.latitude")
    lon_c = cols.get("longitude") or cols.get("lon") or cols.get("osd.longitude")
    if lat_c is None or lon_c is None:
        raise FormatError("formats.err_csv_columns", file=filename,
                          missing="latitude, longitude")
    airdata = "datetime" in cols or "altitude_above_sealevel" in cols
    time_c = cols.get("datetime") or cols.get("time_utc")
    if time_c is None and {"sortie", "seq", "role"} <= cols.keys():
        # the plan page's waypoint table (formats/csv_table.py): a plan, not a flight log
        raise FormatError("flownsortie.err_plan_csv", file=filename)
    alt_c = cols.get("altitude_above_sealevel") or cols.get("alt_amsl_m")
    alt_scale = 1.0
    if alt_c is not None:
        unit = alt_c[1]
        if unit in ("feet", "ft"):
            alt_scale = _FEET
        elif unit not in ("", "m", "meters", "metres", "meter"):
            raise FormatError("formats.err_csv_columns", file=filename,
                              missing="altitude in feet or meters")
    pts: list[TrackPoint] = []
    try:
        for line_no, row in enumerate(rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            try:
                lat = float(row[lat_c[0]])
                lon = float(row[lon_c[0]])
            except (ValueError, IndexError):
                raise FormatError("formats.err_csv_row", file=filename, line=line_no) from None
            if lat == 0.0 and lon == 0.0:
                continue  # DJI logs 0, 0 before the first GPS fix
            alt = None
            if alt_c is not None and alt_c[0] < len(row):
                value = _float(row[alt_c[0]])
                alt = None if value is None else value * alt_scale
            t = None
            if time_c is not None and time_c[0] < len(row):
                t = _parse_time(row[time_c[0]])
            pts.append(_point(filename, t, lat, lon, alt, f"line {line_no}"))
            if len(pts) > MAX_TRACK_POINTS:
                raise FormatError("formats.err_too_many_points", file=filename,
                                  limit=MAX_TRACK_POINTS)
    except csv.Error:
        raise FormatError("formats.err_not_format", file=filename, expected="CSV") from None
    return _finish(filename, "csv-airdata" if airdata else "csv", [pts])


# ---------------------------------------------------------------------------- GeoJSON


def _read_geojson(filename: str, data: bytes) -> FlownTrack:
    import json

    try:
        doc = json.loads(bytes(data).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON")
    if doc["type"] == "FeatureCollection":
        feats = doc.get("features") or []
    elif doc["type"] == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    segments: list[list[TrackPoint]] = []
    try:
        for f in feats:
            geom = (f or {}).get("geometry") or {}
            props = (f or {}).get("properties") or {}
            kind = geom.get("type")
            lines = [geom.get("coordinates")] if kind == "LineString" else \
                geom.get("coordinates") if kind == "MultiLineString" else []
            times = props.get("coordTimes") or []   # the togeojson convention
            if kind == "LineString" and times and not isinstance(times[0], list):
                times = [times]
            for k, line in enumerate(lines or []):
                line_times = times[k] if k < len(times) and isinstance(times[k], list) else []
                pts = []
                for i, pos in enumerate(line):
                    t = _parse_time(line_times[i]) if i < len(line_times) else None
                    # RFC 7946 heights are ellipsoidal and often misused for sea level: no guess
                    pts.append(_point(filename, t, float(pos[1]), float(pos[0]), None,
                                      f"line {len(segments) + 1}, point {i + 1}"))
                segments.append(pts)
    except (TypeError, ValueError, IndexError, AttributeError):
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON") from None
    return _finish(filename, "geojson", segments)


# ---------------------------------------------------------------------------- .tlog


#: Time stamps outside these years are damage, not flights (the point is kept without a time).
_TLOG_YEARS = (2000, 2100)


#: Oldest GPS_RAW_INT fix, seconds, whose MSL height may stand in for a GLOBAL_POSITION_INT
#: height logged before the EKF origin was set (GPS_RAW_INT comes at 1-10 Hz).
TLOG_GPS_MAX_AGE_S = 2.0


def _tlog_time(stamp: object) -> datetime | None:
    try:
        t = datetime.fromtimestamp(float(stamp), tz=timezone.utc)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return t if _TLOG_YEARS[0] <= t.year < _TLOG_YEARS[1] else None


def _read_tlog(filename: str, data: bytes) -> FlownTrack:
    from pymavlink import mavutil

    settings = get_settings()
    settings.ensure_dirs()
    pos: dict[int, list[TrackPoint]] = {}
    raw: dict[int, list[TrackPoint]] = {}
    last_gps: dict[int, tuple[float, float]] = {}     # system -> (log time s, MSL height m)
    pre_origin: dict[int, list[int]] = {}             # system -> [fixes, from GPS, no height]
    count = 0
    with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".tlog-") as tmp:
        path = Path(tmp) / "upload.tlog"
        path.write_bytes(bytes(data))
        try:
            conn = mavutil.mavlink_connection(str(path), notimestamps=False, robust_parsing=True)
        except Exception:  # pymavlink raises bare exceptions on files it cannot open
            raise FormatError("formats.err_not_format", file=filename, expected="tlog") from None
        try:
            while True:
                try:
                    msg = conn.recv_match(type=["GLOBAL_POSITION_INT", "GPS_RAW_INT"],
                                          blocking=False)
                except Exception:
                    break  # a damaged tail: keep what was read
                if msg is None:
                    break
                stamp = getattr(msg, "_timestamp", None)
                t = _tlog_time(stamp)
                system = msg.get_srcSystem()
                if msg.get_type() == "GLOBAL_POSITION_INT":
                    if msg.lat == 0 and msg.lon == 0:
                        continue
                    lat, lon = msg.lat / 1e7, msg.lon / 1e7
                    if abs(lat) <= 90 and abs(lon) <= 180:
                        alt: float | None = msg.alt / 1000.0
                        if msg.alt == msg.relative_alt:
                            # before the EKF origin: "alt" is the height above home
                            tally = pre_origin.setdefault(system, [0, 0, 0])
                            tally[0] += 1
                            gps = last_gps.get(system)
                            if gps is not None and stamp is not None and \
                                    abs(float(stamp) - gps[0]) <= TLOG_GPS_MAX_AGE_S:
                                alt = gps[1]
                                tally[1] += 1
                            else:
                                alt = None
                                tally[2] += 1
                        pos.setdefault(system, []).append(TrackPoint(t, lat, lon, alt))
                        count += 1
                elif msg.fix_type >= 3 and not (msg.lat == 0 and msg.lon == 0):
                    lat, lon = msg.lat / 1e7, msg.lon / 1e7
                    if abs(lat) <= 90 and abs(lon) <= 180:
                        raw.setdefault(system, []).append(
                            TrackPoint(t, lat, lon, msg.alt / 1000.0))
                        if stamp is not None:
                            last_gps[system] = (float(stamp), msg.alt / 1000.0)
                        count += 1
                if count > MAX_TRACK_POINTS:
                    raise FormatError("formats.err_too_many_points", file=filename,
                                      limit=MAX_TRACK_POINTS)
        finally:
            conn.close()
    # A log can hold several systems (the vehicle, a GCS with GPS): keep the one with most fixes.
    by_system = pos or raw
    if not by_system:
        return _finish(filename, "tlog", [[]])
    system = max(by_system, key=lambda k: len(by_system[k]))
    track = _finish(filename, "tlog", [by_system[system]])
    pre = pre_origin.get(system) if pos else None
    if pre:
        tally = pre
        track = replace(track, notices=(Notice("formats.note_tlog_pre_origin",
                                               {"count": tally[0], "gps": tally[1],
                                                "dropped": tally[2]}),))
    return track


# ---------------------------------------------------------------------------- entry point


def _is_dji_route(data: bytes) -> bool:
    """True for a DJI WPML route (DJI Pilot 2 / FlightHub 2 ``.kmz``): a plan, not a log."""
    import zipfile

    try:
        names = zipfile.ZipFile(io.BytesIO(bytes(data))).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False   # the KMZ reader reports the damage
    return any(n.lower().endswith(("waylines.wpml", "wpmz/template.kml")) for n in names)


def read_track(filename: str, data: bytes) -> FlownTrack:
    """Read a flown track from an uploaded file.

    Parameters
    ----------
    filename:
        The uploaded file's name; its extension chooses the reader (see
        :data:`TRACK_EXTENSIONS`).
    data:
        The file's bytes (at most :data:`~sar_planner.formats._safe.MAX_UPLOAD_BYTES`).

    Returns
    -------
    FlownTrack
        Points in degrees WGS84, UTC times and metres AMSL where the file has them.

    Raises
    ------
    FormatError
        Unknown extension, a file whose content is not what its name says, hostile XML (DTDs
        and entities are refused), damaged archives, no usable points.
    """
    check_upload(filename, data)
    ext = Path(filename).suffix.lower()
    if ext == ".gpx":
        return _read_gpx(filename, data)
    if ext == ".kml":
        return _read_kml(filename, data, "kml")
    if ext == ".kmz":
        if not is_zip(data):
            raise FormatError("formats.err_not_format", file=filename, expected="KMZ (zip)")
        if _is_dji_route(data):
            raise FormatError("formats.err_route_not_log", file=filename)
        return _read_kml(filename, kml_from_kmz(filename, data), "kmz")
    if ext == ".csv":
        if is_zip(data) or bytes(data[:5]) == b"<?xml":
            raise FormatError("formats.err_not_format", file=filename, expected="CSV")
        return _read_csv(filename, data)
    if ext == ".tlog":
        head = bytes(data[:64]).lstrip()
        if is_zip(data) or head.startswith((b"<", b"{", b"\xef\xbb\xbf")) or \
                head[:40].lower().startswith((b"time", b"lat")):
            # XML, JSON, zip or a CSV header: a log is binary from its first byte
            raise FormatError("formats.err_not_format", file=filename, expected="tlog")
        return _read_tlog(filename, data)
    if ext in (".geojson", ".json"):
        return _read_geojson(filename, data)
    raise FormatError("formats.err_unknown_track", ext=ext or filename,
                      known=", ".join(TRACK_EXTENSIONS))
