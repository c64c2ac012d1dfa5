"""Hostile text is stored faithfully as inert text; exports neutralise what a spreadsheet
would run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from core_helpers import NOW, request_form
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import AuthenticationFailed
from core.services.accounts import MAX_FAILED_LOGINS, LoginGuard, authenticate
from core.services.requests import act, create_request
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA

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
    reopened = WorkbookRepository(workbook.path, SCHEMA, default_rules(), TEST_SEALER)
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


def _fingerprint(repo: InMemoryRepository) -> str:
    from core.domain.accounts import fingerprint
    return fingerprint(repo.snapshot().ledger.users["jefe.ugs"].password_hash)


def test_no_password_hash_leaves_the_users_tab(repo: InMemoryRepository) -> None:
    """Every other tab (and so every export of it) is free of bcrypt hashes, even after
    the events a log-in, a lock and a new request write."""
    guard = LoginGuard()
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            authenticate(repo, "jefe.ugs", "equivocada", now=NOW, guard=guard)
    assert guard.locked_until("jefe.ugs", NOW, _fingerprint(repo)) is not None
    create_request(repo, "solicitante", request_form(), NOW)
    for name, raw in repo.snapshot().tabs.items():
        if name == "usuarios":
            assert any("$2b$" in cell for row in raw.rows for cell in row)
            continue
        assert not any("$2b$" in cell for row in raw.rows for cell in row), name


def test_no_page_or_export_reads_the_password_hash() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("pages/*.py"), *root.glob("ui/*.py"), root / "app.py",
               *root.glob("core/adapters/exports/*.py")]
    assert len(sources) > 20
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "password_hash" not in text and "hash_contrasena" not in text, source.name
