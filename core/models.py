"""Rows of the ledger as typed records.

Every tab's cells are text (a spreadsheet holds text); these models turn a row into
typed values and back. Field aliases are the column headers people see in the sheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from core.roles import Role, parse_roles

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
MAX_CELL_CHARS = 50_000  # what one Google Sheets cell holds


def _empty_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _parse_bool(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("si", "sí", "s", "true", "verdadero", "1", "x"):
            return True
        if text in ("no", "n", "false", "falso", "0", ""):
            return False
        raise ValueError("use «sí» o «no»")
    return value


def _parse_datetime(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("no es una fecha y hora válida (use AAAA-MM-DD HH:MM)") from None
        if parsed.tzinfo is not None:
            raise ValueError("use la hora local de Bolivia, sin zona horaria")
        return parsed
    return value


def _parse_date(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) in (10, 19, 16) else \
                date.fromisoformat(text)
        except ValueError:
            raise ValueError("no es una fecha válida (use AAAA-MM-DD)") from None
    return value


def _optional(parse: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if _empty_to_none(value) is None else parse(value)


OptDate = Annotated[date | None, BeforeValidator(_optional(_parse_date))]
OptStamp = Annotated[datetime | None, BeforeValidator(_optional(_parse_datetime))]
def _naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("use la hora local de Bolivia, sin zona horaria")
    return value


# Parsed by pydantic itself (fast, in Rust): the events tab holds tens of thousands of these.
Stamp = Annotated[datetime, AfterValidator(_naive)]
Flag = Annotated[bool, BeforeValidator(_parse_bool)]
Text = Annotated[str, Field(max_length=MAX_CELL_CHARS)]


def format_cell(value: object) -> str:
    """The text a cell holds for a typed value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


class Row(BaseModel):
    """Base of every tab's row model."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, str_strip_whitespace=False)
    key_field: ClassVar[str | None] = None

    def to_row(self) -> dict[str, str]:
        return {
            (field.alias or name): format_cell(getattr(self, name))
            for name, field in type(self).model_fields.items()
        }

    @classmethod
    def headers(cls) -> list[str]:
        return [field.alias or name for name, field in cls.model_fields.items()]

    @classmethod
    def required_headers(cls) -> list[str]:
        return [
            field.alias or name for name, field in cls.model_fields.items()
            if field.is_required()
        ]


class Status(StrEnum):
    IN_PROGRESS = "en_curso"
    PUBLISHED = "publicada"
    REJECTED = "rechazada"

    @property
    def label(self) -> str:
        return {"en_curso": "En curso", "publicada": "Publicada", "rechazada": "Rechazada"}[self]


class PublicationType(StrEnum):
    PROMOTION = "1"
    DESIGNED_IMAGES = "2"
    SPECIFIC_INFORMATION = "3"
    PHOTOGRAPH = "4"
    DAILY_NEWS = "5"
    WEB_LINK = "6"
    VIDEO = "7"

    @property
    def label(self) -> str:
        return PUBLICATION_TYPE_LABELS[self]

    @property
    def has_procedure(self) -> bool:
        return int(self) <= 3


PUBLICATION_TYPE_LABELS = {
    PublicationType.PROMOTION: "1 · Publicación de promoción",
    PublicationType.DESIGNED_IMAGES: "2 · Publicación de imágenes con diseño",
    PublicationType.SPECIFIC_INFORMATION: "3 · Publicación de información específica",
    PublicationType.PHOTOGRAPH: "4 · Publicación de fotografía",
    PublicationType.DAILY_NEWS: "5 · Publicación informativa cotidiana",
    PublicationType.WEB_LINK: "6 · Publicación de enlaces a páginas web",
    PublicationType.VIDEO: "7 · Publicación de vídeo",
}
DIRECT_TYPES = [t for t in PublicationType if not t.has_procedure]


class Request(Row):
    """A request of procedure 1, 2 or 3 (tab «solicitudes»).

    ``estado``, ``etapa`` and ``secuencia`` are written for people reading the sheet;
    the events tab is the truth and wins when they disagree.
    """

    key_field: ClassVar[str | None] = "request_id"

    request_id: str = Field(alias="id_solicitud", min_length=1)
    created_at: Stamp = Field(alias="creada_en")
    created_by: str = Field(alias="creada_por", min_length=1)
    procedure: int = Field(alias="procedimiento", ge=1)
    version: int = Field(alias="version", ge=1)
    title: Text = Field(alias="titulo", min_length=1)
    objective: Text = Field(alias="objetivo", default="")
    summary: Text = Field(alias="resumen", default="")
    unit: str = Field(alias="unidad", min_length=1)
    links: Text = Field(alias="fotos_enlaces", default="")
    publish_from: OptDate = Field(alias="publicar_desde", default=None)
    publish_to: OptDate = Field(alias="publicar_hasta", default=None)
    protected: Flag = Field(alias="protegida_por_norma", default=False)
    reference: Text = Field(alias="referencia", default="")
    status: Status = Field(alias="estado", default=Status.IN_PROGRESS)
    stage: int | None = Field(alias="etapa", default=None)
    seq: int = Field(alias="secuencia", default=0)
    updated_at: OptStamp = Field(alias="actualizada_en", default=None)


class EventKind(StrEnum):
    REQUEST = "solicitud"
    DIRECT_PUBLICATION = "publicacion_directa"
    USER = "usuario"
    SYSTEM = "sistema"


class Event(Row):
    """One action on the record (tab «eventos», append-only).

    For a request: who acted, in which role, at which stage, with which outcome.
    ``hash`` chains each row to the one before it so hand edits can be detected.
    """

    key_field: ClassVar[str | None] = "event_id"

    event_id: str = Field(alias="id_evento", min_length=1)
    kind: EventKind = Field(alias="tipo", default=EventKind.REQUEST)
    subject: str = Field(alias="id_objeto", min_length=1)
    seq: int = Field(alias="secuencia", ge=0)
    stage: int | None = Field(alias="etapa", default=None)
    outcome: str = Field(alias="accion", min_length=1)
    target_stage: int | None = Field(alias="etapa_destino", default=None)
    actor: str = Field(alias="usuario", min_length=1)
    role: str = Field(alias="rol", default="")
    at: Stamp = Field(alias="fecha_hora")
    comment: Text = Field(alias="comentario", default="")
    data: Text = Field(alias="datos", default="")
    hash: str = Field(alias="hash", default="")

    @field_validator("data")
    @classmethod
    def _json(cls, value: str) -> str:
        if value.strip():
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("«datos» debe ser JSON válido") from None
            if not isinstance(parsed, dict):
                raise ValueError("«datos» debe ser un objeto JSON")
        return value

    def payload(self) -> dict[str, Any]:
        return json.loads(self.data) if self.data.strip() else {}


class User(Row):
    """A person who logs in (tab «usuarios»). Passwords are stored only as bcrypt hashes."""

    key_field: ClassVar[str | None] = "username"

    username: str = Field(alias="usuario", min_length=1, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(alias="nombre", min_length=1)
    email: str = Field(alias="correo", default="")
    roles: tuple[Role, ...] = Field(alias="roles")
    unit: str = Field(alias="unidad", default="")
    password_hash: str = Field(alias="hash_contrasena", default="")
    active: Flag = Field(alias="activo", default=True)
    created_at: Stamp = Field(alias="creado_en")
    failed_logins: int = Field(alias="intentos_fallidos", default=0, ge=0)
    locked_until: OptStamp = Field(alias="bloqueado_hasta", default=None)

    @field_validator("failed_logins", mode="before")
    @classmethod
    def _failed(cls, value: object) -> object:
        return 0 if _empty_to_none(value) is None else value

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            roles = parse_roles(value)
            if not roles:
                raise ValueError("el usuario necesita al menos un rol")
            return roles
        return value

    def has(self, role: Role) -> bool:
        return role in self.roles


class Unit(Row):
    """An organisational unit of the agency (tab «unidades»)."""

    key_field: ClassVar[str | None] = "code"

    code: str = Field(alias="codigo", min_length=1)
    name: str = Field(alias="nombre", min_length=1)
    active: Flag = Field(alias="activa", default=True)


class DirectPublication(Row):
    """A publication of types 4–7, recorded by the Administrador Principal."""

    key_field: ClassVar[str | None] = "publication_id"

    publication_id: str = Field(alias="id_publicacion", min_length=1)
    type: PublicationType = Field(alias="tipo")
    title: Text = Field(alias="titulo", min_length=1)
    channel: str = Field(alias="canal", min_length=1)
    link: Text = Field(alias="enlace", default="")
    published_at: Stamp = Field(alias="publicada_en")
    recorded_by: str = Field(alias="registrada_por", min_length=1)
    notes: Text = Field(alias="notas", default="")

    @field_validator("type")
    @classmethod
    def _direct_only(cls, value: PublicationType) -> PublicationType:
        if value.has_procedure:
            raise ValueError(
                "los tipos 1 a 3 siguen un procedimiento; aquí solo van los tipos 4 a 7"
            )
        return value


# -- tabs for deadlines, the promotion plan and the service logs (issue: dashboards) -------


class DayOff(Row):
    """An institutional day off (tab «dias_no_laborables»): not a working day for deadlines."""

    key_field: ClassVar[str | None] = "day"

    day: date = Field(alias="fecha")
    description: str = Field(alias="descripcion", default="")
    recorded_by: str = Field(alias="registrado_por", default="")

    @field_validator("day", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        return _parse_date(value)


class PlanStatus(StrEnum):
    PLANNED = "planificado"
    REQUESTED = "solicitado"
    PUBLISHED = "publicado"
    CANCELLED = "cancelado"


class PlanItem(Row):
    """One item of the Plan de Promoción de Servicios (tab «plan_promocion»)."""

    key_field: ClassVar[str | None] = "item_id"

    item_id: str = Field(alias="id_item", min_length=1)
    service: Text = Field(alias="servicio", min_length=1)
    campaign: Text = Field(alias="campania", default="")
    channels: str = Field(alias="canales", default="")
    type: PublicationType = Field(alias="tipo")
    start: date = Field(alias="fecha_desde")
    end: OptDate = Field(alias="fecha_hasta", default=None)
    budget: float | None = Field(alias="presupuesto_bs", default=None, ge=0)
    status: PlanStatus = Field(alias="estado", default=PlanStatus.PLANNED)
    request_id: str = Field(alias="id_solicitud", default="")
    notes: Text = Field(alias="notas", default="")
    created_by: str = Field(alias="creado_por", default="")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: object) -> object:
        return _parse_date(value)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: object) -> object:
        value = _empty_to_none(value)
        if isinstance(value, str):
            text = value.strip().replace("Bs", "").replace(" ", "")
            if "," in text and "." in text:
                text = text.replace(".", "").replace(",", ".")
            elif "," in text:
                text = text.replace(",", ".")
            try:
                return float(text)
            except ValueError:
                raise ValueError("el presupuesto debe ser un número (Bs)") from None
        return value

    def channel_list(self) -> list[str]:
        return [c.strip() for c in self.channels.replace(";", ",").split(",") if c.strip()]


class AnswerMode(StrEnum):
    PUBLIC = "publica"
    PRIVATE = "privada"


class PublicQuestion(Row):
    """A question from the public on a social network (tab «consultas»); 15-minute rule."""

    key_field: ClassVar[str | None] = "question_id"

    question_id: str = Field(alias="id_consulta", min_length=1)
    received_at: Stamp = Field(alias="recibida_en")
    channel: str = Field(alias="canal", min_length=1)
    summary: Text = Field(alias="resumen", default="")
    answered_at: OptStamp = Field(alias="respondida_en", default=None)
    mode: AnswerMode | None = Field(alias="modo", default=None)
    answered_by: str = Field(alias="atendida_por", default="")

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return _empty_to_none(value)


class CrisisIncident(Row):
    """A crisis on social networks (tab «incidentes»): UGS leads, staff involved accompany."""

    key_field: ClassVar[str | None] = "incident_id"

    incident_id: str = Field(alias="id_incidente", min_length=1)
    description: Text = Field(alias="descripcion", min_length=1)
    leader: str = Field(alias="lider_ugs", min_length=1)
    staff: Text = Field(alias="personal_involucrado", default="")
    actions: Text = Field(alias="acciones", default="")
    opened_at: Stamp = Field(alias="abierto_en")
    closed_at: OptStamp = Field(alias="cerrado_en", default=None)


# -- tabs for trust and administration ------------------------------------------------------


class MailStatus(StrEnum):
    PENDING = "pendiente"
    SENT = "enviado"
    FAILED = "fallido"


class OutboxMail(Row):
    """A notification e-mail (tab «correo_saliente»); sent by SMTP when configured."""

    key_field: ClassVar[str | None] = "mail_id"

    mail_id: str = Field(alias="id_correo", min_length=1)
    created_at: Stamp = Field(alias="creado_en")
    to: str = Field(alias="para", min_length=1)
    subject: Text = Field(alias="asunto", min_length=1)
    body: Text = Field(alias="cuerpo", default="")
    status: MailStatus = Field(alias="estado", default=MailStatus.PENDING)
    attempts: int = Field(alias="intentos", default=0, ge=0)
    last_error: Text = Field(alias="ultimo_error", default="")
    sent_at: OptStamp = Field(alias="enviado_en", default=None)

    @field_validator("attempts", mode="before")
    @classmethod
    def _attempts(cls, value: object) -> object:
        return 0 if _empty_to_none(value) is None else value


class DeletionOrder(Row):
    """DE's order to remove a published item (tab «ordenes_eliminacion»), manual 6 a)."""

    key_field: ClassVar[str | None] = "order_id"

    order_id: str = Field(alias="id_orden", min_length=1)
    publication: str = Field(alias="publicacion", min_length=1)
    channel: str = Field(alias="canal", min_length=1)
    reason: Text = Field(alias="motivo", min_length=1)
    via: str = Field(alias="via", min_length=1)
    ordered_by: str = Field(alias="ordenada_por", min_length=1)
    ordered_at: Stamp = Field(alias="ordenada_en")
    confirmed_by: str = Field(alias="confirmada_por", default="")
    confirmed_at: OptStamp = Field(alias="confirmada_en", default=None)


class IntakeRow(Row):
    """A row that staff or a Google Form add to the intake tab («ingreso»).

    Kept as text: the intake step validates it and writes its verdict in ``estado_ingreso``.
    """

    key_field: ClassVar[str | None] = None

    submitted_at: str = Field(alias="marca_temporal", default="")
    username: str = Field(alias="usuario", default="")
    unit: str = Field(alias="unidad", default="")
    title: str = Field(alias="titulo", default="")
    objective: str = Field(alias="objetivo", default="")
    summary: str = Field(alias="resumen", default="")
    links: str = Field(alias="fotos_enlaces", default="")
    publish_from: str = Field(alias="publicar_desde", default="")
    publish_to: str = Field(alias="publicar_hasta", default="")
    protected: str = Field(alias="protegida_por_norma", default="")
    intake_status: str = Field(alias="estado_ingreso", default="")
    request_id: str = Field(alias="id_solicitud", default="")


class ProcedureStatus(StrEnum):
    PUBLISHED = "publicado"
    DRAFT = "borrador"


class ProcedureTableRow(Row):
    """A stage row of the tab «procedimientos», as text; core.procedures validates it.

    Published versions are what requests follow; a draft is edited until it validates.
    """

    key_field: ClassVar[str | None] = None

    procedure: str = Field(alias="procedimiento", min_length=1)
    procedure_name: str = Field(alias="nombre", default="")
    version: str = Field(alias="version", min_length=1)
    number: str = Field(alias="etapa", min_length=1)
    roles: str = Field(alias="responsable", default="")
    protected_roles: str = Field(alias="responsable_protegida", default="")
    activity: str = Field(alias="actividad", default="")
    instrument: str = Field(alias="instrumento", default="")
    deadline: str = Field(alias="plazo", default="")
    outcomes: str = Field(alias="salidas", default="")
    action_label: str = Field(alias="accion", default="")
    records_schedule: str = Field(alias="registra_cronograma", default="")
    clause: str = Field(alias="clausula", default="")
    interpretation: str = Field(alias="interpretacion", default="")
    allows_self_approval: str = Field(alias="permite_autoaprobacion", default="")
    status: ProcedureStatus = Field(alias="estado", default=ProcedureStatus.PUBLISHED)
