"""Shared fixtures: every test gets its own empty data folder, so nothing touches a real log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_TERRAIN = REPO.parent / "shared" / "terrain"


#: argon2id settings for accounts made by tests only (issue 12): one pass over 8 KiB instead of the
#: RFC 9106 low-memory profile's three over 64 MiB (0.25 s of CPU per hash, five accounts per
#: logbook test). The app and the command line always hash with sar_planner.auth's real settings;
#: tests/logbook/test_argon2_settings.py checks that outside this fixture they are unchanged.
TEST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Hash the tests' passwords with :data:`TEST_ARGON2` (hashes still verify with argon2)."""
    from argon2 import PasswordHasher

    from sar_planner import auth

    cheap = PasswordHasher(**TEST_ARGON2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", cheap)
        dummy = cheap.hash("not a password: equalises sign-in time")
        if hasattr(auth, "_dummy_hash"):  # the unknown-user hash, made on first use
            mp.setattr(auth, "_dummy_hash", lambda: dummy)
        else:
            mp.setattr(auth, "_DUMMY_HASH", dummy)
        yield


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SAR_PLANNER_DATA_DIR (and SQLite database in it) for each test."""
    d = tmp_path / "data"
    monkeypatch.setenv("SAR_PLANNER_DATA_DIR", str(d))
    monkeypatch.delenv("SAR_PLANNER_DATABASE_URL", raising=False)
    monkeypatch.delenv("SAR_PLANNER_LANG", raising=False)
    return d
