"""Hand-built sortie plans for the format tests, over the bundled SYNTHETIC Kunlun demo terrain.

The plans are laid out in UTM zone 46N (EPSG:32646) south of Golmud around 36.10 N 94.85 E; each
waypoint's height above sea level is the demo DEM's elevation under it (rasterio, nearest cell)
plus the planned height above ground, so the heights are the realistic 3,300-4,200 m of the
Kunlun front. Not a planner: a fixed lawn-mower over a 1.5 km x 1.2 km segment.
"""

from __future__ import annotations

from pathlib import Path

import rasterio
from pyproj import Transformer
from rasterio.windows import from_bounds

from sar_planner.plan import ReturnHeight, Sortie, SortiePlan, Waypoint

REPO = Path(__file__).resolve().parent.parent
DEMO_DEM = REPO / "terrain" / "kunlun_golmud_demo_30m_SYNTHETIC.tif"
CRS = "EPSG:32646"
_TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
_TO_XY = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

#: Home (launch) point, degrees WGS84.
HOME_LAT, HOME_LON = 36.0900, 94.8400
AGL_M = 75.5


def ground_m(lon: float, lat: float) -> float:
    """Demo DEM elevation (metres above sea level) at a point."""
    x, y = _TO_XY.transform(lon, lat)
    with rasterio.open(DEMO_DEM) as ds:
        return float(next(ds.sample([(x, y)]))[0])


def _wp(x: float, y: float, agl: float, speed: float, role: str) -> Waypoint:
    lon, lat = _TO_LL.transform(x, y)
    g = ground_m(lon, lat)
    return Waypoint(lat=lat, lon=lon, alt_amsl_m=g + agl, agl_m=agl, speed_m_s=speed, role=role)


def box_rth(hx: float, hy: float, x0: float, y0: float, width: float, height: float,
            home_g: float) -> ReturnHeight:
    """A safe (not tight) return height for the demo plans: the highest demo DEM cell in the
    box holding home and the whole segment (which holds every straight line home) + AGL_M."""
    with rasterio.open(DEMO_DEM) as ds:
        win = from_bounds(min(hx, x0) - 60, min(hy, y0) - 60, max(hx, x0 + width) + 60,
                          max(hy, y0 + height) + 60, ds.transform).round_offsets().round_lengths()
        band = ds.read(1, window=win).astype(float)
        r, c = divmod(int(band.argmax()), band.shape[1])
        x, y = rasterio.transform.xy(ds.window_transform(win), r, c)
    lon, lat = _TO_LL.transform(x, y)
    top = float(band.max())
    return ReturnHeight(top + AGL_M, top + AGL_M - home_g, top, lat, lon, AGL_M)


def make_plan(n_sorties: int = 1, spacing: float = 100.0, name: str = "Kunlun herder S1",
              notices: tuple = ()) -> SortiePlan:
    """A lawn-mower plan split into ``n_sorties`` flights (legs dealt out in turn)."""
    hx, hy = _TO_XY.transform(HOME_LON, HOME_LAT)
    home_g = ground_m(HOME_LON, HOME_LAT)
    home = Waypoint(HOME_LAT, HOME_LON, home_g, 0.0, 0.0, "takeoff")
    x0, y0 = hx + 500.0, hy + 800.0           # segment SW corner
    width, height = 1500.0, 1200.0
    legs = []
    n_legs = int(height // spacing)
    for k in range(n_legs):
        y = y0 + spacing / 2 + k * spacing
        xs = (x0, x0 + width) if k % 2 == 0 else (x0 + width, x0)
        legs.append(((xs[0], y), (xs[1], y)))
    per = [legs[i::n_sorties] for i in range(n_sorties)]
    sorties = []
    for idx, my_legs in enumerate(per, start=1):
        wps = [Waypoint(HOME_LAT, HOME_LON, home_g, 0.0, 15.0, "takeoff")]
        wps.append(_wp(hx, hy, AGL_M, 15.0, "transit"))
        for (a, b) in my_legs:
            wps.append(_wp(*a, AGL_M, 10.0, "search"))
            wps.append(_wp(*b, AGL_M, 15.0, "turn"))
        wps.append(_wp(hx, hy, AGL_M, 5.0, "transit"))
        wps.append(Waypoint(HOME_LAT, HOME_LON, home_g, 0.0, 0.0, "land"))
        length = sum(((wps[i].lat - wps[i + 1].lat) ** 2 + (wps[i].lon - wps[i + 1].lon) ** 2)
                     ** 0.5 * 100_000 for i in range(len(wps) - 1))
        sorties.append(Sortie(index=idx, waypoints=tuple(wps), length_m=length,
                              duration_s=length / 10.0, search_length_m=width * len(my_legs),
                              rth=box_rth(hx, hy, x0, y0, width, height, home_g)))
    ring = [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height), (x0, y0)]
    area = tuple(_TO_LL.transform(x, y) for x, y in ring)
    return SortiePlan(name=name, asset_id="m350-h20t", pattern="parallel", crs=CRS, home=home,
                      sorties=tuple(sorties), area_wgs84=area, spacing_m=spacing,
                      sweep_width_m=spacing, agl_m=AGL_M, min_clearance_m=AGL_M,
                      notices=notices)
