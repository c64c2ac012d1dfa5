"""What the app keeps between page views, keyed by what it depends on.

The core has no module-level state; these caches live here, in the app layer. Each is
keyed by the ledger snapshot it was computed from (a new snapshot is a new object, so a
figure can never be stale) or by the repository it watches.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, TypeVar, cast

from core.adapters.exports import ics
from core.domain.ledger import Ledger
from core.domain.models import PlanItem
from core.domain.ports import FileStore, Repository
from core.domain.tamper import ChainMonitor
from core.domain.workdays import WorkCalendar
from core.services import audit, plan
from core.services.dashboard import (
    Dashboard,
    DashboardFilter,
    Visits,
    deadline_dashboard,
    stage_visits,
)
from core.services.reports import ReportData, report_data
from core.services.service_logs import AttentionHours
from ui import plan_calendar

SUMMARIES_PER_LEDGER = 32
MEMO_PER_LEDGER = 64
T = TypeVar("T")


class _PerLedger:
    __slots__ = ("memo", "summaries", "visits")

    def __init__(self) -> None:
        self.visits: dict[WorkCalendar, Visits] = {}
        self.summaries: dict[tuple[Any, ...], Dashboard] = {}
        self.memo: dict[tuple[Any, ...], Any] = {}


_LEDGERS: weakref.WeakKeyDictionary[Ledger, _PerLedger] = weakref.WeakKeyDictionary()
_MONITORS: weakref.WeakKeyDictionary[object, ChainMonitor] = weakref.WeakKeyDictionary()
_SLOTS: weakref.WeakKeyDictionary[object, threading.Lock] = weakref.WeakKeyDictionary()
_STORES: weakref.WeakKeyDictionary[object, FileStore] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
PREVIEW_BYTES = 64 * 1024 * 1024  # previews kept in memory, all users together


def _for(ledger: Ledger) -> _PerLedger:
    with _LOCK:
        found = _LEDGERS.get(ledger)
        if found is None:
            found = _LEDGERS[ledger] = _PerLedger()
        return found


def visits(ledger: Ledger, calendar: WorkCalendar) -> Visits:
    """The dashboard's stage visits, computed once per ledger snapshot and calendar."""
    cache = _for(ledger)
    found = cache.visits.get(calendar)
    if found is None:
        found = cache.visits[calendar] = stage_visits(ledger, calendar)
    return found


def dashboard(ledger: Ledger, username: str, calendar: WorkCalendar, today: date,
              filters: DashboardFilter) -> Dashboard:
    """The deadline dashboard (permission checked), recent views kept per snapshot."""
    cache = _for(ledger)
    key = (username, calendar, today, filters)
    found = cache.summaries.get(key)
    if found is None:
        found = deadline_dashboard(ledger, username, calendar, today, filters,
                                   visits(ledger, calendar))
        if len(cache.summaries) >= SUMMARIES_PER_LEDGER:
            cache.summaries.pop(next(iter(cache.summaries)))
        cache.summaries[key] = found
    return found


def memo(ledger: Ledger, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per ledger snapshot and ``key`` (recent keys only)."""
    cache = _for(ledger)
    if key in cache.memo:
        return cast(T, cache.memo[key])
    found = compute()
    if len(cache.memo) >= MEMO_PER_LEDGER:
        cache.memo.pop(next(iter(cache.memo)))
    cache.memo[key] = found
    return found


def plan_items(ledger: Ledger) -> list[PlanItem]:
    """The plan's items, read once per snapshot."""
    return memo(ledger, ("plan_items",), lambda: plan.plan_items(ledger))


def plan_calendar_args(ledger: Ledger, calendar: WorkCalendar, today: date, editable: bool,
                       initial: date | None = None) -> dict[str, Any]:
    """The calendar component's events and options, built once per snapshot and view."""
    return memo(ledger, ("plan_calendar", calendar, today, editable, initial),
                 lambda: plan_calendar.calendar_args(plan_items(ledger), calendar, today,
                                                     editable, initial))


def plan_overloads(ledger: Ledger, calendar: WorkCalendar, limits: plan.PlanLimits,
                   today: date) -> list[plan.Overload]:
    """The plan's overloads from today on, once per snapshot."""
    return memo(ledger, ("plan_overloads", calendar, limits, today),
                lambda: plan.overloads(plan_items(ledger), calendar, limits, first=today))


def plan_ics(ledger: Ledger, now: datetime) -> bytes:
    return memo(ledger, ("plan_ics", now.date()), lambda: ics.plan_ics(plan_items(ledger), now))


def due_dates_ics(ledger: Ledger, calendar: WorkCalendar, now: datetime) -> bytes:
    """Every open request's due date (the whole ledger): once per snapshot and day."""
    return memo(ledger, ("due_ics", calendar, now.date()),
                 lambda: ics.due_dates_ics(ledger.states.values(), calendar, now))


def report(ledger: Ledger, calendar: WorkCalendar, start: date, end: date, now: datetime,
           hours: AttentionHours) -> ReportData:
    """The Informe Técnico's figures, on the dashboard's visits kept for this snapshot."""
    return memo(ledger, ("report", calendar, start, end, now.replace(second=0, microsecond=0),
                          hours),
                 lambda: report_data(ledger, calendar, start, end, now.date(),
                                     visits(ledger, calendar), now, hours))


def monitor(repo: Repository) -> ChainMonitor:
    """The one chain monitor of a repository in this process (it remembers the head)."""
    with _LOCK:
        found = _MONITORS.get(repo)
        if found is None:
            found = _MONITORS[repo] = audit.new_monitor(repo.snapshot().ledger)
        return found


def delivery_slot(repo: Repository) -> threading.Lock:
    """One mail delivery round at a time per repository in this process (no double sends)."""
    with _LOCK:
        found = _SLOTS.get(repo)
        if found is None:
            found = _SLOTS[repo] = threading.Lock()
        return found


def file_store(repo: Repository, opener: Callable[[Repository], FileStore]) -> FileStore:
    """The one file store of a repository in this process."""
    with _LOCK:
        found = _STORES.get(repo)
        if found is None:
            found = _STORES[repo] = opener(repo)
        return found


class _Previews:
    """Image previews by the SHA-256 of the original: content-addressed, so never stale;
    the oldest go first when they exceed PREVIEW_BYTES."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, sha256: str, make: Callable[[], bytes | None]) -> bytes | None:
        with self.lock:
            if sha256 in self.items:
                self.items.move_to_end(sha256)
                return self.items[sha256]
        made = make()
        if made is None:
            return None  # a missing or damaged file: ask again next time
        with self.lock:
            if sha256 not in self.items:
                self.items[sha256] = made
                self.size += len(made)
            while self.size > self.limit and len(self.items) > 1:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)
            return made


_PREVIEWS = _Previews(PREVIEW_BYTES)


def preview(sha256: str, make: Callable[[], bytes | None]) -> bytes | None:
    """The preview of the image whose SHA-256 is ``sha256`` (``make`` draws it once)."""
    return _PREVIEWS.get(sha256, make)


def previews(wanted: list[tuple[str, Callable[[], bytes | None]]]) -> None:
    """Draw the previews not cached yet, several at once (Pillow decodes without the GIL):
    the first view of a version with many images waits for the slowest, not the sum."""
    with _PREVIEWS.lock:
        missing = [(sha, make) for sha, make in wanted if sha not in _PREVIEWS.items]
    if len(missing) < 2:
        return
    with ThreadPoolExecutor(max_workers=min(4, len(missing))) as pool:
        list(pool.map(lambda item: _PREVIEWS.get(*item), missing))
