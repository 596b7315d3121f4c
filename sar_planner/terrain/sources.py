"""Elevation sources: list the rasters inside files and archives, and describe one raster.

A *source* is one GDAL dataset name: a GeoTIFF path, an SRTM ``.hgt`` or ``.hgt.zip`` path, or a
``/vsizip/<archive>/<member>`` name for a tile inside a zip (read in place through GDAL's
``/vsizip/``, never extracted). Bounds are in the raster's own CRS unless a name says WGS84.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS, Geod
from rasterio.enums import Resampling
from rasterio.warp import transform_bounds

from sar_planner.errors import TerrainError
from sar_planner.terrain._open import display_name, open_elevation, quiet_gdal, read_checked

__all__ = ["RasterInfo", "inspect", "expand_sources", "crs_label", "is_synthetic_tags", "ELEVATION_SUFFIXES",
           "STATS_MAX_SIDE"]

#: File name endings read as elevation rasters (inside zips and folders too).
ELEVATION_SUFFIXES = (".tif", ".tiff", ".hgt", ".hgt.zip")
#: An SRTM tile name (lower case): latitude and longitude of the south-west corner.
_HGT_TILE = re.compile(r"^[ns]\d{2}[ew]\d{3}$")
#: Min/max elevation are computed from a read decimated to at most this many cells a side
#: (GDAL takes the values from overviews when the file has them), so a large file is never read
#: whole into memory.
STATS_MAX_SIDE = 1024

_GEOD = Geod(ellps="WGS84")


def crs_label(crs: CRS) -> str:
    """``"EPSG:nnnn"`` when the CRS has an EPSG code, otherwise its WKT name."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code is not None else crs.name


@dataclass(frozen=True)
class RasterInfo:
    """What a crew (and the planner) needs to know about one elevation raster.

    Attributes
    ----------
    path:
        The dataset name as opened (a file path or a ``/vsizip/`` name).
    driver:
        GDAL driver (``GTiff`` or ``SRTMHGT``).
    crs:
        The raster's CRS.
    bounds:
        (west, south, east, north) outer edges in the raster's CRS units.
    bounds_wgs84:
        (west, south, east, north) degrees WGS84 of a box holding the whole raster.
    resolution:
        (x, y) cell size in CRS units (degrees for a geographic raster).
    resolution_m:
        (x, y) approximate cell size in metres (at the raster's centre for a geographic raster).
    shape:
        (rows, cols).
    nodata:
        The no-data value of band 1, or None.
    min_elevation_m, max_elevation_m:
        Lowest and highest value of band 1 in metres, ignoring no-data (None if every cell is
        no-data). Computed from a read of at most :data:`STATS_MAX_SIDE` cells a side.
    stats_sampled:
        True when the min/max came from a decimated read (a large file) and may miss single
        extreme cells.
    dtype:
        numpy dtype name of band 1.
    band_count:
        Number of bands (only band 1 is used).
    synthetic:
        True when the file carries the tag ``SYNTHETIC=yes`` (or true/1): generated, not measured.
    tags:
        The dataset's metadata tags.
    """

    path: str
    driver: str
    crs: CRS
    bounds: tuple[float, float, float, float]
    bounds_wgs84: tuple[float, float, float, float]
    resolution: tuple[float, float]
    resolution_m: tuple[float, float]
    shape: tuple[int, int]
    nodata: float | None
    min_elevation_m: float | None
    max_elevation_m: float | None
    stats_sampled: bool
    dtype: str
    band_count: int
    synthetic: bool
    tags: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``sar-planner terrain info`` prints)."""
        return {
            "path": self.path,
            "file": display_name(self.path),
            "driver": self.driver,
            "crs": crs_label(self.crs),
            "bounds": {"native": list(self.bounds), "wgs84": list(self.bounds_wgs84)},
            "resolution": list(self.resolution),
            "resolution_m": [round(v, 3) for v in self.resolution_m],
            "shape": list(self.shape),
            "nodata": _json_number(self.nodata),
            "min_elevation_m": _json_number(self.min_elevation_m),
            "max_elevation_m": _json_number(self.max_elevation_m),
            "stats_sampled": self.stats_sampled,
            "dtype": self.dtype,
            "band_count": self.band_count,
            "synthetic": self.synthetic,
            "tags": dict(self.tags),
        }


def _json_number(value: float | None) -> float | int | None:
    if value is None or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def is_synthetic_tags(tags: dict[str, str]) -> bool:
    """True when a tag SYNTHETIC (any case) says yes/true/1."""
    for key, value in tags.items():
        if key.upper() == "SYNTHETIC" and str(value).strip().lower() in ("yes", "true", "1"):
            return True
    return False


def inspect(path: str | os.PathLike[str]) -> RasterInfo:
    """Describe one elevation raster without reading it whole.

    Parameters
    ----------
    path:
        A GeoTIFF, ``.hgt``, ``.hgt.zip`` or ``/vsizip/archive.zip/member`` name.

    Returns
    -------
    RasterInfo

    Raises
    ------
    TerrainError
        The file is missing, corrupt, not a raster, not an elevation format, has no CRS, holds
        non-numeric values, or has bounds that cannot be real coordinates.
    """
    text = os.fspath(path)
    name = display_name(text)
    with open_elevation(text) as src:
        crs = CRS.from_user_input(src.crs.to_wkt())
        rows, cols = src.height, src.width
        b = src.bounds
        bounds = (float(b.left), float(b.bottom), float(b.right), float(b.top))
        res = (float(src.res[0]), float(src.res[1]))
        try:
            with quiet_gdal():
                wgs = transform_bounds(src.crs, "EPSG:4326", *bounds, densify_pts=21)
        except Exception:  # noqa: BLE001 - any failure means the bounds are not usable
            raise TerrainError("terrain.err_bad_bounds", file=name) from None
        if (not all(math.isfinite(v) for v in wgs) or wgs[1] < -90.0001 or wgs[3] > 90.0001
                or (crs.is_geographic and (bounds[0] < -180.01 or bounds[2] > 360.01))):
            raise TerrainError("terrain.err_bad_bounds", file=name)
        bounds_wgs84 = (float(wgs[0]), float(wgs[1]), float(wgs[2]), float(wgs[3]))
        resolution_m = _resolution_m(crs, res, bounds_wgs84)

        factor = max(1, math.ceil(max(rows, cols) / STATS_MAX_SIDE))
        out_shape = (max(1, math.ceil(rows / factor)), max(1, math.ceil(cols / factor)))
        data = read_checked(src, name, out_shape=out_shape, masked=True,
                            resampling=Resampling.nearest)
        values = np.ma.filled(data.astype("float64"), np.nan)
        finite = values[np.isfinite(values)]
        lo = float(finite.min()) if finite.size else None
        hi = float(finite.max()) if finite.size else None
        tags = {str(k): str(v) for k, v in src.tags().items()}
        return RasterInfo(
            path=text, driver=src.driver, crs=crs, bounds=bounds, bounds_wgs84=bounds_wgs84,
            resolution=res, resolution_m=resolution_m, shape=(rows, cols),
            nodata=None if src.nodata is None else float(src.nodata),
            min_elevation_m=lo, max_elevation_m=hi, stats_sampled=factor > 1,
            dtype=str(src.dtypes[0]), band_count=int(src.count),
            synthetic=is_synthetic_tags(tags), tags=tags,
        )


def _resolution_m(crs: CRS, res: tuple[float, float],
                  bounds_wgs84: tuple[float, float, float, float]) -> tuple[float, float]:
    if crs.is_geographic:
        lat = (bounds_wgs84[1] + bounds_wgs84[3]) / 2.0
        lon = (bounds_wgs84[0] + bounds_wgs84[2]) / 2.0
        _, _, dx = _GEOD.inv(lon, lat, lon + res[0], lat)
        _, _, dy = _GEOD.inv(lon, lat - res[1] / 2.0, lon, lat + res[1] / 2.0)
        return (float(dx), float(dy))
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return (res[0] * unit, res[1] * unit)


def _has_elevation_suffix(name: str) -> bool:
    return name.lower().endswith(ELEVATION_SUFFIXES)


def _zip_members(path: Path) -> list[str]:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            members = [info.filename for info in zf.infolist()
                       if not info.is_dir() and not info.filename.startswith("__MACOSX/")
                       and not Path(info.filename).name.startswith(".")]
    except (zipfile.BadZipFile, OSError):
        raise TerrainError("terrain.err_corrupt", file=name) from None
    found = [m for m in members if _has_elevation_suffix(m) and not m.lower().endswith(".zip")]
    if not found:
        raise TerrainError("terrain.err_zip_no_elevation", file=name)
    resolved = path.resolve()
    return [f"/vsizip/{resolved}/{m}" for m in sorted(found)]


def expand_sources(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Turn files, folders and zip archives into the list of elevation datasets they hold.

    Parameters
    ----------
    paths:
        GeoTIFF (.tif/.tiff), SRTM .hgt and .hgt.zip files (kept as they are: GDAL reads a
        .hgt.zip directly), .zip archives (each .tif/.tiff/.hgt member becomes a
        ``/vsizip/<archive>/<member>`` name), folders (their elevation files, sorted), and
        ``/vsi...`` names (kept as they are).

    Returns
    -------
    list of str
        Dataset names in the order given, duplicates removed. Files are not opened here; use
        :func:`inspect` to validate them.

    Raises
    ------
    TerrainError
        A path does not exist, a zip is corrupt, or a zip or folder holds no elevation file.
    """
    out: list[str] = []
    for item in paths:
        text = os.fspath(item)
        if text.startswith("/vsi"):
            out.append(text)
            continue
        path = Path(text)
        lower = path.name.lower()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _has_elevation_suffix(p.name)
                           and not p.name.startswith("."))
            if not files:
                raise TerrainError("terrain.err_folder_no_elevation", file=path.name)
            out.extend(expand_sources(files))
        elif not path.is_file():
            raise TerrainError("terrain.err_missing", file=path.name)
        elif lower.endswith(".zip") and not (lower.endswith(".hgt.zip")
                                             and _HGT_TILE.match(lower[:-len(".hgt.zip")])):
            # GDAL reads a .hgt.zip directly only when the zip's own name is the tile name (it
            # finds the member and the tile's place from it); srtm.py's N19W155v2.3a.hgt.zip
            # holds N19W155.hgt: open that member by its own name
            out.extend(_zip_members(path))
        else:
            out.append(str(path.resolve()))
    seen: set[str] = set()
    unique = []
    for name in out:
        if name not in seen:
            seen.add(name)
            unique.append(name)
    return unique
