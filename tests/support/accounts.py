"""Account changes as the app records them (a signed «usuario» event and the row's view),
for tests that need an account changed by someone else between a read and a write."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from core.domain.models import Event, EventKind, UserRow, text_of
from core.domain.ports import Change, Repository
from core.domain.roles import Role


def change_account(repo: Repository, username: str, at: datetime, *,
                   roles: tuple[Role, ...] | None = None, active: bool | None = None,
                   unit: str | None = None, email: str | None = None,
                   actor: str = "admin") -> None:
    """Change ``username`` the way the administration pages do: the signed event decides,
    the users' row shows it. Unlike the services, no rule about who may grant what."""
    after: dict[str, object] = {}
    view: dict[str, str] = {}
    if roles is not None:
        after["roles"] = [r.value for r in roles]
        view["roles"] = text_of(roles)
    if active is not None:
        after["activo"] = active
        view["active"] = text_of(active)
    if unit is not None:
        after["unidad"] = unit
        view["unit"] = unit
    if email is not None:
        after["correo"] = email
        view["email"] = email
    ledger = repo.snapshot().ledger
    outcome = "asignar_rol" if roles is not None else (
        "modificar_datos" if active is None else ("reactivar" if active else "desactivar"))
    change = Change(summary=f"{outcome} {username}")
    change.update(UserRow, username, **view)
    change.add(Event(event_id=uuid.uuid4().hex, kind=EventKind.USER, subject=username,
                     seq=ledger.next_seq(EventKind.USER, username), outcome=outcome,
                     actor=actor, at=at, data=json.dumps({"despues": after})))
    repo.commit(change)
