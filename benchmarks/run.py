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
from typing import Any

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
from core.domain.models import Event, EventKind, PlanItem
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


def bench_materials(repeats: int) -> None:
    """Attaching a 5 MB image at a producing stage (check by content, SHA-256, store in the
    folder beside the workbook with fsync, record the version in the workbook), and a
    Solicitud page showing a version of 20 images (AppTest, local workbook)."""
    from support.material_files import big_jpeg, image_bytes
    from support.material_flow import new_p3_request, step, to_stage

    from core.adapters.files.local import LocalFileStore, folder_beside
    from core.domain.models import MaterialKind, Network
    from core.domain.workdays import WorkCalendar
    from core.services import materials
    from sheets_schema.demo import demo_rows

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger-material.xlsx"
        repo = WorkbookRepository(path, SCHEMA, default_rules())
        repo.create(demo_rows(NOW, WorkCalendar.for_bolivia(subdivision="L")))
        store = LocalFileStore(folder_beside(path))
        photos = [big_jpeg(5) for _ in range(repeats)]
        waiting = []
        for _ in photos:
            rid = new_p3_request(repo, NOW)
            to_stage(repo, rid, 6, NOW)
            waiting.append(rid)
        samples = []
        for rid, photo in zip(waiting, photos, strict=True):
            draft = materials.Draft(texts={Network.ALL: "Aviso #nicbo"}, uploads=[
                materials.Upload("foto.jpg", photo, MaterialKind.IMAGE)])
            samples.append(timed(lambda r=rid, d=draft: step(repo, r, NOW, draft=d,
                                                             store=store)))
        size = len(photos[0]) / 1e6
        print(f"material_attach_5mb_image ({size:.1f} MB JPEG at stage 6 of procedure 3: "
              f"type and header check, SHA-256, written to the folder with fsync, version "
              f"recorded in the workbook): {median_of(samples)}")

        rid = new_p3_request(repo, NOW, "Galería de 20 fotos")
        to_stage(repo, rid, 6, NOW)
        gallery = [image_bytes("JPEG", (1600, 1200), colour=(i * 12, 80, 200 - i * 9))
                   for i in range(20)]
        step(repo, rid, NOW, store=store, draft=materials.Draft(
            texts={Network.ALL: "Veinte fotos del taller #adsib"},
            uploads=[materials.Upload(f"foto-{i:02d}.jpg", data)
                     for i, data in enumerate(gallery)]))
        cold, warm = solicitud_page_views(repo, rid, repeats)
        print(f"material_solicitud_page_20_images (AppTest, local workbook, the approver's "
              f"view of a version of 20 images and its post card): first view "
              f"{cold:.3f} s (previews drawn); then {median_of(warm)}")


def solicitud_page_views(repo: object, request_id: str, repeats: int) -> tuple[float,
                                                                           list[float]]:
    """Render «Solicitud» on ``request_id`` as the unit that must approve it."""
    from benchmarks.pages import navigation_mode

    with navigation_mode():
        at = _app_test(repo, "solicitante")
        at.session_state["request_id"] = request_id
        at.switch_page("pages/solicitud.py")
        cold = timed(at.run)
        assert not at.exception, [e.message for e in at.exception]
        assert len(at.get("image")) == 20
        warm = []
        for _ in range(repeats):
            warm.append(timed(at.run))
            assert not at.exception, [e.message for e in at.exception]
    return cold, warm


def _app_test(repo: object, username: str) -> Any:
    """An AppTest session logged in as ``username`` (inside ``navigation_mode``)."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.pages import quiet

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["repo"] = repo
    at.session_state["username"] = username
    at.run()
    quiet()
    return at


def bench_calendar(repeats: int) -> None:
    """The promotion calendar with 500 plan items: building what the component draws, and
    the plan page's rerun (AppTest) on a 20,000-event ledger holding those items."""
    from benchmarks.pages import navigation_mode, page_session
    from benchmarks.synthetic import with_service_rows
    from core.adapters.memory import InMemoryRepository
    from core.domain.workdays import WorkCalendar
    from core.services import plan
    from ui import plan_calendar

    tabs = with_service_rows(synthetic_tabs(20_000, NOW, requests=2_000), NOW, plan_items=500)
    repo = InMemoryRepository(tabs, SCHEMA, default_rules())
    ledger = repo.snapshot().ledger
    items = plan.plan_items(ledger)
    calendar = WorkCalendar.for_bolivia(days_off=administration.institutional_days_off(ledger))
    today = NOW.date()
    build = [timed(lambda: plan_calendar.calendar_args(items, calendar, today, True))
             for _ in range(repeats)]
    events = len(plan_calendar.calendar_args(items, calendar, today, True)["events"])
    print(f"calendar_500_items_build ({len(items)} plan items + days off = {events} calendar "
          f"events, with the options; uncached): {median_of(build)}")
    with navigation_mode():
        first = []
        for _ in range(max(2, repeats // 2)):
            start = time.perf_counter()
            page_session(InMemoryRepository(tabs, SCHEMA, default_rules()), "plan_promocion",
                         "profesional", NOW)
            first.append(time.perf_counter() - start)
        at = page_session(repo, "plan_promocion", "profesional", NOW)
        reruns = [timed(at.run) for _ in range(repeats)]
    print(f"calendar_500_items_page_first_view (AppTest: log-in run + plan page on a new "
          f"ledger snapshot, calendar built; 20k events): {median_of(first)}")
    print(f"calendar_500_items_page_rerun (AppTest, calendar kept for the snapshot): "
          f"{median_of(reruns)}")


def bench_report(repeats: int) -> None:
    """The Informe Técnico for a year of 100,000 events: the figures (cold: the dashboard's
    walk of every event included) and the Word document with its chart."""
    from datetime import timedelta

    from benchmarks.synthetic import with_service_rows
    from core.adapters.exports import charts, docx_report
    from core.adapters.tabular import Snapshot
    from core.domain.workdays import WorkCalendar
    from core.services.reports import DocumentKind, report_data

    tabs = with_service_rows(synthetic_tabs(100_000, NOW, requests=10_000), NOW)
    ledger = Snapshot(tabs, SCHEMA, default_rules()).ledger
    ledger.states  # noqa: B018 - the cached load every page view starts from
    calendar = WorkCalendar.for_bolivia(days_off=administration.institutional_days_off(ledger))
    start, end = NOW.date() - timedelta(days=365), NOW.date()
    head = docx_report.Letterhead("Jorge Flores — Profesional en Promoción de Servicios",
                                  "Ana Mamani — Dirección Ejecutiva")
    warm = report_data(ledger, calendar, start, end, end, now=NOW)
    chart = charts.bottleneck_chart(warm.board)
    assert chart is not None
    charts.chart_png(chart)  # the renderer starts once per process, as in a running server
    figures = [timed(lambda: report_data(ledger, calendar, start, end, end, now=NOW))
               for _ in range(repeats)]
    document = [timed(lambda: docx_report.report_docx(warm, DocumentKind.TECHNICAL_REPORT,
                                                      head, NOW)) for _ in range(repeats)]
    total = [timed(lambda: docx_report.report_docx(
        report_data(ledger, calendar, start, end, end, now=NOW),
        DocumentKind.TECHNICAL_REPORT, head, NOW)) for _ in range(repeats)]
    size = (f"{len(ledger.events):,} events, {len(warm.publications):,} publication lines, "
            f"{warm.requests_in_period:,} requests in the year")
    print(f"report_year_100k_figures ({size}; cold, every event walked): {median_of(figures)}")
    print(f"report_year_100k_docx (document with its vl-convert chart): {median_of(document)}")
    print(f"report_year_100k_total (figures + document; goal 1 s): {median_of(total)}")


def bench_sheets(quick: bool) -> None:
    """Google Sheets requests per page view and per action, bytes a refresh reads at
    20,000 and 100,000 events, and the people one service account and one project carry
    with 1, 2 and 4 app servers: this adapter beside a naive and a cached gspread app, on
    the in-process stand-in (counts, not times: the same on every run; ``--quick``
    simulates 1.5 minutes instead of 3)."""
    from benchmarks.sheets_calls import figures

    for line in figures(quick):
        print(line, flush=True)


def bench_pages(repeats: int) -> None:
    """The rerun time of every page (AppTest) at 20,000 and 100,000 events."""
    from benchmarks.pages import every_page
    from benchmarks.synthetic import with_service_rows
    from core.adapters.memory import InMemoryRepository

    for events in (20_000, 100_000):
        tabs = with_service_rows(synthetic_tabs(events, NOW, requests=events // 10), NOW)
        repo = InMemoryRepository(tabs, SCHEMA, default_rules())
        ledger = repo.snapshot().ledger
        size = (f"{len(ledger.events):,} events, {len(ledger.states):,} requests, "
                f"{len(ledger.all(PlanItem)):,} plan items")

        def report(page: str, samples: list[float], size: str = size,
                   events: int = events) -> None:
            print(f"page_rerun_{page}_{events // 1000}k_events ({size}; AppTest, ledger "
                  f"already loaded; goal 0.25 s at 100k): {median_of(samples)}")

        every_page(repo, NOW, repeats, report)


BENCHES = ("workbook", "chain", "dashboard", "materials", "pages", "calendar", "report",
           "sheets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", default=",".join(BENCHES),
                        help=f"comma-separated subset of {', '.join(BENCHES)}")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    chosen = {name.strip() for name in args.only.split(",")}
    unknown = chosen - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(BENCHES)}")
    runs: dict[str, Callable[[], None]] = {
        "workbook": lambda: bench_workbook(repeats), "chain": lambda: bench_chain(repeats),
        "dashboard": lambda: bench_dashboard(repeats),
        "materials": lambda: bench_materials(repeats), "pages": lambda: bench_pages(repeats),
        "calendar": lambda: bench_calendar(repeats), "report": lambda: bench_report(repeats),
        "sheets": lambda: bench_sheets(args.quick),
    }
    for name in BENCHES:
        if name in chosen:
            runs[name]()


if __name__ == "__main__":
    main()
