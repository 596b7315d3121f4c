"""Shared fixtures: every test gets its own empty data folder, so nothing touches a real log.

Under CI (``CI=true``, as ``.ci/run`` sets it) property tests run derandomized: hypothesis draws
the same examples on every run, so a CI failure is never a roll of the dice and always reproduces
(locally they keep exploring new examples). Tests that read the real data in ``../shared`` (a file
that may not be committed) skip without it on a developer's machine but fail under CI
(:func:`tests.shared_data.shared_file`), so the real-terrain checks never go silently missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

REPO = Path(__file__).resolve().parent.parent
SHARED_TERRAIN = REPO.parent / "shared" / "terrain"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")


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
