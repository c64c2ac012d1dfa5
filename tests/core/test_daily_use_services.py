"""The walls a day's work met (issue 10), one section each, through the services on an
in-memory ledger: nobody left to act, observations, ways out, instructions on the DE's
behalf, the publication window, the Editor, links in mails, copies.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from core_helpers import NOW, count_rows

from core.adapters.memory import InMemoryRepository
from core.domain.deadlines import due_info
from core.domain.errors import CommentRequired, EarlyPublication, InvalidInput, NotAllowed
from core.domain.models import OutboxMail, Status
from core.domain.workdays import WorkCalendar
from core.domain.workflow import NOTE, Exit, latest_observation
from core.services import deletions, instructions
from core.services import notifications as notify
from core.services import requests as services
from core.services.dashboard import DashboardFilter, deadline_dashboard
from core.services.direct_publications import record_direct_publication
from tests.support.accounts import change_account

MONTH = DashboardFilter(NOW.date() - timedelta(days=30), NOW.date())


def form(procedure: int, **changes: object) -> dict[str, object]:
    return {
        "procedure": procedure, "title": "Portal de dominios .bo", "objective": "Difundir.",
        "summary": "Resumen.", "unit": "NIC", "publish_from": NOW.date(),
        "publish_to": NOW.date() + timedelta(days=60),
        "schedule": {4: NOW.date() + timedelta(days=5)} if procedure == 2 else {},
    } | changes


def state_of(repo: InMemoryRepository, request_id: str) -> services.RequestState:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    return state


def step(repo: InMemoryRepository, username: str, request_id: str, outcome: str = "avanzar",
         *, comment: str = "", when: datetime = NOW, **options: object) -> None:
    state = state_of(repo, request_id)
    schedule = None
    if state.stage_row is not None and state.stage_row.records_schedule \
            and not options.get("on_behalf_of"):
        schedule = {n: NOW.date() + timedelta(days=10 + n)
                    for n in state.procedure.scheduled_stages()}
    services.act(repo, username, request_id, outcome, comment=comment,
                 expected_seq=state.seq, now=when, schedule=schedule, **options)  # type: ignore[arg-type]


def walk(repo: InMemoryRepository, request_id: str, *people: str) -> None:
    for username in people:
        step(repo, username, request_id)


def mails(repo: InMemoryRepository) -> list[OutboxMail]:
    return notify.outbox(repo.snapshot().ledger)


def mail_to(repo: InMemoryRepository, username: str, words: str) -> OutboxMail:
    """The newest mail to ``username`` whose subject has ``words``."""
    found = [m for m in mails(repo) if m.to == f"{username}@adsib.gob.bo" and words in m.subject]
    assert found, [(m.to, m.subject) for m in mails(repo)]
    return found[0]


def deactivate(repo: InMemoryRepository, username: str) -> None:
    change_account(repo, username, NOW, active=False)


# -- 1. nobody is left without a person to act ------------------------------------------------


def test_a_promotion_for_a_unit_that_nobody_heads_is_refused_naming_the_stage(
        repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(InvalidInput) as refused:
        services.create_request(repo, "directora", form(1, unit="CGII"), NOW)
    assert "en la unidad CGII nadie activo puede actuar como Jefatura de unidad solicitante " \
           "en la etapa 5" in refused.value.message
    assert "márquelo: decide el Comité" in refused.value.message
    assert count_rows(repo) == before


def test_the_executive_unit_itself_is_refused_for_a_promotion(repo: InMemoryRepository) -> None:
    """Wall 1: a promotion registered by the DE for the DE stalled at stage 5 for ever."""
    with pytest.raises(InvalidInput, match="en la unidad DE nadie activo"):
        services.create_request(repo, "directora", form(1, unit="DE"), NOW)


def test_the_same_promotion_protected_by_norm_is_accepted_the_committee_decides(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "directora",
                                         form(1, unit="CGII", protected=True), NOW)
    assert state_of(repo, request_id).stage == 2


def test_a_unit_is_always_asked_where_the_registrant_is_not_the_unit(
        repo: InMemoryRepository) -> None:
    ledger = repo.snapshot().ledger
    users = ledger.users
    assert services.unit_is_explicit(ledger, users["directora"], 1)
    assert services.unit_is_explicit(ledger, users["profesional"], 2)
    assert not services.unit_is_explicit(ledger, users["solicitante"], 3)
    with pytest.raises(InvalidInput, match="Unidad: elija la unidad solicitante"):
        services.create_request(repo, "profesional", form(2, unit=""), NOW)


def test_a_request_whose_only_actor_left_is_listed_without_anyone_and_on_the_dashboard(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    request_id = services.create_request(repo, "profesional", form(2), NOW)
    walk(repo, request_id, "jefe.ugs", "directora", "disenio", "jefe.ugs")  # at stage 6
    ledger = repo.snapshot().ledger
    assert services.left_without_actor(
        ledger, ledger.users["jefe.nic"].model_copy(update={"active": False})) == [request_id]
    assert services.left_without_actor(ledger, ledger.users["solicitante"]
                                       .model_copy(update={"active": False})) == []
    deactivate(repo, "jefe.nic")
    ledger = repo.snapshot().ledger
    assert [i.request.request_id for i in services.unattended(ledger, calendar, NOW.date())] \
        == [request_id]
    board = deadline_dashboard(ledger, "jefe.ugs", calendar, NOW.date(), MONTH)
    assert [u.request_id for u in board.unattended] == [request_id]
    assert board.unattended[0].must_act == "Jefatura de unidad solicitante (NIC)"


# -- 2. observations first ------------------------------------------------------------------------


def test_a_return_mails_the_observations_to_who_acts_and_a_copy_to_the_requester(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    walk(repo, request_id, "directora", "jefe.ugs", "profesional")
    step(repo, "jefe.nic", request_id, "devolver:4", comment="Falta el horario alternativo.",
         when=NOW + timedelta(hours=1))  # the newest mails
    to_professional = mail_to(repo, "profesional", "etapa 4")
    assert "Observaciones: Falta el horario alternativo." in to_professional.body
    copy = mail_to(repo, "solicitante", "devuelta a la etapa 4")
    assert "Observaciones: Falta el horario alternativo." in copy.body
    seen = latest_observation(state_of(repo, request_id))
    assert seen is not None and (seen.actor, seen.comment) == (
        "jefe.nic", "Falta el horario alternativo.")


# -- 3. the ways out ------------------------------------------------------------------------------


def test_the_committee_may_reject_a_promotion_and_the_unit_head_may_not(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "directora", form(1), NOW)
    walk(repo, request_id, "jefe.ugs", "profesional", "jefe.ugs")  # at 5, the unit head's
    assert [a.code for a in services.allowed_actions(
        state_of(repo, request_id), repo.snapshot().ledger.users["jefe.nic"])] == [
        "avanzar", "devolver:3"]
    committee = services.create_request(repo, "directora", form(1, protected=True), NOW)
    walk(repo, committee, "jefe.ugs", "profesional", "jefe.ugs")
    with pytest.raises(CommentRequired):
        step(repo, "comite", committee, "rechazar")
    step(repo, "comite", committee, "rechazar", comment="Sin presupuesto aprobado.")
    assert state_of(repo, committee).status is Status.REJECTED
    assert "Observaciones: Sin presupuesto aprobado." in mail_to(
        repo, "directora", "rechazada").body


@pytest.mark.parametrize(("procedure", "stage", "people", "back_to"), [
    (2, 5, ("jefe.ugs", "directora", "disenio"), 4),
    (2, 6, ("jefe.ugs", "directora", "disenio", "jefe.ugs"), 4),
    (3, 7, ("directora", "jefe.ugs", "profesional", "jefe.nic", "disenio"), 6),
], ids=["2.5-design", "2.6-design", "3.7-material"])
def test_an_approval_stage_that_refuses_the_design_or_the_material_returns_it(
        repo: InMemoryRepository, procedure: int, stage: int, people: tuple[str, ...],
        back_to: int) -> None:
    registrant = "profesional" if procedure == 2 else "solicitante"
    request_id = services.create_request(repo, registrant, form(procedure), NOW)
    walk(repo, request_id, *people)
    state = state_of(repo, request_id)
    assert state.stage == stage
    actor = {5: "jefe.ugs", 6: "jefe.nic", 7: "jefe.nic"}[stage]
    step(repo, actor, request_id, f"devolver:{back_to}", comment="No se aprueba así.")
    assert state_of(repo, request_id).stage == back_to


def test_the_requester_withdraws_before_publication_and_the_request_leaves_every_figure(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW - timedelta(days=9))
    ledger = repo.snapshot().ledger
    assert due_info(state_of(repo, request_id), calendar, NOW.date()).overdue
    assert deadline_dashboard(ledger, "jefe.ugs", calendar, NOW.date(), MONTH).totals.overdue
    for outsider in ("jefe.ugs", "solicitante.uaf", "directora"):
        with pytest.raises(NotAllowed):
            services.close_request(repo, outsider, request_id, Exit.WITHDRAW,
                                   expected_seq=1, now=NOW)
    services.close_request(repo, "solicitante", request_id, Exit.WITHDRAW,
                           comment="Ya no hace falta.", expected_seq=1, now=NOW)
    ledger = repo.snapshot().ledger
    assert state_of(repo, request_id).status is Status.WITHDRAWN
    board = deadline_dashboard(ledger, "jefe.ugs", calendar, NOW.date(), MONTH)
    assert (board.totals.open, board.totals.overdue) == (0, 0)
    assert services.inbox(ledger, "directora", calendar, NOW.date()) == []
    assert "ya no requiere su acción" in mail_to(repo, "directora", "retirada").subject


def test_the_unit_head_may_withdraw_a_request_of_their_unit(repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    services.close_request(repo, "jefe.nic", request_id, Exit.WITHDRAW, expected_seq=1,
                           now=NOW)
    assert state_of(repo, request_id).status is Status.WITHDRAWN


def test_the_de_or_the_ugs_head_cancel_with_a_reason_and_nothing_more_happens(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    with pytest.raises(CommentRequired, match="motivo"):
        services.close_request(repo, "jefe.ugs", request_id, Exit.CANCEL, expected_seq=1,
                               now=NOW)
    with pytest.raises(NotAllowed):
        services.close_request(repo, "profesional", request_id, Exit.CANCEL,
                               comment="No.", expected_seq=1, now=NOW)
    services.close_request(repo, "jefe.ugs", request_id, Exit.CANCEL,
                           comment="La unidad pidió el mismo aviso dos veces.",
                           expected_seq=1, now=NOW)
    state = state_of(repo, request_id)
    assert state.status is Status.CANCELLED and state.stage is None
    assert "Observaciones: La unidad pidió el mismo aviso dos veces." in mail_to(
        repo, "solicitante", "cancelada").body
    with pytest.raises(Exception, match="ya está cancelada"):
        step(repo, "directora", request_id)


# -- 4. instructions received on the DE's behalf --------------------------------------------------


def test_the_ugs_head_registers_a_verbal_instruction_of_the_de_in_her_name(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "jefe.ugs", form(1), NOW,
                                         on_behalf_of="directora", route="verbal")
    state = state_of(repo, request_id)
    assert state.request.created_by == "directora"
    first = state.events[0]
    assert (first.actor, first.role) == ("jefe.ugs", "de")
    data = json.loads(first.data)
    assert (data["en_nombre_de"], data["via"]) == ("directora", "verbal")
    assert data["solicitud"]["solicitante"] == "directora"  # in the signed route
    notice = mail_to(repo, "directora", "instrucción registrada en su nombre")
    assert "Rosa Condori registró en su nombre una instrucción recibida por " \
           "instrucción verbal" in notice.body
    listed = instructions.instructions_for(repo.snapshot().ledger, "directora")
    assert [(i.recorded_by, i.route_label, i.subject) for i in listed] == [
        ("jefe.ugs", "Instrucción verbal", request_id)]


def test_an_approval_by_phone_at_two_point_three_is_recorded_for_the_de(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "profesional", form(2), NOW)
    walk(repo, request_id, "jefe.ugs")
    with pytest.raises(InvalidInput, match="Vía"):
        step(repo, "jefe.ugs", request_id, on_behalf_of="directora", route="")
    step(repo, "jefe.ugs", request_id, on_behalf_of="directora", route="llamada")
    state = state_of(repo, request_id)
    assert state.stage == 4
    assert (state.events[-1].actor, state.events[-1].role) == ("jefe.ugs", "de")
    assert [i.what for i in instructions.instructions_for(repo.snapshot().ledger,
                                                          "directora")] == [
        "Aprobar propuesta (etapa 3)"]


def test_no_one_records_on_behalf_where_the_stage_does_not_admit_it_or_without_the_capability(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    with pytest.raises(NotAllowed, match="no admite registrar"):
        step(repo, "jefe.ugs", request_id, on_behalf_of="directora", route="llamada")
    with pytest.raises(NotAllowed, match="registrar en nombre"):
        services.create_request(repo, "profesional", form(1), NOW, on_behalf_of="directora",
                                route="nota")


def test_a_deletion_order_by_phone_is_recorded_for_the_de_who_is_told(
        repo: InMemoryRepository) -> None:
    order_id = deletions.order_deletion(repo, "jefe.ugs", {
        "publication": "https://www.facebook.com/adsib/posts/9", "channel": "Facebook",
        "via": "llamada", "reason": "Dato equivocado."}, NOW, on_behalf_of="directora")
    ledger = repo.snapshot().ledger
    order = next(o for o in ledger.all(deletions.DeletionOrder) if o.order_id == order_id)
    assert order.ordered_by == "directora"
    event = next(e for _, e in ledger.events if e.subject == order_id)
    assert (event.actor, json.loads(event.data)["en_nombre_de"]) == ("jefe.ugs", "directora")
    assert "Rosa Condori registró en su nombre una orden de eliminación " \
           "recibida por llamada telefónica" in mail_to(repo, "directora", order_id).body
    assert [i.subject for i in instructions.instructions_for(ledger, "directora")] == [order_id]


# -- 5. the window governs publishing -------------------------------------------------------------


def late_window(repo: InMemoryRepository, opens: date) -> str:
    request_id = services.create_request(repo, "solicitante", form(
        3, publish_from=opens, publish_to=opens + timedelta(days=10)), NOW - timedelta(days=20))
    for username in ("directora", "jefe.ugs", "profesional", "jefe.nic", "disenio",
                     "solicitante", "jefe.ugs"):
        step(repo, username, request_id, when=NOW - timedelta(days=12))
    return request_id


def test_the_last_stage_is_not_late_before_the_window_opens(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    opens = NOW.date() + timedelta(days=14)
    request_id = late_window(repo, opens)
    info = due_info(state_of(repo, request_id), calendar, NOW.date())
    assert not info.overdue and info.due == calendar.due_date(opens, 1)
    board = deadline_dashboard(repo.snapshot().ledger, "jefe.ugs", calendar, NOW.date(), MONTH)
    assert board.totals.overdue == 0


def test_publishing_before_the_window_asks_for_a_confirmation_that_is_recorded(
        repo: InMemoryRepository) -> None:
    opens = NOW.date() + timedelta(days=14)
    request_id = late_window(repo, opens)
    with pytest.raises(EarlyPublication, match=f"abre el {opens:%d/%m/%Y}"):
        step(repo, "admin.rrss", request_id)
    step(repo, "admin.rrss", request_id, early=True)
    event = state_of(repo, request_id).events[-1]
    assert json.loads(event.data)["antes_de_ventana"] == opens.isoformat()


def test_a_window_entirely_in_the_past_is_refused_at_registration(
        repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidInput, match="ya pasó"):
        services.create_request(repo, "solicitante", form(
            3, publish_from=NOW.date() - timedelta(days=10),
            publish_to=NOW.date() - timedelta(days=1)), NOW)


# -- 6. the Editor publishes ----------------------------------------------------------------------


def test_the_editor_publishes_at_the_last_stage_and_the_administrator_is_told(
        repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    walk(repo, request_id, "directora", "jefe.ugs", "profesional", "jefe.nic", "disenio",
         "solicitante", "jefe.ugs", "editor")
    assert state_of(repo, request_id).status is Status.PUBLISHED
    assert "publicada por el Editor" in mail_to(repo, "admin.rrss", "publicada por").subject


def test_the_editor_records_a_direct_publication_and_the_administrator_is_told(
        repo: InMemoryRepository) -> None:
    publication = record_direct_publication(repo, "editor", {
        "type": "4", "title": "Fotos del taller", "channel": "Facebook",
        "published_at": NOW - timedelta(hours=1)}, NOW, "https://rrss.adsib.gob.bo")
    notice = mail_to(repo, "admin.rrss", publication)
    assert "Sofía Limachi" in notice.body
    assert "https://rrss.adsib.gob.bo/publicaciones_directas" in notice.body


# -- 7. links that work ---------------------------------------------------------------------------


def test_mails_carry_the_absolute_address_of_the_request(repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW,
                                         public_url="https://rrss.adsib.gob.bo/")
    body = mail_to(repo, "directora", request_id).body
    assert f"Abrir: https://rrss.adsib.gob.bo/solicitud?id={request_id}" in body


# -- 8. copies where the manual routes through someone --------------------------------------------


def test_the_ugs_head_gets_a_copy_of_the_proposal_and_comments_without_stopping_it(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    request_id = services.create_request(repo, "solicitante", form(3), NOW)
    walk(repo, request_id, "directora", "jefe.ugs")
    step(repo, "profesional", request_id, when=NOW + timedelta(hours=1))  # at 5
    copy = mail_to(repo, "jefe.ugs", "copia de la etapa 4")
    assert "mediante" not in copy.subject and "Puede dejar una observación" in copy.body
    before = state_of(repo, request_id)
    with pytest.raises(NotAllowed):
        services.add_note(repo, "directora", request_id, comment="Hola.",
                          expected_seq=before.seq, now=NOW)
    services.add_note(repo, "jefe.ugs", request_id, comment="Mencionar el nuevo horario.",
                      expected_seq=before.seq, now=NOW + timedelta(days=3))
    after = state_of(repo, request_id)
    assert (after.stage, after.stage_started_at) == (5, before.stage_started_at)
    assert after.events[-1].outcome == NOTE
    assert "observación" in mail_to(repo, "jefe.nic", "observación").subject
    board = deadline_dashboard(repo.snapshot().ledger, "jefe.ugs", calendar,
                               NOW.date() + timedelta(days=3), MONTH)
    assert board.totals.open == 1


def test_the_de_gets_a_copy_of_the_promotion_material(repo: InMemoryRepository) -> None:
    request_id = services.create_request(repo, "directora", form(1), NOW)
    walk(repo, request_id, "jefe.ugs", "profesional", "jefe.ugs", "jefe.nic", "disenio")
    assert "copia de la etapa 6" in mail_to(repo, "directora", "copia").subject
