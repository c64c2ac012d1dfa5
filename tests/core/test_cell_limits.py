"""Text longer than a Google Sheets cell is refused, from every writer, before anything
is written."""

from __future__ import annotations

import pytest
from core_helpers import LIMIT_MESSAGE, NOW, TEN_MB, count_rows, request_form
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab, apply_change
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import InvalidInput, StorageError
from core.domain.models import MAX_CELL_CHARS
from core.services import plan, service_logs
from core.services.direct_publications import record_direct_publication
from core.services.requests import act, create_request
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

# -- text longer than a Google Sheets cell ------------------------------------------------------


EVERY_CELL = [(tab, column) for tab, spec in TABS_BY_NAME.items() for column in spec.headers]


@pytest.mark.parametrize(("tab", "column"), EVERY_CELL)
def test_any_cell_longer_than_a_sheets_cell_is_refused_before_anything_is_written(
        seeded_tabs: dict[str, RawTab], tab: str, column: str) -> None:
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    change = RawChange().append_cells("unidades", {"codigo": "NUEVA", "nombre": "Primera fila"})
    change.append_cells(tab, {column: "a" * (MAX_CELL_CHARS + 1)})
    with pytest.raises(StorageError) as caught:
        apply_change(tabs, SCHEMA, change, TEST_SEALER)
    match = LIMIT_MESSAGE.match(caught.value.message)
    assert match and match["column"] == column
    assert tabs == seeded_tabs  # not even the first row of the change went in


def test_a_cell_of_exactly_the_limit_fits(
        seeded_tabs: dict[str, RawTab]) -> None:
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    apply_change(tabs, SCHEMA, RawChange().update_cells(
        "unidades", "NIC", {"nombre": "n" * MAX_CELL_CHARS}), TEST_SEALER)
    assert any(len(cell) == MAX_CELL_CHARS for row in tabs["unidades"].rows for cell in row)


def test_an_update_is_held_to_the_same_limit(repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(StorageError, match=r"«nombre» supera 32\.767"):
        repo.commit(RawChange().update_cells("usuarios", "jefe.ugs",
                                    {"nombre": "n" * (MAX_CELL_CHARS + 1)}))
    assert count_rows(repo) == before
    assert repo.snapshot().ledger.users["jefe.ugs"].full_name.startswith("Rosa")


@pytest.mark.parametrize("field", ["title", "objective", "summary", "links", "reference"])
def test_a_ten_megabyte_request_field_is_refused_and_the_workbook_is_untouched(
        workbook: WorkbookRepository, field: str) -> None:
    before = workbook.path.read_bytes()
    with pytest.raises(InvalidInput) as caught:
        create_request(workbook, "solicitante", request_form(**{field: TEN_MB}), NOW)
    assert caught.value.message.endswith("el texto supera 32.767 caracteres.")
    assert workbook.path.read_bytes() == before


def test_a_ten_megabyte_comment_is_refused_and_the_workbook_is_untouched(
        workbook: WorkbookRepository) -> None:
    rid = create_request(workbook, "solicitante", request_form(), NOW)
    before = workbook.path.read_bytes()
    with pytest.raises(InvalidInput, match=r"El comentario supera 32\.767 caracteres"):
        act(workbook, "directora", rid, "rechazar", comment=TEN_MB, expected_seq=1, now=NOW)
    assert workbook.path.read_bytes() == before


def test_a_ten_megabyte_cell_from_any_writer_is_refused_by_the_workbook(
        workbook: WorkbookRepository) -> None:
    before = workbook.path.read_bytes()
    with pytest.raises(StorageError) as caught:
        workbook.commit(RawChange().append_cells("incidentes", {"descripcion": TEN_MB}))
    assert LIMIT_MESSAGE.match(caught.value.message)
    assert workbook.path.read_bytes() == before


def test_other_services_refuse_ten_megabytes_too(repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(InvalidInput, match=r"supera 32\.767"):
        record_direct_publication(repo, "admin.rrss", {
            "type": "5", "title": "Hoy", "channel": "Facebook", "published_at": NOW,
            "notes": TEN_MB}, NOW)
    with pytest.raises(InvalidInput, match=r"supera 32\.767"):
        plan.add_item(repo, "profesional", {
            "service": TEN_MB, "channels": "Facebook", "type": "1", "start": NOW.date()}, NOW)
    with pytest.raises(InvalidInput, match=r"supera 32\.767"):
        service_logs.record_question(repo, "moderador", {
            "received_at": NOW, "channel": "Facebook", "summary": TEN_MB}, NOW)
    assert count_rows(repo) == before
