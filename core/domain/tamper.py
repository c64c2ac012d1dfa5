"""Checking the events' hash chain: which rows were edited, deleted, inserted or moved.

Why: the ledger is a spreadsheet, and anyone with access can edit it. Each event row's
``hash`` links it to the row above (``core.domain.chain``), so a hand edit leaves a trace;
this module reads that trace back from the stored text of the events and says, as exactly
as the chain allows, what happened, and says plainly what the chain cannot tell.
What the chain proves and what it does not:

- *Inserted* (certain): a later row links past it to the row above it, or it has no hash
  (the application always writes one).
- *Moved* (certain): a row links to a row that is not the one above it.
- *Edited* (certain, with the original value): when one cell changed to a value the
  verifier can try (a user, an action, a stage, a number, a date, an emptied text...),
  trying candidates until SHA-256 matches recovers the original. A match is proof.
- Otherwise a row whose hash does not match, but from which the next row continues, was
  *edited, or rows right above it were deleted*: the hash alone cannot tell which, nor
  which cell changed. Other evidence decides when it can: a request missing an event
  number between two of its rows (then: *deleted*). The columns that disagree with the
  same request's other events are shown as hints, not proof.
- Rows deleted from the end leave no break. Each acknowledgement records the head it
  reviewed, and the running app remembers the last head it read; a remembered head that
  is gone reveals the deletion.
- The chain has no secret: someone who knows the algorithm can recompute every hash after
  an edit. Only a copy of the head kept outside the sheet guards against that.

Verification is plain hashing over text, no pydantic: a few microseconds per row (see
``benchmarks/run.py``). Findings name the columns as people see them in the sheet.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.domain import chain
from core.domain.chain import Sealer
from core.domain.ledger import StoredTab
from core.domain.models import Event, EventKind
from core.domain.roles import Role

HASH = "hash"  # the event field that holds each row's link
SIGNATURE = "signature"  # and the one that holds its signature
EVENT_FIELDS: tuple[str, ...] = tuple(f for f in Event.fields() if f != SIGNATURE)
CONTENT_FIELDS: tuple[str, ...] = tuple(f for f in EVENT_FIELDS if f != HASH)
ACK_OUTCOME = "acuse_auditoria"
ACK_SUBJECT = "auditoria"

# Work limits for explaining breaks (the check itself is never limited).
SEARCH_WINDOW = 300  # rows above and below a break where its real predecessor is sought
SEARCH_BUDGET = 100_000  # hashes spent seeking predecessors, per verification
RECOVERY_ROWS = 25  # rows for which the original cell value is sought
RECOVERY_BUDGET = 100_000  # hashes spent on that
EVIDENCE_ROWS = 300  # uncertain rows checked against the other events of their object
NEARBY_VALUES = 500  # rows above and below a break whose values are tried


class FindingKind(StrEnum):
    EDITED = "modificada"
    INSERTED = "insertada"
    MOVED = "movida"
    DELETED = "eliminadas_antes"
    EDITED_OR_DELETED = "modificada_o_eliminadas_antes"
    EDITED_OR_INSERTED = "modificada_o_agregada"
    TRUNCATED = "eliminadas_al_final"
    HEADER = "encabezado"

    @property
    def label(self) -> str:
        return FINDING_LABELS[self]


FINDING_LABELS = {
    FindingKind.EDITED: "Fila modificada",
    FindingKind.INSERTED: "Fila insertada a mano",
    FindingKind.MOVED: "Fila movida",
    FindingKind.DELETED: "Filas eliminadas antes de esta",
    FindingKind.EDITED_OR_DELETED: "Fila modificada, o filas eliminadas antes de ella",
    FindingKind.EDITED_OR_INSERTED: "Fila modificada o agregada a mano",
    FindingKind.TRUNCATED: "Filas eliminadas al final",
    FindingKind.HEADER: "Encabezado dañado",
}


@dataclass(frozen=True)
class CellChange:
    """A cell whose original value is known for certain (its hash matched)."""

    column: str
    before: str
    now: str


@dataclass(frozen=True)
class Finding:
    """One thing done by hand to «eventos»; ``row`` is the sheet row (header is row 1).

    ``columns`` are the cells known to differ (``changes``, certain) or, when the chain
    cannot say, the cells that disagree with the same object's other events (hints).
    """

    kind: FindingKind
    row: int
    event_id: str
    detail: str
    key: str
    certain: bool
    previous_row: int | None = None
    columns: tuple[str, ...] = ()
    changes: tuple[CellChange, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Acknowledgement:
    """An intact «acuse_auditoria» event: who reviewed which findings, at which head."""

    row: int
    actor: str
    role: str
    at: str
    comment: str
    head_hash: str
    rows: int
    keys: frozenset[str]


@dataclass(frozen=True)
class AuditReport:
    rows: int  # non-blank event rows checked
    head_hash: str
    head_row: int
    findings: tuple[Finding, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    incomplete: bool = False  # a work limit stopped some explanations (never the check)

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def acknowledged_keys(self) -> frozenset[str]:
        return frozenset().union(*(a.keys for a in self.acknowledgements))

    @property
    def pending(self) -> tuple[Finding, ...]:
        done = self.acknowledged_keys
        return tuple(f for f in self.findings if f.key not in done)


# -- hashing, fast -------------------------------------------------------------------------


class _Prefixes(dict[int, str]):
    """``n -> "n:"``, made once per length."""

    def __missing__(self, length: int) -> str:
        text = self[length] = f"{length}:"
        return text


_PREFIX = _Prefixes().__getitem__
_ADD = operator.add
_SHA256 = hashlib.sha256


def row_hash(previous_hash: str, values: Sequence[str]) -> str:
    """``core.chain.link``, faster for the common all-ASCII row (the same bytes hashed)."""
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1  # chain.canonical drops trailing empty values
    if end < len(values):
        values = values[:end]
    text = "|".join(map(_ADD, map(_PREFIX, map(len, values)), values))
    if text.isascii():
        return _SHA256((previous_hash + "\n" + text).encode()).hexdigest()
    return chain.link(previous_hash, values)


# -- reading the tab -----------------------------------------------------------------------


@dataclass
class _Rows:
    """The non-blank rows of the tab, in order, with what the analysis needs."""

    raw: StoredTab
    positions: tuple[int, ...]  # index of each content field's column in the stored row
    width: int
    hash_at: int
    sealer: Sealer
    index: list[int] = field(default_factory=list)  # raw index of each non-blank row
    stored: list[str] = field(default_factory=list)  # its hash cell
    broken: list[int] = field(default_factory=list)  # positions whose hash does not verify
    acks: list[int] = field(default_factory=list)  # positions of acknowledgement rows

    def cells(self, p: int) -> list[str]:
        cells = list(self.raw.rows[self.index[p]])
        return cells if len(cells) >= self.width else cells + [""] * (self.width - len(cells))

    def values(self, p: int) -> tuple[str, ...]:
        cells = self.cells(p)
        return tuple(cells[i] for i in self.positions)

    def previous_hash(self, p: int) -> str:
        return (self.stored[p - 1] or chain.GENESIS) if p > 0 else chain.GENESIS

    def sheet_row(self, p: int) -> int:
        return self.index[p] + 2

    def link(self, previous: str, values: Sequence[str], like: str) -> str:
        """What a row holding ``values`` below ``previous`` would store as its hash, in the
        form ``like`` has (keyed, or legacy plain SHA-256)."""
        if chain.is_keyed(like):
            return self.sealer.row_hash(previous, values, like)
        return row_hash(previous, values)

    def label(self, name: str) -> str:
        """The header people see for an event field."""
        return self.raw.columns.get(name, name)

    def column(self, name: str) -> list[str]:
        """One content field for every non-blank row, quickly."""
        at = self.positions[CONTENT_FIELDS.index(name)]
        rows = self.raw.rows
        return [cells[at] if at < len(cells) else "" for cells in map(rows.__getitem__,
                                                                          self.index)]


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells if c)


def _scan(raw: StoredTab, sealer: Sealer, start: int = 0, previous: str = chain.GENESIS,
          keyed: bool = False) -> _Rows | None:
    """Hash every row from raw index ``start``; None when a column is missing.

    A keyed row is broken when its link, or its signature, is not what its content and
    the row above give; once a keyed row appeared, a row in the legacy form is broken too
    (only the app, with the key, writes rows after that).
    """
    columns = raw.positions
    if any(f not in columns for f in EVENT_FIELDS):
        return None
    positions = tuple(columns[f] for f in CONTENT_FIELDS)
    hash_at = columns[HASH]
    sig_at = columns.get(SIGNATURE)
    width = max(*positions, hash_at, sig_at if sig_at is not None else 0) + 1
    rows = _Rows(raw, positions, width, hash_at, sealer)
    take = operator.itemgetter(*positions)
    action_at = columns["outcome"]
    index, stored, broken, acks = rows.index, rows.stored, rows.broken, rows.acks
    for offset, cells in enumerate(raw.rows[start:], start):
        if not (cells and cells[0].strip()) and _is_blank(cells):
            continue
        if len(cells) < width:
            cells = [*cells, *[""] * (width - len(cells))]
        mine = cells[hash_at]
        if sealer.knows(mine):
            keyed = True
            kid = mine.partition(":")[0]
            signature = sealer.sign(take(cells), kid)
            ok = sealer.chain(previous, signature, kid) == mine and (
                sig_at is None or cells[sig_at] == signature)
        else:
            ok = not keyed and not chain.is_keyed(mine) \
                and row_hash(previous, take(cells)) == mine
        if not ok:
            broken.append(len(index))
        if cells[action_at] == ACK_OUTCOME:
            acks.append(len(index))
        index.append(offset)
        stored.append(mine)
        previous = mine or chain.GENESIS  # as core.repository.last_hash does
    return rows


# -- explaining the breaks -----------------------------------------------------------------


class _Budget:
    def __init__(self, hashes: int) -> None:
        self.left = hashes
        self.exhausted = False

    def spend(self, count: int = 1) -> bool:
        if self.left < count:
            self.exhausted = True
            return False
        self.left -= count
        return True


def _find_predecessor(rows: _Rows, p: int, budget: _Budget) -> int | None:
    """Position of the row whose stored hash ``p`` was built on (-1: genesis), if present."""
    values = rows.values(p)
    mine = rows.stored[p]
    if not mine:
        return None
    if p > 0 and budget.spend() and rows.link(chain.GENESIS, values, mine) == mine:
        return -1
    count = len(rows.stored)
    for distance in range(1, SEARCH_WINDOW + 1):
        for q in (p - 1 - distance, p + distance):
            if 0 <= q < count and rows.stored[q]:
                if not budget.spend():
                    return None
                if rows.link(rows.stored[q], values, mine) == mine:
                    return q
    return None


def _nearby(rows: _Rows, p: int) -> list[dict[str, None]]:
    """Per content column, the distinct values of the rows around ``p``, nearest first."""
    seen: list[dict[str, None]] = [{} for _ in CONTENT_FIELDS]
    count = len(rows.stored)
    for distance in range(NEARBY_VALUES + 1):
        for q in (p - distance, p + distance) if distance else (p,):
            if 0 <= q < count:
                for where, value in enumerate(rows.values(q)):
                    seen[where][value] = None
    return seen


def _candidates(name: str, current: str, nearby: dict[str, None]) -> list[str]:
    """Values field ``name`` may have held before an edit: the likely ones first."""
    seen: dict[str, None] = {"": None}
    if name == "event_id":
        return [v for v in seen if v != current]  # every id is unique: only "emptied"
    if name == "kind":
        seen.update(dict.fromkeys(k.value for k in EventKind))
    if name == "role":
        seen.update(dict.fromkeys(r.value for r in Role))
    if name in ("seq", "stage", "target_stage"):
        seen.update(dict.fromkeys(str(n) for n in range(41)))
        if current.strip().isdigit():
            number = int(current)
            seen.update(dict.fromkeys(str(n) for n in range(max(0, number - 40), number + 41)))
    if name == "at":
        seen.update(dict.fromkeys(_nearby_times(current)))
    seen.update(nearby)
    return [v for v in seen if v != current]


def _nearby_times(text: str) -> list[str]:
    """The same time on days ±400 around, every minute of that day, every second of it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return []
    fmt = "%Y-%m-%d %H:%M:%S"
    days = [moment + timedelta(days=d) for d in range(-400, 401)]
    start = moment.replace(hour=0, minute=0)
    minutes = [start + timedelta(minutes=m) for m in range(24 * 60)]
    seconds = [moment.replace(second=s) for s in range(60)]
    return [t.strftime(fmt) for t in (*days, *minutes, *seconds)]


def _recover(rows: _Rows, p: int, budget: _Budget) -> tuple[CellChange, ...] | None:
    """The one cell of row ``p`` whose original value reproduces its stored hash."""
    values = list(rows.values(p))
    mine = rows.stored[p]
    previous = rows.previous_hash(p)
    nearby = _nearby(rows, p)
    for where, name in enumerate(CONTENT_FIELDS):
        current = values[where]
        for candidate in _candidates(name, current, nearby[where]):
            if not budget.spend():
                return None
            values[where] = candidate
            if rows.link(previous, values, mine) == mine:
                return (CellChange(name, candidate, current),)
        values[where] = current
    return None


@dataclass
class _Explained:
    predecessor: dict[int, int | None] = field(default_factory=dict)  # for broken rows
    changes: dict[int, tuple[CellChange, ...]] = field(default_factory=dict)
    hash_edits: dict[int, str] = field(default_factory=dict)  # position -> original hash
    continued: set[int] = field(default_factory=set)  # positions a later row proved genuine
    copies: dict[int, int] = field(default_factory=dict)  # a pasted copy -> its original
    incomplete: bool = False


def _explain(rows: _Rows, anchors: set[str]) -> _Explained:
    out = _Explained()
    search = _Budget(SEARCH_BUDGET)
    broken = set(rows.broken)
    count = len(rows.stored)
    wanted = {rows.stored[p] for p in rows.broken if rows.stored[p]}
    intact_at = {mine: q for q, mine in enumerate(rows.stored)
                 if mine in wanted and q not in broken}
    for p in rows.broken:
        original = intact_at.get(rows.stored[p])
        if original is not None:
            out.copies[p] = original  # the same hash verifies in place elsewhere
            out.predecessor[p] = None
            continue
        out.predecessor[p] = _find_predecessor(rows, p, search)
    # A hash cell edited by hand: the row's true hash is what the next row was built on.
    for p in rows.broken:
        if out.predecessor[p] is not None or p in out.hash_edits or p in out.copies \
                or not search.spend(2):
            continue
        expected = rows.link(rows.previous_hash(p), rows.values(p), _form(rows, p))
        nxt = p + 1
        follows = nxt < count and nxt in broken and out.predecessor.get(nxt) is None \
            and rows.link(expected, rows.values(nxt), rows.stored[nxt]) == rows.stored[nxt]
        if follows or (expected in anchors and not nxt < count):
            out.hash_edits[p] = expected
            out.predecessor[p] = p - 1
            out.continued.add(p)
            if follows:
                out.predecessor[nxt] = p
    recover = _Budget(RECOVERY_BUDGET)
    unexplained = [p for p in rows.broken
                   if out.predecessor[p] is None and rows.stored[p] and p not in out.copies]
    for p in unexplained[:RECOVERY_ROWS]:
        found = _recover(rows, p, recover)
        if found is not None:
            out.changes[p] = found
            out.predecessor[p] = p - 1
    out.incomplete = search.exhausted or recover.exhausted or len(unexplained) > RECOVERY_ROWS
    return out


def _form(rows: _Rows, p: int) -> str:
    """A stored hash in the form row ``p`` was written in: its own when keyed, else a
    keyed neighbour's (a hash cell edited by hand no longer says its form)."""
    for q in (p, p - 1, p + 1):
        if 0 <= q < len(rows.stored) and rows.sealer.knows(rows.stored[q]):
            return rows.stored[q]
    return rows.stored[p]


def _key(rows: _Rows, p: int) -> str:
    """Names one finding: the row's content, its hash and the hash above it."""
    data = chain.canonical([rows.previous_hash(p), rows.stored[p], *rows.values(p)])
    return hashlib.sha256(b"audit\n" + data).hexdigest()[:16]


def _classify(rows: _Rows, out: _Explained, anchors: set[str]) -> list[Finding]:
    count = len(rows.stored)
    broken = set(rows.broken)
    skipped: set[int] = set()
    for p, q in out.predecessor.items():
        if q is not None and q < p - 1:
            skipped.update(range(q + 1, p))
    linked_to = {q for q in out.predecessor.values() if q is not None}

    def continued(q: int) -> bool:
        """Some row (or a remembered head) was built on this row's stored hash."""
        nxt = q + 1
        return (q in out.continued or q in linked_to or rows.stored[q] in anchors
                or (nxt < count and nxt not in broken and bool(rows.stored[q])))

    by_hash: dict[str, int] = {}
    if skipped:
        wanted = {rows.stored[p] for p in skipped if rows.stored[p]}
        for p, mine in enumerate(rows.stored):
            if mine in wanted:
                by_hash.setdefault(mine, p)
    copies = dict(out.copies)
    for p in skipped:
        original = by_hash.get(rows.stored[p])
        if original is not None and original != p and not continued(p):
            copies[p] = original

    findings: list[Finding] = []
    for p in sorted(broken | skipped):
        mine = rows.stored[p]
        predecessor = out.predecessor.get(p)
        made: tuple[FindingKind, str, bool] | None
        more: dict[str, Any] = {}
        if p in copies:
            made = (FindingKind.INSERTED, f"Es una copia de la fila "
                    f"{rows.sheet_row(copies[p])}.", True)
        elif p in skipped:
            if continued(p):
                made = (FindingKind.MOVED, "La cadena sigue desde esta fila en otro lugar: la "
                        "fila fue movida (o se movieron sus vecinas).", True)
            else:
                made = (FindingKind.INSERTED, _NO_HASH if not mine else
                        "La fila de abajo se encadena con la de arriba de esta: esta fila no "
                        "estaba ahí cuando se escribió el registro.", True)
        elif p in out.hash_edits:
            made = (FindingKind.EDITED, "Se cambió a mano la celda «hash»; el contenido de la "
                    "fila está intacto.", True)
            more = {"columns": (rows.label(HASH),),
                    "changes": (CellChange(rows.label(HASH), out.hash_edits[p], mine),)}
        elif p in out.changes:
            made = (FindingKind.EDITED, "Se cambió una celda; su valor original se comprobó "
                    "con el hash de la fila.", True)
            more = {"columns": tuple(rows.label(c.column) for c in out.changes[p]),
                    "changes": tuple(replace(c, column=rows.label(c.column))
                                     for c in out.changes[p])}
        elif predecessor is not None:
            # Intact: the rows between it and its predecessor are the findings.
            made = None if predecessor < p else (
                FindingKind.MOVED, f"Se escribió después de la fila "
                f"{rows.sheet_row(predecessor)}, que ahora está más abajo.", True)
        elif not mine:
            made = (FindingKind.INSERTED, _NO_HASH, True)
        elif continued(p):
            made = (FindingKind.EDITED_OR_DELETED, _EDITED_OR_DELETED, False)
            more = {"previous_row": rows.sheet_row(p - 1) if p > 0 else None}
        else:
            made = (FindingKind.EDITED_OR_INSERTED,
                    "El hash no corresponde al contenido y ninguna fila se encadena con esta: "
                    "se modificó o se agregó a mano (en la última fila no hay cómo "
                    "distinguirlo).", False)
        if made is not None:
            kind, detail, certain = made
            findings.append(replace(Finding(kind=kind, row=rows.sheet_row(p),
                                            event_id=rows.values(p)[0], detail=detail,
                                            key=_key(rows, p), certain=certain), **more))
    return findings


_NO_HASH = "No tiene hash: la aplicación siempre lo escribe; la agregó una persona."
_EDITED_OR_DELETED = (
    "El hash no corresponde al contenido, pero la fila siguiente se encadena con esta: o se "
    "cambió alguna celda de esta fila, o se eliminaron filas justo antes de ella. La cadena "
    "sola no dice cuál ni qué celda.")


# -- other evidence: the same object's other events, the requests tab --------------------


@dataclass(frozen=True)
class _Gap:
    subject: str
    missing: tuple[int, int]  # first and last sequence number missing
    after: int  # position (-1: the start of the tab)
    before: int | None  # position, None: open to the end of the tab


def _as_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _subject_rows(kinds: Sequence[str], subjects: Sequence[str]
                  ) -> dict[tuple[str, str], list[int]]:
    by_subject: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p, key in enumerate(zip(kinds, subjects, strict=True)):
        by_subject[key].append(p)
    return by_subject


def _gaps(sequence_numbers: Sequence[str], by_subject: Mapping[tuple[str, str], list[int]],
          sequences: Mapping[str, int]) -> list[_Gap]:
    """Where a request's events skip sequence numbers: events that are gone."""
    gaps: list[_Gap] = []
    for (kind, subject), positions in by_subject.items():
        if kind != EventKind.REQUEST.value:
            continue
        last_seq, last_at = 0, -1
        for p in positions:
            seq = _as_int(sequence_numbers[p])
            if seq is None:
                continue
            if seq > last_seq + 1:
                gaps.append(_Gap(subject, (last_seq + 1, seq - 1), last_at, p))
            if seq > last_seq:
                last_seq, last_at = seq, p
        written = sequences.get(subject)
        if written is not None and written > last_seq:
            gaps.append(_Gap(subject, (last_seq + 1, written), last_at, None))
    for subject, written in sequences.items():
        if written > 0 and (EventKind.REQUEST.value, subject) not in by_subject:
            gaps.append(_Gap(subject, (1, written), -1, None))
    return gaps


def _request_sequences(requests: StoredTab | None) -> dict[str, int]:
    if requests is None:
        return {}
    rid, seq = requests.position("request_id"), requests.position("seq")
    if rid is None or seq is None:
        return {}
    found: dict[str, int] = {}
    for cells in requests.rows:
        if max(rid, seq) < len(cells):
            number = _as_int(cells[seq])
            if number is not None:
                found.setdefault(cells[rid].strip(), number)
    return found


def _hints(rows: _Rows, p: int, values: Callable[[int], tuple[str, ...]],
           by_subject: Mapping[tuple[str, str], list[int]],
           requests: Mapping[str, int]) -> tuple[str, ...]:
    """Fields of row ``p`` that disagree with the same object's neighbouring events."""
    col = CONTENT_FIELDS.index
    v = values(p)
    positions = by_subject.get((v[col("kind")].strip(), v[col("subject")].strip()), [])
    spot = positions.index(p) if p in positions else -1
    before = values(positions[spot - 1]) if spot > 0 else None
    after = values(positions[spot + 1]) if 0 <= spot < len(positions) - 1 else None
    odd: list[str] = []
    seq = _as_int(v[col("seq")])
    if seq is None and v[col("seq")].strip():
        odd.append("seq")
    elif seq is not None:
        wrong = (before is not None and _as_int(before[col("seq")]) not in (None, seq - 1)) \
            or (after is not None and _as_int(after[col("seq")]) not in (None, seq + 1))
        if after is None and v[col("kind")] == EventKind.REQUEST.value:
            written = requests.get(v[col("subject")].strip())
            wrong = wrong or (written is not None and written != seq)
        if wrong:
            odd.append("seq")
    at = v[col("at")].strip()
    if (before is not None and at < before[col("at")].strip()) or \
            (after is not None and after[col("at")].strip() < at):
        odd.append("at")
    if v[col("kind")] == EventKind.REQUEST.value:
        if before is not None and before[col("target_stage")].strip() and \
                before[col("target_stage")].strip() != v[col("stage")].strip():
            odd.append("stage")
        if after is not None and v[col("target_stage")].strip() and \
                v[col("target_stage")].strip() != after[col("stage")].strip():
            odd.append("target_stage")
    if v[col("kind")].strip() not in {k.value for k in EventKind}:
        odd.append("kind")
    return tuple(odd)


def _sequence_confirmed(p: int, sequence_numbers: Sequence[str],
                        by_subject: Mapping[tuple[str, str], list[int]],
                        subjects: Sequence[str], sequences: Mapping[str, int]) -> bool:
    """Whether other rows agree with row ``p``'s sequence number (the next event follows it,
    or the requests tab ends there)."""
    seq = _as_int(sequence_numbers[p])
    positions = by_subject.get((EventKind.REQUEST.value, subjects[p]), [])
    if seq is None or p not in positions:
        return False
    spot = positions.index(p)
    if spot + 1 < len(positions):
        return _as_int(sequence_numbers[positions[spot + 1]]) == seq + 1
    return sequences.get(subjects[p]) == seq


def _gap_place(rows: _Rows, gap: _Gap) -> str:
    if gap.before is None:
        return (f"después de la fila {rows.sheet_row(gap.after)}" if gap.after >= 0
                else "en algún lugar del registro")
    if gap.after < 0:
        return f"antes de la fila {rows.sheet_row(gap.before)}"
    return f"entre las filas {rows.sheet_row(gap.after)} y {rows.sheet_row(gap.before)}"


def _with_evidence(rows: _Rows, findings: list[Finding], out: _Explained,
                   requests: StoredTab | None) -> tuple[list[Finding], bool]:
    """Add what other data says; settle «edited or deleted» where it is conclusive.

    Returns the findings and whether every uncertain one was looked at (a mass edit, such
    as a sorted tab, is reported row by row without this).
    """
    unsure = [f for f in findings if not f.certain]
    if not unsure:
        return findings, True
    if len(unsure) > EVIDENCE_ROWS:
        return findings, False
    original: dict[int, tuple[str, ...]] = {}
    for p, changes in out.changes.items():
        edited = list(rows.values(p))
        for change in changes:
            edited[CONTENT_FIELDS.index(change.column)] = change.before
        original[p] = tuple(edited)

    def values(p: int) -> tuple[str, ...]:
        return original.get(p) or rows.values(p)

    columns = {name: rows.column(name) for name in ("kind", "subject", "seq")}
    for p, v in original.items():
        for name, column in columns.items():
            column[p] = v[CONTENT_FIELDS.index(name)]
    subjects = [k.strip() for k in columns["subject"]]
    by_subject = _subject_rows([k.strip() for k in columns["kind"]], subjects)
    sequences = _request_sequences(requests)
    position = {f.row: bisect.bisect_left(rows.index, f.row - 2) for f in unsure}
    at = sorted(position.values())
    suspects = set(at)
    either = sorted(position[f.row] for f in unsure if f.kind is FindingKind.EDITED_OR_DELETED)
    evidence: dict[int, list[str]] = defaultdict(list)
    deleted: set[int] = set()
    for gap in _gaps(columns["seq"], by_subject, sequences):
        stop = len(at) if gap.before is None else bisect.bisect_right(at, gap.before)
        inside = at[bisect.bisect_right(at, gap.after):stop]
        if len(inside) <= 5:  # a gap spanning many broken rows says nothing about each
            first, last = gap.missing
            numbers = str(first) if first == last else f"{first} a {last}"
            for p in inside:
                evidence[p].append(f"A la solicitud {gap.subject} le falta el evento con "
                                   f"secuencia {numbers}, que estaba {_gap_place(rows, gap)}.")
        stop = len(either) if gap.before is None else bisect.bisect_right(either, gap.before)
        candidates = either[bisect.bisect_right(either, gap.after):stop]
        if gap.before is None or len(candidates) != 1:
            continue
        p = candidates[0]
        # The gap's ends must be trustworthy: an uncertain row's number may be the edit.
        if gap.after in suspects or (gap.before != p and gap.before in suspects):
            continue
        if gap.before == p and not _sequence_confirmed(p, columns["seq"], by_subject,
                                                       subjects, sequences):
            continue
        deleted.add(p)
    settled: dict[str, Finding] = {}
    for finding in unsure:
        p = position[finding.row]
        update: dict[str, object] = {
            "columns": tuple(rows.label(name)
                             for name in _hints(rows, p, values, by_subject, sequences)),
            "evidence": tuple(evidence.get(p, ())[:5])}
        if p in deleted:  # the row is intact; its odd neighbours are the deletion's doing
            update.update(kind=FindingKind.DELETED, certain=True, columns=(), detail=(
                f"Se eliminaron una o más filas entre la fila {finding.previous_row} y esta "
                "(esta fila está intacta: la faltante es la que la precedía)."
                if finding.previous_row else
                "Se eliminaron una o más filas antes de esta (esta fila está intacta)."))
        settled[finding.key] = replace(finding, **update)  # type: ignore[arg-type]
    return [settled.get(f.key, f) for f in findings], True


# -- acknowledgements ----------------------------------------------------------------------


Auditor = Callable[[str], bool]  # whether a role (as stored) may acknowledge findings


def _acknowledgements(rows: _Rows, flagged: set[int], auditor: Auditor
                      ) -> list[Acknowledgement]:
    """Acknowledgements in intact rows (``flagged``: sheet rows with a finding)."""
    found = []
    col = CONTENT_FIELDS.index
    for p in rows.acks:
        if rows.sheet_row(p) in flagged:
            continue  # a tampered acknowledgement acknowledges nothing
        v = rows.values(p)
        if v[col("kind")] != EventKind.SYSTEM.value or not auditor(v[col("role")]):
            continue
        try:
            data = json.loads(v[col("data")] or "{}")
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        keys = data.get("hallazgos", [])
        found.append(Acknowledgement(
            row=rows.sheet_row(p), actor=v[col("actor")], role=v[col("role")],
            at=v[col("at")], comment=v[col("comment")],
            head_hash=str(data.get("hash_cabeza", "")), rows=int(data.get("filas", 0) or 0),
            keys=frozenset(str(k) for k in keys) if isinstance(keys, list) else frozenset(),
        ))
    return found


# -- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A chain head known from outside the rows it names (the running app remembered it)."""

    hash: str
    rows: int
    source: str


def _anyone(role: str) -> bool:
    return True


def verify_chain(
    events: StoredTab,
    *,
    sealer: Sealer,
    requests: StoredTab | None = None,
    anchors: Iterable[Anchor] = (),
    auditor: Auditor = _anyone,
) -> AuditReport:
    """Walk the events (stored text) and report every row edited, deleted, inserted or moved.

    ``requests`` (the requests' tab) adds evidence for deletions; ``anchors`` are heads
    remembered from earlier checks, to notice rows deleted from the end; ``auditor`` says
    which roles' acknowledgements count.
    """
    rows = _scan(events, sealer)
    if rows is None:
        missing = [events.columns.get(f, f) for f in EVENT_FIELDS
                   if events.position(f) is None]
        return header_report(
            f"Faltan columnas en el encabezado de «{events.name}»: "
            + ", ".join(f"«{m}»" for m in missing)
            + ". Restáurelas en la fila 1 (ver Salud de datos); hasta entonces la cadena "
            "no se puede verificar.")
    return _report(rows, requests, list(anchors), auditor)


def header_report(detail: str) -> AuditReport:
    """A report of one finding about the tab itself (missing, or its header damaged)."""
    key = hashlib.sha256(detail.encode()).hexdigest()[:16]
    finding = Finding(FindingKind.HEADER, 1, "", detail, key, certain=True)
    return AuditReport(rows=0, head_hash="", head_row=1, findings=(finding,))


def _report(rows: _Rows, requests: StoredTab | None, anchors: list[Anchor],
            auditor: Auditor) -> AuditReport:
    count = len(rows.stored)
    head_hash = rows.stored[-1] if count else chain.GENESIS
    head_row = rows.sheet_row(count - 1) if count else 1
    findings: list[Finding] = []
    out = _Explained()
    if rows.broken:
        out = _explain(rows, {a.hash for a in anchors})
        findings, looked = _with_evidence(
            rows, _classify(rows, out, {a.hash for a in anchors}), out, requests)
        out.incomplete = out.incomplete or not looked
    acks = _acknowledgements(rows, {f.row for f in findings}, auditor)
    present = set(rows.stored) | set(out.hash_edits.values()) | {chain.GENESIS}
    for anchor in anchors:
        if anchor.hash not in present:
            findings.append(Finding(
                FindingKind.TRUNCATED, head_row + 1, "",
                f"Falta la fila que era la última del registro cuando {anchor.source} "
                f"({anchor.rows} filas; hash {anchor.hash[:12]}…): se eliminaron filas al "
                "final del registro.", "fin-" + anchor.hash[:12], certain=True))
    for ack in acks:
        earlier = any(f.row < ack.row for f in findings)
        if ack.head_hash and ack.head_hash not in present and not earlier:
            findings.append(Finding(
                FindingKind.DELETED, ack.row, "",
                f"Falta la fila que era la última del registro cuando se firmó el acuse de la "
                f"fila {ack.row} ({ack.rows} filas; hash {ack.head_hash[:12]}…).",
                "acuse-" + ack.head_hash[:12], certain=True))
    return AuditReport(rows=count, head_hash=head_hash, head_row=head_row,
                       findings=tuple(findings), acknowledgements=tuple(acks),
                       incomplete=out.incomplete)


# -- the running app: one check per snapshot, heads remembered -------------------------------


class ChainMonitor:
    """Verifies each new snapshot once and remembers the last head it saw intact.

    When a snapshot only appended rows that verify, only those rows are hashed; findings
    already known keep their rows (rows only moved down if someone inserted above, and
    then the appended rows would not verify). ``full=True`` re-checks everything.
    """

    def __init__(self, sealer: Sealer, auditor: Auditor = _anyone) -> None:
        self._sealer = sealer
        self._auditor = auditor
        self._lock = threading.Lock()
        self._last: tuple[StoredTab | None, StoredTab | None, AuditReport] | None = None
        self._base: tuple[StoredTab, int, AuditReport] | None = None
        self._head: Anchor | None = None

    def anchors(self) -> list[Anchor]:
        """The head this app saw before, to pass to ``acknowledge``."""
        return [self._head] if self._head else []

    def check(self, events: StoredTab | None, requests: StoredTab | None = None,
              full: bool = False, missing: str = "") -> AuditReport:
        """``missing``: what to say when there is no events tab at all."""
        with self._lock:
            last = self._last
            if not full and last is not None and last[0] is events and last[1] is requests:
                return last[2]
            report = None if full or events is None else self._extended(events)
            if report is None and events is None:
                report = header_report(missing)
            elif report is None:
                assert events is not None
                anchors = [self._head] if self._head else []
                report = verify_chain(events, sealer=self._sealer, requests=requests,
                                      anchors=anchors, auditor=self._auditor)
            if events is not None:
                self._base = (events, len(events.rows), report)
                if not any(f.row >= report.head_row for f in report.pending):
                    self._head = Anchor(report.head_hash, report.rows,
                                        "la aplicación lo leyó antes")
            self._last = (events, requests, report)
            return report

    def _extended(self, events: StoredTab) -> AuditReport | None:
        """The last report plus the rows appended since, when that is all that changed."""
        if self._base is None:
            return None
        before, length, report = self._base
        if any(f.kind is FindingKind.HEADER for f in report.findings):
            return None
        if events.header != before.header or len(events.rows) < length \
                or events.rows[:length] != before.rows[:length]:
            return None
        if len(events.rows) == length:
            return report
        rows = _scan(events, self._sealer, start=length,
                     previous=report.head_hash or chain.GENESIS,
                     keyed=chain.is_keyed(report.head_hash))
        if rows is None or rows.broken:
            return None
        if not rows.stored:
            return report
        acks = _acknowledgements(rows, set(), self._auditor)
        # The old last row is now continued: «edited or added» narrows to «edited, or rows
        # deleted before it» (same key: the same row, the same content).
        findings = tuple(
            replace(f, kind=FindingKind.EDITED_OR_DELETED, detail=_EDITED_OR_DELETED)
            if f.row == report.head_row and f.kind is FindingKind.EDITED_OR_INSERTED else f
            for f in report.findings)
        return replace(report, rows=report.rows + len(rows.stored), head_hash=rows.stored[-1],
                       head_row=rows.sheet_row(len(rows.stored) - 1), findings=findings,
                       acknowledgements=report.acknowledgements + tuple(acks))
