"""The probability page's hand-over to the plan page: the mission's current POA map and segments.

One session key, :data:`HANDOVER_KEY`, holds a :class:`PoaHandover`. The probability page
publishes it (:func:`publish`) each time it has drawn the current map (the initial map replayed
with the sorties' POD by Bayes) and its segment table; the plan page reads it
(:func:`current_handover`) to offer those segments as the plan area and to take POS and the
next-sortie ranking from that map. The hand-over belongs to one mission: it names the mission
inputs it was built from (:func:`mission_fingerprint`), and a hand-over for other inputs is not
returned (the crew must rebuild the map first).

Pure Python on a session-state mapping (no streamlit import), so it is tested directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import PlanningError
from sar_planner.geo import from_local
from sar_planner.probability import ProbabilityMap
from sar_planner.probability.mission_features import features_key

__all__ = ["HANDOVER_KEY", "HandoverSegment", "PoaHandover", "mission_fingerprint", "publish",
           "current_handover", "clear", "segment_ring_wgs84", "stored_from_session",
           "session_from_stored"]

#: The one session key under which the probability page leaves the current POA for the plan page.
HANDOVER_KEY = "mission_poa_handover"

_FINGERPRINT_FIELDS = ("lat", "lon", "datum", "uncertainty_m", "uncertainty_kind", "subject",
                       "terrain_class", "quartiles_km", "seen_date", "seen_time", "speed_kmh")


@dataclass(frozen=True)
class HandoverSegment:
    """One segment of the probability page's table.

    Attributes
    ----------
    name:
        The segment's name as in the table (``S3``, ``T12`` or the imported name).
    rank:
        Its rank by current POA density (1 = search first).
    poa:
        Its current POA (probability, 0-1).
    geometry:
        Its polygon, metres in the hand-over grid's CRS.
    """

    name: str
    rank: int
    poa: float
    geometry: BaseGeometry


@dataclass(frozen=True)
class PoaHandover:
    """What the plan page needs from the probability page.

    Attributes
    ----------
    terrain_id:
        The terrain library entry the map was built on (the plan must use the same one).
    mission:
        :func:`mission_fingerprint` of the mission inputs the map was built from.
    model:
        The model shown as the main map (``rings`` or ``terrain``).
    current:
        The current POA map: the initial map replayed with every sortie's POD (Bayes); its grid
        is the mission grid (metric CRS, metres).
    segments:
        The segments, best rank first.
    """

    terrain_id: str
    mission: tuple
    model: str
    current: ProbabilityMap
    segments: tuple[HandoverSegment, ...]

    @property
    def crs(self):
        """The mission grid's CRS (pyproj CRS, metres)."""
        return self.current.grid.crs

    def segment(self, name: str) -> HandoverSegment:
        """The segment called ``name``.

        Raises
        ------
        PlanningError
            ``planning.err_handover_segment`` when there is no such segment.
        """
        for s in self.segments:
            if s.name == name:
                return s
        raise PlanningError("planning.err_handover_segment", name=name)


def mission_fingerprint(mission: Mapping[str, Any] | None) -> tuple:
    """The mission inputs a POA map depends on, as a comparable tuple (empty for no mission).

    Besides the IPP, subject and time, the map features count: barriers, tracks and consensus
    regions change the map, segments change the table the plan page takes its areas from
    (each feature's id, name and geometry; canonical JSON).
    """
    if not mission:
        return ()
    out = []
    for k in _FINGERPRINT_FIELDS:
        v = mission.get(k)
        out.append((k, tuple(v) if isinstance(v, list) else v))
    out.append(("features", features_key(mission.get("features"))))
    return tuple(out)


def publish(state: MutableMapping[str, Any], *, terrain_id: str, mission: Mapping[str, Any],
            model: str, current: ProbabilityMap,
            segments: Sequence[tuple[str, BaseGeometry, int, float]]) -> PoaHandover:
    """Leave the current POA map and its segments under :data:`HANDOVER_KEY` in ``state``.

    Parameters
    ----------
    state:
        The session state (any mutable mapping).
    terrain_id:
        Terrain library entry id the map was built on.
    mission:
        The mission inputs (``st.session_state["mission"]``).
    model:
        The main model's name.
    current:
        The current POA map (after the sorties flown).
    segments:
        ``(name, polygon in the grid CRS (metres), rank, current POA)`` per segment.
    """
    segs = tuple(sorted((HandoverSegment(str(n), int(r), float(p), g) for n, g, r, p in segments),
                        key=lambda s: (s.rank, s.name)))
    handover = PoaHandover(terrain_id, mission_fingerprint(mission), model, current, segs)
    state[HANDOVER_KEY] = handover
    return handover


def clear(state: MutableMapping[str, Any]) -> None:
    """Forget the hand-over (a new map is being built)."""
    state.pop(HANDOVER_KEY, None)


def current_handover(state: Mapping[str, Any],
                     mission: Mapping[str, Any] | None) -> PoaHandover | None:
    """The hand-over for ``mission``, or None if there is none or it was built for other inputs."""
    handover = state.get(HANDOVER_KEY)
    if not isinstance(handover, PoaHandover):
        return None
    if handover.mission != mission_fingerprint(mission):
        return None
    return handover


def segment_ring_wgs84(geometry: BaseGeometry, crs) -> tuple[tuple[float, float], ...]:
    """A segment polygon (metres in ``crs``) as the plan area's closed (lon, lat) ring, WGS84.

    The plan then projects the ring back into the same ``crs`` (``PlanRequest.crs``), so the
    area is the segment's outline to well below a millimetre. A hole in the segment (another
    segment inside it) is part of the area flown: the ring is the outer outline.

    Raises
    ------
    PlanningError
        ``planning.err_segment_pieces`` for a segment in several separate pieces (the planner
        flies one area at a time), ``planning.err_area_type`` for anything not a polygon.
    """
    if isinstance(geometry, MultiPolygon):
        parts = [g for g in geometry.geoms if g.area > 0]
        if len(parts) != 1:
            raise PlanningError("planning.err_segment_pieces", count=len(parts))
        geometry = parts[0]
    if not isinstance(geometry, Polygon) or geometry.is_empty:
        raise PlanningError("planning.err_area_type", kind=geometry.geom_type)
    xy = np.asarray(geometry.exterior.coords, dtype=np.float64)
    lat, lon = from_local(xy[:, 0], xy[:, 1], crs)
    return tuple((float(a), float(b)) for a, b in zip(lon, lat, strict=True))


def stored_from_session(mission: Mapping[str, Any]) -> dict[str, Any]:
    """The Mission page's session dict as the inputs
    :func:`~sar_planner.logbook.mission_inputs.save_mission_inputs` stores.

    The time last seen is the form's date and time in station time (Asia/Shanghai), made an
    aware instant; the map features (``features``, WGS84 GeoJSON dicts) are carried through
    unchanged when the session holds them; everything else is passed as typed (the core checks
    it).
    """
    from sar_planner.logbook.times import LOCAL_TZ

    seen = None
    if mission.get("seen_date") is not None and mission.get("seen_time") is not None:
        seen = dt.datetime.combine(mission["seen_date"], mission["seen_time"], tzinfo=LOCAL_TZ)
    keys = ("ipp_text", "datum", "uncertainty_m", "uncertainty_kind", "subject", "age",
            "quartiles_km", "terrain_class", "model", "terrain_id", "speed_kmh", "notes")
    out = {k: mission.get(k) for k in keys}
    out["seen_at"] = seen
    if "features" in mission:  # carried through unchanged; absent = keep the stored ones
        out["features"] = [dict(f) for f in mission.get("features") or []]
    if mission.get("settings") is not None:  # the map settings, likewise (issue 10)
        out["settings"] = dict(mission["settings"])
    return out


def session_from_stored(stored: Mapping[str, Any], incident_number: str,
                        mission_id: int) -> dict[str, Any]:
    """Stored mission inputs as the Mission page's session dict (what the other pages read).

    ``lat``/``lon`` are WGS84 degrees; ``seen_date``/``seen_time`` are station time
    (Asia/Shanghai); ``features`` are the mission's map features (WGS84 GeoJSON dicts, none for
    a version-1 save); ``incident_number``, ``mission_id`` and ``revision`` name the logbook row
    and the stored version the crew is editing.
    """
    from sar_planner.logbook.times import LOCAL_TZ

    out = {k: stored.get(k) for k in (
        "ipp_text", "datum", "lat", "lon", "uncertainty_m", "uncertainty_kind", "subject",
        "terrain_class", "quartiles_km", "speed_kmh", "age", "notes", "model", "terrain_id")}
    if out["quartiles_km"] is not None:
        out["quartiles_km"] = list(out["quartiles_km"])
    out["features"] = [dict(f) for f in stored.get("features") or []]
    out["settings"] = dict(stored.get("settings") or {})  # the map settings (issue 10)
    seen = stored.get("seen_at")
    if seen:
        local = dt.datetime.fromisoformat(seen).astimezone(LOCAL_TZ)
        out["seen_date"], out["seen_time"] = local.date(), local.time().replace(tzinfo=None)
    else:
        out["seen_date"], out["seen_time"] = None, None
    out.update(incident_number=incident_number, mission_id=int(mission_id),
               revision=stored.get("revision"))
    return out
