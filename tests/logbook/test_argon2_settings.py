"""Password hashing: the tests' cheap argon2 setting (tests/conftest.py) never reaches the app
(issue 12). A fresh interpreter, without the test fixture, must hash with argon2id at the RFC 9106
"second recommended option" (low memory): t=3 passes, m=64 MiB, p=4 lanes (RFC 9106 section 4),
which is argon2-cffi's default profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sar_planner import auth

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
from sar_planner import auth
h = auth.hash_password("correct horse battery")
print(h.split("$")[3])
dummy = auth._dummy_hash() if hasattr(auth, "_dummy_hash") else auth._DUMMY_HASH
print(dummy.split("$")[3])
print(auth.verify_password(h, "correct horse battery"), auth.verify_password(h, "wrong horse"))
"""


def test_the_app_hashes_with_the_rfc_9106_low_memory_profile():
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=120).stdout.split()
    # m in KiB: 65536 KiB = 64 MiB
    assert out == ["m=65536,t=3,p=4", "m=65536,t=3,p=4", "True", "False"]


def test_tests_hash_cheaply_and_the_hashes_still_verify_as_argon2id():
    # tests/conftest.py's TEST_ARGON2: 8 KiB, one pass, one lane
    h = auth.hash_password("correct horse battery")
    assert h.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert auth.verify_password(h, "correct horse battery")
    assert not auth.verify_password(h, "wrong horse battery")


def test_the_cheap_setting_is_nowhere_in_the_package():
    # the app cannot pick it up by accident: no module of sar_planner names a cost of its own
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sar_planner").rglob("*.py"))
    assert "time_cost" not in src and "memory_cost" not in src
