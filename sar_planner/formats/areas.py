"""Search areas and lines from GeoJSON, KML/KMZ and zipped ESRI shapefiles.

Each reader returns :class:`NamedArea` items: a shapely geometry in degrees WGS84 (x = longitude,
y = latitude) and a name. Polygons that cross themselves are repaired with
:func:`shapely.make_valid` and the repair is reported (``repaired``), never silent. Shapefiles
are read with pyshp from memory; their ``.prj`` (ESRI WKT) is honoured through pyproj, and a
shapefile without ``.prj`` is accepted only if its coordinates are plausible degrees.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import FormatError
from sar_planner.formats._safe import (
    check_upload,
    is_zip,
    kml_from_kmz,
    local_name,
    parse_xml,
    read_zip,
)
from sar_planner.limits import MAX_AREA_VERTICES

__all__ = ["NamedArea", "read_area", "AREA_EXTENSIONS"]

#: File extensions :func:`read_area` understands (``.zip`` = zipped shapefile).
AREA_EXTENSIONS = (".geojson", ".json", ".kml", ".kmz", ".zip")
_MAX_FEATURES = 10_000
_NAME_KEYS = ("name", "Name", "NAME", "title", "名称", "id", "ID")


@dataclass(frozen=True)
class NamedArea:
    """One area or line read from a file.

    Attributes
    ----------
    name:
        From the feature's name attribute, else ``"<file> #n"``.
    geometry:
        Polygon, MultiPolygon, LineString, MultiLineString or Point, degrees WGS84 (lon, lat).
    repaired:
        True when the polygon was invalid (e.g. crossing itself) and was repaired.
    """

    name: str
    geometry: BaseGeometry
    repaired: bool = False


def _check_degrees(filename: str, geom: BaseGeometry) -> None:
    xy = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(xy)):
        raise FormatError("formats.err_bad_coordinate", file=filename, where="NaN / infinity")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise FormatError("formats.err_not_degrees", file=filename)


def _finish(filename: str, items: list[tuple[str | None, BaseGeometry]]) -> list[NamedArea]:
    out: list[NamedArea] = []
    vertices = sum(shapely.get_num_coordinates(g) for _, g in items if g is not None)
    if vertices > MAX_AREA_VERTICES:  # refused before validity checks and repairs, which take minutes
        raise FormatError("formats.err_area_vertices", file=filename, vertices=vertices,
                          limit=MAX_AREA_VERTICES)
    for n, (name, geom) in enumerate(items, start=1):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.force_2d(geom)
        _check_degrees(filename, geom)
        repaired = False
        if not geom.is_valid:
            try:
                geom = shapely.make_valid(geom)
            except shapely.errors.ShapelyError:
                raise FormatError("formats.err_bad_geometry", file=filename, name=name or n) \
                    from None
            repaired = True
            if geom.geom_type == "GeometryCollection":
                polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
                geom = shapely.union_all(polys) if polys else geom
        out.append(NamedArea(name=str(name) if name else f"{filename} #{n}", geometry=geom,
                             repaired=repaired))
    if not out:
        raise FormatError("formats.err_no_areas", file=filename)
    if len(out) > _MAX_FEATURES:
        raise FormatError("formats.err_too_many_points", file=filename, limit=_MAX_FEATURES)
    return out


def _name_of(props: dict[str, Any] | None) -> str | None:
    if not props:
        return None
    for key in _NAME_KEYS:
        value = props.get(key)
        if value not in (None, ""):
            return str(value)
    return None


# ---------------------------------------------------------------------------- GeoJSON


def _read_geojson(filename: str, data: bytes) -> list[NamedArea]:
    try:
        return _read_geojson_unguarded(filename, data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError,
            shapely.errors.ShapelyError):
        # any structure that is JSON but not GeoJSON the code above did not foresee
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON") from None


def _read_geojson_unguarded(filename: str, data: bytes) -> list[NamedArea]:
    try:
        doc = json.loads(bytes(data).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON")
    crs = doc.get("crs")
    if crs:  # GeoJSON 2008 named CRS: accept only WGS84 longitude/latitude
        props = crs.get("properties") if isinstance(crs, dict) else None
        name = str(props.get("name", "")) if isinstance(props, dict) else ""
        if not any(k in name.upper() for k in ("CRS84", "EPSG::4326", "EPSG:4326")):
            raise FormatError("formats.err_geojson_crs", file=filename, crs=name or str(crs))
    if doc["type"] == "FeatureCollection":
        feats = doc.get("features") or []
    elif doc["type"] == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    if not isinstance(feats, list) or len(feats) > _MAX_FEATURES:
        raise FormatError("formats.err_not_format", file=filename, expected="GeoJSON")
    items: list[tuple[str | None, BaseGeometry]] = []
    for f in feats:
        if not isinstance(f, dict) or not f.get("geometry"):
            continue
        try:
            geom = shape(f["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                shapely.errors.ShapelyError):
            raise FormatError("formats.err_not_format", file=filename,
                              expected="GeoJSON") from None
        items.append((_name_of(f.get("properties")), geom))
    return _finish(filename, items)


# ---------------------------------------------------------------------------- KML / KMZ


def _kml_ring(filename: str, text: str | None) -> list[tuple[float, float]]:
    pts = []
    for tup in (text or "").split():
        parts = tup.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise FormatError("formats.err_bad_coordinate", file=filename,
                              where=tup[:40]) from None
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise FormatError("formats.err_bad_coordinate", file=filename, where=tup[:40])
        pts.append((lon, lat))
    return pts


def _read_kml(filename: str, data: bytes) -> list[NamedArea]:
    try:
        return _read_kml_unguarded(filename, data)
    except shapely.errors.ShapelyError:
        # a ring of fewer than 3 distinct corners and the like
        raise FormatError("formats.err_bad_geometry", file=filename, name="?") from None


def _read_kml_unguarded(filename: str, data: bytes) -> list[NamedArea]:
    from shapely.geometry import LineString, Point, Polygon

    root = parse_xml(filename, data, "kml", "KML")
    items: list[tuple[str | None, BaseGeometry]] = []

    def coords_of(el: Any) -> list[tuple[float, float]]:
        c = next((x for x in el.iter() if local_name(x.tag) == "coordinates"), None)
        return _kml_ring(filename, c.text if c is not None else "")

    for pm in root.iter():
        if local_name(pm.tag) != "Placemark":
            continue
        name_el = next((c for c in pm if local_name(c.tag) == "name"), None)
        name = (name_el.text or "").strip() if name_el is not None else None
        geoms: list[BaseGeometry] = []
        for g in pm.iter():
            kind = local_name(g.tag)
            if kind == "Polygon":
                outer = next((b for b in g if local_name(b.tag) == "outerBoundaryIs"), None)
                if outer is None:
                    continue
                shell = coords_of(outer)
                holes = [coords_of(b) for b in g if local_name(b.tag) == "innerBoundaryIs"]
                if len(shell) >= 3:
                    geoms.append(Polygon(shell, [h for h in holes if len(h) >= 3]))
            elif kind == "LineString":
                pts = coords_of(g)
                if len(pts) >= 2:
                    geoms.append(LineString(pts))
            elif kind == "Point":
                pts = coords_of(g)
                if pts:
                    geoms.append(Point(pts[0]))
        if len(geoms) == 1:
            items.append((name, geoms[0]))
        elif geoms:
            polys = [g for g in geoms if g.geom_type == "Polygon"]
            items.append((name, shapely.MultiPolygon(polys) if len(polys) == len(geoms)
                          else shapely.GeometryCollection(geoms)))
    return _finish(filename, items)


# ---------------------------------------------------------------------------- shapefile


def _read_shapefile_zip(filename: str, data: bytes) -> list[NamedArea]:
    import shapefile  # pyshp

    members = read_zip(filename, data, (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    shps = sorted(n for n in members if n.lower().endswith(".shp"))
    if not shps:
        raise FormatError("formats.err_zip_no_member", file=filename, expected=".shp")
    items: list[tuple[str | None, BaseGeometry]] = []
    for shp_name in shps:
        stem = str(PurePosixPath(shp_name).with_suffix(""))

        def member(ext: str, stem: str = stem) -> bytes | None:
            for n, b in members.items():
                if n.lower() == (stem + ext).lower():
                    return b
            return None

        dbf, shx, prj, cpg = member(".dbf"), member(".shx"), member(".prj"), member(".cpg")
        encoding = (cpg.decode("ascii", "ignore").strip() if cpg else "") or "utf-8"
        corrupt = getattr(shapefile, "PossiblyCorruptFileHeader", None)
        try:
            with warnings.catch_warnings():
                if corrupt is not None:
                    # a header whose size disagrees with the file: damaged, maybe cut short;
                    # refuse rather than load part of the areas
                    warnings.simplefilter("error", corrupt)
                reader = shapefile.Reader(shp=io.BytesIO(members[shp_name]),
                                          shx=io.BytesIO(shx) if shx else None,
                                          dbf=io.BytesIO(dbf) if dbf else None,
                                          encoding=encoding, encodingErrors="replace")
                records = list(reader.iterShapeRecords()) if dbf else \
                    [(s, None) for s in reader.iterShapes()]
        except Exception:  # pyshp raises ShapefileException, struct/IO errors, the warning
            raise FormatError("formats.err_shp_bad", file=filename, layer=shp_name) from None
        to_wgs84 = None
        if prj:
            try:
                crs = CRS.from_wkt(prj.decode("utf-8", "replace"))
                if not crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
                    to_wgs84 = Transformer.from_crs(crs, 4326, always_xy=True).transform
            except (CRSError, ProjError):
                raise FormatError("formats.err_shp_bad", file=filename, layer=shp_name) from None
        for sr in records:
            shp_obj, rec = (sr.shape, sr.record) if hasattr(sr, "shape") else sr
            if shp_obj.shapeType == shapefile.NULL:
                continue
            try:
                geom = shape(shp_obj.__geo_interface__)
            except (ValueError, TypeError, shapely.errors.ShapelyError):
                raise FormatError("formats.err_shp_bad", file=filename, layer=shp_name) from None
            if to_wgs84 is not None:
                geom = shapely.transform(
                    geom, lambda xy, f=to_wgs84: np.column_stack(f(xy[:, 0], xy[:, 1])))
            props = rec.as_dict() if rec is not None else None
            items.append((_name_of(props), geom))
    return _finish(filename, items)


# ---------------------------------------------------------------------------- entry point


def read_area(filename: str, data: bytes) -> list[NamedArea]:
    """Read search areas or lines from an uploaded file.

    Parameters
    ----------
    filename:
        The uploaded file's name; its extension chooses the reader (:data:`AREA_EXTENSIONS`;
        ``.zip`` holds a shapefile: ``.shp`` + ``.shx`` + ``.dbf`` and preferably ``.prj``).
    data:
        The file's bytes.

    Returns
    -------
    list of NamedArea
        Geometries in degrees WGS84 (lon, lat) with names, in file order.

    Raises
    ------
    FormatError
        Unknown extension, content not matching the name, hostile XML, coordinates that are not
        degrees (a projected file without ``.prj``), a non-WGS84 GeoJSON ``crs``, nothing usable.
    """
    check_upload(filename, data)
    ext = Path(filename).suffix.lower()
    if ext in (".geojson", ".json"):
        return _read_geojson(filename, data)
    if ext == ".kml":
        return _read_kml(filename, data)
    if ext == ".kmz":
        if not is_zip(data):
            raise FormatError("formats.err_not_format", file=filename, expected="KMZ (zip)")
        return _read_kml(filename, kml_from_kmz(filename, data))
    if ext == ".zip":
        if not is_zip(data):
            raise FormatError("formats.err_not_format", file=filename, expected="zip")
        return _read_shapefile_zip(filename, data)
    raise FormatError("formats.err_unknown_area", ext=ext or filename,
                      known=", ".join(AREA_EXTENSIONS))
