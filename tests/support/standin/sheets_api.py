"""An in-process stand-in for the Google Sheets API v4 (plus the Drive calls gspread makes).

Why it exists: Google cannot be reached from the test machines, and mocks written by hand
drift from the real service. This stand-in is mounted as a ``requests`` transport adapter,
so gspread (or any ``requests`` code) runs unmodified against it, and it is kept honest by
(1) refusing anything the official discovery document does not define and (2) replaying
recordings of real gspread <-> Google traffic in ``tests/standin``.

Main entry points: ``FakeSheetsServer`` (state, test helpers, fault injection, metering),
``FakeSheetsAdapter`` (the transport), ``make_session`` and ``make_gspread_client``.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import io
import json
import random
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from . import devmeta
from .a1 import Bounds, format_range, index_to_col, parse_cells
from .batch import protected_range_json, run_batch, shift_dimension, sort_rows_in
from .cellvalues import (
    ErrorResult,
    json_number,
    parse_raw,
    parse_user_entered,
)
from .discovery import Discovery, Method, load_discovery
from .drive import (
    DEFAULT_REASONS,
    REASONS,
    V2_IMPORT,
    DriveMethod,
    DriveMixin,
    drive_error,
)
from .errors import ApiError, naming_item
from .fieldmask import FieldMaskError, Mask, apply_mask, parse_mask
from .identity import CALLER, Identity, identity_from, role_rank, token_for
from .limits import (
    CELL_TOO_LONG,
    MAX_CELLS,
    MAX_REQUEST_BYTES,
    grid_cells,
    payload_too_large,
    too_many_cells,
    value_too_long,
)
from .model import (
    DEFAULT_COL_PX,
    DEFAULT_FORMAT,
    DEFAULT_ROW_PX,
    DEFAULT_THEME,
    JsonDict,
    Sheet,
    Spreadsheet,
    check_start_in_grid,
    formatted,
    grid_limit_error,
    grid_range_json,
    has_value,
)
from .protection import check_cells, check_dimension, check_sheet, check_sheet_delete
from .quota import QuotaLimits, QuotaMeter, as_limits, quota_error

SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"
DEFAULT_OWNER = "standin@standin-project.iam.gserviceaccount.com"

#: Sheets methods Google meters against the *read* quota; every other Sheets method is a write.
READ_OPERATIONS = frozenset(
    {
        "spreadsheets.get",
        "spreadsheets.getByDataFilter",
        "spreadsheets.values.get",
        "spreadsheets.values.batchGet",
        "spreadsheets.values.batchGetByDataFilter",
        "spreadsheets.developerMetadata.get",
        "spreadsheets.developerMetadata.search",
    }
)

_ERROR_TYPES = {
    "#DIV/0!": "DIVIDE_BY_ZERO",
    "#VALUE!": "VALUE",
    "#REF!": "REF",
    "#NAME?": "NAME",
    "#N/A": "N_A",
    "#NUM!": "NUM",
    "#ERROR!": "ERROR",
}


class Call(NamedTuple):
    """One request the server received (kept in ``FakeSheetsServer.calls``)."""

    method: str
    path: str
    query: dict[str, list[str]]
    operation: str | None  # e.g. "spreadsheets.values.append", "drive.files.get"
    status: int | None  # None when the client got a timeout before any answer
    caller: str | None = None  # the caller's e-mail (see make_session(as_email=...))
    response_bytes: int = 0  # size of the answer's body, as Google would send it


class Answer(NamedTuple):
    """What the server sends back: status, body, content type and extra headers."""

    status: int
    payload: Any
    content_type: str
    headers: dict[str, str] = {}


Matcher = Callable[[Call], bool] | str | None


@dataclass
class _Fault:
    status: int | None  # None = ReadTimeout
    remaining: int
    match: Matcher
    after_apply: bool
    message: str | None
    reason: str | None = None  # Drive error reason (storageQuotaExceeded, ...)
    retry_after: int | None = None  # seconds in a Retry-After header (a 429's)


def _classify(operation: str | None) -> str:
    if operation is None:
        return "unknown"
    if operation.startswith("drive."):
        return "drive"
    return "read" if operation in READ_OPERATIONS else "write"


def _matches(matcher: Matcher, call: Call) -> bool:
    if matcher is None:
        return True
    if callable(matcher):
        return bool(matcher(call))
    op = call.operation or ""
    wanted = matcher.strip()
    if wanted.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        return call.method == wanted.upper()
    if wanted in ("read", "write", "drive"):
        return _classify(call.operation) == wanted
    return op == wanted or op.endswith("." + wanted) or op == "sheets." + wanted


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    return [[r[i] if i < len(r) else None for r in rows] for i in range(width)]


def _strip_defaults(grid: JsonDict) -> JsonDict:
    return {k: v for k, v in grid.items() if v or k in ("rowCount", "columnCount")}


#: (api, method, path parameters) of a routed request; api is "sheets" or "drive".
Route = tuple[str, Method | DriveMethod | None, dict[str, str]]


class FakeSheetsServer(DriveMixin):
    """In-memory Sheets/Drive service with Google's wire behaviour.

    Thread-safe: each spreadsheet has its own lock, so requests on one spreadsheet are
    serialised (as Google does) while different spreadsheets proceed independently.
    A write is applied to a copy that replaces the stored spreadsheet only on success,
    which makes ``spreadsheets.batchUpdate`` and ``values.batchUpdate`` atomic.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        owner_email: str = DEFAULT_OWNER,
        clock: Callable[[], float] = time.monotonic,
        quota_per_minute: QuotaLimits | tuple[int, int] | None = None,
        require_auth: bool = False,
        discovery: Discovery | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        service_accounts_have_storage: bool = False,
        storage_quota_bytes: int | None = None,
    ) -> None:
        self.discovery = discovery or load_discovery()
        self.max_request_bytes = max_request_bytes
        self.owner_email = owner_email
        self.clock = clock
        self.quota_per_minute: QuotaLimits | tuple[int, int] | None = quota_per_minute
        self.require_auth = require_auth
        self.calls: list[Call] = []
        self.read_calls = 0
        self.write_calls = 0
        self.drive_calls = 0
        self._rng = random.Random(seed)
        self._files: dict[str, Spreadsheet] = {}
        self._forbidden: set[str] = set()
        self._locks: dict[str, threading.RLock] = {}
        self._registry_lock = threading.RLock()
        self._meter_lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._quota = QuotaMeter()
        self._init_drive(
            service_accounts_have_storage=service_accounts_have_storage,
            storage_quota_bytes=storage_quota_bytes,
        )

    # ================================================================ test-facing helpers

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: Iterable[str | JsonDict] | None = None,
        *,
        spreadsheet_id: str | None = None,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
        owner: str | None = None,
    ) -> str:
        """Create a spreadsheet directly (no request is metered) and return its id.

        ``owner`` defaults to the server's ``owner_email``; share it with other callers
        with ``share``.

        ``sheets`` items are titles or dicts with ``title``, optional ``rows``/``rowCount``,
        ``cols``/``columnCount``, ``frozenRowCount``, ``sheetId`` and ``values`` (a list of
        rows written as USER_ENTERED, the way a person would type them).
        """
        specs: list[JsonDict] = [
            {"title": s} if isinstance(s, str) else dict(s) for s in (sheets or ["Sheet1"])
        ]
        if not specs:
            raise ValueError("a spreadsheet needs at least one sheet")
        with self._registry_lock:
            ss_id = spreadsheet_id or self._new_file_id()
            if ss_id in self._files:
                raise ValueError(f"spreadsheet {ss_id} already exists")
            sheet_objs = []
            for i, spec in enumerate(specs):
                grid = {
                    "rowCount": spec.get("rows", spec.get("rowCount", 1000)),
                    "columnCount": spec.get("cols", spec.get("columnCount", 26)),
                }
                if spec.get("frozenRowCount"):
                    grid["frozenRowCount"] = spec["frozenRowCount"]
                sheet_id = spec.get("sheetId", 0 if i == 0 else self._rng.randint(1, 2**31 - 1))
                sheet = Sheet(
                    {
                        "sheetId": sheet_id,
                        "title": spec.get("title", f"Sheet{i + 1}"),
                        "sheetType": "GRID",
                        "gridProperties": grid,
                    }
                )
                for r, row in enumerate(spec.get("values") or []):
                    for c, value in enumerate(row):
                        if value is not None:
                            uev, fmt = parse_user_entered(value, locale)
                            sheet.set_value(r, c, uev, fmt)
                sheet_objs.append(sheet)
            titles = [s.title.lower() for s in sheet_objs]
            if len(set(titles)) != len(titles):
                raise ValueError("sheet titles must be unique")
            self._files[ss_id] = Spreadsheet(
                id=ss_id,
                properties={
                    "title": title,
                    "locale": locale,
                    "autoRecalc": "ON_CHANGE",
                    "timeZone": time_zone,
                    "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                    "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
                },
                sheets=sheet_objs,
                permissions=[self._owner_permission(owner)],
                owner=owner or self.owner_email,
            )
            self._forbidden.discard(ss_id)
        return ss_id

    def spreadsheet_ids(self) -> list[str]:
        """Ids of all live spreadsheets."""
        with self._registry_lock:
            return list(self._files)

    def values(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        *,
        value_render: str = "FORMATTED_VALUE",
    ) -> list[list[Any]]:
        """The whole sheet as values.get returns it (trailing empty rows/cells trimmed)."""
        with self._locked(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            b = Bounds(0, 0, sheet.row_count, sheet.col_count)
            return ss.read_values(sheet, b, "ROWS", value_render, "SERIAL_NUMBER")

    def cell(self, spreadsheet_id: str, sheet_title: str, a1: str) -> str:
        """One cell's FORMATTED_VALUE ("" when empty)."""
        with self._locked(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            b = parse_cells(a1)
            if b is None:
                raise ValueError(f"not a cell: {a1}")
            return str(ss.render(sheet, b.start_row, b.start_col, "FORMATTED_VALUE", ""))

    def set_values(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        values: list[list[Any]],
        start: str = "A1",
        *,
        input_option: str = "USER_ENTERED",
        by: str | None = None,
    ) -> None:
        """Simulate a person typing into cells (not metered, grows the grid if needed).

        ``None`` leaves a cell untouched; ``""`` empties it. With ``by`` (an e-mail) the
        person must be able to edit the file and the cells: protections answer Google's 400
        as an ``ApiError``. Without ``by`` it is the custodian setting up a test.
        """
        anchor = parse_cells(start)
        if anchor is None:
            raise ValueError(f"not a cell: {start}")
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            height = anchor.start_row + len(values)
            width = anchor.start_col + max((len(r) for r in values), default=0)
            before = grid_cells(ss.sheets)
            if by is not None and (height > sheet.row_count or width > sheet.col_count):
                check_sheet(ss, sheet, by, self._owner_of(ss))
            sheet.grid["rowCount"] = max(sheet.row_count, height)
            sheet.grid["columnCount"] = max(sheet.col_count, width)
            _check_growth(ss, before)
            if any(value_too_long(v) for row in values for v in row):
                raise ApiError.invalid(CELL_TOO_LONG)
            targets = [
                (anchor.start_row + i, anchor.start_col + j)
                for i, row in enumerate(values)
                for j, value in enumerate(row)
                if value is not None
            ]
            if by is not None and targets:
                check_cells(ss, sheet, _box(targets), by, self._owner_of(ss))
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    if value is not None:
                        self._store(
                            sheet,
                            anchor.start_row + i,
                            anchor.start_col + j,
                            value,
                            input_option,
                            ss.locale,
                        )

    def load_cells(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        rows: list[list[JsonDict | None]],
        start_row: int = 1,
    ) -> None:
        """Store CellData as given (``userEnteredValue``, ``userEnteredFormat``) from 0-based
        row ``start_row`` down, growing the grid: the custodian loading a large ledger in
        one step for a test or a benchmark (no parsing, not metered; the cell limits are
        still checked)."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            before = grid_cells(ss.sheets)
            width = max((len(r) for r in rows), default=0)
            sheet.grid["rowCount"] = max(sheet.row_count, start_row + len(rows))
            sheet.grid["columnCount"] = max(sheet.col_count, width)
            _check_growth(ss, before)
            cells = sheet.cells
            for r, row in enumerate(rows, start=start_row):
                for c, cell in enumerate(row):
                    if cell:
                        text = (cell.get("userEnteredValue") or {}).get("stringValue")
                        if text is not None and len(text) > 25_000 and value_too_long(text):
                            raise ApiError.invalid(CELL_TOO_LONG)
                        cells[(r, c)] = cell
                    else:
                        cells.pop((r, c), None)

    def clear_values(self, spreadsheet_id: str, sheet_title: str) -> None:
        """Empty every cell value of a sheet, as a person selecting all + Delete would."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            for r, c in list(sheet.cells):
                sheet.set_value(r, c, None)

    def rename_header(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        old: str,
        new: str,
        *,
        header_row: int = 1,
        by: str | None = None,
    ) -> None:
        """Rename a header cell (the first cell in ``header_row`` whose text is ``old``);
        ``by`` as for ``set_values``."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            row = header_row - 1
            for c in range(sheet.col_count):
                if formatted(ss.effective(sheet, row, c), None, ss.locale) == old:
                    if by is not None:
                        check_cells(
                            ss, sheet, Bounds(row, c, row + 1, c + 1), by, self._owner_of(ss)
                        )
                    sheet.set_value(row, c, {"stringValue": new})
                    return
            raise KeyError(f"no header {old!r} in row {header_row} of {sheet_title!r}")

    def add_sheet(self, spreadsheet_id: str, title: str, rows: int = 1000, cols: int = 26) -> int:
        """Add a tab the way a person would; returns the new sheetId."""
        with self._mutating(spreadsheet_id) as ss:
            if ss.sheet_by_title(title) is not None:
                raise ValueError(f"sheet {title!r} already exists")
            taken = {s.id for s in ss.sheets}
            sheet_id = self._rng.randint(1, 2**31 - 1)
            while sheet_id in taken:
                sheet_id = self._rng.randint(1, 2**31 - 1)
            ss.sheets.append(
                Sheet(
                    {
                        "sheetId": sheet_id,
                        "title": title,
                        "sheetType": "GRID",
                        "gridProperties": {"rowCount": rows, "columnCount": cols},
                    }
                )
            )
            return sheet_id

    def delete_sheet(
        self, spreadsheet_id: str, sheet_title: str, *, by: str | None = None
    ) -> None:
        """Delete a tab the way a person would (refuses to delete the last one); ``by`` as
        for ``set_values`` (a tab holding a protection the person cannot edit stays)."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            if by is not None:
                check_sheet_delete(ss, sheet, by, self._owner_of(ss))
            if len(ss.sheets) == 1:
                raise ValueError("cannot delete the only sheet")
            ss.sheets.remove(sheet)

    def rename_sheet(
        self, spreadsheet_id: str, old: str, new: str, *, by: str | None = None
    ) -> None:
        """Rename a tab the way a person would; ``by`` as for ``set_values`` (a protected
        sheet keeps its name)."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, old)
            self._person_may_edit(ss, by)
            if by is not None:
                check_sheet(ss, sheet, by, self._owner_of(ss))
            other = ss.sheet_by_title(new)
            if other is not None and other is not sheet:
                raise ValueError(f"sheet {new!r} already exists")
            sheet.props["title"] = new

    def insert_rows(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        index: int,
        count: int = 1,
        *,
        by: str | None = None,
    ) -> None:
        """Insert empty rows before 1-based row ``index`` (a person's "insert row above");
        ``by`` as for ``set_values``."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            if by is not None:
                check_dimension(
                    ss,
                    sheet,
                    "ROWS",
                    index - 1,
                    index - 1 + count,
                    by,
                    self._owner_of(ss),
                    inserting=True,
                )
            shift_dimension(ss, sheet, "ROWS", index - 1, count)

    def delete_rows(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        index: int,
        count: int = 1,
        *,
        by: str | None = None,
    ) -> None:
        """Delete ``count`` rows starting at 1-based row ``index``; ``by`` as for
        ``set_values``."""
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            if by is not None:
                check_dimension(
                    ss,
                    sheet,
                    "ROWS",
                    index - 1,
                    index - 1 + count,
                    by,
                    self._owner_of(ss),
                    inserting=False,
                )
            shift_dimension(ss, sheet, "ROWS", index - 1, -count)

    def sort_rows(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        column: str,
        *,
        descending: bool = False,
        header_rows: int = 1,
        by: str | None = None,
    ) -> None:
        """Sort the data rows like a person using Data > Sort range with a header row.

        The range is every row below ``header_rows`` down to the last row holding data,
        across every column holding data. ``column`` is a header text (looked up in the
        last header row) or column letters ("C"). ``by`` as for ``set_values``.
        """
        with self._mutating(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            self._person_may_edit(ss, by)
            col = _sort_column(ss, sheet, column, header_rows)
            width = max(
                (c + 1 for (_, c), cell in sheet.cells.items() if has_value(cell)), default=0
            )
            area = Bounds(header_rows, 0, max(sheet.last_data_row(), header_rows), width)
            assert area.end_row is not None
            if area.end_row <= header_rows or width == 0:
                return
            if by is not None:
                check_cells(ss, sheet, area, by, self._owner_of(ss))
            order = "DESCENDING" if descending else "ASCENDING"
            sort_rows_in(ss, sheet, area, [{"dimensionIndex": col, "sortOrder": order}])

    def sheet_properties(self, spreadsheet_id: str, sheet_title: str) -> JsonDict:
        """SheetProperties JSON of a tab (sheetId, index, gridProperties, ...)."""
        with self._locked(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            return sheet.properties_json(ss.sheets.index(sheet))

    def metadata(self, spreadsheet_id: str, *, include_grid_data: bool = False) -> JsonDict:
        """The spreadsheets.get JSON (for assertions on protected ranges, merges, ...)."""
        with self._locked(spreadsheet_id) as ss:
            return self._spreadsheet_json(ss, include_grid_data, None)

    def protected_ranges(self, spreadsheet_id: str, sheet_title: str) -> list[JsonDict]:
        """Protected ranges of a tab as spreadsheets.get reports them."""
        with self._locked(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            owner = self._owner_of(ss)
            return [protected_range_json(owner, sheet, p) for p in sheet.protected_ranges]

    def data_validation(self, spreadsheet_id: str, sheet_title: str, a1: str) -> JsonDict | None:
        """The data-validation rule on one cell, if any."""
        with self._locked(spreadsheet_id) as ss:
            sheet = self._sheet(ss, sheet_title)
            b = parse_cells(a1)
            if b is None:
                raise ValueError(f"not a cell: {a1}")
            cell = sheet.cells.get((b.start_row, b.start_col)) or {}
            return copy.deepcopy(cell.get("dataValidation"))

    def add_unshared_spreadsheet(self, spreadsheet_id: str) -> None:
        """Make ``spreadsheet_id`` a file that exists but is not shared with the caller:
        Sheets calls on it get Google's 403 PERMISSION_DENIED instead of 404."""
        with self._registry_lock:
            self._forbidden.add(spreadsheet_id)

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        """Delete a file as Drive would; later Sheets calls on it get 403 like Google's."""
        with self._registry_lock:
            if self._files.pop(spreadsheet_id, None) is None:
                raise KeyError(spreadsheet_id)
            self._forbidden.add(spreadsheet_id)

    # ------------------------------------------------------------- faults and metering

    def inject(
        self,
        status: int | None = 429,
        times: int = 1,
        match: Matcher = None,
        *,
        message: str | None = None,
        reason: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next ``times`` matching requests with Google's error body.

        ``match`` is a callable taking a ``Call``, an operation name ("values.append",
        "spreadsheets.batchUpdate", "drive.files.create"), an HTTP verb ("GET"), or "read" /
        "write" / "drive". A Sheets 429 carries the read- or write-quota message that fits the
        request. Drive requests get Drive's body; ``reason`` names its error reason
        ("storageQuotaExceeded", "insufficientFilePermissions", ...) and, when given without
        a status (``status=None``), its status too. ``retry_after`` adds a ``Retry-After``
        header (seconds) to a 429, as a front end may send.
        """
        if status is None:
            if reason is None:
                raise ValueError("give a status or a reason")
            status = REASONS[reason][0]
        with self._meter_lock:
            self._faults.append(
                _Fault(status, times, match, False, message, reason, retry_after))

    def inject_timeout(
        self, times: int = 1, after_apply: bool = False, match: Matcher = None
    ) -> None:
        """Raise ``requests.exceptions.ReadTimeout`` for the next ``times`` matching requests.

        With ``after_apply=True`` the request is fully applied first and only the answer is
        lost: the dangerous case where a retry duplicates an append.
        """
        with self._meter_lock:
            self._faults.append(_Fault(None, times, match, after_apply, None))

    def clear_faults(self) -> None:
        """Drop pending injected faults."""
        with self._meter_lock:
            self._faults.clear()

    def reset_metrics(self) -> None:
        """Forget recorded calls and counters (e.g. after test setup)."""
        with self._meter_lock:
            self.calls.clear()
            self.read_calls = self.write_calls = self.drive_calls = 0
        self._quota.reset()

    # ================================================================ transport entry point

    def handle(self, request: requests.PreparedRequest) -> requests.Response:
        """Answer one HTTP request (called by ``FakeSheetsAdapter.send``)."""
        method = (request.method or "GET").upper()
        url = request.url or ""
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        operation, route = self._route(parts.netloc, method, parts.path)
        caller = identity_from(request.headers.get("Authorization"), Identity(self.owner_email))
        call = Call(method, unquote(parts.path), query, operation, None, caller.email)
        token = CALLER.set(caller)
        try:
            return self._handle(request, call, route)
        finally:
            CALLER.reset(token)

    def _handle(
        self, request: requests.PreparedRequest, call: Call, route: Route | None
    ) -> requests.Response:
        method, url = call.method, request.url or ""
        fault = self._take_fault(call)
        if fault is not None and fault.status is None and not fault.after_apply:
            self._record(call)
            raise requests.exceptions.ReadTimeout(
                f"stand-in: injected read timeout for {method} {url}", request=request
            )
        status, payload, content_type, headers = self._process(
            call, route, request, fault if fault is not None and fault.status else None
        )
        response = _build_response(request, status, payload, content_type, headers)
        lost = fault is not None and fault.status is None
        self._record(
            call._replace(
                status=None if lost else status,
                response_bytes=0 if lost else len(response.content),
            )
        )
        if lost:
            raise requests.exceptions.ReadTimeout(
                f"stand-in: injected read timeout (after applying) for {method} {url}",
                request=request,
            )
        return response

    # ================================================================ internals: plumbing

    def _owner_permission(self, owner: str | None = None) -> JsonDict:
        return {
            "kind": "drive#permission",
            "id": "owner",
            "type": "user",
            "role": "owner",
            "emailAddress": owner or self.owner_email,
        }

    def _person_may_edit(self, ss: Spreadsheet, by: str | None) -> None:
        """A named person needs edit access to the file (Google answers 403 otherwise)."""
        if by is not None and role_rank(self._role(ss, by)) < role_rank("writer"):
            raise ApiError(403)

    def _owner_of(self, ss: Spreadsheet) -> str:
        """Whose owner rights protections honour (the server's owner for shared drives)."""
        return ss.owner or self.owner_email

    def _caller(self) -> Identity:
        """Who sent the request being handled (the owner outside a request)."""
        return CALLER.get() or Identity(self.owner_email)

    def _check_access(self, ss_id: str, *, write: bool) -> None:
        """Google's 403 for a file the caller cannot see, or may not edit when writing."""
        ss = self._files.get(ss_id)
        if ss is None:
            return  # the handler answers 404 / 403 for missing and deleted files
        needed = role_rank("writer" if write else "reader")
        if role_rank(self._role(ss, self._caller().email)) < needed:
            raise ApiError(403)

    def _guard(self, ss: Spreadsheet, sheet: Sheet, area: Bounds) -> None:
        """Refuse a values write over cells protected against the caller."""
        check_cells(ss, sheet, area, self._caller().email, self._owner_of(ss))

    def _new_file_id(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        while True:
            ss_id = "1" + "".join(self._rng.choice(alphabet) for _ in range(43))
            if ss_id not in self._files:
                return ss_id

    def _lock_for(self, ss_id: str) -> threading.RLock:
        with self._registry_lock:
            return self._locks.setdefault(ss_id, threading.RLock())

    def _get(self, ss_id: str) -> Spreadsheet:
        ss = self._files.get(ss_id)
        if ss is None:
            if ss_id in self._forbidden:
                raise ApiError(403)
            raise ApiError(404)
        return ss

    class _Locked:
        def __init__(self, server: FakeSheetsServer, ss_id: str, mutate: bool) -> None:
            self.server, self.ss_id, self.mutate = server, ss_id, mutate
            self.lock = server._lock_for(ss_id)
            self.work: Spreadsheet | None = None

        def __enter__(self) -> Spreadsheet:
            self.lock.acquire()
            try:
                ss = self.server._get(self.ss_id)
            except ApiError:
                self.lock.release()
                raise
            self.work = ss.clone() if self.mutate else ss
            return self.work

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            try:
                if self.mutate and exc_type is None and self.work is not None:
                    # Strictly later than the last write, so modifiedTime always changes.
                    self.work.modified = max(
                        _now(), self.work.modified + dt.timedelta(milliseconds=1)
                    )
                    self.work.version += 1
                    with self.server._registry_lock:
                        if self.ss_id in self.server._files:
                            self.server._files[self.ss_id] = self.work
            finally:
                self.lock.release()

    def _locked(self, ss_id: str) -> FakeSheetsServer._Locked:
        return FakeSheetsServer._Locked(self, ss_id, False)

    def _mutating(self, ss_id: str) -> FakeSheetsServer._Locked:
        return FakeSheetsServer._Locked(self, ss_id, True)

    @staticmethod
    def _sheet(ss: Spreadsheet, title: str) -> Sheet:
        sheet = ss.sheet_by_title(title)
        if sheet is None:
            raise KeyError(f"no sheet {title!r}")
        return sheet

    def _record(self, call: Call) -> None:
        with self._meter_lock:
            self.calls.append(call)

    def _take_fault(self, call: Call) -> _Fault | None:
        with self._meter_lock:
            for fault in self._faults:
                if fault.remaining > 0 and _matches(fault.match, call):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _meter(self, call: Call) -> None:
        kind = _classify(call.operation)
        with self._meter_lock:
            if kind == "read":
                self.read_calls += 1
            elif kind == "write":
                self.write_calls += 1
            elif kind == "drive":
                self.drive_calls += 1

    def _check_quota(self, kind: str) -> None:
        limits = as_limits(self.quota_per_minute)
        if limits is None or kind not in ("read", "write"):
            return
        self._quota.take(limits, kind, self._caller(), self.clock())

    def _route(self, host: str, method: str, raw_path: str) -> tuple[str | None, Route | None]:
        if host == SHEETS_HOST:
            found = self.discovery.route(method, raw_path)
            if found is None:
                return None, None
            m, params = found
            return m.name, ("sheets", m, params)
        if host == DRIVE_HOST:
            legacy = V2_IMPORT.match(raw_path)
            if method == "PUT" and legacy:
                return "drive.files.import", ("drive", None, {"fileId": unquote(legacy["fileId"])})
            drive = self.drive_discovery.route(method, raw_path)
            if drive is None:
                return None, None
            dm, params = drive
            return dm.name, ("drive", dm, params)
        return None, None

    def _process(
        self,
        call: Call,
        route: Route | None,
        request: requests.PreparedRequest,
        fault: _Fault | None,
    ) -> Answer:
        try:
            if route is None:
                raise ApiError(
                    404,
                    f"The requested URL {call.path} ({call.method}) was not found on this "
                    "server (it is not defined in the Sheets v4 or Drive v3 discovery document).",
                )
            api, method, path_params = route
            self._meter(call)
            if self.require_auth and not request.headers.get("Authorization"):
                raise ApiError(401)
            if api == "sheets" and _body_size(request) > self.max_request_bytes:
                raise ApiError.invalid(payload_too_large(self.max_request_bytes))
            if fault is not None:
                assert fault.status is not None
                if api == "drive":
                    raise drive_error(
                        fault.reason or DEFAULT_REASONS.get(fault.status, "backendError"),
                        fault.message,
                        code=fault.status,
                    )
                if fault.status == 429:
                    kind = "write" if _classify(call.operation) == "write" else "read"
                    err = quota_error(kind, "user", self._caller().project)
                    if fault.message:
                        err.message = fault.message
                    if fault.retry_after is not None:
                        err.headers = {"Retry-After": str(fault.retry_after)}
                    raise err
                raise ApiError(fault.status, fault.message)
            self._check_quota(_classify(call.operation))
            if api == "drive":
                return Answer(*self._drive(call, method, path_params, request))
            assert isinstance(method, Method)
            return Answer(*self._sheets(call, method, path_params, request))
        except ApiError as err:
            return Answer(err.code, err.body(), "application/json; charset=UTF-8", err.headers)

    # ================================================================ Sheets API

    def _sheets(
        self,
        call: Call,
        method: Method,
        path_params: dict[str, str],
        request: requests.PreparedRequest,
    ) -> tuple[int, Any, str]:
        params = self.discovery.validate_query(method, call.query)
        body: Any = None
        raw = request.body
        if method.request_schema is not None:
            payload = _decode_json(raw)
            root = (
                "data"
                if method.name in ("spreadsheets.values.update", "spreadsheets.values.append")
                else ""
            )
            body = self.discovery.validate_body(method.request_schema, payload, root)
        elif raw not in (None, b"", ""):
            raise ApiError.invalid("Invalid JSON payload received. Unexpected request body.")
        mask: Mask | None = None
        if "fields" in params:
            try:
                mask = parse_mask(params["fields"])
            except FieldMaskError:
                raise ApiError.invalid(f"Invalid field selection {params['fields']}") from None
        if "spreadsheetId" in path_params:
            self._check_access(
                path_params["spreadsheetId"], write=method.name not in READ_OPERATIONS
            )
        handler = getattr(self, "_op_" + method.name.replace(".", "_"), None)
        if handler is None:
            raise ApiError(
                501,
                f"The stand-in does not implement {method.name}; add it to "
                "standin/sheets_api.py if the adapter needs it.",
            )
        result = handler(path_params, params, body, mask)
        if mask is not None:
            result = apply_mask(result, mask)
            if method.name == "spreadsheets.get":
                _trim_grid_data(result)
        return 200, result, "application/json; charset=UTF-8"

    # ---------------------------------------------------------------- spreadsheets.*

    def _op_spreadsheets_get(
        self, path: dict[str, str], params: JsonDict, body: None, mask: Mask | None
    ) -> JsonDict:
        include = bool(params.get("includeGridData"))
        if mask is not None and isinstance(mask.get("sheets"), dict):
            # Naming sheets.data in ?fields= asks for grid data, as with Google.
            include = include or "data" in mask["sheets"]  # type: ignore[operator]
        with self._locked(path["spreadsheetId"]) as ss:
            ranges = params.get("ranges") or None
            return self._spreadsheet_json(ss, include, ranges)

    def _op_spreadsheets_create(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        props = body.get("properties") or {}
        sheets = []
        for i, sheet in enumerate(body.get("sheets") or [{}]):
            p = sheet.get("properties") or {}
            grid = p.get("gridProperties") or {}
            sheets.append(
                {
                    "title": p.get("title", f"Sheet{i + 1}"),
                    "rowCount": grid.get("rowCount", 1000),
                    "columnCount": grid.get("columnCount", 26),
                    "frozenRowCount": grid.get("frozenRowCount", 0),
                    "sheetId": p.get("sheetId", 0 if i == 0 else self._rng.randint(1, 2**31 - 1)),
                }
            )
        if sum(int(s["rowCount"]) * int(s["columnCount"]) for s in sheets) > MAX_CELLS:
            raise ApiError.invalid(too_many_cells())
        ss_id = self.create_spreadsheet(
            props.get("title", "Untitled spreadsheet"),
            sheets,
            locale=props.get("locale", "en_US"),
            time_zone=props.get("timeZone", "Etc/GMT"),
            owner=self._caller().email,
        )
        with self._locked(ss_id) as ss:
            return self._spreadsheet_json(ss, False, None)

    def _op_spreadsheets_batchUpdate(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        requests_ = body.get("requests") or []
        if not requests_:
            raise ApiError.invalid("Must specify at least one request.")
        with self._mutating(path["spreadsheetId"]) as work:
            caller = self._caller()
            replies = run_batch(
                work,
                requests_,
                self._rng,
                caller.email,
                caller.project,
                self._owner_of(work),
            )
            out: JsonDict = {"spreadsheetId": work.id, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                out["updatedSpreadsheet"] = self._spreadsheet_json(
                    work,
                    bool(body.get("responseIncludeGridData")),
                    body.get("responseRanges") or None,
                )
            return out

    def _op_spreadsheets_sheets_copyTo(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        dest_id = body.get("destinationSpreadsheetId")
        if not dest_id:
            raise ApiError.invalid("Invalid destinationSpreadsheetId.")
        with self._locked(path["spreadsheetId"]) as src:
            sheet = src.sheet_by_id(int(path["sheetId"]))
            if sheet is None:
                raise ApiError(404)
            clone = copy.deepcopy(sheet)
        self._check_access(dest_id, write=True)
        with self._mutating(dest_id) as dest:
            taken = {s.id for s in dest.sheets}
            new_id = self._rng.randint(1, 2**31 - 1)
            while new_id in taken:
                new_id = self._rng.randint(1, 2**31 - 1)
            title = f"Copy of {clone.title}"
            n = 2
            while dest.sheet_by_title(title) is not None:
                title = f"Copy {n} of {clone.title}"
                n += 1
            clone.props.update({"sheetId": new_id, "title": title})
            clone.protected_ranges = []
            before = grid_cells(dest.sheets)
            dest.sheets.append(clone)
            _check_growth(dest, before)
            return clone.properties_json(len(dest.sheets) - 1)

    # ---------------------------------------------------------------- spreadsheets.values.*

    def _op_spreadsheets_values_get(
        self, path: dict[str, str], params: JsonDict, body: None, mask: Mask | None
    ) -> JsonDict:
        with self._locked(path["spreadsheetId"]) as ss:
            return self._value_range(ss, path["range"], params)

    def _op_spreadsheets_values_batchGet(
        self, path: dict[str, str], params: JsonDict, body: None, mask: Mask | None
    ) -> JsonDict:
        with self._locked(path["spreadsheetId"]) as ss:
            out: JsonDict = {"spreadsheetId": ss.id}
            ranges = params.get("ranges") or []
            if ranges:
                out["valueRanges"] = [self._value_range(ss, r, params) for r in ranges]
            return out

    def _op_spreadsheets_values_update(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        input_option = _input_option(params.get("valueInputOption"))
        with self._mutating(path["spreadsheetId"]) as work:
            _check_body_range(path["range"], body)
            return self._update(work, path["range"], body, input_option, params)

    def _op_spreadsheets_values_batchUpdate(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        input_option = _input_option(body.get("valueInputOption"))
        response_params = {
            "includeValuesInResponse": body.get("includeValuesInResponse"),
            "responseValueRenderOption": body.get("responseValueRenderOption"),
            "responseDateTimeRenderOption": body.get("responseDateTimeRenderOption"),
        }
        with self._mutating(path["spreadsheetId"]) as work:
            out: JsonDict = {"spreadsheetId": work.id}
            data = body.get("data") or []
            if not data:
                return out
            responses = []
            rows: set[tuple[int, int]] = set()
            cols: set[tuple[int, int]] = set()
            sheets: set[int] = set()
            cells = 0
            for i, item in enumerate(data):
                if not item.get("range"):
                    raise ApiError.invalid(f"Invalid data[{i}]: range is required.")
                with naming_item(f"data[{i}]"):
                    resp, written = self._update_tracked(
                        work, item["range"], item, input_option, response_params
                    )
                responses.append(resp)
                for sheet_id, r, c in written:
                    rows.add((sheet_id, r))
                    cols.add((sheet_id, c))
                    sheets.add(sheet_id)
                cells += len(written)
            if cells:
                out.update(
                    {
                        "totalUpdatedRows": len(rows),
                        "totalUpdatedColumns": len(cols),
                        "totalUpdatedCells": cells,
                        "totalUpdatedSheets": len(sheets),
                    }
                )
            out["responses"] = responses
            return out

    def _op_spreadsheets_values_append(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        input_option = _input_option(params.get("valueInputOption"))
        insert = params.get("insertDataOption", "OVERWRITE") == "INSERT_ROWS"
        with self._mutating(path["spreadsheetId"]) as work:
            _check_body_range(path["range"], body)
            sheet, b = work.resolve(path["range"])
            check_start_in_grid(sheet, b)
            clamped = b.clamp(sheet.row_count, sheet.col_count)
            table = find_table(sheet, clamped)
            if table is not None:
                assert table.end_row is not None
                row0, col0 = table.end_row, table.start_col
            else:
                row0, col0 = clamped.start_row, clamped.start_col
            rows = _rows_of(body)
            height = len(rows)
            width = max((len(r) for r in rows), default=0)
            before = grid_cells(work.sheets)
            caller, owner = self._caller().email, self._owner_of(work)
            if insert and height and row0 < sheet.row_count:
                check_dimension(
                    work, sheet, "ROWS", row0, row0 + height, caller, owner, inserting=True
                )
                shift_dimension(work, sheet, "ROWS", row0, height)
            if row0 + height > sheet.row_count or col0 + width > sheet.col_count:
                check_sheet(work, sheet, caller, owner)
            sheet.grid["rowCount"] = max(sheet.row_count, row0 + height)
            sheet.grid["columnCount"] = max(sheet.col_count, col0 + width)
            _check_growth(work, before)
            target = Bounds(row0, col0, row0 + 1, col0 + 1)
            update, _ = self._write(
                work, sheet, target, rows, input_option, path["range"], params, anchor_only=True
            )
            out: JsonDict = {"spreadsheetId": work.id}
            if table is not None:
                out["tableRange"] = format_range(sheet.title, table)
            out["updates"] = update
            return out

    def _op_spreadsheets_values_clear(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        with self._mutating(path["spreadsheetId"]) as work:
            return {"spreadsheetId": work.id, "clearedRange": self._clear(work, path["range"])}

    def _op_spreadsheets_values_batchClear(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        with self._mutating(path["spreadsheetId"]) as work:
            out: JsonDict = {"spreadsheetId": work.id}
            ranges = body.get("ranges") or []
            if ranges:
                out["clearedRanges"] = [self._clear(work, r) for r in ranges]
            return out

    # ---------------------------------------------------------------- developer metadata

    def _op_spreadsheets_developerMetadata_get(
        self, path: dict[str, str], params: JsonDict, body: None, mask: Mask | None
    ) -> JsonDict:
        wanted = int(path["metadataId"]) if path["metadataId"].isdigit() else -1
        with self._locked(path["spreadsheetId"]) as ss:
            for meta in ss.developer_metadata:
                if meta["metadataId"] == wanted and devmeta.visible(meta, self._caller().project):
                    return devmeta.public(meta)
        raise ApiError(404)

    def _op_spreadsheets_developerMetadata_search(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        project = self._caller().project
        with self._locked(path["spreadsheetId"]) as ss:
            matched: dict[int, JsonDict] = {}
            for i, data_filter in enumerate(body.get("dataFilters") or []):
                with naming_item(f"dataFilters[{i}]"):
                    found = devmeta.search(ss, data_filter, project)
                for meta in found:
                    entry = matched.setdefault(
                        meta["metadataId"],
                        {"developerMetadata": devmeta.public(meta), "dataFilters": []},
                    )
                    entry["dataFilters"].append(data_filter)
            return {"matchedDeveloperMetadata": list(matched.values())} if matched else {}

    def _op_spreadsheets_values_batchGetByDataFilter(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        project = self._caller().project
        with self._locked(path["spreadsheetId"]) as ss:
            found: dict[tuple[int, Bounds], JsonDict] = {}
            for i, data_filter in enumerate(body.get("dataFilters") or []):
                with naming_item(f"dataFilters[{i}]"):
                    areas = devmeta.filter_areas(ss, data_filter, project)
                for sheet, b in areas:
                    entry = found.setdefault(
                        (sheet.id, b),
                        {
                            "valueRange": self._value_range_of(ss, sheet, b, body),
                            "dataFilters": [],
                        },
                    )
                    entry["dataFilters"].append(data_filter)
            out: JsonDict = {"spreadsheetId": ss.id}
            if found:
                out["valueRanges"] = list(found.values())
            return out

    def _op_spreadsheets_values_batchUpdateByDataFilter(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        input_option = _input_option(body.get("valueInputOption"))
        project = self._caller().project
        response_params = {
            "includeValuesInResponse": body.get("includeValuesInResponse"),
            "responseValueRenderOption": body.get("responseValueRenderOption"),
            "responseDateTimeRenderOption": body.get("responseDateTimeRenderOption"),
        }
        with self._mutating(path["spreadsheetId"]) as work:
            out: JsonDict = {"spreadsheetId": work.id}
            responses = []
            written: list[tuple[int, int, int]] = []
            for i, item in enumerate(body.get("data") or []):
                data_filter = item.get("dataFilter") or {}
                with naming_item(f"data[{i}]"):
                    for sheet, b in devmeta.filter_areas(work, data_filter, project):
                        text = format_range(sheet.title, b)
                        resp, cells = self._write(
                            work,
                            sheet,
                            b,
                            _rows_of(item),
                            input_option,
                            text,
                            response_params,
                            anchor_only=False,
                        )
                        resp.pop("spreadsheetId", None)
                        responses.append({**resp, "dataFilter": data_filter})
                        written.extend(cells)
            if written:
                out.update(
                    {
                        "totalUpdatedRows": len({(s, r) for s, r, _ in written}),
                        "totalUpdatedColumns": len({(s, c) for s, _, c in written}),
                        "totalUpdatedCells": len(written),
                        "totalUpdatedSheets": len({s for s, _, _ in written}),
                    }
                )
            if responses:
                out["responses"] = responses
            return out

    def _op_spreadsheets_values_batchClearByDataFilter(
        self, path: dict[str, str], params: JsonDict, body: JsonDict, mask: Mask | None
    ) -> JsonDict:
        project = self._caller().project
        with self._mutating(path["spreadsheetId"]) as work:
            cleared = []
            for i, data_filter in enumerate(body.get("dataFilters") or []):
                with naming_item(f"dataFilters[{i}]"):
                    for sheet, b in devmeta.filter_areas(work, data_filter, project):
                        cleared.append(self._clear_area(work, sheet, b))
            out: JsonDict = {"spreadsheetId": work.id}
            if cleared:
                out["clearedRanges"] = cleared
            return out

    # ---------------------------------------------------------------- values helpers

    def _value_range(self, ss: Spreadsheet, text: str, params: JsonDict) -> JsonDict:
        sheet, b = ss.resolve_read(text)
        return self._value_range_of(ss, sheet, b, params)

    @staticmethod
    def _value_range_of(ss: Spreadsheet, sheet: Sheet, b: Bounds, params: JsonDict) -> JsonDict:
        major = params.get("majorDimension") or "ROWS"
        if major == "DIMENSION_UNSPECIFIED":
            major = "ROWS"
        values = ss.read_values(
            sheet,
            b,
            major,
            params.get("valueRenderOption") or "FORMATTED_VALUE",
            params.get("dateTimeRenderOption") or "SERIAL_NUMBER",
        )
        out: JsonDict = {"range": format_range(sheet.title, b), "majorDimension": major}
        if values:
            out["values"] = values
        return out

    def _clear(self, ss: Spreadsheet, text: str) -> str:
        sheet, b = ss.resolve_read(text)
        return self._clear_area(ss, sheet, b)

    def _clear_area(self, ss: Spreadsheet, sheet: Sheet, b: Bounds) -> str:
        assert b.end_row is not None and b.end_col is not None
        self._guard(ss, sheet, b)
        for r, c in list(sheet.cells):
            if b.start_row <= r < b.end_row and b.start_col <= c < b.end_col:
                sheet.set_value(r, c, None)
        return format_range(sheet.title, b)

    def _update(
        self, ss: Spreadsheet, text: str, body: JsonDict, input_option: str, params: JsonDict
    ) -> JsonDict:
        resp, _ = self._update_tracked(ss, text, body, input_option, params)
        return resp

    def _update_tracked(
        self, ss: Spreadsheet, text: str, body: JsonDict, input_option: str, params: JsonDict
    ) -> tuple[JsonDict, list[tuple[int, int, int]]]:
        sheet, b = ss.resolve(text)
        resolved = b.resolve(sheet.row_count, sheet.col_count)
        assert resolved.end_row is not None and resolved.end_col is not None
        if (
            b.start_row >= sheet.row_count
            or b.start_col >= sheet.col_count
            or resolved.end_row > sheet.row_count
            or resolved.end_col > sheet.col_count
        ):
            raise grid_limit_error(sheet, b)
        rows = _rows_of(body)
        return self._write(
            ss, sheet, b, rows, input_option, text, params, anchor_only=b.is_single_cell
        )

    def _write(
        self,
        ss: Spreadsheet,
        sheet: Sheet,
        b: Bounds,
        rows: list[list[Any]],
        input_option: str,
        requested: str,
        params: JsonDict,
        *,
        anchor_only: bool,
    ) -> tuple[JsonDict, list[tuple[int, int, int]]]:
        """Write a block of values; returns (UpdateValuesResponse, written cells)."""
        row0, col0 = b.start_row, b.start_col
        if anchor_only:
            limit_row, limit_col = sheet.row_count, sheet.col_count
        else:
            r = b.resolve(sheet.row_count, sheet.col_count)
            assert r.end_row is not None and r.end_col is not None
            limit_row, limit_col = r.end_row, r.end_col
        height = len(rows)
        width = max((len(row) for row in rows), default=0)
        if row0 + height > limit_row:
            raise ApiError.invalid(
                f"Requested writing within range [{requested}], but tried writing to row "
                f"[{limit_row + 1}]"
            )
        if col0 + width > limit_col:
            raise ApiError.invalid(
                f"Requested writing within range [{requested}], but tried writing to column "
                f"[{index_to_col(limit_col)}]"
            )
        written: list[tuple[int, int, int]] = []
        for row in rows:
            if any(value_too_long(value) for value in row):
                raise ApiError.invalid(CELL_TOO_LONG)
        targets = [
            (row0 + i, col0 + j)
            for i, row in enumerate(rows)
            for j, value in enumerate(row)
            if value is not None
        ]
        if targets:
            self._guard(ss, sheet, _box(targets))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, list | dict):
                    raise ApiError.invalid(f"Invalid values[{i}][{j}]: {_pb_text(value)}")
                self._store(sheet, row0 + i, col0 + j, value, input_option, ss.locale)
                written.append((sheet.id, row0 + i, col0 + j))
        out: JsonDict = {"spreadsheetId": ss.id}
        if written:
            rs = [r for _, r, _ in written]
            cs = [c for _, _, c in written]
            box = Bounds(min(rs), min(cs), max(rs) + 1, max(cs) + 1)
            out["updatedRange"] = format_range(sheet.title, box)
            out["updatedRows"] = len(set(rs))
            out["updatedColumns"] = len(set(cs))
            out["updatedCells"] = len(written)
        else:
            box = Bounds(row0, col0, row0 + 1, col0 + 1)
            out["updatedRange"] = format_range(sheet.title, box)
        if params.get("includeValuesInResponse"):
            out["updatedData"] = self._value_range(
                ss,
                format_range(sheet.title, box),
                {
                    "valueRenderOption": params.get("responseValueRenderOption"),
                    "dateTimeRenderOption": params.get("responseDateTimeRenderOption"),
                },
            )
        return out, written

    @staticmethod
    def _store(
        sheet: Sheet, row: int, col: int, value: Any, input_option: str, locale: str
    ) -> None:
        if input_option == "RAW":
            sheet.set_value(row, col, parse_raw(value))
        else:
            uev, fmt = parse_user_entered(value, locale)
            sheet.set_value(row, col, uev, fmt)

    # ---------------------------------------------------------------- spreadsheet JSON

    def _spreadsheet_json(
        self, ss: Spreadsheet, include_grid: bool, ranges: list[str] | None
    ) -> JsonDict:
        wanted: dict[int, list[Bounds]] | None = None
        if ranges:
            wanted = {}
            for text in ranges:
                sheet, b = ss.resolve_read(text)
                wanted.setdefault(sheet.id, []).append(b)
        sheets_out = []
        for index, sheet in enumerate(ss.sheets):
            if wanted is not None and sheet.id not in wanted:
                continue
            entry: JsonDict = {"properties": sheet.properties_json(index)}
            if include_grid:
                areas = (wanted or {}).get(sheet.id) or [
                    Bounds(0, 0, sheet.row_count, sheet.col_count)
                ]
                entry["data"] = [self._grid_data(ss, sheet, b) for b in areas]
            if sheet.merges:
                entry["merges"] = [grid_range_json(sheet.id, m) for m in sheet.merges]
            if sheet.protected_ranges:
                entry["protectedRanges"] = [
                    protected_range_json(self._owner_of(ss), sheet, p, self._caller().email)
                    for p in sheet.protected_ranges
                ]
            if sheet.basic_filter is not None:
                flt = copy.deepcopy(sheet.basic_filter)
                flt["range"] = grid_range_json(sheet.id, flt["range"])
                entry["basicFilter"] = flt
            if sheet.row_groups:
                entry["rowGroups"] = copy.deepcopy(sheet.row_groups)
            if sheet.column_groups:
                entry["columnGroups"] = copy.deepcopy(sheet.column_groups)
            on_sheet = self._metadata_at(ss, "SHEET", sheet.id)
            if on_sheet:
                entry["developerMetadata"] = on_sheet
            sheets_out.append(entry)
        out: JsonDict = {
            "spreadsheetId": ss.id,
            "properties": copy.deepcopy(ss.properties),
            "sheets": sheets_out,
        }
        if ss.named_ranges:
            out["namedRanges"] = copy.deepcopy(ss.named_ranges)
        on_file = self._metadata_at(ss, "SPREADSHEET", None)
        if on_file:
            out["developerMetadata"] = on_file
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{ss.id}/edit"
        return out

    def _grid_data(self, ss: Spreadsheet, sheet: Sheet, b: Bounds) -> JsonDict:
        assert b.end_row is not None and b.end_col is not None
        inside = [
            (r, c)
            for (r, c) in sheet.cells
            if b.start_row <= r < b.end_row and b.start_col <= c < b.end_col
        ]
        out: JsonDict = {}
        if b.start_row:
            out["startRow"] = b.start_row
        if b.start_col:
            out["startColumn"] = b.start_col
        if inside:
            last_row = max(r for r, _ in inside)
            row_data = []
            for r in range(b.start_row, last_row + 1):
                cols = [c for rr, c in inside if rr == r]
                if not cols:
                    row_data.append({})
                    continue
                values = [
                    self._cell_json(ss, sheet, r, c) for c in range(b.start_col, max(cols) + 1)
                ]
                row_data.append({"values": values})
            out["rowData"] = row_data
        out["rowMetadata"] = [
            {"pixelSize": DEFAULT_ROW_PX, **sheet.row_meta.get(r, {})}
            for r in range(b.start_row, b.end_row)
        ]
        out["columnMetadata"] = [
            {"pixelSize": DEFAULT_COL_PX, **sheet.col_meta.get(c, {})}
            for c in range(b.start_col, b.end_col)
        ]
        for meta in (*out["rowMetadata"], *out["columnMetadata"]):
            if not meta.get("hiddenByUser", True):
                meta.pop("hiddenByUser")
        for kind, key, first in (
            ("ROW", "rowMetadata", b.start_row),
            ("COLUMN", "columnMetadata", b.start_col),
        ):
            for meta in self._metadata_at(ss, kind, sheet.id, raw=True):
                index = devmeta.index_of(meta)
                assert index is not None
                if 0 <= index - first < len(out[key]):
                    props = out[key][index - first]
                    props.setdefault("developerMetadata", []).append(devmeta.public(meta))
        return out

    def _metadata_at(
        self, ss: Spreadsheet, kind: str, sheet_id: int | None, *, raw: bool = False
    ) -> list[JsonDict]:
        """Developer metadata of one location type (on one sheet) the caller may see."""
        project = self._caller().project
        found = [
            m
            for m in ss.developer_metadata
            if devmeta.location_type(m) == kind
            and devmeta.sheet_of(m) == sheet_id
            and devmeta.visible(m, project)
        ]
        return found if raw else [devmeta.public(m) for m in found]

    def _cell_json(self, ss: Spreadsheet, sheet: Sheet, r: int, c: int) -> JsonDict:
        cell = sheet.cells.get((r, c))
        if not cell:
            return {}
        out: JsonDict = {}
        fmt = cell.get("userEnteredFormat")
        if has_value(cell):
            uev = dict(cell["userEnteredValue"])
            if "numberValue" in uev:
                uev["numberValue"] = json_number(uev["numberValue"])
            out["userEnteredValue"] = uev
            value = ss.effective(sheet, r, c)
            if isinstance(value, ErrorResult):
                out["effectiveValue"] = {
                    "errorValue": {"type": _ERROR_TYPES.get(value, "ERROR"), "message": str(value)}
                }
            elif isinstance(value, bool):
                out["effectiveValue"] = {"boolValue": value}
            elif isinstance(value, float):
                out["effectiveValue"] = {"numberValue": json_number(value)}
            elif value is not None:
                out["effectiveValue"] = {"stringValue": value}
            out["formattedValue"] = formatted(value, (fmt or {}).get("numberFormat"), ss.locale)
        if fmt:
            out["userEnteredFormat"] = copy.deepcopy(fmt)
        if has_value(cell) or fmt:
            out["effectiveFormat"] = _merge(copy.deepcopy(DEFAULT_FORMAT), fmt or {})
        for key in ("note", "dataValidation", "hyperlink", "textFormatRuns"):
            if cell.get(key):
                out[key] = copy.deepcopy(cell[key])
        return out


# ============================================================================ helpers


def find_table(sheet: Sheet, b: Bounds) -> Bounds | None:
    """Google's append "table detection".

    Start from the last cell holding data inside the range (row-major) and grow a rectangle
    while any data cell touches it (diagonals included), like a spreadsheet's "current
    region". Recorded Google behaviour this reproduces: with data in A1 and C1 (B1 empty) an
    append to "Sheet1" lands in C2, while an append to "Sheet1!A1" lands in A2.
    """
    assert b.end_row is not None and b.end_col is not None
    by_row: dict[int, list[int]] = {}
    by_col: dict[int, list[int]] = {}
    start: tuple[int, int] | None = None
    for (r, c), cell in sheet.cells.items():
        if "userEnteredValue" not in cell:
            continue
        by_row.setdefault(r, []).append(c)
        by_col.setdefault(c, []).append(r)
        if (
            b.start_row <= r < b.end_row
            and b.start_col <= c < b.end_col
            and (start is None or (r, c) > start)
        ):
            start = (r, c)
    if start is None:
        return None
    for lst in (*by_row.values(), *by_col.values()):
        lst.sort()

    def any_in(index: dict[int, list[int]], line: int, lo: int, hi: int) -> bool:
        items = index.get(line)
        if not items:
            return False
        i = bisect.bisect_left(items, lo)
        return i < len(items) and items[i] <= hi

    top = bottom = start[0]
    left = right = start[1]
    grown = True
    while grown:
        grown = False
        if top > 0 and any_in(by_row, top - 1, left - 1, right + 1):
            top -= 1
            grown = True
        if any_in(by_row, bottom + 1, left - 1, right + 1):
            bottom += 1
            grown = True
        if left > 0 and any_in(by_col, left - 1, top - 1, bottom + 1):
            left -= 1
            grown = True
        if any_in(by_col, right + 1, top - 1, bottom + 1):
            right += 1
            grown = True
    return Bounds(top, left, bottom + 1, right + 1)


def _pb_text(value: Any, indent: int = 0) -> str:
    """A JSON value in protobuf text format, as Google quotes a nested cell value back."""
    pad = "  " * indent
    if isinstance(value, list):
        inner = "".join(f"{pad}  values {{\n{_pb_text(v, indent + 2)}{pad}  }}\n" for v in value)
        return (
            f"list_value {{\n{inner}{pad}}}"
            if indent == 0
            else (f"{pad}list_value {{\n{inner}{pad}}}\n")
        )
    if isinstance(value, dict):
        inner = "".join(
            f'{pad}  fields {{\n{pad}    key: "{k}"\n{pad}    value {{\n'
            f"{_pb_text(v, indent + 3)}{pad}    }}\n{pad}  }}\n"
            for k, v in value.items()
        )
        return (
            f"struct_value {{\n{inner}{pad}}}"
            if indent == 0
            else (f"{pad}struct_value {{\n{inner}{pad}}}\n")
        )
    if isinstance(value, bool):
        return f"{pad}bool_value: {'true' if value else 'false'}\n"
    if isinstance(value, int | float):
        return f"{pad}number_value: {json_number(float(value))}\n"
    if value is None:
        return f"{pad}null_value: NULL_VALUE\n"
    return f"{pad}string_value: {json.dumps(value, ensure_ascii=False)}\n"


def _merge(base: JsonDict, over: JsonDict) -> JsonDict:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _trim_grid_data(result: JsonDict) -> None:
    """After a field mask, Google drops trailing empty cells and rows from rowData."""
    for sheet in result.get("sheets") or []:
        for data in sheet.get("data") or []:
            rows = data.get("rowData")
            if rows is None:
                continue
            for row in rows:
                values = row.get("values")
                if values is not None:
                    while values and not values[-1]:
                        values.pop()
                    if not values:
                        row.pop("values")
            while rows and not rows[-1]:
                rows.pop()
            if not rows:
                data.pop("rowData")


def _decode_json(raw: bytes | str | None) -> Any:
    if raw in (None, b"", ""):
        return {}
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError.invalid(
            f"Invalid JSON payload received. Unexpected token.\n{text[:40]}\n^"
        ) from None


def _input_option(value: str | None) -> str:
    if value not in ("RAW", "USER_ENTERED"):
        raise ApiError.invalid(
            f"Invalid valueInputOption: {value or 'INPUT_VALUE_OPTION_UNSPECIFIED'}"
        )
    return value


def _sort_column(ss: Spreadsheet, sheet: Sheet, column: str, header_rows: int) -> int:
    """A sort key column named by its header text, else by its letters."""
    if header_rows:
        for c in range(sheet.col_count):
            if formatted(ss.effective(sheet, header_rows - 1, c), None, ss.locale) == column:
                return c
    letters = parse_cells(f"{column}1")
    if letters is None:
        raise KeyError(f"no column {column!r} in {sheet.title!r}")
    return letters.start_col


def _box(cells: list[tuple[int, int]]) -> Bounds:
    """The smallest rectangle holding every (row, col)."""
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return Bounds(min(rows), min(cols), max(rows) + 1, max(cols) + 1)


def _body_size(request: requests.PreparedRequest) -> int:
    """Bytes in the request body, as Google's front end measures it."""
    body = request.body
    if body is None:
        return 0
    return len(body.encode("utf-8") if isinstance(body, str) else body)


def _check_growth(ss: Spreadsheet, before: int) -> None:
    """Refuse a write that grows the workbook past Google's 10 million cells."""
    after = grid_cells(ss.sheets)
    if after > before and after > MAX_CELLS:
        raise ApiError.invalid(too_many_cells())


def _check_body_range(url_range: str, body: JsonDict) -> None:
    given = body.get("range")
    if given and given != url_range:
        raise ApiError.invalid(
            f"Requested range [{url_range}] does not match the range in the body [{given}]."
        )


def _rows_of(body: JsonDict) -> list[list[Any]]:
    rows = body.get("values") or []
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise ApiError.invalid(
                f"Invalid values[{i}]: {json.dumps(row)}", field=f"data.values[{i}]"
            )
    if body.get("majorDimension") == "COLUMNS":
        rows = _transpose(rows)
    return rows


def _build_response(
    request: requests.PreparedRequest,
    status: int,
    payload: Any,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {
        200: "OK",
        204: "No Content",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        429: "Too Many Requests",
        500: "Internal Server Error",
        501: "Not Implemented",
        503: "Service Unavailable",
    }.get(status, "")
    if payload is None:
        content = b""
    elif isinstance(payload, bytes):
        content = payload
    else:
        content = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    response._content = content
    response.raw = io.BytesIO(content)
    response.encoding = "utf-8"
    response.headers = CaseInsensitiveDict(
        {
            "Content-Type": content_type,
            "Content-Length": str(len(content)),
            "Server": "ESF",
            **(headers or {}),
        }
    )
    response.url = request.url or ""
    response.request = request
    return response


# ============================================================================ transport


class FakeSheetsAdapter(BaseAdapter):
    """A ``requests`` transport adapter that answers from a ``FakeSheetsServer``."""

    def __init__(self, server: FakeSheetsServer) -> None:
        super().__init__()
        self.server = server

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Hand the request to the server (may raise ReadTimeout when one is injected)."""
        return self.server.handle(request)

    def close(self) -> None:
        """Nothing to release."""


def mount(session: requests.Session, server: FakeSheetsServer) -> requests.Session:
    """Mount the stand-in on the Google hosts gspread talks to."""
    adapter = FakeSheetsAdapter(server)
    session.mount(f"https://{SHEETS_HOST}/", adapter)
    session.mount(f"https://{DRIVE_HOST}/", adapter)
    return session


def make_credentials(as_email: str | None = None, project: str | None = None) -> Any:
    """Credentials that never touch the network; the token names the caller (``as_email``,
    default the server's owner) and its Cloud project (number) for quotas."""
    from google.auth import credentials as ga_credentials

    class StandinCredentials(ga_credentials.Credentials):
        """Always-valid credentials: refreshing is a no-op."""

        def __init__(self) -> None:
            super().__init__()
            self.token = token_for(as_email, project)
            self.service_account_email = as_email

        def refresh(self, request: Any) -> None:
            """Nothing to refresh: the stand-in accepts this token forever."""

    return StandinCredentials()


def make_session(
    server: FakeSheetsServer, *, as_email: str | None = None, project: str | None = None
) -> requests.Session:
    """An authorised session wired to the stand-in, calling as ``as_email`` (default: the
    server's owner) from Cloud project ``project`` (default: one shared project)."""
    from google.auth.transport.requests import AuthorizedSession

    session = AuthorizedSession(make_credentials(as_email, project))
    return mount(session, server)


def make_gspread_client(
    server: FakeSheetsServer,
    http_client: Any = None,
    *,
    as_email: str | None = None,
    project: str | None = None,
) -> Any:
    """A ``gspread.Client`` whose HTTP goes to ``server`` (gspread itself unmodified),
    calling as ``as_email`` from ``project`` (see ``make_session``).

    gspread uses the given session instead of building an ``AuthorizedSession`` from the
    credentials, so the dummy credentials are only kept for code that inspects them.
    """
    import gspread
    from gspread.http_client import HTTPClient

    session = make_session(server, as_email=as_email, project=project)
    creds = session.credentials  # type: ignore[attr-defined]
    client = gspread.Client(auth=creds, session=session, http_client=http_client or HTTPClient)
    client.http_client.auth = creds
    return client
