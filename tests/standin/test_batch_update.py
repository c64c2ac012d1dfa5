"""spreadsheets.batchUpdate: atomicity, Google's error shape and the request kinds."""

from __future__ import annotations

from standin_helpers import BASE, batch_update
from support.standin import FakeSheetsServer


def _cell_row(*values: object) -> dict:
    def cell(v: object) -> dict:
        if isinstance(v, bool):
            return {"userEnteredValue": {"boolValue": v}}
        if isinstance(v, int | float):
            return {"userEnteredValue": {"numberValue": v}}
        if isinstance(v, str) and v.startswith("="):
            return {"userEnteredValue": {"formulaValue": v}}
        return {"userEnteredValue": {"stringValue": v}}

    return {"values": [cell(v) for v in values]}


def test_a_bad_request_leaves_everything_unchanged(session, sid, server: FakeSheetsServer) -> None:
    server.set_values(sid, "Sheet1", [["keep"]])
    before = server.metadata(sid, include_grid_data=True)
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
                "rows": [_cell_row("changed")],
                "fields": "userEnteredValue",
            }
        },
        {"addSheet": {"properties": {"title": "New"}}},
        {"deleteSheet": {"sheetId": 12345}},  # no such sheet: the whole batch fails
    )
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": "Invalid requests[2].deleteSheet: No grid with id: 12345",
        }
    }
    assert server.metadata(sid, include_grid_data=True) == before
    assert server.values(sid, "Sheet1") == [["keep"]]


def test_duplicate_title_and_hide_all_messages(session, sid) -> None:
    r = batch_update(session, sid, {"addSheet": {"properties": {"title": "sheet1"}}})
    assert r.json()["error"]["message"] == (
        'Invalid requests[0].addSheet: A sheet with the name "sheet1" already exists. '
        "Please enter another name."
    )
    r = batch_update(
        session,
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "hidden": True},
                "fields": "hidden",
            }
        },
    )
    assert r.json()["error"]["message"] == (
        "Invalid requests[0].updateSheetProperties: You can't hide all the sheets in a document."
    )


def test_add_update_delete_sheet(session, sid, server) -> None:
    r = batch_update(
        session,
        sid,
        {
            "addSheet": {
                "properties": {
                    "title": "Data",
                    "gridProperties": {"rowCount": 10, "columnCount": 3},
                }
            }
        },
    )
    props = r.json()["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "Data" and props["index"] == 1 and props["sheetType"] == "GRID"
    assert props["gridProperties"] == {"rowCount": 10, "columnCount": 3}
    new_id = props["sheetId"]
    r = batch_update(
        session,
        sid,
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": new_id,
                    "title": "Renamed",
                    "index": 0,
                    "gridProperties": {"frozenRowCount": 1, "rowCount": 99},
                },
                "fields": "title,index,gridProperties.frozenRowCount",
            }
        },
    )
    assert r.status_code == 200, r.text
    meta = server.metadata(sid)
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Renamed", "Sheet1"]
    # rowCount was not in the mask, so it is unchanged.
    assert meta["sheets"][0]["properties"]["gridProperties"] == {
        "rowCount": 10,
        "columnCount": 3,
        "frozenRowCount": 1,
    }
    r = batch_update(session, sid, {"deleteSheet": {"sheetId": new_id}})
    assert r.json() == {"spreadsheetId": sid, "replies": [{}]}
    r = batch_update(session, sid, {"deleteSheet": {"sheetId": 0}})
    assert r.status_code == 400  # the last sheet cannot go


def test_update_and_append_cells(session, sid, server) -> None:
    r = batch_update(
        session,
        sid,
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                "rows": [_cell_row("a", 1, True, "=B1*2")],
                "fields": "userEnteredValue",
            }
        },
        {"appendCells": {"sheetId": 0, "rows": [_cell_row("x"), _cell_row("y")], "fields": "*"}},
    )
    assert r.status_code == 200, r.text
    assert server.values(sid, "Sheet1") == [["a", "1", "TRUE", "2"], ["x"], ["y"]]
    # fields="note" on a range leaves values alone and clears notes in the range.
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
                    "endColumnIndex": 2,
                },
                "rows": [{"values": [{"note": "hi"}]}],
                "fields": "note",
            }
        },
    )
    assert r.status_code == 200
    assert server.values(sid, "Sheet1")[0] == ["a", "1", "TRUE", "2"]
    got = session.get(
        f"{BASE}/{sid}",
        params={"ranges": "Sheet1!A1:B1", "fields": "sheets.data.rowData.values.note"},
    )
    assert got.json() == {"sheets": [{"data": [{"rowData": [{"values": [{"note": "hi"}]}]}]}]}


def test_insert_and_delete_dimension(session, sid, server) -> None:
    server.set_values(sid, "Sheet1", [["1", "a"], ["2", "b"], ["3", "c"]])
    r = batch_update(
        session,
        sid,
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
                "inheritFromBefore": True,
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
            }
        },
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 4}},
    )
    assert r.status_code == 200, r.text
    assert server.values(sid, "Sheet1") == [["a"], [], ["b"], ["c"]]
    grid = server.sheet_properties(sid, "Sheet1")["gridProperties"]
    assert (grid["rowCount"], grid["columnCount"]) == (1001, 29)
    r = batch_update(
        session,
        sid,
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1001}
            }
        },
    )
    assert r.json()["error"]["message"].endswith("You can't delete all the rows on the sheet.")


def test_data_validation_and_protected_ranges(session, sid, server) -> None:
    rule = {
        "condition": {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": "yes"}, {"userEnteredValue": "no"}],
        },
        "strict": True,
        "showCustomUi": True,
    }
    rng = {
        "sheetId": 0,
        "startRowIndex": 1,
        "endRowIndex": 5,
        "startColumnIndex": 2,
        "endColumnIndex": 3,
    }
    r = batch_update(
        session,
        sid,
        {"setDataValidation": {"range": rng, "rule": rule}},
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {**rng, "startRowIndex": 0, "endRowIndex": 1},
                    "description": "header",
                    "warningOnly": True,
                }
            }
        },
    )
    assert r.status_code == 200, r.text
    reply = r.json()["replies"][1]["addProtectedRange"]["protectedRange"]
    assert reply["description"] == "header" and reply["warningOnly"] is True
    assert server.data_validation(sid, "Sheet1", "C2") == rule
    assert server.data_validation(sid, "Sheet1", "C1") is None
    [protected] = server.protected_ranges(sid, "Sheet1")
    assert protected["protectedRangeId"] == reply["protectedRangeId"]
    r = batch_update(
        session, sid, {"deleteProtectedRange": {"protectedRangeId": reply["protectedRangeId"]}}
    )
    assert r.status_code == 200
    assert server.protected_ranges(sid, "Sheet1") == []
    r = batch_update(session, sid, {"setDataValidation": {"range": rng}})
    assert server.data_validation(sid, "Sheet1", "C2") is None


def test_repeat_cell_format_is_normalised_like_google(session, sid) -> None:
    r = batch_update(
        session,
        sid,
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 2,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColor": {"red": 0.5, "green": 0},
                        "textFormat": {"bold": True},
                    }
                },
                "fields": "userEnteredFormat(backgroundColor,textFormat)",
            }
        },
    )
    assert r.status_code == 200
    got = session.get(
        f"{BASE}/{sid}",
        params={"ranges": "Sheet1!B2", "fields": "sheets.data.rowData.values.userEnteredFormat"},
    )
    fmt = got.json()["sheets"][0]["data"][0]["rowData"][0]["values"][0]["userEnteredFormat"]
    # Colors are stored with 8 bits per channel, zero channels dropped, Style mirrored.
    assert fmt == {
        "backgroundColor": {"red": 0.49803922},
        "backgroundColorStyle": {"rgbColor": {"red": 0.49803922}},
        "textFormat": {"bold": True},
    }


def test_unimplemented_kind_is_loud(session, sid) -> None:
    r = batch_update(session, sid, {"addChart": {"chart": {}}})
    assert r.status_code == 501
    assert r.json()["error"]["status"] == "UNIMPLEMENTED"


def test_empty_batch(session, sid) -> None:
    r = session.post(f"{BASE}/{sid}:batchUpdate", json={"requests": []})
    assert r.status_code == 400


def test_sheet_index_moves_count_before_the_move(session, server) -> None:
    sid = server.create_spreadsheet("T", ["S1", "S2", "S3"])
    s1 = server.sheet_properties(sid, "S1")["sheetId"]
    r = batch_update(
        session,
        sid,
        {"updateSheetProperties": {"properties": {"sheetId": s1, "index": 2}, "fields": "index"}},
    )
    assert r.status_code == 200
    assert [s["properties"]["title"] for s in server.metadata(sid)["sheets"]] == ["S2", "S1", "S3"]
