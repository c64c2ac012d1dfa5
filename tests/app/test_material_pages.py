"""The material on the pages (AppTest): what the approver sees before approving, the
composer at a producing stage, versions and what changed, the version to publish, a change
after approval, Auditoría and Salud de datos, and a plan item's draft."""

from __future__ import annotations

import json

import pytest
from support.material_files import image_bytes
from support.material_flow import new_p3_request, state_of, step, to_stage, with_image

from core.adapters.files.local import LocalFileStore, folder_beside
from core.adapters.workbook.repository import WorkbookRepository
from core.domain import materials as rules
from core.domain.models import Network
from core.services import materials, plan
from tests.app.user_session import UserSession
from wiring import local_now

POST = ("Mantenimiento del registro .bo\nEl sábado no hay atención. #dominios @nicbo "
        "https://nic.bo/aviso")


@pytest.fixture
def store(demo_repo: WorkbookRepository) -> LocalFileStore:
    return LocalFileStore(folder_beside(demo_repo.path))


def markdown(session: UserSession) -> str:
    return "\n".join(m.value for m in session.at.markdown)


def captions(session: UserSession) -> str:
    return "\n".join(c.value for c in session.at.caption)


def material_at_7(repo: WorkbookRepository, store: LocalFileStore) -> str:
    now = local_now()
    rid = new_p3_request(repo, now, "Aviso con afiche")
    to_stage(repo, rid, 6, now)
    step(repo, rid, now, draft=with_image(image_bytes("PNG", (600, 400)), text=POST),
         store=store)
    return rid


def test_the_approver_sees_the_post_card_and_the_image_then_approves_that_version(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    rid = material_at_7(demo_repo, store)
    unit = UserSession("solicitante", demo_repo)
    unit.open_request(rid)
    text = markdown(unit)
    assert "**Todas las redes** · vista previa de la publicación" in text
    assert ":blue[**\\#dominios**]" in text and ":blue[https\\:" in text
    assert f"X (Twitter): {rules.x_length(POST)} / 280 caracteres" in captions(unit)
    assert f"Instagram: {len(POST)} / 2.200 caracteres" in captions(unit)
    assert rules.x_length(POST) == len(POST) - len("https://nic.bo/aviso") + 23
    (picture,) = unit.at.get("image")
    assert picture.captions == ["Imagen: afiche.png"]  # type: ignore[attr-defined]
    assert any("Al aprobar, usted aprueba la versión 1" in i.value for i in unit.at.info)
    unit.act("avanzar")
    event = state_of(demo_repo, rid).events[-1]
    assert json.loads(event.data)["material_aprobado"]["version"] == 1


def test_the_producer_writes_the_post_sees_it_counted_and_sends_it_with_the_stage(
        demo_repo: WorkbookRepository) -> None:
    now = local_now()
    rid = new_p3_request(demo_repo, now, "Propuesta escrita en la página")
    state = to_stage(demo_repo, rid, 4, now)
    professional = UserSession("profesional", demo_repo)
    professional.open_request(rid)
    key = f"mat_text_todas_{rid}_{state.seq}"
    professional.at.text_area(key=key).input("x" * 300)
    professional.run()
    assert ":red[**X (Twitter): 300 / 280 caracteres — excede el límite**]" in \
        captions(professional)
    professional.at.text_area(key=f"mat_text_x_{rid}_{state.seq}").input("Corto para X")
    professional.act("avanzar", schedule=None)
    assert professional.successes()[-1].startswith("Acción registrada")
    view = materials.request_material(demo_repo.snapshot().ledger, rid)
    assert view.latest is not None and view.latest.number == 1
    assert {p.network: p.content for p in view.latest.texts()} == {
        Network.ALL: "x" * 300, Network.X: "Corto para X"}


def test_versions_and_what_changed_are_shown_after_a_return(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    now = local_now()
    rid = new_p3_request(demo_repo, now, "Propuesta devuelta")
    to_stage(demo_repo, rid, 4, now)
    step(demo_repo, rid, now, draft=materials.Draft(texts={Network.ALL: "Sin horario"}),
         store=store)
    step(demo_repo, rid, now, outcome="devolver:4", comment="Ponga el horario.")
    step(demo_repo, rid, now, draft=materials.Draft(texts={Network.ALL: "De 8:00 a 12:00"}),
         store=store)
    anyone = UserSession("jefe.ugs", demo_repo)
    anyone.open_request(rid)
    assert any(e.label.startswith("Todas las versiones y qué cambió (2 versiones)")
               for e in anyone.at.expander)
    (diff,) = [c.value for c in anyone.at.code if c.language == "diff"]
    assert "-Sin horario" in diff and "+De 8:00 a 12:00" in diff


def test_the_publisher_is_shown_the_approved_version_to_publish(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    rid = material_at_7(demo_repo, store)
    now = local_now()
    to_stage(demo_repo, rid, 9, now)
    admin = UserSession("admin.rrss", demo_repo)
    admin.open_request(rid)
    assert any(s.value.startswith("Versión aprobada: 1 por Pedro Choque")
               for s in admin.at.success)
    assert any("Publique exactamente esta versión aprobada" in i.value for i in admin.at.info)


def test_a_change_after_approval_on_the_page_sends_the_request_back(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    rid = material_at_7(demo_repo, store)
    state = to_stage(demo_repo, rid, 9, local_now())
    admin = UserSession("admin.rrss", demo_repo)
    admin.open_request(rid)
    assert any(e.label.startswith("Cambiar el material (la solicitud vuelve a la etapa 7")
               for e in admin.at.expander)
    admin.at.text_area(key=f"mat_text_todas_{rid}_{state.seq}").input(POST + " (corregido)")
    admin.at.text_area(key=f"mat_re_comment_{rid}_{state.seq}").input("Faltaba un dato.")
    admin.at.button(key=f"mat_re_send_{rid}_{state.seq}").click()
    admin.run()
    assert state_of(demo_repo, rid).stage == 7
    assert any("vuelve a la etapa 7 para aprobarlo" in s for s in admin.successes())


def test_auditoria_shows_the_approved_version_and_reports_a_changed_file(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    rid = material_at_7(demo_repo, store)
    now = local_now()
    to_stage(demo_repo, rid, 9, now)
    step(demo_repo, rid, now)
    view = materials.request_material(demo_repo.snapshot().ledger, rid)
    assert view.published is not None and view.published.stamp is not None
    auditor = UserSession("jefe.ugs", demo_repo)
    auditor.page("auditoria")
    table = next(d.value for d in auditor.at.dataframe
                 if "SHA-256 de la versión" in d.value.columns)
    row = table[table["Solicitud"] == rid].iloc[0]
    assert row["SHA-256 de la versión"] == view.published.stamp.sha256
    assert row["Versión aprobada"] == 1
    image = view.published.images()[0]
    (store.folder / image.storage_id).write_bytes(b"\x89PNG otro contenido")
    auditor.at.button(key="audit_files").click()
    auditor.run()
    assert any("problema(s) en el material" in e for e in auditor.errors())
    findings = next(d.value for d in auditor.at.dataframe if "Problema" in d.value.columns)
    assert "el contenido del archivo cambió" in findings["Problema"].iloc[0]


def test_salud_de_datos_lists_a_file_no_row_records(
        demo_repo: WorkbookRepository, store: LocalFileStore) -> None:
    data = image_bytes(colour=(9, 9, 9))
    import hashlib

    store.put(data, "suelto.png", "image/png", hashlib.sha256(data).hexdigest())
    health = UserSession("jefe.ugs", demo_repo)
    health.page("salud_datos")
    health.at.button(key="health_orphans").click()
    health.run()
    orphans = next(d.value for d in health.at.dataframe
                   if "Id en el almacén" in d.value.columns)
    assert hashlib.sha256(data).hexdigest() in list(orphans["Id en el almacén"])


def test_the_professional_keeps_draft_material_on_a_plan_item(
        demo_repo: WorkbookRepository) -> None:
    now = local_now()
    item_id = plan.add_item(demo_repo, "profesional", {
        "service": "Sello de tiempo", "type": "2", "start": now.date(),
        "channels": ["Facebook"]}, now)
    professional = UserSession("profesional", demo_repo)
    professional.page("plan_promocion")
    professional.at.selectbox(key="plan_edit_pick").select(item_id)
    professional.run()
    professional.at.text_area(key=f"mat_text_todas_{item_id}_0").input("Borrador #sello")
    professional.at.button(key=f"mat_plan_save_{item_id}_0").click()
    professional.run()
    view = materials.plan_material(demo_repo.snapshot().ledger, item_id)
    assert view.latest is not None and view.latest.texts()[0].content == "Borrador #sello"


def test_the_unit_writes_its_text_when_registering_a_request(
        demo_repo: WorkbookRepository) -> None:
    unit = UserSession("solicitante", demo_repo)
    unit.page("nueva_solicitud")
    unit.at.text_input(key="new_title").input("Aviso con texto propio")
    unit.at.text_area(key="new_objective").input("Avisar")
    unit.at.text_area(key="new_summary").input("Resumen")
    unit.at.text_area(key="mat_text_todas_nueva_0").input("Texto de la unidad #nicbo")
    unit.button("Registrar solicitud").click()
    unit.run()
    unit.landed_on("solicitud")
    rid = unit.at.selectbox(key="request_pick").value
    view = materials.request_material(demo_repo.snapshot().ledger, rid)
    assert view.latest is not None and view.latest.stage == 1
    assert view.latest.texts()[0].content == "Texto de la unidad #nicbo"
