"""Terrain: read elevation files, put them on a mission's metric grid, derive slope and shade.

Flow: :func:`expand_sources` lists the rasters inside files, folders and zips; :func:`inspect`
describes one; :func:`grid_around` / :func:`grid_covering` build a :class:`~sar_planner.grid.Grid`
in the mission's UTM or CGCS2000 Gauss-Kruger zone; :func:`load_terrain` mosaics and reprojects the
sources onto it as a :class:`Terrain` (elevation in metres above sea level, with slope, aspect and
hillshade computed on first use, as ``gdaldem`` computes them). :func:`sample_bilinear`,
:func:`profile`, :func:`elevation_at` and :func:`slope_at` read values off it;
:func:`geoid_separation` converts between sea-level and ellipsoidal heights (EGM2008). The terrain
library (bundled + imported datasets) is in :mod:`sar_planner.terrain.library`.
"""

from sar_planner.terrain.geoid import ellipsoidal_height, geoid_separation, orthometric_height
from sar_planner.terrain.grids import MAX_GRID_CELLS, grid_around, grid_covering
from sar_planner.terrain.library import (
    TerrainEntry,
    get_entry,
    import_files,
    import_uploads,
    list_library,
)
from sar_planner.terrain.load import SMALL_VOID_MAX_AREA_M2, Terrain, Void, load_terrain
from sar_planner.terrain.sample import elevation_at, profile, sample_bilinear, slope_at, to_grid_xy
from sar_planner.terrain.sources import RasterInfo, expand_sources, inspect
from sar_planner.terrain.surface import hillshade, slope_aspect

__all__ = [
    "RasterInfo",
    "inspect",
    "expand_sources",
    "grid_around",
    "grid_covering",
    "MAX_GRID_CELLS",
    "Terrain",
    "Void",
    "load_terrain",
    "SMALL_VOID_MAX_AREA_M2",
    "slope_aspect",
    "hillshade",
    "sample_bilinear",
    "profile",
    "elevation_at",
    "slope_at",
    "to_grid_xy",
    "geoid_separation",
    "ellipsoidal_height",
    "orthometric_height",
    "TerrainEntry",
    "list_library",
    "get_entry",
    "import_files",
    "import_uploads",
]
