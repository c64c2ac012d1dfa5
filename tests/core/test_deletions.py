"""Deletion orders (manual 6 a): DE orders a publication removed, the administrator confirms."""

from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest
from support.accounts import change_account
from support.fixed import DEMO_NOW, TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab
from core.domain.errors import InvalidInput, NotAllowed, NotFound
from core.domain.models import Status
from core.domain.permissions import Capability
from core.domain.roles import Role
from core.services import audit, deletions
from sheets_schema import default_permissions as default_matrix
from sheets_schema import default_rules
from sheets_schema.demo import USERS
from sheets_schema.tabs import SCHEMA

NOW = DEMO_NOW
LATER = datetime(2026, 11, 30, 11, 30)
DEMO_ORDER = "ELIM-2026-0001"  # the demo's pending order, for the published SOL-2026-0004



@pytest.fixture
def repo(demo_tabs: dict[str, RawTab]) -> InMemoryRepository:
    return InMemoryRepository(demo_tabs, SCHEMA, default_rules(), TEST_SEALER)


def first_direct(repo: InMemoryRepository) -> tuple[str, str]:
    publication = repo.snapshot().ledger.direct_publications[0]
    return publication.publication_id, publication.channel


def order_row(repo: InMemoryRepository, order_id: str) -> dict[str, str]:
    raw = repo.snapshot().tabs["ordenes_eliminacion"]
    for cells in raw.rows:
        row = dict(zip(raw.header, cells + [""] * (len(raw.header) - len(cells)), strict=True))
        if row["id_orden"] == order_id:
            return row
    raise AssertionError(order_id)


def last_event(repo: InMemoryRepository) -> dict[str, object]:
    event = repo.snapshot().ledger.events[-1][1]
    return {"kind": event.kind.value, "subject": event.subject, "seq": event.seq,
            "outcome": event.outcome, "actor": event.actor, "role": event.role,
            "comment": event.comment, "data": event.payload()}


def test_de_orders_a_direct_publication_removed_and_the_order_is_audited(
        repo: InMemoryRepository) -> None:
    publication, channel = first_direct(repo)
    order_id = deletions.order_deletion(repo, "directora", {
        "publication": publication, "reason": "Contiene un dato equivocado.", "via": "nota",
    }, NOW)
    assert order_id == "ELIM-2026-0002"
    assert order_row(repo, order_id) == {
        "id_orden": order_id, "publicacion": publication, "canal": channel,
        "motivo": "Contiene un dato equivocado.", "via": "nota", "ordenada_por": "directora",
        "ordenada_en": "2026-11-30 10:00:00", "confirmada_por": "", "confirmada_en": ""}
    assert last_event(repo) == {
        "kind": "sistema", "subject": order_id, "seq": 1, "outcome": "ordenar_eliminacion",
        "actor": "directora", "role": "de", "comment": "Contiene un dato equivocado.",
        "data": {"publicacion": publication, "tipo": "publicacion_directa", "canal": channel,
                 "via": "nota"}}
    assert audit.report(repo.snapshot().ledger).intact


def test_a_link_to_a_message_the_app_never_recorded_can_be_ordered_removed(
        repo: InMemoryRepository) -> None:
    form = {"publication": "https://facebook.com/adsib/posts/123", "reason": "Mensaje "
            "fuera de la política.", "via": "llamada"}
    with pytest.raises(InvalidInput, match="Red social"):
        deletions.order_deletion(repo, "directora", form, NOW)
    order_id = deletions.order_deletion(repo, "directora", {**form, "channel": "Facebook"}, NOW)
    assert order_row(repo, order_id)["publicacion"] == "https://facebook.com/adsib/posts/123"


@pytest.mark.parametrize(("reference", "message"), [
    ("SOL-2026-0001", "no está publicada"),
    ("SOL-2026-0005", "no está publicada"),  # rejected
    ("algo que no existe", "solicitud publicada, una publicación directa o el enlace"),
    ("javascript:alert(1)", "solicitud publicada, una publicación directa o el enlace"),
    (DEMO_ORDER, "solicitud publicada, una publicación directa"),  # an order is not one
])
def test_only_what_was_published_can_be_ordered_removed(
        repo: InMemoryRepository, reference: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        deletions.order_deletion(repo, "directora", {
            "publication": reference, "channel": "Facebook", "reason": "x", "via": "correo",
        }, NOW)
    assert repo.commits == 0


def test_a_second_order_for_an_item_already_pending_removal_is_refused(
        repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidInput, match=f"ya hay una orden pendiente para ella "
                                           f"\\({DEMO_ORDER}\\)"):
        deletions.order_deletion(repo, "directora", {
            "publication": "SOL-2026-0004", "channel": "Facebook", "reason": "Otra vez.",
            "via": "mensaje"}, NOW)


@pytest.mark.parametrize("via", deletions.VIAS)
def test_the_order_may_come_by_note_email_call_or_message(repo: InMemoryRepository,
                                                          via: str) -> None:
    publication, _ = first_direct(repo)
    order_id = deletions.order_deletion(repo, "directora", {
        "publication": publication, "reason": "Motivo.", "via": via}, NOW)
    assert order_row(repo, order_id)["via"] == via


@pytest.mark.parametrize("form", [
    {"via": "fax", "reason": "x"}, {"via": "nota", "reason": "  "}, {"via": "", "reason": "x"},
])
def test_an_order_needs_a_reason_and_a_way_the_manual_names(repo: InMemoryRepository,
                                                            form: dict[str, str]) -> None:
    publication, _ = first_direct(repo)
    with pytest.raises(InvalidInput):
        deletions.order_deletion(repo, "directora", {"publication": publication, **form}, NOW)
    assert repo.commits == 0


ORDERING = default_matrix().roles(Capability.ORDER_DELETION)


@pytest.mark.parametrize("username", [u for u, _, roles, _ in USERS
                                      if not ORDERING & set(roles)])
def test_every_role_the_matrix_does_not_allow_is_refused_ordering(
        repo: InMemoryRepository, username: str) -> None:
    publication, _ = first_direct(repo)
    with pytest.raises(NotAllowed):
        deletions.order_deletion(repo, username, {
            "publication": publication, "reason": "x", "via": "nota"}, NOW)
    assert repo.commits == 0


def test_the_administrator_confirms_the_removal_and_the_order_closes(
        repo: InMemoryRepository) -> None:
    deletions.confirm_deletion(repo, "admin.rrss", DEMO_ORDER, LATER,
                               note="Eliminada de Facebook a las 11:25.")
    row = order_row(repo, DEMO_ORDER)
    assert (row["confirmada_por"], row["confirmada_en"]) == ("admin.rrss",
                                                             "2026-11-30 11:30:00")
    assert last_event(repo) == {
        "kind": "sistema", "subject": DEMO_ORDER, "seq": 2, "outcome": "confirmar_eliminacion",
        "actor": "admin.rrss", "role": "admin_rrss", "comment": "Eliminada de Facebook a las "
        "11:25.", "data": {"publicacion": "SOL-2026-0004", "canal": "Facebook"}}
    views = deletions.deletion_orders(repo.snapshot().ledger)
    assert [(v.order.order_id, v.pending) for v in views] == [(DEMO_ORDER, False)]
    with pytest.raises(InvalidInput, match=r"ya fue confirmada por admin\.rrss"):
        deletions.confirm_deletion(repo, "admin.rrss", DEMO_ORDER, LATER)
    assert audit.report(repo.snapshot().ledger).intact


@pytest.mark.parametrize("username", [u for u, _, roles, _ in USERS if Role.ADMIN not in roles])
def test_only_the_administrator_confirms_a_removal(repo: InMemoryRepository,
                                                   username: str) -> None:
    with pytest.raises(NotAllowed, match="Administrador Principal"):
        deletions.confirm_deletion(repo, username, DEMO_ORDER, LATER)
    assert order_row(repo, DEMO_ORDER)["confirmada_por"] == ""


def test_confirming_an_unknown_order_says_so(repo: InMemoryRepository) -> None:
    with pytest.raises(NotFound, match="ELIM-2026-0099"):
        deletions.confirm_deletion(repo, "admin.rrss", "ELIM-2026-0099", LATER)


def test_the_role_is_checked_again_on_the_data_being_written(
        demo_tabs: dict[str, RawTab]) -> None:
    """DE was deactivated after the page was read: the order is refused, nothing written."""
    repo = InMemoryRepository(demo_tabs, SCHEMA, default_rules(), TEST_SEALER)
    stale = repo.snapshot()
    meanwhile = InMemoryRepository(copy.deepcopy(demo_tabs), SCHEMA, default_rules(),
                                   TEST_SEALER)
    change_account(meanwhile, "directora", NOW, active=False)
    tabs = dict(meanwhile.snapshot().tabs)

    class StaleView(InMemoryRepository):
        def snapshot(self):  # type: ignore[no-untyped-def]
            return stale

    racing = StaleView(tabs, SCHEMA, default_rules(), TEST_SEALER)
    publication = stale.ledger.direct_publications[0].publication_id
    with pytest.raises(NotAllowed):
        deletions.order_deletion(racing, "directora", {
            "publication": publication, "reason": "x", "via": "nota"}, NOW)
    assert racing.commits == 0


def test_the_choices_are_the_published_requests_and_the_direct_publications(
        repo: InMemoryRepository) -> None:
    ledger = repo.snapshot().ledger
    choices = deletions.publication_choices(ledger)
    published = {rid for rid, s in ledger.states.items() if s.status is Status.PUBLISHED}
    assert {t.reference for t in choices if t.kind == "solicitud"} == published
    assert {t.reference for t in choices if t.kind == "publicacion_directa"} == {
        p.publication_id for p in ledger.direct_publications}
    assert json.dumps([t.reference for t in choices])  # every reference is plain text


def test_the_de_and_the_ugs_head_are_mailed_when_an_order_is_given_and_when_it_is_done(
        repo: InMemoryRepository) -> None:
    from core.domain.models import OutboxMail

    publication, channel = first_direct(repo)
    order_id = deletions.order_deletion(repo, "directora", {
        "publication": publication, "channel": channel, "via": "llamada",
        "reason": "Dato equivocado."}, NOW)

    def mails(words: str) -> list[OutboxMail]:
        return [m for m in repo.snapshot().ledger.all(OutboxMail) if words in m.subject]

    given = mails(f"Orden de eliminación {order_id}:")
    assert sorted(m.to.split("@")[0] for m in given) == ["admin.rrss", "directora", "jefe.ugs"]
    assert "Motivo: Dato equivocado." in given[0].body and "Vía: Llamada" in given[0].body
    deletions.confirm_deletion(repo, "admin.rrss", order_id, NOW, note="Eliminada.")
    done = mails(f"Orden de eliminación {order_id} cumplida")
    assert sorted(m.to.split("@")[0] for m in done) == ["directora", "jefe.ugs"]
