"""Log-in, the first-administrator setup of an empty ledger, and the demo banner.

These go through the environment (``RRSS_WORKBOOK`` points at a fresh path per test), as
``streamlit run app.py`` does, so the workbook is created by the app itself.
"""

from __future__ import annotations

import pytest

from tests.app.user_session import UserSession

DEMO_BANNER = "Datos de demostración"
BAD_LOGIN = "Usuario o contraseña incorrectos."


def warnings(session: UserSession) -> list[str]:
    return [w.value for w in session.at.warning]


def test_logging_in_with_the_right_password_opens_the_bandeja() -> None:
    session = UserSession()
    assert session.at.title[0].value == "Publicaciones en redes sociales · ADSIB"
    session.log_in("jefe.ugs")
    assert session.at.session_state["username"] == "jefe.ugs"
    assert session.at.title[0].value == "Bandeja"
    assert "Rosa Condori" in session.at.sidebar.markdown[0].value


def test_the_user_name_is_matched_without_regard_to_case_or_spaces() -> None:
    session = UserSession()
    session.log_in("  Jefe.UGS ")
    assert session.at.session_state["username"] == "jefe.ugs"


@pytest.mark.parametrize(("username", "password"), [
    ("jefe.ugs", "contraseña-equivocada"),
    ("nadie", "demo-adsib"),
    ("jefe.ugs", ""),
])
def test_a_wrong_user_or_password_is_refused_with_one_spanish_message(
        username: str, password: str) -> None:
    session = UserSession()
    session.log_in(username, password)
    assert [e.value for e in session.at.error] == [BAD_LOGIN]
    assert "username" not in session.at.session_state
    assert session.at.text_input(key="login_user").value == username


def test_the_demo_banner_shows_in_demo_mode() -> None:
    session = UserSession()
    session.log_in("profesional")
    assert any(DEMO_BANNER in text for text in warnings(session))


def test_logging_out_returns_to_the_login_form() -> None:
    session = UserSession()
    session.log_in("directora")
    session.at.sidebar.button(key="logout").click()
    session.run()
    assert "username" not in session.at.session_state
    assert session.at.text_input(key="login_user").value == ""


def test_an_empty_ledger_asks_for_the_first_admin_who_can_then_log_in(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRSS_DEMO", "0")
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
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRSS_DEMO", "0")
    session = UserSession()
    session.at.text_input(key="setup_user").input("admin")
    session.at.text_input(key="setup_name").input("Administración")
    session.at.text_input(key="setup_password").input("corta")
    session.button("Crear administrador").click()
    session.run()
    assert session.errors() == ["La contraseña debe tener al menos 8 caracteres."]
    assert any("El libro está vacío" in i.value for i in session.at.info)
