"""A negative, infinite or NaN IPP uncertainty is refused with its own message and exit status 2 (issue 14,
item 7); before, a negative radius was silently treated as 0 (an exact IPP) and the map made."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from sar_planner.cli import main


@pytest.fixture
def dem(tmp_path):
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(94.75, 36.2, 0.001, 0.001)) as dst:
        dst.write(np.full((200, 200), 2800.0, dtype="float32"), 1)
    return path


@pytest.mark.parametrize("value", ["-5", "nan", "inf"])
def test_negative_or_nan_uncertainty_exits_2(tmp_path, dem, capsys, value):
    out = tmp_path / "poa.tif"
    code = main(["poa", "--terrain", str(dem), "--ipp", "36.10,94.85", "--subject", "hiker",
                 "--terrain-class", "dry-flat", "--model", "rings", "--radius-km", "3", "--resolution", "100",
                 "--uncertainty-m", value, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "uncertainty" in err and "internal error" not in err and err.count("\n") == 1
    assert not out.exists()
