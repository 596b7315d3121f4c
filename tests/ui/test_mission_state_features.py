"""The Mission page's session dict and the stored inputs carry the map features unchanged, and the
hand-over fingerprint changes with them (a map built before a barrier was drawn is stale)."""

from __future__ import annotations

import datetime as dt

from sar_planner.logbook.mission_inputs import check_mission_inputs
from sar_planner.ui.mission_state import (mission_fingerprint, session_from_stored,
                                          stored_from_session)

_RIVER = {"id": "id-river", "kind": "barrier", "name": "诺木洪河", "source": "drawn",
          "geometry": {"type": "LineString", "coordinates": [[96.40, 36.40], [96.45, 36.46]]}}
_SEG = {"id": "id-s1", "kind": "segment", "name": "S1", "source": "imported:s.kml",
        "geometry": {"type": "Polygon", "coordinates": [[[96.40, 36.40], [96.41, 36.40],
                                                          [96.41, 36.41], [96.40, 36.40]]]}}


def _session(**over):
    m = {"ipp_text": "36.43, 96.42", "datum": "WGS84", "lat": 36.43, "lon": 96.42,
         "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "herder",
         "terrain_class": "dry-flat", "quartiles_km": None, "seen_date": dt.date(2026, 7, 1),
         "seen_time": dt.time(8, 0), "speed_kmh": 0.0, "age": 0, "notes": "", "model": None,
         "terrain_id": None, "features": [_RIVER, _SEG]}
    m.update(over)
    return m


def test_features_go_through_the_store_and_back_unchanged():
    stored = dict(check_mission_inputs(stored_from_session(_session())), revision=3)
    assert stored["features"] == [_RIVER, _SEG]
    back = session_from_stored(stored, "QH-1", 7)
    assert back["features"] == [_RIVER, _SEG] and back["revision"] == 3
    # a session without the key (an older page) sends none, so the store keeps its own
    assert "features" not in stored_from_session({k: v for k, v in _session().items()
                                                  if k != "features"})
    # a version-1 dict has no features: read as none
    assert session_from_stored({k: v for k, v in stored.items() if k != "features"},
                               "QH-1", 7)["features"] == []


def test_the_fingerprint_follows_the_features_that_change_the_map_and_the_segments():
    base = mission_fingerprint(_session())
    assert mission_fingerprint(_session()) == base
    moved = dict(_RIVER, geometry={"type": "LineString",
                                   "coordinates": [[96.40, 36.40], [96.46, 36.46]]})
    assert mission_fingerprint(_session(features=[moved, _SEG])) != base
    assert mission_fingerprint(_session(features=[_RIVER])) != base  # a segment removed
    assert mission_fingerprint(_session(features=[_RIVER, dict(_SEG, name="S9")])) != base
    assert mission_fingerprint(_session(features=[])) != base
    assert mission_fingerprint(None) == ()


def test_the_page_s_hand_over_is_current_for_the_same_features_in_any_order():
    import numpy as np
    from pyproj import CRS

    from sar_planner.grid import Grid
    from sar_planner.probability import ProbabilityMap
    from sar_planner.ui.mission_state import current_handover, publish

    grid = Grid.centered(CRS.from_epsg(32646), 500_000.0, 4_000_000.0, 100.0, 100.0)
    pm = ProbabilityMap(grid, np.full(grid.shape, 1.0 / grid.shape[0] / grid.shape[1]), 0.0)
    state: dict = {}
    # the page publishes the segments first, then the features the model was built with
    publish(state, terrain_id="t", mission=_session(features=[_SEG, _RIVER]), model="rings",
            current=pm, segments=[])
    assert current_handover(state, _session()) is not None  # [_RIVER, _SEG] in the session
    assert current_handover(state, _session(features=[_SEG])) is None  # the river removed


def test_the_mission_page_s_save_keeps_the_features_drawn_on_the_probability_page():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from sar_planner.auth import Actor
    from sar_planner.logbook.db import get_database
    from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                    save_mission_features)
    from tests.signin import sign_in_apptest
    from tests.ui.test_page_mission_thread import open_on_page

    page = str(Path(__file__).resolve().parents[2] / "sar_planner" / "ui" / "pages"
               / "mission.py")
    at = AppTest.from_file(page, default_timeout=120)
    at.session_state["lang"] = "en"
    sign_in_apptest(at, "crew")
    at = open_on_page(at.run(), "QH-FEAT-1")
    at.text_input(key="mission_ipp").set_value("36.43, 96.42")
    next(b for b in at.button if b.label == "Save mission inputs").click().run()
    db = get_database()
    mid = mission_id_for(db, "QH-FEAT-1")
    # the Probability page adds a river and a segment (as its feature panel does) and its
    # session then holds them with version 2
    stored = save_mission_features(db, Actor(None, "ma", "crew"), mid, [_RIVER, _SEG],
                                   base_revision=1)
    at.session_state["mission"] = session_from_stored(stored, "QH-FEAT-1", mid)
    at.session_state["mission_pick"] = {"incident_number": "QH-FEAT-1", "mission_id": mid,
                                        "revision": 2}
    at.run()
    at.text_area(key="mission_notes").set_value("seen near the canal")
    next(b for b in at.button if b.label == "Save mission inputs").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    after = mission_inputs(db, mid)
    assert after["revision"] == 3 and after["notes"] == "seen near the canal"
    assert after["features"] == [_RIVER, _SEG]
    assert at.session_state["mission"]["features"] == [_RIVER, _SEG]
