"""Review page (commanders): each sortie waiting for review on the map (plan and flown track over
the relief, planned and achieved POD and area, crew, aircraft, times) with approve / return beside
it; amend an approved sortie with a reason (every version kept, history shown, current right after
an amendment); close missions with their outcome."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from sar_planner.display import whole_percent
from sar_planner.errors import SarPlannerError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.models import OUTCOMES
from sar_planner.logbook.records import (
    amend_sortie,
    approve_sortie,
    close_mission,
    list_aircraft,
    list_crew,
    list_missions,
    list_sorties,
    return_sortie,
    sortie_history,
)
from sar_planner.logbook.times import LOCAL_TZ, format_local
from sar_planner.ui.logbook_forms import labeller
from sar_planner.ui.common import error_boundary, lang, show_error, tr
from sar_planner.ui.logbook_forms import form_input, load_into_form, sortie_form_fields
from sar_planner.ui.session import database, require_page
from sar_planner.ui.sortie_table import catalogue_word, sorties_display
from sar_planner.ui.common import app_settings
from sar_planner.ui.review_map import comparison_figures, review_figure, review_geometry

PREFIX = "rv"


@st.cache_resource(show_spinner=False, max_entries=8)
def _relief(paths: tuple[str, ...], grid_key: str, _grid):
    """The relief under a sortie (cached by the terrain's files and the map's grid, ``grid_key``)."""
    from sar_planner.terrain.load import load_terrain

    return load_terrain(list(paths), _grid, allow_partial=True, allow_voids=True)


def _sortie_map(record) -> None:
    """The sortie's plan and flown track on the shared map, over the first terrain holding it."""
    from sar_planner.terrain.choice import first_holding
    from sar_planner.terrain.library import list_library
    from sar_planner.ui.map_layers import base_layers_for
    from sar_planner.ui.map_view import MapOptions, base_map, show_map

    geom = review_geometry(record)
    if geom is None:
        st.info(tr("unitstats.review_no_geometry"), icon=":material/map:")
        return
    grid = geom.grid()
    entries = list_library(app_settings())
    entry_id = first_holding(entries, *geom.centre)
    terrain = None
    if entry_id is not None:
        entry = next(e for e in entries if e.id == entry_id)
        try:
            terrain = _relief(tuple(str(p) for p in entry.paths),
                              f"{grid.crs.to_string()}|{tuple(grid.transform)}|{grid.shape}", grid)
        except SarPlannerError:
            terrain = None
    if terrain is None:
        st.caption(tr("unitstats.review_no_terrain"))
        elev = np.zeros(grid.shape)
        fig = base_map(grid, elev, np.full(grid.shape, 200.0), elev, lang=lang(),
                       options=MapOptions(height_px=560))
    else:
        fig = base_map(grid, np.asarray(terrain.elevation), np.asarray(terrain.hillshade),
                       np.asarray(terrain.slope_deg), lang=lang(),
                       base=base_layers_for(grid, app_settings()), options=MapOptions(height_px=560))
    labels = {"area": tr("logbook.flown.region"), "planned": tr("logbook.flown.planned"),
              "flown": tr("unitstats.review_flown", number=record.number)}
    show_map(review_figure(fig, geom, labels), key=f"rv_map_{record.number}")


def _pct(value) -> str:
    return whole_percent(value)  # the one rule: whole percent, "–" when not known (issue 16)


def _km2(value) -> str:
    return "–" if value is None else f"{value / 1e6:.2f} km²"


signed = require_page("review")
actor = signed.actor
db = database()
st.title(tr("nav.review"))

# --- waiting for review -----------------------------------------------------------------------
with error_boundary():
    waiting = list_sorties(db, statuses=("submitted",))
    st.subheader(tr("logbook.ui.waiting_header", count=len(waiting)))
    if not waiting:
        st.caption(tr("logbook.ui.nothing_waiting"))
    else:
        st.dataframe(sorties_display(waiting, lang()), hide_index=True, key="rv_waiting")
        by_number = {r.number: r for r in waiting}
        num = st.selectbox(tr("logbook.ui.pick_sortie"), list(by_number), key="rv_pick")
        rec = by_number[num]
        _sortie_map(rec)  # the whole width: the map's legend takes a column of its own
        fig = comparison_figures(rec)
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(tr("logbook.flown.planned_pod"), _pct(fig["planned_pod"]))
        m2.metric(tr("logbook.flown.achieved_pod"), _pct(fig["achieved_pod"]))
        m3.metric(tr("logbook.flown.area_covered"), _km2(fig["area_covered_m2"]))
        m4.metric(tr("unitstats.review_region"), _km2(fig["region_area_m2"]))
        details, side = st.columns([3, 2])
        details.markdown("\n".join([
            f"- **{tr('logbook.ui.aircraft')}:** {rec.aircraft} ({rec.aircraft_type})",
            f"- **{tr('logbook.ui.crew')}:** " + ", ".join(
                f"{n} ({catalogue_word('unitstats.role_', role, lang())})" for n, role in rec.crew),
            f"- **{tr('unitstats.review_times')}:** {format_local(rec.takeoff_at)} – "
            f"{format_local(rec.landing_at)[-5:]} ({rec.flight_hours:.1f} h)",
            f"- **{tr('logbook.ui.task_type')}:** {tr(f'logbook.ui.task_{rec.task_type}')}"
            + (f" · {rec.incident_number}" if rec.incident_number else "")]))
        if rec.remarks:
            details.caption(rec.remarks)
        reason = side.text_input(tr("logbook.ui.return_reason"), key="rv_reason")
        c1, c2 = side.columns(2)
        if c1.button(tr("logbook.ui.approve"), key="rv_approve", type="primary"):
            try:
                approve_sortie(db, actor, by_number[num].id)
                st.session_state["rv_done"] = tr("logbook.ui.approved", number=num)
                st.rerun()
            except SarPlannerError as exc:
                show_error(exc)
        if c2.button(tr("logbook.ui.return"), key="rv_return"):
            try:
                return_sortie(db, actor, by_number[num].id, reason)
                st.session_state["rv_done"] = tr("logbook.ui.returned", number=num)
                st.rerun()
            except SarPlannerError as exc:
                show_error(exc)
    if "rv_done" in st.session_state:
        st.success(st.session_state.pop("rv_done"))

# --- amend an approved sortie, with its history ----------------------------------------------
with error_boundary():
    approved = {r.number: r for r in list_sorties(db, statuses=("approved", "historical"))}
    st.subheader(tr("logbook.ui.amend_header"))
    if "rv_amended" in st.session_state:
        st.success(st.session_state.pop("rv_amended"))
    if approved:
        numbers = sorted(approved, reverse=True)
        num = st.selectbox(tr("logbook.ui.pick_sortie"), numbers, key="rv_amend_pick")
        st.button(tr("logbook.ui.load_for_amend"), key="rv_load",
                  on_click=lambda: load_into_form(PREFIX, approved[st.session_state["rv_amend_pick"]]))
        history = sortie_history(db, approved[num].id)
        if history:
            st.caption(tr("logbook.ui.history_header", number=num))
            st.dataframe(pd.DataFrame([{
                tr("logbook.ui.col_revision"): h.revision, tr("logbook.ui.col_when"): format_local(h.created_at),
                tr("logbook.ui.col_who"): h.author or "",
                tr("logbook.ui.col_reason"): catalogue_word("audit_words.reason_", h.reason, lang()),
                tr("logbook.ui.col_takeoff"): format_local(dt.datetime.fromisoformat(h.data["takeoff_at"])),
                tr("logbook.ui.col_landing"): format_local(dt.datetime.fromisoformat(h.data["landing_at"])),
                tr("logbook.ui.aircraft"): h.data["aircraft"],
                tr("logbook.ui.remarks"): h.data["remarks"]} for h in history]),
                hide_index=True, key="rv_history")
        if f"{PREFIX}_task" in st.session_state:
            with st.form("amend"):
                sortie_form_fields(PREFIX, aircraft=[a["registration"] for a in list_aircraft(db)],
                                   crew=[c["name"] for c in list_crew(db)],
                                   missions=[m["incident_number"] for m in list_missions(db)])
                amend_reason = st.text_input(tr("logbook.ui.amend_reason"), key="rv_amend_reason")
                go = st.form_submit_button(tr("logbook.ui.amend"), type="primary")
            if go:
                try:
                    rec = amend_sortie(db, actor, approved[num].id, form_input(PREFIX), amend_reason)
                    # run again so the kept-versions table above shows the new revision at once
                    st.session_state["rv_amended"] = tr("logbook.ui.amended", number=rec.number,
                                                        revision=rec.revision)
                    st.rerun()
                except SarPlannerError as exc:
                    show_error(exc)
    else:
        st.caption(tr("sortie_table.none_approved"))  # "no sorties yet" misled with some waiting

# --- missions ---------------------------------------------------------------------------------
with st.expander(tr("logbook.ui.close_mission")), error_boundary():
    open_missions = [m["incident_number"] for m in list_missions(db) if m["status"] == "open"]
    if not open_missions:
        st.caption(tr("logbook.ui.no_open_missions"))
    else:
        with st.form("close_mission"):
            incident = st.selectbox(tr("logbook.ui.mission"), open_missions, key="cm_incident")
            outcome = st.selectbox(tr("logbook.ui.outcome"), list(OUTCOMES), key="cm_outcome",
                                   format_func=labeller("logbook.ui.outcome_"))
            c1, c2 = st.columns(2)
            f_date = c1.date_input(tr("logbook.ui.find_date"), key="cm_date")
            f_time = c2.time_input(tr("logbook.ui.find_time"), key="cm_time", step=300)
            c1, c2 = st.columns(2)
            lat = c1.number_input(tr("logbook.ui.find_lat"), min_value=-90.0, max_value=90.0, value=None,
                                  format="%.5f", key="cm_lat")
            lon = c2.number_input(tr("logbook.ui.find_lon"), min_value=-180.0, max_value=180.0, value=None,
                                  format="%.5f", key="cm_lon")
            go = st.form_submit_button(tr("logbook.ui.close_mission_button"))
        if go:
            when = dt.datetime.combine(f_date, f_time, tzinfo=LOCAL_TZ)
            found = outcome in ("found_alive", "found_deceased")
            close_mission(db, actor, incident, outcome, when, find_lat=lat if found else None,
                          find_lon=lon if found else None, find_time=when if found else None)
            st.success(tr("logbook.ui.mission_closed", incident=incident))

# --- audit ------------------------------------------------------------------------------------
def _audit_record(entity: str, entity_id: int | None, numbers: dict[int, int]) -> str:
    """The record an audit row is about, in words; a sortie by its number in the unit's count
    (the number everyone uses), not its database row id."""
    word = catalogue_word("audit_words.entity_", entity, lang())
    if entity_id is None:
        return word
    return f"{word} {numbers.get(entity_id, entity_id) if entity == 'sortie' else entity_id}"


with st.expander(tr("logbook.ui.audit_header")), error_boundary():
    _numbers = {r.id: r.number for r in list_sorties(db)}
    st.dataframe(pd.DataFrame([{
        tr("logbook.ui.col_when"): format_local(a.at), tr("logbook.ui.col_who"): a.actor,
        tr("logbook.ui.col_action"): catalogue_word("audit_words.action_", a.action, lang()),
        tr("logbook.ui.col_entity"): _audit_record(a.entity, a.entity_id, _numbers)}
        for a in audit_log(db, limit=200)]), hide_index=True, key="rv_audit")
