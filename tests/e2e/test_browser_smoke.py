"""Browser smoke test: the real server, a real headless Chromium, a real demo workbook.

Run with ``pytest -m e2e tests/e2e``. Skipped when Debian's Chromium is not installed (the
tests never download a browser). Screenshots go to the test's temporary directory, or to
``$RRSS_E2E_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.adapters.workbook.repository import WorkbookRepository
from core.domain.workflow import RequestState
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA

sync_api = pytest.importorskip("playwright.sync_api")
Browser = sync_api.Browser
Locator = sync_api.Locator
Page = sync_api.Page
expect = sync_api.expect
expect.set_options(timeout=20_000)  # the first page of a fresh server builds the demo workbook

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-adsib"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


# -- the server and the browser ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "streamlit.log"
        self.workbook = workdir / "ledger.xlsx"
        env = dict(os.environ, RRSS_WORKBOOK=str(self.workbook),
                   RRSS_BCRYPT_ROUNDS="4", RRSS_DEMO="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.headless", "true", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false",
             # Other people edit the sources while tests run: no reruns on file changes.
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_for_port()

    def _wait_for_port(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{self.log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"streamlit did not listen:\n{self.log.read_text()[-3000:]}")

    def state(self, request_id: str) -> RequestState:
        """The request as the server's workbook has it now (read-only)."""
        repo = WorkbookRepository(self.workbook, SCHEMA, default_rules())
        state = repo.snapshot().ledger.state(request_id)
        assert state is not None
        return state

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(workdir: Path, request: pytest.FixtureRequest) -> Server:
    server = Server(workdir)
    request.addfinalizer(server.stop)
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Server:
    return start_server(tmp_path_factory.mktemp("server"), request)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RRSS_E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- what a person does ----------------------------------------------------------------------


def new_tab(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000},
                               locale="es-BO").new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    return page


def settle(page: Page) -> None:
    """Wait for Streamlit to finish the current run."""
    page.wait_for_timeout(150)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=20_000)


def log_in(page: Page, username: str) -> None:
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()
    settle(page)


def go_to(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    settle(page)


def widget(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key}")


def choose(page: Page, key: str, text: str) -> None:
    widget(page, key).get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text=text).click()
    settle(page)


def type_date(page: Page, key: str, day: date) -> None:
    """Type into a date input's day/month/year fields, as a person would."""
    field = widget(page, key)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(f"{day:%d%m%Y}")
    page.keyboard.press("Tab")
    settle(page)
    expect(field.locator("input[type=date]")).to_have_value(day.isoformat())


def stage(page: Page) -> str:
    return page.get_by_test_id("stMetric").filter(has_text="Etapa") \
        .get_by_test_id("stMetricValue").inner_text()


def open_from_inbox(page: Page, request_id: str) -> None:
    go_to(page, "Bandeja")
    choose(page, "inbox_pick", request_id)
    widget(page, "inbox_open").get_by_role("button").click()
    expect(page.get_by_role("heading", name="Solicitud", exact=True)).to_be_visible()
    expect(widget(page, "request_pick").get_by_role("combobox")).to_have_value(
        re.compile(rf"^{request_id} · "))
    settle(page)


def act(page: Page, code: str, comment: str = "") -> None:
    if comment:
        widget(page, "action_comment").locator("textarea").fill(comment)
    widget(page, f"action_{code}").get_by_role("button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Acción registrada")
    settle(page)


# -- tests -----------------------------------------------------------------------------------


def test_the_ugs_head_logs_in_and_sees_the_bandeja_with_the_inbox_table(
        server: Server, browser: Browser, shots: Path) -> None:
    page = new_tab(browser, server.url)
    expect(page.get_by_role("heading", name="Publicaciones en redes sociales")).to_be_visible()
    log_in(page, "jefe.ugs")
    expect(page.get_by_role("heading", name=re.compile(r"^Pendientes de mi acción"))) \
        .to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_text("Datos de demostración")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Nueva solicitud")) \
        .to_have_count(0)
    page.screenshot(path=shots / "bandeja-jefe-ugs.png")
    assert (shots / "bandeja-jefe-ugs.png").stat().st_size > 10_000
    page.context.close()


def test_a_wrong_password_shows_the_spanish_error(server: Server, browser: Browser) -> None:
    page = new_tab(browser, server.url)
    page.get_by_label("Usuario").fill("jefe.ugs")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_text("Usuario o contraseña incorrectos.")).to_be_visible()
    page.context.close()


def test_a_link_to_a_request_opened_first_after_a_restart_leads_to_the_login_form(
        tmp_path: Path, browser: Browser, request: pytest.FixtureRequest) -> None:
    fresh = start_server(tmp_path, request)  # nobody has opened app.py in this process yet
    page = new_tab(browser, f"{fresh.url}/solicitud?id=SOL-2026-0001")
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()
    expect(page.get_by_text("Inicie sesión para continuar.")).to_have_count(0)
    expect(page.get_by_role("link", name="usuarios")).to_have_count(0)
    page.context.close()


def test_a_promotion_walks_all_eight_stages_through_the_committee_in_the_browser(
        server: Server, browser: Browser, shots: Path) -> None:
    """SLOW: the full walk of procedure 1 (five people, eight stages, about half a minute).

    Deselect it with ``-k "not walks_all_eight"`` when only the smoke checks are wanted.
    """
    tabs = {user: new_tab(browser, server.url) for user in (
        "directora", "jefe.ugs", "profesional", "comite", "admin.rrss")}
    for user, page in tabs.items():
        log_in(page, user)

    # Stage 1: Dirección Ejecutiva registers the request.
    de = tabs["directora"]
    go_to(de, "Nueva solicitud")
    choose(de, "new_procedure", "1 · Publicación de promoción")
    widget(de, "new_title").locator("input").fill("Promoción e2e: firma digital en el móvil")
    widget(de, "new_objective").locator("textarea").fill("Dar a conocer la firma móvil.")
    widget(de, "new_summary").locator("textarea").fill("Campaña pagada de dos semanas.")
    widget(de, "new_reference").locator("input").fill("Plan de Promoción de Servicios 2026")
    de.get_by_role("button", name="Registrar solicitud").click()
    flash = de.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text("registrada")
    found = re.search(r"SOL-\d{4}-\d{4}", flash.inner_text())
    assert found
    request_id = found.group(0)
    settle(de)
    assert stage(de) == "2 de 8"

    def step(user: str, number: int, code: str, comment: str = "") -> Page:
        page = tabs[user]
        open_from_inbox(page, request_id)
        assert stage(page) == f"{number} de 8"
        act(page, code, comment)
        return page

    step("jefe.ugs", 2, "avanzar")
    professional = tabs["profesional"]
    open_from_inbox(professional, request_id)
    expect(professional.get_by_text("Cronograma", exact=True)).to_be_visible()
    proposed = {n: date.fromisoformat(widget(professional, f"schedule_{n}")
                                      .locator("input[type=date]").input_value())
                for n in (6, 7, 8)}
    assert proposed[6] <= proposed[7] <= proposed[8]
    publish_on = proposed[8] + timedelta(days=1)
    type_date(professional, "schedule_8", publish_on)
    act(professional, "avanzar")
    assert server.state(request_id).schedule == {**proposed, 8: publish_on}
    step("jefe.ugs", 4, "comite", comment="Contiene datos protegidos por norma.")
    committee = tabs["comite"]
    open_from_inbox(committee, request_id)
    expect(committee.get_by_text("Comité de aprobación de RRSS").first).to_be_visible()
    act(committee, "avanzar")
    step("profesional", 6, "avanzar")
    step("jefe.ugs", 7, "avanzar")
    admin = step("admin.rrss", 8, "avanzar")

    status = admin.get_by_test_id("stMetric").filter(has_text="Estado")
    expect(status.get_by_test_id("stMetricValue")).to_have_text("Publicada")
    expect(admin.locator(".st-key-action_avanzar")).to_have_count(0)
    assert server.state(request_id).status.label == "Publicada"
    assert [(e.actor, e.outcome) for e in server.state(request_id).events] == [
        ("directora", "avanzar"), ("jefe.ugs", "avanzar"), ("profesional", "avanzar"),
        ("jefe.ugs", "comite"), ("comite", "avanzar"), ("profesional", "avanzar"),
        ("jefe.ugs", "avanzar"), ("admin.rrss", "avanzar")]
    admin.screenshot(path=shots / "solicitud-publicada.png")
    for page in tabs.values():
        page.context.close()
