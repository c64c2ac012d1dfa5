"""The Plan de Promoción de Servicios (core.plan): which days an item loads, overload
warnings checked by hand, and the use cases: only the professional edits the plan, an edit
keeps the row's other cells, and «convertir en solicitud» writes the request and the plan's
row in one change, by the role that starts the procedure.
"""

from __future__ import annotations

from datetime import date

import pytest
from core_helpers import NOW, count_rows
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab
from core.domain.errors import InvalidInput, NotAllowed, NotFound
from core.domain.models import PlanItem, PlanStatus, PublicationType
from core.domain.procedures import ProcedureSet
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import Exit
from core.services import plan
from core.services.common import current_user
from core.services.requests import close_request, create_request
from sheets_schema import rules_for
from sheets_schema.demo import USERS
from sheets_schema.tabs import SCHEMA

PLAN_ROW = SCHEMA.of(PlanItem).cells

# NOW is Tuesday 10 March 2026.
WED, THU, FRI = date(2026, 3, 11), date(2026, 3, 12), date(2026, 3, 13)
MON = date(2026, 3, 16)


def item(item_id: str, start: date, channels: str = "Facebook", *, end: date | None = None,
         kind: str = "2", status: PlanStatus = PlanStatus.PLANNED) -> PlanItem:
    return PlanItem(item_id=item_id, service=f"Servicio {item_id}", channels=channels,
                    type=PublicationType(kind), start=start, end=end, status=status)


def form(**changes: object) -> dict[str, object]:
    return {"service": "Firma digital", "campaign": "Firma digital para todos",
            "channels": ["Facebook", "Instagram"], "type": "2", "start": FRI, "end": None,
            "budget": None, "notes": "Tarjetas informativas."} | changes


def plan_rows(repo: InMemoryRepository) -> list[dict[str, str]]:
    raw = repo.snapshot().tabs["plan_promocion"]
    return [dict(zip(raw.header, cells + [""] * (len(raw.header) - len(cells)), strict=True))
            for cells in raw.rows]


def system_events(repo: InMemoryRepository, subject: str) -> list[tuple[str, str, str]]:
    return [(e.outcome, e.actor, e.role) for _, e in repo.snapshot().ledger.events
            if e.kind.value == "sistema" and e.subject == subject]


# -- limits ---------------------------------------------------------------------------------


def test_limits_default_to_three_a_day_and_two_per_channel() -> None:
    assert plan.PlanLimits.from_env({}) == plan.PlanLimits(3, 2)


def test_limits_come_from_the_environment_and_ignore_nonsense() -> None:
    env = {"RRSS_PLAN_MAX_PER_DAY": " 5 ", "RRSS_PLAN_MAX_PER_CHANNEL_DAY": "1"}
    assert plan.PlanLimits.from_env(env) == plan.PlanLimits(5, 1)
    bad = {"RRSS_PLAN_MAX_PER_DAY": "muchos", "RRSS_PLAN_MAX_PER_CHANNEL_DAY": "0"}
    assert plan.PlanLimits.from_env(bad) == plan.PlanLimits(3, 2)


# -- days and overloads ---------------------------------------------------------------------


def test_an_item_without_a_window_loads_its_own_date_even_on_a_weekend(
        calendar: WorkCalendar) -> None:
    assert plan.item_days(item("A", WED), calendar) == [WED]
    assert plan.item_days(item("B", date(2026, 3, 14)), calendar) == [date(2026, 3, 14)]
    assert plan.item_days(item("C", WED, end=WED), calendar) == [WED]


def test_a_window_loads_each_working_day_and_skips_weekends_and_carnival(
        calendar: WorkCalendar) -> None:
    assert plan.item_days(item("A", THU, end=date(2026, 3, 17)), calendar) == [
        THU, FRI, MON, date(2026, 3, 17)]
    # Carnival 2026: Monday 16 and Tuesday 17 February.
    assert plan.item_days(item("B", date(2026, 2, 13), end=date(2026, 2, 18)), calendar) == [
        date(2026, 2, 13), date(2026, 2, 18)]


def test_a_weekend_only_window_loads_its_first_day(calendar: WorkCalendar) -> None:
    assert plan.item_days(item("A", date(2026, 3, 14), end=date(2026, 3, 15)), calendar) == [
        date(2026, 3, 14)]


def test_overloads_are_counted_by_hand(calendar: WorkCalendar) -> None:
    items = [
        item("A", WED, "Facebook, Instagram"),
        item("B", WED, "facebook"),
        item("C", WED, "Facebook; X (Twitter)"),
        item("D", NOW.date(), "LinkedIn", end=THU),          # 10, 11 and 12 March
        item("E", WED, "Facebook", status=PlanStatus.CANCELLED),
        item("F", THU, "Instagram"),
    ]
    found = plan.overloads(items, calendar, plan.PlanLimits(3, 2))
    assert [(o.day, o.channel, o.count, o.limit, o.item_ids) for o in found] == [
        (WED, None, 4, 3, ("A", "B", "C", "D")),
        (WED, "Facebook", 3, 2, ("A", "B", "C")),
    ]
    assert found[0].message == (
        "Miércoles 11/03/2026: 4 publicaciones planificadas (máximo 3): A, B, C, D.")
    assert found[1].message.startswith("Miércoles 11/03/2026 en Facebook: 3 publicaciones")


def test_at_the_limit_is_not_an_overload_and_a_period_filters_days(
        calendar: WorkCalendar) -> None:
    items = [item("A", WED), item("B", WED), item("C", THU, "Facebook, X"),
             item("D", THU, "X"), item("E", THU, "X")]
    assert plan.overloads(items, calendar, plan.PlanLimits(3, 2)) == [
        plan.Overload(THU, "X", 3, 2, ("C", "D", "E"))]
    assert plan.overloads(items, calendar, plan.PlanLimits(3, 2), first=FRI) == []
    assert plan.overloads(items, calendar, plan.PlanLimits(1, 2), last=WED) == [
        plan.Overload(WED, None, 2, 1, ("A", "B"))]


def test_items_by_day_leaves_out_cancelled_items(calendar: WorkCalendar) -> None:
    items = [item("A", WED), item("B", WED, status=PlanStatus.CANCELLED),
             item("C", WED, end=FRI)]
    by_day = plan.items_by_day(items, calendar)
    assert {day: [i.item_id for i in found] for day, found in by_day.items()} == {
        WED: ["A", "C"], THU: ["C"], FRI: ["C"]}


# -- adding, editing, cancelling -------------------------------------------------------------


def test_the_professional_adds_items_numbered_by_year(repo: InMemoryRepository) -> None:
    first = plan.add_item(repo, "profesional", form(), NOW)
    second = plan.add_item(repo, "profesional", form(type="1", budget=1500, end=MON), NOW)
    assert (first, second) == ("PLAN-2026-0001", "PLAN-2026-0002")
    rows = plan_rows(repo)
    assert rows[0]["estado"] == "planificado"
    assert rows[0]["canales"] == "Facebook, Instagram"
    assert rows[0]["creado_por"] == "profesional"
    assert rows[0]["fecha_hasta"] == ""
    assert (rows[1]["presupuesto_bs"], rows[1]["fecha_hasta"]) == ("1500.0", "2026-03-16")
    assert system_events(repo, first) == [("plan_agregar", "profesional", "profesional")]


OTHERS = [name for name, _, roles, _ in USERS if Role.PROFESSIONAL not in roles]


@pytest.mark.parametrize("username", OTHERS)
def test_only_the_professional_adds_to_the_plan(repo: InMemoryRepository,
                                                username: str) -> None:
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="Solo el Profesional en Promoción"):
        plan.add_item(repo, username, form(), NOW)
    assert count_rows(repo) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"end": WED}, "La fecha «hasta» es anterior a la fecha «desde»."),
    ({"channels": []}, "Canales: elija al menos un canal."),
    ({"channels": " , "}, "Canales: elija al menos un canal."),
    ({"service": "  "}, "Servicio: no puede estar vacío."),
    ({"type": "8"}, "Tipo: valor no permitido"),
    ({"budget": -5, "type": "1"}, "Presupuesto (Bs): el número es demasiado pequeño."),
])
def test_a_malformed_item_is_refused_with_a_clear_message(
        repo: InMemoryRepository, changes: dict[str, object], message: str) -> None:
    before = count_rows(repo)
    with pytest.raises(InvalidInput) as error:
        plan.add_item(repo, "profesional", form(**changes), NOW)
    assert message.lower() in error.value.message.lower()
    assert count_rows(repo) == before


@pytest.fixture
def hand_edited(seeded_tabs: dict[str, RawTab], procedures: ProcedureSet
                ) -> InMemoryRepository:
    """A plan tab with a column someone added in the sheet, and one item in it."""
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    raw = tabs["plan_promocion"]
    raw.header.append("color")
    row = PLAN_ROW(item("PLAN-2026-0007", WED)) | {"creado_por": "profesional",
                                                  "id_solicitud": "SOL-2026-0099",
                                                  "estado": "solicitado"}
    raw.rows.append([row.get(h, "verde" if h == "color" else "") for h in raw.header])
    return InMemoryRepository(tabs, SCHEMA, rules_for(procedures), TEST_SEALER)


def test_an_edit_changes_the_planned_cells_and_keeps_every_other_cell(
        hand_edited: InMemoryRepository) -> None:
    plan.edit_item(hand_edited, "profesional", "PLAN-2026-0007",
                   form(service="Firma digital (nuevo)", start=THU, end=FRI), NOW)
    [row] = plan_rows(hand_edited)
    assert (row["servicio"], row["fecha_desde"], row["fecha_hasta"]) == (
        "Firma digital (nuevo)", "2026-03-12", "2026-03-13")
    assert (row["color"], row["id_solicitud"], row["estado"], row["creado_por"]) == (
        "verde", "SOL-2026-0099", "solicitado", "profesional")
    [event] = system_events(hand_edited, "PLAN-2026-0007")
    assert event == ("plan_editar", "profesional", "profesional")


def test_an_edit_that_changes_nothing_writes_nothing(hand_edited: InMemoryRepository) -> None:
    current = plan.find_item(hand_edited.snapshot().ledger, "PLAN-2026-0007")
    plan.edit_item(hand_edited, "profesional", "PLAN-2026-0007", plan.form_values(current),
                   NOW)
    assert hand_edited.commits == 0


def test_a_requested_item_keeps_its_type(hand_edited: InMemoryRepository) -> None:
    with pytest.raises(InvalidInput, match="ya tiene la solicitud SOL-2026-0099"):
        plan.edit_item(hand_edited, "profesional", "PLAN-2026-0007", form(type="3"), NOW)


def test_the_head_of_ugs_reads_the_plan_but_may_not_edit_it(
        hand_edited: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed):
        plan.edit_item(hand_edited, "jefe.ugs", "PLAN-2026-0007", form(), NOW)
    with pytest.raises(NotAllowed):
        plan.cancel_item(hand_edited, "directora", "PLAN-2026-0007", "No va.", NOW)
    assert hand_edited.commits == 0


def test_editing_an_unknown_item_says_so(repo: InMemoryRepository) -> None:
    with pytest.raises(NotFound, match="PLAN-2026-0404"):
        plan.edit_item(repo, "profesional", "PLAN-2026-0404", form(), NOW)


def test_a_cancelled_item_needs_a_reason_and_stays_cancelled(repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(), NOW)
    with pytest.raises(InvalidInput, match="Motivo"):
        plan.cancel_item(repo, "profesional", item_id, "  ", NOW)
    plan.cancel_item(repo, "profesional", item_id, "Se une a otra campaña.", NOW)
    assert plan_rows(repo)[0]["estado"] == "cancelado"
    with pytest.raises(InvalidInput, match="ya está cancelado"):
        plan.cancel_item(repo, "profesional", item_id, "Otra vez.", NOW)
    with pytest.raises(InvalidInput, match="está cancelado"):
        plan.edit_item(repo, "profesional", item_id, form(), NOW)
    assert [e[0] for e in system_events(repo, item_id)] == ["plan_agregar", "plan_cancelar"]


def test_a_direct_type_item_is_marked_published_by_the_professional(
        repo: InMemoryRepository) -> None:
    photo = plan.add_item(repo, "profesional", form(type="4"), NOW)
    design = plan.add_item(repo, "profesional", form(type="2"), NOW)
    plan.mark_published(repo, "profesional", photo, NOW)
    assert plan_rows(repo)[0]["estado"] == "publicado"
    with pytest.raises(InvalidInput, match="se publica al terminar su solicitud"):
        plan.mark_published(repo, "profesional", design, NOW)


# -- from plan to request ---------------------------------------------------------------------


def test_what_converting_means_depends_on_the_type_and_the_user(
        repo: InMemoryRepository, procedures: ProcedureSet) -> None:
    ledger = repo.snapshot().ledger
    professional, director = (current_user(ledger, "profesional"),
                              current_user(ledger, "directora"))
    kinds = {
        (kind, who.username): plan.conversion(item("A", FRI, kind=kind), who, procedures).kind
        for kind in "12345" for who in (professional, director)
    }
    create, other, none = (plan.ConversionKind.CREATE, plan.ConversionKind.OTHER_ROLE,
                           plan.ConversionKind.NO_PROCEDURE)
    assert kinds == {
        ("1", "profesional"): other, ("1", "directora"): create,
        ("2", "profesional"): create, ("2", "directora"): other,
        ("3", "profesional"): other, ("3", "directora"): other,
        ("4", "profesional"): none, ("4", "directora"): none,
        ("5", "profesional"): none, ("5", "directora"): none,
    }
    message = plan.conversion(item("PLAN-2026-0003", FRI, kind="3"), professional,
                              procedures).message
    assert "la inicia Unidad solicitante o Jefatura de unidad solicitante" in message
    assert "«Plan de Promoción de Servicios: PLAN-2026-0003»" in message
    done = item("B", FRI, status=PlanStatus.REQUESTED)
    assert plan.conversion(done, professional, procedures).kind is \
        plan.ConversionKind.NOT_PLANNED


def test_the_draft_request_is_filled_from_the_item() -> None:
    draft = plan.request_draft(PlanItem(
        item_id="PLAN-2026-0005", service="Firma digital", campaign="Todos firmamos",
        channels="Facebook", type=PublicationType.PROMOTION, start=WED, end=FRI,
        budget=1500), "DE")
    assert draft == {
        "procedure": 1, "title": "Firma digital · Todos firmamos",
        "objective": "Promover el servicio «Firma digital» en la campaña «Todos firmamos».",
        "summary": "Publicación planificada en Facebook.", "unit": "DE", "links": "",
        "publish_from": WED, "publish_to": FRI, "protected": False,
        "reference": "Plan de Promoción de Servicios: PLAN-2026-0005", "schedule": {},
        "promotion_bs": 1500,
    }


def test_the_professional_turns_a_design_item_into_a_procedure_2_request_in_one_change(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=MON, end=date(2026, 3, 20)), NOW)
    commits = repo.commits
    request_id = plan.convert_to_request(
        repo, "profesional", item_id, {"unit": "NIC", "schedule": {4: FRI}}, NOW)
    assert repo.commits == commits + 1
    ledger = repo.snapshot().ledger
    request = ledger.requests[request_id]
    assert (request.procedure, request.title, request.unit) == (
        2, "Firma digital · Firma digital para todos", "NIC")
    assert (request.publish_from, request.publish_to) == (MON, date(2026, 3, 20))
    assert request.reference == f"Plan de Promoción de Servicios: {item_id}"
    assert ledger.state(request_id).stage == 2  # type: ignore[union-attr]
    row = plan_rows(repo)[0]
    assert (row["estado"], row["id_solicitud"]) == ("solicitado", request_id)
    assert system_events(repo, item_id)[-1] == ("plan_convertir", "profesional",
                                                "profesional")
    assert plan.status_label(plan.find_item(ledger, item_id), ledger) == (
        f"Solicitado ({request_id}, etapa 2)")


def test_a_withdrawn_or_cancelled_request_is_named_so_on_its_plan_item(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=MON, end=date(2026, 3, 20)), NOW)
    request_id = plan.convert_to_request(
        repo, "profesional", item_id, {"unit": "NIC", "schedule": {4: FRI}}, NOW)
    close_request(repo, "jefe.ugs", request_id, Exit.CANCEL, comment="Ya no corresponde.",
                  expected_seq=1, now=NOW)
    ledger = repo.snapshot().ledger
    assert plan.status_label(plan.find_item(ledger, item_id), ledger) == (
        f"Solicitud cancelada ({request_id})")


def test_a_promotion_item_is_converted_by_the_executive_director_not_the_professional(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(type="1", budget=800), NOW)
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="lo inicia Dirección Ejecutiva"):
        plan.convert_to_request(repo, "profesional", item_id, {"unit": "NIC"}, NOW)
    assert count_rows(repo) == before
    request_id = plan.convert_to_request(repo, "directora", item_id, {"unit": "NIC"}, NOW)
    assert repo.snapshot().ledger.requests[request_id].procedure == 1
    assert plan_rows(repo)[0]["id_solicitud"] == request_id
    assert system_events(repo, item_id)[-1] == ("plan_convertir", "directora", "de")


def test_an_invalid_request_leaves_the_item_planned(repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(), NOW)
    before = count_rows(repo)
    with pytest.raises(InvalidInput, match="cronograma"):
        plan.convert_to_request(repo, "profesional", item_id, {"unit": "NIC"}, NOW)
    with pytest.raises(InvalidInput, match="Objetivo"):
        plan.convert_to_request(repo, "profesional", item_id,
                                {"unit": "NIC", "objective": " ", "schedule": {4: THU}}, NOW)
    assert count_rows(repo) == before
    assert plan_rows(repo)[0]["estado"] == "planificado"


def test_an_item_is_converted_once_and_a_direct_type_never(repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(), NOW)
    plan.convert_to_request(repo, "profesional", item_id,
                            {"unit": "NIC", "schedule": {4: THU}}, NOW)
    with pytest.raises(InvalidInput, match="ya está solicitado con la solicitud SOL-2026-0001"):
        plan.convert_to_request(repo, "profesional", item_id,
                                {"unit": "NIC", "schedule": {4: THU}}, NOW)
    video = plan.add_item(repo, "profesional", form(type="7"), NOW)
    with pytest.raises(InvalidInput, match="no sigue un procedimiento"):
        plan.convert_to_request(repo, "profesional", video, {"unit": "NIC"}, NOW)
    assert len(repo.snapshot().ledger.requests) == 1


def test_a_unit_request_is_linked_to_its_item_by_the_professional(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(type="3"), NOW)
    other = plan.add_item(repo, "profesional", form(type="3"), NOW)
    design = plan.add_item(repo, "profesional", form(type="2"), NOW)
    request_id = create_request(repo, "solicitante", {
        "procedure": 3, "title": "Mes de la ciberseguridad", "objective": "Informar.",
        "summary": "Resumen.", "reference": plan.plan_reference(item_id)}, NOW)
    ledger = repo.snapshot().ledger
    assert plan.linkable_requests(ledger, plan.find_item(ledger, item_id)) == [request_id]
    with pytest.raises(NotAllowed):
        plan.link_request(repo, "jefe.ugs", item_id, request_id, NOW)
    with pytest.raises(InvalidInput, match="es del procedimiento 3; el ítem es del tipo 2"):
        plan.link_request(repo, "profesional", design, request_id, NOW)
    with pytest.raises(NotFound):
        plan.link_request(repo, "profesional", item_id, "SOL-2026-0404", NOW)
    plan.link_request(repo, "profesional", item_id, request_id, NOW)
    assert (plan_rows(repo)[0]["estado"], plan_rows(repo)[0]["id_solicitud"]) == (
        "solicitado", request_id)
    with pytest.raises(InvalidInput, match="ya está vinculada a otro ítem"):
        plan.link_request(repo, "profesional", other, request_id, NOW)


def test_the_plan_reads_valid_rows_by_date_and_first_row_per_id(
        seeded_tabs: dict[str, RawTab], procedures: ProcedureSet) -> None:
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    raw = tabs["plan_promocion"]
    for row in (PLAN_ROW(item("B", THU)), PLAN_ROW(item("A", FRI)),
                PLAN_ROW(item("B", WED)) | {"servicio": "copia"},
                PLAN_ROW(item("C", WED)) | {"fecha_desde": "pronto"}):
        raw.rows.append([row[h] for h in raw.header])
    ledger = InMemoryRepository(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).snapshot().ledger
    assert [(i.item_id, i.service) for i in plan.plan_items(ledger)] == [
        ("B", "Servicio B"), ("A", "Servicio A")]
    assert plan.next_item_id(ledger, NOW) == "PLAN-2026-0001"


# -- promotion on any type, and moving items (the calendar's drag and drop) ------------------


def test_a_planned_budget_may_go_on_any_type_of_publication(repo: InMemoryRepository) -> None:
    """7.1: paid promotion «puede aplicarse a todos los tipos… previa aprobación»."""
    item_id = plan.add_item(repo, "profesional", form(type="4", budget=350), NOW)
    assert plan.find_item(repo.snapshot().ledger, item_id).budget == 350


def moved(repo: InMemoryRepository, item_id: str, start: date, end: date | None = None,
          calendar: WorkCalendar | None = None, **options: bool) -> bool:
    return plan.move_item(repo, "profesional", item_id, start, end, NOW,
                          calendar or WorkCalendar.for_bolivia(years=range(2026, 2027)),
                          plan.PlanLimits(), **options)


def test_an_item_moved_to_another_working_day_keeps_its_length_and_is_recorded(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=WED, end=THU), NOW)
    assert moved(repo, item_id, MON, date(2026, 3, 17))
    after = plan.find_item(repo.snapshot().ledger, item_id)
    assert (after.start, after.end) == (MON, date(2026, 3, 17))
    events = [e for _, e in repo.snapshot().ledger.events if e.subject == item_id]
    assert (events[-1].outcome, events[-1].actor) == ("plan_mover", "profesional")
    assert events[-1].comment == "de 11/03/2026–12/03/2026 a 16/03/2026–17/03/2026"


def test_moving_onto_a_weekend_a_holiday_or_a_day_off_is_refused_saying_why(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=WED), NOW)
    before = count_rows(repo)
    with pytest.raises(InvalidInput) as weekend:
        moved(repo, item_id, date(2026, 3, 14))
    assert weekend.value.message == ("No se movió: el sábado 14/03/2026 no es día hábil "
                                     "(fin de semana). Elija un día hábil.")
    with pytest.raises(InvalidInput, match=r"viernes 03/04/2026 no es día hábil \(Viernes"):
        moved(repo, item_id, date(2026, 4, 3))  # Good Friday
    with_day_off = WorkCalendar.for_bolivia(days_off={date(2026, 3, 18): "Aniversario ADSIB"})
    with pytest.raises(InvalidInput, match=r"\(Aniversario ADSIB\)"):
        moved(repo, item_id, date(2026, 3, 18), calendar=with_day_off)
    assert count_rows(repo) == before
    assert plan.find_item(repo.snapshot().ledger, item_id).start == WED


def test_moving_into_the_past_is_refused(repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=WED), NOW)
    with pytest.raises(InvalidInput, match="el lunes 09/03/2026 ya pasó"):
        moved(repo, item_id, date(2026, 3, 9))


def test_a_move_that_overloads_a_day_asks_for_confirmation_first(
        repo: InMemoryRepository) -> None:
    for channels in (["Facebook"], ["Instagram"], ["X (Twitter)"]):
        plan.add_item(repo, "profesional", form(start=MON, channels=channels), NOW)
    item_id = plan.add_item(repo, "profesional", form(start=WED, channels=["YouTube"]), NOW)
    with pytest.raises(plan.OverloadNotConfirmed) as asked:
        moved(repo, item_id, MON)
    assert "4 publicaciones planificadas (máximo 3)" in asked.value.message
    assert "Confirme si quiere moverlo igualmente." in asked.value.message
    assert plan.find_item(repo.snapshot().ledger, item_id).start == WED
    assert moved(repo, item_id, MON, confirm_overload=True)
    assert plan.find_item(repo.snapshot().ledger, item_id).start == MON
    last = [e for _, e in repo.snapshot().ledger.events if e.subject == item_id][-1]
    assert last.comment.endswith("(sobrecarga confirmada)")


def test_only_the_professional_moves_items_and_cancelled_ones_stay(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(start=WED), NOW)
    calendar = WorkCalendar.for_bolivia(years=range(2026, 2027))
    with pytest.raises(NotAllowed):
        plan.move_item(repo, "jefe.ugs", item_id, THU, None, NOW, calendar, plan.PlanLimits())
    plan.cancel_item(repo, "profesional", item_id, "Ya no va.", NOW)
    with pytest.raises(InvalidInput, match="está cancelado"):
        moved(repo, item_id, THU)
    assert not moved(repo, plan.add_item(repo, "profesional", form(start=THU), NOW), THU)


def test_a_promotion_item_becomes_a_request_that_carries_its_amount(
        repo: InMemoryRepository) -> None:
    item_id = plan.add_item(repo, "profesional", form(type="1", budget=1500), NOW)
    request_id = plan.convert_to_request(repo, "directora", item_id, {"unit": "NIC"}, NOW)
    assert repo.snapshot().ledger.requests[request_id].promotion_bs == 1500
