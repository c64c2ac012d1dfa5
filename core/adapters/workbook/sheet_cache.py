"""A memo of the workbook's parsed sheets, kept beside it and keyed by its SHA-256.

Reading a workbook with 20,000 event rows costs about half a second in calamine on a
small server; a restarted app (a deploy, a crash, Streamlit's own restarts) would pay it
again for a file nobody changed. The memo holds exactly what ``read_workbook`` returned
for a file whose bytes hash to the stored digest, so it is used only for those very bytes:
a workbook edited in LibreOffice, or written by another process, has another digest and
is read again. The memo is marshal data (plain lists and strings, no code); a missing,
damaged or foreign memo is ignored.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path

from core.adapters.workbook.xlsx import Sheets

FORMAT = "rrss-sheets-1"


class SheetCache:
    def __init__(self, workbook: Path) -> None:
        self.path = workbook.with_name(f".{workbook.name}.cache")

    def get(self, digest: str) -> Sheets | None:
        try:
            data = self.path.read_bytes()
            kind, stored, sheets = marshal.loads(data)
        except Exception:  # noqa: BLE001 - any damaged memo is simply not used
            return None
        if kind != FORMAT or stored != digest or not isinstance(sheets, list):
            return None
        return sheets

    def put(self, digest: str, sheets: Sheets, mode: int = 0o600) -> None:
        """Store the memo readable exactly as the workbook is (it holds the same data)."""
        temp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):  # a memo that cannot be written is just absent
            handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps((FORMAT, digest, sheets)))
            os.chmod(temp, mode)
            os.replace(temp, self.path)
        temp.unlink(missing_ok=True)
