"""Where the Google Sheet and its service account come from.

Two sources, the first one found wins:

1. Environment: ``RRSS_SHEETS_ID`` plus ``RRSS_SERVICE_ACCOUNT_FILE`` (path of the key
   file Google Cloud gives, JSON) or ``RRSS_SERVICE_ACCOUNT_JSON`` (its text).
2. ``.streamlit/secrets.toml`` (or the file named by ``RRSS_SECRETS_FILE``): section
   ``[sheets]`` with ``spreadsheet_id`` and section ``[gcp_service_account]`` with the key
   file's fields (``.streamlit/secrets.toml.example`` shows one).

Files of the material under approval go to Google Drive when ``[drive] folder_id`` (or
``RRSS_DRIVE_FOLDER_ID``) names a folder of a shared drive the service account can write;
otherwise to a folder beside the workbook (``wiring.open_file_store``).

Optional tuning, in ``[sheets]`` or the environment: ``cache_seconds``
(``RRSS_SHEETS_CACHE_SECONDS``, default 5) and ``retry_seconds``
(``RRSS_SHEETS_RETRY_SECONDS``, default 75: longer than Google's per-minute refill).
``RRSS_LEDGER=local`` ignores any Sheets configuration (the local workbook is used);
``RRSS_LEDGER=sheets`` makes a missing one an error instead of a silent fall-back.

Nothing here talks to Google: a half-written configuration is reported in Spanish, naming
the setting to fix; no configuration at all means "use the local workbook".
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.domain.errors import StorageError

ROOT = Path(__file__).resolve().parents[3]  # the repository
SECRETS_NAME = Path(".streamlit") / "secrets.toml"
KEY_FIELDS = ("client_email", "private_key", "token_uri")
DEFAULT_CACHE_SECONDS = 5.0
DEFAULT_RETRY_SECONDS = 75.0  # longer than the per-minute quota refill


class ConfigError(StorageError):
    """The Google Sheets configuration is incomplete or unreadable."""


@dataclass(frozen=True)
class SheetsConfig:
    spreadsheet_id: str
    service_account: Mapping[str, Any] = field(repr=False)
    source: str
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    drive_folder_id: str = ""  # where the material's files go (a shared drive's folder)

    @property
    def client_email(self) -> str:
        return str(self.service_account.get("client_email", ""))


def secrets_candidates(env: Mapping[str, str]) -> list[Path]:
    explicit = env.get("RRSS_SECRETS_FILE", "").strip()
    if explicit:
        return [Path(explicit)]
    return list(dict.fromkeys([Path.cwd() / SECRETS_NAME, ROOT / SECRETS_NAME]))


def load_config(
    env: Mapping[str, str] | None = None, secrets: list[Path] | None = None
) -> SheetsConfig | None:
    """The Sheets configuration, or None when there is none (use the local workbook)."""
    env = dict(os.environ if env is None else env)
    mode = env.get("RRSS_LEDGER", "").strip().lower()
    if mode == "local":
        return None
    config = _from_env(env)
    if config is None:
        for path in secrets if secrets is not None else secrets_candidates(env):
            if path.is_file():
                config = _from_secrets(path, env)
                if config is not None:
                    break
    if config is None and mode == "sheets":
        raise ConfigError(
            "RRSS_LEDGER=sheets pero no hay configuración de Google Sheets: defina "
            "RRSS_SHEETS_ID y RRSS_SERVICE_ACCOUNT_FILE, o las secciones [sheets] y "
            "[gcp_service_account] de .streamlit/secrets.toml."
        )
    return config


def _number(value: object, name: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"«{name}» debe ser un número de segundos; tiene «{value}».") from None
    if number < 0:
        raise ConfigError(f"«{name}» no puede ser negativo.")
    return number


def _folder(value: object, name: str) -> str:
    """A Drive folder id: the part of the folder's URL after /folders/ (the URL is accepted)."""
    text = str(value or "").strip()
    if "/folders/" in text:
        text = text.split("/folders/", 1)[1].split("?", 1)[0].split("/", 1)[0]
    if text and not text.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"«{name}» debe ser el identificador de una carpeta de Google Drive "
                          f"(la parte de su URL después de /folders/); tiene «{text[:80]}».")
    return text


def _drive_folder(data: Mapping[str, Any], path: Path) -> str:
    drive = data.get("drive")
    if drive is None:
        return ""
    if not isinstance(drive, dict):
        raise ConfigError(f"{path}: [drive] debe ser una sección con folder_id.")
    return str(drive.get("folder_id", ""))


def _check_key(info: Mapping[str, Any], where: str) -> None:
    missing = [k for k in KEY_FIELDS if not str(info.get(k, "")).strip()]
    if missing:
        raise ConfigError(
            f"La clave de la cuenta de servicio ({where}) no tiene «{missing[0]}». Descargue "
            "de nuevo la clave JSON de la cuenta de servicio en Google Cloud (IAM > Cuentas "
            "de servicio > Claves) y cópiela completa."
        )


def _from_env(env: Mapping[str, str]) -> SheetsConfig | None:
    sheet_id = env.get("RRSS_SHEETS_ID", "").strip()
    key_file = env.get("RRSS_SERVICE_ACCOUNT_FILE", "").strip()
    key_json = env.get("RRSS_SERVICE_ACCOUNT_JSON", "").strip()
    if not sheet_id:
        if key_file or key_json:
            raise ConfigError(
                "Hay una clave de cuenta de servicio en el entorno pero falta RRSS_SHEETS_ID "
                "(el identificador de la hoja: la parte de su URL entre /d/ y /edit)."
            )
        return None
    if key_json:
        where = "RRSS_SERVICE_ACCOUNT_JSON"
        try:
            info = json.loads(key_json)
        except json.JSONDecodeError:
            raise ConfigError("RRSS_SERVICE_ACCOUNT_JSON no es JSON válido.") from None
    elif key_file:
        where = key_file
        try:
            info = json.loads(Path(key_file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"No se pudo leer RRSS_SERVICE_ACCOUNT_FILE={key_file}: "
                f"{exc.strerror or exc}."
            ) from None
        except json.JSONDecodeError:
            raise ConfigError(f"{key_file} no es un archivo JSON de clave válido.") from None
    else:
        raise ConfigError(
            "RRSS_SHEETS_ID está definido pero falta la credencial: defina "
            "RRSS_SERVICE_ACCOUNT_FILE (ruta del JSON de la cuenta de servicio) o "
            "RRSS_SERVICE_ACCOUNT_JSON."
        )
    if not isinstance(info, dict):
        raise ConfigError(f"La clave de la cuenta de servicio ({where}) no es un objeto JSON.")
    _check_key(info, where)
    return SheetsConfig(
        spreadsheet_id=sheet_id, service_account=info, source="variables de entorno",
        cache_seconds=_number(env.get("RRSS_SHEETS_CACHE_SECONDS"),
                              "RRSS_SHEETS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS),
        retry_seconds=_number(env.get("RRSS_SHEETS_RETRY_SECONDS"),
                              "RRSS_SHEETS_RETRY_SECONDS", DEFAULT_RETRY_SECONDS),
        drive_folder_id=_folder(env.get("RRSS_DRIVE_FOLDER_ID", ""), "RRSS_DRIVE_FOLDER_ID"),
    )


def _from_secrets(path: Path, env: Mapping[str, str]) -> SheetsConfig | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"No se pudo leer {path}: {exc}.") from None
    sheets = data.get("sheets")
    account = data.get("gcp_service_account")
    if sheets is None and account is None:
        return None  # a secrets file for something else
    if not isinstance(sheets, dict) or not str(sheets.get("spreadsheet_id", "")).strip():
        raise ConfigError(
            f"{path}: falta [sheets] spreadsheet_id (el identificador de la hoja: la parte "
            "de su URL entre /d/ y /edit)."
        )
    if not isinstance(account, dict):
        raise ConfigError(
            f"{path}: falta la sección [gcp_service_account] con la clave JSON de la cuenta "
            "de servicio (ver .streamlit/secrets.toml.example)."
        )
    _check_key(account, f"{path} [gcp_service_account]")
    return SheetsConfig(
        spreadsheet_id=str(sheets["spreadsheet_id"]).strip(), service_account=dict(account),
        source=str(path),
        cache_seconds=_number(env.get("RRSS_SHEETS_CACHE_SECONDS") or
                              sheets.get("cache_seconds"), "cache_seconds",
                              DEFAULT_CACHE_SECONDS),
        retry_seconds=_number(env.get("RRSS_SHEETS_RETRY_SECONDS") or
                              sheets.get("retry_seconds"), "retry_seconds",
                              DEFAULT_RETRY_SECONDS),
        drive_folder_id=_folder(env.get("RRSS_DRIVE_FOLDER_ID") or _drive_folder(data, path),
                                "[drive] folder_id"),
    )
