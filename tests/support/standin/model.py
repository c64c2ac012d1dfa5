"""In-memory spreadsheets and the cell/grid operations the endpoints share.

Cells are stored sparsely as ``CellData``-shaped dicts keyed by (row, col), so inserting or
deleting rows is a key shift and reads of a 1000x26 sheet do not touch 26,000 objects.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .a1 import A1Error, Bounds, format_range, index_to_col, parse_range
from .cellvalues import (
    ErrorResult,
    Scalar,
    evaluate_formula,
    format_number,
    is_datetime_format,
    json_number,
    quantize_color,
)
from .errors import ApiError
from .locales import rules_for

JsonDict = dict[str, Any]

DEFAULT_FORMAT: JsonDict = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _theme_color(kind: str, red: float = 0, green: float = 0, blue: float = 0) -> JsonDict:
    rgb = {k: v for k, v in (("red", red), ("green", green), ("blue", blue)) if v}
    return {"colorType": kind, "color": {"rgbColor": rgb}}


DEFAULT_THEME: JsonDict = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT"),
        _theme_color("BACKGROUND", 1, 1, 1),
        _theme_color("ACCENT1", 0.25882354, 0.52156866, 0.95686275),
        _theme_color("ACCENT2", 0.91764706, 0.2627451, 0.20784314),
        _theme_color("ACCENT3", 0.9843137, 0.7372549, 0.015686275),
        _theme_color("ACCENT4", 0.20392157, 0.65882355, 0.3254902),
        _theme_color("ACCENT5", 1, 0.42745098, 0.003921569),
        _theme_color("ACCENT6", 0.27450982, 0.7411765, 0.7764706),
        _theme_color("LINK", 0.06666667, 0.33333334, 0.8),
    ],
}

DEFAULT_ROW_PX = 21
DEFAULT_COL_PX = 100


def grid_range_json(sheet_id: int, b: Bounds | JsonDict) -> JsonDict:
    """A GridRange as Google writes it: sheetId 0 is left out, set indices are kept."""
    if isinstance(b, Bounds):
        out: JsonDict = {
            "startRowIndex": b.start_row,
            "endRowIndex": b.end_row,
            "startColumnIndex": b.start_col,
            "endColumnIndex": b.end_col,
        }
    else:
        out = {k: v for k, v in b.items() if k != "sheetId"}
    out = {k: v for k, v in out.items() if v is not None}
    if sheet_id:
        out = {"sheetId": sheet_id, **out}
    return out


def bounds_of(gr: JsonDict) -> Bounds:
    """GridRange JSON -> Bounds (missing indices are unbounded, as in the API)."""
    return Bounds(
        gr.get("startRowIndex", 0) or 0,
        gr.get("startColumnIndex", 0) or 0,
        gr.get("endRowIndex"),
        gr.get("endColumnIndex"),
    )


def has_value(cell: JsonDict | None) -> bool:
    """A cell counts as data (for trimming and table detection) when it holds a value."""
    return bool(cell) and "userEnteredValue" in cell  # type: ignore[operator]


def normalize_colors(obj: Any) -> Any:
    """Quantize every Color and mirror Color <-> ColorStyle pairs the way Google does."""
    if isinstance(obj, list):
        return [normalize_colors(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: JsonDict = {}
    for key, value in obj.items():
        if key in ("rgbColor", "tabColor", "backgroundColor", "foregroundColor", "color") and (
            isinstance(value, dict) and "rgbColor" not in value and "themeColor" not in value
        ):
            out[key] = quantize_color(value)
        else:
            out[key] = normalize_colors(value)
    pairs = (
        ("backgroundColor", "backgroundColorStyle"),
        ("foregroundColor", "foregroundColorStyle"),
    )
    for plain, style in (*pairs, ("tabColor", "tabColorStyle")):
        if plain in out and style not in out:
            out[style] = {"rgbColor": out[plain]}
        elif style in out and plain not in out and "rgbColor" in out[style]:
            out[plain] = out[style]["rgbColor"]
    return out


@dataclass
class Sheet:
    """One tab: properties in API shape plus sparse cells and structural metadata.

    Invariant: a stored cell dict is never modified in place; writers store a new dict.
    ``Spreadsheet.clone`` relies on it.
    """

    props: JsonDict
    cells: dict[tuple[int, int], JsonDict] = field(default_factory=dict)
    merges: list[JsonDict] = field(default_factory=list)
    protected_ranges: list[JsonDict] = field(default_factory=list)
    basic_filter: JsonDict | None = None
    row_groups: list[JsonDict] = field(default_factory=list)
    column_groups: list[JsonDict] = field(default_factory=list)
    row_meta: dict[int, JsonDict] = field(default_factory=dict)
    col_meta: dict[int, JsonDict] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The sheetId (gid)."""
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        """The tab title."""
        return str(self.props["title"])

    @property
    def grid(self) -> JsonDict:
        """gridProperties (rowCount, columnCount, frozen counts, ...)."""
        return self.props.setdefault("gridProperties", {})

    @property
    def row_count(self) -> int:
        """Number of rows in the grid."""
        return int(self.grid.get("rowCount", 0))

    @property
    def col_count(self) -> int:
        """Number of columns in the grid."""
        return int(self.grid.get("columnCount", 0))

    def set_cell(self, row: int, col: int, cell: JsonDict | None) -> None:
        """Store a cell, dropping it entirely when nothing is left in it."""
        if cell:
            self.cells[(row, col)] = cell
        else:
            self.cells.pop((row, col), None)

    def set_value(
        self, row: int, col: int, value: JsonDict | None, number_format: JsonDict | None = None
    ) -> None:
        """Write a userEnteredValue (None clears it); suggest a number format if none is set."""
        cell = dict(self.cells.get((row, col)) or {})
        if value is None:
            cell.pop("userEnteredValue", None)
        else:
            cell["userEnteredValue"] = value
            if number_format is not None:
                fmt = dict(cell.get("userEnteredFormat") or {})
                if "numberFormat" not in fmt:
                    fmt["numberFormat"] = number_format
                    cell["userEnteredFormat"] = fmt
        self.set_cell(row, col, cell)

    def last_data_row(self) -> int:
        """Index one past the last row holding a value (0 for an empty sheet)."""
        rows = [r for (r, _), cell in self.cells.items() if has_value(cell)]
        return max(rows) + 1 if rows else 0

    def properties_json(self, index: int) -> JsonDict:
        """SheetProperties as Google returns them (false/zero optional members omitted)."""
        gp = {k: v for k, v in self.grid.items() if v or k in ("rowCount", "columnCount")}
        out: JsonDict = {
            "sheetId": self.id,
            "title": self.title,
            "index": index,
            "sheetType": self.props.get("sheetType", "GRID"),
            "gridProperties": gp,
        }
        for key in ("hidden", "rightToLeft"):
            if self.props.get(key):
                out[key] = True
        for key in ("tabColor", "tabColorStyle"):
            value = self.props.get(key)
            if value and (value.get("rgbColor") or value.get("themeColor") or key == "tabColor"):
                out[key] = value
        return out


@dataclass
class Spreadsheet:
    """A spreadsheet file: properties, ordered sheets, named ranges and Drive metadata."""

    id: str
    properties: JsonDict
    sheets: list[Sheet]
    named_ranges: list[JsonDict] = field(default_factory=list)
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    permissions: list[JsonDict] = field(default_factory=list)
    version: int = 0
    owner: str = ""
    developer_metadata: list[JsonDict] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # Drive folder (empty: owner's root)
    drive_id: str | None = None  # the shared drive holding the file, if any
    trashed: bool = False

    @property
    def title(self) -> str:
        """The spreadsheet (file) title."""
        return str(self.properties["title"])

    @property
    def locale(self) -> str:
        """properties.locale: how values are shown and how typed text is read."""
        return str(self.properties.get("locale") or "en_US")

    def clone(self) -> Spreadsheet:
        """Working copy for an atomic write (all requests or none).

        Cell dicts are never mutated in place (writers build a new dict and ``set_cell`` it),
        so the cell maps are copied shallowly: cloning stays cheap on large sheets.
        """
        sheets = [
            Sheet(
                props=copy.deepcopy(s.props),
                cells=dict(s.cells),
                merges=copy.deepcopy(s.merges),
                protected_ranges=copy.deepcopy(s.protected_ranges),
                basic_filter=copy.deepcopy(s.basic_filter),
                row_groups=copy.deepcopy(s.row_groups),
                column_groups=copy.deepcopy(s.column_groups),
                row_meta=copy.deepcopy(s.row_meta),
                col_meta=copy.deepcopy(s.col_meta),
            )
            for s in self.sheets
        ]
        return Spreadsheet(
            id=self.id,
            properties=copy.deepcopy(self.properties),
            sheets=sheets,
            named_ranges=copy.deepcopy(self.named_ranges),
            created=self.created,
            modified=self.modified,
            permissions=copy.deepcopy(self.permissions),
            version=self.version,
            owner=self.owner,
            developer_metadata=copy.deepcopy(self.developer_metadata),
            parents=list(self.parents),
            drive_id=self.drive_id,
            trashed=self.trashed,
        )

    # ------------------------------------------------------------------ lookups

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """The sheet with this sheetId, if any."""
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        """Exact title match first, then case-insensitive (Google's titles are unique that way)."""
        exact = next((s for s in self.sheets if s.title == title), None)
        if exact is not None:
            return exact
        low = title.lower()
        return next((s for s in self.sheets if s.title.lower() == low), None)

    def named_range(self, name: str) -> JsonDict | None:
        """The named range called ``name`` (names are case-insensitive in Sheets)."""
        low = name.lower()
        return next((n for n in self.named_ranges if n["name"].lower() == low), None)

    def resolve(self, text: str) -> tuple[Sheet, Bounds]:
        """Resolve range text to a sheet and (possibly open-ended) bounds.

        Unknown sheets and unparsable text give Google's "Unable to parse range: ..." 400.
        """
        error = ApiError.invalid(f"Unable to parse range: {text}")
        try:
            parsed = parse_range(text)
        except A1Error:
            raise error from None
        if parsed.sheet is not None:
            sheet = self.sheet_by_title(parsed.sheet)
            if sheet is None:
                raise error
            if parsed.cells is None:
                return sheet, Bounds(0, 0, None, None)
            if parsed.bounds is not None:
                return sheet, parsed.bounds
            named = self.named_range(parsed.cells)
            if named is None or named["range"].get("sheetId", 0) != sheet.id:
                raise error
            return sheet, bounds_of(named["range"])
        assert parsed.cells is not None
        if parsed.bounds is None:
            sheet = self.sheet_by_title(parsed.cells)
            if sheet is not None:
                return sheet, Bounds(0, 0, None, None)
            named = self.named_range(parsed.cells)
            if named is not None:
                target = self.sheet_by_id(named["range"].get("sheetId", 0))
                if target is not None:
                    return target, bounds_of(named["range"])
            raise error
        return self.sheets[0], parsed.bounds

    def resolve_read(self, text: str) -> tuple[Sheet, Bounds]:
        """Resolve for reading/clearing: open ends filled from the grid, overhang clamped."""
        sheet, b = self.resolve(text)
        check_start_in_grid(sheet, b)
        return sheet, b.clamp(sheet.row_count, sheet.col_count)

    # ------------------------------------------------------------------ values

    def effective(self, sheet: Sheet, row: int, col: int, depth: int = 0) -> Scalar:
        """The value a cell shows (formulas evaluated), or None for an empty cell."""
        cell = sheet.cells.get((row, col))
        if not cell or "userEnteredValue" not in cell:
            return None
        uev = cell["userEnteredValue"]
        if "formulaValue" in uev:
            if depth > 50:
                return ErrorResult("#REF!")
            return self._evaluate(sheet, uev["formulaValue"], depth)
        if "stringValue" in uev:
            return str(uev["stringValue"])
        if "numberValue" in uev:
            return float(uev["numberValue"])
        if "boolValue" in uev:
            return bool(uev["boolValue"])
        if "errorValue" in uev:
            return ErrorResult(uev["errorValue"].get("type", "#ERROR!"))
        return None

    def _evaluate(self, sheet: Sheet, formula: str, depth: int) -> Scalar:
        def cell(name: str | None, row: int, col: int) -> Scalar:
            target = sheet if name is None else self.sheet_by_title(name)
            if target is None:
                raise _RefError()
            return self.effective(target, row, col, depth + 1)

        def rng(name: str | None, cells: str) -> list[list[Scalar]]:
            target = sheet if name is None else self.sheet_by_title(name)
            if target is None:
                raise _RefError()
            parsed = parse_range(cells)
            assert parsed.bounds is not None
            b = parsed.bounds.clamp(target.row_count, target.col_count)
            assert b.end_row is not None and b.end_col is not None
            return [
                [self.effective(target, r, c, depth + 1) for c in range(b.start_col, b.end_col)]
                for r in range(b.start_row, b.end_row)
            ]

        try:
            return evaluate_formula(formula, cell, rng)
        except _RefError:
            return ErrorResult("#REF!")

    def render(
        self, sheet: Sheet, row: int, col: int, value_render: str, datetime_render: str
    ) -> Any:
        """One cell as values.get returns it ("" for empty)."""
        cell = sheet.cells.get((row, col))
        if not cell or "userEnteredValue" not in cell:
            return ""
        uev = cell["userEnteredValue"]
        text = uev.get("stringValue")
        if text is not None:  # text shows as itself in every render option
            return str(text)
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        if value_render == "FORMULA" and "formulaValue" in uev:
            return uev["formulaValue"]
        value = self.effective(sheet, row, col)
        if value_render == "FORMATTED_VALUE":
            return formatted(value, number_format, self.locale)
        if isinstance(value, ErrorResult):
            return str(value)
        if isinstance(value, float):
            if is_datetime_format(number_format) and datetime_render == "FORMATTED_STRING":
                return format_number(value, number_format, self.locale)
            return json_number(value)
        return value

    def read_values(
        self,
        sheet: Sheet,
        b: Bounds,
        major: str = "ROWS",
        value_render: str = "FORMATTED_VALUE",
        datetime_render: str = "SERIAL_NUMBER",
    ) -> list[list[Any]]:
        """Values of a resolved rectangle, trimmed the way Google trims them."""
        assert b.end_row is not None and b.end_col is not None
        area = (b.end_row - b.start_row) * (b.end_col - b.start_col)
        cells = sheet.cells
        value = "userEnteredValue"  # has_value, inlined: reads are the stand-in's hot path
        if area < len(cells):  # a few rows of a large tab: look only at them
            get = cells.get
            occupied = [
                (r, c)
                for r in range(b.start_row, b.end_row)
                for c in range(b.start_col, b.end_col)
                if (cell := get((r, c))) and value in cell
            ]
        elif b.start_row == 0 and b.start_col == 0 and b.end_row >= sheet.row_count \
                and b.end_col >= sheet.col_count:  # the whole tab
            occupied = [key for key, cell in cells.items() if cell and value in cell]
        else:
            occupied = [
                (r, c)
                for (r, c), cell in cells.items()
                if cell and value in cell
                and b.start_row <= r < b.end_row
                and b.start_col <= c < b.end_col
            ]
        if not occupied:
            return []
        if major == "COLUMNS":
            last_col = max(c for _, c in occupied) + 1
            out = []
            for c in range(b.start_col, last_col):
                rows = [r for r, cc in occupied if cc == c]
                end = max(rows) + 1 if rows else b.start_row
                out.append(
                    [
                        self.render(sheet, r, c, value_render, datetime_render)
                        for r in range(b.start_row, end)
                    ]
                )
            return out
        last_row = max(r for r, _ in occupied) + 1
        by_row: dict[int, int] = {}
        for r, c in occupied:
            by_row[r] = max(by_row.get(r, -1), c)
        return [
            [
                self.render(sheet, r, c, value_render, datetime_render)
                for c in range(b.start_col, by_row[r] + 1)
            ]
            if r in by_row
            else []
            for r in range(b.start_row, last_row)
        ]


class _RefError(Exception):
    pass


def formatted(value: Scalar, number_format: JsonDict | None, locale: str | None = None) -> str:
    """FORMATTED_VALUE text of an effective value in the spreadsheet's locale."""
    if value is None:
        return ""
    if isinstance(value, bool):
        rules = rules_for(locale)
        return rules.true if value else rules.false
    if isinstance(value, ErrorResult):
        return str(value)
    if isinstance(value, float | int):
        return format_number(float(value), number_format, locale)
    return str(value)


def check_start_in_grid(sheet: Sheet, b: Bounds) -> None:
    """Google refuses ranges that start (or explicitly end) outside the grid."""
    over = b.start_row >= sheet.row_count or b.start_col >= sheet.col_count
    if over:
        raise grid_limit_error(sheet, b)


def grid_limit_error(sheet: Sheet, b: Bounds) -> ApiError:
    """Google's "Range (...) exceeds grid limits" 400."""
    return ApiError.invalid(
        f"Range ({format_range(sheet.title, b)}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


def column_letter(index: int) -> str:
    """Re-export for messages ("tried writing to column [C]")."""
    return index_to_col(index)
