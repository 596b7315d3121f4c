"""Numbers at the precision a crew reads (issue 16 item 4): sar_planner.display.

Expected values are worked by hand: 28.444444444444443 m (the sweep width seen on the
Probability page's logged-sortie table) is 28 m; POD 0.6234 is 62 %; half rounds away from zero
(28.5 m -> 29 m, 0.625 -> 63 %), as a person rounding on paper does.
"""

import math

import pytest

from sar_planner.display import NOT_KNOWN, metres, whole_percent


@pytest.mark.parametrize(("value", "text"), [
    (28.444444444444443, "28 m"), (28.5, "29 m"), (27.49, "27 m"), (0.2, "0 m"),
    (-3.5, "-4 m"), (1234.0, "1234 m"),
])
def test_metres_whole(value, text):
    assert metres(value) == text


def test_metres_without_unit_and_unknown():
    assert metres(28.444444444444443, unit=False) == "28"
    assert metres(None) == NOT_KNOWN
    assert metres(math.nan) == NOT_KNOWN


@pytest.mark.parametrize(("value", "text"), [
    (0.6234, "62 %"), (0.625, "63 %"), (0.0, "0 %"), (1.0, "100 %"),
    (0.004, "<1 %"), (0.996, ">99 %"), (0.5, "50 %"),
])
def test_whole_percent(value, text):
    assert whole_percent(value) == text


def test_whole_percent_unknown():
    assert whole_percent(None) == NOT_KNOWN
    assert whole_percent(float("inf")) == NOT_KNOWN
    assert whole_percent(0.62, unit=False) == "62"
