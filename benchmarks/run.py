"""Benchmarks: prints one line per figure (median of repeated runs, seconds).

Run: ``python benchmarks/run.py`` (add ``--quick`` for fewer repetitions). Figures are
medians because the machines are noisy; compare ratios, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the Sheets stand-in
os.environ.setdefault("RRSS_BCRYPT_ROUNDS", "4")

from support.fixed import TEST_SEALER

from benchmarks.synthetic import synthetic_tabs
from core.adapters.tabular import RawTab, stored_tab
from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.sheet_cache import SheetCache
from core.domain import chain, tamper
from core.domain.ledger import StoredTab
from core.domain.models import Event, EventKind
from core.domain.workflow import acting_role
from core.services import administration
from core.services import requests as services
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

NOW = datetime(2026, 11, 30, 10, 0)


def median_of(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.3f} s (min {min(samples):.3f}, n={len(samples)})"


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def workbook_with(events: int, directory: Path) -> Path:
    tabs = synthetic_tabs(events, NOW)
    path = directory / f"ledger-{events}.xlsx"
    repo = WorkbookRepository(path, SCHEMA, default_rules(), TEST_SEALER)
    rows = {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
            for name, raw in tabs.items()}
    repo.create(rows)
    return path


def bench_workbook(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = workbook_with(20_000, Path(tmp))
        size = path.stat().st_size / 1e6

        def cold_load() -> None:
            repo = WorkbookRepository(path, SCHEMA, default_rules(), TEST_SEALER)
            ledger = repo.snapshot().ledger
            requests = sum(e.kind is EventKind.REQUEST for _, e in ledger.events)
            assert requests == 20_000 and ledger.states and not ledger.tab(Event).unsigned

        memo = SheetCache(path).path

        def first_read() -> None:
            memo.unlink(missing_ok=True)  # as after an edit in LibreOffice or another writer
            cold_load()

        firsts = [timed(first_read) for _ in range(repeats)]
        print(f"workbook_load_20k_events_changed_elsewhere (fresh repository, as after a "
              f"restart; file not seen before: calamine read, validate rows, replay "
              f"requests; {size:.1f} MB): {median_of(firsts)}")
        loads = [timed(cold_load) for _ in range(repeats)]
        print(f"workbook_load_20k_events_reopen (fresh repository, as after a restart; "
              f"file unchanged since the last read: memo beside it, validate rows, replay "
              f"requests): {median_of(loads)}")

        repo = WorkbookRepository(path, SCHEMA, default_rules(), TEST_SEALER)
        repo.snapshot().ledger.states  # noqa: B018 - warm the cache as a running app would
        warm = [timed(lambda: repo.snapshot().ledger.states) for _ in range(repeats)]
        print(f"workbook_page_view_cached_20k_events (file unchanged): {median_of(warm)}")

        ledger = repo.snapshot().ledger
        open_ids = [rid for rid, s in ledger.states.items() if s.is_open]
        samples = []
        for request_id in open_ids:
            if len(samples) >= repeats:
                break
            ledger = repo.snapshot().ledger
            state = ledger.state(request_id)
            assert state is not None
            actor = next((u for u in ledger.users.values()
                          if acting_role(state, u) is not None), None)
            if actor is None or state.stage_row is None or state.stage_row.records_schedule:
                continue

            def act(rid: str = request_id, who: str = actor.username, seq: int = state.seq
                    ) -> None:
                services.act(repo, who, rid, "avanzar", expected_seq=seq, now=NOW)
                repo.snapshot().ledger.states  # noqa: B018 - the page view that follows

            samples.append(timed(act))
        print(f"workbook_apply_one_action_20k_events (validate, write file, refresh view): "
              f"{median_of(samples)}")


def chained_events(count: int) -> StoredTab:
    """``count`` request events as the app writes them (schema order, each signed and
    chained with the ledger's key)."""
    headers = TABS_BY_NAME["eventos"].headers
    rows, previous = [], chain.GENESIS
    for i in range(count):
        request, seq = divmod(i, 8)
        values = [f"{i:032x}", "solicitud", f"SOL-B-{request:06d}", str(seq + 1), str(seq + 1),
                  "avanzar", str(seq + 2), "jefe.ugs", "jefe_ugs",
                  f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00",
                  "Observación de la revisión" if i % 5 == 0 else "", ""]
        signature, previous = TEST_SEALER.seal(previous, values)
        rows.append([*values, previous, signature])
    return stored_tab(SCHEMA.events, RawTab("eventos", list(headers), rows))


def bench_chain(repeats: int) -> None:
    events = chained_events(100_000)
    samples, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = tamper.verify_chain(events, sealer=TEST_SEALER)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert report.intact and report.rows == 100_000
    print(f"verify_chain_100k_events (cold, every row's signature and link checked with "
          f"HMAC-SHA-256): {median_of(samples)}; cpu median {statistics.median(cpu):.3f} s")


def bench_dashboard(repeats: int) -> None:
    """The deadline dashboard on 100,000 events: compute time, and ledger reads per view."""
    from datetime import timedelta

    from core.adapters.tabular import Snapshot
    from core.domain.workdays import WorkCalendar
    from core.services.dashboard import DashboardFilter, stage_visits, summarize
    from ui import caches

    tabs = synthetic_tabs(100_000, NOW, requests=10_000)
    ledger = Snapshot(tabs, SCHEMA, default_rules(), TEST_SEALER).ledger
    states = ledger.states  # the cached load every page view starts from
    calendar = WorkCalendar.for_bolivia(days_off=administration.institutional_days_off(ledger))
    today = NOW.date()
    period = DashboardFilter(today - timedelta(days=90), today)
    size = (f"{len(ledger.events):,} events, {len(states):,} requests, "
            f"{sum(s.is_open for s in states.values()):,} open")

    def cold() -> None:
        summarize(stage_visits(ledger, calendar), calendar, today, period)

    samples = [timed(cold) for _ in range(repeats)]
    cpu = []
    for _ in range(repeats):
        start = time.process_time()
        cold()
        cpu.append(time.process_time() - start)
    print(f"dashboard_100k_events_cold ({size}; walk every event, then the figures; ledger "
          f"already loaded): {median_of(samples)}; CPU {statistics.median(cpu):.3f} s")
    visits = stage_visits(ledger, calendar)
    units = sorted({r.unit for r in ledger.requests.values()})
    filters = [DashboardFilter(period.start, period.end, frozenset(units[i:i + 2]),
                               frozenset({1 + i % 3})) for i in range(repeats)]
    warm = [timed(lambda f=f: summarize(visits, calendar, today, f)) for f in filters]
    print(f"dashboard_100k_events_new_filters (visits cached on the ledger): {median_of(warm)}")
    caches.dashboard(ledger, "directora", calendar, today, period)
    again = [timed(lambda: caches.dashboard(ledger, "directora", calendar, today, period))
             for _ in range(repeats)]
    print(f"dashboard_100k_events_same_view_again (cached result): {median_of(again)}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger-dashboard.xlsx"
        repo = WorkbookRepository(path, SCHEMA, default_rules(), TEST_SEALER)
        repo.create({name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
                     for name, raw in tabs.items()})
        repo.snapshot().ledger.states  # noqa: B018 - the cached load
        os.environ["RRSS_WORKBOOK"] = str(Path(tmp) / "unused.xlsx")
        loads = repo.reads
        views = dashboard_page_views(repo, repeats)
        print(f"dashboard_page_view_100k_events (AppTest, Tablero de plazos as DE, filters "
              f"changed each time): {median_of(views)}; ledger reads beyond the cached "
              f"load: {repo.reads - loads}")


def dashboard_page_views(repo: object, repeats: int) -> list[float]:
    """Render «Tablero de plazos» through AppTest, changing a filter before each rerun."""
    import logging

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest, app_test

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare-mode warnings

    class NavigationPagesManager(PagesManager):  # as a running server settles (tests/app)
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = NavigationPagesManager  # type: ignore[misc]
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["repo"] = repo
    at.session_state["username"] = "directora"
    at.run()
    at.switch_page("pages/tablero.py")
    samples = [timed(at.run)]
    assert not at.exception, [e.message for e in at.exception]
    units = at.multiselect(key="dash_units").options
    for i in range(repeats - 1):
        at.multiselect(key="dash_units").set_value(units[i % len(units): i % len(units) + 1])
        samples.append(timed(at.run))
        assert not at.exception, [e.message for e in at.exception]
    return samples


def bench_sheets() -> None:
    """Google Sheets API calls per page view and per action, and the users one quota
    carries, ours beside a naive gspread app, on the in-process stand-in (counts, not
    times: they are the same on every run)."""
    from benchmarks.sheets_calls import figures

    for line in figures():
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    bench_workbook(repeats)
    bench_chain(repeats)
    bench_dashboard(repeats)
    bench_sheets()


if __name__ == "__main__":
    main()
