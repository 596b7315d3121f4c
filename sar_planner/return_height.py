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
from rasterio import features
from rasterio import transform as rio_transform
from scipy import ndimage
from shapely.geometry import LineString, Polygon, mapping

from sar_planner.errors import PlanningError
from sar_planner.geo import from_local
from sar_planner.plan import ReturnHeight
from sar_planner.terrain import Terrain

__all__ = ["return_height"]


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
    shapes = [mapping(LineString([(hx, hy), (float(x), float(y))])) for x, y in xy]
    for (ax, ay), (bx, by) in zip(xy[:-1], xy[1:], strict=True):
        shapes.append(mapping(LineString([(ax, ay), (bx, by)])))
        tri = Polygon([(hx, hy), (ax, ay), (bx, by)])
        if tri.area > 0:
            shapes.append(mapping(tri))
    grid = terrain.grid
    burnt = features.rasterize(((s, 1) for s in shapes), out_shape=grid.shape,
                               transform=grid.transform, all_touched=True, fill=0,
                               dtype="uint8").astype(bool)
    burnt = ndimage.binary_dilation(burnt, structure=np.ones((3, 3), dtype=bool))
    elev = np.asarray(terrain.elevation, dtype=np.float64)
    values = np.where(burnt & np.isfinite(elev), elev, -np.inf)
    flat = int(np.argmax(values))
    top = float(values.flat[flat])
    if not math.isfinite(top):
        raise PlanningError("planning.err_path_no_elevation", x=f"{hx:.0f}", y=f"{hy:.0f}")
    row, col = np.unravel_index(flat, values.shape)
    x, y = rio_transform.xy(grid.transform, int(row), int(col))  # cell centre
    lat, lon = from_local(x, y, grid.crs)
    alt = top + float(clearance_m)
    return ReturnHeight(alt_amsl_m=alt, above_home_m=alt - float(home_ground_m),
                        terrain_max_amsl_m=top, terrain_max_lat=float(np.ravel(lat)[0]),
                        terrain_max_lon=float(np.ravel(lon)[0]), clearance_m=float(clearance_m))
