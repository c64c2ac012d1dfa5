"""Use cases: what pages call. Each takes the repository and re-checks the actor's role.

Pages hide what a user may not do, but hiding is not security: every function here looks
the actor up again in the freshest ledger and refuses with a domain error.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core import notify
from core.dashboard import Dashboard, DashboardFilter, dashboard
from core.deadlines import DueInfo, due_info
from core.errors import (
    AuthenticationFailed,
    ConcurrentChange,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from core.ledger import Ledger
from core.models import (
    MAX_CELL_CHARS,
    DayOff,
    DirectPublication,
    Event,
    EventKind,
    PublicationType,
    Request,
    Status,
    User,
)
from core.permissions import Capability, holding_role, require
from core.repository import Change, Repository, commit_numbered
from core.roles import UNIT_SCOPED_ROLES, Role
from core.security import MIN_PASSWORD_LENGTH, burn_time, hash_password, verify_password
from core.validation import spanish_reason
from core.workdays import WorkCalendar
from core.workflow import (
    RequestState,
    acting_role,
    allowed_actions,
    decide,
    evolve,
    initial_state,
    must_act_label,
)

FIELD_LABELS = {
    "title": "Título", "objective": "Objetivo", "summary": "Resumen", "procedure": "Tipo",
    "unit": "Unidad", "links": "Fotos o enlaces", "publish_from": "Publicar desde",
    "publish_to": "Publicar hasta", "reference": "Referencia", "channel": "Canal",
    "link": "Enlace", "notes": "Notas", "type": "Tipo", "published_at": "Publicada en",
}


def _form_error(exc: ValidationError) -> InvalidInput:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    label = FIELD_LABELS.get(field, field)
    reason = spanish_reason(error)
    return InvalidInput(f"{label}: {reason}." if label else f"{reason}.")


# -- users -------------------------------------------------------------------------------


def current_user(ledger: Ledger, username: str) -> User:
    """The actor as the ledger knows them now; a deactivated user may not act."""
    user = ledger.users.get(username)
    if user is None or not user.active:
        raise NotAllowed("Su usuario no existe o está desactivado; inicie sesión de nuevo.")
    return user


LOGIN_FAILED = "Usuario o contraseña incorrectos."
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


def authenticate(
    repo: Repository, username: str, password: str, *, now: datetime | None = None
) -> User:
    """The user, if the password is right and the account is not locked.

    With ``now`` (the app always passes it) failures are counted: after
    ``MAX_FAILED_LOGINS`` in a row the account is locked for ``LOCK_MINUTES``; each failure
    and each lock is an audited event, a success resets the count. Every refusal says the
    same words and costs one bcrypt check, so nobody learns whether a user name exists;
    unknown names write nothing (else anyone could fill the ledger with made-up names).
    """
    name = username.strip().lower()
    user = repo.snapshot().ledger.users.get(name)
    if user is None or not user.active or not user.password_hash:
        burn_time(password)
        raise AuthenticationFailed(LOGIN_FAILED)
    if now is not None and user.locked_until is not None and now < user.locked_until:
        burn_time(password)  # not even a right password opens a locked account
        raise AuthenticationFailed(LOGIN_FAILED)
    if not verify_password(password, user.password_hash):
        if now is not None:
            _count_failed_login(repo, name, now)
        raise AuthenticationFailed(LOGIN_FAILED)
    if now is not None and (user.failed_logins or user.locked_until is not None):
        _write_login_counter(repo, name, {"intentos_fallidos": "0", "bloqueado_hasta": ""})
    return user


def _write_login_counter(
    repo: Repository, username: str, row: dict[str, str], *events: Event, seen: int = -1
) -> bool:
    def guard(fresh: Ledger) -> None:
        user = fresh.users.get(username)
        if user is None or (seen >= 0 and user.failed_logins != seen):
            raise ConcurrentChange("Otro intento de ingreso se registró a la vez.")

    change = Change(guard=guard, summary=f"ingreso de {username}")
    change.update("usuarios", username, row)
    for event in events:
        change.append("eventos", event.to_row())
    try:
        repo.commit(change)
    except ConcurrentChange:
        return False
    except DomainError:
        return True  # the ledger cannot be written now: the refusal itself still stands
    return True


def _count_failed_login(repo: Repository, username: str, now: datetime) -> None:
    for _ in range(3):
        ledger = repo.snapshot().ledger
        user = ledger.users[username]
        failed = user.failed_logins + 1
        seq = 1 + sum(1 for _, e in ledger.events
                      if e.kind is EventKind.USER and e.subject == username)
        events = [Event(event_id=_event_id(), kind=EventKind.USER, subject=username, seq=seq,
                        outcome="login_fallido", actor=username, at=now,
                        comment=f"intento fallido {failed} de {MAX_FAILED_LOGINS}")]
        row = {"intentos_fallidos": str(failed), "bloqueado_hasta": ""}
        if failed >= MAX_FAILED_LOGINS:
            until = now + timedelta(minutes=LOCK_MINUTES)
            row = {"intentos_fallidos": "0", "bloqueado_hasta": f"{until:%Y-%m-%d %H:%M:%S}"}
            events.append(Event(
                event_id=_event_id(), kind=EventKind.USER, subject=username, seq=seq + 1,
                outcome="bloqueo", actor=username, at=now,
                comment=f"{MAX_FAILED_LOGINS} intentos fallidos: cuenta bloqueada hasta las "
                        f"{until:%H:%M} del {until:%d/%m/%Y}"))
        if _write_login_counter(repo, username, row, *events, seen=user.failed_logins):
            return


def needs_first_admin(ledger: Ledger) -> bool:
    """An empty ledger starts with no one able to log in: the first run sets an admin."""
    return not any(u.active and u.password_hash for u in ledger.users.values())


def create_first_admin(
    repo: Repository, username: str, full_name: str, password: str, now: datetime
) -> None:
    """Create the system administrator of an empty ledger; refused once anyone exists."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.")
    try:
        user = User(username=username.strip().lower(), full_name=full_name.strip(),
                    roles=(Role.SYSADMIN,), unit="", password_hash=hash_password(password),
                    created_at=now)
    except ValidationError as exc:
        raise InvalidInput("Usuario: use solo minúsculas, números, punto, guion o guion bajo; "
                           f"nombre obligatorio ({spanish_reason(exc.errors()[0])}).") from None

    def guard(fresh: Ledger) -> None:
        if not needs_first_admin(fresh):
            raise NotAllowed("El administrador inicial ya fue creado; inicie sesión.")

    event = Event(event_id=_event_id(), kind=EventKind.USER, subject=user.username, seq=1,
                  outcome="crear_administrador_inicial", actor=user.username,
                  role=Role.SYSADMIN.value, at=now)
    change = Change(guard=guard, summary="administrador inicial")
    change.append("usuarios", user.to_row())
    change.append("eventos", event.to_row())
    repo.commit(change)


# -- requests ------------------------------------------------------------------------------


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
    ids = set(ledger.requests)
    for tab, column in (("solicitudes", "id_solicitud"), ("eventos", "id_objeto")):
        raw = ledger.raw.get(tab)
        position = raw.column_index().get(column) if raw is not None else None
        if raw is not None and position is not None:
            ids.update(cells[position].strip() for cells in raw.rows if position < len(cells))
    return ids


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
) -> str:
    """Register a request: stage 1 of its procedure is done by registering it.

    ``extend`` writes more rows in the same all-or-nothing change (the promotion plan marks
    its item «solicitado» this way); it is called again on each retry.
    """
    try:
        data = RequestForm.model_validate(dict(form))
    except ValidationError as exc:
        raise _form_error(exc) from None

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
        )

        state = initial_state(request, procedure)
        event = decide(state, actor, "avanzar", comment="", now=now, event_id=_event_id(),
                       expected_seq=0, schedule=data.schedule)
        after = evolve(state, event)

        def guard(fresh: Ledger, rid: str = request_id, role: Role = role) -> None:
            if rid in _request_ids_in_use(fresh):
                raise ConcurrentChange("Otra solicitud tomó el mismo número; reintentando.")
            if not current_user(fresh, username).has(role):
                raise NotAllowed("Su rol ya no le permite iniciar este procedimiento.")

        change = Change(guard=guard, summary=f"nueva solicitud {request_id}")
        change.append("solicitudes", _request_row(request, after))
        change.append("eventos", event.to_row())
        notify.queue_transition(change, ledger, state, after, event, calendar)
        if extend is not None:
            extend(ledger, request_id, change)
        return change, request_id

    return commit_numbered(repo, build)


def _request_row(request: Request, state: RequestState) -> dict[str, str]:
    updated = request.model_copy(update={
        "status": state.status, "stage": state.stage, "seq": state.seq,
        "updated_at": state.events[-1].at if state.events else request.created_at,
    })
    return updated.to_row()


def _event_id() -> str:
    return uuid.uuid4().hex


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
) -> RequestState:
    """Take one action on a request: the stage's role is re-checked on fresh data.

    The mails to whoever must act next are queued in the same change (core.notify);
    ``calendar`` gives their due dates (default: La Paz with the ledger's days off).
    """
    ledger = repo.snapshot().ledger
    state = ledger.state(request_id)
    if state is None:
        stored = ledger.requests.get(request_id)
        if stored is not None:
            raise InvalidInput(
                f"La solicitud {request_id} sigue la versión {stored.version} del "
                f"procedimiento {stored.procedure}, que no está en la pestaña "
                "«procedimientos»; revísela en Salud de datos."
            )
        raise NotFound(f"No existe la solicitud {request_id}.")
    actor = current_user(ledger, username)
    event = decide(state, actor, outcome, comment=comment, now=now,
                   event_id=event_id or _event_id(), expected_seq=expected_seq,
                   schedule=schedule, channels=channels, link=link)
    after = evolve(state, event)
    if after.status is Status.PUBLISHED:  # the last stage publishes (manual, 5 b–d)
        require(actor, Capability.PUBLISH, acting_as=Role(event.role))

    def guard(fresh: Ledger) -> None:
        fresh_state = fresh.state(request_id)
        if fresh_state is None or fresh_state.seq != expected_seq:
            raise ConcurrentChange()
        # Roles may have changed between the page view and now.
        fresh_actor = current_user(fresh, username)
        if acting_role(fresh_state, fresh_actor) is None:
            raise NotAllowed("Su rol ya no le permite actuar en esta etapa.")
        if after.status is Status.PUBLISHED:
            require(fresh_actor, Capability.PUBLISH, acting_as=Role(event.role))

    change = Change(guard=guard, summary=f"{request_id}: {outcome}")
    change.append("eventos", event.to_row())
    change.update("solicitudes", request_id, {
        k: v for k, v in _request_row(state.request, after).items()
        if k in ("estado", "etapa", "secuencia", "actualizada_en")
    })
    notify.queue_transition(change, ledger, state, after, event, calendar)
    repo.commit(change)
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


# -- direct publications (types 4–7) ------------------------------------------------------


class DirectForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    type: PublicationType
    title: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    channel: str = Field(min_length=1, max_length=200)
    link: str = Field(default="", max_length=MAX_CELL_CHARS)
    published_at: datetime
    notes: str = Field(default="", max_length=MAX_CELL_CHARS)


def record_direct_publication(
    repo: Repository, username: str, form: Mapping[str, object], now: datetime
) -> str:
    """Types 4–7 have no procedure: the Administrador Principal records them directly."""
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, username)
    require(actor, Capability.PUBLISH_DIRECT)
    role = holding_role(actor, Capability.PUBLISH_DIRECT)
    try:
        data = DirectForm.model_validate(dict(form))
    except ValidationError as exc:
        raise _form_error(exc) from None
    if data.type.has_procedure:
        raise InvalidInput("Los tipos 1 a 3 siguen un procedimiento: use «Nueva solicitud».")
    if data.published_at > now:
        raise InvalidInput("Publicada en: la fecha no puede estar en el futuro.")
    publication_id = f"PUB-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    publication = DirectPublication(
        publication_id=publication_id, type=data.type, title=data.title,
        channel=data.channel, link=data.link, published_at=data.published_at,
        recorded_by=actor.username, notes=data.notes,
    )
    event = Event(event_id=_event_id(), kind=EventKind.DIRECT_PUBLICATION,
                  subject=publication_id, seq=1, outcome="registrar", actor=actor.username,
                  role=role.value if role else "", at=now, comment=data.title[:200])

    def guard(fresh: Ledger) -> None:
        require(current_user(fresh, username), Capability.PUBLISH_DIRECT)

    change = Change(guard=guard, summary=f"publicación directa {publication_id}")
    change.append("publicaciones_directas", publication.to_row())
    change.append("eventos", event.to_row())
    repo.commit(change)
    return publication_id


def request_status_counts(ledger: Ledger) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for state in ledger.states.values():
        counts[state.status] += 1
    return counts


# -- institutional days off ----------------------------------------------------------------

DAY_OFF_ROLES = (Role.DE, Role.UGS_HEAD, Role.SYSADMIN)
DAYS_OFF_TAB = "dias_no_laborables"


def institutional_days_off(ledger: Ledger) -> dict[date, str]:
    """The days off recorded in the ledger (first row of a date wins), for the calendar."""
    found: dict[date, str] = {}
    parsed = ledger.parsed.get(DAYS_OFF_TAB)
    for _, record in parsed.records if parsed else ():
        if isinstance(record, DayOff):
            found.setdefault(record.day, record.description.strip())
    return found


def deadline_dashboard(
    ledger: Ledger, username: str, calendar: WorkCalendar, today: date,
    filters: DashboardFilter,
) -> Dashboard:
    """The managers' deadline dashboard, for those who may see statistics (manual 5)."""
    require(current_user(ledger, username), Capability.SEE_STATISTICS)
    return dashboard(ledger, calendar, today, filters)


def add_day_off(
    repo: Repository, username: str, day: date, description: str, now: datetime
) -> None:
    """Record an institutional day off: no stage deadline counts it as a working day.

    Rows are only appended (with an audit event); a day off recorded by mistake is
    removed by hand in the spreadsheet, where the audit event still shows who added it.
    """
    text = description.strip()
    if len(text) > 200:
        raise InvalidInput("Descripción: use como máximo 200 caracteres.")
    if day.weekday() >= 5:
        raise InvalidInput(f"El {day:%d/%m/%Y} es fin de semana: ya no es día hábil.")

    def check(ledger: Ledger) -> Role:
        actor = current_user(ledger, username)
        role = next((r for r in DAY_OFF_ROLES if actor.has(r)), None)
        if role is None:
            raise NotAllowed("Solo la Dirección Ejecutiva, la Jefatura de la UGS o el "
                             "administrador del sistema registran días no laborables.")
        if day in institutional_days_off(ledger):
            raise InvalidInput(f"El {day:%d/%m/%Y} ya está registrado como día no laborable.")
        return role

    def guard(fresh: Ledger) -> None:
        check(fresh)

    role = check(repo.snapshot().ledger)
    row = DayOff(day=day, description=text, recorded_by=username)
    event = Event(event_id=_event_id(), kind=EventKind.SYSTEM, subject=day.isoformat(),
                  seq=1, outcome="registrar_dia_no_laborable", actor=username,
                  role=role.value, at=now, comment=text[:200])
    change = Change(guard=guard, summary=f"día no laborable {day.isoformat()}")
    change.append(DAYS_OFF_TAB, row.to_row())
    change.append("eventos", event.to_row())
    repo.commit(change)
