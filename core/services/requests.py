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
from typing import Any

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
from core.domain.ports import Change, Repository
from core.domain.requests import registering, request_row, standing_update
from core.domain.roles import UNIT_SCOPED_ROLES, Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    RequestState,
    allowed_actions,
    decide,
    evolve,
    initial_state,
    must_act_label,
)
from core.services import materials, notifications
from core.services.common import commit_numbered, current_user, form_error, new_event_id

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
) -> str:
    """Register a request: stage 1 of its procedure is done by registering it.

    ``extend`` writes more rows in the same all-or-nothing change (the promotion plan marks
    its item «solicitado» this way); it is called again on each retry. ``material``: the
    version 1 that a stage 1 producing material sends (its files stored first).
    """
    try:
        data = RequestForm.model_validate(dict(form))
    except ValidationError as exc:
        raise form_error(exc, FIELD_LABELS) from None
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
                                  calendar=calendar)

        return materials.stored_version(prepared, material.store, registered)

    def build(ledger: Ledger) -> tuple[Change, str]:
        actor = current_user(ledger, username)
        procedure = ledger.procedures.current(data.procedure)
        first = procedure.stage(1)
        role = next((r for r in first.roles if actor.has(r)), None)
        if role is None:
            raise NotAllowed(
                f"El procedimiento «{procedure.name}» lo inicia "
                f"{' o '.join(r.label for r in first.roles)}; su usuario no tiene ese rol."
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

        state = initial_state(request, procedure)
        event = registering(decide(state, actor, "avanzar", comment="", now=now,
                                   event_id=new_event_id(), expected_seq=0,
                                   schedule=data.schedule, permissions=ledger.permissions),
                            request, origin)
        after = evolve(state, event)

        def guard(fresh: Ledger, rid: str = request_id, role: Role = role) -> None:
            if rid in _request_ids_in_use(fresh):
                raise ConcurrentChange("Otra solicitud tomó el mismo número; reintentando.")
            if not current_user(fresh, username).has(role):
                raise NotAllowed("Su rol ya no le permite iniciar este procedimiento.")

        change = Change(guard=guard, summary=f"nueva solicitud {request_id}")
        change.add(request_row(request, **_status_fields(request, after)), event)
        notifications.queue_transition(change, ledger, state, after, event, calendar)
        if extend is not None:
            extend(ledger, request_id, change)
        return change, request_id

    return commit_numbered(repo, build)


def _status_fields(request: Request, state: RequestState) -> dict[str, Any]:
    """What the request's row shows of where it stands (the events remain the truth)."""
    return standing_update(state)


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
) -> RequestState:
    """Take one action on a request; the same decision is taken again on fresh data.

    The mails to whoever must act next are queued in the same change (notifications);
    ``calendar`` gives their due dates (default: La Paz with the ledger's days off).
    ``material``: a new version submitted with the action (a stage that produces it);
    its files are stored first and removed again if the ledger refuses the change.
    """
    chosen = event_id or new_event_id()
    ledger = repo.snapshot().ledger
    prepared = materials.prepare_for_request(ledger, _state(ledger, request_id), material.draft) \
        if material is not None else None

    def decision(ledger: Ledger) -> tuple[RequestState, Event]:
        state = _state(ledger, request_id)
        event = decide(state, current_user(ledger, username), outcome, comment=comment,
                       now=now, event_id=chosen, expected_seq=expected_seq,
                       schedule=schedule, channels=channels, link=link,
                       permissions=ledger.permissions)
        # What the action does to the material (submit, pin, publish the pinned version).
        return state, stamp_material(state, event, prepared.stamp if prepared else None)

    state, event = decision(ledger)
    after = evolve(state, event)

    def guard(fresh: Ledger) -> None:
        current_user(fresh, username)  # deactivated meanwhile: says so
        try:
            decision(fresh)
        except NotAllowed:  # roles may have changed between the page view and now
            raise NotAllowed("Su rol ya no le permite actuar en esta etapa.") from None

    change = Change(guard=guard, summary=f"{request_id}: {outcome}")
    change.add(event)
    change.update(RequestRow, request_id, **_status_fields(state.request, after))
    notifications.queue_transition(change, ledger, state, after, event, calendar)
    if prepared is None or material is None:
        repo.commit(change)
    else:
        materials.commit_version(repo, change, prepared, material.store, lambda ready: (
            ready.records(stage=state.stage, actor=username, now=now, event_id=chosen)))
    return after


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    state: RequestState
    due: DueInfo
    must_act: str

    @property
    def request(self) -> Request:
        return self.state.request


def inbox(ledger: Ledger, username: str, calendar: WorkCalendar, today: date) -> list[InboxItem]:
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


