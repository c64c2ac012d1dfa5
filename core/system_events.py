"""The audit event that records an administrative change (plan, service logs, …)."""

from __future__ import annotations

import uuid
from datetime import datetime

from core.ledger import Ledger
from core.models import Event, EventKind, User
from core.roles import Role


def system_event(ledger: Ledger, subject: str, outcome: str, actor: User, role: Role,
                 now: datetime, comment: str = "") -> Event:
    """The next event of ``subject`` (numbered after its earlier system events)."""
    seq = 1 + sum(1 for _, e in ledger.events
                  if e.kind is EventKind.SYSTEM and e.subject == subject)
    return Event(event_id=uuid.uuid4().hex, kind=EventKind.SYSTEM, subject=subject, seq=seq,
                 outcome=outcome, actor=actor.username, role=role.value, at=now,
                 comment=comment[:500])
