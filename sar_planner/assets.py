"""Aircraft, drones and sensors: the unit's editable catalogue, and performance at altitude.

The catalogue is ``sar_planner/data/assets.toml`` (bundled) with the unit's copy
``SAR_PLANNER_DATA_DIR/assets.toml`` laid over it field by field: the unit's copy holds only what
the unit sets (its figures for bundled aircraft and cameras, figures it removed, and its own
aircraft whole); everything else comes from the bundled catalogue, so an aircraft added in a later
release, or a figure the maker corrected, reaches the unit while the unit's own figures still win.
Every figure carries who gave it: ``"maker"`` (a spec sheet, named) or ``"unit"`` (the unit's own
planning figure; see the bundled file's header), and which file it came from (:attr:`Figure.layer`).
A unit copy written by an earlier version (a whole catalogue) is read as a layer without losing a
unit figure (:func:`unit_layer_from_full`) and rewritten as one at the next save, the old file kept.

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

Editing (the Settings page, administrators): :func:`update_figures` changes figures and
:func:`restore_figure` puts back the bundled one (drops the unit's); both write only the unit's
layer (``SAR_PLANNER_DATA_DIR/assets.toml``, created on the first edit), atomically (a temporary
file then ``os.replace``), and only after the whole catalogue in use passes
:func:`validate_catalogue` (the loader's checks plus the plausibility limits in
:data:`FIGURE_LIMITS`). A refused edit leaves the file exactly as it was. A changed figure becomes
``by = "unit"`` with the reference the administrator gives; untouched figures keep their source.
:func:`discard_unit_catalogue` sets the unit's copy aside (kept under ``backups/`` in the data
folder, never deleted) so that the bundled catalogue applies alone.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import tomlkit
import tomlkit.exceptions

from sar_planner.errors import PlanningError

if TYPE_CHECKING:
    from sar_planner.settings import Settings

__all__ = [
    "AssetKind",
    "Figure",
    "Sensor",
    "Asset",
    "Performance",
    "ASSET_KINDS",
    "catalogue_path",
    "bundled_catalogue_path",
    "load_catalogue",
    "get_asset",
    "isa_density_ratio",
    "density_altitude",
    "performance_at",
    "FigureLimit",
    "FIGURE_LIMITS",
    "ASSET_FIGURE_FIELDS",
    "OPTIONAL_FIGURE_FIELDS",
    "SENSOR_FIGURE_FIELDS",
    "FigureKey",
    "unit_catalogue_path",
    "bundled_figure",
    "read_catalogue_document",
    "validate_catalogue",
    "save_catalogue",
    "update_figures",
    "restore_figure",
    "editable_figures",
    "UNIT_LAYER_TABLE",
    "is_unit_layer",
    "merge_unit_layer",
    "unit_layer_from_full",
    "UnitLayerReport",
    "UnitCopyStatus",
    "unit_copy_status",
    "discard_unit_catalogue",
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


def bundled_catalogue_path() -> Path:
    """The catalogue bundled with the planner (``sar_planner/data/assets.toml``; never written)."""
    return _PACKAGED


def catalogue_path() -> Path:
    """The unit's copy in the data folder if present (laid over the bundled catalogue), else the
    bundled catalogue."""
    from sar_planner.settings import get_settings

    try:
        own = get_settings().data_dir / "assets.toml"
    except Exception:  # noqa: BLE001 - a bad setting elsewhere must not hide the catalogue
        own = None
    return own if own is not None and own.is_file() else _PACKAGED


def _figure(table: Mapping[str, Any], key: str, where: str, path: Path,
            unit: frozenset[str] = frozenset()) -> Figure:
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
    return Figure(value, by, str(raw.get("ref", "")), "unit" if key in unit else "bundled")


def _parse_sensor(sid: str, table: Mapping[str, Any], path: Path,
                  unit: frozenset[str] = frozenset()) -> Sensor:
    figs = {k: _figure(table, k, sid, path, unit) for k in _SENSOR_FIGURES}
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
                 path: Path, unit: frozenset[str] = frozenset()) -> Asset:
    figs = {k: _figure(table, k, aid, path, unit) for k in _ASSET_FIGURES}
    for k in _OPTIONAL_FIGURES:
        if k in table:
            figs[k] = _figure(table, k, aid, path, unit)
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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanningError("planning.err_catalogue_syntax", file=path.name,
                            reason=str(exc)) from None
    except (OSError, UnicodeDecodeError):
        raise PlanningError("planning.err_catalogue_read", file=str(path)) from None


def _parse_sections(data: Mapping[str, Any], path: Path,
                    unit: Mapping[tuple[str, str], frozenset[str]] | None = None
                    ) -> tuple[dict[str, Sensor], dict[str, Asset]]:
    """Parse a whole catalogue (``unit``: the fields each entry takes from the unit's layer)."""
    unit = unit or {}
    sections = {sec: data.get(sec, {}) for sec in _SECTIONS}
    if not all(isinstance(v, Mapping) for v in sections.values()):
        raise PlanningError("planning.err_catalogue_empty", file=path.name)
    for sec, entries in sections.items():
        for eid, table in entries.items():
            if not isinstance(table, Mapping):
                raise PlanningError("assets_ui.err_layer_entry", file=path.name,
                                    entry=f"{sec}.{eid}")
    sensors = {sid: _parse_sensor(sid, t, path, unit.get(("sensor", sid), frozenset()))
               for sid, t in sections["sensor"].items()}
    assets = {aid: _parse_asset(aid, t, sensors, path, unit.get(("asset", aid), frozenset()))
              for aid, t in sections["asset"].items()}
    if not assets:
        raise PlanningError("planning.err_catalogue_empty", file=path.name)
    return sensors, assets


def _parse_catalogue(data: Mapping[str, Any], path: Path,
                     unit: Mapping[tuple[str, str], frozenset[str]] | None = None
                     ) -> dict[str, Asset]:
    return _parse_sections(data, path, unit)[1]


@functools.lru_cache(maxsize=8)
def _bundled_data(path_str: str, mtime_ns: int) -> dict[str, Any]:
    return _read_toml(Path(path_str))


def _bundled() -> dict[str, Any]:
    """The bundled catalogue as plain data (a fresh copy the caller may change)."""
    import copy

    try:
        mtime = _PACKAGED.stat().st_mtime_ns
    except OSError:
        raise PlanningError("planning.err_catalogue_read", file=str(_PACKAGED)) from None
    return copy.deepcopy(_bundled_data(str(_PACKAGED), mtime))


@functools.lru_cache(maxsize=8)
def _load(path_str: str, mtime_ns: int, bundled_str: str, bundled_mtime_ns: int,
          as_unit_copy: bool) -> dict[str, Asset]:
    path = Path(path_str)
    data = _read_toml(path)
    if is_unit_layer(data):
        _check_layout(data, path)
        merged, unit = merge_unit_layer(_bundled(), data)
        return _parse_catalogue(merged, path, unit)
    if as_unit_copy:  # a whole catalogue written by an earlier version: read as a layer
        layer, _ = unit_layer_from_full(data, _bundled())
        merged, unit = merge_unit_layer(_bundled(), layer)
        return _parse_catalogue(merged, path, unit)
    return _parse_catalogue(data, path)


def load_catalogue(path: str | Path | None = None) -> dict[str, Asset]:
    """All assets of the catalogue, by id, in file order (the bundled ones, then the unit's own).

    Parameters
    ----------
    path:
        A catalogue TOML file: a whole catalogue, or a unit layer (``[unit_catalogue]``), which
        is laid over the bundled catalogue. Default: the catalogue in use, that is the bundled
        catalogue with the unit's copy (:func:`unit_catalogue_path`) over it when there is one
        (a unit copy in the old whole-catalogue form is read as :func:`unit_layer_from_full`
        makes it a layer).

    Raises
    ------
    PlanningError
        When the file cannot be read, is not TOML, or an entry lacks a figure or its provenance.
    """
    p = Path(path) if path is not None else catalogue_path()
    as_unit = path is None and p != _PACKAGED
    try:
        mtime = p.stat().st_mtime_ns
        bundled_mtime = _PACKAGED.stat().st_mtime_ns
    except OSError:
        raise PlanningError("planning.err_catalogue_read", file=str(p)) from None
    return dict(_load(str(p), mtime, str(_PACKAGED), bundled_mtime, as_unit))


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


# --- editing the unit's copy ------------------------------------------------------------------

#: Fields of an ``[asset.<id>]`` table that every asset has, in display order.
ASSET_FIGURE_FIELDS: tuple[str, ...] = _ASSET_FIGURES
#: Fields of an ``[asset.<id>]`` table that may be absent (``None`` = remove it).
OPTIONAL_FIGURE_FIELDS: tuple[str, ...] = _OPTIONAL_FIGURES
#: Fields of a ``[sensor.<id>]`` table.
SENSOR_FIGURE_FIELDS: tuple[str, ...] = _SENSOR_FIGURES

#: ``(section, entry id, field)``, section ``"asset"`` or ``"sensor"``, e.g.
#: ``("asset", "m30t", "endurance_s")``.
FigureKey = tuple[str, str, str]

_SECTIONS = ("asset", "sensor")
_WHOLE_FIELDS = frozenset({"width_px", "height_px"})
_MAX_REF_CHARS = 300
# One edit at a time in this process (every browser session of the app is a thread of it), so
# two administrators saving at once cannot lose each other's read-modify-write.
_EDIT_LOCK = threading.RLock()


@dataclass(frozen=True)
class FigureLimit:
    """The plausible range of one catalogue figure.

    Attributes
    ----------
    low, high:
        Bounds, in the unit the field name says (``high`` is always inclusive).
    low_inclusive:
        True when ``low`` itself is accepted (a reserve or turn time of 0); False when the
        figure must be greater than ``low`` (a speed, a rate, a focal length).
    """

    low: float
    high: float
    low_inclusive: bool = False

    def accepts(self, value: float) -> bool:
        """True when ``value`` is finite and inside the range."""
        if not math.isfinite(value) or value > self.high:
            return False
        return value >= self.low if self.low_inclusive else value > self.low


#: Plausibility limits the editor enforces (SI units as the field names say). Speeds: the H125's
#: maximum cruise is about 68 m/s, so 150 m/s only stops a typing slip (km/h for m/s shows up as
#: too slow to matter, which is why the page shows each figure's unit); altitudes 500-9,000 m
#: above sea level span everything from the basin floor (about 2,700 m) to any rotorcraft's
#: ceiling; a sweep width of 0 would give a track spacing of 0, so an override must be > 0 (clear
#: it to go back to the model).
FIGURE_LIMITS: dict[str, FigureLimit] = {
    "search_speed_m_s": FigureLimit(0.0, 100.0),
    "transit_speed_m_s": FigureLimit(0.0, 150.0),
    "endurance_s": FigureLimit(0.0, 86400.0),
    "endurance_ref_altitude_m": FigureLimit(-500.0, 9000.0, low_inclusive=True),
    "reserve_s": FigureLimit(0.0, 86400.0, low_inclusive=True),
    "max_altitude_amsl_m": FigureLimit(500.0, 9000.0, low_inclusive=True),
    "climb_rate_m_s": FigureLimit(0.0, 30.0),
    "descent_rate_m_s": FigureLimit(0.0, 30.0),
    "turn_time_s": FigureLimit(0.0, 600.0, low_inclusive=True),
    "max_agl_m": FigureLimit(0.0, 3000.0),
    "sweep_width_override_m": FigureLimit(0.0, 20000.0),
    "sweep_visibility_km": FigureLimit(0.0, 100.0),
    "width_px": FigureLimit(1.0, 20000.0, low_inclusive=True),
    "height_px": FigureLimit(1.0, 20000.0, low_inclusive=True),
    "pixel_pitch_um": FigureLimit(0.0, 100.0),
    "focal_mm": FigureLimit(0.0, 2000.0),
}


#: The table that marks a unit copy as a layer over the bundled catalogue:
#: ``[unit_catalogue]`` with ``layout = "overlay"``. A unit copy without it is a whole catalogue
#: written by an earlier version of the planner (see :func:`unit_layer_from_full`).
UNIT_LAYER_TABLE = "unit_catalogue"
_LAYOUT = "overlay"

_LAYER_HEADER = """\
The unit's own asset figures, laid over the catalogue bundled with the planner
(sar_planner/data/assets.toml). Written by the Settings page; edit it there.

Only what the unit sets is here: a figure of a bundled aircraft or camera here replaces the
bundled figure (field by field); every figure and aircraft not here comes from the bundled
catalogue, so a corrected maker's figure or an aircraft added in a later release reaches the
unit. An aircraft or camera that is not in the bundled catalogue is the unit's own and is
complete here. { unset = true, by = "unit", ref = "..." } removes an optional bundled figure
(a height cap, a sweep width). Figures: { value = ..., by = "maker" | "unit", ref = "..." },
units as in the bundled file.
"""


def is_unit_layer(data: Mapping[str, Any]) -> bool:
    """True when a parsed catalogue file is a unit layer (has ``[unit_catalogue]``)."""
    return isinstance(data.get(UNIT_LAYER_TABLE), Mapping)


def _check_layout(data: Mapping[str, Any], path: Path) -> None:
    layout = data[UNIT_LAYER_TABLE].get("layout")
    if layout != _LAYOUT:
        raise PlanningError("assets_ui.err_layout", file=path.name, layout=str(layout))


def _is_unset(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("unset") is True


def merge_unit_layer(bundled: Mapping[str, Any], layer: Mapping[str, Any]
                     ) -> tuple[dict[str, Any], dict[tuple[str, str], frozenset[str]]]:
    """The catalogue in use: the unit's layer over the bundled catalogue, field by field.

    Parameters
    ----------
    bundled:
        The bundled catalogue (parsed TOML).
    layer:
        The unit's layer (parsed TOML): ``[asset.<id>]`` / ``[sensor.<id>]`` tables holding only
        the fields the unit sets; an entry the bundled catalogue lacks is the unit's own.

    Returns
    -------
    (dict, dict)
        The merged catalogue (bundled entries in their order, then the unit's own), and for
        each ``(section, id)`` the fields it takes from the unit's layer.

    Examples
    --------
    >>> b = {"asset": {"a": {"endurance_s": {"value": 100, "by": "maker", "ref": "sheet"},
    ...                      "max_agl_m": {"value": 120, "by": "unit", "ref": "rule"}}}}
    >>> lay = {"asset": {"a": {"endurance_s": {"value": 90, "by": "unit", "ref": "trial"},
    ...                        "max_agl_m": {"unset": True, "by": "unit", "ref": "exempt"}}}}
    >>> merged, unit = merge_unit_layer(b, lay)
    >>> merged["asset"]["a"]
    {'endurance_s': {'value': 90, 'by': 'unit', 'ref': 'trial'}}
    >>> sorted(unit[("asset", "a")])
    ['endurance_s', 'max_agl_m']
    """
    merged: dict[str, Any] = {}
    unit: dict[tuple[str, str], frozenset[str]] = {}
    for sec in _SECTIONS:
        base = bundled.get(sec, {})
        merged[sec] = {eid: dict(t) for eid, t in base.items()} if isinstance(base, Mapping) \
            else base
        own = layer.get(sec, {})
        if not isinstance(own, Mapping) or not isinstance(merged[sec], Mapping):
            raise PlanningError("assets_ui.err_layer_entry", file="assets.toml", entry=sec)
        for eid, table in own.items():
            if not isinstance(table, Mapping):
                raise PlanningError("assets_ui.err_layer_entry", file="assets.toml",
                                    entry=f"{sec}.{eid}")
            entry = merged[sec].setdefault(eid, {})
            for k, v in table.items():
                if _is_unset(v):
                    entry.pop(k, None)
                else:
                    entry[k] = v
            unit[(sec, eid)] = frozenset(table)
    return merged, unit


@dataclass(frozen=True)
class UnitLayerReport:
    """What reading a whole (old-form) unit copy as a layer did to it.

    Attributes
    ----------
    kept:
        ``(section, id, field)`` of the unit's own values kept (differing from the bundled).
    same_as_bundled:
        Fields equal to the bundled catalogue's: now "not set" (the bundled value applies).
    maker_replaced:
        ``((section, id, field), old value, bundled value)``: maker's figures the copy held
        that differ from the bundled catalogue's (an earlier release's sheet figure, corrected
        since): the bundled figure applies now. Never a figure marked as the unit's.
    own_entries:
        ``(section, id)`` of aircraft and cameras only the unit's copy has (kept whole).
    bundled_only:
        ``(section, id, field)`` the bundled catalogue has and the copy did not (an aircraft or
        figure added in a later release, or an optional figure the unit had removed): the
        bundled one applies now.
    """

    kept: tuple[FigureKey, ...] = ()
    same_as_bundled: tuple[FigureKey, ...] = ()
    maker_replaced: tuple[tuple[FigureKey, Any, Any], ...] = ()
    own_entries: tuple[tuple[str, str], ...] = ()
    bundled_only: tuple[FigureKey, ...] = ()


def _same(a: Any, b: Any) -> bool:
    """Equal values; figures compare by their number only."""
    if isinstance(a, Mapping) and isinstance(b, Mapping) and "value" in a and "value" in b:
        va, vb = a["value"], b["value"]
        if isinstance(va, int | float) and isinstance(vb, int | float) \
                and not isinstance(va, bool) and not isinstance(vb, bool):
            return float(va) == float(vb)
    return a == b


def unit_layer_from_full(full: Mapping[str, Any], bundled: Mapping[str, Any]
                         ) -> tuple[dict[str, Any], UnitLayerReport]:
    """The unit's layer a whole (old-form) unit copy stands for, without losing a unit figure.

    Every field equal to the bundled catalogue's becomes "not set"; a differing one stays the
    unit's, except a figure marked ``by = "maker"`` (the unit's edits are always marked
    ``"unit"``, so a differing maker's figure is an earlier release's sheet figure that the
    bundled catalogue has corrected since: the correction applies, listed in the report).
    Aircraft and cameras the bundled catalogue lacks are kept whole.

    Parameters
    ----------
    full, bundled:
        The whole unit copy and the bundled catalogue (parsed TOML).

    Returns
    -------
    (dict, UnitLayerReport)
        The layer (only the unit's fields) and what was kept, dropped and replaced.
    """
    layer: dict[str, Any] = {UNIT_LAYER_TABLE: {"layout": _LAYOUT}}
    kept: list[FigureKey] = []
    same: list[FigureKey] = []
    replaced: list[tuple[FigureKey, Any, Any]] = []
    own: list[tuple[str, str]] = []
    only_bundled: list[FigureKey] = []
    for sec in _SECTIONS:
        entries = full.get(sec, {})
        base = bundled.get(sec, {})
        if not isinstance(entries, Mapping):
            continue
        out: dict[str, Any] = {}
        for eid, table in entries.items():
            if not isinstance(table, Mapping):
                continue
            original = base.get(eid)
            if not isinstance(original, Mapping):
                out[eid] = dict(table)
                own.append((sec, eid))
                continue
            fields: dict[str, Any] = {}
            for k, v in table.items():
                key = (sec, eid, k)
                if k in original and _same(v, original[k]):
                    same.append(key)
                elif isinstance(v, Mapping) and v.get("by") == "maker" and k in original:
                    replaced.append((key, v.get("value"), original[k].get("value")
                                     if isinstance(original[k], Mapping) else original[k]))
                else:
                    fields[k] = v
                    kept.append(key)
            only_bundled.extend((sec, eid, k) for k in original if k not in table)
            if fields:
                out[eid] = fields
        only_bundled.extend((sec, eid, "*") for eid in base if eid not in entries)
        if out:
            layer[sec] = out
    return layer, UnitLayerReport(tuple(kept), tuple(same), tuple(replaced), tuple(own),
                                  tuple(only_bundled))


def unit_catalogue_path(settings: Settings | None = None) -> Path:
    """Where the unit's own copy lives (it may not exist yet): ``<data dir>/assets.toml``."""
    from sar_planner.settings import get_settings

    return (settings or get_settings()).data_dir / "assets.toml"


def _fields(section: str) -> tuple[str, ...]:
    return _SENSOR_FIGURES if section == "sensor" else _ASSET_FIGURES + _OPTIONAL_FIGURES


def _check_key(key: FigureKey) -> None:
    section, entry, name = key
    if section not in _SECTIONS or name not in _fields(section):
        raise _EditError("assets_ui.err_unknown_field", entry=entry, field=name)


def read_catalogue_document(path: str | Path | None = None) -> tomlkit.TOMLDocument:
    """The catalogue file as an editable TOML document (comments and layout kept).

    Parameters
    ----------
    path:
        A catalogue file; default :func:`catalogue_path` (the unit's copy, else the bundled one).

    Raises
    ------
    PlanningError
        When the file cannot be read or is not TOML.
    """
    p = Path(path) if path is not None else catalogue_path()
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise PlanningError("planning.err_catalogue_read", file=str(p)) from None
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise PlanningError("planning.err_catalogue_syntax", file=p.name, reason=str(exc)) from None


def bundled_figure(section: str, entry_id: str, name: str) -> Figure | None:
    """The figure the bundled catalogue gives for ``name`` (None when it has none).

    Parameters
    ----------
    section:
        ``"asset"`` or ``"sensor"``.
    entry_id, name:
        Catalogue id (``"m30t"``) and field (``"endurance_s"``).
    """
    _check_key((section, entry_id, name))
    table = _bundled().get(section, {}).get(entry_id)
    if not isinstance(table, Mapping) or name not in table:
        return None
    return _figure(table, name, entry_id, _PACKAGED)


def _plain(document: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(document, tomlkit.TOMLDocument):
        return tomllib.loads(tomlkit.dumps(document))
    return dict(document)


def validate_catalogue(document: Mapping[str, Any], name: str = "assets.toml") -> dict[str, Asset]:
    """Check a whole catalogue, or a unit layer over the bundled one, plus the plausibility limits.

    Parameters
    ----------
    document:
        The parsed catalogue or unit layer (a :func:`read_catalogue_document` result or a
        plain dict).
    name:
        File name used in the messages.

    Returns
    -------
    dict
        The assets it holds (a layer: with the bundled catalogue under it), by id, as
        :func:`load_catalogue` would return them.

    Raises
    ------
    PlanningError
        The first problem found: the loader's (missing figure, unknown sensor, reserve not below
        endurance, ...) or a figure outside :data:`FIGURE_LIMITS` (key ``assets_ui.err_range``).
    """
    path = Path(name)
    data = _plain(document)
    unit = None
    if is_unit_layer(data):
        _check_layout(data, path)
        data, unit = merge_unit_layer(_bundled(), data)
    sections = {s: data.get(s, {}) for s in _SECTIONS}
    if not all(isinstance(v, Mapping) for v in sections.values()):
        raise PlanningError("planning.err_catalogue_empty", file=path.name)
    for aid, table in sections["asset"].items():
        _check_reserve(aid, table)
    sensors, assets = _parse_sections(data, path, unit)
    for entries in (sensors, assets):
        for entry in entries.values():
            for fname, fig in entry.figures.items():
                _check_limit(entry.id, fname, fig.value)
    return assets


def _check_reserve(entry: str, table: Any) -> None:
    """Reserve below endurance, said plainly (the loader's message only names the field)."""
    try:
        reserve = float(table["reserve_s"]["value"])
        endurance = float(table["endurance_s"]["value"])
    except (KeyError, TypeError, ValueError):
        return  # the loader reports a missing or malformed figure
    if math.isfinite(reserve) and math.isfinite(endurance) and reserve >= endurance:
        raise PlanningError("assets_ui.err_reserve", entry=entry, reserve=f"{reserve:g}",
                            endurance=f"{endurance:g}", reserve_min=f"{reserve / 60.0:g}",
                            endurance_min=f"{endurance / 60.0:g}")  # the page types minutes


class _EditError(PlanningError):
    """A refused catalogue edit; ``{field}`` is shown as the figure's name in the reader's
    language (``assets_ui.field.<name>``), not as the file's key."""

    def message(self, lang: str = "en") -> str:
        from sar_planner.i18n import catalogue, t

        params = dict(self.params)
        name = str(params.get("field", ""))
        if f"assets_ui.field.{name}" in catalogue("en"):
            params["field"] = t(f"assets_ui.field.{name}", lang)
        return t(self.code, lang, **params)


def _check_limit(entry: str, name: str, value: float) -> None:
    limit = FIGURE_LIMITS.get(name)
    if limit is None:
        return
    if not limit.accepts(value):
        raise _EditError("assets_ui.err_range", entry=entry, field=name, value=f"{value:g}",
                            low=f"{limit.low:g}", high=f"{limit.high:g}",
                            low_op=">=" if limit.low_inclusive else ">")
    if name in _WHOLE_FIELDS and value != int(value):
        raise _EditError("assets_ui.err_whole", entry=entry, field=name, value=f"{value:g}")


def _layer_document(layer: Mapping[str, Any]) -> tomlkit.TOMLDocument:
    """A unit layer as a TOML document with its explanatory header."""
    doc = tomlkit.document()
    for line in _LAYER_HEADER.splitlines():
        doc.add(tomlkit.comment(line) if line else tomlkit.nl())
    doc.add(tomlkit.nl())
    marker = tomlkit.table()
    marker.add("layout", _LAYOUT)
    doc.add(UNIT_LAYER_TABLE, marker)
    for sec in _SECTIONS:
        entries = layer.get(sec) or {}
        for eid, table in entries.items():
            _layer_entry(doc, sec, eid).update(
                {k: _inline(v) if isinstance(v, Mapping) else v for k, v in table.items()})
    return doc


def _inline(value: Mapping[str, Any]) -> Any:
    table = tomlkit.inline_table()
    table.update(dict(value))
    return table


def _layer_entry(document: tomlkit.TOMLDocument, section: str, entry_id: str) -> Any:
    """The layer's ``[section.entry_id]`` table, made when missing."""
    if section not in document:
        document.add(section, tomlkit.table(is_super_table=True))
    if entry_id not in document[section]:
        document[section].add(entry_id, tomlkit.table())
    return document[section][entry_id]


def _drop_empty(document: tomlkit.TOMLDocument, section: str, entry_id: str) -> None:
    entries = document.get(section)
    if entries is not None and entry_id in entries and not len(entries[entry_id]):
        del entries[entry_id]
    if entries is not None and not len(entries):
        del document[section]


def _keep_copy(src: Path, stem: str) -> Path:
    """Copy ``src`` to ``<data dir>/backups/<stem>-<UTC time>.toml``, never over another file."""
    import datetime as dt

    folder = src.parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    data = src.read_bytes()
    for n in range(1000):
        dest = folder / (f"{stem}-{stamp}.toml" if n == 0 else f"{stem}-{stamp}-{n}.toml")
        try:
            with dest.open("xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except FileExistsError:
            continue
        return dest
    raise FileExistsError(str(folder))


def save_catalogue(document: Mapping[str, Any], settings: Settings | None = None) -> Path:
    """Validate ``document`` and write it as the unit's layer, atomically.

    A whole catalogue is first reduced to the unit's layer (:func:`unit_layer_from_full`). The
    file is written next to its final place and moved over it with ``os.replace``, so a reader
    sees the old catalogue or the new one, never half of one. A unit copy still in the old
    whole-catalogue form is first kept in ``<data dir>/backups/assets-whole-<UTC time>.toml``.
    The bundled catalogue is never written.

    Parameters
    ----------
    document:
        The unit's layer (or a whole catalogue).
    settings:
        Where the data folder is; default the process settings.

    Returns
    -------
    Path
        The unit's catalogue file.

    Raises
    ------
    PlanningError
        When the catalogue does not pass :func:`validate_catalogue` (nothing is written) or the
        file cannot be written (the old file stays).
    """
    target = unit_catalogue_path(settings)
    if not is_unit_layer(_plain(document)):
        document = _layer_document(unit_layer_from_full(_plain(document), _bundled())[0])
    validate_catalogue(document, target.name)
    text = tomlkit.dumps(document)
    tmp_name: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file():  # an old whole copy (or one that no longer reads) is kept first
            try:
                layered = is_unit_layer(_read_toml(target))
            except PlanningError:
                layered = False
            if not layered:
                _keep_copy(target, "assets-whole")
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent,
                                         prefix=".assets-", suffix=".toml.tmp",
                                         delete=False) as fh:
            tmp_name = fh.name
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        old_mode = target.stat().st_mode & 0o777 if target.is_file() else 0o644
        os.chmod(tmp_name, old_mode)  # the temporary file is private (0600); keep the old mode
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise PlanningError("assets_ui.err_write", file=str(target),
                            reason=exc.strerror or type(exc).__name__) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    _load.cache_clear()
    return target


def _editable_layer(settings: Settings | None) -> tomlkit.TOMLDocument:
    """The unit's layer to edit: its file, an old whole copy reduced to a layer, or a new one."""
    own = unit_catalogue_path(settings)
    if not own.is_file():
        return _layer_document({})
    document = read_catalogue_document(own)
    data = _plain(document)
    if is_unit_layer(data):
        _check_layout(data, own)
        return document
    return _layer_document(unit_layer_from_full(data, _bundled())[0])


def _figure_table(value: float, by: str, ref: str, name: str) -> Any:
    table = tomlkit.inline_table()
    table.update({"value": int(value) if name in _WHOLE_FIELDS else float(value), "by": by,
                  "ref": ref})
    return table


def update_figures(edits: Mapping[FigureKey, float | None], ref: str,
                   settings: Settings | None = None) -> tuple[FigureKey, ...]:
    """Change catalogue figures as the unit's own, all or none, and save the unit's layer.

    Parameters
    ----------
    edits:
        ``{(section, entry id, field): value}`` in the field's unit (m/s, s, m, mm, um, px).
        ``None`` removes an optional asset figure (``max_agl_m``: no height cap;
        ``sweep_width_override_m``: sweep width from the model again); a bundled one is marked
        removed in the unit's layer. A value equal to the one in use is left as it is,
        keeping its source.
    ref:
        Where the new figures come from: who, when, why (e.g. ``"unit trial 2026-08,
        Zongjia"``); stored as the ``ref`` of every changed figure, which becomes ``by = "unit"``.
    settings:
        Where the data folder is; default the process settings.

    Returns
    -------
    tuple
        The keys of the figures that changed (empty: nothing differed, nothing was written).
        The file is :func:`unit_catalogue_path`.

    Raises
    ------
    PlanningError
        An unknown entry or field, a missing reference, a value out of range or a catalogue that
        no longer holds together (reserve not below endurance, ...). Nothing is written then.

    Examples
    --------
    >>> update_figures({("asset", "m30t", "sweep_width_override_m"): 42.0},
    ...                "unit trial 2026-08, Zongjia")  # doctest: +SKIP
    """
    with _EDIT_LOCK:
        return _update_figures(edits, ref, settings)


def _update_figures(edits: Mapping[FigureKey, float | None], ref: str,
                    settings: Settings | None) -> tuple[FigureKey, ...]:
    document = _editable_layer(settings)
    bundled = _bundled()
    merged, _ = merge_unit_layer(bundled, _plain(document))
    changed: list[FigureKey] = []
    for key, value in edits.items():
        _check_key(key)
        section, entry_id, name = key
        entry = merged[section].get(entry_id)
        if entry is None:
            raise PlanningError("assets_ui.err_unknown_entry", entry=entry_id)
        current = entry.get(name)
        current_value = current.get("value") if isinstance(current, Mapping) else None
        base = bundled.get(section, {}).get(entry_id)
        in_bundled = isinstance(base, Mapping) and name in base
        if value is None:
            if name not in _OPTIONAL_FIGURES:
                raise _EditError("assets_ui.err_required", entry=entry_id, field=name)
            if current is not None:
                table = _layer_entry(document, section, entry_id)
                if in_bundled:
                    table[name] = _inline({"unset": True, "by": "unit", "ref": ""})
                elif name in table:
                    del table[name]
                _drop_empty(document, section, entry_id)
                changed.append(key)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise _EditError("assets_ui.err_range", entry=entry_id, field=name,
                                value=str(value), low=f"{FIGURE_LIMITS[name].low:g}",
                                high=f"{FIGURE_LIMITS[name].high:g}", low_op=">")
        if isinstance(current_value, int | float) and not isinstance(current_value, bool) \
                and math.isclose(float(current_value), float(value), rel_tol=1e-9, abs_tol=1e-12):
            continue
        _check_limit(entry_id, name, float(value))
        changed.append(key)
        _layer_entry(document, section, entry_id)[name] = _figure_table(float(value), "unit", "",
                                                                        name)
    if not changed:
        return ()
    ref = " ".join(str(ref).split())
    if not ref:
        raise PlanningError("assets_ui.err_no_ref")
    if len(ref) > _MAX_REF_CHARS:
        raise PlanningError("assets_ui.err_ref_long", limit=_MAX_REF_CHARS)
    for section, entry_id, name in changed:
        table = document.get(section, {}).get(entry_id)
        if table is not None and name in table:
            table[name]["ref"] = ref
    save_catalogue(document, settings)
    return tuple(changed)


def restore_figure(section: str, entry_id: str, name: str,
                   settings: Settings | None = None) -> Path:
    """Put back the bundled catalogue's figure for one field: the unit's layer drops it.

    Where the bundled catalogue has no such figure (a unit sweep-width override, a height cap
    the bundled file does not set) the field is then absent. The result must still pass
    :func:`validate_catalogue` (restoring an endurance below the unit's reserve is refused).

    Parameters
    ----------
    section:
        ``"asset"`` or ``"sensor"``.
    entry_id, name:
        Catalogue id and field.
    settings:
        Where the data folder is; default the process settings.

    Returns
    -------
    Path
        The unit's catalogue file.

    Raises
    ------
    PlanningError
        Unknown entry or field, an entry the bundled catalogue does not hold, a required figure
        the bundled catalogue lacks, or a catalogue that no longer holds together.
    """
    _check_key((section, entry_id, name))
    if not isinstance(_bundled().get(section, {}).get(entry_id), Mapping):
        raise PlanningError("assets_ui.err_not_bundled", entry=entry_id)
    fig = bundled_figure(section, entry_id, name)
    if fig is None and name not in _OPTIONAL_FIGURES:
        raise _EditError("assets_ui.err_required", entry=entry_id, field=name)
    with _EDIT_LOCK:
        target = unit_catalogue_path(settings)
        document = _editable_layer(settings)
        table = document.get(section, {}).get(entry_id)
        if table is None or name not in table:
            if not target.is_file() or is_unit_layer(_read_toml(target)):
                return target  # the bundled figure is already the one in use
        else:
            del table[name]
            _drop_empty(document, section, entry_id)
        return save_catalogue(document, settings)


@dataclass(frozen=True)
class UnitCopyStatus:
    """The unit's copy of the catalogue as the Settings page describes it.

    Attributes
    ----------
    path:
        :func:`unit_catalogue_path`.
    exists:
        True when the unit has a copy (otherwise the bundled catalogue is used alone).
    layered:
        True when the copy is a layer (``[unit_catalogue]``); False for a whole catalogue in
        the old form (read as :func:`unit_layer_from_full` makes it a layer, rewritten as a
        layer at the next save).
    figures:
        Number of figures the unit sets over bundled aircraft and cameras (removals count).
    own_entries:
        ``(section, id)`` of aircraft and cameras that are the unit's own.
    report:
        For an old whole copy, what reading it as a layer does (else None).
    """

    path: Path
    exists: bool
    layered: bool
    figures: int
    own_entries: tuple[tuple[str, str], ...]
    report: UnitLayerReport | None = None


def unit_copy_status(settings: Settings | None = None) -> UnitCopyStatus:
    """Describe the unit's copy (see :class:`UnitCopyStatus`).

    Raises
    ------
    PlanningError
        When the copy cannot be read or is not TOML.
    """
    path = unit_catalogue_path(settings)
    if not path.is_file():
        return UnitCopyStatus(path, False, True, 0, ())
    data = _read_toml(path)
    bundled = _bundled()
    report = None
    layered = is_unit_layer(data)
    if not layered:
        data, report = unit_layer_from_full(data, bundled)
    own: list[tuple[str, str]] = []
    count = 0
    for sec in _SECTIONS:
        entries = data.get(sec, {})
        if not isinstance(entries, Mapping):
            continue
        for eid, table in entries.items():
            if not isinstance(bundled.get(sec, {}).get(eid), Mapping):
                own.append((sec, eid))
            elif isinstance(table, Mapping):
                count += sum(1 for k in table if k in _fields(sec))
    return UnitCopyStatus(path, True, layered, count, tuple(own), report)


def discard_unit_catalogue(settings: Settings | None = None) -> Path:
    """Stop using the unit's copy: the bundled catalogue applies alone again.

    The copy is never deleted: it is first kept as
    ``<data dir>/backups/assets-discarded-<UTC time>.toml`` (a file that already exists is
    never overwritten), then removed from its place.

    Returns
    -------
    Path
        The kept copy.

    Raises
    ------
    PlanningError
        ``assets_ui.err_no_unit_copy`` when there is no unit copy; ``assets_ui.err_discard``
        when the copy cannot be kept or removed (the unit's copy stays in use then).
    """
    target = unit_catalogue_path(settings)
    with _EDIT_LOCK:
        if not target.is_file():
            raise PlanningError("assets_ui.err_no_unit_copy", file=str(target))
        try:
            kept = _keep_copy(target, "assets-discarded")
            os.unlink(target)
        except OSError as exc:
            raise PlanningError("assets_ui.err_discard", file=str(target),
                                reason=exc.strerror or type(exc).__name__) from None
    _load.cache_clear()
    return kept


def editable_figures(asset: Asset) -> list[tuple[FigureKey, Figure | None]]:
    """Every figure of ``asset`` an administrator may edit, in display order, with its source.

    The asset's own figures come first (``None`` for an optional figure it does not have: no
    height cap, no unit sweep width), then each sensor's, keyed ``("sensor", <sensor id>, field)``
    (a sensor may be shared by several assets). The visibility for visual search is listed only
    for an asset whose crew searches by eye (or that has one set).
    """
    out: list[tuple[FigureKey, Figure | None]] = [
        (("asset", asset.id, name), asset.figures.get(name))
        for name in _ASSET_FIGURES + _OPTIONAL_FIGURES
        if name != "sweep_visibility_km" or asset.visual_search or name in asset.figures]
    for sensor in asset.sensors:
        out.extend((("sensor", sensor.id, name), sensor.figures.get(name))
                   for name in _SENSOR_FIGURES)
    return out
