"""Google's real answers, as the stand-in gives them: a protected cell (400), a request too
large (400 "payload size exceeds" or 413: the batch is split), a quota used up for the
minute (429, with or without Retry-After) ridden out within a budget longer than the
refill, the person told in Spanish while it waits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sheets_helpers import NOW, FakeClock
from support.fixed import TEST_SEALER
from support.standin import FakeSheetsServer, QuotaLimits, make_gspread_client

from core.adapters import waits
from core.adapters.gsheets.adapter import (
    RetryPolicy,
    SheetsApi,
    SheetsRepository,
    SheetsSetupError,
    split_change,
)
from core.adapters.gsheets.bootstrap import Bootstrap
from core.adapters.tabular import RawChange
from core.domain.errors import StorageError
from core.domain.ports import Change
from core.services import requests as services
from sheets_schema import default_rules
from sheets_schema.tabs import ALL_TABS, SCHEMA

OUTSIDER = "otra-cuenta@proyecto.iam.gserviceaccount.com"


def days_off(count: int, note: str = "") -> RawChange:
    change = RawChange(summary="días no laborables")
    for n in range(count):
        change.append_cells("dias_no_laborables", {
            "fecha": (NOW.date() + timedelta(days=400 + n)).isoformat(),
            "descripcion": f"Asueto {n} {note}", "registrado_por": "admin"})
    return change


def test_an_account_google_keeps_out_of_a_protected_tab_reads_why_in_spanish(
        server: FakeSheetsServer, sid: str) -> None:
    server.share(sid, OUTSIDER, role="writer")  # an editor of the file, not of «eventos»
    client = make_gspread_client(server, as_email=OUTSIDER)
    repo = SheetsRepository(client, sid, SCHEMA, default_rules(), TEST_SEALER,
                            account_email=OUTSIDER)
    before = server.values(sid, "eventos")
    with pytest.raises(SheetsSetupError) as refused:
        services.create_request(repo, "solicitante", {
            "procedure": 3, "title": "Protegida", "objective": "o", "summary": "r"}, NOW)
    assert f"La cuenta de servicio «{OUTSIDER}» no puede editar un rango protegido" in \
        refused.value.message
    assert "no se guardó nada" in refused.value.message
    assert server.values(sid, "eventos") == before
    refusal = [c for c in server.calls if c.operation == "spreadsheets.batchUpdate"][-1]
    assert refusal.status == 400  # Google's answer, not a 403


def test_a_change_too_large_for_one_request_is_split_into_fenced_parts_that_all_land(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(max_batch_bytes=60_000)
    repo.snapshot()
    server.reset_metrics()
    repo.commit(days_off(120, "x" * 600))
    rows = server.values(sid, "dias_no_laborables")
    assert len([r for r in rows if r[1].startswith("Asueto")]) == 120
    writes = [c for c in server.calls if c.operation == "spreadsheets.batchUpdate"]
    assert len(writes) >= 2 and all(c.status == 200 for c in writes)
    assert open_repo().snapshot().ledger.issues == []


def test_when_google_answers_that_the_payload_is_too_large_the_batch_is_split(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo()
    repo.snapshot()
    limit = server.max_request_bytes
    server.max_request_bytes = 80_000  # what Google answers at 10 MiB, here sooner
    try:
        server.reset_metrics()
        repo.commit(days_off(150, "y" * 600))
    finally:
        server.max_request_bytes = limit
    statuses = [c.status for c in server.calls if c.operation == "spreadsheets.batchUpdate"]
    assert statuses[0] == 400 and statuses.count(200) >= 2
    rows = server.values(sid, "dias_no_laborables")
    assert len([r for r in rows if r[1].startswith("Asueto")]) == 150


def test_a_413_is_a_request_too_large_too(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo()
    repo.snapshot()
    server.inject(413, times=1, match="spreadsheets.batchUpdate",
                  message="Request Entity Too Large")
    repo.commit(days_off(4))
    rows = server.values(sid, "dias_no_laborables")
    assert len([r for r in rows if r[1].startswith("Asueto")]) == 4


def test_a_single_row_too_large_for_google_is_refused_in_spanish_writing_nothing(
        server: FakeSheetsServer, sid: str, open_repo: Callable[..., SheetsRepository]) -> None:
    repo = open_repo(max_batch_bytes=5_000)
    before = server.values(sid, "dias_no_laborables")
    with pytest.raises(StorageError) as refused:
        repo.commit(days_off(1, "z" * 6_000))
    assert "más grande de lo que Google Sheets acepta" in refused.value.message
    assert server.values(sid, "dias_no_laborables") == before


def test_a_split_archive_never_loses_a_mail_whatever_part_lands(
        open_repo: Callable[..., SheetsRepository]) -> None:
    from core.domain.models import ArchivedMail, OutboxMail

    mails = list(open_repo().snapshot().ledger.all(OutboxMail))[:2]
    assert mails
    change = Change()
    for mail in mails:
        change.remove(OutboxMail, mail.mail_id)
        change.add(ArchivedMail(**mail.model_dump()))
    parts = split_change(change)
    assert parts is not None
    first, second = parts
    assert first.adds and not first.removes  # the archive gets the mails first,
    assert second.removes and not second.adds  # the outbox lets them go after


@pytest.fixture
def metered(demo: dict[str, list[dict[str, str]]], clock: FakeClock
            ) -> Callable[[QuotaLimits], SheetsRepository]:
    """A repository on a stand-in whose quota windows run on the test's clock."""

    def make(limits: QuotaLimits) -> SheetsRepository:
        server = FakeSheetsServer(seed=3, clock=clock)
        sid = server.create_spreadsheet("Libro RRSS", ["Hoja 1"])
        client = make_gspread_client(server)
        api = SheetsApi(client, sid, account_email=server.owner_email)
        assert Bootstrap(api, ALL_TABS, account_email=server.owner_email, seed=2).run(
            demo, demo=True).ok
        server.quota_per_minute = limits
        return SheetsRepository(client, sid, SCHEMA, default_rules(), TEST_SEALER,
                                account_email=server.owner_email, clock=clock,
                                sleep=clock.sleep, seed=1)

    return make


def burst(repo: SheetsRepository, count: int) -> None:
    for n in range(count):
        services.create_request(repo, "solicitante", {
            "procedure": 3, "title": f"Ráfaga {n}", "objective": "o", "summary": "r"}, NOW)


def test_a_quota_used_up_for_the_minute_is_waited_out_and_the_person_is_told(
        metered: Callable[[QuotaLimits], SheetsRepository], clock: FakeClock) -> None:
    repo = metered(QuotaLimits(read=60, write=4))
    told: list[waits.Wait] = []
    with waits.listening(told.append):
        burst(repo, 6)  # four writes fill the minute; the fifth waits for the refill
    titles = [r.title for r in repo.snapshot().ledger.requests.values()]
    assert sum(t.startswith("Ráfaga") for t in titles) == 6
    assert 0 < sum(clock.sleeps) <= RetryPolicy().budget
    assert told and told[0].message.startswith(
        "Google Sheets pide esperar (límite de uso por minuto")
    assert "Aún no se guardó nada; no cierre la página." in told[0].message
    assert sum(w.seconds for w in told) == pytest.approx(sum(clock.sleeps))  # how long each


def test_a_retry_after_from_google_is_waited_as_it_says(
        metered: Callable[[QuotaLimits], SheetsRepository], clock: FakeClock) -> None:
    repo = metered(QuotaLimits(read=60, write=2, retry_after=True))
    burst(repo, 3)
    assert len(clock.sleeps) == 1
    waited = clock.sleeps[0]
    assert 1 <= waited <= 60 + RetryPolicy().first_delay  # until the window frees a slot


def test_the_default_retry_budget_outlasts_a_per_minute_refill() -> None:
    assert RetryPolicy().budget > 60
