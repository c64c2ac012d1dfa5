"""Intake: rows that staff type (or a Google Form adds) to the tab «ingreso».

Each row asks for a publication of procedure 3 (información específica). On the next
refresh the app looks at the rows not yet taken:

- a complete, valid row becomes a request, registered in the name of the row's
  «usuario», and in the SAME change the row gets ``estado_ingreso = "registrada SOL-…"``
  and ``id_solicitud`` (and its «archivos» links become the request's material, version
  1): a row is never taken twice (the write is refused if the row
  changed or was taken since it was read, and a taken row is skipped);
- a row with a missing or invalid field gets ``estado_ingreso`` explaining the problem in
  Spanish and waits; it is looked at again on every refresh, so correcting the cells is
  enough (nothing is written while the verdict stays the same). No row is dropped.

:func:`review` is pure (ledger in, verdicts out); :func:`process` runs the verdicts
through the repository, one change per new request plus one for all the status cells.
Intake is an explicit step (a button for the UGS head, the CLI for cron, once after
start-up): a page view only reads.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from core.domain.errors import DomainError
from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, IntakeRow
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.services import materials, notifications, requests
from core.services.common import current_user

PROCEDURE = 3
FILES = "files"  # the form entry carrying the «archivos» links (not a request field)
REGISTERED = "registrada"
WAITING = "pendiente"
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")


@dataclass(frozen=True)
class Verdict:
    """What to do with one intake row (sheet row ``row``, ``record`` as read)."""

    row: int
    record: IntakeRow
    username: str = ""
    form: Mapping[str, object] | None = None  # set when the row is valid
    problem: str = ""  # Spanish, set when it is not
    status: str = ""  # the status cell as read

    @property
    def valid(self) -> bool:
        return self.form is not None

    def waiting_status(self) -> str:
        return f"{WAITING}: {self.problem}"


@dataclass
class IntakeReport:
    registered: list[tuple[int, str]] = field(default_factory=list)  # (row, request id)
    waiting: list[tuple[int, str]] = field(default_factory=list)  # (row, problem)
    skipped: list[int] = field(default_factory=list)  # taken by someone else meanwhile


def is_taken(record: IntakeRow) -> bool:
    return bool(record.request_id.strip()) or \
        record.intake_status.strip().lower().startswith(REGISTERED)


def parse_day(text: str) -> date | None:
    """A date as people and Google Forms write it: AAAA-MM-DD or D/M/AAAA."""
    value = text.strip()
    if not value:
        return None
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(value[:10])


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
            return f"«{label}» supera {MAX_CELL_CHARS} caracteres"
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
        "reference": "Pestaña «ingreso»" + (f", marca temporal {stamp}" if stamp else ""),
    }
    if files:
        form[FILES] = files
    return user.username, form


def review(ledger: Ledger) -> list[Verdict]:
    """Verdicts for the rows that need a write: valid new rows, and waiting rows whose
    explanation must change."""
    verdicts: list[Verdict] = []
    if not ledger.writable(IntakeRow):
        return verdicts
    for number, record in ledger.records(IntakeRow):
        if is_taken(record):
            continue
        status = record.intake_status.strip()
        found = _check(ledger, record)
        if isinstance(found, str):
            verdict = Verdict(number, record, problem=found, status=status)
            if status != verdict.waiting_status():
                verdicts.append(verdict)
        else:
            username, form = found
            verdicts.append(Verdict(number, record, username, form, status=status))
    return verdicts


def pending(ledger: Ledger) -> bool:
    """Whether an intake pass would write anything."""
    return bool(review(ledger))


class _RowTaken(DomainError):
    """The intake row changed or was taken since it was read."""


def take_rows(repo: Repository, username: str, now: datetime,
              public_url: str = notifications.DEFAULT_PUBLIC_URL) -> IntakeReport:
    """The UGS head's «Tomar filas del ingreso»: :func:`process`, for those the matrix lets."""
    ledger = repo.snapshot().ledger
    ledger.permissions.require(current_user(ledger, username), Capability.TAKE_INTAKE)
    return process(repo, now, public_url)


def process(repo: Repository, now: datetime,
            public_url: str = notifications.DEFAULT_PUBLIC_URL) -> IntakeReport:
    """Register the valid rows and explain the others (see the module docstring)."""
    report = IntakeReport()
    verdicts = review(repo.snapshot().ledger)
    statuses = Change(summary="ingreso: filas que esperan corrección")
    for verdict in verdicts:
        if not verdict.valid:
            statuses.update_where(verdict.record, intake_status=verdict.waiting_status())
            report.waiting.append((verdict.row, verdict.problem))
            continue
        form = dict(verdict.form or {})
        files = form.pop(FILES, [])
        try:
            request_id = requests.create_request(
                repo, verdict.username, form, now,
                extend=_mark_taken(verdict, files, now), public_url=public_url)
        except _RowTaken:
            report.skipped.append(verdict.row)
            continue
        except DomainError as error:
            # Valid on paper but refused by the service (e.g. a role changed meanwhile):
            # the row waits with the service's own explanation.
            problem = error.message.rstrip(".")
            waiting = Verdict(verdict.row, verdict.record, problem=problem)
            if verdict.status != waiting.waiting_status():
                statuses.update_where(verdict.record, intake_status=waiting.waiting_status())
            report.waiting.append((verdict.row, problem))
            continue
        report.registered.append((verdict.row, request_id))
    if statuses:
        # Refused when a row changed meanwhile: the next refresh looks at it again.
        with contextlib.suppress(DomainError):
            repo.commit(statuses)
    return report


def _mark_taken(verdict: Verdict, files: object = (),
                now: datetime | None = None) -> requests.RequestExtension:
    def extend(ledger: Ledger, request_id: str, change: Change) -> None:
        if verdict.record not in ledger.all(IntakeRow):
            raise _RowTaken("La fila de ingreso cambió o ya fue tomada.")
        change.update_where(verdict.record, intake_status=f"{REGISTERED} {request_id}",
                            request_id=request_id)
        if isinstance(files, list) and files and now is not None:
            materials.carry_links(request_id, files, change, verdict.username, now)
    return extend
