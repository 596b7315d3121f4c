"""``sar-planner mission``: a mission's stored facts and its map, as crews see them (JSON out).

    sar-planner mission list
    sar-planner mission show --incident X [--at ISO8601]
    sar-planner mission new --incident X --ipp LAT,LON --subject CATEGORY --last-seen ISO8601
                            [--uncertainty-m M] --as USER
    sar-planner mission set --incident X KEY=VALUE [KEY=VALUE ...] --as USER
    sar-planner mission map --incident X --out F.tif [--at ISO8601]

``show`` prints ``inputs`` (the stored planning inputs but the settings), ``settings`` (every map
setting, :mod:`sar_planner.probability.map_settings`), ``version`` (the inputs' revision, which
grows by one on each save), ``format_version`` and ``sorties_applied`` (the sorties logged with a
flown track, takeoff order, each with its sweep width and where it came from, or why it is not
applied) and ``pod_maps`` (stored order). ``new`` opens the mission now and saves its inputs (IPP in
WGS84 degrees). ``set`` changes map settings (and ``model``) with the same checks and audit as the
Probability page, acting as the crew member or commander named by ``--as`` (an active account of
the logbook whose role may plan: the command line itself is the machine's administrator, who may
not plan, and a save is audited under the planner's name); a bad name or value is one line naming the
allowed ones, and nothing is stored. ``map`` writes the current map (or the map as it stood at
``--at``) as a float64 GeoTIFF with the rest of world in its ``ROW`` tag, made by the same core
function as the page (:func:`sar_planner.mission_map.mission_map`), and prints JSON ``crs``,
``shape``, ``cell_size_m``, ``sum``, ``row``, ``inputs_version``. Times are ISO 8601 with a zone
(UTC out).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sar_planner.cli import print_json
from sar_planner.errors import LogbookError

__all__ = ["register", "run"]


def _when(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise LogbookError("logbook.err_inputs_seen", value=text) from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise LogbookError("logbook.err_inputs_seen", value=text)
    return when


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mission", help="a mission's stored inputs, map settings and map (JSON)")
    msub = p.add_subparsers(dest="mission_command", metavar="ACTION", required=True)
    msub.add_parser("list", help="the missions in the logbook")
    show = msub.add_parser("show", help="a mission's inputs, settings, version, sorties applied")
    show.add_argument("--incident", required=True, help="the mission's incident number")
    show.add_argument("--at", default=None, help="as it stood at this time (ISO 8601 with zone)")
    new = msub.add_parser("new", help="open a mission and save its planning inputs")
    new.add_argument("--incident", required=True, help="the new mission's incident number")
    new.add_argument("--ipp", required=True, help="initial planning point 'LAT,LON' (WGS84 degrees)")
    new.add_argument("--subject", required=True, help="subject category (e.g. hiker)")
    new.add_argument("--last-seen", required=True, help="time last seen, ISO 8601 with zone")
    new.add_argument("--uncertainty-m", type=float, default=0.0,
                     help="IPP uncertainty radius in metres (default 0)")
    new.add_argument("--as", dest="as_user", required=True,
                     help="the planner's user name (a crew member or commander)")
    st = msub.add_parser("set", help="change map settings: KEY=VALUE ...")
    st.add_argument("--incident", required=True, help="the mission's incident number")
    st.add_argument("pairs", nargs="+", metavar="KEY=VALUE", help="settings to change")
    st.add_argument("--as", dest="as_user", required=True,
                    help="the planner's user name (a crew member or commander)")
    mp = msub.add_parser("map", help="write the mission's current map (GeoTIFF, ROW tag)")
    mp.add_argument("--incident", required=True, help="the mission's incident number")
    mp.add_argument("--out", type=Path, required=True, help="GeoTIFF to write")
    mp.add_argument("--at", default=None, help="the map as it stood at this time (ISO 8601)")
    p.set_defaults(func=run)


def _settings_out(inputs: dict) -> tuple[dict, dict]:
    settings = dict(inputs.get("settings") or {})
    rest = {k: v for k, v in inputs.items() if k not in ("settings", "revision", "version")}
    return rest, settings


def _planner(db, username: str):
    """The active account ``username`` as the actor (its own role is checked on saving)."""
    from sqlalchemy import select

    from sar_planner.logbook.models import User
    from sar_planner.permissions import Actor

    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active:
            raise LogbookError("logbook.err_cli_no_user", user=username)
        return Actor(user.id, user.username, user.role)


def run(args: argparse.Namespace) -> int:
    from sar_planner.logbook.db import get_database

    db = get_database()
    cmd = args.mission_command
    if cmd == "list":
        return _list(db)
    if cmd == "show":
        return _show(db, args.incident, _when(args.at) if args.at else None)
    if cmd == "new":
        return _new(db, args)
    if cmd == "set":
        return _set(db, args.incident, args.pairs, args.as_user)
    return _map(db, args.incident, args.out, _when(args.at) if args.at else None)


def _list(db) -> int:
    from sqlalchemy import select

    from sar_planner.logbook.mission_inputs import _readable
    from sar_planner.logbook.models import Mission

    out = []
    with db.read() as session:
        rows = list(session.scalars(select(Mission).order_by(Mission.opened_at, Mission.id)))
        for r in rows:
            try:
                inputs, problem = _readable(r.planning_inputs, r.incident_number), None
            except LogbookError as exc:
                inputs, problem = None, str(exc)
            out.append({"incident_number": r.incident_number, "status": r.status,
                        "opened_at": r.opened_at.isoformat(),
                        "version": inputs["revision"] if inputs else None,
                        "model": inputs.get("model") if inputs else None,
                        "subject": inputs.get("subject") if inputs else None,
                        **({"inputs_error": problem} if problem else {})})
    print_json({"missions": out})
    return 0


def _show(db, incident: str, at: dt.datetime | None) -> int:
    from sar_planner.logbook.mission_facts import asset_sweep_width, mission_facts
    from sar_planner.replay import sweep_width_for

    facts = mission_facts(db, incident, at)
    inputs = facts.inputs
    rest, settings = _settings_out(inputs) if inputs else (None, None)
    sorties = []
    for s in facts.sorties:
        width, source = sweep_width_for(s.plan, asset_sweep_width)
        sorties.append({"number": s.number, "takeoff_at": s.takeoff_at.isoformat(),
                        "applied": width is not None, "sweep_width_m": width,
                        "width_source": source})
    print_json({"incident_number": facts.incident_number, "status": facts.status,
                "opened_at": facts.opened_at.isoformat(),
                "at": at.astimezone(dt.UTC).isoformat() if at else None,
                "inputs": rest, "settings": settings,
                "version": inputs["revision"] if inputs else None,
                "format_version": inputs["version"] if inputs else None,
                "sorties_applied": sorties,
                "pod_maps": [{"id": r.id, "file_name": r.file_name,
                              "added_at": r.added_at.isoformat()} for r in facts.pod_records]})
    return 0


def _new(db, args: argparse.Namespace) -> int:
    from sar_planner.logbook.mission_inputs import check_mission_inputs, save_mission_inputs
    from sar_planner.logbook.records import open_mission
    from sar_planner.permissions import require

    inputs = {"ipp_text": args.ipp, "datum": "WGS84", "subject": args.subject,
              "seen_at": _when(args.last_seen).isoformat(), "uncertainty_m": args.uncertainty_m}
    checked = check_mission_inputs(inputs)  # every field, before anything is stored
    actor = _planner(db, args.as_user)
    require(actor, "sortie.log")
    mid = open_mission(db, actor, args.incident, dt.datetime.now(dt.UTC),
                       subject=args.subject, ipp_lat=checked["lat"], ipp_lon=checked["lon"],
                       ipp_time=dt.datetime.fromisoformat(checked["seen_at"]))
    stored = save_mission_inputs(db, actor, mid, inputs, base_revision=None)
    rest, settings = _settings_out(stored)
    print_json({"incident_number": args.incident.strip(), "inputs": rest, "settings": settings,
                "version": stored["revision"]})
    return 0


def _set(db, incident: str, pairs: list[str], as_user: str) -> int:
    from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                    save_mission_settings)
    from sar_planner.probability.map_settings import parse_setting

    changes = dict(parse_setting(p) for p in pairs)  # every name checked before reading
    mid = mission_id_for(db, incident)
    now = mission_inputs(db, mid)
    stored = save_mission_settings(db, _planner(db, as_user), mid, changes,
                                   base_revision=now["revision"] if now else None)
    rest, settings = _settings_out(stored)
    print_json({"incident_number": incident.strip(), "model": stored["model"],
                "settings": settings, "version": stored["revision"]})
    return 0


def _map(db, incident: str, out: Path, at: dt.datetime | None) -> int:
    from sar_planner.logbook.mission_facts import mission_facts, stored_mission_map
    from sar_planner.probability import write_poa_geotiff
    from sar_planner.settings import get_settings
    from sar_planner.terrain import list_library

    facts = mission_facts(db, incident, at)
    entry, pods, state = stored_mission_map(db, facts, list_library(get_settings()))
    current, grid = state.current, state.grid
    inputs = facts.inputs or {}
    write_poa_geotiff(out, current, tags={
        "INCIDENT": facts.incident_number, "MODEL": state.initial.model,
        "SUBJECT": inputs.get("subject", ""),
        "IPP_WGS84": f"{float(inputs['lat']):.6f},{float(inputs['lon']):.6f}",
        "INPUTS_VERSION": str(inputs.get("revision")), "TERRAIN": entry.id,
        "AT": at.astimezone(dt.UTC).isoformat() if at else "now"})
    print_json({"crs": grid.crs.to_string(), "shape": list(grid.shape),
                "cell_size_m": grid.cell_size, "sum": float(current.poa.sum()),
                "row": current.row, "inputs_version": inputs.get("revision"),
                "model": state.initial.model, "terrain_id": entry.id,
                "sorties_applied": [u.number for u in state.replay.sorties if u.pod is not None],
                "pod_maps_applied": [r.file_name for r, _ in pods.applied],
                "pod_maps_other_grid": [r.file_name for r in pods.other_grid],
                "out": str(out)})
    return 0
