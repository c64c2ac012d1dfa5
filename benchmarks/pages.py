"""Rerun time of every page on large synthetic ledgers, through Streamlit's AppTest.

A rerun is what every click costs a person: the page's script runs again on the ledger the
app already holds (loading and replaying the ledger is measured elsewhere). Each page is
opened as a user who sees all of it (the professional on the plan, the DE on the
dashboard, ...), run once to warm what the app keeps per ledger snapshot, then rerun.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# page -> the user it is measured as
PAGE_USERS: dict[str, str] = {
    "bandeja": "jefe.ugs", "solicitud": "jefe.ugs", "nueva_solicitud": "solicitante",
    "publicaciones_directas": "admin.rrss", "tablero": "directora",
    "plan_promocion": "profesional", "atencion": "admin.rrss", "informe": "profesional",
    "eliminaciones": "directora", "dias_no_laborables": "jefe.ugs",
    "procedimientos": "jefe.ugs", "permisos": "jefe.ugs", "usuarios": "admin",
    "correo": "jefe.ugs", "auditoria": "jefe.ugs", "salud_datos": "jefe.ugs",
}


@contextmanager
def navigation_mode() -> Iterator[None]:
    """AppTest in the state a running server settles in (as tests/app/conftest.py)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    for name in [*logging.root.manager.loggerDict, "streamlit"]:  # bare-mode warnings
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            PagesManager.uses_pages_directory = False

    original = app_test.PagesManager
    app_test.PagesManager = NavigationPagesManager  # type: ignore[misc]
    try:
        yield
    finally:
        app_test.PagesManager = original  # type: ignore[misc]


def quiet() -> None:
    """Streamlit's loggers (created on first use) say nothing below errors."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def page_session(repo: object, page: str, user: str, now: datetime) -> Any:
    """An AppTest session logged in as ``user`` on ``page`` (already run once)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["repo"] = repo
    at.session_state["username"] = user
    at.session_state["clock"] = lambda: now
    at.run()
    quiet()
    at.switch_page(f"pages/{page}.py")
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {[e.message for e in at.exception]}")
    return at


def rerun_times(repo: object, page: str, user: str, now: datetime, repeats: int
                ) -> list[float]:
    at = page_session(repo, page, user, now)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - start)
    if at.exception:
        raise RuntimeError(f"{page}: {[e.message for e in at.exception]}")
    return samples


def every_page(repo: object, now: datetime, repeats: int,
               report: Callable[[str, list[float]], None]) -> None:
    with navigation_mode():
        for page, user in PAGE_USERS.items():
            report(page, rerun_times(repo, page, user, now, repeats))


def median(samples: list[float]) -> float:
    return statistics.median(samples)
