"""The unit's imported base maps for the map component, and the panel that imports them.

:func:`base_layers_for` turns every imported base layer that overlaps a grid into a
:class:`~sar_planner.ui.map_view.RasterLayer` (reprojected onto the grid, a PNG) or a
:class:`~sar_planner.ui.map_view.VectorLayer` (features in the grid's CRS), cached by the entry
and the grid, for :func:`sar_planner.ui.map_view.base_map`. :func:`base_layer_panel` is the
Streamlit form that imports (all-or-nothing, :mod:`sar_planner.mapping.baselayers`) and removes
them; the Terrain page shows it.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import CRS

from sar_planner.grid import Grid
from sar_planner.mapping.baselayers import (entry_overlaps, import_base_layer, list_base_layers,
                                            raster_view, remove_base_layer, vector_view)
from sar_planner.settings import Settings
from sar_planner.ui.map_view import RasterLayer, VectorLayer, rgba_data_uri

__all__ = ["base_layers_for", "base_layer_panel"]

_VECTOR_COLOURS = ("#7a3b00", "#005f99", "#6b2f8f", "#2f6b00", "#9a0044")


@lru_cache(maxsize=32)
def _layer(folder: str, entry_id: str, crs_wkt: str, bounds: tuple[float, float, float, float],
           colour: str, settings: Settings) -> RasterLayer | VectorLayer | None:
    entry = next((e for e in list_base_layers(settings) if e.id == entry_id), None)
    if entry is None:
        return None
    crs = CRS.from_wkt(crs_wkt)
    if entry.kind == "raster":
        return RasterLayer(entry.name, rgba_data_uri(raster_view(entry, crs, bounds)), bounds)
    return VectorLayer(entry.name, tuple(vector_view(entry, crs, bounds)), colour)


def base_layers_for(grid: Grid, settings: Settings) -> list[RasterLayer | VectorLayer]:
    """The imported base layers overlapping ``grid``, ready to draw on it (oldest first).

    Raster layers are reprojected onto the grid's bounds (at most 1,200 px a side); vector
    layers keep the features that touch the grid, in its CRS.
    """
    out: list[RasterLayer | VectorLayer] = []
    vectors = 0
    for entry in list_base_layers(settings):
        if not entry_overlaps(entry, grid.crs, grid.bounds):
            continue
        colour = _VECTOR_COLOURS[vectors % len(_VECTOR_COLOURS)]
        vectors += entry.kind == "vector"
        layer = _layer(str(entry.folder), entry.id, grid.crs.to_wkt(), tuple(grid.bounds),
                       colour, settings)
        if layer is not None:
            out.append(layer)
    return out


def base_layer_panel(settings: Settings) -> None:
    """Streamlit: import a base map (raster or vector) and list / remove the imported ones."""
    import pandas as pd
    import streamlit as st

    from sar_planner.ui.common import error_boundary, lang, tr

    st.caption(tr("mapping.ui.base_help"))
    with st.form("basemap_import", clear_on_submit=True):
        kinds = {tr(f"mapping.ui.base_kind_{k}"): k for k in ("vector", "raster")}
        # plain translated options (a format_func calling tr() cannot run in AppTest)
        kind = kinds[st.radio(tr("mapping.ui.base_kind"), list(kinds), horizontal=True,
                              key=f"basemap_kind_{lang()}")]
        uploads = st.file_uploader(tr("mapping.ui.base_files"),
                                   type=["geojson", "json", "kml", "kmz", "zip", "gpkg", "tif",
                                         "tiff", "mbtiles"],
                                   accept_multiple_files=True, key="basemap_upload")
        name = st.text_input(tr("mapping.ui.base_name"), key="basemap_name")
        gcj02 = st.checkbox(tr("mapping.ui.base_gcj02"), key="basemap_gcj02")
        submitted = st.form_submit_button(tr("mapping.ui.base_import"), type="primary")
    if submitted:
        if not uploads:
            st.warning(tr("mapping.err_no_files"))
        else:
            with error_boundary():
                entry = import_base_layer([(u.name, u.getvalue()) for u in uploads], settings,
                                          kind=kind, name=name or None, gcj02=gcj02)
                st.success(tr("mapping.ui.base_done", name=entry.name))
    entries = list_base_layers(settings)
    if not entries:
        st.caption(tr("mapping.ui.base_none"))
        return
    st.dataframe(pd.DataFrame([{
        tr("mapping.ui.base_col_name"): e.name,
        tr("mapping.ui.base_col_kind"): tr(f"mapping.ui.base_kind_{e.kind}") + f" ({e.fmt})",
        tr("mapping.ui.base_col_files"): ", ".join(e.source_names),
        tr("mapping.ui.base_col_extent"): " ".join(f"{v:.3f}" for v in e.bounds_wgs84),
        tr("mapping.ui.base_col_when"): e.imported_at.strftime("%Y-%m-%d %H:%M UTC"),
    } for e in entries]), hide_index=True, width="stretch")
    c1, c2 = st.columns([3, 1])
    pick = {f"{e.name} ({e.id})": e.id for e in entries}
    gone = pick[c1.selectbox(tr("mapping.ui.base_remove_pick"), list(pick),
                             key="basemap_remove")]
    if c2.button(tr("mapping.ui.base_remove"), key="basemap_remove_btn"):
        with error_boundary():
            remove_base_layer(settings, gone)
            _layer.cache_clear()
            st.rerun()
