"""Writes wait for nobody: an office lock file or a busy write lock refuses them, unwritten."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from storage_helpers import advance, hold_file_lock, new_request, open_repo, record_publication

from core.adapters.workbook.repository import WorkbookRepository, office_lock_owner
from core.domain.errors import LedgerLocked

LIBRE_LOCK = "Ana Mamani,ana-pc,ana,29.11.2026 10:00,file:///home/ana/.config/libreoffice/4;"


def libre_lock(path: Path) -> Path:
    return path.with_name(f".~lock.{path.name}#")


def excel_lock(path: Path) -> Path:
    return path.with_name(f"~${path.name}")


def test_an_open_libreoffice_lock_file_refuses_the_commit_naming_its_owner(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    libre_lock(path).write_text(LIBRE_LOCK, encoding="utf-8")
    before, writes = path.read_bytes(), repo.writes
    with pytest.raises(LedgerLocked) as refused:
        advance(repo, ids[0])
    message = str(refused.value)
    assert "Ana Mamani" in message
    assert "LibreOffice o Excel" in message and "Ciérrelo" in message
    assert "no se guardó nada" in message
    assert path.read_bytes() == before
    assert repo.writes == writes


def test_reading_still_works_while_the_workbook_is_open_elsewhere(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    libre_lock(path).write_text(LIBRE_LOCK, encoding="utf-8")
    assert open_repo(path).snapshot().ledger.state(ids[0]).seq == 1


@pytest.mark.parametrize(("lock", "content", "owner"), [
    ("libre", "", "LibreOffice"),
    ("libre", ",host,user,date,file", "LibreOffice"),
    ("excel", "\x0bAna Mamani", "Excel"),
], ids=["empty-libreoffice-lock", "libreoffice-lock-without-name", "excel-owner-file"])
def test_a_lock_file_without_a_readable_name_still_refuses_and_names_the_program(
        repo: WorkbookRepository, path: Path, lock: str, content: str, owner: str):
    (libre_lock(path) if lock == "libre" else excel_lock(path)).write_text(content)
    assert office_lock_owner(path) == owner
    before = path.read_bytes()
    with pytest.raises(LedgerLocked, match=f"\\({owner}\\)"):
        record_publication(repo, "No debe guardarse")
    assert path.read_bytes() == before


def test_the_commit_goes_through_once_the_office_lock_file_is_gone(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    lock = libre_lock(path)
    lock.write_text(LIBRE_LOCK, encoding="utf-8")
    with pytest.raises(LedgerLocked):
        advance(repo, ids[0])
    lock.unlink()
    assert advance(repo, ids[0]).seq == 2


def test_a_write_lock_held_by_another_process_beyond_the_timeout_refuses_and_writes_nothing(
        path: Path, demo):
    open_repo(path).create(demo)
    repo = open_repo(path, lock_timeout=0.3)
    request_id = new_request(repo, "Esperando el candado")
    repo.snapshot()
    context = multiprocessing.get_context("spawn")
    locked, release = context.Event(), context.Event()
    holder = context.Process(target=hold_file_lock, args=(str(path), locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        before = path.read_bytes()
        started = time.monotonic()
        with pytest.raises(LedgerLocked) as refused:
            advance(repo, request_id)
        waited = time.monotonic() - started
        assert 0.3 <= waited < 5
        assert "Otra persona está guardando" in str(refused.value)
        assert "no se guardó nada" in str(refused.value)
        assert path.read_bytes() == before
        assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp-")] == []
    finally:
        release.set()
        holder.join(timeout=10)
    assert holder.exitcode == 0
    assert advance(repo, request_id).seq == 2
