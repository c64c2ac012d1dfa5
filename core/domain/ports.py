"""What the services ask of the outside world, and what adapters must provide.

A use case describes what it writes as a :class:`Change` of typed records: records to
add, and named fields to set on the record with a given key (or on the one record that
holds exactly what was read, for kinds without a key). A *guard* runs against the
freshest ledger just before writing ("the request is still at the sequence the user
saw"). An adapter writes the whole change or nothing. Which tab and which column hold
a record is the adapter's business (``sheets_schema`` declares it); services never say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from core.domain.ledger import Ledger
from core.domain.models import Record

Guard = Callable[[Ledger], None]


def _check_fields(kind: type[Record], values: Mapping[str, object]) -> None:
    unknown = [name for name in values if name not in kind.model_fields]
    if unknown:
        raise ValueError(f"{kind.__name__} has no field {unknown[0]!r}")


@dataclass(frozen=True)
class Update:
    """Set ``values`` on the record of ``kind`` whose key is ``key``."""

    kind: type[Record]
    key: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class Replace:
    """Set ``values`` on the one record that still holds exactly ``old`` (kinds without a
    key): found by content wherever it is now, refused if it changed or is not unique."""

    old: Record
    values: Mapping[str, object]


@dataclass(frozen=True)
class Removal:
    """Take the record of ``kind`` whose key is ``key`` out of its tab (found by key)."""

    kind: type[Record]
    key: str


@dataclass
class Change:
    """Everything one action writes, applied whole by the adapter."""

    adds: list[Record] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)
    removes: list[Removal] = field(default_factory=list)
    guard: Guard | None = None
    summary: str = ""

    def add(self, *records: Record) -> Change:
        self.adds.extend(records)
        return self

    def update(self, kind: type[Record], key: str, **values: object) -> Change:
        _check_fields(kind, values)
        self.updates.append(Update(kind, key, values))
        return self

    def update_where(self, old: Record, **values: object) -> Change:
        _check_fields(type(old), values)
        self.replaces.append(Replace(old, values))
        return self

    def remove(self, kind: type[Record], key: str) -> Change:
        """Take a row out of its tab (archiving: only tabs that are not the record; a
        change that removes rows from a tab writes nothing else to it)."""
        self.removes.append(Removal(kind, key))
        return self

    def kinds(self) -> set[type[Record]]:
        return ({type(r) for r in self.adds} | {u.kind for u in self.updates}
                | {type(r.old) for r in self.replaces} | {r.kind for r in self.removes})

    def __bool__(self) -> bool:
        return bool(self.adds or self.updates or self.replaces or self.removes)


class Snapshot(Protocol):
    """The ledger at one moment."""

    @property
    def ledger(self) -> Ledger: ...


class Repository(Protocol):
    def snapshot(self) -> Snapshot:
        """The current ledger; cheap when nothing changed since the last call."""
        ...

    def commit(self, change: Change) -> Snapshot:
        """Write ``change`` whole, after its guard passes on the freshest content."""
        ...


# -- failed log-ins ---------------------------------------------------------------------------


class GuardStore(Protocol):
    """Where a server keeps its count of failed log-ins across restarts (beside the ledger)."""

    def load(self) -> dict[str, tuple[int, datetime | None, str]]: ...

    def save(self, state: Mapping[str, tuple[int, datetime | None, str]]) -> None: ...


# -- mail ------------------------------------------------------------------------------------


class MailError(Exception):
    """Delivery failed; ``permanent`` when retrying cannot help (a refused recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text mail; raise :class:`MailError` when it cannot be sent."""
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSender]:
        """One connection for a delivery round; raises :class:`MailError` if it fails."""
        ...

    def describe(self) -> str:
        """Where mail goes, for the outbox page (never the password)."""
        ...


# -- files of the material under approval ----------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """Where :meth:`FileStore.put` left a file; ``created`` is False when the store already
    held the same bytes (a content-addressed store keeps one copy)."""

    storage_id: str
    created: bool = True


class FileStore(Protocol):
    """Where the files of the material live (a folder beside the workbook, or Google Drive).

    Errors are :class:`core.domain.errors.FileStoreError` with a Spanish message.
    """

    def put(self, data: bytes, name: str, media_type: str, sha256: str) -> StoredFile:
        """Store ``data`` (whose SHA-256 the caller computed); never overwrite a file."""
        ...

    def get(self, storage_id: str) -> bytes:
        """The bytes stored under ``storage_id``."""
        ...

    def delete(self, storage_id: str) -> None:
        """Remove a file this app stored (to undo a write that was not recorded)."""
        ...

    def inventory(self) -> Mapping[str, str]:
        """Every file in the store: storage id -> SHA-256 of the bytes stored now."""
        ...

    def describe(self) -> str:
        """Where files go, in Spanish, for people (never a secret)."""
        ...
