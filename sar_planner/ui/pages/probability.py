"""Probability page: the POA map over the terrain, segments and their table, a second model side by
side, downloads (GeoTIFF, PNG).

Thin: it collects the model settings, calls :func:`sar_planner.probability.map_on_terrain` (cached
by its inputs) and draws with :mod:`sar_planner.ui.figures_probability`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from sar_planner.geo import from_local, local_metric_crs, parse_latlon, to_local, to_wgs84
from sar_planner.probability import (ROW_KEY, Region, TerrainOptions, consensus_map,
                                     grid_segments, imported_geometries, map_on_terrain, mapscore,
                                     mattson, poa_geotiff_bytes, read_pod_bytes,
                                     segment_table, terrain_segments)
from sar_planner.probability.features import AREA_EXTENSIONS, LINES, POLYGONS
from sar_planner.probability.logged import FlownSortie, replay_logged, sortie_pod
from sar_planner.logbook.mission_inputs import mission_sorties_flown, save_mission_inputs
from sar_planner.subjects import Quartiles, quartiles_for
from sar_planner.terrain.library import list_library
from sar_planner.i18n import t
from sar_planner.ui.common import app_settings, error_boundary, lang, tr
from sar_planner.ui.figures_probability import poa_figure, poa_png
from sar_planner.ui.map_select import selection_point
from sar_planner.ui.mission_state import clear as clear_handover
from sar_planner.ui.mission_state import publish as publish_handover
from sar_planner.ui.mission_state import session_from_stored, stored_from_session
from sar_planner.ui.session import database, require_page

_LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # station time, as the mission page's date and time
_AREA_TYPES = [e.lstrip(".") for e in AREA_EXTENSIONS]


@st.cache_resource(show_spinner=False, max_entries=6)
def _build(paths: tuple[str, ...], lat: float, lon: float, radius_m: float, cell_m: float,
           model: str, subject: str, terrain_class: str, quartiles_m: tuple | None,
           uncertainty_m: float, uncertainty_kind: str, hours: float | None, speed: float | None,
           max_slope: float, drainage_w: float, uphill: float | None,
           barrier_file: tuple[str, bytes] | None, track_file: tuple[str, bytes] | None,
           track_w: float, track_f: float):
    crs = local_metric_crs(lat, lon)
    barriers = [g for _, g in imported_geometries(*barrier_file, crs)] if barrier_file else []
    tracks = [g for _, g in imported_geometries(*track_file, crs, kinds=LINES)] \
        if track_file else []
    opts = TerrainOptions(max_slope_deg=max_slope, barriers=tuple(barriers), tracks=tuple(tracks),
                          track_weight=track_w, track_friction=track_f,
                          drainage_weight=drainage_w, uphill_share=uphill)
    return map_on_terrain(paths, lat, lon, radius_m, cell_m, subject=subject,
                          terrain_class=terrain_class, quartiles_m=quartiles_m,
                          uncertainty_m=uncertainty_m, uncertainty_kind=uncertainty_kind,
                          hours_since_seen=hours, speed_kmh=speed, model=model,
                          terrain_options=opts)


@st.cache_resource(show_spinner=False, max_entries=64)
def _sortie_pod(crs_wkt: str, transform: tuple, shape: tuple, number: int, takeoff: str,
                track_json: str, plan_json: str):
    """:func:`sortie_pod` cached by the grid and the sortie's stored facts (a rerun is instant)."""
    from affine import Affine
    from pyproj import CRS

    from sar_planner.grid import Grid

    grid = Grid(CRS.from_wkt(crs_wkt), Affine(*transform), shape)
    sortie = FlownSortie(number, dt.datetime.fromisoformat(takeoff), json.loads(track_json),
                         json.loads(plan_json))
    return sortie_pod(sortie, grid, _asset_width)


def _cached_pod(grid):
    def pod_of(s: FlownSortie):
        return _sortie_pod(grid.crs.to_wkt(), tuple(grid.transform)[:6], tuple(grid.shape),
                           s.number, s.takeoff_at.isoformat(), json.dumps(s.track, sort_keys=True),
                           json.dumps(s.plan, sort_keys=True))
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
current = st.session_state.get("terrain_entry")
chosen = st.selectbox(tr("probability.ui.terrain"), ids,
                      index=ids.index(current) if current in ids else 0, format_func=names.get,
                      key="poa_terrain")
entry = next(e for e in entries if e.id == chosen)

quartiles = (Quartiles.from_km(mission["quartiles_km"]) if mission.get("quartiles_km")
             else quartiles_for(mission["subject"], mission["terrain_class"]))
st.caption(tr("probability.ui.mission_line", lat=f"{mission['lat']:.5f}", lon=f"{mission['lon']:.5f}",
              subject=tr(f"probability.subject_{mission['subject']}"),
              values=" / ".join(f"{v / 1000:g}" for v in quartiles.as_tuple())))

models = ["rings", "terrain"]
with st.form("poa_settings"):
    c1, c2, c3, c4 = st.columns(4)
    model = c1.selectbox(tr("probability.ui.model"), models, format_func=lambda m, _l=lang(): t(f"probability.ui.model_{m}", _l),
                         key="poa_model")
    compare = c2.checkbox(tr("probability.ui.compare"), value=False, key="poa_compare")
    default_r = math.ceil(1.25 * quartiles.d95 / 1000.0)
    radius_km = c3.number_input(tr("probability.ui.radius"), min_value=0.5, value=float(default_r),
                                step=1.0, key="poa_radius")
    cell_m = c4.number_input(tr("probability.ui.cell"), min_value=5.0,
                             value=float(max(30, math.ceil(2 * default_r))), step=10.0,  # ~1,000 cells across
                             key="poa_cell")
    with st.expander(tr("probability.ui.terrain_options")):
        t1, t2, t3 = st.columns(3)
        max_slope = t1.number_input(tr("probability.ui.max_slope"), min_value=1.0, max_value=90.0,
                                    value=40.0, key="poa_max_slope")
        drainage_w = t2.number_input(tr("probability.ui.drainage_weight"), min_value=0.0,
                                     value=0.0, step=0.5, key="poa_drainage")
        use_uphill = t3.checkbox(tr("probability.ui.uphill"), value=False, key="poa_use_uphill")
        uphill = t3.slider(tr("probability.ui.uphill_share"), 0.05, 0.95, 0.40, key="poa_uphill")
        barrier_up = st.file_uploader(tr("probability.ui.barriers"), type=_AREA_TYPES,
                                      key="poa_barriers")
        track_up = st.file_uploader(tr("probability.ui.tracks"), type=_AREA_TYPES,
                                    key="poa_tracks")
        k1, k2 = st.columns(2)
        track_w = k1.number_input(tr("probability.ui.track_weight"), min_value=0.0, value=0.0,
                                  step=0.5, key="poa_track_w")
        track_f = k2.number_input(tr("probability.ui.track_friction"), min_value=0.1, value=1.0,
                                  step=0.1, key="poa_track_f")
    s0, s1, s2 = st.columns(3)
    seg_mode = s0.selectbox(tr("probability.ui.segment_mode"), ["grid", "terrain"],
                            format_func=lambda k, _l=lang(): t(f"probability.ui.segment_mode_{k}", _l),
                            key="poa_seg_mode")
    seg_km = s1.number_input(tr("probability.ui.segment_size"), min_value=0.1, value=2.0,
                             step=0.5, key="poa_seg_km")
    seg_up = s2.file_uploader(tr("probability.ui.segments_file"), type=_AREA_TYPES,
                              key="poa_segments")
    build = st.form_submit_button(tr("probability.ui.build"), type="primary")

if build:
    st.session_state["poa_request"] = True
    clear_handover(st.session_state)  # the plan page must not use a map for other settings
if not st.session_state.get("poa_request"):
    st.stop()

seen = dt.datetime.combine(mission["seen_date"], mission["seen_time"], tzinfo=_LOCAL_TZ)
hours = (dt.datetime.now(_LOCAL_TZ) - seen).total_seconds() / 3600.0
speed = float(mission.get("speed_kmh") or 0.0)
cap_hours, cap_speed = (hours, speed) if speed > 0 and hours > 0 else (None, None)
common = dict(
    paths=tuple(entry.paths), lat=float(mission["lat"]), lon=float(mission["lon"]),
    radius_m=float(radius_km) * 1000.0, cell_m=float(cell_m), subject=mission["subject"],
    terrain_class=mission["terrain_class"],
    quartiles_m=tuple(quartiles.as_tuple()) if mission.get("quartiles_km") else None,
    uncertainty_m=float(mission.get("uncertainty_m") or 0.0),
    uncertainty_kind=mission.get("uncertainty_kind", "gaussian"), hours=cap_hours, speed=cap_speed,
    max_slope=float(max_slope), drainage_w=float(drainage_w),
    uphill=float(uphill) if use_uphill else None,
    barrier_file=(barrier_up.name, barrier_up.getvalue()) if barrier_up else None,
    track_file=(track_up.name, track_up.getvalue()) if track_up else None,
    track_w=float(track_w), track_f=float(track_f))

shown = [model] + ([m for m in models if m != model] if compare else [])
results = {}
with error_boundary():
    with st.spinner(tr("probability.ui.building")):
        for m in shown:
            results[m] = _build(model=m, **common)
if not results:
    st.stop()

main = results[model]
grid = main.grid

# --- planners' consensus (Mattson) and the sorties flown so far -------------------------------
base_map = main.poa
regions: list[Region] = []
with st.expander(tr("probability.ui.consensus")):
    st.caption(tr("probability.ui.consensus_help"))
    region_up = st.file_uploader(tr("probability.ui.regions_file"), type=_AREA_TYPES,
                                 key="poa_regions")
    with error_boundary():
        if region_up is not None:
            regions = [Region(n, g) for n, g in imported_geometries(
                region_up.name, region_up.getvalue(), grid.crs, kinds=POLYGONS)]
    if regions:
        cols_ = [r.name for r in regions] + [ROW_KEY]
        share = [round(100.0 / len(regions), 1)] * len(regions)
        share[-1] = round(100.0 - sum(share[:-1]), 1)
        points = st.data_editor(pd.DataFrame([share + [0.0]], columns=cols_,
                                             index=[tr("probability.ui.planner", n=1)]),
                                num_rows="dynamic", key="poa_points")
        weight = st.slider(tr("probability.ui.blend"), 0.0, 1.0, 0.5, key="poa_blend")
        with error_boundary():
            region_poa = mattson(points.fillna(0.0).to_dict("records"), [r.name for r in regions])
            base_map = consensus_map(base_map, regions, region_poa, weight)
            st.caption(tr("probability.ui.region_poa", values=", ".join(
                f"{k} {v:.3f}" for k, v in region_poa.items())))
with st.expander(tr("probability.ui.sorties")):
    st.caption(tr("probability.ui.sorties_help"))
    pod_ups = st.file_uploader(tr("probability.ui.pod_files"), type=["tif", "tiff"],
                               accept_multiple_files=True, key="poa_pods")
# the sorties logged against this mission with a flown track, in takeoff order (the facts)
logged_sorties: list[FlownSortie] = []
with error_boundary():
    if mission.get("mission_id") is not None:
        logged_sorties = [FlownSortie(r.number, r.takeoff_at, r.track, r.plan)
                          for r in mission_sorties_flown(database(), int(mission["mission_id"]))]
state = None
logged = None
with error_boundary():
    ordered = sorted(pod_ups or [], key=lambda u: u.name)  # flying order = file-name order
    pods = [read_pod_bytes(u.getvalue(), u.name, grid) for u in ordered]
    logged = replay_logged(base_map, logged_sorties, asset_width=_asset_width, extra_pods=pods,
                           pod_of=_cached_pod(grid))
    state = logged.state
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
        tr("probability.logged.col_width"): u.sweep_width_m if u.sweep_width_m is not None else _na,
        tr("probability.logged.col_source"): tr(f"probability.logged.source_{u.width_source}")
        if u.width_source else _na,
        tr("probability.logged.col_pod"): round(u.pod_mean, 4) if u.pod_mean is not None else _na,
        tr("probability.logged.col_over"): tr(f"probability.logged.over_{u.pod_mean_over}")
        if u.pod_mean_over else _na,
        tr("probability.logged.col_pos"): round(u.pos, 5) if u.pos is not None else _na,
    } for u in logged.sorties]).astype(str), hide_index=True, width="stretch", key="poa_logged")
    for u in logged.sorties:
        if u.skipped:
            st.warning(tr(u.skipped, **dict(u.skipped_params or {})), icon=":material/warning:")
if state.pos:
    st.caption(tr("probability.ui.sorties_done", n=len(state.pos), pos=f"{state.total_pos:.3f}"))
if main.synthetic:
    st.warning(tr("common.synthetic_badge"), icon=":material/warning:")
segments = []
with error_boundary():
    if seg_up is not None:
        segments = [Region(n, g) for n, g in imported_geometries(
            seg_up.name, seg_up.getvalue(), grid.crs, kinds=POLYGONS)]
    elif seg_mode == "terrain":
        segments = terrain_segments(grid, main.elevation, float(seg_km) * 1000.0)
    else:
        segments = grid_segments(grid, float(seg_km) * 1000.0)

rings = [(r, tr("probability.ui.ring", p=p, km=f"{r / 1000:g}"))
         for p, r in zip((25, 50, 75, 95), quartiles.as_tuple(), strict=True)]
cols = st.columns(len(results))
picked = None
for col, (m, res) in zip(cols, results.items(), strict=True):
    with col:
        st.markdown(f"**{tr(f'probability.ui.model_{m}')}**")
        shown_map = state.current if m == model else res.poa
        a, b = st.columns(2)
        a.metric(tr("probability.ui.in_grid"), f"{shown_map.poa.sum():.3f}")
        b.metric(tr("probability.ui.row"), f"{shown_map.row:.3f}")
        opts = res.inputs.terrain_options
        layers = res.layers  # the terrain model's barriers, tracks and drainages, as used
        fig = poa_figure(grid, shown_map.poa, res.elevation, res.hillshade, _labels(),
                         ipp=(res.inputs.ipp_x, res.inputs.ipp_y), rings=rings,
                         segments=[(s.name, s.geometry) for s in segments],
                         barriers=opts.barriers if layers is not None else (),
                         tracks=opts.tracks if layers is not None else (),
                         drainage=layers.drainage if layers is not None else None,
                         pickable=m == model)
        if m == model:  # a click or a box on the main map picks a new IPP
            event = st.plotly_chart(fig, width="stretch", on_select="rerun",
                                    selection_mode=("points", "box"), key=f"poa_map_{m}",
                                    config={"displaylogo": False, "scrollZoom": True})
            picked = selection_point(event.selection if event is not None else None)
        else:
            st.plotly_chart(fig, width="stretch", key=f"poa_map_{m}",
                            config={"displaylogo": False, "scrollZoom": True})

# --- a new IPP picked on the map: shown in WGS84, used only when the crew confirms ------------
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

st.subheader(tr("probability.ui.segments"))
with error_boundary():
    table = segment_table(segments, state.current, state.initial, state.cumulative_pod)
    df = pd.DataFrame([{
        tr("probability.ui.col_name"): r.name,
        tr("probability.ui.col_area"): round(r.area_m2 / 1e6, 3),
        tr("probability.ui.col_poa"): round(r.poa, 5),
        tr("probability.ui.col_density"): round(r.poa_density_per_km2, 5),
        tr("probability.ui.col_pod"): round(r.cumulative_pod, 3),
        tr("probability.ui.col_pos"): round(r.pos, 5),
        tr("probability.ui.col_rank"): r.rank,
    } for r in table.rows]).sort_values(tr("probability.ui.col_rank"))
    st.dataframe(df, hide_index=True, width="stretch")
    # the plan page takes this map (POS, next sortie) and these segments (plan area) from here
    publish_handover(st.session_state, terrain_id=entry.id, mission=mission, model=model,
                     current=state.current,
                     segments=[(s.name, s.geometry, r.rank, r.poa)
                               for s, r in zip(segments, table.rows, strict=True)])
    st.caption(tr("probability.ui.handover", n=len(segments)))
    st.caption(tr("probability.ui.gaps", area=f"{table.gap_area_m2 / 1e6:.2f}",
                  poa=f"{table.gap_poa:.4f}", row=f"{table.row:.4f}"))

d1, d2 = st.columns(2)
tags = {"MODEL": model, "SUBJECT": mission["subject"],
        "IPP_WGS84": f"{mission['lat']:.6f},{mission['lon']:.6f}"}
d1.download_button(tr("probability.ui.download_tif"), poa_geotiff_bytes(state.current, tags),
                   file_name=f"poa_{model}.tif", mime="image/tiff", key="poa_dl_tif")
d2.download_button(tr("probability.ui.download_png"), poa_png(state.current.poa),
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
