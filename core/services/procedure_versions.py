"""Procedure administration, the low-code part: versions, drafts, validation, publication.

The procedures live in the ledger tab «procedimientos», one row per stage and version,
each row *publicado* or *borrador*. The Jefatura de la UGS (manual, section 8: the UGS
revises the manual) edits a draft of a new version here or in the sheet itself; the app
validates it as a whole and publishes it in one write (every draft row turns
*publicado*, plus an audited event). New requests take the newest published version;
requests in flight keep the version they started with, which stays in the tab.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.domain.errors import InvalidDefinition, InvalidInput, NotFound
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    Event,
    EventKind,
    ProcedureStatus,
    ProcedureTableRow,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.procedures import (
    FINGERPRINT,
    TABLE_COLUMNS,
    OutcomeKind,
    Procedure,
    ProcedureTableError,
    StageRow,
    definition_row,
    load_procedures,
    next_stages,
    procedure_subject,
    table_record,
)
from core.domain.roles import Role
from core.domain.validation import thousands
from core.services.common import current_user, new_event_id

FIXED_COLUMNS = ("procedimiento", "nombre", "version")
EDITABLE_COLUMNS = tuple(c for c in TABLE_COLUMNS if c not in FIXED_COLUMNS)


subject = procedure_subject


# -- reading ---------------------------------------------------------------------------------


class Source:
    TAB = "pestaña"
    SHIPPED = "incluido en la aplicación"


@dataclass(frozen=True)
class VersionInfo:
    """One published version of one procedure, as the page lists it."""

    procedure: Procedure
    source: str
    requests: int
    current: bool

    @property
    def label(self) -> str:
        state = "vigente" if self.current else "anterior"
        return f"Versión {self.procedure.version} ({state})"


def versions(ledger: Ledger, number: int) -> list[VersionInfo]:
    """Every published version of procedure ``number``, newest first."""
    in_tab = {(int(r.procedure), int(r.version)) for _, r in _tab_rows(ledger)
              if r.status is ProcedureStatus.PUBLISHED and r.procedure.isdigit()
              and r.version.isdigit()}
    used: dict[int, int] = {}
    for request in ledger.requests.values():
        if request.procedure == number:
            used[request.version] = used.get(request.version, 0) + 1
    found = [p for (n, _), p in ledger.procedures.procedures.items() if n == number]
    if not found:
        raise NotFound(f"No existe el procedimiento {number}.")
    current = ledger.procedures.current(number).version
    return [VersionInfo(p, Source.TAB if (number, p.version) in in_tab else Source.SHIPPED,
                        used.get(p.version, 0), p.version == current)
            for p in sorted(found, key=lambda p: p.version, reverse=True)]


def _tab_rows(ledger: Ledger) -> list[tuple[int, ProcedureTableRow]]:
    return ledger.records(ProcedureTableRow)


def tab_is_empty(ledger: Ledger) -> bool:
    """Whether the «procedimientos» tab holds no rows (an older workbook)."""
    return not _tab_rows(ledger)


@dataclass(frozen=True)
class Draft:
    """The draft rows of one procedure, with their sheet row numbers."""

    number: int
    rows: tuple[tuple[int, ProcedureTableRow], ...]

    @property
    def version(self) -> int | None:
        found = {r.version.strip() for _, r in self.rows}
        return int(found.pop()) if len(found) == 1 and next(iter(found)).isdigit() else None

    @property
    def name(self) -> str:
        return next((r.procedure_name for _, r in self.rows if r.procedure_name), "")

    def table(self) -> list[dict[str, str]]:
        """The rows as the procedure table's columns (text), in sheet order."""
        return [_table_row(r) for _, r in self.rows]


def _table_row(row: ProcedureTableRow) -> dict[str, str]:
    return definition_row(row)


def draft_of(ledger: Ledger, number: int) -> Draft | None:
    rows = tuple((n, r) for n, r in _tab_rows(ledger)
                 if r.status is ProcedureStatus.DRAFT and r.procedure.strip() == str(number))
    return Draft(number, rows) if rows else None


def stage_to_row(stage: StageRow, *, version: int | None = None) -> dict[str, str]:
    """A validated stage written back as the table's text cells."""
    return {
        "procedimiento": str(stage.procedure), "nombre": stage.procedure_name,
        "version": str(version if version is not None else stage.version),
        "etapa": str(stage.number), "responsable": "; ".join(r.value for r in stage.roles),
        "responsable_protegida": "; ".join(r.value for r in stage.protected_roles),
        "actividad": stage.activity, "instrumento": stage.instrument,
        "plazo": stage.deadline.code, "salidas": "; ".join(o.code for o in stage.outcomes),
        "accion": stage.action_label, "registra_cronograma": "sí" if stage.records_schedule
        else "no", "clausula": stage.clause, "interpretacion": stage.interpretation,
        "permite_autoaprobacion": "sí" if stage.allows_self_approval else "no",
    }


# -- validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """The verdict on a draft: errors refuse publication, warnings only inform."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    procedure: Procedure | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors and self.procedure is not None


def validate_draft(ledger: Ledger, number: int, rows: Sequence[Mapping[str, str]],
                   row_numbers: Sequence[int] | None = None) -> Validation:
    """Check a draft as it would be published: the table rules, then the permissions.

    ``row_numbers`` are the rows' sheet rows (for messages); without them, rows count from
    1 as the editor shows them.
    """
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(rows) + 1))
    kept = [(n, dict(r)) for n, r in zip(numbers, rows, strict=True)
            if any(str(v or "").strip() for v in r.values())]
    if not kept:
        return Validation(errors=("El borrador no tiene ninguna etapa.",))
    def where(row: int | str, column: str) -> str:
        if row_numbers is None:
            return f"Fila {row} del borrador, columna «{column}»"
        tab = ledger.naming.tab(ProcedureTableRow)
        return f"Pestaña «{tab}», fila {row}, columna «{column}»"

    try:
        table = load_procedures([r for _, r in kept], row_numbers=[n for n, _ in kept])
    except ProcedureTableError as error:
        place = where(error.row, error.column) if error.row > 1 else "Tabla"
        return Validation(errors=(f"{place}: {error.reason}.",))
    keys = sorted(table.procedures)
    if len(keys) != 1:
        listed = ", ".join(f"{n}/{v}" for n, v in keys)
        return Validation(errors=(f"El borrador mezcla procedimientos o versiones ({listed}): "
                                  "debe ser una sola versión de un solo procedimiento.",))
    (found_number, version), procedure = keys[0], table.procedures[keys[0]]
    errors: list[str] = []
    if found_number != number:
        errors.append(f"El borrador dice procedimiento {found_number}; se esperaba {number}.")
    published = [v for (n, v) in ledger.procedures.procedures if n == number]
    if published and version <= max(published):
        errors.append(f"La versión {version} no es nueva: la última publicada es la "
                      f"{max(published)}. Use la versión {max(published) + 1}.")
    row_of = _stage_rows(kept)
    matrix = ledger.permissions
    publishers = matrix.roles(Capability.PUBLISH)
    last = procedure.stage(procedure.last_stage)
    for role in (*last.roles, *last.protected_roles):
        if role not in publishers:
            allowed = " o ".join(r.label for r in sorted(publishers, key=list(Role).index))
            errors.append(
                f"{where(row_of.get(last.number, '?'), 'responsable')}: la última etapa "
                f"publica y «{role.label}» no tiene el permiso «publicar» (lo tienen "
                f"{allowed}; manual, {matrix.row(Capability.PUBLISH).clause})."
            )
    warnings: list[str] = []
    active_roles = {r for u in ledger.users.values() if u.active for r in u.roles}
    for stage in procedure.stages:
        for role in (*stage.roles, *stage.protected_roles):
            if role not in active_roles:
                warnings.append(f"Etapa {stage.number}: ninguna cuenta activa tiene el rol "
                                f"«{role.label}»; nadie podría actuar en ella.")
    current = ledger.procedures.current(number) if published else None
    if current is not None and current.last_stage != procedure.last_stage:
        warnings.append(f"La versión vigente tiene {current.last_stage} etapas y el borrador "
                        f"{procedure.last_stage}.")
    return Validation(tuple(errors), tuple(dict.fromkeys(warnings)), procedure)


def _stage_rows(kept: Sequence[tuple[int, Mapping[str, str]]]) -> dict[int, int]:
    found: dict[int, int] = {}
    for number, row in kept:
        stage = str(row.get("etapa", "")).strip()
        if stage.isdigit():
            found.setdefault(int(stage), number)
    return found


# -- writing ---------------------------------------------------------------------------------


def _event(ledger: Ledger, number: int, outcome: str, username: str, role: Role,
           now: datetime, data: Mapping[str, object], comment: str = "") -> Event:
    return Event(event_id=new_event_id(), kind=EventKind.SYSTEM, subject=subject(number),
                 seq=ledger.next_seq(EventKind.SYSTEM, subject(number)), outcome=outcome,
                 actor=username, role=role.value, at=now, comment=comment.strip()[:2000],
                 data=json.dumps(dict(data), ensure_ascii=False, sort_keys=True))


BLANK = dict.fromkeys(ProcedureTableRow.fields(), "")


def _manager(ledger: Ledger, username: str) -> Role:
    return ledger.permissions.require(current_user(ledger, username),
                                      Capability.MANAGE_PROCEDURES)


def _manager_guard(username: str) -> Callable[[Ledger], None]:
    def guard(fresh: Ledger) -> None:
        _manager(fresh, username)

    return guard


def start_draft(repo: Repository, username: str, number: int, now: datetime) -> int:
    """Copy the current version of ``number`` as a draft of the next version."""
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    if draft_of(ledger, number) is not None:
        raise InvalidInput(f"Ya hay un borrador del procedimiento {number}: edítelo, "
                           "publíquelo o descártelo.")
    base = ledger.procedures.current(number)
    in_tab = [int(r.version) for _, r in _tab_rows(ledger)
              if r.procedure.strip() == str(number) and r.version.strip().isdigit()]
    version = max([base.version, *in_tab, *(v for n, v in ledger.procedures.procedures
                                             if n == number)]) + 1

    def guard(fresh: Ledger) -> None:
        _manager(fresh, username)
        if draft_of(fresh, number) is not None:
            raise InvalidInput(f"Otra persona ya creó un borrador del procedimiento {number}.")

    change = Change(guard=guard, summary=f"borrador {number}/{version}")
    for stage in base.stages:
        change.add(table_record(stage_to_row(stage, version=version), ProcedureStatus.DRAFT))
    change.add(_event(ledger, number, "crear_borrador", username, role, now,
                      {"version": version, "desde_version": base.version}))
    repo.commit(change)
    return version


def _clean(rows: Sequence[Mapping[str, object]], number: int, name: str,
           version: int) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    for index, row in enumerate(rows, start=1):
        cells = {c: "" if row.get(c) is None else str(row.get(c)).strip()
                 for c in EDITABLE_COLUMNS}
        if not any(cells.values()):
            continue
        for column, value in cells.items():
            if len(value) > MAX_CELL_CHARS:
                raise InvalidInput(f"Fila {index}, columna «{column}»: el texto supera "
                                   f"{thousands(MAX_CELL_CHARS)} caracteres.")
        cleaned.append({"procedimiento": str(number), "nombre": name,
                        "version": str(version), **cells})
    return cleaned


def save_draft(repo: Repository, username: str, number: int,
               rows: Sequence[Mapping[str, object]], now: datetime, *,
               name: str | None = None) -> Validation:
    """Write the edited draft over the stored one (rows beyond it are appended, rows no
    longer there are blanked); returns its validation, which does not block saving."""
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    draft = draft_of(ledger, number)
    if draft is None or draft.version is None:
        raise NotFound(f"No hay un borrador del procedimiento {number}: cree uno primero.")
    title = (name if name is not None else draft.name).strip()
    if not title:
        raise InvalidInput("Nombre del procedimiento: no puede estar vacío.")
    cleaned = _clean(rows, number, title, draft.version)
    if not cleaned:
        raise InvalidInput("El borrador no puede quedar sin etapas; para abandonarlo, "
                           "descártelo.")
    change = Change(guard=_manager_guard(username),
                    summary=f"borrador {number}/{draft.version}")
    for index, (_, record) in enumerate(draft.rows):
        if index < len(cleaned):
            edited = table_record(cleaned[index], ProcedureStatus.DRAFT)
            change.update_where(record, **edited.model_dump())
        else:
            change.update_where(record, **BLANK)
    for extra in cleaned[len(draft.rows):]:
        change.add(table_record(extra, ProcedureStatus.DRAFT))
    change.add(_event(ledger, number, "guardar_borrador", username, role, now,
                      {"version": draft.version, "etapas": len(cleaned)}))
    repo.commit(change)
    return validate_draft(repo.snapshot().ledger, number, cleaned)


def discard_draft(repo: Repository, username: str, number: int, now: datetime) -> None:
    """Blank the draft's rows (the event keeps what was discarded: its version and size)."""
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    draft = draft_of(ledger, number)
    if draft is None:
        raise NotFound(f"No hay un borrador del procedimiento {number}.")
    change = Change(guard=_manager_guard(username),
                    summary=f"descartar borrador {number}")
    for _, record in draft.rows:
        change.update_where(record, **BLANK)
    change.add(_event(ledger, number, "descartar_borrador", username, role, now,
                      {"version": draft.version, "etapas": len(draft.rows),
                       "filas": draft.table()}))
    repo.commit(change)


def publish_draft(repo: Repository, username: str, number: int, now: datetime, *,
                  comment: str = "") -> int:
    """Publish the draft for new requests, if it validates; returns its version."""
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    draft = draft_of(ledger, number)
    if draft is None:
        raise NotFound(f"No hay un borrador del procedimiento {number} que publicar.")
    verdict = validate_draft(ledger, number, draft.table(), [n for n, _ in draft.rows])
    if not verdict.ok:
        raise InvalidDefinition("No se publicó: " + " ".join(verdict.errors))
    assert verdict.procedure is not None
    version = verdict.procedure.version

    def guard(fresh: Ledger) -> None:
        _manager(fresh, username)
        if fresh.procedures.get(number, version) is not None:
            raise InvalidInput(f"La versión {version} ya fue publicada.")

    change = Change(guard=guard, summary=f"publicar {number}/{version}")
    for _, record in draft.rows:
        change.update_where(record, status=ProcedureStatus.PUBLISHED)
    previous = ledger.procedures.current(number).version
    change.add(_event(
        ledger, number, "publicar_version", username, role, now,
        {"version": version, "version_anterior": previous,
         "etapas": verdict.procedure.last_stage,
         FINGERPRINT: verdict.procedure.fingerprint()}, comment))
    repo.commit(change)
    return version


def copy_shipped_to_tab(repo: Repository, username: str, now: datetime) -> int:
    """Fill an empty «procedimientos» tab (an older workbook) with the procedures in force."""
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    full = f"La pestaña «{ledger.naming.tab(ProcedureTableRow)}» ya tiene filas."
    if _tab_rows(ledger):
        raise InvalidInput(full)

    def guard(fresh: Ledger) -> None:
        _manager(fresh, username)
        if _tab_rows(fresh):
            raise InvalidInput(full)

    change = Change(guard=guard, summary="copiar procedimientos a la pestaña")
    count = 0
    for _, procedure in sorted(ledger.procedures.procedures.items()):
        for stage in procedure.stages:
            change.add(table_record(stage_to_row(stage), ProcedureStatus.PUBLISHED))
            count += 1
    for number in ledger.procedures.numbers():
        change.add(_event(ledger, number, "copiar_a_pestana", username, role, now,
                          {"filas": count}))
    repo.commit(change)
    return count


def procedure_events(ledger: Ledger, number: int) -> list[Event]:
    """The audited changes of one procedure's table, newest first."""
    found = [e for _, e in sorted(ledger.events, key=lambda item: (item[1].at, item[0]))
             if e.kind is EventKind.SYSTEM and e.subject == subject(number)]
    return found[::-1]


# -- the flow diagram ------------------------------------------------------------------------

ROLE_COLORS: dict[Role, str] = {
    Role.DE: "#dbeafe", Role.COMMITTEE: "#ede9fe", Role.UGS_HEAD: "#ffedd5",
    Role.PROFESSIONAL: "#dcfce7", Role.DESIGN: "#dcfce7", Role.REQUESTER: "#fae8ff",
    Role.UNIT_HEAD: "#fae8ff", Role.ADMIN: "#fce7f3", Role.EDITOR: "#fce7f3",
    Role.MODERATOR: "#fce7f3", Role.SYSADMIN: "#f3f4f6",
}
EDGE_STYLES: dict[OutcomeKind, str] = {
    OutcomeKind.FORWARD: 'color="#1f2937"',
    OutcomeKind.COMMITTEE: 'color="#7c3aed", style=dashed, fontcolor="#7c3aed"',
    OutcomeKind.RETURN: 'color="#ea580c", style=dashed, fontcolor="#ea580c", constraint=false',
    OutcomeKind.REJECT: 'color="#dc2626", fontcolor="#dc2626"',
}


def _quoted(text: str) -> str:
    """A DOT double-quoted string: data can never close the quote or add attributes."""
    cleaned = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    escaped = cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def flow_dot(procedure: Procedure) -> str:
    """The procedure as a Graphviz DOT graph: one node per stage (role, deadline), edges
    for forward, Committee, return and rejection, plus the two ends."""
    lines = [
        "digraph procedimiento {",
        '  graph [rankdir=TB, nodesep=0.4, ranksep=0.35, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
        'color="#9ca3af"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    rejects = False
    for stage in procedure.stages:
        label = [f"{stage.number}. {_short(stage.action_label)}",
                 " o ".join(r.label for r in stage.roles)]
        if stage.protected_roles:
            label.append("si protegida: " + " o ".join(r.label for r in stage.protected_roles))
        label.append(f"Plazo: {stage.deadline.label}")
        if not stage.allows_self_approval:
            label.append("(no quien la registró)")
        color = ROLE_COLORS.get(stage.roles[0], "#ffffff")
        lines.append(f"  s{stage.number} [label={_quoted(chr(10).join(label))}, "
                     f'fillcolor="{color}", tooltip={_quoted(_short(stage.activity, 200))}];')
    for stage in procedure.stages:
        for outcome, target in next_stages(stage, procedure.last_stage).items():
            if outcome.kind is OutcomeKind.REJECT:
                rejects = True
                end = "rechazada"
            else:
                end = f"s{target}" if target is not None else "publicada"
            edge = {OutcomeKind.FORWARD: "", OutcomeKind.COMMITTEE: "Comité",
                    OutcomeKind.RETURN: "devolver", OutcomeKind.REJECT: "rechazar"}[
                        outcome.kind]
            style = EDGE_STYLES[outcome.kind]
            if edge:
                style += f", label={_quoted(edge)}"
            lines.append(f"  s{stage.number} -> {end} [{style}];")
    lines.append('  publicada [label="Publicada", shape=oval, fillcolor="#bbf7d0"];')
    if rejects:
        lines.append('  rechazada [label="Rechazada", shape=oval, fillcolor="#fecaca"];')
    lines.append("}")
    return "\n".join(lines)


def table_view(procedure: Procedure) -> list[dict[str, object]]:
    """The version's rows with Spanish headers, for a data frame."""
    return [{
        "Etapa": s.number,
        "Responsable": " o ".join(r.label for r in s.roles),
        "Si protegida": " o ".join(r.label for r in s.protected_roles),
        "Actividad": s.activity,
        "Instrumento": s.instrument,
        "Plazo": s.deadline.label,
        "Salidas": "; ".join(o.code for o in s.outcomes),
        "Acción": s.action_label,
        "Fija cronograma": "sí" if s.records_schedule else "no",
        "Autoaprobación": "sí" if s.allows_self_approval else "no",
        "Cláusula": s.clause,
        "Interpretación": s.interpretation,
    } for s in procedure.stages]
