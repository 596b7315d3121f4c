"""Subject categories and their published lost-person distance statistics.

The table lives in ``sar_planner/data/subjects.toml`` (the unit may edit it) with its source:
Koester, *Lost Person Behavior* (2008), dry-region distances from the initial planning point (IPP)
at which subjects were found, as 25/50/75/95 % quartiles in kilometres. Local categories (herder,
wolfberry picker, stranded driver on foot) have no published figures; each *stands for* a published
category whose quartiles it uses, and the UI names that category.

Distances returned by this module are metres (straight-line, horizontal).
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from sar_planner.errors import ProbabilityError

__all__ = [
    "TerrainClass",
    "TERRAIN_CLASSES",
    "QUARTILE_LEVELS",
    "Quartiles",
    "SubjectCategory",
    "categories",
    "category",
    "quartiles_for",
    "source_citation",
    "child_category",
]

TerrainClass = Literal["dry-mountainous", "dry-flat"]
#: The terrain classes of the published dry-region table.
TERRAIN_CLASSES: tuple[str, ...] = ("dry-mountainous", "dry-flat")
#: Cumulative probabilities of the four published distances.
QUARTILE_LEVELS: tuple[float, float, float, float] = (0.25, 0.50, 0.75, 0.95)

_DATA = Path(__file__).with_name("data") / "subjects.toml"


@dataclass(frozen=True)
class Quartiles:
    """Distances (metres, horizontal) within which 25, 50, 75 and 95 % of subjects were found.

    Raises :class:`~sar_planner.errors.ProbabilityError` unless the four distances are finite,
    positive and strictly increasing.
    """

    d25: float
    d50: float
    d75: float
    d95: float

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise ProbabilityError("probability.err_quartiles_positive",
                                   values=", ".join(f"{v:g}" for v in values))
        if not all(b > a * (1.0 + 1e-9) for a, b in zip(values, values[1:], strict=False)):
            raise ProbabilityError("probability.err_quartiles_order",
                                   values=", ".join(f"{v:g}" for v in values))

    def as_tuple(self) -> tuple[float, float, float, float]:
        """(d25, d50, d75, d95) in metres."""
        return (self.d25, self.d50, self.d75, self.d95)

    @classmethod
    def from_km(cls, values: Sequence[float]) -> Quartiles:
        """Quartiles from four distances in kilometres (the form of the published table)."""
        if len(values) != 4:
            raise ProbabilityError("probability.err_quartiles_count", count=len(values))
        try:
            d25, d50, d75, d95 = (float(v) * 1000.0 for v in values)
        except (TypeError, ValueError):
            raise ProbabilityError("probability.err_quartiles_positive",
                                   values=", ".join(str(v) for v in values)) from None
        return cls(d25, d50, d75, d95)


@dataclass(frozen=True)
class SubjectCategory:
    """One subject category of the table.

    Attributes
    ----------
    key:
        Identifier, e.g. ``"hiker"``; the UI name is ``probability.subject_<key>`` in the catalogue.
    group:
        ``"published"`` (Koester's table) or ``"local"`` (this unit's; uses ``stands_for``).
    stands_for:
        For a local category, the published category whose statistics it uses; else ``None``.
    quartiles_km:
        Terrain class (or ``"all"``) -> (25, 50, 75, 95 %) distances in km, of the published
        category (for a local one: of the category it stands for).
    """

    key: str
    group: str
    stands_for: str | None
    quartiles_km: dict[str, tuple[float, float, float, float]]


@functools.cache
def _load() -> tuple[dict[str, SubjectCategory], str]:
    with _DATA.open("rb") as fh:
        raw = tomllib.load(fh)
    published: dict[str, dict[str, tuple[float, float, float, float]]] = {}
    for key, entry in raw["category"].items():
        if entry.get("group") == "published":
            published[key] = {k: cast(tuple[float, float, float, float], tuple(float(x) for x in v))
                              for k, v in entry.items() if k != "group"}
    out: dict[str, SubjectCategory] = {}
    for key, entry in raw["category"].items():
        stands_for = entry.get("stands_for")
        table = published[stands_for] if stands_for else published[key]
        out[key] = SubjectCategory(key, entry["group"], stands_for, dict(table))
    return out, str(raw["source"]["citation"])


def categories() -> tuple[SubjectCategory, ...]:
    """Every category in the table, published ones first, in file order."""
    cats = list(_load()[0].values())
    return tuple(c for c in cats if c.group == "published") + tuple(
        c for c in cats if c.group != "published")


def category(key: str) -> SubjectCategory:
    """The category named ``key`` (e.g. ``"hiker"``, ``"wolfberry_picker"``)."""
    cats = _load()[0]
    if key not in cats:
        raise ProbabilityError("probability.err_unknown_subject", value=key,
                               known=", ".join(sorted(cats)))
    return cats[key]


def quartiles_for(key: str, terrain_class: str = "dry-mountainous") -> Quartiles:
    """Published quartiles (metres) of category ``key`` in ``terrain_class``.

    >>> quartiles_for("hiker", "dry-mountainous").d50   # Koester 2008: 3.2 km
    3200.0
    """
    if terrain_class not in TERRAIN_CLASSES:
        raise ProbabilityError("probability.err_terrain_class", value=terrain_class,
                               known=", ".join(TERRAIN_CLASSES))
    table = category(key).quartiles_km
    values = table.get(terrain_class, table.get("all"))
    if values is None:  # pragma: no cover - the data file gives every category one of the two
        raise ProbabilityError("probability.err_unknown_subject", value=key, known="")
    return Quartiles.from_km(values)


def source_citation() -> str:
    """The citation of the distance table (for display next to the map)."""
    return _load()[1]


def child_category(age_years: float) -> str | None:
    """The published child category for an age (1-15 years), else ``None``.

    >>> child_category(5)
    'child_4_6'
    """
    for lo, hi in ((1, 3), (4, 6), (7, 9), (10, 12), (13, 15)):
        if lo <= age_years < hi + 1:
            return f"child_{lo}_{hi}"
    return None
