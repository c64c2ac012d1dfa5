"""Who may do what: the manual's permission matrix (sections 5 and 6) as validated data.

The matrix lives in ``sheets_schema/permissions.csv`` (one row per capability, with the
roles that hold it, the manual's clause and, where the manual is silent, the
interpretation the product makes). Services call :meth:`PermissionMatrix.require` on
fresh data; pages call :meth:`PermissionMatrix.can` only to hide what would be refused
anyway. The matrix is
handed to the ledger by the composition root; nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.domain.errors import InvalidDefinition, NotAllowed
from core.domain.models import User
from core.domain.roles import Role, parse_roles
from core.domain.validation import spanish_reason

# -- the matrix ----------------------------------------------------------------------------


class Capability(StrEnum):
    """The capabilities the code enforces; each must have its row in the matrix."""

    PUBLISH = "publicar"
    PUBLISH_DIRECT = "publicar_tipos_4_a_7"
    SEND_MESSAGES = "enviar_mensajes"
    ANSWER_COMMENTS = "responder_comentarios"
    DELETE_COMMENTS = "eliminar_comentarios"
    CREATE_ADS = "crear_anuncios"
    SEE_AUTHOR = "ver_autor"
    SEE_STATISTICS = "ver_estadisticas"
    ORDER_DELETION = "ordenar_eliminacion"
    CREATE_ACCOUNTS = "crear_cuentas"
    MANAGE_ACCOUNTS = "administrar_cuentas"
    MANAGE_UNITS = "administrar_unidades"
    MANAGE_PROCEDURES = "administrar_procedimientos"
    APPROVE_PROCEDURES = "aprobar_procedimientos"
    APPROVE_PROMOTION = "aprobar_promocion"
    RECORD_STATISTICS = "registrar_estadisticas"
    KEEP_PLAN = "planificar_promocion"
    LEAD_CRISIS = "liderar_crisis"
    OPEN_CRISIS = "abrir_crisis"
    CONFIRM_DELETION = "confirmar_eliminacion"
    ACKNOWLEDGE_AUDIT = "acusar_auditoria"
    MANAGE_OUTBOX = "administrar_correo"
    RECORD_DAYS_OFF = "registrar_dias_no_laborables"
    TAKE_INTAKE = "tomar_ingreso"


GRANT_PREFIX = "asignar_rol_"


def grant_capability(role: Role) -> str:
    """The capability of giving or taking away ``role``: ``asignar_rol_<role>``."""
    return f"{GRANT_PREFIX}{role.value}"


class Scope(StrEnum):
    """Where a capability is exercised: in this app, or in the social network's own roles."""

    APP = "aplicacion"
    NETWORK = "red_social"

    @property
    def label(self) -> str:
        return "Aplicación" if self is Scope.APP else "Red social"


class PermissionRow(BaseModel):
    """One row of the matrix, exactly as it is stored."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    capability: str = Field(alias="permiso", pattern=r"^[a-z0-9_]+$")
    description: str = Field(alias="descripcion", min_length=1)
    roles: tuple[Role, ...] = Field(alias="roles")
    vacancy_roles: tuple[Role, ...] = Field(alias="roles_si_vacante", default=())
    scope: Scope = Field(alias="ambito")
    clause: str = Field(alias="clausula", min_length=1)
    interpretation: str = Field(alias="interpretacion", default="")

    @field_validator("roles", "vacancy_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        return parse_roles(value) if isinstance(value, str) else value

    @property
    def granted_role(self) -> Role | None:
        """For ``asignar_rol_<role>`` rows, the role given or taken away."""
        if not self.capability.startswith(GRANT_PREFIX):
            return None
        return Role(self.capability.removeprefix(GRANT_PREFIX))

    def role_labels(self) -> str:
        return " o ".join(r.label for r in self.roles)


MATRIX_COLUMNS = tuple(
    f.alias for f in PermissionRow.model_fields.values() if f.alias is not None
)


@dataclass(frozen=True)
class PermissionMatrix:
    rows: tuple[PermissionRow, ...]
    _by_name: dict[str, PermissionRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {r.capability: r for r in self.rows})

    def row(self, capability: str) -> PermissionRow:
        if capability not in self._by_name:
            raise InvalidDefinition(f"La matriz de permisos no tiene el permiso «{capability}».")
        return self._by_name[capability]

    def roles(self, capability: str) -> frozenset[Role]:
        return frozenset(self.row(capability).roles)

    def allows(self, roles: Iterable[Role], capability: str) -> bool:
        allowed = self.row(capability).roles
        return any(role in allowed for role in roles)

    def capabilities_of(self, roles: Iterable[Role]) -> list[PermissionRow]:
        held = set(roles)
        return [r for r in self.rows if held & set(r.roles)]

    # -- enforcement: services ask these on fresh data; pages only to hide -----------------

    def can(self, user: User, capability: str, *, acting_as: Role | None = None) -> bool:
        """Whether ``user`` (in ``acting_as``, if given) holds ``capability``."""
        roles = (acting_as,) if acting_as is not None else user.roles
        if acting_as is not None and not user.has(acting_as):
            return False
        return user.active and self.allows(roles, capability)

    def holding_role(self, user: User, capability: str) -> Role | None:
        """The first of ``user``'s roles that holds ``capability`` (for the audit record)."""
        allowed = self.roles(capability)
        return next((r for r in user.roles if r in allowed), None)

    def require(self, user: User, capability: str, *, acting_as: Role | None = None) -> Role:
        """The role in which ``user`` holds ``capability``, or :class:`NotAllowed`.

        ``acting_as`` narrows the check to the role the user acts in (e.g. at a stage).
        """
        if self.can(user, capability, acting_as=acting_as):
            role = acting_as or self.holding_role(user, capability)
            assert role is not None
            return role
        row = self.row(capability)
        clause = f" (manual, {row.clause})" if row.clause.strip("—- ") else ""
        who = f" como {acting_as.label}" if acting_as is not None else ""
        action = row.description[:1].lower() + row.description[1:]
        raise NotAllowed(
            f"Solo {with_articles(row.roles)} puede {action}{clause}; su usuario{who} no "
            "tiene ese permiso."
        )


def load_permissions(rows: Iterable[Mapping[str, str]], first_row: int = 2) -> PermissionMatrix:
    """Validate the matrix; the first problem is refused naming the row and the column."""
    loaded: list[PermissionRow] = []
    seen: dict[str, int] = {}

    def refuse(row: int, column: str, reason: str) -> InvalidDefinition:
        return InvalidDefinition(f"Tabla de permisos, fila {row}, columna «{column}»: {reason}.")

    for offset, raw in enumerate(rows):
        number = first_row + offset
        if not any(str(v or "").strip() for v in raw.values()):
            continue
        try:
            row = PermissionRow.model_validate(dict(raw))
        except ValidationError as exc:
            error = exc.errors()[0]
            column = str(error["loc"][0]) if error["loc"] else "?"
            raise refuse(number, column, spanish_reason(error)) from None
        if row.capability in seen:
            raise refuse(number, "permiso", f"«{row.capability}» ya está en la fila "
                         f"{seen[row.capability]}")
        known = row.capability in set(Capability) or row.capability.startswith(GRANT_PREFIX)
        if row.scope is Scope.APP and not known:
            raise refuse(number, "permiso", f"la aplicación no conoce «{row.capability}»: "
                         "use ámbito «red_social» si solo se documenta")
        if row.capability.startswith(GRANT_PREFIX):
            try:
                Role(row.capability.removeprefix(GRANT_PREFIX))
            except ValueError:
                raise refuse(number, "permiso", "rol desconocido «"
                             f"{row.capability.removeprefix(GRANT_PREFIX)}»") from None
        elif row.vacancy_roles:
            raise refuse(number, "roles_si_vacante", "solo los permisos «asignar_rol_…» "
                         "admiten quién actúa si el rol está vacante")
        if not row.roles:
            raise refuse(number, "roles", "el permiso necesita al menos un rol")
        seen[row.capability] = number
        loaded.append(row)
    required = [*(c.value for c in Capability), *(grant_capability(r) for r in Role)]
    missing = [c for c in required if c not in seen]
    if missing:
        raise InvalidDefinition(f"Tabla de permisos: falta el permiso «{missing[0]}».")
    return PermissionMatrix(tuple(loaded))


_FEMININE = frozenset({Role.DE, Role.UGS_HEAD, Role.REQUESTER, Role.UNIT_HEAD})


def with_articles(roles: Iterable[Role]) -> str:
    """«la Dirección Ejecutiva o el Comité de aprobación de RRSS»."""
    named = [("la " if r in _FEMININE else "el ") + r.label for r in roles]
    return ", ".join(named[:-1]) + " o " + named[-1] if len(named) > 1 else "".join(named)
