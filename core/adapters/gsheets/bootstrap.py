"""Prepare a Google Sheet as the ledger: ``python cli.py bootstrap [--demo]``.

Creates every tab of ``sheets_schema/tabs.py`` that is missing, with its header row
(frozen), and on every tab (new or not) makes sure of:

- **number formats** per column (:mod:`cells`): dates as dates (``AAAA-MM-DD``), moments
  as date and time, whole numbers and amounts (``1.500,00``) as numbers, so staff sort,
  filter and sum; every other column plain text (a ``1/2`` typed in a title stays text).
  The intake tab a Google Form feeds keeps the Form's own formats;
- **drop-down lists** where a column has fixed values, over the whole grid: a re-run finds
  the rows added since (the grid grows as rows are appended) and extends them;
- **protection**: the tabs only the app edits (``eventos``, ``materiales``,
  ``solicitudes``, ``usuarios``, ``correo_saliente``, ``correo_archivo``) whole, and the
  header row of every other tab, so that only the service account changes them (a renamed
  header would stop the app for everyone).

Empty tabs get the agency's units and the procedure table (unless ``--sin-unidades`` /
``--sin-procedimientos``); ``--demo`` loads the demo ledger into a spreadsheet whose tabs
are all empty. :class:`BootstrapReport` says in Spanish what changed.

Idempotent: it reads first (three calls) and writes, in one atomic ``batchUpdate``, only
what is missing, so a second run writes nothing. A tab whose header row differs from the
schema (a renamed or missing column) is reported with what differs and nothing at all is
written; a header that only lacks columns added to the schema later gets them appended.
A run that writes also moves the app's fence, so every app server reads the tabs whole at
its next refresh.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.adapters.gsheets.adapter import (
    CONTROL_ROWS,
    CONTROL_TAB,
    Rejected,
    Retryable,
    SheetsApi,
    canonical_header,
    header_problem,
    quote_tab,
    row_data,
)
from core.adapters.gsheets.cells import FIELDS, NUMBER_FORMATS, Kind, kinds_for
from core.adapters.gsheets.cells import row_data as typed_row
from core.adapters.tabular import TabSpec
from core.adapters.workbook.xlsx import column_letter

NEW_TAB_ROWS = 200  # the grid grows as rows are appended; a re-run extends drop-downs
PROTECTION_NOTE = ("Solo la cuenta de servicio de la aplicación escribe en esta pestaña; para "
                   "ordenar o filtrar use una vista de filtro (Datos > Vistas de filtro), que "
                   "no cambia el orden de las filas para nadie más.")
HEADER_NOTE = ("Encabezado: la aplicación encuentra cada columna por este nombre; solo la "
               "cuenta de servicio lo cambia. Las filas de abajo se editan libremente.")
KIND_WORDS = {Kind.DATE: "fechas (AAAA-MM-DD)",
              Kind.MOMENT: "fechas con hora (AAAA-MM-DD HH:MM:SS)",
              Kind.WHOLE: "números enteros", Kind.AMOUNT: "montos (1.500,00)",
              Kind.TEXT: "texto"}
LOCALE = "es_BO"  # dates typed by hand read as D/M/AAAA, never M/D
TIME_ZONE = "America/La_Paz"
METADATA_FIELDS = (
    "properties(title,locale,timeZone),sheets(properties(sheetId,title,gridProperties(rowCount,columnCount,"
    "frozenRowCount)),protectedRanges(protectedRangeId,range,editors,warningOnly))"
)


@dataclass
class BootstrapReport:
    """What the bootstrap did (``changes``) or why it stopped (``problems``)."""

    title: str = ""
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems



def _validation_rule(values: Sequence[str]) -> dict[str, Any]:
    return {"condition": {"type": "ONE_OF_LIST",
                          "values": [{"userEnteredValue": v} for v in values]},
            "showCustomUi": True, "strict": False}


def _same_rule(found: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    if not found:
        return False
    condition = found.get("condition") or {}
    return (condition.get("type") == wanted["condition"]["type"]
            and [v.get("userEnteredValue") for v in condition.get("values") or []]
            == [v["userEnteredValue"] for v in wanted["condition"]["values"]]
            and bool(found.get("showCustomUi")) and not found.get("strict"))


def _same_format(found: Mapping[str, Any] | None, wanted: Mapping[str, str]) -> bool:
    if not found:
        return False
    return found.get("type") == wanted["type"] and \
        (found.get("pattern") or "") == wanted.get("pattern", "")


def _whole_sheet(protected: Mapping[str, Any], sheet_id: int) -> bool:
    grid = protected.get("range") or {}
    return (grid.get("sheetId", 0) == sheet_id and not protected.get("warningOnly")
            and not any(k in grid for k in ("startRowIndex", "endRowIndex",
                                            "startColumnIndex", "endColumnIndex")))


class Bootstrap:
    """Plans and applies the preparation of one spreadsheet (see the module docstring)."""

    def __init__(self, api: SheetsApi, specs: Sequence[TabSpec], *, account_email: str = "",
                 seed: int | None = None) -> None:
        self.api = api
        self.specs = list(specs)
        self.account_email = account_email
        self.rng = random.Random(seed)

    def run(self, rows: Mapping[str, Sequence[Mapping[str, str]]] | None = None, *,
            demo: bool = False, apply: bool = True) -> BootstrapReport:
        """Plan, and unless there is a problem (or ``apply`` is False), write in one call."""
        report = self.plan(rows or {}, demo=demo)
        if report.ok and report.requests and apply:
            started = self.api.clock()
            attempt = 0
            while True:
                try:
                    self.api.call(lambda: self.api.batch_update(report.requests))
                    break
                except Rejected as exc:
                    report.problems.append(f"Google rechazó la preparación: {exc.message}")
                    report.changes.clear()
                    break
                except Retryable as exc:
                    # Re-sending is safe even if the lost answer had applied it: the batch
                    # then fails on a tab that already exists, and a new run writes nothing.
                    self.api.pause(started, attempt, exc.reason, writing=True,
                                   uncertain=exc.maybe_applied)
                    attempt += 1
        return report

    # -- planning -----------------------------------------------------------------------

    def plan(self, rows: Mapping[str, Sequence[Mapping[str, str]]], *,
             demo: bool) -> BootstrapReport:
        started = self.api.clock()
        meta = self.api.with_retries(started, lambda: self.api.get({"fields": METADATA_FIELDS}))
        properties = meta.get("properties") or {}
        report = BootstrapReport(title=str(properties.get("title", "")))
        if properties.get("locale") != LOCALE or properties.get("timeZone") != TIME_ZONE:
            report.requests.append({"updateSpreadsheetProperties": {
                "properties": {"locale": LOCALE, "timeZone": TIME_ZONE},
                "fields": "locale,timeZone"}})
            report.changes.append(f"configuración regional {LOCALE}, zona horaria {TIME_ZONE}")
        sheets = {str(s["properties"]["title"]): s for s in meta.get("sheets") or []}
        existing = [spec for spec in self.specs if spec.name in sheets]
        values: dict[str, list[list[str]]] = {}
        cells: dict[str, list[list[dict[str, Any]]]] = {}
        if existing:
            answer = self.api.with_retries(started, lambda: self.api.batch_get(
                [quote_tab(s.name) for s in existing], {"valueRenderOption": "FORMATTED_VALUE"}))
            for spec, value_range in zip(existing, answer.get("valueRanges") or [], strict=True):
                values[spec.name] = [[str(c) for c in r] for r in value_range.get("values") or []]
            grid_ranges = []
            for spec in existing:
                rows_in_grid = sheets[spec.name]["properties"].get("gridProperties", {}) \
                    .get("rowCount", 0)
                found = values[spec.name][0] if values[spec.name] else []
                last = column_letter(max(len(spec.headers), len(found), 1) - 1)
                if rows_in_grid > 1:  # the first data row and the grid's last row
                    grid_ranges.append(f"{quote_tab(spec.name)}!A2:{last}2")
                    grid_ranges.append(f"{quote_tab(spec.name)}!A{rows_in_grid}:"
                                       f"{last}{rows_in_grid}")
            if grid_ranges:
                grid = self.api.with_retries(started, lambda: self.api.get({
                    "ranges": grid_ranges,
                    "fields": "sheets(properties.title,data.rowData.values(dataValidation,"
                              "userEnteredFormat.numberFormat))"}))
                for sheet in grid.get("sheets") or []:
                    probes = []
                    for data in sheet.get("data") or []:
                        row = (data.get("rowData") or [{}])[0]
                        probes.append(row.get("values") or [])
                    cells[sheet["properties"]["title"]] = probes
        has_data = {name: any(any(c.strip() for c in r) for r in v[1:])
                    for name, v in values.items()}
        if demo and any(has_data.values()):
            full = [n for n, v in has_data.items() if v]
            report.notes.append(
                "No se cargó la demostración: solo se carga en una hoja vacía y ya tienen "
                "filas " + ", ".join(f"«{n}»" for n in full) + ".")
            rows = {}
        taken = {int(s["properties"].get("sheetId", 0)) for s in sheets.values()}
        for spec in self.specs:
            sheet = sheets.get(spec.name)
            if sheet is None:
                sheet_id = self._new_id(taken)
                self._new_tab(report, spec, sheet_id)
                self._rows(report, spec, sheet_id, rows.get(spec.name, ()), list(spec.headers))
                continue
            props = sheet["properties"]
            sheet_id = int(props.get("sheetId", 0))
            header = self._check_header(report, spec, props, values.get(spec.name) or [],
                                        has_data.get(spec.name, False))
            if header is None:
                continue
            self._decorate(report, spec, sheet, header, cells.get(spec.name) or [[], []])
            if not has_data.get(spec.name):
                self._rows(report, spec, sheet_id, rows.get(spec.name, ()), header)
        if CONTROL_TAB not in sheets:
            control_id = self._new_id(taken)
            report.requests.append({"addSheet": {"properties": {
                "sheetId": control_id, "title": CONTROL_TAB, "hidden": True,
                "gridProperties": {"rowCount": CONTROL_ROWS, "columnCount": 1}}}})
            report.requests.append({"updateCells": {
                "rows": [row_data(["No edite esta pestaña: la aplicación la usa para que dos "
                                    "escrituras simultáneas no se pisen."])],
                "fields": FIELDS,
                "start": {"sheetId": control_id, "rowIndex": 0, "columnIndex": 0}}})
            self._protect(report, CONTROL_TAB, control_id, [])
            report.changes.append(f"pestaña oculta «{CONTROL_TAB}» creada (ordena las escrituras "
                                  "simultáneas; no la edite)")
        else:
            control = sheets[CONTROL_TAB]
            control_id = int(control["properties"].get("sheetId", 0))
            self._protect(report, CONTROL_TAB, control_id, control.get("protectedRanges") or [])
            size = int((control["properties"].get("gridProperties") or {}).get("rowCount", 0))
            if report.requests and size > 3:
                # Move the app's fence: every running server then reads the tabs whole (the
                # journal has no entry for this write), so new columns and formats are seen.
                report.requests.append({"deleteDimension": {"range": {
                    "sheetId": control_id, "dimension": "ROWS",
                    "startIndex": size - 1, "endIndex": size}}})
        if report.problems:
            report.requests.clear()
            report.changes.clear()
        return report

    def _new_id(self, taken: set[int]) -> int:
        while True:
            value = self.rng.randint(1, 2**31 - 1)
            if value not in taken:
                taken.add(value)
                return value

    def _new_tab(self, report: BootstrapReport, spec: TabSpec, sheet_id: int) -> None:
        headers = list(spec.headers)
        report.requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": spec.name,
            "gridProperties": {"rowCount": NEW_TAB_ROWS, "columnCount": len(headers),
                               "frozenRowCount": 1}}}})
        report.requests.append({"updateCells": {
            "rows": [row_data(headers)], "fields": FIELDS,
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}}})
        for column, name in enumerate(headers):
            choices = spec.choices.get(name)
            if choices:
                report.requests.append(self._validation(sheet_id, column, choices))
        report.changes.append(f"pestaña «{spec.name}» creada con {len(headers)} columnas")
        self._formats(report, spec, sheet_id, headers, [[], []], announce=False)
        if spec.append_only or spec.app_owned:
            self._protect(report, spec.name, sheet_id, [])
        else:
            self._protect_header(report, spec.name, sheet_id, [])

    def _check_header(self, report: BootstrapReport, spec: TabSpec, props: Mapping[str, Any],
                      values: list[list[str]], has_data: bool) -> list[str] | None:
        """The tab's header after this run, or None when it is wrong (a problem noted)."""
        sheet_id = int(props.get("sheetId", 0))
        header = canonical_header(spec, values[0]) if values else []
        while header and not header[-1]:
            header.pop()
        wanted = list(spec.headers)
        if not header and not has_data:
            self._grow_columns(report, sheet_id, props, len(wanted))
            report.requests.append({"updateCells": {
                "rows": [row_data(wanted)], "fields": FIELDS,
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}}})
            report.changes.append(f"encabezado escrito en la pestaña «{spec.name}»")
            return wanted
        problem = header_problem(spec, header)
        if problem is None:
            return header
        required = set(spec.required_headers())
        missing = [h for h in wanted if h not in header]
        if header == wanted[:len(header)] and (not has_data or not required & set(missing)):
            self._grow_columns(report, sheet_id, props, len(wanted))
            report.requests.append({"updateCells": {
                "rows": [row_data(missing)], "fields": FIELDS,
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": len(header)}}})
            report.changes.append(f"pestaña «{spec.name}»: columnas nuevas del esquema "
                                  f"agregadas al final: {', '.join(missing)}")
            return wanted
        differences = []
        for column in range(max(len(header), len(wanted))):
            found = header[column] if column < len(header) else ""
            expected = wanted[column] if column < len(wanted) else ""
            if found != expected:
                differences.append(f"{column_letter(column)}1 tiene «{found}», se espera "
                                   f"«{expected}»")
        report.problems.append(
            f"{problem[0].upper()}{problem[1:]}. Diferencias en la fila 1: "
            + "; ".join(differences[:6]) + (" …" if len(differences) > 6 else "") + ".")
        return None

    def _grow_columns(self, report: BootstrapReport, sheet_id: int, props: Mapping[str, Any],
                      width: int) -> None:
        columns = int((props.get("gridProperties") or {}).get("columnCount", 26))
        if columns < width:
            report.requests.append({"appendDimension": {
                "sheetId": sheet_id, "dimension": "COLUMNS", "length": width - columns}})

    def _decorate(self, report: BootstrapReport, spec: TabSpec, sheet: Mapping[str, Any],
                  header: list[str], probes: list[list[dict[str, Any]]]) -> None:
        """Frozen header, number formats, drop-downs, protection: whatever is missing.

        ``probes``: the cells of the first data row and of the grid's last row, as Google
        holds them (their drop-down rule and number format).
        """
        props = sheet["properties"]
        sheet_id = int(props.get("sheetId", 0))
        grid = props.get("gridProperties") or {}
        if int(grid.get("frozenRowCount", 0)) != 1:
            report.requests.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount"}})
            report.changes.append(f"pestaña «{spec.name}»: fila de encabezado fijada")
        rows = int(grid.get("rowCount", 0))
        if rows > 1:
            extended: list[str] = []
            for name, choices in spec.choices.items():
                if name not in header:
                    continue
                column = header.index(name)
                rule = _validation_rule(choices)
                found = [probe[column].get("dataValidation") if column < len(probe) else None
                         for probe in probes]
                if not all(_same_rule(f, rule) for f in found):
                    report.requests.append(self._validation(sheet_id, column, choices))
                    extended.append(name)
            if extended:
                report.changes.append(
                    f"pestaña «{spec.name}»: listas desplegables en "
                    + ", ".join(f"«{n}»" for n in extended)
                    + f" para todas las filas (hasta la {rows})")
            self._formats(report, spec, sheet_id, header, probes, announce=True)
        if spec.append_only or spec.app_owned:
            self._protect(report, spec.name, sheet_id, sheet.get("protectedRanges") or [])
        else:
            self._protect_header(report, spec.name, sheet_id,
                                 sheet.get("protectedRanges") or [])

    def _formats(self, report: BootstrapReport, spec: TabSpec, sheet_id: int,
                 header: list[str], probes: list[list[dict[str, Any]]], *,
                 announce: bool) -> None:
        """Each column's number format over the whole grid, where it is not there yet."""
        if spec.form_fed:
            return  # a Google Form writes the intake tab with formats of its own
        changed: dict[Kind, list[str]] = {}
        for column, kind in enumerate(kinds_for(spec, header)):
            if not header[column].strip():
                continue
            wanted = NUMBER_FORMATS[kind]
            found = [((probe[column] if column < len(probe) else {}).get(
                "userEnteredFormat") or {}).get("numberFormat") for probe in probes]
            if all(_same_format(f, wanted) for f in found):
                continue
            report.requests.append({"repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": 1,
                          "startColumnIndex": column, "endColumnIndex": column + 1},
                "cell": {"userEnteredFormat": {"numberFormat": dict(wanted)}},
                "fields": "userEnteredFormat.numberFormat"}})
            changed.setdefault(kind, []).append(header[column])
        if not changed or not announce:
            return
        text = changed.pop(Kind.TEXT, [])
        parts = ["; ".join(f"{KIND_WORDS[k]} en " + ", ".join(f"«{c}»" for c in cols)
                           for k, cols in changed.items())
                 + " (se ordenan, filtran y suman como tales)"] if changed else []
        if text:
            parts.append(f"texto tal como se escribe en las {'otras ' if changed else ''}"
                         f"{len(text)} columnas" if len(text) > 1 else
                         f"texto tal como se escribe en «{text[0]}»")
        report.changes.append(f"pestaña «{spec.name}»: formato de " + "; ".join(parts))

    def _protect_header(self, report: BootstrapReport, name: str, sheet_id: int,
                        existing: list[Mapping[str, Any]]) -> None:
        """Row 1 of a tab people edit: only the service account renames a column."""
        if not self.account_email:
            return  # _protect's note already says the account is unknown
        for protected in existing:
            grid = protected.get("range") or {}
            if (grid.get("sheetId", 0) == sheet_id and grid.get("startRowIndex", 0) == 0
                    and grid.get("endRowIndex") == 1 and not protected.get("warningOnly")
                    and self.account_email in ((protected.get("editors") or {})
                                               .get("users") or [])):
                return
        report.requests.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
            "description": HEADER_NOTE, "warningOnly": False,
            "editors": {"users": [self.account_email]}}}})
        report.changes.append(f"pestaña «{name}»: encabezado (fila 1) protegido; solo "
                              f"{self.account_email} cambia los nombres de columna")

    def _validation(self, sheet_id: int, column: int, choices: Sequence[str]) -> dict[str, Any]:
        return {"setDataValidation": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": column,
                      "endColumnIndex": column + 1},
            "rule": _validation_rule(choices)}}

    def _protect(self, report: BootstrapReport, name: str, sheet_id: int,
                 existing: list[Mapping[str, Any]]) -> None:
        if not self.account_email:
            report.notes.append(f"La pestaña «{name}» no se protegió: no se conoce el correo de "
                                "la cuenta de servicio.")
            return
        for protected in existing:
            if _whole_sheet(protected, sheet_id) and self.account_email in \
                    ((protected.get("editors") or {}).get("users") or []):
                return
        report.requests.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id},
            "description": PROTECTION_NOTE,
            "warningOnly": False,
            "editors": {"users": [self.account_email]}}}})
        report.changes.append(f"pestaña «{name}» protegida: solo {self.account_email} la edita")

    def _rows(self, report: BootstrapReport, spec: TabSpec, sheet_id: int,
              rows: Sequence[Mapping[str, str]], header: list[str]) -> None:
        if not rows:
            return
        data = []
        kinds = kinds_for(spec, header)
        for row in rows:
            cells = [row.get(h, "") for h in header]
            while cells and cells[-1] == "":
                cells.pop()
            data.append(typed_row(cells, kinds))
        report.requests.append({"appendCells": {"sheetId": sheet_id, "rows": data,
                                                "fields": FIELDS}})
        report.changes.append(f"pestaña «{spec.name}»: {len(rows)} filas cargadas")
