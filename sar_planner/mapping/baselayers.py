"""The unit's own base maps: imported once into the data folder, drawn under every mission.

Raster base maps: a georeferenced GeoTIFF (orthophoto, scanned paper map) in any CRS, an
MBTiles file (SQLite, TMS rows) or a folder of XYZ tiles (``z/x/y.png|jpg``, zipped for an
upload). Vector base layers: GeoJSON, KML/KMZ, a zipped shapefile (read by
:func:`sar_planner.formats.areas.read_area`) or a GeoPackage (SQLite; its GeoPackage binary
geometries are a small header then WKB).

An import is checked completely first (every feature read and converted to WGS84, every raster
opened, every tile decoded), then written into a hidden folder inside
``<data folder>/basemaps/`` and renamed into place in one step, as terrain imports are
(:mod:`sar_planner.terrain.library`): a failed import leaves nothing and never touches earlier
ones. Vector layers are kept as one GeoJSON (WGS84) file; rasters as the file itself, tile
folders as their tiles. Nothing here opens a network connection.

Reading for a view: :func:`raster_view` reprojects a raster base map onto the view's grid
(RGBA uint8, north up); :func:`vector_view` gives the features in the view's CRS with labels.

Layer: formats (uses :mod:`sar_planner.formats.areas`); only the UI imports this module.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import sqlite3
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from PIL import Image, UnidentifiedImageError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import FormatError, InputError
from sar_planner.geo import gcj02_to_wgs84
from sar_planner.settings import Settings

__all__ = ["BaseLayerEntry", "RASTER_EXTENSIONS", "VECTOR_EXTENSIONS", "basemaps_dir",
           "list_base_layers", "import_base_layer", "remove_base_layer", "raster_view",
           "vector_view", "read_vector", "entry_overlaps"]

RASTER_EXTENSIONS = (".tif", ".tiff", ".mbtiles", ".zip")
VECTOR_EXTENSIONS = (".geojson", ".json", ".kml", ".kmz", ".zip", ".gpkg")
_META = "meta.json"
_TMP = ".importing-"
_MAX_TILES = 20_000
_WEB_MERCATOR = CRS.from_epsg(3857)
_R = 6378137.0


@dataclass(frozen=True)
class BaseLayerEntry:
    """One imported base layer.

    Attributes
    ----------
    id:
        Folder name in ``basemaps/`` (slug of the name + UTC time).
    name:
        Display name (as the unit typed it; one name for both languages).
    kind:
        ``"raster"`` or ``"vector"``.
    fmt:
        ``geotiff``, ``mbtiles``, ``xyz`` or ``vector``.
    folder:
        The entry's folder.
    bounds_wgs84:
        (lon_min, lat_min, lon_max, lat_max) degrees.
    imported_at:
        When it was imported (UTC).
    source_names:
        The imported files' names.
    """

    id: str
    name: str
    kind: str
    fmt: str
    folder: Path
    bounds_wgs84: tuple[float, float, float, float]
    imported_at: datetime
    source_names: tuple[str, ...] = ()


def basemaps_dir(settings: Settings) -> Path:
    """Where imported base layers are kept: ``<data folder>/basemaps``."""
    return settings.data_dir / "basemaps"


def _four(values: list[float]) -> tuple[float, float, float, float]:
    """(west, south, east, north) degrees from the stored list."""
    west, south, east, north = (float(v) for v in values)
    return west, south, east, north


def _entry(folder: Path) -> BaseLayerEntry | None:
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        return BaseLayerEntry(id=str(meta["id"]), name=str(meta["name"]), kind=str(meta["kind"]),
                              fmt=str(meta["format"]), folder=folder,
                              bounds_wgs84=_four(meta["bounds_wgs84"]),
                              imported_at=datetime.fromisoformat(meta["imported_at"]),
                              source_names=tuple(meta.get("source_names", ())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_base_layers(settings: Settings) -> list[BaseLayerEntry]:
    """Imported base layers, oldest first (a folder with a damaged meta.json is left alone)."""
    root = basemaps_dir(settings)
    out = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and not folder.name.startswith("."):
                entry = _entry(folder)
                if entry is not None:
                    out.append(entry)
    return sorted(out, key=lambda e: (e.imported_at, e.id))


def remove_base_layer(settings: Settings, entry_id: str) -> None:
    """Delete an imported base layer (the unit's copy only; the original file is untouched)."""
    for entry in list_base_layers(settings):
        if entry.id == entry_id:
            shutil.rmtree(entry.folder)
            return
    raise InputError("mapping.err_unknown_layer", id=entry_id)


# ------------------------------------------------------------------------------------ vectors


def _gpkg_geometry(blob: bytes) -> BaseGeometry | None:
    """A GeoPackage binary geometry: 'GP', version, flags, srs_id, envelope, then WKB."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    if flags & 0x10:  # empty geometry
        return None
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0x07)
    if envelope is None:
        raise ValueError("bad envelope code")
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def _read_gpkg(filename: str, data: bytes) -> list[tuple[str, BaseGeometry]]:
    """Every feature of every feature table of a GeoPackage, degrees WGS84, with a name."""
    # sqlite3 reads files only: a private temporary copy, removed at once
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.gpkg"
        path.write_bytes(data)
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error:
            raise FormatError("formats.err_not_format", file=filename, expected="GeoPackage") \
                from None
        try:
            tables = con.execute(
                "SELECT c.table_name, g.column_name, s.definition, s.organization, "
                "s.organization_coordsys_id FROM gpkg_contents c "
                "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                "WHERE c.data_type = 'features'").fetchall()
            out: list[tuple[str, BaseGeometry]] = []
            for table, column, definition, org, org_id in tables:
                try:
                    crs = (CRS.from_epsg(int(org_id)) if str(org).upper() == "EPSG"
                           and int(org_id) > 0 else CRS.from_wkt(definition))
                except (CRSError, ValueError, TypeError):
                    raise FormatError("mapping.err_gpkg_crs", file=filename, layer=table) \
                        from None
                cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
                name_col = next((c for c in cols if c.lower() in ("name", "名称", "title",
                                                                  "label")), None)
                select = f'"{column}"' + (f', "{name_col}"' if name_col else "")
                to_ll = (None if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True)
                         else Transformer.from_crs(crs, 4326, always_xy=True).transform)
                for row in con.execute(f'SELECT {select} FROM "{table}"'):
                    geom = _gpkg_geometry(row[0]) if row[0] is not None else None
                    if geom is None or geom.is_empty:
                        continue
                    if to_ll is not None:
                        geom = shapely.transform(
                            geom, lambda xy, f=to_ll: np.column_stack(f(xy[:, 0], xy[:, 1])))
                    out.append((str(row[1]) if name_col and row[1] not in (None, "") else "",
                                geom))
        except (sqlite3.Error, ValueError, shapely.errors.ShapelyError):
            raise FormatError("formats.err_not_format", file=filename, expected="GeoPackage") \
                from None
        finally:
            con.close()
    if not out:
        raise FormatError("formats.err_no_areas", file=filename)
    return out


def read_vector(filename: str, data: bytes, gcj02: bool = False) -> list[tuple[str, BaseGeometry]]:
    """Features of a vector file as (label, geometry in degrees WGS84); label "" when unnamed.

    ``gcj02``: the file's coordinates are in the GCJ-02 datum of Chinese web maps (offset 100-700
    m): they are converted to WGS84 with :func:`sar_planner.geo.gcj02_to_wgs84`.
    """
    from sar_planner.formats.areas import read_area

    if Path(filename).suffix.lower() == ".gpkg":
        items = _read_gpkg(filename, data)
    else:
        items = []
        for n, area in enumerate(read_area(filename, data), start=1):
            unnamed = area.name == f"{filename} #{n}"
            items.append(("" if unnamed else area.name, area.geometry))
    bad = [g for _, g in items if not np.all(np.isfinite(shapely.get_coordinates(g)))]
    if bad:
        raise FormatError("formats.err_bad_coordinate", file=filename, where="NaN / infinity")
    if gcj02:
        def fix(xy: np.ndarray) -> np.ndarray:
            lat, lon = gcj02_to_wgs84(xy[:, 1], xy[:, 0])
            return np.column_stack([lon, lat])
        items = [(label, shapely.transform(g, fix)) for label, g in items]
    return items


# ------------------------------------------------------------------------------------ rasters


def _tile_bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) metres EPSG:3857 of XYZ tile (z, x, y) (y down from north)."""
    size = 2 * math.pi * _R / 2**z
    west = -math.pi * _R + x * size
    north = math.pi * _R - y * size
    return west, north - size, west + size, north


class _Tiles:
    """Tiles of an MBTiles file or an XYZ folder: ``get(z, x, y)`` -> image bytes or None."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt

    def zooms(self) -> list[int]:
        if self.fmt == "mbtiles":
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
                return sorted(r[0] for r in con.execute("SELECT DISTINCT zoom_level FROM tiles"))
        return sorted(int(p.name) for p in self.path.iterdir() if p.is_dir() and p.name.isdigit())

    def index(self, z: int) -> list[tuple[int, int]]:
        """(x, y) XYZ of every tile at zoom z."""
        if self.fmt == "mbtiles":
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
                return [(c, 2**z - 1 - r) for c, r in con.execute(
                    "SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ?", (z,))]
        out = []
        for xdir in (self.path / str(z)).iterdir():
            if xdir.is_dir() and xdir.name.isdigit():
                for f in xdir.iterdir():
                    stem = f.name.split(".")[0]
                    if stem.isdigit():
                        out.append((int(xdir.name), int(stem)))
        return out

    def get(self, z: int, x: int, y: int) -> bytes | None:
        if self.fmt == "mbtiles":
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
                row = con.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND "
                                  "tile_column = ? AND tile_row = ?",
                                  (z, x, 2**z - 1 - y)).fetchone()
            return bytes(row[0]) if row else None
        for ext in (".png", ".jpg", ".jpeg", ".webp"):
            f = self.path / str(z) / str(x) / f"{y}{ext}"
            if f.is_file():
                return f.read_bytes()
        return None


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"))


def _check_tiles(filename: str, tiles: _Tiles) -> tuple[float, float, float, float]:
    """Decode every tile (all-or-nothing); the covered box in degrees."""
    zooms = tiles.zooms()
    if not zooms:
        raise FormatError("mapping.err_no_tiles", file=filename)
    count = 0
    for z in zooms:
        for x, y in tiles.index(z):
            count += 1
            if count > _MAX_TILES:
                raise FormatError("mapping.err_too_many_tiles", file=filename, limit=_MAX_TILES)
            data = tiles.get(z, x, y)
            try:
                _decode(data or b"")
            except (UnidentifiedImageError, OSError, ValueError):
                raise FormatError("mapping.err_bad_tile", file=filename, z=z, x=x, y=y) from None
    z = zooms[-1]
    idx = tiles.index(z)
    xs, ys = [i[0] for i in idx], [i[1] for i in idx]
    w, _, _, n = _tile_bounds_3857(z, min(xs), min(ys))
    _, s, e, _ = _tile_bounds_3857(z, max(xs), max(ys))
    lon, lat = Transformer.from_crs(_WEB_MERCATOR, 4326, always_xy=True).transform([w, e], [s, n])
    return lon[0], lat[0], lon[1], lat[1]


def _check_geotiff(filename: str, path: Path) -> tuple[float, float, float, float]:
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)  # refused below, clearly
            ds = rasterio.open(path)
        with ds:
            if ds.crs is None or ds.transform.is_identity:
                raise FormatError("mapping.err_not_georeferenced", file=filename)
            if ds.count not in (1, 3, 4):
                raise FormatError("mapping.err_bands", file=filename, count=ds.count)
            ds.read(1, out_shape=(min(ds.height, 64), min(ds.width, 64)))
            from rasterio.warp import transform_bounds

            return tuple(transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21))
    except RasterioIOError:
        raise FormatError("formats.err_not_format", file=filename, expected="GeoTIFF") from None


def _unzip_tiles(filename: str, data: bytes, target: Path) -> None:
    """A zip of z/x/y.png tiles (any leading folder) into ``target/z/x/y.ext``."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FormatError("formats.err_not_format", file=filename, expected="zip") from None
    pattern = re.compile(r"(?:^|/)(\d{1,2})/(\d+)/(\d+)\.(png|jpg|jpeg|webp)$", re.IGNORECASE)
    n = 0
    total = 0
    for info in zf.infolist():
        m = pattern.search(info.filename.replace("\\", "/"))
        if info.is_dir() or m is None:
            continue
        n += 1
        total += info.file_size
        if n > _MAX_TILES or total > 2**31:
            raise FormatError("mapping.err_too_many_tiles", file=filename, limit=_MAX_TILES)
        z, x, y, ext = m.groups()
        out = target / str(int(z)) / str(int(x)) / f"{int(y)}.{ext.lower()}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(zf.read(info))
    if n == 0:
        raise FormatError("mapping.err_no_tiles", file=filename)


# ------------------------------------------------------------------------------------ import


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "layer"


def import_base_layer(files: Sequence[tuple[str, bytes]], settings: Settings, *, kind: str,
                      name: str | None = None, gcj02: bool = False) -> BaseLayerEntry:
    """Import one base layer from uploaded or named files, all or nothing.

    Parameters
    ----------
    files:
        (file name, bytes). Raster: one ``.tif``/``.tiff`` (georeferenced), one ``.mbtiles``,
        or one ``.zip`` of XYZ tiles (``z/x/y.png``). Vector: one or more ``.geojson``,
        ``.kml``, ``.kmz``, ``.gpkg`` or ``.zip`` (shapefile) files, merged into one layer.
    kind:
        ``"raster"`` or ``"vector"``.
    name:
        Display name; default the first file's name without extension.
    gcj02:
        Vector coordinates are GCJ-02 (Chinese web map apps): converted to WGS84.

    Raises
    ------
    FormatError, InputError
        A file is unreadable, not georeferenced, of an unknown kind, or empty: nothing is
        written. The message names the file.
    """
    if kind not in ("raster", "vector"):
        raise InputError("mapping.err_kind", kind=kind)
    if not files:
        raise InputError("mapping.err_no_files")
    label = (name or "").strip() or Path(files[0][0]).stem or "layer"
    root = basemaps_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{_TMP}{uuid.uuid4().hex}"
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        tmp.mkdir()
        if kind == "vector":
            features = []
            for filename, data in files:
                ext = Path(filename).suffix.lower()
                if ext not in VECTOR_EXTENSIONS:
                    raise FormatError("mapping.err_vector_ext", file=filename,
                                      known=", ".join(VECTOR_EXTENSIONS))
                features += read_vector(filename, data, gcj02=gcj02)
            collection = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": label_}, "geometry": mapping(g)}
                for label_, g in features]}
            (tmp / "features.geojson").write_text(json.dumps(collection, ensure_ascii=False),
                                                  encoding="utf-8")
            allb = shapely.total_bounds(shapely.GeometryCollection([g for _, g in features]))
            bounds = tuple(float(v) for v in allb)
            fmt = "vector"
        else:
            if len(files) != 1:
                raise InputError("mapping.err_one_raster")
            filename, data = files[0]
            ext = Path(filename).suffix.lower()
            if ext in (".tif", ".tiff"):
                (tmp / "image.tif").write_bytes(data)
                bounds = _check_geotiff(filename, tmp / "image.tif")
                fmt = "geotiff"
            elif ext == ".mbtiles":
                (tmp / "tiles.mbtiles").write_bytes(data)
                try:
                    bounds = _check_tiles(filename, _Tiles(tmp / "tiles.mbtiles", "mbtiles"))
                except sqlite3.Error:
                    raise FormatError("formats.err_not_format", file=filename,
                                      expected="MBTiles") from None
                fmt = "mbtiles"
            elif ext == ".zip":
                _unzip_tiles(filename, data, tmp / "tiles")
                bounds = _check_tiles(filename, _Tiles(tmp / "tiles", "xyz"))
                fmt = "xyz"
            else:
                raise FormatError("mapping.err_raster_ext", file=filename,
                                  known=", ".join(RASTER_EXTENSIONS))
        entry_id = f"{_slug(label)}-{now:%Y%m%d-%H%M%S}"
        k = 2
        while (root / entry_id).exists():
            entry_id = f"{_slug(label)}-{now:%Y%m%d-%H%M%S}-{k}"
            k += 1
        meta = {"id": entry_id, "name": label, "kind": kind, "format": fmt,
                "bounds_wgs84": list(bounds), "imported_at": now.isoformat(),
                "source_names": [Path(f.replace("\\", "/")).name for f, _ in files],
                "gcj02_converted": bool(gcj02 and kind == "vector")}
        (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        os.rename(tmp, root / entry_id)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError("mapping.err_write", reason=exc.strerror or str(exc)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    entry = _entry(root / entry_id)
    assert entry is not None
    return entry


# ------------------------------------------------------------------------------------ reading


def vector_view(entry: BaseLayerEntry, crs: CRS | str | int,
                bounds: tuple[float, float, float, float]) -> list[tuple[BaseGeometry, str]]:
    """The layer's features touching a box of a metric CRS, as (geometry in that CRS, label)."""
    data = json.loads((entry.folder / "features.geojson").read_text(encoding="utf-8"))
    to_map = Transformer.from_crs(4326, CRS.from_user_input(crs), always_xy=True).transform
    view = box(*bounds)
    out = []
    for f in data["features"]:
        g = shapely.transform(shape(f["geometry"]),
                              lambda xy: np.column_stack(to_map(xy[:, 0], xy[:, 1])))
        if g.intersects(view):
            out.append((g, str((f.get("properties") or {}).get("name") or "")))
    return out


def _view_transform(bounds: tuple[float, float, float, float], max_px: int):
    from affine import Affine

    west, south, east, north = bounds
    res = max(east - west, north - south) / max_px
    width = max(1, math.ceil((east - west) / res))
    height = max(1, math.ceil((north - south) / res))
    return Affine(res, 0.0, west, 0.0, -res, north), (height, width)


def raster_view(entry: BaseLayerEntry, crs: CRS | str | int,
                bounds: tuple[float, float, float, float], max_px: int = 1200) -> np.ndarray:
    """The raster base map on a north-up grid over ``bounds`` (metres in ``crs``), RGBA uint8.

    The grid has square cells and at most ``max_px`` cells a side; where the base map has no
    data the pixels are transparent. Tiles are taken at the zoom closest to the view's cell size
    (at most 256 tiles read).
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    crs = CRS.from_user_input(crs)
    dst_transform, shape_ = _view_transform(bounds, max_px)
    out = np.zeros((4,) + shape_, dtype=np.uint8)
    if entry.fmt == "geotiff":
        with rasterio.open(entry.folder / "image.tif") as ds:
            bands = [1, 1, 1] if ds.count == 1 else [1, 2, 3]
            for i, b in enumerate(bands):
                reproject(rasterio.band(ds, b), out[i], dst_transform=dst_transform,
                          dst_crs=crs.to_wkt(), resampling=Resampling.bilinear)
            alpha = np.zeros(shape_, dtype=np.uint8)
            mask = ds.dataset_mask()
            reproject(mask, alpha, src_transform=ds.transform, src_crs=ds.crs,
                      dst_transform=dst_transform, dst_crs=crs.to_wkt(),
                      resampling=Resampling.nearest, dst_nodata=0)
            if ds.count == 4:
                reproject(rasterio.band(ds, 4), out[3], dst_transform=dst_transform,
                          dst_crs=crs.to_wkt(), resampling=Resampling.nearest, dst_nodata=0)
                out[3] = np.minimum(out[3], alpha)
            else:
                out[3] = alpha
        return np.moveaxis(out, 0, -1)
    tiles = _Tiles(entry.folder / ("tiles.mbtiles" if entry.fmt == "mbtiles" else "tiles"),
                   entry.fmt)
    zooms = tiles.zooms()
    # view box in web mercator and its metres per pixel (at the view's latitude)
    to_merc = Transformer.from_crs(crs, _WEB_MERCATOR, always_xy=True)
    west, south, east, north = bounds
    mx, my = to_merc.transform([west, east, east, west], [south, south, north, north])
    mw, ms, me, mn = min(mx), min(my), max(mx), max(my)
    want = (me - mw) / shape_[1]
    z = min(zooms, key=lambda zz: abs(math.log((2 * math.pi * _R / 2**zz / 256) / want)))
    while True:
        size = 2 * math.pi * _R / 2**z
        x0 = int(math.floor((mw + math.pi * _R) / size))
        x1 = int(math.floor((me + math.pi * _R) / size))
        y0 = int(math.floor((math.pi * _R - mn) / size))
        y1 = int(math.floor((math.pi * _R - ms) / size))
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= 256 or z == zooms[0]:
            break
        z = max(zz for zz in zooms if zz < z)
    x0, x1 = max(0, x0), min(2**z - 1, x1)
    y0, y1 = max(0, y0), min(2**z - 1, y1)
    if x1 < x0 or y1 < y0:
        return np.moveaxis(out, 0, -1)
    mosaic = np.zeros(((y1 - y0 + 1) * 256, (x1 - x0 + 1) * 256, 4), dtype=np.uint8)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            data = tiles.get(z, x, y)
            if data:
                img = _decode(data)
                if img.shape[:2] != (256, 256):
                    img = np.asarray(Image.fromarray(img).resize((256, 256)))
                mosaic[(y - y0) * 256:(y - y0 + 1) * 256, (x - x0) * 256:(x - x0 + 1) * 256] = img
    from affine import Affine

    w, _, _, n = _tile_bounds_3857(z, x0, y0)
    src_transform = Affine(size / 256, 0.0, w, 0.0, -size / 256, n)
    for i in range(4):
        reproject(mosaic[..., i], out[i], src_transform=src_transform, src_crs="EPSG:3857",
                  dst_transform=dst_transform, dst_crs=crs.to_wkt(),
                  resampling=Resampling.bilinear if i < 3 else Resampling.nearest,
                  src_nodata=None, dst_nodata=0)
    return np.moveaxis(out, 0, -1)


def entry_overlaps(entry: BaseLayerEntry, crs: CRS | str | int,
                   bounds: tuple[float, float, float, float]) -> bool:
    """True when the entry's box (degrees) overlaps a box of a metric CRS."""
    to_ll = Transformer.from_crs(CRS.from_user_input(crs), 4326, always_xy=True)
    west, south, east, north = bounds
    lon, lat = to_ll.transform([west, east, east, west], [south, south, north, north])
    return box(*entry.bounds_wgs84).intersects(box(min(lon), min(lat), max(lon), max(lat)))

