"""What every suite shares: cheap bcrypt, the moment the demo's story ends, and the demo
ledger, made once per test session (its rows as header -> text, and as raw tabs)."""

from __future__ import annotations

import copy
import os

os.environ.setdefault("RRSS_BCRYPT_ROUNDS", "4")  # before anything hashes a password

import pytest
from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.tabular import RawTab, written
from core.domain.workdays import WorkCalendar
from sheets_schema.demo import demo_rows
from sheets_schema.tabs import SCHEMA

DemoRows = dict[str, list[dict[str, str]]]


@pytest.fixture(scope="session")
def demo_now() -> object:
    return DEMO_NOW


@pytest.fixture(scope="session")
def _demo_tabs() -> dict[str, RawTab]:
    rows = demo_rows(DEMO_NOW, WorkCalendar.for_bolivia(subdivision="L"))
    return written(SCHEMA, rows, TEST_SEALER)  # signed with the tests' key


@pytest.fixture(scope="session")
def demo(_demo_tabs: dict[str, RawTab]) -> DemoRows:
    """The demo ledger's rows (header -> text), its events signed with the tests' key."""
    return {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
            for name, raw in _demo_tabs.items()}


@pytest.fixture
def demo_tabs(_demo_tabs: dict[str, RawTab]) -> dict[str, RawTab]:
    """The demo ledger as raw tabs, a copy per test (tests may edit it as a person would)."""
    return copy.deepcopy(_demo_tabs)
