"""The one storage interface the services use, and an in-memory implementation for tests.

An adapter (local workbook, Google Sheet) keeps the ledger as raw tabs of text. A use case
describes what it writes as a :class:`Change`: rows to append and keyed rows to update,
plus a *guard* that the adapter runs against the freshest content just before writing
(for example: "the request is still at the sequence number the user saw"). Either the
whole change is written, or nothing is.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, TypeVar

from core import chain
from core.errors import ConcurrentChange, StorageError
from core.ledger import Ledger, RawTab, TabSpec, header_problems
from core.models import MAX_CELL_CHARS
from core.perf import paused_gc
from core.procedures import ProcedureSet
from core.workflow import EVENTS_TAB

Guard = Callable[[Ledger], None]


@dataclass
class Change:
    """Everything one action writes, applied atomically by the adapter."""

    appends: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    updates: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    row_updates: list[tuple[str, int, list[str], dict[str, str]]] = field(default_factory=list)
    guard: Guard | None = None
    summary: str = ""

    def append(self, tab: str, row: Mapping[str, str]) -> Change:
        self.appends.append((tab, dict(row)))
        return self

    def update(self, tab: str, key: str, row: Mapping[str, str]) -> Change:
        """Replace the named cells of the row whose key column equals ``key``."""
        self.updates.append((tab, key, dict(row)))
        return self

    def update_row(
        self, tab: str, row_number: int, expected: Sequence[str], row: Mapping[str, str]
    ) -> Change:
        """Replace the named cells of sheet row ``row_number`` (the header is row 1).

        For tabs without a key column. Refused, writing nothing, unless the row still
        holds ``expected`` (its cells as read): a person may have edited or moved it.
        """
        self.row_updates.append((tab, row_number, list(expected), dict(row)))
        return self

    def tabs(self) -> set[str]:
        return ({t for t, _ in self.appends} | {t for t, _, _ in self.updates}
                | {t for t, _, _, _ in self.row_updates})


class Snapshot:
    """The ledger's raw tabs at one moment, with the typed view derived once and cached."""

    def __init__(
        self, tabs: Mapping[str, RawTab], specs: Mapping[str, TabSpec],
        procedures: ProcedureSet, token: object = None,
    ) -> None:
        self.tabs = tabs
        self.specs = specs
        self.procedures = procedures
        self.token = token
        self.previous: tuple[Snapshot, Touched] | None = None

    @cached_property
    def ledger(self) -> Ledger:
        base = None
        if self.previous is not None and "ledger" in self.previous[0].__dict__:
            base = (self.previous[0].ledger, self.previous[1].rows)
        self.previous = None  # do not keep a chain of old snapshots alive
        with paused_gc():
            ledger = Ledger(self.tabs, self.specs, self.procedures, base=base)
            ledger.states  # noqa: B018 - replayed here, while the collector rests
        return ledger


T = TypeVar("T")
NEW_NUMBER_ATTEMPTS = 5


class Repository(Protocol):
    def snapshot(self) -> Snapshot:
        """The current ledger; cheap when nothing changed since the last call."""
        ...

    def commit(self, change: Change) -> Snapshot:
        """Write ``change`` whole, after its guard passes on the freshest content."""
        ...


@dataclass(frozen=True)
class Touched:
    """Which rows a change wrote: (tab, index into ``RawTab.rows``)."""

    rows: list[tuple[str, int]]


def apply_change(
    tabs: dict[str, RawTab], specs: Mapping[str, TabSpec], change: Change
) -> Touched:
    """Apply ``change`` to ``tabs`` in place (the caller works on a copy or under a lock).

    Refuses, before touching anything, a change to a tab whose header lacks a column
    the change writes (appending under a damaged header would misplace values), and any
    cell longer than a Google Sheets cell holds, whichever service wrote it.
    """
    _check_cell_lengths(change)
    for name in sorted(change.tabs()):
        raw = tabs.get(name)
        if raw is None:
            raise StorageError(f"Falta la pestaña «{name}» en el libro; no se guardó nada.")
        missing, _ = header_problems(specs[name], raw)
        if missing:
            raise StorageError(
                f"La pestaña «{name}» no tiene la columna «{missing[0]}» en su encabezado. "
                "Restaure el encabezado (ver página Salud de datos); no se guardó nada."
            )
    for name, key, _ in change.updates:
        if _find_key(tabs[name], specs[name], key) is None:
            raise StorageError(
                f"No se encontró «{key}» en la pestaña «{name}»; no se guardó nada."
            )
    for name, number, expected, _ in change.row_updates:
        rows = tabs[name].rows
        index = number - 2
        if not (0 <= index < len(rows)) or _trimmed(rows[index]) != _trimmed(expected):
            raise ConcurrentChange(
                f"La fila {number} de la pestaña «{name}» cambió desde que se leyó; no se "
                "guardó nada. Vuelva a cargar la página e intente de nuevo."
            )
    touched: list[tuple[str, int]] = []
    for name, number, _, values in change.row_updates:
        raw = tabs[name]
        raw.rows[number - 2] = _merged(raw, raw.rows[number - 2], values)
        touched.append((name, number - 2))
    for name, key, values in change.updates:
        raw = tabs[name]
        index = _find_key(raw, specs[name], key)
        assert index is not None
        raw.rows[index] = _merged(raw, raw.rows[index], values)
        touched.append((name, index))
    for name, values in change.appends:
        raw = tabs[name]
        if name == EVENTS_TAB:
            values = seal(raw, specs[name], values)
        raw.rows.append(_merged(raw, [], values))
        touched.append((name, len(raw.rows) - 1))
    return Touched(touched)


def _check_cell_lengths(change: Change) -> None:
    values = [row for _, row in change.appends] + [row for _, _, row in change.updates] \
        + [row for _, _, _, row in change.row_updates]
    limit = f"{MAX_CELL_CHARS:,}".replace(",", ".")
    for row in values:
        for header, value in row.items():
            if len(value) > MAX_CELL_CHARS:
                raise StorageError(
                    f"El texto de «{header}» supera {limit} caracteres (lo que cabe en una "
                    "celda de Google Sheets); acórtelo. No se guardó nada."
                )


def _find_key(raw: RawTab, spec: TabSpec, key: str) -> int | None:
    column = spec.key_header
    if column is None:
        return None
    position = raw.column_index().get(column)
    if position is None:
        return None
    found = [index for index, cells in enumerate(raw.rows)
             if position < len(cells) and cells[position].strip() == key]
    if len(found) > 1:
        # The ledger reads the first *valid* row; writing to "the first" could hit a
        # damaged copy and change nothing that the app reads. A person must decide.
        rows = ", ".join(str(i + 2) for i in found)
        raise StorageError(
            f"«{key}» aparece en varias filas de la pestaña «{raw.name}» (filas {rows}); "
            "deje una sola (ver Salud de datos). No se guardó nada."
        )
    return found[0] if found else None


def _trimmed(cells: Sequence[str]) -> list[str]:
    values = [c or "" for c in cells]
    while values and not values[-1]:
        values.pop()
    return values


def _merged(raw: RawTab, cells: list[str], values: Mapping[str, str]) -> list[str]:
    index = raw.column_index()
    row = list(cells) + [""] * (len(raw.header) - len(cells))
    for header, value in values.items():
        if header in index:
            row[index[header]] = value
    while row and not row[-1]:
        row.pop()
    return row


def last_hash(raw: RawTab) -> str:
    position = raw.column_index().get(chain.HASH_COLUMN)
    if position is None:
        return chain.GENESIS
    for cells in reversed(raw.rows):
        if any(c.strip() for c in cells):
            return cells[position] if position < len(cells) and cells[position] else chain.GENESIS
    return chain.GENESIS


def seal(raw: RawTab, spec: TabSpec, values: Mapping[str, str]) -> dict[str, str]:
    """The event row with its ``hash`` linked to the last row of the events tab."""
    ordered = [values.get(h, "") for h in spec.headers if h != chain.HASH_COLUMN]
    return {**values, chain.HASH_COLUMN: chain.link(last_hash(raw), ordered)}


class InMemoryRepository:
    """A repository over raw tabs in memory: the fake that tests wire through the same door."""

    def __init__(
        self, tabs: Mapping[str, RawTab], specs: Mapping[str, TabSpec], procedures: ProcedureSet
    ) -> None:
        self._tabs = {name: copy.deepcopy(raw) for name, raw in tabs.items()}
        self._specs = specs
        self._procedures = procedures
        self._lock = threading.Lock()
        self._version = 0
        self._snapshot = self._make_snapshot()
        self.commits = 0

    def _make_snapshot(self) -> Snapshot:
        frozen = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
                  for name, raw in self._tabs.items()}
        return Snapshot(frozen, self._specs, self._procedures, token=self._version)

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def commit(self, change: Change) -> Snapshot:
        with self._lock:
            if change.guard is not None:
                change.guard(self._snapshot.ledger)
            working = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
                       for name, raw in self._tabs.items()}
            apply_change(working, self._specs, change)
            self._tabs = working
            self._version += 1
            self.commits += 1
            self._snapshot = self._make_snapshot()
            return self._snapshot


def commit_numbered(
    repo: Repository, build: Callable[[Ledger], tuple[Change, T]],
    attempts: int = NEW_NUMBER_ATTEMPTS,
) -> T:
    """Commit a change that takes the next free number (a request, an order, a plan item).

    Two people can take the same number at the same moment; the change's guard then
    refuses with :class:`ConcurrentChange` and the change is built again on the content
    that won, up to ``attempts`` times. ``build`` returns the change and the result.
    """
    for attempt in range(attempts):
        change, result = build(repo.snapshot().ledger)
        try:
            repo.commit(change)
        except ConcurrentChange:
            if attempt == attempts - 1:
                raise
            continue
        return result
    raise ConcurrentChange()  # pragma: no cover - the loop returns or raises
