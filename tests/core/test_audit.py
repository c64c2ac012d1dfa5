"""The events' hash chain: every hand edit, deletion, insertion and move is found exactly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab, Snapshot, stored_tab
from core.domain import chain, tamper
from core.domain.errors import InvalidInput, NotAllowed
from core.domain.issues import RowIssue
from core.domain.ledger import StoredTab
from core.domain.models import RequestRow
from core.domain.roles import Role
from core.domain.tamper import Anchor, CellChange, FindingKind
from core.domain.validation import _REASONS
from core.services import audit
from sheets_schema import default_rules
from sheets_schema.demo import USERS
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME
from ui import caches

NOW = DEMO_NOW
HEADERS = TABS_BY_NAME["eventos"].headers
Rows = list[list[str]]



@pytest.fixture
def events(demo_tabs: dict[str, RawTab]) -> Rows:
    """The demo's event rows as text; ``rows[i]`` is sheet row ``i + 2``."""
    return copy.deepcopy(demo_tabs["eventos"].rows)


def col(name: str) -> int:
    return HEADERS.index(name)


def verify(rows: Rows, **options: object) -> tamper.AuditReport:
    return tamper.verify_chain(events_tab(rows), sealer=TEST_SEALER, **options)  # type: ignore[arg-type]


def events_tab(rows: Rows) -> StoredTab:
    return stored_tab(SCHEMA.events, RawTab("eventos", list(HEADERS), rows))


def check(monitor: tamper.ChainMonitor, tabs: dict[str, RawTab]) -> tamper.AuditReport:
    """What the running app's monitor says of these tabs."""
    return monitor.check(stored_tab(SCHEMA.events, tabs["eventos"]),
                         stored_tab(SCHEMA.of(RequestRow), tabs["solicitudes"]))


def cell(rows: Rows, sheet_row: int, column: str) -> str:
    return rows[sheet_row - 2][col(column)]


def set_cell(rows: Rows, sheet_row: int, column: str, value: str) -> None:
    rows[sheet_row - 2][col(column)] = value


def only(report: tamper.AuditReport) -> tamper.Finding:
    assert len(report.findings) == 1, [(f.kind, f.row) for f in report.findings]
    return report.findings[0]


def request_row(rows: Rows, request_id: str, seq: int) -> int:
    """The sheet row of a request's event with that sequence number."""
    return next(i + 2 for i, r in enumerate(rows) if len(r) > col("secuencia")
                and r[col("id_objeto")] == request_id and r[col("secuencia")] == str(seq))


# -- the check itself ----------------------------------------------------------------------


def test_an_untouched_chain_has_no_findings_and_names_its_head(events: Rows) -> None:
    report = verify(events)
    assert report.intact and report.findings == ()
    assert report.rows == len(events)
    assert report.head_hash == events[-1][col("hash")]
    assert report.head_row == len(events) + 1


@pytest.mark.parametrize("values", [
    ("a", "b", "c"), ("a", "", ""), ("", "", ""), ("Ñandú 🎉", "x|1:y", ""),
    ("=HYPERLINK(\"http://x\")", "línea\nnueva", "z" * 5000), (),
])
def test_the_fast_hash_is_exactly_the_chain_link(values: tuple[str, ...]) -> None:
    assert tamper.row_hash(chain.GENESIS, values) == chain.link(chain.GENESIS, values)
    assert tamper.row_hash("f" * 64, list(values)) == chain.link("f" * 64, list(values))


@pytest.mark.parametrize(("column", "tampered"), [
    ("usuario", "jefe.ugs"),
    ("accion", "rechazar"),
    ("secuencia", "7"),
    ("etapa_destino", "9"),
    ("rol", "comite"),
    ("comentario", "Aprobado sin observaciones."),
])
def test_an_edited_cell_is_reported_with_its_row_column_and_original_value(
        events: Rows, column: str, tampered: str) -> None:
    row = request_row(events, "SOL-2026-0003", 2)
    original = cell(events, row, column)
    set_cell(events, row, column, tampered)
    finding = only(verify(events))
    assert (finding.kind, finding.row, finding.certain) == (FindingKind.EDITED, row, True)
    assert finding.changes == (CellChange(column, original, tampered),)
    assert finding.columns == (column,)
    assert finding.event_id == cell(events, row, "id_evento")


def test_a_backdated_event_shows_its_real_date(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0004", 9)
    original = cell(events, row, "fecha_hora")
    backdated = "2026-10-01" + original[10:]
    set_cell(events, row, "fecha_hora", backdated)
    finding = only(verify(events))
    assert finding.changes == (CellChange("fecha_hora", original, backdated),)


def test_an_edited_hash_cell_is_reported_and_the_content_declared_intact(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0002", 3)
    original = cell(events, row, "hash")
    set_cell(events, row, "hash", "0" * 63 + "1")
    finding = only(verify(events))
    assert (finding.kind, finding.row) == (FindingKind.EDITED, row)
    assert finding.changes == (CellChange("hash", original, "0" * 63 + "1"),)


def test_an_edit_the_chain_cannot_explain_is_reported_as_such_with_hints(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0003", 5)  # the return, with the reviewer's comment
    set_cell(events, row, "comentario", "Todo correcto.")
    set_cell(events, row, "secuencia", "8")
    finding = only(verify(events))
    assert finding.kind is FindingKind.EDITED_OR_DELETED
    assert (finding.row, finding.previous_row, finding.certain) == (row, row - 1, False)
    assert finding.changes == ()
    assert "secuencia" in finding.columns  # 8 does not follow the request's 4
    assert "no dice cuál ni qué celda" in finding.detail


def test_a_deleted_row_is_reported_between_its_neighbours(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0003", 2)
    del events[row - 2]
    finding = only(verify(events))
    assert (finding.kind, finding.row, finding.previous_row) == (FindingKind.DELETED, row,
                                                                 row - 1)
    assert finding.certain and finding.columns == ()
    assert finding.evidence == (f"A la solicitud SOL-2026-0003 le falta el evento con "
                                f"secuencia 2, que estaba entre las filas {row - 1} y {row}.",)


def test_several_deleted_rows_are_one_finding_naming_every_missing_number(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0004", 3)
    del events[row - 2:row + 1]  # sequence numbers 3, 4 and 5
    finding = only(verify(events))
    assert (finding.kind, finding.row, finding.previous_row) == (FindingKind.DELETED, row,
                                                                 row - 1)
    assert "secuencia 3 a 5" in finding.evidence[0]


def test_a_deletion_without_other_evidence_is_not_passed_off_as_certain(events: Rows) -> None:
    row = next(i + 2 for i, r in enumerate(events) if r[col("tipo")] == "publicacion_directa")
    del events[row - 2]
    finding = only(verify(events))
    assert (finding.kind, finding.row, finding.certain) == (
        FindingKind.EDITED_OR_DELETED, row, False)


def test_an_inserted_row_without_hash_is_reported_at_its_row(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0003", 3)
    forged = list(events[row - 2])
    forged[col("id_evento")] = "evt-a-mano"
    forged[col("hash")] = ""
    events.insert(row - 2, forged)
    finding = only(verify(events))
    assert (finding.kind, finding.row, finding.certain) == (FindingKind.INSERTED, row, True)
    assert finding.event_id == "evt-a-mano"


def test_an_inserted_row_with_a_correctly_computed_hash_is_still_found(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0002", 4)
    forged = list(events[row - 3])
    forged[col("comentario")] = "Aprobado por teléfono."
    values = [v for h, v in zip(HEADERS, forged, strict=True) if h != "hash"]
    forged[col("hash")] = chain.link(events[row - 3][col("hash")], values)
    events.insert(row - 2, forged)
    finding = only(verify(events))
    assert (finding.kind, finding.row) == (FindingKind.INSERTED, row)


def test_a_copied_row_is_reported_as_an_insertion_naming_the_original(events: Rows) -> None:
    source = request_row(events, "SOL-2026-0002", 2)
    events.insert(10, list(events[source - 2]))
    finding = only(verify(events))
    assert (finding.kind, finding.row) == (FindingKind.INSERTED, 12)
    original = source + 1 if source >= 12 else source  # the copy pushed it down a row
    assert f"copia de la fila {original}" in finding.detail


def test_swapped_rows_are_both_reported_as_moved(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0004", 4)
    events[row - 2], events[row - 1] = events[row - 1], events[row - 2]
    report = verify(events)
    assert [(f.kind, f.row) for f in report.findings] == [(FindingKind.MOVED, row),
                                                         (FindingKind.MOVED, row + 1)]


def test_rows_deleted_from_the_end_are_found_only_against_a_remembered_head(
        events: Rows) -> None:
    before = verify(events)
    anchor = Anchor(before.head_hash, before.rows, "la aplicación lo leyó antes")
    del events[-2:]
    assert verify(events).intact  # the chain alone cannot see it
    finding = only(verify(events, anchors=[anchor]))
    assert (finding.kind, finding.row) == (FindingKind.TRUNCATED, len(events) + 2)


def test_a_missing_column_is_one_finding_instead_of_every_row(events: Rows) -> None:
    header = [h for h in HEADERS if h != "comentario"]
    rows = [[v for h, v in zip(HEADERS, r, strict=True) if h != "comentario"] for r in events]
    stored = stored_tab(SCHEMA.events, RawTab("eventos", header, rows))
    finding = only(tamper.verify_chain(sealer=TEST_SEALER, events=stored))
    assert finding.kind is FindingKind.HEADER and "«comentario»" in finding.detail
    no_tab = Snapshot({}, SCHEMA, default_rules(), TEST_SEALER).ledger
    assert only(audit.report(no_tab)).kind is FindingKind.HEADER


def test_blank_rows_are_ignored_and_findings_keep_sheet_row_numbers(events: Rows) -> None:
    events.insert(5, [])
    events.insert(5, ["", "  "])
    row = request_row(events, "SOL-2026-0003", 2)
    set_cell(events, row, "usuario", "otra.persona")
    finding = only(verify(events))
    assert finding.row == row
    assert verify(events).rows == len(events) - 2


def test_columns_in_another_order_verify_the_same(events: Rows) -> None:
    header = list(reversed(HEADERS))
    rows = [list(reversed(r)) for r in events]
    assert tamper.verify_chain(stored_tab(SCHEMA.events, RawTab("eventos", header, rows)),
                               sealer=TEST_SEALER).intact


def test_a_finding_keeps_its_key_and_a_new_tampering_gets_a_new_one(events: Rows) -> None:
    row = request_row(events, "SOL-2026-0003", 2)
    set_cell(events, row, "usuario", "otra.persona")
    first = only(verify(events)).key
    assert only(verify(copy.deepcopy(events))).key == first
    set_cell(events, row, "usuario", "una.tercera")
    assert only(verify(events)).key != first


# -- acknowledging ---------------------------------------------------------------------------


def repo_with(demo_tabs: dict[str, RawTab], edit: Callable[[Rows], None]) -> InMemoryRepository:
    tabs = copy.deepcopy(demo_tabs)
    edit(tabs["eventos"].rows)
    return InMemoryRepository(tabs, SCHEMA, default_rules(), TEST_SEALER)


def report_of(repo: InMemoryRepository) -> tamper.AuditReport:
    return audit.report(repo.snapshot().ledger)


def change_user(sheet_row: int, value: str) -> Callable[[Rows], None]:
    return lambda rows: set_cell(rows, sheet_row, "usuario", value)


def test_an_acknowledgement_is_an_audited_event_that_clears_the_banner(
        demo_tabs: dict[str, RawTab]) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    report = report_of(repo)
    assert audit.banner_text(report) is not None and "fila 8" in audit.banner_text(report)
    count = audit.acknowledge(repo, "directora", "Revisado con la UGS: error de tipeo.",
                              [f.key for f in report.pending], NOW)
    assert count == 1
    after = report_of(repo)
    assert after.pending == () and audit.banner_text(after) is None
    assert [(f.kind, f.row) for f in after.findings] == [(FindingKind.EDITED, 8)]
    ack = after.acknowledgements[-1]
    assert (ack.actor, ack.role, ack.comment) == ("directora", "de",
                                                  "Revisado con la UGS: error de tipeo.")
    assert (ack.head_hash, ack.rows) == (report.head_hash, report.rows)
    last = repo.snapshot().ledger.events[-1][1]
    assert (last.kind.value, last.outcome, last.subject) == ("sistema", "acuse_auditoria",
                                                             "auditoria")
    assert json.loads(last.data)["hallazgos"] == [report.findings[0].key]


def test_a_later_tampering_raises_a_new_banner(demo_tabs: dict[str, RawTab]) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    audit.acknowledge(repo, "jefe.ugs", "Visto.", [f.key for f in report_of(repo).pending],
                      NOW)
    tabs = copy.deepcopy(dict(repo.snapshot().tabs))
    set_cell(tabs["eventos"].rows, 15, "accion", "rechazar")
    again = InMemoryRepository(tabs, SCHEMA, default_rules(), TEST_SEALER)
    report = report_of(again)
    assert [(f.row, f.kind) for f in report.pending] == [(15, FindingKind.EDITED)]
    assert "fila 15" in (audit.banner_text(report) or "")


def test_a_tampered_acknowledgement_acknowledges_nothing(demo_tabs: dict[str, RawTab]) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    audit.acknowledge(repo, "directora", "Visto.", [f.key for f in report_of(repo).pending],
                      NOW)
    tabs = copy.deepcopy(dict(repo.snapshot().tabs))
    ack_row = len(tabs["eventos"].rows) + 1
    set_cell(tabs["eventos"].rows, ack_row, "comentario", "Nada que revisar.")
    report = report_of(InMemoryRepository(tabs, SCHEMA, default_rules(), TEST_SEALER))
    assert sorted(f.row for f in report.pending) == [8, ack_row]


ACKNOWLEDGERS = {Role.DE, Role.UGS_HEAD}


@pytest.mark.parametrize("username", [u for u, _, roles, _ in USERS
                                      if not ACKNOWLEDGERS & set(roles)])
def test_only_de_or_the_ugs_head_may_acknowledge(demo_tabs: dict[str, RawTab],
                                                  username: str) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    with pytest.raises(NotAllowed):
        audit.acknowledge(repo, username, "Visto.", [f.key for f in report_of(repo).pending],
                          NOW)
    assert repo.commits == 0


def test_an_acknowledgement_needs_a_comment_and_something_pending(
        demo_tabs: dict[str, RawTab]) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    keys = [f.key for f in report_of(repo).pending]
    with pytest.raises(InvalidInput, match="Comentario"):
        audit.acknowledge(repo, "directora", "   ", keys, NOW)
    with pytest.raises(InvalidInput, match="pendientes"):
        audit.acknowledge(repo, "directora", "Visto.", ["no-existe"], NOW)
    assert repo.commits == 0


def test_the_acknowledgement_is_refused_if_someone_acknowledged_first(
        demo_tabs: dict[str, RawTab]) -> None:
    repo = repo_with(demo_tabs, change_user(8, "otra.persona"))
    keys = [f.key for f in report_of(repo).pending]
    stale = repo.snapshot()

    class Racing(InMemoryRepository):
        def snapshot(self):  # type: ignore[no-untyped-def]
            return stale  # the page was read before the other acknowledgement

    audit.acknowledge(repo, "jefe.ugs", "Visto primero.", keys, NOW)
    racing = Racing({}, SCHEMA, default_rules(), TEST_SEALER)
    racing._tabs, racing._snapshot = repo._tabs, repo.snapshot()  # the fresh content
    with pytest.raises(InvalidInput, match="Otra persona"):
        audit.acknowledge(racing, "directora", "Visto después.", keys, NOW)


# -- the running app's monitor -------------------------------------------------------------


def test_the_monitor_hashes_a_snapshot_once_and_then_only_appended_rows(
        demo_tabs: dict[str, RawTab]) -> None:
    repo = InMemoryRepository(demo_tabs, SCHEMA, default_rules(), TEST_SEALER)
    monitor = tamper.ChainMonitor(TEST_SEALER)
    first = audit.check(monitor, repo.snapshot().ledger)
    assert audit.check(monitor, repo.snapshot().ledger) is first
    audit_event = {"id_evento": "e1", "tipo": "sistema", "id_objeto": "x", "secuencia": "1",
                   "accion": "prueba", "usuario": "admin", "fecha_hora": "2026-11-30 10:00:00"}
    repo.commit(RawChange().append_cells("eventos", audit_event))
    extended = audit.check(monitor, repo.snapshot().ledger)
    full = tamper.verify_chain(events_tab(repo.snapshot().tabs["eventos"].rows),
                               sealer=TEST_SEALER)
    assert (extended.rows, extended.head_hash, extended.intact) == (full.rows, full.head_hash,
                                                                   True)
    assert extended.rows == first.rows + 1


def test_the_monitor_notices_rows_deleted_from_the_end(demo_tabs: dict[str, RawTab]) -> None:
    monitor = tamper.ChainMonitor(TEST_SEALER)
    assert check(monitor, demo_tabs).intact
    tabs = copy.deepcopy(demo_tabs)
    del tabs["eventos"].rows[-3:]
    finding = only(check(monitor, tabs))
    assert finding.kind is FindingKind.TRUNCATED
    repo = InMemoryRepository(demo_tabs, SCHEMA, default_rules(), TEST_SEALER)
    assert caches.monitor(repo) is caches.monitor(repo)


# -- data health hints ---------------------------------------------------------------------


def test_every_validation_reason_has_its_own_fixing_hint() -> None:
    fallback = audit.repair_hint(RowIssue("x", 2, "c", "v", "algo inesperado"))
    for reason in _REASONS.values():
        hint = audit.repair_hint(RowIssue("solicitudes", 5, "creada_en", "ayer", reason))
        assert hint != fallback, reason


@pytest.mark.parametrize(("issue", "expected"), [
    (RowIssue("publicaciones_directas", 1, "canal", "", "falta esta columna en el encabezado"),
     "Restaure el encabezado «canal» en la fila 1 de «publicaciones_directas»"),
    (RowIssue("dias_no_laborables", 4, "fecha", "31/11", "no es una fecha válida "
              "(use AAAA-MM-DD)"), "DD/MM/AAAA, por ejemplo"),
    (RowIssue("eventos", 9, "fecha_hora", "ayer", "no es una fecha y hora válida "
              "(use AAAA-MM-DD HH:MM)"), "DD/MM/AAAA HH:MM"),
    (RowIssue("usuarios", 3, "activo", "quizá", "use «sí» o «no»"), "«sí» o «no»"),
    (RowIssue("usuarios", 3, "roles", "jefa", "rol desconocido «jefa»"), "Permisos"),
])
def test_a_hint_says_how_to_fix_the_row(issue: RowIssue, expected: str) -> None:
    assert expected in audit.repair_hint(issue)


def test_a_value_missing_because_its_header_is_gone_is_fixed_by_the_header() -> None:
    issue = RowIssue("publicaciones_directas", 7, "canal", "", "falta el valor")
    assert "restaurar el encabezado «canal» en la fila 1" in audit.repair_hint(issue, ["canal"])
    assert audit.repair_hint(issue) == "Escriba un valor en «canal»: es obligatorio."


def test_a_truncation_the_app_noticed_can_be_acknowledged(demo_tabs: dict[str, RawTab]) -> None:
    monitor = tamper.ChainMonitor(TEST_SEALER)
    assert check(monitor, demo_tabs).intact
    tabs = copy.deepcopy(demo_tabs)
    del tabs["eventos"].rows[-2:]
    cut = InMemoryRepository(tabs, SCHEMA, default_rules(), TEST_SEALER)
    report = audit.check(monitor, cut.snapshot().ledger)
    assert [f.kind for f in report.pending] == [FindingKind.TRUNCATED]
    audit.acknowledge(cut, "directora", "Se restauró una copia de ayer.",
                      [f.key for f in report.pending], NOW, anchors=monitor.anchors())
    after = audit.check(monitor, cut.snapshot().ledger)
    assert after.pending == () and audit.banner_text(after) is None
