"""Plan page, plans a crew can afford (issue 15 item 3), in AppTest: the height x coverage table
for the chosen segment and aircraft, the best row applied, and a plan over today's hours flagged
before it is drawn.

Flow as tests/ui/test_page_handover.py: the bundled real 15" GEBCO grid of the eastern Pamir
(terrain/PROVENANCE.md), IPP near Karakul lake (38.30 N, 75.05 E), 1 km segments; the crew plans
the top segment with a Mavic 3T, parallel tracks. The table's numbers are compared with the core's
tradeoff_table for the same request (whose hand checks are in tests/planning/test_tradeoff_table.py).
"""

from __future__ import annotations

import dataclasses

import pytest

from sar_planner.tradeoff import tradeoff_table
from tests.ui.test_page_handover import _build_poa, _signed_in_app


def _planned(lang="en"):
    at = _build_poa(_signed_in_app(lang))
    at.switch_page("sar_planner/ui/pages/plan.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="plan_asset").set_value("mavic3t")
    at.selectbox(key="plan_pattern").set_value("parallel")
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


def _table(at):
    return next(d.value for d in at.dataframe if {"Best", "最佳"} & set(d.value.columns))


def test_table_shows_and_the_best_row_applied_draws_the_plan_it_promised():
    at = _planned()
    req = at.session_state["plan_request"]
    seg = at.session_state["plan_segment_used"]
    assert seg and req.pattern == "parallel"
    df = _table(at)
    assert len(df) == 9 and list(df["Best"]).count("★") == 1
    # the page's rows are the core's rows for this request and the segment's POA
    from sar_planner.settings import get_settings
    from sar_planner.terrain.library import get_entry
    from sar_planner.ui.mission_state import current_handover

    handover = current_handover(at.session_state, at.session_state["mission"])
    poa = handover.segment(seg).poa
    paths = list(get_entry(get_settings(), "pamir-15arcsec").paths)
    base = dataclasses.replace(req, agl_m=60.0, coverage=1.0, spacing_m=None)
    rows, _ = tradeoff_table(base, poa, sources=paths)
    best = next(r for r in rows if r.best)
    star = df[df["Best"] == "★"].iloc[0]
    assert star["Height AGL (m)"] == round(best.agl_m)
    assert star["Sorties"] == best.sorties
    assert star["Flight hours"] == pytest.approx(round(best.flight_h, 2))
    assert star["POD (%)"] == pytest.approx(round(100 * best.pod, 1))
    assert star["POS per flight hour (%)"] == max(df["POS per flight hour (%)"])

    # one click: the best row is the one offered; the form's height, coverage and spacing follow
    assert at.selectbox(key="plan_tradeoff_pick").value == rows.index(best)
    at.button(key="plan_tradeoff_apply").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="plan_agl").value == best.agl_m
    assert at.number_input(key="plan_coverage").value == best.coverage
    assert at.number_input(key="plan_spacing").value == pytest.approx(best.spacing_m)
    # the plan drawn is the promised one: its sorties and time in the page's metrics
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sorties"] == str(best.sorties)
    hours, minutes = divmod(int(round(best.flight_s / 60.0)), 60)
    assert metrics["Flight time (h:mm)"] == f"{hours}:{minutes:02d}"
    assert at.get("plotly_chart")  # drawn

    # pressing Plan with the applied widgets plans the same figures again
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Sorties"] == str(best.sorties)


def test_a_plan_over_todays_hours_is_flagged_before_it_is_drawn_in_chinese():
    at = _planned("zh")
    req = at.session_state["plan_request"]
    # no Mavic 3T on the test roster: the field is empty and nothing is flagged (rule stated)
    key = f"plan_hours_today_{req.asset_id}"
    assert at.number_input(key=key).value is None
    drawn = len(at.get("plotly_chart"))
    at.number_input(key=key).set_value(0.5).run()  # half an hour today
    assert not at.exception, at.exception
    warn = [w.value for w in at.warning if "架时" in w.value]
    assert warn and "0.50" in warn[0], [w.value for w in at.warning]
    assert len(at.get("plotly_chart")) < drawn  # the plan's map and profile wait
    assert "否，超出" in list(_table(at)["今天飞得完"])
    at.button(key="plan_over_budget_draw").click().run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == drawn
