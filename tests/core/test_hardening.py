"""Hardening of the core: log-in lock-out (audited, silent about who exists), text longer
than a Google Sheets cell refused before anything is written, hostile text stored
faithfully in the workbook as inert text, and exports that neutralise formulas.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from core_helpers import NOW, count_rows

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab, Snapshot, apply_change
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import AuthenticationFailed, InvalidInput, StorageError
from core.domain.models import MAX_CELL_CHARS, EventKind
from core.domain.ports import Change
from core.services import plan, service_logs
from core.services.accounts import LOCK_MINUTES, LOGIN_FAILED, MAX_FAILED_LOGINS, authenticate
from core.services.direct_publications import record_direct_publication
from core.services.requests import act, create_request
from sheets_schema import default_rules, procedure_rows
from sheets_schema.demo import DEMO_PASSWORD, USERS, unit_rows, user_row
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

TEN_MB = "x" * (10 * 1024 * 1024)
LIMIT_MESSAGE = re.compile(r"^El texto de «(?P<column>[^»]+)» supera 50\.000 caracteres")


def login_events(repo: InMemoryRepository, username: str) -> list[tuple[str, str]]:
    return [(e.outcome, e.comment) for _, e in repo.snapshot().ledger.events
            if e.kind is EventKind.USER and e.subject == username]


def fail(repo: InMemoryRepository, username: str, when: datetime, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed) as caught:
            authenticate(repo, username, "clave-equivocada", now=when)
        assert caught.value.message == LOGIN_FAILED


# -- log-in lock-out ---------------------------------------------------------------------------


def test_each_failure_is_counted_and_audited(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=2)
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert (user.failed_logins, user.locked_until) == (2, None)
    assert login_events(repo, "jefe.ugs") == [
        ("login_fallido", f"intento fallido 1 de {MAX_FAILED_LOGINS}"),
        ("login_fallido", f"intento fallido 2 de {MAX_FAILED_LOGINS}"),
    ]


def test_five_failures_lock_the_account_for_fifteen_minutes(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert user.locked_until == NOW + timedelta(minutes=LOCK_MINUTES)
    outcomes = [outcome for outcome, _ in login_events(repo, "jefe.ugs")]
    assert outcomes == ["login_fallido"] * MAX_FAILED_LOGINS + ["bloqueo"]
    events = [e for _, e in repo.snapshot().ledger.events if e.subject == "jefe.ugs"]
    assert [e.seq for e in events] == list(range(1, MAX_FAILED_LOGINS + 2))
    assert all(e.hash for e in events)  # chained like every event


def test_a_locked_account_refuses_even_the_right_password_with_the_same_words(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    before = count_rows(repo)
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW + timedelta(minutes=14))
    assert caught.value.message == LOGIN_FAILED
    fail(repo, "jefe.ugs", NOW + timedelta(minutes=14, seconds=59))
    assert count_rows(repo) == before  # attempts during a lock write nothing more


def test_when_the_lock_expires_the_right_password_works_and_clears_it(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    later = NOW + timedelta(minutes=LOCK_MINUTES)
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=later).username == "jefe.ugs"
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_success_resets_the_count_so_failures_must_be_in_a_row(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS - 1)
    authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW)
    assert repo.snapshot().ledger.users["jefe.ugs"].failed_logins == 0
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS - 1)
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW).username == "jefe.ugs"


def test_a_success_with_nothing_to_reset_writes_nothing(repo: InMemoryRepository) -> None:
    commits = repo.commits
    authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW)
    assert repo.commits == commits


@pytest.mark.parametrize("username", ["nadie", "x" * 500, "ex.directora", "Robert'); --"])
def test_unknown_and_deactivated_names_get_the_same_answer_and_write_nothing(
        repo: InMemoryRepository, username: str) -> None:
    before = count_rows(repo)
    fail(repo, username, NOW, times=MAX_FAILED_LOGINS + 3)
    assert count_rows(repo) == before  # no rows for names anyone can make up


def test_a_lock_is_per_account(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    assert authenticate(repo, "directora", DEMO_PASSWORD, now=NOW).username == "directora"


def test_without_a_clock_the_old_callers_still_log_in_and_nothing_is_counted(
        repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(AuthenticationFailed):
        authenticate(repo, "jefe.ugs", "mala")
    assert count_rows(repo) == before
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD).username == "jefe.ugs"


class ReadOnly:
    """A ledger that can be read but not written (a locked workbook, a quota error)."""

    def __init__(self, repo: InMemoryRepository) -> None:
        self._repo = repo

    def snapshot(self) -> Snapshot:
        return self._repo.snapshot()

    def commit(self, change: Change) -> Snapshot:
        raise StorageError("El libro está abierto en otro programa; no se guardó nada.")


def test_a_failure_that_cannot_be_recorded_is_still_the_same_refusal(
        repo: InMemoryRepository) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(ReadOnly(repo), "jefe.ugs", "mala", now=NOW)  # type: ignore[arg-type]
    assert caught.value.message == LOGIN_FAILED


# -- text longer than a Google Sheets cell ------------------------------------------------------


EVERY_CELL = [(tab, column) for tab, spec in TABS_BY_NAME.items() for column in spec.headers]


@pytest.mark.parametrize(("tab", "column"), EVERY_CELL)
def test_any_cell_longer_than_a_sheets_cell_is_refused_before_anything_is_written(
        seeded_tabs: dict[str, RawTab], tab: str, column: str) -> None:
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    change = RawChange().append_cells("unidades", {"codigo": "NUEVA", "nombre": "Primera fila"})
    change.append_cells(tab, {column: "a" * (MAX_CELL_CHARS + 1)})
    with pytest.raises(StorageError) as caught:
        apply_change(tabs, SCHEMA, change)
    match = LIMIT_MESSAGE.match(caught.value.message)
    assert match and match["column"] == column
    assert tabs == seeded_tabs  # not even the first row of the change went in


def test_a_cell_of_exactly_fifty_thousand_characters_fits(
        seeded_tabs: dict[str, RawTab]) -> None:
    tabs = {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in seeded_tabs.items()}
    apply_change(tabs, SCHEMA, RawChange().update_cells(
        "unidades", "NIC", {"nombre": "n" * MAX_CELL_CHARS}))
    assert any(len(cell) == MAX_CELL_CHARS for row in tabs["unidades"].rows for cell in row)


def test_an_update_is_held_to_the_same_limit(repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(StorageError, match=r"«nombre» supera 50\.000"):
        repo.commit(RawChange().update_cells("usuarios", "jefe.ugs",
                                    {"nombre": "n" * (MAX_CELL_CHARS + 1)}))
    assert count_rows(repo) == before
    assert repo.snapshot().ledger.users["jefe.ugs"].full_name.startswith("Rosa")


@pytest.fixture
def workbook(tmp_path: Path) -> WorkbookRepository:
    """A small local workbook: the agency's units and the demo users."""
    repo = WorkbookRepository(tmp_path / "ledger.xlsx", SCHEMA, default_rules())
    repo.create({"unidades": unit_rows(), "procedimientos": procedure_rows(), "usuarios": [
        user_row(u, n, r, unit, DEMO_PASSWORD, NOW - timedelta(days=30))
        for u, n, r, unit in USERS]})
    return repo


def request_form(**changes: object) -> dict[str, object]:
    return {"procedure": 3, "title": "Portal .bo", "objective": "Difundir.",
            "summary": "Resumen.", "publish_from": NOW.date(),
            "publish_to": NOW.date() + timedelta(days=30)} | changes


@pytest.mark.parametrize("field", ["title", "objective", "summary", "links", "reference"])
def test_a_ten_megabyte_request_field_is_refused_and_the_workbook_is_untouched(
        workbook: WorkbookRepository, field: str) -> None:
    before = workbook.path.read_bytes()
    with pytest.raises(InvalidInput) as caught:
        create_request(workbook, "solicitante", request_form(**{field: TEN_MB}), NOW)
    assert caught.value.message.endswith(f"el texto supera {MAX_CELL_CHARS} caracteres.")
    assert workbook.path.read_bytes() == before


def test_a_ten_megabyte_comment_is_refused_and_the_workbook_is_untouched(
        workbook: WorkbookRepository) -> None:
    rid = create_request(workbook, "solicitante", request_form(), NOW)
    before = workbook.path.read_bytes()
    with pytest.raises(InvalidInput, match="El comentario supera 50000 caracteres"):
        act(workbook, "directora", rid, "rechazar", comment=TEN_MB, expected_seq=1, now=NOW)
    assert workbook.path.read_bytes() == before


def test_a_ten_megabyte_cell_from_any_writer_is_refused_by_the_workbook(
        workbook: WorkbookRepository) -> None:
    before = workbook.path.read_bytes()
    with pytest.raises(StorageError) as caught:
        workbook.commit(RawChange().append_cells("incidentes", {"descripcion": TEN_MB}))
    assert LIMIT_MESSAGE.match(caught.value.message)
    assert workbook.path.read_bytes() == before


def test_other_services_refuse_ten_megabytes_too(repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(InvalidInput, match="supera 50000"):
        record_direct_publication(repo, "admin.rrss", {
            "type": "5", "title": "Hoy", "channel": "Facebook", "published_at": NOW,
            "notes": TEN_MB}, NOW)
    with pytest.raises(InvalidInput, match="supera 50000"):
        plan.add_item(repo, "profesional", {
            "service": TEN_MB, "channels": "Facebook", "type": "1", "start": NOW.date()}, NOW)
    with pytest.raises(InvalidInput, match="supera 50000"):
        service_logs.record_question(repo, "moderador", {
            "received_at": NOW, "channel": "Facebook", "summary": TEN_MB}, NOW)
    assert count_rows(repo) == before


# -- hostile text: stored faithfully, written as inert text ------------------------------------


HOSTILE = {
    "markup": '**x** [l](http://e) <img src=x onerror=alert(1)> <script>alert(1)</script>',
    "formula": '=HYPERLINK("http://e","clic")',
    "plus": "+1-2", "minus": "-2+3", "at": "@SUM(A1:A2)",
    "control": "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x1bh\x7fi\u200bj",
    "line breaks": "uno\r\ndos\rtres\nfin",
    "escape lookalike": "_x0041_ y _x005F_x0041_",
    "mixed scripts": "АДСИБ ADSIB Ελλάδα 中文 العربية עברית हिन्दी ñandú",
    "bidi": "abc\u202edcba\u202c fin \ufeff",
    "emoji": "📣 👩🏽‍💻 🇧🇴 ❤️‍🔥",
    "xml": "</t></si><si><t>inyectado & <![CDATA[x]]>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_round_trips_through_the_workbook_unchanged(
        workbook: WorkbookRepository, name: str) -> None:
    text = f"Título {HOSTILE[name]} final"
    rid = create_request(workbook, "solicitante", request_form(
        title=text, objective=text, summary=text), NOW)
    act(workbook, "directora", rid, "rechazar", comment=text, expected_seq=1, now=NOW)
    reopened = WorkbookRepository(workbook.path, SCHEMA, default_rules())
    ledger = reopened.snapshot().ledger
    request = ledger.requests[rid]
    assert (request.title, request.objective, request.summary) == (text, text, text)
    state = ledger.state(rid)
    assert state is not None and state.events[-1].comment == text
    assert not ledger.issues


def test_every_cell_the_workbook_holds_is_a_shared_string_never_a_formula(
        workbook: WorkbookRepository) -> None:
    rid = create_request(workbook, "solicitante", request_form(
        title=HOSTILE["formula"], objective=HOSTILE["plus"], summary=HOSTILE["at"],
        reference=HOSTILE["minus"]), NOW)
    with zipfile.ZipFile(workbook.path) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist()
                  if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets)
    cells = re.findall(r"<c [^>]*>", "".join(sheets))
    assert cells and all('t="s"' in cell for cell in cells)
    book = openpyxl.load_workbook(workbook.path)
    values = {c.value: c.data_type for row in book["solicitudes"].iter_rows() for c in row}
    for text in (HOSTILE["formula"], HOSTILE["plus"], HOSTILE["at"], HOSTILE["minus"], rid):
        assert values[text] == "s"


# -- exports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "=HYPERLINK(\"http://e\")", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_exports_neutralise_a_cell_a_spreadsheet_would_run(value: str) -> None:
    from core.adapters.exports import tables as export
    assert export.safe_cell(value) == "'" + value
    assert export.safe_cell("Título normal") == "Título normal"
    assert export.safe_cell(42) == 42


def test_no_password_hash_leaves_the_users_tab(repo: InMemoryRepository) -> None:
    """Every other tab (and so every export of it) is free of bcrypt hashes, even after
    the events a log-in, a lock and a new request write."""
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    create_request(repo, "solicitante", request_form(), NOW)
    for name, raw in repo.snapshot().tabs.items():
        if name == "usuarios":
            assert any("$2b$" in cell for row in raw.rows for cell in row)
            continue
        assert not any("$2b$" in cell for row in raw.rows for cell in row), name


def test_no_page_or_export_reads_the_password_hash() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("pages/*.py"), *root.glob("ui/*.py"), root / "app.py",
               root / "core" / "export.py", root / "core" / "report.py"]
    for source in (s for s in sources if s.exists()):
        text = source.read_text(encoding="utf-8")
        assert "password_hash" not in text and "hash_contrasena" not in text, source.name
