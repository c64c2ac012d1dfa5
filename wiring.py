"""The composition root: the one place that chooses adapters from configuration.

The app (``ui``), the command line (``cli.py``), the tests and the benchmarks all open the
ledger here, so that every use case receives the same repository, rules (procedures and
permission matrix), calendar and clock.

Configuration comes from environment variables (documented in the README):
``RRSS_WORKBOOK`` (path of the local workbook, default ``data/ledger.xlsx``),
``RRSS_DEMO`` (``1`` creates a new workbook with demo data, ``0`` an empty ledger),
``RRSS_HOLIDAY_SUBDIVISION`` (department for departmental holidays, default ``L``),
``RRSS_ARCHIVOS`` (folder of the material's files, default beside the workbook),
``RRSS_PUBLIC_URL`` (the address people open the app at, for the links in mails; default
``http://localhost:8501``).
A Google Sheet replaces the local workbook when ``core.adapters.gsheets.config`` finds its
configuration (``.streamlit/secrets.toml`` or ``RRSS_SHEETS_ID``; README, «Google Sheets»).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.adapters.files.local import LocalFileStore, folder_beside
from core.adapters.tabular import Schema
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.ledger import Rules
from core.domain.ports import FileStore, Repository
from core.domain.workdays import WorkCalendar
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
    demo: bool
    subdivision: str | None
    files: Path | None = None  # the material's files (default: a folder beside the workbook)
    public_url: str = DEFAULT_PUBLIC_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        path = Path(env.get("RRSS_WORKBOOK", "") or ROOT / "data" / "ledger.xlsx")
        demo = env.get("RRSS_DEMO", "1").strip().lower() not in ("0", "no", "false")
        subdivision = env.get("RRSS_HOLIDAY_SUBDIVISION", "L").strip() or None
        files = env.get("RRSS_ARCHIVOS", "").strip()
        public_url = env.get("RRSS_PUBLIC_URL", "").strip().rstrip("/") or DEFAULT_PUBLIC_URL
        return cls(path, demo, subdivision, Path(files) if files else None, public_url)

    @property
    def files_folder(self) -> Path:
        return self.files or folder_beside(self.workbook)


def schema() -> Schema:
    return SCHEMA


def rules() -> Rules:
    return default_rules()


def calendar_for(settings: Settings, days_off: Sequence[date] = ()) -> WorkCalendar:
    return WorkCalendar.for_bolivia(subdivision=settings.subdivision, days_off=days_off)


def open_workbook(settings: Settings, now: datetime | None = None) -> WorkbookRepository:
    """The local workbook, created on first run (demo data or an empty ledger)."""
    repo = WorkbookRepository(settings.workbook, SCHEMA, default_rules())
    if not settings.workbook.exists():
        when = now or local_now()
        if settings.demo:
            repo.create(demo_rows(when, calendar_for(settings)))
        else:
            repo.create_with(base_records())
    else:
        repo.add_missing_tabs()
    return repo


def sheets_key() -> str:
    """Which Google Sheet is configured ("" for none): a cache key for the repository."""
    from core.adapters.gsheets.config import load_config

    config = load_config()
    return config.spreadsheet_id if config is not None else ""


def open_repository(settings: Settings, now: datetime | None = None) -> Repository:
    """The configured Google Sheet, or else the local workbook.

    Raises a Spanish ``StorageError`` when the Sheets configuration is incomplete.
    """
    from core.adapters.gsheets.config import load_config

    config = load_config()
    if config is None:
        return open_workbook(settings, now)
    from core.adapters.gsheets.adapter import open_sheets

    return open_sheets(config, SCHEMA, default_rules())


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
