"""The app shell: page configuration, language switch and navigation over the page files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from sar_planner.ui.common import language_switch, tr

__all__ = ["PAGES", "PageSpec", "run_app"]

_ICON = Path(__file__).with_name("assets") / "icon.png"  # local file: no icon font fetched


@dataclass(frozen=True)
class PageSpec:
    """One page: its catalogue key (``nav.<key>``), file, section and icon."""

    key: str
    section: str
    icon: str

    @property
    def path(self) -> str:
        """The page file, relative to the repository root (where app.py is)."""
        return f"sar_planner/ui/pages/{self.key}.py"


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
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        page = st.Page(spec.path, title=tr(f"nav.{spec.key}"), icon=spec.icon,
                       url_path=spec.key, default=spec.key == "home")
        sections.setdefault(tr(f"nav.{spec.section}"), []).append(page)
    st.navigation(sections).run()
