"""The map built on terrain makes its shaded relief only when something draws it (issue 12: the
command line never does, and it cost 0.7-0.9 s of CPU on a 2,000 x 2,000 grid)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sar_planner.probability import map_on_terrain
from sar_planner.terrain import grid_around, load_terrain

DEM = Path(__file__).resolve().parents[2] / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif"


def test_hillshade_is_made_on_first_use_and_is_the_terrains():
    mm = map_on_terrain([str(DEM)], 38.30, 75.05, 3000.0, 90.0, subject="hiker", model="rings")
    assert "hillshade" not in vars(mm.terrain)  # not made while building the map
    shade = mm.hillshade
    assert "hillshade" in vars(mm.terrain) and mm.hillshade is shade  # made once, then kept
    again = load_terrain([str(DEM)], grid_around(38.30, 75.05, 3000.0, 90.0), allow_partial=True,
                         allow_voids=True)
    np.testing.assert_array_equal(shade, again.hillshade)
    np.testing.assert_array_equal(mm.elevation, again.elevation)
    assert shade.dtype == np.uint8 and shade.shape == mm.grid.shape
