"""People editing the Google Sheet while the app works (issue 9), on the stand-in, which
enforces protected ranges as Google does.

How the adapter keeps a write on the right row: the tabs the app owns are protected so
that only the app's account may edit them (staff sort them through filter views, which
change nothing for others); the owner of the file keeps edit rights, so a sort by the
owner between the app's read and its write can still move rows under a positional update.
Those rows are views: who may act, and with which password, comes from the signed events,
so such a sort misplaces at most a cell of a view, which the ledger reports and never
obeys. A 429 back-off never resends a batch built before the pause: it reads again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sheets_helpers import FakeClock
from support.standin import FakeSheetsServer
from support.standin.errors import ApiError

from core.adapters.gsheets.adapter import SheetsApi, SheetsRepository
from core.domain.errors import AuthenticationFailed
from core.domain.roles import Role
from core.domain.workflow import allowed_actions
from core.services import administration as admin
from core.services.accounts import LoginGuard, authenticate
from core.services.requests import act
from wiring import local_now

STAFF = "persona@adsib.gob.bo"
PROTECTED_MESSAGE = "You are trying to edit a protected cell or object."


def advance_first_open(repo: SheetsRepository) -> tuple[str, int]:
    """Move the first open request whose stage someone may take one stage on; returns its
    id and the sequence it had."""
    ledger = repo.snapshot().ledger
    for request_id, state in sorted(ledger.states.items()):
        if not state.is_open or state.stage_row is None or state.stage_row.records_schedule:
            continue
        actor = next((u for u in sorted(ledger.users.values(), key=lambda u: u.username)
                      if u.active and allowed_actions(state, u)), None)
        if actor is None or "avanzar" not in [a.code for a in allowed_actions(state, actor)]:
            continue
        act(repo, actor.username, request_id, "avanzar", expected_seq=state.seq,
            now=local_now())
        return request_id, state.seq
    raise AssertionError("no open request to move")


def log_in(repo: SheetsRepository, username: str, password: str) -> str:
    return authenticate(repo, username, password, now=local_now(),
                        guard=LoginGuard()).username


@pytest.mark.parametrize(("tab", "column"), [
    ("usuarios", "usuario"), ("solicitudes", "titulo"), ("eventos", "fecha_hora"),
    ("correo_saliente", "para"),
])
def test_staff_sorting_a_tab_the_app_owns_is_refused_by_google_and_nothing_moves(
        server: FakeSheetsServer, sid: str, tab: str, column: str) -> None:
    server.share(sid, STAFF, role="writer")
    before = server.values(sid, tab)
    with pytest.raises(ApiError) as refused:
        server.sort_rows(sid, tab, column, descending=True, by=STAFF)
    assert refused.value.code == 400 and PROTECTED_MESSAGE in refused.value.message
    assert server.values(sid, tab) == before


def test_staff_still_add_rows_to_the_intake_tab(server: FakeSheetsServer, sid: str) -> None:
    server.share(sid, STAFF, role="writer")
    header = server.values(sid, "ingreso")[0]
    server.set_values(sid, "ingreso", [[f"valor {i}" for i, _ in enumerate(header)]], "A2",
                      by=STAFF)
    assert server.values(sid, "ingreso")[1][0] == "valor 0"


def sorting_before_the_write(server: FakeSheetsServer, sid: str, tab: str, column: str,
                             ) -> Callable[[SheetsApi], None]:
    """Patch a repository's API so the file's owner sorts ``tab`` just before the app's
    first batchUpdate reaches Google (after the read it was built from)."""

    def install(api: SheetsApi) -> None:
        original = api.batch_update
        done: list[bool] = []

        def batch_update(requests_: list[dict[str, Any]]) -> Any:
            if not done:
                done.append(True)
                server.sort_rows(sid, tab, column, descending=True)
            return original(requests_)

        api.batch_update = batch_update  # type: ignore[method-assign]
    return install


def test_an_owner_sorting_the_users_between_read_and_write_hands_no_password_over(
        server: FakeSheetsServer, sid: str,
        open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(cache_seconds=0)
    sorting_before_the_write(server, sid, "usuarios", "usuario")(repo.api)
    new = admin.reset_password(repo, "admin", "editor", local_now())
    fresh = open_repo(cache_seconds=0)
    assert log_in(fresh, "editor", new) == "editor"  # the hash opens its own account only
    for username in ("moderador", "jefe.ugs", "admin"):
        with pytest.raises(AuthenticationFailed):
            log_in(fresh, username, new)


def test_an_owner_sorting_the_users_during_a_role_grant_changes_no_one_else_s_roles(
        server: FakeSheetsServer, sid: str,
        open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(cache_seconds=0)
    before = {u: user.roles for u, user in repo.snapshot().ledger.users.items()}
    sorting_before_the_write(server, sid, "usuarios", "usuario")(repo.api)
    admin.set_roles(repo, "jefe.ugs", "profesional", (Role.PROFESSIONAL, Role.EDITOR),
                    local_now())
    after = {u: user.roles for u, user in open_repo(cache_seconds=0).snapshot().ledger
             .users.items()}
    assert after.pop("profesional") == (Role.PROFESSIONAL, Role.EDITOR)
    before.pop("profesional")
    assert after == before


def test_an_owner_sorting_the_requests_between_read_and_write_moves_no_route(
        server: FakeSheetsServer, sid: str,
        open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(cache_seconds=0)
    ledger = repo.snapshot().ledger
    routes = {rid: (r.unit, r.created_by, r.protected, r.procedure, r.version)
              for rid, r in ledger.requests.items()}
    sorting_before_the_write(server, sid, "solicitudes", "titulo")(repo.api)
    moved, seq = advance_first_open(repo)
    after = open_repo(cache_seconds=0).snapshot().ledger
    assert {rid: (r.unit, r.created_by, r.protected, r.procedure, r.version)
            for rid, r in after.requests.items()} == routes
    assert after.state(moved).seq == seq + 1  # type: ignore[union-attr]
    # The update landed on the row that moved into place: its view cells are reported
    # (which cell, what the record says), and obeyed by no one.
    misplaced = [i for i in after.issues if i.tab == "solicitudes"]
    assert misplaced and all(i.reason.endswith("vale el registro") for i in misplaced)


def test_a_sort_during_a_429_back_off_is_read_again_and_every_cell_lands_on_its_row(
        server: FakeSheetsServer, sid: str, clock: FakeClock,
        open_repo: Callable[..., SheetsRepository]) -> None:
    def sorting_sleep(seconds: float) -> None:
        server.sort_rows(sid, "solicitudes", "titulo", descending=True)
        clock.sleep(seconds)

    repo = open_repo(cache_seconds=0, sleep=sorting_sleep)
    server.inject(429, times=1, match="spreadsheets.batchUpdate")
    moved, seq = advance_first_open(repo)
    after = open_repo(cache_seconds=0).snapshot().ledger
    assert after.state(moved).seq == seq + 1  # type: ignore[union-attr]
    assert [i for i in after.issues if i.tab == "solicitudes"] == []  # nothing misplaced
