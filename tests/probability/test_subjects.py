"""Subject categories: the published Koester (2008) table as encoded in search-theory.md."""

import pytest

from sar_planner.errors import ProbabilityError
from sar_planner.i18n import catalogue
from sar_planner.subjects import Quartiles, categories, category, quartiles_for


def test_hiker_dry_mountainous_matches_published_table():
    # search-theory.md, Koester (2008) via MapSAR_Ex: hiker, dry, mountainous 1.6 / 3.2 / 6.4 / 19.2 km
    assert quartiles_for("hiker", "dry-mountainous").as_tuple() == (1600.0, 3200.0, 6400.0, 19200.0)


def test_dementia_dry_flat_matches_published_table():
    # search-theory.md: dementia, dry, flat 0.5 / 1.6 / 3.5 / 11.7 km
    assert quartiles_for("dementia", "dry-flat").as_tuple() == (500.0, 1600.0, 3500.0, 11700.0)


def test_single_row_categories_serve_both_terrain_classes():
    # search-theory.md: gatherer (dry) 1.6 / 2.6 / 5.8 / 11.1 km, one row for every terrain
    assert quartiles_for("gatherer", "dry-flat") == quartiles_for("gatherer", "dry-mountainous")
    assert quartiles_for("gatherer", "dry-flat").d95 == 11100.0


@pytest.mark.parametrize("local, published", [("herder", "gatherer"),
                                              ("wolfberry_picker", "gatherer"),
                                              ("stranded_driver", "hiker")])
def test_local_categories_use_the_published_category_they_stand_for(local, published):
    assert category(local).stands_for == published
    for tc in ("dry-flat", "dry-mountainous"):
        assert quartiles_for(local, tc) == quartiles_for(published, tc)


def test_every_category_has_a_name_in_both_languages():
    for lang in ("en", "zh"):
        cat = catalogue(lang)
        for c in categories():
            assert f"probability.subject_{c.key}" in cat


def test_every_published_row_is_increasing():
    for c in categories():
        for values in c.quartiles_km.values():
            Quartiles.from_km(values)  # raises if not increasing


def test_quartiles_not_increasing_are_refused_with_a_clear_message():
    with pytest.raises(ProbabilityError) as e:
        Quartiles.from_km([1.6, 3.2, 3.0, 19.2])
    assert e.value.code == "probability.err_quartiles_order"
    assert "do not increase" in str(e.value)


@pytest.mark.parametrize("values", [[0, 1, 2, 3], [-1, 1, 2, 3], [1, 2, 3, float("nan")]])
def test_quartiles_must_be_positive_and_finite(values):
    with pytest.raises(ProbabilityError):
        Quartiles.from_km(values)


def test_unknown_category_and_terrain_class_are_refused():
    with pytest.raises(ProbabilityError, match="no subject category 'yeti'"):
        quartiles_for("yeti")
    with pytest.raises(ProbabilityError, match="no terrain class"):
        quartiles_for("hiker", "temperate-swamp")


@pytest.mark.parametrize("age, key", [(1, "child_1_3"), (3.5, "child_1_3"), (4, "child_4_6"),
                                      (9, "child_7_9"), (12, "child_10_12"), (15, "child_13_15"),
                                      (16, None), (0.5, None)])
def test_child_category_by_age_follows_the_published_age_bands(age, key):
    from sar_planner.subjects import child_category

    # Koester (2008) child bands 1-3, 4-6, 7-9, 10-12, 13-15 years (search-theory.md)
    assert child_category(age) == key
