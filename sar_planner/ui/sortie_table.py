"""The sorties as the pages show them: the logbook's rows with headings and values in the page's
language.

:func:`sar_planner.logbook.stats.sorties_frame` keeps machine column names and stored values
(``task_type``, ``submitted``, ``found_alive``) because the CSV and XLSX exports are read by
other tools; a crew reading the table on a page gets words instead (``Task``, ``submitted for
review``, ``found alive``), and an empty cell instead of ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sar_planner.i18n import t
from sar_planner.logbook.records import SortieRecord
from sar_planner.display import whole_percent
from sar_planner.logbook.stats import FRAME_COLUMNS, sorties_frame

__all__ = ["sorties_display", "catalogue_word"]


def catalogue_word(prefix: str, value: object, lang: str) -> str:
    """``prefix + value`` from the catalogue in ``lang``, or the value itself if it has no entry
    (a word typed by a person, or one added to the database after this catalogue)."""
    if value is None or value == "":
        return ""
    key = f"{prefix}{value}"
    text = t(key, lang)
    return str(value) if text == key else text


def sorties_display(records: Sequence[SortieRecord], lang: str) -> pd.DataFrame:
    """One row per sortie, as :func:`sorties_frame`, with translated headings and values.

    Parameters
    ----------
    records
        The sorties, in the order to show.
    lang
        The page's language (``"en"`` or ``"zh"``).

    Returns
    -------
    pandas.DataFrame
        Columns in the order of :data:`FRAME_COLUMNS`, named from the ``sortie_table.col_*``
        catalogue entries; status, task, outcome and crew roles in words; flight hours in hours,
        area covered in km², POD in whole percent; missing figures as empty cells.
    """
    frame = sorties_frame(records)
    frame["status"] = [catalogue_word("sortie_table.status_", v, lang) for v in frame["status"]]
    frame["task_type"] = [catalogue_word("logbook.ui.task_", v, lang) for v in frame["task_type"]]
    frame["outcome"] = [catalogue_word("logbook.ui.outcome_", v, lang) for v in frame["outcome"]]
    frame["crew"] = ["; ".join(f"{name} ({catalogue_word('sortie_table.role_', role, lang)})"
                               for name, role in r.crew if role != "pilot") for r in records]
    # an empty cell, not "None", where nothing was given; POD in whole percent (issue 16)
    frame["area_covered_km2"] = [("" if v is None or pd.isna(v) else f"{v:g}")
                                 for v in frame["area_covered_km2"]]
    frame["pod"] = [("" if v is None or pd.isna(v) else whole_percent(v, unit=False))
                    for v in frame["pod"]]
    frame["remarks"] = frame["remarks"].fillna("")
    return frame.rename(columns={c: t(f"sortie_table.col_{c}", lang) for c in FRAME_COLUMNS})
