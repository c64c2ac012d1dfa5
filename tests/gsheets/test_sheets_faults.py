"""Faults: quota bursts and server errors ridden out, bounded; nothing half-written or
doubled; a lost answer never makes a retry write the same event twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import pairwise

import pytest
from sheets_helpers import NOW, FakeClock
from support.standin import Call, FakeSheetsServer

from core.adapters.gsheets.adapter import RetryPolicy, SheetsRepository
from core.domain.errors import StorageError
from core.services import requests as services

PATIENT = RetryPolicy(budget=20.0, first_delay=0.5, max_delay=8.0)


def waiting_request(repo: SheetsRepository) -> str:
    return services.create_request(repo, "solicitante", {
        "procedure": 3, "title": "Fallas", "objective": "o", "summary": "r"}, NOW)


def event_ids(server: FakeSheetsServer, sid: str) -> Counter[str]:
    rows = server.values(sid, "eventos")
    position = rows[0].index("id_evento")
    return Counter(r[position] for r in rows[1:] if len(r) > position)


def test_a_burst_of_429_on_reads_and_writes_is_ridden_out_with_growing_jittered_waits(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str,
        clock: FakeClock) -> None:
    repo = open_repo(retry=PATIENT)
    request_id = waiting_request(repo)
    server.inject(429, times=3, match="read")
    server.inject(429, times=3, match="write")
    server.reset_metrics()

    state = services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW,
                         event_id="rafaga")

    assert state.seq == 2 and event_ids(server, sid)["rafaga"] == 1
    assert len(clock.sleeps) == 6
    assert all(0 <= wait <= PATIENT.max_delay for wait in clock.sleeps)
    assert sum(clock.sleeps) < PATIENT.budget
    # After each refused write the batch was built again from a fresh read, never resent.
    kinds = [c.operation for c in server.calls if c.operation != "drive.files.get"]
    writes = [i for i, op in enumerate(kinds) if op == "spreadsheets.batchUpdate"]
    assert all("spreadsheets.values.batchGet" in kinds[a:b]
               for a, b in pairwise(writes))


def test_a_5xx_answer_on_a_write_is_checked_against_a_fresh_read_before_sending_again(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    repo = open_repo()
    request_id = waiting_request(repo)
    server.inject(503, times=2, match="spreadsheets.batchUpdate")
    services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW,
                 event_id="tras-503")
    assert event_ids(server, sid)["tras-503"] == 1


def test_a_permanent_quota_refusal_ends_in_spanish_within_the_budget_writing_nothing(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str,
        clock: FakeClock) -> None:
    repo = open_repo(retry=RetryPolicy(budget=20.0, first_delay=0.5, max_delay=8.0))
    request_id = waiting_request(repo)
    before = {tab: server.values(sid, tab) for tab in ("eventos", "solicitudes")}
    started = clock.now
    server.inject(429, times=10_000, match="write")

    with pytest.raises(StorageError) as refused:
        services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW)

    assert "no se guardó nada" in refused.value.message
    assert "Intente de nuevo en un minuto" in refused.value.message
    assert clock.now - started <= 20.0
    assert {tab: server.values(sid, tab) for tab in before} == before
    server.clear_faults()
    assert open_repo().snapshot().ledger.state(request_id).seq == 1  # type: ignore[union-attr]


def test_a_server_that_stays_down_for_reads_gets_a_spanish_message_not_a_trace(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer) -> None:
    repo = open_repo(retry=RetryPolicy(budget=5.0, first_delay=0.5, max_delay=2.0))
    server.inject(500, times=10_000, match="read")
    with pytest.raises(StorageError) as refused:
        repo.snapshot()
    assert refused.value.message.startswith("Google Sheets no respondió")
    assert "no se pudo leer la hoja de cálculo" in refused.value.message


def test_a_timeout_after_google_applied_the_write_does_not_write_the_event_twice(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    repo = open_repo()
    request_id = waiting_request(repo)
    server.reset_metrics()
    server.inject_timeout(times=1, after_apply=True, match="spreadsheets.batchUpdate")

    state = services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW,
                         event_id="una-sola-vez")

    assert state.seq == 2
    assert event_ids(server, sid)["una-sola-vez"] == 1
    assert server.write_calls == 1  # the lost answer was confirmed by a read, not re-sent
    ledger = open_repo().snapshot().ledger
    assert ledger.state(request_id).seq == 2 and ledger.issues == []  # type: ignore[union-attr]


def test_a_timeout_before_google_applied_the_write_sends_it_again_once(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    repo = open_repo()
    request_id = waiting_request(repo)
    server.reset_metrics()
    server.inject_timeout(times=1, after_apply=False, match="spreadsheets.batchUpdate")
    services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW,
                 event_id="reenviado")
    assert event_ids(server, sid)["reenviado"] == 1
    sent = [c.status for c in server.calls if c.operation == "spreadsheets.batchUpdate"]
    assert sent == [None, 200]  # lost on the way, then sent again after a confirming read


def test_a_lost_answer_for_a_change_without_events_is_not_applied_twice(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer, sid: str) -> None:
    from core.adapters.tabular import RawChange

    repo = open_repo()
    repo.snapshot()
    server.inject_timeout(times=1, after_apply=True, match="spreadsheets.batchUpdate")
    repo.commit(RawChange().append_cells("dias_no_laborables",
                                {"fecha": "2026-12-24", "descripcion": "Nochebuena"}))
    rows = server.values(sid, "dias_no_laborables")
    assert [r[:2] for r in rows[1:]].count(["2026-12-24", "Nochebuena"]) == 1


def test_when_even_the_confirming_read_fails_the_person_is_told_to_check_before_repeating(
        open_repo: Callable[..., SheetsRepository], server: FakeSheetsServer) -> None:
    repo = open_repo(retry=RetryPolicy(budget=3.0, first_delay=0.5, max_delay=1.0))
    request_id = waiting_request(repo)
    repo.snapshot()
    server.reset_metrics()
    server.inject_timeout(times=1, after_apply=True, match="spreadsheets.batchUpdate")

    def read_after_the_write(call: Call) -> bool:
        written = any(c.operation == "spreadsheets.batchUpdate" for c in server.calls)
        return written and call.operation == "spreadsheets.values.batchGet"

    server.inject(503, times=10_000, match=read_after_the_write)
    with pytest.raises(StorageError) as unsure:
        services.act(repo, "directora", request_id, "avanzar", expected_seq=1, now=NOW)
    assert "no se pudo confirmar si el cambio se guardó" in unsure.value.message
