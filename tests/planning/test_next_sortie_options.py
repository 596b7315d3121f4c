"""Next-sortie options are built in the core (sar_planner.allocation.next_sortie_options): every
aircraft of the bundled catalogue is either an option or listed with the reason it cannot be
planned, never dropped (issue 10). Figures from the catalogue (sar_planner/data/assets.toml): the
DJI Matrice 350 RTK's service ceiling is 5,000 m, so at 5,500 m above sea level it is refused
with that ceiling named; the H125 helicopter flies there."""

from __future__ import annotations

from sar_planner.allocation import next_sortie_options
from sar_planner.assets import load_catalogue
from sar_planner.i18n import t


def _assets():
    cat = load_catalogue()
    return list(cat.values()) if hasattr(cat, "values") else list(cat)


def test_no_aircraft_is_dropped_and_each_refusal_says_why():
    assets = _assets()
    options, refused = next_sortie_options(assets, 100.0, "night", 5500.0, 10.0, (0.0, 0.0))
    assert sorted([o.asset.id for o in options] + [u.asset_id for u in refused]) \
        == sorted(a.id for a in assets)
    m350 = next(u for u in refused if u.asset_id == "m350-h20t")
    assert m350.key == "planning.err_above_ceiling" and m350.params["ceiling"] == "5000"
    assert "h125" in [o.asset.id for o in options]
    for u in refused:  # every reason reads in both languages
        assert t(u.key, "en", **dict(u.params)) and t(u.key, "zh", **dict(u.params))


def test_daylight_caps_every_option():
    options, _ = next_sortie_options(_assets(), 100.0, "night", 3000.0, 10.0, (0.0, 0.0),
                                     daylight_s=600.0)
    assert options and all(o.usable_s <= 600.0 for o in options)
