"""What a real LibreOffice «Save» does to a workbook the app wrote (and what openpyxl does).

One start of LibreOffice re-saves two workbooks written by the project's own writer:

* a probe sheet, one awkward text value per row, with an empty column in the middle;
* the demo ledger plus two events whose comments LibreOffice cannot keep as they are.

Both are read back with the project's reader (calamine). ``CASES`` is the table in
tests/support/OFFICE_RESAVE.md: change one, change the other. Run only these with
``pytest -m office``; skipped with a reason when ``soffice`` is not installed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from storage_helpers import (
    NOW,
    advance,
    chain_breaks,
    column,
    new_request,
    open_repo,
    sheets,
)
from support.office import (
    needs_libreoffice,
    resave_many_with_libreoffice,
    resave_with_libreoffice,
    resave_with_openpyxl,
)

from core.adapters.workbook.xlsx import XlsxWriter, read_workbook_bytes
from core.domain.errors import InvalidInput
from core.services import audit
from core.services import requests as services

office = pytest.mark.office
MAX = 32_767  # Excel's (and LibreOffice's .xlsx export) limit, in UTF-16 code units


@dataclass(frozen=True)
class Case:
    id: str
    value: str
    after_libreoffice: str | None = None  # None: unchanged
    after_openpyxl: str | None = None  # None: unchanged

    @property
    def lo(self) -> str:
        return self.value if self.after_libreoffice is None else self.after_libreoffice

    @property
    def opx(self) -> str:
        return self.value if self.after_openpyxl is None else self.after_openpyxl


CASES = [
    # Length: LibreOffice keeps everything on opening; its .xlsx export cuts at 32,767 UTF-16
    # code units, silently (exit status 0, no message), dropping a surrogate pair it would split.
    Case("len_40000", "a" * 39_999 + "Z", "a" * MAX),
    Case("len_32767", "b" * MAX),
    Case("len_32768", "c" * MAX + "Y", "c" * MAX),
    Case("emoji_across_the_limit", "d" * (MAX - 1) + "😀", "d" * (MAX - 1)),
    Case("emoji_16384_chars_32767_units", "😀" * 16_383 + "e"),
    Case("crlf_then_cut", ("x" * 99 + "\r\n") * 400, (("x" * 99 + "\n") * 400)[:MAX]),
    # Line endings: a cell with a LF goes through Calc's multi-line text, which rewrites
    # every CR, CR LF and LF CR as one LF. A cell with no LF keeps its CRs.
    Case("crlf", "uno\r\ndos\r\ntres", "uno\ndos\ntres"),
    Case("crlf_at_end", "fin\r\n", "fin\n"),
    Case("cr_and_lf", "a\rb\nc", "a\nb\nc"),
    Case("lf_cr", "a\n\rb", "a\nb"),
    Case("cr_cr_lf", "a\r\r\nb", "a\n\nb"),
    Case("lone_cr", "uno\rdos"),
    Case("cr_at_end", "fin\r"),
    Case("cr_tab", "a\r\tb"),
    Case("lf", "uno\ndos"),
    Case("lf_lf", "a\n\nb"),
    Case("lf_at_start", "\nabc"),
    Case("lf_at_end", "abc\n"),
    # Spaces and invisible characters.
    Case("spaces_around", "  espacios  "),
    Case("spaces_only", "   "),
    Case("spaces_multiline", " a \n b "),
    Case("tab", "a\tb"),
    Case("nbsp", "a\u00a0b"),
    Case("bom_first", "\ufeffabc"),
    Case("zero_width_joiner", "a\u200db"),
    Case("line_separator", "a\u2028b"),
    Case("nfd_not_normalised", "e\u0301 cafe\u0301"),
    # Control characters (written as _xHHHH_ by both writers).
    Case("ctrl_01", "a\x01b"),
    Case("ctrl_00", "a\x00b"),
    Case("ctrl_0b", "a\x0bb"),
    Case("ctrl_1f", "a\x1fb"),
    Case("ctrl_7f", "a\x7fb"),
    Case("ctrl_85", "a\x85b"),
    Case("ctrl_and_lf", "a\x01\nb"),
    # Text that a person typing it would get re-typed: stays text when it is text in the file.
    Case("formula_text", "=SUM(A1:A2)"),
    Case("equals_text", "=hola"),
    Case("plus_text", "+591 700"),
    Case("minus_text", "-5"),
    Case("at_text", "@SUM(1)"),
    Case("leading_zeros", "0001234"),
    Case("date_dmy", "05/02/2027"),
    Case("date_iso", "2027-02-05"),
    Case("decimal_comma", "1.500,00"),
    Case("decimal_point", "3.14"),
    Case("integer", "42"),
    Case("exponent", "1E5"),
    Case("percent", "10%"),
    Case("true_text", "TRUE"),
    Case("si", "sí"),
    Case("error_text", "#N/A"),
    Case("apostrophe_first", "'abc"),
    Case("emoji", "😀👍🏽 ok"),
    Case("xml_specials", 'a & <b> "c"'),
    # OOXML's own escape syntax typed literally: LibreOffice escapes it, openpyxl does not.
    Case("literal_x0041", "_x0041_", None, "A"),
    Case("literal_x000D", "_x000D_", None, "\r"),
]
HEADER = ["caso", "valor", "", "despues"]  # column C: empty from top to bottom
AFTER = "fin"
# The longest comment the app takes: 32,767 UTF-16 units (each emoji counts two), which is
# what LibreOffice keeps. 40,000 characters are refused before anything is written.
LONG_COMMENT = ("comentario largo " * 2_000)[:MAX - 10] + "🙂" * 5
TOO_LONG = "x" * 40_000
CRLF_COMMENT = "línea uno\r\nlínea dos"


def probe_rows() -> list[list[str]]:
    return [[case.id, case.value, "", AFTER] for case in CASES]


def write_probe(path: Path) -> Path:
    XlsxWriter().write(path, [("probe", HEADER, probe_rows())])
    return path


def by_case(path: Path) -> dict[str, list[str]]:
    (name, rows), = read_workbook_bytes(path.read_bytes())
    assert name == "probe"
    assert rows[0] == HEADER  # the empty header cell in the middle included
    return {row[0]: row for row in rows[1:]}


@dataclass(frozen=True)
class Resaved:
    probe_in: Path
    probe_out: Path
    ledger_in: Path
    ledger_out: Path
    request_id: str


@pytest.fixture(scope="session")
def resaved(tmp_path_factory: pytest.TempPathFactory,
            demo: dict[str, list[dict[str, str]]]) -> Resaved:
    """Both workbooks written by the app's writer and re-saved in one LibreOffice start."""
    folder = tmp_path_factory.mktemp("office")
    probe = write_probe(folder / "probe.xlsx")
    ledger = folder / "ledger.xlsx"
    repo = open_repo(ledger)
    repo.create(demo)
    request_id = new_request(repo, "Comentarios que LibreOffice cambia")
    with pytest.raises(InvalidInput, match=r"supera 32\.767 caracteres"):
        services.act(repo, "directora", request_id, "avanzar", comment=TOO_LONG,
                     expected_seq=1, now=NOW)
    state = services.act(repo, "directora", request_id, "avanzar", comment=CRLF_COMMENT,
                         expected_seq=1, now=NOW)
    services.act(repo, "jefe.ugs", request_id, "avanzar", comment=LONG_COMMENT,
                 expected_seq=state.seq, now=NOW)
    outputs = resave_many_with_libreoffice(
        [probe, ledger], [folder / "out" / "probe.xlsx", folder / "out" / "ledger.xlsx"])
    return Resaved(probe, outputs[0], ledger, outputs[1], request_id)


def libreoffice_text(value: str) -> str:
    """What the findings predict for a text cell: line endings of multi-line text, the cut."""
    if "\n" in value:
        value = re.sub(r"\r\n|\n\r|\r", "\n", value)
    return value.encode("utf-16-le")[:2 * MAX].decode("utf-16-le", "ignore")


# -- the project's own round trip, the baseline ---------------------------------------------


def test_the_projects_writer_and_reader_keep_every_case(tmp_path: Path) -> None:
    read = by_case(write_probe(tmp_path / "probe.xlsx"))
    assert {k: v[1] for k, v in read.items()} == {c.id: c.value for c in CASES}


def test_the_projects_reader_does_not_decode_an_escaped_u_fffe(tmp_path: Path) -> None:
    """A gap of calamine, before any office suite: U+FFFE reads back as its escape."""
    path = tmp_path / "fffe.xlsx"
    XlsxWriter().write(path, [("t", ["v"], [["a\ufffeb"]])])
    assert read_workbook_bytes(path.read_bytes()) == [("t", [["v"], ["a_xFFFE_b"]])]


def test_one_rule_predicts_every_case() -> None:
    """The findings as one function (LF-normalise multi-line text, cut at 32,767 units)."""
    assert {c.id: libreoffice_text(c.value) for c in CASES} == {c.id: c.lo for c in CASES}


# -- LibreOffice ------------------------------------------------------------------------------


@office
@needs_libreoffice
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_what_libreoffice_keeps_and_changes(resaved: Resaved, case: Case) -> None:
    got = by_case(resaved.probe_out)[case.id][1]
    assert len(got) == len(case.lo)
    assert got == case.lo


@office
@needs_libreoffice
def test_the_empty_middle_column_stays_and_nothing_moves(resaved: Resaved) -> None:
    rows = by_case(resaved.probe_out)
    assert sorted(rows) == sorted(c.id for c in CASES)
    assert all(row[2:] == ["", AFTER] for row in rows.values())


@office
@needs_libreoffice
def test_every_cell_stays_a_text_cell_and_none_becomes_a_formula(resaved: Resaved) -> None:
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(resaved.probe_out) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    cells = sheet.iter(f"{main}c")
    kinds = {(c.get("t"), c.find(f"{main}f") is not None) for c in cells}
    assert kinds == {("s", False)}  # shared strings only: no numbers, dates, booleans, formulas


@office
@needs_libreoffice
def test_libreoffice_escapes_control_characters_in_lowercase_hex(resaved: Resaved) -> None:
    with zipfile.ZipFile(resaved.probe_out) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
    assert "a_x0001_b" in strings and "a_x001f_b" in strings  # the app writes _x001F_
    assert "_x005F_x0041_" in strings  # a literal _x0041_, escaped
    assert "&#13;" in strings and "\r" not in strings  # a kept CR, as a character reference


@office
@needs_libreoffice
def test_a_headless_resave_drops_the_frozen_header_row(resaved: Resaved) -> None:
    """A view setting: the conversion has no window (a GUI save was not checked here)."""
    def sheet_xml(path: Path) -> str:
        with zipfile.ZipFile(path) as archive:
            return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")

    assert 'state="frozen"' in sheet_xml(resaved.probe_in)
    assert 'state="frozen"' not in sheet_xml(resaved.probe_out)


def changed_cells(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]],
                  ) -> dict[tuple[str, int, str], tuple[str, str]]:
    """(tab, sheet row, header) -> (before, after) for every cell that differs."""
    changes = {}
    for name, rows in before.items():
        other = after[name]
        assert len(other) == len(rows), name
        for number, (old, new) in enumerate(zip(rows, other, strict=True), start=1):
            width = max(len(old), len(new))
            old, new = old + [""] * (width - len(old)), new + [""] * (width - len(new))
            for position, (a, b) in enumerate(zip(old, new, strict=True)):
                if a != b:
                    changes[(name, number, rows[0][position])] = (a, b)
    return changes


@office
@needs_libreoffice
def test_the_ledger_survives_a_resave_with_its_signatures_and_chain_intact(
        resaved: Resaved) -> None:
    before, after = sheets(resaved.ledger_in), sheets(resaved.ledger_out)
    assert list(after) == list(before)  # every tab, in order
    changes = changed_cells(before, after)
    # Only line endings change: the CR LF comment, and the e-mail that quotes it.
    assert sorted((tab, header) for tab, _, header in changes) == [
        ("correo_saliente", "cuerpo"), ("eventos", "comentario")]
    assert all(new == libreoffice_text(old) for old, new in changes.values())
    comments = column(after["eventos"], "comentario")
    assert CRLF_COMMENT.replace("\r\n", "\n") in comments
    assert LONG_COMMENT in comments  # kept whole: the app never writes more than LO keeps
    assert chain_breaks(before["eventos"]) == []
    assert chain_breaks(after["eventos"]) == []  # line endings are canonical in the MAC


@office
@needs_libreoffice
def test_the_app_reads_and_writes_on_after_a_libreoffice_save(
        resaved: Resaved, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(resaved.ledger_out.read_bytes())
    repo = open_repo(path)
    ledger = repo.snapshot().ledger
    reference = open_repo(resaved.ledger_in).snapshot().ledger
    assert sorted(ledger.requests) == sorted(reference.requests)
    assert ledger.issues == reference.issues == []
    state = advance(repo, resaved.request_id)  # the request whose comments were re-saved
    assert state.seq == 4
    assert chain_breaks(sheets(path)["eventos"]) == []
    assert list(audit.report(open_repo(path).snapshot().ledger).findings) == []


@office
@needs_libreoffice
def test_resave_in_place_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "one.xlsx"
    XlsxWriter().write(path, [("t", ["v"], [["uno\r\ndos"]])])
    assert resave_with_libreoffice(path) == path
    assert read_workbook_bytes(path.read_bytes()) == [("t", [["v"], ["uno\ndos"]])]
    assert not [p.name for p in tmp_path.iterdir() if p.name != "one.xlsx"]


# -- openpyxl, the approximation ------------------------------------------------------------


def test_what_an_openpyxl_resave_keeps_and_changes(tmp_path: Path) -> None:
    path = resave_with_openpyxl(write_probe(tmp_path / "probe.xlsx"))
    read = by_case(path)
    assert {k: v[1] for k, v in read.items()} == {c.id: c.opx for c in CASES}
    assert all(row[2:] == ["", AFTER] for row in read.values())


def test_the_cases_match_the_findings_table() -> None:
    """OFFICE_RESAVE.md names every case of this module, so the two cannot drift apart."""
    table = (Path(__file__).parents[1] / "support" / "OFFICE_RESAVE.md").read_text("utf-8")
    named = set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))
    assert named == {c.id for c in CASES}
