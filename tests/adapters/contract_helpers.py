"""Backends for the contract suite: one ledger, several app servers, and a person editing.

A :class:`Backend` stands for one ledger in one storage: the local workbook, a Google
Sheet served by the in-process stand-in, or (marked ``live``) a real Google Sheet. Tests
only use this interface, so the same test code runs against all of them.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.gsheets.adapter import RetryPolicy, SheetsApi, SheetsRepository
from core.adapters.gsheets.bootstrap import Bootstrap
from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import XlsxWriter, column_letter, read_workbook
from core.domain.ledger import Ledger
from core.domain.ports import Repository
from core.domain.workflow import RequestState, acting_role
from core.services import requests as services
from sheets_schema import default_rules
from sheets_schema.tabs import ALL_TABS, SCHEMA, TABS_BY_NAME
from tests.chain_oracle import chain_breaks  # noqa: F401 - re-exported

NOW = DEMO_NOW
EVENT_HEADERS = TABS_BY_NAME["eventos"].headers
Rows = dict[str, list[list[str]]]


class Backend:
    """One ledger; ``open()`` is a new app server (repository instance) on it."""

    name = "?"

    def open(self) -> Repository:
        raise NotImplementedError

    def content(self) -> Rows:
        """Every tab as rows of text, header first, read without the app."""
        raise NotImplementedError

    def person_appends(self, tab: str, row: Mapping[str, str]) -> int:
        """A person adds a row by hand (not through the app); returns its sheet row."""
        raise NotImplementedError

    def person_sets(self, tab: str, row_number: int, column: str, value: str) -> None:
        """A person changes one cell by hand."""
        raise NotImplementedError

    def person_inserts(self, tab: str, row_number: int, row: Mapping[str, str]) -> None:
        """A person inserts a row above sheet row ``row_number`` and fills it."""
        raise NotImplementedError

    def person_sorts(self, tab: str, column: str, *, descending: bool = False) -> None:
        """A person sorts the tab's data rows by ``column`` (header row kept on top)."""
        raise NotImplementedError

    def person_deletes_tab(self, tab: str) -> None:
        """A person deletes a whole tab."""
        raise NotImplementedError

    def person_renames_header(self, tab: str, old: str, new: str) -> None:
        """A person retypes one header cell of row 1."""
        raise NotImplementedError


class WorkbookBackend(Backend):
    name = "workbook"

    def __init__(self, path: Path, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        self.path = path
        assert self.open().create(rows)

    def open(self) -> WorkbookRepository:
        return WorkbookRepository(self.path, SCHEMA, default_rules(), TEST_SEALER)

    def content(self) -> Rows:
        return dict(read_workbook(self.path))

    def _save(self, content: Rows) -> None:
        XlsxWriter().write(self.path, [(name, rows[0] if rows else [], rows[1:])
                                       for name, rows in content.items()])

    def person_appends(self, tab: str, row: Mapping[str, str]) -> int:
        content = self.content()
        header = content[tab][0]
        content[tab].append([row.get(h, "") for h in header])
        self._save(content)
        return len(content[tab])

    def person_sets(self, tab: str, row_number: int, column: str, value: str) -> None:
        content = self.content()
        header = content[tab][0]
        cells = content[tab][row_number - 1]
        cells += [""] * (len(header) - len(cells))
        cells[header.index(column)] = value
        self._save(content)

    def person_inserts(self, tab: str, row_number: int, row: Mapping[str, str]) -> None:
        content = self.content()
        header = content[tab][0]
        content[tab].insert(row_number - 1, [row.get(h, "") for h in header])
        self._save(content)

    def person_deletes_tab(self, tab: str) -> None:
        content = self.content()
        del content[tab]
        self._save(content)

    def person_renames_header(self, tab: str, old: str, new: str) -> None:
        content = self.content()
        content[tab][0] = [new if h == old else h for h in content[tab][0]]
        self._save(content)

    def person_sorts(self, tab: str, column: str, *, descending: bool = False) -> None:
        content = self.content()
        header, *rows = content[tab]
        at = header.index(column)
        rows.sort(key=lambda r: r[at] if at < len(r) else "", reverse=descending)
        content[tab] = [header, *rows]
        self._save(content)


class SheetsBackend(Backend):
    """A Google Sheet; ``server`` is the stand-in, or None for a real spreadsheet."""

    name = "sheets"

    def __init__(self, client: Any, spreadsheet_id: str, server: Any = None,
                 account_email: str = "", retry: RetryPolicy | None = None) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.server = server
        self.account_email = account_email
        self.retry = retry or RetryPolicy(budget=5.0, first_delay=0.01, max_delay=0.1)

    def open(self, cache_seconds: float = 0.2, **options: Any) -> SheetsRepository:
        return SheetsRepository(self.client, self.spreadsheet_id, SCHEMA, default_rules(),
                                TEST_SEALER, cache_seconds=cache_seconds,
                                retry=options.pop("retry", self.retry),
                                account_email=self.account_email, **options)

    def api(self) -> SheetsApi:
        return SheetsApi(self.client, self.spreadsheet_id, retry=self.retry,
                         account_email=self.account_email)

    def content(self) -> Rows:
        if self.server is not None:
            titles = {s["properties"]["title"]
                      for s in self.server.metadata(self.spreadsheet_id)["sheets"]}
            return {spec.name: [[str(c) for c in r]
                                for r in self.server.values(self.spreadsheet_id, spec.name)]
                    for spec in ALL_TABS if spec.name in titles}
        api = self.api()
        meta = api.with_retries(api.clock(), lambda: api.get(
            {"fields": "sheets.properties.title"}))
        titles = {s["properties"]["title"] for s in meta.get("sheets") or []}
        specs = [spec for spec in ALL_TABS if spec.name in titles]  # a deleted tab: absent
        answer = api.with_retries(api.clock(), lambda: api.batch_get(
            [f"'{s.name}'" for s in specs], {"valueRenderOption": "FORMATTED_VALUE"}))
        return {spec.name: [[str(c) for c in r] for r in vr.get("values") or []]
                for spec, vr in zip(specs, answer["valueRanges"], strict=True)}

    def person_appends(self, tab: str, row: Mapping[str, str]) -> int:
        header = self.content()[tab][0]
        cells = [row.get(h, "") for h in header]
        if self.server is not None:
            number = len(self.server.values(self.spreadsheet_id, tab)) + 1
            self.server.set_values(self.spreadsheet_id, tab, [cells], f"A{number}")
            return number
        worksheet = self.client.open_by_key(self.spreadsheet_id).worksheet(tab)
        number = len(worksheet.get_all_values()) + 1
        worksheet.update([cells], f"A{number}", value_input_option="RAW")
        return number

    def person_sets(self, tab: str, row_number: int, column: str, value: str) -> None:
        header = self.content()[tab][0]
        letter = column_letter(header.index(column))
        if self.server is not None:
            self.server.set_values(self.spreadsheet_id, tab, [[value]], f"{letter}{row_number}")
            return
        worksheet = self.client.open_by_key(self.spreadsheet_id).worksheet(tab)
        worksheet.update([[value]], f"{letter}{row_number}", value_input_option="RAW")

    def person_inserts(self, tab: str, row_number: int, row: Mapping[str, str]) -> None:
        header = self.content()[tab][0]
        cells = [row.get(h, "") for h in header]
        if self.server is not None:
            self.server.insert_rows(self.spreadsheet_id, tab, row_number)
            self.server.set_values(self.spreadsheet_id, tab, [cells], f"A{row_number}",
                                   input_option="RAW")
            return
        worksheet = self.client.open_by_key(self.spreadsheet_id).worksheet(tab)
        worksheet.insert_row(cells, row_number, value_input_option="RAW")

    def person_deletes_tab(self, tab: str) -> None:
        if self.server is not None:
            self.server.delete_sheet(self.spreadsheet_id, tab)
            return
        book = self.client.open_by_key(self.spreadsheet_id)
        book.del_worksheet(book.worksheet(tab))

    def person_renames_header(self, tab: str, old: str, new: str) -> None:
        if self.server is not None:
            self.server.rename_header(self.spreadsheet_id, tab, old, new)
            return
        self.person_sets(tab, 1, old, new)

    def person_sorts(self, tab: str, column: str, *, descending: bool = False) -> None:
        if self.server is not None:
            self.server.sort_rows(self.spreadsheet_id, tab, column, descending=descending)
            return
        worksheet = self.client.open_by_key(self.spreadsheet_id).worksheet(tab)
        rows = worksheet.get_all_values()
        at = rows[0].index(column) + 1
        worksheet.sort((at, "des" if descending else "asc"),
                       range=f"A2:{column_letter(len(rows[0]) - 1)}{len(rows)}")


def bootstrap_sheet(client: Any, spreadsheet_id: str, rows: Mapping[str, Any],
                    account_email: str, retry: RetryPolicy | None = None) -> None:
    api = SheetsApi(client, spreadsheet_id, retry=retry, account_email=account_email)
    report = Bootstrap(api, ALL_TABS, account_email=account_email, seed=11).run(
        rows, demo=True)
    assert report.ok, report.problems


def reset_live_sheet(client: Any, spreadsheet_id: str, rows: Mapping[str, Any],
                     account_email: str, retry: RetryPolicy) -> None:
    """Erase a scratch spreadsheet (every tab) and bootstrap it with ``rows``."""
    api = SheetsApi(client, spreadsheet_id, retry=retry, account_email=account_email)
    # The title, locale and time zone too: a recording's replay recreates the file from
    # this first answer (tests/standin/test_conformance.py).
    meta = api.with_retries(api.clock(), lambda: api.get(
        {"fields": "properties(title,locale,timeZone),sheets.properties(sheetId,title)"}))
    temp = f"vacía-{uuid.uuid4().hex[:6]}"
    requests_: list[dict[str, Any]] = [{"addSheet": {"properties": {"title": temp}}}]
    requests_ += [{"deleteSheet": {"sheetId": s["properties"]["sheetId"]}}
                  for s in meta.get("sheets") or []]
    api.with_retries(api.clock(), lambda: api.batch_update(requests_))
    bootstrap_sheet(client, spreadsheet_id, rows, account_email, retry)


def live_settings() -> tuple[str, dict[str, str]] | None:
    """(spreadsheet id, environment) for the live tests, or None to skip them."""
    sheet = os.environ.get("RRSS_LIVE_SHEETS_ID", "").strip()
    if not sheet:
        return None
    env = {"RRSS_SHEETS_ID": sheet}
    for name in ("RRSS_SERVICE_ACCOUNT_FILE", "RRSS_SERVICE_ACCOUNT_JSON"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return (sheet, env) if len(env) > 1 else None


# -- driving requests ----------------------------------------------------------------------


def schedule_for(state: RequestState, today: date) -> dict[int, date] | None:
    row = state.stage_row
    if row is None or not row.records_schedule:
        return None
    return {n: today + timedelta(days=k)
            for k, n in enumerate(state.procedure.scheduled_stages(), start=1)}


def actor_for(ledger: Ledger, state: RequestState) -> str:
    return next(u.username for _, u in sorted(ledger.users.items())
                if acting_role(state, u) is not None
                and u.username != state.request.created_by)


def new_request(repo: Repository, title: str) -> str:
    """A procedure-3 request by «solicitante»: stage 2, sequence 1, for «directora»."""
    return services.create_request(repo, "solicitante", {
        "procedure": 3, "title": title, "objective": "Objetivo", "summary": "Resumen",
    }, NOW)


def advance(repo: Repository, request_id: str, event_id: str | None = None,
            expected: int | None = None) -> RequestState:
    """Move a request one stage as the first user (by name) who may act there."""
    ledger = repo.snapshot().ledger
    state = ledger.state(request_id)
    assert state is not None and state.is_open, request_id
    return services.act(repo, actor_for(ledger, state), request_id, "avanzar",
                        expected_seq=state.seq if expected is None else expected, now=NOW,
                        schedule=schedule_for(state, NOW.date()), event_id=event_id)


def column(rows: Sequence[Sequence[str]], name: str) -> list[str]:
    index = list(rows[0]).index(name)
    return [r[index] if index < len(r) else "" for r in rows[1:] if any(r)]


@dataclass
class Outcome:
    worker: int
    result: object  # what the call returned, or the exception it raised


def run_together(calls: Sequence[Callable[[], object]], timeout: float = 120) -> list[Outcome]:
    """Run each call in its own thread, all released at the same instant."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome(i, None) for i in range(len(calls))]

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index].result = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each one got
            outcomes[index].result = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
