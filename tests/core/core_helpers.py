"""Helpers shared by the core tests (imported by conftest and the test modules)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from core.adapters.memory import InMemoryRepository
from core.domain.models import Event, EventKind, Request, Status, User
from core.domain.ports import Repository
from core.domain.procedures import Procedure
from core.domain.roles import Role
from core.domain.workflow import RequestState, decide, evolve, initial_state
from core.services.accounts import LoginGuard, authenticate
from sheets_schema.tabs import TABS_BY_NAME

# Tuesday 10 March 2026, 09:00: a working day in La Paz, far from any holiday.
NOW = datetime(2026, 3, 10, 9, 0)
UNIT = "NIC"  # the requesting unit of the workflow tests
OTHER_UNIT = "UAF"

# Besides one user per role (sheets_schema.demo.USERS), the seeded ledger has the staff
# of another unit and a deactivated Executive Director.
EXTRA_USERS: list[tuple[str, str, tuple[Role, ...], str]] = [
    ("jefe.uaf", "Marco Ticona (Jefatura UAF)", (Role.UNIT_HEAD,), "UAF"),
    ("solicitante.uaf", "Lucía Huanca (UAF)", (Role.REQUESTER,), "UAF"),
    ("ex.directora", "Teresa Poma (ex Dirección Ejecutiva)", (Role.DE,), "DE"),
]
INACTIVE = {"ex.directora"}


# -- people and requests, without a ledger ------------------------------------------------


def person(role: Role, unit: str = UNIT, *, active: bool = True) -> User:
    """A user holding exactly one role, in ``unit``."""
    return User(username=f"{role.value}.{unit.lower()}", full_name=f"{role.label} {unit}",
                roles=(role,), unit=unit, active=active, created_at=NOW - timedelta(days=30))


def request_for(procedure: Procedure, *, protected: bool = False,
                publish_to: date | None = None, request_id: str = "SOL-2026-0001") -> Request:
    return Request(
        request_id=request_id, created_at=NOW, created_by="someone", procedure=procedure.number,
        version=procedure.version, title="Publicación de prueba", unit=UNIT,
        publish_from=NOW.date(), publish_to=publish_to or NOW.date() + timedelta(days=60),
        protected=protected,
    )


def valid_schedule(procedure: Procedure) -> dict[int, date]:
    """One date per scheduled stage, in order, all within the publication window."""
    return {n: NOW.date() + timedelta(days=10 + n) for n in procedure.scheduled_stages()}


class Walk:
    """Drives one request through the pure engine (decide + evolve), one hour per action."""

    def __init__(self, procedure: Procedure, **request_options: object) -> None:
        self.procedure = procedure
        self.state: RequestState = initial_state(
            request_for(procedure, **request_options), procedure)  # type: ignore[arg-type]
        self.clock = NOW
        self.events: list[Event] = []
        self._ids = itertools.count(1)

    def decide(self, outcome: str = "avanzar", user: User | None = None, *,
               comment: str = "", schedule: Mapping[int, date] | None = None,
               expected_seq: int | None = None) -> Event:
        """The event ``user`` would write now (default: someone in the first role due)."""
        row = self.state.stage_row
        if user is None:
            user = person(self.state.roles_now()[0])
        if schedule is None and row is not None and row.records_schedule:
            schedule = valid_schedule(self.procedure)
        return decide(self.state, user, outcome, comment=comment, now=self.clock,
                      event_id=f"ev-{next(self._ids)}",
                      expected_seq=self.state.seq if expected_seq is None else expected_seq,
                      schedule=schedule)

    def act(self, outcome: str = "avanzar", user: User | None = None, *,
            comment: str = "", schedule: Mapping[int, date] | None = None) -> Event:
        event = self.decide(outcome, user, comment=comment, schedule=schedule)
        self.state = evolve(self.state, event)
        self.events.append(event)
        self.clock += timedelta(hours=1)
        return event

    def to_stage(self, stage: int) -> Walk:
        """Move forward (plain «avanzar» by the first role due) until ``stage``."""
        while self.state.stage != stage:
            assert self.state.status is Status.IN_PROGRESS, f"never reached stage {stage}"
            self.act()
        return self



def rows_to_cells(tab: str, rows: list[dict[str, str]]) -> list[list[str]]:
    headers = TABS_BY_NAME[tab].headers
    return [[row.get(h, "") for h in headers] for row in rows]


def count_rows(repo: InMemoryRepository) -> dict[str, int]:
    return {name: len(raw.rows) for name, raw in repo.snapshot().tabs.items()}


def request_form(**changes: object) -> dict[str, object]:
    return {"procedure": 3, "title": "Portal .bo", "objective": "Difundir.",
            "summary": "Resumen.", "publish_from": NOW.date(),
            "publish_to": NOW.date() + timedelta(days=30)} | changes


TEN_MB = "x" * (10 * 1024 * 1024)
LIMIT_MESSAGE = re.compile(r"^El texto de «(?P<column>[^»]+)» supera 32\.767 caracteres")


def login_events(repo: InMemoryRepository, username: str) -> list[tuple[str, str]]:
    return [(e.outcome, e.comment) for _, e in repo.snapshot().ledger.events
            if e.kind is EventKind.USER and e.subject == username
            and e.outcome in ("login_fallido", "bloqueo")]


def log_in(repo: Repository, username: str, password: str, when: datetime = NOW) -> User:
    """A log-in with a guard of its own (no failures counted before)."""
    return authenticate(repo, username, password, now=when, guard=LoginGuard())
