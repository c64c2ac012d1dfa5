"""A repository whose last read is stale re-reads before writing and guards on fresh data."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from storage_helpers import (
    NOW,
    advance,
    column,
    fresh_write,
    open_repo,
    record_publication,
    sheets,
)

from core.adapters.tabular import RawChange, Snapshot
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import ConcurrentChange
from core.domain.ports import Change
from core.services import requests as services


class PageView:
    """What a page holds: the snapshot it rendered, committing through the live repository."""

    def __init__(self, repo: WorkbookRepository, pinned: Snapshot) -> None:
        self.repo = repo
        self.pinned = pinned

    def snapshot(self) -> Snapshot:
        return self.pinned

    def commit(self, change: Change) -> Snapshot:
        return self.repo.commit(change)


def add_unit_by_hand(path: Path) -> None:
    """A person adds a unit in a spreadsheet program and saves in place."""
    book = openpyxl.load_workbook(path)
    book["unidades"].append(["UTIC", "Unidad de TIC añadida a mano", "sí"])
    book.save(path)


def test_a_row_added_by_hand_after_the_last_read_survives_the_next_commit(
        repo: WorkbookRepository, path: Path, ids: list[str], demo):
    repo.snapshot()
    add_unit_by_hand(path)
    advance(repo, ids[0])
    units = column(sheets(path)["unidades"], "codigo")
    assert units[-1] == "UTIC" and len(units) == len(demo["unidades"]) + 1
    assert "UTIC" in repo.snapshot().ledger.units
    assert repo.snapshot().ledger.state(ids[0]).seq == 2


def test_the_full_rewrite_after_a_change_by_hand_equals_a_fresh_write(
        repo: WorkbookRepository, path: Path, ids: list[str], tmp_path: Path):
    advance(repo, ids[0])  # the writer's row cache is warm
    add_unit_by_hand(path)
    advance(repo, ids[1])
    record_publication(repo, "Después del cambio a mano")
    assert sheets(path) == fresh_write(tmp_path / "fresh.xlsx", path)
    assert "UTIC" in open_repo(path).snapshot().ledger.units


def test_a_commit_by_another_repository_instance_is_kept_by_the_next_commit(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    other = open_repo(path)
    repo.snapshot()
    record_publication(other, "Publicada por el otro proceso")
    advance(repo, ids[0], event_id="evt-a")
    record_publication(other, "Otra más del otro proceso")
    advance(repo, ids[1], event_id="evt-b")
    content = sheets(path)
    titles = column(content["publicaciones_directas"], "titulo")
    assert titles[-2:] == ["Publicada por el otro proceso", "Otra más del otro proceso"]
    assert column(content["eventos"], "id_evento")[-1] == "evt-b"
    assert "evt-a" in column(content["eventos"], "id_evento")
    assert repo.snapshot().ledger.issues == [] and other.snapshot().ledger.issues == []


def test_the_guard_sees_the_other_writers_event_and_refuses_with_concurrent_change(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    request_id = ids[0]
    page = PageView(repo, repo.snapshot())
    assert page.snapshot().ledger.state(request_id).seq == 1
    first = advance(open_repo(path), request_id)  # someone else acts first
    before = path.read_bytes()
    with pytest.raises(ConcurrentChange) as refused:
        services.act(page, "directora", request_id, "avanzar", expected_seq=1, now=NOW)
    assert "Otra persona ya actuó" in str(refused.value)
    assert path.read_bytes() == before
    state = repo.snapshot().ledger.state(request_id)
    assert (state.seq, state.stage) == (first.seq, first.stage) == (2, first.stage)


def test_the_guard_runs_on_content_written_by_hand_after_the_last_read(
        repo: WorkbookRepository, path: Path):
    repo.snapshot()
    add_unit_by_hand(path)
    seen: list[set[str]] = []

    def guard(fresh) -> None:
        seen.append(set(fresh.units))

    repo.commit(RawChange(guard=guard).append_cells("unidades",
                                                    {"codigo": "UX", "nombre": "Otra"}))
    assert seen and "UTIC" in seen[0]
    assert column(sheets(path)["unidades"], "codigo")[-2:] == ["UTIC", "UX"]
