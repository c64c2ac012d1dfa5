"""The material's files in a folder beside the local workbook.

Each file is named by the SHA-256 of its bytes (content-addressed): the same bytes are kept
once, a name always means the same content, and a file is never overwritten. A write goes
to a temporary file in the same folder, is flushed to disk and then linked into place in
one step, so a crash leaves either the whole file or nothing under its name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path

from core.domain.errors import FileStoreError
from core.domain.ports import StoredFile

_NAME = re.compile(r"^[0-9a-f]{64}$")
_READ_CHUNK = 1024 * 1024


def folder_beside(workbook: Path) -> Path:
    """``data/ledger.xlsx`` -> ``data/ledger-archivos``."""
    return workbook.with_name(f"{workbook.stem}-archivos")


class LocalFileStore:
    """A folder of files named by their SHA-256 (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, storage_id: str) -> Path:
        if not _NAME.fullmatch(storage_id):
            raise FileStoreError(f"«{storage_id[:80]}» no es un identificador de archivo de la "
                                 "carpeta local (se esperan 64 caracteres hexadecimales).")
        return self.folder / storage_id

    def _refused(self, name: str, error: OSError) -> FileStoreError:
        reason = "el disco está lleno" if error.errno == errno.ENOSPC \
            else (error.strerror or str(error))
        return FileStoreError(f"No se pudo guardar «{name}» en la carpeta {self.folder} "
                              f"({reason}); no se guardó nada.")

    def put(self, data: bytes, name: str, media_type: str, sha256: str) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise FileStoreError(f"«{name}» cambió mientras se guardaba; no se guardó nada.")
        target = self._path(digest)
        if target.exists():
            return StoredFile(digest, created=False)
        temp = self.folder / f".tmp-{uuid.uuid4().hex}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temp, target)  # refuses to replace an existing name
                created = True
            except FileExistsError:
                created = False  # someone stored the same bytes a moment ago
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                    raise
                created = not target.exists()  # a file system without hard links
                if created:
                    os.replace(temp, target)
            self._sync_folder()
        except OSError as error:
            raise self._refused(name, error) from None
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
        return StoredFile(digest, created)

    def _sync_folder(self) -> None:
        with contextlib.suppress(OSError):
            descriptor = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def get(self, storage_id: str) -> bytes:
        path = self._path(storage_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise FileStoreError(f"Falta el archivo {storage_id[:12]}… en la carpeta "
                                 f"{self.folder}: fue borrado o movido.") from None
        except OSError as error:
            raise FileStoreError(f"No se pudo leer el archivo {storage_id[:12]}… "
                                 f"({error.strerror or error}).") from None

    def delete(self, storage_id: str) -> None:
        try:
            self._path(storage_id).unlink(missing_ok=True)
        except OSError as error:
            raise FileStoreError(f"No se pudo borrar el archivo {storage_id[:12]}… "
                                 f"({error.strerror or error}).") from None

    def inventory(self) -> Mapping[str, str]:
        found: dict[str, str] = {}
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.iterdir()):
            if not _NAME.fullmatch(path.name) or not path.is_file():
                continue
            digest = hashlib.sha256()
            try:
                with path.open("rb") as handle:
                    while chunk := handle.read(_READ_CHUNK):
                        digest.update(chunk)
            except OSError:
                continue
            found[path.name] = digest.hexdigest()
        return found

    def describe(self) -> str:
        return f"carpeta local {self.folder}"
