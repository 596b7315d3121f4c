"""Settings come from the environment over documented defaults, in one place."""

from pathlib import Path

import pytest

from sar_planner.errors import SettingsError
from sar_planner.settings import REPO_ROOT, get_settings


def test_defaults_put_sqlite_in_the_data_folder(tmp_path):
    s = get_settings({"SAR_PLANNER_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path.resolve()
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'sar_planner.db'}"
    assert s.terrain_dir == REPO_ROOT / "terrain"
    assert s.imported_terrain_dir == tmp_path.resolve() / "terrain"


def test_default_data_dir_follows_xdg(tmp_path):
    s = get_settings({"XDG_DATA_HOME": str(tmp_path)})
    assert s.data_dir == tmp_path.resolve() / "sar-planner"


def test_environment_overrides_database_url(tmp_path):
    url = "postgresql+psycopg://sar:sar@127.0.0.1:5432/sar"
    s = get_settings({"SAR_PLANNER_DATA_DIR": str(tmp_path), "SAR_PLANNER_DATABASE_URL": url})
    assert s.database_url == url


@pytest.mark.parametrize("var,value", [("SAR_PLANNER_DATABASE_URL", "just-a-file.db"),
                                       ("SAR_PLANNER_LANG", "fr"),
                                       ("SAR_PLANNER_SESSION_MINUTES", "-3")])
def test_bad_settings_say_which_variable(var, value):
    with pytest.raises(SettingsError) as err:
        get_settings({var: value})
    assert var in str(err.value)


def test_ensure_dirs_creates_folders(tmp_path: Path):
    s = get_settings({"SAR_PLANNER_DATA_DIR": str(tmp_path / "d")})
    s.ensure_dirs()
    assert s.imported_terrain_dir.is_dir() and s.exports_dir.is_dir()
