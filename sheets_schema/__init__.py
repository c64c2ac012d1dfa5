"""The ledger's declaration as data: tabs and columns, procedure tables, demo data."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from core.models import ProcedureStatus, ProcedureTableRow
from core.permissions import PermissionMatrix, load_permissions
from core.procedures import ProcedureSet, load_procedures

HERE = Path(__file__).parent
PROCEDURES_CSV = HERE / "procedures.csv"
PERMISSIONS_CSV = HERE / "permissions.csv"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def default_procedures() -> ProcedureSet:
    """The manual's three procedures (ADSIB-INST-MPROC-12 v01), validated."""
    return load_procedures(_csv_rows(PROCEDURES_CSV))


def procedure_rows() -> list[dict[str, str]]:
    """The shipped procedures as rows of the «procedimientos» tab, all published.

    A new workbook starts with them; from then on the tab is what the app follows.
    """
    return [ProcedureTableRow.model_validate({**row, "estado": ProcedureStatus.PUBLISHED})
            .to_row() for row in _csv_rows(PROCEDURES_CSV)]


@cache
def default_permissions() -> PermissionMatrix:
    """Who may do what (manual, sections 5 and 6, plus the marked interpretations)."""
    return load_permissions(_csv_rows(PERMISSIONS_CSV))
