"""A repository over tabs in memory: the fake that tests and the demo wire through the same
door as the real adapters (same parsing, same all-or-nothing writes, same chain)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from core.adapters.tabular import RawTab, Schema, Snapshot, apply_change, copy_tabs
from core.domain.chain import Sealer
from core.domain.ledger import Rules
from core.domain.ports import Change


class InMemoryRepository:
    def __init__(self, tabs: Mapping[str, RawTab], schema: Schema, rules: Rules,
                 sealer: Sealer) -> None:
        self._tabs = copy_tabs(tabs)
        self.schema = schema
        self.rules = rules
        self.sealer = sealer
        self._lock = threading.Lock()
        self._version = 0
        self._snapshot = self._make_snapshot()
        self.commits = 0

    def _make_snapshot(self) -> Snapshot:
        return Snapshot(copy_tabs(self._tabs), self.schema, self.rules, self.sealer,
                        token=self._version)

    @property
    def tabs(self) -> Mapping[str, RawTab]:
        return self._tabs

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def commit(self, change: Change) -> Snapshot:
        with self._lock:
            if change.guard is not None:
                change.guard(self._snapshot.ledger)
            working = copy_tabs(self._tabs)
            apply_change(working, self.schema, change, self.sealer)
            self._tabs = working
            self._version += 1
            self.commits += 1
            self._snapshot = self._make_snapshot()
            return self._snapshot
