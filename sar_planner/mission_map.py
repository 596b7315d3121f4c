"""One mission, one map: the ONLY place a mission's current probability map is assembled.

:func:`mission_map` turns a mission's stored facts into its current map: the stored planning
inputs and map settings (:mod:`sar_planner.logbook.mission_inputs`,
:mod:`sar_planner.probability.map_settings`) give the initial map on the mission's terrain and
the planners' consensus blend (:func:`sar_planner.probability.mission.initial_mission_map`); the
sorties logged against the mission (takeoff order) and then the stored POD maps (in the order
they were stored, never by file name) update it by Bayes (:func:`sar_planner.replay.replay_logged`);
the segment rule cuts it into segments. The Probability page, the Plan page's hand-over, closed-case
scoring (its initial map) and ``sar-planner mission map`` all call it, so the same stored facts give
the same map, float for float, in any process, on SQLite or PostgreSQL.

Layer: above coverage (the replay needs it), below formats and the logbook; the sorties and POD
maps come in as plain data (the logbook reads them, :mod:`sar_planner.logbook.mission_facts`).
Coordinates: the grid is metres in the IPP's UTM zone (:func:`sar_planner.geo.local_metric_crs`);
inputs in WGS84 degrees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sar_planner.probability.bayes import MissionState
from sar_planner.probability.consensus import Region
from sar_planner.probability.mission import InitialMissionMap, initial_mission_map
from sar_planner.replay import FlownSortie, LoggedReplay, replay_logged

__all__ = ["MissionMapState", "mission_map", "mission_segments"]


@dataclass(frozen=True, eq=False)
class MissionMapState:
    """A mission's current map and how it was made (:func:`mission_map`).

    Attributes
    ----------
    initial:
        The initial map (model and consensus) with the settings used.
    replay:
        The logged sorties' updates (per sortie: W, POD, POS, or why not applied).
    state:
        The Bayes state after the sorties then the POD maps: ``state.current`` is the map.
    pods_applied:
        How many stored POD maps were applied (after the sorties).
    segments:
        The segments by the settings' rule (metres in the grid's CRS).
    """

    initial: InitialMissionMap
    replay: LoggedReplay
    state: MissionState
    pods_applied: int
    segments: tuple[Region, ...]

    @property
    def current(self):
        """The current map (:class:`~sar_planner.probability.maps.ProbabilityMap`)."""
        return self.state.current

    @property
    def grid(self):
        """The mission grid."""
        return self.initial.built.grid


def mission_segments(initial: InitialMissionMap, features: Sequence[Mapping[str, Any]]
                     ) -> list[Region]:
    """The segments by the settings' ``segment_rule``: ``grid`` squares or ``terrain``
    segments of ``segment_km``, or the mission's own ``segment`` features."""
    from sar_planner.probability.mission_features import grid_geometries
    from sar_planner.probability.segments import grid_segments, terrain_segments

    s, built = initial.settings, initial.built
    if s["segment_rule"] == "mission":
        return [Region(n, g) for n, g in grid_geometries(features, "segment", built.grid.crs)]
    if s["segment_rule"] == "terrain":
        return list(terrain_segments(built.grid, built.elevation, s["segment_km"] * 1000.0))
    return list(grid_segments(built.grid, s["segment_km"] * 1000.0))


def mission_map(inputs: Mapping[str, Any], settings: Mapping[str, Any] | None,
                sorties: Sequence[FlownSortie], pod_maps: Sequence[np.ndarray], *,
                terrain_paths: Sequence[str], model: str | None = None,
                asset_width: Callable[[str], float | None] | None = None,
                build: Any = None, initial: InitialMissionMap | None = None,
                pod_of: Callable[[FlownSortie], Any] | None = None,
                with_segments: bool = True) -> MissionMapState:
    """A mission's current map from its stored facts (see the module docstring).

    Parameters
    ----------
    inputs:
        The stored planning inputs (WGS84 IPP, subject, features, ``model``...).
    settings:
        The stored map settings (None = the defaults).
    sorties:
        The logged sorties with a flown track (any order; applied by takeoff, then number).
    pod_maps:
        The stored POD maps on this mission's grid, in the order they were stored (applied in
        that order after the sorties). A caller checks the grid first
        (:func:`sar_planner.logbook.pod_maps.pods_on_grid` names the others).
    terrain_paths:
        The mission's terrain files (its library entry).
    model:
        Another model than the stored one (a side-by-side view); default the stored one.
    asset_width:
        The catalogue's sweep-width override of an aircraft id (see :mod:`sar_planner.replay`).
    build, initial, pod_of:
        A caller's caches: of :func:`~sar_planner.probability.mission.map_on_terrain`, of the
        initial map already made from these same facts, of one sortie's POD. Same results.
    with_segments:
        False skips cutting segments (the command line's map needs none).

    Raises
    ------
    SarPlannerError
        A setting out of range, no terrain under the IPP, a bad track, a POD map on another
        grid (:func:`sar_planner.probability.bayes.check_pod`).
    """
    first = initial or initial_mission_map(inputs, settings, terrain_paths, model=model,
                                           build=build)
    replayed = replay_logged(first.base, sorties, asset_width=asset_width,
                             extra_pods=list(pod_maps), pod_of=pod_of,
                             elevation=first.built.elevation)
    segments = (tuple(mission_segments(first, inputs.get("features") or []))
                if with_segments else ())
    return MissionMapState(first, replayed, replayed.state, len(pod_maps), segments)
