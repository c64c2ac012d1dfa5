"""Deletion orders (manual, 6 a): DE orders a published item removed; the administrator confirms.

"La Dirección Ejecutiva mediante nota, correo o llamada o mensaje, podrá autorizar,
solicitar la eliminación de un mensaje o publicación." The order names what to remove (a
published request, a direct publication of types 4–7, or the address of a message the
app never recorded), the social network, the reason and the way DE gave the order. The
Administrador Principal, who publishes, removes it on the network and confirms here.
*Interpretation*: confirming is the Administrador Principal's alone (5 b: it administers
the profiles). Both steps are audited events written with the order row, and both are
mailed (in the same change) to the DE and the UGS head; the order, also to the
administrator who carries it out.

An order received by note, call or message may be recorded on the DE's behalf by whoever
holds «registrar_en_nombre» (the UGS head, the DE's assistant): the order is the DE's
(``ordered_by``), the event says who recorded it and by which route, and the DE is mailed
that it was recorded in their name (that mail replaces the DE's copy of the order's mail).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.domain.errors import ConcurrentChange, InvalidInput, NotFound
from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, DeletionOrder, Event, EventKind, Status
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.domain.roles import Role
from core.domain.validation import spanish_reason, thousands
from core.domain.workflow import ON_BEHALF_KEY, ROUTES
from core.services import alerts, notifications
from core.services.common import commit_numbered, current_user, new_event_id

VIAS: tuple[str, ...] = ("nota", "correo", "llamada", "mensaje")
VIA_LABELS = {"nota": "Nota", "correo": "Correo", "llamada": "Llamada", "mensaje": "Mensaje"}
ORDER_OUTCOME = "ordenar_eliminacion"
CONFIRM_OUTCOME = "confirmar_eliminacion"
URL = re.compile(r"^https?://\S+$", re.IGNORECASE)

FIELD_LABELS = {"publication": "Publicación", "channel": "Red social", "reason": "Motivo",
                "via": "Vía", "note": "Nota"}


class DeletionForm(BaseModel):
    """What «Ordenar eliminación» asks."""

    model_config = ConfigDict(str_strip_whitespace=True)

    publication: str = Field(min_length=1, max_length=2000)
    channel: str = Field(default="", max_length=200)
    reason: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    via: str = Field(min_length=1)


@dataclass(frozen=True)
class Target:
    """What an order points at: kind «solicitud», «publicacion_directa» or «enlace»."""

    kind: str
    reference: str
    title: str
    channel: str


@dataclass(frozen=True)
class OrderView:
    order: DeletionOrder
    row: int
    target: Target | None

    @property
    def pending(self) -> bool:
        return not self.order.confirmed_by


def _form_error(exc: ValidationError) -> InvalidInput:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    label = FIELD_LABELS.get(field, field)
    return InvalidInput(f"{label}: {spanish_reason(error)}.")


def publication_choices(ledger: Ledger) -> list[Target]:
    """What may be ordered removed: published requests and direct publications, newest first."""
    found = [Target("solicitud", rid, state.request.title, "")
             for rid, state in ledger.states.items() if state.status is Status.PUBLISHED]
    found.sort(key=lambda t: t.reference, reverse=True)
    direct = sorted(ledger.direct_publications, key=lambda p: p.published_at, reverse=True)
    found += [Target("publicacion_directa", p.publication_id, p.title, p.channel)
              for p in direct]
    return found


def resolve_target(ledger: Ledger, reference: str) -> Target:
    """The published item ``reference`` names; refused unless it is one that can be removed."""
    reference = reference.strip()
    if reference in ledger.requests:
        state = ledger.state(reference)
        if state is None or state.status is not Status.PUBLISHED:
            label = state.status.label.lower() if state else "sin estado"
            raise InvalidInput(f"Publicación: la solicitud {reference} no está publicada "
                               f"(está {label}); solo se ordena eliminar lo publicado.")
        return Target("solicitud", reference, state.request.title, "")
    for publication in ledger.direct_publications:
        if publication.publication_id == reference:
            return Target("publicacion_directa", reference, publication.title,
                          publication.channel)
    if URL.match(reference):
        return Target("enlace", reference, "", "")
    raise InvalidInput("Publicación: indique una solicitud publicada, una publicación directa "
                       "o el enlace del mensaje (https://…).")


def _orders(ledger: Ledger) -> list[tuple[int, DeletionOrder]]:
    return ledger.records(DeletionOrder)


def deletion_orders(ledger: Ledger) -> list[OrderView]:
    """Every order, pending first, newest first within each group."""
    views = []
    for row, order in _orders(ledger):
        try:
            target: Target | None = resolve_target(ledger, order.publication)
        except InvalidInput:
            target = None  # e.g. the request's row was damaged; the order still shows
        views.append(OrderView(order, row, target))
    views.sort(key=lambda v: (not v.pending, -v.order.ordered_at.timestamp(), -v.row))
    return views


def next_order_id(ledger: Ledger, now: datetime) -> str:
    prefix = f"ELIM-{now.year}-"
    taken = [int(o.order_id[len(prefix):]) for _, o in _orders(ledger)
             if o.order_id.startswith(prefix) and o.order_id[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:04d}"


def _pending_for(ledger: Ledger, reference: str) -> DeletionOrder | None:
    return next((o for _, o in _orders(ledger)
                 if o.publication.strip() == reference and not o.confirmed_by), None)


def order_deletion(
    repo: Repository, username: str, form: Mapping[str, object], now: datetime,
    event_id: str | None = None, *, on_behalf_of: str | None = None,
    public_url: str = notifications.DEFAULT_PUBLIC_URL,
) -> str:
    """DE orders a published item removed; returns the order's id.

    ``on_behalf_of``: ``username`` records the order that user (the DE) gave by the form's
    ``via``; the order is theirs, the event names who recorded it, and they are mailed.
    """
    try:
        data = DeletionForm.model_validate(dict(form))
    except ValidationError as exc:
        raise _form_error(exc) from None
    if data.via not in VIAS:
        raise InvalidInput("Vía: elija nota, correo, llamada o mensaje (manual, 6 a).")

    def check(ledger: Ledger) -> tuple[Role, Target]:
        recorder = current_user(ledger, username)
        actor = current_user(ledger, on_behalf_of) if on_behalf_of else recorder
        if on_behalf_of:
            ledger.permissions.require(recorder, Capability.RECORD_ON_BEHALF)
            if actor.username == recorder.username:
                raise InvalidInput("Usted mismo puede ordenar la eliminación: no hace falta "
                                   "registrarla en su nombre.")
        role = ledger.permissions.require(actor, Capability.ORDER_DELETION)
        target = resolve_target(ledger, data.publication)
        earlier = _pending_for(ledger, target.reference)
        if earlier is not None:
            raise InvalidInput(f"Publicación: ya hay una orden pendiente para ella "
                               f"({earlier.order_id}).")
        return role, target

    def build(ledger: Ledger) -> tuple[Change, str]:
        role, target = check(ledger)
        channel = data.channel or target.channel
        if not channel:
            raise InvalidInput("Red social: indique dónde está la publicación "
                               "(por ejemplo Facebook).")
        order_id = next_order_id(ledger, now)
        principal = on_behalf_of or username
        order = DeletionOrder(
            order_id=order_id, publication=target.reference, channel=channel,
            reason=data.reason, via=data.via, ordered_by=principal, ordered_at=now)
        facts: dict[str, object] = {"publicacion": target.reference, "tipo": target.kind,
                                    "canal": channel, "via": data.via}
        if on_behalf_of:
            facts[ON_BEHALF_KEY] = on_behalf_of
        event = Event(
            event_id=event_id or new_event_id(), kind=EventKind.SYSTEM, subject=order_id,
            seq=1, outcome=ORDER_OUTCOME, actor=username, role=role.value, at=now,
            comment=data.reason, data=json.dumps(facts, ensure_ascii=False, sort_keys=True))

        def guard(fresh: Ledger, oid: str = order_id) -> None:
            if any(o.order_id == oid for _, o in _orders(fresh)):
                raise ConcurrentChange("Otra orden tomó el mismo número; reintentando.")
            check(fresh)

        change = Change(guard=guard, summary=f"orden de eliminación {order_id}")
        change.add(order, event)
        recorded = ""
        if on_behalf_of:
            recorder = ledger.users[username]
            route = ROUTES.get(data.via, data.via).lower()
            recorded = f" Registrada en su nombre por {recorder.full_name}."
            notifications.queue_notice(
                change, ledger, event, [ledger.users[on_behalf_of]],
                f"{order_id}: orden de eliminación registrada en su nombre", [
                    f"{recorder.full_name} registró en su nombre una orden de eliminación "
                    f"recibida por {route} (manual, 6 a).", "",
                    f"Orden: {order_id}", f"Publicación: {target.reference}"
                    + (f" · {target.title}" if target.title else ""),
                    f"Red social: {channel}", f"Motivo: {data.reason[:2000]}",
                    f"El {now:%d/%m/%Y a las %H:%M}.", "",
                    "Puede ver todas las instrucciones registradas en su nombre en la Bandeja.",
                    f"Abrir: {public_url.rstrip('/')}/eliminaciones"])
        alerts.tell_managers(
            change, ledger, event.event_id, now,
            f"Orden de eliminación {order_id}: {target.title or target.reference}"[:200],
            [f"La Dirección Ejecutiva ordenó eliminar una publicación ({order_id})."
             + recorded,
             f"Publicación: {target.reference}" + (f" · {target.title}" if target.title
                                                   else ""),
             f"Red social: {channel}", f"Motivo: {data.reason}",
             f"Vía: {VIA_LABELS.get(data.via, data.via)}",
             "El Administrador Principal la elimina y lo confirma en «Órdenes de "
             "eliminación»."], also=(Capability.CONFIRM_DELETION,),
            exclude=(on_behalf_of,) if on_behalf_of else ())
        return change, order_id

    return commit_numbered(repo, build)


def confirm_deletion(
    repo: Repository, username: str, order_id: str, now: datetime, note: str = "",
    event_id: str | None = None,
) -> None:
    """The Administrador Principal confirms the item was removed from the network."""
    note = note.strip()
    if len(note) > MAX_CELL_CHARS:
        raise InvalidInput(f"Nota: el texto supera {thousands(MAX_CELL_CHARS)} caracteres.")

    def check(ledger: Ledger) -> tuple[DeletionOrder, Role]:
        actor = current_user(ledger, username)
        role = ledger.permissions.require(actor, Capability.CONFIRM_DELETION)
        order = next((o for _, o in _orders(ledger) if o.order_id == order_id), None)
        if order is None:
            raise NotFound(f"No existe la orden de eliminación {order_id}.")
        if order.confirmed_by:
            raise InvalidInput(f"La orden {order_id} ya fue confirmada por "
                               f"{order.confirmed_by}.")
        return order, role

    order, role = check(repo.snapshot().ledger)
    event = Event(
        event_id=event_id or new_event_id(), kind=EventKind.SYSTEM, subject=order_id, seq=2,
        outcome=CONFIRM_OUTCOME, actor=username, role=role.value, at=now, comment=note,
        data=json.dumps({"publicacion": order.publication, "canal": order.channel},
                        ensure_ascii=False, sort_keys=True))

    def guard(fresh: Ledger) -> None:
        check(fresh)

    change = Change(guard=guard, summary=f"eliminación confirmada {order_id}")
    change.update(DeletionOrder, order_id, confirmed_by=username, confirmed_at=now)
    change.add(event)
    ledger = repo.snapshot().ledger
    alerts.tell_managers(
        change, ledger, event.event_id, now,
        f"Orden de eliminación {order_id} cumplida",
        [f"Se eliminó la publicación {order.publication} de {order.channel}, como ordenó la "
         f"Dirección Ejecutiva el {order.ordered_at:%d/%m/%Y} ({order_id}).",
         f"Confirmó: {username}" + (f" · Nota: {note}" if note else "")])
    repo.commit(change)
