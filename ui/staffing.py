"""Warnings when an account change leaves an open request with nobody able to act on it."""

from __future__ import annotations

from core.domain.ledger import Ledger
from core.domain.models import User
from core.services.requests import left_without_actor


def stranded(ledger: Ledger, changed: User) -> str:
    """The warning for ``changed`` replacing its account ("" when no request is left alone)."""
    found = left_without_actor(ledger, changed)
    if not found:
        return ""
    return (f"Sin responsable: nadie activo podría actuar en {', '.join(found)}. Asigne el rol "
            "a otra persona o cancele esas solicitudes.")
