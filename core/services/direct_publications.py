"""Publications of types 4 to 7: no procedure, the Administrador Principal records them.

Paid promotion «puede aplicarse a todos los tipos… previa aprobación» (7.1): a direct
publication may carry an amount in Bs, which the Dirección Ejecutiva approves here (for
types 1–3 the DE's own stage in the procedure approves the request and its amount).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.domain.errors import ConcurrentChange, InvalidInput, NotFound
from core.domain.ledger import Ledger
from core.domain.models import (
    MAX_CELL_CHARS,
    Amount,
    DirectPublication,
    Event,
    EventKind,
    OptProduct,
    PublicationType,
)
from core.domain.permissions import Capability
from core.domain.ports import Change, Repository
from core.services.common import current_user, form_error, new_event_id

FIELD_LABELS = {"title": "Título", "channel": "Canal", "link": "Enlace", "notes": "Notas",
                "type": "Tipo", "published_at": "Publicada en", "product": "Producto",
                "promotion_bs": "Promoción pagada (Bs)"}


class DirectForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    type: PublicationType
    title: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    channel: str = Field(min_length=1, max_length=200)
    link: str = Field(default="", max_length=MAX_CELL_CHARS)
    published_at: datetime
    notes: str = Field(default="", max_length=MAX_CELL_CHARS)
    product: OptProduct = None
    promotion_bs: Amount = None


def record_direct_publication(
    repo: Repository, username: str, form: Mapping[str, object], now: datetime
) -> str:
    """Types 4–7 have no procedure: the Administrador Principal records them directly."""
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, username)
    role = ledger.permissions.require(actor, Capability.PUBLISH_DIRECT)
    try:
        data = DirectForm.model_validate(dict(form))
    except ValidationError as exc:
        raise form_error(exc, FIELD_LABELS) from None
    if data.type.has_procedure:
        raise InvalidInput("Los tipos 1 a 3 siguen un procedimiento: use «Nueva solicitud».")
    if data.published_at > now:
        raise InvalidInput("Publicada en: la fecha no puede estar en el futuro.")
    publication_id = f"PUB-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    publication = DirectPublication(
        publication_id=publication_id, type=data.type, title=data.title,
        channel=data.channel, link=data.link, published_at=data.published_at,
        recorded_by=actor.username, notes=data.notes, product=data.product,
        promotion_bs=data.promotion_bs or None,
    )
    event = Event(event_id=new_event_id(), kind=EventKind.DIRECT_PUBLICATION,
                  subject=publication_id, seq=1, outcome="registrar", actor=actor.username,
                  role=role.value, at=now, comment=data.title[:200])

    def guard(fresh: Ledger) -> None:
        fresh.permissions.require(current_user(fresh, username), Capability.PUBLISH_DIRECT)

    change = Change(guard=guard, summary=f"publicación directa {publication_id}")
    repo.commit(change.add(publication, event))
    return publication_id


def pending_promotions(ledger: Ledger) -> list[DirectPublication]:
    """Direct publications whose paid promotion waits for the DE's approval."""
    return [p for p in ledger.direct_publications
            if p.promotion_bs and not p.promotion_approved_by]


def approve_promotion(repo: Repository, username: str, publication_id: str,
                      now: datetime) -> None:
    """The Dirección Ejecutiva approves a direct publication's paid promotion (7.1)."""
    ledger = repo.snapshot().ledger
    actor = current_user(ledger, username)
    role = ledger.permissions.require(actor, Capability.APPROVE_PROMOTION)

    def waiting(fresh: Ledger) -> DirectPublication:
        found = next((p for p in fresh.direct_publications
                      if p.publication_id == publication_id), None)
        if found is None:
            raise NotFound(f"No existe la publicación {publication_id}.")
        if not found.promotion_bs:
            raise InvalidInput(f"La publicación {publication_id} no tiene promoción pagada.")
        if found.promotion_approved_by:
            raise ConcurrentChange(f"La promoción de {publication_id} ya fue aprobada.")
        return found

    publication = waiting(ledger)

    def guard(fresh: Ledger) -> None:
        fresh.permissions.require(current_user(fresh, username), Capability.APPROVE_PROMOTION)
        waiting(fresh)

    change = Change(guard=guard, summary=f"aprobar promoción {publication_id}")
    change.update(DirectPublication, publication_id, promotion_approved_by=actor.username,
                  promotion_approved_at=now)
    change.add(Event(event_id=new_event_id(), kind=EventKind.DIRECT_PUBLICATION,
                     subject=publication_id,
                     seq=ledger.next_seq(EventKind.DIRECT_PUBLICATION, publication_id),
                     outcome="aprobar_promocion", actor=actor.username, role=role.value,
                     at=now, comment=f"Bs {publication.promotion_bs:.2f}"))
    repo.commit(change)
