"""Statistics downloads are named by the station's date (Beijing time, UTC+8: Asia/Shanghai has
kept no daylight saving since 1991, IANA tz database), not by the UTC date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

import sar_planner.logbook.filenames as filenames
from sar_planner.auth import create_first_admin, create_user, sign_in
from sar_planner.logbook.db import get_database, reset_database_cache
from sar_planner.logbook.filenames import export_file_name, station_date
from sar_planner.logbook.records import SortieInput, add_aircraft, log_sortie
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.ui.session import SESSION_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse battery"
# 17:30 UTC on 29 Nov 2026 is 01:30 on 30 Nov at the station (UTC+8)
LATE_UTC = dt.datetime(2026, 11, 29, 17, 30, tzinfo=dt.UTC)


def test_station_date_is_the_beijing_date():
    assert station_date(LATE_UTC) == dt.date(2026, 11, 30)
    # 15:59 UTC is 23:59 the same day at the station
    assert station_date(dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 29)
    assert export_file_name("sorties", "csv", LATE_UTC) == "sorties-2026-11-30.csv"
    with pytest.raises(ValueError):
        station_date(dt.datetime(2026, 11, 29, 17, 30))  # naive: which instant is unknown


def test_statistics_downloads_carry_the_station_date(data_dir, monkeypatch):
    reset_database_cache()
    db = get_database()
    admin = create_first_admin(db, "admin", "Station administrator", PASSWORD)
    create_user(db, admin, "li", "李晓梅", "analyst", PASSWORD)
    create_user(db, admin, "ma", "马建国", "crew", PASSWORD)
    add_aircraft(db, admin, "B-7185", "AC311A", "helicopter")
    t0 = dt.datetime(2025, 7, 1, 8, 0, tzinfo=LOCAL_TZ)
    log_sortie(db, sign_in(db, "ma", PASSWORD).actor, SortieInput(
        "training", "B-7185", t0, t0 + dt.timedelta(minutes=90), (("马建国", "pilot"),)), submit=True)
    monkeypatch.setattr(filenames, "_now", lambda: LATE_UTC)
    names: list[str] = []
    real = DeltaGenerator.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        names.append(file_name)
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state[SESSION_KEY] = sign_in(db, "li", PASSWORD)
    at.run()
    at.switch_page("sar_planner/ui/pages/statistics.py").run()
    assert not at.exception, at.exception
    # issue 16: each report chart's table as CSV and XLSX, then the sorties and tracks; every one
    # named by the station's date (30 Nov), none by the UTC date (29 Nov)
    charts = ["sorties-per-month", "hours-per-month", "hours-per-aircraft", "crew-currency"]
    assert names == [f"{stem}-2026-11-30.{ext}" for stem in charts for ext in ("csv", "xlsx")] + [
        "sorties-2026-11-30.csv", "sorties-2026-11-30.xlsx", "tracks-2026-11-30.geojson"]
    assert not [n for n in names if "2026-11-29" in n]
    reset_database_cache()
