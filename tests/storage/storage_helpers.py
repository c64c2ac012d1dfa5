"""Helpers shared by the storage tests, importable by spawned worker processes too.

Kept outside conftest.py because ``multiprocessing`` (spawn) re-imports worker functions
by module name in a fresh interpreter.
"""

from __future__ import annotations

import itertools
import os
import time
import traceback
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import XlsxWriter, read_workbook
from core.domain.ports import Repository
from core.domain.workflow import RequestState, acting_role
from core.services import direct_publications
from core.services import requests as services
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME
from tests.chain_oracle import chain_breaks  # noqa: F401 - re-exported

NOW = DEMO_NOW
EVENT_HEADERS = TABS_BY_NAME["eventos"].headers


def open_repo(path: Path | str, lock_timeout: float = 10.0) -> WorkbookRepository:
    return WorkbookRepository(Path(path), SCHEMA, default_rules(), TEST_SEALER,
                              lock_timeout=lock_timeout)


def sheets(path: Path) -> dict[str, list[list[str]]]:
    """The workbook as the app reads it: tab name -> rows of text (header first)."""
    return dict(read_workbook(path))


def fresh_write(path: Path, source: Path) -> dict[str, list[list[str]]]:
    """What a brand-new writer makes of ``source``'s content, read back."""
    content = read_workbook(source)
    XlsxWriter().write(path, [(name, rows[0] if rows else [], rows[1:])
                              for name, rows in content])
    return sheets(path)


def schedule_for(state: RequestState, today: date) -> dict[int, date] | None:
    row = state.stage_row
    if row is None or not row.records_schedule:
        return None
    return {n: today + timedelta(days=k)
            for k, n in enumerate(state.procedure.scheduled_stages(), start=1)}


def can_advance(repo: Repository, request_id: str) -> bool:
    """Whether the request is open and some user of the ledger may act on it now."""
    ledger = repo.snapshot().ledger
    state = ledger.state(request_id)
    return state is not None and state.is_open and any(
        acting_role(state, u) for u in ledger.users.values())


def advance(repo: Repository, request_id: str, now: datetime = NOW,
            event_id: str | None = None) -> RequestState:
    """Move a request one stage forward as the first user (by name) who may act there."""
    ledger = repo.snapshot().ledger
    state = ledger.state(request_id)
    assert state is not None and state.is_open, request_id
    user = next(u for _, u in sorted(ledger.users.items()) if acting_role(state, u))
    return services.act(repo, user.username, request_id, "avanzar", expected_seq=state.seq,
                        now=now, schedule=schedule_for(state, now.date()), event_id=event_id)


def drive_to_end(repo: Repository, request_id: str, tag: str, now: datetime = NOW,
                 pause: float = 0.0) -> list[str]:
    """Advance until published; returns the event ids written (``tag-seq``).

    ``pause`` is a person's think time between clicks: without it one writer re-takes
    the write lock before the others poll for it, and the writers run one after another.
    """
    written = []
    while True:
        state = repo.snapshot().ledger.state(request_id)
        assert state is not None
        if not state.is_open:
            return written
        event_id = f"{tag}-{state.seq + 1:02d}"
        advance(repo, request_id, now, event_id)
        written.append(event_id)
        time.sleep(pause)


def new_request(repo: Repository, title: str, now: datetime = NOW) -> str:
    """A procedure-3 request by «solicitante»: at stage 2, sequence 1, for «directora»."""
    return services.create_request(repo, "solicitante", {
        "procedure": 3, "title": title, "objective": "Objetivo", "summary": "Resumen",
    }, now)


def record_publication(repo: Repository, title: str, now: datetime = NOW) -> str:
    return direct_publications.record_direct_publication(repo, "admin.rrss", {
        "type": "6", "title": title, "channel": "Facebook",
        "link": "https://adsib.gob.bo", "published_at": now,
    }, now)


def column(rows: Sequence[Sequence[str]], name: str) -> list[str]:
    """One column of a tab (header first in ``rows``), blank rows skipped."""
    index = list(rows[0]).index(name)
    return [r[index] if index < len(r) else "" for r in rows[1:] if any(r)]


def process_worker(path: str, request_id: str, tag: str, publications: int,
                   barrier: Any, results: Any, pause: float = 0.06) -> None:
    """One app process: drives its own request to the end and records publications."""
    try:
        repo = open_repo(path)
        repo.snapshot()
        barrier.wait(timeout=30)
        written = []
        for i in range(publications):
            record_publication(repo, f"{tag} publicación {i}")
            time.sleep(pause)
            state = repo.snapshot().ledger.state(request_id)
            if state is not None and state.is_open:
                event_id = f"{tag}-{state.seq + 1:02d}"
                advance(repo, request_id, event_id=event_id)
                written.append(event_id)
                time.sleep(pause)
        written += drive_to_end(repo, request_id, tag, pause=pause)
        results.put((tag, os.getpid(), written, None))
    except BaseException:  # noqa: BLE001 - report anything to the parent
        results.put((tag, os.getpid(), [], traceback.format_exc()))


def hold_file_lock(path: str, locked: Any, release: Any) -> None:
    """Another process holding the workbook's write lock until told to let go."""
    from filelock import FileLock

    with FileLock(path + ".lock"):
        locked.set()
        release.wait(timeout=60)


def switches(tags: Sequence[str]) -> int:
    """How often consecutive rows come from different writers (0: they ran one by one)."""
    return sum(1 for a, b in itertools.pairwise(tags) if a != b)
