"""API calls per page view and per action, and the users one quota carries (stand-in).

Measured against the in-process stand-in, for this adapter and for a NAIVE gspread app
(one ``get_all_records`` per tab per page view, one ``update_cell`` per field per action),
in the same run on the same demo ledger. ``benchmarks/run.py`` prints :func:`figures`.

Quota: Google counts about 60 read and 60 write requests per minute per user, and 300 of
each per project. With one service account the whole app is ONE user, so the 60/min per
user is the binding limit; 300/min per project only helps with several service accounts.
Pace assumed for an active user: one page view every 20 s and one action per minute.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from support.fixed import TEST_SEALER

from core.services import direct_publications
from sheets_schema.tabs import SCHEMA

PAGE_VIEWS_PER_MINUTE = 3.0  # one every 20 s
ACTIONS_PER_MINUTE = 1.0
PER_USER_QUOTA = 60  # reads and writes per minute, each: the service account is one user
PER_PROJECT_QUOTA = 300
NOW = datetime(2026, 11, 30, 10, 0)
NAIVE_FIELDS = ("estado", "etapa", "secuencia", "actualizada_en")


@dataclass
class Calls:
    reads: int = 0
    writes: int = 0

    def __str__(self) -> str:
        return f"{self.reads} read{'s' if self.reads != 1 else ''} + " \
               f"{self.writes} write{'s' if self.writes != 1 else ''}"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _counted(server: Any, action: Callable[[], object]) -> Calls:
    reads, writes = server.read_calls, server.write_calls
    action()
    return Calls(server.read_calls - reads, server.write_calls - writes)


def _setup() -> tuple[Any, str, Any]:
    from support.standin import FakeSheetsServer, make_gspread_client

    from core.adapters.gsheets.adapter import SheetsApi
    from core.adapters.gsheets.bootstrap import Bootstrap
    from core.domain.workdays import WorkCalendar
    from sheets_schema.demo import demo_rows
    from sheets_schema.tabs import ALL_TABS

    server = FakeSheetsServer(seed=3)
    sid = server.create_spreadsheet("Libro RRSS", ["Hoja 1"])
    client = make_gspread_client(server)
    rows = demo_rows(NOW, WorkCalendar.for_bolivia(subdivision="L"))
    report = Bootstrap(SheetsApi(client, sid), ALL_TABS, account_email=server.owner_email,
                       seed=1).run(rows, demo=True)
    assert report.ok, report.problems
    return server, sid, client


def _repo(client: Any, sid: str, clock: Callable[[], float], ttl: float) -> Any:
    from core.adapters.gsheets.adapter import SheetsRepository
    from sheets_schema import default_rules

    return SheetsRepository(client, sid, SCHEMA, default_rules(), TEST_SEALER,
                            cache_seconds=ttl, clock=clock)


def _publication(repo: Any, n: int, now: datetime = NOW) -> None:

    direct_publications.record_direct_publication(repo, "admin.rrss", {
        "type": "6", "title": f"Publicación {n}", "channel": "Facebook",
        "published_at": now}, now)


class NaiveApp:
    """What a first gspread app does: whole tabs per page view, one cell per update."""

    def __init__(self, client: Any, sid: str) -> None:
        from sheets_schema.tabs import ALL_TABS

        self.sheet = client.open_by_key(sid)  # once per process
        self.tabs = [spec.name for spec in ALL_TABS]

    def page_view(self) -> dict[str, list[dict[str, Any]]]:
        return {name: self.sheet.worksheet(name).get_all_records() for name in self.tabs}

    def act(self, request_id: str, event: list[str], values: dict[str, str]) -> None:
        requests = self.sheet.worksheet("solicitudes")
        header = requests.row_values(1)
        row = requests.col_values(1).index(request_id) + 1
        self.sheet.worksheet("eventos").append_row(event, value_input_option="RAW")
        for name in NAIVE_FIELDS:
            requests.update_cell(row, header.index(name) + 1, values[name])


def per_operation() -> dict[str, Calls]:
    """Calls per page view and per action, ours and naive, measured on the stand-in."""
    from core.services import requests as services

    server, sid, client = _setup()
    clock = _Clock()
    found: dict[str, Calls] = {}
    repo = _repo(client, sid, clock, ttl=5.0)
    found["ours_first_page_view"] = _counted(server, lambda: repo.snapshot().ledger.states)
    found["ours_page_view_cached"] = _counted(server, lambda: repo.snapshot().ledger.states)
    clock.now += 5.0
    found["ours_page_view_after_ttl"] = _counted(server, lambda: repo.snapshot().ledger.states)
    ledger = repo.snapshot().ledger
    request_id, state = next((rid, s) for rid, s in sorted(ledger.states.items())
                             if s.is_open and s.stage == 2 and s.procedure.number == 3)
    found["ours_action"] = _counted(server, lambda: services.act(
        repo, "directora", request_id, "avanzar", expected_seq=state.seq, now=NOW))
    found["ours_page_view_after_action"] = _counted(
        server, lambda: repo.snapshot().ledger.states)

    naive = NaiveApp(client, sid)
    found["naive_page_view"] = _counted(server, naive.page_view)
    fresh = _repo(client, sid, clock, ttl=0).snapshot().ledger
    other, other_state = next((rid, s) for rid, s in sorted(fresh.states.items())
                              if s.is_open)
    values = {"estado": "en_curso", "etapa": "3", "secuencia": str(other_state.seq + 1),
              "actualizada_en": NOW.strftime("%Y-%m-%d %H:%M:%S")}
    event = ["naive-1", "solicitud", other, str(other_state.seq + 1), "2", "avanzar", "3",
             "directora", "de", NOW.strftime("%Y-%m-%d %H:%M:%S")]
    found["naive_action"] = _counted(server, lambda: naive.act(other, event, values))
    return found


def capacity(page_view_reads: float, action: Calls, quota: int,
             refreshes_per_minute: float | None = None) -> int:
    """Active users a per-minute quota carries at the assumed pace.

    ``refreshes_per_minute``: with a cache, page views cost at most that many reads a
    minute per app server however many people look.
    """
    def reads(users: int) -> float:
        views = users * PAGE_VIEWS_PER_MINUTE * page_view_reads
        if refreshes_per_minute is not None:
            views = min(views, refreshes_per_minute)
        return views + users * ACTIONS_PER_MINUTE * action.reads

    users = 0
    while reads(users + 1) <= quota and \
            (users + 1) * ACTIONS_PER_MINUTE * action.writes <= quota:
        users += 1
        if users > 100_000:
            break
    return users


def simulate_ours(users: int, minutes: int = 3, ttl: float = 5.0) -> tuple[int, int]:
    """Peak reads and writes in any 60 s window: ``users`` people on one app server."""
    server, sid, client = _setup()
    clock = _Clock()
    repo = _repo(client, sid, clock, ttl)
    events: list[tuple[float, int, str]] = []
    for user in range(users):
        offset = 60.0 * user / max(users, 1)
        events += [(offset / 3 + 20.0 * k, user, "view") for k in range(minutes * 3)]
        events += [(offset + 60.0 * k, user, "act") for k in range(minutes)]
    events.sort()
    stamps: list[tuple[float, str]] = []
    count = 0
    for when, _, kind in events:
        clock.now = when
        before = len(server.calls)
        if kind == "view":
            repo.snapshot().ledger.states  # noqa: B018 - a page view
        else:
            count += 1
            _publication(repo, count, NOW + timedelta(seconds=when))
        stamps += [(when, "read" if c.operation in _READS else "write")
                   for c in server.calls[before:]]
    return _peak(stamps, "read"), _peak(stamps, "write")


_READS = {"spreadsheets.get", "spreadsheets.values.batchGet"}


def _peak(stamps: list[tuple[float, str]], kind: str) -> int:
    window: deque[float] = deque()
    peak = 0
    for when, what in stamps:
        if what != kind:
            continue
        window.append(when)
        while window and window[0] <= when - 60.0:
            window.popleft()
        peak = max(peak, len(window))
    return peak


def figures() -> list[str]:
    """One line per figure, for benchmarks/run.py."""
    ops = per_operation()
    lines = [
        f"sheets_calls_per_page_view (stand-in, cache 5 s): ours first view of a process "
        f"{ops['ours_first_page_view']} (1 read learns the tabs, once), cached "
        f"{ops['ours_page_view_cached']}, after the cache expires "
        f"{ops['ours_page_view_after_ttl']}; naive {ops['naive_page_view']}",
        f"sheets_calls_per_action (act on a request): ours {ops['ours_action']}, next page "
        f"view {ops['ours_page_view_after_action']}; naive {ops['naive_action']}",
    ]
    refreshes = 60.0 / 5.0
    ours_pv = ops["ours_page_view_after_ttl"].reads
    naive_pv = ops["naive_page_view"].reads
    for quota, label in ((PER_USER_QUOTA, "one service account, 60 reads + 60 writes/min"),
                         (PER_PROJECT_QUOTA, "project quota, 300 + 300/min, one app server")):
        ours = capacity(ours_pv, ops["ours_action"], quota, refreshes)
        naive = capacity(naive_pv, ops["naive_action"], quota)
        lines.append(
            f"sheets_users_carried ({label}; pace: a page view every 20 s and an action a "
            f"minute per user): ours {ours}, naive {naive}")
    users = capacity(ours_pv, ops["ours_action"], PER_USER_QUOTA, refreshes)
    peak_reads, peak_writes = simulate_ours(users)
    naive_users = max(1, capacity(naive_pv, ops["naive_action"], PER_USER_QUOTA))
    naive_reads = math.ceil(naive_users * (PAGE_VIEWS_PER_MINUTE * naive_pv
                                           + ACTIONS_PER_MINUTE * ops["naive_action"].reads))
    lines.append(
        f"sheets_simulated_peak_per_minute (3 simulated minutes, {users} users on one "
        f"server): ours {peak_reads} reads, {peak_writes} writes (limit 60 each); naive with "
        f"{naive_users} user: {naive_reads} reads/min")
    return lines
