"""Aircraft, drones and sensors: the unit's editable catalogue, and performance at altitude.

The catalogue is ``sar_planner/data/assets.toml`` (a copy at ``SAR_PLANNER_DATA_DIR/assets.toml``
replaces it, so the unit edits its own copy). Every figure carries who gave it: ``"maker"`` (a spec
sheet, named) or ``"unit"`` (the unit's own planning figure); see the file's header.

Density altitude (ISA troposphere, ICAO Doc 7488): the density ratio at pressure altitude h metres
with outside air temperature T is ``sigma = (1 - 2.25577e-5 h)^5.25588 * 288.15 / (T + 273.15)``;
with the ISA temperature it is ``(1 - 2.25577e-5 h)^4.25588`` (0.742 at 3,000 m). The planner takes
the altitude above mean sea level as the pressure altitude (no QNH correction).

Derating model (stated so the unit can judge it):

* endurance scales with ``sqrt(sigma)``: momentum theory gives hover (induced) power ``P ~ W^1.5 /
  sqrt(2 rho A)``, so the same battery lasts ``sqrt(sigma)`` as long; for a fixed wing at its
  best-endurance lift coefficient ``P = D V`` also grows as ``1 / sqrt(sigma)``. For a turbine
  helicopter this is conservative (fuel flow falls with altitude);
* climb rate scales with ``sigma`` (the thrust margin above hover shrinks with density at a fixed
  maximum rotor speed); descent rate is not derated;
* an altitude above the asset's maximum operating altitude cannot be flown at all.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sar_planner.errors import PlanningError

__all__ = [
    "AssetKind",
    "Figure",
    "Sensor",
    "Asset",
    "Performance",
    "ASSET_KINDS",
    "catalogue_path",
    "load_catalogue",
    "get_asset",
    "isa_density_ratio",
    "density_altitude",
    "performance_at",
]

AssetKind = Literal["multirotor", "helicopter", "vtol"]
ASSET_KINDS: tuple[str, ...] = ("multirotor", "helicopter", "vtol")

_PACKAGED = Path(__file__).with_name("data") / "assets.toml"

_ISA_T0_K = 288.15
_ISA_LAPSE_K_PER_M = 0.0065
_ISA_K = 2.25577e-5  # lapse / T0, per metre
_ISA_EXP_P = 5.25588  # g M / (R L)
_TROPOPAUSE_M = 11000.0

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
    """

    value: float
    by: Literal["maker", "unit"]
    ref: str


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
                "figures": {k: {"value": f.value, "by": f.by, "ref": f.ref}
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
            "dji_payload_enum": self.dji_payload_enum,
            "sensors": [s.to_json() for s in self.sensors],
            "figures": {k: {"value": f.value, "by": f.by, "ref": f.ref}
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


def catalogue_path() -> Path:
    """The catalogue in use: the unit's copy in the data folder if present, else the bundled one."""
    from sar_planner.settings import get_settings

    try:
        own = get_settings().data_dir / "assets.toml"
    except Exception:  # noqa: BLE001 - a bad setting elsewhere must not hide the catalogue
        own = None
    return own if own is not None and own.is_file() else _PACKAGED


def _figure(table: Mapping[str, Any], key: str, where: str, path: Path) -> Figure:
    raw = table.get(key)
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=where, field=key)
    by = raw.get("by")
    value = raw["value"]
    if by not in ("maker", "unit") or isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=where, field=key)
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=where, field=key)
    return Figure(value, by, str(raw.get("ref", "")))


def _parse_sensor(sid: str, table: Mapping[str, Any], path: Path) -> Sensor:
    figs = {k: _figure(table, k, sid, path) for k in _SENSOR_FIGURES}
    band = table.get("band")
    if band not in ("thermal", "visible"):
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=sid, field="band")
    for k in _SENSOR_FIGURES:
        if figs[k].value <= 0:
            raise PlanningError("planning.err_catalogue_field", file=path.name, entry=sid, field=k)
    return Sensor(id=sid, name_en=str(table.get("name_en", sid)),
                  name_zh=str(table.get("name_zh", table.get("name_en", sid))), band=band,
                  width_px=int(figs["width_px"].value), height_px=int(figs["height_px"].value),
                  pixel_pitch_um=figs["pixel_pitch_um"].value, focal_mm=figs["focal_mm"].value,
                  figures=figs)


def _opt_int(table: Mapping[str, Any], key: str, where: str, path: Path) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=where, field=key)
    return value


def _parse_asset(aid: str, table: Mapping[str, Any], sensors: Mapping[str, Sensor],
                 path: Path) -> Asset:
    figs = {k: _figure(table, k, aid, path) for k in _ASSET_FIGURES}
    for k in _OPTIONAL_FIGURES:
        if k in table:
            figs[k] = _figure(table, k, aid, path)
    for k in ("search_speed_m_s", "transit_speed_m_s", "endurance_s", "max_altitude_amsl_m",
              "climb_rate_m_s", "descent_rate_m_s"):
        if figs[k].value <= 0:
            raise PlanningError("planning.err_catalogue_field", file=path.name, entry=aid, field=k)
    if figs["reserve_s"].value >= figs["endurance_s"].value:
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=aid,
                            field="reserve_s")
    kind = table.get("kind")
    if kind not in ASSET_KINDS:
        raise PlanningError("planning.err_catalogue_field", file=path.name, entry=aid, field="kind")
    names = table.get("sensors", [])
    if not isinstance(names, list) or any(n not in sensors for n in names):
        raise PlanningError("planning.err_catalogue_sensor", file=path.name, entry=aid,
                            sensors=", ".join(map(str, names)) if isinstance(names, list) else "")
    visual = bool(table.get("visual_search", False))
    if not names and not visual and "sweep_width_override_m" not in figs:
        raise PlanningError("planning.err_catalogue_no_sensor", file=path.name, entry=aid)
    vtype = _opt_int(table, "mavlink_vehicle_type", aid, path)

    def opt(k: str) -> float | None:
        return figs[k].value if k in figs else None

    return Asset(
        id=aid, name_en=str(table.get("name_en", aid)),
        name_zh=str(table.get("name_zh", table.get("name_en", aid))), kind=kind,
        search_speed_m_s=figs["search_speed_m_s"].value,
        transit_speed_m_s=figs["transit_speed_m_s"].value,
        endurance_s=figs["endurance_s"].value, reserve_s=figs["reserve_s"].value,
        endurance_ref_altitude_m=figs["endurance_ref_altitude_m"].value,
        max_altitude_amsl_m=figs["max_altitude_amsl_m"].value,
        climb_rate_m_s=figs["climb_rate_m_s"].value,
        descent_rate_m_s=figs["descent_rate_m_s"].value, turn_time_s=figs["turn_time_s"].value,
        max_agl_m=opt("max_agl_m"), sensors=tuple(sensors[n] for n in names),
        visual_search=visual, sweep_width_override_m=opt("sweep_width_override_m"),
        sweep_visibility_km=opt("sweep_visibility_km"),
        mavlink_vehicle_type=vtype if vtype is not None else 2,
        dji_drone_enum=_opt_int(table, "dji_drone_enum", aid, path),
        dji_drone_sub_enum=_opt_int(table, "dji_drone_sub_enum", aid, path),
        dji_payload_enum=_opt_int(table, "dji_payload_enum", aid, path), figures=figs)


@functools.lru_cache(maxsize=8)
def _load(path_str: str, mtime_ns: int) -> dict[str, Asset]:
    path = Path(path_str)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanningError("planning.err_catalogue_syntax", file=path.name,
                            reason=str(exc)) from None
    except OSError:
        raise PlanningError("planning.err_catalogue_read", file=str(path)) from None
    sensors = {sid: _parse_sensor(sid, t, path) for sid, t in data.get("sensor", {}).items()}
    assets = {aid: _parse_asset(aid, t, sensors, path) for aid, t in data.get("asset", {}).items()}
    if not assets:
        raise PlanningError("planning.err_catalogue_empty", file=path.name)
    return assets


def load_catalogue(path: str | Path | None = None) -> dict[str, Asset]:
    """All assets of the catalogue, by id, in file order.

    Parameters
    ----------
    path:
        A catalogue TOML file; default :func:`catalogue_path`.

    Raises
    ------
    PlanningError
        When the file cannot be read, is not TOML, or an entry lacks a figure or its provenance.
    """
    p = Path(path) if path is not None else catalogue_path()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        raise PlanningError("planning.err_catalogue_read", file=str(p)) from None
    return dict(_load(str(p), mtime))


def get_asset(asset_id: str, path: str | Path | None = None) -> Asset:
    """One asset by id; a clear error listing the known ids otherwise."""
    assets = load_catalogue(path)
    if asset_id not in assets:
        raise PlanningError("planning.err_unknown_asset", asset=asset_id, known=", ".join(assets))
    return assets[asset_id]


def isa_density_ratio(altitude_m: float, temperature_c: float | None = None) -> float:
    """Air density relative to ISA sea level (ICAO standard atmosphere, troposphere).

    Parameters
    ----------
    altitude_m:
        Pressure altitude, metres (taken as the altitude above mean sea level), below 11,000 m.
    temperature_c:
        Outside air temperature, degrees Celsius; None = ISA temperature at that altitude.

    Returns
    -------
    float
        rho / rho0.

    >>> round(isa_density_ratio(3000.0), 3)   # ISA tables: 0.7422
    0.742
    """
    if not math.isfinite(altitude_m) or altitude_m < -500 or altitude_m > _TROPOPAUSE_M:
        raise PlanningError("planning.err_altitude_range", value=f"{altitude_m:.0f}")
    theta = 1.0 - _ISA_K * altitude_m
    pressure_ratio = theta ** _ISA_EXP_P
    if temperature_c is None:
        temp_k = _ISA_T0_K * theta
    else:
        if not math.isfinite(temperature_c) or not -80 <= temperature_c <= 60:
            raise PlanningError("planning.err_temperature", value=f"{temperature_c}")
        temp_k = temperature_c + 273.15
    return pressure_ratio * _ISA_T0_K / temp_k


def density_altitude(altitude_m: float, temperature_c: float | None = None) -> float:
    """The ISA altitude (metres) with the same air density; equals ``altitude_m`` at ISA.

    >>> round(density_altitude(3000.0, 25.0))   # a hot afternoon on the basin floor
    4000
    """
    sigma = isa_density_ratio(altitude_m, temperature_c)
    return (1.0 - sigma ** (1.0 / (_ISA_EXP_P - 1.0))) / _ISA_K


def performance_at(asset: Asset, altitude_m: float,
                   temperature_c: float | None = None) -> Performance:
    """The asset's endurance and vertical speeds derated to ``altitude_m`` (see module docstring).

    Parameters
    ----------
    asset:
        Catalogue entry.
    altitude_m:
        Planned altitude above mean sea level, metres (the highest of the sortie is the safe
        choice for endurance).
    temperature_c:
        Outside air temperature there, degrees Celsius; None = ISA.

    Raises
    ------
    PlanningError
        If ``altitude_m`` is above the asset's maximum operating altitude.
    """
    if altitude_m > asset.max_altitude_amsl_m:
        raise PlanningError("planning.err_above_ceiling", asset=asset.name_en,
                            altitude=f"{altitude_m:.0f}",
                            ceiling=f"{asset.max_altitude_amsl_m:.0f}")
    sigma = isa_density_ratio(altitude_m, temperature_c)
    sigma_ref = isa_density_ratio(asset.endurance_ref_altitude_m)
    endurance = asset.endurance_s * math.sqrt(sigma / sigma_ref)
    return Performance(
        altitude_m=float(altitude_m), density_ratio=sigma,
        density_altitude_m=density_altitude(altitude_m, temperature_c), endurance_s=endurance,
        usable_s=max(0.0, endurance - asset.reserve_s),
        climb_rate_m_s=asset.climb_rate_m_s * sigma, descent_rate_m_s=asset.descent_rate_m_s)
