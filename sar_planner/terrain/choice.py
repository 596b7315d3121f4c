"""Which terrain to use for a mission: the first library entry whose extent holds the IPP.

The library lists the 30 m demo around Golmud first; a mission elsewhere (the gobi west of
Golmud, 36.90 N 93.60 E) was offered it and the first map or plan failed with "completely outside
the elevation data". The Probability page (through :mod:`sar_planner.ui.terrain_choice`, which
caches :func:`terrain_extent`) and the MapScore of closed cases
(:mod:`sar_planner.probability.casescore`) choose the same way.

Coordinates are WGS84 degrees; distances kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sar_planner.terrain.library import TerrainEntry

__all__ = ["Extent", "terrain_extent", "first_holding", "terrain_reach_km"]

#: West, south, east, north (WGS84 degrees).
Extent = tuple[float, float, float, float]


def terrain_extent(paths: Sequence[str]) -> Extent | None:
    """West, south, east, north (WGS84 degrees) of a terrain's files, or None if unreadable."""
    from sar_planner.terrain import inspect

    try:
        boxes = [inspect(p).bounds_wgs84 for p in paths]
    except Exception:  # noqa: BLE001 - a file that cannot be read holds no IPP; building says why
        return None
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def first_holding(entries: Sequence[TerrainEntry], lat: float | None, lon: float | None,
                  extent: Callable[[tuple[str, ...]], Extent | None] = terrain_extent
                  ) -> str | None:
    """Id of the first entry whose extent holds (lat, lon) (WGS84 degrees), or None.

    ``extent`` gives an entry's box from its paths (:func:`terrain_extent`; a page passes a
    cached version of it).
    """
    if lat is None or lon is None:
        return None
    for e in entries:
        box = extent(tuple(e.paths))
        if box is not None and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return e.id
    return None


def terrain_reach_km(box: Extent | None, lat: float, lon: float) -> float | None:
    """How far (km) the extent ``box`` reaches from (lat, lon) (WGS84 degrees) to its nearest
    edge, with a 5 % margin (the extent is a WGS84 box round a projected raster); None when the
    extent is unknown or the point lies outside it.

    Examples
    --------
    >>> round(terrain_reach_km((94.0, 36.0, 96.0, 36.5), 36.4, 95.0), 3)  # 0.1 deg north: 11.132 km
    10.575
    """
    if box is None or not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
        return None
    km_lat = 111.32  # km per degree of latitude (and of longitude at the equator)
    km_lon = km_lat * math.cos(math.radians(lat))
    edge = min((lon - box[0]) * km_lon, (box[2] - lon) * km_lon, (lat - box[1]) * km_lat,
               (box[3] - lat) * km_lat)
    return 0.95 * edge
