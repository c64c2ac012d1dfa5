"""The log-in guard's counts kept in a small JSON file beside the ledger (per server), so a
restart does not hand a guesser five more tries. Written atomically, readable only by the
account that runs the app; a damaged file is ignored (the counts start again)."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path


class GuardFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, tuple[int, datetime | None, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(name): (int(entry[0]),
                                datetime.fromisoformat(entry[1]) if entry[1] else None,
                                str(entry[2]))
                    for name, entry in dict(data).items()}
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            return {}

    def save(self, state: Mapping[str, tuple[int, datetime | None, str]]) -> None:
        data = {name: [failures, until.isoformat() if until else "", password]
                for name, (failures, until, password) in state.items()}
        temp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
