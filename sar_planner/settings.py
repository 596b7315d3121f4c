"""Settings: environment variables over documented defaults, read in one place.

| variable | default | what |
|---|---|---|
| ``SAR_PLANNER_DATA_DIR`` | ``$XDG_DATA_HOME/sar-planner`` (``~/.local/share/sar-planner``) | database file, imported terrain, exports |
| ``SAR_PLANNER_DATABASE_URL`` | ``sqlite:///<data dir>/sar_planner.db`` | SQLAlchemy URL; ``postgresql+psycopg://...`` for stations sharing one log |
| ``SAR_PLANNER_TERRAIN_DIR`` | the repository's ``terrain/`` (a wheel install: ``<prefix>/share/sar-planner/terrain``) | bundled sample terrain (read-only) |
| ``SAR_PLANNER_LANG`` | unset (browser language) | force ``zh`` or ``en`` |
| ``SAR_PLANNER_SESSION_MINUTES`` | ``480`` | idle time after which a sign-in expires |
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sar_planner.errors import SettingsError

__all__ = ["Settings", "get_settings", "REPO_ROOT", "app_dir", "bundled_terrain_dir"]

#: The folder that holds app.py, terrain/ and missions/ (the package's parent) in a checkout or an
#: editable install.
REPO_ROOT = Path(__file__).resolve().parent.parent


def app_dir(prefix: str | None = None) -> Path:
    """The folder holding ``app.py``, ``.streamlit/``, ``terrain/`` and ``missions/``.

    The checkout (or an editable install) when the package sits in one; else an installed wheel,
    whose data files go under the environment's prefix: ``<prefix>/share/sar-planner``.
    """
    if (REPO_ROOT / "app.py").is_file():
        return REPO_ROOT
    return Path(prefix or sys.prefix) / "share" / "sar-planner"


def bundled_terrain_dir(prefix: str | None = None) -> Path:
    """Where the bundled sample terrain is: ``terrain/`` in :func:`app_dir`."""
    return app_dir(prefix) / "terrain"


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Paths are absolute."""

    data_dir: Path
    database_url: str
    terrain_dir: Path
    language: str | None
    session_minutes: int

    @property
    def imported_terrain_dir(self) -> Path:
        """Where imported elevation tiles are kept (inside the data folder)."""
        return self.data_dir / "terrain"

    @property
    def exports_dir(self) -> Path:
        """Where exported plans and reports are written (inside the data folder)."""
        return self.data_dir / "exports"

    def ensure_dirs(self) -> None:
        """Create the data folder and its sub-folders if they do not exist."""
        for path in (self.data_dir, self.imported_terrain_dir, self.exports_dir):
            path.mkdir(parents=True, exist_ok=True)


def _default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sar-planner"


def get_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    Raises
    ------
    SettingsError
        If a variable has a value that cannot be used (the message names it and the fix).
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("SAR_PLANNER_DATA_DIR") or _default_data_dir(env)).expanduser().resolve()
    url = env.get("SAR_PLANNER_DATABASE_URL") or f"sqlite:///{data_dir / 'sar_planner.db'}"
    if "://" not in url:
        raise SettingsError("common.err_database_url", value=re.sub(r":[^@/\s]*@", ":***@", url))
    terrain_dir = Path(env.get("SAR_PLANNER_TERRAIN_DIR") or bundled_terrain_dir()).expanduser().resolve()
    lang = env.get("SAR_PLANNER_LANG") or None
    if lang is not None and lang not in ("zh", "en"):
        raise SettingsError("common.err_language", value=lang)
    minutes_text = env.get("SAR_PLANNER_SESSION_MINUTES", "480")
    try:
        minutes = int(minutes_text)
        if minutes <= 0:
            raise ValueError
    except ValueError:
        raise SettingsError("common.err_session_minutes", value=minutes_text) from None
    return Settings(
        data_dir=data_dir,
        database_url=url,
        terrain_dir=terrain_dir,
        language=lang,
        session_minutes=minutes,
    )
