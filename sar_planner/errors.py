"""One exception family for the whole planner.

Every error a user can cause is a :class:`SarPlannerError`. Its message is looked up in the
message catalogue (:mod:`sar_planner.i18n`) by ``code`` so the same error reads in Chinese or
English; ``str(error)`` is the English text, which the command line prints. Messages say what is
wrong and what to do about it, in words a flight crew understands.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = [
    "redact_secrets",
    "RedactingFilter",
    "SarPlannerError",
    "InputError",
    "CoordinateError",
    "TerrainError",
    "OutsideTerrainError",
    "ProbabilityError",
    "PlanningError",
    "FormatError",
    "LogbookError",
    "AuthError",
    "SettingsError",
]


_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"]*):[^/\s'\"]*@")
_KEY_PASSWORD = re.compile(r"(?P<head>\b(?:password|passwd|pwd)\s*[=:]\s*)(?:'[^']*'|\"[^\"]*\"|[^\s&;,'\"]+)",
                           re.IGNORECASE)


def redact_secrets(text: str) -> str:
    """``text`` with every password hidden as ``***``.

    Covers URL credentials (``postgres://user:secret@host/db`` -> ``postgres://user:***@host/db``)
    and ``password=...`` pairs (libpq connection strings). Every user-facing message goes through
    it (:meth:`SarPlannerError.message`), as do the page logs.
    """
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    return _KEY_PASSWORD.sub(r"\g<head>***", text)


class RedactingFilter(logging.Filter):
    """A logging filter that hides passwords (:func:`redact_secrets`) in a record's message and
    traceback, so no log line shows one. Installed on the app's loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_secrets(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class SarPlannerError(Exception):
    """Base class of every error the planner reports to a user.

    Parameters
    ----------
    code:
        A message-catalogue key such as ``"terrain.err_no_crs"``; the catalogue holds the text in
        every language, with ``{name}`` placeholders filled from ``params``.
    **params:
        Values for the placeholders (file names, numbers, the offending text).
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh"), placeholders filled."""
        from sar_planner.i18n import t

        return redact_secrets(t(self.code, lang, **self.params))

    def __str__(self) -> str:  # English for logs and the command line
        return self.message("en")


class InputError(SarPlannerError):
    """A value typed or uploaded by the user is not acceptable."""


class CoordinateError(InputError):
    """A coordinate does not parse or lies outside its valid range."""


class TerrainError(SarPlannerError):
    """Elevation data cannot be read, has no CRS, or does not cover what is asked."""


class OutsideTerrainError(TerrainError):
    """A point or area lies outside the loaded terrain."""


class ProbabilityError(SarPlannerError):
    """A probability-of-area model cannot be built from the given inputs."""


class PlanningError(SarPlannerError):
    """A search pattern or flight path cannot be planned as asked."""


class FormatError(SarPlannerError):
    """A file is not in the format its name or the user says it is."""


class LogbookError(SarPlannerError):
    """The mission and sortie log refused a change, or the database cannot be reached."""


class AuthError(SarPlannerError):
    """Sign-in failed or the signed-in role may not do this."""


class SettingsError(SarPlannerError):
    """A setting (environment variable) has a value the planner cannot use."""
