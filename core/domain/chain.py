"""Sealing the events: a keyed signature per row, and a keyed chain from row to row.

The ledger is a spreadsheet anyone with edit rights can change. Each event row the app
writes carries two values computed with a secret key that only the app servers hold
(never in the sheet):

- ``firma``: HMAC-SHA-256 over the row's content. A row without a valid signature was
  not written by the app: it is reported and never obeyed. A signature does not depend
  on the row's position, so a person sorting the tab changes nothing the app obeys.
- ``hash``: HMAC-SHA-256 over the previous row's ``hash`` and this row's signature. It
  proves order and completeness: a row deleted, inserted or moved breaks the chain, and
  without the key nobody can rebuild it after an edit.

Both carry the key's id (``k1:…``), so keys can be rotated: new rows use the current key,
older rows stay verifiable with the retired ones. Rows written before keys existed have a
plain SHA-256 ``hash`` (64 hexadecimal digits) and no signature; they can still be checked
for edits, but they authorise nothing.

Line endings are canonical (``\\r\\n`` and ``\\r`` count as ``\\n``): an office suite that
re-saves the workbook rewrites them, and that must not read as an edit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

GENESIS = "0" * 64
HASH_COLUMN = "hash"
KEY_ID = re.compile(r"^[a-z][a-z0-9]{0,7}$")
MIN_KEY_BYTES = 32


def canonical(values: Sequence[str], *, keyed: bool = True) -> bytes:
    """Unambiguous bytes for a row: each value prefixed with its length.

    Trailing empty values are dropped, so a column added to the events tab later (always
    after the existing ones, empty in old rows) leaves the signatures of old rows valid.
    Keyed rows count line endings as ``\\n`` and prefix each value with its length in
    characters (one encoding per row: this runs for every row of every read); legacy rows
    hash their text exactly as it was, prefixed with its length in UTF-8 bytes.
    """
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1
    if keyed:
        texts = [v.replace("\r\n", "\n").replace("\r", "\n") if "\r" in v else v
                 for v in values[:end]]
        return "|".join([f"{len(t)}:{t}" for t in texts]).encode("utf-8")
    parts = []
    for value in values[:end]:
        data = value.encode("utf-8")
        parts.append(str(len(data)).encode() + b":" + data)
    return b"|".join(parts)


def link(previous_hash: str, values: Sequence[str]) -> str:
    """The plain (legacy) link: SHA-256 over the previous hash and the row's content."""
    return hashlib.sha256(previous_hash.encode() + b"\n"
                          + canonical(values, keyed=False)).hexdigest()


def is_keyed(stored: str) -> bool:
    """Whether a stored ``hash`` or ``firma`` was made with a key (``kid:hex``)."""
    head, sep, _ = stored.partition(":")
    return bool(sep) and bool(KEY_ID.match(head))


@dataclass(frozen=True)
class Sealer:
    """Signs and links event rows with the current key; verifies with any known key."""

    keys: Mapping[str, bytes]
    current: str
    _hmacs: dict[str, hmac.HMAC] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError("the current key id must be one of the keys")
        for kid, secret in self.keys.items():
            if not KEY_ID.match(kid):
                raise ValueError(f"key id {kid!r}: a lowercase letter, then letters or digits")
            if len(secret) < MIN_KEY_BYTES:
                raise ValueError(f"key {kid!r} must have at least {MIN_KEY_BYTES} bytes")
            self._hmacs[kid] = hmac.new(secret, digestmod=hashlib.sha256)

    @classmethod
    def generate(cls, kid: str = "k1") -> Sealer:
        """A sealer with a fresh random key (a new ledger, or a throwaway one in memory)."""
        return cls({kid: secrets.token_bytes(MIN_KEY_BYTES)}, kid)

    def _mac(self, kid: str, data: bytes) -> str:
        mac = self._hmacs[kid].copy()
        mac.update(data)
        return f"{kid}:{mac.hexdigest()}"

    def sign(self, values: Sequence[str], kid: str | None = None) -> str:
        """The signature of a row's content (every column but ``hash`` and ``firma``)."""
        return self._mac(kid or self.current, canonical(values))

    def chain(self, previous_hash: str, signature: str, kid: str | None = None) -> str:
        """The link from the row above (its stored ``hash``) to this row's signature."""
        return self._mac(kid or self.current, previous_hash.encode() + b"\n"
                         + signature.encode())

    def seal(self, previous_hash: str, values: Sequence[str]) -> tuple[str, str]:
        """(firma, hash) for a new row below a row whose hash is ``previous_hash``."""
        signature = self.sign(values)
        return signature, self.chain(previous_hash, signature)

    def knows(self, stored: str) -> bool:
        kid, sep, _ = stored.partition(":")
        return bool(sep) and kid in self._hmacs

    def signed(self, values: Sequence[str], stored: str) -> bool:
        """Whether ``stored`` is the genuine signature of ``values`` (under any known key)."""
        if not self.knows(stored):
            return False
        return hmac.compare_digest(self.sign(values, stored.partition(":")[0]), stored)

    def row_hash(self, previous_hash: str, values: Sequence[str], like: str) -> str:
        """What this row's ``hash`` should be, in the form ``like`` has (keyed or legacy):
        for a keyed row, linked through the signature its content should have."""
        if self.knows(like):
            kid = like.partition(":")[0]
            return self.chain(previous_hash, self.sign(values, kid), kid)
        return link(previous_hash, values)
