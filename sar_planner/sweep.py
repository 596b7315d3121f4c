"""Effective sweep width W: from camera geometry, from the crew visual table, or the unit's own.

Cameras (first principles, search-theory.md; Koopman's definite-range detector):

* ground sample distance ``GSD = H * p / f`` (H height above ground, p pixel pitch, f focal length);
* footprint across track ``F = H * w / f`` (w sensor width), so the camera sees ``|y| <= F / 2``;
* a target of size T keeps N pixels out to the slant range ``R = f * T / (N * p)``; at height H it
  is seen out to the lateral distance ``y_d = sqrt(R^2 - H^2)`` (none if R <= H);
* a definite-range detector sweeps ``W = 2 * min(F / 2, y_d)``, multiplied by a contrast factor
  for the light (thermal at night 1; visible at night 0.34 = 22 m / 64 m, ICESAR 2018 as quoted in
  search-theory.md; thermal by day 0.5 is the unit's initial figure for sun-heated desert ground).

Default target 0.5 m (a person's shoulders seen from above) and N = 4 pixels (NSARC 2016 UAS
addendum: 4 pixels for detection at 79 %); Johnson's ~2 pixels is the optimistic bound.

Helicopter crew visual: the helicopter table of ``data/sweep_visual.toml`` (its header names the
source and its limits: over water; a one-person raft stands in for a person on open ground),
interpolated in visibility, with the wind and fatigue corrections.

All widths are metres; heights are metres above the ground under the aircraft.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sar_planner.assets import Asset, Sensor
from sar_planner.errors import PlanningError

__all__ = [
    "Light",
    "SweepStep",
    "SweepWidth",
    "CONTRAST_FACTORS",
    "DEFAULT_TARGET_M",
    "DEFAULT_PIXELS",
    "gsd_m",
    "footprint_m",
    "max_detection_height_m",
    "camera_sweep_width",
    "visual_sweep_width",
    "effective_sweep_width",
    "track_spacing",
]

Light = Literal["day", "night"]

#: (band, light) -> multiplier on the geometric width (see the module docstring for sources).
CONTRAST_FACTORS: dict[tuple[str, str], float] = {
    ("thermal", "night"): 1.0,
    ("thermal", "day"): 0.5,
    ("visible", "day"): 1.0,
    ("visible", "night"): 0.34,
}
DEFAULT_TARGET_M = 0.5
DEFAULT_PIXELS = 4.0
_NM = 1852.0
_FT = 0.3048
_VISUAL = Path(__file__).with_name("data") / "sweep_visual.toml"


@dataclass(frozen=True)
class SweepStep:
    """One line of a derivation: a catalogue key (``planning.sweep_*``) and its numbers."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepWidth:
    """An effective sweep width and how it was obtained.

    Attributes
    ----------
    width_m:
        Effective sweep width W, metres (0 when nothing can be detected).
    method:
        ``"camera"``, ``"visual-table"`` or ``"unit"`` (the unit's trial figure).
    steps:
        The derivation, in order, for display.
    footprint_m:
        Camera footprint across track, metres (None for visual search).
    gsd_m:
        Ground sample distance straight down, metres per pixel (None for visual search).
    """

    width_m: float
    method: Literal["camera", "visual-table", "unit"]
    steps: tuple[SweepStep, ...]
    footprint_m: float | None = None
    gsd_m: float | None = None


def _check_height(height_m: float) -> None:
    if not (math.isfinite(height_m) and height_m > 0):
        raise PlanningError("planning.err_agl", value=f"{height_m}")


def gsd_m(sensor: Sensor, height_m: float) -> float:
    """Ground sample distance straight down, metres per pixel: ``H * p / f``.

    >>> from sar_planner.assets import get_asset
    >>> round(gsd_m(get_asset("m350-h20t").sensors[0], 100.0), 4)   # search-theory.md: 8.9 cm
    0.0889
    """
    _check_height(height_m)
    return height_m * sensor.pixel_pitch_um * 1e-6 / (sensor.focal_mm * 1e-3)


def footprint_m(sensor: Sensor, height_m: float) -> tuple[float, float]:
    """(across, along) track footprint straight down, metres: ``H * w / f``, ``H * h / f``.

    >>> from sar_planner.assets import get_asset
    >>> [round(v, 1) for v in footprint_m(get_asset("m350-h20t").sensors[0], 100.0)]
    [56.9, 45.5]
    """
    _check_height(height_m)
    return (height_m * sensor.sensor_width_mm / sensor.focal_mm,
            height_m * sensor.sensor_height_mm / sensor.focal_mm)


def max_detection_height_m(sensor: Sensor, target_m: float = DEFAULT_TARGET_M,
                           pixels: float = DEFAULT_PIXELS) -> float:
    """Highest slant range (metres) keeping ``pixels`` pixels on a target of ``target_m`` metres.

    ``R = f * T / (N * p)``; straight down this is the highest height above ground.
    """
    if not (target_m > 0 and pixels > 0):
        raise PlanningError("planning.err_target", target=f"{target_m}", pixels=f"{pixels}")
    return sensor.focal_mm * 1e-3 * target_m / (pixels * sensor.pixel_pitch_um * 1e-6)


def camera_sweep_width(sensor: Sensor, height_m: float, light: Light = "night",
                       target_m: float = DEFAULT_TARGET_M,
                       pixels: float = DEFAULT_PIXELS) -> SweepWidth:
    """Sweep width of a downward-looking camera at ``height_m`` above ground (module docstring).

    Parameters
    ----------
    sensor:
        The camera.
    height_m:
        Height above ground, metres.
    light:
        ``"day"`` or ``"night"``.
    target_m:
        Target size, metres.
    pixels:
        Pixels needed on the target to detect it.

    Returns
    -------
    SweepWidth
        ``width_m`` is 0 when the camera cannot put ``pixels`` pixels on the target even straight
        down; the steps say how high it may fly instead.
    """
    _check_height(height_m)
    if (sensor.band, light) not in CONTRAST_FACTORS:
        raise PlanningError("planning.err_light", value=str(light))
    gsd = gsd_m(sensor, height_m)
    across, _ = footprint_m(sensor, height_m)
    r_max = max_detection_height_m(sensor, target_m, pixels)
    lateral = math.sqrt(r_max**2 - height_m**2) if r_max > height_m else 0.0
    half = min(across / 2.0, lateral)
    factor = CONTRAST_FACTORS[(sensor.band, light)]
    width = 2.0 * half * factor
    steps = [
        SweepStep("planning.sweep_gsd", {"height": f"{height_m:.0f}", "gsd": f"{gsd * 100:.1f}"}),
        SweepStep("planning.sweep_footprint", {"footprint": f"{across:.1f}",
                                                "hfov": f"{sensor.hfov_deg:.1f}"}),
        SweepStep("planning.sweep_range", {"pixels": f"{pixels:g}", "target": f"{target_m:g}",
                                            "range": f"{r_max:.0f}"}),
    ]
    if r_max <= height_m:
        steps.append(SweepStep("planning.sweep_too_high", {"height": f"{height_m:.0f}",
                                                            "limit": f"{r_max:.0f}"}))
    else:
        steps.append(SweepStep("planning.sweep_lateral", {"lateral": f"{lateral:.1f}",
                                                           "half": f"{half:.1f}"}))
    steps.append(SweepStep("planning.sweep_contrast", {"band": sensor.band, "light": light,
                                                        "factor": f"{factor:g}",
                                                        "width": f"{width:.1f}"}))
    return SweepWidth(width, "camera", tuple(steps), footprint_m=across, gsd_m=gsd)


@functools.cache
def _visual_table() -> dict[str, Any]:
    with _VISUAL.open("rb") as fh:
        return tomllib.load(fh)


def visual_sweep_width(height_m: float, visibility_km: float, target: str = "raft_1_person",
                       wind_kt: float = 0.0, fatigue: bool = False) -> SweepWidth:
    """Crew visual sweep width from a helicopter (table in ``data/sweep_visual.toml``).

    The table's nearest height (500 or 1000 ft) is used; visibility is interpolated linearly
    between the table's columns and held at its ends.

    Parameters
    ----------
    height_m:
        Height above ground, metres.
    visibility_km:
        Meteorological visibility, km.
    target:
        Table row (``raft_1_person`` stands in for a person on open ground).
    wind_kt:
        Surface wind, knots (over 15 kt halves W, over 25 kt quarters it).
    fatigue:
        True if the crew is fatigued (x 0.9).

    >>> round(visual_sweep_width(152.4, 10 * 1.852).width_m)   # 1.6 NM at 500 ft, 10 NM
    2963
    """
    _check_height(height_m)
    if not (math.isfinite(visibility_km) and visibility_km > 0):
        raise PlanningError("planning.err_visibility", value=f"{visibility_km}")
    table = _visual_table()
    heights = sorted(int(h) for h in table["height_ft"])
    h_ft = height_m / _FT
    nearest = min(heights, key=lambda h: abs(h - h_ft))
    rows = table["height_ft"][str(nearest)]
    if target not in rows:
        raise PlanningError("planning.err_visual_target", target=target, known=", ".join(rows))
    vis_nm = visibility_km * 1000.0 / _NM
    w_nm = float(np.interp(vis_nm, table["visibility_nm"], rows[target]))
    corr = table["corrections"]
    factor = 1.0
    if wind_kt > 25:
        factor *= corr["wind_over_25_kt"]
    elif wind_kt > 15:
        factor *= corr["wind_over_15_kt"]
    if fatigue:
        factor *= corr["fatigue"]
    width = w_nm * _NM * factor
    steps = (
        SweepStep("planning.sweep_visual_table", {"height_ft": nearest, "target": target,
                                                   "visibility": f"{vis_nm:.1f}",
                                                   "w_nm": f"{w_nm:.2f}"}),
        SweepStep("planning.sweep_visual_corr", {"factor": f"{factor:g}",
                                                  "width": f"{width:.0f}"}),
    )
    return SweepWidth(width, "visual-table", steps)


def effective_sweep_width(asset: Asset, height_m: float, light: Light = "night",
                          target_m: float = DEFAULT_TARGET_M, pixels: float = DEFAULT_PIXELS,
                          wind_kt: float = 0.0, fatigue: bool = False) -> SweepWidth:
    """The sweep width a plan uses for ``asset``: the unit's trial figure if the catalogue has
    one, else the visual table (crew visual search), else the primary camera's model.
    """
    if asset.sweep_width_override_m is not None:
        w = asset.sweep_width_override_m
        return SweepWidth(w, "unit", (SweepStep("planning.sweep_unit", {"width": f"{w:.0f}"}),))
    if asset.visual_search:
        vis = asset.sweep_visibility_km if asset.sweep_visibility_km is not None else 18.52
        return visual_sweep_width(height_m, vis, wind_kt=wind_kt, fatigue=fatigue)
    sensor = asset.primary_sensor
    if sensor is None:  # the catalogue loader refuses this; kept for hand-built assets
        raise PlanningError("planning.err_catalogue_no_sensor", file="-", entry=asset.id)
    return camera_sweep_width(sensor, height_m, light, target_m, pixels)


def track_spacing(sweep_width_m: float, coverage: float = 1.0) -> float:
    """Track spacing S = W / C for the coverage C the crew asks for (IAMSAR: C = W / S).

    >>> track_spacing(50.0, 1.0), round(track_spacing(50.0, 2.0), 1)
    (50.0, 25.0)
    """
    if not (math.isfinite(sweep_width_m) and sweep_width_m > 0):
        raise PlanningError("planning.err_sweep_zero", width=f"{sweep_width_m:.1f}")
    if not (math.isfinite(coverage) and 0.05 <= coverage <= 10):
        raise PlanningError("planning.err_coverage", value=f"{coverage}")
    return sweep_width_m / coverage
