"""What every use case needs: the actor as the ledger knows them now, new event ids, the
audit event of an administrative change, and the retry for changes that take a number."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed
from core.domain.ledger import Ledger
from core.domain.models import Event, EventKind, User
from core.domain.ports import Change, Repository
from core.domain.roles import Role
from core.domain.validation import spanish_reason

T = TypeVar("T")
NEW_NUMBER_ATTEMPTS = 5


def current_user(ledger: Ledger, username: str) -> User:
    """The actor as the ledger knows them now; a deactivated user may not act."""
    user = ledger.users.get(username)
    if user is None or not user.active:
        raise NotAllowed("Su usuario no existe o está desactivado; inicie sesión de nuevo.")
    return user


def form_error(exc: ValidationError, labels: Mapping[str, str]) -> InvalidInput:
    """A form's first validation error in Spanish, naming the field as the form does."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    label = labels.get(name, name)
    reason = spanish_reason(error)
    return InvalidInput(f"{label}: {reason}." if label else f"{reason}.")


def new_event_id() -> str:
    return uuid.uuid4().hex


def system_event(ledger: Ledger, subject: str, outcome: str, actor: User, role: Role,
                 now: datetime, comment: str = "") -> Event:
    """The next event of ``subject`` (numbered after its earlier system events)."""
    return Event(event_id=new_event_id(), kind=EventKind.SYSTEM, subject=subject,
                 seq=ledger.next_seq(EventKind.SYSTEM, subject), outcome=outcome,
                 actor=actor.username, role=role.value, at=now, comment=comment[:500])


def commit_numbered(
    repo: Repository, build: Callable[[Ledger], tuple[Change, T]],
    attempts: int = NEW_NUMBER_ATTEMPTS,
) -> T:
    """Commit a change that takes the next free number (a request, an order, a plan item).

    Two people can take the same number at the same moment; the change's guard then
    refuses with :class:`ConcurrentChange` and the change is built again on the content
    that won, up to ``attempts`` times. ``build`` returns the change and the result.
    """
    for attempt in range(attempts):
        change, result = build(repo.snapshot().ledger)
        try:
            repo.commit(change)
        except ConcurrentChange:
            if attempt == attempts - 1:
                raise
            continue
        return result
    raise ConcurrentChange()  # pragma: no cover - the loop returns or raises
