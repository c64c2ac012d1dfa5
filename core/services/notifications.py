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
from collections.abc import Sequence
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
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    RequestState,
    allowed_actions,
    event_label,
    must_act_label,
    stage_actions,
)
from core.services.common import current_user

SUBJECT_PREFIX = "[RRSS ADSIB]"
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


def request_link(request_id: str) -> str:
    """The path of a request in the app (the «Solicitud» page reads ``?id=``)."""
    return f"/solicitud?id={request_id}"


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "sin plazo (plazo variable)"


def _role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


# -- who, and the calendar -----------------------------------------------------------------


def who_must_act(ledger: Ledger, state: RequestState) -> list[User]:
    """Active users who may act at the request's current stage (unit and self-approval
    rules included: the same test the Bandeja uses)."""
    return sorted((u for u in ledger.users.values() if u.active and allowed_actions(state, u)),
                  key=lambda u: u.username)


def users_without_email(ledger: Ledger) -> list[User]:
    """Active users no mail can reach: the outbox page lists them."""
    return sorted((u for u in ledger.users.values() if u.active and not u.email.strip()),
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
    return next((a.label for a in stage_actions(before) if a.code == event.outcome),
                event_label(before.procedure, event))


def _facts(ledger: Ledger, before: RequestState, after: RequestState, event: Event) -> list[str]:
    request = after.request
    actor = ledger.users.get(event.actor)
    who = actor.full_name if actor else event.actor
    lines = [
        f"Solicitud: {request.request_id}",
        f"Título: {_one_line(request.title, TITLE_CHARS)}",
        f"Procedimiento: {after.procedure.number} · {after.procedure.name}",
        f"Unidad solicitante: {request.unit}",
        f"Acción realizada: {_action_label(before, event)} (etapa {event.stage}), por {who} "
        f"como {_role_label(event.role)}, el {event.at:%d/%m/%Y a las %H:%M}",
    ]
    if event.comment.strip():
        lines.append(f"Comentario: {_block(event.comment, COMMENT_CHARS)}")
    return lines


def _mail(mail_id: str, at: datetime, to: str, subject: str, body: str) -> OutboxMail:
    return OutboxMail(mail_id=mail_id, created_at=at, to=to, subject=subject[:MAX_CELL_CHARS],
                      body=body[:MAX_CELL_CHARS])


def transition_mails(
    ledger: Ledger, before: RequestState, after: RequestState, event: Event,
    calendar: WorkCalendar,
) -> list[OutboxMail]:
    """One mail per person who must act at the new stage; on close, one to the requester.

    Users without an e-mail address get none (the outbox page lists them).
    """
    request = after.request
    rid = request.request_id
    title = _one_line(request.title, 80)
    facts = _facts(ledger, before, after, event)
    mails: list[OutboxMail] = []
    if after.is_open and after.stage_row is not None:
        row = after.stage_row
        due = stage_due(after, calendar)
        for user in who_must_act(ledger, after):
            if not user.email.strip():
                continue
            body = "\n".join([
                f"{user.full_name}:", "",
                f"La solicitud {rid} espera su acción en la etapa {row.number}.", "",
                *facts,
                f"Etapa actual: {row.number} de {after.procedure.last_stage} · {row.activity}",
                f"Debe actuar: {must_act_label(after)}",
                f"Instrumento: {row.instrument}" if row.instrument else "",
                f"Vence: {_day(due)}",
                f"Abrir: {request_link(rid)}", "", FOOTER,
            ])
            subject = (f"{SUBJECT_PREFIX} {rid}: su acción en la etapa {row.number}"
                       f"{f', vence {due:%d/%m/%Y}' if due else ''} · {title}")
            mails.append(_mail(f"{event.event_id}-{user.username}", event.at, user.email.strip(),
                               subject, body.replace("\n\n\n", "\n\n")))
    elif not after.is_open:
        requester = ledger.users.get(request.created_by)
        if requester is not None and requester.active and requester.email.strip():
            outcome = "publicada" if after.status is Status.PUBLISHED else "rechazada"
            body = "\n".join([
                f"{requester.full_name}:", "",
                f"La solicitud {rid}, que usted registró, fue {outcome}.", "",
                *facts, f"Estado: {after.status.label}", f"Abrir: {request_link(rid)}", "",
                FOOTER,
            ])
            mails.append(_mail(f"{event.event_id}-{requester.username}", event.at,
                               requester.email.strip(),
                               f"{SUBJECT_PREFIX} {rid}: {outcome} · {title}", body))
    return mails


def queue_transition(
    change: Change, ledger: Ledger, before: RequestState, after: RequestState, event: Event,
    calendar: WorkCalendar | None = None,
) -> int:
    """Append the transition's mails to ``change`` (the action's own change); how many."""
    if not outbox_ready(ledger):
        return 0
    mails = transition_mails(ledger, before, after, event, calendar or ledger_calendar(ledger))
    change.add(*mails)
    return len(mails)


# -- the daily digest -------------------------------------------------------------------------


def digest_id(username: str, day: date) -> str:
    return f"digest-{username}-{day.isoformat()}"


def build_daily_digest(
    ledger: Ledger, calendar: WorkCalendar, today: date, *, now: datetime | None = None
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
                f"{due:%d/%m/%Y} ({late} día(s) hábil(es) de atraso) · {request_link(rid)}")
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


def queue_daily_digest(repo: Repository, calendar: WorkCalendar, now: datetime) -> int:
    """Queue today's digest mails not queued yet (idempotent); how many were added."""
    for _ in range(3):
        ledger = repo.snapshot().ledger
        if not outbox_ready(ledger):
            return 0
        known = _mail_ids(ledger)
        mails = [m for m in build_daily_digest(ledger, calendar, now.date(), now=now)
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
