"""The ledger's records as typed values: requests, events, users, units and the rest.

A spreadsheet holds text; these models validate what a row says (Spanish reasons when it
cannot be read) and give the services typed values. They know nothing of tabs or
columns: ``sheets_schema`` maps each field to its column, and only adapters read it.
"""

from __future__ import annotations

import json
import re
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

from core.domain.roles import Role, parse_roles

MAX_CELL_CHARS = 32_767  # what one cell keeps after Excel or LibreOffice saves the file


def cell_length(text: str) -> int:
    """Length as spreadsheets count it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


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


_DAY_MONTH_YEAR = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def people_datetime(text: str) -> datetime:
    """A date and time as the app writes it (AAAA-MM-DD HH:MM:SS) or as people in Bolivia
    type it (DD/MM/AAAA, optionally with HH:MM): «05/02/2027» is 5 February."""
    match = _DAY_MONTH_YEAR.match(text.strip())
    if match:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return datetime(year, month, day, hour, minute, second)
    return datetime.fromisoformat(text.strip())


def _parse_datetime(value: object) -> object:
    if isinstance(value, str):
        try:
            parsed = people_datetime(value)
        except ValueError:
            raise ValueError("no es una fecha y hora válida (use DD/MM/AAAA HH:MM)") from None
        if parsed.tzinfo is not None:
            raise ValueError("use la hora local de Bolivia, sin zona horaria")
        return parsed
    return value


def _parse_date(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DAY_MONTH_YEAR.match(text):
                return people_datetime(text).date()
            return date.fromisoformat(text[:10]) if len(text) in (10, 19, 16) else \
                date.fromisoformat(text)
        except ValueError:
            raise ValueError("no es una fecha válida (use DD/MM/AAAA)") from None
    return value


def _parse_amount(value: object) -> object:
    """An amount in bolivianos as people type it: «1.500,50», «Bs 1500», «1500.5»."""
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
            raise ValueError("el monto debe ser un número (Bs)") from None
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
# A moment people type in the sheet (a question received, a crisis opened): DD/MM/AAAA too.
TypedStamp = Annotated[datetime, BeforeValidator(_parse_datetime), AfterValidator(_naive)]


def _not_negative(value: float | None) -> float | None:
    if value is not None and value < 0:
        raise ValueError("el monto no puede ser negativo")
    return value


Amount = Annotated[float | None, BeforeValidator(_parse_amount), AfterValidator(_not_negative)]
Text = Annotated[str, Field(max_length=MAX_CELL_CHARS)]


DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def text_of(value: object) -> str:
    """The text a sheet cell holds for a typed value (ISO dates, «sí»/«no», lists with
    commas): what the app writes, and what a row's view of the record shows."""
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


class Record(BaseModel):
    """Base of every typed row of the ledger.

    Field names are the domain's; which tab and column hold each field is declared in
    ``sheets_schema`` and known only to the adapters.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=False)
    key_field: ClassVar[str | None] = None

    @property
    def key(self) -> str:
        """The value of the key field (empty for records without one)."""
        return str(getattr(self, self.key_field)) if self.key_field else ""

    @classmethod
    def fields(cls) -> list[str]:
        return list(cls.model_fields)

    @classmethod
    def required_fields(cls) -> list[str]:
        return [name for name, field in cls.model_fields.items() if field.is_required()]


class Status(StrEnum):
    IN_PROGRESS = "en_curso"
    PUBLISHED = "publicada"
    REJECTED = "rechazada"
    WITHDRAWN = "retirada"  # the requester withdrew it before publication
    CANCELLED = "cancelada"  # DE or the UGS head cancelled it, with a reason

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.IN_PROGRESS: "En curso", Status.PUBLISHED: "Publicada",
    Status.REJECTED: "Rechazada", Status.WITHDRAWN: "Retirada",
    Status.CANCELLED: "Cancelada",
}


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


class Product(StrEnum):
    """What is published (manual, section 10: posts, infografías, vídeos cortos,
    fotografías, ilustraciones; carousels and stories are posts the networks name apart)."""

    POST = "post"
    CAROUSEL = "carrusel"
    INFOGRAPHIC = "infografia"
    SHORT_VIDEO = "video"
    PHOTOGRAPH = "fotografia"
    ILLUSTRATION = "ilustracion"
    STORY = "historia"
    OTHER = "otro"

    @property
    def label(self) -> str:
        return PRODUCT_LABELS[self]


PRODUCT_LABELS = {
    Product.POST: "Post", Product.CAROUSEL: "Carrusel", Product.INFOGRAPHIC: "Infografía",
    Product.SHORT_VIDEO: "Vídeo corto", Product.PHOTOGRAPH: "Fotografía",
    Product.ILLUSTRATION: "Ilustración", Product.STORY: "Historia", Product.OTHER: "Otro",
}


def _product(value: object) -> object:
    return _empty_to_none(value)


OptProduct = Annotated[Product | None, BeforeValidator(_product)]


class Request(Record):
    """A request of procedure 1, 2 or 3, as the record establishes it.

    What the procedure routes on (procedure and version, requesting unit, requester,
    protected by norm, publication window) comes from the request's first signed event;
    its text (title, objective, summary, links, reference) from its row of the requests'
    tab, which people read. ``status``, ``stage`` and ``seq`` come from replaying the events.
    """

    key_field: ClassVar[str | None] = "request_id"

    request_id: str = Field(min_length=1)
    created_at: Stamp
    created_by: str = Field(min_length=1)
    procedure: int = Field(ge=1)
    version: int = Field(ge=1)
    title: Text = Field(min_length=1)
    objective: Text = Field(default="")
    summary: Text = Field(default="")
    unit: str = Field(min_length=1)
    links: Text = Field(default="")
    publish_from: OptDate = Field(default=None)
    publish_to: OptDate = Field(default=None)
    protected: Flag = Field(default=False)
    reference: Text = Field(default="")
    status: Status = Field(default=Status.IN_PROGRESS)
    stage: int | None = Field(default=None)
    seq: int = Field(default=0)
    updated_at: OptStamp = Field(default=None)
    # Paid promotion (7.1: any type, with the DE's approval) and the product (section 10).
    promotion_bs: Amount = Field(default=None)
    product: OptProduct = Field(default=None)


class RequestRow(Record):
    """A request's row as people read it in the sheet: text, a view of the record.

    The app writes it; the request's text is read from it; everything else in it is only
    shown (a cell that differs from the record is reported, never obeyed).
    """

    key_field: ClassVar[str | None] = "request_id"

    request_id: str = Field(min_length=1)
    created_at: str = ""
    created_by: str = ""
    procedure: str = ""
    version: str = ""
    title: Text = ""
    objective: Text = ""
    summary: Text = ""
    unit: str = ""
    links: Text = ""
    publish_from: str = ""
    publish_to: str = ""
    protected: str = ""
    reference: Text = ""
    status: str = ""
    stage: str = ""
    seq: str = ""
    updated_at: str = ""
    promotion_bs: str = ""
    product: str = ""


class EventKind(StrEnum):
    REQUEST = "solicitud"
    DIRECT_PUBLICATION = "publicacion_directa"
    USER = "usuario"
    SYSTEM = "sistema"


class Event(Record):
    """One action on the record (tab «eventos», append-only).

    For a request: who acted, in which role, at which stage, with which outcome.
    ``hash`` chains each row to the one before it so hand edits can be detected.
    """

    key_field: ClassVar[str | None] = "event_id"

    event_id: str = Field(min_length=1)
    kind: EventKind = Field(default=EventKind.REQUEST)
    subject: str = Field(min_length=1)
    seq: int = Field(ge=0)
    stage: int | None = Field(default=None)
    outcome: str = Field(min_length=1)
    target_stage: int | None = Field(default=None)
    actor: str = Field(min_length=1)
    role: str = Field(default="")
    at: Stamp
    comment: Text = Field(default="")
    data: Text = Field(default="")
    hash: str = Field(default="")
    signature: str = Field(default="")

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


class User(Record):
    """A person who logs in, as the record establishes it.

    Who holds which role, in which unit, and whether the account is active follow from
    the account's signed events; the bcrypt hash is read from the users' tab and obeyed
    only when it matches the fingerprint the last password event recorded.
    """

    key_field: ClassVar[str | None] = "username"

    username: str = Field(min_length=1, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1)
    email: str = Field(default="")
    roles: tuple[Role, ...]
    unit: str = Field(default="")
    password_hash: str = Field(default="")
    active: Flag = Field(default=True)
    created_at: Stamp

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


class UserRow(Record):
    """An account's row as people read it in the sheet: a view of the record, plus the
    password's bcrypt hash (checked against the record's fingerprint before it counts)."""

    key_field: ClassVar[str | None] = "username"

    username: str = Field(min_length=1)
    full_name: str = ""
    email: str = ""
    roles: str = ""
    unit: str = ""
    password_hash: str = ""
    active: str = ""
    created_at: str = ""


class Unit(Record):
    """An organisational unit of the agency (tab «unidades»)."""

    key_field: ClassVar[str | None] = "code"

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    active: Flag = Field(default=True)


class DirectPublication(Record):
    """A publication of types 4–7, recorded by the Administrador Principal."""

    key_field: ClassVar[str | None] = "publication_id"

    publication_id: str = Field(min_length=1)
    type: PublicationType
    title: Text = Field(min_length=1)
    channel: str = Field(min_length=1)
    link: Text = Field(default="")
    published_at: TypedStamp
    recorded_by: str = Field(min_length=1)
    notes: Text = Field(default="")
    product: OptProduct = Field(default=None)
    promotion_bs: Amount = Field(default=None)
    promotion_approved_by: str = Field(default="")
    promotion_approved_at: OptStamp = Field(default=None)

    @field_validator("type")
    @classmethod
    def _direct_only(cls, value: PublicationType) -> PublicationType:
        if value.has_procedure:
            raise ValueError(
                "los tipos 1 a 3 siguen un procedimiento; aquí solo van los tipos 4 a 7"
            )
        return value


class PublicationStats(Record):
    """The networks' own figures for one publication on one channel, as measured on a day
    (tab «estadisticas»): typed by hand or imported from the network's CSV export."""

    key_field: ClassVar[str | None] = "stats_id"

    stats_id: str = Field(min_length=1)
    publication: str = Field(min_length=1)  # request or direct publication id
    channel: str = Field(min_length=1)
    link: Text = Field(default="")
    reach: int | None = Field(default=None, ge=0)
    interactions: int | None = Field(default=None, ge=0)
    clicks: int | None = Field(default=None, ge=0)
    measured_on: date
    source: Text = Field(default="")
    recorded_by: str = Field(default="")

    @field_validator("reach", "interactions", "clicks", mode="before")
    @classmethod
    def _count(cls, value: object) -> object:
        value = _empty_to_none(value)
        if isinstance(value, str):
            text = value.strip().replace(".", "").replace(",", "").replace(" ", "")
            if not text.isdigit():
                raise ValueError("debe ser un número entero")
            return int(text)
        return value

    @field_validator("measured_on", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        return _parse_date(value)


# -- tabs for deadlines, the promotion plan and the service logs (issue: dashboards) -------


class DayOff(Record):
    """An institutional day off (tab «dias_no_laborables»): not a working day for deadlines."""

    key_field: ClassVar[str | None] = "day"

    day: date
    description: str = Field(default="")
    recorded_by: str = Field(default="")

    @field_validator("day", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        return _parse_date(value)


class PlanStatus(StrEnum):
    PLANNED = "planificado"
    REQUESTED = "solicitado"
    PUBLISHED = "publicado"
    CANCELLED = "cancelado"


class PlanItem(Record):
    """One item of the Plan de Promoción de Servicios (tab «plan_promocion»)."""

    key_field: ClassVar[str | None] = "item_id"

    item_id: str = Field(min_length=1)
    service: Text = Field(min_length=1)
    campaign: Text = Field(default="")
    channels: str = Field(default="")
    type: PublicationType
    start: date
    end: OptDate = Field(default=None)
    budget: float | None = Field(default=None, ge=0)
    status: PlanStatus = Field(default=PlanStatus.PLANNED)
    request_id: str = Field(default="")
    notes: Text = Field(default="")
    created_by: str = Field(default="")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: object) -> object:
        return _parse_date(value)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: object) -> object:
        try:
            return _parse_amount(value)
        except ValueError:
            raise ValueError("el presupuesto debe ser un número (Bs)") from None

    def channel_list(self) -> list[str]:
        return [c.strip() for c in self.channels.replace(";", ",").split(",") if c.strip()]


class AnswerMode(StrEnum):
    PUBLIC = "publica"
    PRIVATE = "privada"


class PublicQuestion(Record):
    """A question from the public on a social network (tab «consultas»); 15-minute rule."""

    key_field: ClassVar[str | None] = "question_id"

    question_id: str = Field(min_length=1)
    received_at: TypedStamp
    channel: str = Field(min_length=1)
    summary: Text = Field(default="")
    answered_at: OptStamp = Field(default=None)
    mode: AnswerMode | None = Field(default=None)
    answered_by: str = Field(default="")

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return _empty_to_none(value)


class CrisisIncident(Record):
    """A crisis on social networks (tab «incidentes»): UGS leads, staff involved accompany."""

    key_field: ClassVar[str | None] = "incident_id"

    incident_id: str = Field(min_length=1)
    description: Text = Field(min_length=1)
    leader: str = Field(min_length=1)
    staff: Text = Field(default="")
    actions: Text = Field(default="")
    opened_at: TypedStamp
    closed_at: OptStamp = Field(default=None)
    strategy: Text = Field(default="")  # 5 f: «creará las estrategias»
    contacts: Text = Field(default="")  # 5 f: resolved «con los ciudadanos afectados»
    opened_by: str = Field(default="")


# -- tabs for trust and administration ------------------------------------------------------


class MailStatus(StrEnum):
    PENDING = "pendiente"
    SENT = "enviado"
    FAILED = "fallido"


class OutboxMail(Record):
    """A notification e-mail (tab «correo_saliente»); sent by SMTP when configured."""

    key_field: ClassVar[str | None] = "mail_id"

    mail_id: str = Field(min_length=1)
    created_at: Stamp
    to: str = Field(min_length=1)
    subject: Text = Field(min_length=1)
    body: Text = Field(default="")
    status: MailStatus = Field(default=MailStatus.PENDING)
    attempts: int = Field(default=0, ge=0)
    last_error: Text = Field(default="")
    sent_at: OptStamp = Field(default=None)

    @field_validator("attempts", mode="before")
    @classmethod
    def _attempts(cls, value: object) -> object:
        return 0 if _empty_to_none(value) is None else value


class ArchivedMail(OutboxMail):
    """A mail delivered long ago, moved out of the outbox so that it stays short (tab
    «correo_archivo»); nothing reads it but people."""


class DeletionOrder(Record):
    """DE's order to remove a published item (tab «ordenes_eliminacion»), manual 6 a)."""

    key_field: ClassVar[str | None] = "order_id"

    order_id: str = Field(min_length=1)
    publication: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    reason: Text = Field(min_length=1)
    via: str = Field(min_length=1)
    ordered_by: str = Field(min_length=1)
    ordered_at: TypedStamp
    confirmed_by: str = Field(default="")
    confirmed_at: OptStamp = Field(default=None)


class IntakeRow(Record):
    """A row that staff or a Google Form add to the intake tab («ingreso»).

    Kept as text: the intake step validates it; the app never writes into this tab.
    """

    key_field: ClassVar[str | None] = None

    submitted_at: str = Field(default="")
    username: str = Field(default="")
    unit: str = Field(default="")
    title: str = Field(default="")
    objective: str = Field(default="")
    summary: str = Field(default="")
    links: str = Field(default="")
    publish_from: str = Field(default="")
    publish_to: str = Field(default="")
    protected: str = Field(default="")
    files: str = Field(default="")  # links to files (Drive links): material of the request


class ProcedureStatus(StrEnum):
    PUBLISHED = "publicado"
    DRAFT = "borrador"


class ProcedureTableRow(Record):
    """A stage row of the tab «procedimientos», as text; core.procedures validates it.

    Published versions are what requests follow; a draft is edited until it validates.
    """

    key_field: ClassVar[str | None] = None

    procedure: str = Field(min_length=1)
    procedure_name: str = Field(default="")
    version: str = Field(min_length=1)
    number: str = Field(min_length=1)
    roles: str = Field(default="")
    protected_roles: str = Field(default="")
    activity: str = Field(default="")
    instrument: str = Field(default="")
    deadline: str = Field(default="")
    outcomes: str = Field(default="")
    action_label: str = Field(default="")
    records_schedule: str = Field(default="")
    clause: str = Field(default="")
    interpretation: str = Field(default="")
    allows_self_approval: str = Field(default="")
    produces_material: str = Field(default="")
    approves_material: str = Field(default="")
    own_deadline: str = Field(default="")
    committee_quorum: str = Field(default="")
    on_behalf: str = Field(default="")
    copy_roles: str = Field(default="")
    status: ProcedureStatus = Field(default=ProcedureStatus.PUBLISHED)


# -- the material under approval (issue: content travels with the request) -----------------


class MaterialKind(StrEnum):
    """What one piece of material is."""

    TEXT = "texto"
    IMAGE = "imagen"
    DESIGN = "diseno"
    PDF = "pdf"
    VIDEO = "video"
    LINK = "enlace"

    @property
    def label(self) -> str:
        return MATERIAL_KIND_LABELS[self]

    @property
    def is_file(self) -> bool:
        return self in (MaterialKind.IMAGE, MaterialKind.DESIGN, MaterialKind.PDF)

    @property
    def is_link(self) -> bool:
        return self in (MaterialKind.VIDEO, MaterialKind.LINK)


MATERIAL_KIND_LABELS = {
    MaterialKind.TEXT: "Texto de la publicación",
    MaterialKind.IMAGE: "Imagen",
    MaterialKind.DESIGN: "Diseño o arte final",
    MaterialKind.PDF: "Documento PDF",
    MaterialKind.VIDEO: "Vídeo (enlace)",
    MaterialKind.LINK: "Archivo enlazado",
}


class Network(StrEnum):
    """Where a text is meant to be published; ALL: the same text for every network."""

    ALL = "todas"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    LINKEDIN = "linkedin"

    @property
    def label(self) -> str:
        return NETWORK_LABELS[self]


NETWORK_LABELS = {
    Network.ALL: "Todas las redes", Network.FACEBOOK: "Facebook",
    Network.INSTAGRAM: "Instagram", Network.X: "X (Twitter)", Network.LINKEDIN: "LinkedIn",
}


class Material(Record):
    """One piece of one version of the material of a request or a plan item (tab «materiales»).

    A version is every piece submitted together by one event (a stage's action, a plan
    item's draft); the event carries the SHA-256 of the version (core.domain.materials), so
    the hash chain proves which material was approved and published. Texts and links are
    kept in ``content``; files live in the file store under ``storage_id``.
    """

    key_field: ClassVar[str | None] = "material_id"

    material_id: str = Field(min_length=1)
    subject: str = Field(min_length=1)  # request id, or plan item id for a draft
    version: int = Field(ge=1)
    stage: int | None = Field(default=None)
    kind: MaterialKind
    network: Network | None = Field(default=None)
    name: Text = Field(default="")
    media_type: str = Field(default="")
    size: int = Field(default=0, ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    storage_id: str = Field(default="")
    content: Text = Field(default="")
    added_by: str = Field(min_length=1)
    added_at: Stamp
    event_id: str = Field(default="")

    @field_validator("network", mode="before")
    @classmethod
    def _network(cls, value: object) -> object:
        return _empty_to_none(value)
