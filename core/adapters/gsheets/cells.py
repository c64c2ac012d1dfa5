"""Typed cells: dates as dates and numbers as numbers, read back as the app's own text.

The app holds every value as text (``core.domain.models.text_of``: ``2026-11-30``,
``2026-11-30 10:00:00``, ``3``, ``1500.5``) and signs event rows over that text. In the
sheet, staff should sort and filter dates and sum amounts, so a value whose column holds
a date, a moment, a whole number or an amount is written as a *number* with a fixed
number format, chosen so that Google's ``FORMATTED_VALUE`` gives back exactly the text
the app wrote, whatever the spreadsheet's locale:

- dates ``yyyy-mm-dd`` and moments ``yyyy-mm-dd hh:mm:ss``: a custom date pattern's
  ``-``, ``:`` and space are literal characters in every locale;
- whole numbers ``0``: no separator at all;
- amounts ``#,##0.00``: staff read ``1.500,50`` (es_BO) or ``1,500.50`` (en_US). The
  decimal separator is the locale's, so :func:`canonical_amount` turns a cell that reads
  like that pattern (exactly two decimals after the last ``.`` or ``,``) back into the
  app's text (``1500.5``) on every read.

A value written as a number only when it reads back as exactly its text (:func:`cell`):
anything else (a hand-typed ``05/02/2027``, a code with leading zeros, an amount with
three decimals) is written as text, as before. Every other column is plain text
(``TEXT`` format), so a title such as ``1/2`` or ``=SUM(A1)`` stays what was typed.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from core.adapters.tabular import TabSpec


class Kind(Enum):
    TEXT = "texto"
    DATE = "fecha"
    MOMENT = "fecha y hora"
    WHOLE = "número entero"
    AMOUNT = "monto"


NUMBER_FORMATS: dict[Kind, dict[str, str]] = {
    Kind.TEXT: {"type": "TEXT"},
    Kind.DATE: {"type": "DATE", "pattern": "yyyy-mm-dd"},
    Kind.MOMENT: {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"},
    Kind.WHOLE: {"type": "NUMBER", "pattern": "0"},
    Kind.AMOUNT: {"type": "NUMBER", "pattern": "#,##0.00"},
}
FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
EPOCH = datetime(1899, 12, 30)  # day 0 of spreadsheet date serials
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_WHOLE = re.compile(r"^-?(?:0|[1-9]\d{0,14})$")
_AMOUNT_TEXT = re.compile(r"^\d{1,15}\.\d{1,2}$")
# What «#,##0.00» shows in any locale: groups of three (any separator), two decimals.
_AMOUNT_SHOWN = re.compile(r"^(-?)(\d{1,3}(?:[.,\u00a0\u202f '’]\d{3})*|\d+)[.,](\d{2})$")


def _base_type(annotation: Any) -> Any:
    """``date | None`` -> ``date``; ``Annotated[float | None, …]`` -> ``float``."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _base_type(members[0])
        return str
    return annotation


_KINDS: dict[int, tuple[TabSpec, dict[str, Kind]]] = {}


def column_kinds(spec: TabSpec) -> dict[str, Kind]:
    """Header -> what the column holds, from the record's field types. A column with a
    drop-down keeps text (the list's entries are text)."""
    known = _KINDS.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    kinds: dict[str, Kind] = {}
    named = {"date": Kind.DATE, "moment": Kind.MOMENT, "whole": Kind.WHOLE,
             "amount": Kind.AMOUNT}
    for name, header in spec.columns.items():
        field = spec.model.model_fields[name]
        base = _base_type(field.annotation)
        kind = Kind.TEXT
        if spec.form_fed or header in spec.choices:
            kind = Kind.TEXT  # a Form writes its own values; a drop-down's entries are text
        elif header in spec.formats:
            kind = named[spec.formats[header]]
        elif base is datetime:
            kind = Kind.MOMENT
        elif base is date:
            kind = Kind.DATE
        elif base is int:
            kind = Kind.WHOLE
        elif base is float:
            kind = Kind.AMOUNT
        kinds[header] = kind
    _KINDS[id(spec)] = (spec, kinds)
    return kinds


def kinds_for(spec: TabSpec, header: Sequence[str]) -> list[Kind]:
    """The kind of each column of a tab as its header row stands (unknown columns: text)."""
    known = column_kinds(spec)
    return [known.get(h.strip(), Kind.TEXT) for h in header]


def serial(text: str, kind: Kind) -> float | int | None:
    """The number a value is written as, or None when it must stay text (it would not read
    back as exactly ``text``)."""
    try:
        if kind is Kind.DATE and _DATE.match(text):
            return (datetime.fromisoformat(text) - EPOCH).days
        if kind is Kind.MOMENT and _MOMENT.match(text):
            delta = datetime.fromisoformat(text) - EPOCH
            return delta.days + delta.seconds / 86_400
        if kind is Kind.WHOLE and _WHOLE.match(text):
            return int(text)
        if kind is Kind.AMOUNT and _AMOUNT_TEXT.match(text) and str(float(text)) == text:
            return float(text)
    except ValueError:  # 2026-02-30 and the like stay as typed
        return None
    return None


def cell(text: str, kind: Kind = Kind.TEXT) -> dict[str, Any]:
    """One cell of ``updateCells``/``appendCells`` (fields :data:`FIELDS`)."""
    number = serial(text, kind) if text and kind is not Kind.TEXT else None
    # An empty cell keeps its column's format (for what a person types there later); a
    # value that cannot be typed is text.
    shown = NUMBER_FORMATS[kind if number is not None or not text else Kind.TEXT]
    out: dict[str, Any] = {"userEnteredFormat": {"numberFormat": dict(shown)}}
    if number is not None:
        out["userEnteredValue"] = {"numberValue": number}
    elif text != "":
        out["userEnteredValue"] = {"stringValue": text}
    return out


def row_data(cells: Sequence[str], kinds: Sequence[Kind] = ()) -> dict[str, Any]:
    """A row of cells; columns beyond ``kinds`` are text."""
    return {"values": [cell(v, kinds[i] if i < len(kinds) else Kind.TEXT)
                       for i, v in enumerate(cells)]}


def canonical_amount(shown: str) -> str:
    """An amount as «#,##0.00» shows it in any locale -> the app's text; anything else is
    returned as it is."""
    match = _AMOUNT_SHOWN.match(shown)
    if not match:
        return shown
    sign, whole, cents = match.groups()
    digits = re.sub(r"\D", "", whole)
    return str(float(f"{sign}{digits}.{cents}"))


def normalise_rows(rows: list[list[str]], kinds: Sequence[Kind]) -> list[list[str]]:
    """Rows as read, amount cells in the app's text (in place; returned for chaining)."""
    amounts = [i for i, k in enumerate(kinds) if k is Kind.AMOUNT]
    if not amounts:
        return rows
    for cells in rows:
        for i in amounts:
            if i < len(cells) and cells[i]:
                cells[i] = canonical_amount(cells[i])
    return rows


def number_formats(spec: TabSpec) -> Mapping[str, dict[str, str]]:
    """Header -> the number format its column carries in the sheet."""
    return {header: NUMBER_FORMATS[kind] for header, kind in column_kinds(spec).items()}
