"""Reading and describing elevation files: inspect(), expand_sources() and every kind of bad input.

Reference values: /work/shared/terrain/PROVENANCE.md (the Qaidam grid: 120 x 48 cells of 1/12 deg,
90-100 E, 34.5-38.5 N, min 2686 m, max 5794 m) and GDAL's SRTMHGT driver documentation (an SRTM-3
tile is 1201 x 1201 big-endian int16 samples, named after its south-west corner, cells centred on
whole degrees, so its outer edges lie half a 3-arc-second cell beyond them).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from PIL import Image

from sar_planner.cli import main
from sar_planner.errors import TerrainError
from sar_planner.terrain import expand_sources, inspect

# the real grids are bundled in terrain/ (same bytes as ../shared/terrain, PROVENANCE.md)
QAIDAM = Path(__file__).resolve().parents[2] / "terrain" / "qaidam_mapzen_5arcmin_pvlib.tif"


def write_tif(path: Path, z: np.ndarray, crs="EPSG:4326",
              transform=Affine(0.01, 0, 94.0, 0, -0.01, 37.0), dtype="float32", nodata=None,
              tags=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype=dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(z.astype(dtype), 1)
        if tags:
            dst.update_tags(**tags)
    return path


def write_hgt(path: Path, z: np.ndarray) -> Path:
    assert z.shape in ((1201, 1201), (3601, 3601))
    z.astype(">i2").tofile(path)
    return path


def test_inspect_qaidam_grid_matches_its_provenance():
    info = inspect(QAIDAM)
    assert info.crs.to_epsg() == 4326
    assert info.shape == (48, 120)
    assert info.bounds == pytest.approx((90.0, 34.5, 100.0, 38.5))
    assert info.bounds_wgs84 == pytest.approx((90.0, 34.5, 100.0, 38.5))
    assert info.resolution == pytest.approx((1 / 12, 1 / 12))
    # 1/12 deg of longitude at 36.5 N is 111.32 km * cos(36.5) / 12 = 7.46 km (PROVENANCE: ~7.5 km)
    assert info.resolution_m[0] == pytest.approx(7466, rel=0.005)
    assert info.resolution_m[1] == pytest.approx(9247, rel=0.005)
    assert (info.min_elevation_m, info.max_elevation_m) == (2686.0, 5794.0)
    assert not info.synthetic and not info.stats_sampled


def test_info_json_has_the_documented_keys(tmp_path, capsys):
    path = write_tif(tmp_path / "dem.tif", np.array([[3000, 3100], [3200, -32768]]), dtype="int16",
                     nodata=-32768, tags={"SYNTHETIC": "yes"})
    assert main(["terrain", "info", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("crs", "bounds", "resolution", "shape", "nodata", "min_elevation_m",
                "max_elevation_m"):
        assert key in out
    assert out["crs"] == "EPSG:4326"
    assert out["bounds"]["native"] == pytest.approx([94.0, 36.98, 94.02, 37.0])
    assert out["bounds"]["wgs84"] == pytest.approx([94.0, 36.98, 94.02, 37.0])
    assert out["shape"] == [2, 2] and out["nodata"] == -32768
    assert (out["min_elevation_m"], out["max_elevation_m"]) == (3000, 3200)  # nodata ignored
    assert out["synthetic"] is True


def test_large_file_statistics_come_from_a_decimated_read(tmp_path):
    z = np.full((3000, 2100), 3000.0, dtype="float32")
    z[::2, ::2] = 4000.0  # every other cell: a decimated read still sees both values
    info = inspect(write_tif(tmp_path / "big.tif", z, crs="EPSG:32646",
                             transform=Affine(30, 0, 400000, 0, -30, 4000000)))
    assert info.stats_sampled
    assert info.resolution_m == (30.0, 30.0)
    assert info.min_elevation_m >= 3000.0 and info.max_elevation_m <= 4000.0


def test_hgt_tile_is_read_with_srtm_geometry(tmp_path):
    z = np.full((1201, 1201), 2900, dtype=np.int16)
    info = inspect(write_hgt(tmp_path / "N36E094.hgt", z))
    half = 1.5 / 3600  # half a 3-arc-second cell
    assert info.driver == "SRTMHGT"
    assert info.bounds == pytest.approx((94 - half, 36 - half, 95 + half, 37 + half))
    assert info.resolution == pytest.approx((3 / 3600, 3 / 3600))
    assert info.nodata == -32768


def test_zip_of_hgt_tiles_expands_to_each_tile(tmp_path):
    write_hgt(tmp_path / "N36E094.hgt", np.full((1201, 1201), 1, dtype=np.int16))
    write_hgt(tmp_path / "N36E095.hgt", np.full((1201, 1201), 2, dtype=np.int16))
    archive = tmp_path / "tiles.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(tmp_path / "N36E094.hgt", "N36E094.hgt")
        zf.write(tmp_path / "N36E095.hgt", "sub/N36E095.hgt")
        zf.writestr("readme.txt", "SRTM tiles")
    names = expand_sources([archive])
    assert names == [f"/vsizip/{archive.resolve()}/N36E094.hgt",
                     f"/vsizip/{archive.resolve()}/sub/N36E095.hgt"]
    assert [inspect(n).max_elevation_m for n in names] == [1.0, 2.0]


def test_hgt_zip_is_read_directly(tmp_path):
    hgt = write_hgt(tmp_path / "N36E094.hgt", np.full((1201, 1201), 3333, dtype=np.int16))
    with zipfile.ZipFile(tmp_path / "N36E094.hgt.zip", "w") as zf:
        zf.write(hgt, "N36E094.hgt")
    (name,) = expand_sources([tmp_path / "N36E094.hgt.zip"])
    assert inspect(name).max_elevation_m == 3333


# ---- bad input: each gets its own message key -------------------------------------------------

def _code(call) -> str:
    with pytest.raises(TerrainError) as exc:
        call()
    assert "{" not in str(exc.value)  # placeholders filled
    return exc.value.code


def test_missing_file(tmp_path):
    assert _code(lambda: inspect(tmp_path / "nope.tif")) == "terrain.err_missing"
    assert _code(lambda: expand_sources([tmp_path / "nope.zip"])) == "terrain.err_missing"


def test_text_file_named_tif(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("these are not heights")
    assert _code(lambda: inspect(path)) == "terrain.err_not_raster"


def test_png_renamed_tif(tmp_path):
    path = tmp_path / "photo.tif"
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(path, format="PNG")
    with pytest.raises(TerrainError) as exc:
        inspect(path)
    assert exc.value.code == "terrain.err_not_elevation" and exc.value.params["kind"] == "PNG"


def test_truncated_geotiff_is_corrupt(tmp_path):
    good = write_tif(tmp_path / "good.tif", np.random.default_rng(1).random((300, 300)) * 1000)
    bad = tmp_path / "bad.tif"
    bad.write_bytes(good.read_bytes()[:2000])
    assert _code(lambda: inspect(bad)) == "terrain.err_corrupt"


def test_raster_without_crs(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="int16",
                       transform=Affine(30, 0, 400000, 0, -30, 4000000)) as dst:
        dst.write(np.ones((4, 4), dtype=np.int16), 1)
    with pytest.raises(TerrainError) as exc:
        inspect(path)
    assert exc.value.code == "terrain.err_no_crs"
    assert "gdal_translate -a_srs EPSG:4326" in str(exc.value)


def test_complex_values_are_not_heights(tmp_path):
    path = write_tif(tmp_path / "complex.tif", np.ones((4, 4)), dtype="complex64")
    assert _code(lambda: inspect(path)) == "terrain.err_not_numeric"


def test_several_bands_use_band_one(tmp_path):
    path = tmp_path / "two.tif"
    with rasterio.open(path, "w", driver="GTiff", width=3, height=3, count=2, dtype="int16",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 94, 0, -0.01, 37)) as dst:
        dst.write(np.full((3, 3), 3000, dtype=np.int16), 1)
        dst.write(np.full((3, 3), 9, dtype=np.int16), 2)
    info = inspect(path)
    assert info.band_count == 2 and info.max_elevation_m == 3000


def test_zip_without_elevation(tmp_path):
    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "no tiles here")
        zf.writestr("photo.jpg", b"\xff\xd8")
    assert _code(lambda: expand_sources([archive])) == "terrain.err_zip_no_elevation"


def test_corrupt_zip(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    assert _code(lambda: expand_sources([archive])) == "terrain.err_corrupt"


def test_impossible_bounds(tmp_path):
    # UTM-sized numbers labelled as degrees: the CRS is wrong
    path = write_tif(tmp_path / "mislabelled.tif", np.ones((4, 4)),
                     transform=Affine(30, 0, 400000, 0, -30, 4000000))
    assert _code(lambda: inspect(path)) == "terrain.err_bad_bounds"


def test_cli_reports_bad_file_without_traceback(tmp_path, capsys):
    path = tmp_path / "notes.tif"
    path.write_text("x")
    assert main(["terrain", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "notes.tif" in err and "Traceback" not in err


def test_renamed_or_wrong_size_hgt(tmp_path):
    renamed = write_hgt(tmp_path / "tile.hgt", np.zeros((1201, 1201), dtype=np.int16))
    assert _code(lambda: inspect(renamed)) == "terrain.err_bad_hgt"
    short = tmp_path / "N36E094.hgt"
    np.zeros((100, 100), dtype=">i2").tofile(short)
    assert _code(lambda: inspect(short)) == "terrain.err_bad_hgt"


def test_georeferenced_colour_picture_is_not_elevation(tmp_path):
    # an orthophoto or scanned map: three uint8 bands with RGB colour interpretation
    path = tmp_path / "ortho.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=3, dtype="uint8",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 94, 0, -0.01, 37),
                       photometric="RGB") as dst:
        dst.write(np.zeros((3, 8, 8), dtype=np.uint8))
    assert _code(lambda: inspect(path)) == "terrain.err_image_not_dem"


def test_cli_info_on_a_zip_lists_each_tile(tmp_path, capsys):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, value in (("a.tif", 3000), ("b.tif", 3100)):
            zf.write(write_tif(tmp_path / name, np.full((2, 2), value), dtype="int16"), name)
    assert main(["terrain", "info", str(archive)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["file"] for o in out] == ["two.zip/a.tif", "two.zip/b.tif"]
    assert [o["max_elevation_m"] for o in out] == [3000, 3100]


def test_cli_terrain_without_action_prints_help(capsys):
    assert main(["terrain"]) == 2
    assert "info" in capsys.readouterr().err
