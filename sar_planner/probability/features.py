"""Barriers, tracks, regions and segments imported from files, brought into the mission grid's CRS.

Reading (GeoJSON, KML/KMZ, zipped shapefiles, with their safety checks) is
:func:`sar_planner.formats.areas.read_area`; this module only checks the geometry types a use
allows and projects the WGS84 geometries into metres of the mission CRS.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import ProbabilityError
from sar_planner.formats.areas import AREA_EXTENSIONS, read_area

__all__ = ["imported_geometries", "NamedGeometry", "AREA_EXTENSIONS", "LINES", "POLYGONS"]

NamedGeometry = tuple[str, BaseGeometry]
#: Geometry types usable as lines (tracks) and as areas (segments, regions).
LINES = ("LineString", "MultiLineString")
POLYGONS = ("Polygon", "MultiPolygon")


def imported_geometries(filename: str, data: bytes, crs: CRS,
                        kinds: Sequence[str] | None = None) -> list[NamedGeometry]:
    """(name, geometry) of every feature of an uploaded file, in metres of ``crs``.

    Parameters
    ----------
    filename:
        The file's name (its extension picks the reader: .geojson/.json, .kml, .kmz, .zip).
    data:
        The file's bytes.
    crs:
        The mission's metric CRS.
    kinds:
        Allowed geometry types (e.g. :data:`POLYGONS`); a feature of another type is refused.
    """
    to_crs = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    out: list[NamedGeometry] = []
    for i, area in enumerate(read_area(filename, data), start=1):
        geom = area.geometry
        if kinds is not None and geom.geom_type not in kinds:
            raise ProbabilityError("probability.err_feature_kind", file=filename, index=i,
                                   kind=geom.geom_type, allowed=", ".join(kinds))
        out.append((area.name, shapely.transform(
            geom, lambda xy: np.column_stack(to_crs.transform(xy[:, 0], xy[:, 1])))))
    return out
