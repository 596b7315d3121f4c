"""The one message catalogue: every string a user reads, in English and Chinese.

Catalogue files live in ``sar_planner/locales/<lang>/<area>.toml``; a key is ``<area>.<name>``
(for example ``terrain.title`` is ``title`` in ``terrain.toml``). Values are ``str.format``
templates. Both languages must hold exactly the same keys (``tests/test_i18n.py`` checks).
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "t", "catalogue", "language_from_locale"]

#: Supported languages, code -> name in that language.
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

_LOCALES = Path(__file__).with_name("locales")


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, flattened to ``area.name`` (nested tables join with dots)."""
    if lang not in LANGUAGES:
        raise KeyError(f"unsupported language {lang!r}; use one of {sorted(LANGUAGES)}")
    out: dict[str, str] = {}
    for path in sorted((_LOCALES / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled from ``params``.

    A key missing from ``lang`` falls back to English, then to the key itself, so a missing
    translation never crashes a page (the catalogue test catches it before release).
    """
    text = catalogue(lang).get(key) if lang in LANGUAGES else None
    if text is None:
        text = catalogue("en").get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def language_from_locale(locale: str | None) -> str:
    """Map a browser locale such as ``zh-CN`` or ``en-US`` to a supported language code."""
    if not locale:
        return DEFAULT_LANGUAGE
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else "en"
