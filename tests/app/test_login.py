"""Log-in, the first-administrator setup of an empty ledger, and the demo banner.

These go through the environment (``RRSS_WORKBOOK`` points at a fresh path per test), as
``streamlit run app.py`` does; the workbook there is made as ``python cli.py demo`` or
``init`` make it, never by the app.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.adapters.workbook.xlsx import XlsxWriter, read_workbook
from tests.app.user_session import UserSession

DEMO_BANNER = "Datos de demostración"
BAD_LOGIN = "Usuario o contraseña incorrectos."


def warnings(session: UserSession) -> list[str]:
    return [w.value for w in session.at.warning]


def test_logging_in_with_the_right_password_opens_the_bandeja(demo_workbook: object) -> None:
    session = UserSession()
    assert session.at.title[0].value == "Publicaciones en redes sociales · ADSIB"
    session.log_in("jefe.ugs")
    assert session.at.session_state["username"] == "jefe.ugs"
    assert session.at.title[0].value == "Bandeja"
    assert "Rosa Condori" in session.at.sidebar.markdown[0].value


def test_the_user_name_is_matched_without_regard_to_case_or_spaces(demo_workbook: object) -> None:
    session = UserSession()
    session.log_in("  Jefe.UGS ")
    assert session.at.session_state["username"] == "jefe.ugs"


@pytest.mark.parametrize(("username", "password"), [
    ("jefe.ugs", "contraseña-equivocada"),
    ("nadie", "demo-adsib"),
    ("jefe.ugs", ""),
])
def test_a_wrong_user_or_password_is_refused_with_one_spanish_message(
        username: str, password: str, demo_workbook: object) -> None:
    session = UserSession()
    session.log_in(username, password)
    assert [e.value for e in session.at.error] == [BAD_LOGIN]
    assert "username" not in session.at.session_state
    assert session.at.text_input(key="login_user").value == username


def test_the_demo_banner_shows_in_demo_mode(demo_workbook: object) -> None:
    session = UserSession()
    session.log_in("profesional")
    assert any(DEMO_BANNER in text for text in warnings(session))


def test_logging_out_returns_to_the_login_form(demo_workbook: object) -> None:
    session = UserSession()
    session.log_in("directora")
    session.at.sidebar.button(key="logout").click()
    session.run()
    assert "username" not in session.at.session_state
    assert session.at.text_input(key="login_user").value == ""


def test_an_empty_ledger_asks_for_the_first_admin_who_can_then_log_in(
        empty_workbook: object) -> None:
    session = UserSession()
    assert any("El libro está vacío" in i.value for i in session.at.info)
    with pytest.raises(KeyError):
        session.at.text_input(key="login_user")

    session.at.text_input(key="setup_user").input("Admin.Sistema")
    session.at.text_input(key="setup_name").input("Administración del sistema")
    session.at.text_input(key="setup_password").input("una-clave-larga")
    session.button("Crear administrador").click()
    session.run()
    assert session.successes() == ["Administrador creado; inicie sesión."]
    assert not session.at.info

    session.log_in("admin.sistema", "una-clave-larga")
    assert session.at.title[0].value == "Bandeja"
    assert not any(DEMO_BANNER in text for text in warnings(session))
    assert "Administrador creado; inicie sesión." not in session.successes()
    for page in ("bandeja", "solicitud"):
        session.page(page)
    for page in ("nueva_solicitud", "publicaciones_directas"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            session.at.switch_page(f"pages/{page}.py")


def test_the_first_admin_needs_a_password_of_eight_characters(
        empty_workbook: object) -> None:
    session = UserSession()
    session.at.text_input(key="setup_user").input("admin")
    session.at.text_input(key="setup_name").input("Administración")
    session.at.text_input(key="setup_password").input("corta")
    session.button("Crear administrador").click()
    session.run()
    assert session.errors() == ["La contraseña debe tener al menos 8 caracteres."]
    assert any("El libro está vacío" in i.value for i in session.at.info)


# -- a ledger that is missing or damaged fails closed -------------------------------------------


def test_a_mistyped_workbook_path_creates_nothing_and_says_how_to_create_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "datos" / "ledgr.xlsx"
    monkeypatch.setenv("RRSS_WORKBOOK", str(wrong))
    session = UserSession()
    [error] = session.errors()
    assert str(wrong) in error and "python cli.py demo" in error and "python cli.py init" in error
    assert not wrong.exists() and not wrong.parent.exists()
    with pytest.raises(KeyError):
        session.at.text_input(key="setup_user")


def damaged(path: Path, tab: str, header: str | None = None, renamed: str = "") -> None:
    """The workbook re-saved by a person without ``tab`` (or with ``header`` renamed)."""
    content = dict(read_workbook(path))
    if header is None:
        del content[tab]
    else:
        content[tab][0] = [renamed if h == header else h for h in content[tab][0]]
    XlsxWriter().write(path, [(name, rows[0], rows[1:]) for name, rows in content.items()])


@pytest.mark.parametrize(("tab", "header", "renamed"), [
    ("usuarios", None, ""), ("usuarios", "hash_contrasena", "clave"),
    ("eventos", None, ""), ("eventos", "firma", "firma (no tocar)"),
])
def test_a_damaged_accounts_tab_never_offers_a_first_administrator(
        demo_workbook: object, tab: str, header: str | None, renamed: str) -> None:
    path = Path(os.environ["RRSS_WORKBOOK"])
    damaged(path, tab, header, renamed)
    before = path.read_bytes()
    session = UserSession()
    with pytest.raises(KeyError):
        session.at.text_input(key="setup_user")
    session.log_in("admin")
    assert "username" not in session.at.session_state
    assert any(tab in e for e in session.errors())
    assert path.read_bytes() == before  # nothing re-created, nothing written


@pytest.mark.parametrize(("header", "renamed"), [("activo", "activa"), ("roles", "rol")])
def test_a_renamed_view_column_changes_no_one_s_rights(
        demo_workbook: object, header: str, renamed: str) -> None:
    """Accounts follow their signed events: the column was only ever a view."""
    damaged(Path(os.environ["RRSS_WORKBOOK"]), "usuarios", header, renamed)
    session = UserSession()
    session.log_in("ex.directora")  # deactivated in the demo: still out
    assert "username" not in session.at.session_state
    session.log_in("editor")
    assert session.at.session_state["username"] == "editor"
    session.page("publicaciones_directas")  # the editor's role, not a typed cell, decides
