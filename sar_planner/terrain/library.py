"""The terrain library: terrain bundled with the planner plus terrain the unit has imported.

Bundled entries are listed in ``<settings.terrain_dir>/catalog.toml``::

    [[terrain]]
    id = "kunlun-demo-30m"
    files = ["kunlun_golmud_demo_30m_SYNTHETIC.tif"]   # or file = "..."; relative to the folder
    name_en = "..."
    name_zh = "..."
    synthetic = true
    attribution = "..."      # English; required by the data's licence
    attribution_zh = "..."   # Chinese; the English one is shown where it is missing

Imported entries live in ``<settings.imported_terrain_dir>/<id>/``: copies of the imported files
and a ``meta.json``. An import is checked completely first, then copied into a hidden temporary
folder in the same directory and renamed into place in one step, so a failed import leaves
nothing half-written and never touches earlier imports. Nothing is written anywhere else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sar_planner.errors import SarPlannerError, TerrainError
from sar_planner.settings import Settings
from sar_planner.terrain._open import display_name
from sar_planner.terrain.sources import RasterInfo, expand_sources, inspect

__all__ = ["TerrainEntry", "list_library", "get_entry", "import_files", "import_uploads",
           "IMPORT_SUFFIXES",
           "ProgressCallback"]

#: progress(fraction 0..1, message) — message is a file name or a short status word.
ProgressCallback = Callable[[float, str], None]

_META = "meta.json"
_TMP_PREFIX = ".importing-"


@dataclass(frozen=True)
class TerrainEntry:
    """One terrain dataset in the library.

    Attributes
    ----------
    id:
        Unique id (bundled: from the catalogue; imported: slug of the name + UTC time).
    name_en, name_zh:
        Display names in English and Chinese.
    paths:
        Dataset names to pass to :func:`load_terrain` / :func:`inspect` (absolute file paths or
        ``/vsizip/`` names for tiles inside a zip).
    bundled:
        True for terrain shipped with the planner.
    synthetic:
        True when the data is generated, not measured (never fly on it).
    attribution:
        Credit line required by the data's licence, in English.
    imported_at:
        When it was imported (UTC), None for bundled entries.
    description_en, description_zh:
        Optional longer description.
    attribution_zh:
        The credit line in Chinese ("" when the catalogue has none: :meth:`attribution_in` then
        gives the English one).
    """

    id: str
    name_en: str
    name_zh: str
    paths: tuple[str, ...]
    bundled: bool
    synthetic: bool
    attribution: str
    imported_at: datetime | None
    description_en: str = ""
    description_zh: str = ""
    attribution_zh: str = ""

    def attribution_in(self, lang: str = "en") -> str:
        """The credit line in ``lang`` ("zh" or "en"); English where there is no Chinese one."""
        return self.attribution_zh if lang == "zh" and self.attribution_zh else self.attribution

    def name(self, lang: str = "en") -> str:
        """The display name in ``lang`` ("zh" or "en")."""
        return self.name_zh if lang == "zh" else self.name_en

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (what ``sar-planner terrain list`` / ``import`` print)."""
        return {
            "id": self.id,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "paths": list(self.paths),
            "bundled": self.bundled,
            "synthetic": self.synthetic,
            "attribution": self.attribution,
            "attribution_zh": self.attribution_zh,
            "imported_at": self.imported_at.isoformat() if self.imported_at else None,
        }


def _catalog_entries(terrain_dir: Path) -> list[TerrainEntry]:
    catalog = terrain_dir / "catalog.toml"
    if not catalog.is_file():
        return []
    try:
        with catalog.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        raise TerrainError("terrain.err_catalog", file=str(catalog)) from None
    entries = []
    for table in data.get("terrain", []):
        if not isinstance(table, dict):
            raise TerrainError("terrain.err_catalog", file=str(catalog))
        files = table.get("files", [table["file"]] if "file" in table else [])
        if not table.get("id") or not files or not isinstance(files, list):
            raise TerrainError("terrain.err_catalog", file=str(catalog))
        paths: list[str] = []
        for name in files:
            path = terrain_dir / name
            if path.is_file() and path.name.lower().endswith(".zip"):
                paths.extend(expand_sources([path]))
            else:
                paths.append(str(path))
        entries.append(TerrainEntry(
            id=str(table["id"]),
            name_en=str(table.get("name_en", table["id"])),
            name_zh=str(table.get("name_zh", table.get("name_en", table["id"]))),
            paths=tuple(paths), bundled=True, synthetic=bool(table.get("synthetic", False)),
            attribution=str(table.get("attribution", "")), imported_at=None,
            description_en=str(table.get("description_en", "")),
            description_zh=str(table.get("description_zh", "")),
            attribution_zh=str(table.get("attribution_zh", "")),
        ))
    return entries


def _imported_entry(folder: Path) -> TerrainEntry | None:
    """The entry in ``folder``, or None when its meta.json is missing or unreadable."""
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        paths = tuple(expand_sources([folder / name for name in meta["files"]]))
        imported_at = datetime.fromisoformat(meta["imported_at"])
        return TerrainEntry(
            id=str(meta["id"]), name_en=str(meta["name_en"]), name_zh=str(meta["name_zh"]),
            paths=paths, bundled=False, synthetic=bool(meta.get("synthetic", False)),
            attribution=str(meta.get("attribution", "")), imported_at=imported_at,
        )
    except (OSError, ValueError, KeyError, TypeError, SarPlannerError):
        return None


def list_library(settings: Settings) -> list[TerrainEntry]:
    """Bundled entries (catalogue order) followed by imported ones (oldest first).

    A missing or empty catalogue gives no bundled entries; an imported folder whose meta.json is
    missing or damaged is left out (and left alone).

    Raises
    ------
    TerrainError
        The bundled catalogue exists but is not valid TOML in the documented format.
    """
    entries = _catalog_entries(settings.terrain_dir)
    root = settings.imported_terrain_dir
    imported: list[TerrainEntry] = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and not folder.name.startswith("."):
                entry = _imported_entry(folder)
                if entry is not None:
                    imported.append(entry)
    imported.sort(key=lambda e: (e.imported_at or datetime.min.replace(tzinfo=UTC), e.id))
    return entries + imported


def get_entry(settings: Settings, entry_id: str) -> TerrainEntry:
    """The library entry with id ``entry_id``; TerrainError if there is none."""
    for entry in list_library(settings):
        if entry.id == entry_id:
            return entry
    raise TerrainError("terrain.err_unknown_entry", id=entry_id)


def terrain_sources(values: Sequence[str], settings: Settings) -> list[str]:
    """Elevation sources from what a user typed: each value a file or folder path, or a terrain
    library id (``sar-planner terrain list``), so every command's ``--terrain`` takes both.

    A value that names an existing file or folder is that path (a path wins over an id of the
    same spelling); otherwise it must be a library id, which stands for the entry's files.

    Raises
    ------
    TerrainError
        ``terrain.err_not_path_or_id`` when a value is neither, naming the ids there are.
    """
    out: list[str] = []
    for value in values:
        text = os.fspath(value)
        if text.startswith("/vsi") or Path(text).expanduser().exists():
            out.append(str(Path(text).expanduser()) if not text.startswith("/vsi") else text)
            continue
        entries = list_library(settings)
        found = next((e for e in entries if e.id == text), None)
        if found is None:
            raise TerrainError("terrain.err_not_path_or_id", value=text,
                               ids=", ".join(e.id for e in entries) or "-")
        out.extend(found.paths)
    return out


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "terrain"


def _default_name(path: Path) -> str:
    name = path.name
    for suffix in (".hgt.zip", ".tiff", ".tif", ".hgt", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


#: Elevations an imported file may hold, metres above sea level: the lowest dry land (Dead Sea
#: shore, about -430 m) and the highest summit (Everest, 8,849 m; survey of 2020) with a margin.
PLAUSIBLE_ELEVATION_M = (-500.0, 9_000.0)


def check_elevations(info: RasterInfo) -> None:
    """Refuse a raster whose cells hold no elevation at all (all NaN or nodata) or values no
    terrain has (a fill value such as 1e38 not declared as nodata, feet read as metres...).

    Raises
    ------
    TerrainError
        ``terrain.err_no_elevations`` or ``terrain.err_implausible_elevations``.
    """
    name = display_name(info.path)
    if info.min_elevation_m is None or info.max_elevation_m is None:
        raise TerrainError("terrain.err_no_elevations", file=name)
    lo, hi = PLAUSIBLE_ELEVATION_M
    if info.min_elevation_m < lo or info.max_elevation_m > hi:
        raise TerrainError("terrain.err_implausible_elevations", file=name,
                           low=f"{info.min_elevation_m:.6g}", high=f"{info.max_elevation_m:.6g}",
                           lo=f"{lo:.0f}", hi=f"{hi:.0f}")


def import_files(paths: Sequence[Path | str], settings: Settings, name: str | None = None,
                 progress: ProgressCallback | None = None) -> TerrainEntry:
    """Add elevation files to the library, all or nothing.

    Parameters
    ----------
    paths:
        GeoTIFF, .hgt, .hgt.zip or .zip files (a zip may hold several tiles). Every file and
        every tile inside a zip is checked with :func:`inspect` before anything is written.
    settings:
        Where the library lives (``settings.imported_terrain_dir``).
    name:
        Display name (both languages); default the first file's name.
    progress:
        Called as ``progress(fraction, message)`` while checking and copying.

    Returns
    -------
    TerrainEntry
        The new entry (``bundled=False``).

    Raises
    ------
    TerrainError
        Any file is bad (nothing is written then), two files have the same name, or the copy
        fails (the partial copy is removed; earlier imports are untouched).
    """
    report = progress or (lambda _fraction, _message: None)
    files = [Path(p) for p in paths]
    if not files:
        raise TerrainError("terrain.err_no_files")
    seen: set[str] = set()
    for f in files:
        if not f.is_file():
            raise TerrainError("terrain.err_missing", file=f.name)
        if f.name in seen:
            raise TerrainError("terrain.err_duplicate_name", file=f.name)
        seen.add(f.name)

    synthetic = False
    for i, f in enumerate(files):
        report(0.5 * i / len(files), f.name)
        for dataset in expand_sources([f]):
            info = inspect(dataset)
            check_elevations(info)
            synthetic = info.synthetic or synthetic
    report(0.5, "checked")

    label = (name or "").strip() or _default_name(files[0])
    now = datetime.now(UTC).replace(microsecond=0)
    root = settings.imported_terrain_dir
    tmp = root / f"{_TMP_PREFIX}{uuid.uuid4().hex}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        base = f"{_slug(label)}-{now:%Y%m%d-%H%M%S}"
        entry_id = base
        counter = 2
        while (root / entry_id).exists():
            entry_id = f"{base}-{counter}"
            counter += 1
        tmp.mkdir()
        for i, f in enumerate(files):
            report(0.5 + 0.4 * i / len(files), f.name)
            shutil.copyfile(f, tmp / f.name)
        for f in files:  # the copies must read as well as the originals
            for dataset in expand_sources([tmp / f.name]):
                inspect(dataset)
        meta = {"id": entry_id, "name_en": label, "name_zh": label,
                "files": [f.name for f in files], "imported_at": now.isoformat(),
                "synthetic": synthetic, "attribution": "",
                "original_names": [display_name(str(f)) for f in files]}
        (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        final = root / entry_id
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise TerrainError("terrain.err_import_write", reason=exc.strerror or str(exc)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(1.0, "done")
    entry = _imported_entry(final)
    if entry is None:  # pragma: no cover - we just wrote it
        raise TerrainError("terrain.err_import_write", reason="meta.json")
    return entry


#: The file names an import takes (lower case): GeoTIFF, SRTM tiles, zip archives of them.
IMPORT_SUFFIXES: tuple[str, ...] = (".tif", ".tiff", ".hgt", ".zip")


def import_uploads(uploads: Sequence[tuple[str, bytes]], settings: Settings,
                   name: str | None = None, progress: ProgressCallback | None = None) -> TerrainEntry:
    """Import files received as (file name, bytes), e.g. from a browser upload.

    The bytes are written to a hidden staging folder inside ``settings.imported_terrain_dir``
    (only the base name of each file is used, so a name cannot point elsewhere), imported with
    :func:`import_files`, and the staging folder is removed whatever happens. A file whose name
    does not end in one of :data:`IMPORT_SUFFIXES` (e.g. a .jpg photo) is refused by name with
    ``terrain.err_not_raster`` (which lists the accepted kinds) before anything is written.
    """
    root = settings.imported_terrain_dir
    stage = root / f"{_TMP_PREFIX}upload-{uuid.uuid4().hex}"
    try:
        stage.mkdir(parents=True)
        files = []
        for filename, data in uploads:
            base = Path(str(filename).replace("\\", "/")).name
            if not base or base in (".", ".."):
                raise TerrainError("terrain.err_missing", file=str(filename))
            if not base.lower().endswith(IMPORT_SUFFIXES):  # a photo (.jpg) or a PDF map ...
                raise TerrainError("terrain.err_not_raster", file=base)  # before any is saved
            target = stage / base
            if target.exists():
                raise TerrainError("terrain.err_duplicate_name", file=base)
            target.write_bytes(data)
            files.append(target)
        return import_files(files, settings, name=name, progress=progress)
    except OSError as exc:
        raise TerrainError("terrain.err_import_write", reason=exc.strerror or str(exc)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
