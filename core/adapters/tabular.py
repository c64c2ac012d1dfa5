"""The ledger as tabs of text: what the workbook and Google Sheets adapters share.

A spreadsheet holds text in named tabs under a header row. This module is where the
typed records of the domain meet those tabs: :class:`TabSpec` says which tab and which
column hold each field (``sheets_schema`` declares them); :func:`parse_tab` validates
every row into a record, or reports it (tab, row, column, reason in Spanish) and leaves
it as it is; :func:`apply_change` writes a :class:`~core.domain.ports.Change` of records
into the tabs, sealing each new event into the hash chain. A bad row never crashes a
page and is never dropped or rewritten.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from pydantic import TypeAdapter, ValidationError

from core.adapters.perf import paused_gc
from core.domain import chain
from core.domain.chain import Sealer
from core.domain.errors import ConcurrentChange, StorageError
from core.domain.issues import RowIssue
from core.domain.ledger import Ledger, Rules, StoredTab, TabRecords
from core.domain.models import MAX_CELL_CHARS, Event, Record, cell_length, text_of
from core.domain.ports import Change
from core.domain.validation import spanish_reason, thousands

EMPTY_CELL = "no puede estar vacío"


format_cell = text_of


# -- the declaration of a tab ------------------------------------------------------------------


@dataclass(frozen=True)
class TabSpec:
    """One tab: its name, the record it holds, the column of each field, fixed choices."""

    name: str
    model: type[Record]
    columns: Mapping[str, str]  # field -> header, in the tab's column order
    description: str
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)  # header -> values
    append_only: bool = False
    form_fed: bool = False  # a Google Form writes its rows: headers matched loosely
    app_owned: bool = False  # only the app writes it: protected so people only read it
    # header -> "date", "moment", "whole" or "amount": what a column of a view holds when
    # its record keeps it as text (Google Sheets writes those values typed)
    formats: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if list(self.columns) != self.model.fields():
            raise ValueError(f"tab {self.name!r}: columns must map every field of "
                             f"{self.model.__name__}, in order")

    @property
    def headers(self) -> list[str]:
        return list(self.columns.values())

    def column(self, field_name: str) -> str:
        return self.columns[field_name]

    @cached_property
    def fields_by_header(self) -> dict[str, str]:
        return {header: name for name, header in self.columns.items()}

    @property
    def key_header(self) -> str | None:
        key = self.model.key_field
        return self.columns[key] if key else None

    def required_headers(self) -> list[str]:
        return [self.columns[name] for name in self.model.required_fields()]

    def cells(self, record: Record) -> dict[str, str]:
        """The record as a row: header -> text."""
        return {header: format_cell(getattr(record, name))
                for name, header in self.columns.items()}

    def values(self, values: Mapping[str, object]) -> dict[str, str]:
        """Named fields as cells: header -> text."""
        return {self.columns[name]: format_cell(value) for name, value in values.items()}


class Schema:
    """Every tab of the ledger, found by name or by the kind of record it holds."""

    def __init__(self, specs: Sequence[TabSpec]) -> None:
        self.specs = tuple(specs)
        self.by_name = {spec.name: spec for spec in specs}
        self._by_model = {spec.model: spec for spec in specs}

    def of(self, kind: type[Record]) -> TabSpec:
        try:
            return self._by_model[kind]
        except KeyError:
            raise ValueError(f"no tab holds {kind.__name__}") from None

    @property
    def events(self) -> TabSpec:
        return self.of(Event)

    # Naming (core.domain.ledger): how a person finds a record in the sheet.
    def tab(self, kind: type[Record]) -> str:
        return self.of(kind).name

    def column(self, kind: type[Record], field_name: str) -> str:
        spec = self.of(kind)
        return spec.columns.get(field_name, field_name)

    def __iter__(self) -> Iterator[TabSpec]:
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)


# -- tabs as read --------------------------------------------------------------------------------


@dataclass
class RawTab:
    """A tab as text: its header row and data rows; sheet row of ``rows[i]`` is ``i + 2``."""

    name: str
    header: list[str]
    rows: list[list[str]]

    def column_index(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for i, name in enumerate(self.header):
            index.setdefault(name.strip(), i)
        return index

    def copy(self) -> RawTab:
        return RawTab(self.name, list(self.header), [list(r) for r in self.rows])


def header_problems(spec: TabSpec, raw: RawTab) -> tuple[list[str], list[str]]:
    """(columns of the schema missing from the header, header columns the app does not use)."""
    present = {h.strip() for h in raw.header if h.strip()}
    missing = [h for h in spec.headers if h not in present]
    extra = [h for h in raw.header if h.strip() and h.strip() not in spec.columns.values()]
    return missing, extra


def stored_tab(spec: TabSpec, raw: RawTab) -> StoredTab:
    fields = [spec.fields_by_header.get(h.strip()) for h in raw.header]
    return StoredTab(raw.name, raw.header, raw.rows, fields, spec.columns)


_ADAPTERS: dict[type[Record], TypeAdapter[list[Record]]] = {}
_ADAPTERS_LOCK = threading.Lock()


def _list_adapter(model: type[Record]) -> TypeAdapter[list[Record]]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        with _ADAPTERS_LOCK:
            adapter = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def parse_tab(spec: TabSpec, raw: RawTab | None, sealer: Sealer | None = None) -> TabRecords:
    """Validate every row; bad ones are reported, good ones returned with their row number.

    With ``sealer``, the rows of the events tab whose signature is not genuine are listed
    (``TabRecords.unsigned``): the ledger reports them and never obeys them.
    """
    if raw is None:
        issue = RowIssue(spec.name, 1, "", "", "falta la pestaña en el libro")
        return TabRecords([], [issue], tuple(spec.model.fields()), present=False)
    missing, extra = header_problems(spec, raw)
    issues = [RowIssue(spec.name, 1, name, "", "falta esta columna en el encabezado")
              for name in missing]
    issues += [RowIssue(spec.name, 1, name.strip(), "", "columna desconocida: la aplicación no "
                        "la usa y la conserva tal como está")
               for name in extra]
    index = raw.column_index()
    wanted = [(name, index[header]) for name, header in spec.columns.items() if header in index]
    dicts: list[dict[str, str]] = []
    numbers: list[int] = []
    for offset, cells in enumerate(raw.rows):
        if not any(c.strip() for c in cells if c):
            continue  # blank rows are ignored, and kept
        width = len(cells)
        # Empty cells are left out, so the model's defaults apply without a validator call.
        dicts.append({name: cells[i] for name, i in wanted if i < width and cells[i]})
        numbers.append(offset + 2)
    records: list[tuple[int, Record]] = []
    try:
        models = _list_adapter(spec.model).validate_python(dicts)
        records = list(zip(numbers, models, strict=True))
    except ValidationError:
        present = {name for name, _ in wanted}
        for number, values in zip(numbers, dicts, strict=True):
            try:
                records.append((number, spec.model.model_validate(values)))
            except ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else ""
                    # An empty cell was left out of ``values``: say it is empty.
                    reason = EMPTY_CELL if error["type"] == "missing" and name in present \
                        else spanish_reason(error)
                    issues.append(RowIssue(spec.name, number, spec.columns.get(name, name),
                                           str(values.get(name, "")), reason))
    missing_fields = tuple(spec.fields_by_header[h] for h in missing)
    unsigned = frozenset(unsigned_rows(spec, raw, sealer)) \
        if sealer is not None and spec.model is Event else frozenset()
    return TabRecords(records, issues, missing_fields, True, stored_tab(spec, raw), unsigned)


def _extend(parsed: TabRecords, spec: TabSpec, raw: RawTab, start: int,
            sealer: Sealer) -> TabRecords:
    """``parsed`` plus the rows appended to ``raw`` from index ``start`` on."""
    more = parse_tab(spec, RawTab(raw.name, raw.header, raw.rows[start:]), sealer)
    records = [*parsed.records, *((n + start, r) for n, r in more.records)]
    issues = [*parsed.issues, *(RowIssue(i.tab, i.row + start, i.column, i.value, i.reason)
                                for i in more.issues if i.row > 1)]
    unsigned = parsed.unsigned | {n + start for n in more.unsigned}
    return TabRecords(records, issues, parsed.missing_fields, True, stored_tab(spec, raw),
                      frozenset(unsigned))


# -- writing a change into tabs ------------------------------------------------------------------


@dataclass(frozen=True)
class Touched:
    """Which rows a change wrote: (tab, index into ``RawTab.rows``); and the tabs it took
    rows out of, with the indices they had (their other rows moved up)."""

    rows: list[tuple[str, int]]
    removed: dict[str, list[int]] = field(default_factory=dict)


def _check_cell_lengths(rows: Sequence[Mapping[str, str]]) -> None:
    limit = thousands(MAX_CELL_CHARS)
    for row in rows:
        for header, value in row.items():
            if len(value) > MAX_CELL_CHARS // 2 and cell_length(value) > MAX_CELL_CHARS:
                raise StorageError(
                    f"El texto de «{header}» supera {limit} caracteres (lo que guarda una "
                    "celda cuando Excel o LibreOffice graban el libro); acórtelo o déjelo en "
                    "un documento y anote el enlace. No se guardó nada."
                )


def find_key(raw: RawTab, spec: TabSpec, key: str) -> int | None:
    """Index of the row whose key cell is ``key``; refuses a key written twice."""
    column = spec.key_header
    position = raw.column_index().get(column) if column else None
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


def find_record(raw: RawTab, spec: TabSpec, record: Record) -> int:
    """Index of the one row that holds exactly ``record`` (as text), wherever it is now."""
    index = raw.column_index()
    wanted = [(index[h], text) for h, text in spec.cells(record).items() if h in index]
    found = [i for i, cells in enumerate(raw.rows)
             if all((cells[p] if p < len(cells) else "") == text for p, text in wanted)]
    if len(found) != 1:
        raise ConcurrentChange(
            f"Una fila de la pestaña «{raw.name}» cambió desde que se leyó (o está repetida); "
            "no se guardó nada. Vuelva a cargar la página e intente de nuevo."
        )
    return found[0]


def _merged(raw: RawTab, cells: list[str], values: Mapping[str, str]) -> list[str]:
    index = raw.column_index()
    row = list(cells) + [""] * (len(raw.header) - len(cells))
    for header, value in values.items():
        if header in index:
            row[index[header]] = value
    while row and not row[-1]:
        row.pop()
    return row


SEALS = ("hash", "signature")  # the event fields the sealer writes


def content_headers(spec: TabSpec) -> list[str]:
    """The headers whose text an event's signature covers, in the schema's order."""
    sealed = {spec.columns[name] for name in SEALS}
    return [h for h in spec.headers if h not in sealed]


def last_hash(raw: RawTab, spec: TabSpec) -> str:
    position = raw.column_index().get(spec.columns["hash"])
    if position is None:
        return chain.GENESIS
    for cells in reversed(raw.rows):
        if any(c.strip() for c in cells):
            return cells[position] if position < len(cells) and cells[position] else chain.GENESIS
    return chain.GENESIS


def seal(raw: RawTab, spec: TabSpec, values: Mapping[str, str], sealer: Sealer
         ) -> dict[str, str]:
    """The event row signed, and linked to the last row of the events tab."""
    ordered = [values.get(h, "") for h in content_headers(spec)]
    signature, link = sealer.seal(last_hash(raw, spec), ordered)
    return {**values, spec.columns["signature"]: signature, spec.columns["hash"]: link}


def unsigned_rows(spec: TabSpec, raw: RawTab, sealer: Sealer, start: int = 0) -> set[int]:
    """Sheet rows (from raw index ``start``) whose signature is missing or not genuine."""
    index = raw.column_index()
    positions = [index.get(h) for h in content_headers(spec)]
    at = index.get(spec.columns["signature"])
    found: set[int] = set()
    for offset, cells in enumerate(raw.rows[start:], start):
        if not any(c.strip() for c in cells if c):
            continue
        width = len(cells)
        stored = cells[at] if at is not None and at < width else ""
        content = [cells[p] if p is not None and p < width else "" for p in positions]
        if not sealer.signed(content, stored):
            found.add(offset + 2)
    return found


@dataclass
class RawChange(Change):
    """A change in the sheet's own terms (tab, header, text), for what only an adapter-level
    caller does: tests that write what a person could type, data migrations. Services
    hand over typed records (:class:`~core.domain.ports.Change`) and never use this."""

    raw_appends: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    raw_updates: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    raw_row_updates: list[tuple[str, int, list[str], dict[str, str]]] = \
        field(default_factory=list)

    def append_cells(self, tab: str, row: Mapping[str, str]) -> RawChange:
        self.raw_appends.append((tab, dict(row)))
        return self

    def update_cells(self, tab: str, key: str, row: Mapping[str, str]) -> RawChange:
        """Replace the named cells of the row whose key column equals ``key``."""
        self.raw_updates.append((tab, key, dict(row)))
        return self

    def update_row(self, tab: str, row_number: int, expected: Sequence[str],
                   row: Mapping[str, str]) -> RawChange:
        """Replace the named cells of sheet row ``row_number`` if it still holds
        ``expected`` (its cells as read); refused otherwise."""
        self.raw_row_updates.append((tab, row_number, list(expected), dict(row)))
        return self

    def raw_tabs(self) -> set[str]:
        return ({t for t, _ in self.raw_appends} | {t for t, _, _ in self.raw_updates}
                | {t for t, _, _, _ in self.raw_row_updates})

    def __bool__(self) -> bool:
        return super().__bool__() or bool(self.raw_tabs())


def _trimmed(cells: Sequence[str]) -> list[str]:
    values = [c or "" for c in cells]
    while values and not values[-1]:
        values.pop()
    return values


@dataclass(frozen=True)
class Planned:
    """A change as rows: (tab, cells) to append; (tab, row index, cells) to update;
    (tab, row index) to remove."""

    appends: list[tuple[str, dict[str, str]]]
    updates: list[tuple[str, int, dict[str, str]]]
    removes: list[tuple[str, int]] = field(default_factory=list)

    def tabs(self) -> set[str]:
        return ({t for t, _ in self.appends} | {t for t, _, _ in self.updates}
                | {t for t, _ in self.removes})


def plan_change(tabs: Mapping[str, RawTab], schema: Schema, change: Change) -> Planned:
    """Resolve ``change`` against ``tabs``: which rows it appends and which it updates.

    Refuses, before anything is written, a change to a missing tab or to one whose header
    lacks a column the change writes (appending under a damaged header would misplace
    values), a key that is missing or written twice, and any cell longer than a Google
    Sheets cell holds, whichever service wrote it.
    """
    appends = [(schema.of(type(r)).name, schema.of(type(r)).cells(r)) for r in change.adds]
    updates: list[tuple[str, int, dict[str, str]]] = []
    raw = change if isinstance(change, RawChange) else RawChange()
    appends += raw.raw_appends
    _check_cell_lengths([row for _, row in appends])
    names = {schema.of(kind).name for kind in change.kinds()} | raw.raw_tabs()
    for name in sorted(names):
        if name not in schema.by_name:
            raise StorageError(f"La pestaña «{name}» no es parte del esquema; no se guardó "
                               "nada.")
        spec = schema.by_name[name]
        raw_tab = tabs.get(spec.name)
        if raw_tab is None:
            raise StorageError(f"Falta la pestaña «{spec.name}» en el libro; no se guardó "
                               "nada.")
        missing, _ = header_problems(spec, raw_tab)
        if missing:
            raise StorageError(
                f"La pestaña «{spec.name}» no tiene la columna «{missing[0]}» en su "
                "encabezado. Restaure el encabezado (ver página Salud de datos); no se "
                "guardó nada."
            )
    keyed = [(schema.of(u.kind).name, u.key, schema.of(u.kind).values(u.values))
             for u in change.updates] + raw.raw_updates
    for name, key, values in keyed:
        index = find_key(tabs[name], schema.by_name[name], key)
        if index is None:
            raise StorageError(f"No se encontró «{key}» en la pestaña «{name}»; "
                               "no se guardó nada.")
        updates.append((name, index, values))
    for name, number, expected, values in raw.raw_row_updates:
        rows = tabs[name].rows
        if not (0 <= number - 2 < len(rows)) or _trimmed(rows[number - 2]) != _trimmed(expected):
            raise ConcurrentChange(
                f"La fila {number} de la pestaña «{name}» cambió desde que se leyó; no se "
                "guardó nada. Vuelva a cargar la página e intente de nuevo."
            )
        updates.append((name, number - 2, values))
    for replace in change.replaces:
        spec = schema.of(type(replace.old))
        index = find_record(tabs[spec.name], spec, replace.old)
        updates.append((spec.name, index, spec.values(replace.values)))
    _check_cell_lengths([row for _, _, row in updates])
    removes: list[tuple[str, int]] = []
    for removal in change.removes:
        spec = schema.of(removal.kind)
        index = find_key(tabs[spec.name], spec, removal.key)
        if index is None:
            raise StorageError(f"No se encontró «{removal.key}» en la pestaña «{spec.name}»; "
                               "no se guardó nada.")
        removes.append((spec.name, index))
    written = {t for t, _ in appends} | {t for t, _, _ in updates}
    if written & {t for t, _ in removes}:
        raise ValueError("a change that removes rows from a tab may not write to it")
    return Planned(appends, updates, sorted(set(removes)))


def apply_planned(tabs: dict[str, RawTab], schema: Schema, planned: Planned,
                  sealer: Sealer) -> Touched:
    """Write ``planned`` into ``tabs`` in place (the caller works on copies or a lock)."""
    touched: list[tuple[str, int]] = []
    for name, index, values in planned.updates:
        raw = tabs[name]
        raw.rows[index] = _merged(raw, raw.rows[index], values)
        touched.append((name, index))
    removed: dict[str, list[int]] = defaultdict(list)
    for name, index in sorted(planned.removes, reverse=True):
        del tabs[name].rows[index]
        removed[name].insert(0, index)
    for name, values in planned.appends:
        raw = tabs[name]
        spec = schema.by_name[name]
        if spec.model is Event:
            values = seal(raw, spec, values, sealer)
        raw.rows.append(_merged(raw, [], values))
        touched.append((name, len(raw.rows) - 1))
    return Touched(touched, dict(removed))


def apply_change(tabs: dict[str, RawTab], schema: Schema, change: Change,
                 sealer: Sealer) -> Touched:
    """Apply ``change`` to ``tabs`` in place; nothing is touched if it is refused."""
    return apply_planned(tabs, schema, plan_change(tabs, schema, change), sealer)


def written(schema: Schema, rows: Mapping[str, Sequence[Mapping[str, str]]],
            sealer: Sealer) -> dict[str, RawTab]:
    """Every tab holding ``rows`` (header -> text) as the app writes them: each event
    signed and chained again with ``sealer`` (a new ledger's own key)."""
    tabs = {spec.name: RawTab(spec.name, list(spec.headers), []) for spec in schema}
    change = RawChange(summary="libro nuevo")
    for name, tab_rows in rows.items():
        for row in tab_rows:
            change.append_cells(name, row)
    apply_change(tabs, schema, change, sealer)
    return tabs


def rows_for(schema: Schema, records: Sequence[Record]) -> dict[str, list[dict[str, str]]]:
    """Records as rows per tab (a new workbook, a demo, a bootstrap)."""
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for record in records:
        spec = schema.of(type(record))
        found[spec.name].append(spec.cells(record))
    return dict(found)


# -- a snapshot: tabs at one moment, the typed ledger derived once ----------------------------


class Snapshot:
    """The ledger's raw tabs at one moment, with the typed view derived once and cached."""

    def __init__(
        self, tabs: Mapping[str, RawTab], schema: Schema, rules: Rules, sealer: Sealer,
        token: object = None,
    ) -> None:
        self.tabs = tabs
        self.schema = schema
        self.rules = rules
        self.sealer = sealer
        self.token = token
        self.previous: tuple[Snapshot, Touched] | None = None

    def _parsed(self, previous: Snapshot | None, touched: Sequence[tuple[str, int]],
                reshaped: Collection[str] = ()) -> dict[str, TabRecords]:
        """Every tab parsed, re-using what ``previous`` parsed where nothing changed."""
        rows_touched: dict[str, set[int]] = defaultdict(set)
        for name, index in touched:
            rows_touched[name].add(index)
        before = previous.__dict__.get("parsed") if previous is not None else None
        parsed: dict[str, TabRecords] = {}
        for spec in self.schema:
            raw = self.tabs.get(spec.name)
            old_raw = previous.tabs.get(spec.name) if previous is not None else None
            if before is None or raw is None or spec.name not in before or old_raw is None \
                    or old_raw.header != raw.header or spec.name in reshaped:
                parsed[spec.name] = parse_tab(spec, raw, self.sealer)
            elif spec.name not in rows_touched:
                parsed[spec.name] = before[spec.name]
            elif min(rows_touched[spec.name]) >= len(old_raw.rows):
                parsed[spec.name] = _extend(before[spec.name], spec, raw, len(old_raw.rows),
                                            self.sealer)
            else:
                parsed[spec.name] = parse_tab(spec, raw, self.sealer)
        return parsed

    def _affected(self, touched: Sequence[tuple[str, int]]) -> set[str]:
        """Request ids whose row or events a write touched."""
        found: set[str] = set()
        for name, index in touched:
            spec = self.schema.by_name[name]
            field_name = "subject" if spec.model is Event else "request_id"
            header = spec.columns.get(field_name)
            raw = self.tabs[name]
            position = raw.column_index().get(header) if header else None
            if position is not None and position < len(raw.rows[index]):
                found.add(raw.rows[index][position].strip())
        return found

    @cached_property
    def ledger(self) -> Ledger:
        previous, touched = self.previous if self.previous is not None else (None, None)
        self.previous = None  # do not keep a chain of old snapshots alive
        with paused_gc():
            parsed = self._parsed(previous, touched.rows if touched else (),
                                  touched.removed if touched else ())
            self.__dict__["parsed"] = parsed
            base = None
            if previous is not None and touched is not None and "ledger" in previous.__dict__:
                base = (previous.ledger, self._affected(touched.rows))
            ledger = Ledger({self.schema.by_name[name].model: tab
                             for name, tab in parsed.items()},
                            self.rules, self.schema, self.sealer, base=base)
            ledger.states  # noqa: B018 - replayed here, while the collector rests
        return ledger


def copy_tabs(tabs: Mapping[str, RawTab]) -> dict[str, RawTab]:
    return {name: raw.copy() for name, raw in tabs.items()}
