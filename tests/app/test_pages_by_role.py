"""Every page renders for every demo user who may see it; the others do not get it at all."""

from __future__ import annotations

import pytest

from core.domain.ports import Repository
from sheets_schema.demo import USERS
from tests.app.user_session import ROOT, UserSession
from ui.navigation import PAGE_ROLES, may_see

TITLES = {
    "bandeja": "Bandeja",
    "solicitud": "Solicitud",
    "nueva_solicitud": "Nueva solicitud",
    "publicaciones_directas": "Publicaciones directas (tipos 4 a 7)",
}
VISIBLE = [(user, page) for user, _, roles, _ in USERS for page in PAGE_ROLES
           if may_see(page, roles)]
HIDDEN = [(user, page) for user, _, roles, _ in USERS for page in PAGE_ROLES
          if not may_see(page, roles)]


def test_every_page_in_the_permissions_table_exists_and_someone_may_see_it() -> None:
    assert {page for _, page in VISIBLE} == set(PAGE_ROLES)
    for page in PAGE_ROLES:
        assert (ROOT / "pages" / f"{page}.py").is_file(), page
    assert {"nueva_solicitud", "publicaciones_directas"} <= {page for _, page in HIDDEN}


@pytest.mark.parametrize(("username", "page"), VISIBLE)
def test_a_page_renders_without_error_for_a_user_who_may_see_it(
        demo_repo: Repository, username: str, page: str) -> None:
    session = UserSession(username, demo_repo)
    session.page(page)
    assert session.at.title, "every page has a title"
    assert session.at.title[0].value == TITLES.get(page, session.at.title[0].value)
    assert session.at.sidebar.button(key="logout").label == "Cerrar sesión"


@pytest.mark.parametrize(("username", "page"), HIDDEN)
def test_a_page_is_not_in_the_navigation_of_a_user_who_may_not_see_it(
        demo_repo: Repository, username: str, page: str) -> None:
    session = UserSession(username, demo_repo)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        session.at.switch_page(f"pages/{page}.py")


def test_the_administrator_and_the_editor_get_the_direct_publication_form(
        demo_repo: Repository) -> None:
    for username in ("admin.rrss", "editor", "moderador", "directora"):
        session = UserSession(username, demo_repo)
        session.page("publicaciones_directas")
        has_form = any(b.label == "Registrar publicación" for b in session.at.button)
        assert has_form == (username in ("admin.rrss", "editor")), username
        assert len(session.frame("direct_table")) >= 3


def test_the_bandeja_lists_the_demo_requests_waiting_for_the_user(
        demo_repo: Repository) -> None:
    session = UserSession("directora", demo_repo)
    cards = [" ".join(session.texts(f"pending_{rid}")) for rid in session.inbox()]
    assert any("Renovación de dominios .bo con descuento" in card for card in cards)
    assert all("**Debe actuar:** Dirección Ejecutiva" in card for card in cards)


def test_a_user_who_starts_no_procedure_is_told_so_on_nueva_solicitud(
        demo_repo: Repository) -> None:
    """The design team has no «Nueva solicitud» page; a unit requester gets procedure 3 only."""
    session = UserSession("solicitante", demo_repo)
    session.page("nueva_solicitud")
    assert session.at.selectbox(key="new_procedure").options == [
        "3 · Publicación de información específica"]
    assert session.at.text_input(key="new_unit_fixed").value.startswith("NIC")
