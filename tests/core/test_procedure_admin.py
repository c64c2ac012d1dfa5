"""Procedure administration (core.procedure_admin) and procedures read from the ledger tab
«procedimientos»: drafts are validated as a whole and refused with the reason, publication
is one write, requests in flight keep their version, nobody approves their own request
where the table says so, and a broken or empty tab falls back to the shipped procedures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from core_helpers import NOW, count_rows
from support.accounts import change_account
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, Snapshot
from core.domain.errors import ConcurrentChange, InvalidDefinition, InvalidInput, NotAllowed
from core.domain.models import EventKind, ProcedureStatus, Status
from core.domain.ports import Change
from core.domain.procedures import OutcomeKind, load_procedures
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.services import administration as admin
from core.services import procedure_versions as procedure_admin
from core.services.requests import act, create_request, inbox
from sheets_schema import procedure_rows

PROCEDURES_TAB = "procedimientos"

# -- helpers ---------------------------------------------------------------------------------


def form(procedure: int, **changes: object) -> dict[str, object]:
    return {"procedure": procedure, "title": "Publicación", "objective": "Objetivo.",
            "summary": "Resumen.", "unit": "NIC" if procedure != 1 else "CGII",
            "publish_from": NOW.date(), "publish_to": NOW.date() + timedelta(days=60),
            "schedule": {4: NOW.date() + timedelta(days=5)} if procedure == 2 else {}
            } | changes


def step(repo: InMemoryRepository, username: str, request_id: str, outcome: str = "avanzar",
         comment: str = "") -> None:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    schedule: dict[int, date] | None = None
    if state.stage_row is not None and state.stage_row.records_schedule:
        schedule = {n: NOW.date() + timedelta(days=10 + n)
                    for n in state.procedure.scheduled_stages()}
    act(repo, username, request_id, outcome, comment=comment, expected_seq=state.seq, now=NOW,
        schedule=schedule)


def tab_rows(repo: InMemoryRepository) -> list[dict[str, str]]:
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    return [dict(zip(raw.header, cells + [""] * (len(raw.header) - len(cells)), strict=True))
            for cells in raw.rows]


def draft_rows(repo: InMemoryRepository, number: int) -> list[dict[str, str]]:
    draft = procedure_admin.draft_of(repo.snapshot().ledger, number)
    assert draft is not None
    return draft.table()


def edit(rows: list[dict[str, str]], stage: int, **cells: str) -> list[dict[str, str]]:
    next(r for r in rows if r["etapa"] == str(stage)).update(cells)
    return rows


def published_versions(repo: InMemoryRepository, number: int) -> list[int]:
    return sorted(v for n, v in repo.snapshot().ledger.procedures.procedures if n == number)


# -- procedures come from the ledger tab ----------------------------------------------------


def test_a_new_ledger_holds_the_shipped_procedures_in_its_tab_all_published(
        repo: InMemoryRepository) -> None:
    rows = tab_rows(repo)
    assert len(rows) == 24 and {r["estado"] for r in rows} == {"publicado"}
    ledger = repo.snapshot().ledger
    assert ledger.issues == []
    assert [ledger.procedures.current(n).last_stage for n in (1, 2, 3)] == [8, 7, 9]


@pytest.mark.parametrize(("column", "typed"), [("plazo", "2"), ("responsable", "editor")])
def test_a_hand_edit_of_a_published_row_is_reported_and_not_obeyed(
        repo: InMemoryRepository, column: str, typed: str) -> None:
    """Who acts at a stage, and in how long, never follows a typed cell of the tab."""
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    row = next(i for i, cells in enumerate(raw.rows) if cells[0] == "3" and cells[3] == "5")
    repo.commit(RawChange().update_row(PROCEDURES_TAB, row + 2, raw.rows[row],
                                       {column: typed}))
    ledger = repo.snapshot().ledger
    stage = ledger.procedures.current(3).stage(5)
    assert (stage.deadline.days, stage.roles) == (1, (Role.REQUESTER, Role.UNIT_HEAD))
    [issue] = [i for i in ledger.issues if i.tab == PROCEDURES_TAB and i.column == "version"]
    assert (issue.row, issue.value) == (row + 2 - 4, "1")  # the version's first row
    assert issue.reason.startswith("la versión publicada en la pestaña no es la que registró")


def test_a_published_version_edited_by_hand_stops_its_requests_until_restored(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    procedure_admin.submit_draft(repo, "jefe.ugs", 3, NOW, description="Revisión")
    procedure_admin.approve_draft(repo, "directora", 3, NOW, resolution="RA 1")
    request_id = create_request(repo, "solicitante", form(3), NOW)
    assert repo.snapshot().ledger.requests[request_id].version == 2
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    at = raw.column_index()
    row = next(i for i, cells in enumerate(raw.rows)
               if cells[at["procedimiento"]] == "3" and cells[at["version"]] == "2"
               and cells[at["etapa"]] == "2")
    original = list(raw.rows[row])
    repo.commit(RawChange().update_row(PROCEDURES_TAB, row + 2, original,
                                       {"responsable": "solicitante"}))
    before = count_rows(repo)
    assert repo.snapshot().ledger.state(request_id) is None
    with pytest.raises(InvalidInput, match="versión 2 del procedimiento 3, que no está"):
        act(repo, "solicitante", request_id, "avanzar", expected_seq=1, now=NOW)
    assert count_rows(repo) == before
    edited = repo.snapshot().tabs[PROCEDURES_TAB].rows[row]
    repo.commit(RawChange().update_row(PROCEDURES_TAB, row + 2, edited,
                                       {"responsable": original[at["responsable"]]}))
    step(repo, "directora", request_id)  # restored from the sheet's history: it applies
    assert repo.snapshot().ledger.state(request_id).stage == 3  # type: ignore[union-attr]


def test_an_empty_tab_falls_back_to_the_shipped_procedures_and_says_so(
        repo: InMemoryRepository) -> None:
    emptied = {n: r for n, r in repo.snapshot().tabs.items()}
    emptied[PROCEDURES_TAB] = type(emptied[PROCEDURES_TAB])(
        PROCEDURES_TAB, emptied[PROCEDURES_TAB].header, [])
    ledger = InMemoryRepository(emptied, repo.snapshot().schema,
                                repo.snapshot().rules, TEST_SEALER).snapshot().ledger
    assert ledger.procedures.numbers() == [1, 2, 3]
    [issue] = [i for i in ledger.issues if i.tab == PROCEDURES_TAB]
    assert (issue.row, issue.reason) == (1, "la pestaña no tiene ninguna versión publicada: "
                                            "rigen los procedimientos del manual incluidos "
                                            "en la aplicación")
    assert procedure_admin.tab_is_empty(ledger)


def test_a_broken_published_version_is_reported_and_the_others_still_apply(
        repo: InMemoryRepository) -> None:
    request_id = create_request(repo, "solicitante", form(3), NOW)
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    index = next(i for i, cells in enumerate(raw.rows) if cells[0] == "3" and cells[3] == "5")
    repo.commit(RawChange().update_row(PROCEDURES_TAB, index + 2, raw.rows[index],
                                    {"salidas": "avanzar; devolver:9"}))
    ledger = repo.snapshot().ledger
    found = {(i.row, i.column) for i in ledger.issues if i.tab == PROCEDURES_TAB}
    assert (index + 2, "salidas") in found
    assert (1, "procedimiento") in found  # procedure 3 falls back to the shipped one
    assert ledger.procedures.current(3).stage(5).outcomes[1].target == 4
    assert ledger.state(request_id) is not None  # the request still replays
    step(repo, "directora", request_id)


def test_an_older_table_without_the_self_approval_column_loads_allowing_it() -> None:
    rows = [{k: v for k, v in r.items() if k not in ("permite_autoaprobacion", "estado")}
            for r in procedure_rows()]
    procedures = load_procedures(rows)
    assert all(s.allows_self_approval for n in (1, 2, 3)
               for s in procedures.current(n).stages)


# -- nobody approves their own request -------------------------------------------------------


def test_the_shipped_table_reserves_the_approvals_for_someone_other_than_the_requester(
        repo: InMemoryRepository) -> None:
    procedures = repo.snapshot().ledger.procedures
    reserved = {(n, s.number) for n in (1, 2, 3) for s in procedures.current(n).stages
                if not s.allows_self_approval}
    assert reserved == {(1, 4), (1, 5), (2, 2), (2, 3), (2, 5), (2, 6), (3, 2)}


def test_a_professional_who_is_also_ugs_head_does_not_approve_their_own_proposal(
        repo: InMemoryRepository) -> None:
    admin.set_roles(repo, "directora", "profesional", (Role.UGS_HEAD, Role.PROFESSIONAL), NOW)
    request_id = create_request(repo, "profesional", form(2), NOW)
    ledger = repo.snapshot().ledger
    calendar = WorkCalendar.for_bolivia(years=range(2026, 2027))
    assert request_id not in {i.request.request_id
                              for i in inbox(ledger, "profesional", calendar, NOW.date())}
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="Nadie aprueba su propia solicitud") as refused:
        step(repo, "profesional", request_id)
    assert "12.2 etapa 2" in refused.value.message
    assert count_rows(repo) == before
    step(repo, "jefe.ugs", request_id)  # the other UGS head may
    assert repo.snapshot().ledger.state(request_id).stage == 3  # type: ignore[union-attr]


def test_a_director_on_the_committee_does_not_approve_her_own_promotion(
        repo: InMemoryRepository) -> None:
    admin.set_roles(repo, "directora", "jefe.uaf", (Role.COMMITTEE, Role.UNIT_HEAD), NOW)
    change_account(repo, "directora", NOW, roles=(Role.DE, Role.COMMITTEE))
    request_id = create_request(repo, "directora", form(1, protected=True), NOW)
    for username in ("jefe.ugs", "profesional", "jefe.ugs"):
        step(repo, username, request_id)
    with pytest.raises(NotAllowed, match="Nadie aprueba su propia solicitud"):
        step(repo, "directora", request_id)
    step(repo, "comite", request_id)
    assert repo.snapshot().ledger.state(request_id).stage == 6  # type: ignore[union-attr]


def test_the_requesting_unit_head_verifies_what_is_made_for_their_own_request(
        repo: InMemoryRepository) -> None:
    """12.3 etapa 5 belongs to the requesting unit itself: not an approval by another."""
    request_id = create_request(repo, "jefe.nic", form(3), NOW)
    for username in ("directora", "jefe.ugs", "profesional", "jefe.nic"):
        step(repo, username, request_id)
    assert repo.snapshot().ledger.state(request_id).stage == 6  # type: ignore[union-attr]


# -- drafts ----------------------------------------------------------------------------------


def test_the_ugs_head_drafts_the_next_version_from_the_current_one(
        repo: InMemoryRepository) -> None:
    assert procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW) == 2
    draft = procedure_admin.draft_of(repo.snapshot().ledger, 3)
    assert draft is not None and draft.version == 2 and len(draft.rows) == 9
    assert {r.status for _, r in draft.rows} == {ProcedureStatus.DRAFT}
    assert published_versions(repo, 3) == [1]  # a draft applies to nobody
    assert procedure_admin.procedure_events(repo.snapshot().ledger, 3)[0].outcome == \
        "crear_borrador"
    with pytest.raises(Exception, match="Ya hay un borrador"):
        procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)


BROKEN: dict[str, tuple[Callable[[list[dict[str, str]]], list[dict[str, str]]], str]] = {
    "unreachable stage": (
        lambda rows: edit(rows, 2, salidas="avanzar:4; rechazar"),
        "columna «etapa»: procedimiento 3 versión 2: la etapa 3 no se alcanza desde la etapa 1"),
    "dead end": (
        lambda rows: edit(rows, 5, salidas="devolver:4"),
        "columna «salidas»: procedimiento 3 versión 2: toda etapa necesita «avanzar» para "
        "seguir adelante: sin ella es un callejón sin salida"),
    "unknown role": (
        lambda rows: edit(rows, 3, responsable="jefa_ugs"),
        "columna «responsable»: rol desconocido «jefa_ugs»."),
    "deadline in words": (
        lambda rows: edit(rows, 3, plazo="pronto"),
        "columna «plazo»: plazo no reconocido"),
    "schedule deadline before the schedule is set": (
        lambda rows: edit(rows, 3, plazo="cronograma"),
        "la etapa 4, que es la que fija el cronograma"),
    "forward jump backwards": (
        lambda rows: edit(rows, 6, salidas="avanzar:2"),
        "«avanzar:2» debe ir a una etapa posterior que exista (de la 7 a la 9)"),
    "moderator publishes": (
        lambda rows: edit(rows, 9, responsable="moderador"),
        "columna «responsable»: la última etapa publica y «Moderador de RRSS» no tiene el "
        "permiso «publicar»"),
    "a gap in the stages": (
        lambda rows: [r for r in rows if r["etapa"] != "7"],
        "se esperaba la etapa 7 y hay la 8"),
}


@pytest.mark.parametrize(("breaking", "reason"), BROKEN.values(), ids=BROKEN)
def test_a_broken_draft_is_refused_with_the_reason_and_nothing_is_published(
        repo: InMemoryRepository,
        breaking: Callable[[list[dict[str, str]]], list[dict[str, str]]], reason: str) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    verdict = procedure_admin.save_draft(repo, "jefe.ugs", 3,
                                         breaking(draft_rows(repo, 3)), NOW)
    [error] = verdict.errors
    assert not verdict.ok and error.startswith("Fila ") and reason in error, error
    before = tab_rows(repo)
    with pytest.raises(InvalidDefinition) as refused:
        procedure_admin.submit_draft(repo, "jefe.ugs", 3, NOW, description="Cambio")
    assert refused.value.message.startswith("No se envió: ")
    assert reason in refused.value.message
    assert tab_rows(repo) == before
    assert published_versions(repo, 3) == [1]


def test_a_draft_for_a_role_nobody_holds_is_valid_but_warned(
        repo: InMemoryRepository) -> None:
    admin.deactivate_user(repo, "admin", "disenio", NOW)
    procedure_admin.start_draft(repo, "jefe.ugs", 2, NOW)
    verdict = procedure_admin.save_draft(
        repo, "jefe.ugs", 2, edit(draft_rows(repo, 2), 4, responsable="diseno"), NOW)
    assert verdict.ok
    assert verdict.warnings == ("Etapa 4: ninguna cuenta activa tiene el rol «Equipo de "
                                "diseño»; nadie podría actuar en ella.",)


def publish(repo: InMemoryRepository, number: int,
            description: str = "Revisión 02 del manual") -> int:
    """The UGS sends the draft, the DE approves it (manual, 8 and the Cuadro de revisión)."""
    procedure_admin.submit_draft(repo, "jefe.ugs", number, NOW, description=description)
    return procedure_admin.approve_draft(repo, "directora", number, NOW,
                                         resolution="RA ADSIB N° 045/2026")


def test_the_de_approving_turns_every_draft_row_published_in_one_audited_write(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    procedure_admin.save_draft(repo, "jefe.ugs", 3, edit(draft_rows(repo, 3), 5, plazo="2"),
                               NOW)
    procedure_admin.submit_draft(repo, "jefe.ugs", 3, NOW,
                                 description="Dos días para la verificación de la unidad")
    assert published_versions(repo, 3) == [1], "sending publishes nothing"
    commits = repo.commits
    assert procedure_admin.approve_draft(repo, "directora", 3, NOW,
                                         resolution="RA ADSIB N° 045/2026",
                                         comment="Aprobado") == 2
    assert repo.commits == commits + 1
    rows = [r for r in tab_rows(repo) if r["procedimiento"] == "3" and r["version"] == "2"]
    assert len(rows) == 9 and {r["estado"] for r in rows} == {"publicado"}
    event = procedure_admin.procedure_events(repo.snapshot().ledger, 3)[0]
    assert (event.kind, event.subject, event.outcome, event.actor, event.comment) == (
        EventKind.SYSTEM, "procedimiento:3", "publicar_version", "directora", "Aprobado")
    assert event.payload() == {
        "version": 2, "version_anterior": 1, "etapas": 9,
        "descripcion": "Dos días para la verificación de la unidad",
        "revisado_por": "Rosa Condori", "aprobado_por": "Ana Mamani",
        "resolucion": "RA ADSIB N° 045/2026", "fecha_revision": NOW.date().isoformat(),
        "huella": repo.snapshot().ledger.procedures.get(3, 2).fingerprint()}  # type: ignore[union-attr]
    assert procedure_admin.draft_of(repo.snapshot().ledger, 3) is None
    cuadro = procedure_admin.revision_table(repo.snapshot().ledger)
    assert cuadro[0].description == "Elaboración del manual de procedimientos"
    assert (cuadro[-1].version, cuadro[-1].description, cuadro[-1].reviewed_by,
            cuadro[-1].approved_by, cuadro[-1].resolution) == (
        "Procedimiento 3 · versión 2", "Dos días para la verificación de la unidad",
        "Rosa Condori", "Ana Mamani", "RA ADSIB N° 045/2026")


def test_the_ugs_head_cannot_publish_alone_and_the_de_approves_only_what_was_sent(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 2, NOW)
    with pytest.raises(NotAllowed, match="Dirección Ejecutiva"):
        procedure_admin.approve_draft(repo, "jefe.ugs", 2, NOW, resolution="RA 1")
    with pytest.raises(InvalidInput, match="no tiene una versión enviada"):
        procedure_admin.approve_draft(repo, "directora", 2, NOW, resolution="RA 1")
    with pytest.raises(InvalidInput, match="Descripción del cambio"):
        procedure_admin.submit_draft(repo, "jefe.ugs", 2, NOW, description=" ")
    procedure_admin.submit_draft(repo, "jefe.ugs", 2, NOW, description="Cambio de plazos")
    # Edited after it was sent: the DE would approve something else; it must be sent again.
    procedure_admin.save_draft(repo, "jefe.ugs", 2, edit(draft_rows(repo, 2), 3, plazo="2"),
                               NOW)
    assert procedure_admin.pending_submission(repo.snapshot().ledger, 2) is None
    with pytest.raises(InvalidInput, match="cambió después de enviarse"):
        procedure_admin.approve_draft(repo, "directora", 2, NOW, resolution="RA 1")
    with pytest.raises(InvalidInput, match="Resolución administrativa"):
        procedure_admin.approve_draft(repo, "directora", 2, NOW, resolution="")
    assert published_versions(repo, 2) == [1]


def test_the_de_returns_a_version_with_observations_and_nothing_is_published(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 1, NOW)
    procedure_admin.submit_draft(repo, "jefe.ugs", 1, NOW, description="Cambio")
    with pytest.raises(InvalidInput, match="Observaciones"):
        procedure_admin.return_draft(repo, "directora", 1, NOW, "")
    procedure_admin.return_draft(repo, "directora", 1, NOW, "Falta la resolución de la UAJ.")
    ledger = repo.snapshot().ledger
    assert procedure_admin.pending_submission(ledger, 1) is None
    assert procedure_admin.draft_of(ledger, 1) is not None
    assert procedure_admin.procedure_events(ledger, 1)[0].outcome == "devolver_version"
    assert published_versions(repo, 1) == [1]


def test_a_request_in_flight_keeps_its_version_and_a_new_one_takes_the_new_version(
        repo: InMemoryRepository) -> None:
    """v2 of procedure 3 drops the requester's verification (stage 5) and lets the UGS head
    reject at stage 3; the request started on v1 still goes through v1's nine stages."""
    old = create_request(repo, "solicitante", form(3), NOW)
    step(repo, "directora", old)
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    rows = [r for r in draft_rows(repo, 3) if r["etapa"] != "5"]
    for number, row in enumerate(rows, start=1):
        row["etapa"] = str(number)
    edit(rows, 3, salidas="avanzar; rechazar")
    edit(rows, 6, salidas="avanzar; devolver:5")  # the material goes back to stage 5 now
    assert procedure_admin.save_draft(repo, "jefe.ugs", 3, rows, NOW).ok
    publish(repo, 3)

    new = create_request(repo, "solicitante", form(3), NOW)
    ledger = repo.snapshot().ledger
    assert (ledger.requests[old].version, ledger.requests[new].version) == (1, 2)
    old_state, new_state = ledger.state(old), ledger.state(new)
    assert old_state is not None and new_state is not None
    assert (old_state.procedure.version, old_state.procedure.last_stage) == (1, 9)
    assert (new_state.procedure.version, new_state.procedure.last_stage) == (2, 8)
    for username in ("jefe.ugs", "profesional", "jefe.nic", "disenio", "solicitante",
                     "jefe.ugs", "admin.rrss"):
        step(repo, username, old)
    assert repo.snapshot().ledger.state(old).status is Status.PUBLISHED  # type: ignore[union-attr]
    step(repo, "directora", new)
    step(repo, "jefe.ugs", new, "rechazar", comment="No corresponde.")
    assert repo.snapshot().ledger.state(new).status is Status.REJECTED  # type: ignore[union-attr]
    assert [i for i in repo.snapshot().ledger.issues] == []


def test_a_draft_typed_into_the_sheet_by_hand_is_validated_and_published(
        repo: InMemoryRepository) -> None:
    change = RawChange()
    for row in procedure_rows():
        if row["procedimiento"] == "2":
            change.append_cells(PROCEDURES_TAB, {**row, "version": "2", "estado": "borrador",
                                           "plazo": "2" if row["etapa"] == "3" else row["plazo"]})
    repo.commit(change)
    assert publish(repo, 2) == 2
    assert repo.snapshot().ledger.procedures.current(2).stage(3).deadline.days == 2


def test_saving_a_shorter_draft_blanks_the_rows_it_no_longer_has_and_a_longer_one_appends(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 2, NOW)
    size = len(tab_rows(repo))
    rows = draft_rows(repo, 2)
    procedure_admin.save_draft(repo, "jefe.ugs", 2, rows[:5], NOW)
    assert len(tab_rows(repo)) == size  # never removed, only blanked
    assert len(draft_rows(repo, 2)) == 5
    procedure_admin.save_draft(repo, "jefe.ugs", 2, [*rows, rows[-1]], NOW)
    assert len(draft_rows(repo, 2)) == 8
    assert len(tab_rows(repo)) == size + 3  # the blanked rows stay blank, as history


def test_a_draft_edited_in_the_sheet_meanwhile_is_not_overwritten(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 2, NOW)

    class Stale:
        seen: Snapshot = repo.snapshot()

        def snapshot(self) -> Snapshot:
            return self.seen

        def commit(self, change: Change) -> Snapshot:
            return repo.commit(change)

    procedure_admin.submit_draft(repo, "jefe.ugs", 2, NOW, description="Cambio")
    Stale.seen = repo.snapshot()
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    index = next(i for i, c in enumerate(raw.rows) if c[-1:] == ["borrador"] or
                 "borrador" in c)
    repo.commit(RawChange().update_row(PROCEDURES_TAB, index + 2, raw.rows[index],
                                    {"actividad": "Editado en la hoja"}))
    with pytest.raises((ConcurrentChange, InvalidInput)):
        procedure_admin.approve_draft(Stale(), "directora", 2, NOW,  # type: ignore[arg-type]
                                      resolution="RA 1")
    assert published_versions(repo, 2) == [1]


def test_discarding_a_draft_blanks_it_and_keeps_what_it_was_in_the_record(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 1, NOW)
    procedure_admin.discard_draft(repo, "jefe.ugs", 1, NOW)
    assert procedure_admin.draft_of(repo.snapshot().ledger, 1) is None
    event = procedure_admin.procedure_events(repo.snapshot().ledger, 1)[0]
    assert event.outcome == "descartar_borrador" and len(event.payload()["filas"]) == 8
    assert repo.snapshot().ledger.issues == []


def test_only_the_ugs_head_administers_procedures(repo: InMemoryRepository) -> None:
    for username in ("directora", "admin", "profesional"):
        with pytest.raises(NotAllowed, match="revisar los procedimientos"):
            procedure_admin.start_draft(repo, username, 1, NOW)


def test_an_older_workbook_s_empty_tab_can_be_filled_with_the_procedures_in_force(
        repo: InMemoryRepository) -> None:
    tabs = dict(repo.snapshot().tabs)
    tabs[PROCEDURES_TAB] = type(tabs[PROCEDURES_TAB])(PROCEDURES_TAB,
                                                      tabs[PROCEDURES_TAB].header, [])
    older = InMemoryRepository(tabs, repo.snapshot().schema, repo.snapshot().rules, TEST_SEALER)
    assert procedure_admin.copy_shipped_to_tab(older, "jefe.ugs", NOW) == 24
    assert older.snapshot().ledger.issues == []
    with pytest.raises(Exception, match="ya tiene filas"):
        procedure_admin.copy_shipped_to_tab(older, "jefe.ugs", NOW)


# -- the diagram -----------------------------------------------------------------------------


def test_the_flow_diagram_has_a_node_per_stage_and_an_edge_per_outcome(
        repo: InMemoryRepository) -> None:
    procedure = repo.snapshot().ledger.procedures.current(1)
    dot = procedure_admin.flow_dot(procedure)
    assert dot.startswith("digraph") and dot.endswith("}")
    assert all(f"  s{n} [label=" in dot for n in range(1, 9))
    assert "s4 -> s5 [" in dot and 'label="Comité"' in dot
    assert "s5 -> s3 [" in dot and 'label="devolver"' in dot
    assert "s8 -> publicada" in dot and "s5 -> rechazada" in dot  # the Committee (6 b)
    outcomes = sum(len(s.outcomes) for s in procedure.stages)
    assert dot.count(" -> ") == outcomes
    rejecting = repo.snapshot().ledger.procedures.current(2)
    assert "s3 -> rechazada" in procedure_admin.flow_dot(rejecting)
    assert any(o.kind is OutcomeKind.REJECT for o in rejecting.stage(3).outcomes)


def test_text_from_the_table_cannot_break_out_of_a_diagram_label(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 2, NOW)
    hostile = 'Aprobar"]; x [label="pwned\\'
    verdict = procedure_admin.save_draft(repo, "jefe.ugs", 2,
                                         edit(draft_rows(repo, 2), 3, accion=hostile), NOW)
    assert verdict.procedure is not None
    dot = procedure_admin.flow_dot(verdict.procedure)
    assert '"3. Aprobar\\"]; x [label=\\"pwned\\\\\\n' in dot
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    assert "pwned" not in outside_quotes and "x [" not in outside_quotes


def test_every_shipped_stage_written_back_as_a_row_reads_the_same() -> None:
    """A draft starts from the procedures in force written as rows: every column round-trips
    (a column left out would publish a different procedure)."""
    from core.domain.procedures import definition_row, load_procedures, table_record
    from sheets_schema import default_procedures

    shipped = default_procedures()
    for number in shipped.numbers():
        procedure = shipped.current(number)
        rows = [definition_row(table_record(procedure_admin.stage_to_row(s),
                                            ProcedureStatus.PUBLISHED)) for s in procedure.stages]
        assert load_procedures(rows).current(number) == procedure


def test_a_published_version_edited_by_hand_never_lets_new_requests_start_on_an_older_one(
        repo: InMemoryRepository) -> None:
    """Whoever edits one cell of the version in force must not bring back the rules of the
    one before it (who acts, a quorum, copies) for new requests: they wait until restored."""
    procedure_admin.start_draft(repo, "jefe.ugs", 3, NOW)
    publish(repo, 3)
    raw = repo.snapshot().tabs[PROCEDURES_TAB]
    at = raw.column_index()
    row = next(i for i, cells in enumerate(raw.rows)
               if cells[at["procedimiento"]] == "3" and cells[at["version"]] == "2"
               and cells[at["etapa"]] == "2")
    repo.commit(RawChange().update_row(PROCEDURES_TAB, row + 2, list(raw.rows[row]),
                                       {"interpretacion": "editada a mano"}))
    before = count_rows(repo)
    with pytest.raises(InvalidInput, match="versión 2 del procedimiento 3"):
        create_request(repo, "solicitante", form(3), NOW)
    assert count_rows(repo) == before
