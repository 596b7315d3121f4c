"""Tests that need ../shared fail under CI instead of skipping (tests/shared_data.py, issue 11)."""

from __future__ import annotations

import pytest

from tests.shared_data import shared_file


def test_a_missing_shared_file_fails_under_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    missing = tmp_path / "not_there.tif"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not_there.tif is missing"):
        shared_file(missing)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="not_there.tif is missing"):
        shared_file(missing)


def test_a_present_shared_file_is_returned(tmp_path, monkeypatch):
    present = tmp_path / "there.tif"
    present.write_bytes(b"x")
    monkeypatch.setenv("CI", "true")
    assert shared_file(present) == present
