"""Actions on a ledger someone damaged by hand: a key written twice, a missing procedure
version, a user without a unit. Each is refused with a message naming the cause."""

from __future__ import annotations

import pytest
from core_helpers import NOW, count_rows
from support.accounts import change_account
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab
from core.domain.errors import InvalidInput, StorageError
from core.services import administration as admin
from core.services import procedure_versions as procedure_admin
from core.services import requests as services
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

FORM = {"procedure": 3, "title": "Feria de servicios", "objective": "Informar",
        "summary": "Resumen", "unit": "NIC"}


def with_rows(repo: InMemoryRepository, tab: str, extra: list[list[str]],
              at_start: bool = True) -> InMemoryRepository:
    snapshot = repo.snapshot()
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in snapshot.tabs.items()}
    tabs[tab].rows = extra + tabs[tab].rows if at_start else tabs[tab].rows + extra
    return InMemoryRepository(tabs, SCHEMA, snapshot.rules, TEST_SEALER)


def test_a_change_to_a_user_written_twice_is_refused_instead_of_hitting_the_damaged_copy(
        repo: InMemoryRepository) -> None:
    header = TABS_BY_NAME["usuarios"].headers
    real = next(r for r in repo.snapshot().tabs["usuarios"].rows
                if r[header.index("usuario")] == "editor")
    damaged = list(real)
    damaged[header.index("roles")] = "rol_inexistente"
    twice = with_rows(repo, "usuarios", [damaged])
    assert twice.snapshot().ledger.users["editor"].active
    before = count_rows(twice)
    with pytest.raises(StorageError, match=r"«editor» aparece en varias filas de la pestaña "
                                           r"«usuarios» \(filas 2, \d+\)"):
        admin.deactivate_user(twice, "admin", "editor", NOW)
    assert count_rows(twice) == before
    assert twice.snapshot().ledger.users["editor"].active


def test_acting_on_a_request_whose_procedure_version_is_missing_names_the_cause(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    procedure_admin.submit_draft(repo, "jefe.ugs", 3, NOW, description="Revisión")
    procedure_admin.approve_draft(repo, "directora", 3, NOW, resolution="RA 1")
    request_id = services.create_request(repo, "solicitante", FORM, NOW)
    snapshot = repo.snapshot()
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in snapshot.tabs.items()}
    table = tabs["procedimientos"]
    at = table.column_index()
    table.rows = [r for r in table.rows  # someone deleted version 3/2's rows
                  if (r[at["procedimiento"]], r[at["version"]]) != ("3", "2")]
    broken = InMemoryRepository(tabs, SCHEMA, snapshot.rules, TEST_SEALER)
    with pytest.raises(InvalidInput, match=rf"{request_id} sigue la versión 2 del "
                                           "procedimiento 3, que no está"):
        services.act(broken, "directora", request_id, "avanzar", expected_seq=1, now=NOW)


def test_a_requester_without_a_unit_is_told_to_ask_for_one(repo: InMemoryRepository) -> None:
    change_account(repo, "solicitante", NOW, unit="")
    with pytest.raises(InvalidInput, match="Su usuario no tiene unidad asignada"):
        services.create_request(repo, "solicitante", FORM, NOW)
