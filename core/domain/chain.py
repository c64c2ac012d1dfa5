"""Hash chain over the events tab, so that an edit by hand can be detected.

Each event row's ``hash`` is SHA-256 over the previous row's hash and this row's
canonical content (every column but ``hash``, in the schema's order). Editing,
deleting or inserting a row breaks the chain from that row on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

GENESIS = "0" * 64
HASH_COLUMN = "hash"


def canonical(values: Sequence[str]) -> bytes:
    """Unambiguous bytes for a row: each value length-prefixed.

    Trailing empty values are dropped, so a column added to the events tab later (always
    after the existing ones, empty in old rows) leaves the hashes of old rows valid.
    """
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1
    parts = []
    for value in values[:end]:
        data = value.encode("utf-8")
        parts.append(str(len(data)).encode() + b":" + data)
    return b"|".join(parts)


def link(previous_hash: str, values: Sequence[str]) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(values)).hexdigest()
