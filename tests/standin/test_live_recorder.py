"""The recorder ``make live-check`` puts on the live contract suite, tried on the stand-in:
it writes the reference recordings' format, keeps no secret, and what it records replays
clean against a fresh stand-in (recreating the scratch spreadsheet from its first answer),
including the answers the adapter had never met in a recording: ``appendCells``, a fence
refused, a 429."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from adapters.contract_helpers import new_request, reset_live_sheet
from support.fixed import TEST_SEALER
from support.recorder import ACCOUNT, FOLDER, SPREADSHEET, Recorder, file_name
from support.standin import FakeSheetsServer, make_gspread_client
from test_conformance import CANDIDATES, replay_live

from core.adapters.gsheets.adapter import RetryPolicy, SheetsRepository
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA

FAST = RetryPolicy(budget=5.0, first_delay=0.001, max_delay=0.01)


def shape(value: Any) -> Any:
    """The keys of nested objects (what the format is), not their values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in ("body", "headers")}
    return type(value).__name__


@pytest.fixture
def recorded(tmp_path: Path, demo: dict[str, list[dict[str, str]]]
             ) -> tuple[FakeSheetsServer, str, Path]:
    """A live-style run on the stand-in: a scratch sheet reset, two app servers, one
    without Drive (so the fence refuses it once), a 429 ridden out, all recorded."""
    server = FakeSheetsServer(seed=8)
    sheet = server.create_spreadsheet("Hoja de pruebas", ["Hoja 1", "vieja"],
                                      locale="es_BO", time_zone="America/La_Paz")
    client = make_gspread_client(server)
    recorder = Recorder(server.owner_email, sheet)
    with recorder.attached(client.http_client.session):
        reset_live_sheet(client, sheet, demo, server.owner_email, FAST)

        def app_server(**options: Any) -> SheetsRepository:
            return SheetsRepository(client, sheet, SCHEMA, default_rules(), TEST_SEALER,
                                    retry=FAST, account_email=server.owner_email, **options)

        first, second = app_server(), app_server(drive_probe=False)
        second.snapshot()
        new_request(first, "Grabada primero")
        new_request(second, "Grabada después")  # fence refused, read, written
        server.inject(429, times=1, match="spreadsheets.batchUpdate")
        new_request(first, "Tras la espera")
        assert second.conflicts == 1
    path = recorder.save(tmp_path / file_name(
        "tests/adapters/test_contract.py::test_grabado[live]"))
    return server, sheet, path


def test_a_recording_is_named_after_its_test_and_has_the_reference_format(
        recorded: tuple[FakeSheetsServer, str, Path]) -> None:
    _, _, path = recorded
    assert path.name == "test_contract.test_grabado.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and len(data["interactions"]) > 10
    reference = next((p for p in CANDIDATES if p.is_dir()), None)
    if reference is not None:
        theirs = json.loads((reference / "WorksheetTest.test_append_row.json").read_text())
        assert data.keys() == theirs.keys()
        assert shape(data["interactions"][0]) == shape(theirs["interactions"][1])
    for interaction in data["interactions"]:
        assert interaction["request"]["headers"]["authorization"] == ["<ACCESS_TOKEN>"]
        assert isinstance(interaction["response"]["body"]["string"], str)


def test_a_recording_keeps_no_account_address_token_or_spreadsheet_id(
        recorded: tuple[FakeSheetsServer, str, Path]) -> None:
    server, sheet, path = recorded
    text = path.read_text(encoding="utf-8")
    assert server.owner_email not in text and sheet not in text
    assert "Bearer" not in text
    assert ACCOUNT in text and SPREADSHEET in text


def test_a_recording_holds_the_answers_the_adapter_depends_on(
        recorded: tuple[FakeSheetsServer, str, Path]) -> None:
    _, _, path = recorded
    interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    seen = [(i["request"]["method"], i["request"]["uri"].split("?")[0].rsplit("/", 1)[-1],
             i["response"]["status"]["code"], i["request"]["body"] or "",
             i["response"]["body"]["string"]) for i in interactions]
    assert any(uri == SPREADSHEET and method == "GET" and "version" in answer
               for method, uri, _, _, answer in seen)  # Drive files.get(version)
    assert any(uri.endswith("values:batchGet") for _, uri, _, _, _ in seen)
    assert any(code == 200 and "appendCells" in body for _, _, code, body, _ in seen)
    assert any(code == 400 and "requests[0]" in answer for _, _, code, _, answer in seen)
    assert any(code == 429 for _, _, code, _, _ in seen)


def test_a_recording_replays_clean_against_a_fresh_stand_in(
        recorded: tuple[FakeSheetsServer, str, Path]) -> None:
    _, _, path = recorded
    replay = replay_live(path)
    assert replay.problems == []
    assert replay.compared > 10 and replay.transient == 1


def test_live_check_without_credentials_says_what_to_set_and_checks_nothing() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items()
           if k not in ("RRSS_LIVE_SHEETS_ID", "RRSS_SERVICE_ACCOUNT_FILE",
                        "RRSS_SERVICE_ACCOUNT_JSON")}
    done = subprocess.run([sys.executable, str(root / "tests" / "live_check.py")], env=env,
                          cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "no se ejecutó nada contra Google" in done.stdout
    assert "RRSS_LIVE_SHEETS_ID" in done.stdout and "RRSS_SERVICE_ACCOUNT_FILE" in done.stdout
    assert "Contrato contra la hoja" not in done.stdout


def test_live_check_with_credentials_runs_the_live_contract_recorded() -> None:
    import live_check

    assert live_check.missing({"RRSS_LIVE_SHEETS_ID": "1AbC",
                               "RRSS_SERVICE_ACCOUNT_JSON": "{}"}) == []
    records_into = live_check.FOLDER  # where the replay looks for them
    assert records_into == Path(__file__).resolve().parent / "live-recordings" == FOLDER
