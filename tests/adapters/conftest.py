"""The contract suite's fixture: the same tests against every storage backend.

``backend`` is parametrised: the local workbook, a Google Sheet on the in-process
stand-in (copied per test from one bootstrapped template), and, marked ``live``, a real
Google Sheet given by ``RRSS_LIVE_SHEETS_ID`` plus service-account credentials in the
environment (skipped without them; that spreadsheet is erased for every test). With
``RRSS_LIVE_RECORD`` (a folder; ``make live-check`` sets it) each live test's traffic is
recorded there (``support.recorder``) for the conformance replay.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_helpers import (
    Backend,
    SheetsBackend,
    WorkbookBackend,
    bootstrap_sheet,
    live_settings,
    reset_live_sheet,
)
from support.recorder import Recorder, file_name
from support.standin import FakeSheetsServer, make_gspread_client

from core.adapters.gsheets.adapter import RetryPolicy


@pytest.fixture(scope="session")
def standin_template(demo: dict[str, list[dict[str, str]]]) -> tuple[FakeSheetsServer, str]:
    """One stand-in server with a bootstrapped demo ledger to copy from."""
    server = FakeSheetsServer(seed=5)
    template = server.create_spreadsheet("Libro RRSS", ["Hoja 1"])
    bootstrap_sheet(make_gspread_client(server), template, demo, server.owner_email)
    return server, template


@pytest.fixture(params=["workbook", "sheets", pytest.param("live", marks=pytest.mark.live)])
def backend(request: pytest.FixtureRequest, tmp_path: Path,
            demo: dict[str, list[dict[str, str]]],
            standin_template: tuple[FakeSheetsServer, str]) -> Iterator[Backend]:
    if request.param == "workbook":
        yield WorkbookBackend(tmp_path / "ledger.xlsx", demo)
        return
    if request.param == "sheets":
        server, template = standin_template
        client = make_gspread_client(server)
        copy_id = client.copy(template, title="Libro RRSS (prueba)").id
        server.clear_faults()
        server.reset_metrics()
        yield SheetsBackend(client, copy_id, server, server.owner_email)
        server.clear_faults()
        server.delete_spreadsheet(copy_id)
        return
    settings = live_settings()
    if settings is None:
        pytest.skip("live: defina RRSS_LIVE_SHEETS_ID y RRSS_SERVICE_ACCOUNT_FILE (o _JSON)")
    from core.adapters.gsheets.adapter import make_client
    from core.adapters.gsheets.config import load_config

    sheet, env = settings
    config = load_config(env=env, secrets=[])
    assert config is not None
    client: Any = make_client(config)
    retry = RetryPolicy(budget=120.0)
    folder = os.environ.get("RRSS_LIVE_RECORD", "").strip()
    if not folder or "files" in request.fixturenames:  # Drive uploads are not replayed
        reset_live_sheet(client, sheet, demo, config.client_email, retry)
        yield SheetsBackend(client, sheet, None, config.client_email, retry)
        return
    recorder = Recorder(config.client_email, sheet)
    try:
        with recorder.attached(client.http_client.session):
            reset_live_sheet(client, sheet, demo, config.client_email, retry)
            yield SheetsBackend(client, sheet, None, config.client_email, retry)
    finally:  # a failing test's traffic is what the stand-in most needs to learn from
        recorder.save(Path(folder) / file_name(request.node.nodeid))
