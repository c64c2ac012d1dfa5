"""The procedure engine (core.workflow), pure: every procedure of the shipped table, every
stage, every role. Requests are driven with decide + evolve, one hour per action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from core_helpers import NOW, OTHER_UNIT, UNIT, Walk, person, request_for, valid_schedule

from core.domain.errors import (
    CommentRequired,
    ConcurrentChange,
    InvalidInput,
    NotAllowed,
    RequestClosed,
    TransitionNotAllowed,
)
from core.domain.models import Event, Request, Status, User
from core.domain.procedures import OutcomeKind
from core.domain.roles import UNIT_SCOPED_ROLES, Role
from core.domain.workflow import (
    allowed_actions,
    decide,
    evolve,
    initial_state,
    must_act_label,
    replay,
    stage_actions,
)
from sheets_schema import default_procedures

SHIPPED = default_procedures()
WalkFactory = Callable[..., Walk]

# Who acts at each stage, transcribed from the manual (section 12), not from the table.
MANUAL_PATHS = {
    1: [Role.DE, Role.UGS_HEAD, Role.PROFESSIONAL, Role.UGS_HEAD, Role.UNIT_HEAD, Role.DESIGN,
        Role.UGS_HEAD, Role.ADMIN],
    2: [Role.PROFESSIONAL, Role.UGS_HEAD, Role.DE, Role.DESIGN, Role.UGS_HEAD, Role.UNIT_HEAD,
        Role.ADMIN],
    3: [Role.REQUESTER, Role.DE, Role.UGS_HEAD, Role.PROFESSIONAL, Role.UNIT_HEAD, Role.DESIGN,
        Role.REQUESTER, Role.UGS_HEAD, Role.ADMIN],
}


def every_stage(*, with_protected: bool = False) -> Iterator[tuple[int, int, bool]]:
    for number in SHIPPED.numbers():
        for stage in SHIPPED.current(number).stages:
            yield number, stage.number, False
            if with_protected and stage.protected_roles:
                yield number, stage.number, True


def stage_id(number: int, stage: int, protected: bool) -> str:
    return f"{number}.{stage}" + ("-protegida" if protected else "")


def role_cases(*, inside: bool) -> list[object]:
    """(procedure, stage, protected, role) for the roles that do (or do not) act there."""
    cases = []
    for number, stage, protected in every_stage(with_protected=True):
        acting = SHIPPED.current(number).stage(stage).roles_for(protected)
        for role in Role:
            if (role in acting) == inside:
                cases.append(pytest.param(number, stage, protected, role,
                                          id=f"{stage_id(number, stage, protected)}-{role}"))
    return cases


def all_codes(number: int) -> list[str]:
    last = SHIPPED.current(number).last_stage
    return ["avanzar", "comite", "rechazar", "publicar",
            *(f"devolver:{k}" for k in range(1, last + 1))]


# -- the happy path ------------------------------------------------------------------------


@pytest.mark.parametrize("number", [1, 2, 3])
def test_each_procedure_reaches_publicada_with_the_people_the_manual_names(
    walk: WalkFactory, number: int
) -> None:
    flow = walk(number)
    for stage, role in enumerate(MANUAL_PATHS[number], start=1):
        assert flow.state.stage == stage
        assert flow.state.is_open
        event = flow.act("avanzar", person(role))
        assert (event.stage, event.role, event.seq) == (stage, role.value, stage)
    assert flow.state.status is Status.PUBLISHED
    assert flow.state.stage is None
    assert flow.state.seq == len(MANUAL_PATHS[number])
    assert flow.state.closed_at == flow.events[-1].at
    assert flow.events[-1].target_stage is None


@pytest.mark.parametrize(("number", "stage", "protected", "role"), role_cases(inside=True))
def test_every_role_the_table_names_at_a_stage_may_act_there(
    walk: WalkFactory, number: int, stage: int, protected: bool, role: Role
) -> None:
    flow = walk(number, protected=protected).to_stage(stage)
    assert "avanzar" in [a.code for a in allowed_actions(flow.state, person(role))]
    assert flow.act("avanzar", person(role)).role == role.value


# -- who may act ---------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "stage", "protected", "role"), role_cases(inside=False))
def test_a_role_the_stage_does_not_name_is_refused(
    walk: WalkFactory, number: int, stage: int, protected: bool, role: Role
) -> None:
    flow = walk(number, protected=protected).to_stage(stage)
    intruder = person(role)
    assert allowed_actions(flow.state, intruder) == []
    with pytest.raises(NotAllowed) as refused:
        flow.decide("avanzar", intruder)
    assert str(refused.value) == (
        f"La etapa {stage} corresponde a {must_act_label(flow.state)}; "
        f"«{intruder.full_name}» no puede actuar en ella."
    )


UNIT_SCOPED_STAGES = [
    pytest.param(number, stage, role, id=f"{number}.{stage}-{role}")
    for number, stage, _ in every_stage()
    for role in SHIPPED.current(number).stage(stage).roles if role in UNIT_SCOPED_ROLES
]


@pytest.mark.parametrize(("number", "stage", "role"), UNIT_SCOPED_STAGES)
def test_the_requesting_unit_roles_of_another_unit_are_refused(
    walk: WalkFactory, number: int, stage: int, role: Role
) -> None:
    flow = walk(number).to_stage(stage)
    outsider = person(role, OTHER_UNIT)
    assert allowed_actions(flow.state, outsider) == []
    with pytest.raises(NotAllowed, match=rf"\({UNIT}\); «{outsider.full_name}» no puede"):
        flow.decide("avanzar", outsider)
    assert flow.act("avanzar", person(role, UNIT)).role == role.value


def test_the_committee_is_not_scoped_to_the_requesting_unit(walk: WalkFactory) -> None:
    flow = walk(1, protected=True).to_stage(5)
    member = person(Role.COMMITTEE, "UAJ")
    assert [a.code for a in allowed_actions(flow.state, member)] == [
        "avanzar", "devolver:3", "rechazar"]


def test_a_deactivated_user_cannot_act(walk: WalkFactory) -> None:
    flow = walk(3).to_stage(2)
    former = person(Role.DE, active=False)
    assert allowed_actions(flow.state, former) == []
    with pytest.raises(NotAllowed):
        flow.decide("avanzar", former)
    with pytest.raises(NotAllowed):
        flow.decide("rechazar", former, comment="No corresponde.")


def test_a_user_with_several_roles_acts_in_the_one_the_stage_needs(walk: WalkFactory) -> None:
    flow = walk(3).to_stage(5)
    both = person(Role.REQUESTER).model_copy(update={"roles": (Role.REQUESTER, Role.UNIT_HEAD)})
    assert flow.act("avanzar", both).role == Role.REQUESTER.value


# -- outcomes a stage does not offer -------------------------------------------------------


@pytest.mark.parametrize(("number", "stage", "protected"),
                         [pytest.param(*c, id=stage_id(*c)) for c in every_stage()])
def test_an_outcome_the_stage_does_not_offer_is_refused_as_out_of_order(
    walk: WalkFactory, number: int, stage: int, protected: bool
) -> None:
    flow = walk(number, protected=protected).to_stage(stage)
    offered = {a.code for a in stage_actions(flow.state)}
    refused = [code for code in all_codes(number) if code not in offered]
    assert refused
    for code in refused:
        with pytest.raises(TransitionNotAllowed) as caught:
            flow.decide(code, comment="Observaciones.")
        assert str(caught.value).startswith(
            f"La acción «{code}» no corresponde a la etapa {stage} (")
    assert flow.state.stage == stage  # nothing moved


def test_a_return_to_a_stage_other_than_the_named_one_is_refused(walk: WalkFactory) -> None:
    flow = walk(1).to_stage(5)
    with pytest.raises(TransitionNotAllowed, match="«devolver:2» no corresponde a la etapa 5"):
        flow.decide("devolver:2", comment="Revisar.")


# -- concurrency -----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_stale_sequence_number_means_someone_else_acted_first(
    walk: WalkFactory, offset: int
) -> None:
    flow = walk(3).to_stage(3)
    with pytest.raises(ConcurrentChange) as caught:
        flow.decide("avanzar", expected_seq=flow.state.seq + offset)
    assert str(caught.value).startswith("Otra persona ya actuó sobre esta solicitud.")


# -- returns ---------------------------------------------------------------------------------

RETURNS = [  # (procedure, at stage, back to, who returns, protected)
    pytest.param(1, 5, 3, Role.UNIT_HEAD, False, id="1.5-to-3-by-unit-head"),
    pytest.param(1, 5, 3, Role.COMMITTEE, True, id="1.5-to-3-by-committee"),
    pytest.param(3, 5, 4, Role.REQUESTER, False, id="3.5-to-4-by-requester"),
    pytest.param(3, 5, 4, Role.UNIT_HEAD, False, id="3.5-to-4-by-unit-head"),
]


@pytest.mark.parametrize(("number", "stage", "target", "role", "protected"), RETURNS)
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_a_return_without_comment_is_refused(
    walk: WalkFactory, number: int, stage: int, target: int, role: Role, protected: bool,
    comment: str,
) -> None:
    flow = walk(number, protected=protected).to_stage(stage)
    with pytest.raises(CommentRequired) as caught:
        flow.decide(f"devolver:{target}", person(role), comment=comment)
    assert str(caught.value) == ("Para una devolución escriba un comentario con las "
                                 "observaciones.")


@pytest.mark.parametrize(("number", "stage", "target", "role", "protected"), RETURNS)
def test_a_return_goes_back_to_the_named_stage_and_restarts_its_clock(
    walk: WalkFactory, number: int, stage: int, target: int, role: Role, protected: bool
) -> None:
    flow = walk(number, protected=protected).to_stage(target)
    first_entry = flow.state.stage_started_at
    flow.to_stage(stage)
    event = flow.act(f"devolver:{target}", person(role), comment="  Falta el horario.  ")
    assert (event.target_stage, event.comment) == (target, "Falta el horario.")
    assert flow.state.stage == target
    assert flow.state.is_open
    assert flow.state.stage_started_at == event.at
    assert flow.state.stage_started_at > first_entry
    # The returned request goes on to publication the usual way.
    flow.to_stage(flow.procedure.last_stage).act()
    assert flow.state.status is Status.PUBLISHED
    assert flow.state.seq == flow.procedure.last_stage + (stage - target) + 1


def test_after_a_return_to_the_proposal_the_new_schedule_replaces_the_old(
    walk: WalkFactory,
) -> None:
    flow = walk(3).to_stage(5)
    assert flow.state.schedule == valid_schedule(flow.procedure)
    flow.act("devolver:4", person(Role.UNIT_HEAD), comment="Ajustar fechas.")
    later = {6: NOW.date() + timedelta(days=30)}
    flow.act("avanzar", person(Role.PROFESSIONAL), schedule=later)
    assert flow.state.schedule == later


# -- rejections ------------------------------------------------------------------------------

REJECTIONS = [pytest.param(2, 3, id="2.3"), pytest.param(3, 2, id="3.2")]


@pytest.mark.parametrize(("number", "stage"), REJECTIONS)
def test_a_rejection_needs_the_reasons(walk: WalkFactory, number: int, stage: int) -> None:
    flow = walk(number).to_stage(stage)
    with pytest.raises(CommentRequired) as caught:
        flow.decide("rechazar", person(Role.DE), comment=" ")
    assert str(caught.value) == "Para un rechazo escriba un comentario con las observaciones."


@pytest.mark.parametrize(("number", "stage"), REJECTIONS)
def test_a_rejected_request_accepts_no_more_actions(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number).to_stage(stage)
    event = flow.act("rechazar", person(Role.DE), comment="No corresponde a la política.")
    assert event.target_stage is None
    assert flow.state.status is Status.REJECTED
    assert flow.state.stage is None
    assert flow.state.closed_at == event.at
    for role in Role:
        for unit in (UNIT, OTHER_UNIT):
            assert allowed_actions(flow.state, person(role, unit)) == []
            for code in all_codes(number):
                with pytest.raises(RequestClosed) as caught:
                    flow.decide(code, person(role, unit), comment="Otra vez.")
                assert str(caught.value) == ("La solicitud SOL-2026-0001 ya está rechazada: "
                                             "no admite más acciones.")


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_published_request_accepts_no_more_actions(walk: WalkFactory, number: int) -> None:
    flow = walk(number)
    flow.to_stage(flow.procedure.last_stage).act()
    assert allowed_actions(flow.state, person(Role.ADMIN)) == []
    with pytest.raises(RequestClosed, match="ya está publicada: no admite más acciones"):
        flow.decide("avanzar", person(Role.ADMIN))


# -- the Committee route ---------------------------------------------------------------------

ROUTING = [pytest.param(1, 4, id="1.4-to-1.5"), pytest.param(2, 5, id="2.5-to-2.6")]


@pytest.mark.parametrize(("number", "stage"), ROUTING)
def test_the_ugs_head_may_route_the_approval_to_the_committee(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number).to_stage(stage)
    head = person(Role.UGS_HEAD)
    assert [(a.code, a.target_stage) for a in allowed_actions(flow.state, head)
            if a.outcome.kind is not OutcomeKind.RETURN] == [
        ("avanzar", stage + 1), ("comite", stage + 1)]
    assert allowed_actions(flow.state, head)[1].label == "Derivar al Comité (protegida por norma)"
    assert must_act_label(walk(number).to_stage(stage + 1).state) == (
        "Jefatura de unidad solicitante (NIC)")

    flow.act("comite", head, comment="Contiene datos protegidos por norma.")
    assert flow.state.stage == stage + 1
    assert flow.state.protected
    assert flow.state.roles_now() == (Role.COMMITTEE,)
    assert must_act_label(flow.state) == "Comité de aprobación de RRSS"
    unit_head = person(Role.UNIT_HEAD)
    assert allowed_actions(flow.state, unit_head) == []
    with pytest.raises(NotAllowed, match="corresponde a Comité de aprobación de RRSS"):
        flow.decide("avanzar", unit_head)
    assert flow.act("avanzar", person(Role.COMMITTEE, "UAJ")).role == "comite"
    assert flow.state.stage == stage + 2


@pytest.mark.parametrize(("number", "stage"), ROUTING)
def test_a_request_protected_at_intake_reaches_the_committee_with_plain_avanzar(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number, protected=True).to_stage(stage)
    head = person(Role.UGS_HEAD)
    assert [a.code for a in allowed_actions(flow.state, head)
            if a.outcome.kind is not OutcomeKind.RETURN] == ["avanzar"]
    with pytest.raises(TransitionNotAllowed):
        flow.decide("comite", head)
    flow.act("avanzar", head)
    assert flow.state.roles_now() == (Role.COMMITTEE,)
    assert allowed_actions(flow.state, person(Role.UNIT_HEAD)) == []


def test_a_request_returned_by_the_committee_stays_with_the_committee(
    walk: WalkFactory,
) -> None:
    flow = walk(1).to_stage(4)
    flow.act("comite", person(Role.UGS_HEAD))
    flow.act("devolver:3", person(Role.COMMITTEE), comment="Quitar los datos personales.")
    flow.to_stage(4)
    assert [a.code for a in allowed_actions(flow.state, person(Role.UGS_HEAD))] == ["avanzar"]
    flow.act("avanzar", person(Role.UGS_HEAD))
    assert flow.state.roles_now() == (Role.COMMITTEE,)


def test_protection_does_not_change_a_procedure_without_a_committee_stage(
    walk: WalkFactory,
) -> None:
    flow = walk(3, protected=True).to_stage(5)
    assert flow.state.roles_now() == (Role.REQUESTER, Role.UNIT_HEAD)


# -- the schedule (cronograma) at the proposal stage ----------------------------------------

PROPOSALS = [pytest.param(1, 3, id="1.3"), pytest.param(2, 1, id="2.1"),
             pytest.param(3, 4, id="3.4")]


@pytest.mark.parametrize(("number", "stage"), PROPOSALS)
def test_a_proposal_without_its_schedule_is_refused(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number).to_stage(stage)
    first = flow.procedure.scheduled_stages()[0]
    with pytest.raises(InvalidInput) as caught:
        flow.decide("avanzar", schedule={})
    assert str(caught.value) == (
        "El cronograma debe dar una fecha a cada etapa «de acuerdo a cronograma»: "
        f"falta la etapa {first}.")


def test_a_schedule_missing_one_of_several_stages_names_it(walk: WalkFactory) -> None:
    flow = walk(1).to_stage(3)
    schedule = valid_schedule(flow.procedure)
    del schedule[7]
    with pytest.raises(InvalidInput, match="falta la etapa 7"):
        flow.decide("avanzar", schedule=schedule)


def test_a_schedule_running_backwards_is_refused(walk: WalkFactory) -> None:
    flow = walk(1).to_stage(3)
    day = NOW.date()
    with pytest.raises(InvalidInput) as caught:
        flow.decide("avanzar", schedule={6: day + timedelta(days=5),
                                         7: day + timedelta(days=3),
                                         8: day + timedelta(days=6)})
    assert str(caught.value) == ("El cronograma va hacia atrás: la etapa 7 (13/03/2026) es "
                                 "anterior a la etapa 6 (15/03/2026).")


@pytest.mark.parametrize(("number", "stage"), PROPOSALS)
def test_a_schedule_date_in_the_past_is_refused(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number).to_stage(stage)
    schedule = valid_schedule(flow.procedure)
    first = min(schedule)
    schedule[first] = NOW.date() - timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        flow.decide("avanzar", schedule=schedule)
    assert str(caught.value) == f"La fecha de la etapa {first} (09/03/2026) ya pasó."


@pytest.mark.parametrize(("number", "stage"), PROPOSALS)
def test_a_schedule_beyond_the_publication_window_is_refused(
    walk: WalkFactory, number: int, stage: int
) -> None:
    flow = walk(number, publish_to=NOW.date() + timedelta(days=20)).to_stage(stage)
    schedule = {n: NOW.date() + timedelta(days=21) for n in flow.procedure.scheduled_stages()}
    with pytest.raises(InvalidInput) as caught:
        flow.decide("avanzar", schedule=schedule)
    assert str(caught.value) == ("El cronograma termina el 31/03/2026, después del fin de la "
                                 "ventana de publicación (30/03/2026).")


@pytest.mark.parametrize(("number", "stage"), PROPOSALS)
def test_a_schedule_from_today_to_the_last_day_of_the_window_is_recorded(
    walk: WalkFactory, number: int, stage: int
) -> None:
    end = NOW.date() + timedelta(days=20)
    flow = walk(number, publish_to=end).to_stage(stage)
    stages = flow.procedure.scheduled_stages()
    schedule = {n: NOW.date() for n in stages[:-1]} | {stages[-1]: end, 99: NOW.date()}
    event = flow.act("avanzar", schedule=schedule)
    expected = {n: schedule[n] for n in stages}
    assert flow.state.schedule == expected
    assert event.payload() == {"cronograma": {str(n): d.isoformat() for n, d in expected.items()}}


def test_only_the_forward_outcome_of_the_proposal_stage_records_a_schedule(
    walk: WalkFactory,
) -> None:
    flow = walk(1).to_stage(5)
    event = flow.act("devolver:3", person(Role.UNIT_HEAD), comment="Revisar.",
                     schedule={6: NOW.date() - timedelta(days=3)})
    assert event.data == ""


# -- replay ----------------------------------------------------------------------------------


def rows(events: list[Event]) -> list[tuple[int, Event]]:
    return [(n, e) for n, e in enumerate(events, start=2)]


@pytest.mark.parametrize("number", [1, 2, 3])
def test_replaying_the_events_rebuilds_the_state_the_engine_reached(
    walk: WalkFactory, number: int
) -> None:
    flow = walk(number).to_stage(SHIPPED.current(number).last_stage - 1)
    state, issues = replay(flow.state.request, flow.procedure, reversed(rows(flow.events)))
    assert issues == []
    assert state == flow.state


def test_of_two_events_with_the_same_sequence_the_first_row_wins(walk: WalkFactory) -> None:
    flow = walk(3).to_stage(2)
    rejection = flow.decide("rechazar", person(Role.DE), comment="No.")
    flow.to_stage(4)
    stored = [*rows(flow.events), (9, rejection)]  # written later, at row 9
    state, issues = replay(flow.state.request, flow.procedure, stored)
    assert (state.status, state.stage, state.seq) == (Status.IN_PROGRESS, 4, 3)
    assert state.superseded == (rejection,)
    assert [(i.row, i.field, i.value) for i in issues] == [(9, "seq", "2")]
    assert issues[0].reason == ("evento duplicado de la solicitud SOL-2026-0001: prevalece la "
                                "primera fila, esta queda como superada")


def test_when_the_duplicate_is_the_first_row_it_wins_and_later_events_are_reported(
    walk: WalkFactory,
) -> None:
    flow = walk(3).to_stage(2)
    rejection = flow.decide("rechazar", person(Role.DE), comment="No.")
    flow.to_stage(4)
    first, approval, derivation = flow.events
    stored = [(2, first), (3, rejection), (4, approval), (5, derivation)]
    state, issues = replay(flow.state.request, flow.procedure, stored)
    assert state.status is Status.REJECTED
    assert state.superseded == (approval,)
    assert [(i.row, i.field) for i in issues] == [(4, "seq"), (5, "outcome")]
    assert issues[1].reason.endswith("la solicitud ya estaba cerrada")


BAD_EVENTS = {
    "wrong stage": ({"stage": 5}, "registra la etapa 5 pero la solicitud estaba en la 2"),
    "wrong role": ({"role": "editor"}, "el rol «editor» no actúa en la etapa 2"),
    "outcome the stage lacks": ({"outcome": "devolver:1"},
                                "la acción «devolver:1» no existe en la etapa 2"),
    "wrong target stage": ({"target_stage": 7}, "la etapa de destino no corresponde a la acción"),
    "skipped sequence number": ({"seq": 3}, "falta el evento con secuencia 2"),
}


@pytest.mark.parametrize(("change", "reason"), BAD_EVENTS.values(), ids=BAD_EVENTS)
def test_an_event_that_cannot_follow_is_reported_with_its_row_and_skipped(
    walk: WalkFactory, change: dict[str, object], reason: str
) -> None:
    flow = walk(3).to_stage(3)
    bad = flow.events[1].model_copy(update=change)
    state, issues = replay(flow.state.request, flow.procedure, [(2, flow.events[0]), (7, bad)])
    assert (state.stage, state.seq, state.events) == (2, 1, (flow.events[0],))
    assert len(issues) == 1
    assert (issues[0].row, issues[0].field) == (7, "outcome")
    assert issues[0].reason == f"evento ignorado (SOL-2026-0001): {reason}"


def test_replay_checks_roles_against_the_committee_once_a_request_is_routed(
    walk: WalkFactory,
) -> None:
    flow = walk(2).to_stage(5)
    flow.act("comite", person(Role.UGS_HEAD))
    forged = flow.decide("avanzar", person(Role.COMMITTEE)).model_copy(
        update={"role": "jefe_unidad", "actor": "jefe_unidad.nic"})
    state, issues = replay(flow.state.request, flow.procedure, [*rows(flow.events), (20, forged)])
    assert state.stage == 6
    assert [(i.row, i.reason) for i in issues] == [
        (20, "evento ignorado (SOL-2026-0001): el rol «jefe_unidad» no actúa en la etapa 6")]


def test_a_request_without_events_is_still_at_stage_one() -> None:
    request = request_for(SHIPPED.current(2))
    state, issues = replay(request, SHIPPED.current(2), [])
    assert state == initial_state(request, SHIPPED.current(2))
    assert (state.stage, state.seq, state.stage_started_at, issues) == (1, 0, NOW, [])
    assert [a.code for a in stage_actions(state)] == ["avanzar"]



def test_a_schedule_that_publishes_before_the_window_opens_is_refused():
    procedure = SHIPPED.current(1)
    request = Request(request_id="SOL-X", created_at=NOW, created_by="de", procedure=1,
                      version=procedure.version, title="t", unit="UGS",
                      publish_from=date(2026, 4, 1), publish_to=date(2026, 4, 30))
    state = initial_state(request, procedure)
    users = {role: User(username=role.value, full_name=role.value, roles=(role,), unit="UGS",
                        created_at=NOW) for role in Role}
    for seq, role in enumerate((Role.DE, Role.UGS_HEAD), start=1):
        state = evolve(state, decide(state, users[role], "avanzar", comment="", now=NOW,
                                     event_id=f"e{seq}", expected_seq=state.seq))
    early = {6: date(2026, 3, 20), 7: date(2026, 3, 23), 8: date(2026, 3, 24)}
    with pytest.raises(InvalidInput, match=r"antes del inicio de la ventana de publicación "
                                           r"\(01/04/2026\)"):
        decide(state, users[Role.PROFESSIONAL], "avanzar", comment="", now=NOW,
               event_id="e3", expected_seq=state.seq, schedule=early)
    inside = {6: date(2026, 3, 30), 7: date(2026, 3, 31), 8: date(2026, 4, 2)}
    assert decide(state, users[Role.PROFESSIONAL], "avanzar", comment="", now=NOW,
                  event_id="e3", expected_seq=state.seq, schedule=inside).seq == 3
