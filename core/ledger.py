"""Reading the ledger: raw tabs of text in, typed records and a list of problems out.

A spreadsheet is edited by hand. A bad row never crashes a page and is never dropped or
rewritten: it is reported (tab, row number, column, reason in Spanish) and left in place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from core.ledger_types import RowIssue
from core.models import (
    DirectPublication,
    Event,
    EventKind,
    ProcedureStatus,
    ProcedureTableRow,
    Request,
    Row,
    Unit,
    User,
)
from core.procedures import ProcedureSet, published_procedures
from core.validation import spanish_reason
from core.workflow import RequestState, replay

T = TypeVar("T", bound=Row)
EMPTY_CELL = "no puede estar vacío"
PROCEDURES_TAB = "procedimientos"


@dataclass(frozen=True)
class TabSpec:
    """One tab of the ledger: its name, row model and the fixed choices of its columns."""

    name: str
    model: type[Row]
    description: str
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    append_only: bool = False

    @property
    def headers(self) -> list[str]:
        return self.model.headers()

    @property
    def key_header(self) -> str | None:
        key = self.model.key_field
        return self.model.model_fields[key].alias if key else None


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


@dataclass
class ParsedTab(Generic[T]):
    spec: TabSpec
    records: list[tuple[int, T]]
    issues: list[RowIssue]
    missing_columns: list[str]
    extra_columns: list[str]


def header_problems(spec: TabSpec, raw: RawTab) -> tuple[list[str], list[str]]:
    present = {h.strip() for h in raw.header if h.strip()}
    missing = [h for h in spec.headers if h not in present]
    extra = [h for h in raw.header if h.strip() and h.strip() not in spec.headers]
    return missing, extra


def parse_tab(spec: TabSpec, raw: RawTab | None) -> ParsedTab[Row]:
    """Validate every row; bad ones are reported, good ones returned with their row number."""
    if raw is None:
        issue = RowIssue(spec.name, 1, "", "", "falta la pestaña en el libro")
        return ParsedTab(spec, [], [issue], list(spec.headers), [])
    missing, extra = header_problems(spec, raw)
    issues = [RowIssue(spec.name, 1, name, "", "falta esta columna en el encabezado")
              for name in missing]
    issues += [RowIssue(spec.name, 1, name.strip(), "", "columna desconocida: la aplicación no "
                        "la usa y la conserva tal como está")
               for name in extra]
    index = raw.column_index()
    wanted = [(h, index[h]) for h in spec.headers if h in index]
    dicts: list[dict[str, str]] = []
    numbers: list[int] = []
    for offset, cells in enumerate(raw.rows):
        if not any(c.strip() for c in cells if c):
            continue  # blank rows are ignored, and kept
        width = len(cells)
        # Empty cells are left out, so the model's defaults apply without a validator call.
        dicts.append({h: cells[i] for h, i in wanted if i < width and cells[i]})
        numbers.append(offset + 2)
    records: list[tuple[int, Row]] = []
    adapter = _list_adapter(spec.model)
    try:
        models = adapter.validate_python(dicts)
        records = list(zip(numbers, models, strict=True))
    except ValidationError:
        for number, values in zip(numbers, dicts, strict=True):
            try:
                records.append((number, spec.model.model_validate(values)))
            except ValidationError as exc:
                for error in exc.errors():
                    column = str(error["loc"][0]) if error["loc"] else ""
                    # An empty cell was left out of ``values``: say it is empty.
                    reason = EMPTY_CELL if error["type"] == "missing" and column in index \
                        else spanish_reason(error)
                    issues.append(RowIssue(spec.name, number, column,
                                           str(values.get(column, "")), reason))
    return ParsedTab(spec, records, issues, missing, extra)


_ADAPTERS: dict[type[Row], TypeAdapter[list[Row]]] = {}


def _list_adapter(model: type[Row]) -> TypeAdapter[list[Row]]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def _extend(parsed: ParsedTab[Row], raw: RawTab, start: int) -> ParsedTab[Row]:
    """``parsed`` plus the rows appended to ``raw`` from index ``start`` on."""
    tail = RawTab(raw.name, raw.header, raw.rows[start:])
    more = parse_tab(parsed.spec, tail)
    shift = start
    records = parsed.records + [(n + shift, r) for n, r in more.records]
    issues = parsed.issues + [
        RowIssue(i.tab, i.row + shift, i.column, i.value, i.reason) for i in more.issues
        if i.row > 1
    ]
    return ParsedTab(parsed.spec, records, issues, parsed.missing_columns,
                     parsed.extra_columns)


class Ledger:
    """Everything a page needs, derived once from one snapshot of the tabs."""

    def __init__(
        self,
        tabs: Mapping[str, RawTab],
        specs: Mapping[str, TabSpec],
        procedures: ProcedureSet,
        base: tuple[Ledger, Sequence[tuple[str, int]]] | None = None,
    ) -> None:
        """``procedures``: the shipped ones, which apply where the «procedimientos» tab
        has no valid published version. ``base``: the ledger before a write and the rows
        it touched, to re-parse less."""
        self.raw = tabs
        self.specs = specs
        self.shipped_procedures = procedures
        self._base = base
        self.parsed: dict[str, ParsedTab[Row]] = {}
        touched: dict[str, set[int]] = defaultdict(set)
        for name, index in base[1] if base else ():
            touched[name].add(index)
        for name, spec in specs.items():
            raw = tabs.get(name)
            before = base[0] if base else None
            if before is None or raw is None or name not in before.parsed \
                    or before.raw.get(name) is None or before.raw[name].header != raw.header:
                self.parsed[name] = parse_tab(spec, raw)
            elif name not in touched:
                self.parsed[name] = before.parsed[name]
            elif min(touched[name]) >= len(before.raw[name].rows):
                self.parsed[name] = _extend(before.parsed[name], raw,
                                            len(before.raw[name].rows))
            else:
                self.parsed[name] = parse_tab(spec, raw)
        if base is not None and "_procedures" in base[0].__dict__ \
                and self.parsed.get(PROCEDURES_TAB) is base[0].parsed.get(PROCEDURES_TAB) \
                and procedures is base[0].shipped_procedures:
            self.__dict__["_procedures"] = base[0]._procedures

    @cached_property
    def _procedures(self) -> tuple[ProcedureSet, list[RowIssue]]:
        rows = [(number, record.to_row()) for number, record in self._records(PROCEDURES_TAB)
                if isinstance(record, ProcedureTableRow)
                and record.status is ProcedureStatus.PUBLISHED]
        found, problems = published_procedures(rows, self.shipped_procedures)
        return found, [RowIssue(PROCEDURES_TAB, p.row, p.column, p.value, p.reason)
                       for p in problems]

    @property
    def procedures(self) -> ProcedureSet:
        """Published versions of the «procedimientos» tab, over the shipped procedures."""
        return self._procedures[0]

    def _records(self, tab: str) -> list[tuple[int, Row]]:
        parsed = self.parsed.get(tab)
        return parsed.records if parsed else []

    @cached_property
    def users(self) -> dict[str, User]:
        found: dict[str, User] = {}
        for _, user in self._records("usuarios"):
            found.setdefault(user.username, user)  # type: ignore[attr-defined]
        return found  # the first row of a user name wins, as for requests

    @cached_property
    def units(self) -> dict[str, Unit]:
        return {u.code: u for _, u in self._records("unidades")}  # type: ignore[misc]

    @cached_property
    def requests(self) -> dict[str, Request]:
        found: dict[str, Request] = {}
        for _, request in self._records("solicitudes"):
            found.setdefault(request.request_id, request)  # type: ignore[attr-defined]
        return found

    @cached_property
    def direct_publications(self) -> list[DirectPublication]:
        return [p for _, p in self._records("publicaciones_directas")]  # type: ignore[misc]

    @cached_property
    def events(self) -> list[tuple[int, Event]]:
        return self._records("eventos")  # type: ignore[return-value]

    @cached_property
    def _events_by_request(self) -> dict[str, list[tuple[int, Event]]]:
        by_request: dict[str, list[tuple[int, Event]]] = defaultdict(list)
        for number, event in self.events:
            if event.kind is EventKind.REQUEST:
                by_request[event.subject].append((number, event))
        return by_request

    def events_of(self, request_id: str) -> list[tuple[int, Event]]:
        return self._events_by_request.get(request_id, [])

    def _affected(self) -> set[str] | None:
        """Requests whose rows or events the last write touched; None means all."""
        if self._base is None or "_replay_by_request" not in self._base[0].__dict__:
            return None
        before, touched = self._base
        if set(before.requests) - set(self.requests) \
                or any(name == PROCEDURES_TAB for name, _ in touched):
            return None
        affected: set[str] = set(self.requests) - set(before.requests)
        for name, index in touched:
            raw = self.raw[name]
            column = raw.column_index().get("id_objeto" if name == "eventos" else "id_solicitud")
            if column is not None and column < len(raw.rows[index]):
                affected.add(raw.rows[index][column].strip())
        return affected

    @cached_property
    def _replay_by_request(self) -> dict[str, tuple[RequestState | None, list[RowIssue]]]:
        affected = self._affected()
        previous = self._base[0]._replay_by_request if self._base and affected is not None \
            else {}
        self._base = None
        result: dict[str, tuple[RequestState | None, list[RowIssue]]] = {}
        for request_id, request in self.requests.items():
            if affected is not None and request_id not in affected and request_id in previous:
                result[request_id] = previous[request_id]
                continue
            procedure = self.procedures.get(request.procedure, request.version)
            if procedure is None:
                issue = RowIssue(
                    "solicitudes", self._request_rows.get(request_id, 0), "version",
                    f"{request.procedure}/{request.version}",
                    "no existe esa versión del procedimiento")
                result[request_id] = (None, [issue])
                continue
            state, found = replay(request, procedure, self.events_of(request_id))
            result[request_id] = (state, found)
        return result

    @cached_property
    def _replayed(self) -> tuple[dict[str, RequestState], list[RowIssue]]:
        states = {rid: s for rid, (s, _) in self._replay_by_request.items() if s is not None}
        issues = [i for _, found in self._replay_by_request.values() for i in found]
        for request_id, events in self._events_by_request.items():
            if request_id not in self.requests:
                issues.extend(RowIssue("eventos", number, "id_objeto", request_id,
                                       "el evento se refiere a una solicitud inexistente")
                              for number, _ in events)
        return states, issues

    @cached_property
    def _request_rows(self) -> dict[str, int]:
        return {r.request_id: n for n, r in self._records("solicitudes")}  # type: ignore[attr-defined]

    @property
    def states(self) -> dict[str, RequestState]:
        return self._replayed[0]

    @cached_property
    def issues(self) -> list[RowIssue]:
        found = [i for p in self.parsed.values() for i in p.issues]
        for tab, attribute, column in (("solicitudes", "request_id", "id_solicitud"),
                                   ("usuarios", "username", "usuario")):
            seen: set[str] = set()
            for number, record in self._records(tab):
                key = getattr(record, attribute)
                if key in seen:
                    found.append(RowIssue(tab, number, column, key,
                                          "identificador repetido: vale la primera fila"))
                seen.add(key)
        return found + self._procedures[1] + self._replayed[1]

    def state(self, request_id: str) -> RequestState | None:
        return self.states.get(request_id)
