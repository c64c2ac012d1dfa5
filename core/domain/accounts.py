"""Accounts as the record establishes them: folded from each account's signed events.

Who holds which role, in which unit, and whether an account is active is decided here,
from events only a key-holding app server can sign, never from the users' tab that people
can edit. The tab's row supplies only the password's bcrypt hash, and only when its
SHA-256 is the fingerprint the account's last password event recorded: a hash pasted from
another account, or typed by hand, opens nothing.

The events (kind «usuario», subject = the user name, numbered per account):
- ``alta``, ``crear_usuario``, ``crear_administrador_inicial``: ``data.despues`` holds the
  whole account (``nombre``, ``correo``, ``unidad``, ``roles``, ``activo``) and
  ``data.huella`` the password fingerprint;
- ``asignar_rol``, ``desactivar``, ``reactivar``, ``modificar_datos``: ``data.despues``
  holds the fields that change;
- ``restablecer_contrasena``: ``data.huella`` the new fingerprint;
- log-in failures and locks are audited as events too but change nothing here.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.domain.models import Event, EventKind, User, UserRow, text_of
from core.domain.roles import Role, parse_roles

CREATIONS = frozenset({"alta", "crear_usuario", "crear_administrador_inicial"})
PASSWORD = "huella"


def fingerprint(password_hash: str) -> str:
    """What an event records of a password: SHA-256 of its bcrypt hash (never the hash)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()


def snapshot(user: User) -> dict[str, object]:
    """What an account event may say about an account: never the password or its hash."""
    return {"nombre": user.full_name, "correo": user.email, "unidad": user.unit,
            "roles": [r.value for r in user.roles], "activo": user.active}


@dataclass(frozen=True)
class Account:
    """One account as its events leave it."""

    username: str
    full_name: str
    email: str
    unit: str
    roles: tuple[Role, ...]
    active: bool
    created_at: datetime
    password: str  # the fingerprint of the current password ("" for none)

    def user(self, password_hash: str) -> User:
        """The account as a user, with ``password_hash`` only if the record vouches for it."""
        trusted = password_hash if self.password and fingerprint(password_hash) == \
            self.password else ""
        return User(username=self.username, full_name=self.full_name, email=self.email,
                    roles=self.roles, unit=self.unit, password_hash=trusted,
                    active=self.active, created_at=self.created_at)


@dataclass(frozen=True)
class AccountProblem:
    """An account event that could not apply (its sheet row, and why)."""

    row: int
    reason: str


def _apply(account: Account | None, event: Event, data: Mapping[str, Any]
           ) -> Account | None:
    after = data.get("despues") if isinstance(data.get("despues"), dict) else {}
    assert isinstance(after, dict)
    if event.outcome in CREATIONS:
        roles = parse_roles(", ".join(str(r) for r in after.get("roles", [])))
        return Account(
            username=event.subject, full_name=str(after.get("nombre", "")),
            email=str(after.get("correo", "")), unit=str(after.get("unidad", "")),
            roles=roles, active=bool(after.get("activo", True)), created_at=event.at,
            password=str(data.get(PASSWORD, "")))
    if account is None:
        return None
    changes: dict[str, Any] = {}
    if "roles" in after:
        changes["roles"] = parse_roles(", ".join(str(r) for r in after["roles"]))
    for key, name in (("nombre", "full_name"), ("correo", "email"), ("unidad", "unit")):
        if key in after:
            changes[name] = str(after[key])
    if "activo" in after:
        changes["active"] = bool(after["activo"])
    if PASSWORD in data:
        changes["password"] = str(data[PASSWORD])
    return replace(account, **changes) if changes else account


def fold_accounts(events: Iterable[tuple[int, Event]]
                  ) -> tuple[dict[str, Account], list[AccountProblem]]:
    """Every account the signed events create, as their later events leave it.

    Events of one account apply in sequence order; of two with one number the first row
    wins (the other is reported), and an event before the account's creation is reported.
    """
    by_account: dict[str, list[tuple[int, Event]]] = defaultdict(list)
    for number, event in events:
        if event.kind is EventKind.USER:
            by_account[event.subject].append((number, event))
    found: dict[str, Account] = {}
    problems: list[AccountProblem] = []
    for username, items in by_account.items():
        account: Account | None = None
        seen: set[int] = set()
        for number, event in sorted(items, key=lambda item: (item[1].seq, item[0])):
            if event.seq in seen:
                problems.append(AccountProblem(number, f"evento repetido de la cuenta "
                                               f"«{username}»: vale la primera fila"))
                continue
            seen.add(event.seq)
            try:
                data = event.payload()
            except ValueError:
                data = {}
            after = _apply(account, event, data)
            if after is None and event.outcome not in ("login_fallido", "bloqueo"):
                problems.append(AccountProblem(number, f"la cuenta «{username}» no tiene "
                                               "evento de creación antes de este"))
            account = after or account
        if account is not None:
            found[username] = account
    return found, problems


def user_row(user: User) -> UserRow:
    """The readable row of an account (and the bcrypt hash the app checks)."""
    return UserRow(username=user.username, full_name=user.full_name, email=user.email,
                   roles=text_of(user.roles), unit=user.unit,
                   password_hash=user.password_hash, active=text_of(user.active),
                   created_at=text_of(user.created_at))


def opening(user: User, outcome: str, actor: str, role: str, at: datetime, event_id: str,
            seq: int = 1, extra: Mapping[str, object] | None = None) -> Event:
    """The signed event that creates ``user`` (``alta`` when seeding a ledger)."""
    data: dict[str, object] = {"despues": snapshot(user),
                               PASSWORD: fingerprint(user.password_hash)}
    data.update(extra or {})
    return Event(event_id=event_id, kind=EventKind.USER, subject=user.username, seq=seq,
                 outcome=outcome, actor=actor, role=role, at=at,
                 data=json.dumps(data, ensure_ascii=False, sort_keys=True))
