"""Small logbook panels pages share: the unit's running totals (sorties, hours, missions, people
found), for the logbook page and the overview page; the flown-track check of the logbook page
(the plan flown and the flown track compared, the achieved POD and area covered put on the form)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from sar_planner.display import whole_percent
from sar_planner.errors import LogbookError
from sar_planner.formats.tracks import TRACK_EXTENSIONS, read_track
from sar_planner.logbook.counter import running_totals
from sar_planner.flown_coverage import SortieChoice, choose_sortie, compare_flown, flown_terrain
from sar_planner.flown_plan import FlownPlan
from sar_planner.formats.plan_files import PLAN_EXTENSIONS, read_flown_plan
from sar_planner.logbook.tracks import flown_track_geojson, split_dropouts
from sar_planner.terrain.library import list_library
from sar_planner.ui.common import app_settings, error_boundary, lang, tr
from sar_planner.ui.figures_flown import flown_figure
from sar_planner.ui.map_layers import base_layers_for
from sar_planner.ui.session import database

__all__ = ["unit_totals_panel", "flown_panel", "forget_flown"]

_NO_TERRAIN = ""
#: The sortie choice "pick the sortie the track follows best".
_AUTO = 0
#: Masking keys of a POD whose ridges were checked (line of sight); the others are warnings.
_RIDGES_CHECKED = ("tracks3d.plan_masked", "tracks3d.flown_masked", "tracks3d.flown_masked_partial")


def unit_totals_panel(next_number: bool = False) -> None:
    """Four metrics: total sorties (with the opening balance), hours, missions or the next
    sortie number, and people found; under them the reconciliation line (balance + historical +
    approved + waiting review; drafts and returned apart). A database fault shows as a message,
    never a traceback."""
    with error_boundary():
        totals = running_totals(database())
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(tr("logbook.ui.total_sorties"), f"{totals.sorties}")
        c2.metric(tr("logbook.ui.total_hours"), f"{totals.hours:.1f}")
        if next_number:
            c3.metric(tr("logbook.ui.next_number"), f"{totals.last_number + 1}")
        else:
            c3.metric(tr("logbook.ui.missions"), f"{totals.missions}")
        c4.metric(tr("logbook.ui.people_found"), f"{totals.people_found}")
        # how the total is made, the same line on the Overview, Statistics and `log stats`
        st.caption(tr("unitstats.reconcile", **totals.reconciliation()))


def _compare(prefix: str, paths: tuple[str, ...] | None, sweep_m: float, track_key: str) -> None:
    """Read both uploads, compare them on the chosen terrain, put the results on the form."""
    ss = st.session_state
    plan_up, track_up = ss.get(f"{prefix}_fl_plan"), ss.get(track_key)
    if plan_up is None or track_up is None:
        raise LogbookError("logbook.flown.err_missing_files")
    plan = read_flown_plan(plan_up.name, plan_up.getvalue())
    width = sweep_m if sweep_m > 0 else None
    # GPS dropouts split the track here, so the comparison and the stored track agree on the gaps
    flown = split_dropouts(read_track(track_up.name, track_up.getvalue()),
                           width if width is not None else plan.sweep_width_m)
    # a crew logs one sortie: compare with that sortie of the plan, not the whole plan
    wanted = ss.get(f"{prefix}_fl_sortie", _AUTO)
    plan, choice = choose_sortie(plan, flown, wanted if wanted in plan.sorties else None, width)
    terrain = flown_terrain(paths, plan, flown, width) if paths else None
    report = compare_flown(plan, flown, sweep_width_m=width, terrain=terrain)
    ss[f"{prefix}_flown"] = {"report": report, "terrain": terrain, "plan": plan.name,
                             "track": flown.name, "choice": choice}
    # what the sortie record keeps: the plan flown with the comparison, the track, POD, area
    ss[f"{prefix}_plan"] = {**plan.to_json(), "track_file": flown.name,
                            "comparison": report.summary()}
    ss[f"{prefix}_track"] = flown_track_geojson(  # with heights above sea level
        flown, sweep_width_m=width if width is not None else plan.sweep_width_m)
    ss[f"{prefix}_pod"] = round(report.achieved_pod, 3)
    ss[f"{prefix}_area"] = round(report.area_covered_m2 / 1e6, 3)


def _choice_text(choice: SortieChoice) -> str:
    """Which sortie was compared and why, in words (empty for a one-sortie plan)."""
    if choice.count <= 1 or choice.sortie is None:
        return ""
    if choice.picked == "given":
        return tr("flownsortie.picked_given", sortie=choice.sortie, count=choice.count)
    others = ", ".join(tr("flownsortie.share_item", sortie=n, share=f"{v:.0%}")
                       for n, v in sorted(choice.shares.items()) if n != choice.sortie)
    return tr("flownsortie.picked_auto", sortie=choice.sortie, count=choice.count,
              share=f"{choice.shares.get(choice.sortie, 0.0):.0%}",
              within=f"{choice.within_m or 0.0:.0f}", others=others)


def _plan_sorties(prefix: str) -> tuple[int, ...]:
    """The sortie numbers of the attached plan (read once per upload), empty when none is
    attached or it cannot be read (the Compare button then says why)."""
    ss = st.session_state
    up = ss.get(f"{prefix}_fl_plan")
    if up is None:
        return ()
    key = (up.name, up.size, getattr(up, "file_id", ""))
    cached = ss.get(f"{prefix}_fl_plan_sorties")
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == key:
        return cached[1]
    try:
        plan: FlownPlan = read_flown_plan(up.name, up.getvalue())
        numbers = plan.sorties
    except LogbookError:
        numbers = ()
    ss[f"{prefix}_fl_plan_sorties"] = (key, numbers)
    return numbers


def _show(result: dict[str, Any], prefix: str) -> None:
    report = result["report"]
    choice = result.get("choice")
    if isinstance(choice, SortieChoice) and _choice_text(choice):
        st.info(_choice_text(choice), icon=":material/flight:")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("logbook.flown.planned_pod"), whole_percent(report.planned_pod))
    c2.metric(tr("logbook.flown.achieved_pod"), whole_percent(report.achieved_pod),
              delta=tr("logbook.flown.delta",
                       value=f"{(report.achieved_pod - report.planned_pod) * 100:+.0f}"))
    c3.metric(tr("logbook.flown.area_covered"), f"{report.area_covered_m2 / 1e6:.3f} km²")
    c4.metric(tr("logbook.flown.area_in_region"),
              f"{report.area_covered_in_region_m2 / 1e6:.3f} km²",
              help=tr("logbook.flown.area_in_region_help",
                      region=f"{report.region_area_m2 / 1e6:.3f}"))
    offsets = (tr("logbook.flown.offsets", median=f"{report.offset_median_m:.0f}",
                  p95=f"{report.offset_p95_m:.0f}", fixes=report.offset_fixes)
               if report.offset_fixes else tr("logbook.flown.no_fixes_inside"))
    st.caption(" · ".join([
        offsets,
        tr("logbook.flown.lengths", flown=f"{report.flown_search_length_m / 1000:.2f}",
           planned=f"{report.planned_search_length_m / 1000:.2f}"),
        tr("logbook.flown.basis", width=f"{report.sweep_width_m:.0f}",
           cell=f"{report.cell_m:.0f}"),
    ]))
    # how each POD was terrain-masked: a POD that may count ground behind ridges is a warning
    for key, params in ((report.plan_masking, {}),
                        (report.flown_masking, report.flown_masking_params)):
        if key in _RIDGES_CHECKED:
            st.caption(tr(key, **dict(params)))
        else:
            st.warning(tr(key, **dict(params)), icon=":material/landscape:")
    keys = ("easting", "northing", "elevation", "slope", "latlon", "planned", "flown", "region")
    labels = {k: tr(f"logbook.flown.{k}") for k in keys}
    st.plotly_chart(flown_figure(report, labels, result["terrain"], lang=lang(),
                                 base=base_layers_for(result["terrain"].grid, app_settings())
                                 if result["terrain"] is not None else ()),
                    key=f"{prefix}_fl_figure", width="stretch",
                    config={"displaylogo": False, "scrollZoom": True})
    st.success(tr("logbook.flown.on_form", plan=result["plan"], track=result["track"]))


def flown_panel(prefix: str, track_key: str | None = None) -> None:
    """Attach the plan flown (the plan page's GeoJSON export or a QGroundControl .plan) and the
    flown track, compare them on a terrain from the library, draw the flown track over the
    planned one with both PODs, and put achieved POD, area covered, plan and track on the sortie
    form whose widget keys start with ``prefix``. Call it before the form is drawn.

    ``track_key`` is the widget key of the flown-track uploader (default ``<prefix>_fl_track``):
    the sortie's one track upload, which the form also saves (a page renews the key after a
    save, so the saved track is never read into the next sortie)."""
    track_key = track_key or f"{prefix}_fl_track"
    ss = st.session_state
    st.subheader(tr("logbook.flown.header"))
    st.caption(tr("logbook.flown.intro"))
    with error_boundary():
        entries = {e.id: e for e in list_library(app_settings())}
        names = {i: e.name(lang()) for i, e in entries.items()}
        c1, c2 = st.columns(2)
        c1.file_uploader(tr("logbook.flown.plan_file"),
                         type=sorted({e.lstrip(".") for e in PLAN_EXTENSIONS}),
                         key=f"{prefix}_fl_plan")
        c2.file_uploader(tr("logbook.flown.track_file"),
                         type=[e.lstrip(".") for e in TRACK_EXTENSIONS], key=track_key)
        c1, c2 = st.columns(2)
        options = [*entries, _NO_TERRAIN]
        if ss.get(f"{prefix}_fl_terrain") not in options:
            ss.pop(f"{prefix}_fl_terrain", None)
        chosen = c1.selectbox(tr("logbook.flown.terrain"), options,
                              format_func=lambda i, _n=names, _none=tr("logbook.flown.no_terrain"):
                              _n.get(i, _none), key=f"{prefix}_fl_terrain")
        sweep = c2.number_input(tr("logbook.flown.sweep"), min_value=0.0, max_value=5000.0,
                                step=5.0, key=f"{prefix}_fl_sweep",
                                help=tr("logbook.flown.sweep_help"))
        numbers = _plan_sorties(prefix)
        if len(numbers) > 1:
            options = [_AUTO, *numbers]
            if ss.get(f"{prefix}_fl_sortie") not in options:
                ss.pop(f"{prefix}_fl_sortie", None)
            # labels made now, in the page's language (format_func may be called outside it)
            labels = {n: tr("flownsortie.sortie_option", number=n) for n in numbers}
            labels[_AUTO] = tr("flownsortie.sortie_auto")
            st.selectbox(tr("flownsortie.sortie"), options, key=f"{prefix}_fl_sortie",
                         help=tr("flownsortie.sortie_help"),
                         format_func=lambda n, _labels=labels: _labels.get(n, str(n)))
        if st.button(tr("logbook.flown.compare"), key=f"{prefix}_fl_compare"):
            ss.pop(f"{prefix}_flown", None)
            paths = entries[chosen].paths if chosen in entries else None
            _compare(prefix, paths, float(sweep or 0.0), track_key)
    result = ss.get(f"{prefix}_flown")
    if result:
        with error_boundary():
            _show(result, prefix)
        return
    stored = ss.get(f"{prefix}_plan")
    summary = stored.get("comparison") if isinstance(stored, dict) else None
    if isinstance(summary, dict) and summary.get("planned_pod") is not None:
        # a sortie loaded for correction: what was measured when it was logged
        name = str(stored.get("name", ""))
        if isinstance(stored.get("sortie"), int):  # one sortie of a plan of several
            name = tr("planning.ui.per_sortie", label=name, n=stored["sortie"])
        st.info(tr("logbook.flown.stored", plan=name,
                   planned=whole_percent(summary['planned_pod']),
                   achieved=whole_percent(summary.get('achieved_pod') or 0.0)))


def forget_flown(prefix: str) -> None:
    """Drop the comparison, the plan and the track from the form once the sortie is saved, so
    they are never attached to the next sortie by mistake."""
    for name in ("flown", "plan", "track", "fl_sortie"):
        st.session_state.pop(f"{prefix}_{name}", None)
