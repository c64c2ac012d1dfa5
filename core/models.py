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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

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
Stamp = Annotated[datetime, BeforeValidator(_parse_datetime)]
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

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: object) -> object:
        return _empty_to_none(value)


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

    @field_validator("stage", "target_stage", mode="before")
    @classmethod
    def _optional_int(cls, value: object) -> object:
        return _empty_to_none(value)

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
