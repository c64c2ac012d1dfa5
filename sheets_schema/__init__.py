"""The ledger's declaration as data: tabs and columns, procedure tables, demo data."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from core.procedures import ProcedureSet, load_procedures

HERE = Path(__file__).parent
PROCEDURES_CSV = HERE / "procedures.csv"


@cache
def default_procedures() -> ProcedureSet:
    """The manual's three procedures (ADSIB-INST-MPROC-12 v01), validated."""
    with PROCEDURES_CSV.open(encoding="utf-8", newline="") as handle:
        return load_procedures(list(csv.DictReader(handle)))
