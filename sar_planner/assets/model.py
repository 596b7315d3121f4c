"""The asset catalogue's data model: aircraft, sensors and every figure with its source.

:class:`Asset` (an aircraft or drone type), :class:`Sensor` (a camera) and :class:`Figure` (one
figure with who gave it: ``"maker"``, a named spec sheet, or ``"unit"``, and the file it came
from) are what :mod:`sar_planner.assets.catalogue` builds from the TOML; :class:`Performance` is
an aircraft's figures at an altitude (:func:`sar_planner.assets.atmosphere.performance_at`).
SI units throughout: metres, seconds, metres per second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AssetKind = Literal["multirotor", "helicopter", "vtol"]
ASSET_KINDS: tuple[str, ...] = ("multirotor", "helicopter", "vtol")
#: Flight controllers a MAVLink aircraft may run, for ``Asset.autopilot``.
AUTOPILOTS: tuple[str, ...] = ("px4", "ardupilot")
#: What an aircraft without an ``autopilot`` line in the catalogue is taken to run.
DEFAULT_AUTOPILOT = "px4"
_ASSET_FIGURES = ("search_speed_m_s", "transit_speed_m_s", "endurance_s",
                  "endurance_ref_altitude_m", "reserve_s", "max_altitude_amsl_m",
                  "climb_rate_m_s", "descent_rate_m_s", "turn_time_s")
_OPTIONAL_FIGURES = ("max_agl_m", "sweep_width_override_m", "sweep_visibility_km")
_SENSOR_FIGURES = ("width_px", "height_px", "pixel_pitch_um", "focal_mm")


@dataclass(frozen=True)
class Figure:
    """One catalogue figure and who gave it.

    Attributes
    ----------
    value:
        The number, in the unit its field name says.
    by:
        ``"maker"`` (published specification) or ``"unit"`` (the unit's own figure).
    ref:
        The spec sheet or the unit's reason; "(unverified)" when not re-checked.
    layer:
        Which file it comes from: ``"bundled"`` (the catalogue shipped with the planner) or
        ``"unit"`` (the unit's copy in the data folder, laid over the bundled one).
    """

    value: float
    by: Literal["maker", "unit"]
    ref: str
    layer: Literal["bundled", "unit"] = "bundled"


@dataclass(frozen=True)
class Sensor:
    """A camera on an asset.

    Attributes
    ----------
    id, name_en, name_zh:
        Catalogue id and display names.
    band:
        ``"thermal"`` or ``"visible"``.
    width_px, height_px:
        Image size in pixels (width across track when the camera looks straight down).
    pixel_pitch_um:
        Pixel pitch, micrometres.
    focal_mm:
        Focal length, millimetres.
    figures:
        Provenance of each number.
    """

    id: str
    name_en: str
    name_zh: str
    band: Literal["thermal", "visible"]
    width_px: int
    height_px: int
    pixel_pitch_um: float
    focal_mm: float
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def name(self, lang: str = "en") -> str:
        """Display name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def sensor_width_mm(self) -> float:
        """Width of the sensitive area, mm."""
        return self.width_px * self.pixel_pitch_um / 1000.0

    @property
    def sensor_height_mm(self) -> float:
        """Height of the sensitive area, mm."""
        return self.height_px * self.pixel_pitch_um / 1000.0

    @property
    def hfov_deg(self) -> float:
        """Horizontal (across-track) field of view, degrees."""
        return math.degrees(2 * math.atan(self.sensor_width_mm / (2 * self.focal_mm)))

    @property
    def vfov_deg(self) -> float:
        """Vertical (along-track) field of view, degrees."""
        return math.degrees(2 * math.atan(self.sensor_height_mm / (2 * self.focal_mm)))

    @property
    def dfov_deg(self) -> float:
        """Diagonal field of view, degrees (H20T thermal: 40.6 on its spec sheet)."""
        diag = math.hypot(self.sensor_width_mm, self.sensor_height_mm)
        return math.degrees(2 * math.atan(diag / (2 * self.focal_mm)))

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"id": self.id, "name_en": self.name_en, "name_zh": self.name_zh,
                "band": self.band, "width_px": self.width_px, "height_px": self.height_px,
                "pixel_pitch_um": self.pixel_pitch_um, "focal_mm": self.focal_mm,
                "hfov_deg": round(self.hfov_deg, 2), "dfov_deg": round(self.dfov_deg, 2),
                "figures": {k: {"value": f.value, "by": f.by, "ref": f.ref, "layer": f.layer}
                            for k, f in self.figures.items()}}


@dataclass(frozen=True)
class Asset:
    """An aircraft or drone with its search sensors (figures at sea level unless said).

    Attributes
    ----------
    id, name_en, name_zh:
        Catalogue id and display names.
    kind:
        ``multirotor``, ``helicopter`` or ``vtol``.
    search_speed_m_s, transit_speed_m_s:
        Ground speeds while searching and in transit, m/s.
    endurance_s, reserve_s:
        Flight time on one battery set or fuel load, and the part kept in reserve, seconds.
    endurance_ref_altitude_m:
        Altitude (m above sea level) at which ``endurance_s`` holds.
    max_altitude_amsl_m:
        Maximum operating altitude, metres above sea level.
    climb_rate_m_s, descent_rate_m_s:
        Vertical speed limits at sea level, m/s.
    turn_time_s:
        Time added by a 180-degree turn, seconds (scaled by the turn angle).
    max_agl_m:
        Cap on height above ground (regulation or unit rule), metres; None = no cap.
    sensors:
        Cameras; the first is the one a search relies on.
    visual_search:
        True when the crew searches by eye (sweep width from the visual table).
    sweep_width_override_m:
        The unit's own sweep width from trials, metres, replacing the model; None = model.
    sweep_visibility_km:
        Meteorological visibility assumed for visual search, km.
    mavlink_vehicle_type:
        MAV_TYPE (2 quadrotor, 4 helicopter, 1 fixed wing).
    dji_drone_enum, dji_drone_sub_enum, dji_payload_enum:
        DJI WPML enums (None for non-DJI aircraft).
    autopilot:
        The flight controller of a MAVLink aircraft, ``"px4"`` or ``"ardupilot"`` (catalogue
        ``autopilot``, default :data:`DEFAULT_AUTOPILOT`). One setting drives both MAVLink files
        of a sortie: the ``.plan``'s ``firmwareType`` and, in ``.plan`` and ``.waypoints`` alike,
        where speed changes go and what an unset yaw is written as.
    figures:
        Provenance of each number.
    """

    id: str
    name_en: str
    name_zh: str
    kind: AssetKind
    search_speed_m_s: float
    transit_speed_m_s: float
    endurance_s: float
    reserve_s: float
    endurance_ref_altitude_m: float
    max_altitude_amsl_m: float
    climb_rate_m_s: float
    descent_rate_m_s: float
    turn_time_s: float
    max_agl_m: float | None
    sensors: tuple[Sensor, ...]
    visual_search: bool
    sweep_width_override_m: float | None
    sweep_visibility_km: float | None
    mavlink_vehicle_type: int
    dji_drone_enum: int | None = None
    dji_drone_sub_enum: int | None = None
    dji_payload_enum: int | None = None
    figures: Mapping[str, Figure] = field(default_factory=dict)
    autopilot: str = DEFAULT_AUTOPILOT

    def name(self, lang: str = "en") -> str:
        """Display name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def primary_sensor(self) -> Sensor | None:
        """The sensor a search relies on (the first listed), or None for crew visual search."""
        return self.sensors[0] if self.sensors else None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON output (``sar-planner assets``)."""
        return {
            "id": self.id, "name": {"en": self.name_en, "zh": self.name_zh}, "kind": self.kind,
            "search_speed_m_s": self.search_speed_m_s, "transit_speed_m_s": self.transit_speed_m_s,
            "endurance_s": self.endurance_s, "reserve_s": self.reserve_s,
            "max_altitude_amsl_m": self.max_altitude_amsl_m,
            "climb_rate_m_s": self.climb_rate_m_s, "descent_rate_m_s": self.descent_rate_m_s,
            "turn_time_s": self.turn_time_s, "max_agl_m": self.max_agl_m,
            "visual_search": self.visual_search,
            "sweep_width_override_m": self.sweep_width_override_m,
            "mavlink_vehicle_type": self.mavlink_vehicle_type,
            "dji_drone_enum": self.dji_drone_enum, "dji_drone_sub_enum": self.dji_drone_sub_enum,
            "dji_payload_enum": self.dji_payload_enum, "autopilot": self.autopilot,
            "sensors": [s.to_json() for s in self.sensors],
            "figures": {k: {"value": f.value, "by": f.by, "ref": f.ref, "layer": f.layer}
                        for k, f in self.figures.items()},
        }


@dataclass(frozen=True)
class Performance:
    """An asset's figures derated to one altitude.

    Attributes
    ----------
    altitude_m:
        Altitude above mean sea level used, metres.
    density_ratio:
        rho / rho0 there (ISA, or with the given temperature).
    density_altitude_m:
        The ISA altitude with that density, metres.
    endurance_s:
        Derated endurance, seconds.
    usable_s:
        Derated endurance minus the reserve, seconds (what a sortie may plan).
    climb_rate_m_s, descent_rate_m_s:
        Derated vertical speed limits, m/s.
    """

    altitude_m: float
    density_ratio: float
    density_altitude_m: float
    endurance_s: float
    usable_s: float
    climb_rate_m_s: float
    descent_rate_m_s: float


#: ``(section, entry id, field)``, section ``"asset"`` or ``"sensor"``, e.g.
#: ``("asset", "m30t", "endurance_s")``.
FigureKey = tuple[str, str, str]
_SECTIONS = ("asset", "sensor")
