"""The ledger as the services see it: typed records per kind, what is wrong with the rest,
and where every request stands after replaying its events.

An adapter reads the tabs, validates each row into a record (or reports it, in Spanish,
and leaves it as it is) and hands the result over as :class:`TabRecords`. This module
derives everything else once per snapshot: users, units, requests, the replayed states.
It never sees a tab or column name: when it must point a person at a cell, it asks the
adapter's :class:`Naming`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol, TypeVar, cast

from core.domain.accounts import fingerprint, fold_accounts
from core.domain.chain import Sealer
from core.domain.issues import RowIssue
from core.domain.models import (
    DirectPublication,
    Event,
    EventKind,
    ProcedureStatus,
    ProcedureTableRow,
    Record,
    Request,
    RequestRow,
    Unit,
    User,
    UserRow,
)
from core.domain.permissions import PermissionMatrix
from core.domain.procedures import (
    FINGERPRINT,
    Procedure,
    ProcedureSet,
    definition_row,
    procedure_subject,
    published_procedures,
)
from core.domain.requests import ROUTE, request_from, route_cells, standing_cells
from core.domain.workflow import RequestState, replay

R = TypeVar("R", bound=Record)
DEMO_OUTCOME = "datos_de_demostracion"  # the signed system event of a demo ledger
PROCEDURE_SUBJECT = procedure_subject(0)[:-1]
UNSIGNED = ("la fila no lleva la firma de la aplicación (la escribió o cambió una persona): "
            "no se obedece; revise Auditoría")
RESTORE = "hasta que se restaure la fila desde el historial de versiones de la hoja"


def first_gap(events: Sequence[tuple[int, Event]]) -> int | None:
    """The first sequence number missing below the highest of a subject's signed events
    (a row deleted, or edited so that it lost its signature)."""
    numbers = {event.seq for _, event in events}
    return next((n for n in range(1, max(numbers, default=0) + 1) if n not in numbers), None)


def _same(shown: str, wanted: str) -> bool:
    """A view cell agrees with the record (booleans and dates as people may type them)."""
    if shown == wanted:
        return True
    yes, no = {"sí", "si", "s", "x", "true", "verdadero", "1"}, {"no", "n", "false", "falso",
                                                                 "0", ""}
    if wanted in ("sí", "no"):
        return shown.lower() in (yes if wanted == "sí" else no)
    return shown.replace(";", ",").replace(" ", "") == wanted.replace(" ", "")


class Naming(Protocol):
    """Where a kind of record is kept, in the words a person sees in the sheet."""

    def tab(self, kind: type[Record]) -> str: ...

    def column(self, kind: type[Record], field: str) -> str: ...


@dataclass(frozen=True)
class StoredTab:
    """The text of one tab as stored (for tamper checks and ids on damaged rows).

    ``fields[i]`` is the record field that column ``i`` holds (None: a column the app
    does not use); ``columns`` maps each field to the header the schema gives it (present
    or not); the sheet row of ``rows[i]`` is ``i + 2``.
    """

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    fields: Sequence[str | None]
    columns: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def positions(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, name in enumerate(self.fields):
            if name is not None:
                found.setdefault(name, index)
        return found

    def position(self, field_name: str) -> int | None:
        return self.positions.get(field_name)

    def values(self, field_name: str) -> set[str]:
        """Every value of one field's column, stripped, on valid rows and damaged ones."""
        at = self.position(field_name)
        if at is None:
            return set()
        return {cells[at].strip() for cells in self.rows if at < len(cells)}


@dataclass(frozen=True)
class TabRecords:
    """One kind of record as read: valid records with their sheet row, and the problems."""

    records: Sequence[tuple[int, Record]]
    issues: Sequence[RowIssue] = ()
    missing_fields: Sequence[str] = ()
    present: bool = True
    stored: StoredTab | None = None
    unsigned: frozenset[int] = frozenset()  # rows whose app signature is missing or wrong

    @property
    def complete(self) -> bool:
        """The tab exists and every column the app writes is in its header."""
        return self.present and not self.missing_fields

    @property
    def missing_columns(self) -> list[str]:
        """The headers of the missing fields, as people would restore them."""
        columns = self.stored.columns if self.stored is not None else {}
        return [columns.get(name, name) for name in self.missing_fields]

    @property
    def extra_columns(self) -> list[str]:
        """Header cells the app does not use (kept as they are)."""
        if self.stored is None:
            return []
        return [h.strip() for h, f in zip(self.stored.header, self.stored.fields, strict=True)
                if f is None and h.strip()]


EMPTY = TabRecords((), present=False)


@dataclass(frozen=True)
class Rules:
    """What the deployment ships: the manual's procedures and the permission matrix.

    Published versions in the ledger's procedure tab take over from the shipped ones.
    """

    procedures: ProcedureSet
    permissions: PermissionMatrix


@dataclass
class _Base:
    """The ledger before a write and the requests the write touched (None: all)."""

    ledger: Ledger
    affected: set[str] | None = field(default=None)


class Ledger:
    """Everything a page needs, derived once from one snapshot of the tabs."""

    def __init__(
        self,
        tabs: Mapping[type[Record], TabRecords],
        rules: Rules,
        naming: Naming,
        sealer: Sealer,
        base: tuple[Ledger, set[str] | None] | None = None,
    ) -> None:
        """``base``: the ledger before a write and the request ids the write touched
        (None: any), so that only those are replayed again."""
        self.tabs = tabs
        self.rules = rules
        self.naming = naming
        self.sealer = sealer
        self._base = _Base(*base) if base is not None else None
        if base is not None and "_procedures" in base[0].__dict__ \
                and self.tab(ProcedureTableRow) is base[0].tab(ProcedureTableRow) \
                and rules is base[0].rules:
            self.__dict__["_procedures"] = base[0]._procedures

    # -- what the adapter read -------------------------------------------------------------

    def tab(self, kind: type[Record]) -> TabRecords:
        return self.tabs.get(kind, EMPTY)

    def records(self, kind: type[R]) -> list[tuple[int, R]]:
        """Valid records of ``kind`` with their sheet row, in sheet order."""
        return cast(list[tuple[int, R]], list(self.tab(kind).records))

    def all(self, kind: type[R]) -> list[R]:
        return [record for _, record in self.records(kind)]

    def writable(self, kind: type[Record]) -> bool:
        """Whether rows of ``kind`` can be appended (tab present, header complete)."""
        return self.tab(kind).complete

    def stored(self, kind: type[Record]) -> StoredTab | None:
        return self.tab(kind).stored

    def values_in_use(self, kind: type[Record], field_name: str) -> set[str]:
        """Every value the tab holds in one field, rows that fail validation included:
        a number on a damaged row must not be handed out again."""
        stored = self.stored(kind)
        found = stored.values(field_name) if stored is not None else set()
        found.update(str(getattr(r, field_name)) for _, r in self.tab(kind).records)
        return found

    def keys_in_use(self, kind: type[Record]) -> set[str]:
        return self.values_in_use(kind, kind.key_field) if kind.key_field else set()

    def issue(self, kind: type[Record], row: int, field_name: str, value: str,
              reason: str) -> RowIssue:
        column = self.naming.column(kind, field_name) if field_name else ""
        return RowIssue(self.naming.tab(kind), row, column, value, reason)

    # -- the rules ----------------------------------------------------------------------

    @property
    def permissions(self) -> PermissionMatrix:
        return self.rules.permissions

    @property
    def shipped_procedures(self) -> ProcedureSet:
        return self.rules.procedures

    @cached_property
    def _procedures(self) -> tuple[ProcedureSet, list[RowIssue]]:
        rows = [(number, definition_row(record))
                for number, record in self.records(ProcedureTableRow)
                if record.status is ProcedureStatus.PUBLISHED]
        vouched: dict[str, set[tuple[object, object]]] = {}
        for _, event in self.events:
            if event.kind is EventKind.SYSTEM and event.subject.startswith(PROCEDURE_SUBJECT):
                try:
                    data = event.payload()
                except ValueError:
                    continue
                vouched.setdefault(event.subject, set()).add(
                    (data.get("version"), data.get(FINGERPRINT)))

        def signed(procedure: Procedure) -> bool:
            return (procedure.version, procedure.fingerprint()) in vouched.get(
                procedure_subject(procedure.number), set())

        found, problems = published_procedures(rows, self.rules.procedures, signed)
        tab = self.naming.tab(ProcedureTableRow)
        return found, [RowIssue(tab, p.row, p.column, p.value, p.reason) for p in problems]

    @property
    def procedures(self) -> ProcedureSet:
        """Published versions of the procedure tab, over the shipped procedures."""
        return self._procedures[0]

    @cached_property
    def unreadable_in_force(self) -> dict[int, int]:
        """Procedures whose version in force (the last one a signed event published) is
        not readable in the tab (deleted, or edited by hand): number -> that version. New
        requests must not start on an older version meanwhile."""
        latest: dict[int, int] = {}
        for _, event in self.events:
            if event.kind is not EventKind.SYSTEM \
                    or not event.subject.startswith(PROCEDURE_SUBJECT):
                continue
            try:
                data = event.payload()
                number = int(event.subject.rpartition(":")[2])
            except ValueError:
                continue
            version = data.get("version")
            if FINGERPRINT in data and isinstance(version, int):
                latest[number] = max(latest.get(number, 0), version)
        return {n: v for n, v in latest.items() if self.procedures.get(n, v) is None}

    # -- derived records ------------------------------------------------------------------

    @cached_property
    def _accounts(self) -> tuple[dict[str, User], list[RowIssue]]:
        accounts, problems = fold_accounts(self.events)
        issues = [self.issue(Event, p.row, "subject", "", p.reason) for p in problems]
        rows: dict[str, tuple[int, UserRow | None]] = {}
        for number, listed in self.records(UserRow):
            if listed.username.strip() in rows:
                issues.append(self.issue(UserRow, number, "username", listed.username,
                                         "identificador repetido: vale la primera fila"))
                continue
            rows[listed.username.strip()] = (number, listed)
        # A password hash counts wherever it sits in the tab, if the account's record holds
        # its fingerprint: a sort that moved a reset onto another row hands it to no one.
        hashes = {fingerprint(listed.password_hash): listed.password_hash
                  for _, listed in self.records(UserRow) if listed.password_hash}
        users: dict[str, User] = {}
        for username, account in accounts.items():
            number, row = rows.get(username, (0, None))
            user = account.user(hashes.get(account.password, ""))
            held = self._held(username, f"la cuenta «{username}»",
                              "la cuenta queda suspendida")
            if held is not None:
                issues.append(held)
                user = user.model_copy(update={"active": False})
            users[username] = user
            if row is None:
                if self.tab(UserRow).present:
                    issues.append(self.issue(UserRow, 1, "username", username,
                                             "falta la fila de esta cuenta: no puede ingresar"
                                             " hasta que se restaure"))
                continue
            if row.password_hash and fingerprint(row.password_hash) != account.password:
                issues.append(self.issue(
                    UserRow, number, "password_hash", "",
                    "la contraseña de esta fila no es la que registró la aplicación para "
                    "esta cuenta: no la abre (restablézcala desde Usuarios)"))
            elif account.password and not user.password_hash:
                issues.append(self.issue(
                    UserRow, number, "password_hash", "",
                    "la contraseña no es la que registró la aplicación: no se acepta "
                    "(restablézcala desde Usuarios)"))
            issues.extend(self._differences(UserRow, number, row, {
                "full_name": user.full_name, "email": user.email, "unit": user.unit,
                "roles": ", ".join(r.value for r in user.roles),
                "active": "sí" if user.active else "no"}))
        for username, (number, _row) in rows.items():
            if username not in accounts:
                issues.append(self.issue(UserRow, number, "username", username,
                                         "cuenta sin registro firmado de la aplicación: no "
                                         "puede ingresar ni actuar"))
        return users, issues

    @cached_property
    def _edited_subjects(self) -> dict[str, int]:
        """Subjects (request ids, user names) named by an event row the app did not sign,
        with the first such sheet row: an event edited, typed or pasted by a person."""
        unsigned, stored = self.tab(Event).unsigned, self.stored(Event)
        at = stored.position("subject") if stored is not None else None
        found: dict[str, int] = {}
        if not unsigned or stored is None or at is None:
            return found
        for number in sorted(unsigned):
            cells = stored.rows[number - 2]
            subject = cells[at].strip() if at < len(cells) else ""
            if subject:
                found.setdefault(subject, number)
        return found

    @cached_property
    def _signed_by_subject(self) -> dict[tuple[EventKind, str], list[tuple[int, Event]]]:
        found: dict[tuple[EventKind, str], list[tuple[int, Event]]] = defaultdict(list)
        for number, event in self.events:
            found[(event.kind, event.subject)].append((number, event))
        return found

    def _held(self, subject: str, what: str, effect: str,
              kind: EventKind = EventKind.USER) -> RowIssue | None:
        """Why ``subject`` must be held (an event of its own edited or missing): an event
        the app no longer obeys must never undo what it did (a deactivation, a role taken
        away, a withdrawal). None when its events are intact."""
        row = self._edited_subjects.get(subject)
        if row is not None:
            return self.issue(Event, row, "subject", subject,
                              f"un evento de {what} fue modificado o agregado a mano (no lleva "
                              f"la firma de la aplicación): {effect} {RESTORE}")
        signed = self._signed_by_subject.get((kind, subject), [])
        missing = first_gap(signed)
        if missing is not None:
            after = min(n for n, e in signed if e.seq > missing)
            return self.issue(Event, after, "seq", str(missing),
                              f"falta el evento número {missing} de {what} (se borró o se "
                              f"modificó una fila): {effect} {RESTORE}")
        return None

    @property
    def users(self) -> dict[str, User]:
        """Accounts as their signed events establish them (see core.domain.accounts)."""
        return self._accounts[0]

    def _differences(self, kind: type[Record], number: int, row: Record,
                     record: Mapping[str, str]) -> list[RowIssue]:
        """A view cell that differs from the record: reported, never obeyed."""
        found = []
        for name, wanted in record.items():
            shown = str(getattr(row, name)).strip()
            if _same(shown, wanted):
                continue
            found.append(self.issue(kind, number, name, shown,
                                    f"la celda no coincide con el registro, que dice "
                                    f"«{wanted}»: vale el registro"))
        return found

    @cached_property
    def units(self) -> dict[str, Unit]:
        return {u.code: u for _, u in self.records(Unit)}

    @cached_property
    def _request_rows(self) -> dict[str, tuple[int, RequestRow | None]]:
        found: dict[str, tuple[int, RequestRow | None]] = {}
        for number, row in self.records(RequestRow):
            found.setdefault(row.request_id.strip(), (number, row))
        return found

    def _request_of(self, request_id: str, events: Sequence[tuple[int, Event]]
                    ) -> tuple[Request | None, list[RowIssue]]:
        """One request as its first signed event fixes it, and the issues of its row."""
        first = min(((n, e) for n, e in events if e.seq == 1), default=None)
        route = first[1].payload().get(ROUTE) if first is not None else None
        if first is None or not isinstance(route, dict):
            return None, []  # events of an unknown request are reported by the replay
        number, row = self._request_rows.get(request_id, (0, None))
        try:
            request = request_from(first[1], route, row)
        except ValueError as error:
            return None, [self.issue(Event, first[0], "data", "", str(error))]
        if row is None:
            return request, []
        return request, self._differences(RequestRow, number, row, route_cells(request))

    @cached_property
    def _request_results(self) -> dict[str, tuple[Request | None, list[RowIssue]]]:
        """Per request; after a write, only the requests it touched are read again."""
        base = self._base
        previous = base.ledger.__dict__.get("_request_results") \
            if base is not None and base.affected is not None else None
        found: dict[str, tuple[Request | None, list[RowIssue]]] = {}
        for request_id, events in self._events_by_request.items():
            if previous is not None and request_id in previous \
                    and request_id not in (base.affected or set()):  # type: ignore[union-attr]
                found[request_id] = previous[request_id]
            else:
                found[request_id] = self._request_of(request_id, events)
        return found

    @cached_property
    def _requests(self) -> tuple[dict[str, Request], list[RowIssue]]:
        found: dict[str, Request] = {}
        issues: list[RowIssue] = []
        for request_id, (request, problems) in self._request_results.items():
            issues += problems
            if request is not None:
                found[request_id] = request
        for request_id, (number, _row) in self._request_rows.items():
            if request_id not in found:
                issues.append(self.issue(
                    RequestRow, number, "request_id", request_id,
                    "solicitud sin registro firmado de la aplicación: no se obedece"))
        return found, issues

    @property
    def requests(self) -> dict[str, Request]:
        """Requests whose first signed event fixes their route (see core.domain.requests)."""
        return self._requests[0]

    @cached_property
    def direct_publications(self) -> list[DirectPublication]:
        return self.all(DirectPublication)

    @cached_property
    def events(self) -> list[tuple[int, Event]]:
        """The events the app signed, in sheet order; any other row is reported, unused."""
        unsigned = self.tab(Event).unsigned
        if not unsigned:
            return self.records(Event)
        return [(n, e) for n, e in self.records(Event) if n not in unsigned]

    @cached_property
    def is_demo(self) -> bool:
        """Whether the ledger was made as demo data (its users' addresses are not real)."""
        return any(e.kind is EventKind.SYSTEM and e.outcome == DEMO_OUTCOME
                   for _, e in self.events)

    @property
    def has_no_events(self) -> bool:
        """A ledger that never recorded anything (not even a row someone typed)."""
        stored = self.stored(Event)
        return self.tab(Event).present and not self.tab(Event).records and (
            stored is None or not any(any(c.strip() for c in r) for r in stored.rows))

    @cached_property
    def _events_by_request(self) -> dict[str, list[tuple[int, Event]]]:
        by_request: dict[str, list[tuple[int, Event]]] = defaultdict(list)
        for number, event in self.events:
            if event.kind is EventKind.REQUEST:
                by_request[event.subject].append((number, event))
        return by_request

    def events_of(self, request_id: str) -> list[tuple[int, Event]]:
        return self._events_by_request.get(request_id, [])

    def next_seq(self, kind: EventKind, subject: str) -> int:
        """The sequence number the next event of ``subject`` takes."""
        return 1 + sum(1 for _, e in self.events if e.kind is kind and e.subject == subject)

    # -- replay -----------------------------------------------------------------------------

    def _affected(self) -> set[str] | None:
        """Requests the last write touched; None means all must be replayed."""
        base = self._base
        if base is None or base.affected is None \
                or "_replay_by_request" not in base.ledger.__dict__ \
                or self.tab(ProcedureTableRow) is not base.ledger.tab(ProcedureTableRow) \
                or set(base.ledger.requests) - set(self.requests):
            return None
        return base.affected | (set(self.requests) - set(base.ledger.requests))

    @cached_property
    def _replay_by_request(self) -> dict[str, tuple[RequestState | None, list[RowIssue]]]:
        affected = self._affected()
        previous = self._base.ledger._replay_by_request \
            if self._base is not None and affected is not None else {}
        self._base = None  # do not keep a chain of old ledgers alive
        result: dict[str, tuple[RequestState | None, list[RowIssue]]] = {}
        for request_id, request in self.requests.items():
            if affected is not None and request_id not in affected and request_id in previous:
                result[request_id] = previous[request_id]
                continue
            procedure = self.procedures.get(request.procedure, request.version)
            if procedure is None:
                first = min(n for n, e in self.events_of(request_id) if e.seq == 1)
                issue = self.issue(Event, first, "data",
                                   f"{request.procedure}/{request.version}",
                                   "no existe esa versión del procedimiento")
                result[request_id] = (None, [issue])
                continue
            state, problems = replay(request, procedure, self.events_of(request_id))
            result[request_id] = (state, [self.issue(Event, p.row, p.field, p.value, p.reason)
                                          for p in problems])
        return result

    @cached_property
    def _replayed(self) -> tuple[dict[str, RequestState], list[RowIssue]]:
        states = {rid: s for rid, (s, _) in self._replay_by_request.items() if s is not None}
        issues = [i for _, found in self._replay_by_request.values() for i in found]
        for request_id, state in states.items():
            held = self._held(request_id, f"la solicitud {request_id}",
                              "nadie puede actuar en ella", EventKind.REQUEST)
            if held is not None:
                issues.append(held)
                states[request_id] = replace(state, held=(
                    f"La solicitud {request_id} está detenida: {held.reason} (pestaña "
                    f"«{held.tab}», fila {held.row}; vea Salud de datos)."))
        for request_id, events in self._events_by_request.items():
            if request_id not in self.requests:
                issues.extend(self.issue(Event, number, "subject", request_id,
                                         "el evento se refiere a una solicitud inexistente")
                              for number, _ in events)
        return states, issues

    @property
    def states(self) -> dict[str, RequestState]:
        return self._replayed[0]

    def state(self, request_id: str) -> RequestState | None:
        return self.states.get(request_id)

    @cached_property
    def issues(self) -> list[RowIssue]:
        found = [i for tab in self.tabs.values() for i in tab.issues]
        seen: set[str] = set()
        for number, row in self.records(RequestRow):
            if row.request_id in seen:
                found.append(self.issue(RequestRow, number, "request_id", row.request_id,
                                        "identificador repetido: vale la primera fila"))
            seen.add(row.request_id)
        found += [self.issue(Event, n, "signature", "", UNSIGNED)
                  for n in sorted(self.tab(Event).unsigned)]
        return found + self._accounts[1] + self._requests[1] + self._procedures[1] \
            + self._replayed[1] + self._standing_issues

    @cached_property
    def _standing_issues(self) -> list[RowIssue]:
        """Rows whose status, stage, sequence or «protected» differ from the replay (a hand
        edit, or an update a sort moved onto the wrong row): reported, never obeyed."""
        found = []
        for request_id, (number, row) in self._request_rows.items():
            state = self.states.get(request_id)
            if row is not None and state is not None:
                found += self._differences(RequestRow, number, row, standing_cells(state))
        return found
