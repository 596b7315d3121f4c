"""What a sortie about to be logged will add to its mission's map, said before it is saved.

A sortie changes the mission's probability map (:func:`sar_planner.mission_map.mission_map`) when
it is logged against a mission with a flown track and a sweep width is known for it: the plan
flown's W (or its aircraft's catalogue figure), or, flown without a plan, the catalogue type of
the aircraft it is logged with (the roster's link, migration 0008) at the median height above
ground its track flew (:func:`sar_planner.replay.type_sweep_width`). :func:`sortie_map_preview`
says which, with the width, the height, the track length and the ground the swath sweeps (the
track buffered by W / 2 in the track's UTM zone, overlaps counted once), or why the sortie will
not count: no track, no mission, no aircraft, an aircraft not linked to a type, a track without
usable heights. The map itself is made by the replay; this only announces it (same width rule,
same height rule; the height here is taken on the first terrain of the library holding the
track, so it can differ from the map's by the resampling of the terrain, a metre or so).

Coordinates: the track is GeoJSON WGS84 lon/lat[/alt], heights metres above sea level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sar_planner.logbook.db import Database
from sar_planner.logbook.records import aircraft_assets
from sar_planner.replay import (_plan_facts, sweep_width_for, track_agl_m, type_sweep_width)

__all__ = ["MapPreview", "sortie_map_preview", "swept_ground"]

#: Cell size of the terrain the height above ground is read from, metres.
_AGL_CELL_M = 30.0


@dataclass(frozen=True)
class MapPreview:
    """What the sortie will do to the map (:func:`sortie_map_preview`).

    Attributes
    ----------
    counts:
        True when it will update the mission's map.
    key, params:
        The sentence (catalogue key ``trackcounts.preview_*`` or a ``trackcounts`` reason) and
        its placeholders.
    sweep_width_m, agl_m, source:
        W (metres), the height above ground it is for (None when W does not depend on it) and
        where W comes from (``plan``, ``asset``, ``type``); None when it does not count.
    """

    counts: bool
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    sweep_width_m: float | None = None
    agl_m: float | None = None
    source: str | None = None


def _lines(track: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    coords = track.get("coordinates") or []
    lines = coords if track.get("type") == "MultiLineString" else [coords]
    return [[(float(c[0]), float(c[1])) for c in line] for line in lines if len(line) >= 2]


def swept_ground(track: Mapping[str, Any], sweep_width_m: float) -> tuple[float, float]:
    """(track length in metres, ground within W / 2 of it in square metres), measured in the UTM
    zone of the track's centre; the pieces of a MultiLineString are not joined."""
    import shapely
    from shapely.geometry import LineString

    from sar_planner.geo import local_metric_crs, to_local

    lines = _lines(track)
    if not lines:
        return 0.0, 0.0
    allpts = np.asarray([p for line in lines for p in line])
    crs = local_metric_crs(float(allpts[:, 1].mean()), float(allpts[:, 0].mean()))
    geoms = []
    for line in lines:
        arr = np.asarray(line)
        x, y = to_local(arr[:, 1], arr[:, 0], crs)
        geoms.append(LineString(np.column_stack([x, y])))
    length = float(sum(g.length for g in geoms))
    area = float(shapely.union_all([g.buffer(sweep_width_m / 2.0) for g in geoms]).area)
    return length, area


def _track_agl(track: Mapping[str, Any], terrain_entries: Sequence[Any]) -> float | None:
    """Median height above ground of the track, on the first library terrain holding its centre."""
    from sar_planner.terrain import load_terrain
    from sar_planner.terrain.choice import first_holding
    from sar_planner.terrain.grids import grid_covering
    from sar_planner.errors import SarPlannerError

    lines = _lines(track)
    if not lines:
        return None
    pts = np.asarray([p for line in lines for p in line])
    west, south = pts.min(axis=0)
    east, north = pts.max(axis=0)
    chosen = first_holding(list(terrain_entries), float((south + north) / 2),
                           float((west + east) / 2))
    entry = next((e for e in terrain_entries if e.id == chosen), None)
    if entry is None:
        return None
    pad = 0.005  # degrees (about 500 m) round the track
    try:
        grid = grid_covering((west - pad, south - pad, east + pad, north + pad), _AGL_CELL_M)
        terrain = load_terrain(entry.paths, grid, allow_partial=True, allow_voids=True)
        return track_agl_m(track, grid, terrain.elevation)
    except SarPlannerError:
        return None


def sortie_map_preview(db: Database, *, incident_number: str | None, registration: str | None,
                       track: Mapping[str, Any] | None, plan: Mapping[str, Any] | None,
                       terrain_entries: Sequence[Any] = ()) -> MapPreview:
    """What logging this sortie will add to its mission's map, or why it adds nothing.

    Parameters
    ----------
    db:
        The logbook (for the aircraft's catalogue type).
    incident_number:
        The mission the sortie is logged against, or None.
    registration:
        The aircraft on the form, or None / "".
    track:
        The flown track on the form (GeoJSON, WGS84), or None.
    plan:
        The plan flown on the form (stored document), or None.
    terrain_entries:
        The terrain library (:func:`sar_planner.terrain.library.list_library`), for the height
        above ground of a track flown without a plan.
    """
    from sar_planner.logbook.mission_facts import asset_sweep_width

    if not track or not _lines(track):
        return MapPreview(False, "trackcounts.preview_no_track")
    if not incident_number:
        return MapPreview(False, "trackcounts.preview_no_mission")
    mission = {"mission": incident_number}
    width, source = sweep_width_for(plan, asset_sweep_width)
    agl = None
    if width is None:
        if _plan_facts(plan) is not None:  # a plan flown that names no width anywhere
            return MapPreview(False, "trackcounts.preview_plan_no_width", mission)
        if not registration:
            return MapPreview(False, "trackcounts.preview_no_aircraft", mission)
        asset_id = aircraft_assets(db).get(registration)
        agl = _track_agl(track, terrain_entries)
        typed = type_sweep_width(asset_id, agl)
        if typed.sweep_width_m is None:
            return MapPreview(False, f"{typed.why}_preview",
                              {**mission, "aircraft": registration, "asset": asset_id or ""})
        width, source, agl = typed.sweep_width_m, "type", typed.agl_m
        mission["asset"] = asset_id or ""
    length, area = swept_ground(track, width)
    params = {**mission, "width": f"{width:.0f}", "length": f"{length / 1000:.1f}",
              "area": f"{area / 1e6:.2f}", "agl": f"{agl:.0f}" if agl is not None else ""}
    key = {"plan": "trackcounts.preview_plan", "asset": "trackcounts.preview_plan",
           "type": "trackcounts.preview_type" if agl is not None
           else "trackcounts.preview_type_unit"}[source or "plan"]
    return MapPreview(True, key, params, width, agl, source)
