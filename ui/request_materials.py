"""The material attached to a request (photos, designs, the final art) on «Solicitud».

Reserved for the material section (issue 11): the page already calls
:func:`show_materials` between the actions and the request's data, so adding the section
touches only this module. Until then the request's «Fotos o enlaces» field carries links.
"""

from __future__ import annotations

from core.domain.ledger import Ledger
from core.domain.models import User
from core.domain.workflow import RequestState


def show_materials(ledger: Ledger, state: RequestState, user: User) -> None:
    """The request's material, and what ``user`` may add to it (nothing yet)."""
    del ledger, state, user  # the section arrives with issue 11
