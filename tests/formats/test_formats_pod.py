"""A flown track read back from a GPX file feeds coverage: flying off the plan lowers POD.

The plan is the hand-built lawn-mower of tests/formats_plans.py: legs 100 m apart with an
effective sweep width of 100 m, so inside the segment the planned coverage is C = W / S = 1 and
the planned POD is 1 - exp(-1) = 0.632 (Koopman's random-search law, search-theory.md; IAMSAR
Vol. II). The "flown" tracks are written with gpxpy (a writer independent of ours) as a logger
would: every fix with a UTC time. A track flown 400 m east of the plan leaves 400 m of each
1,500 m leg outside the segment, so the segment's POS falls from 0.63 to about 0.5 (worked out
in the test).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from sar_planner.coverage import plan_coverage, pod_from_coverage, sortie_pos, track_coverage
from sar_planner.formats import read_track
from sar_planner.grid import Grid
from tests.formats_plans import CRS as PLAN_CRS
from tests.formats_plans import make_plan


def _gpx_of(plan, east_m: float) -> bytes:
    """The plan's waypoints shifted ``east_m`` metres east, one fix every 10 s, as GPX 1.1."""
    to_xy = Transformer.from_crs("EPSG:4326", PLAN_CRS, always_xy=True)
    to_ll = Transformer.from_crs(PLAN_CRS, "EPSG:4326", always_xy=True)
    gpx = gpxpy.gpx.GPX()
    seg = gpxpy.gpx.GPXTrackSegment()
    t0 = datetime(2026, 8, 14, 6, 0, tzinfo=timezone.utc)
    for i, w in enumerate(plan.sorties[0].waypoints):
        x, y = to_xy.transform(w.lon, w.lat)
        lon, lat = to_ll.transform(x + east_m, y)
        seg.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=w.alt_amsl_m,
                                                  time=t0 + timedelta(seconds=10 * i)))
    trk = gpxpy.gpx.GPXTrack()
    trk.segments.append(seg)
    gpx.tracks.append(trk)
    return gpx.to_xml(version="1.1").encode("utf-8")


@pytest.fixture(scope="module")
def setup():
    plan = make_plan()
    crs = CRS.from_user_input(PLAN_CRS)
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    ring = [to_xy.transform(lon, lat) for lon, lat in plan.area_wgs84]
    seg = shapely.Polygon(ring)
    w, s, e, n = seg.bounds
    grid = Grid.from_bounds(crs, w - 600, s - 600, e + 600, n + 600, 20.0)
    rows, cols = grid.shape
    xs = grid.transform.c + (np.arange(cols) + 0.5) * grid.cell_size
    ys = grid.transform.f - (np.arange(rows) + 0.5) * grid.cell_size
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(seg, gx, gy)
    poa = inside / inside.sum()          # all the probability uniformly in the segment
    return plan, grid, poa


def _track_pos(plan, grid, poa, east_m: float) -> float:
    track = read_track("flown.gpx", _gpx_of(plan, east_m))
    assert track.source_format == "gpx" and track.has_altitudes
    lat, lon, alt = track.arrays()
    cov = track_coverage(lat, lon, None, grid, plan.sweep_width_m)
    return sortie_pos(poa, pod_from_coverage(cov))


def test_planned_pos_is_koopman_for_coverage_one(setup):
    plan, grid, poa = setup
    planned = sortie_pos(poa, pod_from_coverage(plan_coverage(plan, grid)))
    assert planned == pytest.approx(1 - math.exp(-1), abs=0.02)


def test_flown_track_offset_from_the_plan_gives_a_lower_pod(setup):
    plan, grid, poa = setup
    planned = sortie_pos(poa, pod_from_coverage(plan_coverage(plan, grid)))
    on_plan = _track_pos(plan, grid, poa, 0.0)
    off_plan = _track_pos(plan, grid, poa, 400.0)
    # flown as planned: at least the planned POS (the logged transit legs also count)
    assert on_plan >= planned - 0.01
    assert off_plan < planned - 0.1
    # By hand, in the 1500 m x 1200 m segment (1.8 km2), POD 0.632 wherever C = 1:
    #   lanes: 1100 of each 1500 m leg still inside            -> 0.632 * 1100/1500 = 0.463
    #   plus the logged turns at the west end, 50 m of swath west of the lane ends
    #   (50 m x 1200 m = 0.06 km2)                              -> 0.632 * 0.06/1.8  = 0.021
    #   plus the return transit crossing the uncovered west strip diagonally
    #   (~1190 m x 100 m = 0.119 km2)                           -> 0.632 * 0.119/1.8 = 0.042
    # so between 0.463 and about 0.53.
    lanes_only = (1 - math.exp(-1)) * 1100 / 1500
    assert lanes_only <= off_plan <= lanes_only + 0.021 + 0.042 + 0.01
