"""The pages for a day's work (issue 10), through AppTest on the demo workbook: observations
at the top, the comment box, the request the page opens on, a click that loses a race,
Spanish formats and people's names, the unit asked explicitly, a DE instruction recorded in
her name, the warning before leaving a request without anyone, and «Cerrar sesión».
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.domain.ports import Repository
from core.domain.workdays import WorkCalendar
from core.services.requests import create_request, inbox
from tests.app.test_concurrency_and_hostile_text import ReadsFrozenUntilThawed
from tests.app.user_session import UserSession
from tests.support.accounts import change_account
from ui import auth
from wiring import Settings, local_now

DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
STAMP = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


def request_titled(repo: Repository, title: str) -> str:
    return next(r.request_id for r in repo.snapshot().ledger.requests.values()
                if r.title == title)


# -- observations first --------------------------------------------------------------------------


def test_the_professional_reads_the_returned_observations_at_the_top_of_the_request(
        demo_repo: Repository) -> None:
    returned = request_titled(demo_repo, "Campaña de seguridad en contraseñas")
    session = UserSession("profesional", demo_repo)
    session.open_request(returned)
    shown = session.observation()
    assert "Devuelta a la etapa 4" in shown
    assert "Elena Rojas" in shown
    assert "Observaciones: Falta mencionar el horario de atención." in shown.replace("**", "")
    assert any("Falta mencionar el horario de atención." in e for e in session.timeline())


def test_the_requester_of_a_rejected_request_reads_why(demo_repo: Repository) -> None:
    rejected = request_titled(demo_repo, "Sorteo de dominios gratuitos")
    session = UserSession("solicitante", demo_repo)
    session.open_request(rejected)
    assert session.metric("Estado") == "Rechazada"
    shown = session.observation()
    assert "Rechazada" in shown and "No corresponde a la política institucional." in shown


# -- the comment box, the request it opens on, a lost race --------------------------------------


def test_the_comment_box_says_optional_where_nothing_needs_a_comment(
        demo_repo: Repository) -> None:
    design = request_titled(demo_repo, "Infografía: cómo verificar un sitio .gob.bo")
    head = UserSession("jefe.ugs", demo_repo)
    head.open_request(design)  # 2.2: only «Autorizar e informar a la DE»
    assert head.at.text_area(key="action_comment").label == "Comentario (opcional)"
    unit = UserSession("jefe.nic", demo_repo)
    unit.open_request(request_titled(demo_repo, "Nuevo portal de registro de dominios"))
    assert unit.at.text_area(key="action_comment").label == (
        "Comentario (obligatorio para devolver)")


def test_solicitud_opens_on_the_persons_own_oldest_pending_action(
        demo_repo: Repository) -> None:
    session = UserSession("jefe.nic", demo_repo)
    ledger = demo_repo.snapshot().ledger
    pending = inbox(ledger, "jefe.nic", WorkCalendar.for_bolivia(), local_now().date())
    session.page("solicitud")
    shown = session.at.selectbox(key="request_pick").value
    assert shown == pending[0].request.request_id != max(ledger.requests)
    assert session.action_codes()


def test_a_click_that_loses_a_race_keeps_the_comment_typed(demo_repo: Repository) -> None:
    request_id = create_request(demo_repo, "solicitante", {
        "procedure": 3, "title": "Carrera de comentarios", "objective": "O.", "summary": "R.",
        "publish_from": local_now().date(),
        "publish_to": local_now().date() + timedelta(days=20)}, local_now())
    late_repo = ReadsFrozenUntilThawed(demo_repo)
    first = UserSession("directora", demo_repo)
    second = UserSession("directora", late_repo)  # type: ignore[arg-type]
    first.open_request(request_id)
    second.open_request(request_id)
    late_repo.freeze()
    first.act("avanzar")
    second.act("rechazar", comment="Este texto largo no debe perderse.")
    assert second.errors() and second.errors()[0].startswith("Otra persona ya actuó")
    late_repo.thaw()
    second.run()
    assert second.action_codes() == []  # stage 3 is not hers: the box is gone ...
    assert [c.value for c in second.at.code] == ["Este texto largo no debe perderse."]


# -- Spanish formats and people's names -----------------------------------------------------------


def test_the_bandeja_table_shows_dates_as_bolivians_write_them_and_no_none(
        demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    table = session.frame("all_table")
    assert all(DAY.match(v) or v == "—" for v in table["Vence"])
    assert all(STAMP.match(v) for v in table["Desde"])
    assert "None" not in table.to_string()
    assert list(table.columns[:4]) == ["Solicitud", "Debe actuar", "Vence", "Plazo"]


def test_people_are_named_by_their_names_not_their_user_names(demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.open_request(request_titled(demo_repo, "Renovación de dominios .bo con descuento"))
    assert "por Pedro Choque" in session.details()["Registrada"]
    session.page("publicaciones_directas")
    direct = session.frame("direct_table")
    assert set(direct["Registrada por"]) == {"Miguel Torrez"}
    assert all(STAMP.match(v) for v in direct["Publicada"])


def test_amounts_read_in_bolivianos_with_a_decimal_comma(demo_repo: Repository) -> None:
    session = UserSession("profesional", demo_repo)
    session.page("plan_promocion")
    budgets = next(d.value for d in session.at.dataframe if "Presupuesto" in d.value.columns)
    assert "Bs 1.500,00" in set(budgets["Presupuesto"])


@pytest.mark.parametrize(("username", "page"), [
    ("jefe.ugs", "tablero"), ("admin", "usuarios"), ("profesional", "plan_promocion"),
    ("jefe.ugs", "correo"), ("admin", "salud_datos")])
def test_every_multiselect_has_a_spanish_placeholder_and_no_select_all(
        demo_repo: Repository, username: str, page: str) -> None:
    session = UserSession(username, demo_repo)
    session.page(page)
    for widget in session.at.multiselect:
        assert widget.proto.placeholder and "Choose" not in widget.proto.placeholder
        assert widget.proto.select_all == 0


# -- registering ----------------------------------------------------------------------------------


def test_the_director_must_choose_the_requesting_unit_of_a_promotion(
        demo_repo: Repository) -> None:
    session = UserSession("directora", demo_repo)
    session.page("nueva_solicitud")
    assert session.at.selectbox(key="new_unit").value is None
    session.at.text_input(key="new_title").input("Promoción sin unidad")
    session.at.text_area(key="new_objective").input("O.")
    session.at.text_area(key="new_summary").input("R.")
    session.button("Registrar solicitud").click()
    session.run()
    assert session.errors() == ["Unidad: elija la unidad solicitante."]
    session.at.selectbox(key="new_unit").select("DE")
    session.button("Registrar solicitud").click()
    session.run()
    assert "nadie activo puede actuar como Jefatura de unidad solicitante en la etapa 5" \
        in session.errors()[0]


def test_the_ugs_head_registers_the_directors_verbal_instruction_in_her_name(
        demo_repo: Repository) -> None:
    head = UserSession("jefe.ugs", demo_repo)
    head.page("nueva_solicitud")
    assert head.at.selectbox(key="new_procedure").options == ["1 · Publicación de promoción"]
    assert head.at.selectbox(key="new_principal").value == "directora"
    head.at.selectbox(key="new_route").select("verbal")
    head.at.text_input(key="new_title").input("Promoción dictada por la DE")
    head.at.text_area(key="new_objective").input("O.")
    head.at.text_area(key="new_summary").input("R.")
    head.at.selectbox(key="new_unit").select("NIC")
    head.button("Registrar solicitud").click()
    head.run()
    head.landed_on("solicitud")
    request_id = head.at.selectbox(key="request_pick").value
    assert demo_repo.snapshot().ledger.requests[request_id].created_by == "directora"
    assert "Ana Mamani (registrado por Rosa Condori, " \
           "instrucción verbal)" in head.timeline()[0]
    director = UserSession("directora", demo_repo)
    listed = director.frame("instructions_table")
    assert request_id in set(listed["Solicitud u orden"])
    assert set(listed["Vía"]) >= {"Instrucción verbal"}


# -- accounts and sessions ------------------------------------------------------------------------


def test_deactivating_the_only_unit_head_warns_which_requests_are_left_without_anyone(
        demo_repo: Repository) -> None:
    session = UserSession("admin", demo_repo)
    session.page("usuarios")
    session.at.selectbox(key="user_pick").select("jefe.nic")
    session.run()
    design = request_titled(demo_repo, "Serie de tarjetas: servicios de la ADSIB")
    assert any("Si desactiva esta cuenta" in w.value and design in w.value
               for w in session.at.warning)


def test_the_ugs_head_sees_requests_nobody_can_take_on_the_bandeja(
        demo_repo: Repository) -> None:
    design = request_titled(demo_repo, "Serie de tarjetas: servicios de la ADSIB")  # at 2.6
    head = UserSession("jefe.ugs", demo_repo)
    assert not any(h.value.startswith("Sin responsable") for h in head.at.header)
    change_account(demo_repo, "jefe.nic", local_now(), active=False)
    try:
        head.run()
        assert any(h.value.startswith("Sin responsable (") for h in head.at.header)
        card = " ".join(head.texts(f"stuck_{design}"))
        assert "Jefatura de unidad solicitante (NIC)" in card
    finally:
        change_account(demo_repo, "jefe.nic", local_now(), active=True)


def test_closing_the_session_ends_its_token(demo_repo: Repository) -> None:
    session = UserSession(repo=demo_repo)
    session.log_in("jefe.ugs")
    sid = session.at.session_state["sid"]
    config = Settings.from_env()
    sessions = auth.sessions(config.state_dir / config.workbook.name, 60)
    user = demo_repo.snapshot().ledger.users["jefe.ugs"]
    token = sessions.issue(user, sid, local_now())
    assert sessions.valid_for(token, user, local_now()) is not None
    session.at.sidebar.button(key="logout").click()
    session.run()
    assert session.at.text_input(key="login_user").value == ""
    assert sessions.valid_for(token, user, local_now()) is None
