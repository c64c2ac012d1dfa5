"""Prepare a Google Sheet as the ledger: ``python -m gsheets.bootstrap [--demo]``.

Creates every tab of ``sheets_schema/tabs.py`` that is missing, with its header row
(frozen), plain-text cells (so a date or a number typed by hand stays as typed), drop-down
lists where a column has a fixed set of values, and the events tab protected so that only
the service account edits it. Empty tabs get the agency's units and the procedure table
(unless ``--sin-unidades`` / ``--sin-procedimientos``); ``--demo`` loads the demo ledger
into a spreadsheet whose tabs are all empty.

Idempotent: it reads first (three calls) and writes, in one atomic ``batchUpdate``, only
what is missing, so a second run writes nothing. A tab whose header row differs from the
schema (a renamed or missing column) is reported with what differs and nothing at all is
written; a header that only lacks columns added to the schema later gets them appended.
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
from core.adapters.tabular import TabSpec
from core.adapters.workbook.xlsx import column_letter

NEW_TAB_ROWS = 200  # the grid grows as rows are appended; drop-downs cover these
PROTECTION_NOTE = ("Solo la cuenta de servicio de la aplicación escribe en esta pestaña; para "
                   "ordenar o filtrar use una vista de filtro (Datos > Vistas de filtro), que "
                   "no cambia el orden de las filas para nadie más.")
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
        cells: dict[str, list[dict[str, Any]]] = {}
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
                width = max(len(spec.headers), len(found), 1)
                if rows_in_grid > 1:
                    grid_ranges.append(f"{quote_tab(spec.name)}!A2:{column_letter(width - 1)}2")
            if grid_ranges:
                grid = self.api.with_retries(started, lambda: self.api.get({
                    "ranges": grid_ranges,
                    "fields": "sheets(properties.title,data.rowData.values(dataValidation,"
                              "userEnteredFormat.numberFormat))"}))
                for sheet in grid.get("sheets") or []:
                    data = (sheet.get("data") or [{}])[0].get("rowData") or [{}]
                    cells[sheet["properties"]["title"]] = data[0].get("values") or []
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
            self._decorate(report, spec, sheet, header, cells.get(spec.name) or [])
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
                "fields": "userEnteredValue",
                "start": {"sheetId": control_id, "rowIndex": 0, "columnIndex": 0}}})
            self._protect(report, CONTROL_TAB, control_id, [])
            report.changes.append(f"pestaña oculta «{CONTROL_TAB}» creada (ordena las escrituras "
                                  "simultáneas; no la edite)")
        else:
            control = sheets[CONTROL_TAB]
            self._protect(report, CONTROL_TAB, int(control["properties"].get("sheetId", 0)),
                          control.get("protectedRanges") or [])
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
            "rows": [row_data(headers)], "fields": "userEnteredValue",
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}}})
        for column, name in enumerate(headers):
            choices = spec.choices.get(name)
            if choices:
                report.requests.append(self._validation(sheet_id, column, choices))
        report.changes.append(f"pestaña «{spec.name}» creada con {len(headers)} columnas")
        if spec.append_only or spec.app_owned:
            self._protect(report, spec.name, sheet_id, [])

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
                "rows": [row_data(wanted)], "fields": "userEnteredValue",
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
                "rows": [row_data(missing)], "fields": "userEnteredValue",
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
                  header: list[str], row2: list[dict[str, Any]]) -> None:
        """Frozen header, text format, drop-downs, protection: whatever is missing."""
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
            for name, choices in spec.choices.items():
                if name not in header:
                    continue
                column = header.index(name)
                found = row2[column].get("dataValidation") if column < len(row2) else None
                rule = _validation_rule(choices)
                if not _same_rule(found, rule):
                    report.requests.append(self._validation(sheet_id, column, choices))
                    report.changes.append(f"pestaña «{spec.name}»: lista desplegable en "
                                          f"«{name}»")
        if spec.append_only or spec.app_owned:
            self._protect(report, spec.name, sheet_id, sheet.get("protectedRanges") or [])

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
        for row in rows:
            cells = [row.get(h, "") for h in header]
            while cells and cells[-1] == "":
                cells.pop()
            data.append(row_data(cells))
        report.requests.append({"appendCells": {"sheetId": sheet_id, "rows": data,
                                                "fields": "userEnteredValue"}})
        report.changes.append(f"pestaña «{spec.name}»: {len(rows)} filas cargadas")
