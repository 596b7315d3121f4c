"""Plan page panel: plans a crew can afford (issue 15 item 3).

Thin: the table is :func:`sar_planner.tradeoff.tradeoff_table` (each row planned in full by the
core); the aircraft-hours default is :func:`sar_planner.tradeoff.aircraft_hours_today` over the
roster with the plan's own usable endurance. Applying a row sets the form's height, coverage and
spacing and plans the row's own request, so the plan drawn is the one the row promised.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from sar_planner.planner import PlanRequest
from sar_planner.tradeoff import TradeoffRow, aircraft_hours_today, mark_budget, tradeoff_table
from sar_planner.i18n import t
from sar_planner.ui.common import lang, tr

__all__ = ["afford_panel", "over_budget_gate"]

_AREA = ("parallel", "creeping-line")
_OK_KEY = "plan_over_budget_ok"  # the request the crew chose to draw although over the hours


@st.cache_resource(show_spinner=False, max_entries=4)
def _table(base: PlanRequest, poa: float, paths: tuple[str, ...]):
    return tradeoff_table(base, poa, sources=list(paths))


def _roster() -> list[dict]:
    from sar_planner.logbook import list_aircraft
    from sar_planner.ui.session import database

    try:
        return list_aircraft(database(), active_only=True)
    except Exception:  # no database reachable: the crew types the hours
        return []


def _apply(row: TradeoffRow) -> None:
    st.session_state["plan_agl"] = row.agl_m
    st.session_state["plan_coverage"] = row.coverage
    st.session_state["plan_spacing"] = row.spacing_m
    st.session_state["plan_request"] = row.request
    st.session_state.pop(_OK_KEY, None)


def hours_today(req: PlanRequest, result) -> float | None:
    """The aircraft-hours field (stated rule under it); seconds, or None when left empty (no
    aircraft of the type on the roster and none typed: nothing is flagged)."""
    n, default_s = aircraft_hours_today(_roster(), req.asset_id, result.performance.usable_s)
    hours = st.number_input(tr("tradeoff.hours"), min_value=0.0, max_value=1000.0,
                            value=round(default_s / 3600.0, 2) if n else None, step=0.5,
                            key=f"plan_hours_today_{req.asset_id}")
    if n:
        st.caption(tr("tradeoff.hours_rule", n=n, endurance=f"{result.performance.usable_s / 60:.0f}",
                      hours=f"{default_s / 3600:.2f}"))
    else:
        st.caption(tr("tradeoff.hours_none"))
    return None if hours is None else float(hours) * 3600.0


def afford_panel(req: PlanRequest, result, handover, chosen: str,
                 paths: tuple[str, ...]) -> float | None:
    """The choices table for the planned segment and aircraft; returns today's aircraft time (s),
    None when the crew has none to state."""
    seg_name = st.session_state.get("plan_segment_used")
    with st.expander(tr("tradeoff.title", segment=seg_name or "–"), expanded=True):
        available = hours_today(req, result)
        if (req.pattern not in _AREA or seg_name is None or handover is None
                or handover.terrain_id != chosen):
            st.caption(tr("tradeoff.need_segment"))
            return available
        seg = handover.segment(seg_name)
        base = dataclasses.replace(req, agl_m=60.0, coverage=1.0, spacing_m=None)
        with st.spinner(tr("planning.ui.planning")):
            rows, skipped = _table(base, float(seg.poa), paths)
        rows = mark_budget(rows, available)
        st.caption(tr("tradeoff.help"))
        for s in skipped:
            st.caption(tr("tradeoff.skipped", height=f"{s.agl_m:.0f}", coverage=f"{s.coverage:g}",
                          why=tr(s.key, **dict(s.params))))
        if not rows:
            return available
        st.dataframe(pd.DataFrame([{
            tr("tradeoff.col_best"): "★" if r.best else "",
            tr("tradeoff.col_height"): round(r.agl_m),
            tr("tradeoff.col_coverage"): r.coverage,
            tr("tradeoff.col_spacing"): round(r.spacing_m, 1),
            tr("tradeoff.col_sorties"): r.sorties,
            tr("tradeoff.col_hours"): round(r.flight_h, 2),
            tr("tradeoff.col_pod"): round(100 * r.pod, 1),
            tr("tradeoff.col_pos"): round(100 * r.pos, 2),
            tr("tradeoff.col_rate"): round(100 * r.pos_per_hour, 2),
            tr("tradeoff.col_afford"): "–" if available is None  # no hours stated: not judged
            else tr("tradeoff.no") if r.over_budget else tr("tradeoff.yes"),
        } for r in rows]), hide_index=True, width="stretch", key="plan_tradeoff_table")
        best = next(i for i, r in enumerate(rows) if r.best)
        a1, a2 = st.columns([3, 1], vertical_alignment="bottom")
        ui_lang = lang()

        def _option(i: int) -> str:
            r = rows[i]
            return ("★ " if r.best else "") + t(
                "tradeoff.option", ui_lang, height=f"{r.agl_m:.0f}", coverage=f"{r.coverage:g}",
                sorties=r.sorties, hours=f"{r.flight_h:.2f}", pos=f"{100 * r.pos:.2f}")

        choices: list[int] = list(range(len(rows)))
        pick = a1.selectbox(tr("tradeoff.apply_label"), choices, index=best, format_func=_option,
                            key="plan_tradeoff_pick")
        a2.button(tr("tradeoff.apply"), type="primary", on_click=_apply,
                  args=(rows[best if pick is None else pick],), key="plan_tradeoff_apply")
    return available


def over_budget_gate(req: PlanRequest, result, available_s: float | None) -> bool:
    """True when the plan may be drawn: within today's hours, or the crew chose to draw it."""
    plan = result.plan
    if available_s is None or plan.duration_s <= available_s or st.session_state.get(_OK_KEY) == req:
        return True
    st.warning(tr("tradeoff.over", sorties=len(plan.sorties), hours=f"{plan.duration_s / 3600:.2f}",
                  available=f"{available_s / 3600:.2f}"), icon=":material/schedule:")
    if st.button(tr("tradeoff.draw_anyway"), key="plan_over_budget_draw"):
        st.session_state[_OK_KEY] = req
        st.rerun()
    return False
