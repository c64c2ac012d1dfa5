"""Anything the discovery document does not define is refused with Google's error body."""

from __future__ import annotations

import pytest
from standin_helpers import BASE, batch_update
from support.standin import FakeSheetsServer, load_discovery


def test_discovery_copy_is_shipped_with_the_package() -> None:
    from support.standin.discovery import LOCAL_COPY

    assert LOCAL_COPY.is_file()
    assert load_discovery().doc["revision"]


def test_unknown_body_field(session, sid, server: FakeSheetsServer) -> None:
    r = batch_update(
        session,
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "frozenRows": 1},
                "fields": "frozenRows",
            }
        },
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["status"] == "INVALID_ARGUMENT"
    assert err["message"] == (
        'Invalid JSON payload received. Unknown name "frozenRows" at '
        "'requests[0].update_sheet_properties.properties': Cannot find field."
    )
    assert err["details"][0]["fieldViolations"][0]["field"] == (
        "requests[0].update_sheet_properties.properties"
    )


def test_unknown_top_level_and_values_fields(session, sid) -> None:
    r = session.post(f"{BASE}/{sid}:batchUpdate", json={"requests": [], "dryRun": True})
    assert r.json()["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "dryRun": Cannot find field.'
    )
    r = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["a"]], "valueRenderOption": "FORMULA"},
    )
    assert r.status_code == 400
    assert "Unknown name \"valueRenderOption\" at 'data'" in r.json()["error"]["message"]


def test_snake_case_names_are_accepted_like_google(session, sid, server) -> None:
    r = session.post(
        f"{BASE}/{sid}/values:batchUpdate",
        json={"value_input_option": "RAW", "data": [{"range": "Sheet1!A1", "values": [["x"]]}]},
    )
    assert r.status_code == 200, r.text
    assert server.values(sid, "Sheet1") == [["x"]]


def test_wrong_types(session, sid) -> None:
    r = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1", params={"valueInputOption": "RAW"}, json={"values": "X"}
    )
    assert r.json()["error"]["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )
    r = batch_update(
        session, sid, {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": "many"}}
    )
    assert r.json()["error"]["message"] == (
        "Invalid value at 'requests[0].append_dimension.length' (TYPE_INT32), \"many\""
    )
    r = batch_update(
        session, sid, {"appendDimension": {"sheetId": 0, "dimension": "ROW", "length": 1}}
    )
    assert r.status_code == 400
    assert "append_dimension.dimension" in r.json()["error"]["message"]


def test_request_with_no_or_two_kinds(session, sid) -> None:
    assert batch_update(session, sid, {}).status_code == 400
    r = batch_update(session, sid, {"addSheet": {}, "deleteSheet": {"sheetId": 0}})
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"valueRenderOption": "PRETTY"}, "value_render_option"),
        ({"majorDimension": "DIAGONAL"}, "major_dimension"),
        ({"includeGridData": "yes"}, None),
        ({"valueRender": "FORMULA"}, 'Unknown name "valueRender"'),
    ],
)
def test_bad_query_parameters(session, sid, params: dict[str, str], fragment: str | None) -> None:
    url = f"{BASE}/{sid}" if "includeGridData" in params else f"{BASE}/{sid}/values/Sheet1"
    r = session.get(url, params=params)
    assert r.status_code == 400
    assert r.json()["error"]["status"] == "INVALID_ARGUMENT"
    if fragment:
        assert fragment in r.json()["error"]["message"]


def test_global_parameters_are_allowed(session, sid) -> None:
    r = session.get(
        f"{BASE}/{sid}/values/Sheet1",
        params={"prettyPrint": "false", "fields": "range", "quotaUser": "x", "alt": "json"},
    )
    assert r.status_code == 200
    assert r.json() == {"range": "Sheet1!A1:Z1000"}


def test_undefined_paths_are_refused(session, sid) -> None:
    for method, url in [
        ("GET", f"{BASE}/{sid}/worksheets"),
        ("DELETE", f"{BASE}/{sid}"),
        ("POST", f"{BASE}/{sid}/values/Sheet1:appendRow"),
        ("GET", "https://sheets.googleapis.com/v3/spreadsheets"),
    ]:
        r = session.request(method, url)
        assert r.status_code == 404, (method, url)
        assert r.json()["error"]["status"] == "NOT_FOUND"


def test_invalid_json(session, sid) -> None:
    r = session.post(
        f"{BASE}/{sid}:batchUpdate",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("Invalid JSON payload received.")


def test_writes_outside_the_range_or_grid(session, server) -> None:
    sid = server.create_spreadsheet("T", [{"title": "S", "rows": 3, "cols": 2}])
    r = session.put(
        f"{BASE}/{sid}/values/S!A1:B1",
        params={"valueInputOption": "RAW"},
        json={"values": [["a", "b"], ["c", "d"]]},
    )
    assert r.json()["error"]["message"] == (
        "Requested writing within range [S!A1:B1], but tried writing to row [2]"
    )
    r = session.put(
        f"{BASE}/{sid}/values/S!A3",
        params={"valueInputOption": "RAW"},
        json={"values": [["a"], ["b"]]},
    )
    assert r.json()["error"]["message"] == (
        "Requested writing within range [S!A3], but tried writing to row [4]"
    )
    r = session.put(
        f"{BASE}/{sid}/values/S!C1", params={"valueInputOption": "RAW"}, json={"values": [["a"]]}
    )
    assert r.json()["error"]["message"] == (
        "Range (S!C1) exceeds grid limits. Max rows: 3, max columns: 2"
    )


def test_require_auth() -> None:
    import requests
    from support.standin import mount

    server = FakeSheetsServer(require_auth=True)
    sid = server.create_spreadsheet()
    plain = mount(requests.Session(), server)
    r = plain.get(f"{BASE}/{sid}")
    assert r.status_code == 401
    assert r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_nested_cell_value_is_refused_like_google(session, sid) -> None:
    r = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["ok", ["nested"]]]},
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        'Invalid values[0][1]: list_value {\n  values {\n    string_value: "nested"\n  }\n}'
    )
