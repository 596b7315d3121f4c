"""Detection (POD) maps kept with a mission in the logbook, so an applied sortie stays applied.

A crew uploads a POD map (a ground team's or another tool's detection map of one unsuccessful
sortie) on the Probability page. Here it is stored with the mission as the file itself (bytes,
SHA-256) and the grid it lies on, and it stays applied, for everyone, until someone removes it on
purpose. The mission's current map is never stored: it is recomputed from the inputs, the logged
sorties (:mod:`sar_planner.replay`) and the applied POD maps, in the order they were stored (their
ids), by :func:`sar_planner.mission_map.mission_map` (issue 10: the order a crew uploaded them, not
their file names).

Checks on adding a file (each refusal is a catalogue error saying what to do; nothing is stored):

- at most :data:`MAX_POD_MAP_BYTES` (64 MB);
- a readable single-band GeoTIFF, north-up square cells, in a projected CRS in metres;
- on the grid of the map it is added against (:func:`sar_planner.probability.maps.same_grid`:
  same CRS, shape and transform to 1 mm), as the page applies it (never resampled);
- every cell a finite value within [0, 1]. Cells without a value (NaN or the file's nodata) are
  REFUSED, with their count: a missing value may mean "not searched" or a broken export, and the
  planner will not guess which; the crew writes 0 where the sortie did not search (the
  conservative reading) and uploads again;
- no applied map of this mission has the same content (refused naming that file) or the same
  file name.

Removal is soft: the row keeps the file and gains who removed it, when and why; it is no longer
applied. The database itself refuses to delete or rewrite a row (migration 0004). Every add and
removal is in the audit log (entity ``mission``, actions ``add_pod_map`` and ``remove_pod_map``).
Permission: ``sortie.log``, as for saving the mission's planning inputs and map features. A closed
mission's POD maps are its record and do not change.

Grids are in the mission's metric CRS (metres); times are UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import numpy as np
from affine import Affine
from pyproj import CRS
from sqlalchemy import select
from sqlalchemy.orm import Session

from sar_planner.permissions import Actor, require
from sar_planner.errors import LogbookError, SarPlannerError
from sar_planner.grid import Grid
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.db import Database
from sar_planner.logbook.models import Mission, MissionPodMap, User
from sar_planner.logbook.times import format_local

__all__ = ["MAX_POD_MAP_BYTES", "PodMapRecord", "StoredPods", "read_pod_map", "add_pod_map", "add_pod_maps",
           "list_pod_maps", "pod_map_bytes", "pod_map_array", "remove_pod_map", "pods_on_grid",
           "grid_facts"]

#: The largest POD map file accepted, bytes (64 MB: a 2,000 x 2,000 float64 grid is 32 MB).
MAX_POD_MAP_BYTES = 64 * 1024 * 1024
_MAX_NAME = 255
_MAX_REASON = 2_000


@dataclass(frozen=True)
class PodMapRecord:
    """One stored POD map (without its bytes: :func:`pod_map_bytes`).

    Attributes
    ----------
    id, mission_id:
        Database ids.
    file_name:
        The file's name as uploaded.
    sha256:
        Hex SHA-256 of the stored bytes.
    size_bytes:
        Length of the file, bytes.
    grid:
        The grid the file lies on (its CRS, metres; transform; shape).
    added_by, added_by_name:
        User name and display name of who added it.
    added_at:
        When, UTC.
    removed_by, removed_at, removed_reason:
        Who removed it, when (UTC) and why; None while it is applied.
    """

    id: int
    mission_id: int
    file_name: str
    sha256: str
    size_bytes: int
    grid: Grid
    added_by: str
    added_by_name: str
    added_at: dt.datetime
    removed_by: str | None = None
    removed_at: dt.datetime | None = None
    removed_reason: str | None = None

    @property
    def applied(self) -> bool:
        """True while the map is applied (not removed)."""
        return self.removed_at is None


@dataclass(frozen=True)
class StoredPods:
    """A mission's applied POD maps split by the grid of the map being built.

    ``applied``: (record, POD array on the grid) in the order they were stored, the order they
    are applied;
    ``other_grid``: applied maps made on another grid, left out of this map (never resampled).
    """

    applied: tuple[tuple[PodMapRecord, np.ndarray], ...]
    other_grid: tuple[PodMapRecord, ...]

    @property
    def pods(self) -> list[np.ndarray]:
        """The POD arrays to apply, in order (``extra_pods`` of ``replay_logged``)."""
        return [pod for _, pod in self.applied]


def grid_facts(grid: Grid) -> dict[str, str]:
    """A grid in the words of the Probability page, for messages.

    Returns
    -------
    dict
        ``cells`` ("cols × rows"), ``cell`` (cell size, m), ``half_km`` (the half-width typed
        on the page, km to 0.1 km: the page grows it to whole cells on a lattice of the cell
        size, about half a cell each side, so it is taken as (cells - 1) x cell / 2),
        ``centre`` (WGS84 "lat, lon" degrees of the grid's centre) and ``crs`` (EPSG code or
        the CRS name).
    """
    from sar_planner.geo import from_local

    rows, cols = grid.shape
    a, _, c, _, e, f = tuple(grid.transform)[:6]
    cx, cy = c + a * cols / 2.0, f + e * rows / 2.0
    lat, lon = from_local(cx, cy, grid.crs)
    epsg = grid.crs.to_epsg()
    half_m = a * (min(rows, cols) - 1) / 2.0
    return {"cells": f"{cols} × {rows}", "cell": f"{a:g}",
            "half_km": f"{round(half_m / 1000.0, 1):g}",
            "centre": f"{float(lat):.5f}, {float(lon):.5f}",
            "crs": f"EPSG:{epsg}" if epsg else grid.crs.name}


def _clean_name(file_name: str) -> str:
    name = PureWindowsPath(PurePosixPath(str(file_name or "")).name).name.strip()
    if not name or len(name) > _MAX_NAME:
        raise LogbookError("logbook.err_pod_map_name", file=str(file_name)[:80], limit=_MAX_NAME)
    return name


def read_pod_map(data: bytes, file_name: str, grid: Grid | None = None
                 ) -> tuple[Grid, np.ndarray]:
    """Check a POD map file and read it: (its grid, POD per cell as float64).

    Parameters
    ----------
    data:
        The file's bytes (a single-band GeoTIFF).
    file_name:
        Named in messages.
    grid:
        The mission grid it must lie on (metres in the grid's CRS); None skips that check.

    Raises
    ------
    LogbookError
        ``logbook.err_pod_map_too_big``, ``logbook.err_pod_map_not_geotiff``,
        ``logbook.err_pod_map_bands``, ``logbook.err_pod_map_crs``,
        ``logbook.err_pod_map_other_grid``, ``logbook.err_pod_map_missing`` (cells without a
        value: refused, see the module notes) or ``logbook.err_pod_map_range``.
    ProbabilityError
        From :func:`sar_planner.probability.io.read_grid_raster`: not north-up square cells, or
        not a projected CRS.
    """
    from rasterio.errors import RasterioError
    from rasterio.io import MemoryFile

    from sar_planner.probability.io import read_grid_raster
    from sar_planner.probability.maps import same_grid

    if len(data) > MAX_POD_MAP_BYTES:
        raise LogbookError("logbook.err_pod_map_too_big", file=file_name,
                           mb=f"{len(data) / 2**20:.1f}", limit=MAX_POD_MAP_BYTES // 2**20)
    if not data:
        raise LogbookError("logbook.err_pod_map_not_geotiff", file=file_name)
    try:
        with MemoryFile(bytes(data)) as mem:
            with mem.open() as src:
                driver, bands = src.driver, src.count
            if driver != "GTiff":
                raise LogbookError("logbook.err_pod_map_not_geotiff", file=file_name)
            if bands != 1:
                raise LogbookError("logbook.err_pod_map_bands", file=file_name, n=bands)
            own, pod, _ = read_grid_raster(mem.name, display_name=file_name)
    except RasterioError:
        raise LogbookError("logbook.err_pod_map_not_geotiff", file=file_name) from None
    units = {(ax.unit_name or "").lower() for ax in own.crs.axis_info}
    if not units or not units <= {"metre", "meter", "m"}:
        raise LogbookError("logbook.err_pod_map_crs", file=file_name, crs=own.crs.name)
    if grid is not None and not same_grid(own, grid):
        theirs, ours = grid_facts(own), grid_facts(grid)
        raise LogbookError("logbook.err_pod_map_other_grid", file=file_name,
                           **{f"file_{k}": v for k, v in theirs.items()},
                           **{f"map_{k}": v for k, v in ours.items()})
    missing = int(np.count_nonzero(~np.isfinite(pod)))
    if missing:
        raise LogbookError("logbook.err_pod_map_missing", file=file_name, n=missing,
                           total=int(pod.size))
    low, high = float(pod.min()), float(pod.max())
    if low < 0.0 or high > 1.0:
        outside = int(np.count_nonzero((pod < 0.0) | (pod > 1.0)))
        raise LogbookError("logbook.err_pod_map_range", file=file_name, n=outside,
                           low=f"{low:g}", high=f"{high:g}")
    return own, pod


def _grid_of(row: MissionPodMap) -> Grid:
    return Grid(CRS.from_wkt(row.crs_wkt), Affine(*json.loads(row.transform)), (row.rows, row.cols))


def _record(row: MissionPodMap, names: dict[str, str]) -> PodMapRecord:
    return PodMapRecord(row.id, row.mission_id, row.file_name, row.sha256, row.size_bytes,
                        _grid_of(row), row.added_by, names.get(row.added_by, row.added_by),
                        row.added_at, row.removed_by, row.removed_at, row.removed_reason)


def _names(session: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(sorted(usernames))))
    return {u: d or u for u, d in rows}


def _open_mission(session: Session, mission_id: int) -> Mission:
    """The mission row, locked so that two adds to one mission run one after the other."""
    row = session.scalar(select(Mission).where(Mission.id == mission_id).with_for_update())
    if row is None:
        raise LogbookError("logbook.err_unknown_mission_id", id=mission_id)
    if row.status != "open":
        raise LogbookError("logbook.err_pod_map_closed", incident=row.incident_number)
    return row


def add_pod_map(db: Database, actor: Actor, mission_id: int, file_name: str, data: bytes,
                grid: Grid) -> PodMapRecord:
    """Check a POD map file and store it with the mission, applied from now on.

    Parameters
    ----------
    db, actor:
        The logbook and who adds it (needs ``sortie.log``).
    mission_id:
        The mission's database id.
    file_name:
        The uploaded file's name (a folder part is dropped); maps are applied in name order.
    data:
        The file's bytes, stored as they are.
    grid:
        The grid of the mission map it is added against (metres in its CRS); the file must lie
        on exactly this grid.

    Returns
    -------
    PodMapRecord
        The stored map.

    Raises
    ------
    LogbookError
        A refusal of :func:`read_pod_map`; ``logbook.err_pod_map_duplicate`` (the same content is
        already applied: names that file), ``logbook.err_pod_map_name_taken``,
        ``logbook.err_pod_map_closed``, ``logbook.err_unknown_mission_id``. Nothing is stored.
    AuthError
        When the actor may not log sorties.
    """
    require(actor, "sortie.log")
    name = _clean_name(file_name)
    data = bytes(data)
    own, _ = read_pod_map(data, name, grid)
    digest = hashlib.sha256(data).hexdigest()
    epsg = own.crs.to_epsg()
    transform = json.dumps([float(v) for v in tuple(own.transform)[:6]])

    def work(session: Session) -> PodMapRecord:
        mission = _open_mission(session, mission_id)
        applied = session.scalars(select(MissionPodMap).where(
            MissionPodMap.mission_id == mission_id, MissionPodMap.removed_at.is_(None))).all()
        for other in applied:
            if other.sha256 == digest:
                raise LogbookError("logbook.err_pod_map_duplicate", file=name,
                                   earlier=other.file_name, incident=mission.incident_number,
                                   by=other.added_by, at=format_local(other.added_at))
        for other in applied:
            if other.file_name == name:
                raise LogbookError("logbook.err_pod_map_name_taken", file=name,
                                   incident=mission.incident_number, by=other.added_by,
                                   at=format_local(other.added_at))
        row = MissionPodMap(mission_id=mission_id, file_name=name, content=data, sha256=digest,
                            size_bytes=len(data), crs_wkt=own.crs.to_wkt(), epsg=epsg,
                            transform=transform, rows=own.shape[0], cols=own.shape[1],
                            added_by=actor.username[:40], added_by_id=actor.user_id,
                            added_at=dt.datetime.now(dt.UTC))
        session.add(row)
        session.flush()
        record_audit(session, actor.username, "add_pod_map", "mission", mission_id, {
            "incident_number": mission.incident_number, "pod_map_id": row.id,
            "file_name": name, "sha256": digest, "size_bytes": len(data),
            "grid": {"crs_epsg": epsg, "transform": json.loads(transform),
                     "shape": [own.shape[0], own.shape[1]]}})
        return _record(row, _names(session, {row.added_by}))

    return db.write(work)


def add_pod_maps(db: Database, actor: Actor, mission_id: int,
                 files: Sequence[tuple[str, bytes]], grid: Grid
                 ) -> tuple[list[PodMapRecord], list[SarPlannerError]]:
    """Store several uploaded POD maps (the Probability page's uploader), each on its own.

    Each file is checked and stored by :func:`add_pod_map` in file-name order; a refused file
    does not stop the others. Call it once per upload (the page then clears its uploader), so a
    rerun of the page never stores a file twice (and a second try would be refused as the same
    content anyway).

    Returns
    -------
    (list of PodMapRecord, list of SarPlannerError)
        The maps stored, and the refusals (each names its file and what to do).
    """
    stored: list[PodMapRecord] = []
    refused: list[SarPlannerError] = []
    for name, data in sorted(files, key=lambda f: str(f[0])):
        try:
            stored.append(add_pod_map(db, actor, mission_id, name, data, grid))
        except SarPlannerError as exc:
            refused.append(exc)
    return stored, refused


def list_pod_maps(db: Database, mission_id: int, *, include_removed: bool = False
                  ) -> list[PodMapRecord]:
    """A mission's POD maps: the applied ones in the order they were stored (the order they are
    applied).

    With ``include_removed``, the removed ones follow, in the order they were added.

    Raises
    ------
    LogbookError
        ``logbook.err_unknown_mission_id``.
    """
    with db.read() as session:
        if session.get(Mission, mission_id) is None:
            raise LogbookError("logbook.err_unknown_mission_id", id=mission_id)
        stmt = select(MissionPodMap).where(MissionPodMap.mission_id == mission_id)
        if not include_removed:
            stmt = stmt.where(MissionPodMap.removed_at.is_(None))
        rows = list(session.scalars(stmt.order_by(MissionPodMap.id)))
        names = _names(session, {r.added_by for r in rows})
        records = [_record(r, names) for r in rows]
    applied = [r for r in records if r.applied]  # rows are read in id order: stored order
    return applied + [r for r in records if not r.applied]


def pod_map_bytes(db: Database, map_id: int) -> bytes:
    """The stored file of a POD map, byte for byte as uploaded.

    Raises
    ------
    LogbookError
        ``logbook.err_pod_map_unknown``.
    """
    with db.read() as session:
        content = session.scalar(select(MissionPodMap.content).where(MissionPodMap.id == map_id))
    if content is None:
        raise LogbookError("logbook.err_pod_map_unknown", id=map_id)
    return bytes(content)


def pod_map_array(db: Database, record: PodMapRecord) -> np.ndarray:
    """The POD per cell of a stored map, on its own grid (``record.grid``), float64 in [0, 1]."""
    _, pod = read_pod_map(pod_map_bytes(db, record.id), record.file_name, record.grid)
    return pod


def remove_pod_map(db: Database, actor: Actor, map_id: int, reason: str = "") -> PodMapRecord:
    """Stop applying a POD map; the row and its file stay in the record (soft removal).

    Parameters
    ----------
    db, actor:
        The logbook and who removes it (needs ``sortie.log``).
    map_id:
        The stored map's id (:attr:`PodMapRecord.id`).
    reason:
        Why, free text (kept with the row and in the audit log).

    Returns
    -------
    PodMapRecord
        The map as now stored (``removed_by``/``removed_at`` set).

    Raises
    ------
    LogbookError
        ``logbook.err_pod_map_unknown``, ``logbook.err_pod_map_removed`` (removed already: by
        whom and when), ``logbook.err_pod_map_closed``.
    """
    require(actor, "sortie.log")
    reason = str(reason or "").strip()[:_MAX_REASON]

    def work(session: Session) -> PodMapRecord:
        mission_id = session.scalar(select(MissionPodMap.mission_id)
                                    .where(MissionPodMap.id == map_id))
        if mission_id is None:
            raise LogbookError("logbook.err_pod_map_unknown", id=map_id)
        mission = _open_mission(session, mission_id)  # the same lock as an add
        row = session.get(MissionPodMap, map_id, populate_existing=True)
        assert row is not None  # noqa: S101 - read just above in this transaction
        if row.removed_at is not None:
            raise LogbookError("logbook.err_pod_map_removed", file=row.file_name,
                               by=row.removed_by, at=format_local(row.removed_at))
        row.removed_by = actor.username[:40]
        row.removed_at = dt.datetime.now(dt.UTC)
        row.removed_reason = reason or None
        record_audit(session, actor.username, "remove_pod_map", "mission", mission_id, {
            "incident_number": mission.incident_number, "pod_map_id": row.id,
            "file_name": row.file_name, "sha256": row.sha256, "reason": reason})
        session.flush()
        return _record(row, _names(session, {row.added_by}))

    return db.write(work)


def pods_on_grid(db: Database, mission_id: int, grid: Grid, *,
                 array_of: Callable[[PodMapRecord], np.ndarray] | None = None,
                 records: Sequence[PodMapRecord] | None = None) -> StoredPods:
    """The mission's applied POD maps that lie on ``grid``, in stored order, and the others.

    Parameters
    ----------
    db, mission_id:
        The logbook and the mission.
    grid:
        The grid of the map being built (metres in its CRS).
    array_of:
        Reads a record's POD array (default :func:`pod_map_array`); the page passes a cached one.
    records:
        The applied records when the caller has listed them already (default: listed here).

    Returns
    -------
    StoredPods
        ``applied`` (record, POD) pairs to apply in this order, and ``other_grid`` records left
        out of this map because they were made on another grid (never resampled).
    """
    from sar_planner.probability.maps import same_grid

    array_of = array_of or (lambda r: pod_map_array(db, r))
    if records is None:
        records = list_pod_maps(db, mission_id)
    applied: list[tuple[PodMapRecord, np.ndarray]] = []
    other: list[PodMapRecord] = []
    for rec in sorted((r for r in records if r.applied), key=lambda r: r.id):
        if same_grid(rec.grid, grid):
            applied.append((rec, array_of(rec)))
        else:
            other.append(rec)
    return StoredPods(tuple(applied), tuple(other))
