"""The bundled gazetteer: towns, airfields and passes of the Qaidam Basin (Chinese and English).

Read from ``sar_planner/data/gazetteer.toml``; every place names the source of its coordinates
(degrees WGS84, approximate centres rounded to 0.01 degree). A new install already shows where
Golmud, Nuomuhong or Naij Tal are.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from pyproj import CRS, Transformer

__all__ = ["Place", "gazetteer", "places_in"]


@dataclass(frozen=True)
class Place:
    """A named place: names, kind (town, township, airport, pass...), degrees WGS84, source."""

    name_en: str
    name_zh: str
    kind: str
    lat: float
    lon: float
    source: str

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` ("zh" or "en")."""
        return self.name_zh if lang == "zh" else self.name_en


@lru_cache(maxsize=1)
def gazetteer() -> tuple[Place, ...]:
    """Every bundled place, in file order."""
    data = tomllib.loads(resources.files("sar_planner.data").joinpath("gazetteer.toml")
                         .read_text(encoding="utf-8"))
    return tuple(Place(str(p["name_en"]), str(p["name_zh"]), str(p["kind"]), float(p["lat"]),
                       float(p["lon"]), str(p["source"])) for p in data["place"])


def places_in(crs: CRS | str | int, bounds: tuple[float, float, float, float],
              margin_m: float = 0.0) -> list[tuple[Place, float, float]]:
    """The bundled places inside a box of a metric CRS, with their (x, y) metres in it.

    Parameters
    ----------
    crs:
        The map's metric CRS.
    bounds:
        (west, south, east, north) metres in ``crs``, grown by ``margin_m`` on every side.
    """
    places = gazetteer()
    to_map = Transformer.from_crs("EPSG:4326", CRS.from_user_input(crs), always_xy=True)
    xs, ys = to_map.transform(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    west, south, east, north = bounds
    return [(p, float(x), float(y)) for p, x, y in zip(places, xs, ys, strict=True)
            if west - margin_m <= x <= east + margin_m and south - margin_m <= y <= north + margin_m]
