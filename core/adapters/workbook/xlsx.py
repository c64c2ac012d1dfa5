"""A small, fast reader and writer for the ledger's .xlsx workbook.

Why not openpyxl or xlsxwriter for writing: rewriting a workbook with 20,000 event rows
through them takes seconds, and every action rewrites the file (an .xlsx is a zip: there
is no appending in place). This writer keeps each row's XML from the previous write and
re-serialises only the rows an action touched, so an action costs one zip of ready text.
Reading goes through calamine (Rust), which reads files saved by LibreOffice or Excel too.

Every value is written as a shared string: the ledger is text, and a text cell is never a
formula, whatever it starts with.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from python_calamine import CalamineWorkbook

# Characters XML cannot hold (and \r, which XML parsers turn into \n) are written as
# _xHHHH_; an underscore that starts a literal _xHHHH_ is escaped as _x005F_ (a lookahead,
# so that overlapping patterns such as "_x005F_x0041_" are each escaped).
_INVALID_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _escape_xstring(value: str) -> str:
    """OOXML escapes characters XML cannot hold as _xHHHH_ (and a literal _xHHHH_ too)."""
    return escape(_INVALID_XML.sub(lambda match: f"_x{ord(match.group(0)):04X}_", value))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def normalise(value: Any) -> str:
    """A cell read back as the text the ledger stores (calamine already undid _xHHHH_)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


Sheets = list[tuple[str, list[list[str]]]]


def read_workbook(path: Path) -> Sheets:
    """Every sheet, in order, as rows of text (trailing empty cells trimmed)."""
    return _read(CalamineWorkbook.from_path(str(path)))


def read_workbook_bytes(data: bytes) -> Sheets:
    """As :func:`read_workbook`, from the file's bytes already in memory."""
    return _read(CalamineWorkbook.from_filelike(io.BytesIO(data)))


def _read(book: CalamineWorkbook) -> Sheets:
    sheets = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        text_rows = []
        for row in rows:
            cells = [c if type(c) is str else normalise(c) for c in row]
            while cells and cells[-1] == "":
                cells.pop()
            text_rows.append(cells)
        while text_rows and not text_rows[-1]:
            text_rows.pop()
        sheets.append((name, text_rows))
    return sheets


_CONTENT_TYPES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>'
)
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


class XlsxWriter:
    """Writes whole workbooks, reusing the XML of rows that did not change since last time.

    Not thread-safe: the storage adapter calls it under its write lock.
    """

    def __init__(self) -> None:
        self._strings: dict[str, int] = {}
        self._string_xml: list[str] = []
        self._rows: dict[str, list[str]] = {}
        self._headers: dict[str, list[str]] = {}

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def _sid(self, value: str) -> int:
        index = self._strings.get(value)
        if index is None:
            index = self._strings[value] = len(self._string_xml)
            preserve = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
            self._string_xml.append(f"<si><t{preserve}>{_escape_xstring(value)}</t></si>")
        return index

    def _row_xml(self, number: int, cells: Sequence[str], style: str = "") -> str:
        parts = [f'<row r="{number}">']
        sid = self._sid
        for value in cells:
            if value == "":
                parts.append("<c/>")
            else:
                parts.append(f'<c{style} t="s"><v>{sid(value)}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    def write(
        self,
        path: Path,
        sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]],
        touched: dict[str, set[int]] | None = None,
    ) -> None:
        """Write ``(name, header, rows)`` sheets to ``path`` (the caller makes it atomic).

        ``touched`` names, per sheet, the row indexes changed since the last write; rows
        not named reuse their cached XML. ``None`` re-serialises everything.
        """
        if touched is None:
            self.reset()
        sheet_xml: list[bytes] = []
        for name, header, rows in sheets:
            cached = self._rows.get(name)
            if cached is None or touched is None or self._headers.get(name) != list(header) \
                    or len(cached) > len(rows):
                cached = [self._row_xml(i + 2, r) for i, r in enumerate(rows)]
            else:
                changed = touched.get(name, set())
                for index in sorted(changed):
                    xml = self._row_xml(index + 2, rows[index])
                    if index < len(cached):
                        cached[index] = xml
                    elif index == len(cached):
                        cached.append(xml)
                for index in range(len(cached), len(rows)):
                    cached.append(self._row_xml(index + 2, rows[index]))
            self._rows[name] = cached
            self._headers[name] = list(header)
            sheet_xml.append(self._sheet(header, cached).encode("utf-8"))
        self._zip(path, [name for name, _, _ in sheets], sheet_xml)

    def _sheet(self, header: Sequence[str], rows: list[str]) -> str:
        widths = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{min(60, max(12, len(h) + 4))}" '
            'customWidth="1"/>' for i, h in enumerate(header)
        )
        head = self._row_xml(1, header, ' s="1"')
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols>' if header else
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
        ) + "<sheetData>" + head + "".join(rows) + "</sheetData></worksheet>"

    def _zip(self, path: Path, names: list[str], sheets: list[bytes]) -> None:
        types = _CONTENT_TYPES_HEAD + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(len(names))
        ) + "</Types>"
        workbook = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS}><sheets>'
            + "".join(f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i + 1}" '
                      f'r:id="rId{i + 1}"/>' for i, n in enumerate(names))
            + "</sheets></workbook>"
        )
        rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                      f'officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))
            + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            + f'<Relationship Id="rId{len(names) + 2}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        )
        count = len(self._string_xml)
        strings = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://'
            f'schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" '
            f'uniqueCount="{count}">' + "".join(self._string_xml) + "</sst>"
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", types)
            archive.writestr("_rels/.rels", _ROOT_RELS)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", rels)
            archive.writestr("xl/styles.xml", _STYLES)
            archive.writestr("xl/sharedStrings.xml", strings.encode("utf-8"))
            for i, data in enumerate(sheets):
                archive.writestr(f"xl/worksheets/sheet{i + 1}.xml", data)
