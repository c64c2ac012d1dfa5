"""No page shows a password hash."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.domain.ports import Repository
from sheets_schema.demo import USERS
from tests.app.user_session import UserSession
from ui.navigation import PAGE_ROLES, may_see

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
