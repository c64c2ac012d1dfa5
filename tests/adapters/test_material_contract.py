"""The material under approval on every backend: the local workbook with its folder of
files, and Google Sheets with Google Drive (both on the in-process stand-ins).

Attach, return and replace, approve, change after approval (sent back), publish the pinned
version; a stored file whose bytes changed is reported by the audit; hostile files are
refused; a refused write leaves neither a row nor a file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from contract_helpers import NOW, Backend, WorkbookBackend
from support.material_files import (
    HTML_AS_PNG,
    SVG_WITH_SCRIPT,
    image_bytes,
    png_bomb,
    two_hundred_megabytes,
)
from support.material_flow import (
    new_p3_request,
    post,
    stamps,
    state_of,
    step,
    to_stage,
    with_image,
)
from support.standin import make_session

from core.adapters.files.drive import DriveFileStore
from core.adapters.files.local import LocalFileStore, folder_beside
from core.domain.errors import DomainError, FileStoreError, InvalidInput
from core.domain.models import Material, Network
from core.domain.ports import FileStore
from core.services import materials

PERSON = "custodio@adsib.gob.bo"  # someone with edit rights on the shared drive


class Files:
    """The backend's file store, and what a person could do to a stored file by hand."""

    def __init__(self, backend: Backend, store: FileStore, folder: str = "") -> None:
        self.backend = backend
        self.store = store
        self.folder = folder

    def replace_bytes(self, storage_id: str, data: bytes) -> None:
        if isinstance(self.store, LocalFileStore):
            (self.store.folder / storage_id).write_bytes(data)
            return
        server = self.backend.server  # type: ignore[attr-defined]
        session = make_session(server, as_email=PERSON)
        answer = session.patch(
            f"https://www.googleapis.com/upload/drive/v3/files/{storage_id}",
            params={"uploadType": "media", "supportsAllDrives": "true"}, data=data,
            headers={"Content-Type": "image/png"})
        assert answer.status_code == 200, answer.text


@pytest.fixture
def files(backend: Backend) -> Iterator[Files]:
    if isinstance(backend, WorkbookBackend):
        yield Files(backend, LocalFileStore(folder_beside(backend.path)))
        return
    server = getattr(backend, "server", None)
    if server is None:
        folder = os.environ.get("RRSS_LIVE_DRIVE_FOLDER_ID", "")
        if not folder:
            pytest.skip("live: defina RRSS_LIVE_DRIVE_FOLDER_ID (carpeta de una unidad "
                        "compartida)")
        session = backend.client.http_client.session  # type: ignore[attr-defined]
        yield Files(backend, DriveFileStore(session, folder), folder)
        return
    account = backend.account_email  # type: ignore[attr-defined]
    shared = server.add_shared_drive(f"RRSS {uuid.uuid4().hex[:6]}",
                                     members={account: "fileOrganizer", PERSON: "writer"})
    folder = server.add_folder("Material", parent=shared)
    # The same authorised session the Sheets adapter uses.
    session = backend.client.http_client.session  # type: ignore[attr-defined]
    yield Files(backend, DriveFileStore(session, folder, account_email=account,
                                        sleep=lambda _: None, retry_seconds=2), folder)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_material_goes_from_attachment_to_the_published_pinned_version(
        backend: Backend, files: Files) -> None:
    repo = backend.open()
    store = files.store
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 4, NOW)
    step(repo, rid, NOW, draft=post("Propuesta: sábado sin atención"), store=store)
    step(repo, rid, NOW, outcome="devolver:4", comment="Indique el horario.")
    step(repo, rid, NOW, draft=post("Propuesta: sábado sin atención de 8:00 a 12:00"),
         store=store)
    step(repo, rid, NOW)  # 5: the unit authorises the proposal (pins version 2)
    assert stamps(repo, rid).pinned.version == 2  # type: ignore[union-attr]
    poster = image_bytes("PNG", (1080, 1080))
    step(repo, rid, NOW, draft=with_image(poster, text="Sábado cerrado #nicbo"), store=store)
    step(repo, rid, NOW)  # 7: approved
    to_stage(repo, rid, 9, NOW)
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert view.latest is not None and view.pinned == view.latest
    fixed = image_bytes("PNG", (1080, 1080), colour=(10, 120, 200))
    state = state_of(repo, rid)
    materials.change_after_approval(
        repo, "admin.rrss", rid, materials.Submission(materials.Draft(
            texts={Network.ALL: "Sábado cerrado #nicbo"},
            uploads=[materials.Upload("afiche-corregido.png", fixed)]), store),
        comment="Colores del manual de marca.", expected_seq=state.seq, now=NOW)
    assert state_of(repo, rid).stage == 7
    step(repo, rid, NOW)  # 7: approved again
    to_stage(repo, rid, 9, NOW)
    step(repo, rid, NOW)  # 9: published

    # Another app server reads the same ledger and store.
    ledger = backend.open().snapshot().ledger
    view = materials.request_material(ledger, rid)
    assert [v.number for v in view.versions] == [1, 2, 3, 4]
    assert all(v.intact for v in view.versions)
    published = view.published
    assert published is not None and published.number == 4 and published == view.pinned
    (image,) = published.images()
    assert image.name == "afiche-corregido.png"
    assert store.get(image.storage_id) == fixed
    state = ledger.state(rid)
    assert state is not None and state.status.value == "publicada"
    data = json.loads(state.events[-1].data)
    assert data["material_publicado"] == {"version": 4, "sha256": published.stamp.sha256}  # type: ignore[union-attr]
    assert materials.verify_files(ledger, store).intact
    assert materials.orphans(ledger, store) == []


def test_a_stored_file_whose_bytes_changed_is_reported_by_the_audit(
        backend: Backend, files: Files) -> None:
    repo = backend.open()
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=with_image(image_bytes()), store=files.store)
    piece = materials.request_material(repo.snapshot().ledger, rid).latest.images()[0]  # type: ignore[union-attr]
    files.replace_bytes(piece.storage_id, image_bytes(colour=(0, 0, 0)))
    audit = materials.verify_files(backend.open().snapshot().ledger, files.store)
    (finding,) = audit.findings
    assert (finding.subject, finding.name) == (rid, piece.name)
    assert finding.sha256_recorded == piece.sha256 != finding.sha256_now
    assert finding.sha256_now == sha(image_bytes(colour=(0, 0, 0)))


@pytest.mark.parametrize("name, data", [
    ("foto.png", HTML_AS_PNG), ("logo.svg", SVG_WITH_SCRIPT),
    ("enorme.png", two_hundred_megabytes()), ("bomba.png", png_bomb()),
], ids=["html-renamed-png", "svg-with-script", "200-mb", "zip-bomb"])
def test_hostile_files_are_refused_and_nothing_is_stored(
        backend: Backend, files: Files, name: str, data: bytes) -> None:
    repo = backend.open()
    rid = new_p3_request(repo, NOW)
    before = to_stage(repo, rid, 6, NOW)
    with pytest.raises(InvalidInput):
        step(repo, rid, NOW, store=files.store,
             draft=materials.Draft(uploads=[materials.Upload(name, data)]))
    ledger = backend.open().snapshot().ledger
    assert ledger.all(Material) == [] and state_of(repo, rid).seq == before.seq
    assert files.store.inventory() == {}


def test_a_write_the_ledger_refuses_leaves_no_file_behind(
        backend: Backend, files: Files) -> None:
    repo = backend.open()
    rid = new_p3_request(repo, NOW)
    before = to_stage(repo, rid, 6, NOW)
    if isinstance(backend, WorkbookBackend):  # a person has the workbook open
        Path(backend.path).with_name(f".~lock.{Path(backend.path).name}#").write_text(
            "Ana,ana-pc,ana-pc,01.12.2026 10:00,file:///home/ana;")
    elif backend.server is not None:  # type: ignore[attr-defined]
        backend.server.inject(403, times=5, match="spreadsheets.batchUpdate")  # type: ignore[attr-defined]
    else:
        pytest.skip("live: no way to make Google refuse a write on purpose")
    with pytest.raises(DomainError):
        step(repo, rid, NOW, draft=with_image(image_bytes()), store=files.store)
    assert files.store.inventory() == {}
    assert backend.open().snapshot().ledger.all(Material) == []
    assert state_of(backend.open(), rid).seq == before.seq


def test_a_drive_quota_error_records_nothing_and_says_why(
        backend: Backend, files: Files) -> None:
    server = getattr(backend, "server", None)
    if server is None:
        pytest.skip("Google Drive's quota is only provoked on the stand-in")
    repo = backend.open()
    rid = new_p3_request(repo, NOW)
    before = to_stage(repo, rid, 6, NOW)
    creates: list[object] = []

    def second_upload(call: object) -> bool:
        if getattr(call, "operation", None) != "drive.files.create":
            return False
        creates.append(call)
        return len(creates) == 2

    server.inject(None, times=1, reason="storageQuotaExceeded", match=second_upload)
    draft = materials.Draft(uploads=[materials.Upload("a.png", image_bytes()),
                                     materials.Upload("b.png", image_bytes(colour=(1, 2, 3)))])
    with pytest.raises(FileStoreError, match="cuota de almacenamiento agotada"):
        step(repo, rid, NOW, draft=draft, store=files.store)
    assert files.store.inventory() == {}  # the first upload was undone
    ledger = backend.open().snapshot().ledger
    assert ledger.all(Material) == [] and state_of(repo, rid).seq == before.seq
