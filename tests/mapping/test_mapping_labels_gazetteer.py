"""Label placement and the bundled gazetteer (sar_planner.mapping.labels, .gazetteer)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sar_planner.geo import distance_m
from sar_planner.mapping.gazetteer import gazetteer, places_in
from sar_planner.mapping.labels import LabelRequest, place_labels, text_width_px


def _box(p, metres_per_px: float, font_px: float = 11.0, pad: float = 2.0):
    w = (text_width_px(p.text, font_px) + 2 * pad) * metres_per_px
    h = (1.3 * font_px + 2 * pad) * metres_per_px
    return (p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2)


def test_crowded_labels_by_hand() -> None:
    # 1 m per px, font 10 px, pad 0: "S1" is 12 x 13 m. Three at one point: the first (highest
    # priority) centred, the next above (13 m up), the third below.
    reqs = [LabelRequest("S1", 0.0, 0.0, 3), LabelRequest("S2", 0.0, 0.0, 2),
            LabelRequest("S3", 0.0, 0.0, 1)]
    placed = place_labels(reqs, 1.0, font_px=10, pad_px=0)
    assert [(p.text, p.x, round(p.y, 6)) for p in placed] == [
        ("S1", 0.0, 0.0), ("S2", 0.0, 13.0), ("S3", 0.0, -13.0)]


def test_far_apart_labels_all_stay_centred() -> None:
    reqs = [LabelRequest(f"T{i}", 1000.0 * i, 0.0) for i in range(10)]
    placed = place_labels(reqs, 1.0)
    assert [(p.x, p.y) for p in placed] == [(r.x, r.y) for r in reqs]


@given(st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500), st.floats(0, 1),
                          st.sampled_from(["S1", "T12", "格尔木", "Naij Tal", "A"])),
                max_size=60),
       st.floats(0.5, 20.0))
def test_placed_labels_never_overlap(items, metres_per_px) -> None:
    reqs = [LabelRequest(text, x, y, pri) for x, y, pri, text in items]
    placed = place_labels(reqs, metres_per_px)
    boxes = [_box(p, metres_per_px) for p in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] + 1e-6 or b[2] <= a[0] + 1e-6 or a[3] <= b[1] + 1e-6 \
                or b[3] <= a[1] + 1e-6
    # the highest priority label is always placed, at its anchor
    if reqs:
        top = max(reqs, key=lambda r: r.priority)
        assert placed[0].request.priority == top.priority


def test_gazetteer_places_have_both_names_coordinates_and_source() -> None:
    places = gazetteer()
    names = {p.name_en for p in places}
    for needed in ("Golmud", "Nuomuhong", "Naij Tal", "Dulan", "Xiangride", "Wulan", "Chaka",
                   "Delingha", "Da Qaidam", "Kunlun Pass"):
        assert needed in names
    for p in places:
        assert re.search(r"[\u4e00-\u9fff]", p.name_zh), p
        assert p.source.strip()
        assert 35.0 <= p.lat <= 39.0 and 90.0 <= p.lon <= 100.0  # the Qaidam Basin
    # scenarios.md: Delingha 37.37N 97.37E; Kunlun Pass 35 38'N 94 04'E (Wikipedia, de)
    delingha = next(p for p in places if p.name_en == "Delingha")
    assert (delingha.lat, delingha.lon) == (37.37, 97.37)
    kunlun = next(p for p in places if p.name_en == "Kunlun Pass")
    assert distance_m(kunlun.lat, kunlun.lon, 35 + 38 / 60, 94 + 4 / 60) < 1500.0


def test_places_in_a_box_around_golmud() -> None:
    # UTM 46N box 600-700 km E, 3950-4050 km N: Golmud, its airport and Naij Tal, not Dulan
    got = {p.name_en: (x, y) for p, x, y in places_in("EPSG:32646",
                                                       (600e3, 3950e3, 700e3, 4050e3))}
    assert set(got) == {"Golmud", "Golmud Airport", "Naij Tal"}
    x, y = got["Golmud"]
    assert 660e3 < x < 680e3 and 4020e3 < y < 4040e3
