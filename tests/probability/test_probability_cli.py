"""The poa / update / mapscore commands on small real GeoTIFFs made in tmp_path."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from sar_planner.cli import main

IPP = "36.40,94.90"  # Golmud (scenarios.md); UTM zone 46N


def _dem(path, values=None, west=94.7, north=36.6, res=0.001, size=400, nodata=None):
    data = np.full((size, size), 2800.0, dtype="float32") if values is None else values
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=nodata,
                       transform=from_origin(west, north, res, res)) as dst:
        dst.write(data, 1)
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def dem(tmp_path):
    return _dem(tmp_path / "dem.tif")


@pytest.mark.parametrize("model", ["rings", "terrain"])
def test_poa_writes_a_probability_geotiff_with_row_tag(tmp_path, dem, capsys, model):
    out = tmp_path / "poa.tif"
    code, stdout, err = _run(capsys, "poa", "--terrain", str(dem), "--ipp", IPP, "--subject",
                             "dementia", "--terrain-class", "dry-flat", "--model", model,
                             "--radius-km", "3", "--resolution", "100", "--out", str(out))
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["crs"] == "EPSG:32646"
    assert summary["cell_size_m"] == 100.0 and summary["shape"] == [61, 61]
    # "sum" is the sum of the raster's cells (what a reader of POA.tif adds up), "row" the tag:
    # together they are the whole probability, reported as "total"
    assert summary["sum"] + summary["row"] == pytest.approx(1.0, abs=1e-9)
    assert summary["total"] == pytest.approx(1.0, abs=1e-9)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 32646 and src.dtypes[0] == "float64"
        row = float(src.tags()["ROW"])
        cells = src.read(1)
    assert row == pytest.approx(summary["row"])
    assert cells.sum() == pytest.approx(summary["sum"], abs=1e-9)
    assert cells.sum() + row == pytest.approx(1.0, abs=1e-9)
    # dementia, dry flat (Koester 2008): 95 % within 11.7 km, so a 3 km map leaves a sizeable ROW
    assert 0.2 < row < 0.6


def test_ipp_outside_the_terrain_is_a_clear_error(tmp_path, dem, capsys):
    code, _, err = _run(capsys, "poa", "--terrain", str(dem), "--ipp", "36.30,95.50", "--subject",
                        "hiker", "--radius-km", "2", "--resolution", "100",
                        "--out", str(tmp_path / "x.tif"))
    assert code == 2
    assert "Traceback" not in err and "outside" in err
    assert not (tmp_path / "x.tif").exists()


def test_dem_with_a_hole_is_refused_by_the_terrain_model(tmp_path, capsys):
    z = np.full((400, 400), 2800.0, dtype="float32")
    z[:, 215:] = -32768  # no data from 1.3 km east of the IPP, inside the 2 km map
    dem = _dem(tmp_path / "holes.tif", z, nodata=-32768)
    code, _, err = _run(capsys, "poa", "--terrain", str(dem), "--ipp", "36.40,94.90", "--subject",
                        "hiker", "--model", "terrain", "--radius-km", "2", "--resolution", "100",
                        "--out", str(tmp_path / "x.tif"))
    assert code == 2 and "without a height" in err


def test_update_then_mapscore(tmp_path, dem, capsys):
    poa = tmp_path / "poa.tif"
    assert _run(capsys, "poa", "--terrain", str(dem), "--ipp", IPP, "--subject", "hiker",
                "--radius-km", "2", "--resolution", "100", "--out", str(poa))[0] == 0
    with rasterio.open(poa) as src:
        profile = src.profile
        before = src.read(1)
        row_before = float(src.tags()["ROW"])
    pod = np.zeros(before.shape)
    pod[: before.shape[0] // 2] = 0.6  # the northern half searched, POD 60 %
    profile.update(dtype="float64")
    with rasterio.open(tmp_path / "pod.tif", "w", **profile) as dst:
        dst.write(pod, 1)
    code, stdout, err = _run(capsys, "update", "--poa", str(poa), "--pod",
                             str(tmp_path / "pod.tif"), "--out", str(tmp_path / "new.tif"))
    assert code == 0, err
    res = json.loads(stdout)
    expected_pos = float((before * pod).sum())
    assert res["pos"] == pytest.approx(expected_pos)
    assert res["row"] == pytest.approx(row_before / (1 - expected_pos))
    with rasterio.open(tmp_path / "new.tif") as src:
        after = src.read(1)
    np.testing.assert_allclose(after, before * (1 - pod) / (1 - expected_pos), rtol=1e-12)

    code, stdout, _ = _run(capsys, "mapscore", "--poa", str(poa), "--find", IPP)
    assert code == 0 and json.loads(stdout)["mapscore"] > 0.99  # found at the IPP: the peak


def test_update_refuses_a_pod_raster_on_another_grid(tmp_path, dem, capsys):
    poa = tmp_path / "poa.tif"
    assert _run(capsys, "poa", "--terrain", str(dem), "--ipp", IPP, "--subject", "hiker",
                "--radius-km", "2", "--resolution", "100", "--out", str(poa))[0] == 0
    with rasterio.open(poa) as src:
        profile = src.profile
        shape = src.shape
    profile.update(transform=profile["transform"] * rasterio.Affine.translation(3, 0))
    with rasterio.open(tmp_path / "pod.tif", "w", **profile) as dst:
        dst.write(np.zeros(shape), 1)
    code, _, err = _run(capsys, "update", "--poa", str(poa), "--pod", str(tmp_path / "pod.tif"),
                        "--out", str(tmp_path / "new.tif"))
    assert code == 2 and "different grid" in err


def test_mapscore_refuses_a_file_without_row(tmp_path, dem, capsys):
    code, _, err = _run(capsys, "mapscore", "--poa", str(dem), "--find", IPP)
    assert code == 2 and ("ROW" in err or "projected" in err)
