"""Which pages each role sees in the navigation. This is navigation, not security: every
service re-checks the actor against the permission matrix on fresh data."""

from __future__ import annotations

from core.domain.roles import Role

ALL_ROLES = frozenset(Role)

MANAGERS = frozenset({Role.DE, Role.UGS_HEAD, Role.COMMITTEE})
SOCIAL_MEDIA_TEAM = frozenset({Role.ADMIN, Role.EDITOR, Role.MODERATOR})

PAGE_ROLES: dict[str, frozenset[Role]] = {
    "bandeja": ALL_ROLES,
    "solicitud": ALL_ROLES,
    # The UGS head and the DE's assistant register the DE's instructions in her name.
    "nueva_solicitud": frozenset({Role.DE, Role.PROFESSIONAL, Role.REQUESTER, Role.UNIT_HEAD,
                                  Role.UGS_HEAD, Role.DE_ASSISTANT}),
    "publicaciones_directas": SOCIAL_MEDIA_TEAM | {Role.DE, Role.UGS_HEAD, Role.PROFESSIONAL},
    # The same roles as «ver_estadisticas» in the matrix (a test keeps them equal).
    "tablero": MANAGERS | SOCIAL_MEDIA_TEAM,
    "plan_promocion": frozenset({Role.PROFESSIONAL, Role.UGS_HEAD, Role.DE, Role.DESIGN}),
    "atencion": SOCIAL_MEDIA_TEAM | {Role.UGS_HEAD, Role.PROFESSIONAL},
    "informe": frozenset({Role.PROFESSIONAL, Role.UGS_HEAD, Role.DE}),
    "dias_no_laborables": frozenset({Role.DE, Role.UGS_HEAD, Role.SYSADMIN}),
    "eliminaciones": frozenset({Role.DE, Role.ADMIN, Role.UGS_HEAD, Role.DE_ASSISTANT}),
    "procedimientos": ALL_ROLES,
    "permisos": ALL_ROLES,
    "usuarios": frozenset({Role.UGS_HEAD, Role.DE, Role.SYSADMIN}),
    "correo": frozenset({Role.UGS_HEAD, Role.SYSADMIN}),
    "auditoria": frozenset({Role.DE, Role.UGS_HEAD}),
    "salud_datos": frozenset({Role.DE, Role.UGS_HEAD, Role.SYSADMIN}),
}


def may_see(page: str, roles: tuple[Role, ...]) -> bool:
    allowed = PAGE_ROLES.get(page, frozenset())
    return any(role in allowed for role in roles)
