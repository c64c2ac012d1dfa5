"""The app on a Google Sheet (stand-in): chosen by configuration, a broken spreadsheet shown
as a Spanish message (never a stack trace), and intake rows taken in on a page view."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test
from support.fixed import TEST_KEY
from support.standin import FakeSheetsServer, make_gspread_client

import core.adapters.gsheets.adapter
from core.adapters.gsheets.adapter import SheetsRepository
from core.services import intake
from tests.app.user_session import UserSession

KEY = {"type": "service_account", "private_key": "(no se usa con el stand-in)",
       "token_uri": "https://oauth2.googleapis.com/token"}


class _NavigationPagesManager(PagesManager):
    """As in tests/app: pin the navigation mode a running server settles in."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _app_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)
    monkeypatch.setenv("RRSS_WORKBOOK", str(tmp_path / "no-se-usa.xlsx"))
    monkeypatch.setenv("RRSS_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "ninguno.toml"))
    for name in ("RRSS_SHEETS_ID", "RRSS_SERVICE_ACCOUNT_FILE", "RRSS_LEDGER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, server: FakeSheetsServer, sid: str) -> str:
    """The app configured by environment for the test's sheet, talking to the stand-in."""
    monkeypatch.setenv("RRSS_SHEETS_ID", sid)
    monkeypatch.setenv("RRSS_LEDGER_KEY", TEST_KEY)
    monkeypatch.setenv("RRSS_SERVICE_ACCOUNT_JSON", json.dumps(
        {**KEY, "client_email": server.owner_email}))

    client: Any = make_gspread_client(server)
    monkeypatch.setattr(core.adapters.gsheets.adapter, "make_client", lambda config: client)
    return sid


def test_with_a_sheet_configured_the_app_logs_in_against_it(
        configured: str, server: FakeSheetsServer, tmp_path: Path) -> None:
    session = UserSession()
    session.log_in("jefe.ugs")
    assert session.at.session_state["username"] == "jefe.ugs"
    assert session.at.title[0].value == "Bandeja"
    assert not (tmp_path / "no-se-usa.xlsx").exists()
    assert server.read_calls >= 1


def test_a_deleted_tab_shows_what_to_fix_instead_of_a_stack_trace(
        configured: str, server: FakeSheetsServer) -> None:
    server.delete_sheet(configured, "usuarios")
    session = UserSession()
    errors = [e.value for e in session.at.error]
    assert len(errors) == 1 and "no tiene la pestaña «usuarios»" in errors[0]


def test_a_sheet_not_shared_with_the_service_account_is_explained_on_the_page(
        configured: str, server: FakeSheetsServer) -> None:
    server.inject(403, times=10_000)
    session = UserSession()
    errors = [e.value for e in session.at.error]
    assert len(errors) == 1 and "Compártala con esa dirección como Editor" in errors[0]
    assert server.owner_email in errors[0]


def test_the_ugs_head_takes_in_the_rows_waiting_in_the_intake_tab_a_page_view_only_reads(
        sid: str, server: FakeSheetsServer, open_repo: Callable[..., SheetsRepository]) -> None:
    header = server.values(sid, "ingreso")[0]
    row = {"marca_temporal": "30/11/2026 9:00:00", "usuario": "solicitante",
           "titulo": "Desde el formulario", "objetivo": "o", "resumen": "r",
           "protegida_por_norma": "no"}
    server.set_values(sid, "ingreso", [[row.get(h, "") for h in header]], "A2")
    repo = open_repo(cache_seconds=0)
    before = set(repo.snapshot().ledger.requests)

    UserSession(repo=repo)  # the log-in page: nobody signed in, nothing is registered
    assert set(repo.snapshot().ledger.requests) == before
    head = UserSession("jefe.ugs", repo)  # a page view reads; it never writes
    assert set(repo.snapshot().ledger.requests) == before

    head.at.button(key="intake_take").click()
    head.run()

    ledger = repo.snapshot().ledger
    new = [r for r in ledger.requests.values() if r.request_id not in before]
    assert [(r.title, r.created_by, r.procedure) for r in new] == \
        [("Desde el formulario", "solicitante", 3)]
    typed = [row.get(h, "") for h in header]
    while typed and not typed[-1]:
        typed.pop()
    assert server.values(sid, "ingreso")[1] == typed  # untouched
    assert list(intake.taken(ledger).values()) == [new[0].request_id]


def test_while_google_makes_an_action_wait_the_person_reads_why_and_nothing_breaks(
        sid: str, server: FakeSheetsServer, open_repo: Callable[..., SheetsRepository]) -> None:
    from core.adapters.gsheets.adapter import RetryPolicy

    repo = open_repo(retry=RetryPolicy(budget=75.0, first_delay=0.001, max_delay=0.002))
    session = UserSession("solicitante", repo)
    session.page("nueva_solicitud")
    session.at.text_input(key="new_title").input("Durante la espera")
    session.at.text_area(key="new_objective").input("Objetivo")
    session.at.text_area(key="new_summary").input("Resumen")
    server.inject(429, times=2, match="spreadsheets.batchUpdate")
    session.button("Registrar solicitud").click()
    session.run()
    toasts = [t.value for t in session.at.toast]
    assert toasts and toasts[0].startswith("Google Sheets pide esperar (límite de uso por "
                                           "minuto): se reintenta guardar en ")
    assert "Aún no se guardó nada" in toasts[0]
    titles = [r.title for r in repo.snapshot().ledger.requests.values()]
    assert "Durante la espera" in titles


def test_while_google_makes_a_page_view_wait_the_person_reads_why_then_the_page(
        sid: str, server: FakeSheetsServer, open_repo: Callable[..., SheetsRepository],
        clock: Any) -> None:
    from core.adapters.gsheets.adapter import RetryPolicy

    repo = open_repo(retry=RetryPolicy(budget=75.0, first_delay=0.001, max_delay=0.002))
    session = UserSession("jefe.ugs", repo)
    before = [e.value for e in session.at.error]
    assert not session.at.toast
    rows = len(server.values(sid, "unidades"))
    server.set_values(sid, "unidades", [["NUEVA", "Unidad nueva", "sí"]], f"A{rows + 1}")
    server.inject(429, times=3, match="spreadsheets.values.batchGet")
    clock.advance(60)  # the view is old and a person changed the sheet: this view reads
    session.run()
    toasts = [t.value for t in session.at.toast]
    assert len(toasts) == 3 and all(
        t.startswith("Google Sheets pide esperar (límite de uso por minuto): se reintenta "
                     "leer la hoja en ") for t in toasts)
    assert session.at.title[0].value == "Bandeja"
    assert [e.value for e in session.at.error] == before  # the page, not an error
    assert repo.snapshot().tabs["unidades"].rows[-1][0] == "NUEVA"


def test_a_wait_on_a_path_outside_an_action_is_also_shown(
        sid: str, server: FakeSheetsServer, open_repo: Callable[..., SheetsRepository],
        clock: Any) -> None:
    """The session's first page of the day queues the overdue digest (a write that is no
    page's action): its wait is shown too, because the whole script run listens."""
    from core.adapters.gsheets.adapter import RetryPolicy

    repo = open_repo(retry=RetryPolicy(budget=75.0, first_delay=0.001, max_delay=0.002))
    server.inject(429, times=1, match="spreadsheets.batchUpdate")
    session = UserSession("jefe.ugs", repo)
    toasts = [t.value for t in session.at.toast]
    assert toasts and "se reintenta guardar en" in toasts[0]
