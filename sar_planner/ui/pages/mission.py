"""Mission page: choose the mission from the logbook (or open a new one), then its initial planning
point, uncertainty, time last seen and subject.

Thin: the core checks and stores the inputs as facts in the logbook
(:mod:`sar_planner.logbook.mission_inputs`); choosing a mission loads its stored inputs into the
form. The inputs are also kept in ``st.session_state["mission"]`` for the other pages, and the
chosen logbook mission in ``st.session_state["mission_pick"]``.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sar_planner.logbook.mission_inputs import mission_id_for, mission_inputs, save_mission_inputs
from sar_planner.logbook.records import list_missions, open_mission
from sar_planner.subjects import (TERRAIN_CLASSES, categories, category, child_category,
                                  quartiles_for)
from sar_planner.i18n import t
from sar_planner.ui.common import error_boundary, lang, tr
from sar_planner.ui.mission_state import clear as clear_handover
from sar_planner.ui.mission_state import session_from_stored, stored_from_session
from sar_planner.ui.place_map import show_place_map
from sar_planner.ui.session import database, require_page

MISSION_KEY = "mission"
PICK_KEY = "mission_pick"
_NEXT_KEY = "mission_incident_next"
#: The form's widget keys: forgotten when another mission is loaded, so they show its values.
_FORM_KEYS = ("mission_ipp", "mission_datum", "mission_unc", "mission_unc_kind", "mission_subject",
              "mission_tclass", "mission_own_q", "mission_q25", "mission_q50", "mission_q75",
              "mission_q95", "mission_date", "mission_time", "mission_speed", "mission_age",
              "mission_notes")

signed = require_page("mission")  # the role is checked on every run, not only in the menu
actor = signed.actor
db = database()
st.title(tr("nav.mission"))
st.caption(tr("probability.mission.intro"))


def _load(incident: str | None) -> None:
    """Take the chosen mission's stored inputs (or none) as the session's mission."""
    for k in _FORM_KEYS:
        st.session_state.pop(k, None)
    clear_handover(st.session_state)
    st.session_state.pop(MISSION_KEY, None)  # never carry one mission's inputs into another
    st.session_state.pop(PICK_KEY, None)
    if incident is None:
        return
    mid = mission_id_for(db, incident)
    stored = mission_inputs(db, mid)
    st.session_state[PICK_KEY] = {"incident_number": incident, "mission_id": mid,
                                  "revision": stored["revision"] if stored else None}
    if stored is not None:
        st.session_state[MISSION_KEY] = session_from_stored(stored, incident, mid)
        if stored.get("terrain_id"):
            st.session_state["terrain_entry"] = stored["terrain_id"]


if _NEXT_KEY in st.session_state:  # a mission just opened below: choose it
    st.session_state["mission_incident"] = st.session_state.pop(_NEXT_KEY)
open_missions: list[str] = []
with error_boundary():
    open_missions = [m["incident_number"] for m in list_missions(db) if m["status"] == "open"]
pick = st.session_state.get(PICK_KEY) or {}
options: list[str | None] = [None, *open_missions]
c0, c0b = st.columns([4, 1])
choice = c0.selectbox(tr("logbook.inputs_ui.choose"), options,
                      index=options.index(pick.get("incident_number"))
                      if pick.get("incident_number") in options else 0,
                      format_func=lambda v: tr("logbook.inputs_ui.none") if v is None else v,
                      key="mission_incident")
reload = c0b.button(tr("logbook.inputs_ui.reload"), key="mission_reload",
                    disabled=choice is None)
if choice != pick.get("incident_number") or reload:
    with error_boundary():
        _load(choice)
    pick = st.session_state.get(PICK_KEY) or {}

with st.expander(tr("logbook.inputs_ui.open_new"), expanded=not open_missions):
    with st.form("mission_open"):
        new_incident = st.text_input(tr("logbook.ui.incident_number"), key="mission_new_incident")
        go_new = st.form_submit_button(tr("logbook.inputs_ui.open_button"))
    if go_new:
        with error_boundary():
            open_mission(db, actor, new_incident, dt.datetime.now(dt.UTC))
            st.session_state[_NEXT_KEY] = new_incident.strip()
            st.rerun()

if not pick:
    st.info(tr("logbook.inputs_ui.choose_first"), icon=":material/info:")
    st.stop()
if pick.get("revision"):
    st.caption(tr("logbook.inputs_ui.loaded", incident=pick["incident_number"],
                  revision=pick["revision"]))
else:
    st.caption(tr("logbook.inputs_ui.empty", incident=pick["incident_number"]))
saved = st.session_state.get(MISSION_KEY) or {}
if saved.get("incident_number") != pick["incident_number"]:
    saved = {}
keys = [c.key for c in categories()]

with st.form("mission_inputs"):
    c1, c2 = st.columns([3, 1])
    ipp_text = c1.text_input(tr("probability.mission.ipp"), value=saved.get("ipp_text", ""),
                             placeholder="36.40, 94.90  |  36°24′N 94°54′E  |  北纬36度24分 东经94度54分",
                             key="mission_ipp")
    datum = c2.selectbox(tr("probability.mission.datum"), ["WGS84", "CGCS2000", "GCJ02", "BD09"],
                         index=["WGS84", "CGCS2000", "GCJ02", "BD09"].index(saved.get("datum", "WGS84")),
                         key="mission_datum")
    c3, c4 = st.columns(2)
    unc = c3.number_input(tr("probability.mission.uncertainty"), min_value=0.0, step=100.0,
                          value=float(saved.get("uncertainty_m") or 0.0), key="mission_unc")
    kinds = ["gaussian", "disc"]
    kind = c4.selectbox(tr("probability.mission.uncertainty_kind"), kinds,
                        index=kinds.index(saved.get("uncertainty_kind", "gaussian")),
                        format_func=lambda k, _l=lang(): t(f"probability.mission.kind_{k}", _l),
                        key="mission_unc_kind")
    c5, c6 = st.columns(2)
    subject = c5.selectbox(tr("probability.mission.subject"), keys,
                           index=keys.index(saved.get("subject", "hiker")),
                           format_func=lambda k, _l=lang(): t(f"probability.subject_{k}", _l),
                           key="mission_subject")
    tclass = c6.selectbox(tr("probability.mission.terrain_class"), list(TERRAIN_CLASSES),
                          index=list(TERRAIN_CLASSES).index(saved.get("terrain_class",
                                                                       "dry-mountainous")),
                          format_func=lambda k, _l=lang(): t(f"probability.terrain_class_{k.replace('-', '_')}", _l),
                          key="mission_tclass")
    own = st.checkbox(tr("probability.mission.own_quartiles"),
                      value=saved.get("quartiles_km") is not None, key="mission_own_q")
    published = quartiles_for(subject, tclass).as_tuple()
    # the boxes show the distances IN USE (issue 16: they kept 1.60/3.20/6.40/19.20 from an
    # earlier run while the published 1.6/2.6/5.8/11.1 km were used): the published ones for
    # the chosen subject unless own distances are ticked, then the saved own ones
    in_use = (saved.get("quartiles_km") if own and saved.get("quartiles_km")
              else [v / 1000 for v in published])
    qcols = st.columns(4)
    for i, p in enumerate((25, 50, 75, 95)):
        if not own or f"mission_q{p}" not in st.session_state:
            st.session_state[f"mission_q{p}"] = float(in_use[i])
    qvals = [qcols[i].number_input(tr("probability.mission.quartile", p=p), min_value=0.0,
                                   step=0.1, format="%g", key=f"mission_q{p}")
             for i, p in enumerate((25, 50, 75, 95))]
    c7, c8, c9 = st.columns(3)
    seen_date = c7.date_input(tr("probability.mission.seen_date"),
                              value=saved.get("seen_date") or dt.date.today(), key="mission_date")
    seen_time = c8.time_input(tr("probability.mission.seen_time"),
                              value=saved.get("seen_time") or dt.time(8, 0), key="mission_time")
    speed = c9.number_input(tr("probability.mission.speed"), min_value=0.0, step=0.5,
                            value=float(saved.get("speed_kmh") or 0.0), key="mission_speed",
                            help=tr("probability.mission.speed_help"))
    age = st.number_input(tr("probability.mission.age"), min_value=0, max_value=120, step=1,
                          value=int(saved.get("age") or 0), key="mission_age")
    notes = st.text_area(tr("probability.mission.notes"), value=saved.get("notes", ""),
                         key="mission_notes")
    submitted = st.form_submit_button(tr("probability.mission.save"), type="primary")

cat = category(subject)
suggested = child_category(age) if age else None
if suggested and suggested != subject:
    st.info(tr("probability.mission.child_hint", age=age,
               category=tr(f"probability.subject_{suggested}")), icon=":material/child_care:")
if cat.stands_for:
    st.info(tr("probability.mission.stands_for", local=tr(f"probability.subject_{cat.key}"),
               published=tr(f"probability.subject_{cat.stands_for}")), icon=":material/info:")
st.caption(tr("probability.mission.published", values=" / ".join(f"{v / 1000:g}" for v in published)))

if submitted:
    with error_boundary():
        typed = {
            "ipp_text": ipp_text, "datum": datum, "uncertainty_m": unc, "uncertainty_kind": kind,
            "subject": subject, "terrain_class": tclass,
            "quartiles_km": list(qvals) if own else None,
            "seen_date": seen_date, "seen_time": seen_time, "speed_kmh": speed, "age": age,
            "notes": notes, "model": st.session_state.get("poa_model") or saved.get("model"),
            "terrain_id": st.session_state.get("terrain_entry") or saved.get("terrain_id"),
        }
        if "features" in saved:  # the map features drawn on the Probability page, unchanged
            typed["features"] = saved["features"]
        # the core checks every input (position, quartiles...) and stores them with an audit row
        stored = save_mission_inputs(db, actor, pick["mission_id"], stored_from_session(typed),
                                     base_revision=pick.get("revision"))
        st.session_state[MISSION_KEY] = session_from_stored(stored, pick["incident_number"],
                                                            pick["mission_id"])
        st.session_state[PICK_KEY] = dict(pick, revision=stored["revision"])
        st.success(tr("probability.mission.saved", lat=f"{stored['lat']:.5f}",
                      lon=f"{stored['lon']:.5f}"))
        st.caption(tr("logbook.inputs_ui.saved_db", incident=pick["incident_number"],
                      revision=stored["revision"]))

# --- the mission on the map: the IPP and the subject's distance rings (issue 15) --------------
shown = st.session_state.get(MISSION_KEY) or {}
if shown.get("incident_number") == pick["incident_number"] and shown.get("lat") is not None:
    with error_boundary():
        q_km = shown.get("quartiles_km") or [
            v / 1000 for v in quartiles_for(shown["subject"], shown["terrain_class"]).as_tuple()]
        st.subheader(tr("mapping.ui.mission_map"))
        show_place_map([(float(shown["lat"]), float(shown["lon"]), tr("probability.ui.ipp"))],
                       rings_m=[(km * 1000.0, tr("probability.ui.ring", p=p, km=f"{km:g}"))
                                for p, km in zip((25, 50, 75, 95), q_km, strict=True)],
                       key="mission_map")
