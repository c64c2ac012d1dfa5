"""An independent check of the events' hash chain, for tests of every backend.

Written apart from core.audit on purpose: the tests must not trust the code they test.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.domain import chain
from sheets_schema.tabs import TABS_BY_NAME

EVENT_HEADERS = TABS_BY_NAME["eventos"].headers


def chain_breaks(rows: Sequence[Sequence[str]]) -> list[int]:
    """Sheet row numbers of «eventos» whose hash does not link to the row before."""
    header = list(rows[0])
    position = {h: header.index(h) for h in EVENT_HEADERS}
    previous = chain.GENESIS
    broken = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        values = [padded[position[h]] for h in EVENT_HEADERS if h != chain.HASH_COLUMN]
        stored = padded[position[chain.HASH_COLUMN]]
        if stored != chain.link(previous, values):
            broken.append(number)
        previous = stored or chain.GENESIS  # as core.repository.last_hash does
    return broken
