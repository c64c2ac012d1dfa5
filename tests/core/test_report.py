"""The Informe Técnico (core.report): the figures of a small ledger, and the .docx opened
again with python-docx to check that its headings, tables and chart are there.

The ledger is the Carnival 2026 story of test_dashboard (requests A–E), plus request F
published on Tue 24 February and three direct publications (two in February, one in March).
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, datetime

import docx
import pytest
from PIL import Image
from test_dashboard import TODAY, at, new, step, story  # noqa: F401 - story is a fixture

from core.adapters.exports.charts import (
    bottleneck_chart,
    bottleneck_frame,
    chart_png,
    chart_svg,
)
from core.adapters.exports.docx_report import (
    Letterhead,
    bottleneck_sentence_for,
    channels_note,
    report_docx,
)
from core.adapters.memory import InMemoryRepository
from core.domain.errors import ConcurrentChange, NotAllowed
from core.domain.models import Product, Status
from core.domain.workdays import WorkCalendar
from core.services.direct_publications import approve_promotion, record_direct_publication
from core.services.reports import (
    UNKNOWN_CHANNEL,
    DocumentKind,
    ReportData,
    bottlenecks,
    report_data,
)
from core.services.requests import create_request

FEB_START, FEB_END = date(2026, 2, 1), date(2026, 2, 28)


@pytest.fixture
def published(story: InMemoryRepository) -> InMemoryRepository:  # noqa: F811
    f = new(story, "solicitante", 3, at(2))
    for user, day, schedule in [
        ("directora", 3, None), ("jefe.ugs", 4, None),
        ("profesional", 5, {6: date(2026, 2, 19)}), ("jefe.nic", 6, None),
        ("disenio", 19, None), ("jefe.nic", 20, None), ("jefe.ugs", 23, None),
        ("admin.rrss", 24, None),
    ]:
        step(story, user, f, at(day), schedule=schedule)
    for day, kind, title, channel in [
        (10, "4", "Fotos del taller", "Facebook"),
        (12, "7", "=HYPERLINK(\"http://x\") vídeo", "YouTube"),
        (2, "6", "Enlace de marzo", "X (Twitter)"),
    ]:
        month = 3 if title == "Enlace de marzo" else 2
        record_direct_publication(story, "admin.rrss", {
            "type": kind, "title": title, "channel": channel,
            "published_at": at(day, month=month)}, at(2, month=3))
    return story


def data(repo: InMemoryRepository, calendar: WorkCalendar) -> ReportData:
    return report_data(repo.snapshot().ledger, calendar, FEB_START, FEB_END, TODAY)


def test_publications_in_the_period_are_listed_by_type_and_channel(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = data(published, calendar)
    # Two direct publications in February (the March one is outside) and request F,
    # published on Tue 24 through procedure 3, whose channel the procedure does not record.
    assert result.by_type_and_channel == (
        ("3 · Publicación de información específica", UNKNOWN_CHANNEL, 1),
        ("4 · Publicación de fotografía", "Facebook", 1),
        ("7 · Publicación de vídeo", "YouTube", 1),
    )
    assert [p.reference for p in result.publications][-1] == "SOL-2026-0006"
    assert result.total_publications == 3


def test_requests_are_counted_per_procedure_by_where_they_stood_at_the_end_of_the_period(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    outcomes = {label.split(" · ")[0]: counts for label, counts in
                data(published, calendar).outcomes}
    # Procedure 3: A and B in progress, C rejected (Tue 24), F published (Tue 24).
    assert outcomes["3"] == {Status.PUBLISHED: 1, Status.REJECTED: 1, Status.IN_PROGRESS: 2}
    assert outcomes["2"] == {Status.PUBLISHED: 0, Status.REJECTED: 0, Status.IN_PROGRESS: 1}
    assert outcomes["1"] == {Status.PUBLISHED: 0, Status.REJECTED: 0, Status.IN_PROGRESS: 1}


def test_a_request_closed_after_the_period_counts_as_in_progress_in_it(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    early = report_data(published.snapshot().ledger, calendar, date(2026, 2, 1),
                        date(2026, 2, 20), TODAY)
    outcomes = {label.split(" · ")[0]: counts for label, counts in early.outcomes}
    # By Fri 20: A, B and F registered and open; C (Mon 23) not yet registered.
    assert outcomes["3"] == {Status.PUBLISHED: 0, Status.REJECTED: 0, Status.IN_PROGRESS: 3}
    assert [p.reference for p in early.publications if p.channel == UNKNOWN_CHANNEL] == []


def test_the_report_takes_its_compliance_from_the_dashboard(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    board = data(published, calendar).board
    # The dashboard's 5 timed completions of test_dashboard (4 on time), plus F's 7 timed
    # stages, all on time: stage 2 (Mon 2 -> Tue 3, due Tue 3), 3 (due Wed 4, done Wed 4),
    # 5 (began Thu 5, due Fri 6, done Fri 6), 6 (schedule Thu 19, done Thu 19),
    # 7 (began Thu 19, due Fri 20), 8 (began Fri 20, due Mon 23), 9 (began Mon 23, due Tue 24);
    # and stage 4, which fixes the schedule, by its own deadline (2 working days): A's and F's.
    assert (board.with_deadline, board.on_time) == (14, 13)


HEAD = Letterhead("Jorge Flores — Profesional en Promoción de Servicios",
                  "Ana Mamani — Dirección Ejecutiva", "ADSIB/UGS/IT N° 007/2026")


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_the_document_opens_with_the_note_header_and_shows_the_sections_and_chart(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    content = report_docx(data(published, calendar), DocumentKind.TECHNICAL_REPORT, HEAD,
                          datetime(2026, 2, 25, 16, 30))
    document = docx.Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading",
                                                                                "Title"))]
    assert headings == [
        "INFORME TÉCNICO",
        "1. Publicaciones",
        "2. Solicitudes por procedimiento y resultado",
        "3. Cumplimiento de plazos",
        "4. Dónde esperan las solicitudes",
        "5. Atención al público (regla de los 15 minutos)",
        "6. Crisis y órdenes de eliminación",
        "7. Productos y promoción pagada",
        "8. Estadísticas de las redes",
        "9. Material publicado: la versión aprobada",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Ninguna publicación del periodo registró material aprobado." in text
    for line in ("A:\tAna Mamani — Dirección Ejecutiva",
                 "De:\tJorge Flores — Profesional en Promoción de Servicios",
                 "Asunto:\tPublicaciones en redes sociales del 01/02/2026 al 28/02/2026",
                 "Fecha:\tLa Paz, 25 de febrero de 2026",
                 "Referencia:\tADSIB/UGS/IT N° 007/2026"):
        assert line in text
    assert text.count("Jorge Flores") == 2, "the author, named once in the header and signing"
    assert "(Profesional en Promoción de Servicios)" not in text
    assert "Cumplimiento de plazos: 93% — 13 de 14 etapas con plazo" in text
    assert "procedimiento 3, etapa 2" in text
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    by_type, by_channel, detail, outcomes, stages = tables
    assert ["4 · Publicación de fotografía", "1"] in by_type
    assert ["3 · Publicación de información específica", "1"] in by_type
    assert ["Facebook", "1"] in by_channel
    assert "=HYPERLINK(\"http://x\") vídeo" in [row[2] for row in detail]
    assert ["3 · Publicación de información específica", "1", "1", "2", "4"] in outcomes
    assert outcomes[0] == ["Procedimiento", "Publicada", "Rechazada", "En curso", "Total"]
    assert ["3 · etapa 3", "Deriva información al Profesional en Promoción de Servicios",
            "1 día hábil", "2", "1", "50%", "2"] in stages  # A late (3 days), F on time (1)
    [picture] = document.inline_shapes
    assert picture.width > 0


def test_the_document_properties_name_the_author_title_and_subject(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    content = report_docx(data(published, calendar), DocumentKind.TECHNICAL_REPORT, HEAD,
                          datetime(2026, 2, 25, 16, 30))
    properties = docx.Document(io.BytesIO(content)).core_properties
    assert properties.author == "Jorge Flores"
    assert properties.title == ("Informe Técnico: Publicaciones en redes sociales del "
                                "01/02/2026 al 28/02/2026")
    assert properties.subject == "Publicaciones en redes sociales del 01/02/2026 al 28/02/2026"
    assert properties.language == "es-BO"
    assert "python-docx" not in (properties.author, properties.last_modified_by)


def test_the_documents_figures_are_the_ledgers(published: InMemoryRepository,
                                               calendar: WorkCalendar) -> None:
    """Counted here straight from the ledger, then read back out of the Word file."""
    ledger = published.snapshot().ledger
    direct = [p for p in ledger.direct_publications
              if FEB_START <= p.published_at.date() <= FEB_END]
    requests = [s for s in ledger.states.values() if s.status is Status.PUBLISHED
                and FEB_START <= s.events[-1].at.date() <= FEB_END]
    channels = len(direct) + sum(len(s.events[-1].payload().get("canales") or [1])
                                 for s in requests)
    text = "\n".join(paragraphs(report_docx(data(published, calendar),
                                            DocumentKind.TECHNICAL_REPORT, HEAD,
                                            datetime(2026, 2, 25, 16, 30))))
    assert (f"Publicaciones en el periodo: {len(direct) + len(requests)} (distintas)."
            in text)
    assert f"cuenta en cada uno: {channels} (" in text


def test_a_nota_interna_is_a_note_in_the_agencys_format(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    content = report_docx(data(published, calendar), DocumentKind.INTERNAL_NOTE,
                          Letterhead("Rosa Condori — Jefatura de la UGS",
                                     "Ana Mamani — Dirección Ejecutiva"),
                          datetime(2026, 2, 25, 9, 0))
    document = docx.Document(io.BytesIO(content))
    text = [p.text for p in document.paragraphs]
    assert "NOTA INTERNA" in text
    assert [t.split("\t")[0] for t in text if "\t" in t][:5] == [
        "A:", "De:", "Asunto:", "Fecha:", "Referencia:"]
    assert "De:\tRosa Condori — Jefatura de la UGS" in text
    assert any(t.startswith("Publicaciones en el periodo: 3 (distintas).") for t in text)
    assert any(t.startswith("Consultas del público") or "consultas" in t for t in text)
    assert document.tables == [], "a note says it in words"
    assert "Rosa Condori\nJefatura de la UGS" in text  # the signature


def test_a_nota_interna_for_an_empty_period_says_there_was_nothing(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    empty = report_data(published.snapshot().ledger, calendar, date(2025, 1, 1),
                        date(2025, 1, 31), TODAY)
    text = "\n".join(paragraphs(report_docx(empty, DocumentKind.INTERNAL_NOTE, HEAD,
                                            datetime(2026, 2, 25, 9, 0))))
    assert "No hubo publicaciones en el periodo." in text
    assert "Ninguna etapa con plazo terminó en el periodo." in text
    assert "No hubo crisis en redes sociales en el periodo." in text


def test_the_chart_is_the_altair_chart_rendered_with_real_accented_text(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:  # noqa: F811
    board = report_data(story.snapshot().ledger, calendar, FEB_START, FEB_END, TODAY).board
    chart = bottleneck_chart(board)
    assert chart is not None
    svg = chart_svg(chart)
    texts = re.findall(r"<(?:text|tspan)[^>]*>([^<]+)<", svg)  # lines of text in the SVG
    assert "Días hábiles de espera por etapa" in texts
    assert "Días hábiles de espera (total)" in texts
    # Labels in full: the activity's words, wrapped, never cut in the middle.
    label = texts.index("Procedimiento 3 · etapa 2")
    following = texts[label + 1:label + 4]
    assert " ".join(following[:2]) == "Rechaza o aprueba solicitud y deriva a la UGS"
    ticks = [t for t in texts if t.replace(".", "").isdigit()]
    assert ticks and all("." not in t for t in ticks), "whole-day ticks"
    png = chart_png(chart)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 600


def test_stages_tied_for_the_most_waiting_are_all_shown_as_the_bottleneck(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:  # noqa: F811
    board = report_data(story.snapshot().ledger, calendar, FEB_START, FEB_END, TODAY).board
    top = max(f.waiting_total for f in board.stages)
    first = next(f for f in board.stages if f.waiting_total == top)
    other = next(f for f in board.stages if f.waiting_total and f is not first)
    tied = dataclasses.replace(board, stages=tuple(
        dataclasses.replace(f, waiting_total=top) if f is other else f for f in board.stages))
    assert len(bottlenecks(tied)) == 2
    frame = bottleneck_frame(tied)
    assert frame["Donde más se espera"].sum() == 2
    sentence = bottleneck_sentence_for(tied)
    assert sentence.startswith(f"Donde más se esperó, empatadas con {top} días hábiles")


def test_the_channel_note_appears_only_when_a_channel_is_missing(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = data(published, calendar)
    assert result.channels_unknown == 1  # request F was published without channels
    assert channels_note(result) is not None and "1 publicación(es)" in channels_note(result)
    direct_only = dataclasses.replace(result, publications=tuple(
        p for p in result.publications if p.channel != UNKNOWN_CHANNEL))
    assert channels_note(direct_only) is None


def test_text_word_cannot_store_is_dropped_rather_than_failing(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:  # noqa: F811
    record_direct_publication(story, "admin.rrss", {
        "type": "5", "title": "Aviso\x0bcon control", "channel": "Facebook",
        "published_at": at(20)}, at(25))
    content = report_docx(data(story, calendar), DocumentKind.TECHNICAL_REPORT, HEAD,
                          datetime(2026, 2, 25, 9, 0))
    cells = [c.text for t in docx.Document(io.BytesIO(content)).tables
             for row in t.rows for c in row.cells]
    assert "Avisocon control" in cells


def test_products_and_paid_promotion_of_any_type_are_reported(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    """7.1: promotion on a type-4 publication, approved by the DE; section 10: products."""
    boosted = record_direct_publication(published, "admin.rrss", {
        "type": "4", "title": "Fotos de la feria", "channel": "Facebook", "product": "carrusel",
        "promotion_bs": "1.500,50", "published_at": at(16)}, at(16))
    waiting = record_direct_publication(published, "admin.rrss", {
        "type": "7", "title": "Vídeo de la feria", "channel": "YouTube", "product": "video",
        "promotion_bs": 200, "published_at": at(17)}, at(17))
    approve_promotion(published, "directora", boosted, at(17))
    result = data(published, calendar)
    assert {(p.reference, p.amount, p.approved_by) for p in result.promotions} == {
        (boosted, 1500.5, "Ana Mamani"), (waiting, 200.0, "")}
    assert result.promotion_total == 1500.5
    assert ("Carrusel", 1) in result.by_product() and ("Vídeo corto", 1) in result.by_product()
    text = "\n".join(paragraphs(report_docx(result, DocumentKind.TECHNICAL_REPORT, HEAD,
                                            datetime(2026, 2, 25, 9, 0))))
    assert ("Promoción pagada aprobada por la Dirección Ejecutiva: Bs 1.500,50 en 1 "
            "publicación(es). 1 promoción(es) por Bs 200,00 esperan su aprobación.") in text
    assert "Carrusel: 1" in text


def test_only_the_de_approves_a_direct_publications_promotion(
        published: InMemoryRepository) -> None:
    boosted = record_direct_publication(published, "admin.rrss", {
        "type": "6", "title": "Enlace", "channel": "Facebook", "promotion_bs": 100,
        "published_at": at(16)}, at(16))
    with pytest.raises(NotAllowed, match="Dirección Ejecutiva"):
        approve_promotion(published, "jefe.ugs", boosted, at(17))
    approve_promotion(published, "directora", boosted, at(17))
    with pytest.raises(ConcurrentChange, match="ya fue aprobada"):
        approve_promotion(published, "directora", boosted, at(17))


def test_a_request_of_any_procedure_carries_its_amount_and_product(
        story: InMemoryRepository) -> None:  # noqa: F811
    rid = create_request(story, "solicitante", {
        "procedure": 3, "title": "Con promoción", "objective": "O", "summary": "R",
        "promotion_bs": "800", "product": "infografia"}, at(16))
    request = story.snapshot().ledger.requests[rid]
    assert (request.promotion_bs, request.product) == (800.0, Product.INFOGRAPHIC)


def test_the_document_shows_each_publications_approved_version_and_its_hash(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    from core_helpers import NOW
    from support.material_files import image_bytes
    from support.material_flow import new_p3_request, to_stage, with_image
    from support.material_flow import step as walk

    from core.adapters.files.memory import MemoryFileStore
    from core.services import materials

    store = MemoryFileStore()
    rid = new_p3_request(repo, NOW, "Afiche de marzo")
    to_stage(repo, rid, 6, NOW)
    walk(repo, rid, NOW, draft=with_image(image_bytes()), store=store)
    to_stage(repo, rid, 9, NOW)
    walk(repo, rid, NOW)
    pinned = materials.request_material(repo.snapshot().ledger, rid).pinned
    assert pinned is not None and pinned.stamp is not None
    result = report_data(repo.snapshot().ledger, calendar, NOW.date(), NOW.date(), NOW.date())
    (line,) = result.material
    assert (line.request_id, line.version, line.sha256) == (rid, 1, pinned.stamp.sha256)
    document = docx.Document(io.BytesIO(report_docx(
        result, DocumentKind.TECHNICAL_REPORT, HEAD, NOW)))
    rows = [[c.text for c in row.cells] for row in document.tables[-1].rows]
    assert rows[0] == ["Fecha", "Solicitud", "Título", "Versión", "SHA-256 de la versión"]
    assert rows[1][1:] == [rid, "Afiche de marzo", "1", pinned.stamp.sha256]
