"""The incremental writer's file always equals a full fresh write of the same tabs."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest
from storage_helpers import (
    NOW,
    advance,
    can_advance,
    fresh_write,
    open_repo,
    record_publication,
    sheets,
)

from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import XlsxWriter, read_workbook
from core.services import requests as services

WORDS = ["", "a", "b c", "=1+1", "ñandú", "😀", "_x0041_", "línea\nnueva", " s ", "x" * 300]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, per repository write, whether it asked for an incremental write."""
    calls: list[bool] = []
    real = XlsxWriter.write

    def write(self, path, sheets, touched=None):  # type: ignore[no-untyped-def]
        if Path(path).name.startswith(".tmp-"):  # not the tests' own fresh writes
            calls.append(touched is not None)
        return real(self, path, sheets, touched)

    monkeypatch.setattr(XlsxWriter, "write", write)
    return calls


def snapshot_as_sheets(repo: WorkbookRepository) -> dict[str, list[list[str]]]:
    return {name: [raw.header, *raw.rows] for name, raw in repo.snapshot().tabs.items()}


def test_many_incremental_appends_and_updates_give_the_same_file_as_a_fresh_write(
        repo: WorkbookRepository, path: Path, tmp_path: Path, spy: list[bool]):
    for round_number in range(3):
        for request_id in sorted(repo.snapshot().ledger.requests):
            if can_advance(repo, request_id):
                advance(repo, request_id)
        record_publication(repo, f"Ronda {round_number}: =enlace ñ")
        services.create_request(repo, "solicitante", {
            "procedure": 3, "title": f"Nueva {round_number}", "objective": "o",
            "summary": "s",
        }, NOW)
        assert sheets(path) == fresh_write(tmp_path / f"fresh{round_number}.xlsx", path)
        assert sheets(path) == snapshot_as_sheets(repo)
    assert len(spy) > 20 and all(spy)  # every one of them was incremental
    # The ledger each commit re-parsed incrementally equals one parsed from scratch.
    reopened = open_repo(path).snapshot().ledger
    assert reopened.issues == repo.snapshot().ledger.issues == []
    assert reopened.states == repo.snapshot().ledger.states


def test_a_change_by_hand_forces_one_full_rewrite_and_incremental_writes_stay_exact_after(
        repo: WorkbookRepository, path: Path, ids: list[str], tmp_path: Path, spy: list[bool]):
    advance(repo, ids[0])
    book = openpyxl.load_workbook(path)
    requests = book["solicitudes"]
    header = [c.value for c in requests[1]]
    row = next(r for r in requests.iter_rows(min_row=2) if r[0].value == ids[0])
    row[header.index("titulo")].value = "Título corregido a mano"
    book["unidades"].append(["UTIC", "Unidad de TIC", "sí"])
    book.save(path)
    advance(repo, ids[0])
    advance(repo, ids[1])
    record_publication(repo, "Tras la edición a mano")
    assert spy == [True, False, True, True]
    assert sheets(path) == fresh_write(tmp_path / "fresh.xlsx", path)
    assert sheets(path) == snapshot_as_sheets(repo)
    assert repo.snapshot().ledger.requests[ids[0]].title == "Título corregido a mano"


def test_a_commit_by_another_instance_forces_a_full_rewrite_with_the_same_result(
        repo: WorkbookRepository, path: Path, ids: list[str], tmp_path: Path, spy: list[bool]):
    other = open_repo(path)
    advance(repo, ids[0])
    advance(other, ids[1])
    advance(repo, ids[2])
    advance(repo, ids[0])
    assert spy == [True, False, False, True]
    assert sheets(path) == fresh_write(tmp_path / "fresh.xlsx", path)


def random_row(rng: random.Random, width: int) -> list[str]:
    row = [rng.choice(WORDS) for _ in range(rng.randint(0, width))]
    while row and row[-1] == "":
        row.pop()
    return row


def test_random_sequences_of_appends_updates_and_shrinks_match_a_fresh_write(tmp_path):
    rng = random.Random(20261130)
    headers = {"uno": ["a", "b", "c"], "dos": ["x", "y"], "tres": ["solo"]}
    tabs = {name: [random_row(rng, len(h)) for _ in range(rng.randint(0, 4))]
            for name, h in headers.items()}
    writer = XlsxWriter()
    path = tmp_path / "incremental.xlsx"
    writer.write(path, [(n, headers[n], tabs[n]) for n in headers], None)
    for step in range(150):
        touched: dict[str, set[int]] = {}
        for name in rng.sample(list(headers), rng.randint(1, 3)):
            rows = tabs[name]
            operation = rng.random()
            if operation < 0.45 or not rows:
                for _ in range(rng.randint(1, 3)):
                    rows.append(random_row(rng, len(headers[name])))
                    touched.setdefault(name, set()).add(len(rows) - 1)
            elif operation < 0.9:
                index = rng.randrange(len(rows))
                rows[index] = random_row(rng, len(headers[name]))
                touched.setdefault(name, set()).add(index)
            elif operation < 0.95:
                del rows[rng.randrange(len(rows)):]  # the writer must notice a shrink
            else:
                headers[name] = [*headers[name], f"extra{step}"]  # a new header row
        writer.write(path, [(n, headers[n], tabs[n]) for n in headers], touched)
        expected = [(n, _trimmed([headers[n], *tabs[n]])) for n in headers]
        assert read_workbook(path) == expected, step
    full = tmp_path / "full.xlsx"
    XlsxWriter().write(full, [(n, headers[n], tabs[n]) for n in headers])
    assert read_workbook(path) == read_workbook(full)


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    rows = [list(r) for r in rows]
    while rows and not rows[-1]:
        rows.pop()
    return rows
