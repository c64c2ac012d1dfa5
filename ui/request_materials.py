"""The material attached to a request (texts per network, photos, designs, the final art)
on «Solicitud»: the hook the page calls between the request's summary and the actions.

The section itself lives in ui.material_views (issue 11): the approved and latest
versions, every earlier version with what changed, and, at a stage that produces
material, the composer whose version goes with the stage's own action
(:func:`action_material`, passed on by ui.request_actions).
"""

from __future__ import annotations

from core.domain.ledger import Ledger
from core.domain.models import User
from core.domain.workflow import RequestState
from core.services import materials
from ui import material_views


def show_materials(ledger: Ledger, state: RequestState, user: User) -> None:
    """The request's material, and what ``user`` may add to it (call it before the actions:
    the composer's version is sent with the stage's action)."""
    del ledger  # material_views reads the session's ledger, the same snapshot
    material_views.show(state, user)


def action_material(state: RequestState) -> materials.Submission | None:
    """The version the stage's action submits, if the person composed one."""
    return material_views.submission(state)
