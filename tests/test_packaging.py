"""A wheel (``pip install .``, not ``-e``) carries what the app needs outside the package: app.py, the
Streamlit settings, every bundled terrain file the catalogue names, the sample history. The
installed app finds them under ``<prefix>/share/sar-planner`` (sar_planner/settings.py app_dir).

The wheel is built here with pip from the checkout, as `pip install .` would (its isolated build
environment takes setuptools from the package registry), and its file list is read back."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from sar_planner import settings
from sar_planner.commands import serve
from sar_planner.errors import SettingsError
from sar_planner.settings import REPO_ROOT, app_dir, bundled_terrain_dir
from sar_planner.ui.shell import PAGES


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO_ROOT)],
                   check=True, timeout=300,
                   capture_output=True)
    (whl,) = out.glob("sar_planner-*.whl")
    with zipfile.ZipFile(whl) as zf:
        return set(zf.namelist())


def _data(names: set[str]) -> set[str]:
    """Paths below <prefix>/share/sar-planner carried by the wheel."""
    marker = ".data/data/share/sar-planner/"
    return {n.split(marker, 1)[1] for n in names if marker in n}


def test_the_wheel_carries_the_app_its_settings_and_every_bundled_terrain_file(wheel_files):
    data = _data(wheel_files)
    assert {"app.py", ".streamlit/config.toml", "terrain/catalog.toml", "terrain/PROVENANCE.md",
            "missions/sample_sortie_history.csv"} <= data
    catalog = tomllib.loads((REPO_ROOT / "terrain" / "catalog.toml").read_text(encoding="utf-8"))
    named = {f"terrain/{f}" for entry in catalog["terrain"]
             for f in entry.get("files", [entry.get("file")]) if f}
    assert named and named <= data, named - data
    # the package itself, with its page files, catalogues and data
    assert {f"sar_planner/ui/pages/{p.key}.py" for p in PAGES} <= wheel_files
    assert "sar_planner/locales/zh/common.toml" in wheel_files
    assert "sar_planner/data/assets.toml" in wheel_files
    # nothing licence-restricted or local slips in
    assert not any("bigtujunga" in n or n.endswith(".db") for n in wheel_files)


def test_app_dir_is_the_checkout_here_and_the_prefix_share_folder_for_a_wheel(monkeypatch,
                                                                              tmp_path):
    assert app_dir() == REPO_ROOT and bundled_terrain_dir() == REPO_ROOT / "terrain"
    monkeypatch.setattr(settings, "REPO_ROOT", tmp_path / "site-packages")  # no app.py there
    assert app_dir(str(tmp_path)) == tmp_path / "share" / "sar-planner"
    assert bundled_terrain_dir(str(tmp_path)) == tmp_path / "share" / "sar-planner" / "terrain"


def test_page_files_are_absolute_so_any_main_script_finds_them():
    for spec in PAGES:
        assert Path(spec.path).is_absolute() and Path(spec.path).is_file(), spec.path


def test_serve_without_the_app_file_says_how_to_reinstall(monkeypatch, tmp_path):
    monkeypatch.setenv("SAR_PLANNER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(serve, "app_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(SettingsError) as err:
        serve.run(type("A", (), {"port": 8599, "address": "127.0.0.1"})())
    assert err.value.code == "common.err_app_missing"
    assert "Reinstall" in err.value.message("en")
