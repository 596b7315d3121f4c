"""``sar-planner poa`` without --radius-km/--resolution uses the Probability page's default grid for
the same inputs (issue 10): a hiker in dry mountains (published 95 % distance 19.2 km, Koester 2008)
near 39.0 N 75.5 E on the bundled real 15" Pamir grid (terrain/PROVENANCE.md) gets ceil(1.25 x 19.2)
= 24 km half-width and max(30, 2 x 24) = 48 m cells: 1001 x 1001 cells, as the page offers, not
the 1601 x 1601 cells at 30 m the command made before."""

from __future__ import annotations

import json
from pathlib import Path

from sar_planner.cli import main
from sar_planner.probability.mission import mission_grid

PAMIR = str(Path(__file__).resolve().parents[2] / "terrain" / "pamir_kashgar_gebco2023_15arcsec.tif")


def test_poa_default_grid_is_the_pages(tmp_path, capsys):
    assert main(["poa", "--terrain", PAMIR, "--ipp", "39.0,75.5", "--subject", "hiker",
                 "--out", str(tmp_path / "p.tif")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shape"] == [1001, 1001] and out["cell_size_m"] == 48.0
    # the page's (and mission map's) grid for the same inputs and default settings
    from sar_planner.probability.map_settings import DEFAULTS

    radius, cell, _ = mission_grid({"lat": 39.0, "lon": 75.5, "subject": "hiker",
                                    "terrain_class": "dry-mountainous"}, DEFAULTS, [PAMIR])
    assert (radius, cell) == (24_000.0, 48.0)
