"""A1 notation: parsing what clients send and writing ranges the way Google writes them.

Google's answers echo ranges in a canonical form ("Sheet1!A1:Z1000", "'My sheet'!B2"), and
client code often parses them back (gspread reads ``updates.updatedRange`` after an append).
The stand-in therefore has to both accept Google's grammar and reproduce its formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
# Names Google writes without quotes: letters, digits and "_" only, not starting with a digit,
# and not something that could itself be read as a cell (A1, R1C1).
_BARE_NAME_RE = re.compile(r"^[^\W\d]\w*$")
_CELLISH_RE = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")
# Names that may appear unquoted in a request: ASCII letters/digits/space/underscore plus any
# non-ASCII character. Google answers e.g. an unquoted "Items & Stock!A1" with a parse error.
_UNQUOTED_OK_RE = re.compile(r"^[A-Za-z0-9_ \u0080-\U0010ffff]+$")


class A1Error(ValueError):
    """Raised when a range cannot be parsed; the message is the original range text."""


def col_to_index(letters: str) -> int:
    """Convert column letters ("A", "AB") to a 0-based index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    """Convert a 0-based column index to letters (0 -> "A", 27 -> "AB")."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_sheet_name(title: str) -> str:
    """Quote a sheet title the way Google does in the ranges it returns."""
    if _BARE_NAME_RE.match(title) and not _CELLISH_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Bounds:
    """A rectangle of 0-based, end-exclusive indices; ``None`` ends mean "to the grid edge".

    Start indices are never ``None``: a missing start ("A:A" has no start row) is row 0.
    ``*_given`` remembers whether the text named the index, so messages can echo it.
    """

    start_row: int
    start_col: int
    end_row: int | None
    end_col: int | None

    def resolve(self, row_count: int, col_count: int) -> Bounds:
        """Fill open ends from the grid size (without clamping)."""
        return Bounds(
            self.start_row,
            self.start_col,
            row_count if self.end_row is None else self.end_row,
            col_count if self.end_col is None else self.end_col,
        )

    def clamp(self, row_count: int, col_count: int) -> Bounds:
        """Resolve open ends and cut the rectangle down to the grid."""
        r = self.resolve(row_count, col_count)
        assert r.end_row is not None and r.end_col is not None
        return Bounds(
            r.start_row, r.start_col, min(r.end_row, row_count), min(r.end_col, col_count)
        )

    @property
    def is_single_cell(self) -> bool:
        """True for a one-cell rectangle such as "B3" (used as an anchor by values.update)."""
        return (
            self.end_row is not None
            and self.end_col is not None
            and self.end_row - self.start_row == 1
            and self.end_col - self.start_col == 1
        )


def format_bounds(b: Bounds) -> str:
    """Write bounds as A1 text; open ends are written the way Google writes them ("A1:B")."""
    start = index_to_col(b.start_col) + str(b.start_row + 1)
    if b.is_single_cell:
        return start
    end_col = "" if b.end_col is None else index_to_col(b.end_col - 1)
    end_row = "" if b.end_row is None else str(b.end_row)
    return f"{start}:{end_col}{end_row}"


def format_range(title: str, b: Bounds) -> str:
    """Sheet-qualified A1 text as found in Google's answers, e.g. "'My sheet'!A1:C3"."""
    return f"{quote_sheet_name(title)}!{format_bounds(b)}"


@dataclass(frozen=True)
class ParsedRange:
    """The syntactic pieces of a range string, before it is looked up in a spreadsheet.

    ``sheet`` is the unquoted sheet name if the text named one. ``cells`` is the part after
    "!" (or the whole text when there is no "!"); ``bounds`` is set when ``cells`` is A1
    notation, otherwise ``cells`` may be a named range.
    """

    text: str
    sheet: str | None
    sheet_was_quoted: bool
    cells: str | None
    bounds: Bounds | None


def _parse_endpoint(text: str) -> tuple[int | None, int | None] | None:
    m = _CELL_RE.match(text)
    if not m or (m.group(1) is None and m.group(2) is None):
        return None
    col = col_to_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        return None
    return col, row


def parse_cells(text: str) -> Bounds | None:
    """Parse the cell part of a range ("A1", "A1:B2", "A:A", "1:3", "A2:C", "D4:A1").

    Returns ``None`` when the text is not A1 notation (it may then be a named range).
    """
    parts = text.split(":")
    if len(parts) == 1:
        p = _parse_endpoint(parts[0])
        if p is None or p[0] is None or p[1] is None:
            return None
        col, row = p
        return Bounds(row, col, row + 1, col + 1)
    if len(parts) != 2:
        return None
    a, b = _parse_endpoint(parts[0]), _parse_endpoint(parts[1])
    if a is None or b is None:
        return None
    (c1, r1), (c2, r2) = a, b
    # "A:1" style mixes (a column-only with a row-only endpoint) are not A1 notation.
    if (c1 is None and r1 is not None and c2 is not None and r2 is None) or (
        c1 is not None and r1 is None and c2 is None and r2 is not None
    ):
        return None
    if c1 is not None and c2 is not None:
        sc, ec = min(c1, c2), max(c1, c2) + 1
    else:
        sc, ec = (c1 if c1 is not None else 0), None
    if r1 is not None and r2 is not None:
        sr, er = min(r1, r2), max(r1, r2) + 1
    else:
        sr, er = (r1 if r1 is not None else 0), None
    return Bounds(sr, sc, er, ec)


def parse_range(text: str) -> ParsedRange:
    """Split a range string into sheet name and cell part, honouring quotes and '' escapes."""
    if text.startswith("'"):
        i, name = 1, []
        while True:
            j = text.find("'", i)
            if j < 0:
                raise A1Error(text)
            name.append(text[i:j])
            if text.startswith("''", j):
                name.append("'")
                i = j + 2
                continue
            rest = text[j + 1 :]
            break
        sheet = "".join(name)
        if not sheet:
            raise A1Error(text)
        if rest == "":
            return ParsedRange(text, sheet, True, None, None)
        if not rest.startswith("!") or len(rest) == 1:
            raise A1Error(text)
        cells = rest[1:]
        return ParsedRange(text, sheet, True, cells, parse_cells(cells))
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        if not sheet or not cells or not _UNQUOTED_OK_RE.match(sheet):
            raise A1Error(text)
        return ParsedRange(text, sheet, False, cells, parse_cells(cells))
    if not text:
        raise A1Error(text)
    return ParsedRange(text, None, False, text, parse_cells(text))
