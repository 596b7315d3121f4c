"""Return-to-home height over the terrain between a route and home (issue 13, item 2).

Terrain: a 6 km x 6 km grid at 30 m (UTM 46N) with a basin floor at 3,000 m and a ridge running
north-south, z = 3000 + 300 exp(-((x - 3000) / 400)^2) metres, x from the grid's west edge. The
crest cells have centres 15 m either side of x = 3000, so by hand the highest cell is
3000 + 300 exp(-(15/400)^2) = 3299.58 m. Home is on the basin floor west of the ridge.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from shapely.geometry import box

from sar_planner.assets import get_asset
from sar_planner.flightpath import build_plan
from sar_planner.formats import write_plan
from sar_planner.geo import to_local
from sar_planner.patterns import parallel_track
from sar_planner.return_height import return_height
from sar_planner.sweep import effective_sweep_width
from tests.planning.test_flightpath import EPSG, X0, Y0, _ridge_terrain

CREST = 3000.0 + 300.0 * math.exp(-(15.0 / 400.0) ** 2)   # 3299.58 m, by hand
NS = {"k": "http://www.opengis.net/kml/2.2", "wpml": "http://www.dji.com/wpmz/1.0.2"}
HOME = (X0 + 500.0, Y0 - 3000.0)


def test_a_ridge_between_the_route_and_home_sets_the_height(tmp_path: Path):
    terrain, _ = _ridge_terrain(tmp_path)
    # route on the far (east) side of the ridge: every way home crosses the crest
    route = np.array([[X0 + 4000, Y0 - 2000], [X0 + 5500, Y0 - 2000], [X0 + 5500, Y0 - 4000]])
    r = return_height(terrain, route, HOME, 3000.0, 80.0)
    assert r.terrain_max_amsl_m == pytest.approx(CREST, abs=0.05)
    assert r.alt_amsl_m == pytest.approx(CREST + 80.0, abs=0.05)
    assert r.above_home_m == pytest.approx(CREST + 80.0 - 3000.0, abs=0.05)   # 379.6 m
    assert r.clearance_m == 80.0
    x, _ = to_local(r.terrain_max_lat, r.terrain_max_lon, f"EPSG:{EPSG}")
    assert abs(float(x) - (X0 + 3000.0)) <= 15.0 + 1e-6      # on the crest


def test_a_ridge_beyond_the_route_does_not_count(tmp_path: Path):
    terrain, _ = _ridge_terrain(tmp_path)
    # route between home and the ridge (x <= 2000 m): the lines home never reach the ridge;
    # the fan plus one cell reaches x = 2000 + 30 + 15 = 2045 m at most, where by hand the
    # ground is 3000 + 300 exp(-(955/400)^2) = 3001.0 m
    route = np.array([[X0 + 1000, Y0 - 2000], [X0 + 2000, Y0 - 2000], [X0 + 2000, Y0 - 4000]])
    r = return_height(terrain, route, HOME, 3000.0, 80.0)
    assert 3000.0 < r.terrain_max_amsl_m <= 3000.0 + 300.0 * math.exp(-(955 / 400) ** 2) + 1e-6
    assert r.above_home_m < 82.0


def test_planned_sorties_carry_it_into_the_dji_route_and_the_briefing(tmp_path: Path):
    terrain, _ = _ridge_terrain(tmp_path)
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    area = box(X0 + 3800, Y0 - 3600, X0 + 5400, Y0 - 2400)     # east of the ridge
    track = parallel_track(area, sweep.width_m, start_xy=(X0 + 3800, Y0 - 3600))
    plan = build_plan(terrain, track, asset, sweep, 80.0, home_xy=HOME).plan
    s = plan.sorties[0]
    assert s.rth is not None
    assert s.rth.terrain_max_amsl_m == pytest.approx(CREST, abs=0.05)
    assert s.rth.above_home_m == pytest.approx(CREST + 80.0 - plan.home.alt_amsl_m, abs=0.05)
    want = math.ceil(s.rth.above_home_m)                       # 380 m above take-off
    assert want == 380
    data = write_plan(plan, ".kmz", asset=asset, sortie=1)
    zf = zipfile.ZipFile(io.BytesIO(data))
    for name in ("wpmz/template.kml", "wpmz/waylines.wpml"):
        doc = etree.fromstring(zf.read(name))
        assert doc.xpath("string(//wpml:missionConfig/wpml:globalRTHHeight)",
                         namespaces=NS) == str(want)
    template = etree.fromstring(zf.read("wpmz/template.kml"))
    # M30T camera (payload 53): wide and infrared lenses recorded, main mount
    assert template.xpath("string(//k:Folder/wpml:payloadParam/wpml:imageFormat)",
                          namespaces=NS) == "wide,ir"
    assert template.xpath("string(//k:Folder/wpml:payloadParam/wpml:payloadPositionIndex)",
                          namespaces=NS) == "0"
    page = write_plan(plan, ".html", lang="en", sortie=1).decode()
    assert f"Sortie 1: {want} m above the take-off point" in page
    assert "is 3300 m AMSL at" in page and "plus the planned clearance of 80 m" in page
