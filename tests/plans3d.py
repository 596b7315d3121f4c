"""A test plan flown as a real plan is: terrain following along its searching legs.

tests/formats_plans.make_plan puts waypoints only at the ends of each 1,500 m leg, at the demo
DEM's ground + 75.5 m there; straight between them, the legs pass up to 62 m BELOW the SYNTHETIC
Kunlun demo terrain in the middle (sampled every 10 m with rasterio). Line of sight then rightly
hides what lies behind that ground. :func:`terrain_followed` adds a waypoint every ``step_m``
along each searching leg at the DEM's ground + the plan's AGL there (as
sar_planner.flightpath's terrain following does), so the same plan can be flown.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import rasterio
from pyproj import Transformer

from sar_planner.plan import SortiePlan, Waypoint
from tests.formats_plans import CRS, DEMO_DEM

_TO_XY = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def terrain_followed(plan: SortiePlan, step_m: float = 30.0) -> SortiePlan:
    """``plan`` with every searching leg split every ``step_m`` metres, each new waypoint at the
    demo DEM's elevation (nearest cell) + ``plan.agl_m``; the leg ends keep their heights."""
    agl = float(plan.agl_m)
    sorties = []
    with rasterio.open(DEMO_DEM) as ds:
        for s in plan.sorties:
            wps: list[Waypoint] = []
            for i, w in enumerate(s.waypoints):
                wps.append(w)
                if w.role != "search" or i + 1 >= len(s.waypoints):
                    continue
                nxt = s.waypoints[i + 1]
                (xa, xb), (ya, yb) = _TO_XY.transform([w.lon, nxt.lon], [w.lat, nxt.lat])
                n = max(1, int(math.ceil(math.hypot(xb - xa, yb - ya) / step_m)))
                t = np.arange(1, n) / n
                xs, ys = xa + (xb - xa) * t, ya + (yb - ya) * t
                ground = [float(v[0]) for v in ds.sample(list(zip(xs, ys, strict=True)))]
                lon, lat = _TO_LL.transform(xs, ys)
                wps += [Waypoint(float(la), float(lo), g + agl, agl, w.speed_m_s, "search")
                        for la, lo, g in zip(lat, lon, ground, strict=True)]
            sorties.append(dataclasses.replace(s, waypoints=tuple(wps)))
    return dataclasses.replace(plan, sorties=tuple(sorties))
