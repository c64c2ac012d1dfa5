"""The procedure table: the shipped CSV loads as the manual says, and broken edits of it are
refused with a message that names the row («fila N») and the column.

Broken tables are the shipped rows edited in memory. Data rows start at sheet row 2, so
procedure 1 stage s is «fila s+1», procedure 2 stage s is «fila s+9», procedure 3 stage s
is «fila s+16».
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

import pytest
from core_helpers import Walk, person

from core.domain.errors import InvalidDefinition, NotAllowed
from core.domain.procedures import (
    TABLE_COLUMNS,
    DeadlineKind,
    Outcome,
    OutcomeKind,
    ProcedureSet,
    load_procedures,
)
from core.domain.roles import Role
from core.domain.workflow import replay
from sheets_schema import PROCEDURES_CSV


def shipped_rows() -> list[dict[str, str]]:
    with PROCEDURES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sheet_row(procedure: int, stage: int) -> int:
    return {1: 1, 2: 9, 3: 16}[procedure] + stage


def edited(procedure: int, stage: int, **cells: str) -> list[dict[str, str]]:
    """The shipped rows with some cells of one stage replaced."""
    rows = shipped_rows()
    target = next(r for r in rows if (r["procedimiento"], r["etapa"]) == (str(procedure),
                                                                           str(stage)))
    target.update(cells)
    return rows


def refusal(rows: list[dict[str, str]]) -> str:
    with pytest.raises(InvalidDefinition) as caught:
        load_procedures(rows)
    return str(caught.value)


# -- the shipped table ---------------------------------------------------------------------


def test_the_shipped_table_has_three_procedures_of_eight_seven_and_nine_stages(
    procedures: ProcedureSet,
) -> None:
    assert procedures.numbers() == [1, 2, 3]
    assert [procedures.current(n).last_stage for n in (1, 2, 3)] == [8, 7, 9]
    assert [procedures.current(n).name for n in (1, 2, 3)] == [
        "Publicación de promoción",
        "Publicación de imágenes con diseño",
        "Publicación de información específica",
    ]


def test_the_table_header_has_every_column_the_loader_knows() -> None:
    with PROCEDURES_CSV.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == list(TABLE_COLUMNS)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_stage_keeps_the_manual_clause_it_comes_from(
    procedures: ProcedureSet, number: int
) -> None:
    procedure = procedures.current(number)
    assert [s.clause for s in procedure.stages] == [
        f"12.{number} etapa {s}" for s in range(1, procedure.last_stage + 1)
    ]
    assert all(s.action_label and s.activity for s in procedure.stages)


def test_the_committee_replaces_the_unit_head_only_after_the_ugs_routing_stages(
    procedures: ProcedureSet,
) -> None:
    with_committee = {
        (n, s.number): [o.code for o in s.outcomes]
        for n in (1, 2, 3) for s in procedures.current(n).stages
        if any(o.kind is OutcomeKind.COMMITTEE for o in s.outcomes)
    }
    assert with_committee == {(1, 4): ["avanzar", "comite"], (2, 5): ["avanzar", "comite"]}
    protected = {
        (n, s.number): s.protected_roles
        for n in (1, 2, 3) for s in procedures.current(n).stages if s.protected_roles
    }
    assert protected == {(1, 5): (Role.COMMITTEE,), (2, 6): (Role.COMMITTEE,)}
    assert procedures.current(1).stage(5).roles_for(protected=True) == (Role.COMMITTEE,)
    assert procedures.current(1).stage(5).roles_for(protected=False) == (Role.UNIT_HEAD,)


def test_returns_go_from_one_point_five_to_three_and_three_point_five_to_four(
    procedures: ProcedureSet,
) -> None:
    returns = {
        (n, s.number): o.target
        for n in (1, 2, 3) for s in procedures.current(n).stages for o in s.outcomes
        if o.kind is OutcomeKind.RETURN
    }
    assert returns == {(1, 5): 3, (3, 5): 4}


def test_only_the_director_rejects_at_two_point_three_and_three_point_two(
    procedures: ProcedureSet,
) -> None:
    rejections = {
        (n, s.number): s.roles
        for n in (1, 2, 3) for s in procedures.current(n).stages for o in s.outcomes
        if o.kind is OutcomeKind.REJECT
    }
    assert rejections == {(2, 3): (Role.DE,), (3, 2): (Role.DE,)}


@pytest.mark.parametrize(("number", "deadlines"), [
    (1, ["variable", "1", "cronograma", "1", "1", "cronograma", "cronograma", "cronograma"]),
    (2, ["variable", "1", "1", "cronograma", "1", "1", "1"]),
    (3, ["variable", "1", "1", "cronograma", "1", "cronograma", "1", "1", "1"]),
])
def test_deadlines_follow_the_manual_plazo_referencial(
    procedures: ProcedureSet, number: int, deadlines: list[str]
) -> None:
    assert [s.deadline.code for s in procedures.current(number).stages] == deadlines


@pytest.mark.parametrize(("number", "schedule_stage", "scheduled"), [
    (1, 3, [6, 7, 8]), (2, 1, [4]), (3, 4, [6]),
])
def test_the_proposal_stage_fixes_the_dates_of_the_later_schedule_stages(
    procedures: ProcedureSet, number: int, schedule_stage: int, scheduled: list[int]
) -> None:
    procedure = procedures.current(number)
    assert procedure.schedule_stage == schedule_stage
    assert procedure.scheduled_stages() == scheduled


def test_deadline_labels_are_the_manual_words_in_spanish(procedures: ProcedureSet) -> None:
    stages = procedures.current(1).stages
    assert [stages[0].deadline.label, stages[1].deadline.label, stages[2].deadline.label] == [
        "Variable", "1 día hábil", "De acuerdo a cronograma"]


# -- broken tables -------------------------------------------------------------------------

Case = tuple[Callable[[], list[dict[str, str]]], int, str, str]

BROKEN: dict[str, Case] = {
    "unknown role": (
        lambda: edited(1, 2, responsable="jefa_ugs"), sheet_row(1, 2), "responsable",
        "rol desconocido «jefa_ugs»"),
    "unknown protected role": (
        lambda: edited(1, 5, responsable_protegida="comision"), sheet_row(1, 5),
        "responsable_protegida", "rol desconocido «comision»"),
    "no role at all": (
        lambda: edited(3, 3, responsable=" "), sheet_row(3, 3), "responsable",
        "falta el rol responsable"),
    "deadline in words": (
        lambda: edited(1, 2, plazo="mañana"), sheet_row(1, 2), "plazo",
        "plazo no reconocido"),
    "deadline of zero days": (
        lambda: edited(2, 3, plazo="0"), sheet_row(2, 3), "plazo", "plazo no reconocido"),
    "unknown outcome": (
        lambda: edited(1, 5, salidas="avanzar; aprobar"), sheet_row(1, 5), "salidas",
        "salida desconocida «aprobar»"),
    "return without a stage": (
        lambda: edited(3, 5, salidas="avanzar; devolver"), sheet_row(3, 5), "salidas",
        "una devolución debe indicar la etapa"),
    "return to a later stage": (
        lambda: edited(1, 5, salidas="avanzar; devolver:7"), sheet_row(1, 5), "salidas",
        "«devolver:7» debe volver a una etapa anterior"),
    "return to the same stage": (
        lambda: edited(3, 5, salidas="avanzar; devolver:5"), sheet_row(3, 5), "salidas",
        "«devolver:5» debe volver a una etapa anterior"),
    "a stage without avanzar": (
        lambda: edited(2, 3, salidas="rechazar"), sheet_row(2, 3), "salidas",
        "toda etapa necesita «avanzar»"),
    "a repeated outcome": (
        lambda: edited(2, 3, salidas="avanzar; rechazar; rechazar"), sheet_row(2, 3),
        "salidas", "salida repetida"),
    "a gap in stage numbers": (
        lambda: edited(1, 8, etapa="9"), sheet_row(1, 8), "etapa",
        "se esperaba la etapa 8 y hay la 9"),
    "a repeated stage number": (
        lambda: edited(2, 5, etapa="4"), sheet_row(2, 5), "etapa",
        "se esperaba la etapa 5 y hay la 4"),
    "comite without a protected role on the next stage": (
        lambda: edited(1, 5, responsable_protegida=""), sheet_row(1, 4), "salidas",
        "«comite» requiere que la etapa siguiente tenga «responsable_protegida»"),
    "comite at a stage whose next stage has no committee": (
        lambda: edited(3, 4, salidas="avanzar; comite"), sheet_row(3, 4), "salidas",
        "«comite» requiere que la etapa siguiente tenga «responsable_protegida»"),
    "comite at the last stage": (
        lambda: edited(2, 7, salidas="avanzar; comite"), sheet_row(2, 7), "salidas",
        "«comite» requiere"),
    "schedule deadline without a schedule stage": (
        lambda: edited(1, 3, registra_cronograma="no", plazo_propio=""), sheet_row(1, 3),
        "plazo",
        "plazo «cronograma» sin ninguna etapa que registre el cronograma"),
    "an own deadline on a stage that does not fix the schedule": (
        lambda: edited(1, 4, plazo_propio="2"), sheet_row(1, 4), "plazo_propio",
        "solo la etapa que fija el cronograma"),
    "a quorum where the Committee does not act": (
        lambda: edited(1, 4, regla_comite="quorum:2"), sheet_row(1, 4), "regla_comite",
        "un quórum solo vale en una etapa con «responsable_protegida»"),
    "a Committee rule that is not one": (
        lambda: edited(1, 5, regla_comite="mayoría"), sheet_row(1, 5), "regla_comite",
        "regla del Comité no reconocida"),
    "two schedule stages": (
        lambda: edited(3, 6, registra_cronograma="sí"), sheet_row(3, 6), "registra_cronograma",
        "solo una etapa puede registrar el cronograma"),
    "a yes/no cell that is neither": (
        lambda: edited(3, 4, registra_cronograma="quizás"), sheet_row(3, 4),
        "registra_cronograma", "use «sí» o «no»"),
    "stage 1 with more than avanzar": (
        lambda: edited(1, 1, salidas="avanzar; rechazar"), sheet_row(1, 1), "salidas",
        "la etapa 1 es el registro de la solicitud: solo «avanzar»"),
    "a missing clause": (
        lambda: edited(2, 4, clausula=""), sheet_row(2, 4), "clausula", "no puede estar vacío"),
    "a non-numeric version": (
        lambda: edited(3, 9, version="uno"), sheet_row(3, 9), "version",
        "debe ser un número entero"),
    "a procedure name that differs from stage 1": (
        lambda: edited(2, 6, nombre="Imágenes"), sheet_row(2, 6), "nombre",
        "el nombre del procedimiento difiere del de la etapa 1"),
}


@pytest.mark.parametrize(("make", "row", "column", "reason"), BROKEN.values(), ids=BROKEN)
def test_a_broken_table_is_refused_naming_the_row_and_the_column(
    make: Callable[[], list[dict[str, str]]], row: int, column: str, reason: str
) -> None:
    message = refusal(make())
    assert message.startswith("Tabla de procedimientos")
    assert f"fila {row}," in message
    assert f"columna «{column}»" in message
    assert reason in message


def test_a_missing_key_column_is_refused_by_name() -> None:
    rows = shipped_rows()
    for row in rows:
        del row["salidas"]
    assert refusal(rows) == "Tabla de procedimientos: falta la columna «salidas»."


def test_a_missing_descriptive_column_is_refused_at_the_first_row() -> None:
    rows = shipped_rows()
    for row in rows:
        del row["clausula"]
    message = refusal(rows)
    assert "fila 2, columna «clausula»" in message
    assert "falta el valor" in message


def test_an_empty_table_is_refused() -> None:
    assert refusal([]) == "La tabla de procedimientos está vacía."


def test_blank_rows_are_skipped_and_still_counted_in_row_numbers() -> None:
    rows = shipped_rows()
    blank = dict.fromkeys(rows[0], "")
    rows.insert(3, blank)  # a blank sheet row 5: procedure 1 stage 4 moves to row 6
    assert load_procedures(rows).current(1).last_stage == 8
    rows[4]["salidas"] = "avanzar; devolver:9"
    assert "fila 6, columna «salidas»" in refusal(rows)


def test_row_numbers_start_where_the_caller_says_the_data_starts() -> None:
    with pytest.raises(InvalidDefinition, match=re.escape("fila 12, columna «plazo»")):
        load_procedures(edited(1, 2, plazo="pronto"), first_row=11)


def test_a_new_version_applies_to_new_requests_and_the_old_one_is_kept() -> None:
    rows = shipped_rows()
    revised = [dict(r, version="2") for r in rows if r["procedimiento"] == "3"]
    revised[4]["plazo"] = "2"  # the revision gives stage 5 two working days
    procedures = load_procedures(rows + revised)
    assert procedures.current(3).version == 2
    assert procedures.current(3).stage(5).deadline.label == "2 días hábiles"
    old = procedures.get(3, 1)
    assert old is not None and old.stage(5).deadline.label == "1 día hábil"
    assert procedures.current(1).version == 1


def test_an_unknown_procedure_number_is_refused_in_spanish(procedures: ProcedureSet) -> None:
    with pytest.raises(InvalidDefinition, match="No existe el procedimiento 4"):
        procedures.current(4)


def test_outcome_cells_accept_commas_spaces_and_capitals() -> None:
    procedures = load_procedures(edited(1, 5, salidas=" Avanzar ,  DEVOLVER:3 "))
    assert procedures.current(1).stage(5).outcomes == (
        Outcome(OutcomeKind.FORWARD), Outcome(OutcomeKind.RETURN, 3))
    assert procedures.current(1).stage(5).deadline.kind is DeadlineKind.WORKING_DAYS


# -- columns added to the table: the schedule stage's own deadline, the Committee's rule ------


def test_a_table_without_the_newer_columns_loads_with_the_manuals_defaults() -> None:
    rows = [{k: v for k, v in row.items() if k not in ("plazo_propio", "regla_comite")}
            for row in shipped_rows()]
    procedure = load_procedures(rows).current(1)
    assert procedure.stage(3).own_deadline is None
    assert procedure.stage(5).committee_quorum == 1


def test_the_shipped_schedule_stages_have_their_own_deadline_and_the_committee_one_member(
) -> None:
    shipped = load_procedures(shipped_rows())
    for number, stage in ((1, 3), (3, 4)):
        row = shipped.current(number).stage(stage)
        assert row.records_schedule and row.own_deadline is not None
        assert row.own_deadline.days == 2 and "plazo_propio" in row.interpretation
    for number, stage in ((1, 5), (2, 6)):
        row = shipped.current(number).stage(stage)
        assert row.committee_quorum == 1 and row.committee_rule_label == "Basta un miembro"
        assert "regla_comite" in row.interpretation


def test_every_interpretation_is_marked_in_the_table() -> None:
    rows = {(r["procedimiento"], r["etapa"]): r["interpretacion"] for r in shipped_rows()}
    working_days = [key for key, text in rows.items() if "«N días» son días hábiles" in text]
    numbered = [(r["procedimiento"], r["etapa"]) for r in shipped_rows()
                if r["plazo"].strip().isdigit()]
    assert sorted(working_days) == sorted(numbered), "every «N días» says it means working days"
    for key in (("1", "1"), ("2", "1")):
        assert "elige la unidad solicitante" in rows[key]


def test_a_quorum_makes_the_committee_approve_with_that_many_different_members() -> None:
    procedure = load_procedures(edited(2, 6, regla_comite="quorum:2")).current(2)
    walk = Walk(procedure, protected=True).to_stage(6)
    first = person(Role.COMMITTEE).model_copy(update={"username": "comite.a"})
    second = person(Role.COMMITTEE).model_copy(update={"username": "comite.b"})
    vote = walk.act("avanzar", first)
    assert (vote.outcome, walk.state.stage, walk.state.votes) == ("voto", 6, ("comite.a",))
    with pytest.raises(NotAllowed, match="Usted ya aprobó la etapa 6"):
        walk.decide("avanzar", first)
    walk.act("avanzar", second)
    assert (walk.state.stage, walk.state.votes) == (7, ())
    replayed, problems = replay(walk.state.request, procedure,
                                list(enumerate(walk.events, start=2)))
    assert problems == [] and replayed.stage == 7
    assert len(replayed.events) == len(walk.events) - 1, "a vote is not a stage completion"


def test_with_one_member_the_first_approval_moves_the_request_on() -> None:
    procedure = load_procedures(shipped_rows()).current(2)
    walk = Walk(procedure, protected=True).to_stage(6)
    walk.act("avanzar", person(Role.COMMITTEE))
    assert walk.state.stage == 7
