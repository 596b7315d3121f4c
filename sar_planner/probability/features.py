"""Barriers, tracks, regions and segments imported as GeoJSON, brought into the mission grid's CRS.

GeoJSON (RFC 7946) coordinates are longitude, latitude in WGS84; the geometries returned are
shapely geometries in metres of the mission CRS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from sar_planner.errors import ProbabilityError

__all__ = ["geojson_geometries", "NamedGeometry"]

NamedGeometry = tuple[str, BaseGeometry]


def geojson_geometries(data: bytes | str, crs: CRS, name: str = "geojson",
                       kinds: Sequence[str] | None = None) -> list[NamedGeometry]:
    """(name, geometry) of every feature of a GeoJSON text, projected into ``crs`` (metres).

    Parameters
    ----------
    data:
        GeoJSON: a FeatureCollection, a Feature or a bare geometry (WGS84 lon/lat).
    crs:
        The mission's metric CRS.
    name:
        File name, for messages.
    kinds:
        Allowed geometry types (e.g. ``("Polygon", "MultiPolygon")``); others are refused.

    Names come from the feature property ``name`` (or ``名称``), else ``"1"``, ``"2"``, ...
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ProbabilityError("probability.err_geojson", file=name) from None
    if not isinstance(doc, dict):
        raise ProbabilityError("probability.err_geojson", file=name)
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif doc.get("type") == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    to_crs = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform
    out: list[NamedGeometry] = []
    for i, f in enumerate(feats, start=1):
        try:
            geom = shape(f["geometry"])
        except Exception:  # noqa: BLE001 - any malformed geometry gets the same message
            raise ProbabilityError("probability.err_geojson_feature", file=name, index=i) from None
        if kinds is not None and geom.geom_type not in kinds:
            raise ProbabilityError("probability.err_geojson_kind", file=name, index=i,
                                   kind=geom.geom_type, allowed=", ".join(kinds))
        if geom.is_empty or not geom.is_valid:
            raise ProbabilityError("probability.err_geojson_feature", file=name, index=i)
        props = f.get("properties") or {}
        label = str(props.get("name") or props.get("名称") or i)
        out.append((label, transform(to_crs, geom)))
    if not out:
        raise ProbabilityError("probability.err_geojson", file=name)
    return out
