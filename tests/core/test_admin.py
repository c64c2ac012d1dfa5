"""Role, account and unit administration (core.admin) on the seeded in-memory ledger: who
names whom as the manual says, nothing deleted, every change one audited event, and no
password or hash ever written anywhere but the account's hash cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from core_helpers import NOW, count_rows, log_in

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import Snapshot
from core.domain.accounts import fingerprint
from core.domain.errors import AuthenticationFailed, ConcurrentChange, InvalidInput, NotAllowed
from core.domain.models import Event, EventKind
from core.domain.ports import Change
from core.domain.roles import Role
from core.services import administration as admin
from core.services.requests import create_request
from sheets_schema.demo import DEMO_PASSWORD


def events(repo: InMemoryRepository) -> list[Event]:
    return [e for _, e in repo.snapshot().ledger.events]


def roles_of(repo: InMemoryRepository, username: str) -> tuple[Role, ...]:
    return repo.snapshot().ledger.users[username].roles


def last_event(repo: InMemoryRepository) -> Event:
    return events(repo)[-1]


class PageView:
    """What the user saw (an earlier snapshot) writing to the live repository."""

    def __init__(self, live: InMemoryRepository) -> None:
        self.live = live
        self.seen: Snapshot = live.snapshot()

    def snapshot(self) -> Snapshot:
        return self.seen

    def commit(self, change: Change) -> Snapshot:
        return self.live.commit(change)


# -- who names whom --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.MODERATOR])
def test_the_ugs_head_names_the_administrator_editors_and_moderators(
        repo: InMemoryRepository, role: Role) -> None:
    admin.set_roles(repo, "jefe.ugs", "profesional", (Role.PROFESSIONAL, role), NOW,
                    comment="Memorándum UGS 12/2026")
    assert roles_of(repo, "profesional") == (Role.PROFESSIONAL, role)
    event = last_event(repo)
    assert (event.kind, event.subject, event.outcome, event.actor, event.role, event.comment) \
        == (EventKind.USER, "profesional", "asignar_rol", "jefe.ugs", "jefe_ugs",
            "Memorándum UGS 12/2026")
    assert event.payload() == {"antes": {"roles": ["profesional"]},
                               "despues": {"roles": ["profesional", role.value]},
                               "agregados": [role.value], "quitados": []}


def test_the_ugs_head_also_takes_those_roles_away(repo: InMemoryRepository) -> None:
    admin.set_roles(repo, "jefe.ugs", "editor", (Role.MODERATOR,), NOW)
    assert roles_of(repo, "editor") == (Role.MODERATOR,)
    assert last_event(repo).payload()["quitados"] == ["editor"]


def test_the_ugs_head_cannot_name_a_committee_member_and_nothing_is_written(
        repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="«Comité de aprobación de RRSS» lo asigna la "
                                         r"Dirección Ejecutiva \(manual, 6 b\)\)"):
        admin.set_roles(repo, "jefe.ugs", "jefe.uaf", (Role.UNIT_HEAD, Role.COMMITTEE), NOW)
    assert count_rows(repo) == before


def test_the_executive_director_names_committee_members(repo: InMemoryRepository) -> None:
    admin.set_roles(repo, "directora", "jefe.uaf", (Role.UNIT_HEAD, Role.COMMITTEE), NOW)
    assert roles_of(repo, "jefe.uaf") == (Role.COMMITTEE, Role.UNIT_HEAD)
    assert (last_event(repo).actor, last_event(repo).role) == ("directora", "de")


def test_the_executive_director_cannot_name_an_editor(repo: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed, match="Jefatura de la UGS"):
        admin.set_roles(repo, "directora", "jefe.uaf", (Role.UNIT_HEAD, Role.EDITOR), NOW)


@pytest.mark.parametrize("role", [Role.DE, Role.COMMITTEE, Role.UGS_HEAD, Role.EDITOR])
def test_the_system_administrator_cannot_grant_roles_the_manual_gives_to_others(
        repo: InMemoryRepository, role: Role) -> None:
    before = count_rows(repo)
    with pytest.raises(NotAllowed, match="su usuario no puede asignarlo"):
        admin.set_roles(repo, "admin", "jefe.uaf", (Role.UNIT_HEAD, role), NOW)
    assert count_rows(repo) == before


def test_the_system_administrator_grants_unit_roles(repo: InMemoryRepository) -> None:
    admin.set_roles(repo, "admin", "solicitante.uaf", (Role.REQUESTER, Role.UNIT_HEAD), NOW)
    assert roles_of(repo, "solicitante.uaf") == (Role.REQUESTER, Role.UNIT_HEAD)


def test_only_when_nobody_active_is_executive_director_may_the_system_administrator_name_one(
        repo: InMemoryRepository) -> None:
    """The first run (or a vacancy): recorded as a vacancy grant."""
    admin.deactivate_user(repo, "admin", "directora", NOW)
    admin.set_roles(repo, "admin", "jefe.uaf", (Role.UNIT_HEAD, Role.DE), NOW)
    assert Role.DE in roles_of(repo, "jefe.uaf")
    assert last_event(repo).payload()["por_vacante"] == ["de"]
    with pytest.raises(NotAllowed):  # no longer vacant
        admin.set_roles(repo, "admin", "solicitante.uaf", (Role.REQUESTER, Role.DE), NOW)


def test_a_vacancy_never_lets_the_system_administrator_take_a_role_away(
        repo: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed, match="lo quita la Dirección Ejecutiva"):
        admin.set_roles(repo, "admin", "directora", (Role.REQUESTER,), NOW)


def test_nobody_changes_their_own_roles(repo: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed, match="Nadie modifica sus propios roles"):
        admin.set_roles(repo, "jefe.ugs", "jefe.ugs", (Role.UGS_HEAD, Role.ADMIN), NOW)
    with pytest.raises(NotAllowed, match="Nadie modifica sus propios roles"):
        admin.set_roles(repo, "admin", "admin", (Role.SYSADMIN, Role.REQUESTER), NOW)


def test_roles_of_a_requesting_unit_need_the_person_s_unit(repo: InMemoryRepository) -> None:
    admin.update_user_data(repo, "admin", "editor", NOW, full_name="Sofía Limachi",
                           email="editor@adsib.gob.bo", unit="")
    with pytest.raises(InvalidInput, match="actúa por una unidad"):
        admin.set_roles(repo, "jefe.ugs", "editor", (Role.EDITOR, Role.REQUESTER), NOW)


def test_an_account_keeps_at_least_one_role(repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidInput, match="al menos un rol"):
        admin.set_roles(repo, "jefe.ugs", "editor", (), NOW)


def test_a_role_change_made_on_a_stale_view_is_refused(repo: InMemoryRepository) -> None:
    page = PageView(repo)
    admin.set_roles(repo, "jefe.ugs", "editor", (Role.EDITOR, Role.MODERATOR), NOW)
    with pytest.raises(ConcurrentChange, match="Otra persona modificó este registro"):
        admin.set_roles(page, "jefe.ugs", "editor", (Role.ADMIN,), NOW)  # type: ignore[arg-type]
    assert roles_of(repo, "editor") == (Role.EDITOR, Role.MODERATOR)


def test_a_granter_who_lost_their_role_meanwhile_grants_nothing(
        repo: InMemoryRepository) -> None:
    page = PageView(repo)  # jefe.ugs still heads the UGS in what the page shows
    admin.set_roles(repo, "directora", "jefe.ugs", (Role.UNIT_HEAD,), NOW)
    with pytest.raises(NotAllowed, match="lo asigna la Jefatura de la UGS"):
        admin.set_roles(page, "jefe.ugs", "editor", (Role.ADMIN,), NOW)  # type: ignore[arg-type]
    assert roles_of(repo, "editor") == (Role.EDITOR,)


# -- accounts --------------------------------------------------------------------------------


def new_account(**changes: object) -> dict[str, object]:
    return {"username": "Nuevo.Editor", "full_name": "Nuevo Editor",
            "email": "nuevo@adsib.gob.bo", "unit": "UGS", "roles": [Role.EDITOR]} | changes


def test_the_ugs_head_opens_an_editor_account_whose_first_password_works_once_handed_over(
        repo: InMemoryRepository) -> None:
    password = admin.create_user(repo, "jefe.ugs", new_account(), NOW)
    assert len(password) >= 12
    user = repo.snapshot().ledger.users["nuevo.editor"]
    assert (user.roles, user.unit, user.active) == ((Role.EDITOR,), "UGS", True)
    assert user.password_hash.startswith("$2b$") and password not in user.password_hash
    assert log_in(repo, "nuevo.editor", password).username == "nuevo.editor"
    event = last_event(repo)
    assert (event.outcome, event.subject, event.actor) == ("crear_usuario", "nuevo.editor",
                                                           "jefe.ugs")
    assert event.payload()["despues"]["roles"] == ["editor"]


def test_an_account_may_be_opened_with_a_password_the_administrator_chose(
        repo: InMemoryRepository) -> None:
    assert admin.create_user(repo, "admin", new_account(roles=[Role.REQUESTER], unit="NIC"),
                             NOW, password="clave-elegida-1") == "clave-elegida-1"
    assert log_in(repo, "nuevo.editor", "clave-elegida-1")


@pytest.mark.parametrize(("changes", "password", "message"), [
    ({"roles": [Role.COMMITTEE]}, None, "lo asigna la Dirección Ejecutiva"),
    ({"roles": []}, None, "Roles: elija al menos un rol"),
    ({"username": "con espacio"}, None, "Usuario: use solo minúsculas"),
    ({"username": "editor"}, None, "«editor» ya existe"),
    ({"unit": "XYZ"}, None, "«XYZ» no es una unidad activa"),
    ({"email": "no-es-correo"}, None, "Correo: no parece una dirección de correo"),
    ({}, "corta", "al menos 8 caracteres"),
    ({}, "ñ" * 40, "no puede superar 72 bytes"),
], ids=["role not grantable", "no role", "bad user name", "taken user name", "unknown unit",
        "bad e-mail", "short password", "password too long for bcrypt"])
def test_a_bad_new_account_is_refused_and_nothing_is_written(
        repo: InMemoryRepository, changes: dict[str, object], password: str | None,
        message: str) -> None:
    before = count_rows(repo)
    with pytest.raises((InvalidInput, NotAllowed), match=message):
        admin.create_user(repo, "jefe.ugs", new_account(**changes), NOW, password=password)
    assert count_rows(repo) == before


def test_a_deactivated_account_cannot_log_in_and_its_row_and_history_stay(
        repo: InMemoryRepository) -> None:
    rows_before = count_rows(repo)["usuarios"]
    admin.deactivate_user(repo, "admin", "editor", NOW, comment="Dejó la institución")
    assert count_rows(repo)["usuarios"] == rows_before
    assert repo.snapshot().ledger.users["editor"].active is False
    with pytest.raises(AuthenticationFailed):
        log_in(repo, "editor", DEMO_PASSWORD)
    admin.reactivate_user(repo, "admin", "editor", NOW)
    assert log_in(repo, "editor", DEMO_PASSWORD).username == "editor"
    changes = [e for e in events(repo) if e.outcome != "login_fallido"]
    assert [e.outcome for e in changes[-2:]] == ["desactivar", "reactivar"]
    assert changes[-2].payload() == {"antes": {"activo": True},
                                          "despues": {"activo": False}}


def test_reactivating_a_second_executive_director_is_refused(
        repo: InMemoryRepository) -> None:
    """ex.directora is a deactivated DE while directora is active: reactivating her would
    hand out the office a second time, which only DE does."""
    with pytest.raises(NotAllowed, match="otra cuenta activa ya lo tiene"):
        admin.reactivate_user(repo, "admin", "ex.directora", NOW)


def test_only_the_system_administrator_deactivates_and_nobody_deactivates_themselves(
        repo: InMemoryRepository) -> None:
    with pytest.raises(NotAllowed, match="desactivar, reactivar y restablecer"):
        admin.deactivate_user(repo, "jefe.ugs", "editor", NOW)
    with pytest.raises(NotAllowed, match="su propia cuenta"):
        admin.deactivate_user(repo, "admin", "admin", NOW)


def test_a_reset_password_replaces_the_old_one_and_the_record_vouches_for_it(
        repo: InMemoryRepository) -> None:
    password = admin.reset_password(repo, "admin", "editor", NOW)
    assert log_in(repo, "editor", password)
    with pytest.raises(AuthenticationFailed):
        log_in(repo, "editor", DEMO_PASSWORD)
    event = [e for e in events(repo) if e.outcome != "login_fallido"][-1]
    stored = repo.snapshot().ledger.users["editor"].password_hash
    assert event.outcome == "restablecer_contrasena"
    assert event.payload() == {"generada": True, "huella": fingerprint(stored)}
    assert stored not in event.data


def test_correcting_an_account_s_data_records_only_what_changed(
        repo: InMemoryRepository) -> None:
    admin.update_user_data(repo, "admin", "solicitante", NOW,
                           full_name="Pedro Choque",
                           email="pchoque@adsib.gob.bo", unit="NIC")
    assert last_event(repo).payload() == {"antes": {"correo": "solicitante@adsib.gob.bo"},
                                          "despues": {"correo": "pchoque@adsib.gob.bo"}}


# -- the audit record never holds a secret ------------------------------------------------


def test_no_password_or_hash_is_ever_written_outside_the_hash_cell(
        repo: InMemoryRepository) -> None:
    secrets_seen = [admin.create_user(repo, "jefe.ugs", new_account(), NOW)]
    secrets_seen.append(admin.reset_password(repo, "admin", "nuevo.editor", NOW))
    secrets_seen.append(admin.reset_password(repo, "admin", "editor", NOW,
                                             password="elegida-por-admin"))
    admin.set_roles(repo, "jefe.ugs", "nuevo.editor", (Role.MODERATOR,), NOW)
    admin.deactivate_user(repo, "admin", "nuevo.editor", NOW)
    tabs = repo.snapshot().tabs
    hashes = {u.password_hash for u in repo.snapshot().ledger.users.values()}
    for name, raw in tabs.items():
        for cells in raw.rows:
            for cell in cells:
                assert not any(s in cell for s in secrets_seen), (name, cell)
                if name != "usuarios":
                    assert "$2b$" not in cell and cell not in hashes, (name, cell)


# -- every change is audited -----------------------------------------------------------------

CHANGES: dict[str, tuple[Callable[[InMemoryRepository], object], EventKind, str, str]] = {
    "create account": (lambda r: admin.create_user(r, "jefe.ugs", new_account(), NOW),
                       EventKind.USER, "nuevo.editor", "crear_usuario"),
    "assign role": (lambda r: admin.set_roles(r, "directora", "jefe.uaf",
                                              (Role.UNIT_HEAD, Role.COMMITTEE), NOW),
                    EventKind.USER, "jefe.uaf", "asignar_rol"),
    "deactivate": (lambda r: admin.deactivate_user(r, "admin", "moderador", NOW),
                   EventKind.USER, "moderador", "desactivar"),
    "reset password": (lambda r: admin.reset_password(r, "admin", "moderador", NOW),
                       EventKind.USER, "moderador", "restablecer_contrasena"),
    "correct data": (lambda r: admin.update_user_data(r, "admin", "moderador", NOW,
                                                      full_name="Daniel Apaza", email="",
                                                      unit="UGS"),
                     EventKind.USER, "moderador", "modificar_datos"),
    "create unit": (lambda r: admin.create_unit(r, "jefe.ugs", "ujur", "Jurídica", NOW),
                    EventKind.SYSTEM, "unidad:UJUR", "crear_unidad"),
    "rename unit": (lambda r: admin.rename_unit(r, "admin", "NIC", "NIC Bolivia", NOW),
                    EventKind.SYSTEM, "unidad:NIC", "renombrar_unidad"),
    "deactivate unit": (lambda r: admin.set_unit_active(r, "jefe.ugs", "CGII", False, NOW),
                        EventKind.SYSTEM, "unidad:CGII", "desactivar_unidad"),
}


@pytest.mark.parametrize(("change", "kind", "subject", "outcome"), CHANGES.values(),
                         ids=CHANGES)
def test_every_administrative_change_appends_one_audited_event_in_the_same_write(
        repo: InMemoryRepository, change: Callable[[InMemoryRepository], object],
        kind: EventKind, subject: str, outcome: str) -> None:
    commits, before = repo.commits, len(events(repo))
    change(repo)
    assert repo.commits == commits + 1
    assert len(events(repo)) == before + 1
    event = last_event(repo)
    assert (event.kind, event.subject, event.outcome, event.at) == (kind, subject, outcome, NOW)
    assert json.loads(event.data)
    assert event in admin.administration_events(repo.snapshot().ledger)


# -- units -----------------------------------------------------------------------------------


def test_a_deactivated_unit_takes_no_new_requests_and_is_never_removed(
        repo: InMemoryRepository) -> None:
    units_before = count_rows(repo)["unidades"]
    admin.set_unit_active(repo, "admin", "NIC", False, NOW)
    assert count_rows(repo)["unidades"] == units_before
    with pytest.raises(InvalidInput, match="«NIC» no es una unidad activa"):
        create_request(repo, "solicitante", {
            "procedure": 3, "title": "Aviso", "objective": "Informar.", "summary": "Resumen.",
            "publish_from": NOW.date(), "publish_to": NOW.date() + timedelta(days=30)}, NOW)
    admin.set_unit_active(repo, "admin", "NIC", True, NOW)
    assert repo.snapshot().ledger.units["NIC"].active


@pytest.mark.parametrize(("code", "name", "message"), [
    ("UGS", "Otra", "«UGS» ya existe"),
    ("U", "Corta", "de 2 a 12 letras"),
    ("ÑANDÚ", "Acentos", "de 2 a 12 letras"),
    ("NUEVA", " ", "escriba entre 1 y 200"),
])
def test_a_bad_unit_is_refused(repo: InMemoryRepository, code: str, name: str,
                               message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        admin.create_unit(repo, "admin", code, name, NOW)


def test_the_account_view_never_carries_a_password_hash(repo: InMemoryRepository) -> None:
    views = admin.accounts(repo.snapshot().ledger)
    assert views and all("$2b$" not in repr(v) for v in views)
    assert not hasattr(views[0], "password_hash")
