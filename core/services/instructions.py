"""Instructions recorded on someone's behalf: what the DE can look up in their own name.

The manual runs on the DE's verbal, phoned, noted and messaged instructions (12.1 stage 1,
12.2 stage 3, 6 a). Whoever holds «registrar_en_nombre» records them; every such event
keeps who recorded it, for whom and by which route (core.domain.workflow). This module
lists them for the person they were recorded for, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.ledger import Ledger
from core.domain.models import EventKind
from core.domain.workflow import ON_BEHALF_KEY, ROUTE_KEY, ROUTES, event_label
from core.services.common import current_user
from core.services.deletions import ORDER_OUTCOME


@dataclass(frozen=True)
class Instruction:
    """One instruction recorded in someone's name."""

    at: datetime
    recorded_by: str  # user name of who recorded it
    route: str  # a key of ROUTES
    subject: str  # the request or the deletion order
    what: str
    comment: str

    @property
    def route_label(self) -> str:
        return ROUTES.get(self.route, self.route)


def instructions_for(ledger: Ledger, username: str) -> list[Instruction]:
    """Every instruction recorded in ``username``'s name, newest first (their own view)."""
    current_user(ledger, username)
    found: list[Instruction] = []
    marker = f'"{ON_BEHALF_KEY}"'
    for _, event in ledger.events:
        if marker not in event.data:
            continue
        payload = event.payload()
        if payload.get(ON_BEHALF_KEY) != username:
            continue
        route = str(payload.get(ROUTE_KEY, ""))
        if event.kind is EventKind.REQUEST:
            state = ledger.state(event.subject)
            what = (f"{event_label(state.procedure, event)} (etapa {event.stage})"
                    if state is not None else event.outcome)
        elif event.outcome == ORDER_OUTCOME:
            what = f"Orden de eliminación de {payload.get('publicacion', '')}".strip()
        else:
            what = event.outcome
        found.append(Instruction(event.at, event.actor, route, event.subject, what,
                                 event.comment))
    found.sort(key=lambda i: (i.at, i.subject), reverse=True)
    return found
