"""Small value types shared by the ledger reader and the workflow engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowIssue:
    """A row (or a whole tab, when ``row`` is 1) that failed validation; it stays as is."""

    tab: str
    row: int
    column: str
    value: str
    reason: str

    def message(self) -> str:
        where = f"pestaña «{self.tab}», fila {self.row}"
        if self.column:
            where += f", columna «{self.column}»"
        shown = f" (valor «{self.value[:60]}»)" if self.value else ""
        return f"{where}{shown}: {self.reason}"
