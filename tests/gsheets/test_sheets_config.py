"""Configuration (secrets file or environment), the choice of backend, and the bootstrap CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.fixed import TEST_KEY, TEST_SEALER
from support.standin import FakeSheetsServer, make_gspread_client

import cli as cli_main
import core.adapters.gsheets.adapter
from core.adapters.gsheets.adapter import SheetsSetupError, open_sheets
from core.adapters.gsheets.config import ConfigError, load_config
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import StorageError
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA

KEY = {"type": "service_account", "project_id": "adsib-rrss",
       "private_key": "-----BEGIN PRIVATE KEY-----\nNO-ES-UNA-CLAVE\n-----END PRIVATE KEY-----\n",
       "client_email": "rrss@adsib-rrss.iam.gserviceaccount.com",
       "token_uri": "https://oauth2.googleapis.com/token"}
EXAMPLE = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml.example"


def secrets_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_configuration_means_the_local_workbook(tmp_path: Path) -> None:
    assert load_config(env={}, secrets=[tmp_path / "no-existe.toml"]) is None
    from wiring import Settings, create_workbook, open_repository

    settings = Settings(tmp_path / "ledger.xlsx", "L", {})
    create_workbook(settings, demo=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "no-existe.toml"))
        for name in ("RRSS_SHEETS_ID", "RRSS_SERVICE_ACCOUNT_FILE", "RRSS_SERVICE_ACCOUNT_JSON",
                     "RRSS_LEDGER"):
            patch.delenv(name, raising=False)
        assert isinstance(open_repository(settings), WorkbookRepository)


def test_environment_variables_give_the_sheet_and_the_key(tmp_path: Path) -> None:
    key_file = tmp_path / "clave.json"
    key_file.write_text(json.dumps(KEY), encoding="utf-8")
    config = load_config(env={"RRSS_SHEETS_ID": " 1abc ", "RRSS_SERVICE_ACCOUNT_FILE":
                              str(key_file), "RRSS_SHEETS_CACHE_SECONDS": "8"}, secrets=[])
    assert config is not None
    assert (config.spreadsheet_id, config.client_email, config.cache_seconds) == \
        ("1abc", "rrss@adsib-rrss.iam.gserviceaccount.com", 8.0)
    inline = load_config(env={"RRSS_SHEETS_ID": "1abc",
                              "RRSS_SERVICE_ACCOUNT_JSON": json.dumps(KEY)}, secrets=[])
    assert inline is not None and inline.service_account["project_id"] == "adsib-rrss"


def test_the_example_secrets_file_is_a_valid_configuration_once_filled_in() -> None:
    config = load_config(env={}, secrets=[EXAMPLE])
    assert config is not None and config.client_email.endswith(".iam.gserviceaccount.com")
    assert config.cache_seconds == 5.0 and config.retry_seconds == 75.0


@pytest.mark.parametrize(("env", "secrets", "names"), [
    ({"RRSS_SHEETS_ID": "1abc"}, "", "RRSS_SERVICE_ACCOUNT_FILE"),
    ({"RRSS_SERVICE_ACCOUNT_JSON": json.dumps(KEY)}, "", "falta RRSS_SHEETS_ID"),
    ({"RRSS_SHEETS_ID": "1abc", "RRSS_SERVICE_ACCOUNT_JSON": "{no es json"}, "",
     "no es JSON válido"),
    ({"RRSS_SHEETS_ID": "1abc", "RRSS_SERVICE_ACCOUNT_JSON": json.dumps(
        {**KEY, "private_key": ""})}, "", "no tiene «private_key»"),
    ({}, "[sheets]\nspreadsheet_id = \"1abc\"\n", "[gcp_service_account]"),
    ({}, "[gcp_service_account]\nclient_email = \"x\"\n", "spreadsheet_id"),
    ({}, "[sheets]\nspreadsheet_id = \"1abc\"\ncache_seconds = \"pronto\"\n"
     "[gcp_service_account]\nclient_email = \"a@b\"\nprivate_key = \"k\"\ntoken_uri = \"t\"\n",
     "«cache_seconds» debe ser un número"),
    ({"RRSS_LEDGER": "sheets"}, "", "RRSS_LEDGER=sheets"),
])
def test_a_half_written_configuration_is_explained_naming_the_setting(
        tmp_path: Path, env: dict[str, str], secrets: str, names: str) -> None:
    files = [secrets_file(tmp_path, secrets)] if secrets else []
    with pytest.raises(ConfigError) as refused:
        load_config(env=env, secrets=files)
    assert names in refused.value.message


def test_a_secrets_file_without_sheets_sections_is_not_a_sheets_configuration(
        tmp_path: Path) -> None:
    other = secrets_file(tmp_path, "[smtp]\nhost = \"mail.adsib.gob.bo\"\n")
    assert load_config(env={}, secrets=[other]) is None
    assert load_config(env={"RRSS_LEDGER": "local", "RRSS_SHEETS_ID": "1abc"},
                       secrets=[]) is None


def test_a_malformed_private_key_is_reported_before_any_call() -> None:
    config = load_config(env={"RRSS_SHEETS_ID": "1abc",
                              "RRSS_SERVICE_ACCOUNT_JSON": json.dumps(KEY)}, secrets=[])
    with pytest.raises(SheetsSetupError) as refused:
        open_sheets(config, SCHEMA, default_rules(), TEST_SEALER)
    assert "no es válida" in refused.value.message


# -- the bootstrap command -------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, server: FakeSheetsServer, tmp_path: Path
        ) -> tuple[FakeSheetsServer, str]:
    """``python cli.py bootstrap`` configured by environment, talking to the stand-in."""
    sid = server.create_spreadsheet("Libro CLI", ["Hoja 1"])
    monkeypatch.setenv("RRSS_SHEETS_ID", sid)
    monkeypatch.setenv("RRSS_LEDGER_KEY", TEST_KEY)
    monkeypatch.setenv("RRSS_SERVICE_ACCOUNT_JSON", json.dumps(
        {**KEY, "client_email": server.owner_email}))
    monkeypatch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "ninguno.toml"))
    monkeypatch.delenv("RRSS_LEDGER", raising=False)

    client: Any = make_gspread_client(server)
    monkeypatch.setattr(core.adapters.gsheets.adapter, "make_client", lambda config: client)
    return server, sid


def test_the_bootstrap_command_prepares_the_sheet_then_reports_nothing_to_do(
        cli: tuple[FakeSheetsServer, str], capsys: pytest.CaptureFixture[str]) -> None:
    server, sid = cli
    assert cli_main.main(["bootstrap"]) == 0
    first = capsys.readouterr().out
    assert "pestaña «eventos» creada" in first and "«procedimientos»" in first
    assert len(server.values(sid, "procedimientos")) > 10
    server.reset_metrics()
    assert cli_main.main(["bootstrap"]) == 0
    assert "no hubo nada que cambiar" in capsys.readouterr().out
    assert server.write_calls == 0


def test_the_bootstrap_command_stops_with_exit_code_2_on_wrong_headers(
        cli: tuple[FakeSheetsServer, str], capsys: pytest.CaptureFixture[str]) -> None:
    server, sid = cli
    assert cli_main.main(["bootstrap", "--sin-procedimientos"]) == 0
    server.rename_header(sid, "eventos", "hash", "firma")
    capsys.readouterr()
    assert cli_main.main(["bootstrap"]) == 2
    out = capsys.readouterr().out
    assert "PROBLEMA" in out and "«eventos»" in out and "«firma»" in out
    assert "No se escribió nada" in out


def test_the_bootstrap_command_explains_a_missing_configuration(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("RRSS_SHEETS_ID", "RRSS_SERVICE_ACCOUNT_FILE", "RRSS_SERVICE_ACCOUNT_JSON",
                 "RRSS_LEDGER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "ninguno.toml"))
    assert cli_main.main(["bootstrap"]) == 2
    assert "No hay configuración de Google Sheets" in capsys.readouterr().err


def test_storage_errors_are_domain_errors_with_spanish_messages() -> None:
    assert issubclass(ConfigError, StorageError) and issubclass(SheetsSetupError, StorageError)
