"""Plans back in as the plan flown, with their legs' roles (issue 13, item 7).

The sortie is planned by the real planner over the 30 m ridge DEM of tests/planning/test_flightpath.py
(M30T, 80 m above ground, launch at the pattern's corner), then exported and read back by
sar_planner.formats.plan_files.read_flown_plan. The searching runs read back must be the plan's
own (sar_planner.flown_plan.FlownPlan.from_sortie_plan, which takes the roles from the plan
itself): the same number of runs and the same length, measured on the WGS84 ellipsoid with pyproj
(independently of the planner's metric CRS).
"""

from __future__ import annotations

import json

import pytest
from pyproj import Geod
from shapely.geometry import box

from sar_planner.assets import get_asset, load_catalogue
from sar_planner.errors import LogbookError
from sar_planner.flightpath import build_plan
from sar_planner.flown_plan import FlownPlan
from sar_planner.formats import write_plan
from sar_planner.formats.plan_files import read_flown_plan
from sar_planner.patterns import parallel_track
from sar_planner.sweep import effective_sweep_width
from tests.planning.test_flightpath import X0, Y0, _ridge_terrain

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    terrain, _ = _ridge_terrain(tmp_path_factory.mktemp("ridge"))
    asset = get_asset("m30t")
    sweep = effective_sweep_width(asset, 80.0)
    area = box(X0 + 3800, Y0 - 3600, X0 + 5400, Y0 - 2400)
    track = parallel_track(area, sweep.width_m, start_xy=(X0 + 3800, Y0 - 3600))
    plan = build_plan(terrain, track, asset, sweep, 80.0, home_xy=(X0 + 3000, Y0 - 3800),
                      area_wgs84=_ring(area)).plan
    return plan, asset


def _ring(area):
    from sar_planner.geo import from_local

    xs, ys = area.exterior.xy
    lat, lon = from_local(list(xs), list(ys), "EPSG:32646")
    return tuple((float(a), float(b)) for a, b in zip(lon, lat, strict=True))


def _length(runs) -> float:
    return sum(GEOD.line_length([p[0] for p in r], [p[1] for p in r]) for r in runs)


def _own(plan, sortie: int) -> FlownPlan:
    own = FlownPlan.from_sortie_plan(plan)
    return own.for_sortie(sortie) if len(plan.sorties) > 1 else own


def test_our_plan_file_comes_back_with_only_its_searching_legs(planned):
    plan, asset = planned
    data = write_plan(plan, ".plan", sortie=1, asset=asset)
    back = read_flown_plan("sortie1.plan", data)
    own = _own(plan, 1)
    assert len(back.runs) == len(own.runs) > 1
    assert _length(back.runs) == pytest.approx(_length(own.runs), abs=0.05)
    # the plan's searching length (metres in its UTM zone) within the scale error of the zone
    assert _length(back.runs) == pytest.approx(plan.sorties[0].search_length_m, rel=2e-3)
    assert back.sweep_width_m == plan.sweep_width_m and back.sortie == 1
    assert back.run_sorties == (1,) * len(back.runs) and back.asset_id == "m30t"
    # without the roles block (a .plan from elsewhere) the segment rule counts the turns inside
    # the segment as searching too: more length than was searched
    doc = json.loads(data)
    del doc["sar_planner"]
    foreign = read_flown_plan("qgc.plan", json.dumps(doc).encode())
    assert foreign.sweep_width_m is None
    assert _length(foreign.runs) > _length(own.runs) + 100.0


def test_a_dji_route_comes_back_with_its_searching_legs_by_speed(planned):
    plan, asset = planned
    # the rule "slowest legs are the searching legs" holds for every aircraft in the catalogue
    assert all(a.search_speed_m_s < a.transit_speed_m_s for a in load_catalogue().values())
    back = read_flown_plan("sortie1.kmz", write_plan(plan, ".kmz", sortie=1, asset=asset))
    own = _own(plan, 1)
    assert back.source == "dji-wpml"
    assert len(back.runs) == len(own.runs)
    assert _length(back.runs) == pytest.approx(_length(own.runs), abs=0.05)
    # heights back above sea level: the file's ellipsoidal heights minus EGM2008 N
    own_alts = sorted(p[2] for r in own.runs for p in r)
    back_alts = sorted(p[2] for r in back.runs for p in r)
    assert min(back_alts) == pytest.approx(min(own_alts), abs=0.01)
    assert max(back_alts) == pytest.approx(max(own_alts), abs=0.01)


def test_a_waypoints_file_is_not_taken_as_a_plan_flown(planned):
    plan, asset = planned
    with pytest.raises(LogbookError) as err:
        read_flown_plan("s.waypoints", write_plan(plan, ".waypoints", sortie=1, asset=asset))
    assert err.value.code == "logbook.flown.err_plan_ext"
    assert ".plan" in err.value.message("en") and ".kmz" in err.value.message("en")


def test_a_kmz_that_is_not_a_route_is_a_clear_error(planned):
    plan, _ = planned
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", write_plan(plan, ".kml"))
    with pytest.raises(LogbookError) as err:
        read_flown_plan("earth.kmz", buf.getvalue())
    assert err.value.code == "logbook.flown.err_plan_file"
