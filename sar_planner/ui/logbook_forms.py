"""The sortie form shared by the logbook page (log, correct a returned sortie) and the review page
(amend an approved one). Widget values live in ``st.session_state`` under a prefix, so an entry
that could not be saved stays on the form and can be retried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from sar_planner.logbook.models import TASK_TYPES
from sar_planner.logbook.records import SortieInput, SortieRecord
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.i18n import t
from sar_planner.ui.common import lang, tr

__all__ = ["sortie_form_fields", "blank_form_values", "load_into_form", "form_input", "labeller"]

_NONE = ""


def labeller(prefix: str, empty: str | None = None) -> Callable[[str], str]:
    """A ``format_func`` showing ``prefix + value`` from the catalogue in the page's language.

    The language is fixed when the widget is drawn (not looked up when the label is shown),
    so the labels also work outside a script run (AppTest sets values that way). ``empty`` is the
    key shown for the empty choice ``""``; with ``prefix=""`` other values are shown as they are.
    """
    current = lang()

    def fmt(value: str) -> str:
        if value == "" and empty:
            return t(empty, current)
        return t(prefix + str(value), current) if prefix else str(value)

    return fmt


def _k(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


def load_into_form(prefix: str, record: SortieRecord) -> None:
    """Put a stored sortie's values into the form's widgets (call from a button callback)."""
    ss = st.session_state
    takeoff, landing = record.takeoff_at.astimezone(LOCAL_TZ), record.landing_at.astimezone(LOCAL_TZ)
    pilots = [n for n, r in record.crew if r == "pilot"]
    copilots = [n for n, r in record.crew if r == "copilot"]
    ss[_k(prefix, "task")] = record.task_type
    ss[_k(prefix, "mission")] = record.incident_number or _NONE
    ss[_k(prefix, "aircraft")] = record.aircraft
    ss[_k(prefix, "t_date")], ss[_k(prefix, "t_time")] = takeoff.date(), takeoff.time().replace(tzinfo=None)
    ss[_k(prefix, "l_date")], ss[_k(prefix, "l_time")] = landing.date(), landing.time().replace(tzinfo=None)
    ss[_k(prefix, "pilot")] = pilots[0] if pilots else _NONE
    ss[_k(prefix, "copilot")] = copilots[0] if copilots else _NONE
    ss[_k(prefix, "observers")] = [n for n, r in record.crew if r not in ("pilot", "copilot")]
    ss[_k(prefix, "t_site")], ss[_k(prefix, "l_site")] = record.takeoff_site, record.landing_site
    ss[_k(prefix, "area")] = (record.area_covered_m2 or 0.0) / 1e6
    ss[_k(prefix, "pod")] = record.pod if record.pod is not None else 0.0
    ss[_k(prefix, "remarks")] = record.remarks
    ss[_k(prefix, "track")] = record.track
    ss[_k(prefix, "plan")] = record.plan


#: The form's default take-off and landing times (Beijing time), also after a save.
DEFAULT_TAKEOFF, DEFAULT_LANDING = dt.time(8, 0), dt.time(9, 0)


def blank_form_values(default_pilot: str | None = None) -> dict[str, Any]:
    """The value of each form field (by field name, the widget key without its page prefix) on
    an empty form.

    The pilot is ``default_pilot`` (the signed-in crew member) when they are on the crew roster
    (the form offers them), else none; dates are not here (the form starts on today)."""
    return {"task": TASK_TYPES[0], "mission": _NONE, "aircraft": _NONE,
            "t_time": DEFAULT_TAKEOFF, "l_time": DEFAULT_LANDING,
            "pilot": default_pilot or _NONE, "copilot": _NONE, "observers": [],
            "t_site": "", "l_site": "", "area": 0.0, "pod": 0.0, "remarks": ""}


def sortie_form_fields(prefix: str, *, aircraft: list[str], crew: list[str], missions: list[str],
                       default_pilot: str | None = None) -> None:
    """Draw the sortie fields (inside an ``st.form``). Times are Beijing time."""
    ss = st.session_state
    today = dt.datetime.now(LOCAL_TZ).date()
    ss.setdefault(_k(prefix, "t_date"), today)
    ss.setdefault(_k(prefix, "l_date"), today)
    ss.setdefault(_k(prefix, "t_time"), DEFAULT_TAKEOFF)
    ss.setdefault(_k(prefix, "l_time"), DEFAULT_LANDING)
    if default_pilot in crew:
        ss.setdefault(_k(prefix, "pilot"), default_pilot)
    elif ss.get(_k(prefix, "pilot")) not in ("", *crew):  # a blank naming someone not on the roster
        ss[_k(prefix, "pilot")] = _NONE
    c1, c2, c3 = st.columns(3)
    c1.selectbox(tr("logbook.ui.task_type"), list(TASK_TYPES), key=_k(prefix, "task"),
                 format_func=labeller("logbook.ui.task_"))
    c2.selectbox(tr("logbook.ui.mission"), [_NONE, *missions], key=_k(prefix, "mission"),
                 format_func=labeller("", empty="logbook.ui.no_mission"))
    c3.selectbox(tr("logbook.ui.aircraft"), [_NONE, *aircraft], key=_k(prefix, "aircraft"),
                 format_func=labeller("", empty="logbook.ui.choose"))
    c1, c2, c3, c4 = st.columns(4)
    c1.date_input(tr("logbook.ui.takeoff_date"), key=_k(prefix, "t_date"))
    c2.time_input(tr("logbook.ui.takeoff_time"), key=_k(prefix, "t_time"), step=300)
    c3.date_input(tr("logbook.ui.landing_date"), key=_k(prefix, "l_date"))
    c4.time_input(tr("logbook.ui.landing_time"), key=_k(prefix, "l_time"), step=300)
    c1, c2, c3 = st.columns(3)
    c1.selectbox(tr("logbook.ui.pilot"), [_NONE, *crew], key=_k(prefix, "pilot"),
                 format_func=labeller("", empty="logbook.ui.choose"))
    c2.selectbox(tr("logbook.ui.copilot"), [_NONE, *crew], key=_k(prefix, "copilot"),
                 format_func=labeller("", empty="logbook.ui.nobody"))
    c3.multiselect(tr("logbook.ui.observers"), crew, key=_k(prefix, "observers"),
                   placeholder=tr("logbook.ui.choose"))
    c1, c2 = st.columns(2)
    c1.text_input(tr("logbook.ui.takeoff_site"), key=_k(prefix, "t_site"))
    c2.text_input(tr("logbook.ui.landing_site"), key=_k(prefix, "l_site"))
    c1, c2 = st.columns(2)
    c1.number_input(tr("logbook.ui.area_km2"), min_value=0.0, step=0.1, key=_k(prefix, "area"))
    c2.number_input(tr("logbook.ui.pod"), min_value=0.0, max_value=1.0, step=0.05, key=_k(prefix, "pod"))
    st.text_area(tr("logbook.ui.remarks"), key=_k(prefix, "remarks"))


def form_input(prefix: str) -> SortieInput:
    """The :class:`SortieInput` the form's widgets hold now (the core checks it)."""
    ss = st.session_state
    get: Any = lambda name, default=None: ss.get(_k(prefix, name), default)  # noqa: E731
    takeoff = dt.datetime.combine(get("t_date"), get("t_time"), tzinfo=LOCAL_TZ)
    landing = dt.datetime.combine(get("l_date"), get("l_time"), tzinfo=LOCAL_TZ)
    crew: list[tuple[str, str]] = []
    if get("pilot"):
        crew.append((get("pilot"), "pilot"))
    if get("copilot"):
        crew.append((get("copilot"), "copilot"))
    crew.extend((name, "observer") for name in get("observers", []) or [])
    area = get("area") or 0.0
    pod = get("pod") or 0.0
    return SortieInput(
        task_type=get("task"), aircraft=get("aircraft") or "", takeoff_at=takeoff, landing_at=landing,
        crew=tuple(crew), incident_number=get("mission") or None, takeoff_site=get("t_site", ""),
        landing_site=get("l_site", ""), plan=get("plan"), track=get("track"),
        area_covered_m2=area * 1e6 if area else None, pod=pod if pod else None,
        remarks=get("remarks", ""))
