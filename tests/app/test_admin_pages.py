"""The administration pages through AppTest: «Usuarios y unidades», «Permisos» and
«Procedimientos» render for every demo user who may see them, and the flows a person uses
(name an editor, reset a password, publish a procedure version) work from the page.
"""

from __future__ import annotations

import pandas as pd
import pytest
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.domain.ports import Repository
from core.domain.roles import Role
from core.services import procedure_versions as procedure_admin
from core.services.accounts import LoginGuard, authenticate
from sheets_schema import default_rules
from sheets_schema.demo import USERS
from sheets_schema.tabs import SCHEMA
from tests.app.user_session import UserSession
from ui.navigation import PAGE_ROLES, may_see
from wiring import local_now

TITLES = {"usuarios": "Usuarios y unidades", "permisos": "Permisos",
          "procedimientos": "Procedimientos"}
VISIBLE = [(user, page) for user, _, roles, _ in USERS for page in TITLES
           if may_see(page, roles)]


@pytest.fixture
def repo(demo_repo: Repository) -> InMemoryRepository:
    """A private copy of the demo ledger: these tests write."""
    return InMemoryRepository(demo_repo.snapshot().tabs, SCHEMA, default_rules(), TEST_SEALER)


# Read-only tables carry no key in AppTest: each is told by a column only it has.
FRAME_COLUMNS = {"users_table": "Correo", "units_table": "Cuentas activas",
                 "admin_history": "Detalle", "permissions_matrix": "Cláusula",
                 "permissions_mine": "Ámbito", "proc_table": "Fija cronograma",
                 "proc_history": "Comentario", "proc_revisions": "Res. Adm."}


def frame(session: UserSession, key: str) -> pd.DataFrame:
    """The table a page shows with ``st.dataframe(..., key=key)``."""
    found = [d.value for d in session.at.dataframe if FRAME_COLUMNS[key] in d.value.columns
             and (key != "permissions_mine" or "Cláusula" not in d.value.columns)]
    assert found, f"no table «{key}» on the page"
    return found[0]


def open_page(username: str, repo: Repository, page: str) -> UserSession:
    session = UserSession(username, repo)
    session.page(page)
    return session


def test_the_administration_pages_are_shown_to_the_roles_the_brief_names() -> None:
    assert {u for u, p in VISIBLE if p == "usuarios"} == {"jefe.ugs", "directora", "admin"}
    assert {p for _, p in VISIBLE} == set(TITLES)
    assert PAGE_ROLES["permisos"] == PAGE_ROLES["procedimientos"]


@pytest.mark.parametrize(("username", "page"), VISIBLE)
def test_an_administration_page_renders_for_a_user_who_may_see_it(
        demo_repo: Repository, username: str, page: str) -> None:
    session = open_page(username, demo_repo, page)
    assert session.at.title[0].value == TITLES[page]
    assert session.errors() == []


# -- Usuarios y unidades ---------------------------------------------------------------------


def pick_account(session: UserSession, username: str) -> None:
    session.at.selectbox(key="user_pick").select(username)
    session.run()


def test_the_ugs_head_names_an_editor_from_the_page(repo: InMemoryRepository) -> None:
    session = open_page("jefe.ugs", repo, "usuarios")
    pick_account(session, "profesional")
    roles = session.at.multiselect(key="user_roles_profesional")
    assert "Editor de RRSS" in roles.options
    roles.set_value([*roles.value, Role.EDITOR])
    session.at.text_input(key="user_roles_reason_profesional").input("Memorándum 7/2026")
    session.button("Guardar roles").click()
    session.run()
    assert session.successes() == ["Roles actualizados."]
    table = frame(session, "users_table").set_index("Usuario")
    assert table.loc["profesional", "Roles"] == \
        "Profesional en Promoción de Servicios, Editor de RRSS"
    history = frame(session, "admin_history")
    assert history.iloc[0]["Acción"] == "asignar_rol"
    assert history.iloc[0]["Comentario"] == "Memorándum 7/2026"


def test_only_the_executive_director_is_offered_the_committee_role(
        repo: InMemoryRepository) -> None:
    offered = {}
    for username in ("directora", "jefe.ugs"):
        session = open_page(username, repo, "usuarios")
        pick_account(session, "jefe.nic")
        offered[username] = set(session.at.multiselect(key="user_roles_jefe.nic").options)
    assert any("Comité" in o for o in offered["directora"])
    assert not any("Comité" in o for o in offered["jefe.ugs"])
    assert any("Editor" in o for o in offered["jefe.ugs"])


def test_a_generated_password_is_shown_once_and_never_again(
        repo: InMemoryRepository) -> None:
    session = open_page("admin", repo, "usuarios")
    pick_account(session, "editor")
    session.button("Restablecer contraseña").click()
    session.run()
    [shown] = [c.value for c in session.at.code]
    assert authenticate(repo, "editor", shown, now=local_now(), guard=LoginGuard()).username \
        == "editor"
    assert any("no se volverá a mostrar" in w.value for w in session.at.warning)
    session.run()
    assert [c.value for c in session.at.code] == []
    state = session.at.session_state._state.filtered_state  # what the session keeps
    assert all(shown not in str(v) for v in state.values())


def test_the_account_table_never_shows_a_password_hash(demo_repo: Repository) -> None:
    session = open_page("admin", demo_repo, "usuarios")
    table = frame(session, "users_table")
    assert "hash_contrasena" not in table.columns
    assert not table.astype(str).apply(lambda c: c.str.contains(r"\$2b\$")).any().any()


def test_the_ugs_head_is_not_offered_technical_account_actions(demo_repo: Repository) -> None:
    ugs = open_page("jefe.ugs", demo_repo, "usuarios")
    labels = {b.label for b in ugs.at.button}
    assert "Restablecer contraseña" not in labels and "Desactivar cuenta" not in labels
    sysadmin = open_page("admin", demo_repo, "usuarios")
    pick_account(sysadmin, "editor")
    labels = {b.label for b in sysadmin.at.button}
    assert {"Restablecer contraseña", "Desactivar cuenta"} <= labels


def test_a_unit_is_created_and_deactivated_from_the_page(repo: InMemoryRepository) -> None:
    session = open_page("admin", repo, "usuarios")
    session.at.text_input(key="unit_new_code").input("ujur")
    session.at.text_input(key="unit_new_name").input("Unidad Jurídica")
    session.button("Crear unidad").click()
    session.run()
    units = frame(session, "units_table").set_index("Código")
    assert units.loc["UJUR", "Activa"] == "sí"
    session.at.selectbox(key="unit_pick").select("UJUR")
    session.run()
    session.at.button(key="unit_toggle").click()
    session.run()
    assert frame(session, "units_table").set_index("Código").loc["UJUR", "Activa"] == "no"


# -- Permisos --------------------------------------------------------------------------------


def test_the_matrix_shows_who_publishes_answers_and_names_whom(demo_repo: Repository) -> None:
    session = open_page("moderador", demo_repo, "permisos")
    matrix = frame(session, "permissions_matrix").set_index("Permiso")
    publish = matrix.loc[next(i for i in matrix.index if i.startswith("Publicar en nombre"))]
    assert (publish["Editor de RRSS"], publish["Moderador de RRSS"]) == ("✓", "")
    committee = matrix.loc["Nombrar o retirar miembros del Comité de aprobación de RRSS"]
    assert committee["Dirección Ejecutiva"] == "✓"
    assert committee["Jefatura de la UGS"] == committee["Administrador del sistema"] == ""
    assert matrix.loc["Asignar o quitar el rol Dirección Ejecutiva",
                      "Administrador del sistema"] == "✓ si vacante"
    mine = frame(session, "permissions_mine")
    assert "Responder comentarios y consultas del público" in set(mine["Permiso"])
    assert not any(p.startswith("Publicar en nombre") for p in mine["Permiso"])


# -- Procedimientos --------------------------------------------------------------------------


def test_everyone_sees_each_procedure_as_a_table_and_a_diagram(demo_repo: Repository) -> None:
    session = open_page("solicitante", demo_repo, "procedimientos")
    session.at.selectbox(key="proc_pick").select(1)
    session.run()
    assert len(frame(session, "proc_table")) == 8
    charts = [e for e in session.at.get("graphviz_chart")]
    assert charts and "s4 -> s5" in charts[0].proto.spec
    assert not any(b.key == "draft_start" for b in session.at.button)


def test_the_ugs_head_sends_a_new_version_and_the_de_approves_it_from_the_page(
        repo: InMemoryRepository) -> None:
    session = open_page("jefe.ugs", repo, "procedimientos")
    session.at.selectbox(key="proc_pick").select(3)
    session.run()
    session.at.button(key="draft_start").click()
    session.run()
    assert session.successes() == ["Borrador creado.", "El borrador es válido."]
    assert not any(b.key == "draft_approve" for b in session.at.button)
    session.at.text_area(key="draft_note").input("Revisión del manual: plazos")
    session.at.button(key="draft_submit").click()
    session.run()
    assert "Versión 2 enviada a la Dirección Ejecutiva para su aprobación." in \
        session.successes()
    assert repo.snapshot().ledger.procedures.current(3).version == 1

    director = open_page("directora", repo, "procedimientos")
    director.at.selectbox(key="proc_pick").select(3)
    director.run()
    assert any("Espera su aprobación" in i.value for i in director.at.info)
    director.at.text_input(key="draft_resolution").input("RA ADSIB N° 045/2026")
    director.at.button(key="draft_approve").click()
    director.run()
    assert director.successes() == ["Versión aprobada: rige para las solicitudes nuevas."]
    versions = director.at.selectbox(key="proc_version_3").options
    assert versions[0] == "Versión 2 (vigente)"
    assert repo.snapshot().ledger.procedures.current(3).version == 2
    assert frame(director, "proc_history").iloc[0]["Acción"] == "publicar_version"
    cuadro = frame(director, "proc_revisions")
    assert cuadro.iloc[-1]["Descripción del cambio"] == "Revisión del manual: plazos"
    assert cuadro.iloc[-1]["Res. Adm."] == "RA ADSIB N° 045/2026"
    assert cuadro.iloc[0]["Aprobado por"] == "Jannett Ibañez Flores"


def test_a_broken_draft_shows_the_reason_and_is_not_published(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 2, local_now())
    draft = procedure_admin.draft_of(repo.snapshot().ledger, 2)
    assert draft is not None
    rows = draft.table()
    rows[2]["salidas"] = "rechazar"  # stage 3: only reject, no way forward
    procedure_admin.save_draft(repo, "jefe.ugs", 2, rows, local_now())
    session = open_page("jefe.ugs", repo, "procedimientos")
    session.at.selectbox(key="proc_pick").select(2)
    session.run()
    assert any("callejón sin salida" in e for e in session.errors())
    session.at.text_area(key="draft_note").input("Cambio")
    session.at.button(key="draft_submit").click()
    session.run()
    assert any(e.startswith("No se envió") and "callejón sin salida" in e
               for e in session.errors())
    assert repo.snapshot().ledger.procedures.current(2).version == 1


def test_others_are_told_a_draft_is_in_preparation_but_cannot_touch_it(
        repo: InMemoryRepository) -> None:
    procedure_admin.start_draft(repo, "jefe.ugs", 1, local_now())
    session = open_page("directora", repo, "procedimientos")
    assert any("borrador de la versión 2" in i.value for i in session.at.info)
    assert not any((b.key or "").startswith("draft_") for b in session.at.button)
