"""Private helpers: open an elevation raster with rasterio and turn GDAL failures into TerrainError.

Every public function in :mod:`sar_planner.terrain` opens files through :func:`open_elevation`, so a
file that is missing, corrupt, not a raster, not an elevation format, has no CRS or holds
non-numeric values gives the same clear message wherever it is used.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import ColorInterp
from rasterio.errors import RasterioError

from sar_planner.errors import TerrainError

__all__ = ["open_elevation", "read_checked", "display_name", "quiet_gdal", "ELEVATION_DRIVERS"]

#: GDAL drivers accepted as elevation data. GTiff covers GeoTIFF and Cloud-Optimised GeoTIFF;
#: SRTMHGT covers .hgt and .hgt.zip tiles. Anything else (a PNG or JPEG renamed .tif, for example,
#: which GDAL opens by its content) is refused with a message naming what the file really is.
ELEVATION_DRIVERS = frozenset({"GTiff", "SRTMHGT"})


def display_name(path: str | os.PathLike[str]) -> str:
    """A short name for messages: the file name, or ``archive.zip/member.tif`` inside a zip."""
    text = str(path)
    if text.startswith("/vsizip/"):
        inner = text[len("/vsizip/"):]
        idx = inner.lower().find(".zip/")
        if idx >= 0:
            return f"{Path(inner[:idx + 4]).name}/{inner[idx + 5:]}"
        return Path(inner).name
    return Path(text).name


@contextlib.contextmanager
def quiet_gdal() -> Iterator[None]:
    """Silence rasterio's warnings (NotGeoreferencedWarning and the like); we check for ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _is_virtual(text: str) -> bool:
    return text.startswith("/vsi")


@contextlib.contextmanager
def open_elevation(path: str | os.PathLike[str], *, require_crs: bool = True,
                   **open_kwargs: object) -> Iterator[rasterio.io.DatasetReader]:
    """Open ``path`` read-only as an elevation raster, or raise a :class:`TerrainError`.

    Checks, in order: the file exists; GDAL can read it; its format is an elevation format
    (GeoTIFF or SRTM .hgt); it has at least one band of real numbers (band 1 is used); it has a
    CRS (unless ``require_crs`` is False).
    """
    text = os.fspath(path)
    name = display_name(text)
    if not _is_virtual(text) and not Path(text).is_file():
        raise TerrainError("terrain.err_missing", file=name)
    try:
        with quiet_gdal():
            src = rasterio.open(text, **open_kwargs)
    except RasterioError as exc:
        message = str(exc)
        if name.lower().endswith((".hgt", ".hgt.zip")):
            raise TerrainError("terrain.err_bad_hgt", file=name) from None
        if "not recognized as being in a supported file format" in message:
            raise TerrainError("terrain.err_not_raster", file=name) from None
        raise TerrainError("terrain.err_corrupt", file=name) from None
    try:
        if src.driver not in ELEVATION_DRIVERS:
            raise TerrainError("terrain.err_not_elevation", file=name, kind=src.driver)
        if src.count < 1:
            raise TerrainError("terrain.err_no_band", file=name)
        if np.dtype(src.dtypes[0]).kind not in "iuf":
            raise TerrainError("terrain.err_not_numeric", file=name, dtype=src.dtypes[0])
        if src.colorinterp and src.colorinterp[0] in (ColorInterp.red, ColorInterp.palette):
            # a georeferenced picture (orthophoto, scanned map): colours, not heights
            raise TerrainError("terrain.err_image_not_dem", file=name)
        if require_crs and src.crs is None:
            raise TerrainError("terrain.err_no_crs", file=name)
        yield src
    finally:
        src.close()


def read_checked(src: rasterio.io.DatasetReader, name: str, **read_kwargs: object) -> np.ndarray:
    """``src.read(1, **read_kwargs)`` with GDAL read failures (truncated files) as TerrainError."""
    try:
        with quiet_gdal():
            return src.read(1, **read_kwargs)
    except RasterioError:
        raise TerrainError("terrain.err_corrupt", file=name) from None
