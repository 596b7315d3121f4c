"""Texts a crew read on the pages that had gone out of date or said too little (QA walk, session 2).

Terrain: the bundled real 15" GEBCO grid of the eastern Pamir (terrain/PROVENANCE.md), IPP near
Karakul lake (38.30 N, 75.05 E), as in tests/ui/test_page_probability.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.signin import sign_in_apptest

REPO = Path(__file__).resolve().parents[2]
PROBABILITY = str(REPO / "sar_planner" / "ui" / "pages" / "probability.py")


def _probability(lang: str, **mission_over) -> AppTest:
    mission = {"ipp_text": "38.30, 75.05", "datum": "WGS84", "lat": 38.30, "lon": 75.05,
               "uncertainty_m": 0.0, "uncertainty_kind": "gaussian", "subject": "hiker",
               "terrain_class": "dry-mountainous", "quartiles_km": None,
               "seen_date": dt.date(2026, 7, 1), "seen_time": dt.time(8, 0), "speed_kmh": 0.0,
               "notes": ""}
    mission.update(mission_over)
    at = AppTest.from_file(PROBABILITY, default_timeout=180)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    at.session_state["mission"] = mission
    at.session_state["terrain_entry"] = "pamir-15arcsec"
    at.run()
    at.number_input(key="poa_radius").set_value(3.0)
    at.number_input(key="poa_cell").set_value(100.0)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize(("lang", "stale", "now"), [
    ("en", "No terrain masking", "terrain-masked"),
    ("zh", "未考虑地形遮挡", "考虑地形遮挡"),
])
def test_the_logged_sorties_help_says_tracks_with_heights_are_terrain_masked(lang, stale, now):
    # the replay masks tracks with heights since commit 60196ee; the help still said it did not
    at = _probability(lang)
    help_text = next(c.value for c in at.caption if "POD = 1 - exp(" in c.value)
    assert stale not in help_text and now in help_text


def test_counts_read_right_for_one_sortie():
    # "1 sorties applied" and "The 1 sorties shown" were seen on the pages (QA walk, session 2)
    from sar_planner.i18n import t

    assert "1 sorties" not in t("probability.ui.sorties_done", "en", n=1, pos="0.015")
    assert "1 sorties" not in t("logbook.ui.rows_header", "en", count=1)
    assert t("probability.ui.sorties_done", "en", n=1, pos="0.015").startswith("Sorties applied: 1.")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "position uncertainty 2 km: Anywhere in the circle"),
    ("zh", "位置误差 2 公里：圆内任意位置"),
])
def test_the_map_line_names_the_position_uncertainty(lang, expected):
    # a phone-tower fix of 2,000 m: the crew sees that the map spreads the IPP over it
    at = _probability(lang, uncertainty_m=2000.0, uncertainty_kind="disc")
    line = at.caption[0].value
    assert expected in line
    assert "uncertainty" not in _probability("en").caption[0].value  # none given: not mentioned


@pytest.mark.parametrize(("lang", "label"), [("en", "95 % distance (km)"), ("zh", "95% 距离（公里）")])
def test_the_mission_page_says_the_own_distances_are_in_km(lang, label):
    from sar_planner.auth import sign_in
    from sar_planner.logbook.db import get_database
    from sar_planner.logbook.records import open_mission
    from tests.signin import TEST_PASSWORD, ensure_account

    db = get_database()
    crew = sign_in(db, ensure_account(db, "crew"), TEST_PASSWORD).actor
    open_mission(db, crew, "GOL-2026-007", dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    at = AppTest.from_file(str(REPO / "sar_planner" / "ui" / "pages" / "mission.py"),
                           default_timeout=60)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "crew")
    at.run()
    at.selectbox(key="mission_incident").set_value("GOL-2026-007").run()
    assert not at.exception
    assert at.number_input(key="mission_q95").label == label  # was "95 %", no unit


def test_the_map_names_the_best_ranked_segments_when_there_are_too_many_to_name():
    # 3 km half-width of 100 m cells in 0.5 km squares: 13 x 13 = 169 segments (61 cells across,
    # the last square 0.1 km), more than the 80 names the map shows; before, the 80 named were
    # S1..S80, the top rows of the map, and the best segments round the IPP had no name
    import json

    at = _probability("en")
    at.number_input(key="poa_seg_km").set_value(0.5)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "Rank" in d.value.columns)
    assert len(table) == 169
    best = table.sort_values("Rank")["Segment"].tolist()
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = next(tr for tr in fig["data"] if tr.get("name") == "segment_names")["text"]
    assert len(names) == 80 and set(names) == set(best[:80])
