"""Developer metadata on rows: created, found by key, and kept with its row when a person
sorts, inserts or deletes rows; values read and written through DataFilters."""

from __future__ import annotations

from typing import Any

import pytest
from standin_helpers import BASE, batch_update
from support.standin import FakeSheetsServer, devmeta, make_session
from support.standin.model import Sheet, Spreadsheet

ORDERS = [["id", "item"], ["A-3", "pens"], ["A-1", "ink"], ["A-2", "paper"]]


def _row_meta(row: int, value: str, **extra: Any) -> dict:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": "order",
                "metadataValue": value,
                "location": {
                    "dimensionRange": {
                        "sheetId": 5,
                        "dimension": "ROWS",
                        "startIndex": row,
                        "endIndex": row + 1,
                    }
                },
                "visibility": "DOCUMENT",
                **extra,
            }
        }
    }


@pytest.fixture
def orders(server: FakeSheetsServer, session) -> str:
    sid = server.create_spreadsheet(
        "Orders", [{"title": "Orders", "sheetId": 5, "values": ORDERS}]
    )
    r = batch_update(session, sid, *(_row_meta(i, row[0]) for i, row in enumerate(ORDERS) if i))
    assert r.status_code == 200, r.text
    return sid


def _lookup(value: str) -> dict:
    return {"developerMetadataLookup": {"metadataKey": "order", "metadataValue": value}}


def _row_of(session, sid: str, value: str) -> list | None:
    r = session.post(
        f"{BASE}/{sid}/values:batchGetByDataFilter", json={"dataFilters": [_lookup(value)]}
    )
    assert r.status_code == 200, r.text
    ranges = r.json().get("valueRanges") or []
    assert len(ranges) <= 1
    return ranges[0]["valueRange"].get("values") if ranges else None


def _search(session, sid: str, *filters: dict) -> dict:
    r = session.post(f"{BASE}/{sid}/developerMetadata:search", json={"dataFilters": list(filters)})
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------- pure moves


def test_row_metadata_moves_with_inserts_deletes_and_sorts() -> None:
    ss = Spreadsheet("x", {"title": "x"}, [Sheet({"sheetId": 0, "title": "S"})])
    ss.sheets[0].grid.update(rowCount=10, columnCount=2)
    for row in (2, 4, 6):
        devmeta.create(
            ss,
            {
                "metadataKey": "k",
                "metadataValue": str(row),
                "visibility": "DOCUMENT",
                "location": {
                    "dimensionRange": {"dimension": "ROWS", "startIndex": row, "endIndex": row + 1}
                },
            },
            "p",
            row,
        )

    def rows() -> dict[str, int | None]:
        return {m["metadataValue"]: devmeta.index_of(m) for m in ss.developer_metadata}

    devmeta.shift(ss, 0, "ROWS", 3, 2)  # two rows inserted above row 4
    assert rows() == {"2": 2, "4": 6, "6": 8}
    devmeta.shift(ss, 0, "ROWS", 6, -1)  # row 6 deleted: its metadata goes with it
    assert rows() == {"2": 2, "6": 7}
    devmeta.follow_sort(ss, 0, [2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2])
    assert rows() == {"2": 7, "6": 2}
    devmeta.shift(ss, 0, "COLUMNS", 0, 3)  # columns do not move rows
    assert rows() == {"2": 7, "6": 2}


# --------------------------------------------------------------- creating and reading


def test_create_answers_the_stored_metadata(session, server) -> None:
    sid = server.create_spreadsheet("T", [{"title": "Orders", "sheetId": 5, "values": ORDERS}])
    r = batch_update(session, sid, _row_meta(2, "A-1", metadataId=77))
    assert r.json()["replies"] == [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataId": 77,
                    "metadataKey": "order",
                    "metadataValue": "A-1",
                    "location": {
                        "locationType": "ROW",
                        "dimensionRange": {
                            "sheetId": 5,
                            "dimension": "ROWS",
                            "startIndex": 2,
                            "endIndex": 3,
                        },
                    },
                    "visibility": "DOCUMENT",
                }
            }
        }
    ]
    got = session.get(f"{BASE}/{sid}/developerMetadata/77")
    assert got.json() == r.json()["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert session.get(f"{BASE}/{sid}/developerMetadata/78").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visibility": None}, "Developer metadata must always have a visibility specified."),
        ({"metadataKey": ""}, "Developer metadata must always have a key specified."),
        ({"metadataId": 0}, "Developer metadata IDs must be positive."),
        (
            {
                "location": {
                    "dimensionRange": {
                        "sheetId": 5,
                        "dimension": "ROWS",
                        "startIndex": 1,
                        "endIndex": 3,
                    }
                }
            },
            "Developer metadata may only be associated with a single, bounded row or column.",
        ),
        (
            {"location": {"sheetId": 5, "spreadsheet": True}},
            "Developer metadata must have exactly one location specified.",
        ),
    ],
)
def test_create_validates_like_the_discovery_document_says(orders, session, change, message):
    request = _row_meta(1, "x")
    request["createDeveloperMetadata"]["developerMetadata"].update(change)
    r = batch_update(session, orders, request)
    assert r.status_code == 400
    assert (
        r.json()["error"]["message"] == f"Invalid requests[0].createDeveloperMetadata: {message}"
    )


def test_ids_are_unique(orders, session) -> None:
    assert batch_update(session, orders, _row_meta(1, "x", metadataId=9)).status_code == 200
    r = batch_update(session, orders, _row_meta(2, "y", metadataId=9))
    assert r.status_code == 400


def test_search_by_key_and_value(orders, session) -> None:
    found = _search(session, orders, _lookup("A-1"))["matchedDeveloperMetadata"]
    assert len(found) == 1
    assert found[0]["dataFilters"] == [_lookup("A-1")]
    assert found[0]["developerMetadata"]["location"]["dimensionRange"]["startIndex"] == 2
    assert _search(session, orders, _lookup("nope")) == {}
    every = _search(session, orders, {"developerMetadataLookup": {"metadataKey": "order"}})
    assert len(every["matchedDeveloperMetadata"]) == 3


def test_search_by_range_and_by_location(orders, session) -> None:
    by_range = _search(session, orders, {"a1Range": "Orders!A2:B3"})["matchedDeveloperMetadata"]
    assert [m["developerMetadata"]["metadataValue"] for m in by_range] == ["A-3", "A-1"]
    row3 = {"dimensionRange": {"sheetId": 5, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}}
    exact = {
        "developerMetadataLookup": {
            "metadataLocation": row3,
            "locationMatchingStrategy": "EXACT_LOCATION",
        }
    }
    found = _search(session, orders, exact)["matchedDeveloperMetadata"]
    assert [m["developerMetadata"]["metadataValue"] for m in found] == ["A-2"]
    sheet_wide = {"developerMetadataLookup": {"metadataLocation": {"sheetId": 5}}}
    assert len(_search(session, orders, sheet_wide)["matchedDeveloperMetadata"]) == 3
    bad = {"developerMetadataLookup": {"locationMatchingStrategy": "EXACT_LOCATION"}}
    r = session.post(f"{BASE}/{orders}/developerMetadata:search", json={"dataFilters": [bad]})
    assert r.status_code == 400


# --------------------------------------------------------------- rows found by key


def test_a_row_is_found_by_key_after_a_person_sorts(orders, session, server) -> None:
    r = session.post(
        f"{BASE}/{orders}/values:batchGetByDataFilter",
        json={"dataFilters": [_lookup("A-1")], "valueRenderOption": "UNFORMATTED_VALUE"},
    )
    assert r.json() == {
        "spreadsheetId": orders,
        "valueRanges": [
            {
                "valueRange": {
                    "range": "Orders!A3:Z3",
                    "majorDimension": "ROWS",
                    "values": [["A-1", "ink"]],
                },
                "dataFilters": [_lookup("A-1")],
            }
        ],
    }
    server.sort_rows(orders, "Orders", "id")
    assert [r[0] for r in server.values(orders, "Orders")] == ["id", "A-1", "A-2", "A-3"]
    for key, item in (("A-1", "ink"), ("A-2", "paper"), ("A-3", "pens")):
        assert _row_of(session, orders, key) == [[key, item]]


def test_the_row_moves_when_rows_are_inserted_or_deleted_above(orders, session, server):
    server.insert_rows(orders, "Orders", 2, 3)
    assert _row_of(session, orders, "A-2") == [["A-2", "paper"]]
    server.delete_rows(orders, "Orders", 2, 3)
    server.delete_rows(orders, "Orders", 2)  # A-3's row
    assert _row_of(session, orders, "A-3") is None
    assert _search(session, orders, _lookup("A-3")) == {}
    assert _row_of(session, orders, "A-1") == [["A-1", "ink"]]


def test_deleting_the_sheet_deletes_its_metadata(orders, session, server) -> None:
    server.add_sheet(orders, "Other")
    assert batch_update(session, orders, {"deleteSheet": {"sheetId": 5}}).status_code == 200
    assert _search(session, orders, {"developerMetadataLookup": {"metadataKey": "order"}}) == {}


def test_values_are_written_and_cleared_through_the_key(orders, session, server) -> None:
    server.sort_rows(orders, "Orders", "id", descending=True)
    r = session.post(
        f"{BASE}/{orders}/values:batchUpdateByDataFilter",
        json={
            "valueInputOption": "RAW",
            "data": [{"dataFilter": _lookup("A-1"), "values": [["A-1", "ink (blue)"]]}],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "spreadsheetId": orders,
        "totalUpdatedRows": 1,
        "totalUpdatedColumns": 2,
        "totalUpdatedCells": 2,
        "totalUpdatedSheets": 1,
        "responses": [
            {
                "updatedRange": "Orders!A4:B4",
                "updatedRows": 1,
                "updatedColumns": 2,
                "updatedCells": 2,
                "dataFilter": _lookup("A-1"),
            }
        ],
    }
    assert server.values(orders, "Orders")[3] == ["A-1", "ink (blue)"]
    too_tall = session.post(
        f"{BASE}/{orders}/values:batchUpdateByDataFilter",
        json={
            "valueInputOption": "RAW",
            "data": [{"dataFilter": _lookup("A-1"), "values": [["a"], ["b"]]}],
        },
    )
    assert too_tall.status_code == 400
    assert too_tall.json()["error"]["message"].startswith("Invalid data[0]: Requested writing")
    cleared = session.post(
        f"{BASE}/{orders}/values:batchClearByDataFilter", json={"dataFilters": [_lookup("A-2")]}
    )
    assert cleared.json() == {"spreadsheetId": orders, "clearedRanges": ["Orders!A3:Z3"]}
    assert server.values(orders, "Orders")[2] == []


def test_metadata_is_updated_and_deleted_through_filters(orders, session) -> None:
    r = batch_update(
        session,
        orders,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [_lookup("A-1")],
                "developerMetadata": {"metadataValue": "A-1-bis"},
                "fields": "metadataValue",
            }
        },
        {"deleteDeveloperMetadata": {"dataFilter": _lookup("A-2")}},
    )
    assert r.status_code == 200, r.text
    updated, deleted = r.json()["replies"]
    assert updated["updateDeveloperMetadata"]["developerMetadata"][0]["metadataValue"] == "A-1-bis"
    assert deleted["deleteDeveloperMetadata"]["deletedDeveloperMetadata"][0]["metadataValue"] == (
        "A-2"
    )
    assert _row_of(session, orders, "A-1-bis") == [["A-1", "ink"]]
    assert _row_of(session, orders, "A-2") is None


def test_project_metadata_is_seen_only_by_its_project(orders, server, session) -> None:
    other = make_session(server, project="999")
    r = batch_update(session, orders, _row_meta(1, "secret", visibility="PROJECT"))
    assert r.status_code == 200
    assert _row_of(session, orders, "secret") == [["A-3", "pens"]]
    assert _row_of(other, orders, "secret") is None


def test_spreadsheets_get_shows_metadata_where_it_lives(orders, session) -> None:
    r = batch_update(
        session,
        orders,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "schema",
                    "metadataValue": "3",
                    "visibility": "DOCUMENT",
                    "location": {"spreadsheet": True},
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "tab",
                    "visibility": "DOCUMENT",
                    "location": {"sheetId": 5},
                }
            }
        },
    )
    assert r.status_code == 200, r.text
    got = session.get(
        f"{BASE}/{orders}",
        params={
            "ranges": "Orders!A1:B3",
            "includeGridData": "true",
            "fields": "developerMetadata,sheets(developerMetadata,data.rowMetadata)",
        },
    ).json()
    assert [m["metadataKey"] for m in got["developerMetadata"]] == ["schema"]
    sheet = got["sheets"][0]
    assert [m["metadataKey"] for m in sheet["developerMetadata"]] == ["tab"]
    rows = sheet["data"][0]["rowMetadata"]
    assert "developerMetadata" not in rows[0]
    assert [m["metadataValue"] for m in rows[2]["developerMetadata"]] == ["A-1"]
