"""A workbook a person edited by hand: bad rows are reported, kept and never rewritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from storage_helpers import (
    NOW,
    advance,
    can_advance,
    chain_breaks,
    open_repo,
    record_publication,
    sheets,
)

from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import normalise
from core.domain.errors import StorageError
from core.domain.ledger import UNSIGNED
from sheets_schema.tabs import ALL_TABS, TABS_BY_NAME

EXTRA = "observaciones"  # a column a person added in the middle of «solicitudes»
MISSING = "canal"  # a column a person deleted from «publicaciones_directas»
BAD_DATE = "31/11/2026 10:00"
NUMBERS = {"procedimiento", "version", "secuencia", "etapa", "etapa_destino"}


def typed(header: str, value: str) -> object:
    """A cell as a person would type it: numbers as numbers, some dates as real dates."""
    if header in NUMBERS and value.isdigit():
        return int(value)
    if header in ("creada_en", "fecha_hora") and value:
        return datetime.fromisoformat(value)
    if header == "publicar_desde" and value:
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class Damage:
    """Where the damage sits, and the two requests the tests use."""

    bad_date_row: int  # «eventos» row with a date nobody can read
    unknown_stage_row: int  # «eventos» row naming a stage the procedure lacks
    victim: str  # the request that unknown-stage event claims to advance
    victim_stage: int | None
    target: str  # an intact open request someone may advance
    target_row: int  # its row in «solicitudes»
    target_note: str  # what the person wrote in its extra column


def sheet_row(index: int) -> int:
    """Sheet row of data row ``index`` once two empty rows sit before the fourth one."""
    return index + 2 + (2 if index >= 3 else 0)


def build(path: Path, demo: dict[str, list[dict[str, str]]]) -> Damage:
    """Write the demo ledger with openpyxl as a person would, damaged."""
    clean = open_repo(path.with_name("clean.xlsx"))
    clean.create(demo)
    reference = clean.snapshot().ledger
    movable = [rid for rid in sorted(reference.requests) if can_advance(clean, rid)]
    target, victim = movable[0], movable[1]
    victim_state = reference.state(victim)
    target_index = next(i for i, r in enumerate(demo["solicitudes"])
                        if r["id_solicitud"] == target)

    book = openpyxl.Workbook()
    book.remove(book.active)
    rows: dict[str, int] = {}
    for spec in ALL_TABS:
        sheet = book.create_sheet(spec.name)
        headers = list(spec.headers)
        if spec.name == "solicitudes":
            headers.insert(headers.index("titulo") + 1, EXTRA)
        if spec.name == "publicaciones_directas":
            headers.remove(MISSING)
        sheet.append(headers)
        for i, row in enumerate(demo[spec.name]):
            if spec.name in ("solicitudes", "eventos") and i == 3:
                sheet.append([])  # two empty rows in the middle
                sheet.append([])
            values = {**row, EXTRA: note(i)}
            sheet.append([typed(h, values.get(h, "")) for h in headers])
        if spec.name == "eventos":
            bad_date = {**demo["eventos"][0], "id_evento": "evt-mano-1", "tipo": "sistema",
                        "id_objeto": "respaldo", "secuencia": "1", "etapa": "",
                        "etapa_destino": "", "accion": "respaldo", "fecha_hora": BAD_DATE,
                        "hash": ""}
            sheet.append([bad_date[h] for h in headers])
            rows["bad_date"] = sheet.max_row
            unknown_stage = {**demo["eventos"][0], "id_evento": "evt-mano-2",
                             "id_objeto": victim, "secuencia": str(victim_state.seq + 1),
                             "etapa": "42", "etapa_destino": "43", "hash": ""}
            sheet.append([typed(h, unknown_stage[h]) for h in headers])
            rows["unknown_stage"] = sheet.max_row
    book.save(path)
    return Damage(rows["bad_date"], rows["unknown_stage"], victim, victim_state.stage,
                  target, sheet_row(target_index), note(target_index))


def note(index: int) -> str:
    return f"nota a mano {index}" if index % 2 == 0 else ""


@pytest.fixture
def damaged(path: Path, demo) -> Damage:
    return build(path, demo)


def raw_cells(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book}


def text_of(cells: list[object]) -> list[str]:
    values = ["" if c is None else (c if isinstance(c, str) else normalise(c)) for c in cells]
    while values and values[-1] == "":
        values.pop()
    return values


def test_every_damaged_row_is_reported_with_its_tab_row_column_and_a_spanish_reason(
        path, demo, damaged):
    ledger = open_repo(path).snapshot().ledger
    # An unknown column may be noted on the header row (it is kept, never an error).
    notes = [i for i in ledger.issues if i.column == EXTRA]
    assert all((i.tab, i.row) == ("solicitudes", 1) for i in notes)
    found = {(i.tab, i.row, i.column, i.reason) for i in ledger.issues if i not in notes}
    expected = {
        ("publicaciones_directas", 1, MISSING, "falta esta columna en el encabezado"),
        *{("publicaciones_directas", n, MISSING, "falta el valor")
          for n in range(2, 2 + len(demo["publicaciones_directas"]))},
        ("eventos", damaged.bad_date_row, "fecha_hora",
         "no es una fecha y hora válida (use DD/MM/AAAA HH:MM)"),
        # Rows a person typed carry no signature: reported, never obeyed (the one naming
        # stage 42 does not even reach the replay), and the request such a row names is
        # held until it is removed: an unsigned row could hide an edited signed one.
        ("eventos", damaged.bad_date_row, "firma", UNSIGNED),
        ("eventos", damaged.unknown_stage_row, "firma", UNSIGNED),
        ("eventos", damaged.unknown_stage_row, "id_objeto",
         f"un evento de la solicitud {damaged.victim} fue modificado o agregado a mano (no "
         "lleva la firma de la aplicación): nadie puede actuar en ella hasta que se restaure "
         "la fila desde el historial de versiones de la hoja"),
    }
    assert found == expected
    assert len(ledger.issues) == len(expected) + len(notes)
    assert "fila" in ledger.issues[0].message() and "pestaña" in ledger.issues[0].message()


def test_good_rows_of_a_hand_edited_workbook_load_with_typed_numbers_and_date_cells(
        path, demo, damaged):
    ledger = open_repo(path).snapshot().ledger
    assert len(ledger.requests) == len(demo["solicitudes"])
    assert len(ledger.users) == len(demo["usuarios"])
    assert len(ledger.units) == len(demo["unidades"])
    assert len(ledger.events) == len(demo["eventos"])  # typed cells keep their signatures
    assert ledger.direct_publications == []  # every row lacks «canal»
    reference = open_repo(path.with_name("clean.xlsx")).snapshot().ledger
    assert {rid: (s.status, s.stage, s.seq) for rid, s in ledger.states.items()} == {
        rid: (s.status, s.stage, s.seq) for rid, s in reference.states.items()}
    assert ledger.requests == reference.requests  # date cells and numbers parse alike
    assert ledger.users == reference.users


def test_an_action_on_intact_tabs_succeeds_and_leaves_every_other_row_as_it_was(
        path, damaged):
    before = raw_cells(path)
    read_before = sheets(path)
    repo = open_repo(path)
    issues_before = {(i.tab, i.row, i.column, i.reason) for i in repo.snapshot().ledger.issues}
    seq_before = repo.snapshot().ledger.state(damaged.target).seq
    after_state = advance(repo, damaged.target, event_id="evt-nuevo")
    assert after_state.seq == seq_before + 1
    after = raw_cells(path)
    read_after = sheets(path)

    updated_row = damaged.target_row
    for name, rows in before.items():
        # The action appends its event, and its notification mails to the outbox.
        grows = name in ("eventos", "correo_saliente")
        assert len(after[name]) >= len(rows) + (1 if name == "eventos" else 0), name
        if not grows:
            assert len(after[name]) == len(rows), name
        for number, cells in enumerate(rows, start=1):
            if (name, number) == ("solicitudes", updated_row):
                continue
            now_cells = list(after[name][number - 1])
            # Text stays byte-identical; a typed number or date comes back as the text
            # the app read from it (a date cell as «2026-11-30», a number as «5»).
            assert text_of(now_cells) == read_before[name][number - 1], (name, number)
            for old, new in zip(cells, now_cells, strict=False):
                if isinstance(old, str):
                    assert new == old, (name, number)

    header = list(before["solicitudes"][0])
    extra_at = header.index(EXTRA)
    assert [r[extra_at] for r in after["solicitudes"][1:]] == \
        [r[extra_at] for r in before["solicitudes"][1:]]
    updated = dict(zip(header, read_after["solicitudes"][updated_row - 1], strict=False))
    assert updated.get(EXTRA, "") == damaged.target_note
    assert (updated["etapa"], updated["secuencia"], updated["estado"]) == (
        str(after_state.stage or ""), str(after_state.seq), after_state.status.value)
    assert updated["id_solicitud"] == damaged.target
    assert updated["titulo"] == read_before["solicitudes"][updated_row - 1][
        header.index("titulo")]
    assert read_after["eventos"][-1][0] == "evt-nuevo"
    bad = damaged.bad_date_row - 1
    assert after["eventos"][bad] == before["eventos"][bad]

    ledger = open_repo(path).snapshot().ledger
    assert {(i.tab, i.row, i.column, i.reason) for i in ledger.issues} == issues_before
    assert len([i for i in issues_before if i[2] != EXTRA]) == 8
    assert ledger.state(damaged.target).seq == after_state.seq
    assert ledger.issues == repo.snapshot().ledger.issues  # incremental parse agrees


def test_the_new_event_links_to_the_last_row_even_when_hand_added_rows_break_the_chain(
        path, damaged):
    advance(open_repo(path), damaged.target, event_id="evt-nuevo")
    rows = sheets(path)["eventos"]
    # Only the two hand-added rows (no hash) break; the app's new row links after them.
    assert chain_breaks(rows) == [damaged.bad_date_row, damaged.unknown_stage_row]


def test_a_write_to_a_tab_missing_a_required_column_is_refused_in_spanish_and_changes_nothing(
        path, damaged):
    repo = open_repo(path)
    repo.snapshot()
    original = path.read_bytes()
    with pytest.raises(StorageError) as refused:
        record_publication(repo, "Enlace al portal", NOW)
    message = str(refused.value)
    assert "«publicaciones_directas»" in message and f"«{MISSING}»" in message
    assert "no se guardó nada" in message
    assert path.read_bytes() == original
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp-")] == []
    assert TABS_BY_NAME["publicaciones_directas"].headers.count(MISSING) == 1


def test_a_file_that_is_not_a_workbook_is_reported_in_spanish_and_never_overwritten(
        repo: WorkbookRepository, path: Path):
    path.write_text("id_solicitud;titulo\nSOL-1;guardado como CSV por error\n")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="No se pudo leer el libro") as refused:
        repo.snapshot()
    assert "guárdelo de nuevo como .xlsx" in str(refused.value)
    with pytest.raises(StorageError, match="No se pudo leer el libro"):
        record_publication(repo, "No debe guardarse")
    assert path.read_bytes() == before


def test_a_sheet_a_person_added_with_notes_is_kept_after_a_write(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("notas")
    notes.append(["Pendientes", "", "revisar"])
    notes.append([])
    notes.append(["llamar a NIC", 3])
    book.save(path)
    advance(open_repo(path), ids[0])
    content = sheets(path)
    assert list(content)[-1] == "notas"
    assert content["notas"] == [["Pendientes", "", "revisar"], [], ["llamar a NIC", "3"]]
