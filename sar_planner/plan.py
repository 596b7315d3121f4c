"""The 3D sortie plan: what the planner hands to exporters, the plan page and the logbook.

A :class:`SortiePlan` is built by the planning modules (patterns -> terrain following -> time and
batteries) and read by every file writer in :mod:`sar_planner.formats`. Positions are degrees
WGS84; heights are metres above mean sea level (orthometric, the DEM's datum) unless a name says
otherwise; writers that need ellipsoidal heights add the geoid separation
(:func:`sar_planner.terrain.geoid_separation`). Speeds are metres per second, times seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["WaypointRole", "Waypoint", "ReturnHeight", "Sortie", "Notice", "SortiePlan"]

#: What a waypoint is for: ``search`` legs count toward coverage; the others do not.
WaypointRole = Literal["takeoff", "transit", "search", "turn", "land"]


@dataclass(frozen=True)
class Waypoint:
    """One 3D waypoint.

    Attributes
    ----------
    lat, lon:
        Degrees WGS84.
    alt_amsl_m:
        Flight altitude, metres above mean sea level (orthometric).
    agl_m:
        Height above the DEM surface directly below, metres (for display and checks).
    speed_m_s:
        Ground speed to fly toward the next waypoint, m/s.
    role:
        ``takeoff``, ``transit``, ``search``, ``turn`` or ``land``; the leg from this waypoint
        to the next is searching only when ``role == "search"``.
    """

    lat: float
    lon: float
    alt_amsl_m: float
    agl_m: float
    speed_m_s: float
    role: WaypointRole = "search"


@dataclass(frozen=True)
class ReturnHeight:
    """The return-to-home height a sortie needs, and why.

    An aircraft sent home (end of route, lost controller link) climbs to its RTH height above
    the take-off point and flies straight home (DJI, PX4, ArduPilot alike). The height that is
    safe is the highest terrain under any straight line from a point of the route to home, plus
    the plan's clearance.

    Attributes
    ----------
    alt_amsl_m:
        Return altitude, metres above mean sea level: ``terrain_max_amsl_m + clearance_m``.
    above_home_m:
        The same as a height above the take-off point (what the aircraft is set to), metres.
    terrain_max_amsl_m:
        Highest DEM elevation between the route and home, metres above mean sea level.
    terrain_max_lat, terrain_max_lon:
        Where that highest ground is, degrees WGS84.
    clearance_m:
        Height kept above that ground, metres (the plan's height above ground).
    """

    alt_amsl_m: float
    above_home_m: float
    terrain_max_amsl_m: float
    terrain_max_lat: float
    terrain_max_lon: float
    clearance_m: float


@dataclass(frozen=True)
class Sortie:
    """One flight on one battery or fuel load: launch, fly its waypoints, return.

    Attributes
    ----------
    index:
        1-based number within the plan.
    waypoints:
        In flying order, from take-off to landing.
    length_m, duration_s:
        Track length (metres, 3D not counted) and flight time (seconds) including transits,
        turns, climbs and descents.
    search_length_m:
        Length of the searching legs only.
    rth:
        The return-to-home height over the terrain between this sortie's route and home, or
        None when the plan was not made over a DEM (then no RTH height can be vouched for).
    """

    index: int
    waypoints: tuple[Waypoint, ...]
    length_m: float
    duration_s: float
    search_length_m: float
    rth: ReturnHeight | None = None


@dataclass(frozen=True)
class Notice:
    """A warning for the crew: a catalogue key and its parameters (shown in red before export)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    blocking: bool = False


@dataclass(frozen=True)
class SortiePlan:
    """A complete plan for one search pattern with one asset.

    Attributes
    ----------
    name:
        Human name (mission, segment, pattern), used as file and mission names.
    asset_id:
        Id in the asset catalogue (sar_planner.assets).
    pattern:
        ``parallel``, ``creeping-line``, ``expanding-square``, ``sector``, ``contour`` or
        ``track-line``.
    crs:
        The mission's metric CRS as ``"EPSG:nnnn"`` (where the plan was computed).
    home:
        Launch / landing point on the ground (``alt_amsl_m`` = ground elevation, ``agl_m`` = 0).
    sorties:
        The flights the plan splits into (one per battery or fuel load).
    area_wgs84:
        The searched segment as a closed ring of (lon, lat) degrees, or None (datum patterns).
    spacing_m, sweep_width_m:
        Track spacing and effective sweep width, metres.
    agl_m:
        Requested height above ground, metres.
    min_clearance_m:
        Smallest height of the flight path above the DEM along the whole path (checked at DEM
        resolution), metres.
    notices:
        Warnings for the crew; a blocking one forbids export.
    """

    name: str
    asset_id: str
    pattern: str
    crs: str
    home: Waypoint
    sorties: tuple[Sortie, ...]
    area_wgs84: tuple[tuple[float, float], ...] | None
    spacing_m: float
    sweep_width_m: float
    agl_m: float
    min_clearance_m: float
    notices: tuple[Notice, ...] = ()

    @property
    def waypoints(self) -> tuple[Waypoint, ...]:
        """All waypoints of all sorties in order."""
        return tuple(w for s in self.sorties for w in s.waypoints)

    @property
    def length_m(self) -> float:
        """Total track length over all sorties, metres."""
        return float(sum(s.length_m for s in self.sorties))

    @property
    def duration_s(self) -> float:
        """Total flight time over all sorties, seconds."""
        return float(sum(s.duration_s for s in self.sorties))

    @property
    def exportable(self) -> bool:
        """False while any blocking notice stands."""
        return not any(n.blocking for n in self.notices)
