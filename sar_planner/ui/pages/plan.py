"""Plan page: segment or datum, aircraft, pattern and its settings -> a terrain-safe sortie plan.

Thin: it collects the inputs, calls :func:`sar_planner.planner.plan_search` (cached by its
inputs), and draws with :mod:`sar_planner.ui.figures_plan`. Warnings stand in red above the
downloads; a blocking one disables every download.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from sar_planner.allocation import next_sortie_options, rank_candidates
from sar_planner.assets import load_catalogue
from sar_planner.coverage import plan_coverage, pod_from_coverage, sortie_pos
from sar_planner.errors import PlanningError
from sar_planner.geo import parse_latlon
from sar_planner.i18n import t
from sar_planner.patterns import PATTERNS
from sar_planner.planner import (PlanRequest, plan_search, read_line, read_segment,
                                 writer_options)
from sar_planner.terrain.library import list_library
from sar_planner.ui.common import app_settings, error_boundary, lang, tr
from sar_planner.ui.figures_plan import draw_area_figure, profile_figure, track_figure
from sar_planner.ui.map_layers import base_layers_for
from sar_planner.ui.map_select import selection_ring
from sar_planner.ui.mission_state import current_handover, segment_ring_wgs84
from sar_planner.ui.terrain_choice import first_holding
from sar_planner.ui.tradeoff_panel import afford_panel, over_budget_gate
from sar_planner.ui.widget_memory import keep_values
from sar_planner.ui.session import require_page

_AREA_TYPES = ["geojson", "json", "kml", "kmz", "zip"]


_MAP_PX = 500  # cells per side of the drawing map's terrain (display only)
_EXPORTS_KEY = "plan_export_files"  # {"plan": the plan, "files": {(ext, sortie, lang): bytes}}
_DRAWN_KEY = "plan_drawn"  # {"lonlat": ring WGS84, "xy": ring metres, "crs": CRS text}
#: The plan form's fields kept over a visit to another page.
_KEPT = ("plan_asset", "plan_pattern", "plan_light", "plan_area_source", "plan_segment",
         "plan_area_text", "plan_datum", "plan_home", "plan_agl", "plan_coverage", "plan_spacing",
         "plan_heading", "plan_radius", "plan_interval", "plan_temperature", "plan_sweep_own",
         "plan_next_daylight", "plan_next_seg")


@st.cache_resource(show_spinner=False, max_entries=4)
def _map_terrain(paths: tuple[str, ...], crs_text: str, west: float, south: float, east: float,
                 north: float, cell_m: float):
    from pyproj import CRS

    from sar_planner.grid import Grid
    from sar_planner.terrain import load_terrain

    grid = Grid.from_bounds(CRS.from_user_input(crs_text), west, south, east, north, cell_m)
    return load_terrain(list(paths), grid, allow_partial=True, allow_voids=True)


def _draw_map(entry, handover, mission) -> None:
    """The terrain to draw the search area on; a lasso or box becomes the drawn area."""
    from sar_planner.geo import to_local
    from sar_planner.patterns import check_area
    from sar_planner.terrain import grid_around

    st.subheader(tr("planning.ui.draw_title"))
    if handover is not None and handover.terrain_id == entry.id:
        base = handover.current.grid  # the probability map's own grid and CRS
    elif mission.get("lat") is not None:
        half_km = st.number_input(tr("planning.ui.draw_half_km"), min_value=0.5, max_value=50.0,
                                  value=5.0, step=1.0, key="plan_draw_km")
        base = grid_around(float(mission["lat"]), float(mission["lon"]), half_km * 1000.0, 30.0)
    else:
        st.caption(tr("planning.ui.draw_no_mission"))
        return
    west, south, east, north = base.bounds
    cell = max(base.cell_size, max(east - west, north - south) / _MAP_PX)
    crs_text = base.crs.to_string()
    terrain = _map_terrain(tuple(entry.paths), crs_text, west, south, east, north, cell)
    st.caption(tr("planning.ui.draw_help"))
    drawn = st.session_state.get(_DRAWN_KEY)
    markers = []
    if mission.get("lat") is not None:
        ix, iy = to_local(float(mission["lat"]), float(mission["lon"]), terrain.grid.crs)
        markers.append((float(ix), float(iy), tr("probability.ui.ipp")))
    segs = []
    if handover is not None and handover.terrain_id == entry.id:
        for sg in handover.segments:
            geoms = getattr(sg.geometry, "geoms", [sg.geometry])
            segs += [(sg.name, tuple(g.exterior.coords)) for g in geoms]
    labels = {k: tr(f"planning.ui.{k}") for k in ("easting", "northing", "area")}
    labels.update({k: tr(f"tpage.{k}") for k in ("elevation", "slope", "latlon")})
    fig = draw_area_figure(terrain.grid, terrain.elevation, terrain.hillshade, terrain.slope_deg,
                           labels, area_xy=drawn["xy"] if drawn and drawn["crs"] == crs_text
                           else None, segments=segs, markers=markers, lang=lang(),
                           base=base_layers_for(terrain.grid, app_settings()),
                           synthetic=bool(getattr(terrain, "synthetic", False)))
    event = st.plotly_chart(fig, width="stretch", on_select="rerun",
                            selection_mode=("lasso", "box"), key="plan_draw_map",
                            config={"displaylogo": False, "scrollZoom": True})
    ring = selection_ring(event.selection if event is not None else None)
    if ring is not None and ring != st.session_state.get("plan_drawn_selection"):
        st.session_state["plan_drawn_selection"] = ring
        st.session_state.pop(_DRAWN_KEY, None)
        with error_boundary():
            from shapely.geometry import Polygon

            area = check_area(Polygon(ring))  # crossing edges or no size: the core's message
            st.session_state[_DRAWN_KEY] = {
                "xy": tuple(ring), "lonlat": segment_ring_wgs84(area, terrain.grid.crs),
                "crs": crs_text, "km2": area.area / 1e6}
            st.session_state["plan_area_source"] = "drawn"
            st.rerun()  # draw the outline and choose it as the area source
    drawn = st.session_state.get(_DRAWN_KEY)
    if drawn:
        st.success(tr("planning.ui.drawn_area", km2=f"{drawn['km2']:.2f}",
                      corners=len(drawn["xy"]) - 1), icon=":material/draw:")


@st.cache_resource(show_spinner=False, max_entries=8)
def _plan(req: PlanRequest, paths: tuple[str, ...]):
    return plan_search(req, sources=list(paths))


def _corners(text: str) -> tuple[tuple[float, float], ...]:
    """(lon, lat) ring from one 'lat, lon' position per line."""
    pts = []
    for line in text.splitlines():
        if line.strip():
            p = parse_latlon(line)
            pts.append((p.lon, p.lat))
    if len(pts) < 3:
        raise PlanningError("planning.err_area_type", kind=f"{len(pts)} points")
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return tuple(pts)


def _read_poa(data: bytes):
    from sar_planner.probability import read_poa_geotiff

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "poa.tif"
        path.write_bytes(data)
        return read_poa_geotiff(path)


def _labels() -> dict[str, str]:
    keys = ("easting", "northing", "agl", "sortie", "transit", "home", "area", "distance",
            "altitude", "terrain", "flight", "required", "min_clearance")
    out = {k: tr(f"planning.ui.{k}") for k in keys}
    out["home"] = tr("planning.ui.home_marker")
    return out


require_page("plan")  # the role is checked on every run, not only in the menu
st.title(tr("nav.plan"))
settings = app_settings()
entries = []
with error_boundary():
    entries = list_library(settings)
if not entries:
    st.warning(tr("planning.ui.no_terrain"))
    st.stop()
names = {e.id: (e.name_zh if lang() == "zh" else e.name_en) for e in entries}
ids = list(names)
mission = st.session_state.get("mission") or {}
# the Probability page's current POA map and segments for this mission (None if not built)
handover = current_handover(st.session_state, mission)
current = (handover.terrain_id if handover is not None else None) \
    or st.session_state.get("poa_terrain") or st.session_state.get("terrain_entry") \
    or first_holding(entries, mission.get("lat"), mission.get("lon"))  # else one holding the IPP
# what the crew set stays after a visit to another page (Streamlit forgets undrawn widgets)
_scope = f"plan:{mission.get('incident_number') or mission.get('ipp_text', '')}"
keep_values(("plan_terrain", "plan_draw_km"), _scope, allowed={"plan_terrain": ids})
chosen = st.selectbox(tr("planning.ui.terrain_select"), ids,
                      index=ids.index(current) if current in ids else 0, format_func=names.get,
                      key="plan_terrain")
entry = next(e for e in entries if e.id == chosen)

assets = {}
with error_boundary():
    assets = load_catalogue()
if not assets:
    st.stop()
default_datum = f"{mission['lat']:.6f}, {mission['lon']:.6f}" if mission.get("lat") is not None \
    else ""

with error_boundary():
    _draw_map(entry, handover, mission)

keep_values(_KEPT, _scope, allowed={
    "plan_asset": list(assets), "plan_pattern": list(PATTERNS),
    "plan_segment": [sg.name for sg in handover.segments] if handover is not None else []})
with st.form("plan_form"):
    c1, c2, c3 = st.columns(3)
    asset_id = c1.selectbox(tr("planning.ui.asset"), list(assets),
                            format_func=lambda a, _l=lang(): assets[a].name(_l), key="plan_asset")
    pattern = c2.selectbox(
        tr("planning.ui.pattern"), list(PATTERNS),
        format_func=lambda p, _l=lang(): t(f"planning.ui.pattern_{p.replace('-', '_')}", _l),
        key="plan_pattern")
    light = c3.radio(tr("planning.ui.light"), ["day", "night"], horizontal=True,
                     format_func=lambda v, _l=lang(): t(f"planning.ui.light_{v}", _l),
                     key="plan_light")
    st.caption(tr("planning.ui.where_help"))
    sources = ["typed", "segment", "drawn"]
    if st.session_state.get("plan_area_source") not in sources:  # first visit: best source known
        st.session_state["plan_area_source"] = (
            "segment" if handover is not None and handover.segments else "typed")
    area_source = st.radio(tr("planning.ui.area_source"), sources, horizontal=True,
                           format_func=lambda v, _l=lang(): t(f"planning.ui.area_source_{v}", _l),
                           key="plan_area_source")
    segment_name = None
    if handover is not None and handover.segments:
        by_name = {sg.name: sg for sg in handover.segments}
        segment_name = st.selectbox(
            tr("planning.ui.segment_pick"), list(by_name),
            format_func=lambda n, _b=by_name, _l=lang(): t(
                "planning.ui.segment_option", _l, rank=_b[n].rank, name=n, poa=f"{_b[n].poa:.4f}"),
            key="plan_segment")
    w1, w2 = st.columns(2)
    area_text = w1.text_area(tr("planning.ui.area_corners"), key="plan_area_text", height=120)
    area_file = w1.file_uploader(tr("planning.ui.area_file"), type=_AREA_TYPES,
                                 key="plan_area_file")
    datum_text = w2.text_input(tr("planning.ui.datum"), value=default_datum, key="plan_datum")
    home_text = w2.text_input(tr("planning.ui.home"), key="plan_home")
    p1, p2, p3, p4 = st.columns(4)
    agl = p1.number_input(tr("planning.ui.agl"), min_value=5.0, max_value=1500.0, value=60.0,
                          step=5.0, key="plan_agl")
    coverage = p2.number_input(tr("planning.ui.coverage"), min_value=0.1, max_value=5.0,
                               value=1.0, step=0.1, key="plan_coverage")
    spacing = p3.number_input(tr("planning.ui.spacing"), min_value=0.0, value=0.0, step=5.0,
                              key="plan_spacing")
    heading = p4.number_input(tr("planning.ui.heading"), min_value=-1.0, max_value=359.0,
                              value=-1.0, step=1.0, key="plan_heading")
    q1, q2, q3 = st.columns(3)
    radius = q1.number_input(tr("planning.ui.radius"), min_value=0.0, value=0.0, step=50.0,
                             key="plan_radius")
    interval = q2.number_input(tr("planning.ui.interval"), min_value=1.0, value=30.0, step=5.0,
                               key="plan_interval")
    temperature = q3.text_input(tr("planning.ui.temperature"), key="plan_temperature")
    sweep_own = q1.number_input(tr("planning.ui.sweep_own"), min_value=0.0, value=0.0, step=5.0,
                                key="plan_sweep_own")
    go = st.form_submit_button(tr("planning.ui.go"), type="primary")

if go:
    with error_boundary():
        area = None
        line = None
        crs = None
        if pattern == "track-line":
            line = read_line(area_file.name, area_file.getvalue()) if area_file else None
        elif area_source == "segment" and pattern not in ("expanding-square", "sector"):
            if handover is None or segment_name is None:
                raise PlanningError("planning.err_no_handover")
            if chosen != handover.terrain_id:
                raise PlanningError("planning.err_handover_terrain",
                                    expected=names.get(handover.terrain_id, handover.terrain_id),
                                    chosen=names.get(chosen, chosen))
            # the segment's outline, planned in the map's own metric CRS (same polygon)
            area = segment_ring_wgs84(handover.segment(segment_name).geometry, handover.crs)
            crs = handover.crs.to_string()
        elif area_source == "drawn" and pattern not in ("expanding-square", "sector"):
            drawn = st.session_state.get(_DRAWN_KEY)
            if not drawn:
                raise PlanningError("planning.err_no_drawn")
            area, crs = drawn["lonlat"], drawn["crs"]  # planned in the map's own CRS
        elif area_file is not None:
            area = read_segment(area_file.name, area_file.getvalue())
        elif area_text.strip():
            area = _corners(area_text)
        datum = None
        if datum_text.strip() and pattern in ("expanding-square", "sector"):
            p = parse_latlon(datum_text)
            datum = (p.lat, p.lon)
        home = None
        if home_text.strip():
            p = parse_latlon(home_text)
            home = (p.lat, p.lon)
        temp = None
        if temperature.strip():
            try:
                temp = float(temperature.replace(",", "."))
            except ValueError:
                raise PlanningError("planning.err_temperature", value=temperature) from None
        st.session_state["plan_request"] = PlanRequest(
            asset_id=asset_id, pattern=pattern, area=area if pattern not in (
                "expanding-square", "sector") else None, datum=datum, line=line, agl_m=float(agl),
            spacing_m=float(spacing) if spacing > 0 else None, coverage=float(coverage),
            heading_deg=float(heading) if heading >= 0 else None,
            radius_m=float(radius) if radius > 0 else None, interval_m=float(interval),
            home=home, light=light, temperature_c=temp,
            sweep_width_m=float(sweep_own) if sweep_own > 0 else None,
            name=f"{pattern}-{asset_id}" if area_source != "segment" or area is None
            else f"{pattern}-{asset_id}-{segment_name}", crs=crs)
        st.session_state["plan_segment_used"] = (segment_name if area_source == "segment"
                                                 and crs is not None else None)
        if (area_source in ("segment", "drawn") and pattern not in (
                "expanding-square", "sector", "track-line")
                and (area_text.strip() or area_file is not None)):
            # typed corners or a file, not used while another source is chosen (issue 16: they
            # were ignored without a word): say which area is planned and how to use them
            st.warning(tr("planning.ui.typed_ignored",
                          source=tr(f"planning.ui.area_source_{area_source}"),
                          typed=tr("planning.ui.area_source_typed"),
                          button=tr("planning.ui.go")),
                       icon=":material/warning:")

req = st.session_state.get("plan_request")
if req is None:
    st.info(tr("planning.ui.start_help"), icon=":material/info:")
    st.stop()

result = None
with error_boundary():
    with st.spinner(tr("planning.ui.planning")):
        result = _plan(req, tuple(entry.paths))
if result is None:
    st.stop()
# plans a crew can afford (issue 15 item 3): the height x coverage choices, today's hours, and
# a plan over those hours flagged before it is drawn
_available_s = None
with error_boundary():
    _available_s = afford_panel(req, result, handover, chosen, tuple(entry.paths))
if not over_budget_gate(req, result, _available_s):
    st.stop()

def _pos_and_next(result, req: PlanRequest, plan, terrain) -> None:
    """POS of the plan on the mission's current POA map and the next-sortie ranking.

    The map is the Probability page's current one (hand-over) when it was built on the terrain
    chosen here; without one, an uploaded POA GeoTIFF (the fallback).
    """
    used = st.session_state.get("plan_segment_used")
    if used is not None and handover is not None:
        seg = next((sg for sg in handover.segments if sg.name == used), None)
        if seg is not None and getattr(seg.geometry, "interiors", ()):
            st.caption(tr("planning.ui.handover_hole", name=used))
    usable = handover if handover is not None and handover.terrain_id == chosen else None
    if handover is not None and usable is None:
        st.warning(tr("planning.ui.handover_stale"), icon=":material/warning:")
    if usable is not None:
        st.caption(tr("planning.ui.handover_poa", model=tr(f"probability.ui.model_{usable.model}"),
                      terrain=names.get(usable.terrain_id, usable.terrain_id)))
    poa_up = None  # an uploaded map is the fallback when the Probability page has none
    if usable is None:
        poa_up = st.file_uploader(tr("planning.ui.poa_file"), type=["tif", "tiff"],
                                  key="plan_poa")
    if poa_up is None and usable is None:
        return
    with error_boundary():
        if poa_up is not None:
            pm = _read_poa(poa_up.getvalue())
            segs = None
        else:
            pm = usable.current
            segs = [(sg.name, sg.geometry) for sg in usable.segments]
        pod_poa = pod_from_coverage(plan_coverage(plan, pm.grid, terrain=terrain))
        st.metric(tr("planning.ui.pos_current" if poa_up is None else "planning.ui.pos"),
                  f"{100 * sortie_pos(pm.poa, pod_poa):.2f} %")
        with st.expander(tr("planning.ui.next_title"), expanded=False):
            from sar_planner.probability import grid_segments

            n1, n2 = st.columns(2)
            daylight = n2.number_input(tr("planning.ui.next_daylight"), min_value=0.0,
                                       value=0.0, step=10.0, key="plan_next_daylight")
            if segs is None:  # an uploaded map: square segments of the size asked
                seg_km = n1.number_input(tr("planning.ui.next_segment_km"), min_value=0.5,
                                         value=2.0, step=0.5, key="plan_next_seg")
                segs = [(sg.name, sg.geometry) for sg in grid_segments(pm.grid, seg_km * 1000.0)]
            home_xy = (float(result.sorties_xyz[0][0, 0]), float(result.sorties_xyz[0][0, 1]))
            alt = float(np.nanmean(terrain.elevation)) + req.agl_m
            # the options are built in the core; an aircraft it cannot plan is named with why
            options, refused = next_sortie_options(list(assets.values()), req.agl_m, req.light,
                                                   alt, req.temperature_c, home_xy,
                                                   daylight_s=daylight * 60.0)
            for u in refused:
                st.warning(tr("planning.ui.next_unplannable", asset=assets[u.asset_id].name(lang()),
                              why=tr(u.key, **dict(u.params))), icon=":material/flight:")
            ranked = rank_candidates(pm.poa, pm.grid, segs, options)[:10]
            st.dataframe(pd.DataFrame([{
                tr("planning.ui.col_rank"): c.rank, tr("planning.ui.col_segment"): c.segment,
                tr("planning.ui.col_asset"): assets[c.asset_id].name(lang()),
                tr("planning.ui.col_pos"): round(100 * c.pos, 2),
                tr("planning.ui.col_rate"): round(100 * c.pos_per_minute, 3),
                tr("planning.ui.col_why"): " ".join(tr(r.key, **dict(r.params))
                                                   for r in c.reasons),
            } for c in ranked]), hide_index=True, width="stretch")


def _render(result, req: PlanRequest) -> None:
    """Everything shown for a finished plan (inside the page's error boundary)."""
    plan = result.plan
    # --- warnings first: red before anything can be exported --------------------------------------
    for n in plan.notices:
        text = tr(n.code, **dict(n.params))
        if n.blocking:
            st.error(text, icon=":material/block:")
        elif n.code == "planning.notice_sorties":  # information, not a hazard
            st.info(text, icon=":material/battery_charging_full:")
        else:  # a hazard the crew must weigh (height cap ...): red, but export stays possible
            st.error(text, icon=":material/warning:")

    terrain = result.terrain
    cov = plan_coverage(plan, terrain.grid, terrain=terrain)
    pod = pod_from_coverage(cov)
    # two rows (4 + 3): seven figures in one row cut "Track length 322.8 km" at 1280 px (issue 16)
    m = st.columns(4) + st.columns(4)[:3]
    hours, minutes = divmod(int(round(plan.duration_s / 60.0)), 60)
    m[0].metric(tr("planning.ui.length"), f"{plan.length_m / 1000:.1f} km")
    m[1].metric(tr("planning.ui.time"), f"{hours}:{minutes:02d}")
    m[2].metric(tr("planning.ui.sorties"), f"{len(plan.sorties)}")
    m[3].metric(tr("planning.ui.spacing_out"), f"{plan.spacing_m:.0f} m")
    m[4].metric(tr("planning.ui.sweep"), f"{plan.sweep_width_m:.0f} m")
    m[5].metric(tr("planning.ui.clearance"), f"{plan.min_clearance_m:.0f} m")
    searched = cov > 0
    mean_pod = float(pod[searched].mean()) if searched.any() else 0.0
    m[6].metric(tr("planning.ui.pod"), f"{100 * mean_pod:.0f} %")
    perf = result.performance
    st.caption(tr("planning.ui.performance", altitude=f"{perf.altitude_m:.0f}",
                  density_altitude=f"{perf.density_altitude_m:.0f}",
                  endurance=f"{perf.endurance_s / 60:.0f}", usable=f"{perf.usable_s / 60:.0f}",
                  climb=f"{perf.climb_rate_m_s:.1f}"))
    with st.expander(tr("planning.ui.sweep_derivation")):
        for step in result.sweep.steps:
            st.markdown("- " + tr(step.key, **dict(step.params)))

    labels = _labels()
    st.plotly_chart(track_figure(terrain, result, labels, area_xy=result.area_xy, lang=lang(),
                                 base=base_layers_for(terrain.grid, app_settings())),
                    width="stretch",
                    config={"displaylogo": False, "scrollZoom": True}, key="plan_track_fig")
    st.subheader(tr("planning.ui.profile"))
    st.plotly_chart(profile_figure(result, labels), width="stretch",
                    config={"displaylogo": False}, key="plan_profile_fig")

    st.dataframe(pd.DataFrame([{
        tr("planning.ui.col_sortie"): s.index,
        tr("planning.ui.col_minutes"): round(s.duration_s / 60.0, 1),
        tr("planning.ui.col_length"): round(s.length_m / 1000.0, 2),
        tr("planning.ui.col_search"): round(s.search_length_m / 1000.0, 2),
        tr("planning.ui.col_waypoints"): len(s.waypoints),
    } for s in plan.sorties]), hide_index=True, width="stretch")

    # --- POS against the current POA map, and what to fly next -------------------------------------
    _pos_and_next(result, req, plan, terrain)

    # --- downloads -----------------------------------------------------------------------------------
    st.subheader(tr("planning.ui.downloads"))
    if not plan.exportable:
        st.error(tr("planning.ui.blocked"), icon=":material/block:")
    else:
        from sar_planner.formats import WRITERS, write_plan

        cols = st.columns(4)
        i = 0
        # each file is written once per plan and kept for the reruns (a plan of 60 sorties has
        # some 200 files: writing them all again at every click of the page took seconds, and the
        # same bytes keep the same download address between reruns)
        made = st.session_state.get(_EXPORTS_KEY)
        if not made or made.get("plan") is not plan:
            made = st.session_state[_EXPORTS_KEY] = {"plan": plan, "files": {}}
        stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in plan.name)
        plan_asset = assets.get(plan.asset_id)
        dji_ready = plan_asset is not None and plan_asset.dji_drone_enum is not None \
            and plan_asset.dji_payload_enum is not None
        if plan_asset is not None and plan_asset.dji_drone_enum is None:
            # both MAVLink files follow the aircraft's one autopilot setting (writer_options)
            st.caption(tr("planning.ui.autopilot_files",
                          autopilot=tr(f"planning.ui.autopilot_{plan_asset.autopilot}")))
        for ext, spec in WRITERS.items():
            if ext == ".kmz" and not dji_ready:  # DJI Pilot 2 refuses a route without its model
                st.caption(tr("planning.ui.no_dji"))
                continue
            targets = [s.index for s in plan.sorties] if spec.one_flight else [None]
            for sortie in targets:
                with cols[i % 4]:
                    with error_boundary():
                        opts = {"sortie": sortie} if sortie is not None else {}
                        opts.update(writer_options(plan.asset_id, ext))
                        if ext == ".html":
                            opts["lang"] = lang()
                        fkey = (ext, sortie, lang())
                        if fkey not in made["files"]:
                            made["files"][fkey] = write_plan(plan, ext, **opts)
                        data = made["files"][fkey]
                        label = tr(spec.label)
                        full = label
                        if sortie is not None and len(plan.sorties) > 1:
                            # the number first and short, so a 1280 px column never cuts it
                            # off; the format's full name is the button's tooltip (issue 16)
                            label = tr("planning.ui.per_sortie_button", n=sortie, ext=ext)
                        suffix = "" if sortie is None else f"_{sortie}"
                        st.download_button(label, data, mime=spec.mime, help=full,
                                           file_name=f"{stem}{suffix}{ext}",
                                           key=f"plan_dl_{ext}_{sortie}")
                i += 1
    st.caption(tr("planning.ui.source_note", tol=f"{math.trunc(10)}"))


with error_boundary():
    _render(result, req)
