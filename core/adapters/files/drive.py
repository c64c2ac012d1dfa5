"""The material's files in Google Drive, through the Drive API v3.

Files go into one folder of a shared drive (``[drive] folder_id`` in the secrets, or
``RRSS_DRIVE_FOLDER_ID``) with the same authorised session the Sheets adapter uses; the
service account must be a member of that shared drive as Administrador de contenido
(Content manager: it adds files and moves to the trash the ones it must undo).
Service accounts own no Drive storage of their own: outside a shared drive Google refuses
every upload with ``storageQuotaExceeded``.

Calls (``supportsAllDrives=true`` on each):

- ``files.create`` on the upload path: ``uploadType=multipart`` (metadata and bytes in one
  request) up to ``multipart_limit`` (5 MB, Google's advice), else ``uploadType=resumable``:
  a POST opens a session whose URI comes back in ``Location``, then PUTs of ``chunk_size``
  bytes (a multiple of 256 KiB) with ``Content-Range``; Google answers 308 with the
  ``Range`` it holds until the last byte, then the file. After a lost answer the adapter
  asks the session how far it got (``bytes */total``) and resumes from there.
- ``files.get`` with ``alt=media`` to read; ``files.delete`` to undo an upload that was not
  recorded (or ``files.update`` with ``trashed`` where only a Manager may delete);
  ``files.list`` of the folder (``sha256Checksum``, which Drive computes) for the audit.

429, 5xx and Drive's rate-limit 403s are retried with exponential backoff and jitter for at
most ``retry_seconds``; every other error is a Spanish :class:`FileStoreError` saying what
to fix (quota, permissions, a wrong folder id). The answer's ``sha256Checksum`` is checked
against the bytes sent; a mismatch deletes the file and refuses.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import requests

from core.domain.errors import FileStoreError
from core.domain.ports import StoredFile

FILES = "https://www.googleapis.com/drive/v3/files"
UPLOAD = "https://www.googleapis.com/upload/drive/v3/files"
SCOPE = "https://www.googleapis.com/auth/drive"
MULTIPART_LIMIT = 5 * 1024 * 1024
CHUNK = 8 * 1024 * 1024  # a multiple of 256 KiB, as resumable uploads require
RETRYABLE = frozenset({429, 500, 502, 503, 504})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
FIELDS = "id,name,size,sha256Checksum"


class _Retry(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(response: requests.Response) -> tuple[str, str]:
    """(reason, message) of a Drive error answer."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return "", response.text[:200]
    errors = error.get("errors") or [{}]
    return str(errors[0].get("reason", "")), str(error.get("message", ""))


class DriveFileStore:
    """Files in one Drive folder (see the module docstring)."""

    def __init__(
        self,
        session: requests.Session,
        folder_id: str,
        *,
        account_email: str = "",
        retry_seconds: float = 20.0,
        multipart_limit: int = MULTIPART_LIMIT,
        chunk_size: int = CHUNK,
        timeout: tuple[float, float] = (10, 120),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if chunk_size % (256 * 1024):
            raise ValueError("chunk_size must be a multiple of 256 KiB")
        self.session = session
        self.folder_id = folder_id
        self.account_email = account_email
        self.retry_seconds = retry_seconds
        self.multipart_limit = multipart_limit
        self.chunk_size = chunk_size
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self.calls = 0

    # -- errors ------------------------------------------------------------------------------

    def _who(self) -> str:
        return f"«{self.account_email}»" if self.account_email else "de la aplicación"

    def _error(self, response: requests.Response, name: str, writing: bool) -> FileStoreError:
        reason, message = _reason(response)
        code = response.status_code
        what = f"«{name}»" if name else "el archivo"
        nothing = " No se guardó nada." if writing else ""
        if reason == "storageQuotaExceeded":
            return FileStoreError(
                f"Google Drive no tiene espacio para guardar {what} (cuota de almacenamiento "
                "agotada). Las cuentas de servicio no tienen almacenamiento propio: la carpeta "
                f"configurada ({self.folder_id}) debe estar en una unidad compartida donde la "
                f"cuenta {self._who()} sea Administrador de contenido.{nothing}")
        if code == 401:
            return FileStoreError(
                f"Google rechazó la credencial de la cuenta de servicio {self._who()} al usar "
                f"Google Drive; reemplace la clave (ver README, «Google Sheets»).{nothing}")
        if code == 403 and reason in ("insufficientParentPermissions",
                                      "insufficientFilePermissions", "forbidden", ""):
            return FileStoreError(
                f"La cuenta de servicio {self._who()} no tiene permiso en la carpeta de Google "
                f"Drive {self.folder_id}: agréguela como Administrador de contenido de la "
                "unidad compartida (o revise que la API de Google Drive esté habilitada en el "
                f"proyecto).{nothing}")
        if code == 404:
            return FileStoreError(
                f"Google Drive no encuentra la carpeta o el archivo ({self.folder_id}), o la "
                f"cuenta {self._who()} no lo ve. Revise [drive] folder_id (la parte de la URL "
                "de la carpeta después de /folders/) y que la cuenta sea miembro de la unidad "
                f"compartida.{nothing}")
        return FileStoreError(f"Google Drive respondió con el error {code} "
                              f"({reason or message or 'sin detalle'}).{nothing}")

    # -- one request, with retries -------------------------------------------------------------

    def _send(self, method: str, url: str, name: str, *, ok: tuple[int, ...] = (200,),
              writing: bool = True, **options: Any) -> requests.Response:
        started = self._clock()
        attempt = 0
        while True:
            try:
                return self._once(method, url, name, ok, writing, **options)
            except _Retry as retry:
                delay = self._rng.uniform(0, min(8.0, 0.5 * 2 ** attempt))
                if self._clock() - started + delay > self.retry_seconds:
                    nothing = "; no se guardó nada" if writing else ""
                    raise FileStoreError(
                        f"Google Drive no respondió ({retry.reason}) durante "
                        f"{self.retry_seconds:g} s{nothing}. Intente de nuevo en un "
                        "minuto.") from None
                self._sleep(delay)
                attempt += 1

    def _once(self, method: str, url: str, name: str, ok: tuple[int, ...], writing: bool,
              **options: Any) -> requests.Response:
        self.calls += 1
        try:
            response = self.session.request(method, url, timeout=self.timeout,
                                            allow_redirects=False, **options)
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError):
            raise _Retry("sin conexión o tiempo de espera agotado") from None
        if response.status_code in ok:
            return response
        reason, _ = _reason(response)
        if response.status_code in RETRYABLE or reason in RATE_REASONS:
            raise _Retry(f"error {response.status_code} de Google Drive")
        raise self._error(response, name, writing)

    # -- the FileStore port ----------------------------------------------------------------

    def put(self, data: bytes, name: str, media_type: str, sha256: str) -> StoredFile:
        metadata = {"name": name, "parents": [self.folder_id], "mimeType": media_type,
                    "appProperties": {"sha256": sha256}}
        if len(data) <= self.multipart_limit:
            answer = self._multipart(metadata, data, media_type, name)
        else:
            answer = self._resumable(metadata, data, media_type, name)
        file_id = str(answer.get("id", ""))
        if not file_id:
            raise FileStoreError(f"Google Drive no devolvió el identificador de «{name}»; no "
                                 "se guardó nada.")
        checksum = answer.get("sha256Checksum")
        size = str(answer.get("size", len(data)))
        if (checksum and checksum != sha256) or size != str(len(data)):
            self.delete(file_id)
            raise FileStoreError(f"Google Drive guardó «{name}» con otro contenido del enviado "
                                 "(la huella SHA-256 no coincide); se borró y no se guardó "
                                 "nada. Intente de nuevo.")
        return StoredFile(file_id, True)

    def _multipart(self, metadata: Mapping[str, Any], data: bytes, media_type: str,
                   name: str) -> dict[str, Any]:
        boundary = f"rrss-{uuid.uuid4().hex}"
        body = b"".join([
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            json.dumps(metadata, ensure_ascii=False).encode("utf-8"),
            f"\r\n--{boundary}\r\nContent-Type: {media_type}\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ])
        response = self._send(
            "POST", UPLOAD, name,
            params={"uploadType": "multipart", "supportsAllDrives": "true", "fields": FIELDS},
            data=body, headers={"Content-Type": f"multipart/related; boundary={boundary}"})
        return dict(response.json())

    def _resumable(self, metadata: Mapping[str, Any], data: bytes, media_type: str,
                   name: str) -> dict[str, Any]:
        total = len(data)
        opened = self._send(
            "POST", UPLOAD, name,
            params={"uploadType": "resumable", "supportsAllDrives": "true", "fields": FIELDS},
            data=json.dumps(metadata, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=UTF-8",
                     "X-Upload-Content-Type": media_type,
                     "X-Upload-Content-Length": str(total)})
        session_uri = opened.headers.get("Location", "")
        if not session_uri:
            raise FileStoreError(f"Google Drive no abrió la subida de «{name}»; no se guardó "
                                 "nada.")
        position = 0
        lost = 0
        while True:
            end = min(position + self.chunk_size, total)
            try:
                response = self._once(
                    "PUT", session_uri, name, (200, 201, 308), True, data=data[position:end],
                    headers={"Content-Range": f"bytes {position}-{end - 1}/{total}"})
            except _Retry:
                lost += 1
                if lost > 5:
                    raise FileStoreError(f"Google Drive cortó varias veces la subida de "
                                         f"«{name}»; no se guardó nada. Intente de nuevo."
                                         ) from None
                self._sleep(self._rng.uniform(0, min(8.0, 0.5 * 2 ** lost)))
                response = self._send("PUT", session_uri, name, ok=(200, 201, 308),
                                      data=b"", headers={"Content-Range": f"bytes */{total}"})
            if response.status_code in (200, 201):
                return dict(response.json())
            held = response.headers.get("Range", "")
            position = int(held.rsplit("-", 1)[-1]) + 1 if held else 0

    def get(self, storage_id: str) -> bytes:
        response = self._send("GET", f"{FILES}/{storage_id}", "", writing=False,
                              params={"alt": "media", "supportsAllDrives": "true"})
        return response.content

    def delete(self, storage_id: str) -> None:
        """Delete the file; where the account may not (in a shared drive only a Manager
        deletes for good), move it to the trash, which Drive empties after 30 days."""
        try:
            self._send("DELETE", f"{FILES}/{storage_id}", "", ok=(200, 204, 404),
                       writing=False, params={"supportsAllDrives": "true"})
        except FileStoreError:
            self._send("PATCH", f"{FILES}/{storage_id}", "", writing=False,
                       params={"supportsAllDrives": "true", "fields": "id,trashed"},
                       json={"trashed": True})

    def inventory(self) -> Mapping[str, str]:
        found: dict[str, str] = {}
        token = ""
        while True:
            params = {"q": f"'{self.folder_id}' in parents and trashed = false",
                      "corpora": "allDrives", "includeItemsFromAllDrives": "true",
                      "supportsAllDrives": "true", "pageSize": "1000",
                      "fields": "nextPageToken,files(id,sha256Checksum)"}
            if token:
                params["pageToken"] = token
            answer = self._send("GET", FILES, "", writing=False, params=params).json()
            for item in answer.get("files") or []:
                found[str(item.get("id"))] = str(item.get("sha256Checksum", ""))
            token = str(answer.get("nextPageToken") or "")
            if not token:
                return found

    def describe(self) -> str:
        return f"Google Drive, carpeta {self.folder_id}"
