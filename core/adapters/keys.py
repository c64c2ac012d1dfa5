"""The ledger's key: where the app servers keep the secret that signs the events.

The key never goes into the spreadsheet: whoever holds it can sign rows the app obeys. It
comes, in this order, from:

1. the environment: ``RRSS_LEDGER_KEY`` (at least 32 random bytes, base64), with
   ``RRSS_LEDGER_KEY_ID`` (default ``k1``) and, after a rotation, ``RRSS_LEDGER_OLD_KEYS``
   (``k1=<base64>,k0=<base64>``: still verified, never used to sign);
2. ``.streamlit/secrets.toml``, section ``[ledger]``: ``key``, ``key_id``, and a table
   ``old_keys``;
3. for the local workbook only, a key file beside it (``.<workbook>.key``, readable only by
   the account that runs the app), made by ``python cli.py init`` or ``python cli.py demo``
   together with the workbook.

A missing key is never replaced by a new one: every event signed so far would stop
counting. The app stops and says where the key should be.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.domain.chain import MIN_KEY_BYTES, Sealer
from core.domain.errors import StorageError

DEFAULT_KEY_ID = "k1"


class KeyMissing(StorageError):
    """The ledger's key is not where the configuration says it should be."""


def key_file_for(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.key")


def _decode(text: str, where: str) -> bytes:
    try:
        secret = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise KeyMissing(f"La clave del libro en {where} no es base64 válido.") from None
    if len(secret) < MIN_KEY_BYTES:
        raise KeyMissing(f"La clave del libro en {where} es demasiado corta: use al menos "
                         f"{MIN_KEY_BYTES} bytes aleatorios (python cli.py key).")
    return secret


def encode(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode("ascii").rstrip("=")


def _sealer(current: str, key: str, old: Mapping[str, str], where: str) -> Sealer:
    keys = {kid: _decode(text, f"{where} ({kid})") for kid, text in old.items()}
    keys[current] = _decode(key, where)
    try:
        return Sealer(keys, current)
    except ValueError as exc:
        raise KeyMissing(f"La clave del libro en {where} no es válida: {exc}.") from None


def from_environment(env: Mapping[str, str]) -> Sealer | None:
    key = env.get("RRSS_LEDGER_KEY", "").strip()
    if not key:
        return None
    old: dict[str, str] = {}
    for part in env.get("RRSS_LEDGER_OLD_KEYS", "").split(","):
        kid, sep, text = part.strip().partition("=")
        if sep:
            old[kid.strip()] = text.strip()
    return _sealer(env.get("RRSS_LEDGER_KEY_ID", DEFAULT_KEY_ID).strip() or DEFAULT_KEY_ID,
                   key, old, "RRSS_LEDGER_KEY")


def from_secrets(path: Path) -> Sealer | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        section: Any = tomllib.load(handle).get("ledger")
    if not isinstance(section, dict) or not section.get("key"):
        return None
    old = section.get("old_keys") or {}
    return _sealer(str(section.get("key_id", DEFAULT_KEY_ID)), str(section["key"]),
                   {str(k): str(v) for k, v in dict(old).items()}, f"{path} [ledger]")


def from_file(path: Path) -> Sealer | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = {str(k): str(v) for k, v in data["keys"].items()}
        current = str(data["current"])
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        raise KeyMissing(f"El archivo de clave {path} está dañado. Restáurelo desde su "
                         "respaldo; sin él, los eventos firmados no se pueden verificar.") \
            from None
    return _sealer(current, keys.pop(current, ""), keys, str(path))


def write_key_file(path: Path, sealer: Sealer | None = None) -> Sealer:
    """Create the key file of a new local ledger (mode 0600); never overwrites one."""
    chosen = sealer or Sealer.generate(DEFAULT_KEY_ID)
    data = {"current": chosen.current,
            "keys": {kid: encode(secret) for kid, secret in chosen.keys.items()}}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return chosen


def load_sealer(env: Mapping[str, str], secrets: list[Path], key_file: Path | None
                ) -> Sealer:
    """The configured key (see the module docstring), or :class:`KeyMissing`."""
    found = from_environment(env)
    for path in secrets:
        found = found or from_secrets(path)
    if found is None and key_file is not None:
        found = from_file(key_file)
    if found is None:
        where = f" ni en el archivo {key_file}" if key_file is not None else ""
        raise KeyMissing(
            "No se encuentra la clave del libro (RRSS_LEDGER_KEY, ni la sección [ledger] de "
            f".streamlit/secrets.toml{where}). Sin ella la aplicación no puede verificar el "
            "registro: restáurela desde el respaldo de la configuración del servidor (ver "
            "README, «La clave del libro»).")
    return found
