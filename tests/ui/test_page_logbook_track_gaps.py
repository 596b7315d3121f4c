"""Logbook page (AppTest): a flight log of two segments (GPX ``trkseg``) checked against its plan
says it is in two pieces, is saved as a MultiLineString, and its saved sortie replays as its two
pieces and nothing between them.

The log is tests/ui/test_page_logbook_heights.py's lawn-mower flown one swath north of its lines
(12 legs of 82 fixes, heights over the SYNTHETIC demo DEM), with the logger stopped after leg 6:
legs 1-6 in one ``trkseg``, legs 7-12 in another.
"""

from __future__ import annotations

import numpy as np
import pytest

from sar_planner.formats import write_plan
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.records import list_sorties
from sar_planner.logbook.tracks import track_lines
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.terrain import grid_around
from tests.formats_plans import make_plan
from tests.plans3d import terrain_followed
from tests.ui.test_page_logbook_flown import _compare, _open
from tests.ui.test_page_logbook_heights import _fill_and_save, flown_gpx_with_ele


@pytest.fixture
def app(data_dir):
    reset_database_cache()
    yield _open("en")
    reset_database_cache()


def _two_trksegs(gpx: bytes, after: int) -> bytes:
    """``gpx`` (one trkseg) with the segment closed after its ``after``-th trkpt."""
    text = gpx.decode()
    cut, pos = 0, 0
    for _ in range(after):
        pos = text.index("</trkpt>", pos) + len("</trkpt>")
        cut = pos
    return (text[:cut] + "</trkseg><trkseg>" + text[cut:]).encode()


def test_a_log_in_two_pieces_is_saved_in_two_and_replays_without_the_gap(app):
    plan = terrain_followed(make_plan())
    gpx, heights = flown_gpx_with_ele(plan)
    assert len(heights) == 984
    at = _compare(app, "plan.geojson", write_plan(plan, ".geojson"), _two_trksegs(gpx, 6 * 82))
    assert not at.exception and not at.error, [e.value for e in at.error]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("The track is in 2 separate pieces") for c in captions), captions
    assert any("A flown track of 984 points is attached." in c for c in captions), captions
    at = _fill_and_save(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (rec,) = list_sorties(get_database())
    assert rec.track["type"] == "MultiLineString"
    assert [len(line) for line in track_lines(rec.track)] == [492, 492]
    # each piece is its own swath run and nothing lies between them: the sortie's coverage is
    # the two pieces' coverages added (C = C1 + C2, so 1 - POD = (1 - POD1)(1 - POD2), the
    # exponential law, Koopman 1946), with no third term for the line that joined them
    grid = grid_around(36.10, 94.85, 4000.0, 30.0)

    def pod(track):
        return sortie_pod(FlownSortie(rec.number, rec.takeoff_at, track, rec.plan), grid).pod

    both = pod(rec.track)
    one, two = (pod({"type": "LineString", "coordinates": line}) for line in track_lines(rec.track))
    assert both.max() > 0.6
    assert np.abs((1.0 - both) - (1.0 - one) * (1.0 - two)).max() <= 1e-9
