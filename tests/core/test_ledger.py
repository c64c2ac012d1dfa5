"""Reading the ledger (core.ledger): a tab damaged by hand is reported row by row (tab, sheet
row, column, Spanish reason) while its good rows still load, and nothing is removed from
the raw tab. Sheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from core_helpers import NOW
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab, Snapshot, apply_change, parse_tab
from core.domain.issues import RowIssue
from core.domain.models import Event
from core.domain.ports import Change
from core.domain.procedures import ProcedureSet
from core.services.requests import act, create_request
from sheets_schema import rules_for
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

EVENTS = TABS_BY_NAME["eventos"]
REQUESTS = TABS_BY_NAME["solicitudes"]


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
    assert len(ledger.events) == 4
    assert sorted(s.stage for s in ledger.states.values()) == [2, 4]  # type: ignore[type-var]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("fecha_hora", "30/02/2026", "no es una fecha y hora válida (use AAAA-MM-DD HH:MM)"),
    ("fecha_hora", "2026-02-30 10:00", "no es una fecha y hora válida (use AAAA-MM-DD HH:MM)"),
    ("secuencia", "tres", "debe ser un número entero"),
    ("etapa", "quinta", "debe ser un número entero"),
    ("tipo", "borrado", "valor no permitido"),
    ("usuario", "", "no puede estar vacío"),
    ("datos", "{roto", "«datos» debe ser JSON válido"),
])
def test_a_bad_cell_is_reported_with_tab_row_column_and_reason(
    tabs: dict[str, RawTab], column: str, value: str, reason: str
) -> None:
    raw = tabs["eventos"]
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
    raw = tabs["eventos"]
    raw.rows[1:1] = [[], ["", "  ", ""]]  # sheet rows 3 and 4
    set_cell(raw, 6, "secuencia", "x")  # the original third event, now row 6
    parsed = parse_tab(EVENTS, raw)
    assert issue_keys(parsed.issues) == [("eventos", 6, "secuencia", "debe ser un número entero")]
    assert [n for n, _ in parsed.records] == [2, 5, 7]


def test_a_missing_optional_column_is_reported_on_the_header_and_rows_still_load(
    tabs: dict[str, RawTab],
) -> None:
    raw = tabs["eventos"]
    drop_column(raw, "comentario")
    parsed = parse_tab(EVENTS, raw)
    assert issue_keys(parsed.issues) == [
        ("eventos", 1, "comentario", "falta esta columna en el encabezado")]
    assert loaded_rows(raw) == [2, 3, 4, 5]
    assert parsed.missing_columns == ["comentario"]


def test_a_missing_required_column_makes_every_row_fail_by_name(
    tabs: dict[str, RawTab],
) -> None:
    raw = tabs["eventos"]
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
    raw = tabs["eventos"]
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
    set_cell(raw, 3, "fecha_hora", "ayer")
    set_cell(raw, 5, "secuencia", "1b")
    raw.rows.insert(3, ["", ""])  # sheet row 5 is blank; the damaged seq moves to row 6
    raw.header.append("nota")
    drop_column(tabs["solicitudes"], "referencia")
    set_cell(tabs["solicitudes"], 3, "publicar_desde", "15/03/2026")
    untouched = copy.deepcopy(tabs)

    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    found = {(i.tab, i.row, i.column): i.reason for i in ledger.issues}
    assert found[("eventos", 3, "fecha_hora")] == (
        "no es una fecha y hora válida (use AAAA-MM-DD HH:MM)")
    assert found[("eventos", 6, "secuencia")] == "debe ser un número entero"
    assert "columna desconocida" in found[("eventos", 1, "nota")]
    assert found[("solicitudes", 1, "referencia")] == "falta esta columna en el encabezado"
    assert found[("solicitudes", 3, "publicar_desde")] == "no es una fecha válida (use AAAA-MM-DD)"
    assert [n for n, _ in ledger.events] == [2, 4]
    assert list(ledger.requests) == ["SOL-2026-0001"]
    assert tabs == untouched


def test_a_stage_the_request_never_reached_is_reported_from_replay(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    set_cell(tabs["eventos"], 3, "etapa", "42")
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert issue_keys(ledger.issues)[0] == (
        "eventos", 3, "accion",
        "evento ignorado (SOL-2026-0001): registra la etapa 42 pero la solicitud estaba en la 2")
    assert ledger.state("SOL-2026-0001").stage == 2  # type: ignore[union-attr]


def test_events_of_an_unknown_request_are_reported(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    raw = tabs["eventos"]
    stray = list(raw.rows[0])
    stray[raw.column_index()["id_objeto"]] = "SOL-2026-0999"
    raw.rows.append(stray)
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert [(i.tab, i.row, i.column, i.value, i.reason) for i in ledger.issues] == [
        ("eventos", 6, "id_objeto", "SOL-2026-0999",
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


def test_a_request_of_an_unknown_procedure_version_is_reported(
    tabs: dict[str, RawTab], procedures: ProcedureSet
) -> None:
    set_cell(tabs["solicitudes"], 3, "version", "7")
    ledger = Snapshot(tabs, SCHEMA, rules_for(procedures), TEST_SEALER).ledger
    assert [(i.row, i.column, i.value, i.reason) for i in ledger.issues] == [
        (3, "version", "3/7", "no existe esa versión del procedimiento")]
    assert ledger.state("SOL-2026-0002") is None


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
        ("eventos", 7, "fecha_hora", "no es una fecha y hora válida (use AAAA-MM-DD HH:MM)")]
    assert incremental.state("SOL-2026-0002").stage == 3  # type: ignore[union-attr]


def test_a_user_name_written_twice_keeps_the_first_row_and_reports_the_second():
    from sheets_schema import default_rules
    from sheets_schema.demo import empty_tabs

    tabs = empty_tabs()
    header = TABS_BY_NAME["usuarios"].headers
    first = {"usuario": "ana", "nombre": "Ana (primera)", "roles": "de",
             "creado_en": "2026-01-05 08:00"}
    second = {**first, "nombre": "Ana (copia)", "roles": "jefe_ugs"}
    tabs["usuarios"] = RawTab("usuarios", header, [[row.get(h, "") for h in header]
                                                   for row in (first, second)])
    ledger = Snapshot(tabs, SCHEMA, default_rules(), TEST_SEALER).ledger
    assert ledger.users["ana"].full_name == "Ana (primera)"
    assert [(i.tab, i.row, i.column) for i in ledger.issues if i.tab == "usuarios"] == [
        ("usuarios", 3, "usuario")]
