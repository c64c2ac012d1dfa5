"""How many calls a page view and an action cost, and what a refresh reads.

A page view reuses the view for ``cache_seconds``; then Drive says whether the file
changed (Drive's quota, not Sheets'); only a change costs one Sheets read, of the control
tab, the new rows of the tabs the app owns and the small tabs people edit. An action asks
Drive first and is one batchUpdate when nothing changed; when another server wrote, what
changed is read first. The fence refuses a batch another writer overtook (and, without
Drive, a batch built on a view another server changed); only then is anything read.
"""

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


def read_ranges(server: FakeSheetsServer) -> list[list[str]]:
    return [c.query.get("ranges", []) for c in server.calls
            if c.operation == "spreadsheets.values.batchGet"]


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
    assert operations(server) == ["drive.files.get", "spreadsheets.get",
                                  "spreadsheets.values.batchGet"]


def test_page_views_inside_the_cache_window_cost_no_call_and_after_it_one_drive_question(
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
    assert operations(server) == ["drive.files.get"]  # unchanged: no Sheets call
    assert server.read_calls == 0


def test_an_action_on_a_fresh_view_costs_one_write_and_the_next_page_views_nothing(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    request_id, seq = open_request(repo)
    repo.snapshot()
    server.reset_metrics()

    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert operations(server) == ["spreadsheets.batchUpdate"]  # confirmed a moment ago

    server.reset_metrics()
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None and state.seq == 2  # the person sees their own action
    assert server.calls == []
    clock.advance(6)  # Drive's version moved by this server's write only: nothing to read
    assert repo.snapshot().ledger.state(request_id).seq == 2  # type: ignore[union-attr]
    assert operations(server) == ["drive.files.get"]


def test_an_action_seconds_after_the_last_read_asks_drive_and_writes_without_reading(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    request_id, seq = open_request(repo)
    clock.advance(3)  # the page is still within its cache: no call to show it
    server.reset_metrics()
    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert operations(server) == ["drive.files.get", "spreadsheets.batchUpdate"]
    assert server.read_calls == 0  # Drive's quota, not Sheets'


def test_an_action_on_an_older_view_asks_drive_first_and_writes_without_reading(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    request_id, seq = open_request(repo)
    repo.snapshot()
    clock.advance(30)
    server.reset_metrics()
    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert operations(server) == ["drive.files.get", "spreadsheets.batchUpdate"]


def test_another_servers_action_shows_up_here_after_one_read_of_what_changed(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    here, there = open_repo(), open_repo()
    request_id, seq = open_request(there)
    seen = here.snapshot().ledger
    events_known = len(here.snapshot().tabs["eventos"].rows)
    services.act(there, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert here.snapshot().ledger is seen  # still cached
    server.reset_metrics()
    clock.advance(here.interval())
    state = here.snapshot().ledger.state(request_id)
    assert state is not None and state.seq == 2
    assert operations(server) == ["drive.files.get", "spreadsheets.values.batchGet"]
    [ranges] = read_ranges(server)
    assert f"'eventos'!A{events_known + 1}:N" in ranges  # from the last row it had
    assert "'solicitudes'" not in ranges and "'eventos'" not in ranges  # never whole


def test_an_action_after_another_servers_write_reads_what_changed_and_writes_once(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    first, second = open_repo(), open_repo()
    request_id, seq = open_request(first)
    second.snapshot()
    services.create_request(first, "solicitante", {
        "procedure": 3, "title": "Antes", "objective": "o", "summary": "r"}, NOW)
    clock.advance(3)
    server.reset_metrics()
    services.act(second, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert [(c.operation, c.status) for c in server.calls] == [
        ("drive.files.get", 200),  # the version moved: the first server wrote since
        ("spreadsheets.values.batchGet", 200),  # what changed, and nothing else
        ("spreadsheets.batchUpdate", 200),  # never refused: no write request wasted
    ]
    assert second.conflicts == 0
    ledger = open_repo().snapshot().ledger
    assert ledger.state(request_id).seq == 2 and ledger.issues == []  # type: ignore[union-attr]


def test_without_drive_a_stale_write_is_refused_by_the_fence_and_only_then_read_again(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer) -> None:
    first, second = open_repo(), open_repo(drive_probe=False)
    request_id, seq = open_request(first)
    second.snapshot()
    services.create_request(first, "solicitante", {
        "procedure": 3, "title": "Antes", "objective": "o", "summary": "r"}, NOW)
    server.reset_metrics()
    services.act(second, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    assert [(c.operation, c.status) for c in server.calls] == [
        ("spreadsheets.batchUpdate", 400),  # the fence: the first server wrote since
        ("spreadsheets.values.batchGet", 200),  # what changed, and nothing else
        ("spreadsheets.batchUpdate", 200),
    ]
    assert second.conflicts == 1
    ledger = open_repo().snapshot().ledger
    assert ledger.state(request_id).seq == 2 and ledger.issues == []  # type: ignore[union-attr]


def test_a_refresh_that_finds_nothing_new_keeps_the_parsed_ledger(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    ledger = repo.snapshot().ledger
    ledger.states  # noqa: B018 - parsed and replayed
    clock.advance(10)
    assert repo.snapshot().ledger is ledger
    assert operations(server).count("spreadsheets.values.batchGet") == 1


def test_a_person_editing_a_tab_people_use_is_seen_at_the_next_refresh(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str,
        clock: FakeClock) -> None:
    repo = open_repo()
    before = len(repo.snapshot().tabs["unidades"].rows)
    server.set_values(sid, "unidades", [["NUEVA", "Unidad nueva", "sí"]], f"A{before + 2}")
    clock.advance(5)
    assert len(repo.snapshot().tabs["unidades"].rows) == before + 1


def test_without_drive_every_refresh_reads_what_may_have_changed_and_still_never_everything(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer,
        clock: FakeClock) -> None:
    repo = open_repo()
    repo.snapshot()
    server.inject(403, times=1, match="drive.files.get")  # the Drive API is not enabled
    server.reset_metrics()
    for _ in range(3):
        clock.advance(5)
        repo.snapshot()
    assert operations(server) == ["drive.files.get"] + ["spreadsheets.values.batchGet"] * 3
    assert all("'eventos'" not in ranges for ranges in read_ranges(server))


def test_a_journal_someone_typed_over_makes_the_next_refresh_read_the_app_tabs_whole(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str,
        clock: FakeClock) -> None:
    here, there = open_repo(), open_repo()
    request_id, seq = open_request(there)
    here.snapshot()
    services.act(there, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    server.set_values(sid, CONTROL_TAB, [["(borrado)"]], "A2", input_option="RAW")
    server.reset_metrics()
    clock.advance(here.interval())
    assert here.snapshot().ledger.state(request_id).seq == 2  # type: ignore[union-attr]
    _, second = read_ranges(server)
    assert "'solicitudes'" in second and "'eventos'" in second  # the gap: read whole
    assert here.snapshot().ledger.issues == []


def test_the_owner_sorting_a_tab_the_app_owns_is_noticed_and_that_tab_read_whole(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str,
        clock: FakeClock) -> None:
    repo = open_repo()
    ledger = repo.snapshot().ledger
    server.sort_rows(sid, "solicitudes", "titulo", descending=True)
    server.reset_metrics()
    clock.advance(5)
    after = repo.snapshot()
    assert [r[0] for r in after.tabs["solicitudes"].rows] == \
        [r[0] for r in server.values(sid, "solicitudes")[1:]]
    assert any("'solicitudes'" in ranges for ranges in read_ranges(server))
    assert after.ledger.requests.keys() == ledger.requests.keys()


def test_each_write_moves_the_fence_by_one_row_of_the_hidden_control_tab(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    before = server.sheet_properties(sid, CONTROL_TAB)["gridProperties"]["rowCount"]
    repo = open_repo()
    request_id, seq = open_request(repo)
    services.act(repo, "directora", request_id, "avanzar", expected_seq=seq, now=NOW)
    after = server.sheet_properties(sid, CONTROL_TAB)
    assert after["gridProperties"]["rowCount"] == before - 2
    assert after.get("hidden") is True


def test_servers_that_write_to_one_sheet_stretch_their_refresh_so_reads_do_not_add_up(
        open_repo: Callable[..., SheetsRepository], clock: FakeClock) -> None:
    servers = [open_repo(cache_seconds=5.0) for _ in range(3)]
    for n, repo in enumerate(servers):
        services.create_request(repo, "solicitante", {
            "procedure": 3, "title": f"Servidor {n}", "objective": "o", "summary": "r"}, NOW)
    clock.advance(60)
    servers[0].snapshot()
    assert servers[0].interval() == 15.0  # three servers wrote in the last two minutes


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
