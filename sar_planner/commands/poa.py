"""``sar-planner poa | update | mapscore``: probability-of-area maps from the command line.

* ``poa --terrain PATH --ipp LAT,LON --subject CATEGORY [--terrain-class dry-mountainous|dry-flat]
  [--model rings|terrain] [--radius-km R] [--resolution M] --out POA.tif`` builds the map on a
  grid around the IPP in the mission's metric CRS (UTM zone of the IPP by default), writes a
  float64 GeoTIFF whose cells hold probability and whose tag ``ROW`` holds the rest of world, and
  prints a JSON summary {crs, shape, cell_size_m, sum, row, total, ...}: ``sum`` is the sum of
  the raster's cells (the probability inside the map), ``row`` the rest of world, and ``total``
  their sum (1 up to rounding).
* ``update --poa POA.tif --pod POD.tif --out NEW.tif`` applies the Bayes update for an
  unsuccessful sortie (the POD raster must be on the map's grid).
* ``mapscore --poa POA.tif --find LAT,LON`` prints the map's MapScore for a find location.
* ``mapscore --cases [--model rings|terrain|both] [--radius-km R] [--resolution M]
  [--since YYYY-MM-DD] [--until YYYY-MM-DD]`` scores the models on the logbook's closed cases
  (closed missions with a find location; dates are station closing dates, inclusive) and prints
  {cases: [...], summary: {model: ...}} (:mod:`sar_planner.probability.casescore`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

from sar_planner.cli import print_json
from sar_planner.errors import InputError, LogbookError, ProbabilityError
from sar_planner.subjects import TERRAIN_CLASSES, categories, quartiles_for

# pyproj and the probability core (scipy, numba, rasterio) are imported inside the commands that
# use them, so that every ``sar-planner`` command (and --help) starts without them (issue 12)

__all__ = ["register", "run"]

#: The default grid is the Probability page's (issue 10):
#: :func:`sar_planner.probability.mission.default_grid` with the terrain file's reach around the IPP
#: (half-width ceil(1.25 x d95) km, cell max(30, ceil(2 x half-width in km)) m, ~1,000 across).
_MIN_RESOLUTION_M = 30.0


def register(sub: argparse._SubParsersAction) -> None:
    keys = [c.key for c in categories()]
    p = sub.add_parser("poa", help="build a probability-of-area map (GeoTIFF + JSON summary)")
    p.add_argument("--terrain", required=True, help="elevation file (GeoTIFF, .hgt, zip of tiles)")
    p.add_argument("--ipp", required=True, help="initial planning point 'LAT,LON' (WGS84)")
    p.add_argument("--subject", required=True, choices=keys, metavar="CATEGORY",
                   help="subject category: " + ", ".join(keys))
    p.add_argument("--terrain-class", default="dry-mountainous", choices=TERRAIN_CLASSES)
    p.add_argument("--model", default="rings", choices=("rings", "terrain"),
                   help="rings: straight-line distance; terrain: walking effort over the DEM")
    p.add_argument("--radius-km", type=float, default=None,
                   help="half-width of the map (default: as the Probability page, "
                        "1.25 x the 95 %% distance within the terrain)")
    p.add_argument("--resolution", type=float, default=None,
                   help="cell size in metres (default: as the Probability page, about 1,000 cells across)")
    p.add_argument("--uncertainty-m", type=float, default=0.0,
                   help="IPP uncertainty radius in metres (95 %% circle; default 0)")
    p.add_argument("--hours", type=float, default=None, help="hours since last seen (with --speed-kmh)")
    p.add_argument("--speed-kmh", type=float, default=None, help="walking speed for the time cap")
    p.add_argument("--grid", default="utm", choices=("utm", "cgcs2000-gk3"),
                   help="the mission's metric grid (default utm)")
    p.add_argument("--out", required=True, help="output GeoTIFF")
    p.set_defaults(func=run)

    u = sub.add_parser("update", help="Bayes update of a POA map after an unsuccessful sortie")
    u.add_argument("--poa", required=True, help="POA GeoTIFF written by 'poa' or 'update'")
    u.add_argument("--pod", required=True, help="POD GeoTIFF (0-1) on the same grid")
    u.add_argument("--out", required=True, help="output GeoTIFF")
    u.set_defaults(func=run)

    m = sub.add_parser("mapscore", help="MapScore of a POA map for a find location, or of the "
                       "models on the logbook's closed cases (--cases)")
    m.add_argument("--poa", help="POA GeoTIFF")
    m.add_argument("--find", help="find location 'LAT,LON' (WGS84)")
    m.add_argument("--cases", action="store_true",
                   help="score the models on the logbook's closed missions with a find location")
    m.add_argument("--model", default=None, choices=("rings", "terrain", "both"),
                   help="with --cases: the model(s) to score (default both)")
    m.add_argument("--radius-km", type=float, default=None,
                   help="with --cases: fixed half-width of every map (default: as the Probability "
                        "page, 1.25 x the 95 %% distance)")
    m.add_argument("--resolution", type=float, default=None,
                   help="with --cases: fixed cell size in metres (default: as the Probability page)")
    m.add_argument("--since", default=None, help="with --cases: first closing date, YYYY-MM-DD")
    m.add_argument("--until", default=None, help="with --cases: last closing date, YYYY-MM-DD")
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.command == "poa":
        return _run_poa(args)
    if args.command == "update":
        return _run_update(args)
    return _run_mapscore(args)


def _latlon(text: str) -> tuple[float, float]:
    from sar_planner.geo import parse_latlon, to_wgs84

    p = to_wgs84(parse_latlon(text))
    return float(p.lat), float(p.lon)


def _run_poa(args: argparse.Namespace) -> int:
    from sar_planner.probability import map_on_terrain, write_poa_geotiff

    lat, lon = _latlon(args.ipp)
    q = quartiles_for(args.subject, args.terrain_class)
    from sar_planner.probability.mission import default_grid
    from sar_planner.terrain.choice import terrain_extent, terrain_reach_km

    default_half, default_cell = default_grid(
        q.d95, terrain_reach_km(terrain_extent((str(args.terrain),)), lat, lon))
    radius_m = args.radius_km * 1000.0 if args.radius_km is not None else default_half
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ProbabilityError("probability.err_radius", value=args.radius_km)
    res = args.resolution if args.resolution is not None else (
        default_cell if args.radius_km is None
        else max(_MIN_RESOLUTION_M, math.ceil(2 * radius_m / 1000.0)))
    if not (math.isfinite(res) and res > 0):
        raise ProbabilityError("probability.err_resolution", value=args.resolution)
    mm = map_on_terrain([args.terrain], lat, lon, radius_m, res, args.grid,
                        subject=args.subject, terrain_class=args.terrain_class, model=args.model,
                        uncertainty_m=args.uncertainty_m, hours_since_seen=args.hours,
                        speed_kmh=args.speed_kmh)
    pm, grid = mm.poa, mm.grid
    x, y = mm.inputs.ipp_x, mm.inputs.ipp_y
    write_poa_geotiff(args.out, pm, tags={
        "MODEL": args.model, "SUBJECT": args.subject, "TERRAIN_CLASS": args.terrain_class,
        "QUARTILES_M": ",".join(f"{v:g}" for v in q.as_tuple()),
        "IPP_WGS84": f"{lat:.6f},{lon:.6f}", "TERRAIN": Path(args.terrain).name,
        "SYNTHETIC_TERRAIN": "yes" if mm.synthetic else "no"})
    print_json({
        "crs": grid.crs.to_string(), "shape": list(grid.shape), "cell_size_m": grid.cell_size,
        "sum": float(pm.poa.sum()), "row": pm.row, "total": float(pm.poa.sum()) + pm.row,
        "model": args.model,
        "subject": args.subject, "quartiles_m": list(q.as_tuple()),
        "ipp_xy": [float(x), float(y)], "synthetic_terrain": bool(mm.synthetic),
        "out": str(args.out)})
    return 0


def _run_update(args: argparse.Namespace) -> int:
    from sar_planner.probability import bayes_update, read_poa_geotiff, read_pod_on, write_poa_geotiff

    pm = read_poa_geotiff(args.poa)
    pod = read_pod_on(args.pod, pm.grid)
    new, pos = bayes_update(pm, pod)
    import rasterio

    with rasterio.open(args.poa) as src:
        tags = {k: v for k, v in src.tags().items() if k not in ("ROW", "QUANTITY")}
    tags["UPDATES"] = str(int(tags.get("UPDATES", "0")) + 1) if tags.get("UPDATES", "0").isdigit() \
        else "1"
    write_poa_geotiff(args.out, new, tags=tags)
    print_json({"crs": new.grid.crs.to_string(), "shape": list(new.grid.shape),
                "cell_size_m": new.grid.cell_size, "sum": float(new.poa.sum()), "row": new.row,
                "total": float(new.poa.sum()) + new.row, "pos": pos, "out": str(args.out)})
    return 0


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError("casescore.err_date", value=text) from None


def _run_cases(args: argparse.Namespace) -> int:
    from sar_planner.logbook.cases import closed_cases
    from sar_planner.logbook.db import get_database
    from sar_planner.probability.casescore import MODELS, results_json, score_cases
    from sar_planner.settings import get_settings
    from sar_planner.terrain import list_library

    since, until = _date(args.since), _date(args.until)
    if since and until and until < since:
        raise InputError("logbook.err_date_range", start=str(since), end=str(until))
    radius_m = None if args.radius_km is None else args.radius_km * 1000.0
    if radius_m is not None and not (math.isfinite(radius_m) and radius_m > 0):
        raise ProbabilityError("probability.err_radius", value=args.radius_km)
    if args.resolution is not None and not (math.isfinite(args.resolution) and args.resolution > 0):
        raise ProbabilityError("probability.err_resolution", value=args.resolution)
    models = MODELS if args.model in (None, "both") else (args.model,)
    found = closed_cases(get_database(), since=since, until=until)
    if not found.cases:
        raise LogbookError("casescore.err_no_cases", without_find=found.closed_without_find,
                           open=found.open_missions)
    results = score_cases(found.cases, list_library(get_settings()), models, radius_m=radius_m,
                          cell_m=args.resolution)
    print_json(results_json(results, models, closed_without_find=found.closed_without_find))
    return 0


def _run_mapscore(args: argparse.Namespace) -> int:
    if args.cases:
        if args.poa is not None or args.find is not None:
            raise InputError("casescore.err_both_modes")
        return _run_cases(args)
    if args.poa is None or args.find is None:
        raise InputError("casescore.err_no_mode")
    if any(v is not None for v in (args.model, args.radius_km, args.resolution, args.since,
                                   args.until)):
        raise InputError("casescore.err_cases_only")
    from sar_planner.geo import to_local
    from sar_planner.probability import mapscore, read_poa_geotiff

    pm = read_poa_geotiff(args.poa)
    lat, lon = _latlon(args.find)
    x, y = to_local(lat, lon, pm.grid.crs)
    score = mapscore(pm, float(x), float(y))
    r, c = (int(v) for v in pm.grid.rowcol(x, y))
    print_json({"mapscore": score, "find_cell": [r, c], "find_poa": float(pm.poa[r, c])})
    return 0
