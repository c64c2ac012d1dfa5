"""The service logs (core.service_logs): the 15-minute rule counted by hand, who may record
questions and crises, and what each action writes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from core_helpers import NOW, count_rows

from core.adapters.memory import InMemoryRepository
from core.domain.errors import InvalidInput, NotAllowed, NotFound
from core.domain.models import AnswerMode, OutboxMail, PublicQuestion
from core.domain.roles import Role
from core.services import service_logs as logs
from sheets_schema.demo import USERS

ANSWERING = [name for name, _, roles, _ in USERS
             if {Role.ADMIN, Role.EDITOR, Role.MODERATOR} & set(roles)]
NOT_ANSWERING = [name for name, _, roles, _ in USERS if name not in ANSWERING]
NOT_UGS_HEAD = [name for name, _, roles, _ in USERS if Role.UGS_HEAD not in roles]
MAY_OPEN = {Role.UGS_HEAD, Role.ADMIN, Role.EDITOR, Role.MODERATOR, Role.PROFESSIONAL}
MAY_NOT_OPEN = [name for name, _, roles, _ in USERS if not MAY_OPEN & set(roles)]


def question(qid: str, received: datetime, minutes: float | None) -> PublicQuestion:
    answered = None if minutes is None else received + timedelta(minutes=minutes)
    return PublicQuestion(question_id=qid, received_at=received, channel="Facebook",
                          answered_at=answered, mode=AnswerMode.PUBLIC if answered else None)


def rows(repo: InMemoryRepository, tab: str) -> list[dict[str, str]]:
    raw = repo.snapshot().tabs[tab]
    return [dict(zip(raw.header, cells + [""] * (len(raw.header) - len(cells)), strict=True))
            for cells in raw.rows]


def system_events(repo: InMemoryRepository, subject: str) -> list[tuple[str, str, str]]:
    return [(e.outcome, e.actor, e.role) for _, e in repo.snapshot().ledger.events
            if e.kind.value == "sistema" and e.subject == subject]


# -- the 15-minute rule ------------------------------------------------------------------------


def test_fifteen_minutes_exactly_is_on_time_and_a_second_more_is_late() -> None:
    received = NOW - timedelta(hours=1)
    assert logs.answer_outcome(question("a", received, 15), NOW) is logs.AnswerOutcome.ON_TIME
    assert logs.answer_outcome(question("b", received, 15 + 1 / 60), NOW) is \
        logs.AnswerOutcome.LATE


def test_an_unanswered_question_is_pending_for_fifteen_minutes_then_unanswered() -> None:
    received = NOW - timedelta(minutes=15)
    assert logs.answer_outcome(question("a", received, None), NOW) is logs.AnswerOutcome.PENDING
    assert logs.answer_outcome(question("a", received, None), NOW + timedelta(seconds=1)) is \
        logs.AnswerOutcome.UNANSWERED


def test_compliance_over_a_period_is_counted_by_hand() -> None:
    monday = datetime(2026, 3, 9, 9, 0)
    items = [
        question("on-time-5", monday, 5),
        question("on-time-15", monday + timedelta(hours=1), 15),
        question("late-30", monday + timedelta(hours=2), 30),
        question("unanswered", monday + timedelta(hours=3), None),
        question("pending", NOW - timedelta(minutes=4), None),
        question("late-90-before", datetime(2026, 3, 1, 10, 0), 90),   # outside the period
    ]
    figures = logs.answer_compliance(items, date(2026, 3, 2), date(2026, 3, 10), NOW)
    assert (figures.total, figures.on_time, figures.late, figures.unanswered,
            figures.pending) == (5, 2, 1, 1, 1)
    assert figures.share_on_time == 0.5                 # 2 of the 4 whose time is over
    assert figures.median_minutes == 15                 # of 5, 15 and 30
    assert [q.question_id for q in figures.overdue] == ["late-30", "unanswered"]


def test_a_period_without_questions_has_no_figures() -> None:
    figures = logs.answer_compliance([], date(2026, 3, 1), date(2026, 3, 31), NOW)
    assert (figures.total, figures.share_on_time, figures.median_minutes) == (0, None, None)


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    start = datetime(2026, 3, 9, 9, 0)
    items = [question(str(n), start, minutes) for n, minutes in enumerate([4, 10, 20, 31])]
    figures = logs.answer_compliance(items, date(2026, 3, 9), date(2026, 3, 9), NOW)
    assert figures.median_minutes == 15
    assert figures.share_on_time == 0.5


# -- recording questions ------------------------------------------------------------------------


def question_form(**changes: object) -> dict[str, object]:
    return {"received_at": NOW - timedelta(minutes=20), "channel": "Facebook",
            "summary": "¿Cómo renuevo mi dominio .bo?",
            "answered_at": NOW - timedelta(minutes=12), "mode": "publica"} | changes


@pytest.mark.parametrize("username", ANSWERING)
def test_the_social_media_team_records_answered_questions(repo: InMemoryRepository,
                                                          username: str) -> None:
    question_id = logs.record_question(repo, username, question_form(), NOW)
    [row] = rows(repo, "consultas")
    assert (row["id_consulta"], row["recibida_en"], row["respondida_en"], row["modo"],
            row["atendida_por"]) == (question_id, "2026-03-10 08:40:00",
                                     "2026-03-10 08:48:00", "publica", username)
    [(outcome, actor, _)] = system_events(repo, question_id)
    assert (outcome, actor) == ("consulta_registrar", username)


@pytest.mark.parametrize("username", NOT_ANSWERING)
def test_others_may_not_record_questions(repo: InMemoryRepository, username: str) -> None:
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match=r"5 e\)"):
        logs.record_question(repo, username, question_form(), NOW)
    assert count_rows(repo) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"answered_at": NOW - timedelta(minutes=30)}, "anterior a la consulta"),
    ({"mode": None}, "pública o privada"),
    ({"received_at": NOW + timedelta(minutes=1), "answered_at": None}, "en el futuro"),
    ({"channel": " "}, "Canal: no puede estar vacío."),
    ({"summary": ""}, "Resumen: no puede estar vacío."),
])
def test_a_malformed_question_is_refused(repo: InMemoryRepository, changes: dict[str, object],
                                         message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        logs.record_question(repo, "editor", question_form(**changes), NOW)
    assert rows(repo, "consultas") == []


def test_an_open_question_is_answered_once_by_who_answers_it(repo: InMemoryRepository) -> None:
    question_id = logs.record_question(
        repo, "editor", question_form(answered_at=None, mode=None), NOW)
    assert rows(repo, "consultas")[0]["atendida_por"] == ""
    with pytest.raises(NotAllowed):
        logs.answer_question(repo, "profesional", question_id, NOW, "privada", NOW)
    with pytest.raises(InvalidInput, match="anterior a la consulta"):
        logs.answer_question(repo, "moderador", question_id, NOW - timedelta(hours=1),
                             "privada", NOW)
    with pytest.raises(InvalidInput, match="pública o privada"):
        logs.answer_question(repo, "moderador", question_id, NOW, "a gritos", NOW)
    logs.answer_question(repo, "moderador", question_id, NOW, AnswerMode.PRIVATE, NOW)
    [row] = rows(repo, "consultas")
    assert (row["respondida_en"], row["modo"], row["atendida_por"]) == (
        "2026-03-10 09:00:00", "privada", "moderador")
    with pytest.raises(InvalidInput, match="ya fue respondida"):
        logs.answer_question(repo, "editor", question_id, NOW, "publica", NOW)
    with pytest.raises(NotFound):
        logs.answer_question(repo, "editor", "CON-0", NOW, "publica", NOW)
    assert [e[0] for e in system_events(repo, question_id)] == [
        "consulta_registrar", "consulta_responder"]


# -- crisis incidents ---------------------------------------------------------------------------


def incident_form(**changes: object) -> dict[str, object]:
    return {"description": "Publicación falsa atribuida a la ADSIB.", "leader": "jefe.ugs",
            "staff": "admin.rrss, editor", "actions": "Reporte a la plataforma.",
            "opened_at": NOW - timedelta(hours=2)} | changes


def test_the_head_of_ugs_opens_a_crisis_led_by_a_ugs_user(repo: InMemoryRepository) -> None:
    incident_id = logs.open_incident(repo, "jefe.ugs", incident_form(leader="admin.rrss"), NOW)
    [row] = rows(repo, "incidentes")
    assert (row["id_incidente"], row["lider_ugs"], row["abierto_en"], row["cerrado_en"]) == (
        incident_id, "admin.rrss", "2026-03-10 07:00:00", "")
    assert system_events(repo, incident_id) == [("incidente_abrir", "jefe.ugs", "jefe_ugs")]


@pytest.mark.parametrize("username", MAY_NOT_OPEN)
def test_only_the_ugs_and_the_social_media_team_open_a_crisis(repo: InMemoryRepository,
                                                              username: str) -> None:
    with pytest.raises(NotAllowed, match="5 f"):
        logs.open_incident(repo, username, incident_form(), NOW)
    assert rows(repo, "incidentes") == []


def test_a_moderator_who_sees_it_first_opens_the_crisis_and_the_de_and_ugs_head_are_mailed(
        repo: InMemoryRepository) -> None:
    incident_id = logs.open_incident(repo, "moderador", incident_form(
        leader="jefe.ugs", strategy="Comunicado oficial y respuesta uno a uno."), NOW)
    [row] = rows(repo, "incidentes")
    assert (row["abierto_por"], row["estrategia"]) == (
        "moderador", "Comunicado oficial y respuesta uno a uno.")
    mails = [m for m in logs_outbox(repo) if incident_id in m.subject]
    assert sorted(m.to for m in mails) == ["directora@adsib.gob.bo", "jefe.ugs@adsib.gob.bo"]
    assert all(m.subject.startswith(f"[RRSS ADSIB] Crisis abierta {incident_id}")
               for m in mails)
    assert "Estrategia: Comunicado oficial y respuesta uno a uno." in mails[0].body


def test_the_leader_records_strategy_and_contacts_and_closing_mails_the_managers(
        repo: InMemoryRepository) -> None:
    incident_id = logs.open_incident(repo, "jefe.ugs", incident_form(leader="admin.rrss"), NOW)
    logs.update_incident(repo, "admin.rrss", incident_id, staff="admin.rrss",
                         actions="Respuesta pública.", now=NOW,
                         strategy="Responder a cada afectado por mensaje privado.",
                         contacts="12 ciudadanos contactados por mensaje privado.")
    logs.update_incident(repo, "admin.rrss", incident_id, staff="admin.rrss",
                         actions="Respuesta pública.", now=NOW, close_at=NOW)
    [row] = rows(repo, "incidentes")
    assert (row["estrategia"], row["contactos_ciudadanos"]) == (
        "Responder a cada afectado por mensaje privado.",
        "12 ciudadanos contactados por mensaje privado.")
    closing = [m for m in logs_outbox(repo) if f"Crisis cerrada {incident_id}" in m.subject]
    assert len(closing) == 2
    assert "Contactos con los ciudadanos: 12 ciudadanos contactados" in closing[0].body


def logs_outbox(repo: InMemoryRepository) -> list[OutboxMail]:
    return repo.snapshot().ledger.all(OutboxMail)


# -- attention hours and the running clock ------------------------------------------------


def test_attention_hours_are_read_from_the_setting_and_default_to_around_the_clock() -> None:
    assert logs.AttentionHours.parse("").around_the_clock
    office = logs.AttentionHours.parse("lun-vie 08:00-16:30")
    assert office.label == "lun-vie, 08:00 a 16:30"
    assert logs.AttentionHours.from_env({"RRSS_ATTENTION_HOURS": "tonterías"}).around_the_clock
    with pytest.raises(ValueError, match="HH:MM"):
        logs.AttentionHours.parse("8 a 16")


def test_a_question_received_after_hours_starts_its_15_minutes_at_the_next_opening() -> None:
    office = logs.AttentionHours.parse("lun-vie 08:00-16:30")
    friday_night = datetime(2026, 3, 13, 22, 0)
    assert office.due(friday_night) == datetime(2026, 3, 16, 8, 15)
    assert office.due(datetime(2026, 3, 10, 16, 25)) == datetime(2026, 3, 11, 8, 10)
    assert logs.AROUND_THE_CLOCK.due(friday_night) == datetime(2026, 3, 13, 22, 15)


def test_compliance_is_reported_around_the_clock_and_within_attention_hours() -> None:
    night = PublicQuestion(question_id="CON-1", received_at=datetime(2026, 3, 9, 23, 0),
                           channel="Facebook", summary="¿?",
                           answered_at=datetime(2026, 3, 10, 8, 5), mode=AnswerMode.PUBLIC)
    office = logs.AttentionHours.parse("lun-vie 08:00-16:30")
    clock = logs.answer_compliance([night], date(2026, 3, 9), date(2026, 3, 10), NOW)
    hours = logs.answer_compliance([night], date(2026, 3, 9), date(2026, 3, 10), NOW,
                                   hours=office)
    assert (clock.share_on_time, hours.share_on_time) == (0.0, 1.0)


def test_a_question_near_its_minute_15_is_mailed_once_to_whoever_answers(
        repo: InMemoryRepository) -> None:
    question = logs.record_question(repo, "editor", {
        "received_at": NOW - timedelta(minutes=11), "channel": "Facebook",
        "summary": "¿Atienden hoy?"}, NOW)
    assert logs.queue_answer_alerts(repo, NOW - timedelta(minutes=2)) == 0  # minute 9
    assert logs.queue_answer_alerts(repo, NOW) == 1
    assert logs.queue_answer_alerts(repo, NOW + timedelta(minutes=1)) == 0  # once
    mails = [m for m in logs_outbox(repo) if m.mail_id.startswith(f"alerta-{question}-")]
    assert sorted(m.to.split("@")[0] for m in mails) == ["admin.rrss", "editor", "moderador"]
    assert mails[0].subject == "[RRSS ADSIB] Consulta sin responder: quedan 4 min · Facebook"
    answered = logs.record_question(repo, "editor", {
        "received_at": NOW - timedelta(minutes=12), "channel": "Instagram", "summary": "x",
        "answered_at": NOW - timedelta(minutes=1), "mode": "privada"}, NOW)
    assert not [m for m in logs_outbox(repo) if answered in m.mail_id]
    assert logs.queue_answer_alerts(repo, NOW + timedelta(minutes=10)) == 0  # past 15


def test_a_crisis_is_led_from_the_ugs(repo: InMemoryRepository) -> None:
    leaders = [u.username for u in logs.possible_leaders(repo.snapshot().ledger)]
    assert leaders[0] == "jefe.ugs"
    assert {"profesional", "admin.rrss", "editor"} <= set(leaders)
    assert not {"solicitante", "directora", "jefe.uaf"} & set(leaders)
    with pytest.raises(InvalidInput, match="Líder"):
        logs.open_incident(repo, "jefe.ugs", incident_form(leader="solicitante"), NOW)


def test_the_leader_records_actions_and_closes_the_crisis(repo: InMemoryRepository) -> None:
    incident_id = logs.open_incident(repo, "jefe.ugs", incident_form(leader="admin.rrss"), NOW)
    with pytest.raises(NotAllowed):
        logs.update_incident(repo, "editor", incident_id, staff="", actions="x", now=NOW)
    logs.update_incident(repo, "admin.rrss", incident_id, staff="admin.rrss, editor",
                         actions="Reporte. Comunicado oficial.", now=NOW)
    with pytest.raises(InvalidInput, match="anterior a la apertura"):
        logs.update_incident(repo, "admin.rrss", incident_id, staff="", actions="x", now=NOW,
                             close_at=NOW - timedelta(hours=3))
    with pytest.raises(InvalidInput, match="describa las acciones"):
        logs.update_incident(repo, "admin.rrss", incident_id, staff="", actions=" ", now=NOW,
                             close_at=NOW)
    logs.update_incident(repo, "admin.rrss", incident_id, staff="admin.rrss, editor",
                         actions="Reporte. Comunicado oficial.", now=NOW, close_at=NOW)
    [row] = rows(repo, "incidentes")
    assert (row["acciones"], row["cerrado_en"]) == ("Reporte. Comunicado oficial.",
                                                    "2026-03-10 09:00:00")
    with pytest.raises(InvalidInput, match="ya está cerrado"):
        logs.update_incident(repo, "jefe.ugs", incident_id, staff="", actions="x", now=NOW)
    assert [e[:2] for e in system_events(repo, incident_id)] == [
        ("incidente_abrir", "jefe.ugs"), ("incidente_actualizar", "admin.rrss"),
        ("incidente_cerrar", "admin.rrss")]
    assert logs.incidents(repo.snapshot().ledger)[0].closed_at == NOW


def test_open_crises_are_listed_first(repo: InMemoryRepository) -> None:
    old = logs.open_incident(repo, "jefe.ugs", incident_form(opened_at=NOW - timedelta(days=2)),
                             NOW)
    closed = logs.open_incident(repo, "jefe.ugs", incident_form(), NOW)
    logs.update_incident(repo, "jefe.ugs", closed, staff="", actions="Listo.", now=NOW,
                         close_at=NOW)
    newer = logs.open_incident(repo, "jefe.ugs", incident_form(opened_at=NOW), NOW)
    assert [i.incident_id for i in logs.incidents(repo.snapshot().ledger)] == [
        newer, old, closed]
