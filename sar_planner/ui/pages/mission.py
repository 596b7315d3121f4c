"""Mission page: the initial planning point, its uncertainty, time last seen and the subject.

Thin: it collects the inputs and checks them with the core (position parsing, quartiles); the
probability page builds the map from them. The inputs live in ``st.session_state["mission"]``.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sar_planner.geo import parse_latlon, to_wgs84
from sar_planner.subjects import (TERRAIN_CLASSES, Quartiles, categories, category,
                                  child_category, quartiles_for)
from sar_planner.i18n import t
from sar_planner.ui.common import error_boundary, lang, tr
from sar_planner.ui.session import require_page

MISSION_KEY = "mission"

require_page("mission")  # the role is checked on every run, not only in the menu
st.title(tr("nav.mission"))
st.caption(tr("probability.mission.intro"))
saved = st.session_state.get(MISSION_KEY, {})
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
                          value=float(saved.get("uncertainty_m", 0.0)), key="mission_unc")
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
    start = saved.get("quartiles_km") or [v / 1000 for v in published]
    qcols = st.columns(4)
    qvals = [qcols[i].number_input(f"{p} %", min_value=0.0, step=0.1, value=float(start[i]),
                                   key=f"mission_q{p}")
             for i, p in enumerate((25, 50, 75, 95))]
    c7, c8, c9 = st.columns(3)
    seen_date = c7.date_input(tr("probability.mission.seen_date"),
                              value=saved.get("seen_date", dt.date.today()), key="mission_date")
    seen_time = c8.time_input(tr("probability.mission.seen_time"),
                              value=saved.get("seen_time", dt.time(8, 0)), key="mission_time")
    speed = c9.number_input(tr("probability.mission.speed"), min_value=0.0, step=0.5,
                            value=float(saved.get("speed_kmh", 0.0)), key="mission_speed",
                            help=tr("probability.mission.speed_help"))
    age = st.number_input(tr("probability.mission.age"), min_value=0, max_value=120, step=1,
                          value=int(saved.get("age", 0)), key="mission_age")
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
        point = to_wgs84(parse_latlon(ipp_text, datum=datum))
        if own:
            Quartiles.from_km(qvals)  # refuses distances that do not increase, with the reason
        st.session_state[MISSION_KEY] = {
            "ipp_text": ipp_text, "datum": datum, "lat": point.lat, "lon": point.lon,
            "uncertainty_m": unc, "uncertainty_kind": kind, "subject": subject,
            "terrain_class": tclass, "quartiles_km": list(qvals) if own else None,
            "seen_date": seen_date, "seen_time": seen_time, "speed_kmh": speed, "age": age,
            "notes": notes,
        }
        st.success(tr("probability.mission.saved", lat=f"{point.lat:.5f}", lon=f"{point.lon:.5f}"))
