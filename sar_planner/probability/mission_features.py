"""A mission's map features: barriers, tracks, search segments and consensus regions, kept as facts.

The crew draws them on the probability map or imports them from files; they are stored with the
mission's planning inputs (:mod:`sar_planner.logbook.mission_inputs`) as a list of plain dicts:

``{"id": "f3c9...", "kind": "segment", "name": "S2", "source": "drawn",
"geometry": {"type": "Polygon", "coordinates": [[[lon, lat], ...]]}}``

Geometry is GeoJSON in WGS84 degrees (x = longitude, y = latitude), so a feature survives a
change of grid, cell size or terrain; it is projected into the mission grid's metric CRS
(metres) only when a map is built (:func:`grid_geometries`). ``source`` is ``drawn`` or
``imported:<file name>``.

Rules (:func:`check_features`): a barrier is a line or an area (a river or cliff line, a salt
lake), a track is a line, a segment or region is an area; every geometry is valid and non-empty
with finite degrees in range; names are non-empty and unique within a kind; the whole mission
holds at most :data:`MAX_VERTICES` vertices and spans at most :data:`MAX_SPAN_KM` east to west
(no feature across the 180 degree meridian); search segments do not overlap (an overlap larger
than :data:`OVERLAP_TOLERANCE_M2` is refused naming both segments and the overlap's area;
:func:`clip_segment` cuts a new segment by the existing ones instead); a new segment in several
separate pieces (cut in two by clipping, or a file's multi-part polygon) is kept as one segment
per piece (:func:`split_pieces`), since a segment is flown as one outline. Areas and lengths are
measured in the UTM zone of the features (:func:`sar_planner.geo.local_metric_crs`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from sar_planner.errors import ProbabilityError
from sar_planner.formats.areas import read_area
from sar_planner.geo import from_local, local_metric_crs, to_local
from sar_planner.probability.features import LINES, POLYGONS

__all__ = ["KINDS", "ALLOWED_TYPES", "MAX_VERTICES", "MAX_NAME", "OVERLAP_TOLERANCE_M2",
           "MAX_SPAN_KM",
           "MissionFeature", "new_feature", "feature_from_dict", "check_features",
           "check_no_overlap", "clip_segment", "split_pieces", "Added", "add_feature",
           "add_features", "remove_feature", "rename_feature",
           "features_of", "grid_geometries", "to_grid", "from_grid", "measure",
           "feature_collection", "features_from_file", "unique_name", "features_key"]

#: The kinds of feature, in the order the page lists them.
KINDS: tuple[str, ...] = ("barrier", "track", "segment", "region")
#: Geometry types each kind allows.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "barrier": LINES + POLYGONS, "track": LINES, "segment": POLYGONS, "region": POLYGONS}
#: Most vertices all features of one mission may hold together (they are stored in the logbook
#: and drawn on every map).
MAX_VERTICES = 20_000
#: Longest feature name (characters).
MAX_NAME = 100
#: Overlap of two segments (m^2) below which they are taken as sharing a border: the rounding of
#: a border drawn in metres and stored in degrees (well under a square metre), never a real area.
#: For large segments ten parts per million of the smaller one's area is allowed instead.
OVERLAP_TOLERANCE_M2 = 1.0
#: Widest east-west extent (km) a mission's features may cover together, measured along the
#: parallel nearest the equator they reach: longitudes apart x 111.32 km x cos(latitude). Areas
#: and overlaps are measured in one UTM zone at their middle, whose scale error grows with that
#: extent (about 0.3 % at 500 km either side); much farther, transverse Mercator breaks down (a
#: feature across the 180 degree meridian, stored as -180..180, measured 0 m^2 and passed the
#: overlap check). 1,000 km is far wider than any search.
MAX_SPAN_KM = 1000.0
_MAX_SOURCE = 260


@dataclass(frozen=True)
class MissionFeature:
    """One feature of a mission.

    Attributes
    ----------
    id:
        Stable identifier (kept through renames).
    kind:
        One of :data:`KINDS`.
    name:
        The crew's name for it, unique within its kind.
    source:
        ``drawn`` or ``imported:<file name>``.
    geometry:
        Shapely geometry, degrees WGS84 (x = longitude, y = latitude).
    """

    id: str
    kind: str
    name: str
    source: str
    geometry: BaseGeometry

    def to_dict(self) -> dict[str, Any]:
        """The stored form (JSON-ready; coordinates as lists of [lon, lat])."""
        return {"id": self.id, "kind": self.kind, "name": self.name, "source": self.source,
                "geometry": _geojson(self.geometry)}


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return float(value) if isinstance(value, (int, float, np.floating)) else value


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    m = mapping(geom)
    return {"type": m["type"], "coordinates": _lists(m["coordinates"])}


def _label(item: Any, index: int) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("name"), str) and item["name"].strip():
        return item["name"].strip()
    return f"#{index}"


def feature_from_dict(item: Mapping[str, Any], index: int = 1) -> MissionFeature:
    """A stored feature dict, checked on its own (kind, name, source, geometry).

    Parameters
    ----------
    item:
        ``id``, ``kind``, ``name``, ``source`` and ``geometry`` (GeoJSON, WGS84 degrees).
    index:
        Its place in the list (1 = first), named in messages.

    Raises
    ------
    ProbabilityError
        ``probability.err_mf_*``: what is wrong with this feature, naming it.
    """
    if not isinstance(item, Mapping):
        raise ProbabilityError("probability.err_mf_not_feature", index=index)
    label = _label(item, index)
    kind = item.get("kind")
    if kind not in KINDS:
        raise ProbabilityError("probability.err_mf_kind", name=label, kind=kind,
                               allowed=", ".join(KINDS))
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProbabilityError("probability.err_mf_name_empty", index=index)
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ProbabilityError("probability.err_mf_name_long", name=name[:40], limit=MAX_NAME)
    fid = item.get("id")
    if not isinstance(fid, str) or not fid.strip() or len(fid) > 64:
        raise ProbabilityError("probability.err_mf_id", name=name)
    source = item.get("source")
    if not isinstance(source, str) or not (source == "drawn" or (
            source.startswith("imported:") and len(source) > len("imported:"))) \
            or len(source) > _MAX_SOURCE:
        raise ProbabilityError("probability.err_mf_source", name=name, source=source)
    try:
        geom = shape(item.get("geometry"))
    except Exception:  # noqa: BLE001 - any malformed GeoJSON reads as one clear message
        raise ProbabilityError("probability.err_mf_geometry", name=name) from None
    _check_geometry(kind, name, geom)
    return MissionFeature(fid.strip(), kind, name, source, geom)


def _check_geometry(kind: str, name: str, geom: BaseGeometry) -> None:
    if geom.geom_type not in ALLOWED_TYPES[kind]:
        raise ProbabilityError(f"probability.err_mf_type_{kind}", name=name, type=geom.geom_type)
    if geom.is_empty:
        raise ProbabilityError("probability.err_mf_empty", name=name)
    xy = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(xy)):
        raise ProbabilityError("probability.err_mf_coords", name=name)
    if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        raise ProbabilityError("probability.err_mf_coords", name=name)
    if shapely.has_z(geom):
        raise ProbabilityError("probability.err_mf_geometry", name=name)
    if geom.geom_type in LINES and geom.length <= 0:  # before validity: a point-like line
        raise ProbabilityError("probability.err_mf_empty", name=name)
    if not geom.is_valid:
        raise ProbabilityError("probability.err_mf_invalid", name=name,
                               reason=shapely.is_valid_reason(geom))
    if geom.geom_type in POLYGONS and geom.area <= 0:
        raise ProbabilityError("probability.err_mf_empty", name=name)


def _tolerance(a: BaseGeometry, b: BaseGeometry) -> float:
    """Overlap (m^2) taken as a shared border: :data:`OVERLAP_TOLERANCE_M2`, or ten parts per
    million of the smaller area when that is more (a long border reprojected between zones)."""
    return max(OVERLAP_TOLERANCE_M2, 1e-5 * min(a.area, b.area))


def _crs_for(geoms: Sequence[BaseGeometry]) -> CRS:
    """The UTM zone of the features' middle (where areas and lengths are measured)."""
    minx = min(g.bounds[0] for g in geoms)
    miny = min(g.bounds[1] for g in geoms)
    maxx = max(g.bounds[2] for g in geoms)
    maxy = max(g.bounds[3] for g in geoms)
    return local_metric_crs((miny + maxy) / 2.0, (minx + maxx) / 2.0)


def to_grid(geom: BaseGeometry, crs: CRS) -> BaseGeometry:
    """A WGS84 (lon, lat) geometry in metres of ``crs`` (vertex by vertex)."""
    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = to_local(xy[:, 1], xy[:, 0], crs)
        return np.column_stack([x, y])
    return shapely.transform(geom, fwd)


def from_grid(geom: BaseGeometry, crs: CRS) -> BaseGeometry:
    """A geometry in metres of ``crs`` as WGS84 (lon, lat) degrees: the inverse of :func:`to_grid`."""
    def back(xy: np.ndarray) -> np.ndarray:
        lat, lon = from_local(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])
    return shapely.transform(geom, back)


def measure(feature: MissionFeature, crs: CRS | None = None) -> tuple[str, float]:
    """(``"length_m"`` or ``"area_m2"``, value) of a feature, measured in ``crs`` (default: the
    UTM zone of the feature). Lines give their length in metres, areas their area in m^2."""
    metric = to_grid(feature.geometry, crs or _crs_for([feature.geometry]))
    if feature.geometry.geom_type in LINES:
        return "length_m", float(metric.length)
    return "area_m2", float(metric.area)


def check_no_overlap(segments: Sequence[MissionFeature], crs: CRS | None = None) -> None:
    """Refuse segments that overlap by more than :data:`OVERLAP_TOLERANCE_M2`.

    Raises
    ------
    ProbabilityError
        ``probability.err_mf_overlap`` naming the first two segments found to overlap and the
        overlap's area (km^2, measured in ``crs``, default the UTM zone of the segments).
    """
    if len(segments) < 2:
        return
    crs = crs or _crs_for([s.geometry for s in segments])
    metric = [to_grid(s.geometry, crs) for s in segments]
    tree = shapely.STRtree(metric)
    for i, a in enumerate(metric):
        for j in sorted(int(k) for k in tree.query(a)):
            if j <= i:
                continue
            overlap = a.intersection(metric[j]).area
            if overlap > _tolerance(a, metric[j]):
                raise ProbabilityError("probability.err_mf_overlap", a=segments[i].name,
                                       b=segments[j].name, km2=f"{overlap / 1e6:.3f}")


def check_features(items: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """A mission's features checked and normalised to their stored form.

    Parameters
    ----------
    items:
        Stored feature dicts (see the module docstring), or None (no features).

    Returns
    -------
    list of dict
        The same features, names stripped, coordinates as lists (JSON-ready).

    Raises
    ------
    ProbabilityError
        The first feature that breaks a rule (module docstring), naming it; repeated ids or names
        within a kind; more than :data:`MAX_VERTICES` vertices; overlapping segments.
    """
    if items is None:
        return []
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ProbabilityError("probability.err_mf_not_list")
    feats = [feature_from_dict(item, i) for i, item in enumerate(items, start=1)]
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    vertices = 0
    for f in feats:
        if f.id in ids:
            raise ProbabilityError("probability.err_mf_id", name=f.name)
        ids.add(f.id)
        if (f.kind, f.name.casefold()) in names:
            raise ProbabilityError("probability.err_mf_name_taken", name=f.name,
                                   kind=f.kind)
        names.add((f.kind, f.name.casefold()))
        vertices += int(shapely.get_num_coordinates(f.geometry))
    if vertices > MAX_VERTICES:
        raise ProbabilityError("probability.err_mf_vertices", count=vertices, limit=MAX_VERTICES)
    _check_span(feats)
    check_no_overlap([f for f in feats if f.kind == "segment"])
    return [f.to_dict() for f in feats]


def _check_span(feats: Sequence[MissionFeature]) -> None:
    """Refuse features spread more than :data:`MAX_SPAN_KM` east to west, naming the widest one
    when it alone is too wide (it crosses the 180 degree meridian), else the one farthest from
    the middle of the others (a file in the wrong place)."""
    if not feats:
        return
    bounds = np.array([f.geometry.bounds for f in feats])
    south, north = float(bounds[:, 1].min()), float(bounds[:, 3].max())
    lat = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
    km_per_deg = 111.32 * math.cos(math.radians(lat))
    west, east = float(bounds[:, 0].min()), float(bounds[:, 2].max())
    if (east - west) * km_per_deg <= MAX_SPAN_KM:
        return
    widths = (bounds[:, 2] - bounds[:, 0]) * km_per_deg
    if widths.max() > MAX_SPAN_KM:
        worst = int(np.argmax(widths))
    else:
        mids = 0.5 * (bounds[:, 0] + bounds[:, 2])
        worst = int(np.argmax(np.abs(mids - np.median(mids))))
    raise ProbabilityError("review.err_mf_span", name=feats[worst].name,
                           km=f"{(east - west) * km_per_deg:.0f}", west=f"{west:.2f}",
                           east=f"{east:.2f}", limit=f"{MAX_SPAN_KM:.0f}")


def features_of(items: Iterable[Mapping[str, Any]] | None,
                kind: str | None = None) -> list[MissionFeature]:
    """The stored feature dicts as :class:`MissionFeature` (only ``kind`` when given), in order."""
    out = [feature_from_dict(item, i) for i, item in enumerate(items or [], start=1)]
    return [f for f in out if kind is None or f.kind == kind]


def features_key(items: Iterable[Mapping[str, Any]] | None,
                 kinds: Sequence[str] = KINDS) -> str:
    """A canonical text of the features of ``kinds`` (for cache keys and fingerprints): the same
    features give the same text whatever their order in the list."""
    chosen = sorted((dict(i) for i in items or []
                     if isinstance(i, Mapping) and i.get("kind") in kinds),
                    key=lambda i: (str(i.get("kind")), str(i.get("id"))))
    return json.dumps(chosen, sort_keys=True, ensure_ascii=False)


def grid_geometries(items: Iterable[Mapping[str, Any]] | None, kind: str,
                    crs: CRS) -> list[tuple[str, BaseGeometry]]:
    """(name, geometry in metres of ``crs``) of the mission's features of one ``kind``."""
    return [(f.name, to_grid(f.geometry, crs)) for f in features_of(items, kind)]


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... the first not in ``taken`` (case-insensitive)."""
    used = {t.casefold() for t in taken}
    base = (name.strip() or "?")[: MAX_NAME - 6]
    if base.casefold() not in used:
        return base
    n = 2
    while f"{base} ({n})".casefold() in used:
        n += 1
    return f"{base} ({n})"


def new_feature(kind: str, name: str, geometry: BaseGeometry, source: str = "drawn"
                ) -> MissionFeature:
    """A new feature with a fresh id, checked on its own (see :func:`feature_from_dict`).

    ``geometry`` is in WGS84 degrees (lon, lat).
    """
    item = {"id": uuid.uuid4().hex[:16], "kind": kind, "name": name, "source": source,
            "geometry": _geojson(geometry)}
    return feature_from_dict(item)


def clip_segment(segment: MissionFeature, existing: Sequence[MissionFeature],
                 crs: CRS | None = None) -> tuple[MissionFeature, list[str]]:
    """A new segment cut by the existing segments so that none overlap.

    Parameters
    ----------
    segment:
        The new segment (WGS84 degrees).
    existing:
        The mission's features (only segments are used).
    crs:
        Metric CRS in which overlaps are measured (default: UTM zone of the segments).

    Returns
    -------
    (MissionFeature, list of str)
        The segment with the overlapping parts removed, and the names of the segments it was
        clipped by (empty when it overlapped none).

    Raises
    ------
    ProbabilityError
        ``probability.err_mf_clipped_away`` when nothing of the new segment is left, or
        ``probability.err_mf_type_segment`` when what is left is not an area.
    """
    others = [f for f in existing if f.kind == "segment" and f.id != segment.id]
    if not others:
        return segment, []
    crs = crs or _crs_for([segment.geometry] + [o.geometry for o in others])
    mine = to_grid(segment.geometry, crs)
    # cut in metres and store the result in degrees: the cut border then sits on the other
    # segment's own projected border, so a later overlap check finds nothing there
    geom_m = mine
    by: list[str] = []
    for o in others:
        theirs = to_grid(o.geometry, crs)
        if mine.intersection(theirs).area > _tolerance(mine, theirs):
            by.append(o.name)
            geom_m = geom_m.difference(theirs)
    if not by:
        return segment, []
    if geom_m.geom_type == "GeometryCollection":
        geom_m = shapely.union_all([g for g in geom_m.geoms if g.geom_type in POLYGONS])
    # a tenth of a millimetre grid removes the needle-thin spikes the cut leaves where two
    # borders almost coincide (they would make the outline cross itself once in degrees)
    geom_m = shapely.set_precision(geom_m, 1e-4)
    # slivers left along a border by rounding are dropped
    parts = [p for p in getattr(geom_m, "geoms", [geom_m])
             if p.geom_type == "Polygon" and p.area > _tolerance(p, mine)]
    if not parts:
        raise ProbabilityError("probability.err_mf_clipped_away", name=segment.name,
                               others=", ".join(by))
    geom = from_grid(parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts), crs)
    clipped = MissionFeature(segment.id, segment.kind, segment.name, segment.source, geom)
    _check_geometry(clipped.kind, clipped.name, clipped.geometry)
    return clipped, by


def split_pieces(feature: MissionFeature, taken: Iterable[str]) -> list[MissionFeature]:
    """A segment in several separate pieces as one segment per piece; any other feature as is.

    A search segment is one area a team or aircraft searches as a whole (the planner flies one
    outline at a time), so a segment that clipping cut in two, or a file's multi-part polygon,
    becomes ``name 1``, ``name 2``... numbered from the largest piece down. The largest keeps
    the feature's id. Names already in ``taken`` are avoided as :func:`unique_name` does.
    """
    geom = feature.geometry
    if feature.kind != "segment" or geom.geom_type != "MultiPolygon" or len(geom.geoms) < 2:
        return [feature]
    crs = _crs_for([geom])
    pieces = sorted(geom.geoms, key=lambda g: -to_grid(g, crs).area)
    used = list(taken)
    base = feature.name[: MAX_NAME - 10]
    out: list[MissionFeature] = []
    for i, piece in enumerate(pieces, start=1):
        name = unique_name(f"{base} {i}", used)
        used.append(name)
        fid = feature.id if i == 1 else uuid.uuid4().hex[:16]
        out.append(MissionFeature(fid, feature.kind, name, feature.source, piece))
    return out


@dataclass(frozen=True)
class Added:
    """What :func:`add_features` did besides adding.

    clipped:
        (name, names of the segments it was clipped by) for each new segment that overlapped.
    split:
        (name, names of its pieces) for each new segment kept as several (:func:`split_pieces`).
    """

    clipped: tuple[tuple[str, tuple[str, ...]], ...] = ()
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()


def add_feature(items: Sequence[Mapping[str, Any]] | None, feature: MissionFeature, *,
                clip: bool = True) -> tuple[list[dict[str, Any]], Added]:
    """The features with ``feature`` added (a segment clipped by the others when ``clip``, and
    kept as one segment per separate piece).

    Returns
    -------
    (list of dict, Added)
        The new stored list (checked by :func:`check_features`) and what was clipped or split.
    """
    return add_features(items, [feature], clip=clip)


def add_features(items: Sequence[Mapping[str, Any]] | None,
                 features: Sequence[MissionFeature], *, clip: bool = True
                 ) -> tuple[list[dict[str, Any]], Added]:
    """The features with several added in order (e.g. a file's), each new segment clipped by the
    segments before it and split into its separate pieces; the whole list is checked once at the
    end.

    Returns
    -------
    (list of dict, Added)
        The new stored list, and the segments clipped (with the names they were clipped by) and
        split (with the names of their pieces).
    """
    current = features_of(items)
    clipped: list[tuple[str, tuple[str, ...]]] = []
    split: list[tuple[str, tuple[str, ...]]] = []
    for feature in features:
        if feature.kind == "segment" and clip:
            feature, by = clip_segment(feature, current)
            if by:
                clipped.append((feature.name, tuple(by)))
        taken = [f.name for f in current if f.kind == feature.kind]
        pieces = split_pieces(feature, taken)
        if len(pieces) > 1:
            split.append((feature.name, tuple(p.name for p in pieces)))
        current.extend(pieces)
    return check_features([f.to_dict() for f in current]), Added(tuple(clipped), tuple(split))


def remove_feature(items: Sequence[Mapping[str, Any]] | None, feature_id: str
                   ) -> list[dict[str, Any]]:
    """The features without the one whose id is ``feature_id``.

    Raises
    ------
    ProbabilityError
        ``probability.err_mf_unknown`` when there is no such feature (removed by someone else).
    """
    items = list(items or [])
    left = [dict(i) for i in items if i.get("id") != feature_id]
    if len(left) == len(items):
        raise ProbabilityError("probability.err_mf_unknown")
    return check_features(left)


def rename_feature(items: Sequence[Mapping[str, Any]] | None, feature_id: str, name: str
                   ) -> list[dict[str, Any]]:
    """The features with one renamed (the name must stay unique within its kind)."""
    renamed = [dict(i) for i in items or []]
    hit = [i for i in renamed if i.get("id") == feature_id]
    if not hit:
        raise ProbabilityError("probability.err_mf_unknown")
    hit[0]["name"] = name
    return check_features(renamed)


def feature_collection(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """All features as one GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat).

    Each feature's properties hold ``id``, ``kind``, ``name`` and ``source``, so a file written
    here reads back with :func:`features_from_file` with the same kinds and names.
    """
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f.to_dict()["geometry"],
         "properties": {"id": f.id, "kind": f.kind, "name": f.name, "source": f.source}}
        for f in features_of(items)]}


def features_from_file(filename: str, data: bytes, kind: str,
                       taken: Iterable[Mapping[str, Any]] | None = None) -> list[MissionFeature]:
    """New features of ``kind`` from an uploaded GeoJSON/KML/KMZ/zipped shapefile.

    Names come from the file (made unique against the mission's features of that kind and each
    other with :func:`unique_name`); the source is ``imported:<file name>``. A GeoJSON written by
    :func:`feature_collection` keeps its kinds only when they match ``kind``: a feature whose
    ``kind`` property names another kind is refused, never silently retyped.

    Raises
    ------
    FormatError
        From :func:`sar_planner.formats.areas.read_area` (unreadable file, no features).
    ProbabilityError
        ``probability.err_feature_kind`` for a geometry ``kind`` does not allow;
        ``probability.err_mf_vertices`` when the file and the mission's features together hold
        more than :data:`MAX_VERTICES` points.
    """
    if kind not in KINDS:
        raise ProbabilityError("probability.err_mf_kind", name=filename, kind=kind,
                               allowed=", ".join(KINDS))
    used = [f.name for f in features_of(taken, kind)]
    kinds_in_file = _kinds_in_geojson(filename, data)
    out: list[MissionFeature] = []
    source = f"imported:{filename}"[:_MAX_SOURCE]
    areas = read_area(filename, data)
    vertices = sum(int(shapely.get_num_coordinates(a.geometry)) for a in areas) + sum(
        int(shapely.get_num_coordinates(f.geometry)) for f in features_of(taken))
    if vertices > MAX_VERTICES:  # before any work on a file too big to keep
        raise ProbabilityError("probability.err_mf_vertices", count=vertices, limit=MAX_VERTICES)
    for i, area in enumerate(areas, start=1):
        tagged = kinds_in_file.get(i - 1) if kinds_in_file else None
        if area.geometry.geom_type not in ALLOWED_TYPES[kind] or (tagged and tagged != kind):
            raise ProbabilityError("probability.err_feature_kind", file=filename, index=i,
                                   kind=tagged or area.geometry.geom_type,
                                   allowed=", ".join(ALLOWED_TYPES[kind]))
        name = unique_name(area.name, used)
        used.append(name)
        out.append(new_feature(kind, name, area.geometry, source))
    return out


def _kinds_in_geojson(filename: str, data: bytes) -> dict[int, str]:
    """The ``kind`` property of each feature of a GeoJSON FeatureCollection (by index), if any."""
    if not filename.lower().endswith((".geojson", ".json")):
        return {}
    try:
        doc = json.loads(bytes(data).decode("utf-8-sig"))
        feats = doc.get("features") if isinstance(doc, dict) else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    out: dict[int, str] = {}
    kept = 0  # numbered as the reader numbers them: features without geometry are skipped
    for f in feats if isinstance(feats, list) else []:
        try:
            if not isinstance(f, dict) or f.get("geometry") is None or \
                    shape(f["geometry"]).is_empty:
                continue
        except Exception:  # noqa: BLE001 - the reader reports a broken geometry itself
            continue
        props = f.get("properties")
        if isinstance(props, dict) and props.get("kind") in KINDS:
            out[kept] = props["kind"]
        kept += 1
    return out
