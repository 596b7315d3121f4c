"""A small logbook of closed cases on a flat imported DEM, for the MapScore command and page tests.

The DEM is flat (2,800 m) over 94.7-95.1 E, 36.2-36.6 N (EPSG:4326), imported into the test's own
terrain library; the IPP is Golmud, 36.40 N 94.90 E (scenarios.md; UTM 46N), outside the bundled
30 m demo. The crew's own quartiles are 1/2/3/4 km, so the Probability page's default grid is
5 km each way (1.25 x 4 km) with 30 m cells: 334 x 334 cells.

Missions (closing at 12:00 Beijing time): 010 found at the IPP on 2 July; 020 found 8 km east
(outside the 5 km map) on 5 July; 030 found without planning inputs on 8 July; 040 closed not
found, without a find location, on 11 July.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from pyproj import Geod
from rasterio.transform import from_origin

from sar_planner.auth import sign_in
from sar_planner.logbook.db import Database, get_database, reset_database_cache
from sar_planner.logbook.mission_inputs import mission_id_for, save_mission_inputs
from sar_planner.logbook.records import close_mission, open_mission
from sar_planner.settings import get_settings
from sar_planner.terrain import import_files
from tests.logbook._helpers import local
from tests.signin import TEST_PASSWORD, ensure_account

LAT, LON = 36.40, 94.90
#: MapScore of a find in the peak cell of a 334 x 334 map whose peak is that one cell: 1 - 2/N.
IPP_SCORE = 1 - 2 / 334 ** 2


def make_logbook(tmp_path: Path) -> Database:
    """The flat DEM imported, and the four missions above in the test's logbook."""
    dem = tmp_path / "flat.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=400, height=400, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(94.7, 36.6, 0.001, 0.001)) as dst:
        dst.write(np.full((400, 400), 2800.0, dtype="float32"), 1)
    entry = import_files([dem], get_settings(), name="flat test DEM")
    reset_database_cache()
    db = get_database()
    boss = sign_in(db, ensure_account(db, "commander"), TEST_PASSWORD).actor
    inputs = {"ipp_text": f"{LAT}, {LON}", "subject": "hiker", "quartiles_km": [1, 2, 3, 4],
              "terrain_class": "dry-flat", "terrain_id": entry.id}
    east_lon, east_lat, _ = Geod(ellps="WGS84").fwd(LON, LAT, 90.0, 8000.0)
    plan = [((LAT, LON), True, 2), ((east_lat, east_lon), True, 5), ((LAT, LON + 0.01), False, 8),
            (None, True, 11)]
    for n, (find, with_inputs, day) in enumerate(plan):
        incident = f"QH-GEM-2025-0{n + 1}0"
        open_mission(db, boss, incident, local(2025, 7, day - 1, 6, 0), ipp_lat=LAT, ipp_lon=LON)
        if with_inputs:
            save_mission_inputs(db, boss, mission_id_for(db, incident), inputs)
        close_mission(db, boss, incident, "found_alive" if find else "not_found",
                      local(2025, 7, day, 12, 0),
                      find_lat=find[0] if find else None, find_lon=find[1] if find else None)
    return db
