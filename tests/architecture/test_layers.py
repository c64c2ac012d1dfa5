"""The layers the README draws, checked: import-linter's contracts, and no use case or rule
that names a tab of the ledger or writes a cell by its column header."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from core.domain.procedures import DEFINITION_COLUMNS
from sheets_schema.tabs import SCHEMA

ROOT = Path(__file__).resolve().parents[2]
INNER = sorted((ROOT / "core" / "domain").glob("*.py")) + \
    sorted((ROOT / "core" / "services").glob("*.py"))
TAB_NAMES = {spec.name for spec in SCHEMA}
# Headers that are not also ordinary words of a message or an event's payload. The
# procedure table's own columns are the domain's definition language (procedures.csv).
DISTINCT_HEADERS = {h for spec in SCHEMA for h in spec.headers if "_" in h} \
    - set(DEFINITION_COLUMNS.values())


def string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("path", INNER, ids=[p.relative_to(ROOT).as_posix() for p in INNER])
def test_rules_and_use_cases_never_name_a_tab_or_a_column(path: Path) -> None:
    found = [(line, text) for line, text in string_constants(path)
             if text in TAB_NAMES or text in DISTINCT_HEADERS]
    assert found == []


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:]


PAGES = sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_every_page_stays_thin_under_150_lines(path: Path) -> None:
    # A page reads widgets, calls one service and renders; views live in ui/.
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < 150, f"{path.name}: {lines} líneas; lleve sus vistas a ui/"
