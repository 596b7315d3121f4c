"""EGM2008 geoid separation against published values.

Reference: NGA, EGM2008 2.5' x 2.5' undulation grid ("Und_min2.5x2.5_egm2008_isw=82_WGS84_TideFree"),
test output listed with NGA's interpolation program (output.dat): 37 N 241 E -26.151 m;
36 N 242.983333 E -29.171 m; 90 N 14.899 m; 90 S -30.150 m. Grid nodes must agree to the
millimetre; between nodes our bilinear value may differ from NGA's by a few centimetres.
"""

from __future__ import annotations

import numpy as np
import pytest

from sar_planner.errors import InputError
from sar_planner.terrain import ellipsoidal_height, geoid_separation, orthometric_height


@pytest.mark.parametrize(("lat", "lon", "n_m", "tol"), [
    (37.0, 241.0, -26.151, 0.001),        # a grid node
    (37.0, -119.0, -26.151, 0.001),       # the same place with a negative longitude
    (36.0, 242.983333, -29.171, 0.02),    # between nodes
    (90.0, 0.0, 14.899, 0.001),
    (-90.0, 359.983333, -30.150, 0.001),
])
def test_published_nga_values(lat, lon, n_m, tol):
    assert geoid_separation(lat, lon) == pytest.approx(n_m, abs=tol)


def test_arrays_and_height_conversions():
    lats = np.array([37.0, 36.4])
    lons = np.array([-119.0, 94.9])
    n = geoid_separation(lats, lons)
    assert n.shape == (2,) and n[0] == pytest.approx(-26.151, abs=0.001)
    # Golmud: the geoid lies some tens of metres below the WGS84 ellipsoid on the Tibetan Plateau
    assert -60 < n[1] < -40
    h = ellipsoidal_height(2826.0, 36.4, 94.9)
    assert h == pytest.approx(2826.0 + n[1])
    assert orthometric_height(h, 36.4, 94.9) == pytest.approx(2826.0)


def test_out_of_range_coordinates():
    with pytest.raises(InputError):
        geoid_separation(91.0, 0.0)
    with pytest.raises(InputError):
        geoid_separation(np.array([1.0, 2.0]), np.array([1.0]))
