"""Google's hard limits on a spreadsheet and on a request, with the exact texts it answers.

Pure helpers: the endpoints decide *where* a limit applies, these decide *whether* it is
crossed and *what* Google says. Adapters meet these limits in production long after the
tests pass (a long note pasted into one cell, a ledger that grows for years), so the stand-in
refuses exactly where Google does.
"""

from __future__ import annotations

from typing import Any

#: Characters allowed in one cell (Google counts UTF-16 code units, as Java strings do).
MAX_CELL_CHARS = 50_000
#: Cells (rowCount x columnCount summed over every sheet) allowed in one spreadsheet.
MAX_CELLS = 10_000_000
#: Request body size Google's front end accepts (10 MiB); larger bodies get a 400.
MAX_REQUEST_BYTES = 10 * 1024 * 1024

CELL_TOO_LONG = (
    f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a single cell."
)


def too_many_cells(limit: int = MAX_CELLS) -> str:
    """The 400 text for a grid that would grow past the workbook's cell limit."""
    return (
        "This action would increase the number of cells in the workbook above the limit of "
        f"{limit} cells."
    )


def payload_too_large(limit: int = MAX_REQUEST_BYTES) -> str:
    """The 400 text Google's front end sends for an oversized request body."""
    return f"Request payload size exceeds the limit: {limit} bytes."


def text_length(text: str) -> int:
    """Length as Google counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def value_too_long(value: Any) -> bool:
    """True for a client value (string input) longer than one cell may hold."""
    if not isinstance(value, str) or len(value) * 2 <= MAX_CELL_CHARS:
        return False  # cheap exit: even all-astral text this short fits
    return text_length(value) > MAX_CELL_CHARS


def cell_data_too_long(cell: dict[str, Any] | None) -> bool:
    """True when a CellData's userEnteredValue carries a string or formula over the limit."""
    uev = (cell or {}).get("userEnteredValue") or {}
    return any(value_too_long(uev.get(key)) for key in ("stringValue", "formulaValue"))


def grid_cells(sheets: list[Any]) -> int:
    """Cells of a workbook: every sheet's rowCount x columnCount, empty or not."""
    return sum(s.row_count * s.col_count for s in sheets)
