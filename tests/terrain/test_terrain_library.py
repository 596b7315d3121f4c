"""The terrain library: bundled catalogue + imported entries; imports are all-or-nothing; the CLI."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from sar_planner.cli import main
from sar_planner.errors import TerrainError
from sar_planner.settings import get_settings
from sar_planner.terrain import get_entry, import_files, import_uploads, inspect, list_library
from sar_planner.terrain import library as library_module


def write_tif(path: Path, value: float = 3000.0, tags=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="int16",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 94.8, 0, -0.01, 36.5),
                       nodata=-32768) as dst:
        dst.write(np.full((20, 20), value, dtype=np.int16), 1)
        if tags:
            dst.update_tags(**tags)
    return path


def _snapshot(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture()
def empty_catalog(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "catalog.toml").write_text("# nothing bundled yet\n")
    monkeypatch.setenv("SAR_PLANNER_TERRAIN_DIR", str(folder))
    return folder


def test_empty_catalog_and_no_imports_give_an_empty_library(empty_catalog):
    assert list_library(get_settings()) == []


def test_bundled_entries_come_from_the_catalog(tmp_path, monkeypatch):
    folder = tmp_path / "bundled"
    folder.mkdir()
    write_tif(folder / "demo.tif", tags={"SYNTHETIC": "yes"})
    (folder / "catalog.toml").write_text(
        '[[terrain]]\nid = "demo"\nfiles = ["demo.tif"]\nname_en = "Demo"\nname_zh = "演示"\n'
        'synthetic = true\nattribution = "made up"\n', encoding="utf-8")
    monkeypatch.setenv("SAR_PLANNER_TERRAIN_DIR", str(folder))
    (entry,) = list_library(get_settings())
    assert (entry.id, entry.name_zh, entry.bundled, entry.synthetic) == ("demo", "演示", True, True)
    assert entry.paths == (str(folder / "demo.tif"),) and entry.imported_at is None
    assert inspect(entry.paths[0]).synthetic


def test_damaged_catalog_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "catalog.toml").write_text("[[terrain]\nid = ")
    monkeypatch.setenv("SAR_PLANNER_TERRAIN_DIR", str(folder))
    with pytest.raises(TerrainError) as exc:
        list_library(get_settings())
    assert exc.value.code == "terrain.err_catalog"


def test_import_copies_files_and_lists_the_entry(empty_catalog, tmp_path):
    settings = get_settings()
    src = write_tif(tmp_path / "golmud south.tif")
    seen = []
    entry = import_files([src], settings, name="Golmud south", progress=lambda f, m: seen.append(f))
    assert entry.id.startswith("golmud-south-") and not entry.bundled
    assert entry.name_en == entry.name_zh == "Golmud south"
    assert entry.imported_at is not None
    (path,) = entry.paths
    assert Path(path).parent.parent == settings.imported_terrain_dir
    assert Path(path).read_bytes() == src.read_bytes()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    assert [e.id for e in list_library(settings)] == [entry.id]
    assert get_entry(settings, entry.id) == entry
    with pytest.raises(TerrainError):
        get_entry(settings, "no-such-terrain")


def test_import_of_a_zip_lists_every_tile(empty_catalog, tmp_path):
    archive = tmp_path / "tiles.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(write_tif(tmp_path / "a.tif"), "a.tif")
        zf.write(write_tif(tmp_path / "b.tif", 3100), "b.tif")
    entry = import_files([archive], get_settings())
    assert len(entry.paths) == 2 and all(p.startswith("/vsizip/") for p in entry.paths)
    assert entry.id.startswith("tiles-")


def test_import_failing_on_the_second_file_leaves_the_library_as_it_was(empty_catalog, tmp_path):
    settings = get_settings()
    first = import_files([write_tif(tmp_path / "first.tif")], settings)
    before = _snapshot(settings.imported_terrain_dir)
    bad = tmp_path / "bad.tif"
    bad.write_text("not a raster")
    with pytest.raises(TerrainError) as exc:
        import_files([write_tif(tmp_path / "good.tif"), bad], settings)
    assert exc.value.code == "terrain.err_not_raster"
    assert _snapshot(settings.imported_terrain_dir) == before
    assert [e.id for e in list_library(settings)] == [first.id]


def test_import_failing_while_copying_removes_the_partial_copy(empty_catalog, tmp_path, monkeypatch):
    settings = get_settings()
    first = import_files([write_tif(tmp_path / "first.tif")], settings)
    before = _snapshot(settings.imported_terrain_dir)
    calls = []

    def failing_copy(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return shutil.copyfile(src, dst)

    monkeypatch.setattr(library_module.shutil, "copyfile", failing_copy)
    with pytest.raises(TerrainError) as exc:
        import_files([write_tif(tmp_path / "a.tif"), write_tif(tmp_path / "b.tif")], settings)
    assert exc.value.code == "terrain.err_import_write"
    assert "No space left" in str(exc.value)
    assert _snapshot(settings.imported_terrain_dir) == before
    assert [e.id for e in list_library(settings)] == [first.id]


def test_two_imports_of_the_same_name_get_different_ids(empty_catalog, tmp_path):
    settings = get_settings()
    src = write_tif(tmp_path / "same.tif")
    a = import_files([src], settings)
    b = import_files([src], settings)
    assert a.id != b.id
    assert len(list_library(settings)) == 2


def test_damaged_import_folder_is_skipped_not_fatal(empty_catalog, tmp_path):
    settings = get_settings()
    good = import_files([write_tif(tmp_path / "ok.tif")], settings)
    broken = settings.imported_terrain_dir / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text("{not json")
    assert [e.id for e in list_library(settings)] == [good.id]


def test_uploads_are_imported_by_base_name_only(empty_catalog, tmp_path):
    settings = get_settings()
    data = write_tif(tmp_path / "up.tif").read_bytes()
    entry = import_uploads([("../../evil/up.tif", data)], settings, name="上传的地形")
    assert entry.name_zh == "上传的地形" and entry.id.startswith("terrain-")
    assert Path(entry.paths[0]).name == "up.tif"
    assert Path(entry.paths[0]).parent.parent == settings.imported_terrain_dir
    assert not (tmp_path / "evil").exists()
    leftovers = [p.name for p in settings.imported_terrain_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_cli_import_and_list_print_the_entry(empty_catalog, tmp_path, capsys):
    src = write_tif(tmp_path / "dem.tif")
    assert main(["terrain", "import", str(src), "--name", "Field DEM"]) == 0
    entry = json.loads(capsys.readouterr().out)
    for key in ("id", "name_en", "name_zh", "paths", "bundled", "synthetic", "attribution",
                "imported_at"):
        assert key in entry
    assert entry["name_en"] == "Field DEM" and entry["bundled"] is False
    assert main(["terrain", "list"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == [entry["id"]]


def test_cli_import_of_a_bad_file_fails_cleanly(empty_catalog, tmp_path, capsys):
    bad = tmp_path / "bad.tif"
    bad.write_text("x")
    assert main(["terrain", "import", str(bad)]) == 2
    assert "bad.tif" in capsys.readouterr().err
    assert list_library(get_settings()) == []


def test_repository_catalog_lists_readable_terrain():
    # the bundled catalogue shipped in terrain/ (written by the bundled-terrain work) must load
    for entry in list_library(get_settings()):
        assert entry.bundled
        for path in entry.paths:
            info = inspect(path)
            if entry.synthetic:  # a generated dataset must say so in the file itself too
                assert info.synthetic, path
