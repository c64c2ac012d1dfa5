"""Intake: rows that staff type (or a Google Form adds) to the tab of intake rows.

Each row asks for a publication of procedure 3 (información específica). When intake runs
(at start-up, the UGS head's button on Bandeja, or ``python cli.py intake`` from cron):

- a complete, valid row becomes a request, registered in the name of the row's user; the
  registering event (signed, in the events tab) records the row's *identity*, the SHA-256
  of its time stamp and user. A row whose identity the record already holds is never
  taken again — wherever the row is now, after a sort, an inserted row or an edit;
- a row with a missing or invalid field waits; its problem is shown in the app (Bandeja,
  Salud de datos), and correcting the cells is enough.
- its «archivos» links become the request's material, version 1, in the same change;

The app never writes into the intake tab: its rows are people's, and people move them.
:func:`review` is pure (ledger in, verdicts out); :func:`process` registers the valid rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from core.domain.errors import ConcurrentChange, DomainError
from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, EventKind, IntakeRow, people_datetime
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.validation import thousands
from core.services import materials, notifications, requests
from core.services.common import current_user

PROCEDURE = 3
ORIGIN = "fila_ingreso"  # the registering event's data key holding the intake row's identity
FILES = "files"  # the form entry carrying the «archivos» links (not a request field)


@dataclass(frozen=True)
class Verdict:
    """What to do with one intake row (sheet row ``row``, ``record`` as read)."""

    row: int
    record: IntakeRow
    identity: str
    username: str = ""
    form: Mapping[str, object] | None = None  # set when the row is valid
    problem: str = ""  # Spanish, set when it is not

    @property
    def valid(self) -> bool:
        return self.form is not None


@dataclass
class IntakeReport:
    registered: list[tuple[int, str]] = field(default_factory=list)  # (row, request id)
    waiting: list[tuple[int, str]] = field(default_factory=list)  # (row, problem)
    skipped: list[int] = field(default_factory=list)  # taken by someone else meanwhile


def identity(record: IntakeRow) -> str:
    """Who asked and when (a Form's time stamp): stays the row's through sorts and edits."""
    stamp = record.submitted_at.strip()
    with_time = people_datetime(stamp).isoformat() if stamp else ""
    text = f"{with_time}|{record.username.strip().lower()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def taken(ledger: Ledger) -> dict[str, str]:
    """Identities of the intake rows already registered -> their request ids."""
    found: dict[str, str] = {}
    for _, event in ledger.events:
        if event.kind is EventKind.REQUEST and event.seq == 1 and ORIGIN in event.data:
            origin = event.payload().get(ORIGIN)
            if isinstance(origin, str):
                found.setdefault(origin, event.subject)
    return found


def parse_day(text: str) -> date | None:
    """A date as people and Google Forms write it: DD/MM/AAAA or AAAA-MM-DD."""
    value = text.strip()
    return people_datetime(value).date() if value else None


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("", "no", "n", "0", "falso", "false"):
        return False
    if value in ("sí", "si", "s", "1", "verdadero", "true", "x"):
        return True
    return None


def _check(ledger: Ledger, record: IntakeRow) -> tuple[str, dict[str, object]] | str:
    """(user name, form) for a valid row, or the first problem in Spanish (naming the
    columns as the person sees them in the sheet)."""

    def col(name: str) -> str:
        return ledger.naming.column(IntakeRow, name)

    who = record.username.strip().lower()
    if not who:
        return f"falta «{col('username')}» (el usuario o el correo de quien solicita)"
    user = ledger.users.get(who) or next(
        (u for u in ledger.users.values() if u.email and u.email.strip().lower() == who), None)
    if user is None:
        return f"«{record.username.strip()}» no es un usuario de la aplicación"
    if not user.active:
        return f"el usuario «{user.username}» está desactivado"
    procedure = ledger.procedures.current(PROCEDURE)
    first = procedure.stage(1)
    if not any(user.has(role) for role in first.roles):
        return (f"el usuario «{user.username}» no puede iniciar el procedimiento {PROCEDURE}: "
                f"lo inicia {' o '.join(r.label for r in first.roles)}")
    unit = record.unit.strip().upper()
    if unit and unit != user.unit.upper():
        return (f"la unidad «{record.unit.strip()}» no es la de «{user.username}» "
                f"({user.unit or 'sin unidad'})")
    if user.unit not in ledger.units or not ledger.units[user.unit].active:
        return f"la unidad «{user.unit}» de «{user.username}» no es una unidad activa"
    for label, value in ((col("title"), record.title), (col("objective"), record.objective),
                         (col("summary"), record.summary)):
        if not value.strip():
            return f"falta «{label}»"
        if len(value) > MAX_CELL_CHARS:
            return f"«{label}» supera {thousands(MAX_CELL_CHARS)} caracteres"
    days: dict[str, date | None] = {}
    for name, value in (("publish_from", record.publish_from),
                        ("publish_to", record.publish_to)):
        try:
            days[name] = parse_day(value)
        except ValueError:
            return (f"«{col(name)}» no es una fecha («{value.strip()}»; use AAAA-MM-DD o "
                    "DD/MM/AAAA)")
    start, end = days["publish_from"], days["publish_to"]
    if start and end and end < start:
        return f"«{col('publish_to')}» es anterior a «{col('publish_from')}»"
    protected = _yes_no(record.protected)
    if protected is None:
        return (f"«{col('protected')}» debe ser «sí» o «no» (tiene "
                f"«{record.protected.strip()}»)")
    try:
        files = materials.check_file_links(record.files)
    except DomainError as error:
        return f"«{col('files')}»: {error.message.rstrip('.')}"
    stamp = record.submitted_at.strip()
    form: dict[str, object] = {
        "procedure": PROCEDURE, "title": record.title.strip(),
        "objective": record.objective.strip(), "summary": record.summary.strip(),
        "links": record.links.strip(), "publish_from": start, "publish_to": end,
        "protected": protected,
        "reference": f"Pestaña «{ledger.naming.tab(IntakeRow)}», marca temporal {stamp}",
    }
    if files:
        form[FILES] = files
    return user.username, form


def review(ledger: Ledger) -> list[Verdict]:
    """Verdicts for the rows not registered yet: valid ones, and those that wait."""
    verdicts: list[Verdict] = []
    if not ledger.writable(IntakeRow):
        return verdicts
    done = taken(ledger)
    stamp = ledger.naming.column(IntakeRow, "submitted_at")
    keyed: list[tuple[int, IntakeRow, str]] = []
    for number, record in ledger.records(IntakeRow):
        if not record.submitted_at.strip():
            verdicts.append(Verdict(number, record, "", problem=(
                f"falta «{stamp}» (la fecha y hora en que se pidió; un formulario de Google "
                "la escribe solo)")))
            continue
        try:
            keyed.append((number, record, identity(record)))
        except ValueError:
            verdicts.append(Verdict(number, record, "", problem=(
                f"«{stamp}» no es una fecha y hora (use DD/MM/AAAA HH:MM)")))
    rows_of: dict[str, list[int]] = {}
    for number, _, key in keyed:
        rows_of.setdefault(key, []).append(number)
    for number, record, key in keyed:
        twins = [n for n in rows_of[key] if n != number]
        if twins and key in done:
            verdicts.append(Verdict(number, record, key, problem=(
                f"la fila {', '.join(map(str, twins))} tiene la misma «{stamp}» y el mismo "
                f"usuario, y una de ellas ya se registró como {done[key]}: si esta es otra "
                f"solicitud, cambie su «{stamp}» (por ejemplo, un minuto después)")))
            continue
        if key in done:
            continue
        if twins:
            verdicts.append(Verdict(number, record, key, problem=(
                f"la fila {', '.join(map(str, twins))} tiene la misma «{stamp}» y el mismo "
                f"usuario: cambie la «{stamp}» de una de ellas para registrarlas por "
                "separado")))
            continue
        found = _check(ledger, record)
        if isinstance(found, str):
            verdicts.append(Verdict(number, record, key, problem=found))
        else:
            username, form = found
            verdicts.append(Verdict(number, record, key, username, form))
    return verdicts


def pending(ledger: Ledger) -> bool:
    """Whether an intake pass would register anything."""
    return any(v.valid for v in review(ledger))


def take_rows(repo: Repository, username: str, now: datetime,
              public_url: str = notifications.DEFAULT_PUBLIC_URL) -> IntakeReport:
    """The UGS head's «Tomar filas del ingreso»: :func:`process`, for those the matrix lets."""
    ledger = repo.snapshot().ledger
    ledger.permissions.require(current_user(ledger, username), Capability.TAKE_INTAKE)
    return process(repo, now, public_url)


def process(repo: Repository, now: datetime,
            public_url: str = notifications.DEFAULT_PUBLIC_URL) -> IntakeReport:
    """Register the valid rows; report the others (see the module docstring)."""
    report = IntakeReport()
    for verdict in review(repo.snapshot().ledger):
        if not verdict.valid:
            report.waiting.append((verdict.row, verdict.problem))
            continue
        form = dict(verdict.form or {})
        files = form.pop(FILES, [])
        try:
            request_id = requests.create_request(
                repo, verdict.username, form, now, origin={ORIGIN: verdict.identity},
                extend=_not_taken(verdict.identity, files, verdict.username, now),
                public_url=public_url)
        except _RowTaken:
            report.skipped.append(verdict.row)
            continue
        except DomainError as error:
            # Valid on paper but refused by the service (e.g. a role changed meanwhile):
            # the row waits with the service's own explanation.
            report.waiting.append((verdict.row, error.message.rstrip(".")))
            continue
        report.registered.append((verdict.row, request_id))
    return report


class _RowTaken(ConcurrentChange):
    """Another server registered this intake row a moment ago."""


def _not_taken(key: str, files: object, username: str, now: datetime
               ) -> requests.RequestExtension:
    def extend(ledger: Ledger, request_id: str, change: Change) -> None:
        if key in taken(ledger):
            raise _RowTaken("La fila de ingreso ya fue registrada.")
        if isinstance(files, list) and files:
            materials.carry_links(request_id, files, change, username, now)
        base = change.guard

        def guard(fresh: Ledger) -> None:
            if base is not None:
                base(fresh)
            if key in taken(fresh):
                raise _RowTaken("La fila de ingreso ya fue registrada.")

        change.guard = guard
    return extend
