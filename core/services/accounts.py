"""Log-in and the first administrator: who may open a session, and how guessing is slowed."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError

from core.domain.errors import (
    AuthenticationFailed,
    ConcurrentChange,
    DomainError,
    InvalidInput,
    NotAllowed,
)
from core.domain.ledger import Ledger
from core.domain.models import Event, EventKind, User
from core.domain.ports import Change, Repository
from core.domain.roles import Role
from core.domain.validation import spanish_reason
from core.services.common import new_event_id
from core.services.passwords import MIN_PASSWORD_LENGTH, burn_time, hash_password, verify_password

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
        _write_login_counter(repo, name, 0, None)
    return user


def _write_login_counter(
    repo: Repository, username: str, failed: int, locked_until: datetime | None,
    *events: Event, seen: int = -1,
) -> bool:
    def guard(fresh: Ledger) -> None:
        user = fresh.users.get(username)
        if user is None or (seen >= 0 and user.failed_logins != seen):
            raise ConcurrentChange("Otro intento de ingreso se registró a la vez.")

    change = Change(guard=guard, summary=f"ingreso de {username}")
    change.update(User, username, failed_logins=failed, locked_until=locked_until)
    change.add(*events)
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
        seq = ledger.next_seq(EventKind.USER, username)
        events = [Event(event_id=new_event_id(), kind=EventKind.USER, subject=username,
                        seq=seq, outcome="login_fallido", actor=username, at=now,
                        comment=f"intento fallido {failed} de {MAX_FAILED_LOGINS}")]
        until: datetime | None = None
        if failed >= MAX_FAILED_LOGINS:
            until = now + timedelta(minutes=LOCK_MINUTES)
            failed = 0
            events.append(Event(
                event_id=new_event_id(), kind=EventKind.USER, subject=username, seq=seq + 1,
                outcome="bloqueo", actor=username, at=now,
                comment=f"{MAX_FAILED_LOGINS} intentos fallidos: cuenta bloqueada hasta las "
                        f"{until:%H:%M} del {until:%d/%m/%Y}"))
        if _write_login_counter(repo, username, failed, until, *events,
                                seen=user.failed_logins):
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

    event = Event(event_id=new_event_id(), kind=EventKind.USER, subject=user.username, seq=1,
                  outcome="crear_administrador_inicial", actor=user.username,
                  role=Role.SYSADMIN.value, at=now)
    repo.commit(Change(guard=guard, summary="administrador inicial").add(user, event))
