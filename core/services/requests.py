"""Requests of procedures 1 to 3: registering one, acting on it, and the inbox.

Pages hide what a user may not do, but hiding is not security: every function here looks
the actor up again in the freshest ledger and refuses with a domain error. The check on
fresh data just before writing runs the same :func:`~core.domain.workflow.decide` the page
used: one rule, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from core.domain.deadlines import DueInfo, due_info
from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed, NotFound
from core.domain.ledger import Ledger
from core.domain.materials import MaterialRefused
from core.domain.materials import stamp as stamp_material
from core.domain.models import (
    MAX_CELL_CHARS,
    Amount,
    Event,
    OptProduct,
    ProcedureTableRow,
    Request,
    RequestRow,
    Status,
    User,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.procedures import Procedure
from core.domain.requests import registering, request_row, standing_update
from core.domain.roles import UNIT_SCOPED_ROLES, Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    Exit,
    RequestState,
    allowed_actions,
    decide,
    decide_exit,
    decide_note,
    evolve,
    has_actor,
    initial_state,
    is_requester,
    must_act_label,
    unstaffed_stages,
)
from core.services import materials, notifications
from core.services.common import commit_numbered, current_user, form_error, new_event_id
from core.services.notifications import DEFAULT_PUBLIC_URL

FIELD_LABELS = {
    "title": "Título", "objective": "Objetivo", "summary": "Resumen", "procedure": "Tipo",
    "unit": "Unidad", "links": "Fotos o enlaces", "publish_from": "Publicar desde",
    "publish_to": "Publicar hasta", "reference": "Referencia",
    "promotion_bs": "Promoción pagada (Bs)", "product": "Producto",
}


class RequestForm(BaseModel):
    """What «Nueva solicitud» asks (manual, section 9)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    procedure: int = Field(ge=1, le=3)
    title: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    objective: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    summary: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    unit: str = ""
    links: str = Field(default="", max_length=MAX_CELL_CHARS)
    publish_from: date | None = None
    publish_to: date | None = None
    protected: bool = False
    reference: str = Field(default="", max_length=MAX_CELL_CHARS)
    schedule: dict[int, date] = Field(default_factory=dict)
    promotion_bs: Amount = None  # 7.1: any type may carry it
    product: OptProduct = None

    @model_validator(mode="after")
    def _window(self) -> RequestForm:
        if self.publish_from and self.publish_to and self.publish_to < self.publish_from:
            raise ValueError("la fecha «hasta» es anterior a la fecha «desde»")
        return self


def creatable_procedures(ledger: Ledger, user: User) -> list[int]:
    """Procedures whose first stage this user's roles may start."""
    numbers = []
    for number in ledger.procedures.numbers():
        first = ledger.procedures.current(number).stage(1)
        if any(user.has(role) for role in first.roles):
            numbers.append(number)
    return numbers


def recordable_procedures(ledger: Ledger, user: User) -> list[int]:
    """Procedures whose first stage this user may register on someone else's behalf."""
    if not ledger.permissions.can(user, Capability.RECORD_ON_BEHALF):
        return []
    return [n for n in ledger.procedures.numbers()
            if ledger.procedures.current(n).stage(1).on_behalf
            and not any(user.has(r) for r in ledger.procedures.current(n).stage(1).roles)]


def principals(ledger: Ledger, procedure: Procedure) -> list[User]:
    """Who a first stage may be registered for: active users holding its roles."""
    roles = procedure.stage(1).roles
    return sorted((u for u in ledger.users.values()
                   if u.active and any(u.has(r) for r in roles)), key=lambda u: u.full_name)


def unit_is_explicit(ledger: Ledger, user: User, procedure: int) -> bool:
    """Whether registering asks for the requesting unit: the registrant is not the unit
    (the DE for a promotion, the professional for designed images, a plan item)."""
    first = ledger.procedures.current(procedure).stage(1)
    return not (any(user.has(r) for r in first.roles if r in UNIT_SCOPED_ROLES)
                and not any(user.has(r) for r in first.roles if r not in UNIT_SCOPED_ROLES))


def _refuse_unstaffed(ledger: Ledger, procedure: Procedure, request: Request) -> None:
    """A unit whose stages nobody can take would leave the request waiting for ever."""
    missing = unstaffed_stages(procedure, request, ledger.users.values())
    if not missing:
        return
    row = procedure.stage(missing[0])
    who = " o ".join(r.label for r in row.roles_for(request.protected))
    hint = ""
    if row.protected_roles and not request.protected:
        hint = (" Si el contenido está protegido por norma, márquelo: decide el "
                f"{' o '.join(r.label for r in row.protected_roles)}.")
    raise InvalidInput(
        f"Unidad: en la unidad {request.unit} nadie activo puede actuar como {who} en la "
        f"etapa {row.number} ({row.clause}); la solicitud quedaría detenida. Elija la unidad "
        f"que pide la publicación.{hint}"
    )


def _request_ids_in_use(ledger: Ledger) -> set[str]:
    """Every request id the ledger mentions, rows that fail validation included: a number
    on a damaged row (or only in the events) must not be given to a new request."""
    return ledger.keys_in_use(RequestRow) | ledger.values_in_use(Event, "subject")


def next_request_id(ledger: Ledger, now: datetime) -> str:
    prefix = f"SOL-{now.year}-"
    taken = [int(rid[len(prefix):]) for rid in _request_ids_in_use(ledger)
             if rid.startswith(prefix) and rid[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:04d}"


# Adds rows (and may wrap the guard) of a change that registers a request: called with the
# ledger the change was built on, the new request id and the change itself.
RequestExtension = Callable[[Ledger, str, Change], None]


def create_request(
    repo: Repository, username: str, form: Mapping[str, object], now: datetime,
    *, extend: RequestExtension | None = None, calendar: WorkCalendar | None = None,
    origin: Mapping[str, object] | None = None,
    material: materials.Submission | None = None,
    public_url: str = DEFAULT_PUBLIC_URL, on_behalf_of: str | None = None, route: str = "",
) -> str:
    """Register a request: stage 1 of its procedure is done by registering it.

    ``extend`` writes more rows in the same all-or-nothing change (the promotion plan marks
    its item «solicitado» this way); it is called again on each retry. ``material``: the
    version 1 that a stage 1 producing material sends (its files stored first).
    ``on_behalf_of``: the request is the DE's instruction that ``username`` records (by
    ``route``); it is registered in the DE's name and the event says who recorded it.

    Refused: a publication window already over, a unit whose stages nobody can take.
    """
    try:
        data = RequestForm.model_validate(dict(form))
    except ValidationError as exc:
        raise form_error(exc, FIELD_LABELS) from None
    if data.publish_to is not None and data.publish_to < now.date():
        raise InvalidInput(
            f"Publicar hasta: la ventana de publicación termina el {data.publish_to:%d/%m/%Y}, "
            "que ya pasó; indique fechas desde hoy.")
    prepared = materials.prepare_new(material.draft) if material is not None else None
    if prepared is not None and material is not None:
        first = repo.snapshot().ledger.procedures.current(data.procedure).stage(1)
        if not first.produces_material:
            raise MaterialRefused(f"La etapa 1 ({first.activity}) no produce material: "
                                  "adjúntelo en la etapa que lo elabora.")

        def registered(ready: materials.Prepared) -> str:
            def and_material(ledger: Ledger, request_id: str, change: Change) -> None:
                if extend is not None:
                    extend(ledger, request_id, change)
                materials.register_version(change, request_id, ready, username, now)
            return create_request(repo, username, form, now, extend=and_material,
                                  calendar=calendar, public_url=public_url,
                                  on_behalf_of=on_behalf_of, route=route)

        return materials.stored_version(prepared, material.store, registered)

    def build(ledger: Ledger) -> tuple[Change, str]:
        recorder = current_user(ledger, username)
        actor = current_user(ledger, on_behalf_of) if on_behalf_of else recorder
        procedure = ledger.procedures.current(data.procedure)
        in_force = ledger.unreadable_in_force.get(data.procedure)
        if in_force is not None:  # never fall back to older rules because a cell was edited
            raise InvalidInput(
                f"La versión {in_force} del procedimiento {data.procedure}, la vigente, no está "
                f"en la pestaña «{ledger.naming.tab(ProcedureTableRow)}» o se editó a mano: no "
                "se registran solicitudes con una versión anterior. Restaure sus filas desde el "
                "historial de versiones de la hoja (vea Salud de datos).")
        first = procedure.stage(1)
        role = next((r for r in first.roles if actor.has(r)), None)
        if role is None:
            whose = f"«{actor.full_name}»" if on_behalf_of else "su usuario"
            raise NotAllowed(
                f"El procedimiento «{procedure.name}» lo inicia "
                f"{' o '.join(r.label for r in first.roles)}; {whose} no tiene ese rol."
            )
        if role in UNIT_SCOPED_ROLES and not actor.unit:
            raise InvalidInput("Su usuario no tiene unidad asignada; pida al administrador "
                               "del sistema que se la asigne.")
        unit = actor.unit if role in UNIT_SCOPED_ROLES else data.unit
        if not unit:
            raise InvalidInput("Unidad: elija la unidad solicitante.")
        if unit not in ledger.units or not ledger.units[unit].active:
            raise InvalidInput(f"Unidad: «{unit}» no es una unidad activa.")
        request_id = next_request_id(ledger, now)
        request = Request(
            request_id=request_id, created_at=now, created_by=actor.username,
            procedure=procedure.number, version=procedure.version, title=data.title,
            objective=data.objective, summary=data.summary, unit=unit, links=data.links,
            publish_from=data.publish_from, publish_to=data.publish_to,
            protected=data.protected, reference=data.reference,
            promotion_bs=data.promotion_bs or None, product=data.product,
        )
        _refuse_unstaffed(ledger, procedure, request)

        state = initial_state(request, procedure)
        event = registering(decide(state, actor, "avanzar", comment="", now=now,
                                   event_id=new_event_id(), expected_seq=0,
                                   schedule=data.schedule, permissions=ledger.permissions,
                                   recorded_by=recorder if on_behalf_of else None,
                                   route=route),
                            request, origin)
        after = evolve(state, event)

        def guard(fresh: Ledger, rid: str = request_id, role: Role = role) -> None:
            if rid in _request_ids_in_use(fresh):
                raise ConcurrentChange("Otra solicitud tomó el mismo número; reintentando.")
            if not current_user(fresh, actor.username).has(role):
                raise NotAllowed("Su rol ya no le permite iniciar este procedimiento.")
            if on_behalf_of:
                fresh.permissions.require(current_user(fresh, username),
                                          Capability.RECORD_ON_BEHALF)

        change = Change(guard=guard, summary=f"nueva solicitud {request_id}")
        change.add(request_row(after), event)
        notifications.queue_transition(change, ledger, state, after, event, calendar,
                                       public_url)
        if extend is not None:
            extend(ledger, request_id, change)
        return change, request_id

    return commit_numbered(repo, build)


def _state(ledger: Ledger, request_id: str) -> RequestState:
    state = ledger.state(request_id)
    if state is not None:
        return state
    stored = ledger.requests.get(request_id)
    if stored is not None:
        raise InvalidInput(
            f"La solicitud {request_id} sigue la versión {stored.version} del "
            f"procedimiento {stored.procedure}, que no está en la pestaña "
            f"«{ledger.naming.tab(ProcedureTableRow)}»; revísela en Salud de datos."
        )
    raise NotFound(f"No existe la solicitud {request_id}.")


def act(
    repo: Repository,
    username: str,
    request_id: str,
    outcome: str,
    *,
    comment: str = "",
    expected_seq: int,
    now: datetime,
    schedule: Mapping[int, date] | None = None,
    event_id: str | None = None,
    calendar: WorkCalendar | None = None,
    channels: Sequence[str] = (),
    link: str = "",
    material: materials.Submission | None = None,
    on_behalf_of: str | None = None,
    route: str = "",
    early: bool = False,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> RequestState:
    """Take one action on a request; the same decision is taken again on fresh data.

    The mails to whoever must act next are queued in the same change (notifications);
    ``calendar`` gives their due dates (default: La Paz with the ledger's days off).
    ``material``: a new version submitted with the action (a stage that produces it);
    its files are stored first and removed again if the ledger refuses the change.
    ``on_behalf_of``: ``username`` records that person's decision, received by ``route``
    (e.g. the DE's approval by phone at procedure 2 stage 3). ``early`` confirms
    publishing before the requested window opens.
    """
    chosen = event_id or new_event_id()
    ledger = repo.snapshot().ledger
    prepared = materials.prepare_for_request(ledger, _state(ledger, request_id), material.draft) \
        if material is not None else None

    def decision(ledger: Ledger) -> tuple[RequestState, Event]:
        state = _state(ledger, request_id)
        actor = current_user(ledger, username)
        principal = current_user(ledger, on_behalf_of) if on_behalf_of else actor
        event = decide(state, principal, outcome, comment=comment,
                       now=now, event_id=chosen, expected_seq=expected_seq,
                       schedule=schedule, channels=channels, link=link,
                       permissions=ledger.permissions,
                       recorded_by=actor if on_behalf_of else None, route=route,
                       early=early)
        # What the action does to the material (submit, pin, publish the pinned version).
        return state, stamp_material(state, event, prepared.stamp if prepared else None)

    if prepared is None or material is None:
        return _commit(repo, request_id, decision, calendar, public_url, username, ledger)
    submission, ready_version = material, prepared

    def write(change: Change, state: RequestState) -> None:
        materials.commit_version(repo, change, ready_version, submission.store, lambda ready: (
            ready.records(stage=state.stage, actor=username, now=now, event_id=chosen)))

    return _commit(repo, request_id, decision, calendar, public_url, username, ledger, write)


def _commit(repo: Repository, request_id: str,
            decision: Callable[[Ledger], tuple[RequestState, Event]],
            calendar: WorkCalendar | None, public_url: str, username: str,
            ledger: Ledger | None = None,
            write: Callable[[Change, RequestState], None] | None = None) -> RequestState:
    """Write the event a decision makes, re-deciding on fresh data in the guard.

    ``write`` commits the change instead of a plain commit (a new version of the material
    stores its files first); ``ledger``: the snapshot the caller already read.
    """
    if ledger is None:
        ledger = repo.snapshot().ledger
    state, event = decision(ledger)
    after = evolve(state, event)

    def guard(fresh: Ledger) -> None:
        current_user(fresh, username)  # deactivated meanwhile: says so
        try:
            decision(fresh)
        except NotAllowed:  # roles may have changed between the page view and now
            raise NotAllowed("Su rol ya no le permite actuar en esta etapa.") from None

    change = Change(guard=guard, summary=f"{request_id}: {event.outcome}")
    change.add(event)
    change.update(RequestRow, request_id, **standing_update(after))
    notifications.queue_transition(change, ledger, state, after, event, calendar, public_url)
    if write is None:
        repo.commit(change)
    else:
        write(change, state)
    return after


def close_request(
    repo: Repository, username: str, request_id: str, exit: Exit, *, comment: str = "",
    expected_seq: int, now: datetime, calendar: WorkCalendar | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> RequestState:
    """Withdraw (the requester) or cancel (DE, UGS head, with a reason) an open request.

    It leaves every inbox and the deadline figures; whoever was due to act, and the
    requester, are told by mail.
    """
    chosen = new_event_id()

    def decision(ledger: Ledger) -> tuple[RequestState, Event]:
        state = _state(ledger, request_id)
        event = decide_exit(state, current_user(ledger, username), exit, comment=comment,
                            now=now, event_id=chosen, expected_seq=expected_seq,
                            permissions=ledger.permissions)
        return state, event

    return _commit(repo, request_id, decision, calendar, public_url, username)


def add_note(
    repo: Repository, username: str, request_id: str, *, comment: str, expected_seq: int,
    now: datetime, calendar: WorkCalendar | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> RequestState:
    """An observation by whoever got a copy of the step that led here (the UGS head where
    the manual routes the work «mediante la jefatura de la UGS»); the request stays put."""
    chosen = new_event_id()

    def decision(ledger: Ledger) -> tuple[RequestState, Event]:
        state = _state(ledger, request_id)
        event = decide_note(state, current_user(ledger, username), comment=comment, now=now,
                            event_id=chosen, expected_seq=expected_seq)
        return state, event

    return _commit(repo, request_id, decision, calendar, public_url, username)


def may_exit(ledger: Ledger, state: RequestState, user: User, exit: Exit) -> bool:
    """Whether to offer ``exit`` to ``user`` (the service decides again on fresh data)."""
    if not state.is_open or state.held or not ledger.permissions.can(user, exit.capability):
        return False
    return exit is Exit.CANCEL or is_requester(state, user)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    state: RequestState
    due: DueInfo
    must_act: str

    @property
    def request(self) -> Request:
        return self.state.request


def inbox(ledger: Ledger, username: str, calendar: WorkCalendar, today: date
          ) -> list[InboxItem]:
    """The user's pending actions, oldest first."""

    user = current_user(ledger, username)
    items = [
        InboxItem(state, due_info(state, calendar, today), must_act_label(state))
        for state in ledger.states.values()
        if state.is_open and allowed_actions(state, user)
    ]
    items.sort(key=lambda item: (item.state.stage_started_at, item.request.request_id))
    return items


def open_requests(ledger: Ledger, calendar: WorkCalendar, today: date) -> list[InboxItem]:

    items = [InboxItem(s, due_info(s, calendar, today), must_act_label(s))
             for s in ledger.states.values()]
    items.sort(key=lambda item: item.request.created_at, reverse=True)
    return items


def request_status_counts(ledger: Ledger) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for state in ledger.states.values():
        counts[state.status] += 1
    return counts


def _staffing_key(state: RequestState) -> tuple[object, ...]:
    """What decides whether someone can act now (states that share it share the answer)."""
    row = state.stage_row
    own = state.request.created_by if row is not None and not row.allows_self_approval else ""
    return id(state.procedure), state.stage, state.protected, state.request.unit, own


def unattended(ledger: Ledger, calendar: WorkCalendar, today: date) -> list[InboxItem]:
    """Open requests nobody active can act on now («sin responsable»), oldest first."""
    users = [u for u in ledger.users.values() if u.active]
    staffed: dict[tuple[object, ...], bool] = {}
    items = []
    for state in ledger.states.values():
        if not state.is_open:
            continue
        key = _staffing_key(state)
        if key not in staffed:
            staffed[key] = has_actor(state, users)
        if not staffed[key]:
            items.append(InboxItem(state, due_info(state, calendar, today),
                                   must_act_label(state)))
    items.sort(key=lambda item: (item.state.stage_started_at, item.request.request_id))
    return items


def left_without_actor(ledger: Ledger, changed: User) -> list[str]:
    """Open requests someone can act on today and nobody could if ``changed`` replaced the
    account of the same name (deactivated, or with other roles): the warning to show."""
    now_users = [u for u in ledger.users.values() if u.active]
    then_users = [u for u in now_users if u.username != changed.username]
    if changed.active:
        then_users.append(changed)
    found = []
    for request_id, state in sorted(ledger.states.items()):
        if state.is_open and has_actor(state, now_users) \
                and not has_actor(state, then_users):
            found.append(request_id)
    return found


def default_request(ledger: Ledger, user: User) -> str | None:
    """The request «Solicitud» opens on by itself: the person's oldest pending action, else
    the latest request they asked for, else the agency's newest."""
    pending = [s for s in ledger.states.values() if s.is_open and allowed_actions(s, user)]
    if pending:
        return min(pending, key=lambda s: (s.stage_started_at, s.request.request_id)) \
            .request.request_id
    own = [r for r in ledger.requests.values() if r.created_by == user.username]
    if own:
        return max(own, key=lambda r: (r.created_at, r.request_id)).request_id
    return max(ledger.requests, default=None)


