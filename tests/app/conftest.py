"""Shared helpers for the AppTest suites: a demo workbook per module, isolated environment.

Every test gets its own ``RRSS_WORKBOOK`` path (so nothing ever touches ``data/``) and cheap
bcrypt. Most tests share one demo workbook per module and inject it into each session as
``st.session_state["repo"]``, the way ``ui.session`` documents; the tests about the log-in
page go through the environment instead, exactly as the app is started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test
from support.fixed import TEST_ENV, TEST_KEY

from core.domain.ports import Repository
from wiring import Settings, create_workbook


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRSS_WORKBOOK", str(tmp_path / "ledger.xlsx"))
    monkeypatch.setenv("RRSS_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("RRSS_LEDGER_KEY", TEST_KEY)  # the tests' key, as a server configures it


class _NavigationPagesManager(PagesManager):
    """AppTest's pages manager, in the state a running server settles in.

    Because the app keeps its pages in a folder called ``pages/``, Streamlit starts in the
    old "pages directory" mode until ``st.navigation`` runs once in the process; from then
    on every run executes ``app.py``. AppTest resets that flag before *every* run, so a
    rerun on, say, Bandeja would execute ``pages/bandeja.py`` alone, skipping the log-in,
    the navigation filter and the sidebar. Pinning the flag tests what users get.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _navigation_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)


@pytest.fixture
def demo_workbook(_isolated_environment: None) -> Repository:
    """The demo workbook at ``RRSS_WORKBOOK``, as ``python cli.py demo`` makes it."""
    return create_workbook(Settings.from_env(), demo=True)


@pytest.fixture
def empty_workbook(_isolated_environment: None) -> Repository:
    """An empty ledger at ``RRSS_WORKBOOK``, as ``python cli.py init`` makes it."""
    return create_workbook(Settings.from_env(), demo=False)


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    """A fresh demo workbook for the whole module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RRSS_BCRYPT_ROUNDS", "4")
        path = tmp_path_factory.mktemp("ledger") / "ledger.xlsx"
        yield create_workbook(Settings(path, "L", TEST_ENV), demo=True)
