"""The material's use cases through the in-memory ledger and file store: attach, return and
replace, approve (pin), change after approval (sent back), publish the pinned version; the
plan's draft and the intake's links; nothing half-recorded when a store or the ledger
refuses; the audit of stored files."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from core_helpers import NOW
from support.material_files import (
    HTML_AS_PNG,
    SVG_WITH_SCRIPT,
    image_bytes,
    pdf_bytes,
    png_bomb,
    two_hundred_megabytes,
)
from support.material_flow import (
    new_p3_request,
    post,
    stamps,
    state_of,
    step,
    to_stage,
    with_image,
)

from core.adapters.files.memory import MemoryFileStore
from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange
from core.domain import materials as rules
from core.domain.errors import ConcurrentChange, FileStoreError, InvalidInput, NotAllowed
from core.domain.models import Material, MaterialKind, Network, PlanStatus
from core.services import intake, materials, plan
from core.services.requests import act


@pytest.fixture
def store() -> MemoryFileStore:
    return MemoryFileStore()


def rows(repo: InMemoryRepository) -> list[Material]:
    return repo.snapshot().ledger.all(Material)


# -- attach, return and replace, approve, publish ------------------------------------------


def test_material_sent_with_the_stage_is_recorded_and_its_event_carries_the_hash(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    picture = image_bytes("PNG", (800, 600))
    step(repo, rid, NOW, draft=with_image(picture), store=store)
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert [v.number for v in view.versions] == [1]
    version = view.versions[0]
    assert version.intact and version.stage == 6 and version.submitted_by == "profesional"
    image = version.images()[0]
    assert store.get(image.storage_id) == picture
    assert image.sha256 == hashlib.sha256(picture).hexdigest()
    event = state_of(repo, rid).events[-1]
    assert json.loads(event.data)["material"] == {
        "version": 1, "sha256": rules.version_hash(version.pieces), "piezas": 2}
    assert state_of(repo, rid).stage == 7


def test_a_return_asks_for_new_material_and_the_previous_version_stays_visible(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 4, NOW)
    step(repo, rid, NOW, draft=post("Propuesta: el sábado\nno hay atención"), store=store)
    step(repo, rid, NOW, outcome="devolver:4", comment="Diga el horario exacto.")
    assert state_of(repo, rid).stage == 4
    step(repo, rid, NOW, draft=post("Propuesta: el sábado\nno hay atención de 8:00 a 12:00"),
         store=store)
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert [v.number for v in view.versions] == [1, 2]
    change = materials.diff(view.versions[0], view.versions[1])
    assert [t.network for t in change.texts] == [Network.ALL]
    assert "+no hay atención de 8:00 a 12:00" in change.texts[0].unified()
    assert "-no hay atención" in change.texts[0].unified()


def test_the_same_material_again_makes_no_new_version(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 4, NOW)
    step(repo, rid, NOW, draft=post("Igual"), store=store)
    step(repo, rid, NOW, outcome="devolver:4", comment="Revise")
    step(repo, rid, NOW, draft=post("Igual"), store=store)
    assert [v.number for v in materials.request_material(repo.snapshot().ledger,
                                                         rid).versions] == [1]


def test_approval_pins_the_version_and_publishing_records_it(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=with_image(image_bytes()), store=store)
    latest = stamps(repo, rid).latest
    step(repo, rid, NOW)  # stage 7: the unit approves what it sees
    assert stamps(repo, rid).pinned == rules.VersionStamp(latest.version, latest.sha256)
    to_stage(repo, rid, 9, NOW)
    step(repo, rid, NOW)
    final = stamps(repo, rid)
    assert final.published is not None
    assert final.published.stamp == rules.VersionStamp(latest.version, latest.sha256)
    assert materials.approved_publications(repo.snapshot().ledger)[0].approved_by == \
        "solicitante"


def test_material_changed_after_approval_goes_back_for_approval(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=with_image(image_bytes(), text="Sábado cerrado"), store=store)
    to_stage(repo, rid, 9, NOW)
    state = state_of(repo, rid)
    first = materials.request_material(repo.snapshot().ledger, rid).latest
    assert first is not None
    keep = [p.material_id for p in first.files()]
    after = materials.change_after_approval(
        repo, "admin.rrss", rid, materials.Submission(materials.Draft(
            texts={Network.ALL: "Sábado cerrado de 8:00 a 12:00"}, keep=keep), store),
        comment="Faltaba el horario.", expected_seq=state.seq, now=NOW)
    assert after.stage == 7
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert [v.number for v in view.versions] == [1, 2] and view.changed_since_approval
    assert view.versions[1].files()[0].storage_id == first.files()[0].storage_id  # kept
    with pytest.raises(NotAllowed):  # back at the unit's stage: the admin cannot publish
        act(repo, "admin.rrss", rid, "avanzar", expected_seq=after.seq, now=NOW)
    step(repo, rid, NOW)  # 7: approved again
    to_stage(repo, rid, 9, NOW)
    step(repo, rid, NOW)
    assert stamps(repo, rid).published is not None
    assert stamps(repo, rid).published.stamp.version == 2  # type: ignore[union-attr]


def test_someone_not_at_the_stage_cannot_change_approved_material(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=post(), store=store)
    to_stage(repo, rid, 8, NOW)
    state = state_of(repo, rid)
    with pytest.raises(NotAllowed):
        materials.change_after_approval(
            repo, "directora", rid, materials.Submission(post("otro"), store), comment="x",
            expected_seq=state.seq, now=NOW)
    assert len(store.files) == 0


def test_promotion_pins_the_proposal_then_the_material(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    from core.services.requests import create_request

    rid = create_request(repo, "directora", {
        "procedure": 1, "title": "Campaña .bo", "objective": "Vender dominios",
        "summary": "Promoción pagada", "unit": "NIC", "publish_from": NOW.date(),
        "publish_to": NOW.date() + timedelta(days=60)}, NOW)
    actors = {2: "jefe.ugs", 3: "profesional", 4: "jefe.ugs", 5: "jefe.nic", 6: "disenio",
              7: "jefe.ugs", 8: "admin.rrss"}

    def go(draft: materials.Draft | None = None) -> None:
        state = state_of(repo, rid)
        assert state.stage is not None
        schedule = {n: NOW.date() + timedelta(days=n) for n in
                    state.procedure.scheduled_stages()} if state.stage == 3 else None
        act(repo, actors[state.stage], rid, "avanzar", expected_seq=state.seq, now=NOW,
            schedule=schedule,
            material=materials.Submission(draft, store) if draft else None)

    go()
    go(post("Propuesta de campaña"))
    go()
    go()
    assert stamps(repo, rid).pinned.version == 1  # type: ignore[union-attr]
    go(with_image(image_bytes(), text="Campaña final"))
    go()
    assert stamps(repo, rid).pinned.version == 2  # type: ignore[union-attr]
    go()
    assert stamps(repo, rid).published.stamp.version == 2  # type: ignore[union-attr]


# -- bad input and nothing half-recorded ----------------------------------------------------


@pytest.mark.parametrize("name, data, reason", [
    ("foto.png", HTML_AS_PNG, "página web"),
    ("logo.svg", SVG_WITH_SCRIPT, "SVG"),
    ("enorme.png", two_hundred_megabytes(), "25,0 MB"),
    ("bomba.png", png_bomb(), "megapíxeles"),
])
def test_hostile_files_are_refused_and_nothing_is_stored_or_recorded(
        repo: InMemoryRepository, store: MemoryFileStore, name: str, data: bytes,
        reason: str) -> None:
    rid = new_p3_request(repo, NOW)
    before = to_stage(repo, rid, 6, NOW)
    draft = materials.Draft(uploads=[materials.Upload(name, data)])
    with pytest.raises(InvalidInput, match=reason):
        step(repo, rid, NOW, draft=draft, store=store)
    assert store.files == {} and rows(repo) == []
    assert state_of(repo, rid).seq == before.seq


def test_the_per_request_limit_counts_every_file_of_the_version(
        repo: InMemoryRepository, store: MemoryFileStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "MAX_VERSION_BYTES", 1000)
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    draft = materials.Draft(uploads=[materials.Upload("a.pdf", pdf_bytes("a" * 600)),
                                     materials.Upload("b.pdf", pdf_bytes("b" * 600))])
    with pytest.raises(InvalidInput, match="límite por solicitud"):
        step(repo, rid, NOW, draft=draft, store=store)
    assert store.files == {}


def test_a_full_store_records_nothing_and_removes_what_it_had_stored(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    before = to_stage(repo, rid, 6, NOW)
    store.fail_puts = 1
    draft = materials.Draft(uploads=[materials.Upload("a.png", image_bytes()),
                                     materials.Upload("b.pdf", pdf_bytes())])
    with pytest.raises(FileStoreError, match="lleno"):
        step(repo, rid, NOW, draft=draft, store=store)
    assert store.files == {} and rows(repo) == [] and state_of(repo, rid).seq == before.seq


def test_a_change_the_ledger_refuses_leaves_no_file_behind(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    seen = to_stage(repo, rid, 6, NOW)
    ledger = repo.snapshot().ledger

    class Stale:  # the page was read before someone else acted: the guard refuses
        def snapshot(self) -> object:
            return type("S", (), {"ledger": ledger})()

        def commit(self, change: object) -> object:
            act(repo, "disenio", rid, "avanzar", expected_seq=seen.seq, now=NOW)
            return repo.commit(change)  # type: ignore[arg-type]

    with pytest.raises(ConcurrentChange):
        act(Stale(), "profesional", rid, "avanzar", expected_seq=seen.seq,  # type: ignore[arg-type]
            now=NOW, material=materials.Submission(with_image(image_bytes()), store))
    assert store.files == {} and rows(repo) == []


def test_when_cleanup_fails_the_message_says_so_and_the_orphan_is_listed(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    store.fail_puts, store.fail_deletes = 1, True
    draft = materials.Draft(uploads=[materials.Upload("a.png", image_bytes()),
                                     materials.Upload("b.pdf", pdf_bytes())])
    with pytest.raises(FileStoreError, match="huérfanos en «Salud de datos»"):
        step(repo, rid, NOW, draft=draft, store=store)
    assert materials.orphans(repo.snapshot().ledger, store) == list(store.files)


def test_material_is_refused_where_the_stage_produces_none(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 3, NOW)
    with pytest.raises(InvalidInput, match="no produce material"):
        step(repo, rid, NOW, draft=post(), store=store)
    assert store.files == {}


# -- the plan's draft and the intake's links ------------------------------------------------


def test_a_plan_items_draft_travels_into_the_request_it_becomes(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    item_id = plan.add_item(repo, "profesional", {
        "service": "Firma digital", "type": "2", "start": NOW.date() + timedelta(days=10),
        "channels": ["Facebook"]}, NOW)
    number = materials.attach_to_plan(
        repo, "profesional", item_id, materials.Submission(with_image(image_bytes()), store),
        NOW)
    assert number == 1
    with pytest.raises(NotAllowed):
        materials.attach_to_plan(repo, "disenio", item_id,
                                 materials.Submission(post(), store), NOW)
    draft_view = materials.plan_material(repo.snapshot().ledger, item_id)
    rid = plan.convert_to_request(repo, "profesional", item_id, {
        "unit": "NIC", "schedule": {4: NOW.date() + timedelta(days=5)}}, NOW)
    ledger = repo.snapshot().ledger
    view = materials.request_material(ledger, rid)
    assert [v.number for v in view.versions] == [1]
    assert view.versions[0].intact and view.versions[0].stage == 1
    assert view.latest.stamp.sha256 == draft_view.latest.stamp.sha256  # type: ignore[union-attr]
    assert {p.storage_id for p in view.latest.pieces} == \
        {p.storage_id for p in draft_view.latest.pieces}  # type: ignore[union-attr]
    assert next(i for i in plan.plan_items(ledger)).status is PlanStatus.REQUESTED


def intake_row(repo: InMemoryRepository, **cells: str) -> None:
    base = {"usuario": "solicitante", "titulo": "Aviso", "objetivo": "Avisar",
            "resumen": "Resumen", "marca_temporal": "2026-03-10 08:00:00"}
    repo.commit(RawChange().append_cells("ingreso", base | cells))


def test_the_intakes_file_links_become_the_requests_material(
        repo: InMemoryRepository) -> None:
    links = ("https://drive.google.com/file/d/1AbC/view\n"
             "https://drive.google.com/file/d/2DeF/view")
    intake_row(repo, archivos=links)
    report = intake.process(repo, NOW)
    (_, rid), = report.registered
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert [p.content for p in view.latest.links()] == links.split("\n")  # type: ignore[union-attr]
    assert {p.kind for p in view.latest.pieces} == {MaterialKind.LINK}  # type: ignore[union-attr]
    assert view.latest.intact  # type: ignore[union-attr]


def test_a_bad_link_in_the_intake_keeps_the_row_waiting_with_the_reason(
        repo: InMemoryRepository) -> None:
    intake_row(repo, archivos="javascript:alert(1)")
    report = intake.process(repo, NOW)
    assert report.registered == []
    (_, problem), = report.waiting
    assert problem.startswith("«archivos»: «javascript:alert(1)» no es un enlace web")


# -- the audit ------------------------------------------------------------------------------


def test_a_file_whose_bytes_changed_is_reported_and_not_served(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=with_image(image_bytes()), store=store)
    assert materials.verify_files(repo.snapshot().ledger, store).intact
    piece = materials.request_material(repo.snapshot().ledger, rid).latest.images()[0]  # type: ignore[union-attr]
    store.files[piece.storage_id] = image_bytes(colour=(0, 0, 0))
    audit = materials.verify_files(repo.snapshot().ledger, store)
    (finding,) = audit.findings
    assert finding.subject == rid and finding.name == piece.name
    assert "contenido del archivo cambió" in finding.problem
    assert finding.sha256_recorded == piece.sha256
    with pytest.raises(FileStoreError, match="cambió después de registrado"):
        materials.read_file(store, piece)


def test_a_material_row_edited_in_the_sheet_is_reported(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    rid = new_p3_request(repo, NOW)
    to_stage(repo, rid, 6, NOW)
    step(repo, rid, NOW, draft=post("Texto aprobado"), store=store)
    raw = repo.snapshot().tabs["materiales"]
    column = raw.header.index("contenido")
    cells = list(raw.rows[0])
    assert cells[column] == "Texto aprobado"
    repo.commit(RawChange().update_row("materiales", 2, cells, {"contenido": "Texto cambiado"}))
    findings = materials.verify_files(repo.snapshot().ledger, store).findings
    assert any("texto o enlace de la fila fue modificado" in f.problem for f in findings)


# -- registration with material (stage 1 of procedures 2 and 3) ---------------------------


def _form(procedure: int = 3) -> dict[str, object]:
    return {"procedure": procedure, "title": "Aviso", "objective": "Avisar",
            "summary": "Resumen", "unit": "NIC", "publish_from": NOW.date(),
            "publish_to": NOW.date() + timedelta(days=30)}


def test_the_unit_sends_its_text_and_photos_with_the_request(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    from core.services.requests import create_request

    rid = create_request(repo, "solicitante", _form(), NOW, material=materials.Submission(
        with_image(image_bytes(), text="Foto del evento #nic"), store))
    view = materials.request_material(repo.snapshot().ledger, rid)
    assert [v.number for v in view.versions] == [1]
    assert view.latest is not None and view.latest.intact and view.latest.stage == 1
    assert store.get(view.latest.images()[0].storage_id) == image_bytes()
    assert json.loads(state_of(repo, rid).events[0].data)["material"]["version"] == 1


def test_a_hostile_photo_at_registration_registers_nothing(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    from core.services.requests import create_request

    with pytest.raises(InvalidInput, match="página web"):
        create_request(repo, "solicitante", _form(), NOW, material=materials.Submission(
            materials.Draft(uploads=[materials.Upload("foto.png", HTML_AS_PNG)]), store))
    assert repo.snapshot().ledger.requests == {} and store.files == {}


def test_a_registration_the_ledger_refuses_leaves_no_file(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    from core.services.requests import create_request

    with pytest.raises(NotAllowed):  # the DE does not start procedure 3
        create_request(repo, "directora", _form(), NOW, material=materials.Submission(
            with_image(image_bytes()), store))
    assert store.files == {}


def test_material_is_refused_where_stage_1_produces_none(
        repo: InMemoryRepository, store: MemoryFileStore) -> None:
    from core.services.requests import create_request

    with pytest.raises(InvalidInput, match="no produce material"):
        create_request(repo, "directora", _form(1), NOW,
                       material=materials.Submission(post(), store))
    assert store.files == {}
