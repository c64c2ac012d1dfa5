"""The manual's procedures as data: one row per stage, loaded and validated at start-up.

A procedure table that a manager edits (a CSV in ``sheets_schema/`` or a tab of the
ledger) must be refused early and precisely, naming the row and the field, rather than
failing later in the middle of someone's approval.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.domain.errors import InvalidDefinition
from core.domain.models import ProcedureTableRow
from core.domain.roles import Role, parse_roles
from core.domain.validation import spanish_reason


class OutcomeKind(StrEnum):
    FORWARD = "avanzar"
    COMMITTEE = "comite"
    RETURN = "devolver"
    REJECT = "rechazar"


class DeadlineKind(StrEnum):
    VARIABLE = "variable"
    WORKING_DAYS = "dias"
    SCHEDULE = "cronograma"


COMMITTEE_ONLY = "(comite)"  # «rechazar (comite)»: only on the Committee route (6 b)


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    target: int | None = None  # where a return goes back to, or a forward jump goes ahead to
    committee_only: bool = False  # offered only when the request is protected by norm

    @property
    def code(self) -> str:
        """What an event records (and what a button sends)."""
        return f"{self.kind}:{self.target}" if self.target else str(self.kind)

    @property
    def spec(self) -> str:
        """How the procedure table writes it: the code, and the Committee-only mark."""
        return f"{self.code} {COMMITTEE_ONLY}" if self.committee_only else self.code

    @property
    def requires_comment(self) -> bool:
        return self.kind in (OutcomeKind.RETURN, OutcomeKind.REJECT)


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    days: int = 0

    @property
    def label(self) -> str:
        if self.kind is DeadlineKind.WORKING_DAYS:
            return "1 día hábil" if self.days == 1 else f"{self.days} días hábiles"
        if self.kind is DeadlineKind.SCHEDULE:
            return "De acuerdo a cronograma"
        return "Variable"

    @property
    def code(self) -> str:
        return str(self.days) if self.kind is DeadlineKind.WORKING_DAYS else str(self.kind)


def parse_deadline(text: str) -> Deadline:
    value = text.strip().lower()
    if value in ("variable", ""):
        return Deadline(DeadlineKind.VARIABLE)
    if value in ("cronograma", "de acuerdo a cronograma"):
        return Deadline(DeadlineKind.SCHEDULE)
    digits = value.split()[0]
    if digits.isdigit() and int(digits) > 0:
        return Deadline(DeadlineKind.WORKING_DAYS, int(digits))
    raise ValueError("plazo no reconocido: use «variable», «cronograma» o un número de días")


def parse_outcomes(text: str) -> tuple[Outcome, ...]:
    outcomes: list[Outcome] = []
    for part in text.replace(",", ";").split(";"):
        value = part.strip().lower().replace("comité", "comite")
        if not value:
            continue
        committee_only = value.endswith(COMMITTEE_ONLY)
        if committee_only:
            value = value.removesuffix(COMMITTEE_ONLY).strip()
        name, _, target = value.partition(":")
        try:
            kind = OutcomeKind(name.strip())
        except ValueError:
            raise ValueError(
                f"salida desconocida «{value}» (use avanzar, comite, devolver:N o rechazar)"
            ) from None
        if committee_only and kind not in (OutcomeKind.RETURN, OutcomeKind.REJECT):
            raise ValueError(f"«{value} {COMMITTEE_ONLY}»: solo «devolver» y «rechazar» pueden "
                             "reservarse al Comité")
        if kind is OutcomeKind.RETURN:
            if not target.strip().isdigit():
                raise ValueError(
                    f"«{value}»: una devolución debe indicar la etapa, p. ej. devolver:3"
                )
            outcomes.append(Outcome(kind, int(target), committee_only))
        elif kind is OutcomeKind.FORWARD and target:
            if not target.strip().isdigit():
                raise ValueError(f"«{value}»: «avanzar:N» necesita el número de etapa")
            outcomes.append(Outcome(kind, int(target)))
        elif target:
            raise ValueError(f"«{value}»: solo «devolver» y «avanzar» llevan etapa de destino")
        else:
            outcomes.append(Outcome(kind, committee_only=committee_only))
    if not outcomes:
        raise ValueError("la etapa no tiene ninguna salida")
    if len({o.code for o in outcomes}) != len(outcomes):
        raise ValueError("salida repetida")
    if sum(o.kind is OutcomeKind.FORWARD for o in outcomes) > 1:
        raise ValueError("una etapa tiene una sola salida «avanzar»")
    return tuple(outcomes)


def parse_own_deadline(text: str) -> Deadline | None:
    """The schedule-setting stage's own deadline: empty (none: the manual's «De acuerdo a
    cronograma»), a number of working days, or «cronograma» (the first date of the
    schedule the request already carries when the stage begins)."""
    value = text.strip().lower()
    if not value:
        return None
    if value in ("cronograma", "primera_fecha", "primera fecha"):
        return Deadline(DeadlineKind.SCHEDULE)
    digits = value.split()[0]
    if digits.isdigit() and int(digits) > 0:
        return Deadline(DeadlineKind.WORKING_DAYS, int(digits))
    raise ValueError("plazo propio no reconocido: deje vacío, o use un número de días "
                     "hábiles o «cronograma»")


VOTE = "voto"  # a Committee member's approval that does not reach the quorum yet


def parse_committee_rule(text: str) -> int:
    """How many Committee members must approve: «uno» (or empty: the manual's default as
    the product reads 6 b) is 1; «quorum:N» or «N» is N."""
    value = text.strip().lower().replace(" ", "")
    if value in ("", "uno", "1", "unmiembro", "un_miembro"):
        return 1
    number = value.removeprefix("quorum:").removeprefix("quórum:")
    if number.isdigit() and int(number) >= 1:
        return int(number)
    raise ValueError("regla del Comité no reconocida: use «uno» o «quorum:N» (N miembros)")


def _parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("si", "sí", "s", "true", "1", "x"):
        return True
    if value in ("no", "n", "false", "0", ""):
        return False
    raise ValueError("use «sí» o «no»")


class StageRow(BaseModel):
    """One row of the procedure table, exactly as it is stored."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    procedure: int = Field(alias="procedimiento", ge=1)
    procedure_name: str = Field(alias="nombre", min_length=1)
    version: int = Field(alias="version", ge=1)
    number: int = Field(alias="etapa", ge=1)
    roles: tuple[Role, ...] = Field(alias="responsable")
    protected_roles: tuple[Role, ...] = Field(alias="responsable_protegida", default=())
    activity: str = Field(alias="actividad", min_length=1)
    instrument: str = Field(alias="instrumento", default="")
    deadline: Deadline = Field(alias="plazo")
    outcomes: tuple[Outcome, ...] = Field(alias="salidas")
    action_label: str = Field(alias="accion", min_length=1)
    records_schedule: bool = Field(alias="registra_cronograma", default=False)
    clause: str = Field(alias="clausula", min_length=1)
    interpretation: str = Field(alias="interpretacion", default="")
    allows_self_approval: bool = Field(alias="permite_autoaprobacion", default=True)
    # Which stages produce the material under approval and which approve it (a table
    # older than these columns, or an empty cell: no).
    produces_material: bool = Field(alias="produce_material", default=False)
    approves_material: bool = Field(alias="aprueba_material", default=False)

    # Columns added after the first tables: a table without them keeps loading (empty =
    # the manual's default).
    own_deadline: Deadline | None = Field(alias="plazo_propio", default=None)
    committee_quorum: int = Field(alias="regla_comite", default=1, ge=1)
    on_behalf: bool = Field(alias="registro_en_nombre", default=False)
    copy_roles: tuple[Role, ...] = Field(alias="con_copia_a", default=())

    @field_validator("own_deadline", mode="before")
    @classmethod
    def _own_deadline(cls, value: object) -> object:
        return parse_own_deadline(value) if isinstance(value, str) else value

    @field_validator("committee_quorum", mode="before")
    @classmethod
    def _committee_rule(cls, value: object) -> object:
        return parse_committee_rule(value) if isinstance(value, str) else value

    @property
    def committee_rule_label(self) -> str:
        if not self.protected_roles:
            return ""
        if self.committee_quorum == 1:
            return "Basta un miembro"
        return f"Quórum de {self.committee_quorum} miembros"

    @property
    def own_deadline_label(self) -> str:
        if self.own_deadline is None:
            return ""
        if self.own_deadline.kind is DeadlineKind.SCHEDULE:
            return "Hasta la primera fecha del cronograma"
        return self.own_deadline.label

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> tuple[Role, ...]:
        roles = parse_roles(str(value)) if isinstance(value, str) else value
        if not roles:
            raise ValueError("falta el rol responsable")
        return roles  # type: ignore[return-value]

    @field_validator("protected_roles", "copy_roles", mode="before")
    @classmethod
    def _optional_roles(cls, value: object) -> object:
        return parse_roles(value) if isinstance(value, str) else value

    @field_validator("on_behalf", mode="before")
    @classmethod
    def _on_behalf(cls, value: object) -> object:
        if isinstance(value, str):
            return False if not value.strip() else _parse_yes_no(value)
        return value

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: object) -> object:
        return parse_deadline(value) if isinstance(value, str) else value

    @field_validator("outcomes", mode="before")
    @classmethod
    def _outcomes(cls, value: object) -> object:
        return parse_outcomes(value) if isinstance(value, str) else value

    @field_validator("records_schedule", "produces_material", "approves_material",
                     mode="before")
    @classmethod
    def _yes_no(cls, value: object) -> object:
        return _parse_yes_no(value) if isinstance(value, str) else value

    @field_validator("allows_self_approval", mode="before")
    @classmethod
    def _self_approval(cls, value: object) -> object:
        # An empty cell (or a table older than the column) keeps the permissive default.
        if isinstance(value, str):
            return True if not value.strip() else _parse_yes_no(value)
        return value

    def roles_for(self, protected: bool) -> tuple[Role, ...]:
        """Who acts here: the Committee replaces the unit head when content is protected."""
        return self.protected_roles if protected and self.protected_roles else self.roles

    def outcomes_for(self, protected: bool) -> tuple[Outcome, ...]:
        """The outcomes this route offers: Committee-only ones need the Committee route."""
        on_committee = protected and bool(self.protected_roles)
        return tuple(o for o in self.outcomes if on_committee or not o.committee_only)

    def is_interpretation(self) -> bool:
        return bool(self.interpretation)


@dataclass(frozen=True)
class Procedure:
    """One version of one procedure: its stages in order."""

    number: int
    version: int
    name: str
    stages: tuple[StageRow, ...]

    def stage(self, number: int) -> StageRow:
        return self.stages[number - 1]

    def fingerprint(self) -> str:
        """SHA-256 of this version's stages as the app reads them (fields left at their
        defaults are left out, so a column added later keeps older fingerprints): what the
        signed event that publishes the version records."""
        stages = [s.model_dump(mode="json", exclude_defaults=True) for s in self.stages]
        text = json.dumps(stages, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def last_stage(self) -> int:
        return len(self.stages)

    @property
    def schedule_stage(self) -> int | None:
        return next((s.number for s in self.stages if s.records_schedule), None)

    def scheduled_stages(self) -> list[int]:
        """Stages whose deadline comes from the schedule, after the stage that sets it."""
        first = self.schedule_stage
        if first is None:
            return []
        return [
            s.number for s in self.stages
            if s.deadline.kind is DeadlineKind.SCHEDULE and s.number > first
        ]

    @cached_property
    def transitions(self) -> dict[tuple[int, str], Transition]:
        """(stage, outcome code) -> where it leads and who may take it; built once.

        Replaying tens of thousands of stored events looks each one up here. Besides the
        table's own outcomes, a stage after an approval of the material has the return that
        a change of the material makes (:meth:`reapproval`).
        """
        table: dict[tuple[int, str], Transition] = {}
        for row in self.stages:
            if row.committee_quorum > 1 and row.protected_roles:
                protected = frozenset(r.value for r in row.protected_roles)
                table[(row.number, VOTE)] = Transition(
                    Outcome(OutcomeKind.FORWARD), row.number, frozenset(), protected)
            targets = next_stages(row, self.last_stage)
            for outcome in row.outcomes:
                table[(row.number, outcome.code)] = Transition(
                    outcome, targets[outcome],
                    frozenset() if outcome.committee_only
                    else frozenset(r.value for r in row.roles_for(False)),
                    frozenset(r.value for r in row.roles_for(True)),
                )
            back = self.reapproval(row.number)
            if back is not None and (row.number, back.outcome.code) not in table:
                table[(row.number, back.outcome.code)] = back
        return table

    def reapproval(self, stage: int) -> Transition | None:
        """Where a change of the material at ``stage`` sends the request back, if anywhere.

        Interpretation (marked in the procedure table): material changed after it was
        approved goes back for approval. At a stage that neither produces nor approves
        material, whose nearest earlier stage doing either approves it, a new version
        returns the request to that approving stage. The people acting at ``stage`` may
        change it, and so may those who produced it (the producing stage before the
        approval).
        """
        row = self.stage(stage)
        if row.produces_material or row.approves_material:
            return None
        earlier = [s for s in self.stages[:stage - 1]
                   if s.produces_material or s.approves_material]
        if not earlier or not earlier[-1].approves_material:
            return None
        target = earlier[-1].number
        producers = [s for s in self.stages[:target - 1] if s.produces_material]
        roles = [*row.roles_for(False), *(producers[-1].roles_for(False) if producers else ())]
        protected = [*row.roles_for(True), *(producers[-1].roles_for(True) if producers else ())]
        return Transition(Outcome(OutcomeKind.RETURN, target), target,
                          frozenset(r.value for r in roles),
                          frozenset(r.value for r in protected))

    @property
    def handles_material(self) -> bool:
        """Whether the table says which stages produce and approve material."""
        return any(s.produces_material or s.approves_material for s in self.stages)


@dataclass(frozen=True)
class Transition:
    outcome: Outcome
    target: int | None
    roles: frozenset[str]
    protected_roles: frozenset[str]


@dataclass(frozen=True)
class ProcedureSet:
    """Every version of every procedure; new requests take the highest version."""

    procedures: Mapping[tuple[int, int], Procedure]

    def get(self, number: int, version: int) -> Procedure | None:
        return self.procedures.get((number, version))

    def current(self, number: int) -> Procedure:
        versions = [p for (n, _), p in self.procedures.items() if n == number]
        if not versions:
            raise InvalidDefinition(f"No existe el procedimiento {number}.")
        return max(versions, key=lambda p: p.version)

    def numbers(self) -> list[int]:
        return sorted({n for n, _ in self.procedures})


# The procedure table's own vocabulary (procedures.csv and the ledger's procedure tab):
# stage field -> column.
DEFINITION_COLUMNS: dict[str, str] = {
    name: f.alias for name, f in StageRow.model_fields.items() if f.alias is not None
}
TABLE_COLUMNS = tuple(DEFINITION_COLUMNS.values())


def definition_row(record: ProcedureTableRow) -> dict[str, str]:
    """A stage row of the ledger's procedure tab in the table's vocabulary."""
    return {column: str(getattr(record, name)) for name, column in DEFINITION_COLUMNS.items()}


def deadline_in_force(stage: StageRow) -> Deadline:
    """What dates the stage: its own deadline when it fixes the schedule and has one."""
    return stage.own_deadline if stage.own_deadline is not None else stage.deadline


def table_record(row: Mapping[str, object], status: str) -> ProcedureTableRow:
    """A row in the table's vocabulary as a record of the ledger's procedure tab."""
    return ProcedureTableRow.model_validate(
        {**{name: "" if row.get(column) is None else str(row.get(column))
            for name, column in DEFINITION_COLUMNS.items()}, "status": status})
KEY_COLUMNS = ("procedimiento", "version", "etapa", "responsable", "plazo", "salidas")


class ProcedureTableError(InvalidDefinition):
    """A procedure table refused at one row and column (``row`` 1 is the header)."""

    def __init__(self, message: str, row: int = 1, column: str = "", value: str = "",
                 reason: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason or message


def load_procedures(
    rows: Iterable[Mapping[str, str]],
    first_row: int = 2,
    row_numbers: Sequence[int] | None = None,
) -> ProcedureSet:
    """Validate the table row by row, then as a whole; the first problem is refused.

    ``first_row`` is the spreadsheet row number of the first data row (the header is 1);
    ``row_numbers`` gives each row's own number instead, for rows picked out of a tab.
    """
    stage_rows: list[tuple[int, StageRow]] = []
    for offset, raw in enumerate(rows):
        row_number = row_numbers[offset] if row_numbers is not None else first_row + offset
        if not any(str(v or "").strip() for v in raw.values()):
            continue
        missing = [c for c in KEY_COLUMNS if c not in raw]
        if missing:
            raise ProcedureTableError(
                f"Tabla de procedimientos: falta la columna «{missing[0]}».", 1, missing[0],
                reason="falta esta columna en el encabezado")
        try:
            stage_rows.append((row_number, StageRow.model_validate(dict(raw))))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "?"
            value = str(raw.get(field, "") or "")
            reason = spanish_reason(error)
            raise ProcedureTableError(
                f"Tabla de procedimientos, fila {row_number}, columna «{field}» "
                f"(valor «{value}»): {reason}.", row_number, field, value, reason) from None
    grouped: dict[tuple[int, int], list[tuple[int, StageRow]]] = {}
    for row_number, stage in stage_rows:
        grouped.setdefault((stage.procedure, stage.version), []).append((row_number, stage))
    if not grouped:
        raise ProcedureTableError("La tabla de procedimientos está vacía.",
                                  reason="la tabla no tiene ninguna etapa")
    procedures = {
        key: _check_procedure(key, sorted(items, key=lambda item: item[1].number))
        for key, items in grouped.items()
    }
    return ProcedureSet(procedures)


def _check_procedure(key: tuple[int, int], items: list[tuple[int, StageRow]]) -> Procedure:
    number, version = key
    where = f"procedimiento {number} versión {version}"

    def refuse(row: int, field: str, reason: str) -> ProcedureTableError:
        return ProcedureTableError(
            f"Tabla de procedimientos, fila {row}, columna «{field}» ({where}): {reason}.",
            row, field, reason=f"{where}: {reason}")

    stages = [stage for _, stage in items]
    for expected, (row, stage) in enumerate(items, start=1):
        if stage.number != expected:
            raise refuse(row, "etapa", f"se esperaba la etapa {expected} y hay la {stage.number}"
                         " (las etapas van de 1 en 1, sin huecos ni repeticiones)")
        if stage.procedure_name != stages[0].procedure_name:
            raise refuse(row, "nombre", "el nombre del procedimiento difiere del de la etapa 1")
    last = len(stages)
    schedule_stages = [s.number for s in stages if s.records_schedule]
    if len(schedule_stages) > 1:
        row = items[schedule_stages[1] - 1][0]
        raise refuse(row, "registra_cronograma", "solo una etapa puede registrar el cronograma")
    for row, stage in items:
        kinds = {o.kind for o in stage.outcomes}
        if OutcomeKind.FORWARD not in kinds:
            raise refuse(row, "salidas", "toda etapa necesita «avanzar» para seguir adelante: "
                         "sin ella es un callejón sin salida y la solicitud nunca llegaría a "
                         "publicarse")
        for outcome in stage.outcomes:
            if outcome.kind is OutcomeKind.RETURN and not (
                outcome.target is not None and 1 <= outcome.target < stage.number
            ):
                raise refuse(row, "salidas", f"«{outcome.code}» debe volver a una etapa anterior")
            if outcome.kind is OutcomeKind.FORWARD and outcome.target is not None and not (
                stage.number < outcome.target <= last
            ):
                raise refuse(row, "salidas", f"«{outcome.code}» debe ir a una etapa posterior "
                             f"que exista (de la {stage.number + 1} a la {last})")
            if outcome.committee_only and not stage.protected_roles:
                raise refuse(row, "salidas", f"«{outcome.spec}» requiere que la etapa tenga "
                             "«responsable_protegida» (el Comité)")
            if outcome.kind is OutcomeKind.COMMITTEE:
                following = stages[stage.number] if stage.number < last else None
                if following is None or not following.protected_roles:
                    raise refuse(row, "salidas", "«comite» requiere que la etapa siguiente tenga "
                                 "«responsable_protegida»")
        if stage.own_deadline is not None and not stage.records_schedule:
            raise refuse(row, "plazo_propio", "solo la etapa que fija el cronograma "
                         "(registra_cronograma = sí) lleva plazo propio")
        if stage.committee_quorum > 1 and not stage.protected_roles:
            raise refuse(row, "regla_comite", "un quórum solo vale en una etapa con "
                         "«responsable_protegida» (el Comité)")
        if stage.deadline.kind is DeadlineKind.SCHEDULE:
            if not schedule_stages:
                raise refuse(row, "plazo", "plazo «cronograma» sin ninguna etapa que registre "
                             "el cronograma")
            if stage.number < schedule_stages[0]:
                raise refuse(row, "plazo", f"plazo «cronograma» antes de la etapa "
                             f"{schedule_stages[0]}, que es la que fija el cronograma: esta "
                             "etapa no tendría fecha")
        if stage.number == 1 and [o.kind for o in stage.outcomes] != [OutcomeKind.FORWARD]:
            raise refuse(row, "salidas", "la etapa 1 es el registro de la solicitud: solo "
                         "«avanzar»")
    _check_material(stages, items, refuse)
    unreachable = _unreachable(stages)
    if unreachable:
        first = unreachable[0]
        raise refuse(items[first - 1][0], "etapa", f"la etapa {first} no se alcanza desde la "
                     "etapa 1: ninguna salida lleva a ella (revise los «avanzar:N» anteriores)")
    return Procedure(number, version, stages[0].procedure_name, tuple(stages))


def _check_material(stages: Sequence[StageRow], items: list[tuple[int, StageRow]],
                    refuse: Callable[[int, str, str], ProcedureTableError]) -> None:
    """Material produced must be approved before the last stage publishes it."""
    last = stages[-1]
    for column, flag in (("produce_material", last.produces_material),
                         ("aprueba_material", last.approves_material)):
        if flag:
            raise refuse(items[-1][0], column, "la última etapa publica: no produce ni "
                         "aprueba material (márquelo en una etapa anterior)")
    producing = [s.number for s in stages if s.produces_material]
    if producing and not any(s.approves_material and s.number > producing[-1]
                             for s in stages):
        raise refuse(items[producing[-1] - 1][0], "produce_material",
                     f"la etapa {producing[-1]} produce material, pero ninguna etapa "
                     "posterior lo aprueba antes de publicar (marque «aprueba_material»)")


def next_stages(stage: StageRow, last: int) -> dict[Outcome, int | None]:
    """Where each outcome of ``stage`` leads: a stage number, or None when it closes."""
    found: dict[Outcome, int | None] = {}
    for outcome in stage.outcomes:
        if outcome.kind is OutcomeKind.REJECT:
            found[outcome] = None
        elif outcome.target is not None:
            found[outcome] = outcome.target
        else:
            found[outcome] = stage.number + 1 if stage.number < last else None
    return found


def _unreachable(stages: Sequence[StageRow]) -> list[int]:
    last = len(stages)
    seen = {1}
    pending = [1]
    while pending:
        current = stages[pending.pop() - 1]
        for target in next_stages(current, last).values():
            if target is not None and target not in seen:
                seen.add(target)
                pending.append(target)
    return [n for n in range(1, last + 1) if n not in seen]


# -- procedures kept in a ledger tab --------------------------------------------------------


@dataclass(frozen=True)
class TableProblem:
    """Why some rows of the procedures tab do not count (``row`` 1 means the whole tab)."""

    row: int
    column: str
    value: str
    reason: str


def procedure_subject(number: int) -> str:
    """The subject of the system events that record changes to procedure ``number``."""
    return f"procedimiento:{number}"


FINGERPRINT = "huella"  # the key of a version's fingerprint in its publishing event's data
UNVOUCHED = ("la versión publicada en la pestaña no es la que registró la aplicación al "
             "publicarla (se editó a mano): no se aplica; restaure sus filas desde el "
             "historial de versiones de la hoja")


def published_procedures(
    rows: Sequence[tuple[int, Mapping[str, str]]], shipped: ProcedureSet,
    vouched: Callable[[Procedure], bool] = lambda _: True,
) -> tuple[ProcedureSet, list[TableProblem]]:
    """The published versions of a ledger tab, each validated on its own, over ``shipped``.

    A broken version does not hide the others: it is reported and skipped, and where a
    procedure is left with no valid version in the tab, the shipped one (the manual's)
    applies. Shipped versions stay readable for requests that started on them. A version
    that differs from the shipped one of its number must be ``vouched`` for (a signed
    event recorded its fingerprint): the tab is a sheet people can edit, and who acts at
    each stage must not follow a typed cell.
    """
    fallback = "rigen los procedimientos del manual incluidos en la aplicación"
    if not rows:
        return shipped, [TableProblem(1, "", "", "la pestaña no tiene ninguna versión "
                                      f"publicada: {fallback}")]
    groups: dict[tuple[str, str], list[tuple[int, Mapping[str, str]]]] = {}
    for number, row in rows:
        key = (str(row.get("procedimiento", "")).strip(), str(row.get("version", "")).strip())
        groups.setdefault(key, []).append((number, row))
    found = dict(shipped.procedures)
    problems: list[TableProblem] = []
    loaded: set[int] = set()
    for items in groups.values():
        try:
            table = load_procedures([r for _, r in items], row_numbers=[n for n, _ in items])
        except ProcedureTableError as error:
            problems.append(TableProblem(error.row, error.column, error.value,
                                         f"{error.reason} (esta versión no se aplica)"))
            continue
        for (number, version), procedure in table.procedures.items():
            if procedure != shipped.get(number, version) and not vouched(procedure):
                problems.append(TableProblem(items[0][0], "version", str(version), UNVOUCHED))
                continue
            found[(number, version)] = procedure
            loaded.add(number)
    for number in shipped.numbers():
        if number not in loaded:
            problems.append(TableProblem(
                1, "procedimiento", str(number), f"el procedimiento {number} no tiene ninguna "
                "versión publicada válida en la pestaña: rige la del manual incluida en la "
                "aplicación"))
    return ProcedureSet(found), problems
