"""The plan flown, as the logbook keeps it: a sortie plan reduced to its searching runs.

A sortie's plan comes back to the logbook as the file the crew flew (read by
:func:`sar_planner.formats.plan_files.read_flown_plan`) or as a
:class:`~sar_planner.plan.SortiePlan`; either is reduced to a :class:`FlownPlan` (its searching
runs, the segment, the sweep width), which is what the logbook stores in the sortie's ``plan``
field (:meth:`FlownPlan.to_json`, ``kind`` = :data:`PLAN_KIND`). A plan of several sorties keeps
each run's sortie number; :meth:`FlownPlan.for_sortie` reduces it to one sortie (its runs, and the
plan's segment cut to the convex hull of its swaths). The comparison with a flown track is
:mod:`sar_planner.flown_coverage`.

Coordinates: degrees WGS84 (lon, lat), heights metres above mean sea level (NaN when unknown);
the metric CRS of :meth:`FlownPlan.metric_crs` is the plan's own, else its UTM zone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, Polygon

from sar_planner.errors import LogbookError
from sar_planner.geo import local_metric_crs, to_local
from sar_planner.plan import SortiePlan

__all__ = ["PLAN_KIND", "Run", "FlownPlan"]

#: ``kind`` of the JSON the logbook stores in a sortie's ``plan`` field.
PLAN_KIND = "sar_planner.flown_plan"

#: One searching run: a polyline of ``(lon, lat, alt_amsl_m)``.
Run = tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class FlownPlan:
    """The plan flown, as the logbook keeps it (degrees WGS84, metres above mean sea level).

    Attributes
    ----------
    name:
        The plan's name (or the file's).
    runs:
        Searching runs, each a polyline of ``(lon, lat, alt_amsl_m)``; the altitude is NaN when
        the file does not give it.
    area:
        The segment as a closed ring of ``(lon, lat)``, or None (datum and line patterns).
    sweep_width_m:
        Effective sweep width W the plan was made with, metres, or None when the file does not
        say (a ``.plan``): the crew must then give it.
    spacing_m, agl_m:
        Track spacing and height above ground, metres, or None.
    asset_id, pattern:
        Catalogue id of the aircraft and the pattern name, or "" when unknown.
    crs:
        The metric CRS the plan was computed in (``"EPSG:nnnn"``), or None.
    source:
        ``geojson``, ``qgc-plan`` or ``sortie-plan``.
    run_sorties:
        The sortie number of each run (same length as ``runs``), or empty when the file does not
        number its sorties (a ``.plan`` is one flight).
    sortie:
        The sortie this plan is (one-sortie plans and :meth:`for_sortie`), or None when it holds
        several sorties or does not say.
    """

    name: str
    runs: tuple[Run, ...]
    area: tuple[tuple[float, float], ...] | None = None
    sweep_width_m: float | None = None
    spacing_m: float | None = None
    agl_m: float | None = None
    asset_id: str = ""
    pattern: str = ""
    crs: str | None = None
    source: str = "geojson"
    run_sorties: tuple[int, ...] = ()
    sortie: int | None = None

    @property
    def sorties(self) -> tuple[int, ...]:
        """The sortie numbers the plan holds, ascending (empty when not numbered)."""
        return tuple(sorted(set(self.run_sorties)))

    def for_sortie(self, number: int) -> FlownPlan:
        """The plan of sortie ``number`` alone: its searching runs, and as its segment the part
        of the plan's segment its swaths (W wide, flat ends) sweep, i.e. the plan's segment cut
        to the convex hull of this sortie's swaths (the whole segment when the plan holds one
        sortie, or when the plan has no sweep width).

        Raises
        ------
        LogbookError
            ``flownsortie.err_no_such_sortie`` when the plan has no searching legs in that sortie,
            ``flownsortie.err_not_numbered`` when it does not number its sorties.
        """
        sorties = self.sorties
        if number not in sorties:
            if not sorties:
                raise LogbookError("flownsortie.err_not_numbered", plan=self.name,
                                   sortie=number)
            raise LogbookError("flownsortie.err_no_such_sortie", plan=self.name, sortie=number,
                               known=", ".join(str(n) for n in sorties))
        if len(sorties) == 1:
            return replace(self, sortie=number)
        runs = tuple(r for r, n in zip(self.runs, self.run_sorties, strict=True) if n == number)
        return replace(self, runs=runs, run_sorties=(number,) * len(runs), sortie=number,
                       area=_sortie_area(self, runs))

    @classmethod
    def from_sortie_plan(cls, plan: SortiePlan) -> FlownPlan:
        """The searching runs of ``plan`` (the legs leaving a ``search`` waypoint, as the
        coverage module counts them) with its segment and sweep width."""
        runs: list[Run] = []
        numbers: list[int] = []
        for sortie in plan.sorties:
            wps = sortie.waypoints
            current: list[tuple[float, float, float]] = []
            for i, w in enumerate(wps):
                if w.role == "search" and i + 1 < len(wps):
                    if not current:
                        current = [(w.lon, w.lat, w.alt_amsl_m)]
                    nxt = wps[i + 1]
                    current.append((nxt.lon, nxt.lat, nxt.alt_amsl_m))
                elif current:
                    runs.append(tuple(current))
                    current = []
            if current:
                runs.append(tuple(current))
            numbers += [int(sortie.index)] * (len(runs) - len(numbers))
        only = sorted(set(numbers))
        return cls(name=plan.name, runs=tuple(runs), run_sorties=tuple(numbers),
                   sortie=only[0] if len(only) == 1 else None,
                   area=tuple(plan.area_wgs84) if plan.area_wgs84 else None,
                   sweep_width_m=plan.sweep_width_m, spacing_m=plan.spacing_m, agl_m=plan.agl_m,
                   asset_id=plan.asset_id, pattern=plan.pattern, crs=plan.crs,
                   source="sortie-plan")

    def metric_crs(self) -> CRS:
        """The metric CRS the plan is measured in without terrain: its own, else the UTM zone
        of the centre of its searching runs."""
        if self.crs:
            return CRS.from_user_input(self.crs)
        pts = np.array([p[:2] for run in self.runs for p in run], dtype=np.float64)
        return local_metric_crs(float(pts[:, 1].mean()), float(pts[:, 0].mean()))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``kind`` = :data:`PLAN_KIND`) for the sortie's ``plan`` field;
        unknown altitudes are written as null."""
        return {
            "kind": PLAN_KIND, "version": 1, "name": self.name, "source": self.source,
            "asset_id": self.asset_id, "pattern": self.pattern, "crs": self.crs,
            "sweep_width_m": self.sweep_width_m, "spacing_m": self.spacing_m,
            "agl_m": self.agl_m, "sortie": self.sortie, "run_sorties": list(self.run_sorties),
            "area": [list(p) for p in self.area] if self.area else None,
            "runs": [[[lon, lat, None if not math.isfinite(z) else z] for lon, lat, z in run]
                     for run in self.runs],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FlownPlan:
        """The inverse of :meth:`to_json` (a stored sortie's plan).

        Raises
        ------
        LogbookError
            ``logbook.flown.err_stored_plan`` when ``doc`` is not such a plan.
        """
        try:
            if doc.get("kind") != PLAN_KIND:
                raise ValueError("kind")
            runs = tuple(tuple((float(p[0]), float(p[1]),
                                math.nan if p[2] is None else float(p[2])) for p in run)
                         for run in doc["runs"])
            area = doc.get("area")

            def _opt(name: str) -> float | None:
                value = doc.get(name)
                return None if value is None else float(value)

            numbers = tuple(int(n) for n in (doc.get("run_sorties") or ()))
            if numbers and len(numbers) != len(runs):
                raise ValueError("run_sorties")
            sortie = doc.get("sortie")
            return cls(name=str(doc.get("name", "")), runs=runs, run_sorties=numbers,
                       sortie=None if sortie is None else int(sortie),
                       area=tuple((float(a), float(b)) for a, b in area) if area else None,
                       sweep_width_m=_opt("sweep_width_m"), spacing_m=_opt("spacing_m"),
                       agl_m=_opt("agl_m"), asset_id=str(doc.get("asset_id") or ""),
                       pattern=str(doc.get("pattern") or ""), crs=doc.get("crs") or None,
                       source=str(doc.get("source") or "geojson"))
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            raise LogbookError("logbook.flown.err_stored_plan") from None



def _sortie_area(plan: FlownPlan, runs: Sequence[Run]) -> tuple[tuple[float, float], ...] | None:
    """The part of ``plan``'s segment the swaths of ``runs`` sweep (the segment cut to the convex
    hull of the swaths, W wide with flat ends, in the plan's metric CRS), as a closed ring of
    (lon, lat) degrees WGS84; the whole segment when the plan has no sweep width, None when it
    has no segment or the cut is empty."""
    if not plan.area or not runs:
        return plan.area
    width = plan.sweep_width_m
    if width is None or not (math.isfinite(width) and width > 0):
        return plan.area
    crs = plan.metric_crs()
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def xy(lonlat: np.ndarray) -> np.ndarray:
        x, y = to_local(lonlat[:, 1], lonlat[:, 0], crs)
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    lines = MultiLineString([LineString(xy(np.array(r, dtype=float)[:, :2]))
                             for r in runs if len(r) >= 2])
    hull = lines.buffer(width / 2.0, cap_style="flat").convex_hull
    segment = shapely.make_valid(Polygon(xy(np.array(plan.area, dtype=float))))
    cut = shapely.intersection(segment, hull)
    parts = [g for g in getattr(cut, "geoms", [cut]) if g.geom_type == "Polygon" and g.area > 0]
    if not parts:
        return None
    ring = np.asarray(max(parts, key=lambda g: g.area).exterior.coords, dtype=float)
    lon, lat = back.transform(ring[:, 0], ring[:, 1])
    return tuple((float(a), float(b)) for a, b in zip(lon, lat, strict=True))

