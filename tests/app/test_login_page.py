"""The log-in page: lock-out with the same words, and sessions that expire when idle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.domain.ports import Repository
from core.services.accounts import LOCK_MINUTES, MAX_FAILED_LOGINS, record_now
from core.services.administration import reset_password
from sheets_schema.demo import USERS
from tests.app.user_session import UserSession
from ui.session import SESSION_MINUTES
from wiring import local_now

BAD_LOGIN = "Usuario o contraseña incorrectos."
EXPIRED = "Su sesión expiró por inactividad; ingrese de nuevo."
PASSWORD_CHANGED = "La contraseña de su cuenta cambió; ingrese de nuevo."
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


def test_five_wrong_passwords_lock_the_name_and_say_until_when(
        demo_repo: Repository) -> None:
    session = UserSession(repo=demo_repo)
    session.at.session_state["audit"] = record_now  # written at once, not in the background
    assert any(f"Tras {MAX_FAILED_LOGINS} intentos fallidos" in c.value
               for c in session.at.markdown)  # an instruction: plain text, not a caption
    for _ in range(MAX_FAILED_LOGINS - 1):
        session.log_in("moderador", "no-es-la-clave")
        assert session.errors() == [BAD_LOGIN]
    session.log_in("moderador", "no-es-la-clave")
    [locked] = session.errors()
    assert locked.startswith("Demasiados intentos fallidos con este usuario: espere hasta las ")
    assert f"({LOCK_MINUTES} minutos)" in locked and "restablezca su contraseña" in locked
    session.log_in("moderador")  # the right password, too late
    assert session.errors() == [locked]
    assert not logged_in(session)
    outcomes = [e.outcome for _, e in demo_repo.snapshot().ledger.events
                if e.subject == "moderador"]
    assert outcomes[-MAX_FAILED_LOGINS - 1:] == ["login_fallido"] * MAX_FAILED_LOGINS + [
        "bloqueo"]


def test_an_unknown_user_gets_the_same_answers_and_leaves_no_trace(
        demo_repo: Repository) -> None:
    rows = {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()}
    session = UserSession(repo=demo_repo)
    session.at.session_state["audit"] = record_now
    answers = []
    for _ in range(MAX_FAILED_LOGINS + 1):
        session.log_in("no.existe", "no-es-la-clave")
        answers += session.errors()
    assert answers[:MAX_FAILED_LOGINS - 1] == [BAD_LOGIN] * (MAX_FAILED_LOGINS - 1)
    assert all(a.startswith("Demasiados intentos fallidos") for a in answers[-2:])
    after = {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()}
    assert after == rows


def test_a_session_expires_after_the_idle_limit_and_not_before(demo_workbook: object) -> None:
    clock = Clock(local_now())
    session = UserSession()  # through the environment: expiry clears the whole session
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


def test_a_new_password_ends_a_session_already_open_in_a_tab(demo_workbook: Repository) -> None:
    session = UserSession()  # the person whose password leaked, or someone who took it
    session.log_in("editor")
    assert logged_in(session)
    reset_password(demo_workbook, "admin", "editor", local_now())
    session.run()
    assert not logged_in(session)
    assert session.at.text_input(key="login_user").value == ""
    assert PASSWORD_CHANGED in [w.value for w in session.at.warning]
