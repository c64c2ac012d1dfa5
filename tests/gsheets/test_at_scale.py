"""The agency's scale: two app servers on one sheet of 100,000 events. One acts; the
other's next page view reads only what changed (the new event rows, the control tab's
journal, the small tabs people edit), never the events it already has."""

from __future__ import annotations

from datetime import timedelta

from sheets_helpers import NOW, FakeClock
from support.fixed import TEST_SEALER
from support.large_sheet import padded, sheet_with
from support.standin import make_gspread_client

from core.adapters.gsheets.adapter import SheetsRepository
from core.adapters.tabular import RawTab
from core.domain.models import Event
from core.domain.workflow import allowed_actions
from core.services.requests import act
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA

EVENTS = 100_000


def test_two_servers_on_100000_events_one_acts_and_the_other_reads_only_the_new_rows(
        demo_tabs: dict[str, RawTab]) -> None:
    tabs = padded(demo_tabs, EVENTS, NOW - timedelta(days=400))
    server, sid = sheet_with(tabs)
    clock = FakeClock()

    def app_server() -> SheetsRepository:
        return SheetsRepository(make_gspread_client(server), sid, SCHEMA, default_rules(),
                                TEST_SEALER, account_email=server.owner_email, clock=clock,
                                sleep=clock.sleep, seed=1)

    acting, watching = app_server(), app_server()
    ledger = acting.snapshot().ledger
    server.reset_metrics()
    assert len(watching.snapshot().ledger.events) == EVENTS
    full = next(c.response_bytes for c in server.calls
                if c.operation == "spreadsheets.values.batchGet")

    request_id, state = next(
        (rid, s) for rid, s in sorted(ledger.states.items())
        if s.is_open and s.stage_row is not None and not s.stage_row.records_schedule
        and any("avanzar" in [a.code for a in allowed_actions(s, u)]
                for u in ledger.users.values()))
    actor = next(u.username for u in sorted(ledger.users.values(), key=lambda u: u.username)
                 if "avanzar" in [a.code for a in allowed_actions(state, u)])
    server.reset_metrics()
    act(acting, actor, request_id, "avanzar", expected_seq=state.seq, now=NOW)
    assert [c.operation for c in server.calls] == ["spreadsheets.batchUpdate"]

    server.reset_metrics()
    clock.advance(watching.interval())
    seen = watching.snapshot().ledger  # the watching server's next page view

    assert [c.operation for c in server.calls] == ["drive.files.get",
                                                   "spreadsheets.values.batchGet"]
    read = server.calls[1]
    assert f"'eventos'!A{EVENTS + 1}:N" in read.query["ranges"]  # from its last known row
    assert not {"'eventos'", "'solicitudes'", "'usuarios'"} & set(read.query["ranges"])
    assert read.response_bytes < full / 100  # kilobytes, not the ledger's megabytes
    assert len(seen.events) == EVENTS + 1
    assert seen.state(request_id).seq == state.seq + 1  # type: ignore[union-attr]
    assert seen.tab(Event).unsigned == frozenset() and watching.full_reads == 1
    row = seen.requests[request_id]
    assert row.request_id == request_id
