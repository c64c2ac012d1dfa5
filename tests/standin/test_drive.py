"""Drive v3: uploads (multipart and resumable), downloads, listing by folder, shared drives,
Drive's permission and storage rules, and the spreadsheet's version for change detection."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from standin_helpers import BASE, append
from support.standin import FakeSheetsServer, make_session
from support.standin.drive import SERVICE_ACCOUNT_NO_STORAGE, parse_multipart, parse_q

FILES = "https://www.googleapis.com/drive/v3/files"
UPLOAD = "https://www.googleapis.com/upload/drive/v3/files"
APP = "app@adsib-rrss.iam.gserviceaccount.com"
ANA = "ana@adsib.gob.bo"
BETO = "beto@adsib.gob.bo"
PDF = b"%PDF-1.7 acta de la reunion\n" * 10


def _multipart(metadata: dict, content: bytes, mime: str = "application/pdf") -> tuple[bytes, str]:
    boundary = "===============7330845974216740156=="
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(metadata)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--".encode()
    )
    return body, f'multipart/related; boundary="{boundary}"'


def _upload(session, metadata: dict, content: bytes = PDF, **params: Any):
    body, content_type = _multipart(metadata, content)
    params.setdefault("uploadType", "multipart")
    return session.post(UPLOAD, params=params, data=body, headers={"Content-Type": content_type})


def _reason(r) -> str:
    return r.json()["error"]["errors"][0]["reason"]


@pytest.fixture
def drive() -> tuple[FakeSheetsServer, str, str]:
    """The app's service account (and Beto) write to a shared drive, Ana reads it; it holds an
    "Adjuntos" folder."""
    server = FakeSheetsServer(seed=4, owner_email=APP)
    shared = server.add_shared_drive("RRSS", {APP: "writer", ANA: "reader", BETO: "writer"})
    folder = server.add_folder("Adjuntos", parent=shared)
    return server, shared, folder


# --------------------------------------------------------------- offline helpers


def test_multipart_bodies_are_split_into_metadata_and_media() -> None:
    body, content_type = _multipart({"name": "a.pdf"}, b"\x00\r\n\xff binary")
    assert parse_multipart(body, content_type) == (
        {"name": "a.pdf"},
        b"\x00\r\n\xff binary",
        "application/pdf",
    )


def test_query_language() -> None:
    record = {
        "name": "acta.pdf",
        "mimeType": "application/pdf",
        "trashed": False,
        "parents": ["F1"],
        "owners": [ANA],
        "modifiedTime": "2027-02-05T10:00:00.000Z",
    }
    assert all(
        f(record) for f in parse_q("'F1' in parents and name = 'acta.pdf' and trashed = false")
    )
    assert all(f(record) for f in parse_q("name contains 'ACTA' and mimeType != 'x'"))
    assert not all(f(record) for f in parse_q("modifiedTime > '2027-02-06T00:00:00'"))
    assert all(f(record) for f in parse_q(f"'{ANA}' in owners"))
    with pytest.raises(Exception, match="Invalid Value"):
        parse_q("fullText contains 'x'")


# --------------------------------------------------------------- the discovery document


def test_parameters_are_held_to_the_discovery_document(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    r = s.get(f"{FILES}/{folder}", params={"supportAllDrives": "true"})  # a typo
    assert r.status_code == 400
    assert r.json()["error"]["errors"][0] == {
        "message": "Invalid parameter: supportAllDrives",
        "domain": "global",
        "reason": "invalidParameter",
        "location": "supportAllDrives",
        "locationType": "parameter",
    }
    # gspread sends includeItemsFromAllDrives to files.get; Google was recorded accepting it.
    ok = s.get(
        f"{FILES}/{folder}",
        params={"supportsAllDrives": "True", "includeItemsFromAllDrives": "True"},
    )
    assert ok.status_code == 200
    assert s.get(f"{FILES}/{folder}/nowhere").status_code == 404
    assert s.get(FILES, params={"corpora": "user", "pageSize": "many"}).status_code == 400


def test_read_only_and_unknown_body_fields_are_refused(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    r = _upload(s, {"name": "a.pdf", "parents": [folder], "size": "12"}, supportsAllDrives="true")
    assert r.status_code == 403 and _reason(r) == "fieldNotWritable"
    r = _upload(
        s, {"name": "a.pdf", "parents": [folder], "color": "red"}, supportsAllDrives="true"
    )
    assert r.status_code == 400


# --------------------------------------------------------------- uploads and downloads


def test_multipart_upload_into_a_shared_drive_folder(drive) -> None:
    server, shared, folder = drive
    s = make_session(server)
    r = _upload(
        s,
        {"name": "acta.pdf", "parents": [folder], "description": "acta 2027-02-05"},
        supportsAllDrives="true",
        fields="id,name,mimeType,size,md5Checksum,sha256Checksum,parents,driveId,version,"
        "description,createdTime,modifiedTime",
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got == {
        "id": got["id"],
        "name": "acta.pdf",
        "mimeType": "application/pdf",
        "size": str(len(PDF)),
        "md5Checksum": hashlib.md5(PDF).hexdigest(),
        "sha256Checksum": hashlib.sha256(PDF).hexdigest(),
        "parents": [folder],
        "driveId": shared,
        "version": "1",
        "description": "acta 2027-02-05",
        "createdTime": got["createdTime"],
        "modifiedTime": got["modifiedTime"],
    }
    assert server.file_content(got["id"]) == PDF
    download = s.get(f"{FILES}/{got['id']}", params={"alt": "media", "supportsAllDrives": "true"})
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    default = s.get(f"{FILES}/{got['id']}", params={"supportsAllDrives": "true"}).json()
    assert default == {
        "kind": "drive#file",
        "id": got["id"],
        "name": "acta.pdf",
        "mimeType": "application/pdf",
    }


def test_resumable_upload_in_chunks(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    start = s.post(
        UPLOAD,
        params={"uploadType": "resumable", "supportsAllDrives": "true", "fields": "id,size"},
        json={"name": "foto.jpg", "parents": [folder]},
        headers={"X-Upload-Content-Type": "image/jpeg", "X-Upload-Content-Length": "300"},
    )
    assert start.status_code == 200, start.text
    session_uri = start.headers["Location"]
    assert session_uri.startswith(f"{UPLOAD}?uploadType=resumable&upload_id=")
    data = bytes(range(256)) + bytes(44)
    first = s.put(session_uri, data=data[:256], headers={"Content-Range": "bytes 0-255/300"})
    assert first.status_code == 308
    assert first.headers["Range"] == "bytes=0-255"
    status = s.put(session_uri, data=b"", headers={"Content-Range": "bytes */300"})
    assert (status.status_code, status.headers["Range"]) == (308, "bytes=0-255")
    done = s.put(session_uri, data=data[256:], headers={"Content-Range": "bytes 256-299/300"})
    assert done.status_code == 200, done.text
    assert done.json()["size"] == "300"
    meta = server.file_metadata(done.json()["id"])
    assert meta["mimeType"] == "image/jpeg" and server.file_content(meta["id"]) == data
    assert s.put(session_uri, data=b"x").status_code == 404  # the session is over


def test_a_spreadsheet_cannot_be_downloaded_as_media(drive) -> None:
    server, _, _ = drive
    sid = server.create_spreadsheet("Libro")
    r = make_session(server).get(f"{FILES}/{sid}", params={"alt": "media"})
    assert r.status_code == 403 and _reason(r) == "fileNotDownloadable"


# --------------------------------------------------------------- Drive's rules


def test_shared_drive_items_need_supports_all_drives(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    assert s.get(f"{FILES}/{folder}").status_code == 404
    r = _upload(s, {"name": "a.pdf", "parents": [folder]})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == f"File not found: {folder}."


def test_service_accounts_have_no_my_drive_storage(drive) -> None:
    server, _, _ = drive
    r = _upload(make_session(server), {"name": "a.pdf"})
    assert r.status_code == 403
    assert r.json()["error"] == {
        "code": 403,
        "message": SERVICE_ACCOUNT_NO_STORAGE,
        "errors": [
            {
                "message": SERVICE_ACCOUNT_NO_STORAGE,
                "domain": "usageLimits",
                "reason": "storageQuotaExceeded",
            }
        ],
    }
    legacy = FakeSheetsServer(owner_email=APP, service_accounts_have_storage=True)
    assert _upload(make_session(legacy), {"name": "a.pdf"}).status_code == 200
    # A person's My Drive is fine, and so is a spreadsheet created by the account.
    assert _upload(make_session(server, as_email=ANA), {"name": "a.pdf"}).status_code == 200
    sheet = make_session(server).post(
        FILES, json={"name": "Libro", "mimeType": "application/vnd.google-apps.spreadsheet"}
    )
    assert sheet.status_code == 200


def test_folder_access_decides_who_may_upload(drive) -> None:
    server, _, _ = drive
    folder = server.add_folder("Privado", owner=ANA)
    beto = make_session(server, as_email=BETO)
    r = _upload(beto, {"name": "a.pdf", "parents": [folder]})
    assert r.status_code == 404 and _reason(r) == "notFound"
    server.share(folder, BETO, role="reader")
    r = _upload(beto, {"name": "a.pdf", "parents": [folder]})
    assert r.status_code == 403 and _reason(r) == "insufficientParentPermissions"
    server.share(folder, BETO, role="writer")
    r = _upload(beto, {"name": "a.pdf", "parents": [folder]}, fields="owners,parents")
    assert r.status_code == 200, r.text
    assert r.json()["parents"] == [folder]
    assert r.json()["owners"][0]["emailAddress"] == BETO


def test_shared_drive_readers_cannot_upload(drive) -> None:
    server, _, folder = drive
    ana = make_session(server, as_email=ANA)
    r = _upload(ana, {"name": "a.pdf", "parents": [folder]}, supportsAllDrives="true")
    assert r.status_code == 403 and _reason(r) == "insufficientParentPermissions"
    assert ana.get(f"{FILES}/{folder}", params={"supportsAllDrives": "true"}).status_code == 200


def test_one_parent_only(drive) -> None:
    server, _, folder = drive
    other = server.add_folder("Otra", parent=folder)
    r = _upload(
        make_session(server),
        {"name": "a.pdf", "parents": [folder, other]},
        supportsAllDrives="true",
    )
    assert r.status_code == 403 and _reason(r) == "cannotAddParent"


def test_a_users_storage_quota() -> None:
    server = FakeSheetsServer(storage_quota_bytes=100)
    ana = make_session(server, as_email=ANA)
    assert _upload(ana, {"name": "a.bin"}, content=b"x" * 60).status_code == 200
    r = _upload(ana, {"name": "b.bin"}, content=b"x" * 60)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "The user's Drive storage quota has been exceeded."


def test_drive_faults_can_be_injected_with_a_reason(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    server.inject(None, reason="storageQuotaExceeded", match="drive.files.create")
    r = _upload(s, {"name": "a.pdf", "parents": [folder]}, supportsAllDrives="true")
    assert r.status_code == 403 and _reason(r) == "storageQuotaExceeded"
    server.inject(403, reason="insufficientFilePermissions", match="drive.files.get")
    r = s.get(f"{FILES}/{folder}", params={"supportsAllDrives": "true"})
    assert r.json()["error"]["message"] == (
        "The user does not have sufficient permissions for this file."
    )
    server.inject(503, match="drive")
    assert _reason(s.get(FILES)) == "backendError"
    assert (
        _upload(s, {"name": "a.pdf", "parents": [folder]}, supportsAllDrives="true").status_code
        == 200
    )


# --------------------------------------------------------------- list, update, delete


def test_list_by_folder_name_and_trash(drive) -> None:
    server, shared, folder = drive
    s = make_session(server)
    ids = {}
    for name in ("a.pdf", "b.pdf"):
        r = _upload(s, {"name": name, "parents": [folder]}, supportsAllDrives="true")
        ids[name] = r.json()["id"]
    r = s.patch(
        f"{FILES}/{ids['b.pdf']}", params={"supportsAllDrives": "true"}, json={"trashed": True}
    )
    assert r.status_code == 200, r.text
    params = {
        "supportsAllDrives": "true",
        "includeItemsFromAllDrives": "true",
        "fields": "files(id,name)",
    }

    def names(q: str, **extra: str) -> list[str]:
        got = s.get(FILES, params={**params, "q": q, **extra})
        assert got.status_code == 200, got.text
        return sorted(f["name"] for f in got.json()["files"])

    assert names(f"'{folder}' in parents") == ["a.pdf", "b.pdf"]
    assert names(f"'{folder}' in parents and trashed = false") == ["a.pdf"]
    assert names("name = 'a.pdf'", corpora="drive", driveId=shared) == ["a.pdf"]
    hidden = s.get(FILES, params={"q": f"'{folder}' in parents", "fields": "files(name)"})
    assert hidden.json()["files"] == []  # shared-drive items need includeItemsFromAllDrives
    assert s.get(FILES, params={**params, "driveId": shared}).status_code == 400
    assert s.get(FILES, params={**params, "corpora": "drive"}).status_code == 400


def test_update_renames_and_replaces_content(drive) -> None:
    server, _, folder = drive
    s = make_session(server)
    file_id = _upload(s, {"name": "a.pdf", "parents": [folder]}, supportsAllDrives="true").json()[
        "id"
    ]
    r = s.patch(
        f"{FILES}/{file_id}",
        params={"supportsAllDrives": "true", "fields": "name,version"},
        json={"name": "acta.pdf"},
    )
    assert r.json() == {"name": "acta.pdf", "version": "2"}
    r = s.patch(
        f"{UPLOAD}/{file_id}",
        params={"uploadType": "media", "supportsAllDrives": "true", "fields": "size,version"},
        data=b"new bytes",
        headers={"Content-Type": "application/pdf"},
    )
    assert r.json() == {"size": "9", "version": "3"}
    assert server.file_content(file_id) == b"new bytes"
    r = s.patch(
        f"{FILES}/{file_id}", params={"supportsAllDrives": "true"}, json={"parents": [folder]}
    )
    assert r.status_code == 403 and _reason(r) == "fieldNotWritable"


def test_only_owners_delete(drive) -> None:
    server, _, _ = drive
    folder = server.add_folder("Compartida", owner=ANA)
    server.share(folder, BETO, role="writer")
    beto = make_session(server, as_email=BETO)
    file_id = _upload(beto, {"name": "a.pdf", "parents": [folder]}).json()["id"]
    ana = make_session(server, as_email=ANA)
    r = ana.delete(f"{FILES}/{file_id}")
    assert r.status_code == 403 and _reason(r) == "insufficientFilePermissions"
    assert beto.delete(f"{FILES}/{file_id}").status_code == 204
    assert beto.get(f"{FILES}/{file_id}").status_code == 404


# --------------------------------------------------------------- the spreadsheet's record


def test_spreadsheet_version_changes_on_every_write(server: FakeSheetsServer, sid: str) -> None:
    s = make_session(server)

    def stamp() -> tuple[int, str]:
        got = s.get(f"{FILES}/{sid}", params={"fields": "version,modifiedTime"}).json()
        return int(got["version"]), got["modifiedTime"]

    first = stamp()
    assert s.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200
    assert stamp() == first  # reads change nothing
    append(s, sid, "Sheet1", [["a"]])
    second = stamp()
    append(s, sid, "Sheet1", [["b"]])
    third = stamp()
    server.set_values(sid, "Sheet1", [["typed"]], "C1")  # a person's edit counts too
    fourth = stamp()
    assert first[0] < second[0] < third[0] < fourth[0]
    assert len({first[1], second[1], third[1], fourth[1]}) == 4


def test_sheets_access_follows_drive_folder_sharing(drive) -> None:
    server, _, _ = drive
    folder = server.add_folder("Libros", owner=ANA)
    ana = make_session(server, as_email=ANA)
    created = ana.post(
        FILES,
        json={
            "name": "Libro",
            "parents": [folder],
            "mimeType": "application/vnd.google-apps.spreadsheet",
        },
    )
    sid = created.json()["id"]
    beto = make_session(server, as_email=BETO)
    assert beto.get(f"{BASE}/{sid}").status_code == 403
    server.share(folder, BETO, role="writer")
    assert append(beto, sid, "Sheet1", [["x"]]).status_code == 200


def test_a_spreadsheet_in_a_shared_drive_keeps_its_protections(drive) -> None:
    server, shared, folder = drive
    app = make_session(server)
    created = app.post(
        FILES,
        params={"supportsAllDrives": "true", "fields": "id,driveId,parents"},
        json={
            "name": "Libro",
            "parents": [folder],
            "mimeType": "application/vnd.google-apps.spreadsheet",
        },
    )
    assert created.status_code == 200, created.text
    sid = created.json()["id"]
    assert created.json()["driveId"] == shared
    r = app.post(
        f"{BASE}/{sid}:batchUpdate",
        json={
            "requests": [
                {
                    "addProtectedRange": {
                        "protectedRange": {"range": {"sheetId": 0}, "editors": {"users": [APP]}}
                    }
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    beto = make_session(server, as_email=BETO)
    assert (
        append(beto, sid, "Sheet1", [["x"]])
        .json()["error"]["message"]
        .startswith("You are trying to edit a protected cell")
    )
    ana = make_session(server, as_email=ANA)  # a reader of the shared drive
    assert ana.get(f"{BASE}/{sid}/values/Sheet1").status_code == 200
    assert append(ana, sid, "Sheet1", [["x"]]).status_code == 403
    assert append(app, sid, "Sheet1", [["ok"]]).status_code == 200
