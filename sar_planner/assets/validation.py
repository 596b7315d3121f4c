"""Checks an edited asset catalogue must pass before it is saved: plausibility limits and keys.

:func:`validate_catalogue` runs the loader's checks on the whole catalogue in use (bundled plus
the unit's layer) and the plausibility limits of :data:`FIGURE_LIMITS`; a refused edit is a
:class:`~sar_planner.errors.PlanningError` naming the entry, the figure and the allowed range.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from sar_planner.assets.catalogue import _bundled, _figure, _parse_sections, bundled_catalogue_path
from sar_planner.assets.layer import _check_layout, is_unit_layer, merge_unit_layer
from sar_planner.assets.model import (
    _ASSET_FIGURES,
    _OPTIONAL_FIGURES,
    _SECTIONS,
    _SENSOR_FIGURES,
    Asset,
    Figure,
    FigureKey,
)
from sar_planner.errors import PlanningError

#: Fields of an ``[asset.<id>]`` table that every asset has, in display order.
ASSET_FIGURE_FIELDS: tuple[str, ...] = _ASSET_FIGURES
#: Fields of an ``[asset.<id>]`` table that may be absent (``None`` = remove it).
OPTIONAL_FIGURE_FIELDS: tuple[str, ...] = _OPTIONAL_FIGURES
#: Fields of a ``[sensor.<id>]`` table.
SENSOR_FIGURE_FIELDS: tuple[str, ...] = _SENSOR_FIGURES
_WHOLE_FIELDS = frozenset({"width_px", "height_px"})


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


def _fields(section: str) -> tuple[str, ...]:
    return _SENSOR_FIGURES if section == "sensor" else _ASSET_FIGURES + _OPTIONAL_FIGURES


def _check_key(key: FigureKey) -> None:
    section, entry, name = key
    if section not in _SECTIONS or name not in _fields(section):
        raise _EditError("assets_ui.err_unknown_field", entry=entry, field=name)


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
    return _figure(table, name, entry_id, bundled_catalogue_path())


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
