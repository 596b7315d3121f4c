"""Probability page: the POA map over the terrain, segments and their table, a second model side by
side, downloads (GeoTIFF, PNG), and the mission's map features (barriers, tracks, search segments,
consensus regions) drawn on the map or imported from files.

Thin: the map settings are stored facts of the mission (:mod:`sar_planner.probability.map_settings`,
saved with a logbook mission's inputs when the crew presses "Build the map", audited; the widgets
start from the stored values and follow a change saved by another crew), and the map is made by
the core from the stored facts only: :func:`sar_planner.probability.mission.initial_mission_map`
(cached by those facts) and :func:`sar_planner.mission_map.mission_map` (logged sorties, then the
POD maps in the order they were stored, then the segments), the same functions the command line
(``sar-planner mission map``) and case scoring call. It draws with
:mod:`sar_planner.ui.figures_probability`. The features are facts of the mission
(:mod:`sar_planner.probability.mission_features`), saved with a logbook mission's inputs
(:func:`sar_planner.logbook.mission_inputs.save_mission_features`) and used by the map as saved.

POD maps uploaded under "Sorties flown" for a logbook mission are stored with it at once
(:mod:`sar_planner.logbook.pod_maps`) and applied from the logbook, after the logged sorties, in
the order they were stored, until removed; a stored map on another grid is named with the grid it needs and
left out. For a mission only in the session they stay in the uploader (not saved, said so).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from sar_planner.display import metres, whole_percent
from sar_planner.errors import ProbabilityError, SarPlannerError
from sar_planner.geo import from_local, parse_latlon, to_local, to_wgs84
from sar_planner.probability import (ROW_KEY, Region, default_grid, mapscore,
                                     mattson, poa_geotiff_bytes, read_pod_bytes,
                                     segment_table)
from sar_planner.probability.features import AREA_EXTENSIONS
from sar_planner.logbook.mission_facts import flown_sorties
from sar_planner.probability.logged import FlownSortie, sortie_pod
from sar_planner.probability.mission_features import (KINDS, Added, add_feature, add_features,
                                                      feature_collection,
                                                      features_from_file, features_of, grid_geometries,
                                                      measure, new_feature, remove_feature,
                                                      rename_feature, to_grid, unique_name)
from sar_planner.logbook.mission_inputs import (mission_inputs, save_mission_features,
                                                save_mission_inputs, save_mission_settings)
from sar_planner.mission_map import mission_map
from sar_planner.probability.map_settings import DEFAULTS as MAP_DEFAULTS
from sar_planner.probability.map_settings import MODELS as MAP_MODELS
from sar_planner.probability.map_settings import (SEGMENT_RULES, UPHILL_SHARE_ON,
                                                  check_map_settings, default_equal_points)
from sar_planner.probability.mission import initial_mission_map
from sar_planner.logbook.pod_maps import (StoredPods, add_pod_maps, grid_facts, list_pod_maps,
                                          pod_map_array, pod_map_bytes, pods_on_grid,
                                          remove_pod_map)
from sar_planner.subjects import Quartiles, quartiles_for
from sar_planner.terrain.library import list_library
from sar_planner.i18n import t
from sar_planner.ui.common import app_settings, error_boundary, lang, show_error, tr
from sar_planner.ui.figures_probability import poa_figure, poa_png
from sar_planner.ui.map_layers import base_layers_for
from sar_planner.ui.map_select import (append_vertex, selection_click, selection_path,
                                       selection_point, selection_ring)
from sar_planner.ui.mission_state import clear as clear_handover
from sar_planner.ui.mission_state import publish as publish_handover
from sar_planner.ui.mission_state import session_from_stored, stored_from_session
from sar_planner.ui.session import database, require_page
from sar_planner.terrain.choice import terrain_reach_km
from sar_planner.ui.terrain_choice import extent, first_holding
from sar_planner.ui.widget_memory import keep_values, kept

_LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # station time, as the mission page's date and time
_AREA_TYPES = [e.lstrip(".") for e in AREA_EXTENSIONS]
#: What a click or drag on the main map does: pick the IPP, or draw a feature of a kind.
_DRAW_MODES = ("ipp", "barrier_area", "barrier_line", "track", "segment", "region")
_MODE_KIND = {"barrier_area": "barrier", "barrier_line": "barrier", "track": "track",
              "segment": "segment", "region": "region"}
_LINE_MODES = ("barrier_line", "track")
_PENDING_KEY = "poa_pending"  # {"mode": ..., "lonlat": [[lon, lat], ...]} (WGS84), not yet added
_BUILT_KEY = "poa_built_features"  # the barriers, tracks and regions as at the last build
_FLASH_KEY = "poa_features_flash"  # a message to show after the rerun that follows a change
_MODEL_KINDS = ("barrier", "track", "region")  # features that change the map (need a rebuild)
#: The settings kept over a visit to another page (Streamlit forgets widgets it does not draw).
_KEPT = ("poa_terrain", "poa_model", "poa_compare", "poa_radius", "poa_cell", "poa_max_slope",
         "poa_drainage", "poa_use_uphill", "poa_uphill", "poa_track_w", "poa_track_f",
         "poa_seg_mode", "poa_seg_km", "poa_blend", "poa_draw_mode")


@st.cache_resource(show_spinner=False, max_entries=64)
def _sortie_pod(crs_wkt: str, transform: tuple, shape: tuple, number: int, takeoff: str,
                track_json: str, plan_json: str, terrain_id: str, _elevation=None,
                asset_id: str | None = None):
    """:func:`sortie_pod` cached by the grid, the terrain and the sortie's stored facts (a rerun is
    instant); ``_elevation`` (the map's terrain on the grid, for terrain masking) is not hashed:
    ``terrain_id`` with the grid names it."""
    from affine import Affine
    from pyproj import CRS

    from sar_planner.grid import Grid

    grid = Grid(CRS.from_wkt(crs_wkt), Affine(*transform), shape)
    sortie = FlownSortie(number, dt.datetime.fromisoformat(takeoff), json.loads(track_json),
                         json.loads(plan_json), asset_id)
    return sortie_pod(sortie, grid, _asset_width, elevation=_elevation)


def _cached_pod(grid, elevation, terrain_id: str):
    def pod_of(s: FlownSortie):
        return _sortie_pod(grid.crs.to_wkt(), tuple(grid.transform)[:6], tuple(grid.shape),
                           s.number, s.takeoff_at.isoformat(), json.dumps(s.track, sort_keys=True),
                           json.dumps(s.plan, sort_keys=True), terrain_id, elevation,
                           asset_id=s.asset_id)
    return pod_of


def _asset_width(asset_id: str) -> float | None:
    """The catalogue's sweep-width override of an aircraft (metres), or None."""
    from sar_planner.assets import get_asset

    try:
        return get_asset(asset_id).sweep_width_override_m
    except Exception:  # noqa: BLE001 - an unknown or unreadable asset simply gives no width
        return None


def _labels() -> dict[str, str]:
    return {k: tr(f"probability.ui.{k}") for k in ("easting", "northing", "density", "poa", "ipp")}


def _features(mission) -> list[dict]:
    """The mission's map features (stored dicts, WGS84 GeoJSON)."""
    return [dict(f) for f in mission.get("features") or []]


def _store_features(mission, features: list[dict]) -> None:
    """Keep the mission's new feature list: saved with a logbook mission's inputs (the stale-save
    check refuses a save based on an older version; nothing saved is lost), else in the session."""
    if mission.get("mission_id") is not None:
        stored = save_mission_features(database(), signed.actor, int(mission["mission_id"]),
                                       features, base_revision=mission.get("revision"))
        st.session_state["mission"] = session_from_stored(stored, mission["incident_number"],
                                                          int(mission["mission_id"]))
        st.session_state["mission_pick"] = {"incident_number": mission["incident_number"],
                                            "mission_id": int(mission["mission_id"]),
                                            "revision": stored["revision"]}
    else:
        st.session_state["mission"] = dict(mission, features=features)


def _save_terrain(mission, terrain_id: str) -> dict:
    """Save ``terrain_id`` with a logbook mission's inputs when it changed (the stale-save check
    refuses a save based on an older version: said on the page, nothing is lost, the map is built
    all the same); returns the session's mission as it is now."""
    if mission.get("mission_id") is None or mission.get("terrain_id") == terrain_id:
        return mission
    try:
        stored_now = mission_inputs(database(), int(mission["mission_id"]))
        if stored_now is not None and stored_now.get("terrain_id") == terrain_id:
            return mission  # already saved (from another session): nothing to save, no alarm
        stored = save_mission_inputs(database(), signed.actor, int(mission["mission_id"]),
                                     stored_from_session(dict(mission, terrain_id=terrain_id)),
                                     base_revision=mission.get("revision"))
    except SarPlannerError as exc:
        show_error(exc)
        st.warning(tr("probability.ui.terrain_not_saved", terrain=names.get(terrain_id, terrain_id),
                      incident=mission.get("incident_number", "")), icon=":material/warning:")
        return mission
    now = session_from_stored(stored, mission["incident_number"], int(mission["mission_id"]))
    st.session_state["mission"] = now
    st.session_state["mission_pick"] = {"incident_number": mission["incident_number"],
                                        "mission_id": int(mission["mission_id"]),
                                        "revision": stored["revision"]}
    st.caption(tr("probability.ui.terrain_saved", terrain=names.get(terrain_id, terrain_id),
                  incident=mission["incident_number"], revision=stored["revision"]))
    return now


def _pods_dropped_notice(memory: dict, uploads: list, forgotten: bool) -> None:
    """Warn when POD maps applied on this page were dropped by a visit to another page.

    A file uploader cannot be restored: Streamlit forgets a widget that a run does not draw, so
    after a visit to another page the map silently no longer included the sorties' POD maps.
    ``memory`` is the page's per-mission memory, ``uploads`` the files in the uploader now, and
    ``forgotten`` whether Streamlit had forgotten the uploader before this run drew it (an
    uploader the crew emptied themselves is not forgotten: no warning then).
    """
    if uploads:
        memory.pop("pods_dropped", None)
    elif forgotten and memory.get("pods_applied"):
        memory["pods_dropped"] = memory.pop("pods_applied")
    elif not forgotten:
        memory.pop("pods_applied", None)
    dropped = memory.get("pods_dropped")
    if dropped:
        st.warning(tr("probability.ui.pods_dropped", n=len(dropped), files=", ".join(dropped)),
                   icon=":material/warning:")
        if st.button(tr("probability.ui.pods_dropped_ok"), key="poa_pods_dropped_ok"):
            memory.pop("pods_dropped", None)
            st.rerun()


_POD_GEN_KEY = "poa_pods_gen"  # a new uploader after each upload is stored (stored once per file)
_POD_FLASH_KEY = "poa_pods_flash"  # what the last upload or removal did, shown after its rerun
_POD_REMOVE_KEY = "poa_pod_remove"  # the stored map whose removal waits for confirmation


@st.cache_resource(show_spinner=False, max_entries=32)
def _stored_pod(sha256: str, _db, _record):
    """A stored POD map's array on its own grid, cached by its content (a stored file never
    changes), so a rerun does not read and check every file again."""
    pod = pod_map_array(_db, _record)
    pod.setflags(write=False)
    return pod


def _pod_maps_panel(mission, grid) -> StoredPods | None:
    """The POD maps stored with a logbook mission: store an upload at once, list the stored maps
    (who added them, when, mean POD) with a download and a confirmed Remove each; returns the
    maps on this map's grid (applied) and those on another grid (left out), or None on an error."""
    db, mid, incident = database(), int(mission["mission_id"]), mission.get("incident_number", "")
    st.caption(tr("probability.ui.pods_stored_help", incident=incident))
    gen = int(st.session_state.get(_POD_GEN_KEY, 0))
    ups = st.file_uploader(tr("probability.ui.pod_files"), type=["tif", "tiff"],
                           accept_multiple_files=True, key=f"poa_pods_db_{gen}")
    if ups:  # stored at once; a fresh (empty) uploader next run, so nothing is stored twice
        stored, refused = add_pod_maps(db, signed.actor, mid,
                                       [(u.name, u.getvalue()) for u in ups], grid)
        st.session_state[_POD_GEN_KEY] = gen + 1
        st.session_state[_POD_FLASH_KEY] = (
            [tr("probability.ui.pods_stored", incident=incident,
                files=", ".join(r.file_name for r in stored))] if stored else [], refused)
        st.rerun()
    done, refused = st.session_state.pop(_POD_FLASH_KEY, ([], []))
    for msg in done:
        st.success(msg, icon=":material/check_circle:")
    for exc in refused:
        show_error(exc)
    records = list_pod_maps(db, mid)
    pods = pods_on_grid(db, mid, grid, records=records,
                        array_of=lambda r: _stored_pod(r.sha256, db, r))
    if not records:
        st.caption(tr("probability.ui.pods_none_stored", incident=incident))
        return pods
    on_grid = {rec.id for rec, _ in pods.applied}
    st.dataframe(pd.DataFrame([{
        tr("probability.ui.pods_col_file"): r.file_name,
        tr("probability.ui.pods_col_by"): r.added_by_name,
        tr("probability.ui.pods_col_at"): r.added_at.astimezone(_LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
        tr("probability.ui.pods_col_mean"): round(float(_stored_pod(r.sha256, db, r).mean()), 4),
        tr("probability.ui.pods_col_status"): tr("probability.ui.pods_status_applied")
        if r.id in on_grid else tr("probability.ui.pods_status_other_grid"),
    } for r in records]).astype(str), hide_index=True, width="stretch", key="poa_pods_table")
    for r in records:
        c1, c2, c3 = st.columns([3, 1, 1])
        c1.markdown(f"`{r.file_name}`")
        c2.download_button(tr("probability.ui.pods_download"),
                           lambda _r=r: pod_map_bytes(db, _r.id), file_name=r.file_name,
                           mime="image/tiff", key=f"poa_pod_dl_{r.id}")
        if c3.button(tr("probability.ui.pods_remove"), key=f"poa_pod_rm_{r.id}"):
            st.session_state[_POD_REMOVE_KEY] = r.id
    pending = next((r for r in records if r.id == st.session_state.get(_POD_REMOVE_KEY)), None)
    if pending is not None:
        st.warning(tr("probability.ui.pods_remove_confirm", file=pending.file_name,
                      incident=incident), icon=":material/delete:")
        reason = st.text_input(tr("probability.ui.pods_remove_reason"), key="poa_pod_rm_reason")
        y, n = st.columns(2)
        if y.button(tr("probability.ui.pods_remove_yes"), key="poa_pod_rm_yes", type="primary"):
            st.session_state.pop(_POD_REMOVE_KEY, None)
            remove_pod_map(db, signed.actor, pending.id, reason=reason)
            st.session_state[_POD_FLASH_KEY] = ([tr("probability.ui.pods_removed",
                                                    file=pending.file_name,
                                                    incident=incident)], [])
            st.rerun()
        if n.button(tr("probability.ui.pods_remove_no"), key="poa_pod_rm_no"):
            st.session_state.pop(_POD_REMOVE_KEY, None)
            st.rerun()
    return pods


def _pods_other_grid_warnings(pods: StoredPods, grid) -> None:
    """Name each stored map left out of this map because it lies on another grid, and the grid
    it needs (never resampled, never dropped silently)."""
    here = grid_facts(grid)
    for rec in pods.other_grid:
        st.warning(tr("probability.ui.pods_other_grid", file=rec.file_name,
                      **grid_facts(rec.grid), **{f"map_{k}": v for k, v in here.items()}),
                   icon=":material/warning:")


def _next_map() -> None:
    """Start the main map afresh (a new chart key forgets the last selection)."""
    st.session_state["poa_draw_n"] = int(st.session_state.get("poa_draw_n", 0)) + 1
    st.session_state.pop("poa_draw_seen", None)


def _pending_geometry(pending, crs):
    """The pending drawing in metres of ``crs`` (a point, a line or a polygon), or None."""
    from shapely.geometry import LineString, Point, Polygon

    if not pending or not pending.get("lonlat"):
        return None
    lonlat = [tuple(p) for p in pending["lonlat"]]
    if pending["mode"] in _LINE_MODES:
        geom = Point(lonlat[0]) if len(lonlat) == 1 else LineString(lonlat)
    else:
        geom = Polygon(lonlat) if len(lonlat) >= 4 else LineString(lonlat)
    return to_grid(geom, crs)


def _take_selection(mode: str, selection, crs) -> None:
    """What the crew drew in a drawing mode becomes the pending drawing (WGS84 in the session)."""
    def lonlat(xy):
        lat, lon = from_local([p[0] for p in xy], [p[1] for p in xy], crs)
        return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]

    pending = st.session_state.get(_PENDING_KEY)
    if pending and pending.get("mode") != mode:
        pending = None
    if mode in _LINE_MODES:
        path = selection_path(selection)
        if path is not None:  # a line dragged with the lasso, taken as drawn
            if not pending or pending.get("path") != list(map(list, path)):
                st.session_state[_PENDING_KEY] = {"mode": mode, "lonlat": lonlat(path),
                                                  "path": list(map(list, path)),
                                                  "xy": list(map(list, path)),
                                                  "crs": crs.to_string()}
            return
        click = selection_click(selection)
        if click is None:
            st.session_state.pop("poa_draw_seen", None)
            return
        seen = st.session_state.get("poa_draw_seen")
        if pending and pending.get("crs") not in (None, crs.to_string()):  # another grid now
            xs, ys = to_local([p[1] for p in pending["lonlat"]], [p[0] for p in pending["lonlat"]],
                              crs)
            pending = dict(pending, xy=[[float(x), float(y)] for x, y in zip(xs, ys, strict=True)])
        verts = tuple(tuple(p) for p in (pending or {}).get("xy", []))
        verts, seen = append_vertex(verts, click, tuple(seen) if seen else None)
        st.session_state["poa_draw_seen"] = seen
        if verts:
            st.session_state[_PENDING_KEY] = {"mode": mode, "xy": [list(v) for v in verts],
                                              "lonlat": lonlat(verts), "crs": crs.to_string()}
        return
    ring = selection_ring(selection)
    if ring is not None:
        key = [list(p) for p in ring]
        if not pending or pending.get("ring") != key:
            st.session_state[_PENDING_KEY] = {"mode": mode, "lonlat": lonlat(ring), "ring": key}


def _size_text(feature) -> str:
    what, value = measure(feature)
    if what == "length_m":
        return tr("probability.features.length", km=f"{value / 1000:.2f}")
    return tr("probability.features.area", km2=f"{value / 1e6:.3f}")


def _pending_panel(mission, crs) -> None:
    """The drawing not yet added: its size, a name, Add / Undo last point / Discard."""
    pending = st.session_state.get(_PENDING_KEY)
    if not pending:
        return
    mode = pending["mode"]
    kind = _MODE_KIND[mode]
    st.markdown(f"**{tr('probability.features.pending_title', what=tr(f'probability.features.mode_{mode}'))}**")
    n = len(pending["lonlat"])
    if mode in _LINE_MODES:
        st.caption(tr("probability.features.pending_line", n=n))
    else:
        st.caption(tr("probability.features.pending_area", n=n - 1))
    taken = [f.name for f in features_of(_features(mission), kind)]
    default = unique_name(tr(f"probability.features.default_{kind}", n=len(taken) + 1), taken)
    with st.form("poa_pending_form", clear_on_submit=False):
        name = st.text_input(tr("probability.features.name"), value=default,
                             key=f"poa_pending_name_{st.session_state.get('poa_draw_n', 0)}")
        c1, c2, c3 = st.columns(3)
        add = c1.form_submit_button(tr("probability.features.add"), type="primary")
        undo = c2.form_submit_button(tr("probability.features.undo"),
                                     disabled=mode not in _LINE_MODES or n < 2)
        discard = c3.form_submit_button(tr("probability.features.discard"))
    if discard:
        st.session_state.pop(_PENDING_KEY, None)
        _next_map()
        st.rerun()
    if undo:
        xy = pending.get("xy") or []
        pending = dict(pending, lonlat=pending["lonlat"][:-1], xy=xy[:-1])
        pending.pop("path", None)
        st.session_state[_PENDING_KEY] = pending if pending["lonlat"] else None
        _next_map()
        st.rerun()
    if add:
        with error_boundary():
            from shapely.geometry import LineString, Polygon

            pts = [tuple(p) for p in pending["lonlat"]]
            if mode in _LINE_MODES:
                geom = LineString(pts) if len(pts) >= 2 else None
            else:
                geom = Polygon(pts) if len(pts) >= 4 else None
            if geom is None:
                raise ProbabilityError("probability.err_mf_empty", name=name or "?")
            feature = new_feature(kind, name, geom, "drawn")
            features, done = add_feature(_features(mission), feature)
            _store_features(mission, features)
            st.session_state.pop(_PENDING_KEY, None)
            _next_map()
            msg = tr("probability.features.added", name=feature.name,
                     what=tr(f"probability.features.kind_{kind}"))
            st.session_state[_FLASH_KEY] = msg + _added_notes(done, single=True)
            st.rerun()


def _added_notes(done: Added, single: bool) -> str:
    """What adding did besides adding: segments clipped by others, segments kept as pieces.

    ``single``: one feature was added (drawn), so the clipping names only what it avoided.
    """
    msg = ""
    if done.clipped:
        msg += " " + tr("probability.features.clipped", names="; ".join(
            ", ".join(by) if single else f"{name} ({', '.join(by)})"
            for name, by in done.clipped))
    for name, pieces in done.split:
        msg += " " + tr("probability.features.split", name=name, n=len(pieces),
                        names=", ".join(pieces))
    return msg


def _features_panel(mission) -> None:
    """The mission's features: list (kind, name, source, size), rename, remove, download, import."""
    st.subheader(tr("probability.features.title"))
    if mission.get("mission_id") is None:
        st.warning(tr("probability.features.not_saved"), icon=":material/warning:")
    flash = st.session_state.pop(_FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check:")
    features = _features(mission)
    items = []
    with error_boundary():
        items = features_of(features)
    if items:
        st.dataframe(pd.DataFrame([{
            tr("probability.features.col_kind"): tr(f"probability.features.kind_{f.kind}"),
            tr("probability.features.col_name"): f.name,
            tr("probability.features.col_source"): tr("probability.features.source_drawn")
            if f.source == "drawn" else tr("probability.features.source_file",
                                            file=f.source.split(":", 1)[1]),
            tr("probability.features.col_size"): _size_text(f),
        } for f in items]), hide_index=True, width="stretch", key="poa_features_table")
        ids = [f.id for f in items]
        label = {f.id: f"{tr(f'probability.features.kind_{f.kind}')} · {f.name}" for f in items}
        with st.form("poa_feature_edit"):
            c1, c2 = st.columns([2, 2])
            fid = c1.selectbox(tr("probability.features.choose"), ids, format_func=label.get,
                               key="poa_feature_pick")
            new_name = c2.text_input(tr("probability.features.new_name"), key="poa_feature_rename")
            b1, b2 = st.columns(2)
            do_rename = b1.form_submit_button(tr("probability.features.rename"))
            do_remove = b2.form_submit_button(tr("probability.features.remove"))
        if do_rename or do_remove:
            with error_boundary():
                name = next(f.name for f in items if f.id == fid)
                if do_rename:
                    _store_features(mission, rename_feature(features, fid, new_name))
                    st.session_state[_FLASH_KEY] = tr("probability.features.renamed", old=name,
                                                      name=new_name.strip())
                else:
                    _store_features(mission, remove_feature(features, fid))
                    st.session_state[_FLASH_KEY] = tr("probability.features.removed", name=name)
                st.rerun()
        _collection = feature_collection(features)
        st.download_button(tr("probability.features.download"),
                           lambda: json.dumps(_collection, ensure_ascii=False, indent=1),
                           file_name=f"features_{mission.get('incident_number') or 'mission'}.geojson",
                           mime="application/geo+json", key="poa_features_dl")
    else:
        st.caption(tr("probability.features.none"))
    with st.form("poa_feature_import", clear_on_submit=True):
        c1, c2 = st.columns([1, 2])
        kind = c1.selectbox(tr("probability.features.import_kind"), list(KINDS),
                            format_func=lambda k, _l=lang(): t(f"probability.features.kind_{k}", _l),
                            key="poa_import_kind")
        up = c2.file_uploader(tr("probability.features.import_file"), type=_AREA_TYPES,
                              key="poa_import_file")
        go_import = st.form_submit_button(tr("probability.features.import"))
    if go_import and up is None:
        st.warning(tr("probability.features.import_no_file"), icon=":material/upload_file:")
    if go_import and up is not None:
        with error_boundary():
            added = features_from_file(up.name, up.getvalue(), kind, features)
            now, done = add_features(features, added)
            _store_features(mission, now)
            msg = tr("probability.features.imported", n=len(added), file=up.name,
                     what=tr(f"probability.features.kind_{kind}"))
            st.session_state[_FLASH_KEY] = msg + _added_notes(done, single=False)
            st.rerun()


@st.cache_resource(show_spinner=False, max_entries=6)
def _initial(paths: tuple[str, ...], inputs_json: str, settings_json: str, model: str):
    """:func:`initial_mission_map` cached by the stored facts it is made from (JSON)."""
    return initial_mission_map(json.loads(inputs_json), json.loads(settings_json), paths,
                               model=model)


def _map_inputs(mission) -> dict:
    """The inputs the map is made from: a logbook mission's stored inputs as stored (so the page,
    the command line and case scoring read the very same values), else the session's mission."""
    if mission.get("mission_id") is not None:
        stored = mission_inputs(database(), int(mission["mission_id"]))
        if stored is not None:
            return stored
    seen = None
    if mission.get("seen_date") is not None and mission.get("seen_time") is not None:
        seen = dt.datetime.combine(mission["seen_date"], mission["seen_time"],
                                   tzinfo=_LOCAL_TZ).astimezone(dt.UTC).isoformat()
    keys = ("lat", "lon", "subject", "terrain_class", "quartiles_km", "uncertainty_m",
            "uncertainty_kind", "speed_kmh", "model", "features", "terrain_id")
    return dict({k: mission.get(k) for k in keys}, seen_at=seen)


_SYNC_KEY = "poa_settings_synced"  # (incident, settings) the widgets were last set from


def _sync_widgets(mission, map_settings: dict, entry) -> None:
    """Set the settings widgets from the stored settings when the mission or its stored version
    changed (opened, reloaded, or changed by another crew), then rerun: the widgets show what
    the map is made from, never a copied literal (defaults: :data:`MAP_DEFAULTS`)."""
    # the settings themselves (not the revision: saving a feature or the terrain changes no widget)
    token = [mission.get("incident_number") or mission.get("ipp_text"),
             json.dumps([mission.get("model"), map_settings], sort_keys=True)]
    if st.session_state.get(_SYNC_KEY) == token:
        return
    q = (Quartiles.from_km(mission["quartiles_km"]) if mission.get("quartiles_km")
         else quartiles_for(mission["subject"], mission["terrain_class"]))
    half, cell = default_grid(q.d95, terrain_reach_km(extent(tuple(entry.paths)),
                                                      float(mission["lat"]), float(mission["lon"])))
    s = map_settings
    values = {
        "poa_model": mission.get("model") or MAP_MODELS[0],
        "poa_radius": (s["radius_m"] if s["radius_m"] is not None else half) / 1000.0,
        "poa_cell": s["cell_m"] if s["cell_m"] is not None else cell,
        "poa_max_slope": s["max_slope_deg"], "poa_drainage": s["drainage_weight"],
        "poa_use_uphill": s["uphill_share"] is not None,
        "poa_uphill": s["uphill_share"] if s["uphill_share"] is not None else UPHILL_SHARE_ON,
        "poa_track_w": s["track_weight"], "poa_track_f": s["track_friction"],
        "poa_seg_mode": s["segment_rule"], "poa_seg_km": s["segment_km"]}
    first_time = st.session_state.get(_SYNC_KEY) is None or \
        st.session_state.get(_SYNC_KEY)[0] != token[0]
    for k, v in values.items():
        st.session_state[k] = v
    st.session_state[_SYNC_KEY] = token
    if not first_time and st.session_state.get("poa_request") and mission.get("mission_id"):
        st.session_state["poa_settings_flash"] = True  # said once the page is drawn again
    st.rerun()


def _save_settings(mission, map_settings: dict, changes: dict) -> tuple[dict, dict]:
    """Store changed map settings (and model) with a logbook mission (audited; a save based on
    an older version is refused and said, nothing lost), or keep them in the session for a
    mission only there; returns the session's mission and its settings as they are now."""
    model = changes.pop("model", None)
    changed = {k: v for k, v in changes.items() if map_settings.get(k) != v}
    if model is not None and model != (mission.get("model") or MAP_MODELS[0]):
        changed["model"] = model
    if not changed:
        return mission, map_settings
    if mission.get("mission_id") is None:
        model_now = changed.pop("model", mission.get("model"))
        settings_now = check_map_settings(dict(map_settings, **changed))
        mission = dict(mission, settings=settings_now, model=model_now)
        st.session_state["mission"] = mission
        st.session_state[_SYNC_KEY] = [mission.get("incident_number") or mission.get("ipp_text"),
                                       json.dumps([model_now, settings_now], sort_keys=True)]
        return mission, settings_now
    stored = save_mission_settings(database(), signed.actor, int(mission["mission_id"]),
                                   changed, base_revision=mission.get("revision"))
    mission = session_from_stored(stored, mission["incident_number"], int(mission["mission_id"]))
    st.session_state["mission"] = mission
    st.session_state["mission_pick"] = {"incident_number": mission["incident_number"],
                                        "mission_id": int(mission["mission_id"]),
                                        "revision": stored["revision"]}
    st.session_state[_SYNC_KEY] = [mission["incident_number"],
                                   json.dumps([stored["model"], stored["settings"]],
                                              sort_keys=True)]
    return mission, dict(stored["settings"])


signed = require_page("probability")  # the role is checked on every run, not only in the menu
st.title(tr("nav.probability"))
mission = st.session_state.get("mission")
if not mission:
    st.info(tr("probability.ui.no_mission"), icon=":material/info:")
    st.stop()

settings = app_settings()
entries = []
with error_boundary():
    entries = list_library(settings)
if not entries:
    st.warning(tr("probability.ui.no_terrain"))
    st.stop()
names = {e.id: (e.name_zh if lang() == "zh" else e.name_en) for e in entries}
ids = list(names)
# the crew's settings and the map built with them stay as they were after a visit to another page
_scope = f"probability:{mission.get('incident_number') or mission.get('ipp_text', '')}"
keep_values(_KEPT, _scope, allowed={"poa_terrain": ids})
current = st.session_state.get("terrain_entry")
if current not in ids:  # the terrain saved with the mission, if any
    current = mission.get("terrain_id")
if current not in ids:  # none chosen yet: the first terrain that holds the IPP
    current = first_holding(entries, float(mission["lat"]), float(mission["lon"]))
chosen = st.selectbox(tr("probability.ui.terrain"), ids,
                      index=ids.index(current) if current in ids else 0, format_func=names.get,
                      key="poa_terrain")
entry = next(e for e in entries if e.id == chosen)

quartiles = (Quartiles.from_km(mission["quartiles_km"]) if mission.get("quartiles_km")
             else quartiles_for(mission["subject"], mission["terrain_class"]))
_unc_m = float(mission.get("uncertainty_m") or 0.0)
st.caption(tr("probability.ui.mission_line", lat=f"{mission['lat']:.5f}", lon=f"{mission['lon']:.5f}",
              subject=tr(f"probability.subject_{mission['subject']}"),
              values=" / ".join(f"{v / 1000:g}" for v in quartiles.as_tuple()))
           # the crew sees that the position's uncertainty is in the map
           + (tr("probability.ui.mission_uncertainty", km=f"{_unc_m / 1000:g}", shape=tr(
               f"probability.mission.kind_{mission.get('uncertainty_kind', 'gaussian')}"))
              if _unc_m > 0 else ""))

models = list(MAP_MODELS)
seg_modes = list(SEGMENT_RULES)
# --- the map settings are stored facts of the mission (issue 10): the widgets start from them,
# and a change saved by another crew (or another tab) is read from the logbook on every run
if mission.get("mission_id") is not None:
    with error_boundary():
        _fresh = mission_inputs(database(), int(mission["mission_id"]))
        if _fresh is not None and _fresh.get("revision") != mission.get("revision"):
            mission = session_from_stored(_fresh, mission["incident_number"],
                                          int(mission["mission_id"]))
            st.session_state["mission"] = mission
            st.session_state["mission_pick"] = {"incident_number": mission["incident_number"],
                                                "mission_id": int(mission["mission_id"]),
                                                "revision": _fresh["revision"]}
map_settings = dict(MAP_DEFAULTS)
with error_boundary():
    map_settings = check_map_settings(mission.get("settings"))
_sync_widgets(mission, map_settings, entry)
with st.form("poa_settings"):
    c1, c2, c3, c4 = st.columns(4)
    model = c1.selectbox(tr("probability.ui.model"), models,
                         format_func=lambda m, _l=lang(): t(f"probability.ui.model_{m}", _l),
                         key="poa_model")
    compare = c2.checkbox(tr("probability.ui.compare"), value=False, key="poa_compare")
    # no wider than the chosen terrain reaches around the IPP (a map past the elevation data is
    # refused by the walking-effort model); what lies beyond is the rest of world (ROW)
    reach_km = terrain_reach_km(extent(tuple(entry.paths)), float(mission["lat"]),
                                float(mission["lon"]))
    default_half_m, default_cell_m = default_grid(quartiles.d95, reach_km)  # ~1,000 cells across
    radius_km = c3.number_input(tr("probability.ui.radius"), min_value=0.5, step=1.0,
                                key="poa_radius")
    cell_m = c4.number_input(tr("probability.ui.cell"), min_value=5.0, step=10.0, key="poa_cell")
    with st.expander(tr("probability.ui.terrain_options")):
        st.caption(tr("probability.features.model_help"))
        t1, t2, t3 = st.columns(3)
        max_slope = t1.number_input(tr("probability.ui.max_slope"), min_value=1.0, max_value=90.0,
                                    key="poa_max_slope")
        drainage_w = t2.number_input(tr("probability.ui.drainage_weight"), min_value=0.0,
                                     step=0.5, key="poa_drainage")
        use_uphill = t3.checkbox(tr("probability.ui.uphill"), key="poa_use_uphill")
        uphill = t3.slider(tr("probability.ui.uphill_share"), 0.05, 0.95, key="poa_uphill")
        k1, k2 = st.columns(2)
        track_w = k1.number_input(tr("probability.ui.track_weight"), min_value=0.0,
                                  step=0.5, key="poa_track_w")
        track_f = k2.number_input(tr("probability.ui.track_friction"), min_value=0.1, max_value=10.0,
                                  step=0.1, key="poa_track_f")
    s0, s1 = st.columns(2)
    seg_mode = s0.selectbox(tr("probability.ui.segment_mode"), seg_modes,
                            format_func=lambda k, _l=lang(): t(f"probability.ui.segment_mode_{k}", _l),
                            key="poa_seg_mode")
    seg_km = s1.number_input(tr("probability.ui.segment_size"), min_value=0.1, max_value=100.0,
                             step=0.5, key="poa_seg_km")
    build = st.form_submit_button(tr("probability.ui.build"), type="primary")
if default_half_m < default_grid(quartiles.d95)[0]:  # held back by the terrain's reach
    st.caption(tr("probability.ui.radius_terrain", km=f"{default_half_m / 1000.0:g}",
                  want=f"{default_grid(quartiles.d95)[0] / 1000.0:g}"))

if st.session_state.pop("poa_settings_flash", False):  # another crew saved new settings
    st.info(tr("probability.ui.settings_reloaded", incident=mission.get("incident_number", ""),
               revision=mission.get("revision")), icon=":material/sync:")
mission_features = _features(mission)
if build:
    st.session_state["poa_request"] = True
    # the barriers, tracks and regions the map is built with: later drawings wait for a rebuild
    st.session_state[_BUILT_KEY] = {
        "incident": mission.get("incident_number"), "at": dt.datetime.now(_LOCAL_TZ),
        "features": [f for f in mission_features if f.get("kind") in _MODEL_KINDS]}
    # a logbook mission keeps the terrain its map was built on (reopening it offers it)
    mission = _save_terrain(mission, entry.id)
    # ... and the settings it was built with, the time cap as of now (stored facts, issue 10)
    with error_boundary():
        mission, map_settings = _save_settings(mission, map_settings, {
            "model": model,
            "radius_m": None if map_settings["radius_m"] is None
            and float(radius_km) * 1000.0 == default_half_m else float(radius_km) * 1000.0,
            "cell_m": None if map_settings["cell_m"] is None
            and float(cell_m) == default_cell_m else float(cell_m),
            "max_slope_deg": float(max_slope), "drainage_weight": float(drainage_w),
            "uphill_share": float(uphill) if use_uphill else None,
            "track_weight": float(track_w), "track_friction": float(track_f),
            "segment_rule": seg_mode, "segment_km": float(seg_km),
            "time_cap_at": dt.datetime.now(dt.UTC).isoformat()
            if float(mission.get("speed_kmh") or 0.0) > 0 else None})
    clear_handover(st.session_state)  # the plan page must not use a map for other settings
if not st.session_state.get("poa_request"):
    _features_panel(mission)
    st.stop()
# the map is made from the mission's stored facts only (inputs, map settings, features): the
# barriers, tracks and regions saved with it are the ones the map uses (issue 10)
model = mission.get("model") or model
model_features = [f for f in mission_features if f.get("kind") in _MODEL_KINDS]
map_inputs = _map_inputs(mission)
shown = [model] + ([m for m in models if m != model] if compare else [])
firsts = {}
with error_boundary():
    with st.spinner(tr("probability.ui.building")):
        for m in shown:
            firsts[m] = _initial(tuple(entry.paths), json.dumps(map_inputs, sort_keys=True),
                                 json.dumps(map_settings, sort_keys=True), m)
results = {m: f.built for m, f in firsts.items()}
if not results:
    _features_panel(mission)
    st.stop()
first = firsts[model]
if first.cap_hours is not None:
    st.caption(tr("probability.ui.cap_line", km=f"{first.cap_hours * first.cap_speed_kmh:.1f}",
                  hours=f"{first.cap_hours:.1f}", speed=f"{first.cap_speed_kmh:g}",
                  at=dt.datetime.fromisoformat(map_settings["time_cap_at"])
                  .astimezone(_LOCAL_TZ).strftime("%H:%M")))

main = results[model]
grid = main.grid

# --- planners' consensus (Mattson) over the mission's regions, and the sorties flown so far ----
base_map = first.base  # the model's map blended with the stored consensus (core)
regions: list[Region] = list(first.regions)
with st.expander(tr("probability.ui.consensus")):
    st.caption(tr("probability.ui.consensus_help"))
    if not regions:
        st.caption(tr("probability.features.no_regions"))
    if regions:
        cols_ = [r.name for r in regions] + [ROW_KEY]
        stored_points = map_settings["consensus_points"] or default_equal_points(cols_[:-1])
        start_df = pd.DataFrame([[p.get(c, 0.0) for c in cols_] for p in stored_points],
                                columns=cols_,
                                index=[tr("probability.ui.planner", n=i + 1)
                                       for i in range(len(stored_points))])
        points_key = f"poa_points_{len(regions)}_{mission.get('revision')}"
        points = st.data_editor(start_df, num_rows="dynamic", key=points_key)
        weight = st.slider(tr("probability.ui.blend"), 0.0, 1.0,
                           float(map_settings["consensus_weight"]),
                           key=f"poa_blend_{mission.get('revision')}")
        st.caption(tr("probability.ui.region_poa", values=", ".join(
            f"{k} {v:.3f}" for k, v in first.region_poa.items())))
        if st.button(tr("probability.ui.consensus_save"), key="poa_consensus_save"):
            with error_boundary():
                typed = [{c: float(v) for c, v in row.items()}
                         for row in points.fillna(0.0).to_dict("records")]
                mattson(typed, cols_[:-1])  # each planner's 100 points, or the reason
                mission, map_settings = _save_settings(mission, map_settings, {
                    "consensus_points": typed, "consensus_weight": float(weight)})
                st.rerun()
_pods_forgotten = "poa_pods" not in st.session_state  # before the uploader is drawn
pod_ups = []
stored_pods: StoredPods | None = None  # a logbook mission's POD maps, kept with the mission
with st.expander(tr("probability.ui.sorties"),
                 expanded=bool(st.session_state.get(_POD_FLASH_KEY)
                               or st.session_state.get(_POD_REMOVE_KEY))):
    st.caption(tr("probability.ui.sorties_help"))
    if mission.get("mission_id") is not None:
        with error_boundary():
            stored_pods = _pod_maps_panel(mission, grid)
        if stored_pods is None:  # the stored maps could not be read: said above, map not drawn
            st.stop()
    else:  # only in this session: kept while the page is open, said so
        st.caption(tr("probability.ui.pods_not_saved"))
        pod_ups = st.file_uploader(tr("probability.ui.pod_files"), type=["tif", "tiff"],
                                   accept_multiple_files=True, key="poa_pods")
if stored_pods is not None:
    _pods_other_grid_warnings(stored_pods, grid)
else:
    _pods_dropped_notice(kept(_scope), list(pod_ups or []), _pods_forgotten)
# the sorties logged against this mission with a flown track, in takeoff order (the facts)
logged_sorties: list[FlownSortie] = []
with error_boundary():
    if mission.get("mission_id") is not None:
        # with the catalogue type of each sortie's aircraft (a track logged without a plan)
        logged_sorties = flown_sorties(database(), int(mission["mission_id"]))
state = None
logged = None
with error_boundary():
    ordered = list(pod_ups or [])  # applied in the order uploaded (issue 10: not by file name)
    pods = ([read_pod_bytes(u.getvalue(), u.name, grid) for u in ordered] if stored_pods is None
            else stored_pods.pods)  # a logbook mission's stored maps, in stored order
    assembled = mission_map(map_inputs, map_settings, logged_sorties, pods,
                            terrain_paths=tuple(entry.paths), initial=first,
                            asset_width=_asset_width,
                            pod_of=_cached_pod(grid, main.elevation, entry.id))
    logged, state = assembled.replay, assembled.state
    if ordered:  # applied: a visit to another page that drops them is then told
        kept(_scope)["pods_applied"] = [u.name for u in ordered]
if state is None or logged is None:
    st.stop()
st.subheader(tr("probability.logged.header"))
st.caption(tr("probability.logged.help"))
if mission.get("mission_id") is None:
    st.info(tr("probability.logged.not_linked"), icon=":material/info:")
elif not logged.sorties:
    st.caption(tr("probability.logged.none", incident=mission.get("incident_number", "")))
else:
    _na = tr("probability.logged.not_applied")
    st.dataframe(pd.DataFrame([{
        tr("probability.logged.col_number"): u.number,
        tr("probability.logged.col_time"): u.takeoff_at.astimezone(_LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
        tr("probability.logged.col_width"): metres(u.sweep_width_m, unit=False)
        if u.sweep_width_m is not None else _na,  # whole metres (issue 16)
        tr("probability.logged.col_source"): tr(f"probability.logged.source_{u.width_source}")
        if u.width_source else _na,
        tr("probability.logged.col_pod"): whole_percent(u.pod_mean) if u.pod_mean is not None else _na,
        tr("probability.logged.col_over"): tr(f"probability.logged.over_{u.pod_mean_over}")
        if u.pod_mean_over else _na,
        tr("probability.logged.col_pos"): round(u.pos, 5) if u.pos is not None else _na,
        tr("replay.col_masking"): tr(u.masking_short) if u.masking_short else _na,
    } for u in logged.sorties]).astype(str), hide_index=True, width="stretch", key="poa_logged")
    for u in logged.sorties:
        if u.skipped:
            st.warning(tr(u.skipped, **dict(u.skipped_params or {})), icon=":material/warning:")
        elif u.masking and not u.terrain_masked:  # ground behind ridges counted as searched
            st.warning(f"{u.number}: " + tr(u.masking, **dict(u.masking_params or {})),
                       icon=":material/warning:")
if state.pos:
    st.caption(tr("probability.ui.sorties_done", n=len(state.pos), pos=f"{state.total_pos:.3f}"))
if main.synthetic:
    st.warning(tr("common.synthetic_badge"), icon=":material/warning:")
segments = list(assembled.segments)  # by the stored segment rule (core)
seg_table = None
with error_boundary():
    seg_table = segment_table(segments, state.current, state.initial, state.cumulative_pod)
# the map names at most 80 segments: the best ranked ones (were the first 80 in the list, the
# map's top rows, far from the IPP), so a name read off the table can be found on the map
_rank = {r.name: r.rank for r in seg_table.rows} if seg_table is not None else {}
shown_segments = sorted(segments, key=lambda sg: _rank.get(sg.name, len(_rank) + 1))

# --- what a click or drag on the main map does -----------------------------------------------
draw_mode = st.radio(tr("probability.features.mode"), list(_DRAW_MODES), horizontal=True,
                     format_func=lambda k, _l=lang(): t(f"probability.features.mode_{k}", _l),
                     key="poa_draw_mode")
if st.session_state.get("poa_draw_mode_was") != draw_mode:  # a new choice: a fresh selection
    st.session_state["poa_draw_mode_was"] = draw_mode
    _next_map()
st.caption(tr(f"probability.features.help_{draw_mode}"))
pending_geom = None
with error_boundary():
    if draw_mode != "ipp":  # picking the IPP hides an unfinished drawing (it is kept)
        pending_geom = _pending_geometry(st.session_state.get(_PENDING_KEY), grid.crs)
shown_features = {k: [] for k in KINDS}
with error_boundary():
    for k in KINDS:
        shown_features[k] = grid_geometries(mission_features, k, grid.crs)

rings = [(r, tr("probability.ui.ring", p=p, km=f"{r / 1000:g}"))
         for p, r in zip((25, 50, 75, 95), quartiles.as_tuple(), strict=True)]
cols = st.columns(len(results))
picked = None
if draw_mode in _LINE_MODES:
    select_as = ("points", "lasso")
elif draw_mode == "ipp":
    select_as = ("points", "box")
else:
    select_as = ("lasso", "box")
for col, (m, res) in zip(cols, results.items(), strict=True):
    with col:
        st.markdown(f"**{tr(f'probability.ui.model_{m}')}**")
        shown_map = state.current if m == model else res.poa
        a, b = st.columns(2)
        a.metric(tr("probability.ui.in_grid"), f"{shown_map.poa.sum():.3f}")
        b.metric(tr("probability.ui.row"), f"{shown_map.row:.3f}")
        layers = res.layers  # the terrain model's drainages, as used
        fig = poa_figure(grid, shown_map.poa, res.elevation, res.hillshade, _labels(),
                         ipp=(res.inputs.ipp_x, res.inputs.ipp_y), rings=rings,
                         segments=[(s.name, s.geometry) for s in shown_segments],
                         barriers=[g for _, g in shown_features["barrier"]],
                         tracks=[g for _, g in shown_features["track"]],
                         regions=shown_features["region"],
                         pending=pending_geom if m == model else None,
                         drainage=layers.drainage if layers is not None else None,
                         pickable=m == model,
                         lattice_points=120 if draw_mode in _LINE_MODES else 60,
                         # areas: a drag lassos at once; the IPP and lines are clicked
                         # (a click in lasso mode would start an empty lasso)
                         dragmode="lasso" if m == model and draw_mode in _MODE_KIND
                         and draw_mode not in _LINE_MODES else "pan",
                         lang=lang(), base=base_layers_for(grid, app_settings()),
                         slope_deg=res.terrain.slope_deg, synthetic=main.synthetic)
        if m == model:  # a click, box or lasso on the main map: the IPP or a drawing
            event = st.plotly_chart(fig, width="stretch", on_select="rerun",
                                    selection_mode=select_as,
                                    key=f"poa_map_{m}_{st.session_state.get('poa_draw_n', 0)}",
                                    config={"displaylogo": False, "scrollZoom": True})
            selection = event.selection if event is not None else None
            if draw_mode == "ipp":
                picked = selection_point(selection)
            else:
                with error_boundary():
                    before = st.session_state.get(_PENDING_KEY)
                    _take_selection(draw_mode, selection, grid.crs)
                    if st.session_state.get(_PENDING_KEY) != before:
                        st.rerun()  # show the drawing on the map
        else:
            st.plotly_chart(fig, width="stretch", key=f"poa_map_{m}",
                            config={"displaylogo": False, "scrollZoom": True})

# --- a new IPP picked on the map: shown in WGS84, used only when the crew confirms ------------
if draw_mode == "ipp":
    st.caption(tr("probability.ui.ipp_pick_help"))
if picked is not None:
    with error_boundary():
        plat, plon = from_local(picked[0], picked[1], grid.crs)
        plat, plon = float(plat), float(plon)
        st.info(tr("probability.ui.ipp_picked", lat=f"{plat:.5f}", lon=f"{plon:.5f}"),
                icon=":material/my_location:")
        if st.button(tr("probability.ui.ipp_use"), key="poa_use_ipp", type="primary"):
            moved = dict(mission)
            moved.update(lat=plat, lon=plon, datum="WGS84", ipp_text=f"{plat:.6f}, {plon:.6f}")
            if mission.get("mission_id") is not None:  # a logbook mission: the move is a fact
                stored = save_mission_inputs(database(), signed.actor, int(mission["mission_id"]),
                                             stored_from_session(moved),
                                             base_revision=mission.get("revision"))
                moved = session_from_stored(stored, mission["incident_number"],
                                            int(mission["mission_id"]))
                st.session_state["mission_pick"] = {"incident_number": mission["incident_number"],
                                                    "mission_id": int(mission["mission_id"]),
                                                    "revision": stored["revision"]}
            st.session_state["mission"] = moved  # the mission page shows it as typed text
            clear_handover(st.session_state)
            st.rerun()  # the map is rebuilt around the new IPP
if draw_mode != "ipp":
    _pending_panel(mission, grid.crs)
_features_panel(mission)

st.subheader(tr("probability.ui.segments"))
with error_boundary():
    table = seg_table if seg_table is not None else segment_table(
        segments, state.current, state.initial, state.cumulative_pod)
    if table.rows:
        df = pd.DataFrame([{
            tr("probability.ui.col_name"): r.name,
            tr("probability.ui.col_area"): round(r.area_m2 / 1e6, 3),
            tr("probability.ui.col_poa"): round(r.poa, 5),
            tr("probability.ui.col_density"): round(r.poa_density_per_km2, 5),
            tr("probability.ui.col_pod"): round(r.cumulative_pod, 3),
            tr("probability.ui.col_pos"): round(r.pos, 5),
            tr("probability.ui.col_rank"): r.rank,
        } for r in table.rows]).sort_values(tr("probability.ui.col_rank"))
        st.dataframe(df, hide_index=True, width="stretch", key="poa_segment_table")
    else:
        st.info(tr("probability.features.no_segments"), icon=":material/info:")
    # the plan page takes this map (POS, next sortie) and these segments (plan area) from here;
    # it is the map of the barriers, tracks and regions it was built with, and of these segments
    published_with = [f for f in mission_features if f.get("kind") == "segment"] + model_features
    publish_handover(st.session_state, terrain_id=entry.id,
                     mission=dict(mission, features=published_with), model=model,
                     current=state.current,
                     segments=[(s.name, s.geometry, r.rank, r.poa)
                               for s, r in zip(segments, table.rows, strict=True)])
    st.caption(tr("probability.ui.handover", n=len(segments)))
    st.caption(tr("probability.ui.gaps", area=f"{table.gap_area_m2 / 1e6:.2f}",
                  poa=f"{table.gap_poa:.4f}", row=f"{table.row:.4f}"))

d1, d2 = st.columns(2)
tags = {"MODEL": model, "SUBJECT": mission["subject"],
        "IPP_WGS84": f"{mission['lat']:.6f},{mission['lon']:.6f}"}
# deferred: the file is made when the crew clicks, not on every rerun of this busy page (an eager
# file is replaced at each rerun, and the browser's check of the replaced one logged a 404)
_current = state.current
d1.download_button(tr("probability.ui.download_tif"),
                   lambda: poa_geotiff_bytes(_current, tags),
                   file_name=f"poa_{model}.tif", mime="image/tiff", key="poa_dl_tif")
d2.download_button(tr("probability.ui.download_png"), lambda: poa_png(_current.poa),
                   file_name=f"poa_{model}.png", mime="image/png", key="poa_dl_png")
st.caption(tr("probability.ui.source"))

with st.expander(tr("probability.ui.mapscore")):
    st.caption(tr("probability.ui.mapscore_help"))
    find_text = st.text_input(tr("probability.ui.find"), key="poa_find",
                              placeholder="36.12, 94.88")
    if find_text:
        with error_boundary():
            found = to_wgs84(parse_latlon(find_text))
            fx, fy = to_local(found.lat, found.lon, grid.crs)
            st.metric(tr("probability.ui.mapscore_value"),
                      f"{mapscore(base_map, float(fx), float(fy)):.3f}")
