"""Terrain page: the terrain library, importing the unit's own tiles, shaded relief, point read-out."""

from __future__ import annotations

import os
import re

import pandas as pd
import streamlit as st

from sar_planner.display import crs_name
from sar_planner.geo import parse_latlon, to_local, to_wgs84
from sar_planner.logbook.audit import audit_event
from sar_planner.terrain.library import import_uploads, list_library
from sar_planner.terrain.overview import EntrySummary, overview, point_report, summarize
from sar_planner.ui.common import app_settings, error_boundary, lang, show_error, tr
from sar_planner.ui.map_layers import base_layer_panel, base_layers_for
from sar_planner.ui.map_view import add_points, base_map, show_map
from sar_planner.ui.session import database, require_page


def _stamp(paths: tuple[str, ...]) -> tuple[float, ...]:
    """Modification times, so cached results follow a file that changed on disk."""
    out = []
    for p in paths:
        m = re.match(r"^/vsizip/(.+?\.zip)", p, flags=re.IGNORECASE)
        real = m.group(1) if m else p
        out.append(os.path.getmtime(real) if os.path.exists(real) else 0.0)
    return tuple(out)


@st.cache_data(show_spinner=False, max_entries=32)
def _summary(paths: tuple[str, ...], stamp: tuple[float, ...]) -> EntrySummary:
    return summarize(paths)


@st.cache_resource(show_spinner=False, max_entries=4)
def _overview(paths: tuple[str, ...], stamp: tuple[float, ...]):
    return overview(paths, _summary(paths, stamp))


signed = require_page("terrain")
st.title(tr("tpage.title"))
st.info(tr("tpage.real_data_note"), icon=":material/info:")
settings = app_settings()

# --- import -----------------------------------------------------------------------------------
with st.expander(tr("tpage.import_header"), expanded=False):
    st.caption(tr("tpage.import_help"))
    with st.form("terrain_import", clear_on_submit=False):
        # no type filter here: Streamlit marked a .jpg red without a word and the import then
        # said "choose a file first"; the core refuses it by name and lists what it takes
        uploads = st.file_uploader(tr("tpage.upload"), accept_multiple_files=True,
                                   key="terrain_upload", help=tr("tpage.import_help"))
        name = st.text_input(tr("tpage.import_name"), key="terrain_import_name")
        submitted = st.form_submit_button(tr("tpage.import_button"), type="primary")
    if submitted:
        if not uploads:
            st.warning(tr("tpage.import_none"))
        else:
            bar = st.progress(0.0)
            with error_boundary():
                entry = import_uploads(
                    [(up.name, up.getvalue()) for up in uploads], settings, name=name or None,
                    progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0),
                                                       text=tr("tpage.import_progress", message=m)))
                bar.progress(1.0)
                st.session_state["terrain_entry"] = entry.id  # kept across pages
                audit_event(database(), signed.actor.username, "import_terrain", "terrain",
                            {"name": entry.name_en, "id": entry.id, "files": [up.name for up in uploads]})
                st.session_state["terrain_choose"] = entry.id  # the selector below shows it
                st.success(tr("tpage.import_done", name=entry.name_zh if lang() == "zh"
                              else entry.name_en, files=len(entry.paths)))

with st.expander(tr("mapping.ui.base_header"), expanded=False):
    base_layer_panel(settings)

# --- library ----------------------------------------------------------------------------------
st.subheader(tr("tpage.library"))
entries = []
with error_boundary():
    entries = list_library(settings)
if not entries:
    st.warning(tr("tpage.empty_library"))
    st.stop()

names = {e.id: (e.name_zh if lang() == "zh" else e.name_en) for e in entries}
rows, summaries = [], {}
for e in entries:
    try:
        s = _summary(tuple(e.paths), _stamp(tuple(e.paths)))
    except Exception as exc:  # noqa: BLE001 - one unreadable entry must not hide the others
        show_error(exc)
        continue
    summaries[e.id] = s
    rows.append({
        tr("tpage.col_name"): names[e.id],
        tr("tpage.col_kind"): tr("tpage.kind_bundled") if e.bundled else tr("tpage.kind_imported"),
        tr("tpage.col_synthetic"): tr("tpage.yes") if (e.synthetic or s.synthetic) else tr("tpage.no"),
        tr("tpage.col_crs"): ", ".join(s.crs_labels),
        tr("tpage.col_resolution"): round(s.resolution_m, 1),
        tr("tpage.col_extent"): " ".join(f"{v:.3f}" for v in s.bounds_wgs84),
        tr("tpage.col_elevation"): (f"{s.min_elevation_m:.0f} - {s.max_elevation_m:.0f}"
                                    if s.min_elevation_m is not None else ""),
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

ids = [e.id for e in entries if e.id in summaries]
current = st.session_state.get("terrain_entry")
chosen = st.selectbox(tr("tpage.choose"), ids, index=ids.index(current) if current in ids else 0,
                      format_func=names.get, key="terrain_choose")
st.session_state["terrain_entry"] = chosen
entry = next(e for e in entries if e.id == chosen)
summary = summaries[chosen]
if entry.attribution_in(lang()):
    st.caption(entry.attribution_in(lang()))
if entry.synthetic or summary.synthetic:
    st.warning(tr("tpage.synthetic_warning"), icon=":material/warning:")

# --- point read-out ---------------------------------------------------------------------------
marker = None
st.subheader(tr("tpage.query_header"))
with st.form("terrain_query"):
    c1, c2 = st.columns([3, 1])
    coord_text = c1.text_input(tr("tpage.query_coord"), key="terrain_coord",
                               placeholder="36.10, 94.85  |  36°06′N 94°51′E  |  北纬36度6分 东经94度51分")
    datum = c2.selectbox(tr("tpage.query_datum"), ["WGS84", "CGCS2000", "GCJ02", "BD09"],
                         key="terrain_datum")
    asked = st.form_submit_button(tr("tpage.query_button"))
if asked:
    with error_boundary():
        point = to_wgs84(parse_latlon(coord_text, datum=datum))
        report = point_report(tuple(entry.paths), summary, point.lat, point.lon)
        m1, m2, m3 = st.columns(3)
        m1.metric(tr("tpage.query_elevation"), f"{report.elevation_m:.0f} m")
        m2.metric(tr("tpage.query_slope"), f"{report.slope_deg:.1f}°")
        m3.metric(tr("tpage.query_aspect"),
                  "—" if report.aspect_deg != report.aspect_deg else f"{report.aspect_deg:.0f}°")
        st.caption(tr("tpage.query_local", crs=crs_name(report.crs, lang()))
                   + f": E {report.x:.0f} m, N {report.y:.0f} m; WGS84 {point.lat:.6f}, {point.lon:.6f}")
        marker = (point.lat, point.lon, coord_text)

# --- map --------------------------------------------------------------------------------------
st.subheader(tr("tpage.map_header"))
with error_boundary():
    terrain = _overview(tuple(entry.paths), _stamp(tuple(entry.paths)))
    markers = []
    if marker is not None:
        x, y = to_local(marker[0], marker[1], terrain.grid.crs)
        markers.append((float(x), float(y), marker[2]))
    fig = base_map(terrain.grid, terrain.elevation, terrain.hillshade, terrain.slope_deg,
                   lang=lang(), base=base_layers_for(terrain.grid, settings),
                   synthetic=bool(entry.synthetic or summary.synthetic))
    if markers:
        add_points(fig, tr("tpage.query_header"), markers, colour="#d62728")
    show_map(fig, key="terrain_map")
    st.caption(tr("tpage.map_caption", crs=crs_name(terrain.grid.crs, lang()), display_m=terrain.grid.cell_size,
                  native_m=summary.resolution_m))
    if terrain.outside_cells:
        st.caption(tr("tpage.partial_note"))
