"""Role and account administration, as the manual assigns it (sections 5 b and 6 b–c).

Who may give or take away each role is a row of the permission matrix
(``asignar_rol_<role>``): the Jefatura de la UGS names the Administrador Principal,
editors and moderators; the Dirección Ejecutiva names the Committee. The system
administrator manages accounts technically (create, deactivate, reactivate, reset a
password) but cannot hand out the roles the manual gives to others — *interpretation*:
only when nobody active holds the Dirección Ejecutiva or the Jefatura de la UGS (the first
run) may it assign them, and that is recorded as a vacancy grant.

Nothing is ever deleted: an account or a unit is deactivated and its history stays. Every
change appends an audited event in the same write; an event never carries a password or
its hash. Nobody changes their own roles or deactivates their own account.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.domain.accounts import PASSWORD, fingerprint, snapshot, user_row
from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed, NotFound
from core.domain.ledger import Ledger
from core.domain.models import DayOff, Event, EventKind, Unit, User, UserRow, text_of
from core.domain.permissions import Capability, grant_capability, with_articles
from core.domain.ports import Change, Repository
from core.domain.roles import UNIT_SCOPED_ROLES, Role, parse_roles
from core.domain.validation import spanish_reason
from core.services.common import current_user, new_event_id
from core.services.passwords import MIN_PASSWORD_LENGTH, hash_password

MAX_PASSWORD_BYTES = 72  # what bcrypt hashes; longer would be silently cut
UNIT_CODE = re.compile(r"^[A-Z0-9]{2,12}$")

CHANGED_BY_SOMEONE_ELSE = ("Otra persona modificó este registro mientras usted lo editaba; "
                           "revise los datos actuales y vuelva a intentar.")


# -- who may grant what ----------------------------------------------------------------------


def _holders(ledger: Ledger, role: Role, besides: str | None = None) -> list[User]:
    return [u for u in ledger.users.values()
            if u.active and u.has(role) and u.username != besides]


def grant_basis(ledger: Ledger, actor: User, role: Role, target: str | None = None
                ) -> str | None:
    """Why ``actor`` may give ``role`` to ``target``: "rol", "vacante", or None (may not)."""
    row = ledger.permissions.row(grant_capability(role))
    if not actor.active:
        return None
    if any(actor.has(r) for r in row.roles):
        return "rol"
    if any(actor.has(r) for r in row.vacancy_roles) and not _holders(ledger, role, target):
        return "vacante"
    return None


def grantable_roles(ledger: Ledger, actor: User, target: str | None = None) -> list[Role]:
    """The roles ``actor`` may give (to ``target``) now, in the enumeration's order."""
    return [r for r in Role if grant_basis(ledger, actor, r, target) is not None]


def removable_roles(ledger: Ledger, actor: User) -> list[Role]:
    """The roles ``actor`` may take away (a vacancy never allows taking a role away)."""
    rows = ledger.permissions
    return [r for r in Role
            if actor.active and any(actor.has(g) for g in rows.row(grant_capability(r)).roles)]


def _check_role_change(ledger: Ledger, actor: User, target: str, before: Iterable[Role],
                       after: Iterable[Role]) -> list[Role]:
    """Refuse a role change ``actor`` may not make; returns the roles granted by vacancy."""
    old, new = set(before), set(after)
    if actor.username == target and old != new:
        raise NotAllowed("Nadie modifica sus propios roles: pídalo a quien corresponda "
                         "(ver página Permisos).")
    by_vacancy: list[Role] = []
    rows = ledger.permissions
    for role in sorted(new - old, key=list(Role).index):
        basis = grant_basis(ledger, actor, role, target)
        if basis is None:
            row = rows.row(grant_capability(role))
            raise NotAllowed(
                f"El rol «{role.label}» lo asigna {with_articles(row.roles)} (manual, "
                f"{row.clause}); "
                "su usuario no puede asignarlo."
            )
        if basis == "vacante":
            by_vacancy.append(role)
    for role in sorted(old - new, key=list(Role).index):
        if role not in removable_roles(ledger, actor):
            row = rows.row(grant_capability(role))
            raise NotAllowed(
                f"El rol «{role.label}» lo quita {with_articles(row.roles)} (manual, "
                f"{row.clause}); "
                "su usuario no puede quitarlo."
            )
    return by_vacancy


# -- events ----------------------------------------------------------------------------------


def _event(ledger: Ledger, kind: EventKind, subject: str, outcome: str, actor: User,
           now: datetime, data: Mapping[str, object], comment: str = "",
           role: Role | None = None) -> Event:
    return Event(
        event_id=new_event_id(), kind=kind, subject=subject,
        seq=ledger.next_seq(kind, subject), outcome=outcome,
        actor=actor.username, role=(role or actor.roles[0]).value, at=now,
        comment=comment.strip()[:2000],
        data=json.dumps(dict(data), ensure_ascii=False, sort_keys=True) if data else "",
    )


def _public(user: User) -> dict[str, object]:
    """What an audit event may say about an account: never the password hash."""
    return snapshot(user)


def _role_values(roles: Iterable[Role]) -> list[str]:
    return [r.value for r in sorted(set(roles), key=list(Role).index)]


# -- accounts ----------------------------------------------------------------------------


class AccountForm(BaseModel):
    """What «Nueva cuenta» asks."""

    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    email: str = Field(default="", max_length=200)
    unit: str = ""
    roles: tuple[Role, ...] = Field(min_length=1)

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        return parse_roles(value) if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("no parece una dirección de correo")
        return value


FORM_LABELS = {"username": "Usuario", "full_name": "Nombre", "email": "Correo",
               "unit": "Unidad", "roles": "Roles"}


def _form_error(exc: ValidationError) -> InvalidInput:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    reason = spanish_reason(error)
    if field == "username" and error["type"] == "string_pattern_mismatch":
        reason = "use solo minúsculas, números, punto, guion o guion bajo"
    if field == "roles" and error["type"] == "too_short":
        reason = "elija al menos un rol"
    return InvalidInput(f"{FORM_LABELS.get(field, field)}: {reason}.")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise InvalidInput(f"La contraseña no puede superar {MAX_PASSWORD_BYTES} bytes.")


def new_password() -> str:
    """A random password to hand over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _check_unit(ledger: Ledger, unit: str, roles: Iterable[Role]) -> None:
    if unit and (unit not in ledger.units or not ledger.units[unit].active):
        raise InvalidInput(f"Unidad: «{unit}» no es una unidad activa.")
    scoped = [r for r in roles if r in UNIT_SCOPED_ROLES]
    if scoped and not unit:
        raise InvalidInput(f"Unidad: el rol «{scoped[0].label}» actúa por una unidad; "
                           "elija la unidad de la persona.")


def _target(ledger: Ledger, username: str) -> User:
    user = ledger.users.get(username)
    if user is None:
        raise NotFound(f"No existe el usuario «{username}».")
    return user


Check = Callable[[Ledger, User], object]


def _guard(username: str, seen: User | None, actor_name: str, check: Check
           ) -> Callable[[Ledger], None]:
    """Re-run ``check`` on the freshest ledger; refuse if the account changed meanwhile."""

    def guard(fresh: Ledger) -> None:
        actor = current_user(fresh, actor_name)
        if fresh.users.get(username) != seen:
            raise ConcurrentChange(CHANGED_BY_SOMEONE_ELSE)
        check(fresh, actor)

    return guard


def _granting_role(ledger: Ledger, actor: User, changed: Iterable[Role]) -> Role | None:
    rows = ledger.permissions
    for role in actor.roles:
        for granted in changed:
            row = rows.row(grant_capability(granted))
            if role in row.roles or role in row.vacancy_roles:
                return role
    return None


def create_user(repo: Repository, actor_name: str, form: Mapping[str, object], now: datetime,
                *, password: str | None = None) -> str:
    """Open an account with the given roles; returns its first password, to hand over once.

    The creator must hold «crear_cuentas» and be able to give every role requested.
    """
    try:
        data = AccountForm.model_validate(dict(form))
    except ValidationError as exc:
        raise _form_error(exc) from None
    secret = new_password() if password is None else password
    check_password(secret)

    def check(ledger: Ledger, actor: User) -> list[Role]:
        ledger.permissions.require(actor, Capability.CREATE_ACCOUNTS)
        if data.username in ledger.users:
            raise InvalidInput(f"Usuario: «{data.username}» ya existe (las cuentas no se "
                               "borran; reactívela si corresponde).")
        _check_unit(ledger, data.unit, data.roles)
        return _check_role_change(ledger, actor, data.username, (), data.roles)

    ledger = repo.snapshot().ledger
    actor = current_user(ledger, actor_name)
    by_vacancy = check(ledger, actor)
    user = User(username=data.username, full_name=data.full_name, email=data.email,
                roles=data.roles, unit=data.unit, password_hash=hash_password(secret),
                created_at=now)
    details: dict[str, object] = {"despues": _public(user),
                                  PASSWORD: fingerprint(user.password_hash)}
    if by_vacancy:
        details["por_vacante"] = _role_values(by_vacancy)
    change = Change(guard=_guard(data.username, None, actor_name, check),
                    summary=f"nueva cuenta {user.username}")
    change.add(user_row(user), _event(
        ledger, EventKind.USER, user.username, "crear_usuario", actor, now, details,
        role=ledger.permissions.holding_role(actor, Capability.CREATE_ACCOUNTS)))
    repo.commit(change)
    return secret


def set_roles(repo: Repository, actor_name: str, username: str, roles: Iterable[Role],
              now: datetime, *, comment: str = "") -> None:
    """Give and take away roles; each change must be the actor's to make (see the matrix)."""
    wanted = tuple(sorted(set(roles), key=list(Role).index))
    if not wanted:
        raise InvalidInput("Una cuenta necesita al menos un rol; para retirar a una persona, "
                           "desactive su cuenta.")
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, actor_name)
    target = _target(ledger, username)
    if set(wanted) == set(target.roles):
        raise InvalidInput("No hay cambios de roles que guardar.")

    def check(fresh: Ledger, who: User) -> list[Role]:
        if not target.active:
            raise InvalidInput(f"La cuenta «{username}» está desactivada; reactívela primero.")
        if not target.unit:
            _check_unit(fresh, "", wanted)
        return _check_role_change(fresh, who, username, target.roles, wanted)

    by_vacancy = check(ledger, actor)
    before, after = set(target.roles), set(wanted)
    details: dict[str, object] = {
        "antes": {"roles": _role_values(before)}, "despues": {"roles": _role_values(after)},
        "agregados": _role_values(after - before), "quitados": _role_values(before - after),
    }
    if by_vacancy:
        details["por_vacante"] = _role_values(by_vacancy)
    change = Change(guard=_guard(username, target, actor_name, check),
                    summary=f"roles de {username}")
    change.update(UserRow, username, roles=text_of(wanted))
    change.add(_event(
        ledger, EventKind.USER, username, "asignar_rol", actor, now, details, comment,
        role=_granting_role(ledger, actor, before ^ after)))
    repo.commit(change)


def _account_change(repo: Repository, actor_name: str, username: str, now: datetime, *,
                    outcome: str, values: Mapping[str, object], details: Mapping[str, object],
                    check: Check, comment: str = "") -> None:
    """A technical change of an account («administrar_cuentas»), audited."""
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, actor_name)
    target = _target(ledger, username)

    def full_check(fresh: Ledger, who: User) -> None:
        fresh.permissions.require(who, Capability.MANAGE_ACCOUNTS)
        check(fresh, who)

    full_check(ledger, actor)
    change = Change(guard=_guard(username, target, actor_name, full_check),
                    summary=f"{outcome} {username}")
    change.update(UserRow, username, **{k: text_of(v) for k, v in values.items()})
    change.add(_event(
        ledger, EventKind.USER, username, outcome, actor, now, details, comment,
        role=ledger.permissions.holding_role(actor, Capability.MANAGE_ACCOUNTS)))
    repo.commit(change)


def deactivate_user(repo: Repository, actor_name: str, username: str, now: datetime, *,
                    comment: str = "") -> None:
    """Deactivate an account: it can no longer log in or act; its history stays."""
    def check(fresh: Ledger, actor: User) -> None:
        if actor.username == username:
            raise NotAllowed("No puede desactivar su propia cuenta.")
        if not _target(fresh, username).active:
            raise InvalidInput(f"La cuenta «{username}» ya está desactivada.")

    _account_change(repo, actor_name, username, now, outcome="desactivar",
                    values={"active": False},
                    details={"antes": {"activo": True}, "despues": {"activo": False}},
                    check=check, comment=comment)


def reactivate_user(repo: Repository, actor_name: str, username: str, now: datetime, *,
                    comment: str = "") -> None:
    """Reactivate an account as it was. An office one person holds at a time (the roles
    with a vacancy rule: Dirección Ejecutiva, Jefatura de la UGS) is not handed out twice."""
    def check(fresh: Ledger, actor: User) -> None:
        target = _target(fresh, username)
        if target.active:
            raise InvalidInput(f"La cuenta «{username}» ya está activa.")
        for role in target.roles:
            row = fresh.permissions.row(grant_capability(role))
            if row.vacancy_roles and _holders(fresh, role, username):
                raise NotAllowed(
                    f"La cuenta tiene el rol «{role.label}» y otra cuenta activa ya lo tiene: "
                    f"reactivarla sería asignarlo de nuevo, y eso corresponde a "
                    f"{with_articles(row.roles)}. Pida que le quiten ese rol antes."
                )

    _account_change(repo, actor_name, username, now, outcome="reactivar",
                    values={"active": True},
                    details={"antes": {"activo": False}, "despues": {"activo": True}},
                    check=check, comment=comment)


def reset_password(repo: Repository, actor_name: str, username: str, now: datetime, *,
                   password: str | None = None) -> str:
    """Set a new password (given, or generated) and lift any lock-out.

    Returns the new password so the page can show it once; only its hash is stored and
    the audit event records that it changed, never the value.
    """
    secret = new_password() if password is None else password
    check_password(secret)

    def check(fresh: Ledger, actor: User) -> None:
        if not _target(fresh, username).active:
            raise InvalidInput(f"La cuenta «{username}» está desactivada; reactívela primero.")

    hashed = hash_password(secret)
    _account_change(repo, actor_name, username, now, outcome="restablecer_contrasena",
                    values={"password_hash": hashed},
                    details={"generada": password is None, PASSWORD: fingerprint(hashed)},
                    check=check)
    return secret


def update_user_data(repo: Repository, actor_name: str, username: str, now: datetime, *,
                     full_name: str, email: str, unit: str) -> None:
    """Correct an account's name, e-mail and unit (the unit decides whose requests a unit
    head approves, so this is «administrar_cuentas» too)."""
    ledger = repo.snapshot().ledger
    target = _target(ledger, username)
    try:
        data = AccountForm.model_validate({"username": username, "full_name": full_name,
                                           "email": email, "unit": unit,
                                           "roles": target.roles})
    except ValidationError as exc:
        raise _form_error(exc) from None
    before = {"nombre": target.full_name, "correo": target.email, "unidad": target.unit}
    after = {"nombre": data.full_name, "correo": data.email, "unidad": data.unit}
    if before == after:
        raise InvalidInput("No hay cambios que guardar.")

    def check(fresh: Ledger, actor: User) -> None:
        if data.unit != target.unit:
            _check_unit(fresh, data.unit, target.roles)

    changed = [k for k in before if before[k] != after[k]]
    _account_change(repo, actor_name, username, now, outcome="modificar_datos",
                    values={"full_name": data.full_name, "email": data.email,
                            "unit": data.unit},
                    details={"antes": {k: before[k] for k in changed},
                             "despues": {k: after[k] for k in changed}},
                    check=check)


# -- units -----------------------------------------------------------------------------------


def _unit_change(repo: Repository, actor_name: str, code: str, now: datetime, *,
                 outcome: str, unit: Unit | None = None,
                 values: Mapping[str, object] | None = None,
                 details: Mapping[str, object], check: Callable[[Ledger], None]) -> None:
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, actor_name)
    role = ledger.permissions.require(actor, Capability.MANAGE_UNITS)
    check(ledger)
    seen = ledger.units.get(code)

    def guard(fresh: Ledger) -> None:
        fresh.permissions.require(current_user(fresh, actor_name), Capability.MANAGE_UNITS)
        if fresh.units.get(code) != seen:
            raise ConcurrentChange(CHANGED_BY_SOMEONE_ELSE)
        check(fresh)

    change = Change(guard=guard, summary=f"{outcome} {code}")
    if unit is not None:
        change.add(unit)
    else:
        change.update(Unit, code, **(values or {}))
    change.add(_event(ledger, EventKind.SYSTEM, f"unidad:{code}", outcome, actor, now,
                      details, role=role))
    repo.commit(change)


def _unit_name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > 200:
        raise InvalidInput("Nombre de la unidad: escriba entre 1 y 200 caracteres.")
    return text


def _existing_unit(ledger: Ledger, code: str) -> Unit:
    unit = ledger.units.get(code)
    if unit is None:
        raise NotFound(f"No existe la unidad «{code}».")
    return unit


def create_unit(repo: Repository, actor_name: str, code: str, name: str,
                now: datetime) -> str:
    """Add an organisational unit; its code is short and never changes."""
    code = code.strip().upper()
    if not UNIT_CODE.match(code):
        raise InvalidInput("Código de la unidad: de 2 a 12 letras mayúsculas o números "
                           "(p. ej. UGS).")
    unit = Unit(code=code, name=_unit_name(name))

    def check(ledger: Ledger) -> None:
        if code in ledger.units:
            raise InvalidInput(f"La unidad «{code}» ya existe (las unidades no se borran; "
                               "reactívela si corresponde).")

    _unit_change(repo, actor_name, code, now, outcome="crear_unidad", unit=unit,
                 details={"despues": {"codigo": code, "nombre": unit.name}},
                 check=check)
    return code


def rename_unit(repo: Repository, actor_name: str, code: str, name: str,
                now: datetime) -> None:
    new_name = _unit_name(name)
    old_name = _existing_unit(repo.snapshot().ledger, code).name
    if new_name == old_name:
        raise InvalidInput("El nombre no cambió.")

    def check(ledger: Ledger) -> None:
        _existing_unit(ledger, code)

    _unit_change(repo, actor_name, code, now, outcome="renombrar_unidad",
                 values={"name": new_name},
                 details={"antes": {"nombre": old_name}, "despues": {"nombre": new_name}},
                 check=check)


def set_unit_active(repo: Repository, actor_name: str, code: str, active: bool,
                    now: datetime) -> None:
    """Deactivate (no new requests for it) or reactivate a unit; requests keep it."""
    def check(ledger: Ledger) -> None:
        if _existing_unit(ledger, code).active == active:
            state = "activa" if active else "desactivada"
            raise InvalidInput(f"La unidad «{code}» ya está {state}.")

    _unit_change(repo, actor_name, code, now,
                 outcome="reactivar_unidad" if active else "desactivar_unidad",
                 values={"active": active},
                 details={"antes": {"activa": not active}, "despues": {"activa": active}},
                 check=check)


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """An account as pages show it: no password hash ever leaves the ledger."""

    username: str
    full_name: str
    email: str
    unit: str
    roles: tuple[Role, ...]
    active: bool
    created_at: datetime


def accounts(ledger: Ledger) -> list[AccountView]:
    return sorted(
        (AccountView(u.username, u.full_name, u.email, u.unit, u.roles, u.active,
                     u.created_at) for u in ledger.users.values()),
        key=lambda a: (not a.active, a.username),
    )


ADMIN_OUTCOMES = frozenset({
    "crear_usuario", "asignar_rol", "desactivar", "reactivar", "restablecer_contrasena",
    "modificar_datos", "crear_unidad", "renombrar_unidad", "desactivar_unidad",
    "reactivar_unidad",
})


def administration_events(ledger: Ledger) -> list[Event]:
    """Account and unit changes, newest first."""
    found = sorted(((n, e) for n, e in ledger.events  # filter first: sort a few, not all
                    if e.kind in (EventKind.USER, EventKind.SYSTEM)
                    and e.outcome in ADMIN_OUTCOMES), key=lambda item: (item[1].at, item[0]))
    return [e for _, e in reversed(found)]


# -- institutional days off ----------------------------------------------------------------


def institutional_days_off(ledger: Ledger) -> dict[date, str]:
    """The days off recorded in the ledger (first row of a date wins), for the calendar."""
    found: dict[date, str] = {}
    for record in ledger.all(DayOff):
        found.setdefault(record.day, record.description.strip())
    return found


def add_day_off(
    repo: Repository, username: str, day: date, description: str, now: datetime
) -> None:
    """Record an institutional day off: no stage deadline counts it as a working day.

    Rows are only appended (with an audit event); a day off recorded by mistake is
    removed by hand in the spreadsheet, where the audit event still shows who added it.
    """
    text = description.strip()
    if len(text) > 200:
        raise InvalidInput("Descripción: use como máximo 200 caracteres.")
    if day.weekday() >= 5:
        raise InvalidInput(f"El {day:%d/%m/%Y} es fin de semana: ya no es día hábil.")

    def check(ledger: Ledger) -> Role:
        actor = current_user(ledger, username)
        role = ledger.permissions.require(actor, Capability.RECORD_DAYS_OFF)
        if day in institutional_days_off(ledger):
            raise InvalidInput(f"El {day:%d/%m/%Y} ya está registrado como día no laborable.")
        return role

    def guard(fresh: Ledger) -> None:
        check(fresh)

    role = check(repo.snapshot().ledger)
    event = Event(event_id=new_event_id(), kind=EventKind.SYSTEM, subject=day.isoformat(),
                  seq=1, outcome="registrar_dia_no_laborable", actor=username,
                  role=role.value, at=now, comment=text[:200])
    change = Change(guard=guard, summary=f"día no laborable {day.isoformat()}")
    repo.commit(change.add(DayOff(day=day, description=text, recorded_by=username), event))
