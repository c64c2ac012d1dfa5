"""A file store in memory, for tests and the benchmarks (same contract as the real ones)."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping

from core.domain.errors import FileStoreError
from core.domain.ports import StoredFile


class MemoryFileStore:
    """Files in a dict; every put is a new id (like Drive), ``fail_puts`` simulates a full
    store after that many successful puts."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.names: dict[str, tuple[str, str]] = {}
        self.fail_puts: int | None = None
        self.fail_deletes = False
        self._lock = threading.Lock()

    def put(self, data: bytes, name: str, media_type: str, sha256: str) -> StoredFile:
        with self._lock:
            if self.fail_puts is not None:
                if self.fail_puts <= 0:
                    raise FileStoreError("El almacén de archivos está lleno; no se guardó "
                                         "nada.")
                self.fail_puts -= 1
            storage_id = uuid.uuid4().hex
            self.files[storage_id] = bytes(data)
            self.names[storage_id] = (name, media_type)
            return StoredFile(storage_id, True)

    def get(self, storage_id: str) -> bytes:
        try:
            return self.files[storage_id]
        except KeyError:
            raise FileStoreError(f"No se encuentra el archivo {storage_id}.") from None

    def delete(self, storage_id: str) -> None:
        if self.fail_deletes:
            raise FileStoreError("No se pudo borrar el archivo.")
        with self._lock:
            self.files.pop(storage_id, None)
            self.names.pop(storage_id, None)

    def inventory(self) -> Mapping[str, str]:
        with self._lock:
            return {k: hashlib.sha256(v).hexdigest() for k, v in self.files.items()}

    def describe(self) -> str:
        return "memoria (pruebas)"
