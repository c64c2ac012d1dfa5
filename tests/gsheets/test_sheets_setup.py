"""Preparing a spreadsheet (bootstrap) and the messages for a spreadsheet that is not usable:
credentials, sharing, a deleted tab, a renamed header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.fixed import TEST_SEALER
from support.standin import FakeSheetsServer, make_gspread_client

from core.adapters.gsheets.adapter import (
    CONTROL_TAB,
    SheetsApi,
    SheetsRepository,
    SheetsSetupError,
)
from core.adapters.gsheets.bootstrap import Bootstrap, BootstrapReport
from core.domain.errors import StorageError
from sheets_schema import default_rules
from sheets_schema.tabs import ALL_TABS, SCHEMA


def bootstrap(server: FakeSheetsServer, sid: str, rows: dict[str, Any] | None = None,
              demo: bool = False, email: str | None = None) -> BootstrapReport:
    api = SheetsApi(make_gspread_client(server), sid)
    owner = server.owner_email if email is None else email
    return Bootstrap(api, ALL_TABS, account_email=owner, seed=4).run(rows, demo=demo)


@pytest.fixture
def empty(server: FakeSheetsServer) -> str:
    """A new spreadsheet, as Google creates it: one empty «Hoja 1»."""
    return server.create_spreadsheet("Libro nuevo", ["Hoja 1"])


def test_bootstrap_creates_every_tab_with_header_frozen_row_dropdowns_and_protection(
        server: FakeSheetsServer, empty: str) -> None:
    report = bootstrap(server, empty, {"unidades": [{"codigo": "UGS", "nombre": "Gestión"}]})
    assert report.ok and report.problems == []
    for spec in ALL_TABS:
        assert server.values(empty, spec.name)[0] == spec.headers, spec.name
        grid = server.sheet_properties(empty, spec.name)["gridProperties"]
        assert grid["frozenRowCount"] == 1
    estado = ALL_TABS[0].headers.index("estado")
    rule = server.data_validation(empty, "solicitudes", f"{chr(65 + estado)}2")
    assert rule is not None
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == \
        ["en_curso", "publicada", "rechazada", "retirada", "cancelada"]
    protected = server.protected_ranges(empty, "eventos")
    assert len(protected) == 1 and server.owner_email in protected[0]["editors"]["users"]
    assert server.values(empty, "unidades")[1] == ["UGS", "Gestión"]
    assert server.sheet_properties(empty, CONTROL_TAB).get("hidden") is True
    assert server.metadata(empty)["properties"]["locale"] == "es_BO"


def test_bootstrap_run_twice_writes_nothing_the_second_time(
        server: FakeSheetsServer, empty: str) -> None:
    bootstrap(server, empty, {"unidades": [{"codigo": "UGS", "nombre": "Gestión"}]})
    server.reset_metrics()
    again = bootstrap(server, empty, {"unidades": [{"codigo": "UGS", "nombre": "Gestión"}]})
    assert again.ok and again.changes == []
    assert server.write_calls == 0 and server.read_calls == 3


def test_bootstrap_with_demo_data_fills_an_empty_spreadsheet_and_the_app_reads_it_cleanly(
        server: FakeSheetsServer, empty: str, demo: dict[str, list[dict[str, str]]]) -> None:
    assert bootstrap(server, empty, demo, demo=True).ok
    from sheets_schema import default_rules

    repo = SheetsRepository(make_gspread_client(server), empty, SCHEMA, default_rules(),
                            TEST_SEALER)
    ledger = repo.snapshot().ledger
    assert ledger.issues == [] and len(ledger.events) == len(demo["eventos"])
    server.reset_metrics()
    second = bootstrap(server, empty, demo, demo=True)
    assert second.ok and server.write_calls == 0 and "No se cargó la demostración" in \
        second.notes[0]


def test_bootstrap_stops_on_a_renamed_header_explaining_what_differs_and_writes_nothing(
        server: FakeSheetsServer, empty: str) -> None:
    bootstrap(server, empty)
    server.rename_header(empty, "solicitudes", "estado", "Estado actual")
    server.delete_sheet(empty, "consultas")
    server.reset_metrics()

    report = bootstrap(server, empty)

    assert not report.ok and server.write_calls == 0
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert "«solicitudes»" in problem and "falta la columna «estado»" in problem
    assert "«Estado actual»" in problem and "se espera «estado»" in problem
    assert "consultas" not in server.values(empty, "Hoja 1")  # nothing created meanwhile
    assert "consultas" not in [s["properties"]["title"]
                               for s in server.metadata(empty)["sheets"]]


def test_bootstrap_appends_columns_added_to_the_schema_after_the_sheet_was_made(
        server: FakeSheetsServer, empty: str) -> None:
    users = next(s for s in ALL_TABS if s.name == "usuarios")
    old_header = users.headers[:-2]  # before «intentos_fallidos», «bloqueado_hasta»
    server.add_sheet(empty, "usuarios", rows=50, cols=len(old_header))
    server.set_values(empty, "usuarios", [old_header], "A1")
    report = bootstrap(server, empty)
    assert report.ok
    assert server.values(empty, "usuarios")[0] == users.headers
    assert any("columnas nuevas" in line for line in report.changes)


def test_the_intake_tab_accepts_the_question_titles_a_google_form_writes(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    form_header = ["Marca temporal", "Usuario", "Unidad", "Título", "Objetivo", "Resumen",
                   "Fotos enlaces", "Publicar desde", "Publicar hasta", "Protegida por norma"]
    server.set_values(sid, "ingreso", [form_header], "A1")
    snapshot = open_repo().snapshot()
    assert snapshot.tabs["ingreso"].header == next(s for s in ALL_TABS
                                                   if s.name == "ingreso").headers
    assert snapshot.ledger.issues == []


# -- a spreadsheet the app cannot use ------------------------------------------------------


def test_a_renamed_header_stops_the_app_with_the_tab_the_column_and_the_fix(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    server.rename_header(sid, "solicitudes", "secuencia", "Secuencia (no tocar)")
    with pytest.raises(SheetsSetupError) as stopped:
        open_repo().snapshot()
    message = stopped.value.message
    assert "en la pestaña «solicitudes» falta la columna «secuencia»" in message
    assert "«Secuencia (no tocar)»" in message and "fila 1" in message


def test_a_deleted_tab_is_named_with_how_to_restore_it(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(cache_seconds=0)
    repo.snapshot()
    server.delete_sheet(sid, "usuarios")
    with pytest.raises(SheetsSetupError) as stopped:
        repo.snapshot()
    assert "no tiene la pestaña «usuarios»" in stopped.value.message
    assert "Historial de versiones" in stopped.value.message


def test_a_spreadsheet_not_shared_with_the_service_account_says_whom_to_share_it_with(
        server: FakeSheetsServer, client: Any) -> None:

    server.add_unshared_spreadsheet("1NoCompartida")
    repo = SheetsRepository(client, "1NoCompartida", SCHEMA, default_rules(), TEST_SEALER,
                            account_email="rrss@proyecto.iam.gserviceaccount.com")
    with pytest.raises(SheetsSetupError) as stopped:
        repo.snapshot()
    assert "«rrss@proyecto.iam.gserviceaccount.com» no tiene acceso" in stopped.value.message
    assert "Compártala con esa dirección como Editor" in stopped.value.message


def test_an_unknown_spreadsheet_id_points_at_the_setting(client: Any) -> None:

    repo = SheetsRepository(client, "1NoExiste", SCHEMA, default_rules(), TEST_SEALER)
    with pytest.raises(SheetsSetupError) as stopped:
        repo.snapshot()
    assert "spreadsheet_id" in stopped.value.message and "RRSS_SHEETS_ID" in stopped.value.message


def test_a_rejected_or_revoked_credential_says_to_create_a_new_key(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    server.inject(401, times=10)  # google-auth refreshes once and retries: still refused
    with pytest.raises(SheetsSetupError) as stopped:
        open_repo().snapshot()
    assert "rechazó la credencial" in stopped.value.message
    assert "[gcp_service_account]" in stopped.value.message


def test_a_key_google_no_longer_accepts_fails_at_token_refresh_with_the_same_message(
        server: FakeSheetsServer, sid: str) -> None:
    import gspread
    from google.auth import credentials as ga_credentials
    from google.auth import exceptions as auth_errors
    from google.auth.transport.requests import AuthorizedSession
    from support.standin import mount


    class RevokedKey(ga_credentials.Credentials):
        def refresh(self, request: Any) -> None:
            raise auth_errors.RefreshError("invalid_grant: Invalid JWT Signature.")

    session = mount(AuthorizedSession(RevokedKey()), server)
    client = gspread.Client(auth=session.credentials, session=session)
    repo = SheetsRepository(client, sid, SCHEMA, default_rules(), TEST_SEALER,
                            account_email="rrss@proyecto.iam.gserviceaccount.com")
    with pytest.raises(SheetsSetupError) as stopped:
        repo.snapshot()
    assert "«rrss@proyecto.iam.gserviceaccount.com»" in stopped.value.message
    assert "expiró, fue revocada" in stopped.value.message


def test_a_write_blocked_by_a_protected_range_names_the_fix(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    from core.adapters.tabular import RawChange

    repo = open_repo()
    repo.snapshot()
    server.inject(403, times=1, match="spreadsheets.batchUpdate", message=(
        "You are trying to edit a protected cell or object. Please contact the spreadsheet "
        "owner to remove protection if you need to edit."))
    with pytest.raises(StorageError) as stopped:
        repo.commit(RawChange().append_cells("dias_no_laborables", {"fecha": "2026-12-24"}))
    assert "rango protegido" in stopped.value.message
    assert "Rangos protegidos" in stopped.value.message
