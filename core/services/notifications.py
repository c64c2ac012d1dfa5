"""Notifications: whoever must act next hears of it by e-mail, the manual's instrument.

Why an outbox: each mail is a row of «correo_saliente» appended in the SAME change as the
action it reports, so an action never waits on an SMTP server and never half-happens (the
action and its mails are written together, or nothing is). :func:`deliver_pending` hands
pending rows to a :class:`core.mailer.Mailer` later and records the outcome on each row
(enviado, or one more attempt with the server's error; fallido after ``max_attempts``).
With no SMTP server configured the rows simply stay in the tab, which the «Correo
saliente» page shows.

What triggers what (also in the README):
- every successful action in the app starts :func:`deliver_pending` in a background
  thread (never blocking or breaking the action); so does the page's «Reintentar envío»;
- the daily digest of overdue items is queued at most once per day (its row ids are
  ``digest-<user>-<date>``) by the first page a signed-in person opens that day, or by
  ``python cli.py digest`` from cron; ``python cli.py send`` delivers what is pending
  (run it from cron every few minutes to pick up retries).

The outcomes of one delivery round are recorded in one change. Only one round runs at a
time per process: the entry point hands in its ``slot`` (a lock it owns).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.domain.deadlines import due_info, stage_due
from core.domain.errors import ConcurrentChange, DomainError, InvalidInput
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    ArchivedMail,
    DayOff,
    Event,
    MailStatus,
    OutboxMail,
    Status,
    User,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Mailer, MailError, Repository
from core.domain.procedures import OutcomeKind
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    NOTE,
    ROUTE_KEY,
    ROUTES,
    RequestState,
    event_label,
    is_transition,
    must_act_label,
    on_behalf_of,
    outcome_kind,
    stage_actions,
    who_can_act,
)
from core.services.common import current_user

SUBJECT_PREFIX = "[RRSS ADSIB]"
DEFAULT_PUBLIC_URL = "http://localhost:8501"  # the app's address when RRSS_PUBLIC_URL is unset
MAX_ATTEMPTS = 5
BACKOFF_MINUTES = 1  # attempt n+1 waits 1, 4, 16, 64 ... minutes after the mail was queued
TITLE_CHARS = 200
COMMENT_CHARS = 2_000
DIGEST_ITEMS = 100
ERROR_CHARS = 1_000
DEFAULT_SUBDIVISION = "L"  # ADSIB sits in La Paz
FOOTER = ("—\nAviso automático de la aplicación de Publicaciones en RRSS de la ADSIB "
          "(manual ADSIB-INST-MPROC-12). No responda a este correo.")

DEMO_NO_MAIL = ("Datos de demostración (libro creado con «python cli.py demo»): no se envía "
                "ningún correo, para no escribir a las direcciones de los usuarios de "
                "ejemplo; quedan en la pestaña.")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- text helpers ---------------------------------------------------------------------------


def _one_line(text: str, limit: int) -> str:
    """``text`` fit for a subject or a list line: no control characters, no line breaks."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _block(text: str, limit: int) -> str:
    clean = _CONTROL.sub(" ", text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def request_link(request_id: str, public_url: str = DEFAULT_PUBLIC_URL) -> str:
    """The address of a request in the app: the app's public address (``RRSS_PUBLIC_URL``)
    and the «Solicitud» page, which reads ``?id=`` (also after the log-in form)."""
    return f"{public_url.rstrip('/')}/solicitud?id={request_id}"


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "sin plazo (plazo variable)"


def _role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


def _name(ledger: Ledger, username: str) -> str:
    user = ledger.users.get(username)
    return user.full_name if user else username


# -- who, and the calendar -----------------------------------------------------------------


def who_must_act(ledger: Ledger, state: RequestState) -> list[User]:
    """Active users who may act at the request's current stage (unit and self-approval
    rules included: the same test the Bandeja uses)."""
    return who_can_act(state, ledger.users.values())


def users_without_email(ledger: Ledger) -> list[User]:
    """Active users no mail can reach: the outbox page lists them."""
    return sorted((u for u in ledger.users.values() if u.active and not u.email.strip()),
                  key=lambda u: u.username)


def holders(ledger: Ledger, roles: Iterable[Role]) -> list[User]:
    """Active users holding any of ``roles``."""
    wanted = set(roles)
    return sorted((u for u in ledger.users.values() if u.active and wanted & set(u.roles)),
                  key=lambda u: u.username)


def ledger_calendar(ledger: Ledger, subdivision: str | None = DEFAULT_SUBDIVISION
                    ) -> WorkCalendar:
    """The working-day calendar with the institutional days off recorded in the ledger
    (for callers without the app's calendar: a cron run, a test)."""
    days = sorted({record.day for record in ledger.all(DayOff)})
    return WorkCalendar.for_bolivia(subdivision=subdivision, days_off=days)


def outbox_ready(ledger: Ledger) -> bool:
    """Whether mails can be appended: a missing or damaged outbox tab must never make an
    action fail (the data-health page reports the header; the action goes on unmailed)."""
    return ledger.writable(OutboxMail)


# -- mails for a transition ----------------------------------------------------------------


def _action_label(before: RequestState, event: Event) -> str:
    if not is_transition(event):
        return event_label(before.procedure, event)
    return next((a.label for a in stage_actions(before) if a.code == event.outcome),
                event_label(before.procedure, event))


def _facts(ledger: Ledger, before: RequestState, after: RequestState, event: Event) -> list[str]:
    request = after.request
    principal = on_behalf_of(event)
    who = _name(ledger, event.actor)
    if principal:
        route = ROUTES.get(str(event.payload().get(ROUTE_KEY, "")), "")
        who = (f"{who}, en nombre de {_name(ledger, principal)}"
               f"{f' ({route.lower()})' if route else ''},")
    lines = [
        f"Solicitud: {request.request_id}",
        f"Título: {_one_line(request.title, TITLE_CHARS)}",
        f"Procedimiento: {after.procedure.number} · {after.procedure.name}",
        f"Unidad solicitante: {request.unit}",
        f"Acción realizada: {_action_label(before, event)} (etapa {event.stage}), por {who} "
        f"como {_role_label(event.role)}, el {event.at:%d/%m/%Y a las %H:%M}",
    ]
    if event.comment.strip():
        heading = "Comentario" if outcome_kind(event) in (OutcomeKind.FORWARD.value,
                                                          OutcomeKind.COMMITTEE.value) \
            else "Observaciones"
        lines.append(f"{heading}: {_block(event.comment, COMMENT_CHARS)}")
    return lines


def _mail(mail_id: str, at: datetime, to: str, subject: str, body: str) -> OutboxMail:
    return OutboxMail(mail_id=mail_id, created_at=at, to=to, subject=subject[:MAX_CELL_CHARS],
                      body=body[:MAX_CELL_CHARS])


class _Mails:
    """The mails of one event: one per person at most (the first reason to write wins)."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.by_user: dict[str, OutboxMail] = {}

    def add(self, user: User, subject: str, lines: Sequence[str]) -> None:
        if user.username in self.by_user or not user.active or not user.email.strip():
            return
        body = "\n".join([f"{user.full_name}:", "", *lines, "", FOOTER])
        while "\n\n\n" in body:
            body = body.replace("\n\n\n", "\n\n")
        self.by_user[user.username] = _mail(f"{self.event.event_id}-{user.username}",
                                            self.event.at, user.email.strip(), subject, body)


_CLOSED_WORDS = {Status.PUBLISHED: "publicada", Status.REJECTED: "rechazada",
                 Status.WITHDRAWN: "retirada", Status.CANCELLED: "cancelada"}


def transition_mails(
    ledger: Ledger, before: RequestState, after: RequestState, event: Event,
    calendar: WorkCalendar, public_url: str = DEFAULT_PUBLIC_URL,
) -> list[OutboxMail]:
    """The mails an event sends, one per person at most:

    * whoever must act at the new stage (also after an observation, which says so);
    * the requester, when the request closes or is returned with observations;
    * the people who were due to act, when it is withdrawn or cancelled;
    * whoever the stage just finished sends a copy to («mediante la jefatura de la UGS»,
      the DE at procedure 1 stage 6), who may add an observation;
    * the person an instruction was recorded for (who recorded it, by which route);
    * the Administradores Principales, when an Editor publishes (5 b: they answer for it).

    Users without an e-mail address get none (the outbox page lists them).
    """
    request = after.request
    rid = request.request_id
    title = _one_line(request.title, 80)
    link = f"Abrir: {request_link(rid, public_url)}"
    facts = _facts(ledger, before, after, event)
    mails = _Mails(event)
    kind = outcome_kind(event)
    requester = ledger.users.get(request.created_by)
    if after.is_open and after.stage_row is not None:
        row = after.stage_row
        due = stage_due(after, calendar)
        opening = (f"Hay una observación nueva en la solicitud {rid}, que espera su acción en "
                   f"la etapa {row.number}." if kind == NOTE else
                   f"La solicitud {rid} espera su acción en la etapa {row.number}.")
        subject = (f"{SUBJECT_PREFIX} {rid}: "
                   f"{'observación; ' if kind == NOTE else ''}su acción en la etapa {row.number}"
                   f"{f', vence {due:%d/%m/%Y}' if due else ''} · {title}")
        for user in who_must_act(ledger, after):
            mails.add(user, subject, [
                opening, "", *facts,
                f"Etapa actual: {row.number} de {after.procedure.last_stage} · {row.activity}",
                f"Debe actuar: {must_act_label(after)}",
                f"Instrumento: {row.instrument}" if row.instrument else "",
                f"Vence: {_day(due)}", link])
        if kind == OutcomeKind.RETURN and requester is not None \
                and requester.username != event.actor:
            mails.add(requester, f"{SUBJECT_PREFIX} {rid}: devuelta a la etapa {row.number} "
                                 f"con observaciones · {title}", [
                f"La solicitud {rid}, que usted pidió, fue devuelta a la etapa {row.number} "
                "con observaciones.", "", *facts, f"Debe actuar ahora: {must_act_label(after)}",
                link])
    elif not after.is_open:
        word = _CLOSED_WORDS.get(after.status, after.status.label.lower())
        if requester is not None and requester.username != event.actor:
            mails.add(requester, f"{SUBJECT_PREFIX} {rid}: {word} · {title}", [
                f"La solicitud {rid}, que usted pidió, fue {word}.", "", *facts,
                f"Estado: {after.status.label}", link])
        if after.status in (Status.WITHDRAWN, Status.CANCELLED):
            for user in who_must_act(ledger, before):
                if user.username != event.actor:
                    mails.add(user, f"{SUBJECT_PREFIX} {rid}: {word}, ya no requiere su "
                                    f"acción · {title}", [
                        f"La solicitud {rid} fue {word} y ya no requiere su acción en la "
                        f"etapa {before.stage}.", "", *facts, link])
        if after.status is Status.PUBLISHED and event.role == Role.EDITOR.value:
            for user in holders(ledger, [Role.ADMIN]):
                mails.add(user, f"{SUBJECT_PREFIX} {rid}: publicada por el Editor · {title}", [
                    f"La solicitud {rid} fue publicada por el Editor de RRSS "
                    f"{_name(ledger, event.actor)} (manual 5 c). Usted sigue siendo el "
                    "responsable de las publicaciones (5 b).", "", *facts, link])
    stage = before.stage_row
    if is_transition(event) and kind in (OutcomeKind.FORWARD.value,
                                         OutcomeKind.COMMITTEE.value) \
            and stage is not None and stage.copy_roles:
        for user in holders(ledger, stage.copy_roles):
            if user.username != event.actor:
                mails.add(user, f"{SUBJECT_PREFIX} {rid}: copia de la etapa {stage.number} · "
                                f"{title}", [
                    f"Para su conocimiento: la etapa {stage.number} de la solicitud {rid} "
                    f"({stage.activity}) se remite con copia a usted ({stage.clause}).",
                    "Puede dejar una observación en la solicitud; no la detiene.", "",
                    *facts, link])
    principal = on_behalf_of(event)
    if principal and principal in ledger.users:
        route = ROUTES.get(str(event.payload().get(ROUTE_KEY, "")), "sin vía")
        mails.add(ledger.users[principal], f"{SUBJECT_PREFIX} {rid}: instrucción registrada "
                                           f"en su nombre · {title}", [
            f"{_name(ledger, event.actor)} registró en su nombre una instrucción recibida por "
            f"{route.lower()}.", "", *facts,
            "Puede ver todas las instrucciones registradas en su nombre en la Bandeja.", link])
    return list(mails.by_user.values())


def queue_transition(
    change: Change, ledger: Ledger, before: RequestState, after: RequestState, event: Event,
    calendar: WorkCalendar | None = None, public_url: str = DEFAULT_PUBLIC_URL,
) -> int:
    """Append the transition's mails to ``change`` (the action's own change); how many."""
    if not outbox_ready(ledger):
        return 0
    mails = transition_mails(ledger, before, after, event, calendar or ledger_calendar(ledger),
                             public_url)
    change.add(*mails)
    return len(mails)


def queue_notice(change: Change, ledger: Ledger, event: Event, users: Iterable[User],
                 subject: str, lines: Sequence[str]) -> int:
    """Append one notice per user (an event outside the procedures: a direct publication by
    the Editor, a deletion order recorded on the DE's behalf); how many."""
    if not outbox_ready(ledger):
        return 0
    mails = _Mails(event)
    for user in users:
        if user.username != event.actor:
            mails.add(user, f"{SUBJECT_PREFIX} {_one_line(subject, 160)}", lines)
    change.add(*mails.by_user.values())
    return len(mails.by_user)


# -- the daily digest -------------------------------------------------------------------------


def digest_id(username: str, day: date) -> str:
    return f"digest-{username}-{day.isoformat()}"


def build_daily_digest(
    ledger: Ledger, calendar: WorkCalendar, today: date, *, now: datetime | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> list[OutboxMail]:
    """One mail per person with overdue requests waiting for them, listing those requests."""
    overdue: dict[str, list[tuple[RequestState, date, int]]] = defaultdict(list)
    for state in ledger.states.values():
        if not state.is_open:
            continue
        info = due_info(state, calendar, today)
        if not info.overdue or info.due is None:
            continue
        for user in who_must_act(ledger, state):
            overdue[user.username].append((state, info.due, info.days_late))
    created = now or datetime.combine(today, time())
    mails: list[OutboxMail] = []
    for username, items in sorted(overdue.items()):
        user = ledger.users[username]
        if not user.email.strip():
            continue
        items.sort(key=lambda item: (item[1], item[0].request.request_id))
        lines = [f"{user.full_name}:", "",
                 f"Al {today:%d/%m/%Y} tiene {len(items)} solicitud(es) con el plazo vencido "
                 "esperando su acción:", ""]
        for state, due, late in items[:DIGEST_ITEMS]:
            rid = state.request.request_id
            row = state.stage_row
            lines.append(
                f"- {rid} · {_one_line(state.request.title, 120)} · etapa {state.stage}"
                f"{f' ({_one_line(row.activity, 80)})' if row else ''} · venció el "
                f"{due:%d/%m/%Y} ({late} día(s) hábil(es) de atraso) · "
                f"{request_link(rid, public_url)}")
        if len(items) > DIGEST_ITEMS:
            lines.append(f"… y {len(items) - DIGEST_ITEMS} más (vea la Bandeja).")
        lines += ["", FOOTER]
        subject = (f"{SUBJECT_PREFIX} Resumen diario {today:%d/%m/%Y}: {len(items)} "
                   "solicitud(es) vencida(s) a su cargo")
        mails.append(_mail(digest_id(username, today), created, user.email.strip(), subject,
                           "\n".join(lines)))
    return mails


def _mail_ids(ledger: Ledger) -> set[str]:
    """Every id in the outbox tab and its archive, rows that fail validation included."""
    return ledger.keys_in_use(OutboxMail) | ledger.keys_in_use(ArchivedMail)


def queue_daily_digest(repo: Repository, calendar: WorkCalendar, now: datetime,
                       public_url: str = DEFAULT_PUBLIC_URL) -> int:
    """Queue today's digest mails not queued yet (idempotent); how many were added."""
    for _ in range(3):
        ledger = repo.snapshot().ledger
        if not outbox_ready(ledger):
            return 0
        known = _mail_ids(ledger)
        mails = [m for m in build_daily_digest(ledger, calendar, now.date(), now=now,
                                               public_url=public_url)
                 if m.mail_id not in known]
        if not mails:
            return 0
        ids = {m.mail_id for m in mails}

        def guard(fresh: Ledger, ids: set[str] = ids) -> None:
            if ids & _mail_ids(fresh):
                raise ConcurrentChange("El resumen diario ya se puso en cola.")

        change = Change(guard=guard, summary=f"resumen diario {now:%Y-%m-%d}")
        change.add(*mails)
        try:
            repo.commit(change)
        except ConcurrentChange:
            continue
        return len(mails)
    return 0


# -- delivery ---------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # attempts that failed in this run
    given_up: int = 0  # mails that became «fallido» in this run
    waiting: int = 0  # pending mails still waiting for their next attempt
    error: str = ""  # the last error, as the server said it
    busy: bool = False  # another delivery was running; nothing done
    archived: int = 0  # delivered long ago, moved to the archive tab in this run

    @property
    def summary(self) -> str:
        if self.busy:
            return "Ya hay un envío en curso; vuelva a mirar en unos segundos."
        parts = [f"{self.sent} enviado(s)", f"{self.failed} con error"]
        if self.given_up:
            parts.append(f"{self.given_up} marcados como fallidos")
        if self.waiting:
            parts.append(f"{self.waiting} esperan su próximo intento")
        return ", ".join(parts) + "."


def outbox(ledger: Ledger) -> list[OutboxMail]:
    """Every valid outbox row, newest first."""
    mails = ledger.all(OutboxMail)
    return sorted(mails, key=lambda m: (m.created_at, m.mail_id), reverse=True)


def next_attempt_at(mail: OutboxMail) -> datetime:
    """When a pending mail may be tried again: backoff grows with each failed attempt."""
    if mail.attempts == 0:
        return mail.created_at
    return mail.created_at + timedelta(minutes=BACKOFF_MINUTES * 4 ** (mail.attempts - 1))


def _current(ledger: Ledger) -> dict[str, OutboxMail]:
    """Mails by id; of two rows with one id, the first (the one an update changes)."""
    current: dict[str, OutboxMail] = {}
    for mail in ledger.all(OutboxMail):
        current.setdefault(mail.mail_id, mail)
    return current


Outcome = tuple[OutboxMail, dict[str, object]]


def _record(repo: Repository, outcomes: Sequence[Outcome]) -> None:
    """Write the round's outcomes in one change; a mail whose row someone else changed
    meanwhile (another process recorded an attempt) is left to them."""
    pending = list(outcomes)
    for _ in range(3):
        if not pending:
            return
        seen = {mail.mail_id: (mail.status, mail.attempts) for mail, _ in pending}

        def guard(fresh: Ledger, seen: dict[str, tuple[MailStatus, int]] = seen) -> None:
            rows = _current(fresh)
            for mail_id, expected in seen.items():
                row = rows.get(mail_id)
                if row is None or (row.status, row.attempts) != expected:
                    raise ConcurrentChange("Otro proceso registró este envío.")

        change = Change(guard=guard, summary="envío de correos")
        for mail, values in pending:
            change.update(OutboxMail, mail.mail_id, **values)
        try:
            repo.commit(change)
            return
        except ConcurrentChange:
            rows = _current(repo.snapshot().ledger)
            pending = [(mail, values) for mail, values in pending
                       if (row := rows.get(mail.mail_id)) is not None
                       and (row.status, row.attempts) == (mail.status, mail.attempts)]


def _failure(mail: OutboxMail, error: MailError, max_attempts: int) -> Outcome:
    attempts = mail.attempts + 1
    gave_up = error.permanent or attempts >= max_attempts
    status = MailStatus.FAILED if gave_up else MailStatus.PENDING
    return mail, {"status": status, "attempts": attempts,
                  "last_error": _one_line(error.message, ERROR_CHARS)}


ARCHIVE_AFTER = timedelta(days=90)  # a delivered mail leaves the outbox after this long


def archive_delivered(repo: Repository, now: datetime, *, after: timedelta = ARCHIVE_AFTER,
                      limit: int = 500) -> int:
    """Move mails delivered more than ``after`` ago from the outbox to its archive tab, in
    one change (each found by its id, never by position); returns how many. Nothing
    happens on a ledger without the archive tab (``python cli.py migrate`` adds it) or
    whose outbox has a mail id written twice (Salud de datos names it)."""
    ledger = repo.snapshot().ledger
    if not (ledger.writable(ArchivedMail) and ledger.writable(OutboxMail)):
        return 0
    cutoff = now - after
    old = sorted((m for m in _current(ledger).values() if m.status is MailStatus.SENT
                  and m.sent_at is not None and m.sent_at <= cutoff),
                 key=lambda m: (m.sent_at or now, m.mail_id))[:limit]
    if not old:
        return 0
    change = Change(summary=f"archivar {len(old)} correo(s) enviados")
    for mail in old:
        change.remove(OutboxMail, mail.mail_id)
        change.add(ArchivedMail(**mail.model_dump()))
    try:
        repo.commit(change)
    except DomainError:
        return 0
    return len(old)


def deliver_pending(
    repo: Repository, mailer: Mailer, now: datetime, max_attempts: int = MAX_ATTEMPTS, *,
    force: bool = False, include_failed: bool = False, limit: int = 200, wait: float = 0,
    slot: threading.Lock | None = None,
) -> DeliveryReport:
    """Send the pending mails whose next attempt is due and record each outcome.

    ``force`` ignores the backoff and ``include_failed`` retries «fallido» mails too (the
    page's «Reintentar envío»). One SMTP connection per run; when it cannot be opened,
    every mail of the run gets the attempt and the error. The round's outcomes are written
    in one change at its end. Delivery is at least once: a mail sent whose row could not
    be updated is sent again on the next run. ``slot``: the caller's lock, so that only one
    run at a time sends (another one waits up to ``wait`` seconds, then reports busy).
    """
    report = DeliveryReport()
    slot = slot if slot is not None else threading.Lock()
    if not (slot.acquire(timeout=wait) if wait > 0 else slot.acquire(False)):
        report.busy = True
        return report
    try:
        report.archived = archive_delivered(repo, now)
        wanted = {MailStatus.PENDING} | ({MailStatus.FAILED} if include_failed else set())
        candidates = [m for m in _current(repo.snapshot().ledger).values()
                      if m.status in wanted]
        candidates.sort(key=lambda m: (m.created_at, m.mail_id))
        due = [m for m in candidates if force or next_attempt_at(m) <= now][:limit]
        report.waiting = len(candidates) - len(due)
        if not due:
            return report
        outcomes: list[Outcome] = []
        try:
            with mailer.session() as sender:
                for mail in due:
                    try:
                        sender.send(mail.to, mail.subject, mail.body)
                    except MailError as error:
                        outcome = _failure(mail, error, max_attempts)
                        report.failed += 1
                        report.given_up += outcome[1]["status"] is MailStatus.FAILED
                        report.error = error.message
                    else:
                        outcome = (mail, {"status": MailStatus.SENT,
                                          "attempts": mail.attempts + 1,
                                          "last_error": "", "sent_at": now})
                        report.sent += 1
                    outcomes.append(outcome)
        except MailError as error:
            done = {mail.mail_id for mail, _ in outcomes}
            rest = [_failure(m, error, max_attempts) for m in due if m.mail_id not in done]
            report.failed += len(rest)
            report.given_up += sum(v["status"] is MailStatus.FAILED for _, v in rest)
            report.error = error.message
            outcomes += rest
        _record(repo, outcomes)
        return report
    finally:
        slot.release()


def retry_now(
    repo: Repository, username: str, mailer: Mailer | None, now: datetime,
    slot: threading.Lock | None = None,
) -> DeliveryReport:
    """«Reintentar envío»: send every pending and failed mail now (UGS head, sysadmin)."""
    ledger = repo.snapshot().ledger
    ledger.permissions.require(current_user(ledger, username), Capability.MANAGE_OUTBOX)
    if mailer is None:
        raise InvalidInput("No hay servidor de correo configurado (RRSS_SMTP_HOST): los "
                           "correos quedan en la pestaña «correo_saliente».")
    return deliver_pending(repo, mailer, now, force=True, include_failed=True, wait=60,
                           slot=slot)
