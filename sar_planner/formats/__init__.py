"""Plans into the aircraft, flown tracks and search areas back: every file format in one place.

Writers (all from one :class:`~sar_planner.plan.SortiePlan`; degrees WGS84, heights as each
format defines them):

=========== =========================================== =========================================
ext         format                                      heights written
=========== =========================================== =========================================
.plan       QGroundControl plan (JSON), one sortie      AMSL per waypoint, MAV_FRAME_GLOBAL (0)
.waypoints  MAVLink ``QGC WPL 110``, one sortie         AMSL per waypoint, frame 0
.kmz        DJI WPML (Pilot 2), one sortie              WGS84 ellipsoidal = AMSL + EGM2008 N
.kml        KML 2.2, all sorties                        AMSL (``altitudeMode`` absolute)
.gpx        GPX 1.1, all sorties                        AMSL (``ele``), N in ``geoidheight``
.geojson    GeoJSON, all sorties                        AMSL (the CLI contract), ellipsoidal in properties
.csv        waypoint table, all sorties                 AMSL and ellipsoidal columns
.html       printable sortie briefing (zh / en)         AMSL
=========== =========================================== =========================================

Formats an aircraft flies as one mission (``WriterSpec.one_flight``) hold one sortie: a plan
of several sorties needs ``sortie=N`` for them (the plan page offers one button per sortie).

Readers: :func:`read_track` (GPX, KML/KMZ, DJI flight records as AirData-style CSV,
QGroundControl ``.tlog``) and :func:`read_area` (GeoJSON, KML/KMZ, zipped shapefiles). Uploads
are size-capped, XML is parsed without DTDs or entities, and a file whose content is not what its
name says gets a :class:`~sar_planner.errors.FormatError`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sar_planner.errors import FormatError
from sar_planner.formats.areas import AREA_EXTENSIONS, NamedArea, read_area
from sar_planner.formats.tracks import TRACK_EXTENSIONS, FlownTrack, TrackPoint, read_track
from sar_planner.plan import SortiePlan
from sar_planner.settings import get_settings

__all__ = [
    "WriterSpec",
    "WRITERS",
    "writers_for",
    "write_plan",
    "export_path",
    "read_track",
    "FlownTrack",
    "TrackPoint",
    "TRACK_EXTENSIONS",
    "read_area",
    "NamedArea",
    "AREA_EXTENSIONS",
]


@dataclass(frozen=True)
class WriterSpec:
    """One export format.

    Attributes
    ----------
    ext:
        File extension with the dot (the key in :data:`WRITERS`).
    mime:
        MIME type for downloads.
    label:
        Catalogue key of the button label (``formats.label_*``).
    one_flight:
        True when the file is one mission for the aircraft and so holds exactly one sortie.
    module, function:
        Where the writer lives: ``sar_planner.formats.<module>.<function>``. It is imported on
        first use (:attr:`write`), so ``import sar_planner.formats`` (the readers) loads no
        writer.
    """

    ext: str
    mime: str
    label: str
    one_flight: bool
    module: str
    function: str

    @property
    def write(self) -> Callable[..., bytes]:
        """The writer, ``write(plan, **options) -> bytes`` (imported on first use)."""
        mod = importlib.import_module(f"{__name__}.{self.module}")
        return cast(Callable[..., bytes], getattr(mod, self.function))


WRITERS: dict[str, WriterSpec] = {
    spec.ext: spec
    for spec in (
        WriterSpec(".plan", "application/json", "formats.label_plan", True, "qgc_plan",
                   "write_qgc_plan"),
        WriterSpec(".waypoints", "text/plain", "formats.label_waypoints", True, "mavlink_wpl",
                   "write_wpl"),
        WriterSpec(".kmz", "application/vnd.google-earth.kmz", "formats.label_kmz", True,
                   "dji_wpml", "write_dji_kmz"),
        WriterSpec(".kml", "application/vnd.google-earth.kml+xml", "formats.label_kml", False,
                   "kml", "write_kml"),
        WriterSpec(".gpx", "application/gpx+xml", "formats.label_gpx", False, "gpx",
                   "write_gpx"),
        WriterSpec(".geojson", "application/geo+json", "formats.label_geojson", False,
                   "geojson", "write_geojson"),
        WriterSpec(".csv", "text/csv", "formats.label_csv", False, "csv_table", "write_csv"),
        WriterSpec(".html", "text/html", "formats.label_html", False, "briefing",
                   "write_briefing"),
    )
}


def writers_for(asset: Any | None = None) -> dict[str, WriterSpec]:
    """The export formats that make sense for ``asset`` (all of :data:`WRITERS` when None):
    the DJI route (``.kmz``) only for an aircraft with a DJI drone enum (duck-typed
    ``dji_drone_enum`` of :class:`sar_planner.assets.Asset`)."""
    if asset is None:
        return dict(WRITERS)
    dji = getattr(asset, "dji_drone_enum", None) is not None
    return {ext: spec for ext, spec in WRITERS.items() if ext != ".kmz" or dji}


def _spec_for(ext_or_path: str | os.PathLike[str]) -> tuple[WriterSpec, Path | None]:
    text = os.fspath(ext_or_path)
    if text.startswith(".") and "/" not in text and os.sep not in text:
        ext, path = text.lower(), None
    else:
        path = Path(text)
        ext = path.suffix.lower()
    spec = WRITERS.get(ext)
    if spec is None:
        raise FormatError("formats.err_unknown_ext", ext=ext or text,
                          known=", ".join(WRITERS))
    return spec, path


def export_path(name: str) -> Path:
    """A path for ``name`` (a bare file name) in the exports folder of the data folder.

    Raises
    ------
    FormatError
        ``formats.err_outside_data`` if ``name`` contains a folder part.
    """
    settings = get_settings()
    if not name or Path(name).name != name or name in (".", ".."):
        raise FormatError("formats.err_outside_data", path=name, folder=str(settings.exports_dir))
    return settings.exports_dir / name


def _asset_options(spec: WriterSpec, plan: SortiePlan, asset: Any,
                   options: dict[str, Any]) -> dict[str, Any]:
    """Fill writer options from an asset of :mod:`sar_planner.assets` (duck-typed: ``id``,
    ``mavlink_vehicle_type``, ``autopilot``, ``dji_drone_enum``, ``dji_drone_sub_enum``,
    ``dji_payload_enum``, ``name(lang)``). Options given explicitly win."""
    asset_id = getattr(asset, "id", None)
    if asset_id != plan.asset_id:
        raise FormatError("formats.err_asset_mismatch", plan=plan.name, planned=plan.asset_id,
                          asset=str(asset_id))
    out = dict(options)
    if spec.ext in (".plan", ".waypoints"):
        # one autopilot per aircraft drives both MAVLink files of a sortie
        from sar_planner.formats._common import autopilot_code

        out.setdefault("firmware_type", autopilot_code(getattr(asset, "autopilot", None)))
    if spec.ext == ".plan":
        out.setdefault("vehicle_type", int(asset.mavlink_vehicle_type))
    elif spec.ext == ".kmz":
        if getattr(asset, "dji_drone_enum", None) is None:
            raise FormatError("formats.err_not_dji", asset=asset.name("en"))
        out.setdefault("drone_enum", int(asset.dji_drone_enum))
        out.setdefault("drone_sub_enum", int(asset.dji_drone_sub_enum or 0))
        if getattr(asset, "dji_payload_enum", None) is not None:
            out.setdefault("payload_enum", int(asset.dji_payload_enum))
    elif spec.ext == ".html":
        out.setdefault("asset_label", asset.name(out.get("lang", "zh")))
    return out


def write_plan(plan: SortiePlan, ext_or_path: str | os.PathLike[str], **options: Any) -> bytes:
    """Write ``plan`` in the format its extension names; return the bytes, and save them too
    when given a path.

    Parameters
    ----------
    plan:
        The 3D plan.
    ext_or_path:
        An extension such as ``".plan"`` (bytes only), or a file path, which must lie inside
        the data folder (``SAR_PLANNER_DATA_DIR``; see :func:`export_path`). The file is
        written atomically (temporary file, then rename), so a failed export never leaves half
        a file behind.
    **options:
        Passed to the writer (``sortie``, ``end_with``, DJI enums, ``lang`` ... see each module).
        ``asset=`` an :class:`sar_planner.assets.Asset` (the plan's own, checked by id) fills
        ``firmware_type`` (.plan and .waypoints, from its ``autopilot``), ``vehicle_type``
        (.plan), the DJI drone and payload enums (.kmz) and the aircraft name (.html); options
        given explicitly win. ``lang`` is passed to the briefing only, so one
        set of options serves every format; any other option a writer does not take is an error.

    Raises
    ------
    FormatError
        Unknown extension, path outside the data folder, blocking notice, bad options, an
        asset that is not the plan's, a DJI export for an aircraft that is not a DJI drone.
    """
    spec, path = _spec_for(ext_or_path)
    asset = options.pop("asset", None)
    if asset is not None:
        options = _asset_options(spec, plan, asset, options)
    write = spec.write
    accepted = inspect.signature(write).parameters
    if "lang" in options and "lang" not in accepted:
        options.pop("lang")   # the language matters only to the briefing
    for name in options:
        if name not in accepted or name == "plan":
            raise FormatError("formats.err_bad_option", name=name, value=options[name],
                              allowed=", ".join(p for p in accepted if p != "plan"))
    if path is not None:
        data_dir = get_settings().data_dir
        target = path.expanduser().resolve()
        if not target.is_relative_to(data_dir):
            raise FormatError("formats.err_outside_data", path=str(path), folder=str(data_dir))
    data = write(plan, **options)
    if path is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=spec.ext)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise FormatError("formats.err_write_failed", path=str(target),
                              reason=exc.strerror or str(exc)) from None
    return data
