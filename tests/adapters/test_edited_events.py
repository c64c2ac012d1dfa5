"""A person typing into a signed event of the ledger, on every backend (issue 9 with 10).

An edited event row loses its signature, so the app no longer obeys it. That must never
*give* anything back: typing into the event that deactivated an account, took a role away
or withdrew a request would otherwise undo it. The account or request the edited row
names is held (reported, nobody acts) until the row is restored from the sheet's history.
"""

from __future__ import annotations

import pytest
from contract_helpers import NOW, Backend, new_request

from core.domain.errors import AuthenticationFailed, DomainError
from core.domain.roles import Role
from core.domain.workflow import Exit, allowed_actions
from core.services import administration as admin
from core.services.accounts import LoginGuard, authenticate
from core.services.requests import act, close_request
from sheets_schema.demo import DEMO_PASSWORD


def last_event_row(backend: Backend, outcome: str) -> int:
    """The sheet row of the last event with ``outcome``."""
    rows = backend.content()["eventos"]
    at = rows[0].index("accion")
    return max(n for n, cells in enumerate(rows[1:], start=2)
               if len(cells) > at and cells[at] == outcome)


def type_into(backend: Backend, outcome: str, column: str = "comentario") -> None:
    """A person adds a word to a cell of the last ``outcome`` event."""
    row = last_event_row(backend, outcome)
    rows = backend.content()["eventos"]
    cells = rows[row - 1] + [""] * len(rows[0])
    backend.person_sets("eventos", row, column, cells[rows[0].index(column)] + " ok")


def test_typing_into_the_event_that_deactivated_an_account_never_lets_it_log_in_again(
        backend: Backend) -> None:
    admin.deactivate_user(backend.open(), "admin", "editor", NOW)
    type_into(backend, "desactivar")
    repo = backend.open()
    with pytest.raises(AuthenticationFailed):
        authenticate(repo, "editor", DEMO_PASSWORD, now=NOW, guard=LoginGuard())
    ledger = repo.snapshot().ledger
    assert not ledger.users["editor"].active
    assert any("editor" in i.message() and "modificad" in i.reason for i in ledger.issues)


def test_typing_into_the_event_that_took_a_role_away_never_gives_it_back(
        backend: Backend) -> None:
    admin.set_roles(backend.open(), "admin", "jefe.nic", [Role.REQUESTER], NOW)
    type_into(backend, "asignar_rol", column="datos")
    user = backend.open().snapshot().ledger.users["jefe.nic"]
    assert not (user.active and user.has(Role.UNIT_HEAD))


def test_typing_into_the_event_that_withdrew_a_request_never_lets_anyone_act_on_it(
        backend: Backend) -> None:
    repo = backend.open()
    request_id = new_request(repo, "Retirada por quien la pidió")
    close_request(repo, "solicitante", request_id, Exit.WITHDRAW, expected_seq=1, now=NOW)
    type_into(backend, "retirar")
    repo = backend.open()
    ledger = repo.snapshot().ledger
    state = ledger.state(request_id)
    assert state is not None
    assert not allowed_actions(state, ledger.users["directora"])
    with pytest.raises(DomainError) as refused:
        act(repo, "directora", request_id, "avanzar", expected_seq=state.seq, now=NOW)
    assert "restaur" in refused.value.message
    assert any(request_id in i.message() and "modificad" in i.reason for i in ledger.issues)
