"""The procedure engine: pure functions over a request's events.

Given a request and its events, :func:`replay` yields where the request stands; given a
user, :func:`allowed_actions` lists what they may do now; :func:`decide` turns a choice
into the event to append, or refuses it with a domain error. Time and ids are passed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from core.domain.errors import (
    CommentRequired,
    ConcurrentChange,
    EarlyPublication,
    InvalidInput,
    NotAllowed,
    RequestClosed,
    TransitionNotAllowed,
)
from core.domain.models import MAX_CELL_CHARS, Event, EventKind, Request, Status, User
from core.domain.permissions import Capability, PermissionMatrix
from core.domain.procedures import (
    VOTE,
    Outcome,
    OutcomeKind,
    Procedure,
    StageRow,
    next_stages,
)
from core.domain.roles import UNIT_SCOPED_ROLES, Role
from core.domain.validation import thousands


class Exit(StrEnum):
    """Ways out that are not a stage's outcome: capabilities of the permission matrix.

    Interpretations (manual silent, marked in permissions.csv): the requester may withdraw
    a request before it is published; the DE or the UGS head may cancel it with a reason.
    """

    WITHDRAW = "retirar"
    CANCEL = "cancelar"

    @property
    def status(self) -> Status:
        return Status.WITHDRAWN if self is Exit.WITHDRAW else Status.CANCELLED

    @property
    def capability(self) -> Capability:
        return Capability.WITHDRAW if self is Exit.WITHDRAW else Capability.CANCEL

    @property
    def label(self) -> str:
        return "Retirar la solicitud" if self is Exit.WITHDRAW else "Cancelar la solicitud"


# An observation by someone the manual routes the work through («mediante la jefatura de
# la UGS»): recorded as an event that neither moves the request nor restarts its clock.
NOTE = "comentar"
NOTE_LABEL = "Observación (con copia)"
EXIT_CODES = frozenset(e.value for e in Exit)

# How an instruction recorded on someone's behalf reached the person who recorded it.
ROUTES: dict[str, str] = {
    "verbal": "Instrucción verbal", "llamada": "Llamada telefónica", "nota": "Nota interna",
    "mensaje": "Mensaje", "correo": "Correo electrónico",
}
ON_BEHALF_KEY = "en_nombre_de"
ROUTE_KEY = "via"


def outcome_kind(event: Event) -> str:
    """What kind of step an event is: an OutcomeKind value, an Exit value or NOTE."""
    return event.outcome.partition(":")[0]


def is_transition(event: Event) -> bool:
    """Whether the event is a stage's outcome (it ends a visit to the stage)."""
    return event.outcome not in EXIT_CODES and event.outcome != NOTE


@dataclass(frozen=True)
class EventProblem:
    """A stored event that replay could not apply: its sheet row, which field, why."""

    row: int
    field: str
    value: str
    reason: str


@dataclass(frozen=True)
class Action:
    """One thing a user may do at the current stage."""

    outcome: Outcome
    label: str
    target_stage: int | None  # None when the action closes the request

    @property
    def code(self) -> str:
        return self.outcome.code

    @property
    def requires_comment(self) -> bool:
        return self.outcome.requires_comment


@dataclass(frozen=True)
class RequestState:
    """Where one request stands after replaying its events."""

    request: Request
    procedure: Procedure
    status: Status
    stage: int | None
    protected: bool
    seq: int
    stage_started_at: datetime
    schedule: Mapping[int, date] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    superseded: tuple[Event, ...] = ()
    votes: tuple[str, ...] = ()  # Committee members who approved this stage, short of quorum
    # Why nobody may act (a row of its events edited or missing in the sheet): "" if none.
    # An unsigned event is never obeyed; holding the request keeps it from being undone.
    held: str = ""

    @property
    def is_open(self) -> bool:
        return self.status is Status.IN_PROGRESS

    @property
    def stage_row(self) -> StageRow | None:
        return self.procedure.stage(self.stage) if self.stage else None

    def roles_now(self) -> tuple[Role, ...]:
        row = self.stage_row
        return row.roles_for(self.protected) if row else ()

    @property
    def closed_at(self) -> datetime | None:
        return None if self.is_open or not self.events else self.events[-1].at


def initial_state(request: Request, procedure: Procedure) -> RequestState:
    return RequestState(
        request=request, procedure=procedure, status=Status.IN_PROGRESS, stage=1,
        protected=request.protected, seq=0, stage_started_at=request.created_at,
    )


def acting_role(state: RequestState, user: User) -> Role | None:
    """The role in which ``user`` may act at the current stage, if any."""
    if not state.is_open or not user.active or state.held:
        return None
    for role in state.roles_now():
        if not user.has(role):
            continue
        if role in UNIT_SCOPED_ROLES and user.unit != state.request.unit:
            continue
        return role
    return None


def is_requester(state: RequestState, user: User) -> bool:
    """Whether ``user`` asked for the publication: registered it (or had it registered in
    their name), or heads the requesting unit of a procedure the unit itself starts."""
    request = state.request
    if user.username == request.created_by:
        return True
    first = state.procedure.stage(1)
    return (all(r in UNIT_SCOPED_ROLES for r in first.roles) and user.has(Role.UNIT_HEAD)
            and user.unit == request.unit)


def who_can_act(state: RequestState, users: Iterable[User]) -> list[User]:
    """Active users who may act at the current stage (unit and self-approval included)."""
    return sorted((u for u in users if u.active and allowed_actions(state, u)),
                  key=lambda u: u.username)


def has_actor(state: RequestState, users: Iterable[User]) -> bool:
    """Whether any of ``users`` may act at the current stage (:func:`who_can_act`, faster)."""
    return any(acting_role(state, u) is not None and not decides_own_request(state, u)
               for u in users)


def unstaffed_stages(procedure: Procedure, request: Request, users: Iterable[User]
                     ) -> list[int]:
    """Stages after the first that nobody active could take on the request's route.

    A request whose stage nobody holds waits for ever: registration refuses it.
    """
    people = [u for u in users if u.active]
    base = initial_state(request, procedure)
    return [n for n in range(2, procedure.last_stage + 1)
            if not has_actor(replace(base, stage=n), people)]


def copied_roles(state: RequestState) -> tuple[Role, ...]:
    """Roles informed of the step that led here («mediante la jefatura de la UGS»), who
    may add an observation while the request is at this stage."""
    if not state.is_open or state.held:
        return ()
    last = next((e for e in reversed(state.events) if is_transition(e)), None)
    if last is None or last.stage is None or outcome_kind(last) == OutcomeKind.RETURN:
        return ()
    return state.procedure.stage(last.stage).copy_roles


def latest_observation(state: RequestState) -> Event | None:
    """The last return, rejection, withdrawal, cancellation or observation with words."""
    wanted = {OutcomeKind.RETURN.value, OutcomeKind.REJECT.value, NOTE, *EXIT_CODES}
    return next((e for e in reversed(state.events)
                 if outcome_kind(e) in wanted and e.comment.strip()), None)


def on_behalf_of(event: Event) -> str:
    """The user name an event was recorded for ("" when the actor acted for themselves)."""
    return str(event.payload().get(ON_BEHALF_KEY, "")) if event.data else ""


def _label(stage: StageRow, outcome: Outcome, procedure: Procedure) -> str:
    if outcome.kind is OutcomeKind.FORWARD:
        return stage.action_label
    if outcome.kind is OutcomeKind.COMMITTEE:
        return "Derivar al Comité (protegida por norma)"
    if outcome.kind is OutcomeKind.RETURN:
        assert outcome.target is not None
        return f"Devolver a la etapa {outcome.target} con observaciones"
    return "Rechazar"


def _target(state: RequestState, outcome: Outcome) -> int | None:
    row = state.stage_row
    assert row is not None
    return next_stages(row, state.procedure.last_stage)[outcome]


def event_label(procedure: Procedure, event: Event) -> str:
    """What an event did, in the words of the button that made it."""
    if event.outcome in EXIT_CODES:
        return Exit(event.outcome).label
    if event.outcome == NOTE:
        return NOTE_LABEL
    if not event.stage or event.stage > procedure.last_stage:
        return event.outcome
    row = procedure.stage(event.stage)
    outcome = next((o for o in row.outcomes if o.code == event.outcome), None)
    if outcome is None:
        back = procedure.reapproval(event.stage)
        if back is not None and back.outcome.code == event.outcome:
            return f"Material cambiado: vuelve a la etapa {back.target} para aprobarlo"
    return _label(row, outcome, procedure) if outcome else event.outcome


def stage_actions(state: RequestState) -> list[Action]:
    """Every action the current stage offers, whoever may take it."""
    row = state.stage_row
    if row is None:
        return []
    actions = []
    for outcome in row.outcomes_for(state.protected):
        if outcome.kind is OutcomeKind.COMMITTEE and state.protected:
            continue  # already routed to the Committee: plain forward does it
        actions.append(Action(outcome, _label(row, outcome, state.procedure),
                              _target(state, outcome)))
    return actions


def decides_own_request(state: RequestState, user: User) -> bool:
    """Whether ``user`` registered the request and this stage's decision is someone else's.

    The procedure table says so per stage (``permite_autoaprobacion``): where the manual
    gives an approval to another person, the requester may not give it to themselves.
    """
    row = state.stage_row
    return (row is not None and not row.allows_self_approval
            and user.username == state.request.created_by)


def allowed_actions(state: RequestState, user: User) -> list[Action]:
    """What ``user`` may do now: empty unless their role acts at this stage."""
    if acting_role(state, user) is None or decides_own_request(state, user):
        return []
    return stage_actions(state)


def must_act_label(state: RequestState) -> str:
    """Who must act now, in words: «Jefatura de unidad solicitante (UAF)»."""
    roles = state.roles_now()
    if not roles:
        return "—"
    labels = [r.label + (f" ({state.request.unit})" if r in UNIT_SCOPED_ROLES else "")
              for r in roles]
    return " o ".join(labels)


def decide(
    state: RequestState,
    user: User,
    outcome_code: str,
    *,
    comment: str,
    now: datetime,
    event_id: str,
    expected_seq: int,
    schedule: Mapping[int, date] | None = None,
    channels: Sequence[str] = (),
    link: str = "",
    permissions: PermissionMatrix | None = None,
    recorded_by: User | None = None,
    route: str = "",
    early: bool = False,
) -> Event:
    """The event that records ``user`` taking ``outcome_code`` now, or a domain error.

    ``channels`` and ``link`` say where the publishing stage published (kept in the
    event's data for the Informe Técnico); other stages ignore them. With
    ``permissions``, publishing also needs «publicar» in the role the user acts in, even
    where a procedure table gives the last stage to another role (manual, 5 b–d).

    ``recorded_by``: someone else records ``user``'s decision, received by ``route``
    (verbal, llamada, nota, mensaje, correo), where the stage admits it (``on_behalf``)
    and the recorder holds «registrar_en_nombre». Publishing before the requested window
    opens needs ``early`` (the confirmation is recorded in the event).
    """
    _check_open(state, expected_seq)
    row = state.stage_row
    assert row is not None and state.stage is not None
    action = next((a for a in stage_actions(state) if a.code == outcome_code), None)
    if action is None:
        raise TransitionNotAllowed(
            f"La acción «{outcome_code}» no corresponde a la etapa {row.number} "
            f"({row.activity})."
        )
    role = acting_role(state, user)
    if role is None:
        raise NotAllowed(
            f"La etapa {row.number} corresponde a {must_act_label(state)}; "
            f"«{user.full_name}» no puede actuar en ella."
        )
    if decides_own_request(state, user):
        raise NotAllowed(
            f"Usted registró la solicitud {state.request.request_id}: la etapa {row.number} "
            f"({row.clause}) la decide otra persona con el rol {must_act_label(state)}. "
            "Nadie aprueba su propia solicitud."
        )
    payload: dict[str, object] = {}
    if recorded_by is not None:
        payload.update(_on_behalf(state, row, user, recorded_by, route, permissions))
    text = comment.strip()
    if action.requires_comment and not text:
        kind = "devolución" if action.outcome.kind is OutcomeKind.RETURN else "un rechazo"
        raise CommentRequired(
            f"Para {'una ' + kind if kind == 'devolución' else kind} escriba un comentario "
            "con las observaciones."
        )
    _check_length(text)
    if action.outcome.kind is OutcomeKind.FORWARD and _needs_quorum(state, role):
        if user.username in state.votes:
            raise NotAllowed(
                f"Usted ya aprobó la etapa {row.number}: el Comité necesita "
                f"{row.committee_quorum} miembros distintos "
                f"(van {len(state.votes)}).")
        if len(state.votes) + 1 < row.committee_quorum:
            return Event(
                event_id=event_id, kind=EventKind.REQUEST, subject=state.request.request_id,
                seq=state.seq + 1, stage=state.stage, outcome=VOTE,
                target_stage=state.stage, actor=(recorded_by or user).username,
                role=role.value, at=now, comment=text,
                data=json.dumps(payload, ensure_ascii=False, sort_keys=True)
                if payload else "")
    if row.records_schedule and action.outcome.kind is OutcomeKind.FORWARD:
        dates = check_schedule(state, schedule or {}, now.date())
        payload["cronograma"] = {str(k): v.isoformat() for k, v in sorted(dates.items())}
    publishes = action.outcome.kind is OutcomeKind.FORWARD and action.target_stage is None
    if publishes and permissions is not None:
        permissions.require(user, Capability.PUBLISH, acting_as=role)
    opening = state.request.publish_from
    if publishes and opening is not None and now.date() < opening:
        if not early:
            raise EarlyPublication(
                f"La ventana de publicación pedida abre el {opening:%d/%m/%Y}. Para publicar "
                "antes, confirme que corresponde (la confirmación queda registrada)."
            )
        payload["antes_de_ventana"] = opening.isoformat()
    cleaned = [c.strip() for c in channels if c.strip()]
    if publishes and cleaned:
        payload["canales"] = cleaned
    if publishes and link.strip():
        if len(link) > MAX_CELL_CHARS // 10:
            raise InvalidInput("El enlace de la publicación es demasiado largo.")
        payload["enlace"] = link.strip()
    return Event(
        event_id=event_id, kind=EventKind.REQUEST, subject=state.request.request_id,
        seq=state.seq + 1, stage=state.stage, outcome=action.code,
        target_stage=action.target_stage,
        actor=(recorded_by or user).username, role=role.value, at=now,
        comment=text, data=json.dumps(payload, ensure_ascii=False, sort_keys=True)
        if payload else "",
    )


def _needs_quorum(state: RequestState, role: Role) -> bool:
    """Whether approving here takes several Committee members (``regla_comite``)."""
    row = state.stage_row
    return (row is not None and row.committee_quorum > 1 and state.protected
            and role in row.protected_roles)


def _vote(state: RequestState, event: Event) -> RequestState:
    """A member's approval short of the quorum: the stage and its clock stay."""
    return RequestState(
        request=state.request, procedure=state.procedure, status=state.status,
        stage=state.stage, protected=state.protected, seq=event.seq,
        stage_started_at=state.stage_started_at, schedule=state.schedule,
        events=state.events, superseded=state.superseded,
        votes=(*state.votes, voter(event)))


def voter(event: Event) -> str:
    """Whose approval a Committee vote is: the member it was recorded for, or its actor."""
    return on_behalf_of(event) or event.actor


def _check_open(state: RequestState, expected_seq: int) -> None:
    if expected_seq != state.seq:
        raise ConcurrentChange()
    if not state.is_open:
        raise RequestClosed(
            f"La solicitud {state.request.request_id} ya está {state.status.label.lower()}: "
            "no admite más acciones."
        )
    if state.held:
        raise RequestClosed(state.held)


def _check_length(text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise InvalidInput(f"El comentario supera {thousands(MAX_CELL_CHARS)} caracteres.")


def check_route(route: str) -> str:
    """A route of ROUTES, or the Spanish refusal naming them."""
    if route not in ROUTES:
        raise InvalidInput("Vía: indique cómo se recibió la instrucción ("
                           + ", ".join(label.lower() for label in ROUTES.values()) + ").")
    return route


def _on_behalf(state: RequestState, row: StageRow, principal: User, recorder: User,
               route: str, permissions: PermissionMatrix | None) -> dict[str, object]:
    """What an event recorded on ``principal``'s behalf keeps: for whom, and by which route."""
    if not row.on_behalf:
        raise NotAllowed(f"La etapa {row.number} ({row.clause}) no admite registrar la "
                         "decisión en nombre de otra persona.")
    if permissions is None:
        raise NotAllowed("Registrar en nombre de otra persona necesita la matriz de permisos.")
    permissions.require(recorder, Capability.RECORD_ON_BEHALF)
    if recorder.username == principal.username:
        raise InvalidInput("Usted mismo puede actuar en esta etapa: no hace falta registrar "
                           "en su nombre.")
    return {ON_BEHALF_KEY: principal.username, ROUTE_KEY: check_route(route)}


def decide_exit(
    state: RequestState, user: User, exit: Exit, *, comment: str, now: datetime,
    event_id: str, expected_seq: int, permissions: PermissionMatrix,
) -> Event:
    """The event that withdraws or cancels the request, or a domain error.

    Withdrawing is for whoever asked for the publication (:func:`is_requester`);
    cancelling needs a reason. Both need their capability in the matrix.
    """
    _check_open(state, expected_seq)
    role = permissions.require(user, exit.capability)
    text = comment.strip()
    if exit is Exit.WITHDRAW and not is_requester(state, user):
        raise NotAllowed(
            f"Solo quien pidió la solicitud {state.request.request_id} (quien la registró o "
            "en cuyo nombre se registró) puede retirarla."
        )
    if exit is Exit.CANCEL and not text:
        raise CommentRequired("Para cancelar la solicitud escriba el motivo.")
    _check_length(text)
    return Event(
        event_id=event_id, kind=EventKind.REQUEST, subject=state.request.request_id,
        seq=state.seq + 1, stage=state.stage, outcome=exit.value, target_stage=None,
        actor=user.username, role=role.value, at=now, comment=text,
    )


def decide_note(
    state: RequestState, user: User, *, comment: str, now: datetime, event_id: str,
    expected_seq: int,
) -> Event:
    """An observation by someone who got a copy of the step that led here; it neither moves
    the request nor restarts the stage's clock."""
    _check_open(state, expected_seq)
    role = next((r for r in copied_roles(state) if user.active and user.has(r)), None)
    if role is None:
        raise NotAllowed("Solo quien recibió copia de la etapa anterior puede dejar una "
                         "observación aquí.")
    text = comment.strip()
    if not text:
        raise CommentRequired("Escriba la observación.")
    _check_length(text)
    return Event(
        event_id=event_id, kind=EventKind.REQUEST, subject=state.request.request_id,
        seq=state.seq + 1, stage=state.stage, outcome=NOTE, target_stage=state.stage,
        actor=user.username, role=role.value, at=now, comment=text,
    )


def check_schedule(
    state: RequestState, schedule: Mapping[int, date], today: date
) -> dict[int, date]:
    """The schedule fixed at the proposal stage: one date per scheduled stage, in order."""
    needed = state.procedure.scheduled_stages()
    missing = [n for n in needed if n not in schedule]
    if missing:
        raise InvalidInput(
            "El cronograma debe dar una fecha a cada etapa «de acuerdo a cronograma»: "
            f"falta la etapa {missing[0]}."
        )
    dates = {n: schedule[n] for n in needed}
    previous: tuple[int, date] | None = None
    for number in needed:
        when = dates[number]
        if when < today:
            raise InvalidInput(f"La fecha de la etapa {number} ({when:%d/%m/%Y}) ya pasó.")
        if previous and when < previous[1]:
            raise InvalidInput(
                f"El cronograma va hacia atrás: la etapa {number} ({when:%d/%m/%Y}) es "
                f"anterior a la etapa {previous[0]} ({previous[1]:%d/%m/%Y})."
            )
        previous = (number, when)
    limit = state.request.publish_to
    if limit and previous and previous[1] > limit:
        raise InvalidInput(
            f"El cronograma termina el {previous[1]:%d/%m/%Y}, después del fin de la "
            f"ventana de publicación ({limit:%d/%m/%Y})."
        )
    opening = state.request.publish_from
    publication = dates.get(state.procedure.last_stage)
    if opening and publication and publication < opening:
        raise InvalidInput(
            f"La publicación (etapa {state.procedure.last_stage}) queda el "
            f"{publication:%d/%m/%Y}, antes del inicio de la ventana de publicación "
            f"({opening:%d/%m/%Y})."
        )
    return dates


def _step(
    procedure: Procedure, stage: int, event: Event
) -> tuple[Status, int | None, bool]:
    """(status, stage, routed to the Committee) after a valid event at ``stage``."""
    kind = event.outcome.partition(":")[0]
    if kind in EXIT_CODES:
        return Exit(kind).status, None, False
    if kind == NOTE:
        return Status.IN_PROGRESS, stage, False
    committee = kind == OutcomeKind.COMMITTEE
    if kind == OutcomeKind.REJECT:
        return Status.REJECTED, None, committee
    if event.target_stage is None:
        return Status.PUBLISHED, None, committee
    return Status.IN_PROGRESS, event.target_stage, committee


def _merge_schedule(schedule: dict[int, date], event: Event) -> None:
    if event.data:
        for key, value in event.payload().get("cronograma", {}).items():
            schedule[int(key)] = date.fromisoformat(value)


def evolve(state: RequestState, event: Event) -> RequestState:
    """Apply an event already known to be valid."""
    assert state.stage is not None
    if event.outcome == VOTE:
        return _vote(state, event)
    status, stage, committee = _step(state.procedure, state.stage, event)
    schedule = dict(state.schedule)
    _merge_schedule(schedule, event)
    return RequestState(
        request=state.request, procedure=state.procedure, status=status, stage=stage,
        protected=state.protected or committee, seq=event.seq,
        stage_started_at=state.stage_started_at if event.outcome == NOTE else event.at,
        schedule=schedule, events=(*state.events, event),
        superseded=state.superseded, votes=state.votes if event.outcome == NOTE else (),
    )


def _replay_problem(
    procedure: Procedure, status: Status, stage: int | None, protected: bool, event: Event
) -> str | None:
    """Why a stored event cannot follow; None when it can."""
    if status is not Status.IN_PROGRESS or stage is None:
        return "la solicitud ya estaba cerrada"
    if event.stage != stage:
        return f"registra la etapa {event.stage} pero la solicitud estaba en la {stage}"
    if event.outcome in EXIT_CODES:
        return None if event.target_stage is None else \
            "un retiro o una cancelación no tiene etapa de destino"
    if event.outcome == NOTE:
        return None if event.target_stage == stage else \
            "una observación no cambia de etapa"
    transition = procedure.transitions.get((stage, event.outcome))
    if transition is None:
        return f"la acción «{event.outcome}» no existe en la etapa {stage}"
    if transition.target != event.target_stage:
        return "la etapa de destino no corresponde a la acción"
    if event.role not in (transition.protected_roles if protected else transition.roles):
        return f"el rol «{event.role}» no actúa en la etapa {stage}"
    return None


def _vote_problem(votes: Sequence[str], event: Event) -> str | None:
    return "el miembro del Comité ya había aprobado esta etapa" if voter(event) in votes \
        else None


def replay(
    request: Request, procedure: Procedure, events: Iterable[tuple[int, Event]]
) -> tuple[RequestState, list[EventProblem]]:
    """Fold a request's events, in sequence order; the first row of a sequence wins.

    A duplicate (same sequence number) is kept as *superseded*; an event that cannot
    follow is reported with its row and skipped. Nothing is dropped from the ledger.
    """
    issues: list[EventProblem] = []
    superseded: list[Event] = []
    applied: list[Event] = []
    stage: int | None = 1
    status, protected = Status.IN_PROGRESS, request.protected
    seq, started = 0, request.created_at
    schedule: dict[int, date] = {}
    votes: list[str] = []
    for row_number, event in sorted(events, key=lambda item: (item[1].seq, item[0])):
        if event.seq <= seq:
            superseded.append(event)
            issues.append(EventProblem(row_number, "seq", str(event.seq),
                                   f"evento duplicado de la solicitud {request.request_id}: "
                                   "prevalece la primera fila, esta queda como superada"))
            continue
        problem = _replay_problem(procedure, status, stage, protected, event)
        if problem is None and event.seq != seq + 1:
            problem = f"falta el evento con secuencia {seq + 1}"
        if problem is None and event.outcome == VOTE:
            problem = _vote_problem(votes, event)
        if problem:
            issues.append(EventProblem(row_number, "outcome", event.outcome,
                                       f"evento ignorado ({request.request_id}): {problem}"))
            continue
        if event.outcome == VOTE:
            votes.append(voter(event))
            seq = event.seq
            continue
        if event.outcome != NOTE:
            votes = []
        assert stage is not None
        status, stage, committee = _step(procedure, stage, event)
        protected = protected or committee
        seq = event.seq
        if event.outcome != NOTE:
            started = event.at
        _merge_schedule(schedule, event)
        applied.append(event)
    state = RequestState(
        request=request, procedure=procedure, status=status, stage=stage, protected=protected,
        seq=seq, stage_started_at=started, schedule=schedule, events=tuple(applied),
        superseded=tuple(superseded), votes=tuple(votes),
    )
    return state, issues
