"""What a person does in the browser, for the e2e tests (fixtures live in conftest.py).

Importable as ``from e2e_helpers import login, go_to, ...`` from any test module in
tests/e2e. Everything waits the way a person would: for Streamlit to finish its run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from support.fixed import TEST_KEY, TEST_SEALER

from core.adapters.workbook.repository import WorkbookRepository
from core.domain.workflow import RequestState
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA
from wiring import Settings, create_workbook

sync_api = pytest.importorskip("playwright.sync_api")
Browser = sync_api.Browser
FrameLocator = sync_api.FrameLocator
Locator = sync_api.Locator
Page = sync_api.Page
expect = sync_api.expect
expect.set_options(timeout=20_000)  # the first page of a fresh server builds the demo workbook

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the tests never download a browser
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-adsib"  # every demo user's
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian chromium is not installed (`make test` installs it when run as root)")


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``streamlit run app.py`` on a free port, on ``workdir/ledger.xlsx`` with demo data.

    The demo workbook is made first, as ``python cli.py demo`` makes it (the app never
    creates one), signed with the tests' key, which the server gets as a deployment does.
    """

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "streamlit.log"
        self.workbook = workdir / "ledger.xlsx"
        env = dict(os.environ, RRSS_WORKBOOK=str(self.workbook),
                   RRSS_BCRYPT_ROUNDS="4", RRSS_LEDGER_KEY=TEST_KEY,
                   RRSS_PUBLIC_URL=self.url)
        env.pop("RRSS_SESSION_KEY", None)  # a key file beside the workbook, as a local run
        if not self.workbook.exists():
            create_workbook(Settings.from_env(env), demo=True)
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

    def repository(self) -> WorkbookRepository:
        """The server's workbook, for reading what the app wrote (read-only use)."""
        return WorkbookRepository(self.workbook, SCHEMA, default_rules(), TEST_SEALER)

    def state(self, request_id: str) -> RequestState:
        """The request as the server's workbook has it now (read-only)."""
        state = self.repository().snapshot().ledger.state(request_id)
        assert state is not None
        return state

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class SheetsServer(Server):
    """The app on a Google Sheet held by the stand-in, in the server's own process
    (``tests/e2e/standin_app.py``). ``quota_used_up()`` makes Google answer the next
    write 429 with ``Retry-After: retry_after`` seconds, once."""

    def __init__(self, workdir: Path, retry_after: int = 6) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "streamlit.log"
        self.trigger = workdir / "cuota-agotada"
        env = dict(os.environ, RRSS_BCRYPT_ROUNDS="4", RRSS_LEDGER="sheets",
                   RRSS_WORKBOOK=str(workdir / "no-se-usa.xlsx"),
                   RRSS_SECRETS_FILE=str(workdir / "ninguno.toml"),
                   RRSS_E2E_QUOTA_FILE=str(self.trigger),
                   RRSS_E2E_RETRY_AFTER=str(retry_after))
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "e2e" / "standin_app.py"), str(self.port)],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_for_port(timeout=60)

    def quota_used_up(self) -> None:
        self.trigger.touch()


def start_server(workdir: Path, request: pytest.FixtureRequest) -> Server:
    """A server of the test's own, stopped when ``request``'s scope ends."""
    server = Server(workdir)
    request.addfinalizer(server.stop)
    return server


# -- what a person does ----------------------------------------------------------------------


def new_tab(browser: Browser, url: str) -> Page:
    """A new browser context (its own cookies: a new Streamlit session) on ``url``."""
    page = browser.new_context(viewport=VIEWPORT, locale="es-BO").new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    return page


def settle(page: Page) -> None:
    """Wait for Streamlit to finish the current run (the first one, on a page just opened)."""
    page.wait_for_timeout(150)
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=20_000)


def wait_idle(page: Page) -> None:
    """As :func:`settle`, and until nothing is stale, loading or animating any more."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-connection-state", "CONNECTED", timeout=30_000)
    settle(page)
    for busy in ("[data-stale='true']", "[data-testid='stSpinner']",
                 "[data-testid='stSkeleton']"):
        expect(page.locator(busy)).to_have_count(0, timeout=20_000)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_timeout(300)  # transitions (sidebar, expanders) are 200-300 ms


def login(page: Page, user: str, password: str = PASSWORD) -> None:
    """Log in on the form in front of the page, and wait for the Bandeja."""
    page.get_by_label("Usuario").fill(user)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()
    settle(page)


log_in = login  # the name the first e2e tests used


def go_to(page: Page, title: str) -> None:
    """Click a page in the sidebar navigation and wait for its title."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    # .first: while a page reruns into itself, the old heading may linger a moment
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
    settle(page)


def widget(page: Page, key: str) -> Locator:
    """The element with Streamlit key ``key``; Streamlit's class name turns anything but
    letters, digits, ``_`` and ``-`` into ``-`` («action_devolver:3» → …devolver-3)."""
    return page.locator(".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip()))


def choose(page: Page, key: str, text: str) -> None:
    """Pick the option showing ``text`` (nothing to do when it is already chosen)."""
    box = widget(page, key).get_by_role("combobox")
    if text in (box.input_value() or ""):
        return
    for attempt in range(2):  # a click during a rerun may not open the list: once more
        box.click()
        option = page.get_by_role("option").filter(has_text=text)
        try:
            option.first.click(timeout=8_000 if attempt == 0 else 20_000)
            break
        except sync_api.Error:
            if attempt:
                raise
            page.keyboard.press("Escape")
            settle(page)
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
    """Bandeja → the request's card → «Abrir»: the Solicitud page on that request."""
    go_to(page, "Bandeja")
    widget(page, f"open_pending_{request_id}").get_by_role("button").click()
    expect(page.get_by_role("heading", name="Solicitud", exact=True).first).to_be_visible()
    expect(widget(page, "request_pick").get_by_role("combobox")).to_have_value(
        re.compile(rf"^{request_id} · "))
    settle(page)


def open_request(page: Page, request_id: str) -> None:
    """Solicitud → choose the request in the selector (one not waiting for this person)."""
    go_to(page, "Solicitud")
    widget(page, "request_pick").get_by_role("combobox").click()
    page.keyboard.type(request_id)  # the list shows a few options at a time: filter it
    page.get_by_role("option").filter(has_text=request_id).first.click()
    settle(page)
    expect(widget(page, "request_pick").get_by_role("combobox")).to_have_value(
        re.compile(rf"^{request_id} · "))


def act(page: Page, code: str, comment: str = "") -> None:
    if comment:
        widget(page, "action_comment").locator("textarea").fill(comment)
    widget(page, f"action_{code}").get_by_role("button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Acción registrada")
    settle(page)


def screenshot_dir(fallback: Path) -> Path:
    """``$RRSS_SCREENSHOTS`` (or the older ``$RRSS_E2E_SCREENSHOTS``), else ``fallback``."""
    chosen = os.environ.get("RRSS_SCREENSHOTS") or os.environ.get("RRSS_E2E_SCREENSHOTS")
    folder = Path(chosen) if chosen else fallback
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """Save what the page shows now as ``folder/name.png`` (name made file-safe)."""
    safe = re.sub(r"[^\w.-]+", "-", name).strip("-") or "page"
    path = folder / f"{safe}.png"
    page.screenshot(path=path)
    return path
