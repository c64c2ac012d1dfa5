"""The Plan de Promoción de Servicios (manual 6 d): the promotion professional's calendar.

The professional plans which service is promoted, on which channels and when; the plan is
the instrument that procedures 1 and 2 cite, and the place where a planned item becomes a
request. This module reads the plan (items per day, overloads), and holds the use cases
that write it. Interpretations the product makes, shown on the page too:

- Only the Profesional en Promoción de Servicios edits the plan (manual 6 d); the UGS head,
  DE and the design team read it.
- Load: an item without a window (no «fecha_hasta», or the same day) counts on its date; an
  item with a window counts on every working day of the window (a campaign publishes on
  each of them). A window without any working day counts on its first day.
- A day is overloaded when more than ``max_per_day`` items fall on it, whatever their
  channels; a channel is overloaded on a day when more than ``max_per_channel_day`` of
  those items use it. Cancelled items do not count.
- Types 1–3 become a request of the procedure with the same number, registered by whoever
  starts that procedure (1: DE, 2: the professional, 3: the requesting unit). The item
  turns «solicitado» with the request id in the same all-or-nothing change as the request;
  the item's draft material (core.services.materials) becomes the request's version 1.
  A request registered elsewhere (a unit's procedure 3) is linked to its item by the
  professional. Types 4–7 have no procedure: the Administrador Principal publishes them
  and the professional marks the item «publicado».
- A planned budget (promotion, 7.1) may go on an item of any type: paid promotion "puede
  aplicarse a todos los tipos de publicaciones identificados, previa aprobación". The DE
  approves it when it approves the request (or, for types 4–7, the publication).
- Moving an item (dragging it on the calendar) keeps its length. It is refused onto a day
  that is not a working day (weekend, Bolivian or La Paz holiday, institutional day off)
  and onto a day already past; a move that would overload a day or a channel asks for
  confirmation first. A cancelled or published item does not move; a requested one does
  (its request keeps its own dates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.domain.errors import ConcurrentChange, DomainError, InvalidInput, NotFound
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    PlanItem,
    PlanStatus,
    PublicationType,
    Status,
    User,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Guard, Repository
from core.domain.procedures import ProcedureSet
from core.domain.roles import Role
from core.domain.validation import spanish_reason
from core.domain.workdays import WorkCalendar
from core.services import materials
from core.services.common import commit_numbered, current_user, system_event
from core.services.requests import create_request

REFERENCE_PREFIX = "Plan de Promoción de Servicios: "

DEFAULT_MAX_PER_DAY = 3
DEFAULT_MAX_PER_CHANNEL_DAY = 2
ENV_MAX_PER_DAY = "RRSS_PLAN_MAX_PER_DAY"
ENV_MAX_PER_CHANNEL_DAY = "RRSS_PLAN_MAX_PER_CHANNEL_DAY"

PLAN_STATUS_LABELS = {
    PlanStatus.PLANNED: "Planificado",
    PlanStatus.REQUESTED: "Solicitado",
    PlanStatus.PUBLISHED: "Publicado",
    PlanStatus.CANCELLED: "Cancelado",
}
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")

_LABELS = {
    "service": "Servicio", "campaign": "Campaña", "channels": "Canales", "type": "Tipo",
    "start": "Fecha desde", "end": "Fecha hasta", "budget": "Presupuesto (Bs)",
    "notes": "Notas",
}


# -- limits (configured in the app layer, passed in here) -----------------------------------


@dataclass(frozen=True)
class PlanLimits:
    """How many items a day, and a channel on a day, may hold before a warning."""

    max_per_day: int = DEFAULT_MAX_PER_DAY
    max_per_channel_day: int = DEFAULT_MAX_PER_CHANNEL_DAY

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PlanLimits:
        """Limits from ``RRSS_PLAN_MAX_PER_DAY`` / ``RRSS_PLAN_MAX_PER_CHANNEL_DAY``.

        A missing, non-numeric or non-positive value keeps the default.
        """
        return cls(_positive(env.get(ENV_MAX_PER_DAY), DEFAULT_MAX_PER_DAY),
                   _positive(env.get(ENV_MAX_PER_CHANNEL_DAY), DEFAULT_MAX_PER_CHANNEL_DAY))


def _positive(text: str | None, default: int) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        return default
    return value if value > 0 else default


# -- reading the plan -----------------------------------------------------------------------


def plan_items(ledger: Ledger) -> list[PlanItem]:
    """The plan's valid rows, first row per id, by date (bad rows show on «Salud de datos»)."""
    found: dict[str, PlanItem] = {}
    for item in ledger.all(PlanItem):
        found.setdefault(item.item_id, item)
    return sorted(found.values(), key=lambda i: (i.start, i.item_id))


def find_item(ledger: Ledger, item_id: str) -> PlanItem:
    for item in plan_items(ledger):
        if item.item_id == item_id:
            return item
    raise NotFound(f"No existe el ítem {item_id} en el Plan de Promoción de Servicios.")


def last_day(item: PlanItem) -> date:
    return item.end if item.end and item.end > item.start else item.start


def item_days(item: PlanItem, calendar: WorkCalendar) -> list[date]:
    """The days an item loads (see the module docstring)."""
    end = last_day(item)
    if end == item.start:
        return [item.start]
    days = [item.start + timedelta(days=n) for n in range((end - item.start).days + 1)]
    working = [d for d in days if calendar.is_working_day(d)]
    return working or [item.start]


def items_by_day(
    items: Iterable[PlanItem], calendar: WorkCalendar, first: date | None = None,
    last: date | None = None,
) -> dict[date, list[PlanItem]]:
    """The active items each day loads, optionally only the days in ``[first, last]``."""
    by_day: dict[date, list[PlanItem]] = defaultdict(list)
    for item in items:
        if item.status is PlanStatus.CANCELLED:
            continue
        for day in item_days(item, calendar):
            if (first is None or day >= first) and (last is None or day <= last):
                by_day[day].append(item)
    return dict(by_day)


@dataclass(frozen=True)
class Overload:
    """A day (``channel`` None) or a channel on a day holding more items than allowed."""

    day: date
    channel: str | None
    count: int
    limit: int
    item_ids: tuple[str, ...]

    @property
    def message(self) -> str:
        where = f" en {self.channel}" if self.channel else ""
        return (f"{WEEKDAYS[self.day.weekday()].capitalize()} {self.day:%d/%m/%Y}{where}: "
                f"{self.count} publicaciones planificadas (máximo {self.limit}): "
                f"{', '.join(self.item_ids)}.")


def overloads(
    items: Iterable[PlanItem], calendar: WorkCalendar, limits: PlanLimits,
    first: date | None = None, last: date | None = None,
) -> list[Overload]:
    """Overloaded days and channels, by day; the day's warning before its channels'."""
    found: list[Overload] = []
    for day, day_items in sorted(items_by_day(items, calendar, first, last).items()):
        ids = tuple(i.item_id for i in day_items)
        if len(day_items) > limits.max_per_day:
            found.append(Overload(day, None, len(day_items), limits.max_per_day, ids))
        by_channel: dict[str, list[str]] = defaultdict(list)
        names: dict[str, str] = {}
        for item in day_items:
            for channel in dict.fromkeys(c.casefold() for c in item.channel_list()):
                by_channel[channel].append(item.item_id)
            for channel in item.channel_list():
                names.setdefault(channel.casefold(), channel)
        for channel, channel_ids in sorted(by_channel.items()):
            if len(channel_ids) > limits.max_per_channel_day:
                found.append(Overload(day, names[channel], len(channel_ids),
                                      limits.max_per_channel_day, tuple(channel_ids)))
    return found


def status_label(item: PlanItem, ledger: Ledger) -> str:
    """The item's status for people; a linked request tells how far it went."""
    label = PLAN_STATUS_LABELS[item.status]
    if item.status is not PlanStatus.REQUESTED or not item.request_id:
        return label
    state = ledger.state(item.request_id)
    if state is None:
        return f"{label} ({item.request_id})"
    if state.status is Status.PUBLISHED:
        return f"Publicado ({item.request_id})"
    if state.status is Status.REJECTED:
        return f"Solicitud rechazada ({item.request_id})"
    return f"{label} ({item.request_id}, etapa {state.stage})"


def plan_reference(item_id: str) -> str:
    return f"{REFERENCE_PREFIX}{item_id}"


# -- the form -----------------------------------------------------------------------------


class PlanForm(BaseModel):
    """What the professional enters for a plan item."""

    model_config = ConfigDict(str_strip_whitespace=True)

    service: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    campaign: str = Field(default="", max_length=MAX_CELL_CHARS)
    channels: list[str]
    type: PublicationType
    start: date
    end: date | None = None
    budget: float | None = Field(default=None, ge=0)
    notes: str = Field(default="", max_length=MAX_CELL_CHARS)

    @field_validator("channels", mode="before")
    @classmethod
    def _channels(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        if isinstance(value, list | tuple):
            names = [str(v).strip() for v in value if str(v).strip()]
            if not names:
                raise ValueError("elija al menos un canal")
            if any("," in n or ";" in n for n in names):
                raise ValueError("un canal no puede llevar «,» ni «;»")
            return list(dict.fromkeys(names))
        return value

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int | float) and value == 0:
            return None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PlanForm:
        if self.end is not None and self.end < self.start:
            raise ValueError("la fecha «hasta» es anterior a la fecha «desde»")
        return self

    def values(self) -> dict[str, object]:
        """The item's fields this form sets (an edit leaves every other field alone)."""
        return {"service": self.service, "campaign": self.campaign,
                "channels": ", ".join(self.channels), "type": self.type, "start": self.start,
                "end": self.end if self.end and self.end != self.start else None,
                "budget": self.budget, "notes": self.notes}


def _parse_form(form: Mapping[str, object]) -> PlanForm:
    try:
        return PlanForm.model_validate(dict(form))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        label = _LABELS.get(field, "")
        reason = spanish_reason(error)
        raise InvalidInput(f"{label}: {reason}." if label else f"{reason[:1].upper()}"
                           f"{reason[1:]}.") from None


def form_values(item: PlanItem) -> dict[str, object]:
    """The form as the item fills it (for «Editar»)."""
    return {"service": item.service, "campaign": item.campaign,
            "channels": item.channel_list(), "type": item.type, "start": item.start,
            "end": item.end, "budget": item.budget, "notes": item.notes}


# -- writing the plan (the professional) ----------------------------------------------------


def _planner(ledger: Ledger, username: str) -> tuple[User, Role]:
    actor = current_user(ledger, username)
    return actor, ledger.permissions.require(actor, Capability.KEEP_PLAN)




def next_item_id(ledger: Ledger, now: datetime) -> str:
    """``PLAN-<year>-NNNN``, one more than any id in the tab (bad rows included)."""
    prefix = f"PLAN-{now.year}-"
    taken = [int(text[len(prefix):]) for text in ledger.keys_in_use(PlanItem)
             if text.startswith(prefix) and text[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:04d}"


def _same_item(item: PlanItem, username: str) -> Guard:
    def guard(fresh: Ledger) -> None:
        _planner(fresh, username)
        if find_item(fresh, item.item_id) != item:
            raise ConcurrentChange("Otra persona modificó este ítem del plan. Se muestra "
                                   "el estado actual; revise y vuelva a intentar.")
    return guard


def add_item(repo: Repository, username: str, form: Mapping[str, object], now: datetime) -> str:
    """Add an item to the plan, «planificado»."""
    data = _parse_form(form)

    def build(ledger: Ledger) -> tuple[Change, str]:
        actor, role = _planner(ledger, username)
        item_id = next_item_id(ledger, now)
        item = PlanItem.model_validate({"item_id": item_id, **data.values(),
                                        "status": PlanStatus.PLANNED,
                                        "created_by": actor.username})

        def guard(fresh: Ledger, taken: str = item_id) -> None:
            _planner(fresh, username)
            if next_item_id(fresh, now) != taken:
                raise ConcurrentChange("Otro ítem tomó el mismo número; reintentando.")

        change = Change(guard=guard, summary=f"plan: nuevo ítem {item_id}")
        change.add(item, system_event(ledger, item_id, "plan_agregar", actor, role, now,
                                      data.service))
        return change, item_id

    return commit_numbered(repo, build)


def edit_item(repo: Repository, username: str, item_id: str, form: Mapping[str, object],
              now: datetime) -> None:
    """Change what an item plans; its status, request, author and any other cell stay."""
    data = _parse_form(form)
    ledger = repo.snapshot().ledger
    actor, role = _planner(ledger, username)
    item = find_item(ledger, item_id)
    if item.status is PlanStatus.CANCELLED:
        raise InvalidInput(f"El ítem {item_id} está cancelado; agregue uno nuevo.")
    if item.request_id and data.type is not item.type:
        raise InvalidInput(f"El ítem {item_id} ya tiene la solicitud {item.request_id}: "
                           "su tipo no puede cambiar.")
    values = data.values()
    changed = [_LABELS[name].lower() for name, value in values.items()
               if getattr(item, name) != value]
    if not changed:
        return
    change = Change(guard=_same_item(item, username), summary=f"plan: editar {item_id}")
    change.update(PlanItem, item_id, **values)
    change.add(system_event(ledger, item_id, "plan_editar", actor, role, now,
                            "cambia: " + ", ".join(changed)))
    repo.commit(change)


def cancel_item(repo: Repository, username: str, item_id: str, reason: str,
                now: datetime) -> None:
    """Cancel a planned or requested item (a linked request keeps its own course)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Motivo: indique por qué se cancela el ítem.")
    ledger = repo.snapshot().ledger
    actor, role = _planner(ledger, username)
    item = find_item(ledger, item_id)
    if item.status in (PlanStatus.CANCELLED, PlanStatus.PUBLISHED):
        raise InvalidInput(f"El ítem {item_id} ya está "
                           f"{PLAN_STATUS_LABELS[item.status].lower()}.")
    change = Change(guard=_same_item(item, username), summary=f"plan: cancelar {item_id}")
    change.update(PlanItem, item_id, status=PlanStatus.CANCELLED)
    change.add(system_event(ledger, item_id, "plan_cancelar", actor, role, now, reason))
    repo.commit(change)


def mark_published(repo: Repository, username: str, item_id: str, now: datetime,
                   note: str = "") -> None:
    """Types 4–7 have no request: the professional records that the item was published."""
    ledger = repo.snapshot().ledger
    actor, role = _planner(ledger, username)
    item = find_item(ledger, item_id)
    if item.type.has_procedure:
        raise InvalidInput(f"El ítem {item_id} es del tipo {item.type.value}: se publica al "
                           "terminar su solicitud.")
    if item.status is not PlanStatus.PLANNED:
        raise InvalidInput(f"El ítem {item_id} está "
                           f"{PLAN_STATUS_LABELS[item.status].lower()}.")
    change = Change(guard=_same_item(item, username), summary=f"plan: publicado {item_id}")
    change.update(PlanItem, item_id, status=PlanStatus.PUBLISHED)
    change.add(system_event(ledger, item_id, "plan_publicado", actor, role, now,
                            note.strip()))
    repo.commit(change)


# -- moving an item (the calendar's drag and drop) ----------------------------------------------


class OverloadNotConfirmed(DomainError):
    """The move would overload a day or a channel; the person must confirm it."""

    def __init__(self, message: str, found: tuple[Overload, ...]) -> None:
        super().__init__(message)
        self.overloads = found


def day_off_reason(day: date, calendar: WorkCalendar) -> str | None:
    """Why ``day`` is not a working day, in words (None when it is one)."""
    if calendar.is_working_day(day):
        return None
    name = calendar.holiday_name(day)
    if name:
        return name
    return "fin de semana" if day.weekday() >= 5 else "día no laborable"


def _day_words(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def move_item(repo: Repository, username: str, item_id: str, start: date, end: date | None,
              now: datetime, calendar: WorkCalendar, limits: PlanLimits, *,
              confirm_overload: bool = False) -> bool:
    """Move an item to ``start``–``end`` (None or ``start``: one day); False if unchanged.

    Refused (with the reason) onto a day off or a past day; a move that overloads a day or
    a channel raises :class:`OverloadNotConfirmed` unless ``confirm_overload``.
    """
    ledger = repo.snapshot().ledger
    actor, role = _planner(ledger, username)
    item = find_item(ledger, item_id)
    if item.status in (PlanStatus.CANCELLED, PlanStatus.PUBLISHED):
        raise InvalidInput(f"No se movió: el ítem {item_id} está "
                           f"{PLAN_STATUS_LABELS[item.status].lower()}.")
    end = end if end is not None and end > start else None
    if end is not None and end < start:
        raise InvalidInput("No se movió: la fecha «hasta» es anterior a la fecha «desde».")
    if (start, end) == (item.start, item.end if item.end and item.end > item.start else None):
        return False
    today = now.date()
    for day in (start, end or start):
        if day < today:
            raise InvalidInput(f"No se movió: el {_day_words(day)} ya pasó; elija hoy o un "
                               "día posterior.")
        reason = day_off_reason(day, calendar)
        if reason:
            raise InvalidInput(f"No se movió: el {_day_words(day)} no es día hábil "
                               f"({reason}). Elija un día hábil.")
    moved = item.model_copy(update={"start": start, "end": end})
    others = [i for i in plan_items(ledger) if i.item_id != item_id]
    days = item_days(moved, calendar)
    found = tuple(o for o in overloads([*others, moved], calendar, limits, min(days), max(days))
                  if item_id in o.item_ids)
    if found and not confirm_overload:
        listed = " ".join(o.message for o in found)
        raise OverloadNotConfirmed(f"Al mover {item_id} se supera el máximo del plan: {listed} "
                                   "Confirme si quiere moverlo igualmente.", found)
    before = f"{item.start:%d/%m/%Y}" + (f"–{last_day(item):%d/%m/%Y}"
                                        if last_day(item) != item.start else "")
    after = f"{start:%d/%m/%Y}" + (f"–{end:%d/%m/%Y}" if end else "")
    comment = f"de {before} a {after}" + (" (sobrecarga confirmada)" if found else "")
    change = Change(guard=_same_item(item, username), summary=f"plan: mover {item_id}")
    change.update(PlanItem, item_id, start=start, end=end)
    change.add(system_event(ledger, item_id, "plan_mover", actor, role, now, comment))
    repo.commit(change)
    return True


# -- from plan to request ---------------------------------------------------------------------


class ConversionKind(StrEnum):
    CREATE = "crear"             # this user registers the request here
    OTHER_ROLE = "otro_rol"      # someone else starts that procedure
    NO_PROCEDURE = "sin_procedimiento"
    NOT_PLANNED = "no_planificado"


@dataclass(frozen=True)
class Conversion:
    """What «convertir en solicitud» means for this item and this user."""

    kind: ConversionKind
    procedure: int | None
    message: str


def conversion(item: PlanItem, user: User, procedures: ProcedureSet) -> Conversion:
    if item.status is not PlanStatus.PLANNED:
        detail = f" ({item.request_id})" if item.request_id else ""
        return Conversion(ConversionKind.NOT_PLANNED, None,
                          f"El ítem está {PLAN_STATUS_LABELS[item.status].lower()}{detail}.")
    if not item.type.has_procedure:
        return Conversion(
            ConversionKind.NO_PROCEDURE, None,
            f"«{item.type.label}» no sigue un procedimiento: la publica el Administrador "
            "Principal de RRSS y la registra en «Publicaciones directas» (manual, sección "
            "12). No corresponde una solicitud.")
    number = int(item.type.value)
    procedure = procedures.current(number)
    first = procedure.stage(1)
    if any(user.has(role) for role in first.roles):
        return Conversion(ConversionKind.CREATE, number,
                          f"Se registrará una solicitud de «{procedure.name}».")
    who = " o ".join(role.label for role in first.roles)
    return Conversion(
        ConversionKind.OTHER_ROLE, number,
        f"«{procedure.name}» la inicia {who} ({first.clause}). Debe registrarla en «Nueva "
        f"solicitud» con la referencia «{plan_reference(item.item_id)}»; luego el Profesional "
        "en Promoción de Servicios la vincula a este ítem.")


def request_draft(item: PlanItem, unit: str = "") -> dict[str, object]:
    """The «Nueva solicitud» form as the item fills it."""
    title = f"{item.service} · {item.campaign}" if item.campaign else item.service
    objective = f"Promover el servicio «{item.service}»"
    objective += f" en la campaña «{item.campaign}»." if item.campaign else "."
    channels = ", ".join(item.channel_list())
    summary = item.notes or f"Publicación planificada en {channels or 'redes sociales'}."
    return {"procedure": int(item.type.value), "title": title, "objective": objective,
            "summary": summary, "unit": unit, "links": "", "publish_from": item.start,
            "publish_to": last_day(item), "protected": False,
            "reference": plan_reference(item.item_id), "schedule": {},
            "promotion_bs": item.budget}


def convert_to_request(repo: Repository, username: str, item_id: str,
                       form: Mapping[str, object], now: datetime) -> str:
    """Register the item's request (procedure = item type) and mark the item «solicitado».

    The request and the plan's row and event are one all-or-nothing change; the procedure
    is started by whoever the procedure names for its first stage (re-checked on fresh data).
    """
    ledger = repo.snapshot().ledger
    current_user(ledger, username)
    item = find_item(ledger, item_id)
    _check_convertible(item)
    data = {**request_draft(item), **dict(form), "procedure": int(item.type.value),
            "reference": plan_reference(item_id)}

    def extend(built_on: Ledger, request_id: str, change: Change) -> None:
        actor = current_user(built_on, username)
        seen = find_item(built_on, item_id)
        _check_convertible(seen)
        first = built_on.procedures.current(int(seen.type.value)).stage(1)
        role = next(r for r in first.roles if actor.has(r))
        base = change.guard

        def guard(fresh: Ledger) -> None:
            if base is not None:
                base(fresh)
            if find_item(fresh, item_id) != seen:
                raise ConcurrentChange(f"El ítem {item_id} cambió mientras se registraba "
                                       "la solicitud; revise el plan y vuelva a intentar.")

        change.guard = guard
        change.update(PlanItem, item_id, status=PlanStatus.REQUESTED, request_id=request_id)
        change.add(system_event(built_on, item_id, "plan_convertir", actor, role, now,
                                request_id))
        materials.carry_from_plan(built_on, item_id, request_id, change, username, now)

    return create_request(repo, username, data, now, extend=extend)


def _check_convertible(item: PlanItem) -> None:
    if item.status is not PlanStatus.PLANNED:
        detail = f" con la solicitud {item.request_id}" if item.request_id else ""
        raise InvalidInput(f"El ítem {item.item_id} ya está "
                           f"{PLAN_STATUS_LABELS[item.status].lower()}{detail}.")
    if not item.type.has_procedure:
        raise InvalidInput(f"«{item.type.label}» no sigue un procedimiento: no se convierte "
                           "en solicitud (la publica el Administrador Principal de RRSS).")


def linkable_requests(ledger: Ledger, item: PlanItem) -> list[str]:
    """Requests of the item's procedure, not linked to any item yet, newest first."""
    if not item.type.has_procedure:
        return []
    linked = {i.request_id for i in plan_items(ledger) if i.request_id}
    found = [r for r in ledger.requests.values()
             if r.procedure == int(item.type.value) and r.request_id not in linked]
    found.sort(key=lambda r: r.created_at, reverse=True)
    return [r.request_id for r in found]


def link_request(repo: Repository, username: str, item_id: str, request_id: str,
                 now: datetime) -> None:
    """Tie a request registered elsewhere (e.g. by the unit) to its plan item."""
    ledger = repo.snapshot().ledger
    actor, role = _planner(ledger, username)
    item = find_item(ledger, item_id)
    _check_convertible(item)
    request = ledger.requests.get(request_id)
    if request is None:
        raise NotFound(f"No existe la solicitud {request_id}.")
    if request.procedure != int(item.type.value):
        raise InvalidInput(f"La solicitud {request_id} es del procedimiento "
                           f"{request.procedure}; el ítem es del tipo {item.type.value}.")
    if request_id not in linkable_requests(ledger, item):
        raise InvalidInput(f"La solicitud {request_id} ya está vinculada a otro ítem.")
    guard_item = _same_item(item, username)

    def guard(fresh: Ledger) -> None:
        guard_item(fresh)
        if request_id not in linkable_requests(fresh, item):
            raise ConcurrentChange(f"La solicitud {request_id} se vinculó a otro ítem.")

    change = Change(guard=guard, summary=f"plan: vincular {item_id} con {request_id}")
    change.update(PlanItem, item_id, status=PlanStatus.REQUESTED, request_id=request_id)
    change.add(system_event(ledger, item_id, "plan_vincular", actor, role, now, request_id))
    repo.commit(change)
