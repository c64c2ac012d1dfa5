"""Where the material's files go: a Drive folder named in the configuration (through the
Sheets repository's own authorised session), else a folder beside the workbook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.fixed import TEST_ENV
from support.standin import FakeSheetsServer, make_gspread_client
from test_sheets_config import KEY, secrets_file

import core.adapters.gsheets.adapter
from core.adapters.files.drive import DriveFileStore
from core.adapters.files.local import LocalFileStore
from core.adapters.gsheets.adapter import DRIVE_SCOPE, SCOPES, make_client
from core.adapters.gsheets.config import ConfigError, load_config
from wiring import Settings, create_workbook, open_file_store, open_repository

FOLDER = "1QrStUvWxYz0123456789AbCdEfGhIjKl"


def env_with(**extra: str) -> dict[str, str]:
    return {"RRSS_SHEETS_ID": "1abc", "RRSS_SERVICE_ACCOUNT_JSON": json.dumps(KEY), **extra}


def test_a_drive_folder_comes_from_the_environment_or_the_secrets(tmp_path: Path) -> None:
    config = load_config(env=env_with(RRSS_DRIVE_FOLDER_ID=FOLDER), secrets=[])
    assert config is not None and config.drive_folder_id == FOLDER
    text = (f'[sheets]\nspreadsheet_id = "1abc"\n[drive]\nfolder_id = '
            f'"https://drive.google.com/drive/folders/{FOLDER}?usp=sharing"\n'
            "[gcp_service_account]\n" + "\n".join(f"{k} = {json.dumps(v)}"
                                                   for k, v in KEY.items()))
    config = load_config(env={}, secrets=[secrets_file(tmp_path, text)])
    assert config is not None and config.drive_folder_id == FOLDER  # the URL is accepted
    assert load_config(env=env_with(), secrets=[]).drive_folder_id == ""  # type: ignore[union-attr]


def test_a_malformed_drive_folder_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="RRSS_DRIVE_FOLDER_ID"):
        load_config(env=env_with(RRSS_DRIVE_FOLDER_ID="una carpeta/../x"), secrets=[])


def test_the_drive_scope_is_asked_for_only_when_a_folder_is_configured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def credentials(info: Any, scopes: list[str]) -> object:
        asked.append(scopes)
        return object()

    from google.oauth2 import service_account

    monkeypatch.setattr(service_account.Credentials, "from_service_account_info", credentials)
    monkeypatch.setattr(core.adapters.gsheets.adapter.gspread, "Client",
                        lambda auth: type("C", (), {"set_timeout": lambda self, t: None})())
    make_client(load_config(env=env_with(), secrets=[]))
    make_client(load_config(env=env_with(RRSS_DRIVE_FOLDER_ID=FOLDER), secrets=[]))
    assert asked == [list(SCOPES), [*SCOPES, DRIVE_SCOPE]]


def test_with_a_folder_the_files_go_to_drive_through_the_sheets_session(
        monkeypatch: pytest.MonkeyPatch, server: FakeSheetsServer, sid: str,
        tmp_path: Path) -> None:
    client: Any = make_gspread_client(server)
    monkeypatch.setattr(core.adapters.gsheets.adapter, "make_client", lambda config: client)
    monkeypatch.setenv("RRSS_SHEETS_ID", sid)
    monkeypatch.setenv("RRSS_SERVICE_ACCOUNT_JSON", json.dumps(KEY))
    monkeypatch.setenv("RRSS_DRIVE_FOLDER_ID", FOLDER)
    monkeypatch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "ninguno.toml"))
    monkeypatch.delenv("RRSS_LEDGER", raising=False)
    settings = Settings(tmp_path / "ledger.xlsx", "L", TEST_ENV)
    repo = open_repository(settings)
    store = open_file_store(settings, repo)
    assert isinstance(store, DriveFileStore)
    assert store.session is client.http_client.session and store.folder_id == FOLDER
    assert "Google Drive" in store.describe()


def test_without_a_folder_the_files_go_beside_the_workbook_or_where_told(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RRSS_SECRETS_FILE", str(tmp_path / "ninguno.toml"))
    for name in ("RRSS_SHEETS_ID", "RRSS_SERVICE_ACCOUNT_JSON", "RRSS_SERVICE_ACCOUNT_FILE",
                 "RRSS_LEDGER", "RRSS_DRIVE_FOLDER_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(tmp_path / "ledger.xlsx", "L", {})
    create_workbook(settings, demo=False)
    store = open_file_store(settings, open_repository(settings))
    assert isinstance(store, LocalFileStore) and store.folder == tmp_path / "ledger-archivos"
    elsewhere = Settings.from_env({"RRSS_WORKBOOK": str(tmp_path / "ledger.xlsx"),
                                   "RRSS_ARCHIVOS": str(tmp_path / "adjuntos")})
    store = open_file_store(elsewhere, open_repository(elsewhere))
    assert isinstance(store, LocalFileStore) and store.folder == tmp_path / "adjuntos"
