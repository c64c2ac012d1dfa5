"""Hostile text typed into a form is stored as typed and shown inert on every page."""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.domain.ports import Repository
from core.services.requests import act, create_request
from sheets_schema.demo import USERS
from tests.app.user_session import ROOT, UserSession
from ui.session import md_escape
from wiring import local_now

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
    assert session.errors() == ["Referencia: el texto supera 32.767 caracteres."]
    assert {name: len(raw.rows) for name, raw in demo_repo.snapshot().tabs.items()} == before


# -- uploads -------------------------------------------------------------------------------------


def test_uploads_are_capped_at_the_per_file_limit_and_name_their_types() -> None:
    from core.domain.materials import MAX_FILE_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
    assert config["server"]["enableXsrfProtection"] is True
    for page in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        for call in re.findall(r"file_uploader\((.*?)\)", page.read_text(encoding="utf-8"),
                               flags=re.S):
            assert "type=" in call, f"{page.name}: an upload must name its file types"
