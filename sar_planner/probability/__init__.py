"""Probability of area (POA): where the missing person is likely to be.

Models over a mission :class:`~sar_planner.grid.Grid` (metres in the mission's metric CRS):

* :func:`ring_map` - published distance statistics (:mod:`sar_planner.subjects`) as a
  continuous radial distribution integrated over each cell, with IPP uncertainty and an
  elapsed-time cap;
* :func:`terrain_map` - the same statistics in walking effort over the DEM (Tobler, impassable
  slopes, barriers, optional drainage / track / uphill weights), by a compiled Dijkstra;
* :func:`consensus_map` - planners' Mattson points over regions blended with a model;
* :func:`segment_table` - POA, density, cumulative POD, POS and rank per search segment;
* :func:`bayes_update` / :func:`replay` - the map after unsuccessful sorties;
* :func:`mapscore` - score of a map against a find location;
* :func:`score_cases` - MapScore of each model on the unit's closed cases.

Every map is a :class:`ProbabilityMap`: cells + rest of world (ROW) = 1.
"""

from sar_planner.probability.bayes import (MissionState, bayes_update, check_pod,
                                           cumulative_pod, replay)
from sar_planner.probability.casescore import (Case, CaseScore, ModelSummary, NotScored,
                                               score_case, score_cases, summarize)
from sar_planner.probability.consensus import ROW_KEY, Region, consensus_map, mattson
from sar_planner.probability.costdistance import (cost_distance, grid_path_bias, tobler_kmh,
                                                  travel_effort)
from sar_planner.probability.features import imported_geometries
from sar_planner.probability.io import (poa_geotiff_bytes, read_grid_raster, read_poa_geotiff,
                                        read_pod_bytes, read_pod_on, write_poa_geotiff)
from sar_planner.probability.mapscore import mapscore, mapscore_cell
from sar_planner.probability.mission import (MissionInputs, MissionMap, current_state,
                                             default_grid, initial_map, map_on_terrain)
from sar_planner.probability.maps import ProbabilityMap, ipp_cell, same_grid
from sar_planner.probability.radial import RadialDistribution
from sar_planner.probability.rings import IppUncertainty, ring_map
from sar_planner.probability.segments import (Segment, SegmentStats, SegmentTable,
                                              grid_segments, segment_table, terrain_segments)
from sar_planner.probability.terrain_model import (TerrainLayers, TerrainOptions,
                                                   flow_accumulation, terrain_map)

__all__ = [
    "ProbabilityMap", "same_grid", "ipp_cell",
    "RadialDistribution", "IppUncertainty", "ring_map",
    "TerrainOptions", "TerrainLayers", "terrain_map", "flow_accumulation",
    "cost_distance", "travel_effort", "tobler_kmh", "grid_path_bias",
    "Region", "ROW_KEY", "mattson", "consensus_map",
    "Segment", "SegmentStats", "SegmentTable", "segment_table", "grid_segments",
    "terrain_segments",
    "bayes_update", "cumulative_pod", "check_pod", "MissionState", "replay",
    "mapscore", "mapscore_cell",
    "Case", "CaseScore", "NotScored", "ModelSummary", "score_case", "score_cases", "summarize",
    "MissionInputs", "MissionMap", "initial_map", "current_state", "map_on_terrain",
    "default_grid",
    "write_poa_geotiff", "poa_geotiff_bytes", "read_poa_geotiff", "read_grid_raster",
    "read_pod_on", "read_pod_bytes", "imported_geometries",
]
