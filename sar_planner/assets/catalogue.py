"""Reading the asset catalogue: the bundled TOML with the unit's layer over it, checked, cached.

The catalogue is ``sar_planner/data/assets.toml`` (bundled, never written) with the unit's copy
``SAR_PLANNER_DATA_DIR/assets.toml`` laid over it (:mod:`sar_planner.assets.layer`). Every figure
must carry its source (``by`` = ``"maker"`` or ``"unit"``, ``ref``); a missing figure or source is
a :class:`~sar_planner.errors.PlanningError` naming the file and the entry. Parsed catalogues are
cached by file path and modification time.
"""

from __future__ import annotations

import copy
import functools
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sar_planner.assets.layer import (
    _check_layout,
    is_unit_layer,
    merge_unit_layer,
    unit_layer_from_full,
)
from sar_planner.assets.model import (
    _ASSET_FIGURES,
    _OPTIONAL_FIGURES,
    _SECTIONS,
    _SENSOR_FIGURES,
    ASSET_KINDS,
    AUTOPILOTS,
    DEFAULT_AUTOPILOT,
    Asset,
    Figure,
    Sensor,
)
from sar_planner.errors import PlanningError

#: The bundled catalogue, ``sar_planner/data/assets.toml``.
_PACKAGED = Path(__file__).parent.with_name("data") / "assets.toml"


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
    autopilot = table.get("autopilot", DEFAULT_AUTOPILOT)
    if autopilot not in AUTOPILOTS:
        raise PlanningError("planning.err_catalogue_autopilot", file=path.name, entry=aid,
                            value=str(autopilot))

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
        dji_payload_enum=_opt_int(table, "dji_payload_enum", aid, path), figures=figs,
        autopilot=str(autopilot))


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
