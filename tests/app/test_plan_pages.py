"""The promotion calendar and the service-log pages, through AppTest on the demo workbook:
every role that may see them gets them, the professional turns a plan item into a request,
the Executive Director turns a promotion item into one, and the social-media team and the
UGS head keep the questions and crisis logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from support.fixed import TEST_ENV

from core.domain.models import OutboxMail, PlanItem, PlanStatus
from core.domain.ports import Repository
from core.services import plan, service_logs
from sheets_schema.demo import USERS, demo_rows
from tests.app.user_session import UserSession
from ui.navigation import may_see
from wiring import Settings, calendar_for, create_workbook, local_now


def users_for(page: str, visible: bool = True) -> list[str]:
    return [name for name, _, roles, _ in USERS if may_see(page, roles) == visible]


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Iterator[Repository]:
    """A demo workbook of its own, for a test that writes."""
    yield create_workbook(Settings(tmp_path / "own.xlsx", "L", TEST_ENV), demo=True)


def table(session: UserSession, column: str) -> pd.DataFrame:
    """The first table on the page that has ``column`` (AppTest keeps no table keys)."""
    frames = [d.value for d in session.at.dataframe if column in d.value.columns]
    assert frames, f"no table with a «{column}» column"
    return frames[0]


def item_by_service(repo: Repository, service: str) -> PlanItem:
    return next(i for i in plan.plan_items(repo.snapshot().ledger) if i.service == service)


def infos(session: UserSession) -> str:
    return "\n".join(i.value for i in session.at.info)


def button_keys(session: UserSession) -> set[str]:
    return {b.key for b in session.at.button if b.key}


# -- the promotion calendar ---------------------------------------------------------------------


@pytest.mark.parametrize("username", users_for("plan_promocion"))
def test_the_plan_renders_for_every_role_that_may_see_it(demo_repo: Repository,
                                                         username: str) -> None:
    session = UserSession(username, demo_repo)
    session.page("plan_promocion")
    assert session.at.title[0].value == "Plan de Promoción de Servicios"
    assert len(table(session, "Presupuesto")) == 10
    assert session.at.get("download_button"), "the .ics downloads are offered"
    # Only the professional gets the forms that change the plan.
    assert ("plan_new_submit" in button_keys(session)) == (username == "profesional")


@pytest.mark.parametrize("username", users_for("plan_promocion", visible=False))
def test_the_plan_is_not_in_the_navigation_of_others(demo_repo: Repository,
                                                     username: str) -> None:
    session = UserSession(username, demo_repo)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        session.at.switch_page("pages/plan_promocion.py")


def calendar_args(session: UserSession) -> dict[str, Any]:
    """What the page hands the calendar component (events, options, CSS)."""
    [component] = [c for c in session.at.get("component_instance")
                   if c.proto.component_name == "streamlit_calendar.calendar"]
    return json.loads(component.proto.json_args)


def drop(session: UserSession, item_id: str, start: date, last: date | None = None) -> None:
    """What the calendar sends when a person drags an item (or stretches its window)."""
    end = (last or start) + timedelta(days=1)
    session.at.session_state["plan_calendar"] = {"callback": "eventChange", "eventChange": {
        "event": {"id": item_id, "start": start.isoformat(), "end": end.isoformat(),
                  "allDay": True}}}
    session.run()


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def test_the_overloaded_demo_day_is_warned(demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.page("plan_promocion")
    busy = item_by_service(demo_repo, "Registro de dominios .bo").start
    warnings = [w.value.replace("\\", "") for w in session.at.warning]  # md-escaped
    assert any(busy.strftime("%d/%m/%Y") in w and "(máximo 3)" in w for w in warnings)
    assert any("en Facebook" in w and "(máximo 2)" in w for w in warnings)


def test_the_calendar_is_in_spanish_starts_on_monday_and_shows_the_days_off(
        demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.page("plan_promocion")
    args = calendar_args(session)
    options = args["options"]
    assert options["locale"]["code"] == "es" and options["firstDay"] == 1
    assert options["locale"]["buttonText"]["today"] == "Hoy"
    assert options["headerToolbar"]["right"] == "dayGridMonth,dayGridWeek,listMonth"
    assert not options["editable"], "only the professional moves items"
    background = {e["start"]: e["title"] for e in args["events"]
                  if e.get("display") == "background"}
    year = local_now().year
    assert background[f"{year}-12-25"] == "Navidad"
    assert background[f"{year}-01-22"].startswith("Día de la Creación del Estado")
    items = {e["id"]: e for e in args["events"] if e.get("display") != "background"}
    cancelled = [i for i in plan.plan_items(demo_repo.snapshot().ledger)
                 if i.status is PlanStatus.CANCELLED]
    assert len(items) == 10 - len(cancelled), "cancelled items are left out"
    titles = {e["title"] for e in items.values()}
    assert "Registro de dominios .bo · Imágenes con diseño (solicitado)" in titles
    assert "Firma digital · Promoción pagada" in titles
    assert not any(t.startswith("T") and " · " in t[:4] for t in titles), "no cryptic codes"
    # Coloured by type: the two design items share a colour, other types differ.
    colours = {e["borderColor"] for e in items.values() if "Imágenes con diseño" in e["title"]}
    assert len(colours) == 1
    assert "white-space: normal" in args["custom_css"], "titles wrap between words"


def test_the_professional_drags_an_item_to_another_working_day(fresh_repo: Repository) -> None:
    target = item_by_service(fresh_repo, "Portal de trámites")
    calendar = calendar_for(Settings(Path("x"), "L", {}))
    day = target.start + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    assert calendar_args(session)["options"]["editable"]
    drop(session, target.item_id, day)
    assert f"Ítem {target.item_id} movido al {day:%d/%m/%Y}." in session.successes()
    assert plan.find_item(fresh_repo.snapshot().ledger, target.item_id).start == day
    moves = [e for _, e in fresh_repo.snapshot().ledger.events
             if e.subject == target.item_id and e.outcome == "plan_mover"]
    assert [e.actor for e in moves] == ["profesional"]
    shown = {e["id"]: e for e in calendar_args(session)["events"] if "id" in e}
    assert shown[target.item_id]["start"] == day.isoformat()


def test_a_drop_on_a_day_off_is_refused_and_the_item_stays(fresh_repo: Repository) -> None:
    target = item_by_service(fresh_repo, "Portal de trámites")
    saturday = next_weekday(target.start, 5)
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    before = calendar_args(session)["custom_css"]
    drop(session, target.item_id, saturday)
    assert session.errors() == [f"No se movió: el sábado {saturday:%d/%m/%Y} no es día hábil "
                                "(fin de semana). Elija un día hábil."]
    assert plan.find_item(fresh_repo.snapshot().ledger, target.item_id).start == target.start
    # The component is told to draw again, so the dragged item goes back where it was.
    assert calendar_args(session)["custom_css"] != before


def test_a_drop_that_overloads_a_day_waits_for_the_professionals_word(
        fresh_repo: Repository) -> None:
    busy = item_by_service(fresh_repo, "Registro de dominios .bo").start
    target = item_by_service(fresh_repo, "Centro de Gestión de Incidentes")
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    drop(session, target.item_id, busy)
    assert any("se supera el máximo del plan" in w.value for w in session.at.warning)
    assert plan.find_item(fresh_repo.snapshot().ledger, target.item_id).start != busy
    session.at.button(key="plan_move_confirm").click()
    session.run()
    assert plan.find_item(fresh_repo.snapshot().ledger, target.item_id).start == busy
    assert any("movido" in s for s in session.successes())


def test_clicking_a_requested_item_opens_its_request(demo_repo: Repository) -> None:
    target = item_by_service(demo_repo, "Registro de dominios .bo")
    session = UserSession("jefe.ugs", demo_repo)
    session.page("plan_promocion")
    session.at.session_state["plan_calendar"] = {"callback": "eventClick", "eventClick": {
        "event": {"id": target.item_id, "extendedProps": {"kind": "item",
                                                           "request": target.request_id}}}}
    session.run()
    assert session.at.title[0].value == "Solicitud"
    assert session.at.selectbox(key="request_pick").value == target.request_id


def test_clicking_a_planned_item_shows_it(demo_repo: Repository) -> None:
    target = item_by_service(demo_repo, "Servicios de la ADSIB")
    session = UserSession("profesional", demo_repo)
    session.page("plan_promocion")
    session.at.session_state["plan_calendar"] = {"callback": "eventClick", "eventClick": {
        "event": {"id": target.item_id, "extendedProps": {"kind": "item", "request": ""}}}}
    session.run()
    shown = "\n".join(m.value for m in session.at.markdown)
    assert f"{target.item_id} · Servicios de la ADSIB · Imágenes con diseño" in \
        shown.replace("\\", "")
    assert session.at.selectbox(key="plan_edit_pick").value == target.item_id


def test_the_professional_turns_a_design_item_into_a_request_from_the_page(
        fresh_repo: Repository) -> None:
    target = item_by_service(fresh_repo, "Servicios de la ADSIB")
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    session.at.selectbox(key="plan_convert_pick").select(target.item_id)
    session.run()
    assert session.at.text_input(key="plan_conv_title").value == "Servicios de la ADSIB"
    assert session.at.date_input(key="plan_conv_from").value == target.start
    assert session.at.date_input(key="plan_conv_schedule_4").value <= target.start
    session.at.selectbox(key="plan_conv_unit").select("NIC")
    session.at.button(key="plan_convert").click()
    session.run()

    after = item_by_service(fresh_repo, "Servicios de la ADSIB")
    assert after.status is PlanStatus.REQUESTED
    request = fresh_repo.snapshot().ledger.requests[after.request_id]
    assert (request.procedure, request.unit, request.created_by) == (2, "NIC", "profesional")
    assert request.reference == f"Plan de Promoción de Servicios: {target.item_id}"
    assert any(after.request_id in s and "«solicitado»" in s for s in session.successes())
    listed = table(session, "Presupuesto")
    assert listed[listed["Ítem"] == target.item_id]["Estado"].iloc[0].startswith(
        f"Solicitado ({after.request_id}")


def test_a_promotion_item_tells_the_professional_that_de_registers_it(
        demo_repo: Repository) -> None:
    target = item_by_service(demo_repo, "Firma digital")
    assert target.type.value == "1"
    session = UserSession("profesional", demo_repo)
    session.page("plan_promocion")
    session.at.selectbox(key="plan_convert_pick").select(target.item_id)
    session.run()
    assert "la inicia Dirección Ejecutiva" in infos(session)
    assert "plan_convert" not in button_keys(session)


def test_the_executive_director_turns_a_promotion_item_into_a_request(
        fresh_repo: Repository) -> None:
    target = item_by_service(fresh_repo, "Firma digital")
    session = UserSession("directora", fresh_repo)
    session.page("plan_promocion")
    session.at.selectbox(key="plan_convert_pick").select(target.item_id)
    session.run()
    # The DE is not the requesting unit: the form asks which unit, with no default.
    assert session.at.selectbox(key="plan_conv_unit").value is None
    session.at.button(key="plan_convert").click()
    session.run()
    assert session.errors() == ["Unidad: elija la unidad solicitante."]
    session.at.selectbox(key="plan_conv_unit").select("NIC")
    session.at.button(key="plan_convert").click()
    session.run()
    after = plan.find_item(fresh_repo.snapshot().ledger, target.item_id)
    assert after.status is PlanStatus.REQUESTED
    request = fresh_repo.snapshot().ledger.requests[after.request_id]
    assert (request.procedure, request.created_by, request.publish_to) == (
        1, "directora", target.end)


def test_a_unit_request_is_linked_and_a_video_marked_published_from_the_page(
        fresh_repo: Repository) -> None:
    unit_item = item_by_service(fresh_repo, "Centro de Gestión de Incidentes")
    video = next(i for i in plan.plan_items(fresh_repo.snapshot().ledger)
                 if i.type.value == "7")
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    session.at.selectbox(key="plan_convert_pick").select(unit_item.item_id)
    session.run()
    assert "Unidad solicitante" in infos(session)
    choice = session.at.selectbox(key="plan_link_pick").value
    session.at.button(key="plan_link").click()
    session.run()
    assert plan.find_item(fresh_repo.snapshot().ledger, unit_item.item_id).request_id == choice

    session.at.selectbox(key="plan_convert_pick").select(video.item_id)
    session.run()
    assert "No corresponde una solicitud" in infos(session)
    session.at.button(key="plan_mark_published").click()
    session.run()
    assert plan.find_item(fresh_repo.snapshot().ledger, video.item_id).status is \
        PlanStatus.PUBLISHED


def test_the_professional_adds_and_edits_items_and_the_request_link_stays(
        fresh_repo: Repository) -> None:
    session = UserSession("profesional", fresh_repo)
    session.page("plan_promocion")
    day = local_now().date() + timedelta(days=40)
    session.at.text_input(key="plan_new_service").input("Correo institucional")
    session.at.multiselect(key="plan_new_channels").set_value(["Facebook", "LinkedIn"])
    session.at.selectbox(key="plan_new_type").set_value(plan.PublicationType("5"))
    session.at.date_input(key="plan_new_from").set_value(day)
    session.at.button(key="plan_new_submit").click()
    session.run()
    assert "Ítem agregado al plan." in session.successes()
    added = item_by_service(fresh_repo, "Correo institucional")
    assert (added.start, added.channels, added.created_by) == (
        day, "Facebook, LinkedIn", "profesional")

    linked = next(i for i in plan.plan_items(fresh_repo.snapshot().ledger) if i.request_id)
    session.at.selectbox(key="plan_edit_pick").select(linked.item_id)
    session.run()
    assert session.at.text_input(key="plan_edit_service").value == linked.service
    session.at.text_area(key="plan_edit_notes").input("Se adelanta una semana.")
    session.at.date_input(key="plan_edit_from").set_value(linked.start - timedelta(days=7))
    session.at.button(key="plan_edit_submit").click()
    session.run()
    after = plan.find_item(fresh_repo.snapshot().ledger, linked.item_id)
    assert (after.notes, after.start) == ("Se adelanta una semana.",
                                          linked.start - timedelta(days=7))
    assert (after.request_id, after.status) == (linked.request_id, linked.status)


def test_a_refused_item_shows_the_reason_in_spanish(demo_repo: Repository) -> None:
    session = UserSession("profesional", demo_repo)
    session.page("plan_promocion")
    session.at.text_input(key="plan_new_service").input("Sin canales")
    session.at.button(key="plan_new_submit").click()
    session.run()
    assert session.errors() == ["Canales: elija al menos un canal."]


# -- questions and crises ------------------------------------------------------------------------


@pytest.mark.parametrize("username", users_for("atencion"))
def test_the_service_logs_render_for_every_role_that_may_see_them(
        demo_repo: Repository, username: str) -> None:
    session = UserSession(username, demo_repo)
    session.page("atencion")
    assert session.at.title[0].value == "Consultas y crisis"
    # Demo: 6 questions, answered in 6, 12, 45, 9 and 27 minutes, one never answered.
    assert session.metric("Consultas") == "6"
    assert session.metric("Respondidas en 15 minutos") == "50%"
    assert session.metric("Mediana de respuesta") == "12 min"
    assert session.metric("Sin respuesta (vencidas)") == "1"
    assert len(table(session, "Minutos")) == 3  # the late ones and the unanswered one
    keys = button_keys(session)
    assert ("att_q_submit" in keys) == (username in ("admin.rrss", "editor", "moderador"))
    assert ("att_i_submit" in keys) == (username in (
        "jefe.ugs", "admin.rrss", "editor", "moderador", "profesional"))
    assert ("att_c_close" in keys) == (username in ("jefe.ugs", "admin.rrss"))


@pytest.mark.parametrize("username", users_for("atencion", visible=False))
def test_the_service_logs_are_not_in_the_navigation_of_others(
        demo_repo: Repository, username: str) -> None:
    session = UserSession(username, demo_repo)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        session.at.switch_page("pages/atencion.py")


def test_an_editor_records_a_question_and_answers_the_open_one(
        fresh_repo: Repository) -> None:
    session = UserSession("editor", fresh_repo)
    session.page("atencion")
    yesterday = local_now().date() - timedelta(days=1)
    session.at.text_area(key="att_q_summary").input("¿Tienen oficinas en El Alto?")
    session.at.date_input(key="att_q_day").set_value(yesterday)
    session.at.time_input(key="att_q_time").set_value(time(10, 0))
    session.at.checkbox(key="att_q_answered").check()
    session.at.date_input(key="att_q_answer_day").set_value(yesterday)
    session.at.time_input(key="att_q_answer_time").set_value(time(10, 5))
    session.at.button(key="att_q_submit").click()
    session.run()
    assert "Consulta registrada." in session.successes()
    assert session.metric("Consultas") == "7"
    assert session.metric("Respondidas en 15 minutos") == "57%"   # 4 of 7

    [waiting] = [q for q in service_logs.questions(fresh_repo.snapshot().ledger)
                 if q.answered_at is None]
    assert session.at.selectbox(key="att_a_pick").value == waiting.question_id
    session.at.button(key="att_a_submit").click()
    session.run()
    assert session.metric("Sin respuesta (vencidas)") == "0"
    answered = next(q for q in service_logs.questions(fresh_repo.snapshot().ledger)
                    if q.question_id == waiting.question_id)
    assert answered.answered_by == "editor"


def test_the_ugs_head_opens_a_crisis_and_its_leader_closes_it(fresh_repo: Repository) -> None:
    head = UserSession("jefe.ugs", fresh_repo)
    head.page("atencion")
    head.at.text_area(key="att_i_description").input("Suplantación de la página oficial.")
    head.at.selectbox(key="att_i_leader").select("editor")
    head.at.text_input(key="att_i_staff").input("editor, moderador")
    head.at.text_area(key="att_i_strategy").input("Comunicado y denuncia a la plataforma.")
    head.at.button(key="att_i_submit").click()
    head.run()
    assert "Incidente abierto; se avisó a la Dirección Ejecutiva y a la UGS." in \
        head.successes()
    opened = next(i for i in service_logs.incidents(fresh_repo.snapshot().ledger)
                  if i.leader == "editor")

    leader = UserSession("editor", fresh_repo)
    leader.page("atencion")
    assert leader.at.selectbox(key="att_c_pick").options == [
        f"{opened.incident_id} · Suplantación de la página oficial."]
    leader.at.text_area(key="att_c_actions").input("Denuncia a la plataforma; aviso público.")
    leader.at.text_area(key="att_c_contacts").input("Se escribió a 5 personas engañadas.")
    leader.at.button(key="att_c_close").click()
    leader.run()
    assert "Incidente cerrado." in leader.successes()
    rows = table(leader, "Lidera")
    row = rows[rows["Incidente"] == opened.incident_id].iloc[0]
    assert (row["Estado"], row["Acciones"]) == ("Cerrado",
                                                "Denuncia a la plataforma; aviso público.")
    assert (row["Estrategia"], row["Contactos con ciudadanos"]) == (
        "Comunicado y denuncia a la plataforma.", "Se escribió a 5 personas engañadas.")


def test_an_open_question_shows_its_running_clock_and_warns_before_minute_15(
        fresh_repo: Repository) -> None:
    now = local_now().replace(second=0, microsecond=0)
    service_logs.record_question(fresh_repo, "editor", {
        "received_at": now - timedelta(minutes=12), "channel": "Facebook",
        "summary": "¿Atienden hoy?"}, now)
    session = UserSession("moderador", fresh_repo)
    session.at.session_state["clock"] = lambda: now
    session.page("atencion")
    warned = [w.value for w in session.at.warning if "¿Atienden hoy?" in w.value]
    assert warned and "quedan 3 min" in warned[0]
    assert any("vencida" in e.value for e in session.at.error)  # the demo's unanswered one
    mails = [m for m in fresh_repo.snapshot().ledger.all(OutboxMail)
             if m.subject.startswith("[RRSS ADSIB] Consulta sin responder")]
    assert {m.to.split("@")[0] for m in mails} == {"admin.rrss", "editor", "moderador"}


def test_the_demo_plan_covers_the_coming_weeks() -> None:
    """A sanity check of the demo data itself, so every view has something to show."""
    today = local_now().date()
    rows = demo_rows(local_now(), calendar_for(Settings(Path("x"), "L", TEST_ENV)))
    starts = [date.fromisoformat(r["fecha_desde"]) for r in rows["plan_promocion"]]
    assert min(starts) > today and max(starts) <= today + timedelta(days=35)
    assert {r["estado"] for r in rows["plan_promocion"]} == {
        "planificado", "solicitado", "cancelado"}
    assert {bool(r.get("cerrado_en")) for r in rows["incidentes"]} == {True, False}
