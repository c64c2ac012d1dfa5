"""The ledger's tabs and columns, as data.

The same declaration drives the local workbook, the Google Sheet's bootstrap and the
validation of every row read back. Column headers are the row models' aliases.
"""

from __future__ import annotations

from core.ledger import TabSpec
from core.models import (
    DIRECT_TYPES,
    AnswerMode,
    CrisisIncident,
    DayOff,
    DeletionOrder,
    DirectPublication,
    Event,
    EventKind,
    IntakeRow,
    MailStatus,
    OutboxMail,
    PlanItem,
    PlanStatus,
    ProcedureStatus,
    ProcedureTableRow,
    PublicationType,
    PublicQuestion,
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

DAYS_OFF = TabSpec(
    "dias_no_laborables", DayOff,
    "Días no laborables institucionales: no cuentan como días hábiles para los plazos.",
)
PLAN = TabSpec(
    "plan_promocion", PlanItem,
    "Plan de Promoción de Servicios: lo mantiene el Profesional en Promoción de Servicios.",
    choices={"tipo": tuple(t.value for t in PublicationType),
             "estado": tuple(s.value for s in PlanStatus)},
)
QUESTIONS = TabSpec(
    "consultas", PublicQuestion,
    "Consultas del público en redes sociales; deben responderse en 15 minutos (5 e).",
    choices={"modo": tuple(m.value for m in AnswerMode)},
)
INCIDENTS = TabSpec(
    "incidentes", CrisisIncident,
    "Manejo de crisis en redes sociales (5 f): la UGS lidera, el personal involucrado acompaña.",
)
OUTBOX = TabSpec(
    "correo_saliente", OutboxMail,
    "Correos de aviso: se envían por SMTP si está configurado; si no, quedan aquí.",
    choices={"estado": tuple(s.value for s in MailStatus)},
)
DELETIONS = TabSpec(
    "ordenes_eliminacion", DeletionOrder,
    "Órdenes de la Dirección Ejecutiva para eliminar una publicación (6 a).",
    choices={"via": ("nota", "correo", "llamada", "mensaje")},
)
PROCEDURES = TabSpec(
    "procedimientos", ProcedureTableRow,
    "Los procedimientos del manual, una fila por etapa y versión; las versiones publicadas "
    "rigen para solicitudes nuevas, las en curso conservan la suya.",
    choices={"estado": tuple(s.value for s in ProcedureStatus),
             "registra_cronograma": YES_NO, "permite_autoaprobacion": YES_NO},
)
INTAKE = TabSpec(
    "ingreso", IntakeRow,
    "Solicitudes del procedimiento 3 agregadas a mano o por un formulario; la aplicación "
    "las toma y escribe el resultado en «estado_ingreso».",
    choices={"protegida_por_norma": YES_NO},
)

ALL_TABS: tuple[TabSpec, ...] = (
    REQUESTS, EVENTS, USERS, UNITS, DIRECT, DAYS_OFF, PLAN, QUESTIONS, INCIDENTS, OUTBOX,
    DELETIONS, PROCEDURES, INTAKE,
)
TABS_BY_NAME = {spec.name: spec for spec in ALL_TABS}
ROLE_CHOICES = tuple(r.value for r in Role)
