"""The bundled terrain (terrain/): catalogue, provenance checksums, and the SYNTHETIC 30 m demo.

The demo is checked against the REAL coarse grid it was made from
(terrain/qaidam_mapzen_5arcmin_pvlib.tif, see terrain/PROVENANCE.md) and against the elevation
range given for the Kunlun foothills in docs/references/scenarios.md (basin floor about
2,700-3,100 m, mountain front 4,500-6,000 m).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[2]
TERRAIN = REPO / "terrain"
DEMO = TERRAIN / "kunlun_golmud_demo_30m_SYNTHETIC.tif"
COARSE = TERRAIN / "qaidam_mapzen_5arcmin_pvlib.tif"


def _load_generator():
    path = REPO / "scripts" / "make_demo_terrain.py"
    spec = importlib.util.spec_from_file_location("make_demo_terrain", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo():
    with rasterio.open(DEMO) as ds:
        return ds.read(1).astype(np.float64), ds.transform, ds.crs


@pytest.fixture(scope="module")
def coarse_under_demo(demo):
    """For every demo cell: (row, col) of the coarse cell holding its centre, and the coarse grid."""
    z, transform, crs = demo
    rows, cols = z.shape
    cc, rr = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    x, y = transform @ (cc, rr)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    with rasterio.open(COARSE) as ds:
        coarse = ds.read(1).astype(np.float64)
        ccol, crow = ~ds.transform @ (lon, lat)
        coarse_t = ds.transform
    return np.floor(crow).astype(int), np.floor(ccol).astype(int), coarse, coarse_t


def _catalog() -> list[dict]:
    with (TERRAIN / "catalog.toml").open("rb") as fh:
        return tomllib.load(fh)["terrain"]


def test_catalog_lists_the_demo_first_and_every_file_opens_with_a_crs():
    entries = _catalog()
    assert [e["id"] for e in entries] == ["kunlun-demo-30m", "qaidam-5arcmin", "pamir-15arcsec"]
    assert entries[0]["synthetic"] is True
    assert all(e["synthetic"] is False for e in entries[1:])
    for entry in entries:
        assert entry["name_en"] and entry["attribution"]
        assert re.search(r"[\u4e00-\u9fff]", entry["name_zh"]), entry["id"]
        for name in entry["files"]:
            with rasterio.open(TERRAIN / name) as ds:
                assert ds.crs is not None, name
                assert ds.count == 1 and ds.dtypes[0] == "int16", name


def test_the_licence_bound_30m_file_is_never_bundled():
    # /work/shared/terrain/PROVENANCE.md: bigtujunga_srtm30m_utm11n.tif must not be committed.
    assert not list(TERRAIN.glob("bigtujunga*"))


def test_provenance_checksums_match_the_files():
    text = (TERRAIN / "PROVENANCE.md").read_text(encoding="utf-8")
    sums = dict(re.findall(r"^- (\S+\.tif): ([0-9a-f]{64})$", text, flags=re.M))
    assert set(sums) == {f for e in _catalog() for f in e["files"]}
    for name, digest in sums.items():
        assert hashlib.sha256((TERRAIN / name).read_bytes()).hexdigest() == digest, name
    # the real files are byte copies of the shared ones (checksums from /work/shared/terrain/PROVENANCE.md)
    assert sums["qaidam_mapzen_5arcmin_pvlib.tif"].startswith("89a46bcf10bfbe45")
    assert sums["pamir_kashgar_gebco2023_15arcsec.tif"].startswith("dbdc5953f2713f6a")
    assert "not for navigation" in text.lower() and "BSD 3-Clause" in text and "SYNTHETIC" in text


def test_demo_is_labelled_synthetic_and_laid_out_as_specified():
    with rasterio.open(DEMO) as ds:
        tags = ds.tags()
        assert tags["SYNTHETIC"] == "yes"
        description = tags["DESCRIPTION"]
        assert description.startswith("synthetic: real 5-arc-minute Qaidam grid + fractal detail, seed ")
        assert "not for flight" in description
        assert ds.crs.to_epsg() == 32646
        assert ds.res == (30.0, 30.0) and ds.shape == (800, 800)  # 24 km x 24 km
        assert ds.profile["tiled"] and ds.profile["compress"] == "deflate"
        assert ds.overviews(1) == [2, 4, 8]
        # the IPP of the "herder overdue" scenario (scenarios.md) lies at the centre
        x, y = Transformer.from_crs(4326, 32646, always_xy=True).transform(94.85, 36.10)
        row, col = ds.index(x, y)
        assert abs(row - 400) <= 1 and abs(col - 400) <= 1
    assert DEMO.stat().st_size < 2_000_000


def test_generator_reproduces_the_committed_file(tmp_path):
    gen = _load_generator()
    out = tmp_path / "demo.tif"
    gen.write_demo(out, COARSE)
    with rasterio.open(out) as new, rasterio.open(DEMO) as old:
        assert np.array_equal(new.read(1), old.read(1))
        assert new.transform == old.transform and new.crs == old.crs
        assert new.tags() == old.tags()


def test_demo_elevations_lie_in_the_kunlun_foothill_range(demo):
    z, _, _ = demo
    # scenarios.md: the herder scenario is "dry mountainous (2,900-4,500 m)"; basin floor >= 2,700 m
    assert 2700 <= z.min() and z.max() <= 6000


def test_demo_mean_matches_the_real_coarse_grid_over_the_box(demo, coarse_under_demo):
    z, _, _ = demo
    rows, cols, coarse, _ = coarse_under_demo
    assert abs(z.mean() - coarse[rows, cols].mean()) < 150


def test_demo_reproduces_each_whole_coarse_cell_mean(demo, coarse_under_demo):
    z, transform, crs = demo
    rows, cols, coarse, coarse_t = coarse_under_demo
    to_utm = Transformer.from_crs(4326, crs, always_xy=True)
    west, north = transform.c, transform.f
    east, south = west + z.shape[1] * 30.0, north - z.shape[0] * 30.0
    checked = 0
    for r in range(rows.min(), rows.max() + 1):
        for c in range(cols.min(), cols.max() + 1):
            lon, lat = coarse_t @ (np.array([c, c + 1, c, c + 1]), np.array([r, r, r + 1, r + 1]))
            x, y = to_utm.transform(lon, lat)
            if min(x) < west or max(x) > east or min(y) < south or max(y) > north:
                continue  # only cells wholly inside the demo box
            block = z[(rows == r) & (cols == c)]
            assert abs(block.mean() - coarse[r, c]) < 60, (r, c, block.mean(), coarse[r, c])
            checked += 1
    assert checked >= 2  # a 24 km box holds whole 7.5 km x 9.3 km cells


def test_demo_slopes_are_plausible(demo):
    z, _, _ = demo
    gy, gx = np.gradient(z, 30.0)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    mountain = z > 4000
    low = z < 3200  # the fans at the mountain foot, the lowest ground in the box
    assert mountain.sum() > 10_000 and low.sum() > 10_000
    assert (slope[mountain] > 20).mean() > 0.05  # steep ground exists in the mountains
    assert (slope[low] < 5).mean() > 0.8  # the low ground is mostly gentle
    assert slope.max() < 70  # and nothing is a cliff wall everywhere
