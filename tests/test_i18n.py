"""The message catalogue: both languages hold every key, and lookups fill placeholders."""

import re
import string

from sar_planner.i18n import LANGUAGES, catalogue, language_from_locale, t


def test_every_language_has_every_key():
    keys = {lang: set(catalogue(lang)) for lang in LANGUAGES}
    all_keys = set().union(*keys.values())
    for lang, have in keys.items():
        assert not all_keys - have, f"{lang} catalogue misses {sorted(all_keys - have)}"


def test_placeholders_match_between_languages():
    fmt = string.Formatter()
    for key, en in catalogue("en").items():
        zh = catalogue("zh")[key]
        names_en = {f for _, f, _, _ in fmt.parse(en) if f}
        names_zh = {f for _, f, _, _ in fmt.parse(zh) if f}
        assert names_en == names_zh, key


def test_chinese_catalogue_is_chinese():
    # every Chinese nav entry contains CJK characters (catches an untranslated copy of English)
    for key, text in catalogue("zh").items():
        if key.startswith("nav."):
            assert re.search(r"[\u4e00-\u9fff]", text), key


def test_lookup_fills_placeholders_and_falls_back():
    assert t("common.err_cell_size", "en", value=-5).startswith("A cell size of -5 m")
    assert t("no.such.key", "zh") == "no.such.key"


def test_browser_locale_maps_to_language():
    assert language_from_locale("zh-CN") == "zh"
    assert language_from_locale("en-US") == "en"
    assert language_from_locale("fr-FR") == "en"
    assert language_from_locale(None) == "zh"
