"""Procedure administration, the low-code part: versions, drafts, review and approval.

The procedures live in the ledger tab «procedimientos», one row per stage and version,
each row *publicado* or *borrador*. Manual, section 8: the UGS reviews the manual and
informs the Dirección Ejecutiva; the *Cuadro de revisión* records each change (version,
description of the change, who reviewed it, who approved it, the administrative
resolution). So: the Jefatura de la UGS edits a draft of a new version (here or in the
sheet itself) and, once it validates, sends it to the DE with the description of the
change; the DE approves it, citing the administrative resolution, which publishes it in
one write (every draft row turns *publicado*, plus the audited event that is the
Cuadro de revisión's row), or returns it with observations. A draft edited after it was
sent must be sent again. New requests take the newest published version; requests in
flight keep the version they started with, which stays in the tab.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from core.domain.errors import ConcurrentChange, InvalidDefinition, InvalidInput, NotFound
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
        "plazo": stage.deadline.code, "salidas": "; ".join(o.spec for o in stage.outcomes),
        "accion": stage.action_label, "registra_cronograma": "sí" if stage.records_schedule
        else "no", "clausula": stage.clause, "interpretacion": stage.interpretation,
        "permite_autoaprobacion": "sí" if stage.allows_self_approval else "no",
        "produce_material": "sí" if stage.produces_material else "no",
        "aprueba_material": "sí" if stage.approves_material else "no",
        "plazo_propio": stage.own_deadline.code if stage.own_deadline is not None else "",
        "regla_comite": "" if not stage.protected_roles else "uno"
        if stage.committee_quorum == 1 else f"quorum:{stage.committee_quorum}",
        "registro_en_nombre": "sí" if stage.on_behalf else "no",
        "con_copia_a": "; ".join(r.value for r in stage.copy_roles),
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


SUBMITTED = "enviar_version"
RETURNED = "devolver_version"
APPROVED = "publicar_version"
_CLEARS_SUBMISSION = {RETURNED, APPROVED, "guardar_borrador", "descartar_borrador",
                      "crear_borrador"}


def draft_fingerprint(draft: Draft) -> str:
    """What the draft says, as a short hash: the DE approves exactly what was sent."""
    text = json.dumps(draft.table(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Submission:
    """A draft the UGS sent to the DE (manual, 8: «informará a la Dirección Ejecutiva»)."""

    number: int
    version: int
    description: str
    reviewed_by: str  # the reviewer's name, as the Cuadro de revisión writes it
    at: datetime
    fingerprint: str


def pending_submission(ledger: Ledger, number: int) -> Submission | None:
    """The submission of the current draft still waiting for the DE, if any."""
    draft = draft_of(ledger, number)
    if draft is None:
        return None
    found: Submission | None = None
    for event in reversed(procedure_events(ledger, number)):
        if event.outcome == SUBMITTED:
            data = event.payload()
            found = Submission(number, int(data.get("version", 0)),
                               str(data.get("descripcion", "")),
                               str(data.get("revisado_por", event.actor)), event.at,
                               str(data.get("huella", "")))
        elif event.outcome in _CLEARS_SUBMISSION:
            found = None
    if found is None or found.version != draft.version \
            or found.fingerprint != draft_fingerprint(draft):
        return None
    return found


def _approver(ledger: Ledger, username: str) -> Role:
    return ledger.permissions.require(current_user(ledger, username),
                                      Capability.APPROVE_PROCEDURES)


def _checked_draft(ledger: Ledger, number: int, verb: str) -> tuple[Draft, Procedure]:
    draft = draft_of(ledger, number)
    if draft is None:
        raise NotFound(f"No hay un borrador del procedimiento {number}.")
    verdict = validate_draft(ledger, number, draft.table(), [n for n, _ in draft.rows])
    if not verdict.ok:
        raise InvalidDefinition(f"No se {verb}: " + " ".join(verdict.errors))
    assert verdict.procedure is not None
    return draft, verdict.procedure


def submit_draft(repo: Repository, username: str, number: int, now: datetime, *,
                 description: str) -> int:
    """The UGS sends a valid draft to the DE with the description of the change."""
    description = description.strip()
    if not description:
        raise InvalidInput("Descripción del cambio: diga qué cambia y por qué (va al Cuadro "
                           "de revisión del manual).")
    if len(description) > 2000:
        raise InvalidInput("Descripción del cambio: el texto es demasiado largo.")
    ledger = repo.snapshot().ledger
    role = _manager(ledger, username)
    draft, procedure = _checked_draft(ledger, number, "envió")
    if pending_submission(ledger, number) is not None:
        raise InvalidInput(f"La versión {procedure.version} ya se envió a la Dirección "
                           "Ejecutiva y espera su aprobación.")
    seal = draft_fingerprint(draft)
    reviewer = current_user(ledger, username).full_name

    def guard(fresh: Ledger) -> None:
        _manager(fresh, username)
        again = draft_of(fresh, number)
        if again is None or draft_fingerprint(again) != seal:
            raise ConcurrentChange("El borrador cambió mientras se enviaba; revíselo y "
                                   "vuelva a enviarlo.")

    change = Change(guard=guard, summary=f"enviar {number}/{procedure.version} a la DE")
    change.add(_event(ledger, number, SUBMITTED, username, role, now,
                      {"version": procedure.version, "descripcion": description,
                       "revisado_por": reviewer, "huella": seal}, description))
    repo.commit(change)
    return procedure.version


def _submitted(ledger: Ledger, number: int) -> Submission:
    found = pending_submission(ledger, number)
    if found is None:
        raise InvalidInput(f"El procedimiento {number} no tiene una versión enviada por la "
                           "Jefatura de la UGS que espere aprobación (o el borrador cambió "
                           "después de enviarse).")
    return found


def return_draft(repo: Repository, username: str, number: int, now: datetime,
                 comment: str) -> None:
    """The DE returns the sent draft to the UGS with observations (nothing is published)."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput("Observaciones: diga qué debe revisar la UGS.")
    ledger = repo.snapshot().ledger
    role = _approver(ledger, username)
    sent = _submitted(ledger, number)

    def guard(fresh: Ledger) -> None:
        _approver(fresh, username)
        _submitted(fresh, number)

    change = Change(guard=guard, summary=f"devolver {number}/{sent.version}")
    change.add(_event(ledger, number, RETURNED, username, role, now,
                      {"version": sent.version}, comment))
    repo.commit(change)


def approve_draft(repo: Repository, username: str, number: int, now: datetime, *,
                  resolution: str, comment: str = "") -> int:
    """The DE approves the sent draft (Cuadro de revisión) and it is published for new
    requests; returns its version."""
    resolution = resolution.strip()
    if not resolution:
        raise InvalidInput("Resolución administrativa: indique la resolución que aprueba el "
                           "cambio (p. ej. «RA ADSIB N° 045/2026»).")
    if len(resolution) > 500:
        raise InvalidInput("Resolución administrativa: el texto es demasiado largo.")
    ledger = repo.snapshot().ledger
    role = _approver(ledger, username)
    sent = _submitted(ledger, number)
    draft, procedure = _checked_draft(ledger, number, "aprobó")
    version = procedure.version

    def guard(fresh: Ledger) -> None:
        _approver(fresh, username)
        if fresh.procedures.get(number, version) is not None:
            raise InvalidInput(f"La versión {version} ya fue publicada.")
        _submitted(fresh, number)

    change = Change(guard=guard, summary=f"aprobar {number}/{version}")
    for _, record in draft.rows:
        change.update_where(record, status=ProcedureStatus.PUBLISHED)
    previous = ledger.procedures.current(number).version
    change.add(_event(
        ledger, number, APPROVED, username, role, now,
        {"version": version, "version_anterior": previous, "etapas": procedure.last_stage,
         "descripcion": sent.description, "revisado_por": sent.reviewed_by,
         "fecha_revision": sent.at.date().isoformat(),
         "aprobado_por": current_user(ledger, username).full_name,
         "resolucion": resolution, FINGERPRINT: procedure.fingerprint()}, comment))
    repo.commit(change)
    return version


# -- the Cuadro de revisión ------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionRow:
    """One row of the manual's Cuadro de revisión."""

    version: str
    reviewed_on: date | None
    description: str
    reviewed_by: str
    approved_by: str
    resolution: str
    approved_on: date | None


MANUAL_REVISION = RevisionRow(
    "Manual 01", date(2018, 10, 30), "Elaboración del manual de procedimientos",
    "Miguel Angel Choque Quispe; Reynaldo Alonzo Vera Arias", "Jannett Ibañez Flores", "",
    None)


def revision_table(ledger: Ledger) -> list[RevisionRow]:
    """The manual's first row, then every approved procedure version, oldest first."""
    rows = [MANUAL_REVISION]
    for number in ledger.procedures.numbers():
        for event in reversed(procedure_events(ledger, number)):
            if event.outcome != APPROVED:
                continue
            data = event.payload()
            actor = ledger.users.get(event.actor)
            name = actor.full_name if actor else event.actor
            reviewed = str(data.get("fecha_revision", ""))
            rows.append(RevisionRow(
                f"Procedimiento {number} · versión {data.get('version', '?')}",
                date.fromisoformat(reviewed) if reviewed else None,
                str(data.get("descripcion") or event.comment or "—"),
                str(data.get("revisado_por") or name),
                str(data.get("aprobado_por") or f"{name} (sin aprobación de la DE)"),
                str(data.get("resolucion", "")), event.at.date()))
    return [rows[0], *sorted(rows[1:], key=lambda r: (r.approved_on or date.min, r.version))]


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
    wanted = subject(number)
    found = sorted(((n, e) for n, e in ledger.events
                    if e.kind is EventKind.SYSTEM and e.subject == wanted),
                   key=lambda item: (item[1].at, item[0]))
    return [e for _, e in reversed(found)]


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
        if stage.own_deadline is not None:
            label.append(f"Plazo propio: {stage.own_deadline_label}")
        if stage.protected_roles and stage.committee_quorum > 1:
            label.append(f"Comité: {stage.committee_rule_label.lower()}")
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
        "Salidas": "; ".join(o.spec for o in s.outcomes),
        "Acción": s.action_label,
        "Fija cronograma": "sí" if s.records_schedule else "no",
        "Autoaprobación": "sí" if s.allows_self_approval else "no",
        "Plazo propio": s.own_deadline_label,
        "Comité": s.committee_rule_label,
        "Registro en nombre": "sí" if s.on_behalf else "no",
        "Con copia a": " o ".join(r.label for r in s.copy_roles),
        "Cláusula": s.clause,
        "Interpretación": s.interpretation,
    } for s in procedure.stages]
