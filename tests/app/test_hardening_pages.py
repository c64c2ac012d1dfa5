"""Hardening as a person meets it: log-in lock-out, session expiry (injected clock), no
password hash on any page, hostile text shown inert, uploads kept out, and the «Correo
saliente» page with a real local SMTP server (aiosmtpd), including an outage.
"""

from __future__ import annotations

import re
import threading
import time
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.domain.models import MailStatus
from core.domain.ports import Repository
from core.domain.workflow import allowed_actions
from core.services import notifications as notify
from core.services.accounts import LOCK_MINUTES, MAX_FAILED_LOGINS
from core.services.requests import act, create_request
from sheets_schema.demo import USERS
from tests.app.user_session import ROOT, UserSession
from tests.core.test_smtp import LocalSmtpServer
from ui.navigation import PAGE_ROLES, may_see
from ui.session import SESSION_MINUTES, md_escape
from wiring import Settings, local_now, open_workbook

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


# -- log-in lock-out and session expiry -------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_the_same_message(
        demo_repo: Repository) -> None:
    session = UserSession(repo=demo_repo)
    assert any(f"Tras {MAX_FAILED_LOGINS} intentos fallidos" in c.value
               for c in session.at.markdown)  # an instruction: plain text, not a caption
    for _ in range(MAX_FAILED_LOGINS):
        session.log_in("moderador", "no-es-la-clave")
        assert session.errors() == [BAD_LOGIN]
    session.log_in("moderador")  # the right password, too late
    assert session.errors() == [BAD_LOGIN]
    assert not logged_in(session)
    user = demo_repo.snapshot().ledger.users["moderador"]
    assert user.locked_until is not None
    assert user.locked_until - local_now() <= timedelta(minutes=LOCK_MINUTES)
    outcomes = [e.outcome for _, e in demo_repo.snapshot().ledger.events
                if e.subject == "moderador"]
    assert outcomes[-MAX_FAILED_LOGINS - 1:] == ["login_fallido"] * MAX_FAILED_LOGINS + [
        "bloqueo"]


def test_an_unknown_user_gets_the_same_message_and_leaves_no_trace(
        demo_repo: Repository) -> None:
    rows = {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()}
    session = UserSession(repo=demo_repo)
    for _ in range(MAX_FAILED_LOGINS + 1):
        session.log_in("no.existe", "no-es-la-clave")
        assert session.errors() == [BAD_LOGIN]
    after = {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()}
    assert after["eventos"] == rows["eventos"] and after["usuarios"] == rows["usuarios"]


def test_a_session_expires_after_the_idle_limit_and_not_before(demo_repo: Repository) -> None:
    clock = Clock(local_now())
    session = UserSession(repo=demo_repo)
    session.at.session_state["clock"] = clock
    session.log_in("jefe.ugs")
    assert logged_in(session)
    for _ in range(3):  # activity keeps the session alive well past the limit in total
        clock.advance(minutes=SESSION_MINUTES - 1)
        session.run()
        assert logged_in(session)
    clock.advance(minutes=SESSION_MINUTES + 1)
    session.run()
    assert EXPIRED in [w.value for w in session.at.warning]
    assert not logged_in(session)
    assert session.at.text_input(key="login_user").value == ""


# -- nothing secret on any page ----------------------------------------------------------------


MANAGERS = ["admin", "jefe.ugs", "directora"]
MANAGER_PAGES = [(u, p) for u in MANAGERS for p in PAGE_ROLES if may_see(p, ROLES[u])]


@pytest.mark.parametrize(("username", "page"), MANAGER_PAGES)
def test_no_page_shows_a_password_hash(demo_repo: Repository, username: str,
                                       page: str) -> None:
    session = UserSession(username, demo_repo)
    session.page(page)
    text = rendered_text(session.at)
    assert "$2b$" not in text and "$2a$" not in text
    assert "hash_contrasena" not in text
    if page == "usuarios":  # the accounts table is read: a hash in it would be seen
        assert "jefe.ugs" in text and "Rosa Condori" in text


# -- hostile text, inert ------------------------------------------------------------------------


HOSTILE_TITLE = ('**x** [l](http://e) <img src=x onerror=alert(1)> =HYPERLINK("u") '
                 "АДСИБ 中文 العربية 📣👩🏽‍💻 a\x07b \u202eabc")
HOSTILE_COMMENT = '<script>alert("c")</script> [aquí](javascript:alert(1)) @SUM(A1) ~~t~~'
MARKDOWN_ELEMENTS = ("markdown", "title", "header", "subheader", "caption", "error",
                     "warning", "info", "success")


def markdown_values(at: AppTest) -> list[str]:
    values = [str(e.value) for kind in MARKDOWN_ELEMENTS for e in getattr(at, kind)]
    return values + [str(e.value) for e in at.sidebar.markdown]


def assert_inert(values: list[str]) -> None:
    for value in values:
        plain = re.sub(r"\\.", "", value)  # what is left once escaped characters are out
        for live in ("[l](", "<img", "<script", "**x**", "](javascript", "~~t~~"):
            assert live not in plain, value


@pytest.fixture(scope="module")
def hostile_request(demo_repo: Repository) -> str:
    now = local_now()
    rid = create_request(demo_repo, "solicitante", {
        "procedure": 3, "title": HOSTILE_TITLE, "objective": HOSTILE_COMMENT,
        "summary": "Resumen", "publish_from": now.date(),
        "publish_to": now.date() + timedelta(days=30)}, now)
    act(demo_repo, "directora", rid, "avanzar", comment=HOSTILE_COMMENT, expected_seq=1,
        now=now)
    return rid


def test_hostile_text_is_stored_faithfully(demo_repo: Repository, hostile_request: str) -> None:
    ledger = demo_repo.snapshot().ledger
    assert ledger.requests[hostile_request].title == HOSTILE_TITLE
    state = ledger.state(hostile_request)
    assert state is not None and state.events[-1].comment == HOSTILE_COMMENT


def test_hostile_text_is_inert_on_the_bandeja(demo_repo: Repository,
                                              hostile_request: str) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.page("bandeja")
    assert hostile_request in session.inbox()
    assert any(md_escape(HOSTILE_TITLE) in text  # its card, escaped
               for text in markdown_values(session.at))
    assert HOSTILE_TITLE in list(session.frame("all_table")["Título"])  # raw, in a cell
    assert_inert(markdown_values(session.at))


def test_hostile_text_is_inert_on_the_request_page(demo_repo: Repository,
                                                   hostile_request: str) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.open_request(hostile_request)
    values = markdown_values(session.at)
    assert md_escape(HOSTILE_TITLE) in values  # shown, escaped, as the page's heading
    assert_inert(values)
    assert any(f"> {HOSTILE_COMMENT}" in entry for entry in session.timeline())
    assert session.details()["Objetivo"] == HOSTILE_COMMENT


def test_ten_megabytes_in_a_form_field_are_refused_with_nothing_written(
        demo_repo: Repository) -> None:
    before = {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()}
    session = UserSession("solicitante", demo_repo)
    session.page("nueva_solicitud")
    session.at.text_input(key="new_title").input("Título")
    session.at.text_area(key="new_objective").input("Objetivo")
    session.at.text_area(key="new_summary").input("Resumen")
    session.at.text_input(key="new_reference").input("R" * (10 * 1024 * 1024))
    session.button("Registrar solicitud").click()
    session.run()
    assert session.errors() == ["Referencia: el texto supera 50000 caracteres."]
    assert {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()} == before


# -- uploads -------------------------------------------------------------------------------------


def test_uploads_are_kept_out_and_small() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] <= 5
    assert config["server"]["enableXsrfProtection"] is True
    for page in [*ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        for call in re.findall(r"file_uploader\((.*?)\)", page.read_text(encoding="utf-8"),
                               flags=re.S):
            assert "type=" in call, f"{page.name}: an upload must name its file types"


# -- «Correo saliente» ----------------------------------------------------------------------------


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Repository:
    """A demo workbook of its own (its mails are counted by these tests)."""
    return open_workbook(Settings(tmp_path / "mail" / "ledger.xlsx", demo=True,
                                  subdivision="L"))


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def use_smtp(monkeypatch: pytest.MonkeyPatch, server: LocalSmtpServer) -> None:
    """Real data (not demo) and the local server, through the environment as in production."""
    monkeypatch.setenv("RRSS_DEMO", "0")
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


def counts(repo: Repository) -> dict[MailStatus, int]:
    mails = notify.outbox(repo.snapshot().ledger)
    return {s: sum(1 for m in mails if m.status is s) for s in MailStatus}


def test_the_outbox_shows_the_queued_mails_and_never_mails_demo_users(
        fresh_repo: Repository, smtp_server: LocalSmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
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
    monkeypatch.setenv("RRSS_DEMO", "0")
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
    to_ugs = [m for m in smtp_server.received if m.rcpt_tos == ("jefe.ugs@adsib.gob.bo",)
              and "Resumen diario" not in m.subject]
    assert to_ugs and all(re.search(r"SOL-\d{4}-\d{4}", m.subject) for m in to_ugs)


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
