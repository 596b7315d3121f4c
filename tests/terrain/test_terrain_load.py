"""Loading terrain onto a mission grid: reprojection, mosaics, SRTM tiles, voids, partial cover,
sampling and profiles.

References: /work/shared/terrain/PROVENANCE.md (Qaidam 5' grid, 28 m vertical steps; Golmud
36.40 N 94.90 E = 2826 m in its nearest cell); GDAL SRTMHGT driver documentation for the .hgt
layout; analytic surfaces whose values can be computed by hand.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from sar_planner.errors import InputError, OutsideTerrainError, TerrainError
from sar_planner.geo import utm_crs
from sar_planner.grid import Grid
from sar_planner.terrain import (
    elevation_at,
    grid_around,
    grid_covering,
    inspect,
    load_terrain,
    profile,
    sample_bilinear,
    slope_at,
)
from tests.shared_data import shared_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "terrain"
# the real grids are bundled in terrain/ (same bytes as ../shared/terrain, PROVENANCE.md)
QAIDAM = Path(__file__).resolve().parents[2] / "terrain" / "qaidam_mapzen_5arcmin_pvlib.tif"
TUJUNGA = SHARED / "bigtujunga_srtm30m_utm11n.tif"


def write_tif(path: Path, z: np.ndarray, transform: Affine, crs="EPSG:4326", dtype="float32",
              nodata=None, tags=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype=dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(z.astype(dtype), 1)
        if tags:
            dst.update_tags(**tags)
    return path


def surface(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A smooth made-up landscape (metres) defined everywhere, so any tile layout can be checked."""
    return 3000.0 + 400.0 * np.sin(lon * 40.0) * np.cos(lat * 30.0) + 200.0 * (lat - 36.0)


def hgt_tile(folder: Path, lat0: int, lon0: int, void: tuple[slice, slice] | None = None) -> Path:
    """An SRTM-3 tile: 1201 x 1201 big-endian int16, row 0 at lat0 + 1, cells centred on 3" nodes."""
    n = 1201
    lat = lat0 + 1 - np.arange(n) / 1200.0
    lon = lon0 + np.arange(n) / 1200.0
    z = np.round(surface(lon[None, :], lat[:, None])).astype(np.int16)
    if void is not None:
        z[void] = -32768
    path = folder / f"N{lat0:02d}E{lon0:03d}.hgt"
    z.astype(">i2").tofile(path)
    return path


def _source_bilinear(path: Path, lat: float, lon: float) -> float:
    """Bilinear sample of a geographic raster between its cell centres, done by hand."""
    with rasterio.open(path) as src:
        z = src.read(1).astype(float)
        col, row = ~src.transform @ (lon, lat)
    r, c = row - 0.5, col - 0.5
    r0, c0 = int(math.floor(r)), int(math.floor(c))
    fr, fc = r - r0, c - c0
    return float((z[r0, c0] * (1 - fc) + z[r0, c0 + 1] * fc) * (1 - fr)
                 + (z[r0 + 1, c0] * (1 - fc) + z[r0 + 1, c0 + 1] * fc) * fr)


# ---- grids ----------------------------------------------------------------------------------

def test_grid_around_golmud_is_in_utm_46n_and_reaches_the_half_width():
    grid = grid_around(36.40, 94.90, 5000, 100)
    assert grid.crs.to_epsg() == 32646  # 94.9 E lies in UTM zone 46 (90-96 E)
    x, y = Transformer.from_crs(4326, grid.crs, always_xy=True).transform(94.90, 36.40)
    west, south, east, north = grid.bounds
    assert west <= x - 5000 and east >= x + 5000 and south <= y - 5000 and north >= y + 5000
    assert east - west <= 10_100 and north - south <= 10_100  # grown by at most one cell
    assert west % 100 == 0 and north % 100 == 0  # snapped to the 100 m lattice


def test_grid_around_gauss_kruger_option():
    grid = grid_around(36.40, 94.90, 2000, 30, kind="cgcs2000-gk3")
    assert grid.crs.name == "CGCS2000 / 3-degree Gauss-Kruger CM 96E"  # EPSG:4541


def test_grid_around_rejects_bad_sizes():
    with pytest.raises(InputError):
        grid_around(36.4, 94.9, -5, 30)
    with pytest.raises(InputError):
        grid_around(36.4, 94.9, 5000, 0)
    with pytest.raises(InputError) as exc:
        grid_around(36.4, 94.9, 500_000, 1)
    assert exc.value.code == "terrain.err_grid_too_big"


def test_grid_covering_holds_the_whole_dataset_within_max_cells():
    info = inspect(QAIDAM)
    grid = grid_covering(info.bounds_wgs84, max_cells=1500)
    assert max(grid.shape) <= 1500
    # finest whole-metre cell: one metre less would need more than 1500 cells
    west, south, east, north = grid.bounds
    assert max(grid.shape) * (grid.cell_size - 1) < max(east - west, north - south) + 2 * grid.cell_size
    to_utm = Transformer.from_crs(4326, grid.crs, always_xy=True)
    for lon in np.linspace(90, 100, 11):
        for lat in (34.5, 38.5):
            x, y = to_utm.transform(lon, lat)
            assert west <= x <= east and south <= y <= north
    assert grid_covering(info.bounds_wgs84, cell_size_m=5000).cell_size == 5000


# ---- reprojection of the real Qaidam grid ---------------------------------------------------------

def test_qaidam_reprojected_to_utm_stays_inside_the_tile_and_matches_source_samples():
    grid = grid_around(36.40, 94.90, 40_000, 500)
    terrain = load_terrain([QAIDAM], grid)
    # the grid's corners, transformed back with pyproj, fall inside the geographic tile
    to_wgs = Transformer.from_crs(grid.crs, 4326, always_xy=True)
    west, south, east, north = grid.bounds
    for x, y in ((west, south), (west, north), (east, south), (east, north)):
        lon, lat = to_wgs.transform(x, y)
        assert 90 < lon < 100 and 34.5 < lat < 38.5
    assert np.isfinite(terrain.elevation).all()
    # values at a few points equal the bilinear sample of the source within its 28 m step
    for lat, lon in ((36.40, 94.90), (36.2, 94.7), (36.6, 95.2), (36.15, 95.25)):
        assert elevation_at(terrain, lat, lon) == pytest.approx(_source_bilinear(QAIDAM, lat, lon),
                                                                abs=28)


def test_golmud_nearest_cell_is_2826_m():
    # PROVENANCE.md: Golmud 36.40 N 94.90 E = 2826 m (nearest cell of the 5' grid)
    terrain = load_terrain([QAIDAM], grid_around(36.40, 94.90, 3000, 250), resampling="nearest")
    assert elevation_at(terrain, 36.40, 94.90) == pytest.approx(2826.0, abs=1e-9)


def test_whole_dataset_overview_is_partial_outside_its_edges():
    grid = grid_covering(inspect(QAIDAM).bounds_wgs84, max_cells=400)
    with pytest.raises(OutsideTerrainError) as exc:
        load_terrain([QAIDAM], grid)
    assert exc.value.code == "terrain.err_outside_part"
    terrain = load_terrain([QAIDAM], grid, allow_partial=True)
    assert 0 < terrain.outside_cells < 0.2 * grid.shape[0] * grid.shape[1]
    lon, lat = Transformer.from_crs(grid.crs, 4326, always_xy=True).transform(
        *np.meshgrid(grid.x_centres(), grid.y_centres()))
    inside = (lon > 90) & (lon < 100) & (lat > 34.5) & (lat < 38.5)
    assert np.isfinite(terrain.elevation[inside]).all()  # no gaps inside the data, even at its rim
    assert np.isnan(terrain.elevation[~inside]).all()
    assert 2686 - 1 <= np.nanmin(terrain.elevation) and np.nanmax(terrain.elevation) <= 5794 + 1


def test_grid_entirely_outside_always_raises(tmp_path):
    path = write_tif(tmp_path / "t.tif", np.full((10, 10), 3000.0), Affine(0.01, 0, 94, 0, -0.01, 37))
    grid = grid_around(30.0, 80.0, 1000, 30)
    for partial in (False, True):
        with pytest.raises(OutsideTerrainError) as exc:
            load_terrain([path], grid, allow_partial=partial)
        assert exc.value.code == "terrain.err_outside_all"


# ---- mosaics ----------------------------------------------------------------------------------

def test_two_adjacent_tiles_give_the_same_terrain_as_the_single_big_tile(tmp_path):
    res = 0.001
    rows, cols = 200, 300
    lat = 36.5 - (np.arange(rows) + 0.5) * res
    lon = 94.5 + (np.arange(cols) + 0.5) * res
    z = surface(lon[None, :], lat[:, None]) + np.random.default_rng(7).normal(0, 5, (rows, cols))
    big = write_tif(tmp_path / "big.tif", z, Affine(res, 0, 94.5, 0, -res, 36.5))
    west = write_tif(tmp_path / "west.tif", z[:, :150], Affine(res, 0, 94.5, 0, -res, 36.5))
    east = write_tif(tmp_path / "east.tif", z[:, 150:], Affine(res, 0, 94.65, 0, -res, 36.5))
    grid = grid_around(36.40, 94.65, 5000, 50)  # straddles the seam at 94.65 E
    one = load_terrain([big], grid)
    two = load_terrain([east, west], grid)
    assert set(two.sources) == {str(east), str(west)}
    np.testing.assert_allclose(two.elevation, one.elevation, atol=1e-6)
    assert np.isfinite(one.elevation).all()


def test_projected_source_is_reprojected(tmp_path):
    # a plane in UTM 46N rising 0.1 m/m to the east, loaded onto a Gauss-Kruger grid of the same
    # place: the slope is a property of the ground and must survive (grid convergence only turns it)
    crs = utm_crs(36.4, 94.9)
    x0, y0 = Transformer.from_crs(4326, crs, always_xy=True).transform(94.9, 36.4)
    x0, y0 = round(x0 / 30) * 30 - 3000, round(y0 / 30) * 30 + 3000
    xs = x0 + (np.arange(200) + 0.5) * 30
    z = np.tile(3000 + 0.1 * (xs - x0), (200, 1))
    path = write_tif(tmp_path / "plane.tif", z, Affine(30, 0, x0, 0, -30, y0), crs=crs)
    terrain = load_terrain([path], grid_around(36.4, 94.9, 1500, 30, kind="cgcs2000-gk3"))
    expected = math.degrees(math.atan(0.1))
    np.testing.assert_allclose(terrain.slope_deg[2:-2, 2:-2], expected, atol=0.01)


# ---- SRTM .hgt -----------------------------------------------------------------------------------

def test_hgt_tile_values_match_the_surface(tmp_path):
    path = hgt_tile(tmp_path, 36, 94)
    terrain = load_terrain([path], grid_around(36.5, 94.5, 3000, 90))
    for lat, lon in ((36.5, 94.5), (36.48, 94.47), (36.52, 94.53)):
        # int16 rounding (0.5 m) + bilinear on a smooth surface
        assert elevation_at(terrain, lat, lon) == pytest.approx(float(surface(lon, lat)), abs=2.0)


def test_zip_of_two_hgt_tiles_is_mosaicked_across_the_seam(tmp_path):
    tiles = [hgt_tile(tmp_path, 36, 94), hgt_tile(tmp_path, 36, 95)]
    archive = tmp_path / "srtm.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for t in tiles:
            zf.write(t, t.name)
    terrain = load_terrain([archive], grid_around(36.5, 95.0, 4000, 90))
    assert len(terrain.sources) == 2
    assert all(s.startswith("/vsizip/") for s in terrain.sources)
    assert np.isfinite(terrain.elevation).all()
    lats = np.array([36.49, 36.5, 36.51, 36.5])
    lons = np.array([94.99, 95.0, 95.01, 95.03])
    np.testing.assert_allclose(elevation_at(terrain, lats, lons), surface(lons, lats), atol=2.0)


# ---- voids ----------------------------------------------------------------------------------------

def test_small_void_is_filled(tmp_path):
    # a 3 x 3 patch of 3" cells (about 250 m x 280 m = 0.07 km^2) around 36.5 N 94.5 E
    path = hgt_tile(tmp_path, 36, 94, void=(slice(599, 602), slice(599, 602)))
    terrain = load_terrain([path], grid_around(36.5, 94.5, 2000, 30))
    assert terrain.filled_voids > 0
    assert np.isfinite(terrain.elevation).all()
    assert elevation_at(terrain, 36.5, 94.5) == pytest.approx(float(surface(94.5, 36.5)), abs=15)


def test_large_void_is_reported_with_place_and_size(tmp_path):
    # 40 x 40 cells of 3" (about 3.0 km x 3.7 km = 11 km^2) centred near 36.5 N 94.5 E
    path = hgt_tile(tmp_path, 36, 94, void=(slice(580, 620), slice(580, 620)))
    grid = grid_around(36.5, 94.5, 5000, 90)
    with pytest.raises(TerrainError) as exc:
        load_terrain([path], grid)
    assert exc.value.code == "terrain.err_large_void"
    assert float(exc.value.params["lat"]) == pytest.approx(36.5, abs=0.01)
    assert float(exc.value.params["lon"]) == pytest.approx(94.5, abs=0.01)
    assert 8 < float(exc.value.params["km2"]) < 14
    terrain = load_terrain([path], grid, allow_voids=True)
    (void,) = terrain.large_voids
    assert void.area_m2 == pytest.approx(11e6, rel=0.25)
    assert np.isnan(elevation_at(terrain, 36.5, 94.5))
    assert np.isfinite(elevation_at(terrain, 36.5, 94.46))


def test_nodata_value_of_a_geotiff_counts_as_void(tmp_path):
    z = np.full((100, 100), 3000.0)
    z[10:90, 10:90] = -9999
    path = write_tif(tmp_path / "holes.tif", z, Affine(30, 0, 400000, 0, -30, 4000000),
                     crs="EPSG:32646", nodata=-9999)
    grid = Grid.from_bounds(utm_crs(36, 93), 400300, 3997300, 402700, 3999700, 30)
    with pytest.raises(TerrainError) as exc:
        load_terrain([path], grid)
    assert exc.value.code == "terrain.err_large_void"


# ---- sampling -------------------------------------------------------------------------------------

def _plane_terrain(tmp_path: Path):
    crs = utm_crs(36.4, 94.9)
    z = 3000 + 0.2 * (np.arange(100) * 30 + 15)[None, :] + np.zeros((100, 1))
    path = write_tif(tmp_path / "p.tif", z, Affine(30, 0, 500000, 0, -30, 4000000), crs=crs)
    grid = Grid.from_bounds(crs, 500300, 3997300, 502700, 3999700, 30)
    return load_terrain([path], grid)


def test_sample_bilinear_on_a_plane_is_exact(tmp_path):
    terrain = _plane_terrain(tmp_path)
    x = np.array([500500.0, 501234.5, 502000.0])
    y = np.array([3998000.0, 3998500.0, 3999000.0])
    np.testing.assert_allclose(sample_bilinear(terrain, x, y), 3000 + 0.2 * (x - 500000), atol=1e-6)


def test_point_outside_raises(tmp_path):
    terrain = _plane_terrain(tmp_path)
    with pytest.raises(OutsideTerrainError) as exc:
        sample_bilinear(terrain, [500500.0, 600000.0], [3998000.0, 3998000.0])
    assert exc.value.code == "terrain.err_point_outside" and exc.value.params["count"] == 1
    with pytest.raises(OutsideTerrainError):
        elevation_at(terrain, 30.0, 80.0)


def test_profile_samples_at_dem_resolution_and_measures_distance(tmp_path):
    terrain = _plane_terrain(tmp_path)
    dist, elev = profile(terrain, [500400.0, 501400.0, 501400.0], [3998000.0, 3998000.0, 3999000.0])
    assert dist[-1] == pytest.approx(2000.0)
    assert np.max(np.diff(dist)) <= terrain.grid.cell_size + 1e-9
    assert elev[0] == pytest.approx(3080.0) and elev[-1] == pytest.approx(3280.0)
    # the second leg runs north along a contour: constant height
    np.testing.assert_allclose(elev[dist >= 1000], 3280.0, atol=1e-6)


def test_slope_at_on_a_plane(tmp_path):
    terrain = _plane_terrain(tmp_path)
    lon, lat = Transformer.from_crs(terrain.grid.crs, 4326, always_xy=True).transform(501500, 3998500)
    assert slope_at(terrain, lat, lon) == pytest.approx(math.degrees(math.atan(0.2)), abs=1e-6)


def test_terrain_flags_synthetic_sources(tmp_path):
    path = write_tif(tmp_path / "s.tif", np.full((50, 50), 3000.0), Affine(0.001, 0, 94.88, 0, -0.001, 36.42),
                     tags={"SYNTHETIC": "yes"})
    assert load_terrain([path], grid_around(36.40, 94.90, 500, 30)).synthetic


def test_real_30m_srtm_in_its_own_utm_zone():
    shared_file(TUJUNGA)
    info = inspect(TUJUNGA)
    lat = (info.bounds_wgs84[1] + info.bounds_wgs84[3]) / 2
    lon = (info.bounds_wgs84[0] + info.bounds_wgs84[2]) / 2
    terrain = load_terrain([TUJUNGA], grid_around(lat, lon, 3000, 30))
    assert terrain.grid.crs.to_epsg() == 32611
    assert np.isfinite(terrain.elevation).all()
    assert 315 <= np.min(terrain.elevation) and np.max(terrain.elevation) <= 2295  # PROVENANCE range
    assert np.max(terrain.slope_deg) > 30  # steep chaparral


def test_coarse_grid_reads_the_overviews_not_the_full_file(tmp_path):
    # The file's overviews hold 1000 m but its full-resolution cells were later rewritten to
    # 2000 m: a coarse grid that gets 1000 m proves the values came from the overviews (the full
    # file was not read), and a fine grid that gets 2000 m proves full resolution is used there.
    path = tmp_path / "ovr.tif"
    crs = utm_crs(36.4, 94.9)
    with rasterio.open(path, "w", driver="GTiff", width=2048, height=2048, count=1, dtype="int16",
                       crs=crs, transform=Affine(10, 0, 480000, 0, -10, 4040000), tiled=True,
                       blockxsize=256, blockysize=256) as dst:
        dst.write(np.full((2048, 2048), 1000, dtype=np.int16), 1)
        dst.build_overviews([2, 4, 8, 16])
    with rasterio.open(path, "r+") as dst:
        dst.write(np.full((2048, 2048), 2000, dtype=np.int16), 1)
    coarse = load_terrain([path], Grid.from_bounds(crs, 482000, 4022000, 498000, 4038000, 200))
    assert np.all(coarse.elevation == 1000)
    fine = load_terrain([path], Grid.from_bounds(crs, 485000, 4025000, 487000, 4027000, 10))
    assert np.all(fine.elevation == 2000)


def test_tiles_of_different_resolution_keep_the_fine_tile_exact(tmp_path):
    # a coarse 0.01 deg tile to the west listed first, a fine 0.001 deg tile to the east: where
    # only the fine tile reaches, the mosaic must equal the fine tile loaded alone
    lat_c = 36.5 - (np.arange(30) + 0.5) * 0.01
    lon_c = 94.5 + (np.arange(21) + 0.5) * 0.01  # to 94.71 E: overlaps the fine tile a little
    coarse = write_tif(tmp_path / "coarse.tif", surface(lon_c[None, :], lat_c[:, None]),
                       Affine(0.01, 0, 94.5, 0, -0.01, 36.5))
    # the fine tile's lattice is offset by half a fine cell from the coarse one's
    lat_f = 36.4995 - (np.arange(300) + 0.5) * 0.001
    lon_f = 94.7005 + (np.arange(200) + 0.5) * 0.001
    fine = write_tif(tmp_path / "fine.tif", surface(lon_f[None, :], lat_f[:, None]),
                     Affine(0.001, 0, 94.7005, 0, -0.001, 36.4995))
    grid = grid_around(36.35, 94.71, 3000, 30)  # straddles the coarse tile's east edge
    both = load_terrain([coarse, fine], grid).elevation
    alone = load_terrain([fine], grid, allow_partial=True).elevation
    lon, _ = Transformer.from_crs(grid.crs, 4326, always_xy=True).transform(
        *np.meshgrid(grid.x_centres(), grid.y_centres()))
    east = lon > 94.712  # east of the coarse tile, more than a fine cell inside the fine tile
    assert east.sum() > 1000
    np.testing.assert_allclose(both[east], alone[east], atol=1e-6)


_PLANE_CACHE: dict[str, object] = {}


@settings(max_examples=50, deadline=None)
@given(fx=st.floats(0, 1), fy=st.floats(0, 1))
def test_bilinear_is_exact_on_a_plane_anywhere_inside(tmp_path_factory, fx, fy):
    # bilinear interpolation reproduces a plane exactly, up to the grid's outer edge (where the
    # edge cell's value is held, so keep half a cell inside)
    if "t" not in _PLANE_CACHE:
        _PLANE_CACHE["t"] = _plane_terrain(tmp_path_factory.mktemp("plane"))
    terrain = _PLANE_CACHE["t"]
    west, south, east, north = terrain.grid.bounds
    half = terrain.grid.cell_size / 2
    x = west + half + fx * (east - west - 2 * half)
    y = south + half + fy * (north - south - 2 * half)
    assert float(sample_bilinear(terrain, x, y)) == pytest.approx(3000 + 0.2 * (x - 500000), abs=1e-6)
