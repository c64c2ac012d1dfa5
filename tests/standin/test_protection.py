"""Callers have identities: files must be shared with them, and protected ranges refuse
edits from anyone who is neither the owner nor one of the range's editors."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from standin_helpers import BASE, append, batch_update
from support.standin import ApiError, FakeSheetsServer, make_gspread_client, make_session
from support.standin.identity import Identity, identity_from, role_of, token_for
from support.standin.protection import PROTECTED_MESSAGE, subtract

OWNER = "app@adsib-rrss.iam.gserviceaccount.com"
PERSONA = "persona@adsib.gob.bo"
EDITOR = "editora@adsib.gob.bo"
PROTECTED = {"code": 400, "message": PROTECTED_MESSAGE, "status": "INVALID_ARGUMENT"}


def _protect(session, sid: str, **protected_range: Any) -> int:
    r = batch_update(session, sid, {"addProtectedRange": {"protectedRange": protected_range}})
    assert r.status_code == 200, r.text
    return r.json()["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]


@pytest.fixture
def ledger() -> tuple[FakeSheetsServer, str, dict[str, int]]:
    """Owner's ledger shared with a persona and an editor; three kinds of protection."""
    server = FakeSheetsServer(seed=11, owner_email=OWNER)
    sid = server.create_spreadsheet(
        "Ledger",
        [
            {
                "title": "Data",
                "values": [
                    ["id", "name", "amount"],
                    ["3", "c", "30"],
                    ["1", "a", "10"],
                    ["2", "b", "20"],
                ],
            },
            {"title": "Events", "sheetId": 7, "values": [["hash"], ["x"]]},
            {"title": "Form", "sheetId": 8, "values": [["q", "answer"]]},
        ],
    )
    server.share(sid, PERSONA)
    server.share(sid, EDITOR)
    owner = make_session(server)
    ids = {
        "header": _protect(
            owner,
            sid,
            range={"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
            editors={"users": [EDITOR]},
        ),
        "events": _protect(owner, sid, range={"sheetId": 7}, editors={"users": [OWNER]}),
        "form": _protect(
            owner,
            sid,
            range={"sheetId": 8},
            unprotectedRanges=[
                {
                    "sheetId": 8,
                    "startRowIndex": 1,
                    "endRowIndex": 100,
                    "startColumnIndex": 1,
                    "endColumnIndex": 2,
                }
            ],
        ),
    }
    return server, sid, ids


def _as(server: FakeSheetsServer, email: str):
    return make_session(server, as_email=email)


# --------------------------------------------------------------- identities (offline)


def test_the_token_names_the_caller_and_project() -> None:
    default = Identity(OWNER)
    assert identity_from(f"Bearer {token_for()}", default) == default
    assert identity_from(None, default) == default
    got = identity_from(f"Bearer {token_for(PERSONA, '42')}", default)
    assert got == Identity(PERSONA, "42") and not got.is_service_account
    assert Identity(OWNER).is_service_account


def test_roles_from_permissions() -> None:
    perms = [
        {"type": "user", "role": "reader", "emailAddress": "Ana@x.bo"},
        {"type": "domain", "role": "writer", "domain": "adsib.gob.bo"},
    ]
    assert role_of(perms, "ana@x.bo") == "reader"
    assert role_of(perms, PERSONA) == "writer"
    assert role_of(perms, "nobody@else.org") is None
    assert role_of([{"type": "anyone", "role": "reader"}], "nobody@else.org") == "reader"


def test_rectangle_subtraction() -> None:
    from support.standin import Bounds

    whole = Bounds(0, 0, 10, 3)
    assert subtract(whole, Bounds(1, 1, 100, 2)) == [
        Bounds(0, 0, 1, 3),
        Bounds(1, 0, 10, 1),
        Bounds(1, 2, 10, 3),
    ]
    assert subtract(whole, Bounds(0, 0, 10, 3)) == []
    assert subtract(whole, Bounds(20, 0, 30, 3)) == [whole]


# --------------------------------------------------------------- file sharing


def test_a_caller_the_file_is_not_shared_with_gets_403(ledger) -> None:
    server, sid, _ = ledger
    stranger = _as(server, "stranger@example.org")
    for r in (
        stranger.get(f"{BASE}/{sid}"),
        append(stranger, sid, "Data", [["4"]]),
    ):
        assert r.status_code == 403
        assert r.json()["error"]["status"] == "PERMISSION_DENIED"


def test_a_reader_reads_but_cannot_write(ledger) -> None:
    server, sid, _ = ledger
    server.share(sid, "lector@adsib.gob.bo", role="reader")
    reader = _as(server, "lector@adsib.gob.bo")
    assert reader.get(f"{BASE}/{sid}/values/Data").status_code == 200
    assert append(reader, sid, "Data", [["4"]]).status_code == 403


# --------------------------------------------------------------- values writes


def test_a_non_editor_cannot_write_a_protected_range(ledger) -> None:
    server, sid, _ = ledger
    r = _as(server, PERSONA).put(
        f"{BASE}/{sid}/values/Data!A1",
        params={"valueInputOption": "RAW"},
        json={"values": [["x"]]},
    )
    assert r.json() == {"error": PROTECTED}
    assert server.cell(sid, "Data", "A1") == "id"
    # Unprotected cells of the same sheet stay editable by the persona.
    r = _as(server, PERSONA).put(
        f"{BASE}/{sid}/values/Data!B2",
        params={"valueInputOption": "RAW"},
        json={"values": [["z"]]},
    )
    assert r.status_code == 200


def test_the_owner_and_the_ranges_editors_may_write(ledger) -> None:
    server, sid, _ = ledger
    for who in (OWNER, EDITOR):
        r = _as(server, who).put(
            f"{BASE}/{sid}/values/Data!C1",
            params={"valueInputOption": "RAW"},
            json={"values": [[f"by {who}"]]},
        )
        assert r.status_code == 200, r.text
    assert server.cell(sid, "Data", "C1") == f"by {EDITOR}"


def test_values_batch_update_names_the_item_and_applies_nothing(ledger) -> None:
    server, sid, _ = ledger
    r = _as(server, PERSONA).post(
        f"{BASE}/{sid}/values:batchUpdate",
        json={
            "valueInputOption": "RAW",
            "data": [
                {"range": "Data!B3", "values": [["fine"]]},
                {"range": "Events!A3", "values": [["forged"]]},
            ],
        },
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"] == f"Invalid data[1]: {PROTECTED_MESSAGE}"
    assert server.values(sid, "Data")[2] == ["1", "a", "10"]


def test_append_and_clear_on_a_protected_sheet_are_refused(ledger) -> None:
    server, sid, _ = ledger
    persona = _as(server, PERSONA)
    assert append(persona, sid, "Events", [["forged"]]).json() == {"error": PROTECTED}
    r = persona.post(f"{BASE}/{sid}/values/Events:clear")
    assert r.json() == {"error": PROTECTED}
    assert server.values(sid, "Events") == [["hash"], ["x"]]
    assert append(_as(server, OWNER), sid, "Events", [["y"]]).status_code == 200


def test_unprotected_ranges_of_a_protected_sheet_stay_editable(ledger) -> None:
    server, sid, _ = ledger
    persona = _as(server, PERSONA)
    ok = persona.put(
        f"{BASE}/{sid}/values/Form!B2:B3",
        params={"valueInputOption": "RAW"},
        json={"values": [["yes"], ["no"]]},
    )
    assert ok.status_code == 200, ok.text
    r = persona.put(
        f"{BASE}/{sid}/values/Form!A2:B2",
        params={"valueInputOption": "RAW"},
        json={"values": [["q2", "maybe"]]},
    )
    assert r.json() == {"error": PROTECTED}


def test_gspread_sees_googles_error(ledger) -> None:
    server, sid, _ = ledger
    ws = make_gspread_client(server, as_email=PERSONA).open_by_key(sid).worksheet("Events")
    with pytest.raises(gspread.exceptions.APIError) as info:
        ws.append_row(["forged"])
    assert info.value.response.json() == {"error": PROTECTED}


def test_warning_only_protection_lets_every_editor_write(ledger) -> None:
    server, sid, _ = ledger
    _protect(
        make_session(server),
        sid,
        range={"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4},
        warningOnly=True,
    )
    r = _as(server, PERSONA).put(
        f"{BASE}/{sid}/values/Data!A2",
        params={"valueInputOption": "RAW"},
        json={"values": [["9"]]},
    )
    assert r.status_code == 200


def test_domain_users_can_edit(ledger) -> None:
    server, sid, _ = ledger
    server.share(sid, "colega@adsib-rrss.iam.gserviceaccount.com")
    _protect(
        make_session(server),
        sid,
        range={"sheetId": 0, "startRowIndex": 5},
        editors={"domainUsersCanEdit": True},
    )
    colleague = _as(server, "colega@adsib-rrss.iam.gserviceaccount.com")
    body = {"values": [["x"]]}
    params = {"valueInputOption": "RAW"}
    assert colleague.put(f"{BASE}/{sid}/values/Data!A7", params=params, json=body).ok
    r = _as(server, PERSONA).put(f"{BASE}/{sid}/values/Data!A7", params=params, json=body)
    assert r.json() == {"error": PROTECTED}


# --------------------------------------------------------------- batchUpdate


def _rows(*values: str) -> list[dict]:
    return [{"values": [{"userEnteredValue": {"stringValue": v}}]} for v in values]


@pytest.mark.parametrize(
    "request_",
    [
        {
            "updateCells": {
                "start": {"sheetId": 7, "rowIndex": 5},
                "rows": _rows("x"),
                "fields": "userEnteredValue",
            }
        },
        {"appendCells": {"sheetId": 7, "rows": _rows("x"), "fields": "userEnteredValue"}},
        {
            "repeatCell": {
                "range": {"sheetId": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat",
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}
            }
        },
        {
            "insertDimension": {
                "range": {"sheetId": 7, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
            }
        },
        {"appendDimension": {"sheetId": 7, "dimension": "ROWS", "length": 5}},
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4},
                "sortSpecs": [{"dimensionIndex": 0}],
            }
        },
        {
            "mergeCells": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
                "mergeType": "MERGE_ALL",
            }
        },
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 7, "title": "Renamed"},
                "fields": "title",
            }
        },
        {"deleteSheet": {"sheetId": 7}},
        {
            "cutPaste": {
                "source": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 1,
                },
                "destination": {"sheetId": 0, "rowIndex": 9, "columnIndex": 0},
            }
        },
    ],
    ids=lambda r: next(iter(r)),
)
def test_batch_update_kinds_refuse_a_non_editor(ledger, request_) -> None:
    server, sid, _ = ledger
    before = server.metadata(sid, include_grid_data=True)
    r = batch_update(_as(server, PERSONA), sid, request_)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"] == (
        f"Invalid requests[0].{next(iter(request_))}: {PROTECTED_MESSAGE}"
    )
    assert server.metadata(sid, include_grid_data=True) == before
    assert batch_update(make_session(server), sid, request_).status_code == 200


def test_rows_may_be_inserted_and_deleted_around_a_protected_range(ledger) -> None:
    server, sid, _ = ledger
    persona = _as(server, PERSONA)
    _protect(make_session(server), sid, range={"sheetId": 0, "startRowIndex": 5, "endRowIndex": 8})

    def dim(kind: str, start: int, end: int):
        rng = {"sheetId": 0, "dimension": "ROWS", "startIndex": start, "endIndex": end}
        return batch_update(persona, sid, {kind: {"range": rng}})

    assert dim("insertDimension", 2, 3).status_code == 200  # above: the range moves down
    assert dim("insertDimension", 7, 8).status_code == 400  # strictly inside (now 6..9)
    assert dim("insertDimension", 9, 10).status_code == 200  # right below it
    assert dim("deleteDimension", 3, 4).status_code == 200  # above: moves back up
    assert dim("deleteDimension", 6, 7).status_code == 400  # a protected row
    protected = [p for p in server.protected_ranges(sid, "Data") if "startRowIndex" in p["range"]]
    assert [(p["range"]["startRowIndex"], p["range"]["endRowIndex"]) for p in protected] == [
        (0, 1),
        (5, 8),
    ]


def test_get_shows_editors_only_to_those_who_may_edit(ledger) -> None:
    server, sid, _ = ledger

    def header_range(email: str) -> dict:
        got = _as(server, email).get(f"{BASE}/{sid}", params={"fields": "sheets.protectedRanges"})
        return got.json()["sheets"][0]["protectedRanges"][0]

    assert header_range(PERSONA) == {
        "protectedRangeId": header_range(OWNER)["protectedRangeId"],
        "range": {"startRowIndex": 0, "endRowIndex": 1},
    }
    seen = header_range(EDITOR)
    assert seen["requestingUserCanEdit"] is True
    assert seen["editors"] == {"users": [OWNER, EDITOR]}


def test_only_owner_and_editors_may_change_a_protection(ledger) -> None:
    server, sid, ids = ledger
    remove = {"deleteProtectedRange": {"protectedRangeId": ids["header"]}}
    r = batch_update(_as(server, PERSONA), sid, remove)
    assert r.json()["error"]["message"] == (
        f"Invalid requests[0].deleteProtectedRange: {PROTECTED_MESSAGE}"
    )
    assert batch_update(_as(server, EDITOR), sid, remove).status_code == 200


def test_a_protection_added_by_an_editor_lists_owner_and_editor(ledger) -> None:
    server, sid, _ = ledger
    _protect(_as(server, EDITOR), sid, range={"sheetId": 0, "startRowIndex": 10})
    last = server.protected_ranges(sid, "Data")[-1]
    assert last["editors"] == {"users": [OWNER, EDITOR]}
    r = _as(server, PERSONA).put(
        f"{BASE}/{sid}/values/Data!A12",
        params={"valueInputOption": "RAW"},
        json={"values": [["x"]]},
    )
    assert r.json() == {"error": PROTECTED}


# --------------------------------------------------------------- a person's edits (by=)


def test_person_helpers_honour_protection(ledger) -> None:
    server, sid, _ = ledger
    attempts = [
        lambda: server.set_values(sid, "Data", [["ID"]], "A1", by=PERSONA),
        lambda: server.set_values(sid, "Events", [["x"]], "A9", by=PERSONA),
        lambda: server.rename_header(sid, "Events", "hash", "firma", by=PERSONA),
        lambda: server.insert_rows(sid, "Events", 2, by=PERSONA),
        lambda: server.delete_rows(sid, "Data", 1, by=PERSONA),
        lambda: server.rename_sheet(sid, "Events", "Eventos", by=PERSONA),
        lambda: server.delete_sheet(sid, "Events", by=PERSONA),
        lambda: server.sort_rows(sid, "Events", "hash", by=PERSONA),
    ]
    before = server.metadata(sid, include_grid_data=True)
    for attempt in attempts:
        with pytest.raises(ApiError) as info:
            attempt()
        assert info.value.body() == {"error": PROTECTED}
    assert server.metadata(sid, include_grid_data=True) == before
    # What the persona may touch, they may edit.
    server.set_values(sid, "Data", [["zz"]], "B2", by=PERSONA)
    server.delete_rows(sid, "Data", 4, by=PERSONA)
    assert server.values(sid, "Data") == [
        ["id", "name", "amount"],
        ["3", "zz", "30"],
        ["1", "a", "10"],
    ]
    # Without by= it is the custodian preparing a test: protections do not apply.
    server.rename_header(sid, "Events", "hash", "firma")
    assert server.cell(sid, "Events", "A1") == "firma"


def test_a_person_the_file_is_not_shared_with_cannot_edit(ledger) -> None:
    server, sid, _ = ledger
    with pytest.raises(ApiError) as info:
        server.set_values(sid, "Data", [["x"]], "B2", by="stranger@example.org")
    assert info.value.code == 403


def test_sort_rows_sorts_the_data_below_the_header(ledger) -> None:
    server, sid, _ = ledger
    server.sort_rows(sid, "Data", "id", by=PERSONA)
    assert [r[0] for r in server.values(sid, "Data")] == ["id", "1", "2", "3"]
    server.sort_rows(sid, "Data", "B", descending=True)
    assert server.values(sid, "Data") == [
        ["id", "name", "amount"],
        ["3", "c", "30"],
        ["2", "b", "20"],
        ["1", "a", "10"],
    ]
    with pytest.raises(KeyError):
        server.sort_rows(sid, "Data", "no such column")
