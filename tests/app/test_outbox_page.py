"""The «Correo saliente» page: what is queued, sent and failed, and the retry."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from support.fixed import TEST_ENV
from support.ledgers import real_workbook

from core.domain.models import MailStatus
from core.domain.ports import Repository
from core.domain.workflow import allowed_actions
from core.services import notifications as notify
from sheets_schema.demo import USERS
from tests.app.user_session import UserSession
from tests.core.test_smtp import LocalSmtpServer
from wiring import Settings, create_workbook

BAD_LOGIN = "Usuario o contraseña incorrectos."
EXPIRED = "Su sesión expiró por inactividad; ingrese de nuevo."
ROLES = {username: roles for username, _, roles, _ in USERS}


@pytest.fixture(autouse=True)
def _background_mail_finishes() -> Iterator[None]:
    """A delivery thread started by one test must not hold the sender's lock in the next."""
    yield
    for thread in threading.enumerate():
        if thread.name == "rrss-correo":
            thread.join(timeout=30)


class Clock:
    """A clock the test moves by hand (``st.session_state["clock"]``)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def logged_in(session: UserSession) -> bool:
    return "username" in session.at.session_state and bool(
        [b for b in session.at.sidebar.button if b.key == "logout"])


def rendered_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text: each element's message and the
    contents of every table."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe", "table"):
            parts.append(node.value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


# -- «Correo saliente» ----------------------------------------------------------------------------


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Repository:
    """The demo's people and requests in a workbook of its own, not marked as demo data:
    its mails go out, and these tests count them."""
    return real_workbook(tmp_path / "mail" / "ledger.xlsx")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Repository:
    """A demo workbook of its own, as ``python cli.py demo`` makes it."""
    return create_workbook(Settings(tmp_path / "demo" / "ledger.xlsx", "L", TEST_ENV),
                           demo=True)


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def use_smtp(monkeypatch: pytest.MonkeyPatch, server: LocalSmtpServer) -> None:
    """The local server, through the environment as in production."""
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


def counts(repo: Repository) -> dict[MailStatus, int]:
    mails = notify.outbox(repo.snapshot().ledger)
    return {s: sum(1 for m in mails if m.status is s) for s in MailStatus}


def test_the_outbox_shows_the_queued_mails_and_never_mails_demo_users(
        demo_copy: Repository, smtp_server: LocalSmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_repo = demo_copy
    for name, value in smtp_server.env().items():  # a server, but demo data
        monkeypatch.setenv(name, value)
    session = UserSession("jefe.ugs", fresh_repo)
    session.page("correo")
    assert session.at.title[0].value == "Correo saliente"
    assert notify.DEMO_NO_MAIL in [i.value for i in session.at.info]
    assert session.at.button(key="outbox_retry").disabled
    pending = counts(fresh_repo)[MailStatus.PENDING]
    assert pending > 0 and session.metric("Pendientes") == str(pending)
    table = next(d.value for d in session.at.dataframe if "Último error" in d.value.columns)
    assert "jefe.ugs@adsib.gob.bo" in set(table["Para"])
    wanted = next(m for m in notify.outbox(fresh_repo.snapshot().ledger)
                  if "su acción" in m.subject)
    session.at.selectbox(key="outbox_pick").select(wanted.mail_id)
    session.run()
    [shown] = [t.value for t in session.at.text]
    assert shown.startswith(f"Para: {wanted.to}\nAsunto: {wanted.subject}")
    assert "Vence: " in shown and "Abrir: http://localhost:8501/solicitud?id=SOL-" in shown
    assert smtp_server.received == []


def test_without_a_server_the_page_says_mail_stays_in_the_tab(
        fresh_repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RRSS_SMTP_HOST", raising=False)
    session = UserSession("admin", fresh_repo)
    session.page("correo")
    assert any("RRSS_SMTP_HOST" in i.value for i in session.at.info)
    assert session.at.button(key="outbox_retry").disabled


def test_retry_sends_every_queued_mail_to_the_server(
        fresh_repo: Repository, smtp_server: LocalSmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_smtp(monkeypatch, smtp_server)
    session = UserSession("jefe.ugs", fresh_repo)
    session.page("correo")
    assert any(f"127.0.0.1:{smtp_server.port}" in s.value for s in session.at.success)
    session.at.button(key="outbox_retry").click()
    session.run()
    # the first page of the day queued the digest and started a delivery; the click waits
    # for it and sends whatever is left
    assert any(re.fullmatch(r"\d+ enviado\(s\), 0 con error\.", s)
               for s in session.successes())
    total = len(notify.outbox(fresh_repo.snapshot().ledger))
    assert counts(fresh_repo) == {MailStatus.PENDING: 0, MailStatus.SENT: total,
                                  MailStatus.FAILED: 0}
    assert len(smtp_server.received) == total
    assert session.metric("Enviados") == str(total)
    assert session.metric("Pendientes") == "0"
    others = ("Resumen diario", "Crisis ", "Orden de eliminación")  # not about a request
    to_ugs = [m for m in smtp_server.received if m.rcpt_tos == ("jefe.ugs@adsib.gob.bo",)
              and not any(word in m.subject for word in others)]
    assert to_ugs and all(re.search(r"SOL-\d{4}-\d{4}", m.subject) for m in to_ugs)
    assert any("Crisis abierta" in m.subject for m in smtp_server.received
               if m.rcpt_tos == ("jefe.ugs@adsib.gob.bo",))


def test_an_smtp_outage_shows_on_the_page_and_the_mails_stay_queued(
        fresh_repo: Repository, smtp_server: LocalSmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_smtp(monkeypatch, smtp_server)
    smtp_server.stop()
    session = UserSession("jefe.ugs", fresh_repo)
    session.page("correo")
    pending = counts(fresh_repo)[MailStatus.PENDING]  # the day's digest included
    session.at.button(key="outbox_retry").click()
    session.run()
    assert any("con error" in w.value for w in session.at.warning)
    assert any("No se pudo conectar con el servidor SMTP" in e.value.replace("\\", "")
               for e in session.at.error)
    assert counts(fresh_repo) == {MailStatus.PENDING: pending, MailStatus.SENT: 0,
                                  MailStatus.FAILED: 0}
    table = next(d.value for d in session.at.dataframe if "Último error" in d.value.columns)
    assert all(str(e).startswith("No se pudo conectar") for e in table["Último error"])
    assert all(attempts >= 1 for attempts in table["Intentos"])


def test_an_action_on_the_request_page_mails_the_next_people_in_the_background(
        fresh_repo: Repository, smtp_server: LocalSmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_smtp(monkeypatch, smtp_server)
    ledger = fresh_repo.snapshot().ledger
    jefe = ledger.users["jefe.ugs"]
    rid = next(rid for rid, state in sorted(ledger.states.items())
               if allowed_actions(state, jefe) and state.stage_row is not None
               and not state.stage_row.records_schedule)
    session = UserSession("jefe.ugs", fresh_repo)
    session.open_request(rid)
    session.act("avanzar")
    assert any(s.startswith("Acción registrada") for s in session.successes())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(rid in m.subject and "etapa" in m.subject
                                                  and m.rcpt_tos != ("jefe.ugs@adsib.gob.bo",)
                                                  for m in smtp_server.received):
        time.sleep(0.1)
    state = fresh_repo.snapshot().ledger.state(rid)
    assert state is not None
    told = {m.rcpt_tos[0] for m in smtp_server.received
            if rid in m.subject and f"etapa {state.stage}" in m.subject}
    expected = {u.email for u in notify.who_must_act(fresh_repo.snapshot().ledger, state)}
    assert told == expected and told
