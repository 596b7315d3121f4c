"""``sar-planner mapscore --cases``: the models scored on the logbook's closed cases, on a flat DEM
imported into the test's own terrain library.

MapScore: Sava, Twardy, Koester & Sonwalkar, Transactions in GIS 20(1) 2016 (search-theory.md),
score = (0.5 - r) / 0.5 with r the share of cells at least as likely as the find cell.
"""

from __future__ import annotations

import json

import pytest

from sar_planner.cli import main
from sar_planner.logbook.db import reset_database_cache
from tests.casescore_cases import IPP_SCORE, LAT, LON, make_logbook


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def logbook(tmp_path):
    """tests/casescore_cases.py: 010 found at the IPP, 020 found 8 km east (outside the 5 km
    map), 030 found without inputs, 040 closed without a find."""
    yield make_logbook(tmp_path)
    reset_database_cache()


def test_cases_json_scores_each_case_or_says_why(logbook, capsys):
    code, out, err = _run(capsys, "mapscore", "--cases")
    assert code == 0, err
    got = json.loads(out)
    assert [c["incident"] for c in got["cases"]] == ["QH-GEM-2025-010", "QH-GEM-2025-020",
                                                     "QH-GEM-2025-030"]
    a, b, c = got["cases"]
    assert set(a) >= {"incident", "closed_at", "outcome", "subject", "terrain_class",
                      "find_distance_m", "scores", "not_scored"}
    # 12:00 Beijing on 2 July is 04:00 UTC
    assert a["closed_at"] == "2025-07-02T04:00:00+00:00" and a["outcome"] == "found_alive"
    assert (a["subject"], a["terrain_class"]) == ("hiker", "dry-flat")
    # the default grid: 1.25 x 4 km = 5 km half-width, 30 m cells -> 334 x 334 cells; the IPP's
    # cell alone holds the peak, so r = 1/N and the score is 1 - 2/334^2 = 0.99998207...
    for m in ("rings", "terrain"):
        assert a["scores"][m] == pytest.approx(IPP_SCORE, abs=1e-12)
    assert a["not_scored"] == {} and a["find_distance_m"] == pytest.approx(0.0, abs=1e-6)
    assert b["scores"] == {"rings": None, "terrain": None}
    assert b["find_distance_m"] == pytest.approx(8000.0, abs=0.01)
    assert "outside the map" in b["not_scored"]["rings"]
    assert "No planning inputs" in c["not_scored"]["terrain"] and c["subject"] is None
    s = got["summary"]["rings"]
    assert s["scored"] == 1 and s["mean"] == pytest.approx(IPP_SCORE)
    assert s["median"] == s["mean"] and s["share_above_zero"] == 1.0
    assert s["not_scored"] == {"find_outside": 1, "no_inputs": 1}
    assert got["closed_without_find"] == 1
    assert got["published_mean_mapscore"]["distance_rings"] == 0.78


def test_one_model_a_fixed_grid_and_dates(logbook, capsys):
    code, out, err = _run(capsys, "mapscore", "--cases", "--model", "rings", "--radius-km", "10",
                          "--resolution", "100", "--since", "2025-07-05", "--until", "2025-07-05")
    assert code == 0, err
    got = json.loads(out)
    assert [c["incident"] for c in got["cases"]] == ["QH-GEM-2025-020"]
    # 10 km reaches the find 8 km east: now it is scored, and only with rings
    assert set(got["cases"][0]["scores"]) == {"rings"}
    assert got["cases"][0]["scores"]["rings"] is not None
    assert set(got["summary"]) == {"rings"}


def test_both_modes_at_once_are_refused(logbook, capsys, tmp_path):
    code, _, err = _run(capsys, "mapscore", "--cases", "--poa", str(tmp_path / "x.tif"),
                        "--find", f"{LAT},{LON}")
    assert code == 2 and "not both" in err and "Traceback" not in err


def test_no_mode_and_cases_options_without_cases_are_refused(capsys, tmp_path):
    code, _, err = _run(capsys, "mapscore")
    assert code == 2 and "--cases" in err and "Traceback" not in err
    code, _, err = _run(capsys, "mapscore", "--poa", str(tmp_path / "x.tif"), "--find",
                        f"{LAT},{LON}", "--since", "2025-01-01")
    assert code == 2 and "go with --cases" in err


def test_an_empty_logbook_is_a_clear_error(capsys):
    reset_database_cache()
    code, _, err = _run(capsys, "mapscore", "--cases")
    reset_database_cache()
    assert code == 2 and "no closed mission with a find location" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, text", [(("--since", "2025-13-01"), "not a date"),
                                        (("--since", "2025-08-01", "--until", "2025-07-01"),
                                         "2025-07-01"),
                                        (("--radius-km", "0"), "radius")])
def test_bad_dates_and_sizes_are_clear_errors(logbook, capsys, argv, text):
    code, _, err = _run(capsys, "mapscore", "--cases", *argv)
    assert code == 2 and text in err and "Traceback" not in err
