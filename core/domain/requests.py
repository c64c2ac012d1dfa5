"""A request's route, fixed in its first signed event.

What the procedure routes on — procedure and version, requesting unit, requester,
protected by norm, publication window — is written once, in the data of the event that
registers the request (``data.solicitud``), under the app's signature. The requests' tab
keeps a readable copy and the request's text (title, objective, summary, links, reference),
which people may correct; a routing cell that differs from the record is reported and never
obeyed. Marking a request protected later is itself an event (the «comite» outcome).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from core.domain.models import Event, Request, RequestRow, text_of

if TYPE_CHECKING:
    from core.domain.workflow import RequestState

ROUTE = "solicitud"
UNTITLED = "(sin título: la fila de la solicitud falta o está vacía)"


def route_data(request: Request) -> dict[str, object]:
    """What the registering event records of a request's route."""
    return {"procedimiento": request.procedure, "version": request.version,
            "solicitante": request.created_by,
            "unidad": request.unit, "protegida": request.protected,
            "desde": request.publish_from.isoformat() if request.publish_from else "",
            "hasta": request.publish_to.isoformat() if request.publish_to else "",
            "monto_promocion": request.promotion_bs,
            "producto_publicado": request.product.value if request.product else ""}


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def request_from(first: Event, route: Mapping[str, Any], row: RequestRow | None) -> Request:
    """The request as the record establishes it, with its text from ``row``.

    Raises ``ValueError`` (Spanish) when the registering event's route cannot be read.
    """
    text = row if row is not None else RequestRow(request_id=first.subject)
    try:
        return Request(
            request_id=first.subject, created_at=first.at,
            # who asked: the registrant, or whom they recorded it for (issue 10)
            created_by=str(route.get("solicitante") or first.actor),
            procedure=int(route["procedimiento"]), version=int(route["version"]),
            unit=str(route["unidad"]), protected=bool(route.get("protegida", False)),
            publish_from=_day(route.get("desde")),
            publish_to=_day(route.get("hasta")),
            title=text.title.strip() or UNTITLED, objective=text.objective,
            summary=text.summary, links=text.links, reference=text.reference,
            promotion_bs=route.get("monto_promocion"),
            product=route.get("producto_publicado") or None,
        )
    except (KeyError, ValueError, TypeError, ValidationError):
        raise ValueError("el evento que registró la solicitud no dice su ruta completa "
                         "(procedimiento, versión, unidad)") from None


def route_cells(request: Request) -> dict[str, str]:
    """The routing cells of the request's row as the record says them (to compare)."""
    return {
        "created_at": text_of(request.created_at),
        "created_by": request.created_by, "procedure": str(request.procedure),
        "version": str(request.version), "unit": request.unit,
        "publish_from": request.publish_from.isoformat() if request.publish_from else "",
        "publish_to": request.publish_to.isoformat() if request.publish_to else "",
        "promotion_bs": text_of(request.promotion_bs),
        "product": request.product.value if request.product else "",
    }


def standing_cells(state: RequestState) -> dict[str, str]:
    """Where the request stands as its row should show it (to compare): the replay of its
    signed events, never the row, decides."""
    return {"status": state.status.value, "stage": text_of(state.stage), "seq": str(state.seq),
            "protected": "sí" if state.protected else "no"}


def standing_update(state: RequestState) -> dict[str, object]:
    """What a request's row is set to after an action (``Change.update(RequestRow, …)``):
    where it stands now, as a view of the replay."""
    return {"status": state.status.value, "stage": state.stage, "seq": state.seq,
            "protected": state.protected,
            "updated_at": state.events[-1].at if state.events else state.request.created_at}


def registering(event: Event, request: Request,
                origin: Mapping[str, object] | None = None) -> Event:
    """The first event of ``request`` with its route in its data (it is signed with it),
    and ``origin``: where it came from (an intake row's identity)."""
    data = event.payload()
    data[ROUTE] = route_data(request)
    data.update(origin or {})
    return event.model_copy(update={"data": json.dumps(data, ensure_ascii=False,
                                                       sort_keys=True)})


def request_row(state: RequestState) -> RequestRow:
    """The readable row of a request: its text, its route and where it stands."""
    request = state.request
    standing = {field: text_of(value) for field, value in standing_update(state).items()}
    return RequestRow(
        request_id=request.request_id, created_at=text_of(request.created_at),
        created_by=request.created_by, procedure=str(request.procedure),
        version=str(request.version), title=request.title, objective=request.objective,
        summary=request.summary, unit=request.unit, links=request.links,
        publish_from=text_of(request.publish_from), publish_to=text_of(request.publish_to),
        reference=request.reference, promotion_bs=text_of(request.promotion_bs),
        product=request.product.value if request.product else "", **standing)
