"""Logged sorties replayed with terrain masking: hand-checked line of sight on synthetic steps.

The DEMs are made here on a 10 m grid in UTM zone 46N (EPSG:32646) near Golmud: low ground at
3,000 m and either a plateau step or a one-cell wall. A track flown north-south (running past
the grid's edges, so every cell of a column gets the same coverage) with W = 100 m sweeps
columns 43..52 fully: coverage C = 1 there (swath area / cell area), POD = 1 - exp(-1) by the
exponential detection law (Koopman 1946; search-theory.md). Line of sight is plain geometry:
a straight line from the aircraft to the ground point, hidden where the terrain rises above it.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pyproj import CRS

from sar_planner.visibility import line_of_sight_mask
from sar_planner.errors import PlanningError
from sar_planner.geo import from_local
from sar_planner.grid import Grid
from sar_planner.i18n import t
from sar_planner.flown_plan import FlownPlan
from sar_planner.probability.logged import (FlownSortie, SortiePod, replay_logged,
                                            sortie_pod)
from sar_planner.probability.maps import ProbabilityMap
from sar_planner.terrain import Terrain

UTM46 = CRS.from_epsg(32646)
W0, S0 = 500_000.0, 4_000_000.0
GRID = Grid.from_bounds(UTM46, W0, S0, W0 + 1000.0, S0 + 200.0, 10.0)  # 20 rows x 100 cols
T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
FLAT_POD = 1.0 - math.exp(-1.0)  # C = 1 in a fully swept cell
X = GRID.x_centres() - W0  # 5, 15, ..., 995 m from the grid's west edge


def _step() -> np.ndarray:
    """Low ground 3,000 m west of x = 500 m, a plateau 3,100 m east of it (a vertical wall)."""
    return np.where(X > 500.0, 3100.0, 3000.0)[None, :].repeat(GRID.shape[0], axis=0)


def _wall() -> np.ndarray:
    """3,000 m everywhere but one column (x 500..510 m, centre 505 m) at 3,100 m."""
    return np.where(np.abs(X - 505.0) < 1.0, 3100.0, 3000.0)[None, :].repeat(GRID.shape[0], 0)


def _track(x_m: float, alt: float | None, missing: tuple[int, ...] = ()) -> dict:
    """North-south track at x_m metres east of the grid's west edge, 11 fixes from 100 m south
    of the grid to 100 m north of it, at ``alt`` metres above sea level (None: no heights)."""
    y = S0 + np.linspace(-100.0, 300.0, 11)
    lat, lon = from_local(np.full(11, W0 + x_m), y, UTM46)
    coords = []
    for i, (a, b) in enumerate(zip(lon, lat, strict=True)):
        c = [float(a), float(b)]
        if alt is not None and i not in missing:
            c.append(alt)
        coords.append(c)
    return {"type": "LineString", "coordinates": coords}


def _plan(width: float) -> dict:
    run = ((94.9, 36.1, math.nan), (94.91, 36.1, math.nan))
    return FlownPlan(name="S1", runs=(run,), sweep_width_m=width).to_json()


def _sortie(track: dict, width: float = 100.0) -> FlownSortie:
    return FlownSortie(1, T0, track, _plan(width))


def test_low_track_at_the_foot_of_a_wall_does_not_search_the_plateau_above_it():
    # aircraft 30 m above the low ground, 20 m west of a 100 m wall: it is below the crest, so
    # no sight line to the plateau top clears the crest. Swath x 430..530 m = columns 43..52.
    got = sortie_pod(_sortie(_track(480.0, 3030.0)), GRID, elevation=_step())
    assert got.masking == "replay.masked" and got.sweep_width_m == 100.0
    pod = got.pod
    # the open side (columns 43..49, x 430..500 m): exactly the flat swath's POD
    assert pod[:, 43:50] == pytest.approx(FLAT_POD, abs=1e-9)
    # the plateau beyond the crest cell (columns 51, 52: x 510..530 m): nothing seen
    assert np.all(pod[:, 51:53] == 0.0)
    # outside the swath nothing at all; column 50 holds the wall's face and crest edge
    assert np.all(pod[:, :43] == 0.0) and np.all(pod[:, 53:] == 0.0)


def test_the_same_track_above_the_plateau_searches_all_of_it():
    # 50 m above the plateau: the whole flat top is in sight, the swath counts in full
    got = sortie_pod(_sortie(_track(480.0, 3150.0)), GRID, elevation=_step())
    assert got.masking == "replay.masked"
    assert got.pod[:, 43:53] == pytest.approx(FLAT_POD, abs=1e-9)


def test_a_wall_hides_the_ground_behind_it_up_to_where_the_sight_line_clears_its_top():
    # aircraft 150 m above the ground at x = 485 m, a 100 m wall 20 m east of it (x = 505 m):
    # a ground point D metres from the aircraft is seen when 150 (1 - 20 / D) > 100, that is
    # D > 20 x 150 / 50 = 60 m (x > 545 m). W = 200 m: swath x 385..585 m, columns 39..57 full.
    got = sortie_pod(_sortie(_track(485.0, 3150.0), width=200.0), GRID, elevation=_wall())
    pod = got.pod
    assert np.all(pod[:, 51:54] == 0.0)                     # x 515, 525, 535 m: D 30..50 m
    assert pod[:, 55:58] == pytest.approx(FLAT_POD, abs=1e-9)  # x 555..575 m: D 70..90 m
    assert pod[:, 39:50] == pytest.approx(FLAT_POD, abs=1e-9)  # the near side
    # the same straight from the coverage module, one sensor abeam the cells of row 10
    terrain = Terrain(GRID, _wall(), (), 0, False)
    seen = line_of_sight_mask(GRID, terrain, np.array([[W0 + 485.0, S0 + 95.0, 3150.0]]))
    assert [bool(seen[10, c]) for c in (52, 53, 55, 56)] == [False, False, True, True]


def test_a_straight_leg_flown_over_a_ridge_at_constant_height_above_it_hides_nothing():
    # an east-west ridge (100 m high, level along x) crossed by a straight north-south leg
    # flown 80 m above the ground: across the track the ground is level everywhere, so no sight
    # line abeam can meet it. The leg's swath is simplified to its two ends; the heights must not
    # be (a straight line between the end heights, 3,080 m, would pass under the 3,100 m crest).
    ys = GRID.y_centres() - S0
    ridge = 3000.0 + 100.0 * np.exp(-((ys - 100.0) ** 2) / (2 * 60.0 ** 2))
    dem = ridge[:, None].repeat(GRID.shape[1], axis=1)
    y = np.linspace(-100.0, 300.0, 81)
    lat, lon = from_local(np.full(81, W0 + 480.0), S0 + y, UTM46)
    z = 3080.0 + 100.0 * np.exp(-((y - 100.0) ** 2) / (2 * 60.0 ** 2))
    track = {"type": "LineString", "coordinates": [[float(a), float(b), float(h)]
                                                   for a, b, h in zip(lon, lat, z, strict=True)]}
    got = sortie_pod(_sortie(track), GRID, elevation=dem)
    assert got.masking == "replay.masked"
    assert got.pod[:, 43:53] == pytest.approx(FLAT_POD, abs=1e-9)


def test_a_track_without_heights_gives_exactly_the_flat_swath_and_says_so():
    old = sortie_pod(_sortie(_track(480.0, None)), GRID)
    got = sortie_pod(_sortie(_track(480.0, None)), GRID, elevation=_step())
    assert got.masking == "replay.not_masked_no_heights"
    assert old.masking == "replay.not_masked_no_terrain"
    assert np.array_equal(got.pod, old.pod)
    flat = np.zeros(GRID.shape)
    flat[:, 43:53] = FLAT_POD
    assert got.pod == pytest.approx(flat, abs=1e-9)
    # the legacy unpacking still works
    width, source, pod = got
    assert (width, source) == (100.0, "plan") and pod is got.pod


def test_heights_far_below_the_ground_are_not_used_and_the_report_says_why():
    # 30 m "altitude" over ground at 3,000 m: heights above take-off, not above sea level
    got = sortie_pod(_sortie(_track(480.0, 30.0)), GRID, elevation=_step())
    assert got.masking == "replay.not_masked_bad_heights"
    # fixes over the grid: y = S0 + 20, 60, ..., 180 m -> 5 of the 11 have ground under them
    assert got.masking_params == {"below": 5, "total": 5, "margin": "50"}
    assert got.pod[:, 43:53] == pytest.approx(FLAT_POD, abs=1e-9)


def test_fixes_without_a_height_get_heights_between_their_neighbours():
    full = sortie_pod(_sortie(_track(480.0, 3030.0)), GRID, elevation=_step())
    part = sortie_pod(_sortie(_track(480.0, 3030.0, missing=(3, 4))), GRID, elevation=_step())
    assert part.masking == "replay.masked_partial"
    assert part.masking_params == {"missing": 2, "total": 11}
    assert np.array_equal(part.pod, full.pod)


def test_the_replay_reports_masking_per_sortie_and_the_plateau_keeps_its_probability():
    poa = np.full(GRID.shape, 0.9 / GRID.shape[0] / GRID.shape[1])
    initial = ProbabilityMap(GRID, poa, 0.1)
    masked = FlownSortie(1, T0, _track(480.0, 3030.0), _plan(100.0))
    flat = FlownSortie(2, T0 + dt.timedelta(hours=1), _track(480.0, None), _plan(100.0))
    out = replay_logged(initial, [masked, flat], elevation=_step())
    a, b = out.sorties
    assert a.masking == "replay.masked" and a.terrain_masked
    assert b.masking == "replay.not_masked_no_heights" and not b.terrain_masked
    # sortie 1: POS = POA per cell x POD x 20 rows x 8 columns seen (43..49 on the open side,
    # and 50, the cell holding the wall's face: the DEM, sampled at cell centres, makes the
    # wall a ramp from x = 495 to 505 m that the aircraft sees); columns 51, 52 are not counted
    p = poa[0, 0]
    assert a.pos == pytest.approx(8 * 20 * p * FLAT_POD, rel=1e-9)
    # unsearched plateau cells only rise by 1 / (1 - POS) after sortie 1
    after1 = p / (1.0 - a.pos)
    pod2 = b.pod[0, 51]  # sortie 2 (flat swath) does count them
    assert pod2 == pytest.approx(FLAT_POD, abs=1e-9)
    assert out.state.current.poa[0, 51] == pytest.approx(after1 * (1 - pod2) / (1 - b.pos),
                                                         rel=1e-9)
    # and both messages read in both languages
    for u in (a, b):
        en = t(u.masking, "en", **(u.masking_params or {}))
        zh = t(u.masking, "zh", **(u.masking_params or {}))
        assert en != u.masking and any("\u4e00" <= ch <= "\u9fff" for ch in zh)
        assert t(u.masking_short, "zh") != u.masking_short
    assert t(b.masking_short, "en") == "not masked: the track has no heights"


def test_a_callers_pod_function_returning_the_old_triple_still_replays():
    initial = ProbabilityMap(GRID, np.full(GRID.shape, 0.9 / 2000), 0.1)
    s = _sortie(_track(480.0, 3030.0))
    triple = tuple(sortie_pod(s, GRID, elevation=_step()))
    out = replay_logged(initial, [s], pod_of=lambda _s: triple)
    assert out.sorties[0].masking is None
    full = replay_logged(initial, [s], pod_of=lambda _s: sortie_pod(_s, GRID,
                                                                     elevation=_step()))
    assert isinstance(sortie_pod(s, GRID), SortiePod)
    assert full.sorties[0].masking == "replay.masked"
    assert out.state.current.poa == pytest.approx(full.state.current.poa, abs=0)


def test_terrain_on_another_grid_is_refused_with_a_clear_message():
    with pytest.raises(PlanningError) as err:
        sortie_pod(_sortie(_track(480.0, 3030.0)), GRID, elevation=np.zeros((3, 3)))
    assert err.value.code == "replay.err_elevation_shape"
    assert "(3, 3)" in err.value.message("zh") and "(20, 100)" in str(err.value)


# --- properties over many terrains ------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402


def _bumps(seed: int, relief: float) -> np.ndarray:
    """Smooth random terrain on GRID: a few Gaussian hills and valleys, +-relief metres."""
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(GRID.x_centres() - W0, GRID.y_centres() - S0)
    z = np.full(GRID.shape, 3000.0)
    for _ in range(4):
        cx, cy = rng.uniform(0, 1000), rng.uniform(0, 200)
        r = rng.uniform(20, 150)
        z += rng.uniform(-relief, relief) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r))
    return z


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=hs.integers(0, 10_000), relief=hs.floats(0.0, 300.0), x=hs.floats(200.0, 800.0),
       above=hs.floats(1.0, 200.0), climb=hs.floats(1.0, 300.0))
def test_flying_higher_never_searches_less_and_masking_never_adds(seed, relief, x, above, climb):
    # geometry: raising the aircraft raises every sight line from a fixed ground point, so a
    # cell seen from below is seen from above; a face turned towards it stays turned towards it
    dem = _bumps(seed, relief)
    # above the highest ground under the track (hills beside it may rise higher)
    low_alt = float(dem[:, int(x // 10)].max()) + above
    flat = sortie_pod(_sortie(_track(x, None)), GRID).pod
    low = sortie_pod(_sortie(_track(x, low_alt)), GRID, elevation=dem)
    high = sortie_pod(_sortie(_track(x, low_alt + climb)), GRID, elevation=dem)
    assert low.masking == high.masking == "replay.masked"
    assert np.all(high.pod >= low.pod)
    assert np.all(low.pod <= flat) and np.all(high.pod <= flat)
    # masking only ever removes whole cells: a cell keeps the flat swath's POD or gets 0
    assert np.all((low.pod == 0) | (low.pod == flat))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ground=hs.floats(2500.0, 5500.0), above=hs.floats(1.0, 500.0), x=hs.floats(100.0, 900.0))
def test_on_flat_ground_masking_hides_nothing(ground, above, x):
    dem = np.full(GRID.shape, ground)
    got = sortie_pod(_sortie(_track(x, ground + above)), GRID, elevation=dem)
    flat = sortie_pod(_sortie(_track(x, None)), GRID)
    assert got.masking == "replay.masked"
    assert np.array_equal(got.pod, flat.pod)
