"""The unit's copy of the asset catalogue as a layer over the bundled one (plain data, no files).

The unit's copy (``SAR_PLANNER_DATA_DIR/assets.toml``, marked by ``[unit_catalogue]`` with
``layout = "overlay"``) holds only what the unit sets: its figures for bundled aircraft and
cameras, figures it removed (``unset = true``), and its own aircraft whole. :func:`merge_unit_layer`
lays it over the bundled catalogue field by field, so an aircraft added in a later release, or a
figure the maker corrected, reaches the unit while the unit's own figures still win. A unit copy
written by an earlier version (a whole catalogue) is turned into a layer without losing a unit
figure by :func:`unit_layer_from_full`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sar_planner.assets.model import _SECTIONS, FigureKey
from sar_planner.errors import PlanningError

#: The table that marks a unit copy as a layer over the bundled catalogue:
#: ``[unit_catalogue]`` with ``layout = "overlay"``. A unit copy without it is a whole catalogue
#: written by an earlier version of the planner (see :func:`unit_layer_from_full`).
UNIT_LAYER_TABLE = "unit_catalogue"
_LAYOUT = "overlay"


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
