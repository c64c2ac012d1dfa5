"""The built-in ledger: a local .xlsx workbook that mirrors the Google Sheet tab for tab.

Writes are whole-file and atomic (temporary file, fsync, rename), serialised by a lock
that holds across threads and processes. Before each write the adapter re-reads the file
if anyone changed it (another app process, a person in LibreOffice) and re-checks the
action's guard on that content, so no row written by someone else is ever lost. While
LibreOffice or Excel holds the file open (their lock file sits beside it), writes are
refused with an explanation: saving there later would overwrite ours.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from core.adapters.tabular import (
    RawTab,
    Schema,
    Snapshot,
    apply_planned,
    plan_change,
    rows_for,
    written,
)
from core.adapters.workbook.sheet_cache import SheetCache
from core.adapters.workbook.xlsx import XlsxWriter, read_workbook_bytes
from core.domain.chain import Sealer
from core.domain.errors import LedgerLocked, StorageError
from core.domain.ledger import Rules
from core.domain.models import Record
from core.domain.ports import Change

StatKey = tuple[int, int, int, int]  # mtime, ctime (not settable by users), size, inode


def office_lock_owner(path: Path) -> str | None:
    """Who holds ``path`` open in LibreOffice or Excel, if their lock file is present."""
    libre = path.with_name(f".~lock.{path.name}#")
    excel = path.with_name(f"~${path.name}")
    if libre.exists():
        with contextlib.suppress(OSError):
            fields = libre.read_text(encoding="utf-8", errors="replace").split(",")
            if fields and fields[0].strip():
                return fields[0].strip()
        return "LibreOffice"
    if excel.exists():
        return "Excel"
    return None


class WorkbookRepository:
    """Repository over one local workbook; see the module docstring for the guarantees."""

    def __init__(
        self,
        path: Path,
        schema: Schema,
        rules: Rules,
        sealer: Sealer,
        lock_timeout: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.schema = schema
        self.specs = schema.by_name
        self.rules = rules
        self.sealer = sealer
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._file_lock = FileLock(str(self.path) + ".lock", timeout=lock_timeout)
        self._cached: tuple[StatKey, Snapshot] | None = None
        self._writer = XlsxWriter()
        self._writer_stat: StatKey | None = None
        self._sheet_cache = SheetCache(self.path)
        self.reads = 0
        self.writes = 0

    # -- creation -----------------------------------------------------------------------

    def create_with(self, records: Sequence[Record]) -> bool:
        """Create the workbook holding ``records`` (see :meth:`create`)."""
        return self.create(rows_for(self.schema, records))

    def create(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> bool:
        """Create the workbook with every tab's header and the given rows (header -> text).

        Returns False, writing nothing, when the workbook already exists (another process
        may have created it a moment ago).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tabs = written(self.schema, rows, self.sealer)  # events signed with this key
        with self._locked():
            if self.path.exists():
                return False
            self._write(list(tabs.values()), None)
            return True

    def prepare(self) -> list[str]:
        """Start-up housekeeping: remove the temporary files of writers that died mid-write
        (only a writer holding the lock has one open, so none is in use now). Returns the
        names removed. Nothing in the workbook itself is touched: a tab or column that is
        missing is reported and refused, never re-created here (see
        :meth:`add_missing_tabs`, which only ``python cli.py migrate`` runs)."""
        removed: list[str] = []
        try:
            with self._locked():
                for temp in self.path.parent.glob(".tmp-*.xlsx"):
                    with contextlib.suppress(OSError):
                        temp.unlink()
                        removed.append(temp.name)
        except LedgerLocked:
            pass  # another process is writing: it will find its own leftovers later
        return removed

    def add_missing_tabs(self) -> list[str]:
        """Bring an older workbook up to the schema: add new tabs and new optional columns.

        Only for an upgrade a person asks for (``python cli.py migrate``): at start-up a
        missing tab or column may be damage, and re-creating it empty could change what
        the ledger means. Existing cells are never moved: new columns go after the last
        header. A missing *required* column is left for a person to fix.
        """
        if office_lock_owner(self.path):
            return []  # a person has it open: migrate on a later start, never under them
        with self._locked():
            snapshot = self._fresh()
            added: list[str] = []
            tabs: list[RawTab] = []
            for raw in snapshot.tabs.values():
                spec = self.specs.get(raw.name)
                present = {h.strip() for h in raw.header}
                required = set(spec.required_headers()) if spec else set()
                extra = [h for h in (spec.headers if spec else [])
                         if h not in present and h not in required]
                if extra:
                    header = list(raw.header)
                    while header and not header[-1].strip():
                        header.pop()
                    raw = RawTab(raw.name, header + extra, raw.rows)
                    added.extend(f"{raw.name}.{h}" for h in extra)
                tabs.append(raw)
            for name, spec in self.specs.items():
                if name not in snapshot.tabs:
                    tabs.append(RawTab(name, list(spec.headers), []))
                    added.append(name)
            if added:
                self._write(tabs, None)
            return added

    # -- reading ------------------------------------------------------------------------

    def _stat(self) -> StatKey:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise StorageError(
                f"No se encuentra el libro {self.path}. Revise la variable RRSS_WORKBOOK "
                "o reinicie la aplicación para crearlo."
            ) from None
        return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)

    def snapshot(self) -> Snapshot:
        with self._mutex:
            return self._fresh()

    def _fresh(self) -> Snapshot:
        key = self._stat()
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        try:
            data = self.path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            sheets = self._sheet_cache.get(digest)
            if sheets is None:
                sheets = read_workbook_bytes(data)
                self._sheet_cache.put(digest, sheets, stat.S_IMODE(os.stat(self.path).st_mode))
        except Exception as exc:  # noqa: BLE001 - calamine raises several types
            raise StorageError(
                f"No se pudo leer el libro {self.path}: {exc}. Si lo editó a mano, ábralo en "
                "LibreOffice y guárdelo de nuevo como .xlsx."
            ) from None
        self.reads += 1
        tabs: dict[str, RawTab] = {}
        for name, rows in sheets:
            header = [h.strip() for h in rows[0]] if rows else []
            tabs[name] = RawTab(name, header, rows[1:])
        snapshot = Snapshot(tabs, self.schema, self.rules, self.sealer, token=key)
        self._cached = (key, snapshot)
        return snapshot

    # -- writing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self):  # type: ignore[no-untyped-def]
        with self._mutex:
            try:
                self._file_lock.acquire()
            except Timeout:
                raise LedgerLocked(
                    "Otra persona está guardando en el libro en este momento. Espere unos "
                    "segundos y vuelva a intentar; no se guardó nada."
                ) from None
            try:
                yield
            finally:
                self._file_lock.release()

    def _refuse_if_open_elsewhere(self) -> None:
        owner = office_lock_owner(self.path)
        if owner:
            raise LedgerLocked(
                f"El libro {self.path.name} está abierto en LibreOffice o Excel ({owner}). "
                "Ciérrelo para que la aplicación pueda guardar; no se guardó nada."
            )

    def commit(self, change: Change) -> Snapshot:
        with self._locked():
            self._refuse_if_open_elsewhere()
            fresh = self._fresh()
            if change.guard is not None:
                change.guard(fresh.ledger)
            planned = plan_change(fresh.tabs, self.schema, change)
            names = planned.tabs()
            tabs = {
                name: RawTab(raw.name, raw.header, list(raw.rows)) if name in names else raw
                for name, raw in fresh.tabs.items()
            }
            touched = apply_planned(tabs, self.schema, planned, self.sealer)
            by_tab: dict[str, set[int]] = {}
            for name, index in touched.rows:
                by_tab.setdefault(name, set()).add(index)
            incremental = by_tab if self._writer_stat == fresh.token and not touched.removed \
                else None
            key = self._write(list(tabs.values()), incremental)
            snapshot = Snapshot(tabs, self.schema, self.rules, self.sealer, token=key)
            snapshot.previous = (fresh, touched)  # lets the ledger re-parse only what changed
            self._cached = (key, snapshot)
            self.writes += 1
            return snapshot

    def _write(self, tabs: list[RawTab], touched: dict[str, set[int]] | None) -> StatKey:
        directory = self.path.parent
        temp = directory / f".tmp-{uuid.uuid4().hex}.xlsx"
        try:
            # Not mkstemp, which makes the file 0600: a new workbook gets the umask's
            # permissions and a rewrite keeps the workbook's own, so whoever could open
            # it in LibreOffice still can after the app writes.
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temp, stat.S_IMODE(os.stat(self.path).st_mode))
            self._writer.write(temp, [(t.name, t.header, t.rows) for t in tabs], touched)
            with open(temp, "rb+") as written:
                os.fsync(written.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            self._writer_stat = None
            raise StorageError(
                f"No se pudo guardar el libro ({exc.strerror or exc}); no se guardó nada."
            ) from None
        except BaseException:
            temp.unlink(missing_ok=True)
            self._writer_stat = None
            raise
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        key = self._stat()
        self._writer_stat = key
        return key
