"""The change journal: what each write did to the tabs only the app edits.

Every fenced write deletes the last row of the hidden «_control» tab (the fence) and, in the
same atomic ``batchUpdate``, rewrites cell A2 of that tab with this journal: the last
writes, each with the fence it found and the fence it left, which rows it appended to,
changed in, or took out of the tabs only the app's account edits (``eventos``,
``materiales``, ``solicitudes``, ``usuarios``, ``correo_saliente``, ``correo_archivo``),
and the new text of the changed cells.

Another app server that read the sheet at fence ``F`` reads «_control» and the rows after
its last known row of each of those tabs; if the journal links ``F`` to the current fence,
it knows every change the app made since, without reading any of the rows it already had.
A gap (a write by an older version of the app, a journal that overflowed, a replaced
control tab it cannot follow) means "read those tabs whole", never a guess.

Format: JSON ``{"v": 1, "e": [entry, …]}``; an entry is ``{"b": [sheet id, rows],
"a": [sheet id, rows], "w": writer, "t": unix seconds, "d": {tab: delta}}``, a delta
``{"u": [[row index, first column, [text, …]], …], "r": [row index, …], "n": appended,
"x": 1 (too large to list: read the tab whole)}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

VERSION = 1
MAX_CHARS = 20_000  # a cell holds 50,000; every write rewrites it and every refresh reads it
MAX_ENTRIES = 32
MAX_DELTA_CHARS = 4_000  # one write's description; larger ones say "read the tab whole"


@dataclass(frozen=True)
class Fence:
    """The control tab's id and row count: where the writes stood."""

    sheet_id: int
    rows: int


@dataclass
class Delta:
    """What one write did to one tab."""

    updates: list[tuple[int, int, list[str]]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    appended: int = 0
    whole: bool = False  # too large to describe: read the tab whole


@dataclass
class Entry:
    before: Fence
    after: Fence
    writer: str
    at: int
    deltas: dict[str, Delta]


def _delta_json(delta: Delta) -> dict[str, object]:
    if delta.whole:
        return {"x": 1}
    out: dict[str, object] = {}
    if delta.updates:
        out["u"] = [[i, c, list(t)] for i, c, t in delta.updates]
    if delta.removed:
        out["r"] = list(delta.removed)
    if delta.appended:
        out["n"] = delta.appended
    return out


def _entry_json(entry: Entry) -> dict[str, object]:
    return {"b": [entry.before.sheet_id, entry.before.rows],
            "a": [entry.after.sheet_id, entry.after.rows], "w": entry.writer, "t": entry.at,
            "d": {name: _delta_json(d) for name, d in entry.deltas.items()}}


def encode(entries: Sequence[Entry]) -> str:
    """The journal's text, newest entries kept, within :data:`MAX_CHARS`."""
    kept = [_entry_json(e) for e in entries[-MAX_ENTRIES:]]
    text = json.dumps({"v": VERSION, "e": kept}, ensure_ascii=False, separators=(",", ":"))
    while len(text) > MAX_CHARS and kept:
        kept = kept[max(1, len(kept) // 4):]
        text = json.dumps({"v": VERSION, "e": kept}, ensure_ascii=False,
                          separators=(",", ":"))
    return text


def decode(text: str) -> list[Entry]:
    """The entries in ``text`` (empty when the cell is empty or not a journal)."""
    try:
        data = json.loads(text) if text.strip() else {}
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return []
        entries = []
        for raw in data.get("e") or []:
            deltas = {}
            for name, d in (raw.get("d") or {}).items():
                deltas[str(name)] = Delta(
                    [(int(i), int(c), [str(t) for t in texts]) for i, c, texts in d.get("u", [])],
                    [int(i) for i in d.get("r", [])], int(d.get("n", 0)), bool(d.get("x")))
            entries.append(Entry(Fence(int(raw["b"][0]), int(raw["b"][1])),
                                 Fence(int(raw["a"][0]), int(raw["a"][1])),
                                 str(raw.get("w", "")), int(raw.get("t", 0)), deltas))
        return entries
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return []  # a hand-edited cell: treated as a gap


def bounded(delta: Delta) -> Delta:
    """``delta``, or "read the tab whole" when listing it would crowd the journal."""
    size = sum(len(t) + 12 for _, _, texts in delta.updates for t in texts)
    size += 8 * len(delta.removed)
    return Delta(whole=True) if size > MAX_DELTA_CHARS else delta


def path(entries: Iterable[Entry], start: Fence, end: Fence) -> list[Entry] | None:
    """The entries that lead from fence ``start`` to fence ``end``, in order, or None when
    the journal does not cover every write in between."""
    by_before: dict[Fence, Entry] = {}
    for entry in entries:
        by_before[entry.before] = entry
    found: list[Entry] = []
    at = start
    while at != end:
        step = by_before.get(at)
        if step is None or len(found) > MAX_ENTRIES:
            return None
        found.append(step)
        at = step.after
    return found


def writers_since(entries: Iterable[Entry], since: float) -> set[str]:
    """Distinct app servers that wrote after unix time ``since``."""
    return {e.writer for e in entries if e.at >= since and e.writer}
