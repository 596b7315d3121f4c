"""The map crews plan on: the pure parts of the one map every page shows.

Nothing here imports streamlit or plotly; the figure is assembled in :mod:`sar_planner.ui.map_view`.

- :mod:`~sar_planner.mapping.grids`: latitude/longitude graticule and the UTM or CGCS2000
  3-degree Gauss-Kruger kilometre grid as lines in the map's metric CRS; scale-bar length.
- :mod:`~sar_planner.mapping.contours`: contour lines from the DEM, interval chosen from the relief.
- :mod:`~sar_planner.mapping.labels`: non-overlapping label placement.
- :mod:`~sar_planner.mapping.gazetteer`: the bundled towns, stations and passes of the region.
- :mod:`~sar_planner.mapping.baselayers`: the unit's own base maps (raster and vector), imported
  once into the data folder, all-or-nothing, and read back for a map view.

Layer: beside terrain/geo (imports only :mod:`sar_planner.grid`, :mod:`sar_planner.geo`,
:mod:`sar_planner.errors`, :mod:`sar_planner.settings`).
"""
