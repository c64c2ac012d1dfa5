"""Google Sheets: requests per page view and per action, bytes a refresh reads, and the
users one service account and one project carry, for this adapter beside two gspread
baselines, measured in one run on the in-process stand-in (``tests/support/standin``).

The baselines, both on the same demo ledger:

- **naive** (today's first gspread app): every page view, for every tab,
  ``worksheet(name)`` (a ``spreadsheets.get``) and ``get_all_records()`` (a
  ``values.get``), nothing cached; an action looks its two tabs up again and appends a row
  to each with ``append_row``;
- **cached** (a reasonable gspread app): one ``values_batch_get`` of every tab per page
  view, kept ``TTL`` seconds per app server like ``st.cache_data(ttl=5)``; an action reads
  every tab fresh (its checks must not run on a stale cache), appends its two rows in one
  ``batch_update`` (``appendCells``) and clears the cache. No fence: it is counted, not
  judged for what two servers writing at once would do to it.

Quotas: Google's published Sheets API usage limits
(https://developers.google.com/sheets/api/limits, as of 2026-12): read requests 60 per
minute per user per project and 300 per minute per project, write requests the same,
counted apart; a service account is one user. (The discovery documents in
``shared/reference`` describe requests, not quotas.) Drive's ``files.get``, which this
adapter uses to learn whether the sheet changed, draws on Drive's quota (thousands of
queries a minute per user), so it is counted but not held against these limits.

Capacity is *simulated*, not computed from averages: ``servers`` app servers on one sheet
(a fake clock, every server's real adapter against the stand-in), each person a page view
every 20 s and an action (a direct publication: two rows) a minute, spread evenly; the
figure is the largest number of people for which no 60-second window after a 30 s
warm-up holds more requests than the quota. "Per service account": every server uses the
same account (as the app is configured today), so 60 reads + 60 writes a minute bind all
servers together. "Per project": each server has its own service account of one Cloud
project, so each server may use 60 + 60 and all of them together 300 + 300. This adapter's
servers read each other's changes, so that is simulated too; the baselines' servers share
nothing but the sheet, so each carries what one server alone carries. The bootstrap
protects the app's tabs for one account: servers with different accounts need each
account added as an editor of those protected ranges first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from support.fixed import DEMO_NOW, TEST_SEALER

from sheets_schema.tabs import ALL_TABS, SCHEMA

VIEW_EVERY = 20.0  # seconds between one person's page views
ACT_EVERY = 60.0  # seconds between one person's actions
PER_USER = 60  # Sheets read requests per minute per user per project (writes: the same)
PER_PROJECT = 300  # Sheets read requests per minute per project (writes: the same)
WARM_UP = 30.0  # seconds simulated before counting (every server has read and written)
TTL = 5.0  # the cached baseline's st.cache_data(ttl=...) and this adapter's cache_seconds
NOW = DEMO_NOW
SERVER_COUNTS = (1, 2, 4)
READS = frozenset({"spreadsheets.get", "spreadsheets.values.get",
                   "spreadsheets.values.batchGet"})


# -- the stand-in and a demo sheet -----------------------------------------------------------


class Clock:
    """Simulated monotonic seconds (the adapter's cache, the stand-in's quota windows)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_800_000_000.0 + self.now  # unix seconds, for the adapter's journal


@cache
def _demo_rows() -> dict[str, list[dict[str, str]]]:
    from core.adapters.tabular import written
    from core.domain.workdays import WorkCalendar
    from sheets_schema.demo import demo_rows

    tabs = written(SCHEMA, demo_rows(NOW, WorkCalendar.for_bolivia(subdivision="L")),
                   TEST_SEALER)
    return {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
            for name, raw in tabs.items()}


@dataclass
class World:
    """One stand-in with the bootstrapped demo ledger; ``sheet()`` copies it."""

    clock: Clock = field(default_factory=Clock)
    server: Any = None
    client: Any = None
    template: str = ""

    def __post_init__(self) -> None:
        from support.standin import FakeSheetsServer, make_gspread_client

        from core.adapters.gsheets.adapter import SheetsApi
        from core.adapters.gsheets.bootstrap import Bootstrap

        self.server = FakeSheetsServer(seed=3, clock=self.clock)
        self.template = self.server.create_spreadsheet("Libro RRSS", ["Hoja 1"])
        self.client = make_gspread_client(self.server)
        api = SheetsApi(self.client, self.template, account_email=self.server.owner_email)
        report = Bootstrap(api, ALL_TABS, account_email=self.server.owner_email,
                           seed=1).run(_demo_rows(), demo=True)
        assert report.ok, report.problems

    def sheet(self) -> str:
        sid = str(self.client.copy(self.template, title="Libro RRSS (medición)").id)
        self.server.reset_metrics()
        return sid

    def repo(self, sid: str, **options: Any) -> Any:
        from core.adapters.gsheets.adapter import SheetsRepository
        from sheets_schema import default_rules

        settings: dict[str, Any] = {"cache_seconds": TTL, "clock": self.clock,
                                    "wall_clock": self.clock.wall, "sleep": self._sleep,
                                    "account_email": self.server.owner_email, "seed": 1}
        settings.update(options)
        return SheetsRepository(self.client, sid, SCHEMA, default_rules(), TEST_SEALER,
                                **settings)

    def _sleep(self, seconds: float) -> None:
        self.clock.now += seconds


@dataclass
class Calls:
    reads: int = 0
    writes: int = 0
    drive: int = 0

    def __str__(self) -> str:
        text = f"{self.reads} read{'s' * (self.reads != 1)} + " \
               f"{self.writes} write{'s' * (self.writes != 1)}"
        return text + (f" (+{self.drive} Drive)" if self.drive else "")


def kind_of(operation: str | None) -> str:
    if operation and operation.startswith("drive."):
        return "drive"
    return "read" if operation in READS else "write"


def counted(server: Any, action: Callable[[], object]) -> Calls:
    before = len(server.calls)
    action()
    kinds = [kind_of(call.operation) for call in server.calls[before:]]
    return Calls(kinds.count("read"), kinds.count("write"), kinds.count("drive"))


# -- the three apps --------------------------------------------------------------------------


def publication(n: int, when: datetime) -> dict[str, Any]:
    return {"type": "6", "title": f"Publicación {n}", "channel": "Facebook",
            "published_at": when}


class Ours:
    """This adapter: one repository per app server."""

    def __init__(self, world: World, sid: str, servers: int) -> None:
        self.repos = [world.repo(sid) for _ in range(servers)]

    def page_view(self, server: int) -> None:
        self.repos[server].snapshot().ledger.states  # noqa: B018 - what a page reads

    def act(self, server: int, n: int, when: datetime) -> None:
        from core.services import direct_publications

        direct_publications.record_direct_publication(
            self.repos[server], "admin.rrss", publication(n, when), when)


class Naive:
    """Whole tabs per page view, nothing cached; an action appends its rows one by one."""

    def __init__(self, world: World, sid: str, servers: int) -> None:
        self.books = [world.client.open_by_key(sid) for _ in range(servers)]  # at start-up
        self.tabs = [spec.name for spec in ALL_TABS]

    def page_view(self, server: int) -> list[list[dict[str, Any]]]:
        book = self.books[server]
        return [book.worksheet(name).get_all_records() for name in self.tabs]

    def act(self, server: int, n: int, when: datetime) -> None:
        book = self.books[server]
        rows = _rows_for(n, when)
        for name, row in rows.items():
            book.worksheet(name).append_row(row, value_input_option="RAW")


class Cached:
    """One values_batch_get of every tab, cached TTL seconds per server (st.cache_data);
    an action reads fresh, appends its rows in one batch_update, clears the cache."""

    def __init__(self, world: World, sid: str, servers: int) -> None:
        self.clock = world.clock
        self.books = [world.client.open_by_key(sid) for _ in range(servers)]
        self.ids = {ws.title: ws.id for ws in self.books[0].worksheets()}  # at start-up
        self.ranges = [f"'{spec.name}'" for spec in ALL_TABS]
        self.cached: list[tuple[float, Any] | None] = [None] * servers

    def _read(self, server: int) -> Any:
        return self.books[server].values_batch_get(self.ranges)

    def page_view(self, server: int) -> Any:
        held = self.cached[server]
        if held is None or self.clock() - held[0] >= TTL:
            held = self.cached[server] = (self.clock(), self._read(server))
        return held[1]

    def act(self, server: int, n: int, when: datetime) -> None:
        self._read(server)  # the checks run on fresh data
        self.books[server].batch_update({"requests": [
            {"appendCells": {"sheetId": self.ids[name], "fields": "userEnteredValue",
                             "rows": [{"values": [{"userEnteredValue": {"stringValue": v}}
                                                  for v in row]}]}}
            for name, row in _rows_for(n, when).items()]})
        self.cached[server] = None  # st.cache_data.clear()


def _rows_for(n: int, when: datetime) -> dict[str, list[str]]:
    """The rows a direct publication adds (a publication and its event), in tab order."""
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    publication_id = f"PUB-B-{n:06d}"
    event = {"id_evento": f"b-{n:08d}", "tipo": "publicacion_directa",
             "id_objeto": publication_id, "secuencia": "1", "accion": "registrar",
             "usuario": "admin.rrss", "rol": "admin", "fecha_hora": stamp,
             "comentario": f"Publicación {n}"}
    record = {"id_publicacion": publication_id, "tipo": "6", "titulo": f"Publicación {n}",
              "canal": "Facebook", "publicada_en": stamp, "registrada_por": "admin.rrss"}
    events, direct = SCHEMA.events, SCHEMA.by_name["publicaciones_directas"]
    return {events.name: [event.get(h, "") for h in events.headers],
            direct.name: [record.get(h, "") for h in direct.headers]}


APPS: dict[str, type[Ours] | type[Naive] | type[Cached]] = {
    "ours": Ours, "cached": Cached, "naive": Naive}


# -- requests per page view and per action ---------------------------------------------------


def per_operation(world: World) -> dict[str, Calls]:
    """Each kind of page view and action once, counted on the stand-in."""
    found: dict[str, Calls] = {}
    clock = world.clock
    sid = world.sheet()
    server = world.server
    here, there = world.repo(sid), world.repo(sid)
    ours = Ours.__new__(Ours)
    ours.repos = [here, there]
    found["ours_first_view"] = counted(server, lambda: ours.page_view(0))
    there.snapshot()
    found["ours_view_cached"] = counted(server, lambda: ours.page_view(0))
    clock.now += TTL
    there.snapshot()
    found["ours_view_unchanged"] = counted(server, lambda: ours.page_view(0))
    found["ours_action_fresh"] = counted(server, lambda: ours.act(0, 1, NOW))
    found["ours_view_after_own_action"] = counted(server, lambda: ours.page_view(0))
    clock.now += here.interval() + 1
    ours.act(1, 2, NOW)  # the other server acts
    found["ours_view_after_other_action"] = counted(server, lambda: ours.page_view(0))
    ours.act(1, 3, NOW)  # ... and again, while this server's view is fresh
    found["ours_action_overtaken"] = counted(server, lambda: ours.act(0, 4, NOW))
    clock.now += TTL
    ours.act(1, 5, NOW)
    found["ours_action_on_older_view"] = counted(server, lambda: ours.act(0, 6, NOW))

    for name in ("cached", "naive"):
        app = APPS[name](world, world.sheet(), 1)
        found[f"{name}_view"] = counted(world.server, lambda app=app: app.page_view(0))
        found[f"{name}_view_cached"] = counted(world.server, lambda app=app: app.page_view(0))
        found[f"{name}_action"] = counted(world.server, lambda app=app: app.act(0, 7, NOW))
    return found


# -- bytes a refresh reads after one action --------------------------------------------------


def bytes_after_action(events: int) -> dict[str, int]:
    """Bytes of the answers a refresh reads after another server's action, on a sheet of
    ``events`` events: ours (what changed), the cached baseline (every tab), naive (every
    tab, one by one, with its look-ups)."""
    from support.large_sheet import padded, sheet_with
    from support.standin import make_gspread_client

    from core.adapters.tabular import written
    from core.domain.workdays import WorkCalendar
    from sheets_schema.demo import demo_rows

    tabs = written(SCHEMA, demo_rows(NOW, WorkCalendar.for_bolivia(subdivision="L")),
                   TEST_SEALER)
    server, sid = sheet_with(padded(tabs, events, NOW - timedelta(days=400)))
    world = World.__new__(World)
    world.clock, world.server, world.template = Clock(), server, sid
    world.client = make_gspread_client(server)
    acting, watching = world.repo(sid), world.repo(sid)
    acting.snapshot()
    watching.snapshot()
    ours = Ours.__new__(Ours)
    ours.repos = [acting, watching]
    ours.act(0, 1, NOW)
    world.clock.now += watching.interval() + 1
    out = {"ours": _bytes(server, lambda: ours.page_view(1))}
    for name in ("cached", "naive"):
        app = APPS[name](world, sid, 1)
        out[name] = _bytes(server, lambda app=app: app.page_view(0))
    out["events"] = len(watching.snapshot().ledger.events)
    return out


def _bytes(server: Any, action: Callable[[], object]) -> int:
    before = len(server.calls)
    action()
    return sum(c.response_bytes for c in server.calls[before:]
               if kind_of(c.operation) == "read")


# -- capacity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """Peak Sheets requests in any 60 s window after the warm-up."""

    reads: int  # all servers together
    writes: int
    server_reads: int  # the busiest server alone
    server_writes: int
    drive: int  # Drive files.get, all servers (Drive's own quota)
    views: int  # after the warm-up, and what they cost
    actions: int
    view_requests: int  # Sheets requests made by page views
    action_requests: int  # Sheets requests made by actions (their reads and writes)

    def per_view(self) -> float:
        return self.view_requests / max(self.views, 1)

    def per_action(self) -> float:
        return self.action_requests / max(self.actions, 1)

    def fits_account(self) -> bool:
        return self.reads <= PER_USER and self.writes <= PER_USER

    def fits_project(self) -> bool:
        return (self.server_reads <= PER_USER and self.server_writes <= PER_USER
                and self.reads <= PER_PROJECT and self.writes <= PER_PROJECT)


def simulate(world: World, app: str, servers: int, users: int, minutes: float) -> Load:
    """``users`` people on ``servers`` app servers of ``app`` for ``minutes``."""
    world.clock.now = 0.0
    sid = world.sheet()
    deployment = APPS[app](world, sid, servers)
    end = 60.0 * minutes
    plan: list[tuple[float, int, int, str]] = []
    for user in range(users):
        share = user / max(users, 1)
        server = user % servers
        plan += [(share * VIEW_EVERY + VIEW_EVERY * k, user, server, "view")
                 for k in range(math.ceil(end / VIEW_EVERY))]
        plan += [(share * ACT_EVERY + 7.0 + ACT_EVERY * k, user, server, "act")
                 for k in range(math.ceil(end / ACT_EVERY))]
    plan = sorted(p for p in plan if p[0] < end)
    stamps: list[tuple[float, int, str]] = []
    by_event = {"view": 0, "act": 0}  # Sheets requests after the warm-up
    done = 0
    for when, _, server, what in plan:
        world.clock.now = when
        before = len(world.server.calls)
        if what == "view":
            deployment.page_view(server)
        else:
            done += 1
            deployment.act(server, done, NOW + timedelta(seconds=when))
        kinds = [kind_of(c.operation) for c in world.server.calls[before:]]
        stamps += [(when, server, kind) for kind in kinds]
        if when >= WARM_UP:
            by_event[what] += sum(kind != "drive" for kind in kinds)
    world.server.delete_spreadsheet(sid)
    steady = [s for s in stamps if s[0] >= WARM_UP]
    return Load(
        _peak(steady, "read"), _peak(steady, "write"),
        max((_peak([s for s in steady if s[1] == n], "read") for n in range(servers)),
            default=0),
        max((_peak([s for s in steady if s[1] == n], "write") for n in range(servers)),
            default=0),
        _peak(steady, "drive"),
        sum(1 for p in plan if p[3] == "view" and p[0] >= WARM_UP),
        sum(1 for p in plan if p[3] == "act" and p[0] >= WARM_UP),
        by_event["view"], by_event["act"])


def _peak(stamps: list[tuple[float, int, str]], kind: str) -> int:
    times = [when for when, _, what in stamps if what == kind]
    peak, start = 0, 0
    for end, when in enumerate(times):
        while times[start] <= when - 60.0 + 1e-6:  # (when - 60 s, when]: float-proof
            start += 1
        peak = max(peak, end - start + 1)
    return peak


@dataclass
class Search:
    """The largest number of people that still fits, found by simulation."""

    world: World
    app: str
    servers: int
    minutes: float
    runs: dict[int, Load] = field(default_factory=dict)

    def load(self, users: int) -> Load:
        if users not in self.runs:
            self.runs[users] = simulate(self.world, self.app, self.servers, users,
                                        self.minutes)
        return self.runs[users]

    def largest(self, fits: Callable[[Load], bool], guess: int) -> int:
        """Step out from ``guess`` (1, 2, 4, ... people at a time) until one count fits and
        the next does not, then bisect between them (the load grows with people)."""
        if fits(self.load(max(guess, 1))):
            low, step = max(guess, 1), 1
            while fits(self.load(low + step)):
                low, step = low + step, step * 2
            high = low + step
        else:
            high, step = max(guess, 1), 1
            while True:
                candidate = high - step
                if candidate < 1:
                    low = 0
                    break
                if fits(self.load(candidate)):
                    low = candidate
                    break
                high, step = candidate, step * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if fits(self.load(middle)) else (low, middle)
        return low


def guess(app: str, ops: dict[str, Calls], servers: int, budget: int) -> int:
    """Where the search starts, from the per-operation counts (it then simulates)."""
    if app == "ours":  # an action: one write, and a read when another server wrote
        return budget - (2 if servers > 1 else 0)
    view = ops[f"{app}_view"].reads
    action = ops[f"{app}_action"]
    if app == "cached":  # each server refreshes every TTL; an action reads and clears it
        refreshes = servers * 60.0 / TTL * view
        return max(1, math.floor(min((budget - refreshes) / (action.reads + view),
                                     budget / action.writes)))
    return max(1, math.floor(budget / (60.0 / VIEW_EVERY * view + action.reads)))


def capacity(world: World, ops: dict[str, Calls], minutes: float
             ) -> dict[tuple[str, int], tuple[int, int, Load, Load]]:
    """(app, servers) -> (people per account, people per project, load at each). Each
    search starts where the last one ended, so a few simulations settle it."""
    out: dict[tuple[str, int], tuple[int, int, Load, Load]] = {}
    for app in ("ours", "cached", "naive"):
        start = guess(app, ops, 1, PER_USER)
        single = 0
        for servers in SERVER_COUNTS:
            search = Search(world, app, servers, minutes)
            account = search.largest(Load.fits_account, start)
            if servers == 1:
                single = project = account
                at_project = search.load(max(project, 1))
            elif app == "ours":  # servers read each other's changes: simulated
                project = search.largest(Load.fits_project,
                                         min(PER_USER * servers, PER_PROJECT))
                at_project = search.load(max(project, 1))
            else:  # the baselines' servers share nothing but the sheet: each one carries
                project = single * servers  # what one server alone carries (60 + 60/min)
                at_project = out[(app, 1)][3]
            out[(app, servers)] = (account, project, search.load(max(account, 1)),
                                   at_project)
            start = account
    return out


# -- what benchmarks/run.py prints -----------------------------------------------------------


def figures(quick: bool = False) -> list[str]:
    """One line per figure."""
    world = World()
    ops = per_operation(world)
    lines = [
        "sheets_requests_per_page_view (stand-in, demo ledger, cache 5 s): ours "
        f"{ops['ours_view_cached']} within the cache, {ops['ours_view_unchanged']} after it "
        f"when nothing changed, {ops['ours_view_after_other_action']} after another "
        f"server's action, {ops['ours_view_after_own_action']} after its own action; the "
        f"first view of a process {ops['ours_first_view']}; cached baseline "
        f"{ops['cached_view']} (then {ops['cached_view_cached']} for 5 s); naive "
        f"{ops['naive_view']}",
        "sheets_requests_per_action (a direct publication: two rows added): ours "
        f"{ops['ours_action_fresh']} on a fresh view, {ops['ours_action_on_older_view']} on "
        f"a view older than 5 s that another server changed, "
        f"{ops['ours_action_overtaken']} when another server wrote first (fence refused, "
        f"re-read, written); cached baseline {ops['cached_action']}; naive "
        f"{ops['naive_action']}",
    ]
    for events in (20_000, 100_000):
        found = bytes_after_action(events)
        lines.append(
            f"sheets_bytes_read_per_refresh_after_one_action ({found['events']:,} events; "
            f"another server acted once): ours {found['ours']:,} B; cached baseline "
            f"{found['cached']:,} B; naive {found['naive']:,} B")
    minutes = 1.5 if quick else 3.0
    carried = capacity(world, ops, minutes)
    names = {"ours": "ours", "cached": "cached baseline", "naive": "naive"}

    def row(column: int) -> str:
        return "; ".join(
            f"{names[app]} " + " / ".join(str(carried[(app, s)][column])
                                          for s in SERVER_COUNTS)
            for app in names)

    pace = (f"1 / 2 / 4 app servers; a page view every 20 s and an action a minute per "
            f"person; simulated {minutes:g} min after a 30 s warm-up")
    lines.append(f"sheets_users_carried_per_service_account (60 reads + 60 writes a minute "
                 f"shared by every server; {pace}): {row(0)}")
    lines.append(f"sheets_users_carried_per_project (one service account per server: 60 + "
                 f"60 each, 300 + 300 a minute together; {pace}): {row(1)}")
    for app in names:
        parts = []
        for servers in SERVER_COUNTS:
            people, _, load, _ = carried[(app, servers)]
            if people == 0:
                continue
            parts.append(
                f"{servers} server{'s' * (servers > 1)}, {people} people: peak "
                f"{load.reads} reads + {load.writes} writes/min, {load.per_view():.2f} "
                f"requests per page view, {load.per_action():.2f} per action"
                + (f", Drive {load.drive}/min" if load.drive else ""))
        if parts:
            lines.append(f"sheets_load_at_capacity_per_service_account_{app} "
                         f"({names[app]}, simulated): " + "; ".join(parts))
    return lines
