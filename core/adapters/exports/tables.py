"""Tables exported for Excel and LibreOffice, safe against formula injection.

Cells hold text that people typed (titles, comments, unit names). A spreadsheet program
runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return
before one) as a formula, so an exported title such as ``=HYPERLINK("http://…")`` would
become a live link or worse. In CSV such a cell gets a leading single quote; in xlsx it is
written as a text cell with the «quote prefix» style, which is what Excel itself does when
a person types ``'=…``. Numbers, dates and empty cells are written as they are.
"""

from __future__ import annotations

import io
import math
from collections.abc import Hashable
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

__all__ = ["FORMULA_PREFIXES", "is_formula_like", "safe_cell", "to_csv_bytes",
           "to_xlsx_bytes"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read accents (ñ, á) correctly


# Full-width forms that some spreadsheet programs also read as the start of a formula.
_WIDE = str.maketrans({"＝": "=", "＋": "+", "－": "-", "＠": "@"})


def is_formula_like(value: object) -> bool:
    """Text a spreadsheet could run: starting with = + - @ (also after spaces, or in their
    full-width forms), or with a tab or carriage return."""
    if not isinstance(value, str):
        return False
    return value.startswith(FORMULA_PREFIXES) or \
        value.lstrip(" ").translate(_WIDE).startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV cell: text that a spreadsheet would run gets a ``'``."""
    return "'" + value if is_formula_like(value) else value


def _header(frame: pd.DataFrame) -> list[str]:
    return [str(name) for name in frame.columns]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV (UTF-8 with BOM, comma-separated, no index), neutralised."""
    safe = frame.copy()
    safe.columns = [safe_cell(name) for name in _header(frame)]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    return str(safe.to_csv(index=False, lineterminator="\r\n")).encode(CSV_ENCODING)


def _plain(value: Any) -> Any:
    """A value openpyxl writes as itself: Python scalars, datetimes, or None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date | bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return str(value)


def _write(sheet: Any, row: int, column: int, value: Any) -> None:
    value = _plain(value)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = sheet.cell(row=row, column=column)
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if is_formula_like(text):
            cell.quotePrefix = True
        return
    sheet.cell(row=row, column=column, value=value)


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Datos") -> bytes:
    """The frame as an .xlsx workbook in memory: a bold header, then one row per record."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    bold = Font(bold=True)
    for column, name in enumerate(_header(frame), start=1):
        _write(sheet, 1, column, name)
        sheet.cell(row=1, column=column).font = bold
    for row, record in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column, value in enumerate(record, start=1):
            _write(sheet, row, column, value)
    for column, name in enumerate(_header(frame), start=1):
        values: list[Hashable] = [name, *frame.iloc[:50, column - 1].tolist()]
        width = max(len(str(v)) for v in values) + 2
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = \
            min(60, width)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
