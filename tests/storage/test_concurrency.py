"""Concurrent writers (threads, repository instances, OS processes) lose and double nothing."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from storage_helpers import (
    NOW,
    chain_breaks,
    column,
    drive_to_end,
    new_request,
    open_repo,
    process_worker,
    record_publication,
    sheets,
    switches,
)

from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import ConcurrentChange
from core.domain.models import Status
from core.services import requests as services

PAUSE = 0.06  # think time between one writer's actions, longer than filelock's poll


def writer_tags(path: Path, start: int) -> list[str]:
    """Which writer wrote each event from row index ``start`` on (by id or comment)."""
    rows = sheets(path)["eventos"]
    ids, comments = column(rows, "id_evento"), column(rows, "comentario")
    return [i.split("-")[0] if "-" in i else c.split()[0]
            for i, c in zip(ids[start:], comments[start:], strict=True)]


def run_together(workers: list[Callable[[], object]]) -> list[object]:
    """Run each worker in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = workers[index]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each one got
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_nothing_lost_or_doubled(path: Path, event_ids: list[str], titles: list[str],
                                   total_events: int) -> None:
    content = sheets(path)
    ids = Counter(column(content["eventos"], "id_evento"))
    assert [i for i in event_ids if ids[i] != 1] == []
    assert [i for i, n in ids.items() if n != 1] == []
    assert sum(ids.values()) == total_events
    published = Counter(column(content["publicaciones_directas"], "titulo"))
    assert [t for t in titles if published[t] != 1] == []
    comments = Counter(column(content["eventos"], "comentario"))
    assert [t for t in titles if comments[t] != 1] == []
    assert chain_breaks(content["eventos"]) == []
    ledger = open_repo(path).snapshot().ledger
    assert ledger.issues == []


@pytest.mark.parametrize("instances", ["one shared repository", "one repository per thread"])
def test_two_threads_driving_different_requests_at_once_lose_no_event(
        repo: WorkbookRepository, path: Path, demo, instances: str):
    start = len(demo["eventos"])
    first, second = new_request(repo, "Primera"), new_request(repo, "Segunda")
    repos = [repo, repo] if instances == "one shared repository" \
        else [open_repo(path), open_repo(path)]
    results = run_together([
        lambda: drive_to_end(repos[0], first, "uno", pause=PAUSE),
        lambda: drive_to_end(repos[1], second, "dos", pause=PAUSE),
    ])
    assert [type(r) for r in results] == [list, list], results
    written = [e for r in results for e in r]  # type: ignore[union-attr]
    assert len(written) == 16
    ledger = open_repo(path).snapshot().ledger
    assert ledger.state(first).status is Status.PUBLISHED
    assert ledger.state(second).status is Status.PUBLISHED
    assert_nothing_lost_or_doubled(path, written, [], start + 2 + 16)
    assert switches(writer_tags(path, start + 2)) >= 2  # they really interleaved


@pytest.mark.parametrize("instances", ["one shared repository", "one repository per thread"])
def test_many_threads_taking_the_same_action_with_the_same_sequence_let_exactly_one_win(
        repo: WorkbookRepository, path: Path, demo, instances: str):
    request_id = new_request(repo, "Una sola vez")  # stage 2, seq 1: the DE decides
    count = 8
    repos = [repo] * count if instances == "one shared repository" \
        else [open_repo(path) for _ in range(count)]

    def act(index: int) -> Callable[[], object]:
        return lambda: services.act(repos[index], "directora", request_id, "avanzar",
                                    expected_seq=1, now=NOW, event_id=f"intento-{index}")

    results = run_together([act(i) for i in range(count)])
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == count - 1
    assert all(isinstance(r, ConcurrentChange) for r in losers), losers
    assert all("Otra persona ya actuó" in str(r) for r in losers)
    events = column(sheets(path)["eventos"], "id_objeto")
    assert Counter(events)[request_id] == 2
    state = open_repo(path).snapshot().ledger.state(request_id)
    winner = winners[0]
    assert (state.seq, state.stage, state.status) == (winner.seq, winner.stage, winner.status)
    assert state.seq == 2 and state.events[-1].event_id.startswith("intento-")
    assert_nothing_lost_or_doubled(path, [], [], len(demo["eventos"]) + 2)


def test_writers_on_several_repository_instances_append_events_and_rows_without_loss(
        repo: WorkbookRepository, path: Path, demo):
    start = len(demo["eventos"])
    repos = [open_repo(path) for _ in range(4)]
    titles = [[f"i{i} publicación {k}" for k in range(5)] for i in range(4)]

    def worker(index: int) -> Callable[[], object]:
        def run() -> None:
            for title in titles[index]:
                record_publication(repos[index], title)
                time.sleep(PAUSE)
        return run

    results = run_together([worker(i) for i in range(4)])
    assert results == [None] * 4
    flat = [t for group in titles for t in group]
    assert_nothing_lost_or_doubled(path, [], flat, start + len(flat))
    assert switches(writer_tags(path, start)) >= 3


def test_real_os_processes_appending_concurrently_lose_and_double_nothing(
        repo: WorkbookRepository, path: Path, demo):
    start = len(demo["eventos"])
    processes = 3
    publications = 4
    request_ids = [new_request(repo, f"Proceso {i}") for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=process_worker,
                        args=(str(path), request_ids[i], f"p{i}", publications, barrier,
                              results))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=50) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    assert [error for *_, error in reports if error] == []
    assert len({pid for _, pid, _, _ in reports}) == processes
    written = [e for _, _, ids, _ in reports for e in ids]
    assert len(written) == processes * 8
    titles = [f"p{i} publicación {k}" for i in range(processes) for k in range(publications)]
    total = start + processes + len(written) + len(titles)
    assert_nothing_lost_or_doubled(path, written, titles, total)
    ledger = open_repo(path).snapshot().ledger
    assert all(ledger.state(r).status is Status.PUBLISHED for r in request_ids)
    assert switches(writer_tags(path, start + processes)) >= processes


def test_two_instances_creating_the_workbook_at_once_create_it_exactly_once(
        path: Path, demo):
    results = run_together([lambda: open_repo(path).create(demo) for _ in range(4)])
    assert sorted(results) == [False, False, False, True]
    content = sheets(path)
    assert len(column(content["eventos"], "id_evento")) == len(demo["eventos"])
    assert chain_breaks(content["eventos"]) == []
