"""A workbook whose «eventos» tab a person edited with a spreadsheet program (openpyxl here):
every edited, deleted and inserted row is reported exactly, and the app keeps working."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from storage_helpers import EVENT_HEADERS, NOW, open_repo, record_publication, sheets
from support.fixed import TEST_SEALER

from core.adapters.workbook.repository import WorkbookRepository
from core.domain import tamper
from core.domain.tamper import CellChange, FindingKind
from core.services import audit

Sheet = Any


def edit_events(path: Path, change: Callable[[Sheet], None]) -> None:
    book = openpyxl.load_workbook(path)
    change(book["eventos"])
    book.save(path)


def column_number(name: str) -> int:
    return EVENT_HEADERS.index(name) + 1


def sheet_row(path: Path, request_id: str, seq: int) -> int:
    rows = sheets(path)["eventos"]
    subject, sequence = EVENT_HEADERS.index("id_objeto"), EVENT_HEADERS.index("secuencia")
    return next(n for n, r in enumerate(rows[1:], start=2)
                if r[subject] == request_id and r[sequence] == str(seq))


def report(repo: WorkbookRepository) -> tamper.AuditReport:
    return audit.report(repo.snapshot().ledger)


def found(result: tamper.AuditReport) -> list[tuple[FindingKind, int]]:
    return [(f.kind, f.row) for f in result.findings]


def test_the_workbook_the_app_writes_verifies_intact(repo: WorkbookRepository) -> None:
    result = report(repo)
    assert result.intact and result.rows == len(sheets(repo.path)["eventos"]) - 1


def test_an_edited_cell_is_found_at_its_row_with_its_original_value(
        repo: WorkbookRepository, path: Path) -> None:
    row = sheet_row(path, "SOL-2026-0004", 5)
    edit_events(path, lambda s: s.cell(row, column_number("usuario"), "directora"))
    result = report(open_repo(path))
    assert found(result) == [(FindingKind.EDITED, row)]
    assert result.findings[0].changes == (CellChange("usuario", "jefe.nic", "directora"),)


def test_a_deleted_row_is_found_between_its_neighbours(repo: WorkbookRepository,
                                                       path: Path) -> None:
    row = sheet_row(path, "SOL-2026-0004", 5)
    edit_events(path, lambda s: s.delete_rows(row))
    finding = report(open_repo(path)).findings
    assert [(f.kind, f.row, f.previous_row) for f in finding] == [
        (FindingKind.DELETED, row, row - 1)]
    assert "SOL-2026-0004 le falta el evento con secuencia 5" in finding[0].evidence[0]


def test_an_inserted_row_is_found_at_its_row(repo: WorkbookRepository, path: Path) -> None:
    row = sheet_row(path, "SOL-2026-0003", 3)

    def insert(sheet: Sheet) -> None:
        copied = [c.value for c in sheet[row]]
        sheet.insert_rows(row)
        copied[column_number("id_evento") - 1] = "evt-escrito-a-mano"
        copied[column_number("comentario") - 1] = "Aprobado por teléfono."
        copied[column_number("hash") - 1] = None
        for number, value in enumerate(copied, start=1):
            sheet.cell(row, number, value)

    edit_events(path, insert)
    result = report(open_repo(path))
    assert found(result) == [(FindingKind.INSERTED, row)]
    assert result.findings[0].event_id == "evt-escrito-a-mano"


def test_an_edit_a_deletion_and_an_insertion_together_are_each_found_exactly(
        repo: WorkbookRepository, path: Path) -> None:
    edited = sheet_row(path, "SOL-2026-0003", 2)
    deleted = sheet_row(path, "SOL-2026-0004", 3)
    inserted = sheet_row(path, "SOL-2026-0009", 2)

    def tamper(sheet: Sheet) -> None:  # bottom-up, so the row numbers above stay put
        sheet.insert_rows(inserted)
        for number, value in enumerate(["evt-falso", "solicitud", "SOL-2026-0009", "2", "2",
                                        "avanzar", "3", "jefe.ugs", "jefe_ugs",
                                        "2026-11-20 10:00:00", "", "", "abc"], start=1):
            sheet.cell(inserted, number, value)
        sheet.delete_rows(deleted)
        sheet.cell(edited, column_number("accion"), "rechazar")

    edit_events(path, tamper)
    result = report(open_repo(path))
    assert found(result) == [(FindingKind.EDITED, edited), (FindingKind.DELETED, deleted),
                             (FindingKind.INSERTED, inserted - 1)]
    assert result.findings[0].changes == (CellChange("accion", "avanzar", "rechazar"),)


def test_a_value_retyped_the_same_as_a_number_or_date_is_not_a_change(
        repo: WorkbookRepository, path: Path) -> None:
    row = sheet_row(path, "SOL-2026-0004", 5)

    def retype(sheet: Sheet) -> None:
        sheet.cell(row, column_number("secuencia"), 5)
        stamp = sheet.cell(row, column_number("fecha_hora")).value
        sheet.cell(row, column_number("fecha_hora"), datetime.fromisoformat(stamp))

    edit_events(path, retype)
    assert report(open_repo(path)).intact


def test_the_app_keeps_working_and_the_finding_stays_until_acknowledged(
        repo: WorkbookRepository, path: Path) -> None:
    row = sheet_row(path, "SOL-2026-0004", 5)
    edit_events(path, lambda s: s.cell(row, column_number("comentario"), "Sin observaciones"))
    record_publication(repo, "Publicación después de la edición")
    first = report(repo)
    assert found(first) == [(FindingKind.EDITED, row)]
    assert audit.banner_text(first) is not None

    audit.acknowledge(repo, "jefe.ugs", "Se habló con quien editó la hoja.",
                      [f.key for f in first.pending], NOW)
    assert report(repo).pending == ()
    assert audit.banner_text(report(repo)) is None

    later = sheet_row(path, "SOL-2026-0002", 2)
    edit_events(path, lambda s: s.cell(later, column_number("usuario"), "comite"))
    again = report(open_repo(path))
    assert [(f.kind, f.row) for f in again.pending] == [(FindingKind.EDITED, later)]


@pytest.mark.parametrize("remembered", [True, False])
def test_rows_deleted_at_the_end_are_found_by_the_app_that_saw_them(
        repo: WorkbookRepository, path: Path, remembered: bool) -> None:
    monitor = tamper.ChainMonitor(TEST_SEALER)
    if remembered:
        assert audit.check(monitor, repo.snapshot().ledger).intact
    last = len(sheets(path)["eventos"])
    edit_events(path, lambda s: s.delete_rows(last - 1, 2))
    result = audit.check(monitor, repo.snapshot().ledger)
    assert found(result) == ([(FindingKind.TRUNCATED, last - 1)] if remembered else [])
