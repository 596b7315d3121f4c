"""Numbers at the precision a crew reads them (issue 16 item 4): one rule for every page.

Pure functions, no streamlit. Inputs in SI units (metres) or fractions (0..1); outputs are the
text a page shows. ``None`` (not known / not applied) is shown as an en dash, never as "None".

- distances and widths in whole metres ("28 m"): a sweep width of 28.444444444444443 m is read
  and flown as 28 m; a decimal of a metre means nothing on a sweep from the air;
- probabilities (POD, POS) in whole percent ("62 %"): IAMSAR Manual Vol. II (2022) reads POD
  off its graphs in whole percent, and a crew briefs it so.
"""

from __future__ import annotations

import math

__all__ = ["NOT_KNOWN", "metres", "whole_percent"]

#: What is shown where a value is not known or not applied.
NOT_KNOWN = "–"


def metres(value_m: float | None, unit: bool = True) -> str:
    """A length in metres rounded to whole metres: ``28.44 -> "28 m"`` (``"28"`` without unit).

    Rounds half away from zero (28.5 -> 29), not Python's half-to-even, so a crew checking by
    hand gets the same figure. ``None`` or a non-finite value gives :data:`NOT_KNOWN`.
    """
    if value_m is None or not math.isfinite(float(value_m)):
        return NOT_KNOWN
    v = float(value_m)
    whole = int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)
    text = str(whole if whole != 0 else 0)
    return f"{text} m" if unit else text


def whole_percent(fraction: float | None, unit: bool = True) -> str:
    """A probability given as a fraction 0..1 in whole percent: ``0.6234 -> "62 %"``.

    Rounds half away from zero (0.625 -> 63 %). A value that is not 0 but would round to 0 is
    shown as ``"<1 %"`` and one that is not 1 but would round to 100 as ``">99 %"``, so a crew
    never reads "0 %" for a sortie that found some probability or "100 %" for one that did not
    cover everything. ``None`` or a non-finite value gives :data:`NOT_KNOWN`.
    """
    if fraction is None or not math.isfinite(float(fraction)):
        return NOT_KNOWN
    p = float(fraction) * 100.0
    whole = int(math.floor(abs(p) + 0.5)) * (1 if p >= 0 else -1)
    suffix = " %" if unit else ""
    if whole == 0 and p > 0:
        return f"<1{suffix}"
    if whole == 100 and p < 100:
        return f">99{suffix}"
    return f"{whole}{suffix}"
