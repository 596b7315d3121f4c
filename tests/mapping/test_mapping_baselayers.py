"""Importing the unit's base maps (sar_planner.mapping.baselayers): all-or-nothing, read back
in the mission's CRS where the coordinates say."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from sar_planner.errors import FormatError, InputError
from sar_planner.geo import wgs84_to_gcj02
from sar_planner.mapping.baselayers import (basemaps_dir, import_base_layer, list_base_layers,
                                            raster_view, remove_base_layer, vector_view)
from sar_planner.settings import get_settings
from tests.mapping.basemap_files import GOLMUD, geojson, gpkg, mbtiles, png, tile_xy, xyz_zip

UTM46 = "EPSG:32646"
TO_UTM = Transformer.from_crs(4326, UTM46, always_xy=True)
GX, GY = TO_UTM.transform(GOLMUD[1], GOLMUD[0])  # Golmud in UTM 46N
VIEW = (GX - 20_000, GY - 20_000, GX + 20_000, GY + 20_000)


def test_geojson_and_kml_layers_read_back_in_the_mission_crs(tmp_path) -> None:
    s = get_settings()
    roads = geojson([("G109", {"type": "LineString", "coordinates": [[94.80, 36.30],
                                                                    [94.95, 36.45]]}),
                     ("Bayan camp", {"type": "Point", "coordinates": [94.88, 36.40]}),
                     ("", {"type": "Point", "coordinates": [94.87, 36.39]})])
    kml = (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           b'<Placemark><name>\xe5\x86\xac\xe7\xaa\x9d\xe5\xad\x90</name><Point><coordinates>'
           b'94.91,36.42,0</coordinates></Point></Placemark></Document></kml>')
    entry = import_base_layer([("roads.geojson", roads), ("camps.kml", kml)], s, kind="vector",
                              name="Roads and camps")
    assert entry.kind == "vector" and entry.name == "Roads and camps"
    assert [e.id for e in list_base_layers(s)] == [entry.id]
    got = {label: g for g, label in vector_view(entry, UTM46, VIEW)}
    assert set(got) == {"G109", "Bayan camp", "冬窝子", ""}  # the unnamed point has no label
    x, y = TO_UTM.transform(94.88, 36.40)
    assert got["Bayan camp"].x == pytest.approx(x, abs=0.01)
    assert got["Bayan camp"].y == pytest.approx(y, abs=0.01)
    # a view elsewhere (Delingha) holds none of them
    dx, dy = TO_UTM.transform(97.37, 37.37)
    assert vector_view(entry, UTM46, (dx - 5000, dy - 5000, dx + 5000, dy + 5000)) == []


def test_geopackage_in_utm_is_converted(tmp_path) -> None:
    data = gpkg(tmp_path / "camps.gpkg", 32646, [("Camp 3", Point(GX + 1000.0, GY - 2000.0))])
    entry = import_base_layer([("camps.gpkg", data)], get_settings(), kind="vector")
    [(geom, label)] = vector_view(entry, UTM46, VIEW)
    assert label == "Camp 3"
    assert (geom.x, geom.y) == pytest.approx((GX + 1000.0, GY - 2000.0), abs=0.01)


def test_gcj02_points_are_moved_back_to_wgs84() -> None:
    glat, glon = wgs84_to_gcj02(36.40, 94.88)  # where a phone map app would put the camp
    data = geojson([("Camp", {"type": "Point", "coordinates": [float(glon), float(glat)]})])
    entry = import_base_layer([("camp.geojson", data)], get_settings(), kind="vector",
                              gcj02=True)
    [(geom, _)] = vector_view(entry, UTM46, VIEW)
    x, y = TO_UTM.transform(94.88, 36.40)
    # the GCJ-02 offset is 100-700 m; after conversion within a metre of the true place
    assert np.hypot(geom.x - x, geom.y - y) < 1.0


@pytest.mark.parametrize("fmt", ["mbtiles", "xyz"])
def test_tiles_are_drawn_where_the_tile_is(tmp_path, fmt) -> None:
    z = 10
    x, y = tile_xy(*GOLMUD, z)
    tiles = {(z, x, y): png((200, 30, 30)), (z, x + 1, y): png((30, 30, 200))}
    if fmt == "mbtiles":
        files = [("ortho.mbtiles", mbtiles(tmp_path / "t.mbtiles", tiles))]
    else:
        files = [("ortho.zip", xyz_zip(tiles))]
    entry = import_base_layer(files, get_settings(), kind="raster", name="Ortho")
    assert entry.fmt == fmt
    rgba = raster_view(entry, UTM46, VIEW, max_px=400)
    # Golmud itself (the view's centre) is in the red tile
    assert tuple(rgba[200, 200]) == (200, 30, 30, 255)
    # tile (781, 400) spans 94.57-94.92E, 36.32-36.60N (slippy-map formula): the blue tile
    # east of it; the view's south edge (36.23N) lies below both: transparent
    assert (rgba[..., 2] == 200).any()
    assert rgba[399, 200, 3] == 0
    assert rgba[0, 200, 3] == 255  # its north edge (36.59N) is inside the red tile


def test_geotiff_orthophoto_reprojected(tmp_path) -> None:
    from rasterio.io import MemoryFile
    from affine import Affine

    # a 100 x 100 px green image, 10 m pixels, north-west corner 500 m W / N of Golmud,
    # in the CGCS2000 GK zone 32 CRS (EPSG:4520) the unit's paper maps use
    gk = Transformer.from_crs(4326, 4520, always_xy=True)
    ex, ny = gk.transform(GOLMUD[1], GOLMUD[0])
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=100, height=100, count=3, dtype="uint8",
                      crs="EPSG:4520", transform=Affine(10.0, 0.0, ex - 500, 0.0, -10.0, ny + 500)) as d:
            d.write(np.full((3, 100, 100), [[[20]], [[160]], [[40]]], dtype=np.uint8))
        data = mem.read()
    entry = import_base_layer([("ortho.tif", data)], get_settings(), kind="raster")
    view = (GX - 2000, GY - 2000, GX + 2000, GY + 2000)
    rgba = raster_view(entry, UTM46, view, max_px=400)  # 10 m cells
    assert tuple(rgba[200, 200]) == (20, 160, 40, 255)  # Golmud: inside the image
    assert rgba[10, 10, 3] == 0  # 1.9 km NW of Golmud: outside it, transparent
    # the image is 1 km wide: about 100 opaque cells along the centre row
    assert 95 <= int((rgba[200, :, 3] == 255).sum()) <= 105


def test_a_bad_file_imports_nothing(tmp_path) -> None:
    s = get_settings()
    good = geojson([("A", {"type": "Point", "coordinates": [94.9, 36.4]})])
    with pytest.raises(FormatError) as err:
        import_base_layer([("a.geojson", good), ("b.kml", b"<kml><oops")], s, kind="vector")
    assert "b.kml" in str(err.value)
    assert list_base_layers(s) == []
    assert [p.name for p in basemaps_dir(s).iterdir()] == []  # no half-written folder
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    with warnings.catch_warnings():  # a scan without position is the point of this case
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as mem:
            with mem.open(driver="GTiff", width=4, height=4, count=1, dtype="uint8") as d:
                d.write(np.zeros((1, 4, 4), dtype=np.uint8))
            plain = mem.read()
    with pytest.raises(FormatError, match="no coordinate system"):
        import_base_layer([("scan.tif", plain)], s, kind="raster")
    z = 10
    x, y = tile_xy(*GOLMUD, z)
    with pytest.raises(FormatError, match="zoom 10"):
        import_base_layer([("t.zip", xyz_zip({(z, x, y): b"not a png"}))], s, kind="raster")
    with pytest.raises(FormatError, match="not a vector layer"):
        import_base_layer([("roads.dxf", b"0\nSECTION")], s, kind="vector")
    with pytest.raises(InputError):
        import_base_layer([], s, kind="vector")
    assert list_base_layers(s) == []
    assert [p.name for p in basemaps_dir(s).iterdir()] == []


def test_remove_layer() -> None:
    s = get_settings()
    e = import_base_layer([("a.geojson", geojson([("A", {"type": "Point",
                                                          "coordinates": [94.9, 36.4]})]))],
                          s, kind="vector")
    remove_base_layer(s, e.id)
    assert list_base_layers(s) == []
    with pytest.raises(InputError):
        remove_base_layer(s, e.id)
