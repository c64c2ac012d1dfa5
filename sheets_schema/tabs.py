"""The ledger's tabs and columns, as data.

The same declaration drives the local workbook, the Google Sheet's bootstrap and the
validation of every row read back. Column headers are the row models' aliases.
"""

from __future__ import annotations

from core.ledger import TabSpec
from core.models import (
    DIRECT_TYPES,
    DirectPublication,
    Event,
    EventKind,
    Request,
    Status,
    Unit,
    User,
)
from core.roles import Role

YES_NO = ("sí", "no")

REQUESTS = TabSpec(
    "solicitudes", Request,
    "Una fila por solicitud de los procedimientos 1 a 3. Estado, etapa y secuencia se "
    "copian del registro de eventos para lectura.",
    choices={"procedimiento": ("1", "2", "3"), "protegida_por_norma": YES_NO,
             "estado": tuple(s.value for s in Status)},
)
EVENTS = TabSpec(
    "eventos", Event,
    "Registro de acciones, solo se agregan filas; cada fila se encadena con la anterior.",
    choices={"tipo": tuple(k.value for k in EventKind)},
    append_only=True,
)
USERS = TabSpec(
    "usuarios", User,
    "Personas que usan la aplicación; las contraseñas se guardan solo como hash bcrypt.",
    choices={"activo": YES_NO},
)
UNITS = TabSpec(
    "unidades", Unit, "Unidades organizacionales de la ADSIB.", choices={"activa": YES_NO},
)
DIRECT = TabSpec(
    "publicaciones_directas", DirectPublication,
    "Publicaciones de los tipos 4 a 7, registradas por el Administrador Principal.",
    choices={"tipo": tuple(t.value for t in DIRECT_TYPES)},
)

ALL_TABS: tuple[TabSpec, ...] = (REQUESTS, EVENTS, USERS, UNITS, DIRECT)
TABS_BY_NAME = {spec.name: spec for spec in ALL_TABS}
ROLE_CHOICES = tuple(r.value for r in Role)
