"""The Informe Técnico (core.report): the figures of a small ledger, and the .docx opened
again with python-docx to check that its headings, tables and chart are there.

The ledger is the Carnival 2026 story of test_dashboard (requests A–E), plus request F
published on Tue 24 February and three direct publications (two in February, one in March).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import docx
import pytest
from PIL import Image
from test_dashboard import TODAY, at, new, step, story  # noqa: F401 - story is a fixture

from core.adapters.exports.docx_report import bottleneck_png, report_docx
from core.adapters.memory import InMemoryRepository
from core.domain.models import Status
from core.domain.workdays import WorkCalendar
from core.services.direct_publications import record_direct_publication
from core.services.reports import UNKNOWN_CHANNEL, DocumentKind, ReportData, report_data

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
    none = dict.fromkeys(Status, 0)
    assert outcomes["3"] == {**none, Status.PUBLISHED: 1, Status.REJECTED: 1,
                             Status.IN_PROGRESS: 2}
    assert outcomes["2"] == {**none, Status.IN_PROGRESS: 1}
    assert outcomes["1"] == {**none, Status.IN_PROGRESS: 1}


def test_a_request_closed_after_the_period_counts_as_in_progress_in_it(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    early = report_data(published.snapshot().ledger, calendar, date(2026, 2, 1),
                        date(2026, 2, 20), TODAY)
    outcomes = {label.split(" · ")[0]: counts for label, counts in early.outcomes}
    # By Fri 20: A, B and F registered and open; C (Mon 23) not yet registered.
    assert outcomes["3"] == {**dict.fromkeys(Status, 0), Status.IN_PROGRESS: 3}
    assert [p.reference for p in early.publications if p.channel == UNKNOWN_CHANNEL] == []


def test_the_report_takes_its_compliance_from_the_dashboard(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    board = data(published, calendar).board
    # The dashboard's 5 timed completions of test_dashboard (4 on time), plus F's 7 timed
    # stages, all on time: stage 2 (Mon 2 -> Tue 3, due Tue 3), 3 (due Wed 4, done Wed 4),
    # 5 (began Thu 5, due Fri 6, done Fri 6), 6 (schedule Thu 19, done Thu 19),
    # 7 (began Thu 19, due Fri 20), 8 (began Fri 20, due Mon 23), 9 (began Mon 23, due Tue 24).
    assert (board.with_deadline, board.on_time) == (12, 11)


def test_the_document_opens_and_shows_the_headings_figures_and_chart(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    content = report_docx(data(published, calendar), DocumentKind.TECHNICAL_REPORT,
                          "Jorge Flores", "Profesional en Promoción de Servicios",
                          datetime(2026, 2, 25, 16, 30))
    document = docx.Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading",
                                                                                "Title"))]
    assert headings == [
        "Informe Técnico: publicaciones en redes sociales",
        "1. Publicaciones por tipo y canal",
        "2. Solicitudes por procedimiento y resultado",
        "3. Cumplimiento de plazos",
        "4. Dónde esperan las solicitudes",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "01/02/2026 al 28/02/2026" in text
    assert "Jorge Flores (Profesional en Promoción de Servicios)" in text
    assert "Total de publicaciones en el periodo: 3." in text
    assert "Cumplimiento de plazos: 92% — 11 de 12 etapas con plazo" in text
    assert "Cuello de botella: P3 · etapa 2" in text
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    by_type, detail, outcomes, stages = tables
    assert ["4 · Publicación de fotografía", "Facebook", "1"] in by_type
    assert ["3 · Publicación de información específica", UNKNOWN_CHANNEL, "1"] in by_type
    assert "=HYPERLINK(\"http://x\") vídeo" in [row[2] for row in detail]
    assert ["3 · Publicación de información específica", "1", "1", "0", "0", "2",
            "4"] in outcomes
    assert outcomes[0] == ["Procedimiento", "Publicada", "Rechazada", "Retirada", "Cancelada",
                           "En curso", "Total"]
    assert ["3 · etapa 3", "Deriva información al Profesional en Promoción de Servicios",
            "1 día hábil", "2", "1", "50%", "2"] in stages  # A late (3 days), F on time (1)
    [picture] = document.inline_shapes
    assert picture.width > 0


def test_a_nota_interna_for_an_empty_period_says_there_was_nothing(
        published: InMemoryRepository, calendar: WorkCalendar) -> None:
    empty = report_data(published.snapshot().ledger, calendar, date(2025, 1, 1),
                        date(2025, 1, 31), TODAY)
    document = docx.Document(io.BytesIO(report_docx(
        empty, DocumentKind.INTERNAL_NOTE, "Rosa Condori", "Jefatura de la UGS",
        datetime(2026, 2, 25, 9, 0))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.startswith("Nota Interna: publicaciones en redes sociales")
    assert "No hubo publicaciones en el periodo." in text
    assert "Ninguna etapa con plazo terminó en el periodo." in text


def test_the_chart_is_a_png_with_one_bar_per_stage_that_waited(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:  # noqa: F811
    board = report_data(story.snapshot().ledger, calendar, FEB_START, FEB_END, TODAY).board
    chart = bottleneck_png(board)
    assert chart is not None
    image = Image.open(io.BytesIO(chart))
    waited = [f for f in board.stages if f.waiting_total > 0]
    assert image.format == "PNG"
    assert image.height == 70 + 52 * len(waited) + 30
    # The bottleneck's bar (first row) is drawn in red.
    assert image.getpixel((640, 70 + 26)) == (0xC0, 0x39, 0x2B)


def test_text_word_cannot_store_is_dropped_rather_than_failing(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:  # noqa: F811
    record_direct_publication(story, "admin.rrss", {
        "type": "5", "title": "Aviso\x0bcon control", "channel": "Facebook",
        "published_at": at(20)}, at(25))
    content = report_docx(data(story, calendar), DocumentKind.TECHNICAL_REPORT,
                          "Jorge Flores", "Profesional", datetime(2026, 2, 25, 9, 0))
    cells = [c.text for t in docx.Document(io.BytesIO(content)).tables
             for row in t.rows for c in row.cells]
    assert "Avisocon control" in cells
