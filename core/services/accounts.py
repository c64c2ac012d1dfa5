"""Log-in and the first administrator: who may open a session, and how guessing is slowed.

Failed log-ins are counted by a :class:`LoginGuard` that the entry point keeps for the
whole process (in memory, and in a small store beside the ledger so a restart does not
reset it). The guard does not depend on the ledger being writable: while a person has the
workbook open in LibreOffice, or Google refuses a write, failures still count (fail
closed). Checks of one account name are serialised, so eight guesses in parallel get at
most five tries against the real hash. Unknown names are counted exactly like real ones
and cost one bcrypt check, so neither the answer, the lock nor the time tells whether a
name exists. Each failure and lock of a real account is also an audited event.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from core.domain.accounts import fingerprint, opening, user_row
from core.domain.errors import AuthenticationFailed, DomainError, InvalidInput, NotAllowed
from core.domain.ledger import Ledger
from core.domain.models import Event, EventKind, User, UserRow
from core.domain.ports import Change, GuardStore, Repository
from core.domain.roles import Role
from core.domain.validation import spanish_reason
from core.services.common import new_event_id
from core.services.passwords import (
    MIN_PASSWORD_LENGTH,
    burn_time,
    hash_password,
    verify_password,
)

LOGIN_FAILED = "Usuario o contraseña incorrectos."
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
NAMES_KEPT = 10_000  # names the guard remembers (unknown ones included), newest kept


def locked_message(until: datetime) -> str:
    """What a locked person reads: what happens next, the same for any name."""
    return (f"Demasiados intentos fallidos con este usuario: espere hasta las {until:%H:%M} "
            f"del {until:%d/%m/%Y} ({LOCK_MINUTES} minutos) o pida a la administración del "
            "sistema que restablezca su contraseña.")


@dataclass
class _Count:
    failures: int = 0
    locked_until: datetime | None = None
    password: str = ""  # the fingerprint the failures were against: a reset starts afresh


class LoginGuard:
    """Failed log-ins per account name: counted, persisted, serialised per name."""

    def __init__(self, store: GuardStore | None = None, *,
                 limit: int = MAX_FAILED_LOGINS,
                 lock: timedelta = timedelta(minutes=LOCK_MINUTES)) -> None:
        self.limit = limit
        self.lock = lock
        self._store = store
        self._mutex = threading.Lock()
        self._slots: dict[str, threading.Lock] = {}
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        if store is not None:
            for name, (failures, until, password) in store.load().items():
                self._counts[name] = _Count(failures, until, password)

    def slot(self, name: str) -> threading.Lock:
        """The lock that serialises the checks of one name."""
        with self._mutex:
            found = self._slots.get(name)
            if found is None:
                found = self._slots[name] = threading.Lock()
            return found

    def _current(self, name: str, password: str, now: datetime) -> _Count | None:
        count = self._counts.get(name)
        if count is None or count.password != password or (
                count.locked_until is not None and now >= count.locked_until):
            return None
        return count

    def locked_until(self, name: str, now: datetime, password: str = "") -> datetime | None:
        """Until when ``name`` is locked; a new password (its fingerprint) lifts a lock."""
        with self._mutex:
            count = self._current(name, password, now)
            return count.locked_until if count is not None else None

    def failed(self, name: str, now: datetime, password: str = "") -> _Count:
        """Count one failure; at the limit the name is locked and the count restarts."""
        with self._mutex:
            count = self._current(name, password, now) or _Count(password=password)
            self._counts.pop(name, None)
            count.failures += 1
            if count.failures >= self.limit:
                count = _Count(0, now + self.lock, password)
            self._counts[name] = count
            while len(self._counts) > NAMES_KEPT:
                self._counts.popitem(last=False)
            result = _Count(count.failures, count.locked_until, password)
            self._save()
        return result

    def succeeded(self, name: str) -> None:
        with self._mutex:
            if self._counts.pop(name, None) is not None:
                self._save()

    def failures(self, name: str) -> int:
        with self._mutex:
            count = self._counts.get(name)
            return count.failures if count else 0

    def _save(self) -> None:
        if self._store is None:
            return
        # The count in memory stands even when the store cannot be written (fail closed).
        with contextlib.suppress(OSError):
            self._store.save({n: (c.failures, c.locked_until, c.password)
                              for n, c in self._counts.items()})


# How an entry point records the audit events of a log-in (the app does it in the
# background, so that a real account's refusal takes no longer than an unknown one's).
AuditWriter = Callable[[Repository, Sequence[Event]], None]


def record_now(repo: Repository, events: Sequence[Event]) -> None:
    """Write the audit events now; a ledger that cannot be written leaves the refusal
    standing (the guard has already counted it)."""
    with contextlib.suppress(DomainError):
        repo.commit(Change(summary="intentos de ingreso").add(*events))


def authenticate(
    repo: Repository, username: str, password: str, *, now: datetime, guard: LoginGuard,
    audit: AuditWriter = record_now,
) -> User:
    """The user, if the password is right and the name is not locked by the guard.

    Every refusal before the lock says the same words and costs one bcrypt check; a locked
    name (real or not) is told when it may try again.
    """
    name = username.strip().lower()
    with guard.slot(name):
        user = repo.snapshot().ledger.users.get(name)
        current = fingerprint(user.password_hash) if user and user.password_hash else ""
        until = guard.locked_until(name, now, current)
        if until is not None:
            burn_time(password)  # not even a right password opens a locked name
            raise AuthenticationFailed(locked_message(until))
        if user is not None and user.active and user.password_hash \
                and verify_password(password, user.password_hash):
            guard.succeeded(name)
            return user
        if user is None or not user.active or not user.password_hash:
            burn_time(password)
        count = guard.failed(name, now, current)
        if user is not None:
            audit(repo, _failure_events(repo.snapshot().ledger, name, now, count.failures,
                                        count.locked_until))
        if count.locked_until is not None:
            raise AuthenticationFailed(locked_message(count.locked_until))
        raise AuthenticationFailed(LOGIN_FAILED)


def _failure_events(ledger: Ledger, username: str, now: datetime, failures: int,
                    until: datetime | None) -> list[Event]:
    seq = ledger.next_seq(EventKind.USER, username)
    if until is None:
        return [Event(event_id=new_event_id(), kind=EventKind.USER, subject=username,
                      seq=seq, outcome="login_fallido", actor=username, at=now,
                      comment=f"intento fallido {failures} de {MAX_FAILED_LOGINS}")]
    return [
        Event(event_id=new_event_id(), kind=EventKind.USER, subject=username, seq=seq,
              outcome="login_fallido", actor=username, at=now,
              comment=f"intento fallido {MAX_FAILED_LOGINS} de {MAX_FAILED_LOGINS}"),
        Event(event_id=new_event_id(), kind=EventKind.USER, subject=username, seq=seq + 1,
              outcome="bloqueo", actor=username, at=now,
              comment=f"{MAX_FAILED_LOGINS} intentos fallidos: cuenta bloqueada hasta las "
                      f"{until:%H:%M} del {until:%d/%m/%Y}"),
    ]


RESTORE = ("nadie puede ingresar hasta que se restaure (Archivo > Historial de versiones "
           "en Google Sheets, o el respaldo del libro local)")


def login_problems(ledger: Ledger) -> list[str]:
    """Damage that keeps everyone out, in Spanish, naming what to restore: the accounts
    and their signed events are read from these tabs and columns, never re-created."""
    problems = []
    for kind in (UserRow, Event):
        tab = ledger.tab(kind)
        name = ledger.naming.tab(kind)
        if not tab.present:
            problems.append(f"Falta la pestaña «{name}» en el libro: {RESTORE}.")
        elif tab.missing_columns:
            columns = ", ".join(f"«{c}»" for c in tab.missing_columns)
            problems.append(f"En la pestaña «{name}» falta la columna {columns} (¿se cambió "
                            f"el encabezado de la fila 1?): {RESTORE}.")
    return problems


def needs_first_admin(ledger: Ledger) -> bool:
    """Only a ledger that never recorded anything asks for its first administrator: a
    damaged one (a tab deleted, a header renamed) never looks empty."""
    return ledger.has_no_events


def create_first_admin(
    repo: Repository, username: str, full_name: str, password: str, now: datetime
) -> None:
    """Create the system administrator of an empty ledger; refused once anything exists."""
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

    event = opening(user, "crear_administrador_inicial", user.username,
                    Role.SYSADMIN.value, now, new_event_id())
    repo.commit(Change(guard=guard, summary="administrador inicial")
                .add(user_row(user), event))
