"""A Google Sheet (stand-in) holding a large ledger, loaded in one step.

Used by the 100,000-event test (tests/gsheets/test_at_scale.py) and the Sheets benchmarks
(benchmarks/sheets_calls.py). Cells are stored exactly as the adapter writes them (dates,
moments and numbers typed, with the formats of ``core.adapters.gsheets.cells``), so a read
costs what it would cost after the app wrote every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from support.fixed import TEST_SEALER
from support.standin import FakeSheetsServer, make_gspread_client

from core.adapters.gsheets.adapter import SheetsApi
from core.adapters.gsheets.bootstrap import Bootstrap
from core.adapters.gsheets.cells import NUMBER_FORMATS, Kind, kinds_for, serial
from core.adapters.tabular import RawTab, content_headers
from core.domain.chain import Sealer
from sheets_schema.tabs import ALL_TABS, SCHEMA


def padded(tabs: dict[str, RawTab], total: int, start: datetime,
           sealer: Sealer = TEST_SEALER) -> dict[str, RawTab]:
    """``tabs`` with signed, chained system events (plan items added, one per subject)
    appended until the events tab holds ``total`` rows: a large ledger built in seconds."""
    events = tabs[SCHEMA.events.name]
    index = events.column_index()
    signed = content_headers(SCHEMA.events)
    last = events.rows[-1][index["hash"]] if events.rows else "0" * 64
    rows = list(events.rows)
    for n in range(total - len(rows)):
        values = {"id_evento": f"relleno-{n:06d}", "tipo": "sistema",
                  "id_objeto": f"PLAN-R-{n:06d}", "secuencia": "1", "accion": "plan_agregar",
                  "usuario": "profesional", "rol": "profesional",
                  "fecha_hora": (start + timedelta(minutes=5 * n)).strftime("%Y-%m-%d %H:%M:%S"),
                  "comentario": "Ítem del plan cargado para la prueba de escala"}
        signature, last = sealer.seal(last, [values.get(h, "") for h in signed])
        values["firma"], values["hash"] = signature, last
        rows.append([values.get(h, "") for h in events.header])
    out = dict(tabs)
    out[events.name] = RawTab(events.name, list(events.header), rows)
    return out


def typed_cells(name: str, header: list[str], rows: list[list[str]]
                ) -> list[list[dict[str, Any] | None]]:
    """Rows as CellData, the way the adapter writes them."""
    kinds = kinds_for(SCHEMA.by_name[name], header)
    formats = [{"numberFormat": NUMBER_FORMATS[k]} for k in kinds]
    out: list[list[dict[str, Any] | None]] = []
    for row in rows:
        cells: list[dict[str, Any] | None] = []
        for column, text in enumerate(row):
            kind = kinds[column] if column < len(kinds) else Kind.TEXT
            number = serial(text, kind) if text and kind is not Kind.TEXT else None
            if number is not None:
                cells.append({"userEnteredValue": {"numberValue": number},
                              "userEnteredFormat": formats[column]})
            elif text:
                cells.append({"userEnteredValue": {"stringValue": text}})
            else:
                cells.append(None)
        out.append(cells)
    return out


def sheet_with(tabs: Mapping[str, RawTab], server: FakeSheetsServer | None = None,
               locale: str = "es_BO") -> tuple[FakeSheetsServer, str]:
    """A bootstrapped spreadsheet holding ``tabs`` (every row as the app writes it)."""
    server = server or FakeSheetsServer(seed=7)
    sid = server.create_spreadsheet("Libro RRSS (escala)", ["Hoja 1"], locale=locale)
    api = SheetsApi(make_gspread_client(server), sid, account_email=server.owner_email)
    report = Bootstrap(api, ALL_TABS, account_email=server.owner_email, seed=3).run({})
    assert report.ok, report.problems
    for name, raw in tabs.items():
        if raw.rows:
            server.load_cells(sid, name, typed_cells(name, raw.header, raw.rows), start_row=1)
    server.reset_metrics()
    return server, sid
