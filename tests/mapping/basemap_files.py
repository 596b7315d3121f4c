"""Small base-map files for tests, built here byte by byte (no download, nothing copied)."""

from __future__ import annotations

import io
import json
import math
import sqlite3
import struct
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image
from shapely import to_wkb
from shapely.geometry.base import BaseGeometry

# Golmud (36.41N 94.90E): XYZ tile at zoom 10 holding it
GOLMUD = (36.41, 94.90)


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding (lat, lon), by the slippy-map formula (OpenStreetMap wiki)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def png(colour: tuple[int, int, int], size: int = 256) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size, size, 3), colour, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> bytes:
    """An MBTiles file with (z, x, y XYZ) -> PNG; rows stored in TMS order (y flipped)."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name text, value text)")
    con.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
                "tile_data blob)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", "png")])
    for (z, x, y), data in tiles.items():
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, data))
    con.commit()
    con.close()
    return path.read_bytes()


def xyz_zip(tiles: dict[tuple[int, int, int], bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for (z, x, y), data in tiles.items():
            zf.writestr(f"export/{z}/{x}/{y}.png", data)
    return buf.getvalue()


def gpkg(path: Path, epsg: int, features: list[tuple[str, BaseGeometry]]) -> bytes:
    """A GeoPackage with one feature table 'camps' (name, geom) in EPSG ``epsg``.

    Geometry blobs: 'GP', version 0, flags 0x01 (little endian, no envelope), srs_id, WKB
    (GeoPackage 1.3 specification, 2.1.3).
    """
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name text, srs_id integer primary key, "
                "organization text, organization_coordsys_id integer, definition text, "
                "description text)")
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('x', ?, 'EPSG', ?, 'undefined', '')",
                (epsg, epsg))
    con.execute("CREATE TABLE gpkg_contents (table_name text primary key, data_type text, "
                "identifier text, srs_id integer)")
    con.execute("INSERT INTO gpkg_contents VALUES ('camps', 'features', 'camps', ?)", (epsg,))
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name text, column_name text, "
                "geometry_type_name text, srs_id integer, z integer, m integer)")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('camps', 'geom', 'GEOMETRY', ?, 0, 0)",
                (epsg,))
    con.execute("CREATE TABLE camps (fid integer primary key, name text, geom blob)")
    for name, geom in features:
        blob = b"GP" + bytes([0, 0x01]) + struct.pack("<i", epsg) + to_wkb(geom, byte_order=1)
        con.execute("INSERT INTO camps (name, geom) VALUES (?, ?)", (name, blob))
    con.commit()
    con.close()
    return path.read_bytes()


def geojson(features: list[tuple[str, dict]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n} if n else {}, "geometry": g}
        for n, g in features]}).encode()
