"""The ledger in a Google Sheet, through gspread, behind the same interface as the workbook.

Google allows about 60 Sheets reads and 60 writes a minute per account. The adapter reads
what changed, not the ledger:

- **Is there anything new?** A page view reuses the last view for ``cache_seconds``
  (more when several app servers share the sheet, see :meth:`SheetsRepository.interval`).
  Then it asks Drive for the file's ``version`` (Drive's quota, not Sheets'): unchanged
  means no Sheets call at all.
- **Read what changed.** When the version moved, one ``values.batchGet`` reads the hidden
  «_control» tab (the fence and the journal, :mod:`core.adapters.gsheets.journal`), the
  rows after the last known row of each tab only the app edits (``eventos`` from row
  ``n``: the row the view already had proves nothing before it moved), and the small tabs
  people edit, whole. The journal says which rows of the app's views (``solicitudes``,
  ``usuarios``, ``correo_saliente``) other servers changed and to what. Anything that
  does not add up (a gap in the journal, a row that moved) is read whole. The first read
  of a process reads every tab.
- **Write without reading.** :meth:`SheetsRepository.commit` builds the change on the
  current view and sends it in **one** ``spreadsheets.batchUpdate``, which Google applies
  atomically: ``appendCells`` for new rows (placed after the last row with data, so a row
  typed by a person is never overwritten) and ``updateCells`` for changed cells. Dates
  and numbers are written as typed values with a fixed format (:mod:`cells`). Unless the
  view was confirmed a moment ago (the action's own page read), Drive is asked
  first whether anything changed since the view (Drive's quota: no Sheets call when
  nothing did, or only this server's own writes); if something did, what changed is read
  first, so the batch is rarely refused. The batch starts with the *fence*: it deletes
  the last row of «_control», whose row count the view holds. If another writer (another
  thread, another server) wrote in between, that row is gone and Google refuses the whole
  batch; then the adapter reads what changed, re-runs the guard ("otra persona ya
  actuó…") and builds the batch again. Without Drive, a view younger than
  ``cache_seconds`` is written on directly and the fence alone guards it.

Every committed batch therefore follows exactly the content its guard saw, which keeps
the events' hash chain linked. Replaying the events tab still resolves a duplicate that
gets in some other way (first row wins; the other is shown as superseded, never deleted).

Faults (:mod:`api`): 429 and 5xx are retried within ``RetryPolicy.budget`` (75 s: longer
than the per-minute refill), telling the person while it waits; after a 429 the batch is
built again from a fresh read, never resent. A batch too large for Google is split into
several fenced batches (:meth:`SheetsRepository.commit`). A batchUpdate is atomic, so
nothing is ever half-written; when a write's answer is lost, the adapter reads and looks
for the change's event ids before sending again.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import secrets
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import gspread
import requests
from google.auth import exceptions as auth_errors

from core.adapters.gsheets import journal
from core.adapters.gsheets.api import (
    DRIVE_FILES,
    Rejected,
    Retryable,
    RetryPolicy,
    SheetsApi,
    SheetsSetupError,
    TooLarge,
)
from core.adapters.gsheets.cells import FIELDS, kinds_for, normalise_rows
from core.adapters.gsheets.cells import row_data as typed_row
from core.adapters.gsheets.journal import Delta, Entry, Fence
from core.adapters.tabular import (
    RawChange,
    RawTab,
    Schema,
    Snapshot,
    TabSpec,
    Touched,
    apply_planned,
    plan_change,
)
from core.adapters.workbook.xlsx import column_letter
from core.domain.chain import Sealer
from core.domain.errors import StorageError, UncertainWrite
from core.domain.ledger import Rules
from core.domain.ports import Change

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",
          "https://www.googleapis.com/auth/drive.metadata.readonly")  # files.get(version)
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
CONTROL_TAB = "_control"
CONTROL_ROWS = 100_000  # writes before the control tab is replaced by a fresh one
CONTROL_NOTE = ("No edite esta pestaña: la aplicación la usa para que dos escrituras "
                "simultáneas no se pisen.")
MAX_CONFLICTS = 12  # fenced attempts before giving up (many writers at once)
MAX_BATCH_BYTES = 9_000_000  # Google refuses bodies over 10 MiB (10,485,760 bytes)
DRIVE_TRUSTED = 0.25  # seconds a view Drive confirmed is written on without asking again
SERVERS_WINDOW = 120.0  # seconds: app servers that wrote in this window share the reads
MAX_SERVERS = 8  # the refresh interval stretches at most this many times
_LOG = logging.getLogger(__name__)


# -- small helpers ------------------------------------------------------------------------


def quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


_RANGE_END = re.compile(r"!\$?[A-Za-z]*\$?(\d*)(?::\$?[A-Za-z]*\$?(\d+))?$")


def range_rows(a1: str) -> int:
    """The last row of an A1 range as Google reports it ("'x'!A1:A100000" -> 100000)."""
    match = _RANGE_END.search(a1)
    if not match:
        return 0
    end = match.group(2) or match.group(1)
    return int(end) if end else 0


def fresh_sheet_id(avoid: int = -1) -> int:
    """A new tab id, from the system's randomness (never a seeded generator).

    The fence relies on a replaced control tab never getting its old id back: a writer
    still holding that id must find it gone.
    """
    while True:
        value = secrets.randbelow(2**31 - 2) + 1
        if value != avoid:
            return value


def row_data(cells: Sequence[str]) -> dict[str, Any]:
    """A row of text cells (headers, the control tab's notes)."""
    return typed_row(cells)


def _trimmed(cells: Sequence[str]) -> tuple[str, ...]:
    values = list(cells)
    while values and values[-1] == "":
        values.pop()
    return tuple(values)


def _changed_runs(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, list[str]]]:
    """Contiguous runs of cells that differ: (first column, new values)."""
    width = max(len(old), len(new))
    runs: list[tuple[int, list[str]]] = []
    for column in range(width):
        before = old[column] if column < len(old) else ""
        after = new[column] if column < len(new) else ""
        if before == after:
            continue
        if runs and runs[-1][0] + len(runs[-1][1]) == column:
            runs[-1][1].append(after)
        else:
            runs.append((column, [after]))
    return runs


def _spliced(cells: Sequence[str], column: int, texts: Sequence[str]) -> list[str]:
    row = list(cells) + [""] * max(0, column + len(texts) - len(cells))
    row[column:column + len(texts)] = list(texts)
    return list(_trimmed(row))


def normalise_header(text: str) -> str:
    """«Marca temporal» -> «marca_temporal»: what a form question title becomes."""
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", plain)


def canonical_header(spec: TabSpec, header: Sequence[str]) -> list[str]:
    """The header as the app names its columns.

    Only a tab a Google Form feeds (the intake) is forgiving: a Form writes its question
    titles («Marca temporal», «Título»), which match a column when capitals, accents and
    spaces aside they are the same.
    """
    cleaned = [h.strip() for h in header]
    if not spec.form_fed:
        return cleaned
    known = {normalise_header(h): h for h in spec.headers}
    return [h if h in spec.headers else known.get(normalise_header(h), h) for h in cleaned]


def header_problem(spec: TabSpec, header: Sequence[str]) -> str | None:
    """What is wrong with a tab's header row, in Spanish, or None."""
    present = [h for h in canonical_header(spec, header) if h]
    if not present:
        return f"la pestaña «{spec.name}» no tiene encabezado en la fila 1"
    missing = [h for h in spec.headers if h not in present]
    if not missing:
        return None
    unknown = [h for h in present if h not in spec.headers]
    text = (f"en la pestaña «{spec.name}» falta la columna "
            f"«{missing[0]}»" if len(missing) == 1 else
            f"en la pestaña «{spec.name}» faltan las columnas "
            + ", ".join(f"«{m}»" for m in missing))
    if unknown:
        text += ("; la fila 1 tiene " + ", ".join(f"«{u}»" for u in unknown[:3])
                 + ", que la aplicación no conoce (¿una columna renombrada?)")
    return text


# -- the state of one read ---------------------------------------------------------------


@dataclass
class _State:
    snapshot: Snapshot
    control_rows: int  # the control tab's row count when read: the fence
    control_id: int
    read_at: float  # when the view was last known to be current (read, or Drive said so)
    epoch: int = 0  # how many of this instance's writes had completed when the read began
    entries: tuple[Entry, ...] = ()  # the journal as read (plus this instance's writes)
    version: int | None = None  # Drive's version of the file this view shows, if known
    expect: int | None = None  # the version to expect if only this instance wrote since

    @property
    def fence(self) -> Fence:
        return Fence(self.control_id, self.control_rows)


@dataclass
class _Batch:
    """One attempt at writing a change: the requests and what the sheet looks like after."""

    requests: list[dict[str, Any]]
    base: _State
    tabs: dict[str, RawTab]
    touched: Touched
    control_rows: int
    control_id: int
    entries: tuple[Entry, ...] = ()
    appended: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    updated: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    fence_requests: int = 1

    def applied_in(self, state: _State) -> bool:
        """Whether this batch is already in ``state`` (its answer was lost on the way)."""
        tabs = state.snapshot.tabs
        if self.event_ids:
            events = state.snapshot.schema.events
            raw = tabs.get(events.name)
            position = raw.column_index().get(events.column("event_id")) if raw else None
            if raw is None or position is None:
                return False
            present = {cells[position] for cells in raw.rows if position < len(cells)}
            return all(event_id in present for event_id in self.event_ids)
        if self.appended:
            wanted = Counter(self.appended)
            for (tab, cells), count in wanted.items():
                before = sum(1 for r in self.base.snapshot.tabs[tab].rows
                             if _trimmed(r) == cells)
                after = sum(1 for r in tabs[tab].rows if _trimmed(r) == cells) \
                    if tab in tabs else 0
                if after - before < count:
                    return False
            return True
        for tab, index, cells in self.updated:
            rows = tabs[tab].rows if tab in tabs else []
            if index >= len(rows) or _trimmed(rows[index]) != cells:
                return False
        return bool(self.updated)


# -- splitting a change too large for one request ------------------------------------------


def split_change(change: Change) -> tuple[Change, Change] | None:
    """Two changes that together write ``change``: the rows it adds first, then what it
    updates, then what it takes out (so a part that lands alone never loses a row: at
    worst an archived mail is also still in the outbox). The guard stays with the first
    part. None when there is only one thing to write."""
    raw = change if isinstance(change, RawChange) else RawChange()
    items: list[tuple[str, Any]] = (
        [("add", r) for r in change.adds] + [("raw_add", r) for r in raw.raw_appends]
        + [("update", u) for u in change.updates] + [("raw_update", u) for u in raw.raw_updates]
        + [("raw_row", u) for u in raw.raw_row_updates]
        + [("replace", r) for r in change.replaces] + [("remove", r) for r in change.removes])
    if len(items) < 2:
        return None
    middle = len(items) // 2
    parts = []
    for chunk, guard in ((items[:middle], change.guard), (items[middle:], None)):
        part = RawChange(guard=guard, summary=change.summary)
        lists: dict[str, list[Any]] = {
            "add": part.adds, "raw_add": part.raw_appends, "update": part.updates,
            "raw_update": part.raw_updates, "raw_row": part.raw_row_updates,
            "replace": part.replaces, "remove": part.removes}
        for kind, item in chunk:
            lists[kind].append(item)
        parts.append(part)
    return parts[0], parts[1]


# -- the repository ----------------------------------------------------------------------


class SheetsRepository:
    """Repository over one Google Sheet; see the module docstring for the guarantees."""

    def __init__(
        self,
        client: Any,
        spreadsheet_id: str,
        schema: Schema,
        rules: Rules,
        sealer: Sealer,
        *,
        cache_seconds: float = 5.0,
        retry: RetryPolicy | None = None,
        account_email: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        control_rows: int = CONTROL_ROWS,
        wall_clock: Callable[[], float] = time.time,
        drive_probe: bool = True,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.schema = schema
        self.specs: Mapping[str, TabSpec] = schema.by_name
        self.rules = rules
        self.sealer = sealer
        self.cache_seconds = cache_seconds
        self.retry = retry or RetryPolicy()
        self.account_email = account_email
        self.control_size = max(3, control_rows)
        self.max_batch_bytes = max_batch_bytes
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.api = SheetsApi(client, spreadsheet_id, retry=self.retry,
                             account_email=account_email, clock=clock, sleep=sleep,
                             rng=self._rng)
        # Tabs only the app's account edits (protected by the bootstrap): read by their
        # new rows and the journal. The others are small and people edit them: read whole.
        self.tracked = [s.name for s in schema if s.append_only or s.app_owned]
        self.people = [s.name for s in schema if s.name not in self.tracked]
        self.writer = secrets.token_hex(3)  # this server, in the journal
        self._probe_ok = drive_probe
        self._state: _State | None = None
        self._state_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._meta_lock = threading.Lock()
        self._sheet_ids: dict[str, int] | None = None
        self._title = ""
        self._version = 0
        self._epoch = 0  # writes completed by this instance
        self.reads = 0  # values.batchGet calls that succeeded
        self.full_reads = 0  # of which read every tab whole
        self.writes = 0  # batchUpdate calls that succeeded
        self.conflicts = 0  # fenced writes refused because another writer went first

    # -- the Repository interface ---------------------------------------------------------

    def interval(self, state: _State | None = None) -> float:
        """How long a page view reuses the view before asking whether the sheet changed.

        ``cache_seconds`` for one app server; times the number of servers that wrote in the
        last two minutes (they all read the same changes), so the Sheets reads that page
        views cost stay about the same however many servers share the sheet.
        """
        state = state or self._state
        if state is None:
            return self.cache_seconds
        writers = journal.writers_since(state.entries, self._wall() - SERVERS_WINDOW)
        return self.cache_seconds * min(MAX_SERVERS, len(writers | {self.writer}))

    def snapshot(self) -> Snapshot:
        state = self._state
        if state is not None and self._clock() - state.read_at < self.interval(state):
            return state.snapshot
        with self._read_lock:
            state = self._state
            if state is not None and self._clock() - state.read_at < self.interval(state):
                return state.snapshot
            return self._publish(self._refresh(self._clock())).snapshot

    def commit(self, change: Change) -> Snapshot:
        with self._write_lock:
            started = self._clock()
            try:
                return self._commit(change, started)
            except TooLarge:
                parts = split_change(change)
                if parts is None:
                    raise StorageError(
                        "El cambio es más grande de lo que Google Sheets acepta en una sola "
                        "escritura (10 MB); no se guardó nada. Acorte los textos o adjunte "
                        "el contenido como archivo.") from None
                _LOG.info("a change too large for one batchUpdate is written in two parts")
        for part in parts:  # each part is fenced and atomic on its own
            snapshot = self.commit(part)
        return snapshot

    # -- writing ---------------------------------------------------------------------------

    def _trusted(self) -> float:
        """How old a view may be and still be written on without asking Drive first: a
        quarter of a second when Drive answers (the action's own page read has just
        asked; longer, and another server's write would often slip in between);
        without Drive, ``cache_seconds``, the fence alone guarding what changed since."""
        return min(DRIVE_TRUSTED, self.cache_seconds) if self._probe_ok else self.cache_seconds

    def _needs_fresh(self, change: Change) -> bool:
        """Whether the change rewrites rows of a tab people edit (positions may have moved
        since the view was read): then Drive is asked first however fresh the view, and
        what changed is read."""
        raw = change if isinstance(change, RawChange) else RawChange()
        names = {self.schema.of(u.kind).name for u in change.updates}
        names |= {self.schema.of(type(r.old)).name for r in change.replaces}
        names |= {self.schema.of(r.kind).name for r in change.removes}
        names |= {t for t, _, _ in raw.raw_updates} | {t for t, _, _, _ in raw.raw_row_updates}
        return any(name not in self.tracked for name in names)

    def _commit(self, change: Change, started: float) -> Snapshot:
        fresh = self._state
        if fresh is None:
            fresh = self._publish(self._full(started))
        elif self._needs_fresh(change) or self._clock() - fresh.read_at >= self._trusted():
            # Drive says whether anything changed since the view (Drive's quota, not
            # Sheets'): if nothing did, or only this server's own writes, the batch is
            # built on the view with no Sheets read; if something did, what changed is
            # read first rather than sending a batch the fence would refuse (a refused
            # batch still costs a write request, and with several servers busy a view a
            # few seconds old is usually stale).
            fresh = self._publish(self._refresh(started))
        uncertain: list[_Batch] = []  # sent, answer lost: may be in the sheet
        batch: _Batch | None = None
        attempt = conflicts = 0
        while True:
            for sent in uncertain:
                if sent.applied_in(fresh):
                    return fresh.snapshot
            if conflicts >= MAX_CONFLICTS:
                raise StorageError(
                    "Muchas personas están guardando a la vez en la hoja de cálculo; "
                    "no se guardó nada. Intente de nuevo en unos segundos."
                )
            if batch is None:
                if change.guard is not None:
                    change.guard(fresh.snapshot.ledger)
                batch = self._build(fresh, change)
                size = len(json.dumps(batch.requests, ensure_ascii=False).encode())
                if size > self.max_batch_bytes:
                    raise TooLarge(f"{size} bytes")
            try:
                self.api.call(functools.partial(self.api.batch_update, batch.requests))
            except Retryable as exc:
                if exc.maybe_applied:
                    uncertain.append(batch)
                self.api.pause(started, attempt, exc.reason, writing=True,
                               uncertain=bool(uncertain), retry_after=exc.retry_after)
                attempt += 1
                # Rows found by key on the read before the pause may have moved since (a
                # person sorting): read again and build the batch again, never resend it.
                fresh = self._refetch_after_loss(fresh, started) if exc.maybe_applied \
                    else self._publish(self._refresh(started, read=True))
                batch = None
                continue
            except TooLarge:
                raise
            except Rejected as exc:
                if not self._fence_failed(batch, exc.message):
                    raise self._rejected(exc.message) from None
                self.conflicts += 1
                conflicts += 1
                if "with id" in exc.message:  # the control tab was replaced
                    self._metadata(force=True)
                if conflicts > 1:
                    self._sleep(self._rng.uniform(0, self.retry.first_delay / 4))
                fresh = self._publish(self._refresh(started, read=True))
                batch = None
                continue
            self.writes += 1
            with self._state_lock:
                self._epoch += 1
                base = batch.base
                known = base.version if base.version is not None else base.expect
                after = _State(
                    Snapshot(batch.tabs, self.schema, self.rules, self.sealer,
                             token=self._next()),
                    batch.control_rows, batch.control_id, base.read_at, self._epoch,
                    batch.entries, None, None if known is None else known + 1)
                after.snapshot.previous = (base.snapshot, batch.touched)
                self._state = after
            return after.snapshot

    def _refetch_after_loss(self, base: _State, started: float) -> _State:
        """Re-read after a write whose answer was lost; say so if even that fails."""
        try:
            return self._publish(self._incremental(base, started, None))
        except SheetsSetupError:
            raise
        except StorageError:
            raise UncertainWrite(
                "Google Sheets no respondió y no se pudo confirmar si el cambio se guardó. "
                "Recargue la página para ver el estado actual antes de repetirlo."
            ) from None

    def _build(self, fresh: _State, change: Change) -> _Batch:
        """The requests that write ``change`` over ``fresh``: fence, journal, rows."""
        ids = self._metadata()
        planned = plan_change(fresh.snapshot.tabs, self.schema, change)
        names = planned.tabs()
        tabs = {name: RawTab(raw.name, raw.header, list(raw.rows)) if name in names else raw
                for name, raw in fresh.snapshot.tabs.items()}
        before = {name: len(tabs[name].rows) for name in names if name in tabs}
        touched = apply_planned(tabs, self.schema, planned, self.sealer)
        requests_: list[dict[str, Any]] = []
        control_id, control_rows = fresh.control_id, fresh.control_rows
        if control_rows - 1 >= 2:
            requests_.append({"deleteDimension": {"range": {
                "sheetId": control_id, "dimension": "ROWS",
                "startIndex": control_rows - 1, "endIndex": control_rows}}})
            control_rows -= 1
            fence = 1
        else:  # the counter is used up: replace the tab (a stale writer's fence then fails)
            new_id = fresh_sheet_id(avoid=control_id)
            requests_.append({"deleteSheet": {"sheetId": control_id}})
            requests_.extend(self.control_tab_requests(new_id))
            control_id, control_rows = new_id, self.control_size
            fence = len(requests_)
        batch = _Batch(requests_, fresh, tabs, touched, control_rows, control_id,
                       fence_requests=fence)
        deltas: dict[str, Delta] = {}
        appends: dict[str, list[tuple[str, ...]]] = {}
        seen: set[tuple[str, int]] = set()
        for name, index in touched.rows:
            if (name, index) in seen:
                continue
            seen.add((name, index))
            cells = _trimmed(tabs[name].rows[index])
            if index >= before[name]:
                appends.setdefault(name, []).append(cells)
                batch.appended.append((name, cells))
                if name in self.tracked:
                    deltas.setdefault(name, Delta()).appended += 1
                continue
            batch.updated.append((name, index, cells))
            old = fresh.snapshot.tabs[name].rows[index]
            kinds = kinds_for(self.specs[name], tabs[name].header)
            for column, values in _changed_runs(old, cells):
                requests_.append({"updateCells": {
                    "rows": [typed_row(values, kinds[column:])], "fields": FIELDS,
                    "start": {"sheetId": ids[name], "rowIndex": index + 1,
                              "columnIndex": column}}})
                if name in self.tracked:
                    deltas.setdefault(name, Delta()).updates.append((index, column, values))
        for name, indices in touched.removed.items():  # after the updates, bottom row first
            for index in sorted(indices, reverse=True):
                requests_.append({"deleteDimension": {"range": {
                    "sheetId": ids[name], "dimension": "ROWS",
                    "startIndex": index + 1, "endIndex": index + 2}}})
            if name in self.tracked:
                deltas.setdefault(name, Delta()).removed.extend(sorted(indices))
        for name, rows in appends.items():
            kinds = kinds_for(self.specs[name], tabs[name].header)
            requests_.append({"appendCells": {
                "sheetId": ids[name], "rows": [typed_row(r, kinds) for r in rows],
                "fields": FIELDS}})
        entry = Entry(fresh.fence, Fence(control_id, control_rows), self.writer,
                      int(self._wall()), {n: journal.bounded(d) for n, d in deltas.items()})
        batch.entries = (*fresh.entries, entry)[-journal.MAX_ENTRIES:]
        requests_.insert(fence, {"updateCells": {
            "rows": [row_data([journal.encode(batch.entries)])], "fields": FIELDS,
            "start": {"sheetId": control_id, "rowIndex": 1, "columnIndex": 0}}})
        events = self.schema.events
        raw_events = tabs.get(events.name)
        if raw_events is not None and events.name in appends:
            position = raw_events.column_index().get(events.column("event_id"))
            if position is not None:
                batch.event_ids = [r[position] for r in appends[events.name]
                                   if position < len(r) and r[position]]
        return batch

    def _fence_failed(self, batch: _Batch, message: str) -> bool:
        """Whether Google refused the batch at its fence (another writer went first)."""
        return any(f"requests[{i}]" in message for i in range(batch.fence_requests))

    def _rejected(self, message: str) -> StorageError:
        if "No grid with id" in message or "Unable to parse range" in message:
            self._metadata(force=True)  # raises SheetsSetupError naming a missing tab
        return StorageError(f"Google Sheets rechazó la operación ({message}); no se guardó "
                            "nada.")

    # -- reading ----------------------------------------------------------------------------

    def _next(self) -> int:
        self._version += 1
        return self._version

    def _probe(self) -> int | None:
        """Drive's version of the file, or None when Drive cannot say (then every refresh
        reads what may have changed, with Sheets)."""
        if not self._probe_ok:
            return None
        try:
            return self.api.file_version()
        except gspread.exceptions.APIError as exc:
            if getattr(exc.response, "status_code", 0) == 403:  # Drive API off, or no scope
                _LOG.warning("Drive no informa la versión de la hoja (%s): cada actualización "
                             "leerá lo que pudo cambiar", exc.error.get("message", ""))
                self._probe_ok = False
            return None
        except (requests.exceptions.RequestException, auth_errors.GoogleAuthError,
                ValueError, KeyError, TypeError):
            return None  # Drive could not say this time: read what may have changed

    def _refresh(self, started: float, *, read: bool = False) -> _State:
        """The view brought up to date: nothing read when Drive says the file is as this
        view shows it (or changed only by this server's own writes), else what changed."""
        state = self._state
        if state is None:
            return self._full(started)
        epoch = self._epoch
        version = self._probe()
        if version is not None and not read and version in (state.version, state.expect):
            return replace(state, read_at=self._clock(), version=version, expect=None,
                           epoch=epoch)
        return self._incremental(state, started, version)

    def _batch_get(self, ranges: Sequence[str], started: float) -> list[dict[str, Any]]:
        params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        for again in (False, True):
            try:
                answer = self.api.with_retries(
                    started, lambda: self.api.batch_get(ranges, params))
                break
            except Rejected as exc:
                # A tab deleted or renamed since the ids were learned: name it, or retry.
                self._metadata(force=True)
                if again:
                    raise self._rejected(exc.message) from None
        self.reads += 1
        out = answer.get("valueRanges") or []
        if len(out) != len(ranges):
            raise StorageError("Google Sheets devolvió una respuesta incompleta; intente de "
                               "nuevo.")
        return list(out)

    def _rows_of(self, name: str, value_range: Mapping[str, Any],
                 header: Sequence[str] | None = None) -> list[list[str]]:
        rows = [[str(c) for c in row] for row in value_range.get("values") or []]
        spec = self.specs[name]
        if header is None and rows:
            header = canonical_header(spec, rows[0])
        return normalise_rows(rows, kinds_for(spec, header or spec.headers))

    def _header_checked(self, name: str, rows: list[list[str]]) -> RawTab:
        spec = self.specs[name]
        header = canonical_header(spec, rows[0]) if rows else []
        problem = header_problem(spec, header)
        if problem:
            raise SheetsSetupError(
                f"La hoja de cálculo «{self._title}» no tiene el formato que la aplicación "
                f"espera: {problem}. Corrija la fila 1 de esa pestaña (los "
                "nombres de columna deben ser exactamente los del esquema; ver README, "
                "sección Google Sheets) o ejecute «python cli.py bootstrap», que "
                "explica qué difiere."
            )
        return RawTab(name, header, rows[1:])

    def _control(self, value_range: Mapping[str, Any]) -> tuple[int, list[Entry]]:
        """(row count, journal) of the control tab as read."""
        values = value_range.get("values") or []
        text = str(values[1][0]) if len(values) > 1 and values[1] else ""
        return range_rows(str(value_range.get("range", ""))), journal.decode(text)

    def _full(self, started: float, base: _State | None = None) -> _State:
        """Every tab and the control tab, in one values.batchGet: a fresh state."""
        epoch = self._epoch
        version = self._probe()
        ids = self._metadata()
        names = list(self.specs)
        answer = self._batch_get([quote_tab(n) for n in names] + [quote_tab(CONTROL_TAB)],
                                 started)
        self.full_reads += 1
        tabs: dict[str, RawTab] = {}
        problems: list[str] = []
        for name, value_range in zip(names, answer[:-1], strict=True):
            rows = self._rows_of(name, value_range)
            spec = self.specs[name]
            header = canonical_header(spec, rows[0]) if rows else []
            problem = header_problem(spec, header)
            if problem:
                problems.append(problem)
            tabs[name] = RawTab(name, header, rows[1:])
        if problems:
            raise SheetsSetupError(
                f"La hoja de cálculo «{self._title}» no tiene el formato que la aplicación "
                f"espera: {'; '.join(problems)}. Corrija la fila 1 de esa pestaña (los "
                "nombres de columna deben ser exactamente los del esquema; ver README, "
                "sección Google Sheets) o ejecute «python cli.py bootstrap», que "
                "explica qué difiere."
            )
        control_rows, entries = self._control(answer[-1])
        snapshot = self._successor(tabs, base or self._state)
        return _State(snapshot, control_rows, ids[CONTROL_TAB], self._clock(), epoch,
                      tuple(entries), version)

    def _incremental(self, state: _State, started: float, version: int | None) -> _State:
        """``state`` brought up to date with one values.batchGet (two when something does
        not add up): the control tab, the new rows of the tabs the app owns, the tabs
        people edit. See the module docstring."""
        epoch = self._epoch
        ids = self._metadata()
        old = state.snapshot.tabs
        tails: dict[str, int] = {}  # tab -> first sheet row read (the last row known)
        ranges = [quote_tab(CONTROL_TAB)]
        for name in self.tracked:
            known = len(old[name].rows)
            width = max(len(old[name].header), 1)
            tails[name] = known + 1
            ranges.append(f"{quote_tab(name)}!A{known + 1}:{column_letter(width - 1)}")
        ranges += [quote_tab(name) for name in self.people]
        answer = self._batch_get(ranges, started)
        control_rows, entries = self._control(answer[0])
        newest = entries[-1] if entries else None
        control_id = newest.after.sheet_id if newest is not None and \
            newest.after.rows == control_rows else state.control_id
        if control_id != ids[CONTROL_TAB]:
            ids = self._metadata(force=True)  # the control tab was replaced
            control_id = ids[CONTROL_TAB]
        now = Fence(control_id, control_rows)
        steps = [] if now == state.fence else journal.path(entries, state.fence, now)
        tabs: dict[str, RawTab] = dict(old)
        whole: list[str] = []
        for name, value_range in zip(self.tracked, answer[1:1 + len(self.tracked)],
                                     strict=True):
            raw = old[name]
            tail = self._rows_of(name, value_range, raw.header)
            rows = self._replayed(name, raw, steps)
            known = len(raw.rows)
            if rows is None:
                whole.append(name)  # a gap in the journal: read it whole
                continue
            last = list(raw.header) if known == 0 else rows[known - 1]
            if not tail or _trimmed(tail[0]) != _trimmed(last):
                whole.append(name)  # the last known row moved (rows deleted or inserted)
                continue
            if len(tail) > 1 or rows is not raw.rows:
                tabs[name] = RawTab(name, raw.header, rows + tail[1:])
        for name, value_range in zip(self.people, answer[1 + len(self.tracked):],
                                     strict=True):
            tabs[name] = self._header_checked(name, self._rows_of(name, value_range))
        if whole:
            again = self._batch_get([quote_tab(n) for n in whole], started)
            for name, value_range in zip(whole, again, strict=True):
                tabs[name] = self._header_checked(name, self._rows_of(name, value_range))
        snapshot = self._successor(tabs, state)
        return _State(snapshot, control_rows, control_id, self._clock(), epoch,
                      tuple(entries), version)

    def _replayed(self, name: str, raw: RawTab, steps: list[Entry] | None
                  ) -> list[list[str]] | None:
        """``raw``'s rows with the journal's changes applied (None: read the tab whole)."""
        if steps is None:
            return None
        rows = raw.rows
        for entry in steps:
            delta = entry.deltas.get(name)
            if delta is None:
                continue
            if delta.whole or delta.removed:
                return None
            if delta.updates and rows is raw.rows:
                rows = list(rows)
            for index, column, texts in delta.updates:
                if index < len(rows):  # rows past the known end come with the tail
                    rows[index] = _spliced(rows[index], column, texts)
        return rows

    def _successor(self, tabs: dict[str, RawTab], base: _State | None) -> Snapshot:
        """A snapshot of ``tabs`` that re-parses only what changed since ``base``'s."""
        current = base.snapshot if base is not None else None
        snapshot = Snapshot(tabs, self.schema, self.rules, self.sealer, token=self._next())
        if current is None:
            return snapshot
        touched: list[tuple[str, int]] = []
        for name, raw in tabs.items():
            old = current.tabs.get(name)
            if old is raw:
                continue
            if old is None or old.header != raw.header or len(raw.rows) < len(old.rows):
                return snapshot
            changed = [i for i, (a, b) in enumerate(zip(old.rows, raw.rows, strict=False))
                       if a is not b and a != b]
            if changed and name == self.schema.events.name:
                return snapshot  # an event edited in place: replay everything
            touched += [(name, i) for i in changed]
            touched += [(name, i) for i in range(len(old.rows), len(raw.rows))]
        if not touched:
            return current  # nothing changed: keep the parsed ledger
        snapshot.previous = (current, Touched(touched))
        return snapshot

    def _publish(self, fresh: _State) -> _State:
        """Keep ``fresh`` unless this instance wrote while it was being read: the read
        may then predate that write, and the person must see their own action."""
        with self._state_lock:
            held = self._state
            if held is not None and fresh.epoch < self._epoch:
                return held
            self._state = fresh
            return fresh

    # -- metadata -------------------------------------------------------------------------

    def _metadata(self, force: bool = False) -> dict[str, int]:
        """Tab title -> sheet id (one spreadsheets.get per process, or when tabs change)."""
        with self._meta_lock:
            if self._sheet_ids is not None and not force:
                return self._sheet_ids
            started = self._clock()
            answer = self.api.with_retries(started, lambda: self.api.get(
                {"fields": "properties.title,sheets.properties(sheetId,title)"}))
            self._title = str((answer.get("properties") or {}).get("title", ""))
            ids = {str(s["properties"]["title"]): int(s["properties"].get("sheetId", 0))
                   for s in answer.get("sheets") or []}
            missing = [name for name in self.specs if name not in ids]
            if missing:
                listed = ", ".join(f"«{m}»" for m in missing)
                raise SheetsSetupError(
                    f"La hoja de cálculo «{self._title}» no tiene "
                    f"{'la pestaña' if len(missing) == 1 else 'las pestañas'} {listed}. Si la "
                    "borró alguien, restáurela desde Archivo > Historial de versiones; si la "
                    "hoja es nueva, prepárela con «python cli.py bootstrap»."
                )
            if CONTROL_TAB not in ids:
                ids[CONTROL_TAB] = self._create_control(started)
            self._sheet_ids = ids
            return ids

    def control_tab_requests(self, sheet_id: int) -> list[dict[str, Any]]:
        """Create the hidden control tab (and protect it when the account is known)."""
        requests_: list[dict[str, Any]] = [
            {"addSheet": {"properties": {
                "sheetId": sheet_id, "title": CONTROL_TAB, "hidden": True,
                "gridProperties": {"rowCount": self.control_size, "columnCount": 1}}}},
            {"updateCells": {"rows": [row_data([CONTROL_NOTE])], "fields": FIELDS,
                             "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}}},
        ]
        if self.account_email:
            requests_.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": sheet_id},
                "description": "Solo la cuenta de servicio de la aplicación escribe aquí.",
                "editors": {"users": [self.account_email]}}}})
        return requests_

    def _create_control(self, started: float) -> int:
        sheet_id = fresh_sheet_id()
        try:
            self.api.with_retries(started, lambda: self.api.batch_update(
                self.control_tab_requests(sheet_id)))
            self.writes += 1
            return sheet_id
        except Rejected:  # another server created it a moment ago
            answer = self.api.with_retries(started, lambda: self.api.get(
                {"fields": "sheets.properties(sheetId,title)"}))
            for sheet in answer.get("sheets") or []:
                if sheet["properties"]["title"] == CONTROL_TAB:
                    return int(sheet["properties"]["sheetId"])
            raise


def make_client(config: Any) -> Any:
    """A gspread client authorised as the configured service account (Sheets scope and
    Drive's read-only metadata scope, plus Drive's when a Drive folder holds the
    material's files)."""
    from google.oauth2.service_account import Credentials

    scopes = list(SCOPES)
    if getattr(config, "drive_folder_id", ""):
        scopes.append(DRIVE_SCOPE)  # the material's files (core.adapters.files.drive)
    try:
        credentials = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            dict(config.service_account), scopes=scopes)
    except (ValueError, KeyError) as exc:
        raise SheetsSetupError(
            f"La clave de la cuenta de servicio ({config.source}) no es válida: {exc}. "
            "Descárguela de nuevo de Google Cloud y cópiela completa."
        ) from None
    client = gspread.Client(auth=credentials)
    client.set_timeout((10, 30))
    return client


def open_sheets(config: Any, schema: Schema, rules: Rules, sealer: Sealer
                ) -> SheetsRepository:
    """The repository for a :class:`core.adapters.gsheets.config.SheetsConfig` (real Google)."""
    return SheetsRepository(
        make_client(config), config.spreadsheet_id, schema, rules, sealer,
        cache_seconds=config.cache_seconds,
        retry=RetryPolicy(budget=config.retry_seconds), account_email=config.client_email,
    )


__all__ = [
    "CONTROL_TAB",
    "DRIVE_FILES",
    "Rejected",
    "RetryPolicy",
    "Retryable",
    "SheetsApi",
    "SheetsRepository",
    "SheetsSetupError",
    "TooLarge",
    "canonical_header",
    "header_problem",
    "make_client",
    "open_sheets",
    "requests",
    "split_change",
]
