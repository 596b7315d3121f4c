"""What every page shares: the language, translated text, and the error boundary.

Pages call :func:`tr` for every string a user reads, and run their work inside
:func:`error_boundary` so that a :class:`~sar_planner.errors.SarPlannerError` shows as a clear
``st.error`` in the user's language and any other fault as a short apology: never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import streamlit as st

from sar_planner.errors import RedactingFilter, SarPlannerError
from sar_planner.i18n import LANGUAGES, language_from_locale, t
from sar_planner.settings import Settings, get_settings

__all__ = ["lang", "tr", "error_boundary", "language_switch", "app_settings", "show_error"]

_log = logging.getLogger("sar_planner.ui")
if not any(isinstance(f, RedactingFilter) for f in _log.filters):
    _log.addFilter(RedactingFilter())  # no log line shows a password (issue 14)


def app_settings() -> Settings:
    """The process settings (environment over defaults), with the data folders created."""
    settings = get_settings()
    settings.ensure_dirs()
    return settings


def lang() -> str:
    """The language of this browser session: the switch, else SAR_PLANNER_LANG, else the browser."""
    if "lang" not in st.session_state:
        forced = None
        with contextlib.suppress(SarPlannerError):
            forced = get_settings().language
        locale = None
        with contextlib.suppress(Exception):
            locale = st.context.locale
        st.session_state["lang"] = forced or language_from_locale(locale)
    return st.session_state["lang"]


def tr(key: str, /, **params: Any) -> str:
    """Text for ``key`` in the session's language."""
    return t(key, lang(), **params)


def show_error(exc: BaseException) -> None:
    """Show ``exc`` on the page: its own message if it is ours, a short apology otherwise."""
    if isinstance(exc, SarPlannerError):
        st.error(exc.message(lang()), icon=":material/error:")
    else:
        _log.exception("unexpected error on a page", exc_info=exc)
        st.error(tr("common.unexpected_error", kind=type(exc).__name__), icon=":material/error:")


@contextlib.contextmanager
def error_boundary() -> Iterator[None]:
    """Run a block of page code; show any error with :func:`show_error` instead of a traceback."""
    # Streamlit's st.rerun/st.stop raise BaseException subclasses, which pass through untouched.
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - every error must reach the user as a message
        show_error(exc)


def language_switch() -> None:
    """The language selector in the sidebar; switching re-runs the page in the new language."""
    codes = list(LANGUAGES)
    current = lang()
    choice = st.sidebar.selectbox(
        "语言 / Language" if current == "zh" else "Language / 语言",
        codes,
        index=codes.index(current),
        format_func=lambda c: LANGUAGES[c],
        key="language_select",
    )
    if choice != current:
        st.session_state["lang"] = choice
        st.rerun()
