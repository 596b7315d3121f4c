"""A mission's planning inputs stored as facts in the logbook (the ``mission.planning_inputs`` column).

The Mission page saves what the crew typed (datum, IPP text, uncertainty, subject category, age,
own quartiles or none, terrain class, model, terrain entry, time last seen, speed, notes); the
probability map is always recomputed from these inputs and the sorties logged against the
mission, never stored.

The stored value is a versioned dict (:data:`INPUTS_VERSION`) with a ``revision`` counter that
grows by one on each save. Version 2 added ``features``: the barriers, tracks, search segments
and consensus regions drawn on the probability map or imported, as checked WGS84 GeoJSON
(:mod:`sar_planner.probability.mission_features`). A version-1 dict (saved before features
existed) is still read, as a mission with no features; the version was raised so that an older
planner refuses a mission with features instead of saving over them without them. Version 3 added
``settings``, every map setting (:mod:`sar_planner.probability.map_settings`), and made ``model``
always set; versions 1 and 2 are upgraded by migration 0005 and, read before it ran, upgraded on
reading alike (the page's defaults of then written out). A save names the revision it was based on:
when someone else saved in
between, the save is refused (no silent overwrite). Every save writes an audit row with the
values before and after, so no earlier value is ever lost.

Coordinates: ``lat``/``lon`` are WGS84 degrees, computed from ``ipp_text`` in ``datum``; the
mission row's ``ipp_lat``/``ipp_lon`` (WGS84) and ``ipp_time`` follow the inputs. Times are
ISO 8601 strings in UTC. Distances are metres except the published-table quartiles (kilometres,
as the table gives them) and the speed (km/h, as crews say it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sar_planner.permissions import Actor, require
from sar_planner.errors import LogbookError
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import Mission, Sortie

__all__ = ["INPUTS_VERSION", "READABLE_VERSIONS", "DATUMS", "UNCERTAINTY_KINDS", "MODELS",
           "FieldLabel", "check_mission_inputs", "save_mission_inputs", "save_mission_features",
           "mission_inputs", "mission_id_for", "mission_sorties_flown", "save_mission_settings",
           "mission_inputs_at", "upgraded_inputs"]

#: Format version of the stored dict written now (2: with ``features``; 3: with ``settings``).
INPUTS_VERSION = 3
#: Versions read; a stored dict of another version is refused on reading.
READABLE_VERSIONS: tuple[int, ...] = (1, 2, 3)
#: Datums the IPP may be typed in (see :mod:`sar_planner.geo`).
DATUMS: tuple[str, ...] = ("WGS84", "CGCS2000", "GCJ02", "BD09")
#: Shapes of the IPP uncertainty.
UNCERTAINTY_KINDS: tuple[str, ...] = ("gaussian", "disc")
#: Probability models the crew may choose.
MODELS: tuple[str, ...] = ("rings", "terrain")
_MAX_UNCERTAINTY_M = 200_000.0
_MAX_SPEED_KMH = 200.0
_MAX_AGE = 120
_MAX_NOTES = 20_000


#: The Mission page's label of each input (catalogue key), so a message names the field as the
#: crew sees it on the form, in their language.
_FIELD_LABELS = {
    "ipp_text": "probability.mission.ipp", "datum": "probability.mission.datum",
    "uncertainty_m": "probability.mission.uncertainty",
    "uncertainty_kind": "probability.mission.uncertainty_kind",
    "subject": "probability.mission.subject", "terrain_class": "probability.mission.terrain_class",
    "quartiles_km": "probability.mission.own_quartiles", "age": "probability.mission.age",
    "speed_kmh": "probability.mission.speed", "notes": "probability.mission.notes",
    "seen_at": "probability.mission.seen_date", "model": "probability.ui.model",
    "terrain_id": "probability.ui.terrain", "features": "logbook.inputs_ui.features_field",
}


class FieldLabel(str):
    """An input's internal key (the string itself) that formats as the form's label.

    Messages write the field as ``{field:en}`` / ``{field:zh}``: the format spec names the
    language, so the same error reads "Position uncertainty radius (m)" in English and the
    Chinese form label in Chinese, and the internal key (``uncertainty_m``) never reaches a crew.
    """

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        from sar_planner.i18n import LANGUAGES, t

        key = _FIELD_LABELS.get(str(self))
        if key is None or spec not in LANGUAGES:
            return str(self)
        return f"“{t(key, spec)}”" if spec == "zh" else f"'{t(key, spec)}'"


def _choice(data: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: Any = ...) -> Any:
    value = data.get(name, default)
    if value is ...:
        raise LogbookError("logbook.err_inputs_missing", field=FieldLabel(name))
    if value is None and default is None:
        return None
    if value not in allowed:
        raise LogbookError("logbook.err_inputs_choice", field=FieldLabel(name), value=value,
                           allowed=", ".join(allowed))
    return value


def _number(data: Mapping[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = data.get(name, default)
    if value is None:
        value = default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and low <= number <= high):
        raise LogbookError("logbook.err_inputs_number", field=FieldLabel(name), value=value,
                           low=f"{low:g}",
                           high=f"{high:g}")
    return number


def _text(data: Mapping[str, Any], name: str, limit: int, required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LogbookError("logbook.err_inputs_text", field=FieldLabel(name))
    value = value.strip()
    if required and not value:
        raise LogbookError("logbook.err_inputs_missing", field=FieldLabel(name))
    if len(value) > limit:
        raise LogbookError("logbook.err_inputs_long", field=FieldLabel(name), limit=limit)
    return value


def _seen_at(value: Any) -> str | None:
    if value is None or value == "":
        return None
    when = value
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            raise LogbookError("logbook.err_inputs_seen", value=value) from None
    if not isinstance(when, dt.datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise LogbookError("logbook.err_inputs_seen", value=value)
    return when.astimezone(dt.UTC).isoformat()


def check_mission_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs checked and normalised to the stored form (without ``revision``).

    Parameters
    ----------
    inputs:
        ``ipp_text`` (required) and ``datum`` (one of :data:`DATUMS`); ``uncertainty_m``
        (metres, >= 0) and ``uncertainty_kind`` (:data:`UNCERTAINTY_KINDS`); ``subject`` (a
        category key of :mod:`sar_planner.subjects`, required); ``age`` (years, 0 = unknown);
        ``quartiles_km`` (four increasing distances in km, or None for the published table);
        ``terrain_class`` (:data:`~sar_planner.subjects.TERRAIN_CLASSES`); ``model``
        (:data:`MODELS` or None); ``terrain_id`` (terrain library entry id or None); ``seen_at``
        (timezone-aware datetime or ISO 8601 string, or None); ``speed_kmh`` (km/h, >= 0);
        ``notes`` (free text); ``features`` (the mission's map features, see
        :func:`sar_planner.probability.mission_features.check_features`; none when absent);
        ``settings`` (the map settings, :func:`sar_planner.probability.map_settings.check_map_settings`;
        the defaults when absent).

    Returns
    -------
    dict
        The stored form: the same fields with ``lat``/``lon`` (WGS84 degrees, from the IPP text
        in its datum), ``seen_at`` as an ISO 8601 UTC string and ``version``.

    Raises
    ------
    LogbookError
        The first field that is missing or wrong, with what to do.
    CoordinateError
        When the IPP text is not a position (from :func:`sar_planner.geo.parse_latlon`).
    ProbabilityError
        When the own quartiles are not four increasing positive distances, or a map feature
        breaks a rule (named, with what to do).
    """
    from sar_planner.geo import parse_latlon, to_wgs84
    from sar_planner.probability.map_settings import check_map_settings
    from sar_planner.probability.mission_features import check_features
    from sar_planner.subjects import TERRAIN_CLASSES, Quartiles, categories

    if not isinstance(inputs, Mapping):
        raise LogbookError("logbook.err_inputs_missing", field=FieldLabel("ipp_text"))
    datum = _choice(inputs, "datum", DATUMS, "WGS84")
    ipp_text = _text(inputs, "ipp_text", 200, required=True)
    point = to_wgs84(parse_latlon(ipp_text, datum=datum))
    quartiles = inputs.get("quartiles_km")
    if quartiles is not None:
        if isinstance(quartiles, (str, bytes)) or not hasattr(quartiles, "__len__"):
            raise LogbookError("logbook.err_inputs_quartiles", value=quartiles)
        Quartiles.from_km(list(quartiles))  # four increasing positive distances, or the reason
        quartiles = [float(q) for q in quartiles]
    age = _number(inputs, "age", 0, _MAX_AGE, 0)
    if age != int(age):
        raise LogbookError("logbook.err_inputs_number", field=FieldLabel("age"),
                           value=inputs.get("age"),
                           low="0", high=str(_MAX_AGE))
    terrain_id = inputs.get("terrain_id")
    if terrain_id is not None and (not isinstance(terrain_id, str) or not terrain_id.strip()):
        raise LogbookError("logbook.err_inputs_text", field=FieldLabel("terrain_id"))
    return {
        "version": INPUTS_VERSION,
        "ipp_text": ipp_text,
        "datum": datum,
        "lat": float(point.lat),
        "lon": float(point.lon),
        "uncertainty_m": _number(inputs, "uncertainty_m", 0.0, _MAX_UNCERTAINTY_M, 0.0),
        "uncertainty_kind": _choice(inputs, "uncertainty_kind", UNCERTAINTY_KINDS, "gaussian"),
        "subject": _choice(inputs, "subject", tuple(c.key for c in categories())),
        "age": int(age),
        "quartiles_km": quartiles,
        "terrain_class": _choice(inputs, "terrain_class", tuple(TERRAIN_CLASSES), TERRAIN_CLASSES[0]),
        "model": _choice(inputs, "model", MODELS, None) or "rings",
        "terrain_id": terrain_id.strip() if terrain_id else None,
        "seen_at": _seen_at(inputs.get("seen_at")),
        "speed_kmh": _number(inputs, "speed_kmh", 0.0, _MAX_SPEED_KMH, 0.0),
        "notes": _text(inputs, "notes", _MAX_NOTES),
        "features": check_features(inputs.get("features")),
        "settings": check_map_settings(inputs.get("settings")),
    }


def upgraded_inputs(value: Mapping[str, Any]) -> dict[str, Any]:
    """A stored version-1 or -2 dict in the current shape (as migration 0005 writes it): no
    features for version 1, ``model`` "rings" when it was None, and the map settings at the
    defaults the page used then (:data:`sar_planner.probability.map_settings.DEFAULTS`)."""
    from sar_planner.probability.map_settings import DEFAULTS

    out = dict(value)
    out.setdefault("features", [])
    if out.get("version") in (1, 2):
        out["model"] = out.get("model") or "rings"
        out["settings"] = dict(DEFAULTS)
        out["version"] = INPUTS_VERSION
    return out


def _stored(row: Mission) -> dict[str, Any] | None:
    """The stored inputs in the current shape (an earlier version is upgraded on reading)."""
    return _readable(row.planning_inputs, row.incident_number)


def _readable(value: Any, incident: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("version") not in READABLE_VERSIONS:
        raise LogbookError("logbook.err_inputs_version", incident=incident,
                           version=value.get("version") if isinstance(value, dict) else "?")
    return upgraded_inputs(value)


def save_mission_inputs(db: Database, actor: Actor, mission_id: int, inputs: Mapping[str, Any], *,
                        base_revision: int | None = None) -> dict[str, Any]:
    """Check and store a mission's planning inputs; returns what was stored.

    Parameters
    ----------
    db, actor:
        The logbook and who saves (needs ``sortie.log``, as opening a mission).
    mission_id:
        The mission's database id (:func:`mission_id_for`).
    inputs:
        See :func:`check_mission_inputs`. Without a ``features`` key the stored features are
        kept (a form that does not show them cannot drop them).
    base_revision:
        The ``revision`` of the stored inputs the crew started from (None when the mission had
        none). A save based on an older revision is refused, so nobody's change is lost.

    Returns
    -------
    dict
        The stored inputs, with ``revision`` (1 for the first save). The mission's IPP
        (``ipp_lat``/``ipp_lon``, WGS84) and ``ipp_time`` (the time last seen) follow.

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission_id``, ``logbook.err_inputs_closed`` (a closed mission's
        inputs are the record), ``logbook.err_inputs_changed`` (someone saved in between), or a
        field error from :func:`check_mission_inputs`.
    """
    require(actor, "sortie.log")
    new = check_mission_inputs(inputs)
    keep_features = isinstance(inputs, Mapping) and "features" not in inputs
    keep_settings = isinstance(inputs, Mapping) and "settings" not in inputs

    def work(session: Session) -> dict[str, Any]:
        row, old = _locked(session, mission_id, base_revision)
        after = dict(new, revision=(old["revision"] if old else 0) + 1)
        if keep_features:  # a save of the other inputs never drops the map features
            after["features"] = old["features"] if old else []
        if keep_settings and old:  # nor the map settings
            after["settings"] = old["settings"]
        _write(session, actor, row, after)
        return after

    return db.write(work)


def _locked(session: Session, mission_id: int, base_revision: int | None
            ) -> tuple[Mission, dict[str, Any] | None]:
    """The mission row (locked for the save) and its stored inputs, after the checks every save
    makes: the mission exists and is open, and nobody saved since ``base_revision``."""
    row = session.scalar(select(Mission).where(Mission.id == mission_id).with_for_update())
    if row is None:
        raise LogbookError("logbook.err_unknown_mission_id", id=mission_id)
    if row.status != "open":
        raise LogbookError("logbook.err_inputs_closed", incident=row.incident_number)
    old = _stored(row)
    stored_revision = old["revision"] if old else None
    if stored_revision != base_revision:
        raise LogbookError("logbook.err_inputs_changed", incident=row.incident_number,
                           stored=stored_revision or 0, yours=base_revision or 0)
    return row, old


def _write(session: Session, actor: Actor, row: Mission, after: dict[str, Any]) -> None:
    """Store ``after`` as the mission's inputs, move its IPP, and audit old and new."""
    ipp_time = dt.datetime.fromisoformat(after["seen_at"]) if after["seen_at"] else None
    record_audit(session, actor.username, "set_inputs", "mission", row.id, {
        "incident_number": row.incident_number, "before": row.planning_inputs, "after": after,
        "ipp_before": [row.ipp_lat, row.ipp_lon, row.ipp_time],
        "ipp_after": [after["lat"], after["lon"], ipp_time]})
    row.planning_inputs = after
    row.ipp_lat, row.ipp_lon, row.ipp_time = after["lat"], after["lon"], ipp_time


def save_mission_features(db: Database, actor: Actor, mission_id: int,
                          features: Sequence[Mapping[str, Any]], *,
                          base_revision: int | None) -> dict[str, Any]:
    """Store a mission's map features, keeping every other stored input as it is.

    Parameters
    ----------
    db, actor:
        The logbook and who saves (needs ``sortie.log``).
    mission_id:
        The mission's database id.
    features:
        The whole new list of features (stored dicts, WGS84 GeoJSON; see
        :mod:`sar_planner.probability.mission_features`).
    base_revision:
        The ``revision`` the crew's page holds; a save on an older one is refused.

    Returns
    -------
    dict
        The stored inputs (next ``revision``, :data:`INPUTS_VERSION`), audited like any save.

    Raises
    ------
    LogbookError
        ``logbook.err_features_no_inputs`` when the mission has no inputs yet (save them on the
        Mission page first), and the refusals of :func:`save_mission_inputs`.
    ProbabilityError
        A feature that breaks a rule (nothing is saved).
    """
    from sar_planner.probability.mission_features import check_features

    require(actor, "sortie.log")
    checked = check_features(features)

    def work(session: Session) -> dict[str, Any]:
        row, old = _locked(session, mission_id, base_revision)
        if old is None:
            raise LogbookError("logbook.err_features_no_inputs", incident=row.incident_number)
        kept = {k: v for k, v in old.items() if k not in ("revision", "version", "features")}
        after = dict(check_mission_inputs(kept), features=checked, revision=old["revision"] + 1)
        _write(session, actor, row, after)
        return after

    return db.write(work)


def mission_inputs(db: Database, mission_id: int) -> dict[str, Any] | None:
    """The stored planning inputs of a mission (see :func:`save_mission_inputs`), or None.

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission_id`` or ``logbook.err_inputs_version``.
    """
    with db.read() as session:
        row = session.get(Mission, mission_id)
        if row is None:
            raise LogbookError("logbook.err_unknown_mission_id", id=mission_id)
        return _stored(row)


def mission_id_for(db: Database, incident_number: str) -> int:
    """The database id of the mission with this incident number.

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission`` when there is none.
    """
    with db.read() as session:
        found = session.scalar(select(Mission.id).where(Mission.incident_number == incident_number.strip()))
    if found is None:
        raise LogbookError("logbook.err_unknown_mission", incident=incident_number)
    return int(found)


def mission_sorties_flown(db: Database, mission_id: int) -> list[Any]:
    """The sorties logged against a mission that carry a flown track, in takeoff order.

    Every review state counts (a draft sortie was still flown). Returns
    :class:`~sar_planner.logbook.records.SortieRecord` (current versions); takeoff ties are
    ordered by sortie number.
    """
    from sar_planner.logbook.records import get_sortie

    with db.read() as session:
        ids = list(session.scalars(select(Sortie.id).where(Sortie.mission_id == mission_id)
                                   .order_by(Sortie.takeoff_at, Sortie.number)))
    records = [get_sortie(db, i) for i in ids]
    return [r for r in records if r.track]


def save_mission_settings(db: Database, actor: Actor, mission_id: int,
                          changes: Mapping[str, Any], *, base_revision: int | None
                          ) -> dict[str, Any]:
    """Change some of a mission's map settings (and ``model``), keeping every other input.

    Parameters
    ----------
    db, actor:
        The logbook and who saves (needs ``sortie.log``).
    mission_id:
        The mission's database id.
    changes:
        Setting name -> new value (:data:`sar_planner.probability.map_settings.SETTING_KEYS`,
        and ``model``); values as typed (text) or typed values, checked here.
    base_revision:
        The ``revision`` the caller holds; a save on an older one is refused.

    Returns
    -------
    dict
        The stored inputs (next ``revision``), audited (``set_inputs``, before and after).

    Raises
    ------
    LogbookError
        ``logbook.err_features_no_inputs`` when the mission has no inputs yet, and the
        refusals of :func:`save_mission_inputs`.
    ProbabilityError
        An unknown setting or a value out of range (names the allowed ones); nothing is saved.
    """
    from sar_planner.probability.map_settings import MODELS as MAP_MODELS
    from sar_planner.probability.map_settings import check_map_settings

    require(actor, "sortie.log")
    changes = dict(changes)
    model = changes.pop("model", None)
    if model is not None and model not in MAP_MODELS:
        raise LogbookError("logbook.err_inputs_choice", field=FieldLabel("model"), value=model,
                           allowed=", ".join(MAP_MODELS))
    check_map_settings(changes)  # names and values, before anything is read or written

    def work(session: Session) -> dict[str, Any]:
        row, old = _locked(session, mission_id, base_revision)
        if old is None:
            raise LogbookError("logbook.err_features_no_inputs", incident=row.incident_number)
        kept = {k: v for k, v in old.items() if k not in ("revision", "version")}
        kept["settings"] = dict(old["settings"], **changes)
        if model is not None:
            kept["model"] = model
        after = dict(check_mission_inputs(kept), revision=old["revision"] + 1)
        _write(session, actor, row, after)
        return after

    return db.write(work)


def mission_inputs_at(db: Database, mission_id: int, at: dt.datetime) -> dict[str, Any] | None:
    """A mission's planning inputs as they stood at ``at`` (timezone-aware): the ``after`` of the
    last audited save (``set_inputs`` or migration 0005's ``upgrade_inputs``) at or before it,
    in the current shape; None when none had been saved by then.

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission_id``, ``logbook.err_inputs_version``, or
        ``logbook.err_mission_at_before`` when ``at`` is before the mission was opened.
    """
    from sar_planner.logbook.models import AuditEntry

    if at.tzinfo is None or at.utcoffset() is None:
        raise LogbookError("logbook.err_inputs_seen", value=at.isoformat())
    with db.read() as session:
        row = session.get(Mission, mission_id)
        if row is None:
            raise LogbookError("logbook.err_unknown_mission_id", id=mission_id)
        created = row.opened_at if row.opened_at.tzinfo else row.opened_at.replace(tzinfo=dt.UTC)
        if at < created:
            raise LogbookError("logbook.err_mission_at_before", incident=row.incident_number,
                               at=at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                               opened=created.astimezone(dt.UTC).isoformat(timespec="seconds"))
        entries = list(session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "mission",
                                     AuditEntry.entity_id == mission_id,
                                     AuditEntry.action.in_(("set_inputs", "upgrade_inputs")))
            .order_by(AuditEntry.id)))
        incident = row.incident_number
    found = None
    for e in entries:
        when = e.at if e.at.tzinfo else e.at.replace(tzinfo=dt.UTC)
        if when <= at:
            found = e.details.get("after")
    return _readable(found, incident)
