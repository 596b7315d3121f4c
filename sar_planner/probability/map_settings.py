"""A mission's map settings: every setting that changes its probability map, as stored facts.

They are kept with the mission's planning inputs (``settings`` in version 3,
:mod:`sar_planner.logbook.mission_inputs`), versioned and audited like every input, so a
commander at another station, a reload, case scoring and the command line build the map the
crew planned on. The Probability page's widgets take their defaults from :data:`DEFAULTS`.

Settings (units in the names; all distances metres unless ``_km``):

==================  =========================================================================
``radius_m``        grid half-width around the IPP (metres) or None: the default grid rule
                    (:func:`sar_planner.probability.mission.default_grid`, with the terrain's
                    reach)
``cell_m``          grid cell size (metres) or None: the default grid rule
``max_slope_deg``   terrain model: steepest slope walked (degrees, 1..90)
``drainage_weight`` terrain model: extra weight on drainages (>= 0; 0 = off)
``uphill_share``    terrain model: share of subjects going uphill (0.05..0.95) or None (off)
``track_weight``    terrain model: extra POA weight on track cells (>= 0; 0 = off)
``track_friction``  terrain model: walking-effort factor on tracks (0.1..10; 1 = as off track)
``segment_rule``    ``grid`` (squares), ``terrain`` (terrain segments) or ``mission`` (the
                    mission's own drawn or imported segments)
``segment_km``      segment size for ``grid`` and ``terrain`` (km, 0.1..100)
``consensus_weight`` weight of the planners' consensus in the blend (0..1)
``consensus_points`` the planners' 100-point allocations over the consensus regions (one dict
                    per planner: region name or ``ROW`` -> points), or None: one planner with
                    equal shares (the page's starting table)
``time_cap_at``     ISO 8601 UTC time up to which the hours since last seen are counted for the
                    cap "nobody is farther than hours x speed", or None: no cap
==================  =========================================================================

The model (``rings`` or ``terrain``) is the stored input ``model`` beside these.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from sar_planner.errors import ProbabilityError

__all__ = ["DEFAULTS", "UPHILL_SHARE_ON", "SEGMENT_RULES", "MODELS", "SETTING_KEYS", "check_map_settings",
           "parse_setting", "default_equal_points"]

#: Probability models (the stored input ``model``).
MODELS: tuple[str, ...] = ("rings", "terrain")
#: How the map is cut into segments.
SEGMENT_RULES: tuple[str, ...] = ("grid", "terrain", "mission")

#: The defaults: what the Probability page starts from (and wrote before settings were stored).
DEFAULTS: Mapping[str, Any] = {
    "radius_m": None,
    "cell_m": None,
    "max_slope_deg": 40.0,
    "drainage_weight": 0.0,
    "uphill_share": None,
    "track_weight": 0.0,
    "track_friction": 1.0,
    "segment_rule": "grid",
    "segment_km": 2.0,
    "consensus_weight": 0.5,
    "consensus_points": None,
    "time_cap_at": None,
}
#: The share of subjects going uphill the page offers when the crew turns that option on.
UPHILL_SHARE_ON = 0.40
#: Every setting name, in the stored order.
SETTING_KEYS: tuple[str, ...] = tuple(DEFAULTS)

# name -> (low, high, may be None)
_RANGES: dict[str, tuple[float, float, bool]] = {
    "radius_m": (500.0, 200_000.0, True),
    "cell_m": (5.0, 2_000.0, True),
    "max_slope_deg": (1.0, 90.0, False),
    "drainage_weight": (0.0, 100.0, False),
    "uphill_share": (0.05, 0.95, True),
    "track_weight": (0.0, 100.0, False),
    "track_friction": (0.1, 10.0, False),
    "segment_km": (0.1, 100.0, False),
    "consensus_weight": (0.0, 1.0, False),
}


def _bad(name: str, value: Any, allowed: str) -> ProbabilityError:
    return ProbabilityError("probability.err_setting_value", name=name, value=value,
                            allowed=allowed)


def _range_text(name: str) -> str:
    low, high, nullable = _RANGES[name]
    return f"{low:g} .. {high:g}" + (" or none" if nullable else "")


def _number(name: str, value: Any) -> float | None:
    low, high, nullable = _RANGES[name]
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        if nullable:
            return None
        raise _bad(name, value, _range_text(name))
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and low <= number <= high):
        raise _bad(name, value, _range_text(name))
    return number


def _time(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    when = value
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _bad("time_cap_at", value, "ISO 8601 time with zone, or none") from None
    if not isinstance(when, dt.datetime) or when.utcoffset() is None:
        raise _bad("time_cap_at", value, "ISO 8601 time with zone, or none")
    return when.astimezone(dt.UTC).isoformat()


def _points(value: Any) -> list[dict[str, float]] | None:
    if isinstance(value, str):
        if value.strip().lower() in ("", "none", "null"):
            return None
        try:
            value = json.loads(value)
        except ValueError:
            raise _bad("consensus_points", value,
                       'a JSON list of {"region": points, "ROW": points} per planner, or none'
                       ) from None
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value:
        raise _bad("consensus_points", value,
                   'a JSON list of {"region": points, "ROW": points} per planner, or none')
    out = []
    for row in value:
        if not isinstance(row, Mapping):
            raise _bad("consensus_points", value,
                       'a JSON list of {"region": points, "ROW": points} per planner, or none')
        clean: dict[str, float] = {}
        for k, v in row.items():
            try:
                pts = float(v)
            except (TypeError, ValueError):
                pts = math.nan
            if isinstance(v, bool) or not (math.isfinite(pts) and 0.0 <= pts <= 100.0):
                raise _bad("consensus_points", value, "points from 0 to 100 per region")
            clean[str(k)] = pts
        out.append(clean)
    return out


def check_map_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """``settings`` checked and completed with :data:`DEFAULTS` (the stored form).

    Parameters
    ----------
    settings:
        Any subset of :data:`SETTING_KEYS` (None or empty: all defaults).

    Returns
    -------
    dict
        Every setting, in :data:`SETTING_KEYS` order.

    Raises
    ------
    ProbabilityError
        ``probability.err_setting_unknown`` (a name not in :data:`SETTING_KEYS`, listing
        them) or ``probability.err_setting_value`` (a value out of range, naming the range).
    """
    given = dict(settings or {})
    unknown = [k for k in given if k not in DEFAULTS]
    if unknown:
        raise ProbabilityError("probability.err_setting_unknown", name=unknown[0],
                               allowed=", ".join(("model", *SETTING_KEYS)))
    out: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        value = given.get(key, default)
        if key in _RANGES:
            out[key] = _number(key, value)
        elif key == "segment_rule":
            if value not in SEGMENT_RULES:
                raise _bad(key, value, ", ".join(SEGMENT_RULES))
            out[key] = value
        elif key == "consensus_points":
            out[key] = _points(value)
        else:  # time_cap_at
            out[key] = _time(value)
    return out


def parse_setting(text: str) -> tuple[str, Any]:
    """One ``KEY=VALUE`` as typed on the command line: (name, value still to be checked).

    ``model`` is accepted beside :data:`SETTING_KEYS`. Raises ``probability.err_setting_unknown``
    for another name or a text without ``=``.
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or (name != "model" and name not in DEFAULTS):
        raise ProbabilityError("probability.err_setting_unknown", name=name or text,
                               allowed=", ".join(("model", *SETTING_KEYS)))
    value = value.strip()
    if name == "model":
        if value not in MODELS:
            raise _bad(name, value, ", ".join(MODELS))
        return name, value
    return name, value


def default_equal_points(region_names: list[str]) -> list[dict[str, float]]:
    """The page's starting consensus table: one planner, equal shares (1 decimal) over the
    regions, the last taking the remainder, 0 for ROW.

    >>> default_equal_points(["A", "B", "C"])
    [{'A': 33.3, 'B': 33.3, 'C': 33.4, 'ROW': 0.0}]
    """
    share = [round(100.0 / len(region_names), 1)] * len(region_names)
    share[-1] = round(100.0 - sum(share[:-1]), 1)
    row = dict(zip(region_names, share, strict=True))
    row["ROW"] = 0.0
    return [row]
