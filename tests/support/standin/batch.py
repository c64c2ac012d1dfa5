"""``spreadsheets.batchUpdate`` request kinds.

Each handler mutates a *working copy* of the spreadsheet; the caller commits the copy only
when every request succeeded, which is how Google makes a batch atomic. Handlers raise
``ApiError`` with Google's "Invalid requests[i].kind: ..." wording.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from . import devmeta
from .a1 import Bounds
from .cellvalues import ErrorResult
from .errors import ApiError, naming_item
from .fieldmask import FieldMaskError, Mask, mask_paths, parse_mask
from .identity import DEFAULT_PROJECT
from .limits import CELL_TOO_LONG, MAX_CELLS, cell_data_too_long, grid_cells, too_many_cells
from .model import (
    DEFAULT_COL_PX,
    JsonDict,
    Sheet,
    Spreadsheet,
    bounds_of,
    grid_limit_error,
    grid_range_json,
    has_value,
    normalize_colors,
)
from .protection import (
    can_change_protection,
    can_edit,
    check_cells,
    check_dimension,
    check_sheet,
    check_sheet_delete,
    protected_error,
)

Handler = Callable[["BatchContext", JsonDict], JsonDict | None]


class BatchContext:
    """State shared by the handlers of one batch (working copy, ids, owner and caller)."""

    def __init__(
        self,
        ss: Spreadsheet,
        rng: random.Random,
        caller: str,
        project: str = DEFAULT_PROJECT,
        owner: str | None = None,
    ) -> None:
        self.ss = ss
        self.rng = rng
        self.owner = owner or ss.owner or caller
        self.caller = caller
        self.project = project
        self.index = 0
        self.kind = ""

    def guard(self, sheet: Sheet, area: Bounds) -> None:
        """Refuse the edit when ``area`` holds a cell protected against the caller."""
        check_cells(self.ss, sheet, area, self.caller, self.owner)

    def guard_sheet(self, sheet: Sheet) -> None:
        """Refuse a change to a sheet protected (as a whole) against the caller."""
        check_sheet(self.ss, sheet, self.caller, self.owner)

    def guard_dimension(
        self, sheet: Sheet, dim: str, start: int, end: int, *, inserting: bool
    ) -> None:
        """Refuse inserting/deleting rows or columns that protection forbids the caller."""
        check_dimension(
            self.ss, sheet, dim, start, end, self.caller, self.owner, inserting=inserting
        )

    def fail(self, message: str) -> ApiError:
        """An error naming the failing request like Google does."""
        return ApiError.invalid(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def sheet(self, sheet_id: int | None) -> Sheet:
        """The sheet with this id or Google's "No grid with id" error."""
        sheet = self.ss.sheet_by_id(int(sheet_id or 0))
        if sheet is None:
            raise self.fail(f"No grid with id: {sheet_id or 0}")
        return sheet

    def new_id(self, taken: set[int]) -> int:
        """A fresh random positive int32, as Google assigns to sheets and ranges."""
        while True:
            value = self.rng.randint(1, 2**31 - 1)
            if value not in taken:
                return value

    def bounds(self, sheet: Sheet, gr: JsonDict) -> Bounds:
        """A GridRange resolved against the grid; ranges past the grid edge are refused."""
        b = bounds_of(gr)
        r = b.resolve(sheet.row_count, sheet.col_count)
        assert r.end_row is not None and r.end_col is not None
        if (
            r.end_row > sheet.row_count
            or r.end_col > sheet.col_count
            or r.start_row >= sheet.row_count
            or r.start_col >= sheet.col_count
        ):
            raise self.fail(grid_limit_error(sheet, b).message)
        if r.start_row >= r.end_row or r.start_col >= r.end_col:
            raise self.fail("The range is empty (start index must be below end index).")
        return r


# ---------------------------------------------------------------------------- helpers


def _mask(ctx: BatchContext, fields: str | None) -> Mask | None:
    if fields is None or fields == "":
        raise ctx.fail("At least one field must be specified in 'fields'.")
    try:
        return parse_mask(fields)
    except FieldMaskError:
        raise ctx.fail(f"Invalid field mask: {fields}") from None


def _apply_mask(target: JsonDict, source: JsonDict, mask: Mask | None) -> None:
    """Copy the masked members from ``source`` onto ``target`` (absent ones are cleared)."""
    if mask is None:
        target.clear()
        target.update(copy.deepcopy(source))
        return
    for path in mask_paths(mask):
        parts = path.split(".")
        src: Any = source
        for part in parts:
            src = src.get(part) if isinstance(src, dict) else None
        node = target
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if src is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = copy.deepcopy(src)


def _prune(obj: JsonDict) -> JsonDict:
    return {k: v for k, v in obj.items() if v not in (None, {}, [])}


def _write_cell_data(sheet: Sheet, row: int, col: int, data: JsonDict, mask: Mask | None) -> None:
    cell = copy.deepcopy(sheet.cells.get((row, col)) or {})
    data = normalize_colors(data)
    if mask is None:
        mask = {
            k: None
            for k in (
                "userEnteredValue",
                "userEnteredFormat",
                "note",
                "dataValidation",
                "hyperlink",
                "textFormatRuns",
            )
        }
    _apply_mask(cell, data, mask)
    if cell.get("note") == "":
        cell.pop("note")
    if "userEnteredFormat" in cell:
        cell["userEnteredFormat"] = normalize_colors(_prune(cell["userEnteredFormat"]))
    sheet.set_cell(row, col, _prune(cell))


def _check_cell_lengths(ctx: BatchContext, rows: list[JsonDict]) -> None:
    """Google refuses the whole request when one cell holds more than 50,000 characters."""
    for row in rows:
        if any(cell_data_too_long(cell) for cell in row.get("values") or []):
            raise ctx.fail(CELL_TOO_LONG)


def _check_write_inside(
    ctx: BatchContext, end_row: int, end_col: int, limit_row: int, limit_col: int
) -> None:
    """updateCells/appendCells never widen the grid or their range: Google names the first
    (0-based) row or column outside and the last one it may write."""
    if end_col > limit_col:
        raise ctx.fail(
            f"Attempting to write column: {limit_col}, beyond the last requested column "
            f"of: {limit_col - 1}"
        )
    if end_row > limit_row:
        raise ctx.fail(
            f"Attempting to write row: {limit_row}, beyond the last requested row "
            f"of: {limit_row - 1}"
        )


def _overlaps(a: Bounds, b: Bounds) -> bool:
    assert a.end_row is not None and a.end_col is not None
    assert b.end_row is not None and b.end_col is not None
    return (
        a.start_row < b.end_row
        and b.start_row < a.end_row
        and a.start_col < b.end_col
        and b.start_col < a.end_col
    )


def _inside(inner: Bounds, outer: Bounds) -> bool:
    assert inner.end_row is not None and inner.end_col is not None
    assert outer.end_row is not None and outer.end_col is not None
    return (
        outer.start_row <= inner.start_row
        and inner.end_row <= outer.end_row
        and outer.start_col <= inner.start_col
        and inner.end_col <= outer.end_col
    )


def _shift_gridrange(gr: JsonDict, dim: str, start: int, delta: int) -> JsonDict | None:
    """Shift a GridRange for an insert (delta>0) or delete (delta<0) at ``start``."""
    lo, hi = (
        ("startRowIndex", "endRowIndex")
        if dim == "ROWS"
        else ("startColumnIndex", "endColumnIndex")
    )
    out = dict(gr)
    if delta > 0:
        if out.get(lo) is not None and out[lo] >= start:
            out[lo] += delta
        if out.get(hi) is not None and out[hi] > start:
            out[hi] += delta
        return out
    end = start - delta
    for key in (lo, hi):
        v = out.get(key)
        if v is None:
            continue
        if v >= end:
            out[key] = v + delta
        elif v > start:
            out[key] = start
    if out.get(lo) is not None and out.get(hi) is not None and out[lo] >= out[hi]:
        return None
    return out


def shift_dimension(ss: Spreadsheet, sheet: Sheet, dim: str, start: int, delta: int) -> None:
    """Insert (delta>0) or delete (delta<0) rows/columns and move everything that refers
    to positions in the sheet: cells, merges, protected and named ranges, filters, metadata."""
    axis = 0 if dim == "ROWS" else 1
    end = start - delta if delta < 0 else start
    cells: dict[tuple[int, int], JsonDict] = {}
    for key, cell in sheet.cells.items():
        pos = key[axis]
        if delta < 0 and start <= pos < end:
            continue
        if pos >= (end if delta < 0 else start):
            pos += delta
        new_key = (pos, key[1]) if axis == 0 else (key[0], pos)
        cells[new_key] = cell
    sheet.cells = cells
    meta = sheet.row_meta if axis == 0 else sheet.col_meta
    moved: dict[int, JsonDict] = {}
    for pos, value in meta.items():
        if delta < 0 and start <= pos < end:
            continue
        moved[pos + delta if pos >= (end if delta < 0 else start) else pos] = value
    meta.clear()
    meta.update(moved)
    sheet.merges = [m for m in (_shift_gridrange(m, dim, start, delta) for m in sheet.merges) if m]
    kept = []
    for pr in sheet.protected_ranges:
        shifted = _shift_gridrange(pr["range"], dim, start, delta) if "range" in pr else {}
        if shifted is not None:
            kept.append({**pr, "range": shifted} if "range" in pr else pr)
    sheet.protected_ranges = kept
    if sheet.basic_filter is not None:
        shifted = _shift_gridrange(sheet.basic_filter["range"], dim, start, delta)
        sheet.basic_filter = None if shifted is None else {**sheet.basic_filter, "range": shifted}
    named = []
    for nr in ss.named_ranges:
        if nr["range"].get("sheetId", 0) == sheet.id:
            shifted = _shift_gridrange(nr["range"], dim, start, delta)
            if shifted is None:
                continue
            nr = {**nr, "range": shifted}
        named.append(nr)
    ss.named_ranges = named
    devmeta.shift(ss, sheet.id, dim, start, delta)
    key = "rowCount" if axis == 0 else "columnCount"
    sheet.grid[key] = sheet.grid.get(key, 0) + delta


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, float | int):
        return (0, value)
    if isinstance(value, ErrorResult):
        return (2, str(value))
    return (1, str(value).lower())


# ---------------------------------------------------------------------------- handlers


def add_sheet(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """addSheet: new tab with Google's defaults (1000x26, title "SheetN")."""
    props = normalize_colors(copy.deepcopy(req.get("properties") or {}))
    titles = {s.title.lower() for s in ctx.ss.sheets}
    title = props.get("title")
    if not title:
        n = len(ctx.ss.sheets) + 1
        while f"sheet{n}" in titles:
            n += 1
        title = f"Sheet{n}"
    if title.lower() in titles:
        raise ctx.fail(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    taken = {s.id for s in ctx.ss.sheets}
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ctx.new_id(taken)
    elif sheet_id in taken:
        raise ctx.fail(f"Sheet with id {sheet_id} already exists.")
    if props.get("sheetType", "GRID") != "GRID":
        raise ApiError(501, f"The stand-in only supports GRID sheets, not {props['sheetType']}.")
    grid = {"rowCount": 1000, "columnCount": 26, **(props.get("gridProperties") or {})}
    new_props = {
        **props,
        "sheetId": sheet_id,
        "title": title,
        "sheetType": "GRID",
        "gridProperties": grid,
    }
    new_props.pop("index", None)
    sheet = Sheet(new_props)
    index = props.get("index")
    if index is None or index > len(ctx.ss.sheets):
        index = len(ctx.ss.sheets)
    ctx.ss.sheets.insert(index, sheet)
    if props.get("hidden") and all(s.props.get("hidden") for s in ctx.ss.sheets):
        raise ctx.fail("You can't hide all the sheets in a document.")
    return {"addSheet": {"properties": sheet.properties_json(index)}}


def delete_sheet(ctx: BatchContext, req: JsonDict) -> None:
    """deleteSheet: at least one visible sheet must remain; protections must allow it."""
    sheet = ctx.sheet(req.get("sheetId"))
    check_sheet_delete(ctx.ss, sheet, ctx.caller, ctx.owner)
    rest = [s for s in ctx.ss.sheets if s is not sheet]
    if not rest or all(s.props.get("hidden") for s in rest):
        raise ctx.fail("You can't remove all the visible sheets in a document.")
    ctx.ss.sheets = rest
    ctx.ss.named_ranges = [
        n for n in ctx.ss.named_ranges if n["range"].get("sheetId", 0) != sheet.id
    ]
    devmeta.drop_sheet(ctx.ss, sheet.id)


def duplicate_sheet(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """duplicateSheet: copy cells and structure under a new id/title."""
    source = ctx.sheet(req.get("sourceSheetId"))
    new = copy.deepcopy(source)
    taken = {s.id for s in ctx.ss.sheets}
    new_id = req.get("newSheetId") or ctx.new_id(taken)
    if new_id in taken:
        raise ctx.fail(f"Sheet with id {new_id} already exists.")
    title = req.get("newSheetName") or f"Copy of {source.title}"
    if ctx.ss.sheet_by_title(title) is not None:
        raise ctx.fail(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    new.props["sheetId"] = new_id
    new.props["title"] = title
    for pr in new.protected_ranges:
        pr["protectedRangeId"] = ctx.new_id(set())
    index = req.get("insertSheetIndex")
    if index is None or index > len(ctx.ss.sheets):
        index = len(ctx.ss.sheets)
    ctx.ss.sheets.insert(index, new)
    return {"duplicateSheet": {"properties": new.properties_json(index)}}


def update_sheet_properties(ctx: BatchContext, req: JsonDict) -> None:
    """updateSheetProperties with a field mask (title, index, gridProperties.*, hidden...)."""
    props = normalize_colors(req.get("properties") or {})
    sheet = ctx.sheet(props.get("sheetId"))
    mask = _mask(ctx, req.get("fields"))
    ctx.guard_sheet(sheet)
    before_rows, before_cols = sheet.row_count, sheet.col_count
    target = copy.deepcopy(sheet.props)
    paths = mask_paths(mask) if mask is not None else list(props)
    if any(p.split(".")[0] == "sheetId" for p in paths) and props.get("sheetId") != sheet.id:
        raise ctx.fail("Cannot change the sheetId of a sheet.")
    _apply_mask(target, {**props, "sheetId": sheet.id}, mask)
    target["sheetId"] = sheet.id
    target.setdefault("gridProperties", {})
    for pair in (("tabColor", "tabColorStyle"), ("tabColorStyle", "tabColor")):
        if any(p.split(".")[0] == pair[0] for p in paths) and not any(
            p.split(".")[0] == pair[1] for p in paths
        ):
            if target.get(pair[0]) and target[pair[0]].get("rgbColor") is not None:
                target[pair[1]] = target[pair[0]]["rgbColor"]
            elif target.get(pair[0]) and pair[0] == "tabColor":
                target["tabColorStyle"] = {"rgbColor": target["tabColor"]}
            else:
                target.pop(pair[1], None)
    title = target.get("title") or ""
    if not title:
        raise ctx.fail("Sheet title cannot be empty.")
    other = ctx.ss.sheet_by_title(title)
    if other is not None and other is not sheet:
        raise ctx.fail(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    if target.get("hidden") and all(
        s.props.get("hidden") for s in ctx.ss.sheets if s is not sheet
    ):
        raise ctx.fail("You can't hide all the sheets in a document.")
    grid = target["gridProperties"]
    rows, cols = grid.get("rowCount", before_rows), grid.get("columnCount", before_cols)
    if rows < 1 or cols < 1:
        raise ctx.fail("A sheet must have at least one row and one column.")
    if grid.get("frozenRowCount", 0) >= rows and grid.get("frozenRowCount", 0) > 0:
        raise ctx.fail("You can't freeze all visible rows on the sheet.")
    new_index = target.pop("index", None)
    if rows < before_rows:
        ctx.guard_dimension(sheet, "ROWS", rows, before_rows, inserting=False)
    if cols < before_cols:
        ctx.guard_dimension(sheet, "COLUMNS", cols, before_cols, inserting=False)
    sheet.props = target
    if rows < before_rows:
        shift_dimension(ctx.ss, sheet, "ROWS", rows, -(before_rows - rows))
        grid["rowCount"] = rows
    if cols < before_cols:
        shift_dimension(ctx.ss, sheet, "COLUMNS", cols, -(before_cols - cols))
        grid["columnCount"] = cols
    if new_index is not None:
        # Google counts the target index "before the move": moving S1 of (S1, S2, S3) ahead
        # of S3 takes index 2, not 1.
        old_index = ctx.ss.sheets.index(sheet)
        ctx.ss.sheets.remove(sheet)
        target_index = int(new_index) - (1 if int(new_index) > old_index else 0)
        ctx.ss.sheets.insert(max(0, min(target_index, len(ctx.ss.sheets))), sheet)


def update_spreadsheet_properties(ctx: BatchContext, req: JsonDict) -> None:
    """updateSpreadsheetProperties (title, locale, timeZone, ...) with a field mask."""
    mask = _mask(ctx, req.get("fields"))
    props = copy.deepcopy(ctx.ss.properties)
    _apply_mask(props, normalize_colors(req.get("properties") or {}), mask)
    if not props.get("title"):
        raise ctx.fail("Spreadsheet title cannot be empty.")
    ctx.ss.properties = props


def update_cells(ctx: BatchContext, req: JsonDict) -> None:
    """updateCells: write RowData over a range (rest of range cleared) or from a start cell."""
    mask = _mask(ctx, req.get("fields"))
    rows = req.get("rows") or []
    _check_cell_lengths(ctx, rows)
    if "range" in req:
        sheet = ctx.sheet(req["range"].get("sheetId"))
        b = ctx.bounds(sheet, req["range"])
        assert b.end_row is not None and b.end_col is not None
        width = max((len(r.get("values", [])) for r in rows), default=0)
        _check_write_inside(
            ctx, b.start_row + len(rows), b.start_col + width, b.end_row, b.end_col
        )
        ctx.guard(sheet, b)
        for r in range(b.start_row, b.end_row):
            row_values = (
                rows[r - b.start_row].get("values", []) if r - b.start_row < len(rows) else []
            )
            for c in range(b.start_col, b.end_col):
                i = c - b.start_col
                data = (row_values[i] if i < len(row_values) else None) or {}
                _write_cell_data(sheet, r, c, data, mask)
        return
    start = req.get("start") or {}
    sheet = ctx.sheet(start.get("sheetId"))
    r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
    height = len(rows)
    width = max((len(r.get("values", [])) for r in rows), default=0)
    if r0 >= sheet.row_count or c0 >= sheet.col_count:
        raise ctx.fail(grid_limit_error(sheet, Bounds(r0, c0, r0 + 1, c0 + 1)).message)
    _check_write_inside(ctx, r0 + height, c0 + width, sheet.row_count, sheet.col_count)
    if height and width:
        ctx.guard(sheet, Bounds(r0, c0, r0 + height, c0 + width))
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get("values", [])):
            _write_cell_data(sheet, r0 + i, c0 + j, data or {}, mask)


def append_cells(ctx: BatchContext, req: JsonDict) -> None:
    """appendCells: rows go after the last row with data; Google inserts the rows it needs
    but never adds columns (a row wider than the grid is refused)."""
    sheet = ctx.sheet(req.get("sheetId"))
    mask = _mask(ctx, req.get("fields"))
    rows = req.get("rows") or []
    _check_cell_lengths(ctx, rows)
    start = sheet.last_data_row()
    width = max((len(r.get("values", [])) for r in rows), default=0)
    _check_write_inside(ctx, 0, width, 0, sheet.col_count)
    if start + len(rows) > sheet.row_count:
        ctx.guard_sheet(sheet)
        sheet.grid["rowCount"] = start + len(rows)
    if rows and width:
        ctx.guard(sheet, Bounds(start, 0, start + len(rows), width))
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get("values", [])):
            _write_cell_data(sheet, start + i, j, data or {}, mask)


def repeat_cell(ctx: BatchContext, req: JsonDict) -> None:
    """repeatCell: the same CellData (masked) on every cell of the range."""
    gr = req.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    mask = _mask(ctx, req.get("fields"))
    b = ctx.bounds(sheet, gr)
    assert b.end_row is not None and b.end_col is not None
    cell = req.get("cell") or {}
    if cell_data_too_long(cell):
        raise ctx.fail(CELL_TOO_LONG)
    ctx.guard(sheet, b)
    for r in range(b.start_row, b.end_row):
        for c in range(b.start_col, b.end_col):
            _write_cell_data(sheet, r, c, cell, mask)


def _dimension_range(ctx: BatchContext, dr: JsonDict) -> tuple[Sheet, str, int, int]:
    sheet = ctx.sheet(dr.get("sheetId"))
    dim = dr.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ctx.fail("dimension must be ROWS or COLUMNS.")
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = dr.get("startIndex", 0)
    end = dr.get("endIndex", size)
    if start < 0 or end <= start:
        raise ctx.fail(f"Invalid dimension range: startIndex {start}, endIndex {end}.")
    return sheet, dim, start, end


def append_dimension(ctx: BatchContext, req: JsonDict) -> None:
    """appendDimension: add rows/columns at the end of the grid."""
    sheet = ctx.sheet(req.get("sheetId"))
    length = req.get("length", 0)
    if length <= 0:
        raise ctx.fail("length must be greater than 0.")
    ctx.guard_sheet(sheet)
    key = "rowCount" if req.get("dimension") == "ROWS" else "columnCount"
    sheet.grid[key] = sheet.grid.get(key, 0) + length


def insert_dimension(ctx: BatchContext, req: JsonDict) -> None:
    """insertDimension: shift cells below/right of startIndex."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start > size:
        raise ctx.fail(f"startIndex ({start}) must be <= the {dim.lower()} count ({size}).")
    if req.get("inheritFromBefore") and start == 0:
        raise ctx.fail("Cannot inherit properties from before when inserting at index 0.")
    ctx.guard_dimension(sheet, dim, start, end, inserting=True)
    shift_dimension(ctx.ss, sheet, dim, start, end - start)


def delete_dimension(ctx: BatchContext, req: JsonDict) -> None:
    """deleteDimension: remove rows/columns; a sheet keeps at least one of each."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if end > size:
        raise ctx.fail(
            grid_limit_error(
                sheet,
                Bounds(start, 0, end, None) if dim == "ROWS" else Bounds(0, start, None, end),
            ).message
        )
    if start == 0 and end >= size:
        what = "rows" if dim == "ROWS" else "columns"
        raise ctx.fail(f"You can't delete all the {what} on the sheet.")
    ctx.guard_dimension(sheet, dim, start, end, inserting=False)
    shift_dimension(ctx.ss, sheet, dim, start, -(end - start))


def update_dimension_properties(ctx: BatchContext, req: JsonDict) -> None:
    """updateDimensionProperties: pixelSize / hiddenByUser per row or column."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    mask = _mask(ctx, req.get("fields"))
    meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    for i in range(start, end):
        entry = dict(meta.get(i) or {})
        _apply_mask(entry, req.get("properties") or {}, mask)
        meta[i] = entry


def auto_resize_dimensions(ctx: BatchContext, req: JsonDict) -> None:
    """autoResizeDimensions: approximate widths from text length (Google uses font metrics)."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("dimensions") or {})
    meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    for i in range(start, end):
        texts = [
            ctx.ss.render(sheet, r, c, "FORMATTED_VALUE", "SERIAL_NUMBER")
            for (r, c), cell in sheet.cells.items()
            if has_value(cell) and (c if dim == "COLUMNS" else r) == i
        ]
        if dim == "COLUMNS":
            size = max((7 * len(t) + 10 for t in texts), default=DEFAULT_COL_PX)
        else:
            size = max((21 * (1 + str(t).count("\n")) for t in texts), default=21)
        meta[i] = {**(meta.get(i) or {}), "pixelSize": size}


def set_data_validation(ctx: BatchContext, req: JsonDict) -> None:
    """setDataValidation: store (or with no rule, clear) the rule on every cell of the range."""
    gr = req.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    b = ctx.bounds(sheet, gr)
    assert b.end_row is not None and b.end_col is not None
    rule = req.get("rule")
    if rule is not None and not (rule.get("condition") or {}).get("type"):
        raise ctx.fail("A data validation rule requires a condition type.")
    ctx.guard(sheet, b)
    for r in range(b.start_row, b.end_row):
        for c in range(b.start_col, b.end_col):
            cell = dict(sheet.cells.get((r, c)) or {})
            if rule is None:
                cell.pop("dataValidation", None)
            else:
                cell["dataValidation"] = copy.deepcopy(rule)
            sheet.set_cell(r, c, cell)


def add_protected_range(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """addProtectedRange: a protected area with a fresh protectedRangeId."""
    pr = copy.deepcopy(req.get("protectedRange") or {})
    if "range" in pr:
        sheet = ctx.sheet(pr["range"].get("sheetId"))
        ctx.bounds(sheet, pr["range"])
        pr["range"] = {k: v for k, v in pr["range"].items() if k != "sheetId"}
    elif "namedRangeId" in pr:
        named = next(
            (n for n in ctx.ss.named_ranges if n["namedRangeId"] == pr["namedRangeId"]), None
        )
        if named is None:
            raise ctx.fail(f"No named range with id: {pr['namedRangeId']}")
        sheet = ctx.sheet(named["range"].get("sheetId"))
    else:
        raise ctx.fail("A protected range requires a range or a namedRangeId.")
    if pr.get("warningOnly") and (pr.get("editors") or {}).get("users"):
        raise ctx.fail("You cannot set editors on a warning-only protected range.")
    taken = {p["protectedRangeId"] for s in ctx.ss.sheets for p in s.protected_ranges}
    if pr.get("protectedRangeId") in taken:
        raise ctx.fail(f"A protected range with id {pr['protectedRangeId']} already exists.")
    pr["protectedRangeId"] = pr.get("protectedRangeId") or ctx.new_id(taken)
    editors = [u for u in (pr.get("editors") or {}).get("users", []) if u]
    stored = [ctx.owner]
    for user in (ctx.caller, *editors):
        if user.lower() not in (u.lower() for u in stored):
            stored.append(user)
    pr["editors"] = {**(pr.get("editors") or {}), "users": stored}
    pr.pop("requestingUserCanEdit", None)
    sheet.protected_ranges.append(pr)
    reply = protected_range_json(ctx.owner, sheet, pr, ctx.caller)
    reply["editors"] = {"users": editors} if editors else {}
    return {"addProtectedRange": {"protectedRange": reply}}


def _find_protected(ctx: BatchContext, pr_id: int | None) -> tuple[Sheet, JsonDict]:
    for sheet in ctx.ss.sheets:
        for pr in sheet.protected_ranges:
            if pr["protectedRangeId"] == pr_id:
                return sheet, pr
    raise ctx.fail(f"No protected range with id: {pr_id}")


def delete_protected_range(ctx: BatchContext, req: JsonDict) -> None:
    """deleteProtectedRange by id (only its editors and the owner may)."""
    sheet, pr = _find_protected(ctx, req.get("protectedRangeId"))
    if not can_change_protection(pr, ctx.caller, ctx.owner):
        raise protected_error()
    sheet.protected_ranges.remove(pr)


def update_protected_range(ctx: BatchContext, req: JsonDict) -> None:
    """updateProtectedRange with a field mask."""
    source = req.get("protectedRange") or {}
    sheet, pr = _find_protected(ctx, source.get("protectedRangeId"))
    if not can_change_protection(pr, ctx.caller, ctx.owner):
        raise protected_error()
    mask = _mask(ctx, req.get("fields"))
    updated = copy.deepcopy(pr)
    _apply_mask(updated, source, mask)
    if "range" in updated:
        target = ctx.sheet(updated["range"].get("sheetId", sheet.id))
        updated["range"] = {k: v for k, v in updated["range"].items() if k != "sheetId"}
        if target is not sheet:
            sheet.protected_ranges.remove(pr)
            target.protected_ranges.append(updated)
            return
    sheet.protected_ranges[sheet.protected_ranges.index(pr)] = updated


def merge_cells(ctx: BatchContext, req: JsonDict) -> None:
    """mergeCells: MERGE_ALL / MERGE_ROWS / MERGE_COLUMNS; merged-away values are dropped."""
    gr = req.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    b = ctx.bounds(sheet, gr)
    assert b.end_row is not None and b.end_col is not None
    ctx.guard(sheet, b)
    kind = req.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        blocks = [Bounds(r, b.start_col, r + 1, b.end_col) for r in range(b.start_row, b.end_row)]
    elif kind == "MERGE_COLUMNS":
        blocks = [Bounds(b.start_row, c, b.end_row, c + 1) for c in range(b.start_col, b.end_col)]
    else:
        blocks = [b]
    kept = []
    for m in sheet.merges:
        mb = bounds_of(m)
        if _inside(mb, b):
            continue
        if _overlaps(mb, b):
            raise ctx.fail("You can't merge cells that partially overlap an existing merge.")
        kept.append(m)
    for block in blocks:
        assert block.end_row is not None and block.end_col is not None
        if block.end_row - block.start_row == 1 and block.end_col - block.start_col == 1:
            continue
        kept.append(grid_range_json(0, block))
        for r in range(block.start_row, block.end_row):
            for c in range(block.start_col, block.end_col):
                if (r, c) != (block.start_row, block.start_col):
                    sheet.set_value(r, c, None)
    sheet.merges = kept


def unmerge_cells(ctx: BatchContext, req: JsonDict) -> None:
    """unmergeCells: drop every merge that intersects the range."""
    gr = req.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    b = ctx.bounds(sheet, gr)
    ctx.guard(sheet, b)
    sheet.merges = [m for m in sheet.merges if not _overlaps(bounds_of(m), b)]


def _check_named_range_name(ctx: BatchContext, name: str, own_id: str | None) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name or "") or re.fullmatch(
        r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|true|false", name, re.IGNORECASE
    ):
        raise ctx.fail(f"Invalid name: {name}")
    other = ctx.ss.named_range(name)
    if other is not None and other["namedRangeId"] != own_id:
        raise ctx.fail(f"A named range with the name {name} already exists.")


def add_named_range(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """addNamedRange: reply carries the new string namedRangeId."""
    nr = copy.deepcopy(req.get("namedRange") or {})
    _check_named_range_name(ctx, nr.get("name", ""), None)
    gr = nr.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    ctx.bounds(sheet, gr)
    taken = {int(n["namedRangeId"]) for n in ctx.ss.named_ranges if n["namedRangeId"].isdigit()}
    nr_id = nr.get("namedRangeId") or str(ctx.new_id(taken))
    stored = {"namedRangeId": nr_id, "name": nr["name"], "range": grid_range_json(sheet.id, gr)}
    ctx.ss.named_ranges.append(stored)
    return {"addNamedRange": {"namedRange": copy.deepcopy(stored)}}


def delete_named_range(ctx: BatchContext, req: JsonDict) -> None:
    """deleteNamedRange by id."""
    nr_id = req.get("namedRangeId")
    found = [n for n in ctx.ss.named_ranges if n["namedRangeId"] == nr_id]
    if not found:
        raise ctx.fail(f"No named range with id: {nr_id}")
    ctx.ss.named_ranges.remove(found[0])


def update_named_range(ctx: BatchContext, req: JsonDict) -> None:
    """updateNamedRange (name and/or range) with a field mask."""
    source = req.get("namedRange") or {}
    found = [n for n in ctx.ss.named_ranges if n["namedRangeId"] == source.get("namedRangeId")]
    if not found:
        raise ctx.fail(f"No named range with id: {source.get('namedRangeId')}")
    mask = _mask(ctx, req.get("fields"))
    updated = copy.deepcopy(found[0])
    _apply_mask(updated, source, mask)
    updated["namedRangeId"] = found[0]["namedRangeId"]
    _check_named_range_name(ctx, updated.get("name", ""), updated["namedRangeId"])
    gr = updated.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    ctx.bounds(sheet, gr)
    updated["range"] = grid_range_json(sheet.id, gr)
    ctx.ss.named_ranges[ctx.ss.named_ranges.index(found[0])] = updated


def _groups(sheet: Sheet, dim: str) -> list[JsonDict]:
    return sheet.row_groups if dim == "ROWS" else sheet.column_groups


def add_dimension_group(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """addDimensionGroup: groups nest, so depth counts the groups around the new one."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    groups = _groups(sheet, dim)
    depth = 1 + sum(
        1 for g in groups if g["range"]["startIndex"] <= start and end <= g["range"]["endIndex"]
    )
    groups.append(
        {"range": {"dimension": dim, "startIndex": start, "endIndex": end}, "depth": depth}
    )
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))
    control = "rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"
    sheet.grid.setdefault(control, True)
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """deleteDimensionGroup: removes the innermost group covering exactly that range."""
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    groups = _groups(sheet, dim)
    matching = [
        g for g in groups if g["range"]["startIndex"] == start and g["range"]["endIndex"] == end
    ]
    if not matching:
        raise ctx.fail("No dimension group covers the given range.")
    groups.remove(max(matching, key=lambda g: g["depth"]))
    reply: JsonDict = {}
    if groups:
        reply["dimensionGroups"] = copy.deepcopy(groups)
    return {"deleteDimensionGroup": reply}


def set_basic_filter(ctx: BatchContext, req: JsonDict) -> None:
    """setBasicFilter: the range is stored with explicit indices, as Google reports it."""
    flt = copy.deepcopy(req.get("filter") or {})
    gr = flt.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    b = ctx.bounds(sheet, gr)
    flt["range"] = grid_range_json(0, b)
    sheet.basic_filter = flt


def clear_basic_filter(ctx: BatchContext, req: JsonDict) -> None:
    """clearBasicFilter."""
    ctx.sheet(req.get("sheetId")).basic_filter = None


def sort_range(ctx: BatchContext, req: JsonDict) -> None:
    """sortRange: rows reordered by effective values (numbers < text < booleans < blanks)."""
    gr = req.get("range") or {}
    sheet = ctx.sheet(gr.get("sheetId"))
    b = ctx.bounds(sheet, gr)
    ctx.guard(sheet, b)
    sort_rows_in(ctx.ss, sheet, b, req.get("sortSpecs") or [{"dimensionIndex": b.start_col}])


def sort_rows_in(ss: Spreadsheet, sheet: Sheet, b: Bounds, specs: list[JsonDict]) -> list[int]:
    """Reorder the rows of ``b`` by ``specs`` (SortSpec dicts, first one wins); returns the
    old row index now found at each row of ``b``, top to bottom."""
    assert b.end_row is not None and b.end_col is not None
    rows = list(range(b.start_row, b.end_row))
    ordered = rows[:]
    for spec in reversed(specs):
        col = spec.get("dimensionIndex", b.start_col)
        desc = spec.get("sortOrder") == "DESCENDING"
        values = {r: ss.effective(sheet, r, col) for r in ordered}
        filled = [r for r in ordered if values[r] not in (None, "")]
        blank = [r for r in ordered if values[r] in (None, "")]
        filled.sort(key=lambda r: _sort_key(values[r]), reverse=desc)
        ordered = filled + blank
    snapshot = {
        (r, c): sheet.cells.get((r, c)) for r in rows for c in range(b.start_col, b.end_col)
    }
    for new_r, old_r in zip(rows, ordered, strict=True):
        for c in range(b.start_col, b.end_col):
            sheet.set_cell(new_r, c, snapshot[(old_r, c)])
    devmeta.follow_sort(ss, sheet.id, rows, ordered)
    return ordered


_PASTE_FIELDS = {
    "PASTE_NORMAL": None,
    "PASTE_VALUES": {"userEnteredValue": None},
    "PASTE_FORMAT": {"userEnteredFormat": None},
    "PASTE_NO_BORDERS": None,
    "PASTE_FORMULA": {"userEnteredValue": None},
    "PASTE_DATA_VALIDATION": {"dataValidation": None},
    "PASTE_CONDITIONAL_FORMATTING": {},
}


def _paste(
    sheet_from: Sheet,
    src: Bounds,
    sheet_to: Sheet,
    dst: Bounds,
    paste_type: str,
    transpose: bool,
    snapshot: dict[tuple[int, int], JsonDict | None],
) -> None:
    assert src.end_row is not None and src.end_col is not None
    assert dst.end_row is not None and dst.end_col is not None
    h, w = src.end_row - src.start_row, src.end_col - src.start_col
    if transpose:
        h, w = w, h
    mask = _PASTE_FIELDS.get(paste_type)
    for r in range(dst.start_row, max(dst.end_row, dst.start_row + h)):
        for c in range(dst.start_col, max(dst.end_col, dst.start_col + w)):
            i, j = (r - dst.start_row) % h, (c - dst.start_col) % w
            if transpose:
                i, j = j, i
            data = snapshot.get((src.start_row + i, src.start_col + j)) or {}
            if mask is None:
                sheet_to.set_cell(r, c, copy.deepcopy(data) or None)
            else:
                _write_cell_data(sheet_to, r, c, data, mask)
    del sheet_from


def copy_paste(ctx: BatchContext, req: JsonDict) -> None:
    """copyPaste: tile the source over the destination (PASTE_NORMAL/VALUES/FORMAT...)."""
    src_gr, dst_gr = req.get("source") or {}, req.get("destination") or {}
    src_sheet, dst_sheet = ctx.sheet(src_gr.get("sheetId")), ctx.sheet(dst_gr.get("sheetId"))
    src, dst = ctx.bounds(src_sheet, src_gr), ctx.bounds(dst_sheet, dst_gr)
    ctx.guard(dst_sheet, dst)
    snapshot = dict(src_sheet.cells)
    _paste(
        src_sheet,
        src,
        dst_sheet,
        dst,
        req.get("pasteType", "PASTE_NORMAL"),
        req.get("pasteOrientation") == "TRANSPOSE",
        snapshot,
    )


def cut_paste(ctx: BatchContext, req: JsonDict) -> None:
    """cutPaste: move the source cells so their top-left lands on the destination cell."""
    src_gr, dest = req.get("source") or {}, req.get("destination") or {}
    src_sheet, dst_sheet = ctx.sheet(src_gr.get("sheetId")), ctx.sheet(dest.get("sheetId"))
    src = ctx.bounds(src_sheet, src_gr)
    assert src.end_row is not None and src.end_col is not None
    r0, c0 = dest.get("rowIndex", 0), dest.get("columnIndex", 0)
    dst = Bounds(r0, c0, r0 + src.end_row - src.start_row, c0 + src.end_col - src.start_col)
    assert dst.end_row is not None and dst.end_col is not None
    if dst.end_row > dst_sheet.row_count or dst.end_col > dst_sheet.col_count:
        raise ctx.fail(grid_limit_error(dst_sheet, dst).message)
    ctx.guard(src_sheet, src)
    ctx.guard(dst_sheet, dst)
    snapshot = dict(src_sheet.cells)
    for r in range(src.start_row, src.end_row):
        for c in range(src.start_col, src.end_col):
            src_sheet.set_cell(r, c, None)
    _paste(src_sheet, src, dst_sheet, dst, req.get("pasteType", "PASTE_NORMAL"), False, snapshot)


def create_developer_metadata(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """createDeveloperMetadata on the spreadsheet, a sheet, a row or a column."""
    taken = {m["metadataId"] for m in ctx.ss.developer_metadata}
    stored = devmeta.create(
        ctx.ss, req.get("developerMetadata") or {}, ctx.project, ctx.new_id(taken)
    )
    return {"createDeveloperMetadata": {"developerMetadata": devmeta.public(stored)}}


def _matched_metadata(ctx: BatchContext, filters: list[JsonDict]) -> list[JsonDict]:
    found: list[JsonDict] = []
    for data_filter in filters:
        for meta in devmeta.search(ctx.ss, data_filter, ctx.project):
            if all(meta is not m for m in found):
                found.append(meta)
    return found


def update_developer_metadata(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """updateDeveloperMetadata: the masked fields of every entry the filters select."""
    filters = req.get("dataFilters") or []
    if not filters:
        raise ctx.fail("At least one data filter must be specified.")
    mask = _mask(ctx, req.get("fields"))
    source = req.get("developerMetadata") or {}
    paths = mask_paths(mask) if mask is not None else list(source)
    if any(p.split(".")[0] == "metadataId" for p in paths):
        raise ctx.fail("The metadataId of developer metadata cannot be changed.")
    updated = []
    for meta in _matched_metadata(ctx, filters):
        target = {k: v for k, v in meta.items() if k != "project"}
        _apply_mask(target, source, mask)
        target["location"] = devmeta.normalize_location(ctx.ss, target.get("location") or {})
        if not target.get("metadataKey"):
            raise ctx.fail("Developer metadata must always have a key specified.")
        if target.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise ctx.fail("Developer metadata must always have a visibility specified.")
        meta.update(target)
        updated.append(devmeta.public(meta))
    return {"updateDeveloperMetadata": {"developerMetadata": updated} if updated else {}}


def delete_developer_metadata(ctx: BatchContext, req: JsonDict) -> JsonDict:
    """deleteDeveloperMetadata: every entry the filter selects."""
    doomed = devmeta.search(ctx.ss, req.get("dataFilter") or {}, ctx.project)
    ctx.ss.developer_metadata = [
        m for m in ctx.ss.developer_metadata if all(m is not d for d in doomed)
    ]
    deleted = [devmeta.public(m) for m in doomed]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted} if deleted else {}}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells,
    "appendCells": append_cells,
    "repeatCell": repeat_cell,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "setDataValidation": set_data_validation,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "updateProtectedRange": update_protected_range,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "updateNamedRange": update_named_range,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "sortRange": sort_range,
    "copyPaste": copy_paste,
    "cutPaste": cut_paste,
    "createDeveloperMetadata": create_developer_metadata,
    "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
}


def protected_range_json(
    owner: str, sheet: Sheet, pr: JsonDict, caller: str | None = None
) -> JsonDict:
    """A stored protected range as spreadsheets.get shows it to ``caller``: whether they may
    edit it, and its editors only when they may (as Google hides them from others)."""
    out: JsonDict = {"protectedRangeId": pr["protectedRangeId"]}
    if "range" in pr:
        out["range"] = grid_range_json(sheet.id, pr["range"])
    for key in ("namedRangeId", "description", "unprotectedRanges"):
        if pr.get(key):
            out[key] = pr[key]
    if pr.get("warningOnly"):
        out["warningOnly"] = True
    editable = can_edit(pr, caller or owner, owner)
    if editable:  # false booleans are left out of Google's JSON
        out["requestingUserCanEdit"] = True
        editors = {k: v for k, v in (pr.get("editors") or {}).items() if v}
        editors["users"] = editors.get("users") or [owner]
        out["editors"] = editors
    return out


def run_batch(
    ss: Spreadsheet,
    requests: list[JsonDict],
    rng: random.Random,
    caller: str,
    project: str = DEFAULT_PROJECT,
    owner: str | None = None,
) -> list[JsonDict]:
    """Apply requests in order to ``ss`` (a working copy) as ``caller`` of ``project``;
    ``owner`` stands for the file's owner where it has none (shared drives). Returns the
    replies."""
    ctx = BatchContext(ss, rng, caller, project, owner)
    replies: list[JsonDict] = []
    for i, request in enumerate(requests):
        ctx.index = i
        ((kind, body),) = request.items()
        ctx.kind = kind
        handler = HANDLERS.get(kind)
        if handler is None:
            raise ApiError(
                501,
                f"The stand-in does not implement requests[{i}].{kind}; add it to "
                "standin/batch.py if the adapter needs it.",
            )
        before = grid_cells(ss.sheets)
        with naming_item(f"requests[{i}].{kind}"):
            reply = handler(ctx, body or {})
        after = grid_cells(ss.sheets)
        if after > before and after > MAX_CELLS:
            raise ctx.fail(too_many_cells())
        replies.append(reply or {})
    return replies
