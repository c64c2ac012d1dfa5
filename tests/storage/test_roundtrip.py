"""Every tab written by the app reads back identical, and opens as plain text elsewhere."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from storage_helpers import NOW, chain_breaks, open_repo, sheets

from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import XlsxWriter, read_workbook
from core.services import requests as services
from sheets_schema.tabs import ALL_TABS

TRICKY = [
    "=SUM(A1:A9)", "=HYPERLINK(\"http://x\")", "+59171234567", "-1", "@usuario",
    "línea 1\nlínea 2", "windows\r\nline", "mac\rline", "  leading", "trailing  ", "   ",
    "\ttab", "emoji 😀🇧🇴", "<&> \"quotes\" 'apos' ]]>", "control\x01char\x1f\x0b\x0c",
    "_x0041_", "_x000D_ and _x005F_x0041_", "x" * 32_767, "Ñandú, acción, pingüino",
    "0012", "1e5", "TRUE", "2026-11-30", "3.14", "", "\x7f\x85\u2028\u00a0",
]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def tricky_rows(headers: list[str]) -> list[dict[str, str]]:
    """Enough rows that every tricky value lands in every column once."""
    return [{h: TRICKY[(i + j) % len(TRICKY)] for j, h in enumerate(headers)}
            for i in range(len(TRICKY))]


def as_cells(headers: list[str], row: dict[str, str]) -> list[str]:
    cells = [row[h] for h in headers]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def openpyxl_view(value: str) -> str:
    """What openpyxl shows for a stored string: OOXML escapes (``_x0001_``) undecoded.

    LibreOffice and Excel decode them; openpyxl only strips the ``_x005F_`` escape.
    """
    escaped = re.sub("[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)",
                     lambda m: f"_x{ord(m[0]):04X}_", value)
    return escaped.replace("x005F_", "")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("roundtrip") / "ledger.xlsx"
    rows = {spec.name: tricky_rows(spec.headers) for spec in ALL_TABS}
    assert open_repo(path).create(rows)
    return path, rows


def test_every_tab_reads_back_exactly_the_tricky_text_that_was_written(written):
    path, rows = written
    snapshot = open_repo(path).snapshot()
    assert list(snapshot.tabs) == [spec.name for spec in ALL_TABS]
    for spec in ALL_TABS:
        raw = snapshot.tabs[spec.name]
        assert raw.header == spec.headers
        expected = [as_cells(spec.headers, r) for r in rows[spec.name]]
        if spec.name == "eventos":  # the app seals each event: compare all but the hash
            hash_at = spec.headers.index("hash")
            assert [r[:hash_at] for r in raw.rows] == [r[:hash_at] for r in expected]
        else:
            assert raw.rows == expected, spec.name


def test_events_written_with_tricky_text_keep_an_intact_hash_chain(written):
    path, _ = written
    assert chain_breaks(sheets(path)["eventos"]) == []


def test_the_workbook_opens_in_openpyxl_with_a_bold_frozen_header_and_only_text_cells(
        written):
    path, rows = written
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [spec.name for spec in ALL_TABS]
    for spec in ALL_TABS:
        sheet = book[spec.name]
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        assert header == spec.headers
        assert all(c.font.b for c in sheet[1])
        for number, row in enumerate(rows[spec.name], start=2):
            for index, name in enumerate(spec.headers, start=1):
                cell = sheet.cell(number, index)
                if name in ("hash", "firma") or row[name] == "":
                    continue
                assert cell.data_type == "s", (spec.name, cell.coordinate, cell.value)
                assert not cell.font.b
                assert cell.value == openpyxl_view(row[name]), (spec.name, cell.coordinate)


def test_no_cell_in_any_sheet_is_a_formula_or_a_number(written):
    path, _ = written
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(names) == len(ALL_TABS)
        for name in names:
            root = ElementTree.fromstring(archive.read(name))
            assert root.findall(f".//{{{MAIN}}}f") == []
            for cell in root.iter(f"{{{MAIN}}}c"):
                if cell.find(f"{{{MAIN}}}v") is not None:
                    assert cell.get("t") == "s"


def test_text_written_through_a_use_case_reads_back_identical_after_reopening(
        repo: WorkbookRepository, path: Path):
    title = "=1+1 «Campaña» ñ\r\n😀 _x0041_ \x01 "
    rid = services.create_request(repo, "solicitante", {
        "procedure": 3, "title": title, "objective": "+objetivo", "summary": "@resumen",
    }, NOW)
    request = open_repo(path).snapshot().ledger.requests[rid]
    # The form strips surrounding whitespace, the storage keeps everything else.
    assert request.title == title.strip()
    assert request.objective == "+objetivo"
    assert chain_breaks(sheets(path)["eventos"]) == []


@pytest.mark.parametrize("value", [
    "a\r\nb", "a\rb", "\r", "_x005F_x0041_", "__x0041__", "_x0041__x0042_", "_x000d_",
    "\x00", "\x1f_x0001_\x01",
], ids=["crlf", "cr", "lone-cr", "overlapping-escape", "double-underscore",
        "adjacent-escapes", "lowercase-escape", "nul", "control-next-to-escape"])
def test_carriage_returns_and_literal_escape_sequences_survive_a_write(tmp_path, value):
    path = tmp_path / "one.xlsx"
    XlsxWriter().write(path, [("t", ["a", "b"], [[value, value + "!"]])])
    assert read_workbook(path) == [("t", [["a", "b"], [value, value + "!"]])]
