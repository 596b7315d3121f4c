"""``sar-planner formats track|area|list``: JSON on standard output, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sar_planner.cli import main

DATA = Path(__file__).parents[1] / "data" / "formats"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_track_summary(capsys):
    code, out, _ = _run(capsys, "formats", "track", str(DATA / "flown_track.gpx"))
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "gpx" and doc["points"] == 5 and doc["segments"] == 2
    assert doc["start_utc"] == "2026-08-14T06:00:00+00:00"
    assert doc["alt_amsl_m"] == [3801.5, 3810.0]
    assert doc["bounds_wgs84"] == [94.85, 36.1, 94.852, 36.101]


def test_area_summary_geodesic_km2(capsys):
    code, out, _ = _run(capsys, "formats", "area", str(DATA / "search_area.kml"))
    assert code == 0
    seg, line = json.loads(out)
    # 0.02 x 0.02 deg at 36.1 N minus a 0.01 x 0.01 deg hole. WGS84 degree lengths at 36.1 N:
    # 110.961 km (meridian) and 90.049 km (parallel): 2.2192*1.8010 - 1.1096*0.9005 = 2.998 km2
    assert seg["name"] == "Segment B" and seg["area_km2"] == pytest.approx(2.998, abs=0.002)
    assert line["type"] == "LineString" and line["area_km2"] == 0.0


def test_list_and_errors(capsys):
    code, out, _ = _run(capsys, "formats", "list")
    assert code == 0
    assert [f["ext"] for f in json.loads(out)] == [".plan", ".waypoints", ".kmz", ".kml", ".gpx",
                                                  ".geojson", ".csv", ".html"]
    code, out, err = _run(capsys, "formats", "track", str(DATA / "billion_laughs.gpx"))
    assert code == 2 and out == "" and "Traceback" not in err and "attack" in err
    code, _, err = _run(capsys, "formats", "track", str(DATA / "missing.gpx"))
    assert code == 2 and "cannot be found" in err
