"""The roles of the manual (sections 5 and 6), as one enumeration.

A stored row keeps only the role's value; the Spanish label is for people.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DE = "de"
    COMMITTEE = "comite"
    UGS_HEAD = "jefe_ugs"
    PROFESSIONAL = "profesional"
    DESIGN = "diseno"
    REQUESTER = "solicitante"
    UNIT_HEAD = "jefe_unidad"
    ADMIN = "admin_rrss"
    EDITOR = "editor"
    MODERATOR = "moderador"
    SYSADMIN = "sistema"
    DE_ASSISTANT = "asistente_de"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.DE: "Dirección Ejecutiva",
    Role.COMMITTEE: "Comité de aprobación de RRSS",
    Role.UGS_HEAD: "Jefatura de la UGS",
    Role.PROFESSIONAL: "Profesional en Promoción de Servicios",
    Role.DESIGN: "Equipo de diseño",
    Role.REQUESTER: "Unidad solicitante",
    Role.UNIT_HEAD: "Jefatura de unidad solicitante",
    Role.ADMIN: "Administrador Principal de RRSS",
    Role.EDITOR: "Editor de RRSS",
    Role.MODERATOR: "Moderador de RRSS",
    Role.SYSADMIN: "Administrador del sistema",
    Role.DE_ASSISTANT: "Asistencia de la Dirección Ejecutiva",
}

# Roles whose stage work is scoped to the request's own unit.
UNIT_SCOPED_ROLES: frozenset[Role] = frozenset({Role.REQUESTER, Role.UNIT_HEAD})


def parse_roles(text: str) -> tuple[Role, ...]:
    """Parse a cell such as ``"jefe_unidad, solicitante"``; raises ValueError on unknown."""
    roles: list[Role] = []
    for part in text.replace(";", ",").split(","):
        value = part.strip()
        if not value:
            continue
        try:
            roles.append(Role(value))
        except ValueError:
            raise ValueError(f"rol desconocido «{value}»") from None
    return tuple(dict.fromkeys(roles))
