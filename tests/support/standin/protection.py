"""Protected ranges as Google enforces them against callers who are not their editors.

Pure helpers over a ``Spreadsheet``: who may edit a protected range, which cells it guards
(minus its ``unprotectedRanges``), and whether an edit, a row/column insertion or deletion,
or a sheet-level change touches it. An app that protects its tabs relies on a person (or a
second service account) being refused; the stand-in refuses with Google's own answer.
"""

from __future__ import annotations

from .a1 import Bounds
from .errors import ApiError
from .model import JsonDict, Sheet, Spreadsheet, bounds_of

PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
    "to remove protection if you need to edit."
)


def protected_error() -> ApiError:
    """Google's 400 for an edit of a protected cell, sheet or range."""
    return ApiError.invalid(PROTECTED_MESSAGE)


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def can_edit(pr: JsonDict, caller: str, owner: str) -> bool:
    """Whether ``caller`` may edit cells guarded by ``pr`` (the owner always may).

    A warning-only range lets everybody edit (the warning is a UI prompt; the API does not
    ask), and ``domainUsersCanEdit`` opens it to the owner's domain.
    """
    if pr.get("warningOnly") or _same(caller, owner):
        return True
    editors = pr.get("editors") or {}
    if any(_same(caller, user) for user in editors.get("users") or []):
        return True
    return bool(editors.get("domainUsersCanEdit")) and _domain(caller) == _domain(owner)


def guarded_area(ss: Spreadsheet, sheet: Sheet, pr: JsonDict) -> tuple[Bounds, list[Bounds]]:
    """The cells ``pr`` guards on ``sheet`` (resolved to the grid) and its unprotected holes."""
    rows, cols = sheet.row_count, sheet.col_count
    if "range" in pr:
        area = bounds_of(pr["range"]).resolve(rows, cols)
    else:
        named = next(
            (n for n in ss.named_ranges if n["namedRangeId"] == pr.get("namedRangeId")), None
        )
        area = bounds_of(named["range"]).resolve(rows, cols) if named else Bounds(0, 0, 0, 0)
    holes = [bounds_of(h).resolve(rows, cols) for h in pr.get("unprotectedRanges") or []]
    return area, holes


def is_whole_sheet(pr: JsonDict) -> bool:
    """Sheet protection: a range naming only the sheet (Protect sheet in the UI)."""
    grid = pr.get("range")
    return grid is not None and not any(k for k in grid if k != "sheetId")


def intersect(a: Bounds, b: Bounds) -> Bounds | None:
    """The overlap of two resolved rectangles, or None."""
    assert a.end_row is not None and a.end_col is not None
    assert b.end_row is not None and b.end_col is not None
    top, left = max(a.start_row, b.start_row), max(a.start_col, b.start_col)
    bottom, right = min(a.end_row, b.end_row), min(a.end_col, b.end_col)
    if top >= bottom or left >= right:
        return None
    return Bounds(top, left, bottom, right)


def subtract(rect: Bounds, hole: Bounds) -> list[Bounds]:
    """``rect`` minus ``hole`` as at most four rectangles (above, below, left, right)."""
    cut = intersect(rect, hole)
    if cut is None:
        return [rect]
    assert rect.end_row is not None and rect.end_col is not None
    assert cut.end_row is not None and cut.end_col is not None
    pieces = [
        Bounds(rect.start_row, rect.start_col, cut.start_row, rect.end_col),
        Bounds(cut.end_row, rect.start_col, rect.end_row, rect.end_col),
        Bounds(cut.start_row, rect.start_col, cut.end_row, cut.start_col),
        Bounds(cut.start_row, cut.end_col, cut.end_row, rect.end_col),
    ]
    return [p for p in pieces if p.start_row < p.end_row and p.start_col < p.end_col]  # type: ignore[operator]


def _locked_by(
    ss: Spreadsheet, sheet: Sheet, caller: str, owner: str
) -> list[tuple[JsonDict, Bounds, list[Bounds]]]:
    return [
        (pr, *guarded_area(ss, sheet, pr))
        for pr in sheet.protected_ranges
        if not can_edit(pr, caller, owner)
    ]


def touches_protected(
    ss: Spreadsheet, sheet: Sheet, area: Bounds, caller: str, owner: str
) -> bool:
    """True when ``area`` (resolved) holds a cell the caller may not edit."""
    for _, guarded, holes in _locked_by(ss, sheet, caller, owner):
        cut = intersect(area, guarded)
        if cut is None:
            continue
        left = [cut]
        for hole in holes:
            left = [piece for rect in left for piece in subtract(rect, hole)]
        if left:
            return True
    return False


def check_cells(ss: Spreadsheet, sheet: Sheet, area: Bounds, caller: str, owner: str) -> None:
    """Refuse an edit of ``area`` that touches a protected cell."""
    if touches_protected(ss, sheet, area, caller, owner):
        raise protected_error()


def check_sheet(ss: Spreadsheet, sheet: Sheet, caller: str, owner: str) -> None:
    """Refuse a change to the sheet itself (title, grid, hiding) when it is protected."""
    if any(is_whole_sheet(pr) for pr, _, _ in _locked_by(ss, sheet, caller, owner)):
        raise protected_error()


def check_sheet_delete(ss: Spreadsheet, sheet: Sheet, caller: str, owner: str) -> None:
    """Refuse deleting a sheet that holds any protection the caller cannot edit."""
    if _locked_by(ss, sheet, caller, owner):
        raise protected_error()


def check_dimension(
    ss: Spreadsheet,
    sheet: Sheet,
    dim: str,
    start: int,
    end: int,
    caller: str,
    owner: str,
    *,
    inserting: bool,
) -> None:
    """Refuse inserting or deleting rows/columns [start, end) where protection forbids it.

    Deleting removes whole rows (or columns), so any protected cell in them counts. Inserting
    edits a protected range only when the new rows land strictly inside it; a protected sheet
    refuses every structural change.
    """
    check_sheet(ss, sheet, caller, owner)
    if inserting:
        for _, guarded, _ in _locked_by(ss, sheet, caller, owner):
            lo, hi = (
                (guarded.start_row, guarded.end_row)
                if dim == "ROWS"
                else (guarded.start_col, guarded.end_col)
            )
            assert hi is not None
            if lo < start < hi:
                raise protected_error()
        return
    area = (
        Bounds(start, 0, end, sheet.col_count)
        if dim == "ROWS"
        else Bounds(0, start, sheet.row_count, end)
    )
    check_cells(ss, sheet, area, caller, owner)


def can_change_protection(pr: JsonDict, caller: str, owner: str) -> bool:
    """Only the owner and the range's editors may change or remove a protection."""
    return can_edit({**pr, "warningOnly": False}, caller, owner) or bool(pr.get("warningOnly"))
