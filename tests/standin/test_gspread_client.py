"""gspread 6 runs unmodified against the stand-in (the adapter's real client library)."""

from __future__ import annotations

import gspread
import pytest
from support.standin import FakeSheetsServer


def test_core_gspread_flows(gc, server: FakeSheetsServer) -> None:
    sid = server.create_spreadsheet(
        "Budget",
        [
            "Sheet1",
            {
                "title": "x",
                "values": [["date", "amount", "note"], ["2024-01-05", "12.5", "lunch"]],
            },
        ],
    )
    sh = gc.open_by_key(sid)
    assert sh.title == "Budget"
    ws = sh.worksheet("x")
    assert ws.get_all_values() == [["date", "amount", "note"], ["2024-01-05", "12.5", "lunch"]]
    ws.append_row(["2024-01-06", "3", "bus"], value_input_option="USER_ENTERED")
    assert ws.get_all_records() == [
        {"date": "2024-01-05", "amount": 12.5, "note": "lunch"},
        {"date": "2024-01-06", "amount": 3, "note": "bus"},
    ]
    ws.batch_update([{"range": "D1:D2", "values": [["ok"], ["yes"]]}])
    got = sh.values_batch_get(["x!A1:B1", "'x'!D1:D3"])
    assert got["valueRanges"] == [
        {"range": "x!A1:B1", "majorDimension": "ROWS", "values": [["date", "amount"]]},
        {"range": "x!D1:D3", "majorDimension": "ROWS", "values": [["ok"], ["yes"]]},
    ]
    reply = sh.batch_update(
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": ws.id, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            ]
        }
    )
    assert reply == {"spreadsheetId": sid, "replies": [{}]}
    assert sh.worksheet("x").frozen_row_count == 1
    assert ws.acell("B3").value == "3"
    ws.update_acell("C3", "train")
    assert server.cell(sid, "x", "C3") == "train"


def test_worksheet_management(gc, server) -> None:
    sid = server.create_spreadsheet("T", ["Sheet1"])
    sh = gc.open_by_key(sid)
    new = sh.add_worksheet("Data", rows=5, cols=3)
    new.update_title("Renamed")
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "Renamed"]
    new.resize(rows=10)
    assert server.sheet_properties(sid, "Renamed")["gridProperties"]["rowCount"] == 10
    sh.del_worksheet(new)
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_open_by_title_and_missing_files(gc, server) -> None:
    sid = server.create_spreadsheet("Quarterly report")
    assert gc.open("Quarterly report").id == sid
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open("No such title")
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("1" + "x" * 43)
    created = gc.create("Made by gspread")
    assert server.values(created.id, "Sheet1") == []
    assert gc.open_by_key(created.id).sheet1.title == "Sheet1"


def test_human_edits_are_visible(gc, server) -> None:
    sid = server.create_spreadsheet("T", [{"title": "Ledger", "values": [["Date", "Amount"]]}])
    ws = gc.open_by_key(sid).worksheet("Ledger")
    server.set_values(sid, "Ledger", [["2024-02-01", "5"]], start="A2")
    server.rename_header(sid, "Ledger", "Amount", "Total")
    assert ws.row_values(1) == ["Date", "Total"]
    assert ws.get_all_records() == [{"Date": "2024-02-01", "Total": 5}]
    server.insert_rows(sid, "Ledger", 2)
    assert ws.get_all_values() == [["Date", "Total"], ["", ""], ["2024-02-01", "5"]]
    server.add_sheet(sid, "Other")
    server.delete_sheet(sid, "Ledger")
    with pytest.raises(gspread.exceptions.APIError) as info:
        ws.get_all_values()
    assert info.value.response.json()["error"]["message"] == "Unable to parse range: 'Ledger'"
    with pytest.raises(gspread.WorksheetNotFound):
        gc.open_by_key(sid).worksheet("Ledger")


def test_export_and_copy(gc, server) -> None:
    sid = server.create_spreadsheet("Src", [{"title": "S", "values": [["a", "b"], ["c"]]}])
    sh = gc.open_by_key(sid)
    assert sh.export(gspread.utils.ExportFormat.CSV) == b"a,b\r\nc,"
    copy = gc.copy(sid, title="Dup", copy_comments=False)
    assert copy.title == "Dup"
    assert server.values(copy.id, "S") == [["a", "b"], ["c"]]
