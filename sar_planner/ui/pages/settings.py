"""Settings page (administrators): accounts and roles, aircraft and crew rosters, the starting
count (opening balance or historical list), where the data lives, a database backup, and the asset
catalogue (aircraft and camera figures, each the maker's or the unit's own)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sar_planner.assets import (
    ASSET_FIGURE_FIELDS,
    OPTIONAL_FIGURE_FIELDS,
    SENSOR_FIGURE_FIELDS,
    bundled_catalogue_path,
    bundled_figure,
    catalogue_path,
    discard_unit_catalogue,
    editable_figures,
    load_catalogue,
    restore_figure,
    unit_catalogue_path,
    unit_copy_status,
    update_figures,
)
from sar_planner.auth import ROLES, create_user, list_users, require, set_password, set_user_active
from sar_planner.errors import SarPlannerError
from sar_planner.logbook.audit import record_audit
from sar_planner.logbook.backup import backup_database
from sar_planner.logbook.counter import running_totals, set_opening_balance
from sar_planner.logbook.history import import_history
from sar_planner.logbook.models import AIRCRAFT_KINDS
from sar_planner.logbook.records import (
    add_aircraft,
    add_crew_member,
    list_aircraft,
    list_crew,
    set_aircraft_active,
    set_aircraft_asset,
)
from sar_planner.logbook.times import format_local
from sar_planner.ui.logbook_forms import labeller
from sar_planner.ui.common import app_settings, error_boundary, lang, show_error, tr
from sar_planner.ui.session import database, require_page, role_name

signed = require_page("settings")
actor = signed.actor
db = database()
settings = app_settings()
st.title(tr("nav.settings"))


def _run(action, success: str) -> None:
    """Do ``action``; on success re-run the page (tables show the change) and say so at the top."""
    try:
        action()
    except SarPlannerError as exc:
        show_error(exc)
        return
    st.session_state["set_flash"] = success
    st.rerun()


if "set_flash" in st.session_state:
    st.success(st.session_state.pop("set_flash"))


# --- accounts ---------------------------------------------------------------------------------
with error_boundary():
    st.subheader(tr("logbook.ui.accounts"))
    users = list_users(db, actor)
    st.dataframe(pd.DataFrame([{tr("auth.ui.username"): u["username"], tr("auth.ui.display_name"): u["display_name"],
                                tr("logbook.ui.role"): role_name(str(u["role"])),
                                tr("logbook.ui.active"): "✔" if u["active"] else "✘",
                                tr("logbook.ui.col_when"): format_local(u["created_at"])} for u in users]),
                 hide_index=True, key="set_users")
    with st.form("new_account", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        username = c1.text_input(tr("auth.ui.username"), key="na_username")
        display = c2.text_input(tr("auth.ui.display_name"), key="na_display")
        role = c3.selectbox(tr("logbook.ui.role"), list(ROLES), key="na_role", format_func=labeller("auth.ui.role_"))
        password = st.text_input(tr("auth.ui.password"), type="password", key="na_password")
        go = st.form_submit_button(tr("logbook.ui.create_account"))
    if go:
        _run(lambda: create_user(db, actor, username.strip().lower(), display, role, password),
             tr("logbook.ui.account_created", username=username.strip().lower()))
    names = [str(u["username"]) for u in users]
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox(tr("auth.ui.username"), names, key="acc_pick")
    new_pw = c2.text_input(tr("logbook.ui.new_password"), type="password", key="acc_pw")
    if c3.button(tr("logbook.ui.set_password"), key="acc_set_pw"):
        _run(lambda: set_password(db, actor, who, new_pw), tr("logbook.ui.done"))
    c1, c2 = st.columns(2)
    if c1.button(tr("logbook.ui.disable"), key="acc_disable"):
        _run(lambda: set_user_active(db, actor, who, False), tr("logbook.ui.done"))
    if c2.button(tr("logbook.ui.enable"), key="acc_enable"):
        _run(lambda: set_user_active(db, actor, who, True), tr("logbook.ui.done"))

# --- aircraft and crew ------------------------------------------------------------------------
with error_boundary():
    st.subheader(tr("logbook.ui.aircraft_roster"))
    fleet = list_aircraft(db)
    # the catalogue types an aircraft can be linked to (its flown tracks count with their width)
    types = {aid: a.name(lang()) for aid, a in load_catalogue().items()}
    type_labels = {"": tr("trackcounts.asset_none"), **types}
    st.dataframe(pd.DataFrame([{tr("logbook.ui.aircraft"): a["registration"], tr("logbook.ui.type"): a["type_name"],
                                tr("logbook.ui.kind"): tr(f"logbook.ui.kind_{a['kind']}"),
                                tr("trackcounts.asset"): types.get(a["asset_id"] or "", a["asset_id"] or "—"),
                                tr("logbook.ui.active"): "✔" if a["active"] else "✘"} for a in fleet]),
                 hide_index=True, key="set_fleet")
    untyped = [a["registration"] for a in fleet if a["active"] and not a["asset_id"]]
    if untyped:  # asked once for each aircraft added before the link existed
        st.warning(tr("trackcounts.ask", aircraft=tr("trackcounts.list_sep").join(untyped)),
                   icon=":material/flight:")
        c1, c2, c3 = st.columns([1, 2, 1])
        link_reg = c1.selectbox(tr("logbook.ui.aircraft"), untyped, key="ac_link_reg")
        link_type = c2.selectbox(tr("trackcounts.asset"), list(type_labels), key="ac_link_type",
                                 format_func=lambda i, _l=type_labels: _l.get(i, i))
        if c3.button(tr("trackcounts.link"), key="ac_link", disabled=not link_type):
            _run(lambda: set_aircraft_asset(db, actor, link_reg, link_type),
                 tr("trackcounts.linked", aircraft=link_reg, asset=types.get(link_type, link_type)))
    with st.form("new_aircraft", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
        reg = c1.text_input(tr("logbook.ui.registration"), key="ac_reg")
        type_name = c2.text_input(tr("logbook.ui.type"), key="ac_type")
        kind = c3.selectbox(tr("logbook.ui.kind"), list(AIRCRAFT_KINDS), key="ac_kind",
                            format_func=labeller("logbook.ui.kind_"))
        asset_id = c4.selectbox(tr("trackcounts.asset"), list(type_labels), key="ac_asset",
                                help=tr("trackcounts.asset_help"),
                                format_func=lambda i, _l=type_labels: _l.get(i, i))
        go = st.form_submit_button(tr("logbook.ui.add_aircraft"))
    if go:
        _run(lambda: add_aircraft(db, actor, reg, type_name, kind, asset_id=asset_id or None),
             tr("logbook.ui.done"))
    if fleet:
        c1, c2, c3 = st.columns(3)
        reg_pick = c1.selectbox(tr("logbook.ui.aircraft"), [a["registration"] for a in fleet], key="ac_pick")
        if c2.button(tr("logbook.ui.retire"), key="ac_retire"):
            _run(lambda: set_aircraft_active(db, actor, reg_pick, False), tr("logbook.ui.done"))
        if c3.button(tr("logbook.ui.return_to_service"), key="ac_unretire"):
            _run(lambda: set_aircraft_active(db, actor, reg_pick, True), tr("logbook.ui.done"))
    st.subheader(tr("logbook.ui.crew_roster"))
    st.dataframe(pd.DataFrame([{tr("logbook.ui.crew"): c["name"], tr("auth.ui.username"): c["username"] or "",
                                tr("logbook.ui.active"): "✔" if c["active"] else "✘"} for c in list_crew(db)]),
                 hide_index=True, key="set_crew")
    with st.form("new_crew", clear_on_submit=True):
        person = st.text_input(tr("auth.ui.display_name"), key="cr_name")
        go = st.form_submit_button(tr("logbook.ui.add_crew"))
    if go:
        _run(lambda: add_crew_member(db, actor, person), tr("logbook.ui.done"))

# --- the starting count -----------------------------------------------------------------------
with error_boundary():
    st.subheader(tr("logbook.ui.start_count"))
    totals = running_totals(db)
    st.caption(tr("logbook.ui.count_now", sorties=totals.sorties, hours=f"{totals.hours:.1f}",
                  last=totals.last_number))
    if totals.last_number == 0:
        c1, c2 = st.columns(2)
        with c1.form("opening_balance"):
            n = st.number_input(tr("logbook.ui.opening_sorties"), min_value=0, step=1, key="ob_n")
            h = st.number_input(tr("logbook.ui.opening_hours"), min_value=0.0, step=0.1, key="ob_h")
            go = st.form_submit_button(tr("logbook.ui.set_balance"))
        if go:
            _run(lambda: set_opening_balance(db, actor, int(n), float(h)), tr("logbook.ui.done"))
        with c2.form("import_history"):
            up = st.file_uploader(tr("logbook.ui.history_csv"), type=["csv"], key="ih_file")
            go2 = st.form_submit_button(tr("logbook.ui.import"))
        if go2 and up is not None:
            try:
                count = import_history(db, actor, up.getvalue(), up.name)
                st.success(tr("logbook.ui.imported", count=count))
            except SarPlannerError as exc:
                show_error(exc)
    else:
        st.caption(tr("logbook.ui.count_started"))

# --- data and backup --------------------------------------------------------------------------
with error_boundary():
    st.subheader(tr("logbook.ui.data_header"))
    st.markdown(tr("logbook.ui.data_where", folder=str(settings.data_dir),
                   url=db.engine.url.render_as_string(hide_password=True)))
    if st.button(tr("logbook.ui.backup_now"), key="backup"):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = ".db" if db.backend == "sqlite" else ".dump"
        out = backup_database(db, settings.data_dir / "backups" / f"sar_planner-{stamp}{suffix}",
                              actor.username)
        st.success(tr("logbook.ui.backup_done", file=str(out)))

# --- asset catalogue --------------------------------------------------------------------------
_PX = ("width_px", "height_px")
_FIELD_NAMES = frozenset(ASSET_FIGURE_FIELDS + OPTIONAL_FIGURE_FIELDS + SENSOR_FIGURE_FIELDS)
_STEP = {"m_s": 0.1, "_s": 1.0, "_m": 1.0, "_km": 0.5, "_um": 0.01, "_mm": 0.1}
#: Figures the catalogue keeps in seconds (SI) that the page shows and takes in minutes.
_MINUTES = {"endurance_s": "assets_ui.ui.endurance_min", "reserve_s": "assets_ui.ui.reserve_min"}


def _shown(name: str, value: float | None) -> float | None:
    """A figure as the page shows it: minutes for :data:`_MINUTES`, else the catalogue's unit."""
    return None if value is None else (value / 60.0 if name in _MINUTES else value)


def _label(name: str) -> str:
    """The figure's name with the unit the page shows it in."""
    return tr(_MINUTES[name]) if name in _MINUTES else tr(f"assets_ui.field.{name}")


def _entered(name: str, typed: float | None, fig) -> float | None:
    """A typed figure in the catalogue's unit (minutes back to seconds). An untouched figure is
    passed back exactly as stored, so 1,000 s shown as 16.67 min is not 'changed' to 999.99 s."""
    if typed is None or name not in _MINUTES:
        return typed
    if fig is not None and typed == _shown(name, fig.value):
        return fig.value
    return typed * 60.0


def _fmt(value: float | None, name: str = "") -> str:
    """A figure for display (minutes to 0.01 for :data:`_MINUTES` when ``name`` is given)."""
    if value is None:
        return tr("assets_ui.ui.not_set")
    return f"{round(value / 60.0, 2):g}" if name in _MINUTES else f"{value:g}"


def _by(fig) -> str:
    return "" if fig is None else tr(f"assets_ui.ui.by_{fig.by}")


def _layer(fig) -> str:
    return "" if fig is None else tr(f"assets_ui.ui.layer_{fig.layer}")


def _copy_caption(status, catalogue) -> None:
    """Say which catalogue is in use: the bundled one alone, or with the unit's copy over it."""
    if not status.exists:
        st.caption(tr("assets_ui.ui.file_bundled", file=str(status.path)))
        return
    own = ", ".join(catalogue[eid].name(lang()) if sec == "asset" and eid in catalogue else eid
                    for sec, eid in status.own_entries) or "-"
    if status.layered:
        st.caption(tr("assets_ui.ui.file_unit", file=str(status.path), figures=status.figures,
                      own=own))
        return
    rep = status.report
    st.warning(tr("assets_ui.ui.file_old", file=str(status.path), kept=len(rep.kept),
                  same=len(rep.same_as_bundled), own=own,
                  backups=str(status.path.parent / "backups")), icon=":material/info:")
    for (_section, eid, name), old, new in rep.maker_replaced:
        st.caption(tr("assets_ui.ui.old_maker_replaced", entry=eid,
                      field=tr(f"assets_ui.field.{name}") if name in _FIELD_NAMES else name,
                      old=old, new=new))


with error_boundary():
    st.subheader(tr("assets_ui.ui.header"))
    st.caption(tr("assets_ui.ui.intro"))
    if "ae_flash" in st.session_state:
        st.success(st.session_state.pop("ae_flash"))
    in_use = catalogue_path()
    # Widget keys carry the file's version: after any save or restore the form shows the file.
    version = in_use.stat().st_mtime_ns
    catalogue_now = load_catalogue()
    _copy_caption(unit_copy_status(settings), catalogue_now)
    lng = lang()
    aid = st.selectbox(tr("assets_ui.ui.pick"), list(catalogue_now), key="ae_pick",
                       format_func=lambda i: catalogue_now[i].name(lng))
    asset = catalogue_now[aid]
    sensor_names = {s.id: s.name(lng) for s in asset.sensors}
    figures = editable_figures(asset)

    def _part(key) -> str:
        return asset.name(lng) if key[0] == "asset" else sensor_names[key[1]]

    st.dataframe(pd.DataFrame([{tr("assets_ui.ui.col_part"): _part(k),
                                tr("assets_ui.ui.col_figure"): _label(k[2]),
                                tr("assets_ui.ui.col_value"): _fmt(f.value if f else None, k[2]),
                                tr("assets_ui.ui.col_source"): _by(f),
                                tr("assets_ui.ui.col_layer"): _layer(f),
                                tr("assets_ui.ui.col_ref"): f.ref if f else ""} for k, f in figures]),
                 hide_index=True, key="ae_table")
    st.caption(tr("assets_ui.ui.minutes_note"))
    for sensor in asset.sensors:
        others = [a.name(lng) for a in catalogue_now.values()
                  if a.id != aid and any(s.id == sensor.id for s in a.sensors)]
        if others:
            st.caption(tr("assets_ui.ui.shared_sensor", sensor=sensor.name(lng), others=", ".join(others)))
    st.caption(tr("assets_ui.ui.sweep_note", source=tr("assets_ui.ui.sweep_from_unit",
                                                       width=f"{asset.sweep_width_override_m:g}")
                  if asset.sweep_width_override_m is not None else tr("assets_ui.ui.sweep_from_model")))

    with st.form(f"ae_form_{version}_{aid}"):
        st.caption(tr("assets_ui.ui.form_hint"))
        typed: dict = {}
        cols = st.columns(3)
        for i, (key, fig) in enumerate(figures):
            section, entry, name = key
            label = _label(name)
            if section == "sensor":
                label = f"{sensor_names[entry]}: {label}"
            wkey = f"ae_{version}_{section}_{entry}_{name}"
            if name in _PX:
                typed[key] = cols[i % 3].number_input(label, value=int(fig.value), step=1, format="%d", key=wkey)
            else:
                step = next((v for suffix, v in _STEP.items() if name.endswith(suffix)), 1.0)
                if name in _MINUTES:
                    step = 1.0
                shown = cols[i % 3].number_input(label, value=_shown(name, None if fig is None else float(fig.value)),
                                                 step=step, format="%.2f", key=wkey)
                typed[key] = _entered(name, shown, fig)
        ref = st.text_input(tr("assets_ui.ui.ref"), key=f"ae_ref_{version}_{aid}",
                            placeholder=tr("assets_ui.ui.ref_help"))
        go = st.form_submit_button(tr("assets_ui.ui.save"))
    if go:
        try:
            require(actor, "settings.manage")
            changed = update_figures(typed, ref, settings)
        except SarPlannerError as exc:
            show_error(exc)  # nothing was saved; the typed figures stay in the form
        else:
            if changed:  # who changed which figure, in the audit log next to the logbook's changes
                db.write(lambda s: record_audit(s, actor.username, "edit", "asset_catalogue", None, {
                    "changes": {"/".join(k): typed[k] for k in changed}, "ref": " ".join(ref.split())}))
            st.session_state["ae_flash"] = (tr("assets_ui.ui.saved", count=len(changed), asset=asset.name(lng))
                                            if changed else tr("assets_ui.ui.nothing_changed"))
            st.rerun()

    st.markdown(f"**{tr('assets_ui.ui.restore_header')}**")
    differing = []
    bundled_ids = set(load_catalogue(bundled_catalogue_path()))
    for key, fig in figures:
        if key[0] == "asset" and key[1] not in bundled_ids:
            continue  # the unit's own aircraft: no bundled figure to go back to
        original = bundled_figure(*key)
        if fig != original and not (fig is None and original is None):
            differing.append((key, fig, original))
    if aid not in bundled_ids:
        st.caption(tr("assets_ui.ui.own_aircraft", asset=asset.name(lng)))
    if not differing:
        st.caption(tr("assets_ui.ui.restore_none"))
    else:
        options = [tr("assets_ui.ui.restore_option", part=_part(key), field=_label(key[2]),
                      now=_fmt(fig.value if fig else None, key[2]),
                      bundled=_fmt(orig.value if orig else None, key[2]),
                      by=_by(orig) or "-") for key, fig, orig in differing]
        c1, c2 = st.columns([4, 1])
        pick = c1.selectbox(tr("assets_ui.ui.restore_pick"), range(len(differing)),
                            key=f"ae_restore_pick_{version}_{aid}", format_func=options.__getitem__)
        if c2.button(tr("assets_ui.ui.restore"), key="ae_restore"):
            key = differing[min(pick, len(differing) - 1)][0]
            try:
                require(actor, "settings.manage")
                restore_figure(*key, settings=settings)
            except SarPlannerError as exc:
                show_error(exc)
            else:
                db.write(lambda s: record_audit(s, actor.username, "restore", "asset_catalogue", None,
                                                {"figure": "/".join(key)}))
                st.session_state["ae_flash"] = tr("assets_ui.ui.restored", part=_part(key),
                                                  field=_label(key[2]))
                st.rerun()

# --- discard the unit's copy (its own block: a copy that no longer reads can still be set aside) -
with error_boundary():
    own_file = unit_catalogue_path(settings)
    if own_file.is_file():
        st.markdown(f"**{tr('assets_ui.ui.discard_header')}**")
        st.caption(tr("assets_ui.ui.discard_help", backups=str(own_file.parent / "backups")))
        if not st.session_state.get("ae_discard_ask"):
            if st.button(tr("assets_ui.ui.discard"), key="ae_discard"):
                st.session_state["ae_discard_ask"] = True
                st.rerun()
        else:
            st.warning(tr("assets_ui.ui.discard_confirm", file=str(own_file)), icon=":material/warning:")
            c1, c2 = st.columns(2)
            if c1.button(tr("assets_ui.ui.discard_yes"), key="ae_discard_yes", type="primary"):
                st.session_state.pop("ae_discard_ask", None)
                try:
                    require(actor, "settings.manage")
                    kept = discard_unit_catalogue(settings)
                except SarPlannerError as exc:
                    show_error(exc)
                else:
                    db.write(lambda s: record_audit(s, actor.username, "discard", "asset_catalogue", None,
                                                    {"file": str(own_file), "kept_as": str(kept)}))
                    st.session_state["ae_flash"] = tr("assets_ui.ui.discarded", file=str(kept))
                    st.rerun()
            if c2.button(tr("assets_ui.ui.discard_no"), key="ae_discard_no"):
                st.session_state.pop("ae_discard_ask", None)
                st.rerun()
