"""A DEM that holds no elevation (all NaN, all nodata) or values no terrain has (1e38, an
undeclared fill value) is refused at import with its own message and exit status 2 (issue 14,
item 7); before, it was imported and ``poa`` then said the point was "outside the file". Limits:
the Dead Sea shore (about -430 m) and Everest (8,849 m, 2020 survey) with a margin: -500..9,000 m."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from sar_planner.cli import main
from sar_planner.errors import TerrainError
from sar_planner.settings import get_settings
from sar_planner.terrain import import_files, list_library
from sar_planner.terrain.library import PLAUSIBLE_ELEVATION_M


def _tif(path: Path, values: np.ndarray, nodata: float | None = None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype="float32", crs="EPSG:4326", transform=Affine(0.01, 0, 94.8, 0, -0.01, 36.5),
                       nodata=nodata) as dst:
        dst.write(values.astype(np.float32), 1)
    return path


@pytest.fixture()
def empty_catalog(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "catalog.toml").write_text("# nothing bundled\n")
    monkeypatch.setenv("SAR_PLANNER_TERRAIN_DIR", str(folder))
    return folder


GRID = (20, 20)


@pytest.mark.parametrize("values, nodata, code", [
    (np.full(GRID, np.nan), None, "terrain.err_no_elevations"),
    (np.full(GRID, -9999.0), -9999.0, "terrain.err_no_elevations"),
    (np.full(GRID, 1e38), None, "terrain.err_implausible_elevations"),
    (np.where(np.arange(400).reshape(GRID) % 2, 3000.0, 3.4e38), None, "terrain.err_implausible_elevations"),
    (np.full(GRID, -1000.0), None, "terrain.err_implausible_elevations"),
])
def test_dems_without_real_elevations_are_refused(empty_catalog, tmp_path, values, nodata, code):
    src = _tif(tmp_path / "bad.tif", values, nodata)
    with pytest.raises(TerrainError) as err:
        import_files([src], get_settings())
    assert err.value.code == code
    assert "bad.tif" in err.value.message("en") and "bad.tif" in err.value.message("zh")
    assert list_library(get_settings()) == []  # nothing imported


def test_real_heights_at_the_limits_are_accepted(empty_catalog, tmp_path):
    lo, hi = PLAUSIBLE_ELEVATION_M
    values = np.full(GRID, 2800.0)
    values[0, 0], values[-1, -1] = -430.0, 8849.0  # Dead Sea shore, Everest
    values[5, 5] = np.nan  # a hole is fine
    entry = import_files([_tif(tmp_path / "ok.tif", values)], get_settings())
    assert lo < -430.0 and 8849.0 < hi
    assert [e.id for e in list_library(get_settings())] == [entry.id]


def test_cli_import_of_an_all_nan_dem_exits_2(empty_catalog, tmp_path, capsys):
    src = _tif(tmp_path / "nan.tif", np.full(GRID, np.nan))
    assert main(["terrain", "import", str(src)]) == 2
    err = capsys.readouterr().err
    assert "nan.tif" in err and "no elevation" in err and "internal error" not in err
