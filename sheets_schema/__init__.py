"""The ledger's declaration as data: tabs and columns, procedure tables, permissions, demo."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from core.domain.ledger import Rules
from core.domain.models import ProcedureStatus, ProcedureTableRow
from core.domain.permissions import PermissionMatrix, load_permissions
from core.domain.procedures import DEFINITION_COLUMNS, ProcedureSet, load_procedures

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


def procedure_records() -> list[ProcedureTableRow]:
    """The shipped procedures as records of the procedure tab, all published.

    A new ledger starts with them; from then on the tab is what the app follows.
    """
    fields = {column: name for name, column in DEFINITION_COLUMNS.items()}
    return [ProcedureTableRow.model_validate(
                {**{fields[c]: v for c, v in row.items() if c in fields},
                 "status": ProcedureStatus.PUBLISHED})
            for row in _csv_rows(PROCEDURES_CSV)]


def procedure_rows() -> list[dict[str, str]]:
    """The shipped procedures as rows of the procedure tab (header -> text)."""
    from sheets_schema.tabs import SCHEMA

    spec = SCHEMA.of(ProcedureTableRow)
    return [spec.cells(record) for record in procedure_records()]


@cache
def default_permissions() -> PermissionMatrix:
    """Who may do what (manual, sections 5 and 6, plus the marked interpretations)."""
    return load_permissions(_csv_rows(PERMISSIONS_CSV))


@cache
def default_rules() -> Rules:
    """What a deployment ships: the manual's procedures and the permission matrix."""
    return rules_for(default_procedures())


def rules_for(procedures: ProcedureSet) -> Rules:
    """The shipped permission matrix with other procedures (tests, drafts)."""
    return Rules(procedures, default_permissions())
