"""Files the tests read from ``../shared`` (next to the checkout, not in the repository).

The real 30 m SRTM grid of the San Gabriel Mountains (``../shared/terrain/bigtujunga_srtm30m_utm11n.tif``)
came from a public repository and must not be committed (``../shared/terrain/PROVENANCE.md``). Tests that
need it call :func:`shared_file`: on a developer's machine without it they skip; under CI
(``CI=true``) they fail and name the missing file, so the real-terrain checks never go silently
missing from a CI run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def in_ci() -> bool:
    """True when the CI environment variable says so (``.ci/run`` sets ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def shared_file(path: Path) -> Path:
    """``path`` (a file under ``../shared``) if it is there; else skip the test, or under CI fail it,
    naming the missing file."""
    if path.is_file():
        return path
    message = f"{path} is missing: ../shared must be next to the checkout (docs/testing.md)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)
