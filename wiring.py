"""The composition root: the one place that chooses adapters from configuration.

The app (``ui``), the command line (``cli.py``), the tests and the benchmarks all open the
ledger here, so that every use case receives the same repository, rules (procedures and
permission matrix), key, calendar and clock.

Configuration comes from environment variables (documented in the README):
``RRSS_WORKBOOK`` (path of the local workbook, default ``data/ledger.xlsx``),
``RRSS_HOLIDAY_SUBDIVISION`` (department for departmental holidays, default ``L``),
the ledger's key (``core.adapters.keys``), ``RRSS_ARCHIVOS`` (folder of the material's
files, default beside the workbook), ``RRSS_PUBLIC_URL`` (the address people open the app
at, for the links in mails; default ``http://localhost:8501``). A Google Sheet replaces the
local workbook when ``core.adapters.gsheets.config`` finds its configuration
(``.streamlit/secrets.toml`` or ``RRSS_SHEETS_ID``; README, «Google Sheets»).

Opening never creates a ledger: a mistyped path must not become a new, empty one. A new
local ledger is made only by ``python cli.py init`` (empty) or ``python cli.py demo``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.adapters import keys
from core.adapters.files.local import LocalFileStore, folder_beside
from core.adapters.gsheets.config import secrets_candidates
from core.adapters.guard_file import GuardFile
from core.adapters.tabular import Schema
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.chain import Sealer
from core.domain.errors import StorageError
from core.domain.ledger import Rules
from core.domain.ports import FileStore, Repository
from core.domain.workdays import WorkCalendar
from core.services.accounts import LoginGuard
from core.services.notifications import DEFAULT_PUBLIC_URL
from sheets_schema import default_rules
from sheets_schema.demo import base_records, demo_rows
from sheets_schema.tabs import SCHEMA

LA_PAZ = ZoneInfo("America/La_Paz")
ROOT = Path(__file__).parent


def local_now() -> datetime:
    """Bolivian wall-clock time, naive, as the ledger stores it."""
    return datetime.now(LA_PAZ).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Settings:
    workbook: Path
    subdivision: str | None
    env: Mapping[str, str]
    files: Path | None = None  # the material's files (default: a folder beside the workbook)
    public_url: str = DEFAULT_PUBLIC_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        path = Path(env.get("RRSS_WORKBOOK", "") or ROOT / "data" / "ledger.xlsx")
        subdivision = env.get("RRSS_HOLIDAY_SUBDIVISION", "L").strip() or None
        files = env.get("RRSS_ARCHIVOS", "").strip()
        public_url = env.get("RRSS_PUBLIC_URL", "").strip().rstrip("/") or DEFAULT_PUBLIC_URL
        return cls(path, subdivision, env, Path(files) if files else None, public_url)

    @property
    def state_dir(self) -> Path:
        """Where this server keeps its own state (the log-in guard): beside the workbook,
        or ``RRSS_STATE_DIR``."""
        explicit = self.env.get("RRSS_STATE_DIR", "").strip()
        return Path(explicit) if explicit else self.workbook.parent

    @property
    def files_folder(self) -> Path:
        return self.files or folder_beside(self.workbook)


def schema() -> Schema:
    return SCHEMA


def rules() -> Rules:
    return default_rules()


def calendar_for(settings: Settings, days_off: Sequence[date] = ()) -> WorkCalendar:
    return WorkCalendar.for_bolivia(subdivision=settings.subdivision, days_off=days_off)


def sealer_for(settings: Settings, *, local: bool = True) -> Sealer:
    """The ledger's key: environment, secrets, or (local workbook) the file beside it."""
    return keys.load_sealer(settings.env, secrets_candidates(settings.env),
                            keys.key_file_for(settings.workbook) if local else None)


def open_workbook(settings: Settings) -> WorkbookRepository:
    """The local workbook as it is; never created here (see :func:`create_workbook`)."""
    if not settings.workbook.exists():
        raise StorageError(
            f"No se encuentra el libro {settings.workbook}. Revise la variable RRSS_WORKBOOK; "
            "para empezar un libro nuevo use «python cli.py init» (vacío) o «python cli.py "
            "demo» (datos de demostración).")
    repo = WorkbookRepository(settings.workbook, SCHEMA, default_rules(),
                              sealer_for(settings))
    repo.prepare()
    return repo


def create_workbook(settings: Settings, *, demo: bool, now: datetime | None = None
                    ) -> WorkbookRepository:
    """A new local workbook (and its key file, unless a key is configured): the demo
    ledger, or an empty one with the agency's units and the manual's procedures."""
    if settings.workbook.exists():
        raise StorageError(f"El libro {settings.workbook} ya existe; no se tocó.")
    settings.workbook.parent.mkdir(parents=True, exist_ok=True)
    try:
        sealer = keys.load_sealer(settings.env, secrets_candidates(settings.env), None)
    except keys.KeyMissing:
        key_file = keys.key_file_for(settings.workbook)
        sealer = keys.from_file(key_file) or keys.write_key_file(key_file)
    repo = WorkbookRepository(settings.workbook, SCHEMA, default_rules(), sealer)
    when = now or local_now()
    if demo:
        repo.create(demo_rows(when, calendar_for(settings)))
    else:
        repo.create_with(base_records())
    return repo


def sheets_key() -> str:
    """Which Google Sheet is configured ("" for none): a cache key for the repository."""
    from core.adapters.gsheets.config import load_config

    config = load_config()
    return config.spreadsheet_id if config is not None else ""


def open_repository(settings: Settings) -> Repository:
    """The configured Google Sheet, or else the local workbook.

    Raises a Spanish ``StorageError`` when the configuration is incomplete.
    """
    from core.adapters.gsheets.config import load_config

    config = load_config()
    if config is None:
        return open_workbook(settings)
    from core.adapters.gsheets.adapter import open_sheets

    return open_sheets(config, SCHEMA, default_rules(), sealer_for(settings, local=False))


def login_guard(settings: Settings) -> LoginGuard:
    """This server's count of failed log-ins (in memory, and in a file in its state dir)."""
    return LoginGuard(GuardFile(settings.state_dir / ".ingresos-fallidos.json"))


def open_file_store(settings: Settings, repo: Repository) -> FileStore:
    """Where the material's files live: Google Drive when the Google configuration names a
    folder (``[drive] folder_id`` / ``RRSS_DRIVE_FOLDER_ID``), through the Sheets
    repository's own authorised session; else a folder beside the workbook
    (``RRSS_ARCHIVOS`` to put it elsewhere)."""
    from core.adapters.gsheets.config import load_config

    config = load_config()
    client = getattr(repo, "client", None)
    if config is not None and config.drive_folder_id and client is not None:
        from core.adapters.files.drive import DriveFileStore

        return DriveFileStore(client.http_client.session, config.drive_folder_id,
                              account_email=config.client_email,
                              retry_seconds=config.retry_seconds)
    workbook = getattr(repo, "path", None)  # the workbook this repository writes
    if settings.files is None and isinstance(workbook, Path):
        return LocalFileStore(folder_beside(workbook))
    return LocalFileStore(settings.files_folder)
