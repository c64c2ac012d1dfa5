"""Use cases (core.services) through the in-memory repository: who may start, act, record and
log in, checked against the freshest ledger; what is written, and that a refusal writes
nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from core_helpers import EXTRA_USERS, INACTIVE, NOW, count_rows, log_in
from support.accounts import change_account
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab, Snapshot
from core.domain import chain
from core.domain.errors import (
    AuthenticationFailed,
    ConcurrentChange,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from core.domain.models import MAX_CELL_CHARS, EventKind, Status
from core.domain.ports import Change
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.services.accounts import create_first_admin, needs_first_admin
from core.services.direct_publications import record_direct_publication
from core.services.requests import act, create_request, inbox
from sheets_schema import default_procedures, rules_for
from sheets_schema.demo import DEMO_PASSWORD, USERS
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

ALL_USERS = {name: roles for name, _, roles, _ in [*USERS, *EXTRA_USERS]}
ACTIVE_USERS = sorted(set(ALL_USERS) - INACTIVE)
SHIPPED = default_procedures()


def form(procedure: int, /, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "procedure": procedure, "title": "Nuevo portal de dominios .bo",
        "objective": "Dar a conocer el portal.", "summary": "Resumen para redes sociales.",
        "unit": "UAF" if procedure == 1 else "NIC", "links": "https://adsib.gob.bo",
        "publish_from": NOW.date(), "publish_to": NOW.date() + timedelta(days=45),
        "reference": "Plan de Promoción de Servicios 2026",
        "schedule": {4: NOW.date() + timedelta(days=5)} if procedure == 2 else {},
    }
    return base | changes


def tab(repo: InMemoryRepository, name: str) -> list[dict[str, str]]:
    raw = repo.snapshot().tabs[name]
    return [dict(zip(raw.header, cells + [""] * (len(raw.header) - len(cells)), strict=True))
            for cells in raw.rows]


def schedule_for(repo: InMemoryRepository, request_id: str) -> dict[int, date] | None:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None and state.stage_row is not None
    if not state.stage_row.records_schedule:
        return None
    return {n: NOW.date() + timedelta(days=10 + n) for n in state.procedure.scheduled_stages()}


def step(repo: InMemoryRepository, username: str, request_id: str, outcome: str = "avanzar",
         *, when: datetime = NOW, comment: str = "") -> None:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    act(repo, username, request_id, outcome, comment=comment, expected_seq=state.seq,
        now=when, schedule=schedule_for(repo, request_id))


def request_events(repo: InMemoryRepository) -> list[dict[str, str]]:
    """The events tab's rows but for the accounts' own (their «alta» opens the ledger)."""
    return [row for row in tab(repo, "eventos") if row["tipo"] != EventKind.USER.value]


class PageView:
    """A repository read at an earlier moment (what the user saw) that writes to the live
    one: the gap between the page view and the click."""

    def __init__(self, live: InMemoryRepository) -> None:
        self.live = live
        self.seen: Snapshot = live.snapshot()

    def snapshot(self) -> Snapshot:
        return self.seen

    def commit(self, change: Change) -> Snapshot:
        return self.live.commit(change)


# -- starting a request ----------------------------------------------------------------------

STARTERS = [(1, "directora"), (2, "profesional"), (3, "solicitante"), (3, "jefe.nic")]


@pytest.mark.parametrize(("procedure", "username"), STARTERS)
def test_the_stage_one_role_registers_a_request_which_completes_stage_one(
    repo: InMemoryRepository, procedure: int, username: str
) -> None:
    request_id = create_request(repo, username, form(procedure), NOW)
    assert request_id == "SOL-2026-0001"
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    assert (state.status, state.stage, state.seq) == (Status.IN_PROGRESS, 2, 1)
    [row] = tab(repo, "solicitudes")
    assert (row["id_solicitud"], row["estado"], row["etapa"], row["secuencia"],
            row["creada_por"]) == (request_id, "en_curso", "2", "1", username)
    [event] = request_events(repo)
    assert (event["id_objeto"], event["usuario"], event["etapa"], event["accion"],
            event["etapa_destino"]) == (request_id, username, "1", "avanzar", "2")
    assert event["rol"] in {r.value for r in SHIPPED.current(procedure).stage(1).roles}


def test_a_request_of_the_requesting_unit_belongs_to_the_requester_own_unit(
    repo: InMemoryRepository,
) -> None:
    request_id = create_request(repo, "solicitante", form(3, unit="UAF"), NOW)
    assert repo.snapshot().ledger.requests[request_id].unit == "NIC"


def test_request_numbers_follow_one_another_within_the_year(repo: InMemoryRepository) -> None:
    first = create_request(repo, "solicitante", form(3), NOW)
    second = create_request(repo, "directora", form(1), NOW)
    assert (first, second) == ("SOL-2026-0001", "SOL-2026-0002")


@pytest.mark.parametrize("procedure", [1, 2, 3])
def test_anyone_else_cannot_start_the_procedure_and_nothing_is_written(
    repo: InMemoryRepository, procedure: int
) -> None:
    starters = set(SHIPPED.current(procedure).stage(1).roles)
    others = [u for u in ACTIVE_USERS if not starters & set(ALL_USERS[u])]
    assert others
    before = count_rows(repo)
    name = SHIPPED.current(procedure).name
    for username in others:
        with pytest.raises(NotAllowed, match=f"El procedimiento «{name}» lo inicia "):
            create_request(repo, username, form(procedure), NOW)
    assert count_rows(repo) == before
    assert repo.commits == 0


def test_a_deactivated_user_cannot_start_a_request(repo: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed, match="Su usuario no existe o está desactivado"):
        create_request(repo, "ex.directora", form(1), NOW)


@pytest.mark.parametrize(("changes", "message"), [
    ({"unit": ""}, "Unidad: elija la unidad solicitante."),
    ({"unit": "XYZ"}, "Unidad: «XYZ» no es una unidad activa."),
    ({"title": "   "}, "Título: no puede estar vacío."),
    ({"title": "x" * (MAX_CELL_CHARS + 1)}, "Título: el texto supera 32.767 caracteres."),
    ({"summary": "y" * (MAX_CELL_CHARS + 1)}, "Resumen: el texto supera 32.767 caracteres."),
    ({"publish_to": NOW.date() - timedelta(days=1)},
     "la fecha «hasta» es anterior a la fecha «desde»."),
    ({"procedure": 5}, "Tipo: el número es demasiado grande."),
])
def test_a_malformed_request_is_refused_in_spanish_with_nothing_written(
    repo: InMemoryRepository, changes: dict[str, object], message: str
) -> None:
    before = count_rows(repo)
    with pytest.raises(InvalidInput) as caught:
        create_request(repo, "directora", form(1, **changes), NOW)
    assert str(caught.value) == message
    assert count_rows(repo) == before
    assert repo.commits == 0


def test_a_title_of_exactly_one_cell_is_accepted(repo: InMemoryRepository) -> None:
    request_id = create_request(repo, "directora", form(1, title="x" * MAX_CELL_CHARS), NOW)
    assert len(repo.snapshot().ledger.requests[request_id].title) == MAX_CELL_CHARS


@pytest.mark.parametrize("damage", ["row deleted", "registration typed over"])
def test_a_request_number_on_a_damaged_row_is_not_given_again(
    repo: InMemoryRepository, damage: str
) -> None:
    create_request(repo, "solicitante", form(3), NOW)
    damaged = create_request(repo, "solicitante", form(3), NOW)
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in repo.snapshot().tabs.items()}
    if damage == "row deleted":
        del tabs["solicitudes"].rows[1]
    else:
        events = tabs["eventos"]
        events.rows[-1][events.column_index()["fecha_hora"]] = "ayer"
    edited = InMemoryRepository(tabs, SCHEMA, rules_for(SHIPPED), TEST_SEALER)
    assert (damaged in edited.snapshot().ledger.requests) is (damage == "row deleted")

    new = create_request(edited, "jefe.nic", form(3), NOW)
    assert new == "SOL-2026-0003"
    state = edited.snapshot().ledger.state(new)
    assert state is not None
    assert [e.actor for e in state.events] == ["jefe.nic"]
    assert state.superseded == ()


def test_a_role_removed_between_the_form_and_the_click_stops_the_request(
    repo: InMemoryRepository,
) -> None:
    page = PageView(repo)
    change_account(repo, "directora", NOW, roles=(Role.EDITOR,))
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="Su rol ya no le permite"):
        create_request(page, "directora", form(1), NOW)  # type: ignore[arg-type]
    assert count_rows(repo) == before


def test_a_design_proposal_without_its_schedule_is_not_registered(
    repo: InMemoryRepository,
) -> None:
    with pytest.raises(InvalidInput, match="falta la etapa 4"):
        create_request(repo, "profesional", form(2, schedule={}), NOW)
    assert count_rows(repo)["solicitudes"] == 0


# -- acting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("procedure", "people"), [
    (1, ["directora", "jefe.ugs", "profesional", "jefe.ugs", "comite", "disenio", "jefe.ugs",
         "admin.rrss"]),
    (2, ["profesional", "jefe.ugs", "directora", "disenio", "jefe.ugs", "jefe.nic",
         "admin.rrss"]),
    (3, ["solicitante", "directora", "jefe.ugs", "profesional", "jefe.nic", "disenio",
         "solicitante", "jefe.ugs", "admin.rrss"]),
])
def test_demo_people_take_a_request_from_registration_to_publication(
    repo: InMemoryRepository, procedure: int, people: list[str]
) -> None:
    request_id = create_request(repo, people[0], form(procedure, protected=procedure == 1), NOW)
    for minutes, username in enumerate(people[1:], start=1):
        step(repo, username, request_id, when=NOW + timedelta(minutes=minutes))
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None and state.status is Status.PUBLISHED
    [row] = tab(repo, "solicitudes")
    assert (row["estado"], row["etapa"], row["secuencia"]) == (
        "publicada", "", str(len(people)))
    assert [e["usuario"] for e in request_events(repo)] == people
    assert repo.snapshot().ledger.issues == []


@pytest.fixture
def at_ugs(repo: InMemoryRepository) -> str:
    """A request of procedure 3 waiting for the UGS head (stage 3)."""
    request_id = create_request(repo, "solicitante", form(3), NOW - timedelta(days=1))
    step(repo, "directora", request_id, when=NOW - timedelta(hours=2))
    return request_id


def test_a_user_whose_role_was_removed_before_clicking_is_refused(
    repo: InMemoryRepository, at_ugs: str
) -> None:
    seq = repo.snapshot().ledger.state(at_ugs).seq  # type: ignore[union-attr]
    change_account(repo, "jefe.ugs", NOW, roles=(Role.EDITOR,))
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="La etapa 3 corresponde a Jefatura de la UGS"):
        act(repo, "jefe.ugs", at_ugs, "avanzar", expected_seq=seq, now=NOW)
    assert count_rows(repo) == before


def test_a_role_removed_between_reading_and_writing_is_caught_on_fresh_data(
    repo: InMemoryRepository, at_ugs: str
) -> None:
    page = PageView(repo)
    change_account(repo, "jefe.ugs", NOW, roles=(Role.EDITOR,))
    before = count_rows(repo)
    with pytest.raises(NotAllowed) as caught:
        act(page, "jefe.ugs", at_ugs, "avanzar", expected_seq=2, now=NOW)  # type: ignore[arg-type]
    assert str(caught.value) == "Su rol ya no le permite actuar en esta etapa."
    assert count_rows(repo) == before


def test_a_user_deactivated_between_reading_and_writing_is_refused(
    repo: InMemoryRepository, at_ugs: str
) -> None:
    page = PageView(repo)
    change_account(repo, "jefe.ugs", NOW, active=False)
    with pytest.raises(NotAllowed, match="Su usuario no existe o está desactivado"):
        act(page, "jefe.ugs", at_ugs, "avanzar", expected_seq=2, now=NOW)  # type: ignore[arg-type]
    assert repo.snapshot().ledger.state(at_ugs).seq == 2  # type: ignore[union-attr]


def test_when_two_people_act_on_the_same_view_only_the_first_is_written(
    repo: InMemoryRepository,
) -> None:
    request_id = create_request(repo, "solicitante", form(3), NOW)
    for username in ("directora", "jefe.ugs", "profesional"):
        step(repo, username, request_id)
    page = PageView(repo)  # both the requester and the unit head see stage 5
    act(repo, "solicitante", request_id, "avanzar", expected_seq=4, now=NOW)
    before = count_rows(repo)
    with pytest.raises(ConcurrentChange, match="Otra persona ya actuó sobre esta solicitud"):
        act(page, "jefe.nic", request_id, "devolver:4", comment="Cambiar el texto.",  # type: ignore[arg-type]
            expected_seq=4, now=NOW)
    assert count_rows(repo) == before
    with pytest.raises(ConcurrentChange):
        act(repo, "jefe.nic", request_id, "devolver:4", comment="Cambiar el texto.",
            expected_seq=4, now=NOW)


def test_acting_on_an_unknown_request_says_it_does_not_exist(
    repo: InMemoryRepository,
) -> None:
    with pytest.raises(NotFound, match="No existe la solicitud SOL-2026-0999"):
        act(repo, "directora", "SOL-2026-0999", "avanzar", expected_seq=0, now=NOW)


def test_an_oversized_comment_is_refused_with_nothing_written(
    repo: InMemoryRepository,
) -> None:
    request_id = create_request(repo, "solicitante", form(3), NOW)
    before = count_rows(repo)
    with pytest.raises(InvalidInput, match=r"El comentario supera 32\.767 caracteres"):
        act(repo, "directora", request_id, "rechazar", comment="z" * (MAX_CELL_CHARS + 1),
            expected_seq=1, now=NOW)
    assert count_rows(repo) == before


def test_act_updates_the_readable_copy_of_the_request_row(
    repo: InMemoryRepository, at_ugs: str
) -> None:
    state = act(repo, "jefe.ugs", at_ugs, "avanzar", expected_seq=2, now=NOW)
    assert (state.stage, state.seq) == (4, 3)
    [row] = tab(repo, "solicitudes")
    assert (row["etapa"], row["secuencia"], row["actualizada_en"]) == (
        "4", "3", "2026-03-10 09:00:00")
    assert row["titulo"] == "Nuevo portal de dominios .bo"


# -- the inbox -------------------------------------------------------------------------------


def test_the_inbox_lists_exactly_the_user_pending_actions_longest_waiting_first(
    repo: InMemoryRepository, calendar: WorkCalendar
) -> None:
    days = timedelta(days=1)
    approved_late = create_request(repo, "solicitante", form(3), NOW - 5 * days)
    promotion = create_request(repo, "directora", form(1), NOW - 4 * days)
    rejected = create_request(repo, "solicitante", form(3), NOW - 3 * days)
    waiting_de = create_request(repo, "jefe.nic", form(3), NOW - 2 * days)
    design = create_request(repo, "profesional", form(2), NOW - days)
    step(repo, "directora", approved_late, when=NOW - timedelta(hours=1))
    step(repo, "directora", rejected, "rechazar", when=NOW - timedelta(hours=2),
         comment="No corresponde.")
    ledger = repo.snapshot().ledger
    today = NOW.date()

    ugs = inbox(ledger, "jefe.ugs", calendar, today)
    assert [i.request.request_id for i in ugs] == [promotion, design, approved_late]
    assert {i.must_act for i in ugs} == {"Jefatura de la UGS"}
    assert ugs[0].due.label == "Vencida (1 día hábil)"  # since Friday, due Monday
    assert ugs[2].due.label == "Queda 1 día hábil"
    assert [i.request.request_id for i in inbox(ledger, "directora", calendar, today)] == [
        waiting_de]
    for username in ("jefe.nic", "solicitante", "editor", "admin.rrss", "comite", "jefe.uaf"):
        assert inbox(ledger, username, calendar, today) == []


def test_the_inbox_of_the_unit_shows_only_its_own_requests(
    repo: InMemoryRepository, calendar: WorkCalendar
) -> None:
    nic = create_request(repo, "solicitante", form(3), NOW)
    uaf = create_request(repo, "solicitante.uaf", form(3), NOW)
    for request_id in (nic, uaf):
        for username in ("directora", "jefe.ugs", "profesional"):
            step(repo, username, request_id)
    ledger = repo.snapshot().ledger
    assert [i.request.request_id for i in inbox(ledger, "jefe.nic", calendar, NOW.date())] == [
        nic]
    assert [i.request.request_id for i in inbox(ledger, "jefe.uaf", calendar, NOW.date())] == [
        uaf]
    assert inbox(ledger, "jefe.nic", calendar, NOW.date())[0].must_act == (
        "Unidad solicitante (NIC) o Jefatura de unidad solicitante (NIC)")


def test_a_deactivated_user_has_no_inbox(repo: InMemoryRepository, calendar: WorkCalendar
                                         ) -> None:
    create_request(repo, "solicitante", form(3), NOW)
    with pytest.raises(NotAllowed):
        inbox(repo.snapshot().ledger, "ex.directora", calendar, NOW.date())


# -- direct publications (types 4 to 7) -----------------------------------------------------


def direct(kind: str, **changes: object) -> dict[str, object]:
    return {"type": kind, "title": "Fotos del taller", "channel": "Facebook",
            "link": "https://adsib.gob.bo", "published_at": NOW - timedelta(hours=3)} | changes


@pytest.mark.parametrize("kind", ["4", "5", "6", "7"])
def test_the_social_media_administrator_records_a_direct_publication(
    repo: InMemoryRepository, kind: str
) -> None:
    publication_id = record_direct_publication(repo, "admin.rrss", direct(kind), NOW)
    assert publication_id.startswith("PUB-20260310-")
    [row] = tab(repo, "publicaciones_directas")
    assert (row["id_publicacion"], row["tipo"], row["registrada_por"], row["publicada_en"]) == (
        publication_id, kind, "admin.rrss", "2026-03-10 06:00:00")
    [event] = request_events(repo)
    assert (event["tipo"], event["id_objeto"], event["rol"]) == (
        "publicacion_directa", publication_id, "admin_rrss")


@pytest.mark.parametrize("kind", ["1", "2", "3"])
def test_types_with_a_procedure_cannot_be_recorded_directly(
    repo: InMemoryRepository, kind: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        record_direct_publication(repo, "admin.rrss", direct(kind), NOW)
    assert str(caught.value) == "Los tipos 1 a 3 siguen un procedimiento: use «Nueva solicitud»."
    assert count_rows(repo)["publicaciones_directas"] == 0


def test_only_the_social_media_administrator_and_the_editor_record_direct_publications(
    repo: InMemoryRepository,
) -> None:
    others = [u for u in ACTIVE_USERS
              if not {Role.ADMIN, Role.EDITOR} & set(ALL_USERS[u])]
    assert "moderador" in others and "editor" not in others
    for username in others:
        with pytest.raises(NotAllowed, match="Solo el Administrador Principal de RRSS o el "
                                             "Editor de RRSS"):
            record_direct_publication(repo, username, direct("4"), NOW)
    assert count_rows(repo)["publicaciones_directas"] == 0
    assert request_events(repo) == []


def test_an_administrator_whose_role_was_just_removed_records_nothing(
    repo: InMemoryRepository,
) -> None:
    page = PageView(repo)
    change_account(repo, "admin.rrss", NOW, roles=(Role.MODERATOR,))
    with pytest.raises(NotAllowed, match="Solo el Administrador Principal de RRSS"):
        record_direct_publication(page, "admin.rrss", direct("4"), NOW)  # type: ignore[arg-type]
    assert count_rows(repo)["publicaciones_directas"] == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"published_at": NOW + timedelta(minutes=1)},
     "Publicada en: la fecha no puede estar en el futuro."),
    ({"channel": ""}, "Canal: no puede estar vacío."),
    ({"type": "8"}, "Tipo: valor no permitido"),
])
def test_a_malformed_direct_publication_is_refused(
    repo: InMemoryRepository, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        record_direct_publication(repo, "admin.rrss", direct("5", **changes), NOW)
    assert str(caught.value).startswith(message)
    assert count_rows(repo)["publicaciones_directas"] == 0


# -- logging in ------------------------------------------------------------------------------


def test_the_right_password_logs_in(repo: InMemoryRepository) -> None:
    user = log_in(repo, "  Jefe.UGS ", DEMO_PASSWORD)
    assert (user.username, user.roles) == ("jefe.ugs", (Role.UGS_HEAD,))


@pytest.mark.parametrize(("username", "password"), [
    ("jefe.ugs", "otra-clave"),
    ("jefe.ugs", ""),
    ("nadie", DEMO_PASSWORD),
    ("ex.directora", DEMO_PASSWORD),
])
def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    repo: InMemoryRepository, username: str, password: str
) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        log_in(repo, username, password)
    assert str(caught.value) == "Usuario o contraseña incorrectos."


def test_the_first_administrator_is_created_only_when_no_one_can_log_in(
    empty_repo: InMemoryRepository,
) -> None:
    assert needs_first_admin(empty_repo.snapshot().ledger)
    create_first_admin(empty_repo, " Admin ", "Administración del sistema", "clave-segura", NOW)
    ledger = empty_repo.snapshot().ledger
    assert not needs_first_admin(ledger)
    assert ledger.users["admin"].roles == (Role.SYSADMIN,)
    assert log_in(empty_repo, "admin", "clave-segura").username == "admin"
    [event] = tab(empty_repo, "eventos")
    assert (event["tipo"], event["accion"]) == ("usuario", "crear_administrador_inicial")

    before = count_rows(empty_repo)
    with pytest.raises(NotAllowed) as caught:
        create_first_admin(empty_repo, "otro", "Otro", "clave-segura", NOW)
    assert str(caught.value) == "El administrador inicial ya fue creado; inicie sesión."
    assert count_rows(empty_repo) == before


def test_a_ledger_with_users_refuses_a_first_administrator(repo: InMemoryRepository) -> None:
    assert not needs_first_admin(repo.snapshot().ledger)
    with pytest.raises(NotAllowed, match="ya fue creado"):
        create_first_admin(repo, "intruso", "Intruso", "clave-segura", NOW)
    assert "intruso" not in repo.snapshot().ledger.users


@pytest.mark.parametrize(("username", "password", "message"), [
    ("admin", "corta", "La contraseña debe tener al menos 8 caracteres."),
    ("Ana Mamani", "clave-segura", "Usuario: use solo minúsculas, números, punto, guion"),
])
def test_a_first_administrator_with_a_bad_name_or_password_is_refused(
    empty_repo: InMemoryRepository, username: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_first_admin(empty_repo, username, "Administración", password, NOW)
    assert str(caught.value).startswith(message)
    assert count_rows(empty_repo)["usuarios"] == 0


# -- the hash chain of the events tab --------------------------------------------------------


def test_every_event_row_written_is_signed_and_chained_to_the_one_before(
    repo: InMemoryRepository,
) -> None:
    first = create_request(repo, "solicitante", form(3), NOW)
    step(repo, "directora", first, "rechazar", comment="Fuera de plazo.")
    second = create_request(repo, "directora", form(1), NOW)
    step(repo, "jefe.ugs", second)
    record_direct_publication(repo, "admin.rrss", direct("6"), NOW)
    raw = repo.snapshot().tabs["eventos"]
    headers = TABS_BY_NAME["eventos"].headers
    position = raw.column_index()
    previous = chain.GENESIS
    assert len(request_events(repo)) == 5
    for cells in raw.rows:
        cells = cells + [""] * (len(raw.header) - len(cells))
        content = [cells[position[h]] for h in headers if h not in ("hash", "firma")]
        signature, stored = cells[position["firma"]], cells[position["hash"]]
        assert signature.startswith("k1:") and TEST_SEALER.signed(content, signature)
        assert stored == TEST_SEALER.chain(previous, signature)
        previous = stored
