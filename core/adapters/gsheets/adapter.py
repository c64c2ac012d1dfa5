"""The ledger in a Google Sheet, through gspread, behind the same interface as the workbook.

Calls (Google allows about 60 reads and 60 writes a minute per account):

- **Reading**: one ``values.batchGet`` returns every tab as text (FORMATTED_VALUE: what a
  person sees in the cell). The snapshot is cached for ``cache_seconds`` (default 5 s);
  a page view inside that window costs no call. Once per process a ``spreadsheets.get``
  learns the tabs' ids.
- **Writing**: :meth:`SheetsRepository.commit` re-reads (1 call), runs the change's guard on
  that fresh content, and sends everything the change writes in **one**
  ``spreadsheets.batchUpdate``, which Google applies atomically: ``appendCells`` for new
  rows (Google places them after the last row with data, so a row typed by a person a
  moment ago is never overwritten) and ``updateCells`` for the cells that change in
  existing rows. Values go as ``stringValue``: never a formula, never a number.
  The snapshot kept afterwards is the fresh read plus the change, so the page after an
  action costs no call either.

Writers never overtake each other. Google offers no transactions across calls, so each
batch starts with a *fence*: it deletes the last row of a hidden tab «_control» whose row
count the read returned (``values.batchGet`` reports the tab's whole grid as its range).
If any other writer (another thread, another app server) wrote since this read, that
row is already gone and Google refuses the whole batch; the adapter then re-reads,
re-runs the guard (so a person who acted on a request that someone else moved on is told
"otra persona ya actuó…", nothing written) and tries again. Every committed batch
therefore follows exactly the content its guard saw, which also keeps the events' hash
chain linked. Replaying the events tab still resolves any duplicate sequence that gets
in some other way (first row wins; the other is shown as superseded, never deleted).

Faults: 429 and 5xx answers and network errors are retried with exponential backoff and
full jitter within ``RetryPolicy.budget`` seconds; past it the person gets a Spanish
:class:`~core.errors.StorageError`. A batchUpdate is atomic, so nothing is ever
half-written. When a write's answer is lost (timeout or 5xx), the adapter re-reads and
looks for the change's event ids (or rows) before sending again: a retry never doubles
a row. Credentials, a missing tab, a renamed header: :class:`SheetsSetupError` says what
to fix.
"""

from __future__ import annotations

import functools
import random
import re
import secrets
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gspread
import requests
from google.auth import exceptions as auth_errors

from core.adapters.tabular import (
    RawTab,
    Schema,
    Snapshot,
    TabSpec,
    Touched,
    apply_planned,
    plan_change,
)
from core.domain.chain import Sealer
from core.domain.errors import StorageError, UncertainWrite
from core.domain.ledger import Rules
from core.domain.ports import Change

T = TypeVar("T")

API = "https://sheets.googleapis.com/v4/spreadsheets"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
CONTROL_TAB = "_control"
CONTROL_ROWS = 100_000  # writes before the control tab is replaced by a fresh one
CONTROL_NOTE = ("No edite esta pestaña: la aplicación la usa para que dos escrituras "
                "simultáneas no se pisen.")
MAX_CONFLICTS = 12  # fenced attempts before giving up (many writers at once)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class SheetsSetupError(StorageError):
    """The spreadsheet cannot be used as it is: credentials, sharing, tabs or headers."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in total time."""

    budget: float = 20.0  # seconds an operation may spend waiting and retrying
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.first_delay * 2 ** attempt))


# -- errors from the wire -----------------------------------------------------------------


class Retryable(Exception):
    """A 429, 5xx or network failure; ``maybe_applied`` when a write may have landed."""

    def __init__(self, reason: str, maybe_applied: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_applied = maybe_applied


class Rejected(Exception):
    """A 400 answer: Google refused the request as written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def _cell(value: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": value}} if value != "" else {}


def row_data(cells: Sequence[str]) -> dict[str, Any]:
    return {"values": [_cell(v) for v in cells]}


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
    read_at: float
    epoch: int = 0  # how many of this instance's writes had completed when the read began


@dataclass
class _Batch:
    """One attempt at writing a change: the requests and what the sheet looks like after."""

    requests: list[dict[str, Any]]
    base: _State
    tabs: dict[str, RawTab]
    touched: Touched
    control_rows: int
    control_id: int
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


# -- the API -----------------------------------------------------------------------------


class SheetsApi:
    """The few Sheets API calls the ledger makes, with retries and Spanish errors."""

    def __init__(self, client: Any, spreadsheet_id: str, *, retry: RetryPolicy | None = None,
                 account_email: str = "", clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.retry = retry or RetryPolicy()
        self.account_email = account_email
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()

    def get(self, params: Mapping[str, Any]) -> Any:
        """spreadsheets.get (one attempt)."""
        return self.client.http_client.request(
            "get", f"{API}/{self.spreadsheet_id}", params=dict(params)).json()

    def batch_get(self, ranges: Sequence[str], params: Mapping[str, Any]) -> Any:
        """spreadsheets.values.batchGet (one attempt)."""
        return self.client.http_client.request(
            "get", f"{API}/{self.spreadsheet_id}/values:batchGet",
            params={**params, "ranges": list(ranges)}).json()

    def batch_update(self, requests_: list[dict[str, Any]]) -> Any:
        """spreadsheets.batchUpdate (one attempt; Google applies it whole or not at all)."""
        return self.client.http_client.request(
            "post", f"{API}/{self.spreadsheet_id}:batchUpdate",
            params={"fields": "spreadsheetId,replies"}, json={"requests": requests_}).json()

    def with_retries(self, started: float, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return self.call(call)
            except Retryable as exc:
                self.pause(started, attempt, exc.reason, writing=False, uncertain=False)
                attempt += 1

    def pause(self, started: float, attempt: int, reason: str, *, writing: bool,
               uncertain: bool) -> None:
        delay = self.retry.delay(attempt, self.rng)
        if self.clock() - started + delay > self.retry.budget:
            waited = f"{self.retry.budget:g} s"
            if not writing:
                raise StorageError(
                    f"Google Sheets no respondió ({reason}) durante {waited}: no se pudo leer "
                    "la hoja de cálculo. Intente de nuevo en un minuto."
                )
            if uncertain:
                raise UncertainWrite(
                    f"Google Sheets no respondió ({reason}) durante {waited} y no se pudo "
                    "confirmar si el cambio se guardó. Recargue la página para ver el estado "
                    "actual antes de repetirlo."
                )
            raise StorageError(
                f"Google Sheets no aceptó el cambio ({reason}) durante {waited}; no se guardó "
                "nada. Intente de nuevo en un minuto."
            )
        self.sleep(delay)

    def call(self, call: Callable[[], T]) -> T:
        """Run one HTTP call, turning Google's answers into retry decisions or messages."""
        try:
            return call()
        except gspread.exceptions.APIError as exc:
            code = int(exc.code)
            message = str(exc.error.get("message", ""))
            if code == 429:
                raise Retryable("límite de uso por minuto de Google", False) from None
            if code in RETRYABLE_STATUS:
                raise Retryable(f"error {code} de Google", True) from None
            if code == 400 and "protected cell" in message.lower():
                raise self.setup_error(403, "protected") from None
            if code == 400:
                raise Rejected(message) from None
            raise self.setup_error(code, message) from None
        except requests.exceptions.ConnectTimeout:
            raise Retryable("sin conexión con Google", False) from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError):
            raise Retryable("tiempo de espera agotado", True) from None
        except auth_errors.RefreshError:
            raise self.setup_error(401, "") from None
        except auth_errors.TransportError:
            raise Retryable("sin conexión con Google", False) from None

    def setup_error(self, code: int, message: str) -> StorageError:
        account = f"«{self.account_email}»" if self.account_email else "de la aplicación"
        if code == 401:
            return SheetsSetupError(
                f"Google rechazó la credencial de la cuenta de servicio {account}: la clave "
                "expiró, fue revocada o está mal copiada. Cree una clave nueva en Google Cloud "
                "(IAM > Cuentas de servicio > Claves) y reemplácela en .streamlit/secrets.toml "
                "(sección [gcp_service_account]) o en RRSS_SERVICE_ACCOUNT_FILE."
            )
        if code == 403 and "protect" in message.lower():
            return SheetsSetupError(
                f"La cuenta de servicio {account} no puede editar un rango protegido de la hoja "
                "de cálculo. En Datos > Rangos protegidos, agréguela como editora (o ejecute "
                "«python cli.py bootstrap»); no se guardó nada."
            )
        if code == 403:
            return SheetsSetupError(
                f"La cuenta de servicio {account} no tiene acceso a la hoja de cálculo "
                f"{self.spreadsheet_id}. Compártala con esa dirección como Editor (botón "
                "Compartir) o revise que la API de Google Sheets esté habilitada en el "
                "proyecto de Google Cloud."
            )
        if code == 404:
            return SheetsSetupError(
                f"No existe una hoja de cálculo con el identificador {self.spreadsheet_id}. "
                "Revise [sheets] spreadsheet_id en .streamlit/secrets.toml (o RRSS_SHEETS_ID): "
                "es la parte de la URL de la hoja entre /d/ y /edit."
            )
        return StorageError(f"Google Sheets respondió con el error {code} ({message}).")



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
        self._clock = clock
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.api = SheetsApi(client, spreadsheet_id, retry=self.retry,
                             account_email=account_email, clock=clock, sleep=sleep,
                             rng=self._rng)
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
        self.writes = 0  # batchUpdate calls that succeeded
        self.conflicts = 0  # fenced writes refused because another writer went first

    # -- the Repository interface ---------------------------------------------------------

    def snapshot(self) -> Snapshot:
        state = self._state
        if state is not None and self._clock() - state.read_at < self.cache_seconds:
            return state.snapshot
        with self._read_lock:
            state = self._state
            if state is not None and self._clock() - state.read_at < self.cache_seconds:
                return state.snapshot
            fresh = self._fetch(self._clock())
            return self._publish(fresh).snapshot

    def commit(self, change: Change) -> Snapshot:
        with self._write_lock:
            started = self._clock()
            fresh = self._fetch(started)
            self._publish(fresh)
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
                try:
                    self.api.call(functools.partial(self.api.batch_update, batch.requests))
                except Retryable as exc:
                    if exc.maybe_applied:
                        uncertain.append(batch)
                    self.api.pause(started, attempt, exc.reason, writing=True,
                                uncertain=bool(uncertain))
                    attempt += 1
                    # Rows found by key on the read before the pause may have moved since (a
                    # person sorting): read again and build the batch again, never resend it.
                    fresh = self._refetch_after_loss(started) if exc.maybe_applied \
                        else self._fetch(started)
                    self._publish(fresh)
                    batch = None
                    continue
                except Rejected as exc:
                    if not self._fence_failed(batch, exc.message):
                        raise self._rejected(exc.message) from None
                    self.conflicts += 1
                    conflicts += 1
                    if "with id" in exc.message:  # the control tab was replaced
                        self._metadata(force=True)
                    if conflicts > 1:
                        self._sleep(self._rng.uniform(0, self.retry.first_delay / 4))
                    fresh = self._fetch(started)
                    self._publish(fresh)
                    batch = None
                    continue
                self.writes += 1
                with self._state_lock:
                    self._epoch += 1
                    after = _State(
                        Snapshot(batch.tabs, self.schema, self.rules, self.sealer,
                                 token=self._next()),
                        batch.control_rows, batch.control_id, batch.base.read_at, self._epoch)
                    after.snapshot.previous = (batch.base.snapshot, batch.touched)
                    self._state = after
                return after.snapshot

    def _refetch_after_loss(self, started: float) -> _State:
        """Re-read after a write whose answer was lost; say so if even that fails."""
        try:
            return self._fetch(started)
        except SheetsSetupError:
            raise
        except StorageError:
            raise UncertainWrite(
                "Google Sheets no respondió y no se pudo confirmar si el cambio se guardó. "
                "Recargue la página para ver el estado actual antes de repetirlo."
            ) from None

    # -- reading ----------------------------------------------------------------------------

    def _next(self) -> int:
        self._version += 1
        return self._version

    def _fetch(self, started: float) -> _State:
        """One values.batchGet of every tab and the control tab: a fresh state."""
        epoch = self._epoch
        ids = self._metadata()
        names = list(self.specs)
        ranges = [quote_tab(n) for n in names] + [quote_tab(CONTROL_TAB)]
        params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        for again in (False, True):
            try:
                answer = self.api.with_retries(
                    started, lambda: self.api.batch_get(ranges, params))
                break
            except Rejected as exc:
                # A tab deleted or renamed since the ids were learned: name it, or retry.
                ids = self._metadata(force=True)
                if again:
                    raise self._rejected(exc.message) from None
        self.reads += 1
        ranges_out = answer.get("valueRanges") or []
        if len(ranges_out) != len(ranges):
            raise StorageError("Google Sheets devolvió una respuesta incompleta; intente de "
                               "nuevo.")
        tabs: dict[str, RawTab] = {}
        problems: list[str] = []
        for name, value_range in zip(names, ranges_out[:-1], strict=True):
            values = value_range.get("values") or []
            rows = [[str(c) for c in row] for row in values]
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
        control_rows = range_rows(str(ranges_out[-1].get("range", "")))
        snapshot = self._successor(tabs)
        return _State(snapshot, control_rows, ids[CONTROL_TAB], self._clock(), epoch)

    def _successor(self, tabs: dict[str, RawTab]) -> Snapshot:
        """A snapshot of ``tabs`` that re-parses only what changed since the current one."""
        current = self._state.snapshot if self._state is not None else None
        snapshot = Snapshot(tabs, self.schema, self.rules, self.sealer, token=self._next())
        if current is None:
            return snapshot
        touched: list[tuple[str, int]] = []
        for name, raw in tabs.items():
            old = current.tabs.get(name)
            if old is None or old.header != raw.header or len(raw.rows) < len(old.rows):
                return snapshot
            changed = [i for i, (a, b) in enumerate(zip(old.rows, raw.rows, strict=False))
                       if a != b]
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
            {"updateCells": {"rows": [row_data([CONTROL_NOTE])], "fields": "userEnteredValue",
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

    # -- writing --------------------------------------------------------------------------

    def _build(self, fresh: _State, change: Change) -> _Batch:
        """The requests that write ``change`` over ``fresh``, fence first."""
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
                continue
            batch.updated.append((name, index, cells))
            old = fresh.snapshot.tabs[name].rows[index]
            for column, values in _changed_runs(old, cells):
                requests_.append({"updateCells": {
                    "rows": [row_data(values)], "fields": "userEnteredValue",
                    "start": {"sheetId": ids[name], "rowIndex": index + 1,
                              "columnIndex": column}}})
        for name, indices in touched.removed.items():  # after the updates, bottom row first
            for index in sorted(indices, reverse=True):
                requests_.append({"deleteDimension": {"range": {
                    "sheetId": ids[name], "dimension": "ROWS",
                    "startIndex": index + 1, "endIndex": index + 2}}})
        for name, rows in appends.items():
            requests_.append({"appendCells": {
                "sheetId": ids[name], "rows": [row_data(r) for r in rows],
                "fields": "userEnteredValue"}})
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

def make_client(config: Any) -> Any:
    """A gspread client authorised as the configured service account (Sheets scope, plus
    Drive's when a Drive folder holds the material's files)."""
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
    "RetryPolicy",
    "SheetsRepository",
    "SheetsSetupError",
    "canonical_header",
    "header_problem",
    "make_client",
    "open_sheets",
]
