"""Which pages each role sees. Navigation hides the rest; services still re-check."""

from __future__ import annotations

from core.roles import Role

ALL_ROLES = frozenset(Role)

PAGE_ROLES: dict[str, frozenset[Role]] = {
    "bandeja": ALL_ROLES,
    "solicitud": ALL_ROLES,
    "nueva_solicitud": frozenset({Role.DE, Role.PROFESSIONAL, Role.REQUESTER, Role.UNIT_HEAD}),
    "publicaciones_directas": frozenset({Role.ADMIN, Role.EDITOR, Role.MODERATOR, Role.DE,
                                         Role.UGS_HEAD, Role.PROFESSIONAL}),
}


def may_see(page: str, roles: tuple[Role, ...]) -> bool:
    allowed = PAGE_ROLES.get(page, frozenset())
    return any(role in allowed for role in roles)
