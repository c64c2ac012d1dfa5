"""Ledgers the tests start from, beyond the demo: the demo's people and requests in a
ledger that is *not* marked as demo data (mail goes out, as in production)."""

from __future__ import annotations

from pathlib import Path

from support.fixed import TEST_SEALER

from core.adapters.workbook.repository import WorkbookRepository
from core.domain.chain import Sealer
from core.domain.ledger import DEMO_OUTCOME
from core.domain.workdays import WorkCalendar
from sheets_schema import default_rules
from sheets_schema.demo import demo_rows
from sheets_schema.tabs import SCHEMA
from wiring import local_now


def real_rows() -> dict[str, list[dict[str, str]]]:
    """The demo's rows without the event that marks a ledger as demo data."""
    rows = demo_rows(local_now(), WorkCalendar.for_bolivia(subdivision="L"))
    rows["eventos"] = [r for r in rows["eventos"] if r["accion"] != DEMO_OUTCOME]
    return rows


def real_workbook(path: Path, sealer: Sealer = TEST_SEALER) -> WorkbookRepository:
    """A workbook at ``path`` holding :func:`real_rows`, signed with ``sealer``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    repo = WorkbookRepository(path, SCHEMA, default_rules(), sealer)
    repo.create(real_rows())
    return repo
