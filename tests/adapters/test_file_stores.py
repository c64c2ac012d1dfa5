"""The two file stores on their own: the folder beside the workbook (content-addressed,
never overwritten, written atomically) and Google Drive on the stand-in (multipart and
resumable uploads into a shared drive's folder, Google's errors in Spanish)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support.material_files import big_jpeg, image_bytes
from support.standin import FakeSheetsServer, make_session

from core.adapters.files.drive import DriveFileStore
from core.adapters.files.local import LocalFileStore, folder_beside
from core.domain.errors import FileStoreError

SERVICE = "rrss-app@adsib-rrss.iam.gserviceaccount.com"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the local folder ----------------------------------------------------------------------


def test_the_local_folder_sits_beside_the_workbook() -> None:
    assert folder_beside(Path("data/ledger.xlsx")) == Path("data/ledger-archivos")


def test_a_local_file_is_named_by_its_hash_and_stored_once(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "archivos")
    data = image_bytes()
    first = store.put(data, "afiche.png", "image/png", sha(data))
    again = store.put(data, "otro nombre.png", "image/png", sha(data))
    assert first.storage_id == sha(data) and first.created and not again.created
    assert (tmp_path / "archivos" / sha(data)).read_bytes() == data
    assert store.get(first.storage_id) == data
    assert store.inventory() == {sha(data): sha(data)}
    assert [p.name for p in (tmp_path / "archivos").iterdir()] == [sha(data)]  # no temp left


def test_a_local_file_is_never_overwritten(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    data = image_bytes()
    (tmp_path / sha(data)).write_bytes(b"tampered")  # someone replaced it by hand
    assert not store.put(data, "a.png", "image/png", sha(data)).created
    assert (tmp_path / sha(data)).read_bytes() == b"tampered"
    assert store.inventory()[sha(data)] == sha(b"tampered")  # the audit will see it


def test_a_local_id_that_is_not_a_hash_is_refused(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(FileStoreError, match="no es un identificador"):
        store.get("../ledger.xlsx")


def test_a_local_write_that_fails_leaves_nothing_and_explains(tmp_path: Path) -> None:
    blocker = tmp_path / "archivos"
    blocker.write_text("a file where the folder should be")
    store = LocalFileStore(blocker / "dentro")
    data = image_bytes()
    with pytest.raises(FileStoreError, match="no se guardó nada"):
        store.put(data, "a.png", "image/png", sha(data))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archivos"]


# -- Google Drive on the stand-in -------------------------------------------------------------


@pytest.fixture
def drive() -> tuple[FakeSheetsServer, str]:
    server = FakeSheetsServer(owner_email=SERVICE)
    shared = server.add_shared_drive("Publicaciones RRSS", members={SERVICE: "fileOrganizer"})
    folder = server.add_folder("Material", parent=shared)
    return server, folder


def drive_calls(server: FakeSheetsServer) -> list[object]:
    return [c for c in server.calls if (c.operation or "").startswith("drive")
            or "upload_id" in c.query]


def store_on(server: FakeSheetsServer, folder: str, **options: object) -> DriveFileStore:
    return DriveFileStore(make_session(server), folder, account_email=SERVICE,
                          sleep=lambda _: None, **options)  # type: ignore[arg-type]


def test_a_small_file_goes_to_the_shared_drive_in_one_multipart_request(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    store = store_on(server, folder)
    data = image_bytes()
    server.reset_metrics()
    stored = store.put(data, "afiche.png", "image/png", sha(data))
    assert server.file_content(stored.storage_id) == data
    metadata = server.file_metadata(stored.storage_id)
    assert metadata["parents"] == [folder] and metadata["name"] == "afiche.png"
    assert metadata["sha256Checksum"] == sha(data) and metadata["mimeType"] == "image/png"
    (call,) = drive_calls(server)
    assert call.query["uploadType"] == ["multipart"]
    assert call.query["supportsAllDrives"] == ["true"]
    assert store.get(stored.storage_id) == data
    assert store.inventory() == {stored.storage_id: sha(data)}


def test_a_large_file_goes_up_in_resumable_chunks(drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    store = store_on(server, folder, chunk_size=1024 * 1024)
    data = big_jpeg(5)
    server.reset_metrics()
    stored = store.put(data, "foto.jpg", "image/jpeg", sha(data))
    assert server.file_content(stored.storage_id) == data
    calls: list = drive_calls(server)
    assert calls[0].method == "POST" and calls[0].query["uploadType"] == ["resumable"]
    assert [c.status for c in calls[1:-1]] == [308] * (len(calls) - 2)
    assert calls[-1].status == 200 and len(calls) == 1 + -(-len(data) // (1024 * 1024))


def test_a_lost_chunk_answer_resumes_from_what_drive_holds(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    store = store_on(server, folder, chunk_size=256 * 1024, multipart_limit=0)
    data = big_jpeg(1)
    server.inject_timeout(times=1, after_apply=True,
                          match=lambda c: c.method == "PUT" and "upload_id" in c.query)
    stored = store.put(data, "foto.jpg", "image/jpeg", sha(data))
    assert server.file_content(stored.storage_id) == data


def test_a_service_account_outside_a_shared_drive_is_told_why(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, _ = drive
    my_drive = server.add_folder("Mi carpeta", owner=SERVICE)
    store = store_on(server, my_drive)
    data = image_bytes()
    with pytest.raises(FileStoreError, match="unidad compartida") as refused:
        store.put(data, "a.png", "image/png", sha(data))
    assert "No se guardó nada" in refused.value.message


def test_an_injected_quota_error_is_explained_in_spanish(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    server.inject(None, times=1, match="drive.files.create", reason="storageQuotaExceeded")
    data = image_bytes()
    with pytest.raises(FileStoreError, match="cuota de almacenamiento agotada"):
        store_on(server, folder).put(data, "a.png", "image/png", sha(data))


def test_a_folder_the_account_may_only_read_is_a_permission_message(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, _ = drive
    shared = server.add_shared_drive("Solo lectura", members={SERVICE: "reader"})
    folder = server.add_folder("Material", parent=shared)
    data = image_bytes()
    with pytest.raises(FileStoreError, match="no tiene permiso"):
        store_on(server, folder).put(data, "a.png", "image/png", sha(data))


def test_a_wrong_folder_id_says_where_to_find_the_right_one(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, _ = drive
    data = image_bytes()
    with pytest.raises(FileStoreError, match="después de /folders/"):
        store_on(server, "1NoExiste").put(data, "a.png", "image/png", sha(data))


def test_drive_rate_limits_are_retried(drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    server.inject(None, times=2, match="drive.files.create", reason="userRateLimitExceeded")
    data = image_bytes()
    stored = store_on(server, folder).put(data, "a.png", "image/png", sha(data))
    assert server.file_content(stored.storage_id) == data


def test_a_deleted_upload_is_gone_from_the_folder(drive: tuple[FakeSheetsServer, str]) -> None:
    server, folder = drive
    store = store_on(server, folder)
    data = image_bytes()
    stored = store.put(data, "a.png", "image/png", sha(data))
    store.delete(stored.storage_id)
    assert store.inventory() == {}


def test_an_upload_the_account_may_not_delete_goes_to_the_trash(
        drive: tuple[FakeSheetsServer, str]) -> None:
    server, _ = drive
    shared = server.add_shared_drive("Colaboración", members={SERVICE: "writer"})
    folder = server.add_folder("Material", parent=shared)
    store = store_on(server, folder)
    data = image_bytes()
    stored = store.put(data, "a.png", "image/png", sha(data))
    store.delete(stored.storage_id)
    assert server.file_metadata(stored.storage_id)["trashed"] is True
    assert store.inventory() == {}
