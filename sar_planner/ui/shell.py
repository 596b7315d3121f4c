"""The app shell: page configuration, language switch, the sign-in gate, and navigation over the
page files the signed-in role may open (:func:`sar_planner.auth.can_see_page`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from sar_planner.auth import can_see_page
from sar_planner.errors import SarPlannerError
from sar_planner.ui.common import language_switch, tr
from sar_planner.ui.session import current_user, remember_mission, sign_in_page, sign_out_control

__all__ = ["PAGES", "PageSpec", "run_app"]

_PAGES_DIR = Path(__file__).resolve().with_name("pages")
_ICON = Path(__file__).with_name("assets") / "icon.png"  # local file: no icon font fetched


@dataclass(frozen=True)
class PageSpec:
    """One page: its catalogue key (``nav.<key>``), file, section and icon."""

    key: str
    section: str
    icon: str

    @property
    def path(self) -> str:
        """The page file, absolute: the app's main script may be the checkout's app.py or an
        installed wheel's copy in <prefix>/share/sar-planner (see sar_planner.settings.app_dir)."""
        return str(_PAGES_DIR / f"{self.key}.py")


#: Every page of the product, in menu order.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "section_plan", ":material/home:"),
    PageSpec("mission", "section_plan", ":material/person_search:"),
    PageSpec("probability", "section_plan", ":material/blur_on:"),
    PageSpec("plan", "section_plan", ":material/flight:"),
    PageSpec("logbook", "section_log", ":material/menu_book:"),
    PageSpec("review", "section_log", ":material/fact_check:"),
    PageSpec("statistics", "section_log", ":material/bar_chart:"),
    PageSpec("terrain", "section_setup", ":material/terrain:"),
    PageSpec("settings", "section_setup", ":material/settings:"),
)


def run_app() -> None:
    """Build and run the navigation (called by app.py on every script run)."""
    st.set_page_config(page_title="Qaidam SAR", page_icon=str(_ICON), layout="wide")
    language_switch()
    try:
        signed = current_user()  # re-checked on every run: expiry, disabled account, role change
    except SarPlannerError:
        signed = None  # the sign-in page shows the database error with a retry
    if signed is None:
        title = tr("auth.ui.sign_in_title")
        gate = [st.Page(sign_in_page, title=title, icon=":material/login:", url_path="sign-in",
                        default=True)]
        # a page's address opened signed out (a reload after a restart or a sign-out, a bookmark)
        # shows the sign-in, and the page itself once signed in, instead of Streamlit's English
        # "Page not found" box
        gate += [st.Page(sign_in_page, title=title, icon=":material/login:", url_path=spec.key)
                 for spec in PAGES if spec.key != "home"]
        st.navigation(gate, position="hidden").run()
        return
    sign_out_control(signed)
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if not can_see_page(signed.actor.role, spec.key):
            continue
        page = st.Page(spec.path, title=tr(f"nav.{spec.key}"), icon=spec.icon,
                       url_path=spec.key, default=spec.key == "home")
        sections.setdefault(tr(f"nav.{spec.section}"), []).append(page)
    try:
        st.navigation(sections).run()
    finally:  # also when the page stops or reruns: a reload then finds the mission in hand
        remember_mission()
