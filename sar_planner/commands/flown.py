"""``sar-planner flown``: measure a flown track against the plan flown (JSON out).

    sar-planner flown --plan PLAN.geojson --track FLIGHT.gpx [--terrain ID|FILE] [--sweep-width M]
                      [--sortie N]

The plan is the plan page's GeoJSON export (or a QGroundControl ``.plan``, which needs
``--sweep-width``); the track any file :func:`sar_planner.formats.read_track` reads. With
``--terrain`` (a terrain library id, see ``sar-planner terrain list``, or elevation files, as
``plan --terrain`` takes them) steep slopes turned away from the aircraft are masked as the
coverage module masks them. Prints
:meth:`sar_planner.flown_coverage.FlownReport.summary`: planned and achieved POD (0..1), areas
(m²), lengths and cross-track offsets (m), the sweep width and grid cell (m) and the CRS.

A plan of several sorties is compared with one: ``--sortie N``, else the sortie whose searching
legs the track follows best (:func:`sar_planner.flown_coverage.choose_sortie`); the JSON says
which (``sortie``, ``sortie_picked``: ``"auto"`` or ``"given"``, ``sorties``: how many the plan
holds, ``sortie_shares``: for the automatic pick, each sortie's share of fixes within W).
"""

from __future__ import annotations

import argparse

from sar_planner.cli import print_json

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("flown", help="measure a flown track against the plan flown (JSON)")
    p.add_argument("--plan", required=True,
                   help="the plan flown: .geojson (plan page), .plan or a DJI route .kmz")
    p.add_argument("--track", required=True, help="the flown track: .gpx, .kml, .kmz, .csv, .tlog")
    p.add_argument("--terrain", action="append", default=None,
                   help="terrain for slope masking: a library id (sar-planner terrain list) or "
                        "elevation file(s); repeat for several")
    p.add_argument("--sweep-width", type=float, default=None,
                   help="sweep width in metres (default: the plan's own)")
    p.add_argument("--sortie", type=int, default=None,
                   help="the plan's sortie this flight flew (default: the one the track follows "
                        "best)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top, so that every ``sar-planner`` command starts without the
    # planning and raster stack (issue 12)
    from sar_planner.formats import read_track
    from sar_planner.formats._safe import read_local_file as _read
    from sar_planner.flown_coverage import choose_sortie, compare_flown, flown_terrain
    from sar_planner.formats.plan_files import read_flown_plan
    from sar_planner.logbook.tracks import split_dropouts
    from sar_planner.settings import get_settings
    from sar_planner.terrain.library import terrain_sources

    plan = read_flown_plan(*_read(args.plan))
    # GPS dropouts split the track as the logbook page and the stored track split it, so the
    # ground across a gap is not counted as searched here either
    track = split_dropouts(read_track(*_read(args.track)),
                           args.sweep_width if args.sweep_width else plan.sweep_width_m)
    plan, choice = choose_sortie(plan, track, args.sortie, args.sweep_width)
    terrain = None
    if args.terrain:
        sources = terrain_sources(args.terrain, get_settings())   # ids or files, as plan
        terrain = flown_terrain(tuple(sources), plan, track, args.sweep_width)
    report = compare_flown(plan, track, sweep_width_m=args.sweep_width, terrain=terrain)
    print_json({"plan": plan.name, "track": track.name, "sortie": choice.sortie,
                "sortie_picked": choice.picked, "sorties": choice.count,
                "sortie_shares": {str(n): round(v, 4) for n, v in choice.shares.items()},
                **report.summary()})
    return 0
