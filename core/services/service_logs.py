"""The service logs the manual asks for: questions from the public and crisis incidents.

Manual 5 e: questions from the public on social networks get an answer within 15 minutes;
the Administrador Principal, editors and moderators answer them (5 b–e). Manual 5 f: in a
crisis the UGS leads and the staff involved accompany it. The logs make both visible: the
share of questions answered in time, and each crisis from opening to closing.

Interpretations the product makes:
- A question is on time when answered at most 15 minutes after it was received; late when
  answered later, or still unanswered once its 15 minutes have passed; pending while
  unanswered within its 15 minutes (pending questions are left out of the share).
- Attention hours are a setting (``RRSS_ATTENTION_HOURS``, e.g. «lun-vie 08:00-16:30»);
  the manual's rule runs around the clock, which stays the default. Within attention
  hours, the 15 minutes of a question received after closing start at the next opening.
  The compliance share is given both ways: around the clock (the manual's letter) and
  within attention hours.
- A crisis may be opened by whoever sees it first among the social-media team, the
  professional and the UGS head («abrir_crisis»); it is led by a UGS user (the head or
  someone of the head's unit) whom the opener names; the head or the leader records the
  strategy, the contacts with the affected citizens and the actions, and closes it. The DE
  and the UGS head are mailed when a crisis opens and when it closes.
- Before a question's 15 minutes run out (from minute 10), whoever answers questions is
  mailed once (and the page warns); the mails are queued by the page's running clock or
  by ``python cli.py alertas`` from cron.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed, NotFound
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    AnswerMode,
    CrisisIncident,
    OutboxMail,
    PublicQuestion,
    User,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.roles import Role
from core.domain.validation import spanish_reason
from core.services import alerts
from core.services.common import current_user, system_event

ANSWER_LIMIT = timedelta(minutes=15)
ENV_ATTENTION_HOURS = "RRSS_ATTENTION_HOURS"
_WEEKDAY_WORDS = {"lun": 0, "mar": 1, "mie": 2, "mié": 2, "jue": 3, "vie": 4, "sab": 5,
                  "sáb": 5, "dom": 6}
_DAY_NAMES = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


@dataclass(frozen=True)
class AttentionHours:
    """When the social-media team attends: every day from ``opens`` to ``closes`` (on
    ``days``, 0 = Monday); ``opens`` None means around the clock, the manual's rule."""

    opens: time | None = None
    closes: time | None = None
    days: frozenset[int] = frozenset(range(7))

    @property
    def around_the_clock(self) -> bool:
        return self.opens is None or self.closes is None

    @property
    def label(self) -> str:
        if self.around_the_clock:
            return "las 24 horas, todos los días (como el manual)"
        assert self.opens is not None and self.closes is not None
        days = "todos los días" if len(self.days) == 7 else \
            f"{_DAY_NAMES[min(self.days)]}-{_DAY_NAMES[max(self.days)]}" \
            if sorted(self.days) == list(range(min(self.days), max(self.days) + 1)) else \
            ", ".join(_DAY_NAMES[d] for d in sorted(self.days))
        return f"{days}, {self.opens:%H:%M} a {self.closes:%H:%M}"

    @classmethod
    def parse(cls, text: str | None) -> AttentionHours:
        """«08:00-16:30» (every day) or «lun-vie 08:00-16:30»; empty or «24h»: always.

        Raises ValueError with a Spanish reason for anything else.
        """
        value = (text or "").strip().lower()
        if value in ("", "24h", "24 h", "siempre"):
            return cls()
        parts = value.split()
        days = frozenset(range(7))
        if len(parts) == 2:
            first, _, last = parts[0].partition("-")
            if first not in _WEEKDAY_WORDS or (last and last not in _WEEKDAY_WORDS):
                raise ValueError(f"días no reconocidos «{parts[0]}» (use p. ej. lun-vie)")
            low, high = _WEEKDAY_WORDS[first], _WEEKDAY_WORDS[last or first]
            days = frozenset(range(low, high + 1))
            parts = parts[1:]
        if len(parts) != 1 or "-" not in parts[0]:
            raise ValueError("use «HH:MM-HH:MM» o «lun-vie HH:MM-HH:MM»")
        start_text, end_text = parts[0].split("-", 1)
        try:
            opens, closes = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise ValueError("las horas van como HH:MM, p. ej. 08:00-16:30") from None
        if closes <= opens or not days:
            raise ValueError("la hora de cierre debe ser posterior a la de apertura")
        return cls(opens, closes, days)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AttentionHours:
        """The setting, or around the clock when it is missing or cannot be read."""
        try:
            return cls.parse(env.get(ENV_ATTENTION_HOURS))
        except ValueError:
            return cls()

    def _open_at(self, moment: datetime) -> tuple[datetime, datetime]:
        """The attention window holding ``moment``, or the next one."""
        assert self.opens is not None and self.closes is not None
        day = moment.date()
        for _ in range(8):
            opening = datetime.combine(day, self.opens)
            closing = datetime.combine(day, self.closes)
            if day.weekday() in self.days and moment < closing:
                return max(opening, moment), closing
            day += timedelta(days=1)
            moment = datetime.combine(day, time())
        raise ValueError("sin días de atención")  # pragma: no cover - days is never empty

    def due(self, received: datetime, limit: timedelta = ANSWER_LIMIT) -> datetime:
        """When ``limit`` of attention time after ``received`` has passed."""
        if self.around_the_clock:
            return received + limit
        left, moment = limit, received
        while True:
            start, closing = self._open_at(moment)
            if start + left <= closing:
                return start + left
            left -= closing - start
            moment = closing


AROUND_THE_CLOCK = AttentionHours()

_LABELS = {
    "received_at": "Recibida en", "channel": "Canal", "summary": "Resumen",
    "answered_at": "Respondida en", "mode": "Respuesta", "description": "Descripción",
    "leader": "Líder (UGS)", "staff": "Personal involucrado", "actions": "Acciones",
    "opened_at": "Abierto en",
}


def _parse(model: type[BaseModel], form: Mapping[str, object]) -> BaseModel:
    try:
        return model.model_validate(dict(form))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        reason = spanish_reason(error)
        label = _LABELS.get(field, "")
        raise InvalidInput(f"{label}: {reason}." if label else
                           f"{reason[:1].upper()}{reason[1:]}.") from None




# -- questions from the public (5 e) --------------------------------------------------------


def questions(ledger: Ledger) -> list[PublicQuestion]:
    """Valid rows of «consultas», first row per id, newest first."""
    found: dict[str, PublicQuestion] = {}
    for record in ledger.all(PublicQuestion):
        found.setdefault(record.question_id, record)
    return sorted(found.values(), key=lambda q: (q.received_at, q.question_id), reverse=True)


def _responder(ledger: Ledger, username: str) -> tuple[User, Role]:
    actor = current_user(ledger, username)
    return actor, ledger.permissions.require(actor, Capability.ANSWER_COMMENTS)


class QuestionForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    received_at: datetime
    channel: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    answered_at: datetime | None = None
    mode: AnswerMode | None = None

    @model_validator(mode="after")
    def _answer(self) -> QuestionForm:
        _check_answer(self.received_at, self.answered_at, self.mode)
        return self


def _check_answer(received: datetime, answered: datetime | None,
                  mode: AnswerMode | None) -> None:
    if answered is None:
        return
    if answered < received:
        raise ValueError("la respuesta no puede ser anterior a la consulta")
    if mode is None:
        raise ValueError("indique si la respuesta fue pública o privada")


def record_question(repo: Repository, username: str, form: Mapping[str, object],
                    now: datetime) -> str:
    """Log a question from the public, answered already or not."""
    data = _parse(QuestionForm, form)
    assert isinstance(data, QuestionForm)
    ledger = repo.snapshot().ledger
    actor, role = _responder(ledger, username)
    if data.received_at > now or (data.answered_at and data.answered_at > now):
        raise InvalidInput("Las fechas no pueden estar en el futuro.")
    question_id = f"CON-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    question = PublicQuestion(
        question_id=question_id, received_at=data.received_at, channel=data.channel,
        summary=data.summary, answered_at=data.answered_at,
        mode=data.mode if data.answered_at else None,
        answered_by=actor.username if data.answered_at else "")
    def guard(fresh: Ledger) -> None:
        _responder(fresh, username)

    change = Change(guard=guard, summary=f"consulta {question_id}")
    change.add(question, system_event(ledger, question_id, "consulta_registrar", actor, role,
                                      now, data.channel))
    repo.commit(change)
    return question_id


def answer_question(repo: Repository, username: str, question_id: str, answered_at: datetime,
                    mode: AnswerMode | str, now: datetime) -> None:
    """Record the answer to a logged question (once)."""
    ledger = repo.snapshot().ledger
    actor, role = _responder(ledger, username)
    question = next((q for q in questions(ledger) if q.question_id == question_id), None)
    if question is None:
        raise NotFound(f"No existe la consulta {question_id}.")
    if question.answered_at is not None:
        raise InvalidInput(f"La consulta {question_id} ya fue respondida.")
    if answered_at > now:
        raise InvalidInput("Respondida en: la fecha no puede estar en el futuro.")
    try:
        answer_mode = AnswerMode(mode)
    except ValueError:
        raise InvalidInput("Respuesta: indique si fue pública o privada.") from None
    if answered_at < question.received_at:
        raise InvalidInput("Respondida en: la respuesta no puede ser anterior a la consulta.")

    def guard(fresh: Ledger) -> None:
        _responder(fresh, username)
        again = next((q for q in questions(fresh) if q.question_id == question_id), None)
        if again is None or again.answered_at is not None:
            raise InvalidInput(f"La consulta {question_id} ya fue respondida.")

    change = Change(guard=guard, summary=f"consulta {question_id}: respuesta")
    change.update(PublicQuestion, question_id, answered_at=answered_at, mode=answer_mode,
                  answered_by=actor.username)
    change.add(system_event(ledger, question_id, "consulta_responder", actor, role, now,
                            answer_mode.value))
    repo.commit(change)


class AnswerOutcome(StrEnum):
    ON_TIME = "a_tiempo"
    LATE = "tarde"
    UNANSWERED = "sin_respuesta"   # unanswered and past its 15 minutes
    PENDING = "pendiente"          # unanswered, still within its 15 minutes

    @property
    def label(self) -> str:
        return {"a_tiempo": "A tiempo", "tarde": "Respondida tarde",
                "sin_respuesta": "Sin respuesta (vencida)",
                "pendiente": "Pendiente (en plazo)"}[self]


def minutes_to_answer(question: PublicQuestion) -> float | None:
    if question.answered_at is None:
        return None
    return (question.answered_at - question.received_at).total_seconds() / 60


def answer_outcome(question: PublicQuestion, now: datetime,
                   limit: timedelta = ANSWER_LIMIT,
                   hours: AttentionHours = AROUND_THE_CLOCK) -> AnswerOutcome:
    due = hours.due(question.received_at, limit)
    if question.answered_at is not None:
        return AnswerOutcome.ON_TIME if question.answered_at <= due else AnswerOutcome.LATE
    return AnswerOutcome.UNANSWERED if now > due else AnswerOutcome.PENDING


@dataclass(frozen=True)
class AnswerCompliance:
    """The 15-minute rule over the questions received in a period."""

    total: int
    on_time: int
    late: int
    unanswered: int
    pending: int
    median_minutes: float | None
    overdue: list[PublicQuestion]   # late or unanswered, oldest first

    @property
    def share_on_time(self) -> float | None:
        """On time over those whose 15 minutes are over (pending ones left out)."""
        decided = self.on_time + self.late + self.unanswered
        return self.on_time / decided if decided else None


def answer_compliance(items: Iterable[PublicQuestion], first: date, last: date, now: datetime,
                      limit: timedelta = ANSWER_LIMIT,
                      hours: AttentionHours = AROUND_THE_CLOCK) -> AnswerCompliance:
    """Questions received from ``first`` to ``last`` (inclusive) measured against ``limit``
    (of attention time: around the clock unless ``hours`` says otherwise)."""
    chosen = [q for q in items if first <= q.received_at.date() <= last]
    outcomes = {q.question_id: answer_outcome(q, now, limit, hours) for q in chosen}
    count = {kind: sum(1 for o in outcomes.values() if o is kind) for kind in AnswerOutcome}
    minutes = [m for q in chosen if (m := minutes_to_answer(q)) is not None]
    overdue = sorted((q for q in chosen if outcomes[q.question_id] in
                      (AnswerOutcome.LATE, AnswerOutcome.UNANSWERED)),
                     key=lambda q: (q.received_at, q.question_id))
    return AnswerCompliance(
        total=len(chosen), on_time=count[AnswerOutcome.ON_TIME],
        late=count[AnswerOutcome.LATE], unanswered=count[AnswerOutcome.UNANSWERED],
        pending=count[AnswerOutcome.PENDING],
        median_minutes=statistics.median(minutes) if minutes else None, overdue=overdue)


# -- crisis incidents (5 f) -------------------------------------------------------------------


def incidents(ledger: Ledger) -> list[CrisisIncident]:
    """Valid rows of «incidentes», first row per id; open ones first, newest first."""
    found: dict[str, CrisisIncident] = {}
    for record in ledger.all(CrisisIncident):
        found.setdefault(record.incident_id, record)
    ordered = sorted(found.values(), key=lambda i: (i.opened_at, i.incident_id), reverse=True)
    return sorted(ordered, key=lambda i: i.closed_at is not None)


def find_incident(ledger: Ledger, incident_id: str) -> CrisisIncident:
    for incident in incidents(ledger):
        if incident.incident_id == incident_id:
            return incident
    raise NotFound(f"No existe el incidente {incident_id}.")


def _crisis_opener(ledger: Ledger, username: str) -> tuple[User, Role]:
    actor = current_user(ledger, username)
    return actor, ledger.permissions.require(actor, Capability.OPEN_CRISIS)


def _crisis_lines(ledger: Ledger, incident: CrisisIncident, *extra: str) -> list[str]:
    def name(username: str) -> str:
        user = ledger.users.get(username)
        return user.full_name if user else username

    return [f"Incidente: {incident.incident_id}", f"Qué ocurre: {incident.description}",
            f"Lidera: {name(incident.leader)}",
            f"Desde: {incident.opened_at:%d/%m/%Y %H:%M}",
            *(f"Estrategia: {incident.strategy}" for _ in [1] if incident.strategy),
            *extra, "Abrir: /atencion"]


def possible_leaders(ledger: Ledger) -> list[User]:
    """Active users who may lead a crisis: UGS heads and the people of their units."""
    def leads(user: User) -> bool:
        return ledger.permissions.can(user, Capability.LEAD_CRISIS)

    heads = [u for u in ledger.users.values() if leads(u)]
    units = {u.unit for u in heads if u.unit}
    leaders = [u for u in ledger.users.values() if u.active and (leads(u) or u.unit in units)]
    return sorted(leaders, key=lambda u: (not leads(u), u.full_name))


class IncidentForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    leader: str = Field(min_length=1)
    staff: str = Field(default="", max_length=MAX_CELL_CHARS)
    actions: str = Field(default="", max_length=MAX_CELL_CHARS)
    strategy: str = Field(default="", max_length=MAX_CELL_CHARS)
    contacts: str = Field(default="", max_length=MAX_CELL_CHARS)
    opened_at: datetime


def open_incident(repo: Repository, username: str, form: Mapping[str, object],
                  now: datetime) -> str:
    data = _parse(IncidentForm, form)
    assert isinstance(data, IncidentForm)
    ledger = repo.snapshot().ledger
    actor, role = _crisis_opener(ledger, username)
    if data.leader not in {u.username for u in possible_leaders(ledger)}:
        raise InvalidInput("Líder (UGS): elija a la Jefatura o a una persona de la UGS.")
    if data.opened_at > now:
        raise InvalidInput("Abierto en: la fecha no puede estar en el futuro.")
    incident_id = f"INC-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    incident = CrisisIncident(incident_id=incident_id, description=data.description,
                              leader=data.leader, staff=data.staff, actions=data.actions,
                              opened_at=data.opened_at, strategy=data.strategy,
                              contacts=data.contacts, opened_by=actor.username)

    def guard(fresh: Ledger) -> None:
        _crisis_opener(fresh, username)

    change = Change(guard=guard, summary=f"incidente {incident_id}")
    event = system_event(ledger, incident_id, "incidente_abrir", actor, role, now,
                         data.description[:200])
    change.add(incident, event)
    alerts.tell_managers(change, ledger, event.event_id, now,
                         f"Crisis abierta {incident_id}: {data.description[:80]}",
                         _crisis_lines(ledger, incident, f"Abrió: {actor.full_name}"))
    repo.commit(change)
    return incident_id


def _incident_actor(ledger: Ledger, username: str, incident: CrisisIncident) -> tuple[User, Role]:
    actor = current_user(ledger, username)
    if ledger.permissions.can(actor, Capability.LEAD_CRISIS):
        return actor, ledger.permissions.require(actor, Capability.LEAD_CRISIS)
    if actor.username == incident.leader:
        return actor, actor.roles[0]
    raise NotAllowed("Solo la Jefatura de la UGS o quien lidera el incidente registra sus "
                     "acciones y lo cierra (manual, 5 f).")


def update_incident(repo: Repository, username: str, incident_id: str, *, staff: str,
                    actions: str, now: datetime, close_at: datetime | None = None,
                    strategy: str | None = None, contacts: str | None = None) -> None:
    """Record the staff involved, the strategy, the contacts with the affected citizens and
    the actions taken (None leaves a text as it is); ``close_at`` closes the incident."""
    ledger = repo.snapshot().ledger
    incident = find_incident(ledger, incident_id)
    actor, role = _incident_actor(ledger, username, incident)
    if incident.closed_at is not None:
        raise InvalidInput(f"El incidente {incident_id} ya está cerrado.")
    staff, actions = staff.strip(), actions.strip()
    strategy = incident.strategy if strategy is None else strategy.strip()
    contacts = incident.contacts if contacts is None else contacts.strip()
    if max(len(staff), len(actions), len(strategy), len(contacts)) > MAX_CELL_CHARS:
        raise InvalidInput("Acciones: el texto es demasiado largo.")
    values: dict[str, object] = {"staff": staff, "actions": actions, "strategy": strategy,
                                 "contacts": contacts}
    outcome = "incidente_actualizar"
    if close_at is not None:
        if not actions:
            raise InvalidInput("Acciones: describa las acciones tomadas antes de cerrar.")
        if close_at < incident.opened_at:
            raise InvalidInput("Cerrado en: no puede ser anterior a la apertura.")
        if close_at > now:
            raise InvalidInput("Cerrado en: la fecha no puede estar en el futuro.")
        values["closed_at"] = close_at
        outcome = "incidente_cerrar"

    def guard(fresh: Ledger) -> None:
        again = find_incident(fresh, incident_id)
        _incident_actor(fresh, username, again)
        if again != incident:
            raise ConcurrentChange(f"Otra persona modificó el incidente {incident_id}; "
                                   "revise y vuelva a intentar.")

    change = Change(guard=guard, summary=f"incidente {incident_id}: {outcome}")
    change.update(CrisisIncident, incident_id, **values)
    event = system_event(ledger, incident_id, outcome, actor, role, now, actions[-200:])
    change.add(event)
    if close_at is not None:
        closed = incident.model_copy(update=values)
        alerts.tell_managers(change, ledger, event.event_id, now,
                             f"Crisis cerrada {incident_id}: {incident.description[:80]}",
                             _crisis_lines(ledger, closed, f"Cerrada: {close_at:%d/%m/%Y %H:%M}",
                                           f"Contactos con los ciudadanos: {contacts or '—'}",
                                           f"Acciones: {actions}"))
    repo.commit(change)


# -- the 15-minute clock: alerts before the minute 15 -----------------------------------------

ALERT_AFTER = timedelta(minutes=10)


def alert_id(question_id: str) -> str:
    return f"alerta-{question_id}"


def due_at(question: PublicQuestion, hours: AttentionHours = AROUND_THE_CLOCK) -> datetime:
    return hours.due(question.received_at)


def questions_to_alert(ledger: Ledger, now: datetime,
                       hours: AttentionHours = AROUND_THE_CLOCK) -> list[PublicQuestion]:
    """Unanswered questions past minute 10 and not yet at 15, not alerted yet."""
    sent = ledger.keys_in_use(OutboxMail)
    found = []
    for question in questions(ledger):
        if question.answered_at is not None:
            continue
        due = due_at(question, hours)
        if due - (ANSWER_LIMIT - ALERT_AFTER) <= now < due and not any(
                key.startswith(alert_id(question.question_id) + "-") for key in sent):
            found.append(question)
    return found


def queue_answer_alerts(repo: Repository, now: datetime,
                        hours: AttentionHours = AROUND_THE_CLOCK) -> int:
    """Mail whoever answers questions about each one near its minute 15 (once); how many
    questions were alerted. Idempotent: the mail ids say which were."""
    ledger = repo.snapshot().ledger
    due = questions_to_alert(ledger, now, hours)
    if not due:
        return 0
    people = alerts.holders(ledger, (Capability.ANSWER_COMMENTS,))
    change = Change(guard=lambda fresh: _no_alert_yet(fresh, due),
                    summary="alertas de consultas")
    for question in due:
        left = max(0, int((due_at(question, hours) - now).total_seconds() // 60))
        alerts.queue(change, ledger, people, alert_id(question.question_id), now,
                     f"Consulta sin responder: quedan {left} min · {question.channel}",
                     [f"Consulta {question.question_id} en {question.channel}, recibida el "
                      f"{question.received_at:%d/%m/%Y a las %H:%M}: {question.summary}",
                      f"Debe responderse antes de las {due_at(question, hours):%H:%M} "
                      "(manual, 5 e: 15 minutos).", "Abrir: /atencion"])
    if not change:
        return 0
    try:
        repo.commit(change)
    except ConcurrentChange:
        return 0
    return len(due)


def _no_alert_yet(fresh: Ledger, due: list[PublicQuestion]) -> None:
    sent = fresh.keys_in_use(OutboxMail)
    if any(key.startswith(alert_id(q.question_id) + "-") for q in due for key in sent):
        raise ConcurrentChange("Otra sesión ya envió la alerta.")
