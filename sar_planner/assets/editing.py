"""Editing the unit's asset figures (the Settings page, administrators).

:func:`update_figures` changes figures and :func:`restore_figure` puts back the bundled one (drops
the unit's); both write only the unit's layer (``SAR_PLANNER_DATA_DIR/assets.toml``, created on
the first edit), atomically (a temporary file then ``os.replace``), and only after the whole
catalogue in use passes :func:`~sar_planner.assets.validation.validate_catalogue` (the loader's
checks plus the plausibility limits). A refused edit leaves the file exactly as it was. A changed
figure becomes ``by = "unit"`` with the reference the administrator gives; untouched figures keep
their source. :func:`discard_unit_catalogue` sets the unit's copy aside (kept under ``backups/``
in the data folder, never deleted) so that the bundled catalogue applies alone.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
import tomlkit.exceptions

from sar_planner.assets.catalogue import _bundled, _load, _read_toml, catalogue_path
from sar_planner.assets.layer import (
    _LAYOUT,
    UNIT_LAYER_TABLE,
    UnitLayerReport,
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
    Asset,
    Figure,
    FigureKey,
)
from sar_planner.assets.validation import (
    _WHOLE_FIELDS,
    FIGURE_LIMITS,
    _check_key,
    _check_limit,
    _EditError,
    _fields,
    _plain,
    bundled_figure,
    validate_catalogue,
)
from sar_planner.errors import PlanningError

if TYPE_CHECKING:
    from sar_planner.settings import Settings


_MAX_REF_CHARS = 300
# One edit at a time in this process (every browser session of the app is a thread of it), so
# two administrators saving at once cannot lose each other's read-modify-write.
_EDIT_LOCK = threading.RLock()
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


def unit_catalogue_path(settings: Settings | None = None) -> Path:
    """Where the unit's own copy lives (it may not exist yet): ``<data dir>/assets.toml``."""
    from sar_planner.settings import get_settings

    return (settings or get_settings()).data_dir / "assets.toml"


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
