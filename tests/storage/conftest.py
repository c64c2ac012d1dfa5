"""Fixtures for the workbook storage tests: demo rows made once, a fresh workbook per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from storage_helpers import new_request, open_repo

from core.adapters.workbook.repository import WorkbookRepository


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.xlsx"


@pytest.fixture
def repo(path: Path, demo: dict[str, list[dict[str, str]]]) -> WorkbookRepository:
    """A workbook with the demo ledger, as the app creates it on first run."""
    repository = open_repo(path)
    assert repository.create(demo)
    return repository


@pytest.fixture
def ids(repo: WorkbookRepository) -> list[str]:
    """Three fresh requests (procedure 3), each at stage 2 waiting for «directora»."""
    return [new_request(repo, f"Solicitud de prueba {i}") for i in range(3)]
