"""Fixtures for the browser tests: the real server, Debian's headless Chromium, screenshots.

* ``server`` (module): ``streamlit run app.py`` on a free port, on a temporary workbook
  that the app fills with demo data on the first page load; ``start_server(tmp, request)``
  (from e2e_helpers) gives a test a server of its own.
* ``browser`` (session): one Chromium for every e2e module (each test opens its own
  context with ``new_tab``, so sessions never mix).
* ``tab`` (function): a factory ``tab(url=None) -> Page`` whose contexts close after the test.
* ``shots`` / ``screenshot``: the screenshot folder (``$RRSS_SCREENSHOTS``, else the test's
  temporary directory) and ``screenshot(page, name) -> Path``.

A test module here starts with ``pytestmark = [pytest.mark.e2e, needs_browser]`` (from
e2e_helpers): skipped, with the reason, when /usr/bin/chromium is missing (``make test``
installs Debian's as root; no browser is ever downloaded), and when Playwright is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Without Playwright, e2e_helpers raises pytest's skip; the test modules then skip on import.
with contextlib.suppress(pytest.skip.Exception):
    from e2e_helpers import (
        CHROMIUM,
        CHROMIUM_ARGS,
        Browser,
        Page,
        Server,
        new_tab,
        screenshot_dir,
        start_server,
        sync_api,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Server:
    """The app with demo data, shared by the tests of one module."""
    return start_server(tmp_path_factory.mktemp("server"), request)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """``tab()`` opens the server's front page in a fresh context; ``tab(url)`` any URL."""
    pages: list[Page] = []

    def open_tab(url: str | None = None) -> Page:
        page = new_tab(browser, url or server.url)
        pages.append(page)
        return page

    yield open_tab
    for page in pages:
        page.context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``$RRSS_SCREENSHOTS`` when set, else the test's tmp dir."""
    return screenshot_dir(tmp_path)


@pytest.fixture
def screenshot(shots: Path) -> Callable[[Page, str], Path]:
    """``screenshot(page, "bandeja-jefe")`` saves ``<shots>/bandeja-jefe.png``."""
    from e2e_helpers import screenshot as save

    return lambda page, name: save(page, shots, name)
