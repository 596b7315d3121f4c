"""``sar-planner plan``, ``assets`` and ``pod`` from the command line (JSON out, exit codes)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from sar_planner.cli import main
from sar_planner.grid import Grid
from sar_planner.probability import ProbabilityMap, write_poa_geotiff

X0, Y0 = 600000.0, 4000000.0  # UTM 46N, near 36.1N 93.9E


def _dem(tmp_path: Path, tags: dict | None = None) -> Path:
    n, cell = 200, 30.0
    x = (np.arange(n) + 0.5) * cell
    z = np.tile(3000.0 + 200.0 * np.exp(-((x - 3000.0) / 500.0) ** 2), (n, 1))
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                       crs="EPSG:32646", transform=Affine(cell, 0, X0, 0, -cell, Y0)) as d:
        d.write(z.astype("float32"), 1)
        if tags:
            d.update_tags(**tags)
    return path


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs("EPSG:32646", "EPSG:4326", always_xy=True).transform(x, y)
    return lon, lat


def _area(tmp_path: Path, x0: float, y0: float, x1: float, y1: float) -> Path:
    ring = [_lonlat(x0, y0), _lonlat(x1, y0), _lonlat(x1, y1), _lonlat(x0, y1), _lonlat(x0, y0)]
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "S1"},
           "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}]}
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_writes_geojson_and_prints_the_summary(tmp_path, capsys):
    dem = _dem(tmp_path)
    area = _area(tmp_path, X0 + 1000, Y0 - 3000, X0 + 3000, Y0 - 1000)
    out = tmp_path / "plan.geojson"
    code, stdout, err = _run(capsys, ["plan", "--terrain", str(dem), "--area", str(area),
                                      "--asset", "m30t", "--pattern", "parallel", "--agl", "80",
                                      "--spacing", "200", "--out", str(out)])
    assert code == 0, err
    s = json.loads(stdout)
    for key in ("length_m", "duration_s", "sorties", "spacing_m", "sweep_width_m",
                "min_clearance_m", "waypoints"):
        assert key in s
    assert s["spacing_m"] == 200.0 and s["sorties"] >= 1
    assert s["min_clearance_m"] >= 70.0
    # 2 km x 2 km at S = 200 m: 10 legs of ~2 km, fewest turns
    assert 20000 <= s["length_m"]
    doc = json.loads(out.read_text(encoding="utf-8"))
    wps = [f for f in doc["features"] if f["properties"].get("kind") == "waypoint"]
    # issue 13 (3763f29, bd9c76a): every export drops a waypoint at the same place and height as
    # the one before (no zero-length leg; formats._common.distinct_points). Sortie 1's take-off
    # climb point (seq 1) sits on top of its first search waypoint, so the file has one waypoint
    # fewer than the plan's count; "seq" keeps the plan's numbering.
    assert len(wps) == s["waypoints"] - 1
    assert [f["properties"]["seq"] for f in wps if f["properties"]["sortie"] == 1][:3] == [0, 2, 3]
    # every waypoint carries its altitude above sea level; the flight clears the 3,000-3,200 m
    assert all(3000 <= f["properties"]["alt_amsl_m"] <= 3400 for f in wps
               if f["properties"]["role"] == "search")
    lon, lat = wps[0]["geometry"]["coordinates"][:2]
    assert 93 < lon < 95 and 35 < lat < 37


def test_plan_chooses_the_writer_from_the_extension(tmp_path, capsys):
    dem = _dem(tmp_path)
    out = tmp_path / "sq.plan"
    code, stdout, err = _run(capsys, ["plan", "--terrain", str(dem), "--datum",
                                      "{1:.6f},{0:.6f}".format(*_lonlat(X0 + 3000, Y0 - 3000)),
                                      "--asset", "mavic3t", "--pattern", "expanding-square",
                                      "--radius", "300", "--out", str(out)])
    assert code == 0, err
    files = json.loads(stdout)["files"]
    doc = json.loads(Path(files[0]).read_text(encoding="utf-8"))
    assert doc["fileType"] == "Plan"


def test_pattern_without_datum_is_a_clear_error(tmp_path, capsys):
    dem = _dem(tmp_path)
    code, _, err = _run(capsys, ["plan", "--terrain", str(dem), "--asset", "m30t",
                                 "--pattern", "sector", "--out", str(tmp_path / "x.geojson")])
    assert code == 2 and "needs a datum" in err and "Traceback" not in err


def test_synthetic_terrain_prints_the_summary_but_writes_nothing(tmp_path, capsys):
    dem = _dem(tmp_path, tags={"SYNTHETIC": "yes"})
    out = tmp_path / "p.geojson"
    code, stdout, err = _run(capsys, ["plan", "--terrain", str(dem), "--datum",
                                      "{1:.6f},{0:.6f}".format(*_lonlat(X0 + 3000, Y0 - 3000)),
                                      "--asset", "m30t", "--pattern", "sector", "--out", str(out)])
    assert code == 2 and "SYNTHETIC" in err
    assert json.loads(stdout)["exportable"] is False
    assert not out.exists()


def test_spacing_larger_than_the_area_and_outside_terrain(tmp_path, capsys):
    dem = _dem(tmp_path)
    area = _area(tmp_path, X0 + 1000, Y0 - 1500, X0 + 1500, Y0 - 1000)
    code, _, err = _run(capsys, ["plan", "--terrain", str(dem), "--area", str(area), "--asset",
                                 "m30t", "--pattern", "parallel", "--spacing", "900", "--out",
                                 str(tmp_path / "a.geojson")])
    assert code == 2 and "wider than the search area" in err
    far = _area(tmp_path, X0 + 50000, Y0 - 3000, X0 + 52000, Y0 - 1000)
    code, _, err = _run(capsys, ["plan", "--terrain", str(dem), "--area", str(far), "--asset",
                                 "m30t", "--pattern", "parallel", "--out",
                                 str(tmp_path / "b.geojson")])
    assert code == 2 and "not fully covered by the terrain" in err


def test_assets_prints_the_catalogue(capsys):
    code, stdout, _ = _run(capsys, ["assets"])
    assert code == 0
    items = json.loads(stdout)
    ids = {a["id"] for a in items}
    assert {"m350-h20t", "m30t", "mavic3t", "h125", "vtol"} <= ids
    m350 = next(a for a in items if a["id"] == "m350-h20t")
    assert m350["kind"] == "multirotor" and m350["sensors"][0]["width_px"] == 640
    assert m350["name"]["zh"]


def test_pod_rasterises_a_plan_on_the_poa_grid(tmp_path, capsys):
    dem = _dem(tmp_path)
    area = _area(tmp_path, X0 + 1000, Y0 - 3000, X0 + 3000, Y0 - 1000)
    plan_file = tmp_path / "plan.geojson"
    assert main(["plan", "--terrain", str(dem), "--area", str(area), "--asset", "m30t",
                 "--pattern", "parallel", "--agl", "80", "--out", str(plan_file)]) == 0
    summary = json.loads(capsys.readouterr()[0])
    grid = Grid.from_bounds("EPSG:32646", X0, Y0 - 6000, X0 + 6000, Y0, 50.0)
    poa = np.full(grid.shape, 0.9 / (grid.shape[0] * grid.shape[1]))
    poa_file = tmp_path / "poa.tif"
    write_poa_geotiff(poa_file, ProbabilityMap(grid, poa, 0.1))
    out = tmp_path / "pod.tif"
    code, stdout, err = _run(capsys, ["pod", "--poa", str(poa_file), "--track", str(plan_file),
                                      "--asset", "m30t", "--agl", "80", "--out", str(out)])
    assert code == 0, err
    res = json.loads(stdout)
    with rasterio.open(out) as src:
        pod = src.read(1)
    assert res["pos"] == pytest.approx(float(np.sum(poa * pod)), abs=1e-6)
    # planned at S = W: the searched cells have POD near 1 - 1/e; POS ~ 0.632 x POA of the
    # 4 km^2 searched (of 36 km^2 holding 0.9) = 0.632 x 0.1 = 0.063
    assert res["pos"] == pytest.approx((1 - math.exp(-1)) * 0.9 * 4 / 36, rel=0.12)
    assert summary["sweep_width_m"] == pytest.approx(res["sweep_width_m"])


def test_track_line_with_the_units_sweep_width(tmp_path, capsys):
    dem = _dem(tmp_path)
    pts = [list(_lonlat(X0 + 1000 + 500 * i, Y0 - 3000)) for i in range(9)]  # 4 km east-west
    line = tmp_path / "road.geojson"
    line.write_text(json.dumps({"type": "Feature", "properties": {"name": "road"},
                                "geometry": {"type": "LineString", "coordinates": pts}}),
                    encoding="utf-8")
    code, stdout, err = _run(capsys, ["plan", "--terrain", str(dem), "--line", str(line),
                                      "--asset", "m30t", "--pattern", "track-line",
                                      "--sweep-width", "60", "--agl", "80",
                                      "--out", str(tmp_path / "road.geojson.csv")])
    assert code == 0, err
    s = json.loads(stdout)
    # two passes 30 m either side of the 4 km road (S = W = 60 m), plus a 60 m turn
    assert (s["sweep_method"], s["sweep_width_m"], s["spacing_m"]) == ("unit", 60.0, 60.0)
    search = 2 * 4000.0
    assert search <= s["length_m"] <= search + 200.0 + 2 * 100.0


def test_pod_of_a_flown_gpx_track(tmp_path, capsys):
    import gpxpy.gpx

    grid = Grid.from_bounds("EPSG:32646", X0, Y0 - 6000, X0 + 6000, Y0, 50.0)
    poa = np.full(grid.shape, 1.0 / (grid.shape[0] * grid.shape[1]))
    poa_file = tmp_path / "poa.tif"
    write_poa_geotiff(poa_file, ProbabilityMap(grid, poa, 0.0))
    g = gpxpy.gpx.GPX()
    seg = gpxpy.gpx.GPXTrackSegment()
    for i in range(21):  # a straight 2,000 m line flown east at 3,100 m
        lon, lat = _lonlat(X0 + 2000 + 100 * i, Y0 - 3000)
        seg.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=3100.0))
    trk = gpxpy.gpx.GPXTrack()
    trk.segments.append(seg)
    g.tracks.append(trk)
    track = tmp_path / "flown.gpx"
    track.write_text(g.to_xml(), encoding="utf-8")
    code, stdout, err = _run(capsys, ["pod", "--poa", str(poa_file), "--track", str(track),
                                      "--asset", "m30t", "--agl", "80", "--out",
                                      str(tmp_path / "pod.tif")])
    assert code == 0, err
    res = json.loads(stdout)
    w = res["sweep_width_m"]
    # 2,000 m x W swept once (the line lies on a row boundary: half the swath in each row);
    # POS = sum POA x (1 - e^-C)
    with rasterio.open(tmp_path / "pod.tif") as src:
        pod = src.read(1)
    cov = -np.log1p(-pod)
    assert cov.sum() * 2500.0 == pytest.approx(2000.0 * w, rel=1e-4)  # GPX keeps ~1e-7 deg
    assert res["pos"] == pytest.approx(float((poa * pod).sum()), abs=1e-6)


def test_a_crossing_area_file_is_refused(tmp_path, capsys):
    dem = _dem(tmp_path)
    a, b = _lonlat(X0 + 1000, Y0 - 3000), _lonlat(X0 + 3000, Y0 - 1000)
    c, d = _lonlat(X0 + 3000, Y0 - 3000), _lonlat(X0 + 1000, Y0 - 1000)
    bowtie = {"type": "Feature", "properties": {},
              "geometry": {"type": "Polygon", "coordinates": [[a, b, c, d, a]]}}
    area = tmp_path / "bowtie.geojson"
    area.write_text(json.dumps(bowtie), encoding="utf-8")
    code, _, err = _run(capsys, ["plan", "--terrain", str(dem), "--area", str(area), "--asset",
                                 "m30t", "--pattern", "parallel", "--out",
                                 str(tmp_path / "x.geojson")])
    assert code == 2 and "edges that cross" in err and "Traceback" not in err
