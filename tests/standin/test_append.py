"""values.append: Google's table detection, insertDataOption, answers and input parsing."""

from __future__ import annotations

import requests
from standin_helpers import BASE, append, q
from support.standin import Bounds, FakeSheetsServer, find_table


def test_first_append_to_empty_sheet_has_no_table_range(session, sid) -> None:
    r = append(session, sid, "Sheet1", [["a", "b", "c"]])
    assert r.json() == {
        "spreadsheetId": sid,
        "updates": {
            "spreadsheetId": sid,
            "updatedRange": "Sheet1!A1:C1",
            "updatedRows": 1,
            "updatedColumns": 3,
            "updatedCells": 3,
        },
    }


def test_appends_go_after_the_table(session, sid, server: FakeSheetsServer) -> None:
    append(session, sid, "Sheet1", [["h1", "h2", "h3"]])
    r = append(session, sid, "Sheet1", [["1", "2", "3"], ["4", "", "6"]])
    body = r.json()
    assert body["tableRange"] == "Sheet1!A1:C1"
    assert body["updates"]["updatedRange"] == "Sheet1!A2:C3"
    assert body["updates"]["updatedCells"] == 6  # "" still counts as written
    r = append(session, sid, "Sheet1!A1", [["7"]])
    assert r.json()["tableRange"] == "Sheet1!A1:C3"
    assert r.json()["updates"]["updatedRange"] == "Sheet1!A4"
    assert server.values(sid, "Sheet1") == [
        ["h1", "h2", "h3"],
        ["1", "2", "3"],
        ["4", "", "6"],
        ["7"],
    ]


def test_table_detection_matches_recorded_google_quirk(session, sid, server) -> None:
    # Recorded: data in A1 and C1 (B1 empty). Appending to the whole sheet lands under C1;
    # appending to A1 lands under A1.
    server.set_values(sid, "Sheet1", [["x", "", "y"]])
    r = append(session, sid, "Sheet1", [["p", "", "q"]])
    assert r.json()["tableRange"] == "Sheet1!C1"
    assert r.json()["updates"]["updatedRange"] == "Sheet1!C2:E2"
    server2 = FakeSheetsServer()
    sid2 = server2.create_spreadsheet("T", ["Sheet1"])
    server2.set_values(sid2, "Sheet1", [["x", "", "y"]])
    from support.standin import make_session

    r = append(make_session(server2), sid2, "Sheet1!A1", [["p", "", "q"]])
    assert r.json()["tableRange"] == "Sheet1!A1"
    assert r.json()["updates"]["updatedRange"] == "Sheet1!A2:C2"


def test_find_table_unit(server: FakeSheetsServer, sid: str) -> None:
    server.set_values(sid, "Sheet1", [["h", "h"], ["1", ""], ["", "2"], [], ["far"]])
    with server._locked(sid) as ss:
        sheet = ss.sheets[0]
        # The last data cell (A5) is alone: rows 1-3 form another table above an empty row.
        assert find_table(sheet, Bounds(0, 0, 1000, 26)) == Bounds(4, 0, 5, 1)
        # Restricting the range to rows 1-3 finds the diagonal-connected block A1:B3.
        assert find_table(sheet, Bounds(0, 0, 3, 26)) == Bounds(0, 0, 3, 2)
        assert find_table(sheet, Bounds(10, 0, 20, 5)) is None


def test_empty_anchor_cell_is_written_in_place(session, sid, server) -> None:
    server.set_values(sid, "Sheet1", [["a"], [""], ["c"]])
    r = append(session, sid, "Sheet1!A2", [["b"]])
    assert "tableRange" not in r.json()
    assert r.json()["updates"]["updatedRange"] == "Sheet1!A2"
    assert server.values(sid, "Sheet1") == [["a"], ["b"], ["c"]]


def test_insert_rows_shifts_data_below(session, sid, server) -> None:
    server.set_values(sid, "Sheet1", [["h"], ["1"], [""], ["below"]])
    r = append(session, sid, "Sheet1!A1:A2", [["2"]], insertDataOption="INSERT_ROWS")
    assert r.json()["updates"]["updatedRange"] == "Sheet1!A3"
    assert server.values(sid, "Sheet1") == [["h"], ["1"], ["2"], [], ["below"]]
    assert server.sheet_properties(sid, "Sheet1")["gridProperties"]["rowCount"] == 1001


def test_overwrite_grows_the_grid(session, server) -> None:
    sid = server.create_spreadsheet("T", [{"title": "S", "rows": 2, "cols": 2}])
    server.set_values(sid, "S", [["a", "b"], ["c", "d"]])
    r = append(session, sid, "S", [["e", "f", "g"]])
    assert r.json()["updates"]["updatedRange"] == "S!A3:C3"
    grid = server.sheet_properties(sid, "S")["gridProperties"]
    assert (grid["rowCount"], grid["columnCount"]) == (3, 3)


def test_columns_major_dimension(session, sid, server) -> None:
    r = session.post(
        f"{BASE}/{sid}/values/{q('Sheet1!B1')}:append",
        params={"valueInputOption": "RAW"},
        json={"majorDimension": "COLUMNS", "values": [["1", "2"], ["3", "4"]]},
    )
    assert r.json()["updates"]["updatedRange"] == "Sheet1!B1:C2"
    assert server.values(sid, "Sheet1") == [["", "1", "3"], ["", "2", "4"]]


def test_raw_versus_user_entered(session, sid, server) -> None:
    append(session, sid, "Sheet1", [["=1+1", "0042", "TRUE", 7, 1.5]])
    append(
        session,
        sid,
        "Sheet1",
        [["=1+1", "0042", "TRUE", "2,000.5", "2020-01-02"]],
        valueInputOption="USER_ENTERED",
    )
    assert server.values(sid, "Sheet1") == [
        ["=1+1", "0042", "TRUE", "7", "1.5"],
        ["2", "42", "TRUE", "2,000.5", "2020-01-02"],
    ]
    unformatted = server.values(sid, "Sheet1", value_render="UNFORMATTED_VALUE")
    assert unformatted == [["=1+1", "0042", "TRUE", 7, 1.5], [2, 42, True, 2000.5, 43832]]
    formulas = server.values(sid, "Sheet1", value_render="FORMULA")
    assert formulas[1][0] == "=1+1"


def test_include_values_in_response(session, sid) -> None:
    r = append(
        session,
        sid,
        "Sheet1",
        [["a", 1]],
        includeValuesInResponse="true",
        responseValueRenderOption="UNFORMATTED_VALUE",
    )
    assert r.json()["updates"]["updatedData"] == {
        "range": "Sheet1!A1:B1",
        "majorDimension": "ROWS",
        "values": [["a", 1]],
    }


def test_missing_value_input_option(session, sid) -> None:
    r = session.post(f"{BASE}/{sid}/values/Sheet1:append", json={"values": [["a"]]})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED"
    )


def test_gspread_append_row_after_header(gc, server: FakeSheetsServer) -> None:
    sid = server.create_spreadsheet("T", [{"title": "Data", "values": [["id", "name"]]}])
    ws = gc.open_by_key(sid).worksheet("Data")
    ws.append_row(["1", "ann"])
    ws.append_rows([["2", "bob"], ["3", "cy"]])
    assert ws.get_all_records() == [
        {"id": 1, "name": "ann"},
        {"id": 2, "name": "bob"},
        {"id": 3, "name": "cy"},
    ]
    assert isinstance(requests, object)
