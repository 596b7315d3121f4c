"""Statistics page (analysts, commanders): filter the log; sorties and hours per month, aircraft
and crew; outcomes; report-to-find times; POD; flown tracks; crew currency; CSV/XLSX/GeoJSON of
exactly the rows shown; MapScore of the probability models on the closed cases
(:mod:`sar_planner.probability.casescore`, scored on a click and cached by the cases' content)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sar_planner.errors import SarPlannerError
from sar_planner.logbook.audit import audit_event
from sar_planner.logbook.cases import closed_cases
from sar_planner.logbook.exports import export_bytes
from sar_planner.logbook.filenames import export_file_name
from sar_planner.logbook.models import OUTCOMES, TASK_TYPES
from sar_planner.logbook.records import list_aircraft, list_crew
from sar_planner.formats.cells import frame_to_csv, frame_to_xlsx
from sar_planner.logbook.counter import running_totals
from sar_planner.logbook.stats import (
    CURRENCY_DAYS,
    SortieFilter,
    aggregate,
    filter_sorties,
    opening_row,
    report_to_find_hours,
)
from sar_planner.probability.casescore import (MODELS, PUBLISHED_MEAN_MAPSCORE, case_rows,
                                               cases_key, score_cases, summary_rows)
from sar_planner.terrain import list_library
from sar_planner.ui.logbook_forms import labeller
from sar_planner.ui.common import app_settings, error_boundary, lang, show_error, tr
from sar_planner.ui.logbook_figures import (PNG_CONFIG, hbar_figure, month_task_rows,
                                            stacked_month_figure, tracks_figure)
from sar_planner.ui.logbook_panels import unit_totals_panel
from sar_planner.ui.session import database, require_page
from sar_planner.ui.sortie_table import sorties_display



@st.cache_resource(show_spinner=False, max_entries=4)
def _case_scores(key: str, _cases, _entries):
    """:func:`score_cases`, cached by ``key`` (:func:`cases_key`: the cases' content and the
    terrain library), so a rerun does not rebuild the maps."""
    return score_cases(_cases, _entries, MODELS)


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chart(fig, table: pd.DataFrame, stem: str, key: str, where=st) -> None:
    """A report chart (its menu's camera button saves it as PNG) with its table as CSV and XLSX."""
    where.plotly_chart(fig, key=key, config=PNG_CONFIG(stem))
    c1, c2 = where.columns(2)
    c1.download_button(tr("unitstats.table_csv"), frame_to_csv(table), export_file_name(stem, "csv"),
                       "text/csv", key=f"{key}_csv", icon=":material/download:")
    c2.download_button(tr("unitstats.table_xlsx"), frame_to_xlsx(table, sheet_name=stem[:31]),
                       export_file_name(stem, "xlsx"), _XLSX, key=f"{key}_xlsx",
                       icon=":material/download:")


def _groups_table(groups: dict, first: str) -> pd.DataFrame:
    sl, hl = tr("logbook.ui.sorties"), tr("logbook.ui.hours")
    return pd.DataFrame([{first: k, sl: v["sorties"], hl: v["hours"]} for k, v in groups.items()],
                        columns=[first, sl, hl])


signed = require_page("statistics")
db = database()


def _audit_export(fmt: str, rows: int) -> None:
    """Audit a sortie export when it is downloaded (the click's callback), not when it is offered."""
    try:
        audit_event(db, signed.actor.username, "export", "sortie",
                    {"format": fmt, "rows": rows, "where": "statistics page"})
    except SarPlannerError as exc:  # the file still downloads; the failure is shown
        show_error(exc)


st.title(tr("nav.statistics"))
st.subheader(tr("unitstats.unit_count"))
unit_totals_panel()  # the same numbers and reconciliation line as the Overview

with error_boundary():
    with st.expander(tr("logbook.ui.filters"), expanded=True):
        c1, c2, c3 = st.columns(3)
        start = c1.date_input(tr("logbook.ui.from"), value=None, key="st_from")
        end = c2.date_input(tr("logbook.ui.to"), value=None, key="st_to")
        area = c3.text_input(tr("logbook.ui.area"), key="st_area")
        c1, c2 = st.columns(2)
        aircraft = c1.multiselect(tr("logbook.ui.aircraft"), [a["registration"] for a in list_aircraft(db)],
                                  key="st_aircraft", placeholder=tr("logbook.ui.choose"))
        crew = c2.multiselect(tr("logbook.ui.crew"), [c["name"] for c in list_crew(db)], key="st_crew",
                              placeholder=tr("logbook.ui.choose"))
        c1, c2 = st.columns(2)
        tasks = c1.multiselect(tr("logbook.ui.task_type"), list(TASK_TYPES), key="st_tasks",
                               placeholder=tr("logbook.ui.choose"),
                               format_func=labeller("logbook.ui.task_"))
        outcomes = c2.multiselect(tr("logbook.ui.outcome"), list(OUTCOMES), key="st_outcomes",
                                  placeholder=tr("logbook.ui.choose"),
                                  format_func=labeller("logbook.ui.outcome_"))
    if start and end and end < start:
        st.warning(tr("logbook.err_date_range", start=str(start), end=str(end)))
        st.stop()
    flt = SortieFilter(start=start, end=end, aircraft=tuple(aircraft), crew=tuple(crew),
                       task_types=tuple(tasks), outcomes=tuple(outcomes), area=area.strip())
    records = filter_sorties(db, flt)
    s = aggregate(db, flt)  # flown sorties only; drafts and returned ones in s["apart"]
    st.subheader(tr("unitstats.filtered"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("unitstats.flown_sorties"), s["sorties"])
    c2.metric(tr("unitstats.flown_hours"), f"{s['hours']:.1f}")
    c3.metric(tr("logbook.ui.missions"), sum(s["mission_outcomes"].values()))
    c4.metric(tr("logbook.ui.mean_pod"), "–" if s["mean_pod"] is None else f"{s['mean_pod']:.0%}")
    apart = s["apart"]
    st.caption(tr("unitstats.apart", draft=apart["draft"]["sorties"], draft_hours=apart["draft"]["hours"],
                  returned=apart["returned"]["sorties"], returned_hours=apart["returned"]["hours"]))

    sl, hl = tr("logbook.ui.sorties"), tr("logbook.ui.hours")
    task_label = labeller("logbook.ui.task_")
    st.caption(tr("unitstats.png_hint"))
    month_rows = pd.DataFrame(month_task_rows(s["by_month_task"], task_label)).rename(columns={
        "month": tr("unitstats.month"), "task": tr("logbook.ui.task_type"), "sorties": sl, "hours": hl})
    c1, c2 = st.columns(2)
    _chart(stacked_month_figure(s["by_month_task"], "sorties", tr("unitstats.sorties_per_month"),
                                task_label, sl), month_rows, "sorties-per-month", "st_month_sorties", c1)
    _chart(stacked_month_figure(s["by_month_task"], "hours", tr("unitstats.hours_per_month"),
                                task_label, hl), month_rows, "hours-per-month", "st_month_hours", c2)
    c1, c2 = st.columns(2)
    _chart(hbar_figure(s["by_aircraft"], "hours", tr("unitstats.hours_per_aircraft"), hl,
                       hover_other=(sl, "sorties")),
           _groups_table(s["by_aircraft"], tr("logbook.ui.aircraft")), "hours-per-aircraft",
           "st_aircraft_fig", c1)
    _chart(hbar_figure(s["crew_currency"], "hours", tr("logbook.ui.currency", days=CURRENCY_DAYS), hl,
                       hover_other=(sl, "sorties")),
           _groups_table(s["crew_currency"], tr("logbook.ui.crew")), "crew-currency", "st_currency_fig", c2)
    c1, c2, c3 = st.columns(3)
    for col, title, groups, first in (
            (c1, tr("unitstats.by_year"), s["by_year"], tr("unitstats.year")),
            (c2, tr("unitstats.by_task"), {task_label(k): v for k, v in s["by_type"].items()},
             tr("logbook.ui.task_type")),
            (c3, tr("logbook.ui.per_crew"), s["by_crew"], tr("logbook.ui.crew"))):
        col.markdown(f"**{title}**")
        col.dataframe(_groups_table(groups, first), hide_index=True, key=f"st_tbl_{title}")
    c1, c2 = st.columns(2)
    c1.subheader(tr("logbook.ui.outcome"))
    c1.dataframe(pd.DataFrame([{tr("logbook.ui.outcome"): tr(f"logbook.ui.outcome_{k}"), tr("logbook.ui.missions"): v}
                               for k, v in s["mission_outcomes"].items()]), hide_index=True, key="st_outcomes_tbl")
    c2.subheader(tr("logbook.ui.report_to_find"))
    found = report_to_find_hours(db)
    shown_missions = {r.incident_number for r in records}
    find_rows = [{tr("logbook.ui.mission"): k, tr("logbook.ui.hours"): v}
                 for k, v in found.items() if k in shown_missions]
    if find_rows:
        c2.dataframe(pd.DataFrame(find_rows), hide_index=True, key="st_find_tbl")
    else:
        c2.caption(tr("logbook.ui.no_find_times"))
    if any(r.track for r in records):
        st.plotly_chart(tracks_figure(records, tr("logbook.ui.tracks"), axis_titles=(
            tr("sortie_table.axis_lon"), tr("sortie_table.axis_lat"))), key="st_tracks")
    else:
        st.caption(tr("logbook.ui.no_tracks"))
    st.subheader(tr("logbook.ui.rows_header", count=len(records)))
    st.dataframe(sorties_display(records, lang()), hide_index=True, key="st_rows")
    # a whole-log export starts with the opening balance, so its counted_* columns sum to the count
    opening = opening_row(running_totals(db), flt)
    if opening is not None:
        st.caption(tr("unitstats.export_opening", sorties=opening[0], hours=opening[1]))
    c1, c2, c3 = st.columns(3)  # named by the station's date (Beijing time), not the UTC one
    c1.download_button(tr("logbook.ui.download_csv"), export_bytes(records, "csv", opening),
                       export_file_name("sorties", "csv"), "text/csv", key="st_dl_csv",
                       on_click=_audit_export, args=("csv", len(records)))
    c2.download_button(tr("logbook.ui.download_xlsx"), export_bytes(records, "xlsx", opening),
                       export_file_name("sorties", "xlsx"),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="st_dl_xlsx",
                       on_click=_audit_export, args=("xlsx", len(records)))
    c3.download_button(tr("logbook.ui.download_geojson"), export_bytes(records, "geojson"),
                       export_file_name("tracks", "geojson"), "application/geo+json", key="st_dl_geojson",
                       on_click=_audit_export, args=("geojson", len(records)))

    # --- MapScore of the probability models on the closed cases (work only on a click) --------
    st.subheader(tr("casescore.title"))
    st.caption(tr("casescore.caption"))
    cases = closed_cases(db, since=start, until=end, outcomes=tuple(outcomes))
    if cases.closed_without_find:
        st.caption(tr("casescore.without_find", n=cases.closed_without_find))
    if not cases.cases:
        st.info(tr("casescore.no_cases"), icon=":material/info:")
    else:
        entries = list_library(app_settings())
        key = cases_key(cases.cases, entries)
        if st.button(tr("casescore.button"), key="st_casescore_go"):
            st.session_state["st_casescore_key"] = key
        if st.session_state.get("st_casescore_key") == key:
            with st.spinner(tr("casescore.spinner", n=len(cases.cases))):
                scored = _case_scores(key, cases.cases, entries)
            table = pd.DataFrame(case_rows(scored, MODELS, lang()))
            st.dataframe(table, hide_index=True, key="st_casescore_tbl")
            st.markdown(f"**{tr('casescore.summary')}**")
            st.dataframe(pd.DataFrame(summary_rows(scored, MODELS, lang())), hide_index=True,
                         key="st_casescore_sum")
            st.caption(tr("casescore.published", **{
                "rings": PUBLISHED_MEAN_MAPSCORE["distance_rings"],
                "watershed": PUBLISHED_MEAN_MAPSCORE["watershed"],
                "combined": PUBLISHED_MEAN_MAPSCORE["combined"]}))
            st.download_button(tr("casescore.download_csv"),
                               frame_to_csv(table),
                               export_file_name("mapscore", "csv"), "text/csv",
                               key="st_casescore_csv")
