"""Every page of the app runs in AppTest without an exception and in both languages."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.ui.shell import PAGES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _run(page: str | None = None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(f"sar_planner/ui/pages/{page}.py")
        at.run()
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_page_runs_without_exception(page, lang):
    at = _run(page, lang)
    assert not at.exception, at.exception
    assert at.title, f"page {page} shows no title"


def test_unbuilt_page_says_what_it_will_do():
    at = _run("review", "en")
    assert any("Not built yet" in i.value for i in at.info)
    assert any("approve" in m.value for m in at.markdown)


def test_language_switch_changes_the_text():
    at = _run(None, "en")
    assert at.title[0].value == "Qaidam SAR planner"
    at.sidebar.selectbox(key="language_select").set_value("zh").run()
    assert at.title[0].value == "柴达木搜救规划"
