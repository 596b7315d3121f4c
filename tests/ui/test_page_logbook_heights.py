"""Logbook page (AppTest): a flown track with heights is logged with them, and the sortie then
replays terrain-masked on the mission's map.

The log is tests/ui/test_page_logbook_flown.py's lawn-mower flown one swath (100 m) north of its
lines, now with each fix's GPX ``ele`` = the SYNTHETIC demo DEM's ground under it (rasterio,
nearest cell) + 75.5 m, rounded to the centimetre, so every height is a sea-level height the
aircraft could have flown. Stored heights must equal the file's to 0.1 m (the logbook rounds
them to 0.1 m). The plan is flown terrain-following (tests/plans3d.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from sar_planner.formats import write_plan
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import list_sorties
from sar_planner.plan import SortiePlan
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.terrain import grid_around, load_terrain
from tests.formats_plans import DEMO_DEM, make_plan
from tests.plans3d import terrain_followed
from tests.ui.test_page_logbook_flown import _compare, _metric, _open

_TO_XY = Transformer.from_crs("EPSG:4326", "EPSG:32646", always_xy=True)
_TO_LL = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True)


def flown_gpx_with_ele(plan: SortiePlan, dy: float = 100.0, step: float = 20.0
                       ) -> tuple[bytes, list[float]]:
    """The legs of ``plan`` flown ``dy`` m north of their lines (fixes every ``step`` m, 60 m
    beyond the segment at each end), each fix at the demo ground + 75.5 m; the GPX and its
    heights in flying order."""
    xy = [_TO_XY.transform(lon, lat) for lon, lat in plan.area_wgs84]
    x0, y0 = min(x for x, _ in xy), min(y for _, y in xy)
    x1, y1 = max(x for x, _ in xy), max(y for _, y in xy)
    s = plan.spacing_m
    fixes = []
    for k in range(int(round((y1 - y0) / s))):
        y = y0 + s / 2 + k * s + dy
        xs = np.arange(x0 - 60.0, x1 + 60.0 + 1e-6, step)
        fixes += [(float(x), y) for x in (xs if k % 2 == 0 else xs[::-1])]
    with rasterio.open(DEMO_DEM) as ds:
        ground = [float(v[0]) for v in ds.sample(fixes)]
    heights = [round(g + 75.5, 2) for g in ground]
    pts = []
    for (x, y), h in zip(fixes, heights, strict=True):
        lon, lat = _TO_LL.transform(x, y)
        pts.append(f'<trkpt lat="{lat:.9f}" lon="{lon:.9f}"><ele>{h:.2f}</ele></trkpt>')
    gpx = ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
           'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + "".join(pts)
           + "</trkseg></trk></gpx>").encode()
    return gpx, heights


@pytest.fixture
def app(data_dir):
    reset_database_cache()
    yield _open("en")
    reset_database_cache()


def _fill_and_save(at: AppTest) -> AppTest:
    at.selectbox(key="lb_task").set_value("training")
    at.selectbox(key="lb_aircraft").set_value("B-7185")
    day = dt.date(2025, 7, 1)
    at.date_input(key="lb_t_date").set_value(day)
    at.date_input(key="lb_l_date").set_value(day)
    at.time_input(key="lb_t_time").set_value(dt.time(8, 0))
    at.time_input(key="lb_l_time").set_value(dt.time(8, 40))
    return next(b for b in at.button if b.label == "Save as draft").click().run()


def test_the_checked_track_is_saved_with_its_heights_and_replays_masked(app):
    plan = terrain_followed(make_plan())
    gpx, heights = flown_gpx_with_ele(plan)
    at = _compare(app, "plan.geojson", write_plan(plan, ".geojson"), gpx)
    assert not at.exception and not at.error, [e.value for e in at.error]
    # both PODs are masked with line of sight, and the page says so (no warning about ridges)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Planned POD: ground hidden") for c in captions), captions
    assert any(c.startswith("Flown POD: ground hidden from the track's heights") for c in captions)
    assert not [w for w in at.warning if "ridges" in w.value]
    # 75.5 m above the smooth demo relief nothing is hidden to speak of: the hand figures stand
    # (1 - 1/e planned, 11/12 of it flown; Koopman, IAMSAR Vol. II)
    assert _metric(at, "Planned POD") == pytest.approx(63.2, abs=1.0)
    assert _metric(at, "Achieved POD") == pytest.approx(57.9, abs=1.0)
    assert any("Heights above sea level kept for 984 of 984 fixes" in c for c in captions)

    at = _fill_and_save(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (rec,) = list_sorties(get_database())
    coords = rec.track["coordinates"]
    assert len(coords) == len(heights) == 984          # 12 legs x 82 fixes, under the cap
    assert all(len(c) == 3 for c in coords)
    assert max(abs(c[2] - h) for c, h in zip(coords, heights, strict=True)) <= 0.05 + 1e-9
    assert rec.plan["comparison"]["flown_masking"] == "tracks3d.flown_masked"
    # the saved sortie loaded back for correction shows its heights
    at.button(key="lb_correct").click().run()
    assert not at.exception
    assert any("Heights above sea level kept for 984 of 984 fixes" in c.value
               for c in at.caption), [c.value for c in at.caption]

    # the sortie replayed on a mission map over the demo terrain: masked with its heights
    grid = grid_around(36.10, 94.85, 4000.0, 30.0)
    elevation = load_terrain([str(DEMO_DEM)], grid).elevation
    got = sortie_pod(FlownSortie(rec.number, rec.takeoff_at, rec.track, rec.plan), grid,
                     elevation=elevation)
    assert got.masking == "replay.masked"
    assert got.sweep_width_m == 100.0 and got.pod.max() > 0.6


def test_a_track_attached_on_the_form_keeps_its_heights(app):
    plan = make_plan()
    gpx, heights = flown_gpx_with_ele(plan, step=100.0)   # 12 legs x 17 fixes
    app.file_uploader(key="lb_track_file").set_value(("flight.gpx", gpx, "application/gpx+xml"))
    at = _fill_and_save(app)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (rec,) = list_sorties(get_database())
    coords = rec.track["coordinates"]
    assert len(coords) == len(heights) == 204
    assert max(abs(c[2] - h) for c, h in zip(coords, heights, strict=True)) <= 0.05 + 1e-9


def test_a_track_without_heights_says_ridges_will_count_as_searched(app):
    from tests.ui.test_page_logbook_flown import flown_gpx

    plan = terrain_followed(make_plan())
    at = _compare(app, "plan.geojson", write_plan(plan, ".geojson"), flown_gpx(plan))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(w.value.startswith("Flown POD: the track has no heights") for w in at.warning)
    assert any("The track file gives no heights above sea level" in c.value for c in at.caption)


def test_the_masking_reads_in_chinese(data_dir):
    reset_database_cache()
    plan = terrain_followed(make_plan())
    gpx, _ = flown_gpx_with_ele(plan)
    at = _compare(_open("zh"), "plan.geojson", write_plan(plan, ".geojson"), gpx)
    assert not at.exception and not at.error, [e.value for e in at.error]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("实际发现概率：按航迹高度看不到的地面") for c in captions), captions
    assert any("已保留 984 个定位点中 984 个的海拔高度" in c for c in captions)
    reset_database_cache()

