"""The return-to-home height a sortie needs over the terrain between its route and home.

An aircraft sent home (the route's end with DJI ``finishAction goHome``, a lost controller link
with ``goBack``, a PX4 or ArduPilot RTL) climbs to its RTH height measured from the take-off point
and then flies a straight line home; if it is already higher it keeps its height (DJI Pilot 2,
PX4 ``RTL_RETURN_ALT``, ArduPilot ``RTL_ALT`` all work this way). From wherever on the route the
return starts, that line lies in the triangle home - leg start - leg end. So the safe height is
the highest ground in the union of those triangles (the "fan" from home over the route) plus the
plan's clearance.

The fan is burnt into the DEM grid with every touched cell, grown by one cell so that the
bilinear terrain anywhere inside is provably below the maximum taken (as the terrain following in
:mod:`sar_planner.flightpath` does). Coordinates are metres in the terrain grid's CRS (the mission
CRS); heights metres above mean sea level (the DEM's datum).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from rasterio import features
from rasterio import transform as rio_transform
from scipy import ndimage

from sar_planner.errors import PlanningError
from sar_planner.geo import from_local
from sar_planner.plan import ReturnHeight
from sar_planner.terrain import Terrain

__all__ = ["return_height"]


def _fan_shapes(xy: np.ndarray, hx: float, hy: float) -> list[dict]:
    """The fan from home (hx, hy) over the route ``xy`` as GeoJSON-like shapes to burn.

    In this order: the line home -> each vertex, then per leg its line and, when its area is
    not zero, the triangle home - leg start - leg end (closed ring). Built as plain mappings
    with the same coordinates shapely's ``mapping`` gives (a shapely object per shape cost
    about two thirds of a re-plan, issue 12); the triangles' areas are shapely's own,
    computed for all legs at once, so the same triangles are kept.
    """
    pts = [(float(x), float(y)) for x, y in xy]
    home = (hx, hy)
    shapes: list[dict] = [{"type": "LineString", "coordinates": (home, p)} for p in pts]
    if len(pts) < 2:
        return shapes
    rings = np.empty((len(pts) - 1, 4, 2))
    rings[:, 0] = rings[:, 3] = (hx, hy)
    rings[:, 1] = xy[:-1]
    rings[:, 2] = xy[1:]
    area = shapely.area(shapely.polygons(rings))
    for k, (a, b) in enumerate(zip(pts[:-1], pts[1:], strict=True)):
        shapes.append({"type": "LineString", "coordinates": (a, b)})
        if area[k] > 0:
            shapes.append({"type": "Polygon", "coordinates": ((home, a, b, home),)})
    return shapes


def return_height(terrain: Terrain, route_xy: np.ndarray, home_xy: tuple[float, float],
                  home_ground_m: float, clearance_m: float) -> ReturnHeight:
    """The RTH height that clears the highest terrain between a route and home.

    Parameters
    ----------
    terrain:
        DEM on the mission grid (metres AMSL; NaN where unknown).
    route_xy:
        (N, 2) airborne route vertices in flying order, metres in ``terrain.grid.crs``.
    home_xy:
        Take-off / landing point, metres in the same CRS.
    home_ground_m:
        DEM elevation at home, metres AMSL.
    clearance_m:
        Height to keep above the highest ground, metres (the plan's height above ground).

    Returns
    -------
    ReturnHeight
        ``alt_amsl_m`` = highest ground + ``clearance_m``; ``above_home_m`` its height above the
        take-off point; where the highest ground is (degrees WGS84).

    Raises
    ------
    PlanningError
        ``planning.err_path_no_elevation`` when the DEM has no value anywhere under the fan.
    """
    xy = np.asarray(route_xy, dtype=np.float64).reshape(-1, 2)
    hx, hy = float(home_xy[0]), float(home_xy[1])
    grid = terrain.grid
    burnt = features.rasterize(((s, 1) for s in _fan_shapes(xy, hx, hy)), out_shape=grid.shape,
                               transform=grid.transform, all_touched=True, fill=0,
                               dtype="uint8").astype(bool)
    # grown by one cell and searched only in the fan's bounding box plus one cell (the same
    # cells and the same first maximum in row-major order as over the whole grid; a fraction of
    # its CPU on a mission grid)
    rows_hit, cols_hit = np.flatnonzero(burnt.any(axis=1)), np.flatnonzero(burnt.any(axis=0))
    if rows_hit.size == 0:
        raise PlanningError("planning.err_path_no_elevation", x=f"{hx:.0f}", y=f"{hy:.0f}")
    r0, r1 = max(0, int(rows_hit[0]) - 1), min(burnt.shape[0], int(rows_hit[-1]) + 2)
    c0, c1 = max(0, int(cols_hit[0]) - 1), min(burnt.shape[1], int(cols_hit[-1]) + 2)
    win = ndimage.binary_dilation(burnt[r0:r1, c0:c1], structure=np.ones((3, 3), dtype=bool))
    elev = np.asarray(terrain.elevation, dtype=np.float64)[r0:r1, c0:c1]
    values = np.where(win & np.isfinite(elev), elev, -np.inf)
    flat = int(np.argmax(values))
    top = float(values.flat[flat])
    if not math.isfinite(top):
        raise PlanningError("planning.err_path_no_elevation", x=f"{hx:.0f}", y=f"{hy:.0f}")
    row, col = np.unravel_index(flat, values.shape)
    row, col = row + r0, col + c0
    x, y = rio_transform.xy(grid.transform, int(row), int(col))  # cell centre
    lat, lon = from_local(x, y, grid.crs)
    alt = top + float(clearance_m)
    return ReturnHeight(alt_amsl_m=alt, above_home_m=alt - float(home_ground_m),
                        terrain_max_amsl_m=top, terrain_max_lat=float(np.ravel(lat)[0]),
                        terrain_max_lon=float(np.ravel(lon)[0]), clearance_m=float(clearance_m))
