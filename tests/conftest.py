"""Shared fixtures: every test gets its own empty data folder, so nothing touches a real log."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_TERRAIN = REPO.parent / "shared" / "terrain"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SAR_PLANNER_DATA_DIR (and SQLite database in it) for each test."""
    d = tmp_path / "data"
    monkeypatch.setenv("SAR_PLANNER_DATA_DIR", str(d))
    monkeypatch.delenv("SAR_PLANNER_DATABASE_URL", raising=False)
    monkeypatch.delenv("SAR_PLANNER_LANG", raising=False)
    return d
