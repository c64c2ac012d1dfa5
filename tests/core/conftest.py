"""Shared fixtures for the core tests: the shipped procedures, a fixed clock and a seeded
in-memory ledger (the agency's units and one user per role, from the demo helpers).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from core_helpers import EXTRA_USERS, INACTIVE, NOW, Walk
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.procedures import ProcedureSet
from core.domain.workdays import WorkCalendar
from sheets_schema import default_procedures, default_rules, rules_for
from sheets_schema.demo import DEMO_PASSWORD, USERS, as_rows, demo_user
from sheets_schema.demo import seeded_tabs as seeded
from sheets_schema.tabs import SCHEMA


@pytest.fixture(scope="session")
def procedures() -> ProcedureSet:
    return default_procedures()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    return WorkCalendar.for_bolivia(years=range(2026, 2027))


@pytest.fixture(scope="session")
def seeded_tabs() -> dict[str, RawTab]:
    """Units and users (opened by signed events), hashed once per session (each repository
    copies them)."""
    when = NOW - timedelta(days=30)
    users = [demo_user(username, name, roles, unit, DEMO_PASSWORD, when).model_copy(
                 update={"active": username not in INACTIVE})
             for username, name, roles, unit in [*USERS, *EXTRA_USERS]]
    return seeded(users, when, TEST_SEALER)


@pytest.fixture
def repo(seeded_tabs: dict[str, RawTab], procedures: ProcedureSet) -> InMemoryRepository:
    """Units plus one user per role (demo), another unit's staff and a deactivated user."""
    return InMemoryRepository(seeded_tabs, SCHEMA, rules_for(procedures), TEST_SEALER)


@pytest.fixture
def empty_repo(procedures: ProcedureSet) -> InMemoryRepository:
    """A ledger with units and no users, as on the first run."""
    return InMemoryRepository(seeded([], NOW, TEST_SEALER), SCHEMA, rules_for(procedures),
                              TEST_SEALER)


@pytest.fixture
def walk(procedures: ProcedureSet) -> Callable[..., Walk]:
    """``walk(number, protected=..., publish_to=...)``: a request of a shipped procedure."""

    def make(number: int, **options: object) -> Walk:
        return Walk(procedures.current(number), **options)

    return make


@pytest.fixture
def workbook(tmp_path: Path) -> WorkbookRepository:
    """A small local workbook: the agency's units and the demo users."""
    repo = WorkbookRepository(tmp_path / "ledger.xlsx", SCHEMA, default_rules(), TEST_SEALER)
    when = NOW - timedelta(days=30)
    repo.create(as_rows(seeded([demo_user(u, n, r, unit, DEMO_PASSWORD, when)
                                for u, n, r, unit in USERS], when, TEST_SEALER)))
    return repo
