"""Procedure 3 (información específica) from request to publication, driven through the pages.

Each person works in their own session (their own browser tab) against one shared workbook.
At every stage the person who must act finds the request in their Bandeja and acts on
«Solicitud»; every other demo user opens the same request and gets no action buttons.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.ports import Repository
from sheets_schema.demo import USERS
from tests.app.user_session import DEMO_USERNAMES, UserSession
from wiring import local_now

NAMES = {username: name for username, name, _, _ in USERS}
NIC_UNIT = {"solicitante", "jefe.nic"}
TITLE = "Mantenimiento programado del registro de dominios .bo"


class Office:
    """Everyone's sessions, created on first use and kept, as open tabs would be."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.sessions: dict[str, UserSession] = {}

    def __getitem__(self, username: str) -> UserSession:
        if username not in self.sessions:
            self.sessions[username] = UserSession(username, self.repo)
        return self.sessions[username]

    def assert_only(self, allowed: set[str], request_id: str, stage: int) -> None:
        """Nobody outside ``allowed`` gets an action button or finds it in their inbox."""
        for username in DEMO_USERNAMES:
            if username in allowed:
                continue
            session = self[username]
            session.open_request(request_id)
            assert session.metric("Etapa").startswith(f"{stage} de "), username
            assert session.action_codes() == [], username
            assert any(i.value.startswith("Esta etapa corresponde a")
                       for i in session.at.info), username
            session.page("bandeja")
            assert request_id not in session.inbox(), username


@pytest.fixture(scope="module")
def office(demo_repo: Repository) -> Office:
    return Office(demo_repo)


def events(repo: Repository, request_id: str) -> list[tuple[str, str]]:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    return [(e.actor, e.outcome) for e in state.events]


def test_a_request_for_specific_information_goes_from_request_to_publication(
        office: Office, demo_repo: Repository) -> None:
    today = local_now().date()

    # Stage 1: the requester registers it on «Nueva solicitud».
    requester = office["solicitante"]
    requester.page("nueva_solicitud")
    requester.at.text_input(key="new_title").input(TITLE)
    requester.at.text_area(key="new_objective").input("Avisar a los titulares de dominios.")
    requester.at.text_area(key="new_summary").input("El registro no atenderá el sábado.")
    requester.at.text_area(key="new_links").input("https://nic.bo/aviso.png")
    requester.at.text_input(key="new_reference").input("Nota Interna NIC 12/2026")
    requester.button("Registrar solicitud").click()
    requester.run()
    requester.landed_on("solicitud")
    request_id = requester.at.selectbox(key="request_pick").value
    assert requester.successes() == [f"Solicitud {request_id} registrada."]
    assert requester.metric("Estado") == "En curso"
    assert requester.metric("Etapa") == "2 de 9"
    details = requester.details()
    assert details["Unidad solicitante"].startswith("NIC")
    assert details["Referencia"] == "Nota Interna NIC 12/2026"

    def step(actor: str, stage: int, allowed: set[str], expected: list[str], code: str,
             comment: str = "", schedule_day: int | None = None) -> UserSession:
        office.assert_only(allowed, request_id, stage)
        before = len(events(demo_repo, request_id))
        session = office[actor]
        session.open_from_inbox(request_id)
        assert session.metric("Etapa") == f"{stage} de 9"
        assert session.action_codes() == expected
        schedule = None
        if schedule_day is not None:
            assert session.schedule_stages() == [6]
            schedule = {6: today + timedelta(days=schedule_day)}
        else:
            assert session.schedule_stages() == []
        session.act(code, comment=comment, schedule=schedule)
        assert not session.errors(), session.errors()
        assert any(s.startswith("Acción registrada:") for s in session.successes())
        assert events(demo_repo, request_id)[-1] == (actor, code)
        assert len(events(demo_repo, request_id)) == before + 1
        return session

    step("directora", 2, {"directora"}, ["avanzar", "rechazar"], "avanzar")
    step("jefe.ugs", 3, {"jefe.ugs"}, ["avanzar"], "avanzar")
    step("profesional", 4, {"profesional"}, ["avanzar"], "avanzar", schedule_day=5)

    # Stage 5: the unit head returns the proposal; a return needs a comment.
    office.assert_only(NIC_UNIT, request_id, 5)
    head = office["jefe.nic"]
    head.open_from_inbox(request_id)
    assert head.action_codes() == ["avanzar", "devolver:4"]
    head.act("devolver:4")
    assert len(head.errors()) == 1 and "comentario" in head.errors()[0]
    assert head.metric("Etapa") == "5 de 9"
    assert len(events(demo_repo, request_id)) == 4
    head.act("devolver:4", comment="Indicar también el horario de atención alternativo.")
    assert not head.errors()
    assert head.metric("Etapa") == "4 de 9"
    assert events(demo_repo, request_id)[-1] == ("jefe.nic", "devolver:4")

    professional = step("profesional", 4, {"profesional"}, ["avanzar"], "avanzar",
                        schedule_day=7)
    plazo = professional.frame("stages").set_index("Etapa").loc[6, "Plazo"]
    assert f"{today + timedelta(days=7):%d/%m/%Y}" in plazo
    step("jefe.nic", 5, NIC_UNIT, ["avanzar", "devolver:4"], "avanzar")
    step("disenio", 6, {"profesional", "disenio"}, ["avanzar"], "avanzar")
    step("solicitante", 7, NIC_UNIT, ["avanzar", "devolver:6"], "avanzar")
    step("jefe.ugs", 8, {"jefe.ugs"}, ["avanzar"], "avanzar")
    admin = step("admin.rrss", 9, {"admin.rrss", "editor"}, ["avanzar"], "avanzar")

    # Published: the status shows, nobody can act, and the timeline has every event.
    assert admin.metric("Estado") == "Publicada"
    assert admin.action_codes() == []
    timeline = admin.timeline()
    assert [entry.split(".")[0].strip("*") for entry in timeline] == [
        str(n) for n in range(1, 12)]
    people = ["solicitante", "directora", "jefe.ugs", "profesional", "jefe.nic", "profesional",
              "jefe.nic", "disenio", "solicitante", "jefe.ugs", "admin.rrss"]
    actions = [
        "Registrar requerimiento", "Aprobar y derivar a la UGS", "Derivar al Profesional",
        "Enviar propuesta y tiempo requerido", "Devolver a la etapa 4 con observaciones",
        "Enviar propuesta y tiempo requerido", "Autorizar elaboración",
        "Enviar material a la unidad vía UGS", "Remitir material aprobado a la UGS",
        "Derivar al Administrador", "Publicar"]
    stages = ["1", "2", "3", "4", "5", "4", "5", "6", "7", "8", "9"]
    for entry, person, action, stage in zip(timeline, people, actions, stages, strict=True):
        assert NAMES[person] in entry and action in entry and f"Etapa {stage}:" in entry
    assert "→ cierre" in timeline[-1]
    assert "> Indicar también el horario de atención alternativo." in timeline[4]
    assert set(admin.frame("stages")["Estado"]) == {"✅ hecha"}
    for username in DEMO_USERNAMES:
        session = office[username]
        session.open_request(request_id)
        assert session.metric("Estado") == "Publicada"
        assert session.action_codes() == []
        assert len(session.timeline()) == 11
