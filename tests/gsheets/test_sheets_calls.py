"""How many API calls a page view and an action cost, and when the cache refreshes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sheets_helpers import NOW, FakeClock
from support.standin import FakeSheetsServer

from core.adapters.gsheets.adapter import CONTROL_TAB, SheetsRepository
from core.domain.errors import ConcurrentChange
from core.services import requests as services


def operations(server: FakeSheetsServer) -> list[str]:
    return [c.operation or "?" for c in server.calls]


def open_request(repo: SheetsRepository) -> tuple[str, int]:
    """A procedure-3 request waiting for «directora» at stage 2."""
    request_id = services.create_request(repo, "solicitante", {
        "procedure": 3, "title": "Llamadas", "objective": "o", "summary": "r"}, NOW)
    return request_id, 1


def test_a_new_server_learns_the_tabs_once_then_reads_every_tab_in_one_call(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer) -> None:
    repo = open_repo()
    ledger = repo.snapshot().ledger
    assert len(ledger.requests) >= 5 and ledger.issues == []
    assert operations(server) == ["spreadsheets.get", "spreadsheets.values.batchGet"]


def test_page_views_inside_the_cache_window_cost_no_call_and_one_read_after_it(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo(cache_seconds=5.0)
    repo.snapshot()
    server.reset_metrics()
    for _ in range(10):
        repo.snapshot().ledger.states  # noqa: B018 - a page view
        clock.advance(0.4)
    assert server.calls == []
    clock.advance(1.5)
    repo.snapshot()
    assert operations(server) == ["spreadsheets.values.batchGet"]


def test_an_action_costs_one_read_and_one_write_and_the_next_page_view_nothing(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer) -> None:
    repo = open_repo()
    request_id, seq = open_request(repo)
    repo.snapshot()
    server.reset_metrics()

    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert operations(server) == ["spreadsheets.values.batchGet", "spreadsheets.batchUpdate"]

    server.reset_metrics()
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None and state.seq == 2  # the person sees their own action
    assert server.calls == []


def test_another_servers_action_shows_up_here_once_the_cache_expires(
        open_repo: Callable[..., SheetsRepository], clock: FakeClock) -> None:
    here, there = open_repo(), open_repo()
    request_id, seq = open_request(there)
    seen = here.snapshot().ledger
    services.act(there, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert here.snapshot().ledger is seen  # still cached
    clock.advance(5.0)
    state = here.snapshot().ledger.state(request_id)
    assert state is not None and state.seq == 2


def test_a_refresh_that_finds_nothing_new_keeps_the_parsed_ledger(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    ledger = repo.snapshot().ledger
    ledger.states  # noqa: B018 - parsed and replayed
    clock.advance(10)
    assert repo.snapshot().ledger is ledger
    assert operations(server).count("spreadsheets.values.batchGet") == 2


def test_each_write_moves_the_fence_by_one_row_of_the_hidden_control_tab(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    before = server.sheet_properties(sid, CONTROL_TAB)["gridProperties"]["rowCount"]
    repo = open_repo()
    request_id, seq = open_request(repo)
    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    after = server.sheet_properties(sid, CONTROL_TAB)
    assert after["gridProperties"]["rowCount"] == before - 2
    assert after.get("hidden") is True


def test_when_the_control_tab_runs_out_it_is_replaced_and_a_stale_writer_still_waits_its_turn(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    first = open_repo(control_rows=4, cache_seconds=0)
    second = open_repo(control_rows=4, cache_seconds=0)
    server.delete_sheet(sid, CONTROL_TAB)  # a person deleted it: the adapter recreates it
    request_id, _ = open_request(first)
    ids = set()
    for _ in range(4):
        ids.add(server.sheet_properties(sid, CONTROL_TAB)["sheetId"])
        services.create_request(second, "solicitante", {
            "procedure": 3, "title": "Relleno", "objective": "o", "summary": "r"}, NOW)
        services.create_request(first, "solicitante", {
            "procedure": 3, "title": "Relleno", "objective": "o", "summary": "r"}, NOW)
    assert len(ids) >= 2  # replaced at least once
    stale = second.snapshot().ledger.state(request_id)
    services.act(first, "directora", request_id, "avanzar", expected_seq=1, now=NOW)
    assert stale is not None and stale.seq == 1
    with pytest.raises(ConcurrentChange):
        services.act(second, "directora", request_id, "avanzar", expected_seq=1, now=NOW)
    ledger = open_repo().snapshot().ledger
    assert ledger.issues == []


def test_the_fence_reads_the_row_count_from_the_range_google_reports_for_a_whole_tab() -> None:
    from core.adapters.gsheets.adapter import range_rows

    assert range_rows("'_control'!A1:A100000") == 100000
    assert range_rows("_control!A1:A3") == 3
    assert range_rows("'it''s'!A1:Z1000") == 1000
    assert range_rows("'_control'!A7") == 7
