"""How well each probability model would have put the find, on the unit's own closed cases.

A *case* is a closed logbook mission with a find location and the planning inputs the crew saved
(:func:`sar_planner.logbook.cases.closed_cases`). For each case and model, :func:`score_case`
builds the crew's INITIAL map (before any sortie: MapScore judges the prior model, not the
search) with the same core functions the Probability page and the ``poa`` command use
(:func:`~sar_planner.probability.mission.map_on_terrain`), then scores it against the find with
:func:`~sar_planner.probability.mapscore.mapscore` (Sava, Twardy, Koester & Sonwalkar,
Transactions in GIS 20(1), 2016): 1 = the find was in the map's most likely cell, 0 = no better
than chance, -1 = the least likely.

The map scored is the one the crew planned on before any sortie, made by the same function as
the Probability page and ``sar-planner mission map``
(:func:`sar_planner.probability.mission.initial_mission_map`) from the stored inputs AND the
stored map settings (issue 10): their own quartiles (or the published table), the IPP
uncertainty, subject and terrain class, barriers and tracks, the terrain model's options, the
grid, the time cap as of the time the crew built the map (``time_cap_at``, a stored fact, never
the find or close time) and the planners' consensus (stored points and weight). Only the model
changes when both models are scored.

The grid never depends on the find location (that would leak the answer into the score): it is
centred on the IPP, with the half-width and cell size the caller gives, or else the stored
settings', or else the Probability page's default (:func:`sar_planner.probability.mission.default_grid`:
half-width ceil(1.25 x the 95 % distance) km, no wider than the terrain reaches around the IPP,
cell max(30, ceil(2 x half-width in km)) m, about 1,000 cells across). A find outside the grid got
only the rest of world: it is not scored, and says so.

Coordinates: IPP and find are WGS84 degrees; grids are metres in the IPP's UTM zone. Distances
in metres, the find distance geodesic on the WGS84 ellipsoid (:class:`pyproj.Geod`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyproj import Geod

from sar_planner.errors import OutsideTerrainError, ProbabilityError, SarPlannerError
from sar_planner.grid import Grid
from sar_planner.i18n import t
from sar_planner.terrain.choice import Extent, first_holding, terrain_extent
from sar_planner.terrain.library import TerrainEntry

__all__ = ["MODELS", "PUBLISHED_MEAN_MAPSCORE", "Case", "NotScored", "CaseScore", "ModelSummary",
           "model_inputs", "choose_terrain", "score_case", "score_cases",
           "summarize", "cases_key", "case_rows", "summary_rows", "results_json"]

#: Models a case can be scored with.
MODELS: tuple[str, ...] = ("rings", "terrain")
#: Published mean MapScores on the ISRID cases (Sava, Twardy, Koester & Sonwalkar 2016,
#: Transactions in GIS 20(1)): context only, NOT the unit's figures.
PUBLISHED_MEAN_MAPSCORE: dict[str, float] = {"distance_rings": 0.78, "watershed": 0.61,
                                             "combined": 0.81}

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Case:
    """A closed mission with a find location.

    Attributes
    ----------
    incident_number:
        The unit's incident number.
    closed_at:
        When the mission was closed (timezone-aware, UTC).
    outcome:
        The logbook outcome (``found_alive``, ...).
    inputs:
        The stored planning inputs (:mod:`sar_planner.logbook.mission_inputs`), or None.
    ipp_lat, ipp_lon:
        The mission's IPP, WGS84 degrees (None when it has none); a case with planning inputs is
        scored from the inputs' IPP (``lat``/``lon``), which the mission's IPP follows.
    find_lat, find_lon:
        Find location, WGS84 degrees.
    inputs_error:
        (catalogue key, params) when the stored inputs could not be read (a version this program
        does not know); ``inputs`` is then None and the case is not scored, with that reason.
    """

    incident_number: str
    closed_at: dt.datetime | None
    outcome: str | None
    inputs: Mapping[str, Any] | None
    ipp_lat: float | None
    ipp_lon: float | None
    find_lat: float
    find_lon: float
    inputs_error: tuple[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class NotScored:
    """Why a model was not scored on a case.

    Attributes
    ----------
    reason:
        ``no_inputs``, ``unreadable_inputs``, ``no_terrain``, ``find_outside`` or
        ``model_error`` (the summary counts by it).
    key, params:
        Catalogue key of the message and its placeholders.
    cause:
        (key, params) of the error behind it, filled in as ``{error}`` in the message.
    """

    reason: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    cause: tuple[str, Mapping[str, Any]] | None = None

    def message(self, lang: str = "en") -> str:
        """The reason in ``lang``."""
        params = dict(self.params)
        if self.cause is not None:
            params["error"] = t(self.cause[0], lang, **self.cause[1])
        return t(self.key, lang, **params)


@dataclass(frozen=True, eq=False)
class CaseScore:
    """The result for one case.

    Attributes
    ----------
    case:
        The case scored.
    scores:
        MapScore per model scored (-1..1).
    not_scored:
        Per model not scored, why.
    find_distance_m:
        Geodesic IPP-to-find distance (metres, WGS84 ellipsoid), None without an IPP.
    subject, terrain_class:
        From the stored inputs (None without inputs).
    terrain_id:
        The terrain library entry the maps were built on, or None.
    grid:
        The grid the maps were built on (the same for every model; None when none was built).
    maps:
        The map scored per model (:class:`~sar_planner.probability.maps.ProbabilityMap`), kept
        only when :func:`score_case` is asked to (``keep_maps``).
    """

    case: Case
    scores: Mapping[str, float]
    not_scored: Mapping[str, NotScored]
    find_distance_m: float | None
    subject: str | None
    terrain_class: str | None
    terrain_id: str | None = None
    grid: Grid | None = None
    maps: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSummary:
    """One model over the cases.

    Attributes
    ----------
    model:
        ``rings`` or ``terrain``.
    scored:
        Cases scored.
    mean, median:
        Of the MapScores (None when no case was scored).
    share_above_zero:
        Share (0-1) of the scored cases that scored above 0 (better than chance), or None.
    not_scored:
        Cases not scored, by reason name (``no_inputs``, ``no_terrain``, ``find_outside``,
        ``model_error``).
    """

    model: str
    scored: int
    mean: float | None
    median: float | None
    share_above_zero: float | None
    not_scored: Mapping[str, int]


def model_inputs(stored: Mapping[str, Any], crs: Any) -> dict[str, Any]:
    """Stored planning inputs as the :class:`~sar_planner.probability.mission.MissionInputs`
    fields other than the IPP and model (what ``map_on_terrain`` takes as ``**inputs``).

    Parameters
    ----------
    stored:
        The stored inputs (:func:`sar_planner.logbook.mission_inputs.mission_inputs`).
    crs:
        The grid's metric CRS (pyproj), into which the barriers and tracks are projected.

    Returns
    -------
    dict
        ``subject``, ``terrain_class``, ``quartiles_m`` (the crew's own, metres, or None for the
        published table), ``uncertainty_m`` (metres), ``uncertainty_kind`` and
        ``terrain_options`` (barriers and tracks in ``crs`` metres; other settings at the
        page's defaults). No time cap (see the module docstring).
    """
    from sar_planner.probability.mission_features import grid_geometries
    from sar_planner.probability.terrain_model import TerrainOptions
    from sar_planner.subjects import Quartiles

    features = stored.get("features") or []
    q = stored.get("quartiles_km")
    return {
        "subject": stored["subject"],
        "terrain_class": stored.get("terrain_class") or "dry-mountainous",
        "quartiles_m": tuple(Quartiles.from_km(list(q)).as_tuple()) if q else None,
        "uncertainty_m": float(stored.get("uncertainty_m") or 0.0),
        "uncertainty_kind": stored.get("uncertainty_kind") or "gaussian",
        "terrain_options": TerrainOptions(
            barriers=tuple(g for _, g in grid_geometries(features, "barrier", crs)),
            tracks=tuple(g for _, g in grid_geometries(features, "track", crs))),
    }


def choose_terrain(entries: Sequence[TerrainEntry], terrain_id: str | None, lat: float,
                   lon: float, extent: Callable[[tuple[str, ...]], Extent | None] = terrain_extent
                   ) -> TerrainEntry | None:
    """The mission's stored terrain entry if the library has it, else the first entry holding
    (lat, lon) (WGS84 degrees), else None."""
    by_id = {e.id: e for e in entries}
    if terrain_id in by_id:
        return by_id[terrain_id]
    found = first_holding(entries, lat, lon, extent=extent)
    return by_id.get(found) if found else None


def _distance_m(case: Case) -> float | None:
    if case.ipp_lat is None or case.ipp_lon is None:
        return None
    _, _, d = _GEOD.inv(case.ipp_lon, case.ipp_lat, case.find_lon, case.find_lat)
    return float(d)


def _error_reason(exc: Exception) -> NotScored:
    if isinstance(exc, OutsideTerrainError):
        return NotScored("no_terrain", "casescore.reason_ipp_no_terrain", {},
                         (exc.code, dict(exc.params)))
    if isinstance(exc, SarPlannerError):
        return NotScored("model_error", "casescore.reason_model_error", {},
                         (exc.code, dict(exc.params)))
    return NotScored("model_error", "casescore.reason_model_error", {},
                     ("casescore.unexpected", {"detail": f"{type(exc).__name__}: {exc}"}))


def score_case(case: Case, entries: Sequence[TerrainEntry], models: Sequence[str] = MODELS, *,
               radius_m: float | None = None, cell_m: float | None = None,
               extent: Callable[[tuple[str, ...]], Extent | None] = terrain_extent,
               keep_maps: bool = False) -> CaseScore:
    """MapScore of each model's initial map for one case.

    Parameters
    ----------
    case:
        The case (IPP and find in WGS84 degrees).
    entries:
        The terrain library (:func:`sar_planner.terrain.library.list_library`). The mission's
        stored ``terrain_id`` is used if the library has it, else the first entry holding the IPP.
    models:
        Models to score (:data:`MODELS`).
    radius_m, cell_m:
        Fixed grid half-width and cell size (metres); None = the stored settings' (or, where
        those are None, the page's default rule,
        :func:`~sar_planner.probability.mission.default_grid`). Never derived from the find
        location.
    keep_maps:
        Keep each model's scored map in :attr:`CaseScore.maps`.
    extent:
        Extent of a terrain's files (WGS84 box); a caller may pass a cached one.

    Returns
    -------
    CaseScore
        A score per model, or the reason it was not scored: ``casescore.reason_no_inputs``,
        ``reason_no_terrain`` / ``reason_ipp_no_terrain`` (no terrain under the IPP),
        ``reason_find_outside`` (the find is
        outside the map: the model gave it only the rest of world), ``reason_model_error``.
    """
    from sar_planner.geo import to_local
    from sar_planner.probability.map_settings import check_map_settings
    from sar_planner.probability.mapscore import mapscore
    from sar_planner.probability.mission import initial_mission_map

    models = tuple(models)
    for m in models:
        if m not in MODELS:
            raise ProbabilityError("casescore.err_model", value=m, allowed=", ".join(MODELS))
    stored = case.inputs
    if case.inputs_error is not None:
        why = NotScored("unreadable_inputs", "casescore.reason_unreadable_inputs", {},
                        case.inputs_error)
        return CaseScore(case, {}, {m: why for m in models}, _distance_m(case), None, None)
    if not stored:
        why = NotScored("no_inputs", "casescore.reason_no_inputs")
        return CaseScore(case, {}, {m: why for m in models}, _distance_m(case), None, None)
    subject, tclass = stored.get("subject"), stored.get("terrain_class")
    lat, lon = float(stored["lat"]), float(stored["lon"])  # the crew's IPP (WGS84)
    dist = float(_GEOD.inv(lon, lat, case.find_lon, case.find_lat)[2])
    entry = choose_terrain(entries, stored.get("terrain_id"), lat, lon, extent)
    if entry is None:
        why = NotScored("no_terrain", "casescore.reason_no_terrain",
                        {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"})
        return CaseScore(case, {}, {m: why for m in models}, dist, subject, tclass)
    try:
        settings = check_map_settings(stored.get("settings"))
        if radius_m is not None:
            settings["radius_m"] = float(radius_m)
        if cell_m is not None:
            settings["cell_m"] = float(cell_m)
        settings = check_map_settings(settings)
    except Exception as exc:  # noqa: BLE001 - one case's failure must not stop the others; the reason is shown
        why = _error_reason(exc)
        return CaseScore(case, {}, {m: why for m in models}, dist, subject, tclass, entry.id)
    scores: dict[str, float] = {}
    not_scored: dict[str, NotScored] = {}
    maps: dict[str, Any] = {}
    grid = None
    for m in models:
        try:
            first = initial_mission_map(stored, settings, list(entry.paths), model=m)
        except Exception as exc:  # noqa: BLE001 - one case's failure must not stop the others; the reason is shown
            not_scored[m] = _error_reason(exc)
            continue
        grid = first.built.grid
        if keep_maps:
            maps[m] = first.base
        fx, fy = to_local(case.find_lat, case.find_lon, grid.crs)
        if not bool(grid.contains(float(fx), float(fy))):
            not_scored[m] = NotScored("find_outside", "casescore.reason_find_outside", {
                "km": f"{dist / 1000:.1f}", "radius": f"{first.radius_m / 1000:g}"})
            continue
        scores[m] = float(mapscore(first.base, float(fx), float(fy)))
    return CaseScore(case, scores, not_scored, dist, subject, tclass, entry.id, grid, maps)


def score_cases(cases: Iterable[Case], entries: Sequence[TerrainEntry],
                models: Sequence[str] = MODELS, *, radius_m: float | None = None,
                cell_m: float | None = None) -> list[CaseScore]:
    """:func:`score_case` for every case (each terrain's extent read once)."""
    extent = functools.lru_cache(maxsize=None)(terrain_extent)
    return [score_case(c, entries, models, radius_m=radius_m, cell_m=cell_m, extent=extent)
            for c in cases]


def summarize(results: Sequence[CaseScore], models: Sequence[str] = MODELS
              ) -> dict[str, ModelSummary]:
    """Per model: cases scored, mean, median, share above 0, and cases not scored by reason."""
    out = {}
    for m in models:
        values = [r.scores[m] for r in results if m in r.scores]
        reasons: dict[str, int] = {}
        for r in results:
            if m in r.not_scored:
                name = r.not_scored[m].reason
                reasons[name] = reasons.get(name, 0) + 1
        out[m] = ModelSummary(
            m, len(values), statistics.fmean(values) if values else None,
            float(statistics.median(values)) if values else None,
            sum(v > 0 for v in values) / len(values) if values else None, reasons)
    return out


def cases_key(cases: Iterable[Case], entries: Sequence[TerrainEntry] = ()) -> str:
    """Canonical text of the cases' content (and the terrain library's files): a cache key that
    changes whenever a case, its inputs or the library changes."""
    return json.dumps({
        "cases": [[c.incident_number, c.closed_at.isoformat() if c.closed_at else None,
                   c.outcome, c.inputs, c.ipp_lat, c.ipp_lon, c.find_lat, c.find_lon]
                  for c in cases],
        "terrain": [[e.id, list(e.paths)] for e in entries]},
        sort_keys=True, ensure_ascii=False, default=str)


def _score_text(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def case_rows(results: Sequence[CaseScore], models: Sequence[str] = MODELS,
              lang: str = "en") -> list[dict[str, Any]]:
    """The results as table rows with column names in ``lang`` (the page's table and CSV).

    Columns: incident, closed (UTC date-time), outcome, subject, find distance (km, 0.01), one
    score column per model (4 decimals; empty when not scored) and one reason column per model.
    """
    rows = []
    for r in results:
        c = r.case
        row: dict[str, Any] = {
            t("casescore.col_incident", lang): c.incident_number,
            t("casescore.col_closed", lang):
                c.closed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if c.closed_at else "",
            t("casescore.col_outcome", lang):
                t(f"logbook.ui.outcome_{c.outcome}", lang) if c.outcome else "",
            t("casescore.col_subject", lang):
                t(f"probability.subject_{r.subject}", lang) if r.subject else "",
            t("casescore.col_distance", lang):
                None if r.find_distance_m is None else round(r.find_distance_m / 1000.0, 2),
        }
        for m in models:
            row[t(f"casescore.col_score_{m}", lang)] = _score_text(r.scores.get(m))
        for m in models:
            why = r.not_scored.get(m)
            row[t(f"casescore.col_reason_{m}", lang)] = why.message(lang) if why else ""
        rows.append(row)
    return rows


def summary_rows(results: Sequence[CaseScore], models: Sequence[str] = MODELS,
                 lang: str = "en") -> list[dict[str, Any]]:
    """:func:`summarize` as table rows with column names in ``lang`` (one row per model): cases
    scored, mean and median (3 decimals), share better than chance (percent, 0.1), and the cases
    not scored as ``reason: count`` pairs."""
    rows = []
    for m, s in summarize(results, models).items():
        rows.append({
            t("casescore.sum_model", lang): t(f"casescore.model_{m}", lang),
            t("casescore.sum_scored", lang): s.scored,
            t("casescore.sum_mean", lang): None if s.mean is None else round(s.mean, 3),
            t("casescore.sum_median", lang): None if s.median is None else round(s.median, 3),
            t("casescore.sum_above_zero", lang):
                None if s.share_above_zero is None else f"{100 * s.share_above_zero:.1f} %",
            t("casescore.sum_not_scored", lang): "; ".join(
                f"{t(f'casescore.why_{k}', lang)}: {n}" for k, n in sorted(s.not_scored.items())),
        })
    return rows


def results_json(results: Sequence[CaseScore], models: Sequence[str] = MODELS,
                 closed_without_find: int | None = None) -> dict[str, Any]:
    """The results as the ``mapscore --cases`` command prints them (English reasons).

    ``{"cases": [{incident, closed_at, outcome, subject, terrain_class, terrain_id,
    find_distance_m, scores {model: value|null}, not_scored {model: message}}],
    "summary": {model: {scored, mean, median, share_above_zero, not_scored}},
    "published_mean_mapscore": {...}, "closed_without_find": N}``.
    """
    cases = []
    for r in results:
        c = r.case
        cases.append({
            "incident": c.incident_number,
            "closed_at": c.closed_at.astimezone(dt.UTC).isoformat() if c.closed_at else None,
            "outcome": c.outcome, "subject": r.subject, "terrain_class": r.terrain_class,
            "terrain_id": r.terrain_id, "find_distance_m": r.find_distance_m,
            "scores": {m: r.scores.get(m) for m in models},
            "not_scored": {m: r.not_scored[m].message("en") for m in models
                           if m in r.not_scored}})
    summary = {m: {"scored": s.scored, "mean": s.mean, "median": s.median,
                   "share_above_zero": s.share_above_zero, "not_scored": dict(s.not_scored)}
               for m, s in summarize(results, models).items()}
    out: dict[str, Any] = {"cases": cases, "summary": summary,
                           "published_mean_mapscore": {
                               "source": "Sava, Twardy, Koester & Sonwalkar 2016, Transactions in "
                                         "GIS 20(1): published figures, not this unit's",
                               **PUBLISHED_MEAN_MAPSCORE}}
    if closed_without_find is not None:
        out["closed_without_find"] = closed_without_find
    return out
