"""Aircraft, drones and sensors: the unit's editable catalogue, and performance at altitude.

The catalogue is ``sar_planner/data/assets.toml`` (bundled) with the unit's copy
``SAR_PLANNER_DATA_DIR/assets.toml`` laid over it field by field. Every figure carries who gave it:
``"maker"`` (a spec sheet, named) or ``"unit"`` (the unit's own planning figure; see the bundled
file's header), and which file it came from (:attr:`Figure.layer`).

One job per module; every public name is re-exported here (``from sar_planner.assets import
get_asset`` is what the planner, the CLI and the pages use):

- :mod:`~sar_planner.assets.model`: :class:`Asset`, :class:`Sensor`, :class:`Figure`,
  :class:`Performance`;
- :mod:`~sar_planner.assets.catalogue`: reading the catalogue (:func:`load_catalogue`,
  :func:`get_asset`);
- :mod:`~sar_planner.assets.layer`: the unit's copy as a layer over the bundled catalogue;
- :mod:`~sar_planner.assets.atmosphere`: ISA density altitude and :func:`performance_at`;
- :mod:`~sar_planner.assets.validation`: the checks an edit must pass (:data:`FIGURE_LIMITS`);
- :mod:`~sar_planner.assets.editing`: editing the unit's figures (the Settings page).
"""

from __future__ import annotations

from sar_planner.assets.atmosphere import density_altitude, isa_density_ratio, performance_at
from sar_planner.assets.catalogue import (
                                        bundled_catalogue_path,
                                        catalogue_path,
                                        get_asset,
                                        load_catalogue,
)
from sar_planner.assets.editing import (
                                        UnitCopyStatus,
                                        discard_unit_catalogue,
                                        editable_figures,
                                        read_catalogue_document,
                                        restore_figure,
                                        save_catalogue,
                                        unit_catalogue_path,
                                        unit_copy_status,
                                        update_figures,
)
from sar_planner.assets.layer import (
                                        UNIT_LAYER_TABLE,
                                        UnitLayerReport,
                                        is_unit_layer,
                                        merge_unit_layer,
                                        unit_layer_from_full,
)
from sar_planner.assets.model import (
                                        ASSET_KINDS,
                                        AUTOPILOTS,
                                        DEFAULT_AUTOPILOT,
                                        Asset,
                                        AssetKind,
                                        Figure,
                                        FigureKey,
                                        Performance,
                                        Sensor,
)
from sar_planner.assets.validation import (
                                        ASSET_FIGURE_FIELDS,
                                        FIGURE_LIMITS,
                                        OPTIONAL_FIGURE_FIELDS,
                                        SENSOR_FIGURE_FIELDS,
                                        FigureLimit,
                                        bundled_figure,
                                        validate_catalogue,
)

__all__ = [
    "AssetKind",
    "Figure",
    "Sensor",
    "Asset",
    "Performance",
    "ASSET_KINDS",
    "AUTOPILOTS",
    "DEFAULT_AUTOPILOT",
    "catalogue_path",
    "bundled_catalogue_path",
    "load_catalogue",
    "get_asset",
    "isa_density_ratio",
    "density_altitude",
    "performance_at",
    "FigureLimit",
    "FIGURE_LIMITS",
    "ASSET_FIGURE_FIELDS",
    "OPTIONAL_FIGURE_FIELDS",
    "SENSOR_FIGURE_FIELDS",
    "FigureKey",
    "unit_catalogue_path",
    "bundled_figure",
    "read_catalogue_document",
    "validate_catalogue",
    "save_catalogue",
    "update_figures",
    "restore_figure",
    "editable_figures",
    "UNIT_LAYER_TABLE",
    "is_unit_layer",
    "merge_unit_layer",
    "unit_layer_from_full",
    "UnitLayerReport",
    "UnitCopyStatus",
    "unit_copy_status",
    "discard_unit_catalogue",
]
