"""Notifications: each transition queues mails to whoever must act next, in the action's own
change; a sender delivers them to a real SMTP server (aiosmtpd on 127.0.0.1) and an outage
leaves the action done and the mail queued; a daily digest of overdue items, once a day.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from core_helpers import NOW
from support.accounts import change_account
from support.fixed import TEST_SEALER
from support.ledgers import real_workbook
from test_smtp import LocalSmtpServer

import cli
from core.adapters import keys
from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab
from core.domain.errors import ConcurrentChange, InvalidInput, NotAllowed
from core.domain.models import MAX_CELL_CHARS, ArchivedMail, MailStatus, OutboxMail
from core.domain.ports import MailError
from core.domain.procedures import ProcedureSet
from core.domain.workdays import WorkCalendar
from core.services import notifications as notify
from core.services.requests import act, create_request
from sheets_schema import rules_for
from sheets_schema.tabs import SCHEMA

MAIL = "@adsib.gob.bo"


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def form(procedure: int, **changes: object) -> dict[str, object]:
    return {
        "procedure": procedure, "title": "Portal de dominios .bo", "objective": "Difundir.",
        "summary": "Resumen.", "unit": "NIC", "publish_from": NOW.date(),
        "publish_to": NOW.date() + timedelta(days=60), "protected": False,
        "schedule": {4: NOW.date() + timedelta(days=5)} if procedure == 2 else {},
    } | changes


def step(repo: InMemoryRepository, username: str, request_id: str, outcome: str = "avanzar",
         *, when: datetime = NOW, comment: str = "") -> None:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    schedule = None
    if state.stage_row is not None and state.stage_row.records_schedule:
        schedule = {n: NOW.date() + timedelta(days=10 + n)
                    for n in state.procedure.scheduled_stages()}
    act(repo, username, request_id, outcome, comment=comment, expected_seq=state.seq,
        now=when, schedule=schedule)


def outbox(repo: InMemoryRepository) -> list[OutboxMail]:
    return sorted(notify.outbox(repo.snapshot().ledger), key=lambda m: (m.created_at, m.mail_id))


def mails_about(repo: InMemoryRepository, request_id: str) -> list[OutboxMail]:
    return [m for m in outbox(repo) if request_id in m.subject]


def recipients(mails: list[OutboxMail]) -> list[str]:
    return sorted(m.to for m in mails)


def last_event_id(repo: InMemoryRepository) -> str:
    return repo.snapshot().ledger.events[-1][1].event_id


# -- who is told, and what -------------------------------------------------------------------


def test_registering_a_request_tells_the_next_stage_with_id_title_action_and_due_date(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    rid = create_request(repo, "solicitante", form(3, title="Campaña «.bo» 2026"), NOW)
    [mail] = outbox(repo)
    assert mail.to == "directora" + MAIL  # stage 2 of procedure 3: Dirección Ejecutiva
    assert mail.mail_id == f"{last_event_id(repo)}-directora"
    assert (mail.status, mail.attempts, mail.created_at) == (MailStatus.PENDING, 0, NOW)
    assert rid in mail.subject and "Campaña «.bo» 2026" in mail.subject
    due = calendar.due_date(NOW, 1)
    assert f"vence {due:%d/%m/%Y}" in mail.subject
    body = mail.body
    assert f"Solicitud: {rid}" in body
    assert "Título: Campaña «.bo» 2026" in body
    assert "Acción realizada: " in body and "Pedro Choque" in body
    assert "Debe actuar: Dirección Ejecutiva" in body
    assert f"Vence: {due:%d/%m/%Y}" in body
    assert f"Abrir: http://localhost:8501/solicitud?id={rid}" in body


def test_the_requesting_units_stage_tells_that_units_people_only(
        repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    for user in ("directora", "jefe.ugs", "profesional"):  # stages 2, 3, 4
        step(repo, user, rid)
    stage5 = [m for m in mails_about(repo, rid) if "etapa 5" in m.subject]
    # jefe.uaf and solicitante.uaf hold the same roles in another unit: not told
    assert recipients(stage5) == ["jefe.nic" + MAIL, "solicitante" + MAIL]
    assert all("Vence: " in m.body and "sin plazo" not in m.body for m in stage5)


@pytest.mark.parametrize(("protected", "told"), [(False, "jefe.nic"), (True, "comite")])
def test_the_approval_stage_tells_the_unit_head_or_the_committee_when_protected(
        repo: InMemoryRepository, protected: bool, told: str) -> None:
    rid = create_request(repo, "directora", form(1, protected=protected), NOW)
    for user in ("jefe.ugs", "profesional", "jefe.ugs"):  # stages 2, 3, 4
        step(repo, user, rid)
    [mail] = [m for m in mails_about(repo, rid) if "etapa 5" in m.subject]
    assert mail.to == told + MAIL


def test_a_scheduled_stage_mail_gives_the_date_the_schedule_fixed(
        repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    for user in ("directora", "jefe.ugs"):
        step(repo, user, rid)
    # stage 4 fixes the schedule: dated by its own deadline (plazo_propio, 2 working days)
    [proposal] = [m for m in mails_about(repo, rid) if "etapa 4" in m.subject]
    assert "Vence: 12/03/2026" in proposal.body
    for user in ("profesional", "jefe.nic"):  # the schedule: stage n on NOW + 10 + n days
        step(repo, user, rid)
    [making] = [m for m in mails_about(repo, rid) if "etapa 6" in m.subject
                and m.to == "profesional" + MAIL]
    assert f"Vence: {NOW.date() + timedelta(days=16):%d/%m/%Y}" in making.body


def test_whoever_may_not_approve_their_own_request_is_not_asked_to(
        repo: InMemoryRepository) -> None:
    repo.commit(RawChange().update_cells("usuarios", "profesional",
                                {"roles": "profesional, jefe_ugs"}))
    rid = create_request(repo, "profesional", form(2), NOW)
    [mail] = mails_about(repo, rid)  # stage 2: UGS head; no self-approval there
    assert mail.to == "jefe.ugs" + MAIL


def test_closing_tells_the_requester_and_a_rejection_carries_the_reasons(
        repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    step(repo, "directora", rid, "rechazar", comment="No corresponde al Plan de Promoción.")
    [closing] = [m for m in mails_about(repo, rid) if "rechazada" in m.subject]
    assert closing.to == "solicitante" + MAIL
    assert "fue rechazada" in closing.body
    assert "Observaciones: No corresponde al Plan de Promoción." in closing.body


def test_publication_tells_the_requester(repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    for user in ("directora", "jefe.ugs", "profesional", "jefe.nic", "profesional",
                 "solicitante", "jefe.ugs", "admin.rrss"):
        step(repo, user, rid)
    closing = [m for m in mails_about(repo, rid) if "publicada" in m.subject]
    assert recipients(closing) == ["solicitante" + MAIL]


def test_people_without_an_address_get_nothing_and_are_listed(
        repo: InMemoryRepository) -> None:
    change_account(repo, "directora", NOW, email="")
    rid = create_request(repo, "solicitante", form(3), NOW)
    assert mails_about(repo, rid) == []
    assert "directora" in [u.username for u in notify.users_without_email(
        repo.snapshot().ledger)]


def test_the_action_and_its_mails_are_one_change(repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    commits = repo.commits
    step(repo, "directora", rid)
    assert repo.commits == commits + 1
    assert len(mails_about(repo, rid)) == 2  # stage 2 to DE, stage 3 to the UGS head


def test_a_refused_action_queues_no_mail(repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    before = outbox(repo)
    with pytest.raises(NotAllowed):
        step(repo, "profesional", rid)
    with pytest.raises(ConcurrentChange):  # a stale page: someone acted first
        act(repo, "directora", rid, "avanzar", expected_seq=0, now=NOW)
    assert outbox(repo) == before


def test_a_long_comment_still_lets_the_action_through_with_a_shortened_mail(
        repo: InMemoryRepository) -> None:
    rid = create_request(repo, "solicitante", form(3, title="T" * 30_000), NOW)
    step(repo, "directora", rid, "rechazar", comment="c" * (MAX_CELL_CHARS - 10))
    state = repo.snapshot().ledger.state(rid)
    assert state is not None and state.status.value == "rechazada"
    for mail in mails_about(repo, rid):
        assert len(mail.body) < 5_000 and len(mail.subject) < 200


def test_a_damaged_outbox_tab_does_not_stop_the_action(
        seeded_tabs: dict[str, RawTab], procedures: ProcedureSet) -> None:
    tabs = dict(seeded_tabs)
    tabs["correo_saliente"] = RawTab("correo_saliente", ["id_correo", "para"], [])
    repo = InMemoryRepository(tabs, SCHEMA, rules_for(procedures), TEST_SEALER)
    rid = create_request(repo, "solicitante", form(3), NOW)
    assert repo.snapshot().ledger.state(rid) is not None
    assert repo.snapshot().tabs["correo_saliente"].rows == []


# -- delivery through a real SMTP server -----------------------------------------------------


def test_pending_mails_reach_the_server_with_the_right_recipients_and_content(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer, calendar: WorkCalendar
) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    step(repo, "directora", rid, when=NOW + timedelta(hours=1))
    report = notify.deliver_pending(repo, smtp_server.mailer(), NOW + timedelta(hours=2))
    assert (report.sent, report.failed) == (2, 0)
    by_recipient = {m.rcpt_tos: m for m in smtp_server.received}
    assert set(by_recipient) == {("directora" + MAIL,), ("jefe.ugs" + MAIL,)}
    to_ugs = by_recipient[("jefe.ugs" + MAIL,)]
    assert rid in to_ugs.subject
    due = calendar.due_date(NOW + timedelta(hours=1), 1)
    assert f"Vence: {due:%d/%m/%Y}" in to_ugs.body
    assert "Debe actuar: Jefatura de la UGS" in to_ugs.body
    for mail in outbox(repo):
        assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.SENT, 1, "")
        assert mail.sent_at == NOW + timedelta(hours=2)


def test_a_sent_mail_is_not_sent_again(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    create_request(repo, "solicitante", form(3), NOW)
    notify.deliver_pending(repo, smtp_server.mailer(), NOW)
    report = notify.deliver_pending(repo, smtp_server.mailer(), NOW + timedelta(days=1),
                                    force=True, include_failed=True)
    assert report.sent == 0
    assert len(smtp_server.received) == 1


def test_an_smtp_outage_leaves_the_action_done_and_the_mail_queued_with_the_error(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    mailer = smtp_server.mailer()
    smtp_server.stop()  # the outage
    rid = create_request(repo, "solicitante", form(3), NOW)
    report = notify.deliver_pending(repo, mailer, NOW)
    assert report.failed == 1 and report.sent == 0
    state = repo.snapshot().ledger.state(rid)
    assert state is not None and state.stage == 2  # the action stands
    [mail] = outbox(repo)
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
    assert mail.last_error.startswith(
        f"No se pudo conectar con el servidor SMTP 127.0.0.1:{smtp_server.port}")
    assert mail.sent_at is None


def test_a_queued_mail_waits_out_its_backoff_then_goes_when_the_server_is_back(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    mailer = smtp_server.mailer()
    smtp_server.stop()
    create_request(repo, "solicitante", form(3), NOW)
    notify.deliver_pending(repo, mailer, NOW)  # attempt 1 fails: next one 1 minute later
    smtp_server.start()
    waiting = notify.deliver_pending(repo, mailer, NOW + timedelta(seconds=30))
    assert (waiting.sent, waiting.waiting) == (0, 1)
    assert smtp_server.received == []
    later = notify.deliver_pending(repo, mailer, NOW + timedelta(minutes=1))
    assert later.sent == 1
    [mail] = outbox(repo)
    assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.SENT, 2, "")
    assert len(smtp_server.received) == 1


def test_backoff_grows_with_each_attempt() -> None:
    mail = OutboxMail(mail_id="m", created_at=NOW, to="a@b.bo", subject="s")
    waits = [notify.next_attempt_at(mail.model_copy(update={"attempts": n})) - NOW
             for n in range(5)]
    assert waits == [timedelta(0), timedelta(minutes=1), timedelta(minutes=4),
                     timedelta(minutes=16), timedelta(minutes=64)]


def test_after_the_last_attempt_a_mail_is_marked_failed_and_a_manual_retry_sends_it(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    mailer = smtp_server.mailer()
    smtp_server.stop()
    create_request(repo, "solicitante", form(3), NOW)
    for attempt in range(3):
        notify.deliver_pending(repo, mailer, NOW + timedelta(days=attempt), max_attempts=3)
    [mail] = outbox(repo)
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 3)
    assert notify.deliver_pending(repo, mailer, NOW + timedelta(days=9)).failed == 0
    smtp_server.start()
    report = notify.retry_now(repo, "jefe.ugs", mailer, NOW + timedelta(days=10))
    assert report.sent == 1
    assert outbox(repo)[0].status is MailStatus.SENT


def test_a_refused_recipient_fails_at_once_and_does_not_hold_up_the_others(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    smtp_server.refuse("jefe.ugs" + MAIL)
    step(repo, "directora", rid)
    report = notify.deliver_pending(repo, smtp_server.mailer(), NOW)
    assert (report.sent, report.failed, report.given_up) == (1, 1, 1)
    status = {m.to: (m.status, m.attempts) for m in outbox(repo)}
    assert status == {"directora" + MAIL: (MailStatus.SENT, 1),
                      "jefe.ugs" + MAIL: (MailStatus.FAILED, 1)}
    refused = next(m for m in outbox(repo) if m.to == "jefe.ugs" + MAIL)
    assert "550" in refused.last_error


def test_only_one_delivery_runs_at_a_time(repo: InMemoryRepository) -> None:
    create_request(repo, "solicitante", form(3), NOW)
    seen: list[notify.DeliveryReport] = []
    slot = threading.Lock()  # the process's one delivery slot (the app keeps it in ui)

    class Reentrant:
        def describe(self) -> str:
            return "prueba"

        def session(self):  # type: ignore[no-untyped-def]
            seen.append(notify.deliver_pending(repo, self, NOW, slot=slot))
            raise MailError("sin conexión")

    notify.deliver_pending(repo, Reentrant(), NOW, slot=slot)
    assert seen[0].busy and seen[0].sent == 0
    assert outbox(repo)[0].attempts == 1  # counted once, by the run that held the lock


@pytest.mark.parametrize("username", ["profesional", "directora", "ex.directora"])
def test_only_the_ugs_head_and_the_sysadmin_retry_sending(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer, username: str) -> None:
    with pytest.raises(NotAllowed):
        notify.retry_now(repo, username, smtp_server.mailer(), NOW)


def test_retrying_without_a_server_configured_says_where_mail_stays(
        repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidInput) as caught:
        notify.retry_now(repo, "admin", None, NOW)
    assert "RRSS_SMTP_HOST" in caught.value.message


# -- the daily digest ------------------------------------------------------------------------


def overdue_ledger(repo: InMemoryRepository) -> tuple[str, str]:
    """Two requests whose «1 día» stages are overdue on 16 March 2026."""
    first = create_request(repo, "solicitante", form(3), NOW)  # waits for the DE
    second = create_request(repo, "directora", form(1), NOW)  # waits for the UGS head
    return first, second


def test_the_digest_lists_each_persons_overdue_items(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    first, second = overdue_ledger(repo)
    today = date(2026, 3, 16)
    mails = notify.build_daily_digest(repo.snapshot().ledger, calendar, today)
    assert {m.mail_id: m.to for m in mails} == {
        "digest-directora-2026-03-16": "directora" + MAIL,
        "digest-jefe.ugs-2026-03-16": "jefe.ugs" + MAIL,
    }
    to_de = next(m for m in mails if m.to == "directora" + MAIL)
    assert first in to_de.body and second not in to_de.body
    assert "venció el 11/03/2026" in to_de.body
    assert "1 solicitud(es) vencida(s)" in to_de.subject


def test_nothing_overdue_means_no_digest(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    overdue_ledger(repo)
    assert notify.build_daily_digest(repo.snapshot().ledger, calendar, NOW.date()) == []


def test_the_digest_is_queued_at_most_once_a_day(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    overdue_ledger(repo)
    monday = datetime(2026, 3, 16, 8, 5)
    assert notify.queue_daily_digest(repo, calendar, monday) == 2
    assert notify.queue_daily_digest(repo, calendar, monday + timedelta(hours=3)) == 0
    assert notify.queue_daily_digest(repo, calendar, monday + timedelta(days=1)) == 2
    ids = [m.mail_id for m in outbox(repo) if m.mail_id.startswith("digest-")]
    assert sorted(ids) == ["digest-directora-2026-03-16", "digest-directora-2026-03-17",
                           "digest-jefe.ugs-2026-03-16", "digest-jefe.ugs-2026-03-17"]


def test_the_digest_reaches_the_server(
        repo: InMemoryRepository, calendar: WorkCalendar, smtp_server: LocalSmtpServer
) -> None:
    overdue_ledger(repo)
    monday = datetime(2026, 3, 16, 8, 5)
    notify.queue_daily_digest(repo, calendar, monday)
    notify.deliver_pending(repo, smtp_server.mailer(), monday)
    digests = [m for m in smtp_server.received if "Resumen diario" in m.subject]
    assert sorted(m.rcpt_tos[0] for m in digests) == ["directora" + MAIL, "jefe.ugs" + MAIL]


def test_institutional_days_off_move_the_due_date_in_mails(repo: InMemoryRepository) -> None:
    repo.commit(RawChange().append_cells("dias_no_laborables", {"fecha": "2026-03-11",
                                                       "descripcion": "Aniversario"}))
    create_request(repo, "solicitante", form(3), NOW)
    [mail] = outbox(repo)
    assert "Vence: 12/03/2026" in mail.body  # 11 March is not a working day here


# -- command line ----------------------------------------------------------------------------


def test_the_command_line_queues_the_digest_and_sends_but_never_demo_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        smtp_server: LocalSmtpServer) -> None:
    monkeypatch.setenv("RRSS_WORKBOOK", str(tmp_path / "demo.xlsx"))
    for name, value in smtp_server.env().items():
        monkeypatch.setenv(name, value)
    assert cli.main(["nada"]) == 2
    assert cli.main(["demo"]) == 0
    assert cli.main(["digest"]) == 0
    assert "correo(s) de resumen en cola" in capsys.readouterr().out
    assert cli.main(["send"]) == 1  # demo users' addresses are never written to
    assert "Datos de demostración" in capsys.readouterr().out
    assert smtp_server.received == []

    # The same people and requests in a ledger that is not marked as demo data.
    real = tmp_path / "real.xlsx"
    real_workbook(real, keys.write_key_file(keys.key_file_for(real)))
    monkeypatch.setenv("RRSS_WORKBOOK", str(real))
    assert cli.main(["digest"]) == 0
    assert cli.main(["send"]) == 0
    assert "enviado(s)" in capsys.readouterr().out
    assert smtp_server.received
    monkeypatch.delenv("RRSS_SMTP_HOST")
    assert cli.main(["send"]) == 1
    assert "RRSS_SMTP_HOST" in capsys.readouterr().out


# -- the outbox stays short: delivered mails are archived ---------------------------------------


def test_mails_delivered_long_ago_leave_the_outbox_for_its_archive_whole(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    rid = create_request(repo, "solicitante", form(3), NOW)
    step(repo, "directora", rid)
    queued = notify.outbox(repo.snapshot().ledger)
    assert queued
    notify.deliver_pending(repo, smtp_server.mailer(), NOW)
    sent = {m.mail_id: m for m in notify.outbox(repo.snapshot().ledger)}
    assert all(m.status is MailStatus.SENT for m in sent.values())

    report = notify.deliver_pending(repo, smtp_server.mailer(), NOW + timedelta(days=89))
    assert report.archived == 0
    later = create_request(repo, "solicitante", form(
        3, publish_from=NOW.date() + timedelta(days=91),
        publish_to=NOW.date() + timedelta(days=120)), NOW + timedelta(days=91))
    report = notify.deliver_pending(repo, smtp_server.mailer(), NOW + timedelta(days=91))
    assert report.archived == len(sent)
    ledger = repo.snapshot().ledger
    assert {m.mail_id: m for m in ledger.all(ArchivedMail)} == {
        k: ArchivedMail(**m.model_dump()) for k, m in sent.items()}
    assert [m.mail_id for m in notify.outbox(ledger)] and all(
        later in m.subject for m in notify.outbox(ledger))
    assert ledger.issues == []
    assert notify.deliver_pending(repo, smtp_server.mailer(),
                                  NOW + timedelta(days=92)).archived == 0


def test_archiving_finds_its_rows_by_id_after_a_person_sorted_the_outbox(
        repo: InMemoryRepository, smtp_server: LocalSmtpServer) -> None:
    for _ in range(3):
        create_request(repo, "solicitante", form(3), NOW)
    notify.deliver_pending(repo, smtp_server.mailer(), NOW)
    fresh = create_request(repo, "solicitante", form(
        3, publish_from=NOW.date() + timedelta(days=100),
        publish_to=NOW.date() + timedelta(days=130)), NOW + timedelta(days=100))
    raw = repo.tabs["correo_saliente"]
    raw.rows.sort(key=lambda r: r[raw.column_index()["para"]], reverse=True)
    notify.archive_delivered(repo, NOW + timedelta(days=100))
    left = notify.outbox(repo.snapshot().ledger)
    assert left and all(fresh in m.subject and m.status is MailStatus.PENDING for m in left)
