"""``sar-planner plan``, ``sar-planner assets`` and ``sar-planner pod``.

* ``plan --terrain PATH|ID --area AREA.geojson|--datum LAT,LON --asset ID --pattern P [--agl M]
  [--spacing M] [--heading DEG] [--autopilot px4|ardupilot] --out FILE`` plans a sortie, writes
  it in the format its extension names (:func:`sar_planner.formats.write_plan`) and prints a JSON
  summary. ``--terrain`` takes elevation files or a terrain library id; ``--autopilot`` overrides
  the aircraft's catalogue setting for both MAVLink files (.plan and .waypoints).
* ``assets`` prints the asset catalogue as JSON.
* ``pod --poa POA.tif --track FILE --asset ID [--agl M] --out POD.tif`` rasterises a flown or
  planned track onto the POA map's grid and prints ``{"pos": ..., "mean_pod": ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sar_planner.cli import print_json
from sar_planner.errors import PlanningError
from sar_planner.i18n import t
from sar_planner.pattern_names import PATTERNS

# numpy, rasterio, shapely and the planning core are imported inside the commands that use them,
# so that every ``sar-planner`` command (and --help) starts without them (issue 12)
if TYPE_CHECKING:
    import numpy as np

__all__ = ["register", "run", "run_plan", "run_assets", "run_pod", "plan_summary"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="plan a search sortie over terrain and write it to a file")
    p.add_argument("--terrain", action="append", required=True,
                   help="elevation file(s) (GeoTIFF, .hgt, .hgt.zip, zip, folder) or a terrain "
                        "library id (sar-planner terrain list); repeat for several")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--area", help="segment polygon (GeoJSON, KML/KMZ or zipped shapefile)")
    where.add_argument("--datum", help="datum 'LAT,LON' for expanding-square and sector")
    where.add_argument("--line", help="line to follow for track-line (GeoJSON, KML/KMZ, shapefile)")
    p.add_argument("--asset", required=True, help="asset id (see: sar-planner assets)")
    p.add_argument("--pattern", required=True, choices=PATTERNS)
    p.add_argument("--agl", type=float, default=60.0, help="height above ground, m (60)")
    p.add_argument("--spacing", type=float, default=None, help="track spacing, m (W / coverage)")
    p.add_argument("--coverage", type=float, default=1.0, help="coverage C = W / S (1.0)")
    p.add_argument("--heading", type=float, default=None, help="leg heading, degrees")
    p.add_argument("--radius", type=float, default=None, help="square half-side / sector radius, m")
    p.add_argument("--interval", type=float, default=None, help="contour height interval, m (30)")
    p.add_argument("--extension", type=float, default=0.0, help="turn extension beyond rows, m")
    p.add_argument("--sweep-width", type=float, default=None,
                   help="the unit's own sweep width for this plan, m (default: catalogue/model)")
    p.add_argument("--home", default=None, help="launch point 'LAT,LON' (default: pattern start)")
    p.add_argument("--light", choices=("day", "night"), default="day")
    p.add_argument("--temperature", type=float, default=None, help="outside air temperature, C")
    p.add_argument("--out", required=True, help="output file; its extension picks the format")
    p.add_argument("--autopilot", choices=("px4", "ardupilot"), default=None,
                   help="flight controller for .plan and .waypoints (default: the aircraft's "
                        "autopilot in the asset catalogue)")
    p.set_defaults(func=run_plan)

    a = sub.add_parser("assets", help="print the asset catalogue (JSON)")
    a.set_defaults(func=run_assets)

    d = sub.add_parser("pod", help="POD of a track on a POA map's grid, and its POS")
    d.add_argument("--poa", required=True, help="POA GeoTIFF (sar-planner poa)")
    d.add_argument("--track", required=True,
                   help="flown track (GPX, KML/KMZ, CSV, tlog) or plan GeoJSON")
    d.add_argument("--asset", required=True, help="asset id")
    d.add_argument("--agl", type=float, default=60.0, help="height above ground flown, m (60)")
    d.add_argument("--light", choices=("day", "night"), default="day")
    d.add_argument("--terrain", action="append", default=None,
                   help="elevation file(s) for terrain masking of steep slopes (optional)")
    d.add_argument("--out", required=True, help="POD GeoTIFF to write")
    d.set_defaults(func=run_pod)


def run(args: argparse.Namespace) -> int:
    """Dispatch (each sub-command sets its own ``func``)."""
    return int(args.func(args))


def _read_area(path: str) -> tuple[tuple[float, float], ...]:
    from sar_planner.planner import read_segment

    return read_segment(Path(path).name, _read_bytes(path))


def _read_line(path: str) -> tuple[tuple[float, float], ...]:
    from sar_planner.planner import read_line

    return read_line(Path(path).name, _read_bytes(path))


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise PlanningError("planning.err_read_file", file=path,
                            reason=exc.strerror or str(exc)) from None


def _latlon(text: str) -> tuple[float, float]:
    from sar_planner.geo import parse_latlon

    p = parse_latlon(text)
    return (p.lat, p.lon)


def plan_summary(result: Any) -> dict[str, Any]:
    """The JSON summary of a :class:`~sar_planner.flightpath.PlanResult`."""
    plan = result.plan
    return {
        "name": plan.name, "asset": plan.asset_id, "pattern": plan.pattern, "crs": plan.crs,
        "length_m": round(plan.length_m, 1), "duration_s": round(plan.duration_s, 1),
        "sorties": len(plan.sorties),
        "sortie_durations_s": [round(s.duration_s, 1) for s in plan.sorties],
        "spacing_m": round(plan.spacing_m, 2), "sweep_width_m": round(plan.sweep_width_m, 2),
        "sweep_method": result.sweep.method,
        "agl_m": plan.agl_m, "min_clearance_m": round(plan.min_clearance_m, 1),
        "max_altitude_amsl_m": round(max(w.alt_amsl_m for w in plan.waypoints), 1),
        "density_altitude_m": round(result.performance.density_altitude_m, 0),
        "endurance_derated_s": round(result.performance.endurance_s, 0),
        "usable_per_sortie_s": round(result.performance.usable_s, 0),
        "waypoints": len(plan.waypoints),
        "exportable": plan.exportable,
        "notices": [{"code": n.code, "blocking": n.blocking,
                     "message": t(n.code, "en", **dict(n.params))} for n in plan.notices],
    }


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plan-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise PlanningError("planning.err_write_file", file=str(path),
                            reason=exc.strerror or str(exc)) from None


def run_plan(args: argparse.Namespace) -> int:
    """``sar-planner plan``."""
    from sar_planner.formats import WRITERS, write_plan
    from sar_planner.planner import PlanRequest, plan_search, writer_options

    out = Path(args.out)
    ext = out.suffix.lower()
    if ext not in WRITERS:
        raise PlanningError("planning.err_out_ext", ext=ext or args.out, known=", ".join(WRITERS))
    req = PlanRequest(
        asset_id=args.asset, pattern=args.pattern,
        area=_read_area(args.area) if args.area else None,
        datum=_latlon(args.datum) if args.datum else None,
        line=_read_line(args.line) if args.line else None,
        extension_m=args.extension, sweep_width_m=args.sweep_width,
        agl_m=args.agl, spacing_m=args.spacing, coverage=args.coverage,
        heading_deg=args.heading, radius_m=args.radius, interval_m=args.interval,
        home=_latlon(args.home) if args.home else None, light=args.light,
        temperature_c=args.temperature, name=out.stem)
    from sar_planner.settings import get_settings
    from sar_planner.terrain.library import terrain_sources

    result = plan_search(req, sources=terrain_sources(args.terrain, get_settings()))
    summary = plan_summary(result)
    if not result.plan.exportable:
        print_json(summary)
        blocking = "; ".join(t(n.code, "en", **dict(n.params)) for n in result.plan.notices
                             if n.blocking)
        raise PlanningError("planning.err_blocked", reasons=blocking)
    if WRITERS[ext].one_flight and len(result.plan.sorties) > 1:
        written = []
        for s in result.plan.sorties:
            target = out.with_name(f"{out.stem}_sortie{s.index}{ext}")
            _write_atomic(target, write_plan(result.plan, ext, sortie=s.index,
                                             **writer_options(result.plan.asset_id, ext,
                                                              args.autopilot)))
            written.append(str(target))
    else:
        options = {"sortie": 1} if WRITERS[ext].one_flight else {}
        options.update(writer_options(result.plan.asset_id, ext, args.autopilot))
        _write_atomic(out, write_plan(result.plan, ext, **options))
        written = [str(out)]
    summary["files"] = written
    print_json(summary)
    return 0


def run_assets(args: argparse.Namespace) -> int:
    """``sar-planner assets``."""
    from sar_planner.assets import load_catalogue

    print_json([a.to_json() for a in load_catalogue().values()])
    return 0


def _geojson_runs(data: bytes, name: str) -> tuple[list[np.ndarray], bool]:
    """Search runs (lat, lon, alt) from a plan GeoJSON; (runs, has_altitude)."""
    import numpy as np

    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PlanningError("planning.err_track_file", file=name) from None
    feats = doc.get("features", []) if isinstance(doc, dict) else []
    wps = [f for f in feats if isinstance(f, dict)
           and (f.get("properties") or {}).get("kind") == "waypoint"]
    runs: list[np.ndarray] = []
    if wps:
        by_sortie: dict[Any, list[dict]] = {}
        for f in wps:
            by_sortie.setdefault(f["properties"].get("sortie"), []).append(f)
        for items in by_sortie.values():
            items.sort(key=lambda f: f["properties"].get("seq", 0))
            cur: list[list[float]] = []
            for i, f in enumerate(items):
                lon, lat = f["geometry"]["coordinates"][:2]
                alt = f["properties"].get("alt_amsl_m")
                if f["properties"].get("role") == "search" and i + 1 < len(items):
                    if not cur:
                        cur.append([lat, lon, alt])
                    nlon, nlat = items[i + 1]["geometry"]["coordinates"][:2]
                    cur.append([nlat, nlon, items[i + 1]["properties"].get("alt_amsl_m")])
                elif cur:
                    runs.append(np.asarray(cur, dtype=np.float64))
                    cur = []
            if cur:
                runs.append(np.asarray(cur, dtype=np.float64))
        return runs, True
    for f in feats:
        g = (f or {}).get("geometry") or {}
        lines = ([g.get("coordinates", [])] if g.get("type") == "LineString"
                 else g.get("coordinates", []) if g.get("type") == "MultiLineString" else [])
        for line in lines:
            arr = np.asarray([[c[1], c[0], np.nan] for c in line], dtype=np.float64)
            if len(arr) >= 2:
                runs.append(arr)
    if not runs:
        raise PlanningError("planning.err_track_file", file=name)
    return runs, False


def run_pod(args: argparse.Namespace) -> int:
    """``sar-planner pod``."""
    import numpy as np
    import rasterio

    from sar_planner.assets import get_asset
    from sar_planner.coverage import pod_from_coverage, sortie_pos, track_coverage
    from sar_planner.probability import read_poa_geotiff

    pm = read_poa_geotiff(args.poa)
    asset = get_asset(args.asset)
    from sar_planner.sweep import effective_sweep_width

    sweep = effective_sweep_width(asset, args.agl, args.light)
    name = Path(args.track).name
    data = _read_bytes(args.track)
    if name.lower().endswith((".geojson", ".json")):
        runs, _ = _geojson_runs(data, name)
    else:
        from sar_planner.formats import read_track

        track = read_track(name, data)
        runs = []
        for seg in track.segments:
            if len(seg) >= 2:
                runs.append(np.asarray([[p.lat, p.lon, np.nan if p.alt_amsl_m is None
                                         else p.alt_amsl_m] for p in seg], dtype=np.float64))
    if not runs:
        raise PlanningError("planning.err_track_file", file=name)
    terrain = None
    if args.terrain:
        from sar_planner.terrain import load_terrain

        terrain = load_terrain(args.terrain, pm.grid, allow_partial=True)
    coverage = np.zeros(pm.grid.shape)
    for r in runs:
        # heights where the file has them (NaN elsewhere: filled in between neighbours by the
        # masking rule, coverage.sensor_heights); none at all -> the flat swath
        alt = r[:, 2] if np.isfinite(r[:, 2]).any() else None
        coverage += track_coverage(r[:, 0], r[:, 1], alt, pm.grid, sweep.width_m, terrain)
    pod = pod_from_coverage(coverage)
    searched = coverage > 0
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with rasterio.open(out, "w", driver="GTiff", width=pm.grid.shape[1],
                           height=pm.grid.shape[0], count=1, dtype="float64", crs=pm.grid.crs,
                           transform=pm.grid.transform, compress="deflate") as dst:
            dst.write(pod, 1)
            dst.update_tags(QUANTITY="probability of detection per cell",
                            ASSET=asset.id, SWEEP_WIDTH_M=f"{sweep.width_m:.2f}")
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise PlanningError("planning.err_write_file", file=str(out), reason=str(exc)) from None
    total_poa = float(pm.poa.sum())
    pos = sortie_pos(pm.poa, pod)
    print_json({
        "pos": round(pos, 6),
        "mean_pod": round(float(pod[searched].mean()) if searched.any() else 0.0, 6),
        "pod_poa_weighted": round(pos / total_poa, 6) if total_poa > 0 else 0.0,
        "sweep_width_m": round(sweep.width_m, 2),
        "searched_km2": round(float(searched.sum()) * pm.grid.cell_area / 1e6, 4),
        "out": str(out),
    })
    return 0
