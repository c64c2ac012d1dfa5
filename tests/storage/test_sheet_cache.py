"""The read memo beside the workbook: used only for the exact bytes it was made from."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from storage_helpers import advance, open_repo, sheets

from core.adapters.workbook import repository as workbook_module
from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.sheet_cache import SheetCache


def memo_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.cache")


def calamine_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = workbook_module.read_workbook_bytes

    def counting(data: bytes):  # type: ignore[no-untyped-def]
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(workbook_module, "read_workbook_bytes", counting)
    return calls


def contents(repo: WorkbookRepository) -> dict[str, tuple[list[str], list[list[str]]]]:
    return {name: (raw.header, raw.rows) for name, raw in repo.snapshot().tabs.items()}


def test_reopening_an_unchanged_workbook_reads_the_memo_and_gets_the_same_rows(
        repo: WorkbookRepository, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = contents(open_repo(path))  # a cold read writes the memo
    assert memo_of(path).exists()
    calls = calamine_calls(monkeypatch)
    again = contents(open_repo(path))
    assert calls == []
    assert again == first
    assert {name: [raw[0], *raw[1]] for name, raw in again.items()} == sheets(path)


def test_a_workbook_written_since_is_read_again_not_taken_from_the_memo(
        repo: WorkbookRepository, path: Path, ids: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    open_repo(path).snapshot()
    advance(repo, ids[0], event_id="evt-despues-del-memo")
    calls = calamine_calls(monkeypatch)
    reopened = open_repo(path).snapshot().ledger
    assert len(calls) == 1
    assert reopened.state(ids[0]).seq == 2  # type: ignore[union-attr]


def test_a_workbook_edited_in_an_office_suite_is_read_again(
        repo: WorkbookRepository, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_repo(path).snapshot()
    book = openpyxl.load_workbook(path)
    book["unidades"].append(["PRENSA", "Unidad de Prensa", "sí"])
    book.save(path)
    calls = calamine_calls(monkeypatch)
    units = open_repo(path).snapshot().ledger.units
    assert len(calls) == 1 and "PRENSA" in units


@pytest.mark.parametrize("memo", [b"", b"not marshal at all", b"\x00" * 64])
def test_a_damaged_memo_is_ignored(repo: WorkbookRepository, path: Path, memo: bytes,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    expected = contents(open_repo(path))
    memo_of(path).write_bytes(memo)
    calls = calamine_calls(monkeypatch)
    assert contents(open_repo(path)) == expected
    assert len(calls) == 1


def test_a_memo_for_other_bytes_is_ignored(repo: WorkbookRepository, path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    expected = contents(open_repo(path))
    SheetCache(path).put("0" * 64, [("unidades", [["codigo"], ["FALSA"]])])
    calls = calamine_calls(monkeypatch)
    assert contents(open_repo(path)) == expected
    assert len(calls) == 1


def test_the_memo_is_no_more_readable_than_the_workbook(
        repo: WorkbookRepository, path: Path) -> None:
    path.chmod(0o600)
    memo_of(path).unlink(missing_ok=True)
    open_repo(path).snapshot()
    assert memo_of(path).stat().st_mode & 0o777 == 0o600
