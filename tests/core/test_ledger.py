"""Reading the ledger (core.ledger): a tab damaged by hand is reported row by row (tab, sheet
row, column, Spanish reason) while its good rows still load, and nothing is removed from
the raw tab. Sheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from core_helpers import EXTRA_USERS, NOW
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab, Snapshot, apply_change, parse_tab
from core.domain.issues import RowIssue
from core.domain.models import Event
from core.domain.ports import Change
from core.domain.procedures import ProcedureSet
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.services.requests import act, create_request
from sheets_schema import rules_for
from sheets_schema.demo import USERS
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

EVENTS = TABS_BY_NAME["eventos"]
REQUESTS = TABS_BY_NAME["solicitudes"]
OPENED = len(USERS) + len(EXTRA_USERS)  # the accounts' signed «alta» events come first


def ev(row: int) -> int:
    """The sheet row of the request events' ``row`` (2 = the first request event)."""
    return row + OPENED


def request_events(tabs: dict[str, RawTab]) -> RawTab:
    """The events tab with the request events only, for reading one tab on its own."""
    raw = tabs["eventos"]
    return RawTab(raw.name, raw.header, raw.rows[OPENED:])


def form(procedure: int, unit: str = "NIC") -> dict[str, object]:
    return {"procedure": procedure, "title": "Publicación", "objective": "Objetivo.",
            "summary": "Resumen.", "unit": unit, "publish_from": NOW.date(),
            "publish_to": NOW.date() + timedelta(days=40)}


@pytest.fixture
def tabs(repo: InMemoryRepository) -> dict[str, RawTab]:
    """Two requests of procedure 3 (one at stage 4, one at stage 2): six event rows."""
    first = create_request(repo, "solicitante", form(3), NOW - timedelta(days=2))
    for seq, username in enumerate(["directora", "jefe.ugs"], start=1):
        act(repo, username, first, "avanzar", expected_seq=seq, now=NOW - timedelta(days=1))
    create_request(repo, "jefe.nic", form(3), NOW - timedelta(hours=5))
    return copy.deepcopy(dict(repo.snapshot().tabs))


def set_cell(raw: RawTab, row: int, column: str, value: str) -> None:
    cells = raw.rows[row - 2]
    position = raw.column_index()[column]
    cells.extend([""] * (position + 1 - len(cells)))
    cells[position] = value


def drop_column(raw: RawTab, column: str) -> None:
    position = raw.column_index()[column]
    del raw.header[position]
    for cells in raw.rows:
        if position < len(cells):
            del cells[position]


def issue_keys(issues: list[RowIssue]) -> list[tuple[str, int, str, str]]:
    return [(i.tab, i.row, i.column, i.reason) for i in issues]


def loaded_rows(raw: RawTab) -> list[int]:
    return [n for n, _ in parse_tab(EVENTS, raw).records]


def test_an_intact_ledger_has_no_issues(tabs: dict[str, RawTab],
                                        procedures: ProcedureSet) -> None:
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert ledger.issues == []
    assert len(ledger.events) == OPENED + 4
    assert sorted(s.stage for s in ledger.states.values()) == [2, 4]  # type: ignore[type-var]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("fecha_hora", "30/02/2026", "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)"),
    ("fecha_hora", "2026-02-30 10:00", "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)"),
    ("secuencia", "tres", "debe ser un número entero"),
    ("etapa", "quinta", "debe ser un número entero"),
    ("tipo", "borrado", "valor no permitido"),
    ("usuario", "", "no puede estar vacío"),
    ("datos", "{roto", "«datos» debe ser JSON válido"),
])
def test_a_bad_cell_is_reported_with_tab_row_column_and_reason(
    tabs: dict[str, RawTab], column: str, value: str, reason: str
) -> None:
    raw = request_events(tabs)
    set_cell(raw, 3, column, value)
    parsed = parse_tab(EVENTS, raw)
    [issue] = parsed.issues
    assert (issue.tab, issue.row, issue.column, issue.value) == ("eventos", 3, column, value)
    assert issue.reason.startswith(reason)
    assert [n for n, _ in parsed.records] == [2, 4, 5]
    assert issue.message().startswith(f"pestaña «eventos», fila 3, columna «{column}»")


def test_empty_rows_are_skipped_without_issue_and_later_rows_keep_their_numbers(
    tabs: dict[str, RawTab],
) -> None:
    raw = request_events(tabs)
    raw.rows[1:1] = [[], ["", "  ", ""]]  # sheet rows 3 and 4
    set_cell(raw, 6, "secuencia", "x")  # the original third event, now row 6
    parsed = parse_tab(EVENTS, raw)
    assert issue_keys(parsed.issues) == [("eventos", 6, "secuencia", "debe ser un número entero")]
    assert [n for n, _ in parsed.records] == [2, 5, 7]


def test_a_missing_optional_column_is_reported_on_the_header_and_rows_still_load(
    tabs: dict[str, RawTab],
) -> None:
    raw = request_events(tabs)
    drop_column(raw, "comentario")
    parsed = parse_tab(EVENTS, raw)
    assert issue_keys(parsed.issues) == [
        ("eventos", 1, "comentario", "falta esta columna en el encabezado")]
    assert loaded_rows(raw) == [2, 3, 4, 5]
    assert parsed.missing_columns == ["comentario"]


def test_a_missing_required_column_makes_every_row_fail_by_name(
    tabs: dict[str, RawTab],
) -> None:
    raw = request_events(tabs)
    drop_column(raw, "usuario")
    parsed = parse_tab(EVENTS, raw)
    assert issue_keys(parsed.issues) == [
        ("eventos", 1, "usuario", "falta esta columna en el encabezado"),
        *(("eventos", n, "usuario", "falta el valor") for n in (2, 3, 4, 5)),
    ]
    assert parsed.records == []


def test_an_extra_column_is_reported_on_the_header_and_its_cells_are_kept(
    tabs: dict[str, RawTab],
) -> None:
    raw = request_events(tabs)
    raw.header.append("observaciones")
    raw.rows[0].extend([""] * (len(raw.header) - 1 - len(raw.rows[0])) + ["revisado"])
    before = copy.deepcopy(raw)
    parsed = parse_tab(EVENTS, raw)
    assert [(i.tab, i.row, i.column) for i in parsed.issues] == [("eventos", 1, "observaciones")]
    assert "columna desconocida" in parsed.issues[0].reason
    assert parsed.extra_columns == ["observaciones"]
    assert loaded_rows(raw) == [2, 3, 4, 5]
    assert raw == before


def test_a_hand_damaged_tab_reports_every_problem_keeps_the_good_rows_and_removes_nothing(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    raw = tabs["eventos"]
    set_cell(raw, ev(3), "fecha_hora", "ayer")
    set_cell(raw, ev(5), "secuencia", "1b")
    raw.rows.insert(ev(3), ["", ""])  # a blank row; the damaged seq moves one row down
    raw.header.append("nota")
    drop_column(tabs["solicitudes"], "referencia")
    set_cell(tabs["solicitudes"], 2, "publicar_desde", "el quince")
    untouched = copy.deepcopy(tabs)

    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    found = {(i.tab, i.row, i.column): i.reason for i in ledger.issues}
    assert found[("eventos", ev(3), "fecha_hora")] == (
        "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)")
    assert found[("eventos", ev(6), "secuencia")] == "debe ser un número entero"
    assert "columna desconocida" in found[("eventos", 1, "nota")]
    assert found[("solicitudes", 1, "referencia")] == "falta esta columna en el encabezado"
    assert found[("solicitudes", 2, "publicar_desde")].startswith(
        "la celda no coincide con el registro, que dice")
    assert [n for n, _ in ledger.events][OPENED:] == [ev(2), ev(4)]
    assert list(ledger.requests) == ["SOL-2026-0001"]
    assert tabs == untouched


def test_a_stage_typed_over_a_signed_event_is_reported_and_not_obeyed(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    set_cell(tabs["eventos"], ev(3), "etapa", "42")
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert ("eventos", ev(3), "firma") in [(i.tab, i.row, i.column) for i in ledger.issues]
    assert ev(3) not in [n for n, _ in ledger.events]


def test_a_signed_event_at_a_stage_the_request_never_reached_is_reported_from_replay(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    apply_change(tabs, SCHEMA, Change().add(Event(
        event_id="fuera", subject="SOL-2026-0001", seq=4, stage=42, outcome="avanzar",
        actor="jefe.ugs", at=NOW)), TEST_SEALER)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert issue_keys(ledger.issues) == [(
        "eventos", ev(6), "accion",
        "evento ignorado (SOL-2026-0001): registra la etapa 42 pero la solicitud estaba en la 4")]
    assert ledger.state("SOL-2026-0001").stage == 4  # type: ignore[union-attr]


def test_events_of_an_unknown_request_are_reported(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    apply_change(tabs, SCHEMA, Change().add(Event(  # signed, as the app would write it
        event_id="perdido", subject="SOL-2026-0999", seq=2, outcome="avanzar", actor="directora",
        at=NOW)), TEST_SEALER)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert [(i.tab, i.row, i.column, i.value, i.reason) for i in ledger.issues] == [
        ("eventos", ev(6), "id_objeto", "SOL-2026-0999",
         "el evento se refiere a una solicitud inexistente")]
    assert "SOL-2026-0999" not in ledger.states


def test_a_repeated_request_id_keeps_the_first_row(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    raw = tabs["solicitudes"]
    copy_row = list(raw.rows[0])
    copy_row[raw.column_index()["titulo"]] = "Título cambiado a mano"
    raw.rows.append(copy_row)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert issue_keys(ledger.issues) == [
        ("solicitudes", 4, "id_solicitud", "identificador repetido: vale la primera fila")]
    assert ledger.requests["SOL-2026-0001"].title == "Publicación"


@pytest.mark.parametrize(("column", "typed"), [
    ("version", "7"), ("procedimiento", "1"), ("unidad", "DE"), ("creada_por", "directora"),
    ("protegida_por_norma", "sí"), ("publicar_hasta", "31/12/2030"),
])
def test_a_routing_cell_typed_over_is_reported_and_the_signed_route_holds(
    tabs: dict[str, RawTab], procedures: ProcedureSet, column: str, typed: str
) -> None:
    before = Snapshot(copy.deepcopy(tabs), SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    set_cell(tabs["solicitudes"], 3, column, typed)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    [issue] = ledger.issues
    assert (issue.tab, issue.row, issue.column, issue.value) == ("solicitudes", 3, column, typed)
    assert issue.reason.endswith("vale el registro")
    assert ledger.requests["SOL-2026-0002"] == before.requests["SOL-2026-0002"]
    assert ledger.state("SOL-2026-0002") == before.state("SOL-2026-0002")


def test_a_missing_tab_is_reported_on_its_first_row(procedures: ProcedureSet) -> None:
    parsed = parse_tab(EVENTS, None)
    assert issue_keys(parsed.issues) == [("eventos", 1, "", "falta la pestaña en el libro")]


# -- the incremental re-read after a write ---------------------------------------------------


class Recorder:
    """Passes through to a repository and keeps each change it commits."""

    def __init__(self, live: InMemoryRepository) -> None:
        self.live = live
        self.changes: list[Change] = []

    def snapshot(self) -> Snapshot:
        return self.live.snapshot()

    def commit(self, change: Change) -> Snapshot:
        self.changes.append(change)
        return self.live.commit(change)


def test_a_ledger_rebuilt_from_the_previous_one_equals_a_full_read(
    repo: InMemoryRepository, tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    before_snapshot = Snapshot(copy.deepcopy(tabs), SCHEMA, rules_for(procedures), TEST_SEALER)
    before = before_snapshot.ledger
    assert before.states and before.issues == []  # derive (and cache) the old view
    recorder = Recorder(repo)
    act(recorder, "directora", "SOL-2026-0002", "avanzar",  # type: ignore[arg-type]
        expected_seq=1, now=NOW)
    after_tabs = copy.deepcopy(tabs)
    touched = apply_change(after_tabs, SCHEMA, recorder.changes[-1], TEST_SEALER)
    bad = SCHEMA.events.cells(Event(event_id="x", subject="SOL-2026-0001", seq=9,
                                    outcome="avanzar", actor="a", at=NOW))
    bad["fecha_hora"] = "nunca"
    touched.rows.extend(apply_change(after_tabs, SCHEMA, RawChange().append_cells(
        "eventos", bad), TEST_SEALER).rows)

    next_snapshot = Snapshot(after_tabs, SCHEMA, rules_for(procedures), TEST_SEALER)
    next_snapshot.previous = (before_snapshot, touched)
    incremental = next_snapshot.ledger
    full = Snapshot(after_tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert incremental.states == full.states
    for spec in SCHEMA:
        assert incremental.records(spec.model) == full.records(spec.model), spec.name
    assert incremental.issues == full.issues
    assert issue_keys(full.issues) == [
        ("eventos", ev(7), "fecha_hora", "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)")]
    assert incremental.state("SOL-2026-0002").stage == 3  # type: ignore[union-attr]


def test_a_user_row_written_twice_keeps_the_first_row_and_reports_the_second(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    raw = tabs["usuarios"]
    at = raw.column_index()
    first = next(r for r in raw.rows if r[at["usuario"]] == "directora")
    second = list(first)
    second[at["roles"]] = "administrador_sistema"
    raw.rows.append(second)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert ledger.users["directora"].roles == (Role.DE,)
    assert [(i.tab, i.row, i.column) for i in ledger.issues] == [
        ("usuarios", len(raw.rows) + 1, "usuario")]


def test_a_password_hash_moved_to_another_row_opens_only_its_own_account(
    repo: InMemoryRepository, procedures: ProcedureSet
) -> None:
    """A sort between a reset's read and its write put editor's new hash on moderador's
    row: neither account opens with the other's password, and both rows are reported."""
    from core_helpers import log_in

    from core.domain.errors import AuthenticationFailed
    from core.services.administration import reset_password
    from sheets_schema.demo import DEMO_PASSWORD

    new = reset_password(repo, "admin", "editor", NOW)
    raw = repo.tabs["usuarios"]
    at = raw.column_index()
    rows = {r[at["usuario"]]: r for r in raw.rows}
    hashes = at["hash_contrasena"]
    rows["editor"][hashes], rows["moderador"][hashes] = \
        rows["moderador"][hashes], rows["editor"][hashes]
    moved = InMemoryRepository(repo.tabs, SCHEMA, rules_for(procedures), TEST_SEALER)
    assert log_in(moved, "editor", new).username == "editor"
    assert log_in(moved, "moderador", DEMO_PASSWORD).username == "moderador"
    for username, password in (("moderador", new), ("editor", DEMO_PASSWORD)):
        with pytest.raises(AuthenticationFailed):
            log_in(moved, username, password)
    reported = {i.row for i in moved.snapshot().ledger.issues
                if (i.tab, i.column) == ("usuarios", "hash_contrasena")}
    assert len(reported) == 2


@pytest.mark.parametrize(("column", "typed"), [
    ("publicar_hasta", "=HOY()+3"), ("publicar_desde", "05/02/2027"),
    ("creada_en", "ayer"), ("etapa", "#¡REF!"),
])
def test_a_bad_cell_marks_the_request_and_never_hides_it(
    tabs: dict[str, RawTab], procedures: ProcedureSet, calendar: WorkCalendar, column: str,
    typed: str,
) -> None:
    from core.services.dashboard import DashboardFilter, deadline_dashboard
    from core.services.requests import inbox

    before = Snapshot(copy.deepcopy(tabs), SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    set_cell(tabs["solicitudes"], 3, column, typed)  # SOL-2026-0002, waiting for the DE
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert [(i.row, i.column, i.value) for i in ledger.issues] == [(3, column, typed)]
    assert ledger.state("SOL-2026-0002") == before.state("SOL-2026-0002")
    waiting = [i.request.request_id for i in inbox(ledger, "directora", calendar, NOW.date())]
    assert "SOL-2026-0002" in waiting
    year = DashboardFilter(NOW.date() - timedelta(days=365), NOW.date())
    board = deadline_dashboard(ledger, "directora", calendar, NOW.date(), year)
    assert board.totals == deadline_dashboard(
        before, "directora", calendar, NOW.date(), year).totals
    assert board.totals.open == 2


@pytest.mark.parametrize(("username", "column", "typed"), [
    ("editor", "roles", "administrador_sistema"), ("jefe.nic", "unidad", "CGII"),
    ("ex.directora", "activo", "sí"), ("solicitante", "correo", "otro@ejemplo.com"),
])
def test_an_account_cell_typed_over_is_reported_and_the_signed_account_holds(
    tabs: dict[str, RawTab], procedures: ProcedureSet, username: str, column: str,
    typed: str,
) -> None:
    before = Snapshot(copy.deepcopy(tabs), SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    raw = tabs["usuarios"]
    row = next(i for i, r in enumerate(raw.rows) if r[raw.column_index()["usuario"]] == username)
    set_cell(raw, row + 2, column, typed)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert ledger.users[username] == before.users[username]
    [issue] = ledger.issues
    assert (issue.tab, issue.row, issue.column, issue.value) == ("usuarios", row + 2, column,
                                                                 typed)
    assert issue.reason.endswith("vale el registro")
