"""Two people acting on the same stage at once, and user text that tries to be markup."""

from __future__ import annotations

from typing import Any

import pytest

from core.adapters.tabular import Snapshot
from core.domain.ports import Change, Repository
from tests.app.user_session import UserSession
from ui.session import md_escape

RACED = "Otra persona ya actuó sobre esta solicitud."
HOSTILE = '**negrita** [x](http://evil) <script>alert(1)</script> =HYPERLINK("a")'
MARKUP = ("**negrita**", "[x](http://evil)", "<script>", "](")


class ReadsFrozenUntilThawed:
    """A repository whose reads stop at one moment while writes still reach the workbook.

    It stands for a page whose script read the ledger just before someone else's action
    was saved: the two clicks race, and the guard of the second commit must catch it.
    """

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._frozen: Snapshot | None = None

    def freeze(self) -> None:
        self._frozen = self._repo.snapshot()

    def thaw(self) -> None:
        self._frozen = None

    def snapshot(self) -> Snapshot:
        return self._frozen or self._repo.snapshot()

    def commit(self, change: Change) -> Snapshot:
        return self._repo.commit(change)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


def request_titled(repo: Repository, title: str) -> str:
    return next(rid for rid, r in repo.snapshot().ledger.requests.items() if r.title == title)


def outcomes(repo: Repository, request_id: str) -> list[tuple[int | None, str, str]]:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    return [(e.stage, e.actor, e.outcome) for e in state.events]


@pytest.fixture
def stage5_request(demo_repo: Repository) -> str:
    """A demo request of procedure 3 waiting for NIC Bolivia to verify the proposal."""
    request_id = request_titled(demo_repo, "Nuevo portal de registro de dominios")
    state = demo_repo.snapshot().ledger.state(request_id)
    assert state is not None and state.stage == 5
    return request_id


def test_a_click_racing_another_persons_action_is_refused_and_nothing_is_doubled(
        demo_repo: Repository, stage5_request: str) -> None:
    late_repo = ReadsFrozenUntilThawed(demo_repo)
    first = UserSession("solicitante", demo_repo)
    second = UserSession("jefe.nic", late_repo)  # type: ignore[arg-type]
    first.open_request(stage5_request)
    second.open_request(stage5_request)
    assert first.action_codes() == second.action_codes() == ["avanzar", "devolver:4"]
    before = outcomes(demo_repo, stage5_request)

    late_repo.freeze()  # the second person's click reads the ledger ...
    first.act("avanzar")  # ... just before the first person's action is saved
    assert first.metric("Etapa") == "6 de 9"
    second.act("avanzar")

    assert len(second.errors()) == 1 and second.errors()[0].startswith(RACED)
    assert not any(s.startswith("Acción registrada") for s in second.successes())
    after = outcomes(demo_repo, stage5_request)
    assert after == [*before, (5, "solicitante", "avanzar")]

    late_repo.thaw()
    second.run()
    assert second.metric("Etapa") == "6 de 9"
    assert second.action_codes() == []
    assert "Autorizar elaboración" in second.timeline()[-1]
    assert len(second.timeline()) == len(after)


def test_a_click_on_a_page_shown_before_another_persons_action_is_refused_and_explained(
        demo_repo: Repository) -> None:
    request_id = request_titled(demo_repo, "Renovación de dominios .bo con descuento")
    first = UserSession("directora", demo_repo)
    second = UserSession("directora", demo_repo)  # the same person in a second tab
    first.open_request(request_id)
    second.open_request(request_id)
    stale_button = second.at.button(key="action_avanzar")
    before = outcomes(demo_repo, request_id)

    first.act("avanzar")
    stale_button.click()
    second.run()

    assert outcomes(demo_repo, request_id) == [*before, (2, "directora", "avanzar")]
    assert second.metric("Etapa") == "3 de 9"
    assert second.action_codes() == []
    assert any(e.startswith(RACED) for e in second.errors())
    assert not any(s.startswith("Acción registrada") for s in second.successes())


def test_hostile_text_in_a_request_is_shown_literally_everywhere(
        demo_repo: Repository) -> None:
    requester = UserSession("solicitante", demo_repo)
    requester.page("nueva_solicitud")
    requester.at.text_input(key="new_title").input(HOSTILE)
    requester.at.text_area(key="new_objective").input(f"Objetivo: {HOSTILE}")
    requester.at.text_area(key="new_summary").input(f"# Resumen\n{HOSTILE}")
    requester.at.text_input(key="new_reference").input("=1+1")
    requester.button("Registrar solicitud").click()
    requester.run()
    requester.landed_on("solicitud")
    request_id = requester.at.selectbox(key="request_pick").value

    stored = demo_repo.snapshot().ledger.requests[request_id]
    assert (stored.title, stored.reference) == (HOSTILE, "=1+1")
    for session in (requester, UserSession("directora", demo_repo)):
        session.open_request(request_id)
        assert f"{request_id} · {HOSTILE}" in session.at.selectbox(key="request_pick").options
        assert md_escape(HOSTILE) in [s.value for s in session.at.header]
        shown = [m.value for m in session.at.get_by_key("details").markdown]
        assert f"**Objetivo:** {md_escape(f'Objetivo: {HOSTILE}')}" in shown
        assert f"**Resumen:** {md_escape(f'# Resumen{chr(10)}{HOSTILE}')}" in shown
        assert f"**Referencia:** {md_escape('=1+1')}" in shown
        rendered_as_markdown = [e.value for kind in (
            "title", "header", "subheader", "markdown", "caption", "info", "success",
            "warning", "error") for e in getattr(session.at, kind)]
        for text in rendered_as_markdown:
            assert not any(markup in text for markup in MARKUP), text
        session.page("bandeja")
        assert HOSTILE in session.frame("all_table")["Título"].tolist()
