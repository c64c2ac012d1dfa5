"""An independent check of the events' signatures and chain, for tests of every backend.

Written apart from core.domain.chain on purpose (plain ``hmac``, the rules restated from
its docstring): the tests must not trust the code they test.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from support.fixed import TEST_SEALER

from sheets_schema.tabs import TABS_BY_NAME

EVENT_HEADERS = TABS_BY_NAME["eventos"].headers
CONTENT = [h for h in EVENT_HEADERS if h not in ("hash", "firma")]
GENESIS = "0" * 64


def _canonical(values: Sequence[str]) -> bytes:
    """Trailing empty values dropped; CR LF and CR read as LF; each value as
    ``<length in characters>:<text>``, joined by ``|``, in UTF-8."""
    values = list(values)
    while values and values[-1] == "":
        values.pop()
    parts = []
    for value in values:
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        parts.append(f"{len(text)}:{text}")
    return "|".join(parts).encode("utf-8")


def _mac(keys: Mapping[str, bytes], kid: str, data: bytes) -> str:
    return f"{kid}:" + hmac.new(keys[kid], data, hashlib.sha256).hexdigest()


def chain_breaks(rows: Sequence[Sequence[str]],
                 keys: Mapping[str, bytes] = TEST_SEALER.keys) -> list[int]:
    """Sheet row numbers of «eventos» whose signature is not genuine or whose hash does
    not link it to the row before."""
    header = list(rows[0])
    position = {h: header.index(h) for h in EVENT_HEADERS}
    previous = GENESIS
    broken = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        signature, stored = padded[position["firma"]], padded[position["hash"]]
        kid = signature.partition(":")[0]
        content = _canonical([padded[position[h]] for h in CONTENT])
        if kid not in keys or signature != _mac(keys, kid, content) or \
                stored != _mac(keys, kid, previous.encode() + b"\n" + signature.encode()):
            broken.append(number)
        previous = stored or GENESIS
    return broken
