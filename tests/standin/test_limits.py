"""Google's hard limits: 50,000 characters per cell, 10 million cells per workbook, grids that
appendCells may not widen, and the 10 MiB request body."""

from __future__ import annotations

import pytest
from standin_helpers import BASE, append, batch_update
from support.standin import ApiError, FakeSheetsServer, make_session
from support.standin.limits import CELL_TOO_LONG, text_length, value_too_long

LONG = "x" * 50_001
TOO_MANY = (
    "This action would increase the number of cells in the workbook above the limit of "
    "10000000 cells."
)


def _error(r) -> dict:
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["status"] == "INVALID_ARGUMENT"
    return err


# --------------------------------------------------------------- 50,000 characters per cell


def test_cell_length_counts_utf16_units_like_google() -> None:
    assert text_length("a😀") == 3
    assert not value_too_long("x" * 50_000)
    assert value_too_long("x" * 50_001)
    assert value_too_long("😀" * 25_001)  # 25,001 characters, 50,002 UTF-16 units
    assert not value_too_long(10**60)


@pytest.mark.parametrize("option", ["RAW", "USER_ENTERED"])
def test_values_update_refuses_a_long_cell(session, sid, server, option: str) -> None:
    r = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1:B1",
        params={"valueInputOption": option},
        json={"values": [["ok", LONG]]},
    )
    assert _error(r)["message"] == CELL_TOO_LONG
    assert server.values(sid, "Sheet1") == []  # nothing of the request was applied
    ok = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1",
        params={"valueInputOption": option},
        json={"values": [["y" * 50_000]]},
    )
    assert ok.status_code == 200


def test_append_and_values_batch_update_refuse_a_long_cell(session, sid, server) -> None:
    assert _error(append(session, sid, "Sheet1", [[LONG]]))["message"] == CELL_TOO_LONG
    r = session.post(
        f"{BASE}/{sid}/values:batchUpdate",
        json={
            "valueInputOption": "RAW",
            "data": [
                {"range": "Sheet1!A1", "values": [["fine"]]},
                {"range": "Sheet1!A2", "values": [["=" + LONG]]},
            ],
        },
    )
    assert _error(r)["message"] == f"Invalid data[1]: {CELL_TOO_LONG}"
    assert server.values(sid, "Sheet1") == []


@pytest.mark.parametrize(
    "request_",
    [
        {
            "updateCells": {
                "start": {"sheetId": 0},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": LONG}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"formulaValue": "=" + LONG}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "repeatCell": {
                "range": {"sheetId": 0, "endRowIndex": 2, "endColumnIndex": 2},
                "cell": {"userEnteredValue": {"stringValue": LONG}},
                "fields": "userEnteredValue",
            }
        },
    ],
    ids=["updateCells", "appendCells", "repeatCell"],
)
def test_batch_update_refuses_a_long_cell(session, sid, server, request_) -> None:
    kind = next(iter(request_))
    r = batch_update(session, sid, request_)
    assert _error(r)["message"] == f"Invalid requests[0].{kind}: {CELL_TOO_LONG}"
    assert server.values(sid, "Sheet1") == []


def test_a_person_cannot_type_a_long_cell_either(server, sid) -> None:
    with pytest.raises(ApiError) as info:
        server.set_values(sid, "Sheet1", [["short", LONG]])
    assert info.value.message == CELL_TOO_LONG
    assert server.values(sid, "Sheet1") == []


# --------------------------------------------------------------- 10 million cells


@pytest.fixture
def full() -> tuple[FakeSheetsServer, str]:
    """A workbook exactly at the limit: 400,000 rows x 25 columns, last row holding data."""
    server = FakeSheetsServer(seed=3)
    sid = server.create_spreadsheet("Big", [{"title": "S", "rows": 399_999, "cols": 25}])
    server.set_values(sid, "S", [["last"]], "A399999")
    s = make_session(server)
    assert append(s, sid, "S", [["fills the limit"]]).status_code == 200  # 10,000,000 cells
    return server, sid


@pytest.mark.parametrize(
    "request_",
    [
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}},
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
            }
        },
        {"addSheet": {"properties": {"gridProperties": {"rowCount": 1, "columnCount": 1}}}},
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"rowCount": 400_001}},
                "fields": "gridProperties.rowCount",
            }
        },
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "one more"}}]}],
                "fields": "userEnteredValue",
            }
        },
    ],
    ids=["appendDimension", "insertDimension", "addSheet", "updateSheetProperties", "appendCells"],
)
def test_growing_past_ten_million_cells_is_refused(full, request_) -> None:
    server, sid = full
    kind = next(iter(request_))
    r = batch_update(make_session(server), sid, request_)
    assert _error(r)["message"] == f"Invalid requests[0].{kind}: {TOO_MANY}"
    assert server.sheet_properties(sid, "S")["gridProperties"]["rowCount"] == 400_000
    assert len(server.metadata(sid)["sheets"]) == 1


def test_values_append_past_the_limit_is_refused_and_shrinking_is_allowed(full) -> None:
    server, sid = full
    s = make_session(server)
    assert _error(append(s, sid, "S", [["over"]]))["message"] == TOO_MANY
    r = batch_update(
        s,
        sid,
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 10}
            }
        },
    )
    assert r.status_code == 200
    assert append(s, sid, "S", [["fits again"]]).status_code == 200


def test_create_past_the_limit_is_refused(session) -> None:
    r = session.post(
        BASE,
        json={
            "sheets": [
                {"properties": {"gridProperties": {"rowCount": 1_000_000, "columnCount": 11}}}
            ]
        },
    )
    assert _error(r)["message"] == TOO_MANY


def test_a_person_cannot_grow_past_the_limit(full) -> None:
    server, sid = full
    with pytest.raises(ApiError) as info:
        server.set_values(sid, "S", [["x"]], "A400001")
    assert info.value.message == TOO_MANY


# --------------------------------------------------------------- appendCells and the grid


def test_append_cells_wider_than_the_grid_is_refused_like_google(session, sid, server) -> None:
    """Recorded by googlesheets4 and OpenRefine users: Google adds rows, never columns."""
    row = {"values": [{"userEnteredValue": {"stringValue": str(i)}} for i in range(27)]}
    r = batch_update(
        session, sid, {"appendCells": {"sheetId": 0, "rows": [row], "fields": "userEnteredValue"}}
    )
    assert _error(r)["message"] == (
        "Invalid requests[0].appendCells: Attempting to write column: 26, beyond the last "
        "requested column of: 25"
    )
    assert server.sheet_properties(sid, "Sheet1")["gridProperties"]["columnCount"] == 26


def test_append_cells_inserts_the_rows_it_needs(session, server) -> None:
    sid = server.create_spreadsheet("T", [{"title": "S", "rows": 2, "cols": 3}])
    server.set_values(sid, "S", [["h"], ["a"]])
    rows = [{"values": [{"userEnteredValue": {"stringValue": v}}]} for v in ("b", "c")]
    r = batch_update(
        session, sid, {"appendCells": {"sheetId": 0, "rows": rows, "fields": "userEnteredValue"}}
    )
    assert r.status_code == 200, r.text
    assert server.values(sid, "S") == [["h"], ["a"], ["b"], ["c"]]
    assert server.sheet_properties(sid, "S")["gridProperties"] == {"rowCount": 4, "columnCount": 3}


def test_update_cells_never_writes_past_its_range_or_the_grid(session, sid) -> None:
    wide = {"values": [{"userEnteredValue": {"numberValue": i}} for i in range(4)]}
    r = batch_update(
        session,
        sid,
        {
            "updateCells": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 1,
                },
                "rows": [wide],
                "fields": "userEnteredValue",
            }
        },
    )
    assert _error(r)["message"] == (
        "Invalid requests[0].updateCells: Attempting to write column: 1, beyond the last "
        "requested column of: 0"
    )
    r = batch_update(
        session,
        sid,
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 24},
                "rows": [wide],
                "fields": "userEnteredValue",
            }
        },
    )
    assert _error(r)["message"] == (
        "Invalid requests[0].updateCells: Attempting to write column: 26, beyond the last "
        "requested column of: 25"
    )


# --------------------------------------------------------------- request size


def test_an_oversized_request_body_is_refused() -> None:
    server = FakeSheetsServer(max_request_bytes=1000)
    sid = server.create_spreadsheet()
    s = make_session(server)
    big = [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}] * 40
    r = batch_update(s, sid, *big)
    assert r.json() == {
        "error": {
            "code": 400,
            "message": "Request payload size exceeds the limit: 1000 bytes.",
            "status": "INVALID_ARGUMENT",
        }
    }
    assert server.sheet_properties(sid, "Sheet1")["gridProperties"]["rowCount"] == 1000
    assert batch_update(s, sid, *big[:2]).status_code == 200


def test_default_request_limit_is_ten_mebibytes(server) -> None:
    assert server.max_request_bytes == 10 * 1024 * 1024
