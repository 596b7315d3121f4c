"""Logbook page: the unit's running count, log a sortie (kept on the form if saving fails, with
retry), your sorties and their review state, submit for review, correct a returned sortie."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import streamlit as st

from sar_planner.assets import get_asset
from sar_planner.auth import allowed
from sar_planner.errors import SarPlannerError
from sar_planner.formats.tracks import read_track
from sar_planner.logbook.records import (
    aircraft_assets,
    get_sortie,
    list_aircraft,
    list_crew,
    list_missions,
    list_sorties,
    log_sortie,
    open_mission,
    submit_sortie,
    update_sortie,
)
from sar_planner.logbook.times import LOCAL_TZ
from sar_planner.logbook.tracks import flown_track_geojson, track_height_count, track_lines
from sar_planner.logbook.track_counts import sortie_map_preview
from sar_planner.terrain.library import list_library
from sar_planner.ui.common import app_settings, error_boundary, lang, show_error, tr
from sar_planner.ui.logbook_forms import (blank_form_values, form_input, load_into_form,
                                          sortie_form_fields)
from sar_planner.ui.logbook_panels import flown_panel, forget_flown, unit_totals_panel
from sar_planner.ui.session import database, require_page
from sar_planner.ui.sortie_table import sorties_display
from sar_planner.ui.widget_memory import keep_values, kept

PREFIX = "lb"
#: The sortie form's fields (widget keys ``lb_<name>``), kept over a visit to another page.
_FORM_FIELDS = ("task", "mission", "aircraft", "t_date", "t_time", "l_date", "l_time", "pilot",
                "copilot", "observers", "t_site", "l_site", "area", "pod", "remarks")
#: Kept on the form after a save, for the next sortie: the same kind of task, mission and day.
_KEPT_AFTER_SAVE = ("task", "mission", "t_date", "l_date")
_TRANSIENT = ("logbook.err_busy", "logbook.err_unreachable")
signed = require_page("logbook")
actor = signed.actor
db = database()
st.title(tr("nav.logbook"))

unit_totals_panel(next_number=True)

# --- log or correct a sortie ------------------------------------------------------------------
editing = st.session_state.get("lb_editing")  # id of a returned/draft sortie loaded into the form

if st.session_state.pop("lb_clear", False):
    # the last entry was saved: empty the form for the next sortie (before its widgets are drawn).
    # Each field is SET to its blank, not only forgotten: a widget whose value is merely dropped
    # on the server keeps what the browser shows and sends it back on the next run (QA saw
    # aircraft, sites, area, remarks and co-pilot still filled in after "the form is empty").
    # The widget memory takes the blanks too, or it would put the old values back.
    memory = kept("logbook")
    for name, blank in blank_form_values(default_pilot=signed.display_name).items():
        if name not in _KEPT_AFTER_SAVE:
            st.session_state[f"{PREFIX}_{name}"] = blank
            memory[f"{PREFIX}_{name}"] = blank
    # a new uploader (a file uploader cannot be emptied), so the saved track is not read again
    st.session_state["lb_upload_n"] = st.session_state.get("lb_upload_n", 0) + 1
    st.session_state["lb_blank"] = None  # the emptied form's values, taken when it is drawn


def _upload_key() -> str:
    """The key of the sortie's one flown-track uploader (in the flown-track panel, outside the
    form, so the form can say what the track will add to the map before saving): a new one
    after each save."""
    n = st.session_state.get("lb_upload_n", 0)
    return "lb_track_file" if n == 0 else f"lb_track_file_{n}"


def _form_values() -> dict[str, object]:
    return {name: st.session_state.get(f"{PREFIX}_{name}") for name in _FORM_FIELDS}


# what was typed stays after a visit to another page (say, the Plan page for the plan's export):
# Streamlit forgets the widgets a run does not draw
keep_values((f"{PREFIX}_fl_terrain", f"{PREFIX}_fl_sweep"), "logbook")
# the plan flown and the flown track, compared; fills POD, area, plan and track on the form below
flown_panel(PREFIX, track_key=_upload_key())


def _attach_track() -> None:
    """Read an uploaded flown track (GPX, KML/KMZ, DJI CSV, .tlog) into the form's track, with
    each fix's height above sea level where the file has one."""
    upload = st.session_state.get(_upload_key())
    compared = st.session_state.get(f"{PREFIX}_flown")
    if compared and upload is not None and compared.get("track") == upload.name:
        return  # compared with the plan: the track is on the form already, split at its gaps
    if upload is not None:
        flown = read_track(upload.name, upload.getvalue())
        st.session_state[f"{PREFIX}_track"] = flown_track_geojson(flown)


def _save(submit: bool) -> None:
    _attach_track()
    data = form_input(PREFIX)
    st.session_state["lb_pending"] = submit
    if editing:
        rec = update_sortie(db, actor, editing, data)
        if submit:
            rec = submit_sortie(db, actor, rec.id)
        st.session_state.pop("lb_editing", None)
    else:
        rec = log_sortie(db, actor, data, submit=submit)
    st.session_state.pop("lb_pending", None)
    st.session_state["lb_saved"] = st.session_state["lb_last_saved"] = rec.number
    st.session_state["lb_clear"] = True
    forget_flown(PREFIX)


@st.cache_data(show_spinner=False, max_entries=32)
def _preview(incident: str | None, registration: str | None, asset_id: str | None,
             track_json: str, plan_json: str, entry_ids: tuple[str, ...]):
    """:func:`sortie_map_preview`, cached by what it depends on (the aircraft's type included,
    so linking it in Settings shows at once)."""
    del asset_id, entry_ids  # in the cache key only
    entries = list_library(app_settings())
    return sortie_map_preview(db, incident_number=incident, registration=registration,
                              track=json.loads(track_json), plan=json.loads(plan_json),
                              terrain_entries=entries)


def _map_preview() -> None:
    """What the sortie will add to its mission's map, or why nothing, as the form stands."""
    ss = st.session_state
    track = ss.get(f"{PREFIX}_track")
    upload = ss.get(_upload_key())
    try:
        if upload is not None and not (ss.get(f"{PREFIX}_flown") or {}).get("track") == upload.name:
            track = flown_track_geojson(read_track(upload.name, upload.getvalue()))
        registration = ss.get(f"{PREFIX}_aircraft") or None
        got = _preview(ss.get(f"{PREFIX}_mission") or None, registration,
                       aircraft_assets(db).get(registration or ""),
                       json.dumps(track, sort_keys=True), json.dumps(ss.get(f"{PREFIX}_plan"),
                                                                     sort_keys=True),
                       tuple(e.id for e in list_library(app_settings())))
    except SarPlannerError as exc:  # an unreadable track: said, and the save says it again
        show_error(exc)
        return
    params = dict(got.params)
    if params.get("asset"):  # the type's name in the page's language, not its catalogue id
        with contextlib.suppress(SarPlannerError):
            params["asset"] = get_asset(params["asset"]).name(lang())
    (st.info if got.counts else st.warning)(tr(got.key, **params), icon=":material/map:")


with error_boundary():
    aircraft = [a["registration"] for a in list_aircraft(db, active_only=True)]
    crew = [c["name"] for c in list_crew(db, active_only=True)]
    missions = [m["incident_number"] for m in list_missions(db) if m["status"] == "open"]
    st.subheader(tr("logbook.ui.edit_header", number=get_sortie(db, editing).number) if editing
                 else tr("logbook.ui.log_header"))
    if not aircraft or not crew:
        st.warning(tr("logbook.ui.roster_empty"))
    keep_values([f"{PREFIX}_{name}" for name in _FORM_FIELDS], "logbook", allowed={
        f"{PREFIX}_aircraft": ["", *aircraft], f"{PREFIX}_mission": ["", *missions],
        f"{PREFIX}_pilot": ["", *crew], f"{PREFIX}_copilot": ["", *crew]})
    with st.form("log_sortie"):
        sortie_form_fields(PREFIX, aircraft=aircraft, crew=crew, missions=missions,
                           default_pilot=signed.display_name)
        # the track comes from the one uploader above (flown track); say what it adds to the map
        _map_preview()
        kept = st.session_state.get(f"{PREFIX}_track")
        if kept:
            points, with_height = track_height_count(kept)
            st.caption(tr("logbook.ui.track_kept", points=points))
            if len(track_lines(kept)) > 1:  # the gaps between pieces are not searched ground
                st.caption(tr("trackgaps.track_pieces", pieces=len(track_lines(kept))))
            st.caption(tr("tracks3d.track_heights", points=points, with_height=with_height)
                       if with_height else tr("tracks3d.track_no_heights"))
        b0, b1, b2 = st.columns(3)
        b0.form_submit_button(tr("trackcounts.check"), help=tr("trackcounts.check_help"))
        save_draft = b1.form_submit_button(tr("logbook.ui.save_draft"))
        save_submit = b2.form_submit_button(tr("logbook.ui.save_submit"), type="primary")
    if "lb_blank" in st.session_state and st.session_state["lb_blank"] is None:
        st.session_state["lb_blank"] = _form_values()
    pressed = save_draft or save_submit
    # pressed again on the emptied form (a double press): nothing new to save, and no alarm
    untouched = (pressed and not editing and st.session_state.get("lb_blank") == _form_values()
                 and st.session_state.get(_upload_key()) is None
                 and not st.session_state.get(f"{PREFIX}_track")
                 and not st.session_state.get(f"{PREFIX}_plan"))
    if untouched:
        st.info(tr("logbook.ui.nothing_new", number=st.session_state.get("lb_last_saved", "")))
    elif pressed:
        try:
            _save(submit=bool(save_submit))
            st.rerun()
        except SarPlannerError as exc:
            show_error(exc)
            if exc.code not in _TRANSIENT:  # a wrong entry: fix the form, no retry offered
                st.session_state.pop("lb_pending", None)
    if "lb_pending" in st.session_state:  # the database failed: the entry is kept, offer retry
        st.warning(tr("logbook.ui.not_saved"))
        if st.button(tr("logbook.ui.retry"), key="lb_retry", type="primary"):
            try:
                _save(submit=bool(st.session_state["lb_pending"]))
                st.rerun()
            except SarPlannerError as exc:
                show_error(exc)
    if "lb_saved" in st.session_state:
        st.success(tr("logbook.ui.saved", number=st.session_state.pop("lb_saved")))
    if editing and st.button(tr("logbook.ui.cancel_edit"), key="lb_cancel"):
        st.session_state.pop("lb_editing", None)
        st.rerun()

# --- a new mission ----------------------------------------------------------------------------
with st.expander(tr("logbook.ui.open_mission")), error_boundary():
    with st.form("open_mission"):
        c1, c2 = st.columns(2)
        incident = c1.text_input(tr("logbook.ui.incident_number"), key="om_incident")
        area = c2.text_input(tr("logbook.ui.area"), key="om_area")
        subject = st.text_input(tr("logbook.ui.subject"), key="om_subject")
        c1, c2 = st.columns(2)
        r_date = c1.date_input(tr("logbook.ui.reported_date"), key="om_date")
        r_time = c2.time_input(tr("logbook.ui.reported_time"), key="om_time", step=300)
        go = st.form_submit_button(tr("logbook.ui.open_mission_button"))
    if go:
        reported = dt.datetime.combine(r_date, r_time, tzinfo=LOCAL_TZ)
        open_mission(db, actor, incident, reported, subject=subject, area=area, reported_at=reported)
        st.success(tr("logbook.ui.mission_opened", incident=incident.strip()))

# --- my sorties -------------------------------------------------------------------------------
with error_boundary():
    mine_only = not allowed(actor.role, "sortie.log_for_others")
    records = list_sorties(db, created_by=actor.user_id if mine_only else None,
                           statuses=("draft", "submitted", "returned", "approved"))
    st.subheader(tr("logbook.ui.mine_header") if mine_only else tr("logbook.ui.recent_header"))
    if not records:
        st.caption(tr("logbook.ui.none_yet"))
    else:
        st.dataframe(sorties_display(records[-200:], lang()).iloc[::-1], hide_index=True,
                     key="lb_table")
        for r in records:
            if r.status == "returned":
                st.warning(tr("logbook.ui.returned_note", number=r.number, reason=r.return_reason or ""))
        open_ones = {r.number: r for r in records if r.status in ("draft", "returned")}
        if open_ones:
            c1, c2, c3 = st.columns([2, 1, 1])
            num = c1.selectbox(tr("logbook.ui.pick_sortie"), list(open_ones), key="lb_pick")
            if c2.button(tr("logbook.ui.submit"), key="lb_submit"):
                submit_sortie(db, actor, open_ones[num].id)
                st.rerun()
            c3.button(tr("logbook.ui.correct"), key="lb_correct",
                      on_click=lambda: (load_into_form(PREFIX, open_ones[st.session_state["lb_pick"]]),
                                        st.session_state.__setitem__(
                                            "lb_editing", open_ones[st.session_state["lb_pick"]].id)))
