"""Fixtures for the Google Sheets adapter tests: the stand-in, a bootstrapped demo ledger
copied per test, a fake clock and repositories wired to both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sheets_helpers import FAST, FakeClock
from support.fixed import TEST_SEALER
from support.standin import FakeSheetsServer, make_gspread_client

from core.adapters.gsheets.adapter import SheetsApi, SheetsRepository
from core.adapters.gsheets.bootstrap import Bootstrap
from sheets_schema import default_rules
from sheets_schema.tabs import ALL_TABS, SCHEMA


@pytest.fixture(scope="session")
def template(demo: dict[str, list[dict[str, str]]]) -> tuple[FakeSheetsServer, str]:
    server = FakeSheetsServer(seed=9)
    sid = server.create_spreadsheet("Libro RRSS", ["Hoja 1"])
    api = SheetsApi(make_gspread_client(server), sid, account_email=server.owner_email)
    report = Bootstrap(api, ALL_TABS, account_email=server.owner_email, seed=2).run(
        demo, demo=True)
    assert report.ok, report.problems
    return server, sid


@pytest.fixture
def server(template: tuple[FakeSheetsServer, str]) -> Iterator[FakeSheetsServer]:
    shared, _ = template
    shared.clear_faults()
    yield shared
    shared.clear_faults()
    shared.quota_per_minute = None
    shared.require_auth = False


@pytest.fixture
def client(server: FakeSheetsServer) -> Any:
    return make_gspread_client(server)


@pytest.fixture
def sid(template: tuple[FakeSheetsServer, str], client: Any) -> Iterator[str]:
    """A fresh copy of the bootstrapped demo ledger; metrics start at zero."""
    server, source = template
    copy_id = client.copy(source, title="Libro RRSS (prueba)").id
    server.reset_metrics()
    yield copy_id
    server.delete_spreadsheet(copy_id)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_repo(client: Any, sid: str, server: FakeSheetsServer, clock: FakeClock
              ) -> Callable[..., SheetsRepository]:
    """A new app server on the test's spreadsheet. Time is the fake clock, which only the
    adapter's own back-off sleeps (and the tests) move: retries run instantly."""

    def make(**options: Any) -> SheetsRepository:
        settings: dict[str, Any] = {"cache_seconds": 5.0, "retry": FAST,
                                    "account_email": server.owner_email, "clock": clock,
                                    "sleep": clock.sleep, "seed": 1}
        settings.update(options)
        return SheetsRepository(client, sid, SCHEMA, default_rules(), TEST_SEALER, **settings)

    return make
