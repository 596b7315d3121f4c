"""A mission's stored facts as the map needs them, read from the logbook, and its map from them.

:func:`mission_facts` reads what :func:`sar_planner.mission_map.mission_map` takes: the stored
planning inputs and map settings (:mod:`sar_planner.logbook.mission_inputs`), the sorties logged
against the mission with a flown track (:func:`flown_sorties`, as plain
:class:`~sar_planner.replay.FlownSortie` data) and the applied POD maps in the order they were
stored (:mod:`sar_planner.logbook.pod_maps`). With ``at``, the facts as they stood then: the inputs
of the last audited save at or before ``at``, the sorties landed by then and the POD maps added by
then and not removed by then.

:func:`stored_mission_map` is that map, on the mission's terrain (its stored ``terrain_id`` if the
library has it, else the first terrain holding the IPP): what ``sar-planner mission map`` writes and
what the Probability page shows for the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sar_planner.errors import LogbookError
from sar_planner.logbook.db import Database
from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                mission_inputs_at, mission_sorties_flown)
from sar_planner.logbook.models import Mission
from sar_planner.logbook.pod_maps import PodMapRecord, list_pod_maps, pod_map_array
from sar_planner.replay import FlownSortie

__all__ = ["MissionFacts", "mission_facts", "flown_sorties", "stored_mission_map",
           "asset_sweep_width"]


@dataclass(frozen=True, eq=False)
class MissionFacts:
    """What a mission's map is made from (see the module docstring).

    Attributes
    ----------
    mission_id, incident_number, status:
        The mission.
    opened_at:
        When it was opened (UTC).
    inputs:
        The stored planning inputs (current shape), or None when none were saved (by ``at``).
    sorties:
        The logged sorties with a flown track, takeoff order.
    pod_records:
        The applied POD maps, stored order.
    at:
        The time the facts stand at, or None for now.
    """

    mission_id: int
    incident_number: str
    status: str
    opened_at: dt.datetime
    inputs: dict[str, Any] | None
    sorties: tuple[FlownSortie, ...]
    pod_records: tuple[PodMapRecord, ...]
    at: dt.datetime | None = None


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def flown_sorties(db: Database, mission_id: int, at: dt.datetime | None = None
                  ) -> list[FlownSortie]:
    """The sorties logged against a mission with a flown track, takeoff order, as plain data
    (with ``at``: those landed by then)."""
    from sar_planner.logbook.records import aircraft_assets

    types = aircraft_assets(db)  # registration -> catalogue type (a sortie without a plan)
    out = []
    for r in mission_sorties_flown(db, mission_id):
        if at is not None and _utc(r.landing_at) > at:
            continue
        out.append(FlownSortie(r.number, r.takeoff_at, r.track, r.plan, types.get(r.aircraft)))
    return out


def mission_facts(db: Database, incident_number: str, at: dt.datetime | None = None
                  ) -> MissionFacts:
    """A mission's facts now, or as they stood at ``at`` (timezone-aware).

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission`` (no such incident), ``logbook.err_mission_at_before``
        (``at`` before the mission was opened), ``logbook.err_inputs_version``.
    """
    mid = mission_id_for(db, incident_number)
    with db.read() as session:
        row = session.scalar(select(Mission).where(Mission.id == mid))
        if row is None:  # removed between the two reads (missions are never deleted)
            raise LogbookError("logbook.err_unknown_mission", incident=incident_number)
        status, opened, incident = row.status, _utc(row.opened_at), row.incident_number
    if at is not None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise LogbookError("logbook.err_inputs_seen", value=at.isoformat())
        if at < opened:
            raise LogbookError("logbook.err_mission_at_before", incident=incident,
                               at=at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                               opened=opened.isoformat(timespec="seconds"))
        inputs = mission_inputs_at(db, mid, at)
        records = [r for r in list_pod_maps(db, mid, include_removed=True)
                   if _utc(r.added_at) <= at and (r.removed_at is None or _utc(r.removed_at) > at)]
        records.sort(key=lambda r: r.id)
    else:
        inputs = mission_inputs(db, mid)
        records = list_pod_maps(db, mid)
    return MissionFacts(mid, incident, status, opened, inputs,
                        tuple(flown_sorties(db, mid, at)), tuple(records), at)


def asset_sweep_width(asset_id: str) -> float | None:
    """The catalogue's sweep-width override of an aircraft (metres), or None."""
    from sar_planner.assets import get_asset

    try:
        return get_asset(asset_id).sweep_width_override_m
    except Exception:  # noqa: BLE001 - an unknown or unreadable asset simply gives no width
        return None


def stored_mission_map(db: Database, facts: MissionFacts, entries: Sequence[Any], *,
                       array_of: Callable[[PodMapRecord], Any] | None = None,
                       with_segments: bool = False, **kwargs: Any):
    """The mission's map from ``facts`` on its terrain: (terrain entry, StoredPods, map state).

    ``entries`` is the terrain library. POD maps on another grid are left out (named in the
    returned :class:`~sar_planner.logbook.pod_maps.StoredPods`), never resampled.

    Raises
    ------
    LogbookError
        ``logbook.err_map_no_inputs`` (no inputs saved), ``logbook.err_map_no_terrain``.
    SarPlannerError
        From :func:`sar_planner.mission_map.mission_map`.
    """
    from sar_planner.logbook.pod_maps import StoredPods
    from sar_planner.mission_map import mission_map
    from sar_planner.probability.casescore import choose_terrain
    from sar_planner.probability.maps import same_grid
    from sar_planner.probability.mission import initial_mission_map

    if facts.inputs is None:
        raise LogbookError("logbook.err_map_no_inputs", incident=facts.incident_number)
    inputs = facts.inputs
    entry = choose_terrain(entries, inputs.get("terrain_id"), float(inputs["lat"]),
                           float(inputs["lon"]))
    if entry is None:
        raise LogbookError("logbook.err_map_no_terrain", incident=facts.incident_number,
                           lat=f"{float(inputs['lat']):.5f}", lon=f"{float(inputs['lon']):.5f}")
    first = initial_mission_map(inputs, inputs.get("settings"), entry.paths,
                                build=kwargs.pop("build", None))
    array_of = array_of or (lambda r: pod_map_array(db, r))
    applied, other = [], []
    for rec in facts.pod_records:
        if same_grid(rec.grid, first.built.grid):
            applied.append((rec, array_of(rec)))
        else:
            other.append(rec)
    pods = StoredPods(tuple(applied), tuple(other))
    kwargs.setdefault("asset_width", asset_sweep_width)
    state = mission_map(inputs, inputs.get("settings"), facts.sorties, pods.pods,
                        terrain_paths=entry.paths, initial=first, with_segments=with_segments,
                        **kwargs)
    return entry, pods, state
