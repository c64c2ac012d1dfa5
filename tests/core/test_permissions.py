"""The permission matrix (core.permissions, sheets_schema/permissions.csv): it loads as the
manual says, broken edits of it are refused naming row and column, and — generated from the
matrix itself, not hand-listed — every service that enforces a capability refuses every role
the matrix leaves out, and lets through a role it names.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from core_helpers import NOW, rows_to_cells
from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange, RawTab
from core.domain.errors import InvalidDefinition, NotAllowed
from core.domain.models import DirectPublication, PublicationType, Status, User
from core.domain.permissions import (
    Capability,
    PermissionMatrix,
    Scope,
    grant_capability,
    load_permissions,
)
from core.domain.procedures import load_procedures
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import Exit
from core.services import administration as admin
from core.services import audit, intake, notifications, plan, service_logs, statistics
from core.services import procedure_versions as procedure_admin
from core.services.dashboard import DashboardFilter, deadline_dashboard
from core.services.deletions import confirm_deletion, order_deletion
from core.services.direct_publications import approve_promotion, record_direct_publication
from core.services.requests import act, close_request, create_request
from sheets_schema import PERMISSIONS_CSV, PROCEDURES_CSV, procedure_rows, rules_for
from sheets_schema import default_permissions as default_matrix
from sheets_schema.demo import DEMO_PASSWORD, demo_user, seeded_tabs, seeding
from sheets_schema.tabs import SCHEMA
from ui.navigation import PAGE_ROLES

MATRIX = default_matrix()
UNIT = "NIC"


def shipped_rows() -> list[dict[str, str]]:
    with PERMISSIONS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def refusal(rows: list[dict[str, str]]) -> str:
    with pytest.raises(InvalidDefinition) as caught:
        load_permissions(rows)
    return str(caught.value)


def edited(capability: str, **cells: str) -> list[dict[str, str]]:
    rows = shipped_rows()
    next(r for r in rows if r["permiso"] == capability).update(cells)
    return rows


# -- the shipped matrix ------------------------------------------------------------------------


def test_the_matrix_gives_section_five_to_the_administrator_editor_and_moderator() -> None:
    """5 b–d: all three answer and delete comments, create ads, see statistics and who
    created a post; the administrator and the editor publish, the moderator does not."""
    team = {Role.ADMIN, Role.EDITOR, Role.MODERATOR}
    for capability in ("enviar_mensajes", "responder_comentarios", "eliminar_comentarios",
                       "crear_anuncios", "ver_autor"):
        assert MATRIX.roles(capability) == team, capability
    assert MATRIX.roles("publicar") == {Role.ADMIN, Role.EDITOR}
    assert team <= MATRIX.roles("ver_estadisticas")
    assert MATRIX.roles("publicar_tipos_4_a_7") == {Role.ADMIN, Role.EDITOR}  # 5 c


def test_the_manual_names_who_names_whom() -> None:
    """6 c: the UGS head names the administrator, editors and moderators; 6 b: DE names the
    Committee; the system administrator grants neither the DE nor the Committee role."""
    for role in (Role.ADMIN, Role.EDITOR, Role.MODERATOR):
        assert MATRIX.roles(grant_capability(role)) == {Role.UGS_HEAD}
    assert MATRIX.roles(grant_capability(Role.COMMITTEE)) == {Role.DE}
    for role in (Role.DE, Role.COMMITTEE):
        assert Role.SYSADMIN not in MATRIX.roles(grant_capability(role))
    assert MATRIX.row(grant_capability(Role.DE)).vacancy_roles == (Role.SYSADMIN,)
    assert MATRIX.row(grant_capability(Role.COMMITTEE)).vacancy_roles == ()


def test_every_row_cites_the_manual_or_is_marked_as_an_interpretation() -> None:
    for row in MATRIX.rows:
        cites = any(ch.isdigit() for ch in row.clause)
        assert cites or row.interpretation, row.capability


def test_the_statistics_page_is_shown_to_exactly_the_roles_that_see_statistics() -> None:
    assert PAGE_ROLES["tablero"] == MATRIX.roles(Capability.SEE_STATISTICS)


def test_a_refusal_names_who_may_and_the_manual_clause() -> None:
    moderator = _user(Role.MODERATOR)
    with pytest.raises(NotAllowed) as refused:
        MATRIX.require(moderator, Capability.PUBLISH)
    assert refused.value.message == (
        "Solo el Administrador Principal de RRSS o el Editor de RRSS puede publicar en nombre "
        "de la ADSIB (la etapa final de los procedimientos 1 a 3) (manual, 5 b), 5 c); 12.1 "
        "etapa 8, 12.2 etapa 7, 12.3 etapa 9); su usuario no tiene ese permiso.")


def test_a_deactivated_user_holds_no_capability() -> None:
    admin_user = _user(Role.ADMIN)
    assert MATRIX.can(admin_user, Capability.PUBLISH)
    assert not MATRIX.can(admin_user.model_copy(update={"active": False}), Capability.PUBLISH)


def test_acting_as_narrows_the_check_to_one_role() -> None:
    both = _user(Role.MODERATOR).model_copy(update={"roles": (Role.MODERATOR, Role.EDITOR)})
    assert MATRIX.can(both, Capability.PUBLISH)
    assert not MATRIX.can(both, Capability.PUBLISH, acting_as=Role.MODERATOR)
    assert MATRIX.can(both, Capability.PUBLISH, acting_as=Role.EDITOR)
    assert not MATRIX.can(both, Capability.PUBLISH, acting_as=Role.ADMIN)  # a role they lack


# -- broken matrices -------------------------------------------------------------------------

BROKEN = {
    "unknown role": (lambda: edited("publicar", roles="admin_rrss, editora"), "fila 2",
                     "roles", "rol desconocido «editora»"),
    "no role": (lambda: edited("crear_anuncios", roles=" "), "fila 7", "roles",
                "al menos un rol"),
    "repeated capability": (lambda: edited("crear_anuncios", permiso="publicar"), "fila 7",
                            "permiso", "ya está en la fila 2"),
    "unknown capability in the app": (
        lambda: edited("crear_anuncios", permiso="crear_encuestas", ambito="aplicacion"),
        "fila 7", "permiso",
        "la aplicación no conoce «crear_encuestas»"),
    "a vacancy on a capability that grants no role": (
        lambda: edited("publicar", roles_si_vacante="sistema"), "fila 2", "roles_si_vacante",
        "solo los permisos «asignar_rol_…»"),
    "unknown scope": (lambda: edited("publicar", ambito="intranet"), "fila 2", "ambito",
                      "valor no permitido"),
    "missing clause": (lambda: edited("publicar", clausula=""), "fila 2", "clausula",
                       "no puede estar vacío"),
}


@pytest.mark.parametrize(("make", "row", "column", "reason"), BROKEN.values(), ids=BROKEN)
def test_a_broken_matrix_is_refused_naming_the_row_and_the_column(
    make: Callable[[], list[dict[str, str]]], row: str, column: str, reason: str
) -> None:
    message = refusal(make())
    assert message.startswith(f"Tabla de permisos, {row}, columna «{column}»")
    assert reason in message


def test_a_matrix_without_a_capability_the_code_enforces_is_refused() -> None:
    rows = [r for r in shipped_rows() if r["permiso"] != "asignar_rol_comite"]
    assert refusal(rows) == "Tabla de permisos: falta el permiso «asignar_rol_comite»."


def test_a_documentation_only_capability_may_be_added_for_the_social_network() -> None:
    rows = [*shipped_rows(), {"permiso": "transmitir_en_vivo", "descripcion": "Transmitir",
                              "roles": "admin_rrss", "ambito": "red_social", "clausula": "—",
                              "interpretacion": "Solo se documenta."}]
    assert isinstance(load_permissions(rows), PermissionMatrix)


# -- enforcement, generated from the matrix --------------------------------------------------


def _user(role: Role) -> User:
    return User(username=f"actor.{role.value}", full_name=f"Actor {role.label}",
                roles=(role,), unit=UNIT, created_at=NOW - timedelta(days=30))


TARGET = "destino"


@pytest.fixture(scope="module")
def one_user_per_role() -> dict[str, RawTab]:
    """An «actor.<role>» per role, all in NIC, plus the account the grant probes change."""
    users = [demo_user(f"actor.{r.value}", f"Actor {r.label}", (r,), UNIT, DEMO_PASSWORD,
                      NOW - timedelta(days=30)) for r in Role]
    # Stage people for walking procedure 2, each with a single role.
    users += [demo_user(name, name, (role,), unit, DEMO_PASSWORD, NOW - timedelta(days=30))
              for name, role, unit in [("w.prof", Role.PROFESSIONAL, "UGS"),
                                       ("w.ugs", Role.UGS_HEAD, "UGS"),
                                       ("w.de", Role.DE, "DE"),
                                       ("w.jefe", Role.UNIT_HEAD, UNIT)]]
    return seeded_tabs(users, NOW - timedelta(days=30), TEST_SEALER)


def fresh(tabs: dict[str, RawTab], target_roles: tuple[Role, ...] = (Role.REQUESTER,)
          ) -> InMemoryRepository:
    rules = rules_for(load_procedures(procedure_rows()))
    repo = InMemoryRepository(tabs, SCHEMA, rules, TEST_SEALER)
    repo.commit(seeding([demo_user(TARGET, "Cuenta de destino", target_roles, UNIT,
                                   DEMO_PASSWORD, NOW)], NOW))
    return repo


def publish_probe(tabs: dict[str, RawTab], role: Role) -> Callable[[], object]:
    """Procedure 2 with its last stage (7) given to ``role``, walked up to that stage."""
    rows = procedure_rows()
    for row in rows:
        if (row["procedimiento"], row["etapa"]) == ("2", "7"):
            row["responsable"] = role.value
    changed = {name: RawTab(raw.name, raw.header, list(raw.rows)) for name, raw in tabs.items()}
    changed["procedimientos"] = RawTab("procedimientos", tabs["procedimientos"].header,
                                       rows_to_cells("procedimientos", rows))
    repo = fresh(changed)
    rid = create_request(repo, "w.prof", {
        "procedure": 2, "title": "Tarjetas", "objective": "Informar.", "summary": "Resumen.",
        "unit": UNIT, "publish_from": NOW.date(), "publish_to": NOW.date() + timedelta(days=40),
        "schedule": {4: NOW.date() + timedelta(days=5)}}, NOW)
    for username in ("w.ugs", "w.de", "w.prof", "w.ugs", "w.jefe"):
        state = repo.snapshot().ledger.state(rid)
        assert state is not None
        act(repo, username, rid, "avanzar", expected_seq=state.seq, now=NOW)
    state = repo.snapshot().ledger.state(rid)
    assert state is not None and state.stage == 7

    def probe() -> object:
        after = act(repo, f"actor.{role.value}", rid, "avanzar", expected_seq=state.seq,
                    now=NOW)
        assert after.status is Status.PUBLISHED
        return after

    return probe


def _probe(capability: str, tabs: dict[str, RawTab], role: Role) -> Callable[[], object]:
    actor = f"actor.{role.value}"
    if capability == Capability.PUBLISH:
        return publish_probe(tabs, role)
    if capability.startswith("asignar_rol_"):
        granted = Role(capability.removeprefix("asignar_rol_"))
        start = (Role.UNIT_HEAD,) if granted is Role.REQUESTER else (Role.REQUESTER,)
        repo = fresh(tabs, start)
        return lambda: admin.set_roles(repo, actor, TARGET, (*start, granted), NOW)
    repo = fresh(tabs)
    probes: dict[str, Callable[[], object]] = {
        Capability.PUBLISH_DIRECT: lambda: record_direct_publication(repo, actor, {
            "type": "4", "title": "Fotos", "channel": "Facebook",
            "published_at": NOW - timedelta(hours=1)}, NOW),
        Capability.ANSWER_COMMENTS: lambda: service_logs.record_question(repo, actor, {
            "received_at": NOW - timedelta(minutes=20), "channel": "Facebook",
            "summary": "¿Horario?", "answered_at": NOW - timedelta(minutes=10),
            "mode": "publica"}, NOW),
        Capability.CREATE_ACCOUNTS: lambda: admin.create_user(repo, actor, {
            "username": "nueva.cuenta", "full_name": "Nueva", "unit": UNIT,
            "roles": admin.grantable_roles(repo.snapshot().ledger,
                                           repo.snapshot().ledger.users[actor])[:1]
            or [Role.REQUESTER]}, NOW),
        Capability.MANAGE_ACCOUNTS: lambda: admin.reset_password(repo, actor, TARGET, NOW),
        Capability.MANAGE_UNITS: lambda: admin.create_unit(repo, actor, "NUEVA", "Nueva", NOW),
        Capability.MANAGE_PROCEDURES: lambda: procedure_admin.start_draft(repo, actor, 3, NOW),
        Capability.SEE_STATISTICS: lambda: deadline_dashboard(
            repo.snapshot().ledger, actor, WorkCalendar.for_bolivia(), NOW.date(),
            DashboardFilter(NOW.date() - timedelta(days=30), NOW.date())),
        Capability.ORDER_DELETION: lambda: order_deletion(repo, actor, {
            "publication": "https://www.facebook.com/adsib/posts/1", "channel": "Facebook",
            "via": "correo", "reason": "Información desactualizada."}, NOW),
        Capability.KEEP_PLAN: lambda: plan.add_item(repo, actor, {
            "service": "Firma digital", "channels": "Facebook", "type": "4",
            "start": NOW.date() + timedelta(days=3)}, NOW),
        Capability.OPEN_CRISIS: lambda: service_logs.open_incident(repo, actor, {
            "description": "Publicación falsa.", "leader": "w.ugs",
            "opened_at": NOW - timedelta(minutes=5)}, NOW),
        Capability.RECORD_DAYS_OFF: lambda: admin.add_day_off(
            repo, actor, NOW.date() + timedelta(days=2), "Aniversario", NOW),
        Capability.MANAGE_OUTBOX: lambda: notifications.retry_now(repo, actor, NoMail(), NOW),
        Capability.TAKE_INTAKE: lambda: intake.take_rows(repo, actor, NOW),
    }
    if capability == Capability.LEAD_CRISIS:
        crisis = service_logs.open_incident(repo, "w.ugs", {
            "description": "Publicación falsa.", "leader": "w.ugs",
            "opened_at": NOW - timedelta(minutes=5)}, NOW)
        return lambda: service_logs.update_incident(repo, actor, crisis, staff="",
                                                    actions="Comunicado.", now=NOW)
    if capability == Capability.RECORD_STATISTICS:
        shown = DirectPublication(
            publication_id="PUB-STATS", type=PublicationType.VIDEO, title="Vídeo",
            channel="YouTube", published_at=NOW - timedelta(hours=2), recorded_by="admin.rrss")
        repo.commit(RawChange().append_cells("publicaciones_directas",
                                             SCHEMA.of(DirectPublication).cells(shown)))
        return lambda: statistics.record_stats(repo, actor, {
            "publication": "PUB-STATS", "channel": "YouTube", "reach": 120,
            "measured_on": NOW.date()}, NOW)
    if capability == Capability.APPROVE_PROMOTION:
        boosted = DirectPublication(
            publication_id="PUB-PROMO", type=PublicationType.VIDEO, title="Vídeo",
            channel="Facebook", published_at=NOW - timedelta(hours=2),
            recorded_by="admin.rrss", promotion_bs=300)
        repo.commit(RawChange().append_cells("publicaciones_directas",
                                             SCHEMA.of(DirectPublication).cells(boosted)))
        return lambda: approve_promotion(repo, actor, "PUB-PROMO", NOW)
    if capability == Capability.APPROVE_PROCEDURES:
        procedure_admin.start_draft(repo, "w.ugs", 3, NOW)
        procedure_admin.submit_draft(repo, "w.ugs", 3, NOW, description="Revisión")
        return lambda: procedure_admin.approve_draft(repo, actor, 3, NOW, resolution="RA 1")
    if capability in (Capability.WITHDRAW, Capability.CANCEL):
        # A promotion the DE asked for (actor.de): the requester withdraws, the reason
        # comes with a cancellation.
        rid = create_request(repo, "actor.de", promotion(), NOW)
        exit = Exit.WITHDRAW if capability == Capability.WITHDRAW else Exit.CANCEL
        return lambda: close_request(repo, actor, rid, exit, comment="Ya no corresponde.",
                                     expected_seq=1, now=NOW)
    if capability == Capability.RECORD_ON_BEHALF:
        return lambda: create_request(repo, actor, promotion(), NOW, on_behalf_of="w.de",
                                      route="llamada")
    if capability == Capability.CONFIRM_DELETION:
        order = order_deletion(repo, "w.de", {
            "publication": "https://www.facebook.com/adsib/posts/1", "channel": "Facebook",
            "via": "correo", "reason": "Información desactualizada."}, NOW)
        return lambda: confirm_deletion(repo, actor, order, NOW)
    if capability == Capability.ACKNOWLEDGE_AUDIT:
        admin.create_unit(repo, "actor.sistema", "NUEVA", "Nueva", NOW)
        events = repo.snapshot().tabs["eventos"]
        cells = events.rows[-1]
        comment = events.header.index("comentario")
        repo.commit(RawChange().update_row("eventos", len(events.rows) + 1, cells,
                                           {"comentario": cells[comment] + " (editado)"}))
        keys = [f.key for f in audit.report(repo.snapshot().ledger).pending]
        return lambda: audit.acknowledge(repo, actor, "Revisado.", keys, NOW)
    return probes[capability]


def promotion() -> dict[str, object]:
    return {"procedure": 1, "title": "Promoción", "objective": "Promover.",
            "summary": "Resumen.", "unit": UNIT, "publish_from": NOW.date(),
            "publish_to": NOW.date() + timedelta(days=40)}


class NoMail:
    """A mailer with nothing to say: the outbox probe needs one to get past the check."""

    def describe(self) -> str:
        return "prueba"

    @contextlib.contextmanager
    def session(self) -> Iterator[object]:
        yield self


ENFORCED = [row.capability for row in MATRIX.rows
            if row.scope is Scope.APP]
REFUSED = [(row.capability, role) for row in MATRIX.rows if row.capability in ENFORCED
           for role in Role if role not in row.roles and role not in row.vacancy_roles]
ALLOWED = [(row.capability, row.roles[0]) for row in MATRIX.rows
           if row.capability in ENFORCED]


def test_every_capability_exercised_in_the_app_has_its_service_probe_or_is_pending(
        one_user_per_role: dict[str, RawTab]) -> None:
    assert ENFORCED and len(REFUSED) > 100
    for capability in ENFORCED:
        assert _probe(capability, one_user_per_role, MATRIX.row(capability).roles[0])


@pytest.mark.parametrize(("capability", "role"), REFUSED,
                         ids=[f"{c}-{r.value}" for c, r in REFUSED])
def test_the_service_refuses_every_role_the_matrix_leaves_out(
        one_user_per_role: dict[str, RawTab], capability: str, role: Role) -> None:
    probe = _probe(capability, one_user_per_role, role)
    with pytest.raises(NotAllowed):
        probe()


@pytest.mark.parametrize(("capability", "role"), ALLOWED,
                         ids=[f"{c}-{r.value}" for c, r in ALLOWED])
def test_the_service_lets_through_a_role_the_matrix_names(
        one_user_per_role: dict[str, RawTab], capability: str, role: Role) -> None:
    _probe(capability, one_user_per_role, role)()


def test_the_shipped_procedure_csv_is_the_seed_of_the_tab() -> None:
    with PROCEDURES_CSV.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(procedure_rows()) == 24
