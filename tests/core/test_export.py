"""Exports to CSV and xlsx (core.adapters.exports.tables): readable by Excel, and never a
live formula."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from core.adapters.exports.tables import is_formula_like, safe_cell, to_csv_bytes, to_xlsx_bytes

HOSTILE = ['=HYPERLINK("http://x.example","clic")', "+1+1", "-2+3", "@SUM(A1)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Campaña de dominios .bo", "", "1+1", "a=b", 42, -3, 2.5,
                                   None, date(2026, 2, 25)])
def test_ordinary_text_numbers_dates_and_blanks_are_left_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Título": [*HOSTILE, "Renovación de dominios .bo"],
        "Días de atraso": [1, 2, 3, -4, 5, 6, 0],
        "Vence": [date(2026, 2, 13)] * 7,
        "Desde": [datetime(2026, 2, 12, 9, 0)] * 7,
    })


def test_the_csv_has_a_bom_so_excel_reads_the_accents_and_neutralises_formulas() -> None:
    data = to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Título", "Días de atraso", "Vence", "Desde"]
    assert [r[0] for r in rows[1:]] == [*("'" + t for t in HOSTILE),
                                        "Renovación de dominios .bo"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "3", "-4", "5", "6", "0"]  # numbers stay
    assert rows[1][2:] == ["2026-02-13", "2026-02-12 09:00:00"]


def test_a_hostile_column_name_is_neutralised_too() -> None:
    data = to_csv_bytes(pd.DataFrame({"=cmd": ["x"]}))
    assert data.decode("utf-8-sig").splitlines()[0] == "'=cmd"


def test_the_xlsx_writes_formula_like_text_as_text_cells_never_as_formulas() -> None:
    data = to_xlsx_bytes(frame(), sheet_name="Vencidas")
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Vencidas"]
    titles = [sheet.cell(row=r, column=1) for r in range(2, 9)]
    assert [c.value for c in titles] == [*HOSTILE, "Renovación de dominios .bo"]
    assert all(c.data_type == "s" for c in titles)
    assert [c.quotePrefix for c in titles] == [True] * 6 + [False]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 9)] == [1, 2, 3, -4, 5, 6, 0]
    assert sheet.cell(row=2, column=3).value == datetime(2026, 2, 13)
    assert sheet.cell(row=2, column=4).value == datetime(2026, 2, 12, 9, 0)
    assert [c.value for c in sheet[1]] == ["Título", "Días de atraso", "Vence", "Desde"]


def test_the_xlsx_drops_control_characters_excel_cannot_store_and_keeps_blanks() -> None:
    data = to_xlsx_bytes(pd.DataFrame({"Notas": ["a\x00b\x07c", None], "n": [1.5, float("nan")]}))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [sheet.cell(row=2, column=1).value, sheet.cell(row=3, column=1).value] == ["abc", None]
    assert [sheet.cell(row=2, column=2).value, sheet.cell(row=3, column=2).value] == [1.5, None]


def test_an_empty_table_exports_its_header_only() -> None:
    empty = pd.DataFrame(columns=["Solicitud", "Título"])
    assert to_csv_bytes(empty).decode("utf-8-sig").splitlines() == ["Solicitud,Título"]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(empty))).active
    assert sheet.max_row == 1


@pytest.mark.parametrize("text", [" =HYPERLINK(\"http://x\")", "  +1", "＝1+1", "＠SUM(A1)",
                                  "－2"])
def test_formulas_behind_spaces_or_full_width_signs_are_neutralised(text: str) -> None:
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Hola", "1-2", "correo@adsib.gob.bo", ""])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)
    assert safe_cell(text) == text
