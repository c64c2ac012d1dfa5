"""The few Google calls the ledger makes, Google's answers turned into decisions.

- ``spreadsheets.get`` (tab ids, once per process), ``spreadsheets.values.batchGet`` (one
  call for every range a refresh needs) and ``spreadsheets.batchUpdate`` (one atomic write);
- Drive ``files.get(fields=version)``: whether the file changed at all. It draws on
  Drive's quota (hundreds of thousands of quota units a minute per user), not on Sheets'
  60 reads a minute, so every app server may ask it as often as it likes.

Answers: 429 (quota) and 5xx are retried with exponential backoff and full jitter, or after
exactly the ``Retry-After`` Google sends, within a budget (default 75 s) that outlasts the
per-minute refill; while it waits, the person is told in Spanish
(:mod:`core.adapters.waits`). A 400 "protected cell" is a setup problem named in Spanish;
a 400/413 "request too large" is :class:`TooLarge` (the repository splits the change);
any other 400 is :class:`Rejected`; 401/403/404 are :class:`SheetsSetupError` naming what
to fix.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import gspread
import requests
from google.auth import exceptions as auth_errors

from core.adapters import waits
from core.domain.errors import StorageError, UncertainWrite

T = TypeVar("T")

API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
QUOTA_REASON = "límite de uso por minuto"


class SheetsSetupError(StorageError):
    """The spreadsheet cannot be used as it is: credentials, sharing, tabs or headers."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in total time.

    The budget outlasts Google's per-minute quota refill: a burst that used up a minute's
    reads or writes is ridden out, not reported.
    """

    budget: float = 75.0  # seconds an operation may spend waiting and retrying
    first_delay: float = 0.5
    max_delay: float = 16.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.first_delay * 2 ** attempt))


class Retryable(Exception):
    """A 429, 5xx or network failure; ``maybe_applied`` when a write may have landed;
    ``retry_after``: the seconds Google asked to wait, when it said."""

    def __init__(self, reason: str, maybe_applied: bool, retry_after: float | None = None
                 ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after


class Rejected(Exception):
    """A 400 answer: Google refused the request as written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooLarge(Rejected):
    """Google refused the request for its size (400 "payload size exceeds", or 413)."""


def _retry_after(response: Any) -> float | None:
    value = (getattr(response, "headers", None) or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our own backoff


def _too_large(message: str) -> bool:
    text = message.lower()
    return "payload size exceeds" in text or "request too large" in text \
        or "request entity too large" in text


class SheetsApi:
    """Sheets and Drive calls on one spreadsheet, with retries and Spanish errors."""

    def __init__(self, client: Any, spreadsheet_id: str, *, retry: RetryPolicy | None = None,
                 account_email: str = "", clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.retry = retry or RetryPolicy()
        self.account_email = account_email
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.bytes_read = 0  # bytes of values.batchGet answers (what a refresh costs)
        self.probes = 0  # Drive files.get calls made to learn whether the file changed

    # -- one attempt each ---------------------------------------------------------------

    def get(self, params: Mapping[str, Any]) -> Any:
        """spreadsheets.get (one attempt)."""
        return self.client.http_client.request(
            "get", f"{API}/{self.spreadsheet_id}", params=dict(params)).json()

    def batch_get(self, ranges: Sequence[str], params: Mapping[str, Any]) -> Any:
        """spreadsheets.values.batchGet (one attempt)."""
        response = self.client.http_client.request(
            "get", f"{API}/{self.spreadsheet_id}/values:batchGet",
            params={**params, "ranges": list(ranges)})
        self.bytes_read += len(response.content)
        return response.json()

    def batch_update(self, requests_: list[dict[str, Any]]) -> Any:
        """spreadsheets.batchUpdate (one attempt; Google applies it whole or not at all)."""
        return self.client.http_client.request(
            "post", f"{API}/{self.spreadsheet_id}:batchUpdate",
            params={"fields": "spreadsheetId,replies"}, json={"requests": requests_}).json()

    def file_version(self) -> int:
        """Drive's version of the spreadsheet file: it grows with every change to it, by
        the app or by a person (one attempt)."""
        self.probes += 1
        answer = self.client.http_client.request(
            "get", f"{DRIVE_FILES}/{self.spreadsheet_id}",
            params={"fields": "version", "supportsAllDrives": "true"}).json()
        return int(answer["version"])

    # -- retries ------------------------------------------------------------------------

    def with_retries(self, started: float, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return self.call(call)
            except Retryable as exc:
                self.pause(started, attempt, exc.reason, writing=False, uncertain=False,
                           retry_after=exc.retry_after)
                attempt += 1

    def pause(self, started: float, attempt: int, reason: str, *, writing: bool,
              uncertain: bool, retry_after: float | None = None) -> None:
        """Wait before the next attempt, telling the person; past the budget, give up in
        Spanish."""
        delay = self.retry.delay(attempt, self.rng)
        if retry_after is not None:  # Google said how long: wait that, spread a little
            delay = retry_after + self.rng.uniform(0, self.retry.first_delay)
        spent = self.clock() - started
        if spent + delay > self.retry.budget:
            waited = f"{self.retry.budget:g} s"
            if not writing:
                raise StorageError(
                    f"Google Sheets no respondió ({reason}) durante {waited}: no se pudo leer "
                    "la hoja de cálculo. Intente de nuevo en un minuto."
                )
            if uncertain:
                raise UncertainWrite(
                    f"Google Sheets no respondió ({reason}) durante {waited} y no se pudo "
                    "confirmar si el cambio se guardó. Recargue la página para ver el estado "
                    "actual antes de repetirlo."
                )
            raise StorageError(
                f"Google Sheets no aceptó el cambio ({reason}) durante {waited}; no se guardó "
                "nada. Intente de nuevo en un minuto."
            )
        what = "guardar" if writing else "leer la hoja"
        waits.tell(  # short: a toast shows about three lines before «view more»
            f"Google Sheets pide esperar ({reason}): se reintenta {what} en "
            f"{max(1, round(delay))} s. "
            + ("Aún no se guardó nada; no cierre la página." if writing and not uncertain
               else "No cierre la página."),
            delay,
        )
        self.sleep(delay)

    def call(self, call: Callable[[], T]) -> T:
        """Run one HTTP call, turning Google's answers into retry decisions or messages."""
        try:
            return call()
        except gspread.exceptions.APIError as exc:
            response = getattr(exc, "response", None)
            code = int(getattr(response, "status_code", 0) or exc.code)
            message = str(exc.error.get("message", ""))
            if code == 429:
                raise Retryable(QUOTA_REASON, False, _retry_after(response)) from None
            if code == 413 or (code == 400 and _too_large(message)):
                raise TooLarge(message or "413 Request Entity Too Large") from None
            if code in RETRYABLE_STATUS:
                raise Retryable(f"error {code} de Google", True,
                                _retry_after(response)) from None
            if code == 400 and "protected cell" in message.lower():
                raise self.setup_error(403, "protected") from None
            if code == 400:
                raise Rejected(message) from None
            raise self.setup_error(code, message) from None
        except requests.exceptions.ConnectTimeout:
            raise Retryable("sin conexión con Google", False) from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError):
            raise Retryable("tiempo de espera agotado", True) from None
        except auth_errors.RefreshError:
            raise self.setup_error(401, "") from None
        except auth_errors.TransportError:
            raise Retryable("sin conexión con Google", False) from None

    def setup_error(self, code: int, message: str) -> StorageError:
        account = f"«{self.account_email}»" if self.account_email else "de la aplicación"
        if code == 401:
            return SheetsSetupError(
                f"Google rechazó la credencial de la cuenta de servicio {account}: la clave "
                "expiró, fue revocada o está mal copiada. Cree una clave nueva en Google Cloud "
                "(IAM > Cuentas de servicio > Claves) y reemplácela en .streamlit/secrets.toml "
                "(sección [gcp_service_account]) o en RRSS_SERVICE_ACCOUNT_FILE."
            )
        if code == 403 and "protect" in message.lower():
            return SheetsSetupError(
                f"La cuenta de servicio {account} no puede editar un rango protegido de la hoja "
                "de cálculo. En Datos > Rangos protegidos, agréguela como editora (o ejecute "
                "«python cli.py bootstrap»); no se guardó nada."
            )
        if code == 403:
            return SheetsSetupError(
                f"La cuenta de servicio {account} no tiene acceso a la hoja de cálculo "
                f"{self.spreadsheet_id}. Compártala con esa dirección como Editor (botón "
                "Compartir) o revise que la API de Google Sheets esté habilitada en el "
                "proyecto de Google Cloud."
            )
        if code == 404:
            return SheetsSetupError(
                f"No existe una hoja de cálculo con el identificador {self.spreadsheet_id}. "
                "Revise [sheets] spreadsheet_id en .streamlit/secrets.toml (o RRSS_SHEETS_ID): "
                "es la parte de la URL de la hoja entre /d/ y /edit."
            )
        return StorageError(f"Google Sheets respondió con el error {code} ({message}).")
