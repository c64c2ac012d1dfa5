"""The Informe Técnico and the Nota Interna as Word documents, in the agency's formats.

Both open with the note's header (A:, De:, Asunto:, Fecha:, Referencia:) and end with the
signature of whoever files it, named once («Rosa Condori — Jefatura de la UGS»). The
Informe Técnico then gives the figures in sections, with tables and the deadline chart
(``core.adapters.exports.charts``, the page's own chart drawn by vl-convert); the Nota
Interna says the same in a few paragraphs. The document's properties (author, title,
subject) are set. The figures come from :func:`core.services.reports.report_data`.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from core.adapters.exports import charts
from core.services.dashboard import Dashboard
from core.services.reports import (
    OUTCOMES,
    UNKNOWN_CHANNEL,
    DocumentKind,
    ReportData,
    bottlenecks,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")
MANUAL = "Manual de procesos y procedimientos de publicaciones en redes sociales " \
         "(ADSIB-INST-MPROC-12), 6 d)"
DETAIL_ROWS = 40  # a year's detail would be a book; the note says where the rest is
AGENCY = "Agencia para el Desarrollo de la Sociedad de la Información en Bolivia – ADSIB"


@dataclass(frozen=True)
class Letterhead:
    """Who writes to whom, about what: the header of the agency's notes."""

    author: str  # «Jorge Flores — Profesional en Promoción de Servicios»
    recipient: str  # «Ana Mamani — Dirección Ejecutiva»
    reference: str = ""  # the note's cite or the document it answers
    place: str = "La Paz"

    def subject(self, data: ReportData) -> str:
        return (f"Publicaciones en redes sociales del {data.start:%d/%m/%Y} al "
                f"{data.end:%d/%m/%Y}")


def long_date(day: date, place: str = "La Paz") -> str:
    """«La Paz, 3 de diciembre de 2026»."""
    return f"{place}, {day.day} de {MONTHS[day.month - 1]} de {day.year}"


def number(value: float) -> str:
    """1.234 or 1.234,50, as Bolivians write numbers."""
    text = f"{value:,.2f}" if value != int(value) else f"{int(value):,}"
    return text.replace(",", "·").replace(".", ",").replace("·", ".")


def bolivianos(value: float) -> str:
    return "Bs " + f"{value:,.2f}".replace(",", "·").replace(".", ",").replace("·", ".")


def _clean(text: object) -> str:
    """Text Word can store: XML forbids most control characters."""
    return _CONTROL.sub("", str(text))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _table(document: DocxDocument, header: list[str], rows: list[list[object]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = _clean(value)
    document.add_paragraph()


def _field(document: DocxDocument, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(3))
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run(f"{label}\t").bold = True
    paragraph.add_run(_clean(value))


def _header(document: DocxDocument, kind: DocumentKind, head: Letterhead, data: ReportData,
            day: date) -> None:
    top = document.add_paragraph()
    top.alignment = WD_ALIGN_PARAGRAPH.CENTER
    top.add_run(AGENCY).bold = True
    title = document.add_heading(kind.value.upper(), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(document, "A:", head.recipient)
    _field(document, "De:", head.author)
    _field(document, "Asunto:", head.subject(data))
    _field(document, "Fecha:", long_date(day, head.place))
    _field(document, "Referencia:", head.reference or MANUAL)
    rule = document.add_paragraph("_" * 78)
    rule.paragraph_format.space_after = Pt(12)


def _signature(document: DocxDocument, head: Letterhead) -> None:
    document.add_paragraph()
    document.add_paragraph("Atentamente,")
    document.add_paragraph()
    name, _, role = head.author.partition(" — ")
    signed = document.add_paragraph()
    signed.alignment = WD_ALIGN_PARAGRAPH.CENTER
    signed.add_run(_clean(name)).bold = True
    if role:
        signed.add_run("\n" + _clean(role))


def _properties(document: DocxDocument, kind: DocumentKind, head: Letterhead,
                data: ReportData, generated_at: datetime) -> None:
    properties = document.core_properties
    name = head.author.partition(" — ")[0]
    properties.author = _clean(name)
    properties.last_modified_by = _clean(name)
    properties.title = f"{kind.value}: {head.subject(data)}"
    properties.subject = head.subject(data)
    properties.keywords = "ADSIB; redes sociales; publicaciones; " + kind.value
    properties.comments = f"Generado por la aplicación de publicaciones en RRSS ({MANUAL})."
    properties.category = kind.value
    properties.language = "es-BO"
    properties.created = generated_at
    properties.modified = generated_at
    properties.revision = 1


# -- the figures, in words ---------------------------------------------------------------------


def publications_sentence(data: ReportData) -> str:
    if not data.publications:
        return "No hubo publicaciones en el periodo."
    channels = ", ".join(f"{name}: {count}" for name, count in data.by_channel())
    return (f"Publicaciones en el periodo: {data.total_publications} (distintas). "
            f"Por canal, una publicación en varios canales cuenta en cada uno: "
            f"{data.channel_lines} ({channels}).")


def channels_note(data: ReportData) -> str | None:
    """What to say of channels not recorded, only when there are such publications."""
    if not data.channels_unknown:
        return None
    return (f"{data.channels_unknown} publicación(es) de los tipos 1 a 3 no tienen el canal "
            f"registrado (se publicaron antes de que el procedimiento lo pidiera): figuran "
            f"como «{UNKNOWN_CHANNEL}».")


def deadlines_sentence(data: ReportData) -> str:
    board = data.board
    if not board.with_deadline:
        return "Ninguna etapa con plazo terminó en el periodo."
    return (f"Cumplimiento de plazos: {_percent(board.compliance)} — {board.on_time} de "
            f"{board.with_deadline} etapas con plazo terminaron a tiempo (en días hábiles).")


def bottleneck_sentence(data: ReportData) -> str:
    return bottleneck_sentence_for(data.board)


def bottleneck_sentence_for(board: Dashboard) -> str:
    """Where requests waited most; stages tied for it are all named."""
    necks = bottlenecks(board)
    if not necks:
        return "No hubo esperas en el periodo."
    days = necks[0].waiting_total
    names = "; ".join(f"procedimiento {n.procedure}, etapa {n.stage} ({n.activity})"
                      for n in necks)
    if len(necks) == 1:
        return (f"Donde más se esperó: {names} — {days} días hábiles de espera en total; "
                f"{necks[0].waiting_now} solicitud(es) esperando hoy.")
    return (f"Donde más se esperó, empatadas con {days} días hábiles de espera cada una: "
            f"{names}.")


def questions_sentence(data: ReportData) -> str:
    figures, in_hours = data.questions, data.questions_in_hours
    if figures is None or not figures.total:
        return "No se registraron consultas del público en el periodo."
    text = (f"Consultas del público: {figures.total}. Respondidas en 15 minutos: "
            f"{_percent(figures.share_on_time)} contando las 24 horas (regla del manual, "
            f"5 e); {figures.late} respondida(s) tarde y {figures.unanswered} sin respuesta.")
    if in_hours is not None and in_hours.share_on_time != figures.share_on_time:
        text += (f" Contando solo el horario de atención ({data.hours_label}): "
                 f"{_percent(in_hours.share_on_time)}.")
    if figures.median_minutes is not None:
        text += f" Mediana de respuesta: {number(round(figures.median_minutes, 1))} minutos."
    return text


def crises_sentence(data: ReportData) -> str:
    if not data.crises:
        crises = "No hubo crisis en redes sociales en el periodo."
    else:
        still = sum(1 for c in data.crises if c.closed_at is None)
        crises = (f"Crisis en redes sociales en el periodo: {len(data.crises)} "
                  f"({len(data.crises) - still} cerrada(s), {still} abierta(s)).")
    if not data.deletions:
        return crises + " No hubo órdenes de eliminación."
    done = sum(1 for o in data.deletions if o.confirmed_by)
    return (crises + f" Órdenes de eliminación de la Dirección Ejecutiva: "
            f"{len(data.deletions)} ({done} cumplida(s), {len(data.deletions) - done} "
            "pendiente(s)).")


def promotion_sentence(data: ReportData) -> str:
    if not data.promotions:
        return "Ninguna publicación del periodo llevó promoción pagada."
    approved = [p for p in data.promotions if p.approved_by]
    waiting = [p for p in data.promotions if not p.approved_by]
    text = (f"Promoción pagada aprobada por la Dirección Ejecutiva: "
            f"{bolivianos(data.promotion_total)} en {len(approved)} publicación(es).")
    if waiting:
        text += (f" {len(waiting)} promoción(es) por "
                 f"{bolivianos(sum(p.amount for p in waiting))} esperan su aprobación.")
    return text


def stats_sentence(data: ReportData) -> str:
    if not data.stats:
        return ("No se registraron estadísticas de las redes para las publicaciones del "
                "periodo.")
    total = data.stats_totals
    return (f"Estadísticas de las redes ({total.publications} publicación(es) con cifras): "
            f"alcance {number(total.reach)}, interacciones {number(total.interactions)}, "
            f"clics {number(total.clicks)}.")


def products_sentence(data: ReportData) -> str:
    if not data.publications:
        return ""
    listed = ", ".join(f"{name}: {count}" for name, count in data.by_product())
    return f"Productos publicados (sección 10): {listed}."


# -- the two documents ----------------------------------------------------------------------------


def report_docx(data: ReportData, kind: DocumentKind, head: Letterhead,
                generated_at: datetime) -> bytes:
    """The document as .docx bytes."""
    chart = charts.bottleneck_chart(data.board) \
        if kind is DocumentKind.TECHNICAL_REPORT else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The chart is drawn (outside Python's lock) while the tables are written.
        picture = pool.submit(charts.chart_png, chart) if chart is not None else None
        document = Document()
        document.styles["Normal"].font.name = "Calibri"
        document.styles["Normal"].font.size = Pt(11)
        _properties(document, kind, head, data, generated_at)
        _header(document, kind, head, data, generated_at.date())
        if kind is DocumentKind.INTERNAL_NOTE:
            _note_body(document, data)
        else:
            _report_body(document, data, picture)
        _signature(document, head)
        buffer = io.BytesIO()
        document.save(buffer)
    return buffer.getvalue()


def _note_body(document: DocxDocument, data: ReportData) -> None:
    document.add_paragraph(
        f"En cumplimiento del {MANUAL}, informo sobre las publicaciones en redes sociales de "
        f"la ADSIB del {data.start:%d/%m/%Y} al {data.end:%d/%m/%Y}:")
    outcomes = {s: sum(c[s] for _, c in data.outcomes) for s in OUTCOMES}
    for text in (
        publications_sentence(data), channels_note(data),
        f"Solicitudes de los procedimientos 1 a 3 en trámite en el periodo: "
        f"{data.requests_in_period} ({outcomes[OUTCOMES[0]]} publicada(s), "
        f"{outcomes[OUTCOMES[1]]} rechazada(s), {outcomes[OUTCOMES[2]]} en curso al final "
        "del periodo).",
        products_sentence(data), promotion_sentence(data), stats_sentence(data),
        deadlines_sentence(data), bottleneck_sentence(data), questions_sentence(data),
        crises_sentence(data),
    ):
        if text:
            document.add_paragraph(_clean(text), style="List Bullet")
    document.add_paragraph("El detalle por publicación y por etapa figura en el Informe "
                           "Técnico del mismo periodo, que la aplicación genera a pedido.")


def _report_body(document: DocxDocument, data: ReportData,
                 picture: Future[bytes] | None) -> None:
    document.add_heading("1. Publicaciones", level=1)
    document.add_paragraph(publications_sentence(data))
    if data.publications:
        _table(document, ["Tipo de publicación", "Publicaciones"],
               [[t, n] for t, n in data.by_type()])
        _table(document, ["Canal", "Publicaciones en el canal"],
               [[c, n] for c, n in data.by_channel()])
        listed = data.publications[-DETAIL_ROWS:]
        if len(listed) < len(data.publications):
            document.add_paragraph(
                f"Detalle de las {len(listed)} publicaciones más recientes por canal (de "
                f"{len(data.publications)}); el detalle completo se descarga de la aplicación "
                "(Tablero de plazos e Informe técnico).")
        _table(document, ["Fecha", "Tipo", "Título", "Canal", "Referencia"],
               [[f"{p.published_at:%d/%m/%Y}", p.type_label, p.title, p.channel,
                 p.reference] for p in listed])
    note = channels_note(data)
    if note:
        document.add_paragraph(note)

    document.add_heading("2. Solicitudes por procedimiento y resultado", level=1)
    _table(document, ["Procedimiento", *(s.label for s in OUTCOMES), "Total"],
           [[label, *(counts[s] for s in OUTCOMES), sum(counts.values())]
            for label, counts in data.outcomes])
    document.add_paragraph(
        "Se cuentan las solicitudes en trámite en algún momento del periodo (registradas "
        "hasta su fin y no cerradas antes de su inicio), según su estado al final del periodo.")

    board = data.board
    document.add_heading("3. Cumplimiento de plazos", level=1)
    document.add_paragraph(deadlines_sentence(data))
    if board.with_deadline:
        _table(document, ["Procedimiento y etapa", "Actividad", "Plazo", "Terminadas",
                          "A tiempo", "Cumplimiento", "Mediana (días hábiles)"],
               [[f"{f.procedure} · etapa {f.stage}", f.activity, f.deadline, f.with_deadline,
                 f.on_time, _percent(f.compliance),
                 "—" if f.median_days is None else f"{f.median_days:g}"]
                for f in data.deadline_stages()])
    document.add_paragraph(
        f"Al {board.today:%d/%m/%Y}: {board.totals.open} solicitud(es) en curso, "
        f"{board.totals.overdue} vencida(s).")

    document.add_heading("4. Dónde esperan las solicitudes", level=1)
    document.add_paragraph(bottleneck_sentence(data))
    place = document.add_paragraph() if picture is not None else None

    document.add_heading("5. Atención al público (regla de los 15 minutos)", level=1)
    document.add_paragraph(questions_sentence(data))

    document.add_heading("6. Crisis y órdenes de eliminación", level=1)
    document.add_paragraph(crises_sentence(data))
    if data.crises:
        _table(document, ["Incidente", "Abierto", "Cerrado", "Descripción"],
               [[c.incident_id, f"{c.opened_at:%d/%m/%Y %H:%M}",
                 f"{c.closed_at:%d/%m/%Y %H:%M}" if c.closed_at else "abierto",
                 c.description] for c in data.crises])
    if data.deletions:
        _table(document, ["Orden", "Fecha", "Publicación", "Red social", "Cumplida"],
               [[o.order_id, f"{o.ordered_at:%d/%m/%Y}", o.publication, o.channel,
                 f"{o.confirmed_at:%d/%m/%Y}" if o.confirmed_at else "pendiente"]
                for o in data.deletions])

    document.add_heading("7. Productos y promoción pagada", level=1)
    products = products_sentence(data)
    if products:
        document.add_paragraph(products)
    document.add_paragraph(promotion_sentence(data))
    if data.promotions:
        _table(document, ["Publicación", "Título", "Tipo", "Monto", "Aprobada por"],
               [[p.reference, p.title, p.type_label, bolivianos(p.amount),
                 p.approved_by or "pendiente"] for p in data.promotions])

    document.add_heading("8. Estadísticas de las redes", level=1)
    document.add_paragraph(stats_sentence(data))
    if data.stats:
        _table(document, ["Canal", "Publicaciones", "Alcance", "Interacciones", "Clics"],
               [[c, t.publications, number(t.reach), number(t.interactions), number(t.clicks)]
                for c, t in data.stats_by_channel()])
        _table(document, ["Publicación", "Canal", "Alcance", "Interacciones", "Clics",
                          "Medido el"],
               [[s.publication, s.channel, number(s.reach or 0), number(s.interactions or 0),
                 number(s.clicks or 0), f"{s.measured_on:%d/%m/%Y}"]
                for s in data.top_reach()])

    document.add_heading("9. Material publicado: la versión aprobada", level=1)
    if data.material:
        _table(document, ["Fecha", "Solicitud", "Título", "Versión", "SHA-256 de la versión"],
               [[f"{m.published_at:%d/%m/%Y}", m.request_id, m.title, m.version, m.sha256]
                for m in data.material])
        document.add_paragraph(
            "Cada publicación publicó la versión del material que su última aprobación fijó; "
            "la huella SHA-256 está sellada en el registro de eventos y la página Auditoría "
            "verifica que los archivos guardados la conserven.")
    else:
        document.add_paragraph("Ninguna publicación del periodo registró material aprobado.")

    document.add_paragraph(
        "Fuente: registro de eventos del libro de publicaciones (cada acción con fecha, "
        "usuario y rol). Días hábiles: lunes a viernes sin feriados nacionales, "
        "departamentales ni días no laborables institucionales.")
    if place is not None and picture is not None:
        place.alignment = WD_ALIGN_PARAGRAPH.CENTER
        place.add_run().add_picture(io.BytesIO(picture.result()), width=Cm(16))
