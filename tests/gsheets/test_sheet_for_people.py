"""A sheet staff can work in: dates are dates and amounts numbers (sort, filter, sum), read
back by the app as exactly the text it signed whatever the spreadsheet's locale; drop-downs
over the whole grid, re-extended by the bootstrap; header rows protected; the bootstrap
says in Spanish what it changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sheets_helpers import NOW
from support.standin import FakeSheetsServer, make_gspread_client
from support.standin.errors import ApiError

from core.adapters.gsheets.adapter import CONTROL_TAB, SheetsApi, SheetsRepository
from core.adapters.gsheets.bootstrap import Bootstrap
from core.domain import tamper
from core.domain.models import Event, PlanItem
from core.services import plan
from core.services import requests as services
from sheets_schema.tabs import ALL_TABS, TABS_BY_NAME

STAFF = "persona@adsib.gob.bo"
PROTECTED = "You are trying to edit a protected cell or object."


def set_locale(server: FakeSheetsServer, sid: str, locale: str) -> None:
    api = SheetsApi(make_gspread_client(server), sid)
    api.batch_update([{"updateSpreadsheetProperties": {
        "properties": {"locale": locale}, "fields": "locale"}}])


def column_cells(server: FakeSheetsServer, sid: str, tab: str, header: str,
                 render: str = "FORMATTED_VALUE") -> list[Any]:
    rows = server.values(sid, tab, value_render=render)
    at = TABS_BY_NAME[tab].headers.index(header)
    return [r[at] if at < len(r) else "" for r in rows[1:]]


def letter(tab: str, header: str) -> str:
    return chr(65 + TABS_BY_NAME[tab].headers.index(header))


@pytest.mark.parametrize("locale", ["es_BO", "en_US"])
def test_events_written_typed_read_back_as_the_text_the_app_signed_in_any_locale(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository],
        locale: str) -> None:
    set_locale(server, sid, locale)
    repo = open_repo()
    request_id = services.create_request(repo, "solicitante", {
        "procedure": 3, "title": "Fechas", "objective": "o", "summary": "r"}, NOW)
    services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW)

    # In the sheet: the moment and the stage are numbers (a date filter and a sort work).
    moments = column_cells(server, sid, "eventos", "fecha_hora", "UNFORMATTED_VALUE")
    stages = column_cells(server, sid, "eventos", "etapa", "UNFORMATTED_VALUE")
    assert isinstance(moments[-1], float) and isinstance(stages[-1], int | float)
    assert column_cells(server, sid, "eventos", "fecha_hora")[-1] == "2026-11-30 10:00:00"

    fresh = open_repo().snapshot()  # another server reads everything back
    ledger = fresh.ledger
    assert ledger.tab(Event).unsigned == frozenset() and ledger.issues == []
    assert tamper.verify_chain(fresh.ledger.tab(Event).stored, sealer=repo.sealer).intact
    assert ledger.state(request_id).seq == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(("locale", "shown"), [("es_BO", "1.500,50"), ("en_US", "1,500.50")])
def test_an_amount_is_a_number_staff_can_sum_and_the_app_reads_it_as_it_wrote_it(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository],
        locale: str, shown: str) -> None:
    set_locale(server, sid, locale)
    repo = open_repo()
    for budget in ("1500.5", "250"):
        plan.add_item(repo, "profesional", {
            "service": "Firma digital", "channels": ["Facebook"], "type": "6",
            "start": date(2026, 12, 14), "budget": budget}, NOW)
    assert shown in column_cells(server, sid, "plan_promocion", "presupuesto_bs")
    rows = len(server.values(sid, "plan_promocion"))
    column = letter("plan_promocion", "presupuesto_bs")
    server.set_values(sid, "unidades", [[f"=SUM(plan_promocion!{column}2:{column}{rows})"]],
                      "Z1")
    total = server.values(sid, "unidades", value_render="UNFORMATTED_VALUE")[0][25]

    budgets = [i.budget for i in open_repo().snapshot().ledger.all(PlanItem) if i.budget]
    assert 1500.5 in budgets and 250.0 in budgets
    assert total == sum(budgets)  # SUM(presupuesto_bs) is what the app reads, not 0


def test_a_request_row_shows_its_promotion_as_a_number_and_agrees_with_the_record(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo()
    request_id = services.create_request(repo, "solicitante", {
        "procedure": 3, "title": "Con promoción", "objective": "o", "summary": "r",
        "promotion_bs": "1.500,00", "publish_from": date(2026, 12, 1)}, NOW)
    values = column_cells(server, sid, "solicitudes", "promocion_bs")
    assert "1.500,00" in values
    ledger = open_repo().snapshot().ledger
    assert ledger.requests[request_id].promotion_bs == 1500.0
    assert [i for i in ledger.issues if i.tab == "solicitudes"] == []  # view == record
    dates = column_cells(server, sid, "solicitudes", "publicar_desde", "UNFORMATTED_VALUE")
    assert (date(2026, 12, 1) - date(1899, 12, 30)).days in dates


def test_a_date_typed_the_bolivian_way_in_a_date_column_is_a_date_the_app_reads(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo()
    item_id = plan.add_item(repo, "profesional", {
        "service": "Dominios", "channels": ["Facebook"], "type": "6",
        "start": date(2026, 12, 14)}, NOW)
    row = next(i for i, r in enumerate(server.values(sid, "plan_promocion"))
               if r and r[0] == item_id) + 1
    server.set_values(sid, "plan_promocion", [["05/02/2027"]],
                      f"{letter('plan_promocion', 'fecha_hasta')}{row}")
    assert column_cells(server, sid, "plan_promocion", "fecha_hasta")[row - 2] == "2027-02-05"
    item = plan.find_item(open_repo().snapshot().ledger, item_id)
    assert item.end == date(2027, 2, 5)


def test_text_that_looks_like_a_date_a_number_or_a_formula_stays_as_typed(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo()
    titles = ["1/2", "007", "=SUM(A1:A3)", "3,5"]
    for title in titles:
        services.create_request(repo, "solicitante", {
            "procedure": 3, "title": title, "objective": "o", "summary": "r"}, NOW)
    assert column_cells(server, sid, "solicitudes", "titulo")[-4:] == titles


# -- the bootstrap ----------------------------------------------------------------------------


def bootstrap(server: FakeSheetsServer, sid: str) -> Any:
    api = SheetsApi(make_gspread_client(server), sid, account_email=server.owner_email)
    return Bootstrap(api, ALL_TABS, account_email=server.owner_email, seed=4).run({})


def test_drop_downs_reach_rows_added_after_the_bootstrap_once_it_runs_again(
        server: FakeSheetsServer, sid: str) -> None:
    api = SheetsApi(make_gspread_client(server), sid)
    sheet_id = server.sheet_properties(sid, "plan_promocion")["sheetId"]
    rows = server.sheet_properties(sid, "plan_promocion")["gridProperties"]["rowCount"]
    api.batch_update([{"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS",
                                           "length": 500}}])
    last = f"{letter('plan_promocion', 'estado')}{rows + 500}"
    assert server.data_validation(sid, "plan_promocion", last) is None

    report = bootstrap(server, sid)

    assert report.ok
    assert server.data_validation(sid, "plan_promocion", last) is not None
    assert any(line.startswith("pestaña «plan_promocion»: listas desplegables en «tipo»")
               and f"(hasta la {rows + 500})" in line for line in report.changes)
    assert bootstrap(server, sid).changes == []  # and a third run has nothing to do


def test_header_rows_of_tabs_people_edit_are_protected_and_their_rows_stay_open(
        server: FakeSheetsServer, sid: str) -> None:
    server.share(sid, STAFF, role="writer")
    with pytest.raises(ApiError) as refused:
        server.rename_header(sid, "unidades", "nombre", "Nombre de la unidad", by=STAFF)
    assert refused.value.code == 400 and PROTECTED in refused.value.message
    server.set_values(sid, "unidades", [["NUEVA", "Unidad nueva", "sí"]], "A20", by=STAFF)
    assert server.values(sid, "unidades")[19][:2] == ["NUEVA", "Unidad nueva"]


def test_the_bootstrap_says_in_spanish_what_it_changed_on_a_sheet_made_before_formats(
        server: FakeSheetsServer) -> None:
    sid = server.create_spreadsheet("Libro antiguo", ["Hoja 1"])
    for spec in ALL_TABS:  # tabs as an older version left them: headers, nothing else
        server.add_sheet(sid, spec.name, rows=50, cols=len(spec.headers))
        server.set_values(sid, spec.name, [spec.headers], "A1", input_option="RAW")

    report = bootstrap(server, sid)

    assert report.ok
    text = "\n".join(report.changes)
    assert "pestaña «plan_promocion»: formato de fechas (AAAA-MM-DD) en «fecha_desde», " \
           "«fecha_hasta»; montos (1.500,00) en «presupuesto_bs»" in text
    assert "(se ordenan, filtran y suman como tales)" in text
    assert "pestaña «unidades»: encabezado (fila 1) protegido; solo " \
           f"{server.owner_email} cambia los nombres de columna" in text
    assert f"pestaña «eventos» protegida: solo {server.owner_email} la edita" in text
    assert "pestaña «ingreso»: formato" not in text  # a Form's own formats are kept
    assert f"pestaña oculta «{CONTROL_TAB}» creada" in text


def test_a_bootstrap_that_adds_a_column_makes_running_servers_read_the_tabs_whole(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(cache_seconds=0)
    repo.snapshot()
    server.reset_metrics()
    report = bootstrap(server, sid)  # nothing to do: no fence moved, nothing read whole
    assert report.changes == [] and server.write_calls == 0
    server.set_values(sid, "plan_promocion", [[""]], "A1")  # a header cell lost...
    server.set_values(sid, "plan_promocion", [["id_item"]], "A1")  # ...and typed back
    sheet_id = server.sheet_properties(sid, "usuarios")["sheetId"]
    SheetsApi(make_gspread_client(server), sid).batch_update([{"repeatCell": {
        "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 7,
                  "endColumnIndex": 8},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
        "fields": "userEnteredFormat.numberFormat"}}])  # a format someone changed
    assert bootstrap(server, sid).changes  # puts it back, and moves the fence
    server.reset_metrics()
    repo.snapshot()
    reads = [c.query.get("ranges", []) for c in server.calls
             if c.operation == "spreadsheets.values.batchGet"]
    assert any("'usuarios'" in ranges for ranges in reads)
