"""The Informe Técnico / Nota Interna as a Word document, and its chart as a PNG.

The chart is drawn with Pillow (it ships with Streamlit), so no charting engine or browser
is needed on the server. The figures come from :func:`core.services.reports.report_data`.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from core.services.dashboard import Dashboard
from core.services.reports import OUTCOMES, UNKNOWN_CHANNEL, DocumentKind, ReportData

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def bottleneck_png(board: Dashboard, top: int = 8) -> bytes | None:
    """A horizontal bar chart of working days waited per stage, largest first (PNG)."""
    stages = sorted((f for f in board.stages if f.waiting_total > 0),
                    key=lambda f: (-f.waiting_total, f.procedure, f.stage))[:top]
    if not stages:
        return None
    font = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=18)
    width, label_width, row, top_margin = 1400, 620, 52, 70
    height = top_margin + row * len(stages) + 30
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 18), "Días hábiles de espera por etapa (total del periodo y en espera hoy)",
              fill="#222222", font=font)
    longest = stages[0].waiting_total
    room = width - label_width - 120
    for i, figures in enumerate(stages):
        y = top_margin + i * row
        label = f"{figures.label} · {figures.activity}"
        if len(label) > 52:
            label = label[:51] + "…"
        draw.text((20, y + 12), label, fill="#222222", font=small)
        length = max(2, round(room * figures.waiting_total / longest))
        colour = "#c0392b" if i == 0 else "#5b8db8"
        draw.rectangle((label_width, y + 8, label_width + length, y + row - 10), fill=colour)
        draw.text((label_width + length + 10, y + 12), str(figures.waiting_total),
                  fill="#222222", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# -- the document ----------------------------------------------------------------------------


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


def report_docx(
    data: ReportData, kind: DocumentKind, author: str, role: str, generated_at: datetime
) -> bytes:
    """The document as .docx bytes."""
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(f"{kind.value}: publicaciones en redes sociales", level=0)
    period = f"{data.start:%d/%m/%Y} al {data.end:%d/%m/%Y}"
    intro = document.add_paragraph()
    intro.add_run("Periodo: ").bold = True
    intro.add_run(period)
    intro.add_run("\nElaborado por: ").bold = True
    intro.add_run(_clean(f"{author} ({role})"))
    intro.add_run("\nFecha: ").bold = True
    intro.add_run(f"{generated_at:%d/%m/%Y %H:%M}")
    intro.add_run("\nReferencia: ").bold = True
    intro.add_run("Manual de procesos ADSIB-INST-MPROC-12, sección 6 d) — Profesional en "
                  "Promoción de Servicios.")

    document.add_heading("1. Publicaciones por tipo y canal", level=1)
    if data.publications:
        document.add_paragraph(f"Total de publicaciones en el periodo: "
                               f"{data.total_publications}.")
        _table(document, ["Tipo de publicación", "Canal", "Publicaciones"],
               [[t, c, n] for t, c, n in data.by_type_and_channel])
        _table(document, ["Fecha", "Tipo", "Título", "Canal", "Referencia"],
               [[f"{p.published_at:%d/%m/%Y}", p.type_label, p.title, p.channel,
                 p.reference] for p in data.publications])
    else:
        document.add_paragraph("No hubo publicaciones en el periodo.")
    document.add_paragraph(
        "Los tipos 1 a 3 siguen un procedimiento que no registra el canal: su canal figura "
        f"como «{UNKNOWN_CHANNEL}». Los tipos 4 a 7 los registra el Administrador Principal "
        "de RRSS con su canal.")

    document.add_heading("2. Solicitudes por procedimiento y resultado", level=1)
    _table(document, ["Procedimiento", *(s.label for s in OUTCOMES), "Total"],
           [[label, *(counts[s] for s in OUTCOMES), sum(counts.values())]
            for label, counts in data.outcomes])
    document.add_paragraph(
        "Se cuentan las solicitudes en trámite en algún momento del periodo (registradas "
        "hasta su fin y no cerradas antes de su inicio), según su estado al final del periodo.")

    board = data.board
    document.add_heading("3. Cumplimiento de plazos", level=1)
    if board.with_deadline:
        document.add_paragraph(
            f"Cumplimiento de plazos: {_percent(board.compliance)} — {board.on_time} de "
            f"{board.with_deadline} etapas con plazo terminaron a tiempo (en días hábiles).")
        _table(document, ["Procedimiento y etapa", "Actividad", "Plazo", "Terminadas",
                          "A tiempo", "Cumplimiento", "Mediana (días hábiles)"],
               [[f"{f.procedure} · etapa {f.stage}", f.activity, f.deadline, f.with_deadline,
                 f.on_time, _percent(f.compliance),
                 "—" if f.median_days is None else f"{f.median_days:g}"]
                for f in data.deadline_stages()])
    else:
        document.add_paragraph("Ninguna etapa con plazo terminó en el periodo.")
    document.add_paragraph(
        f"Al {board.today:%d/%m/%Y}: {board.totals.open} solicitud(es) en curso, "
        f"{board.totals.overdue} vencida(s).")

    document.add_heading("4. Dónde esperan las solicitudes", level=1)
    chart = bottleneck_png(board)
    if chart is None or board.bottleneck is None:
        document.add_paragraph("No hubo esperas en el periodo.")
    else:
        neck = board.bottleneck
        document.add_paragraph(
            f"Cuello de botella: {neck.label} · {neck.activity} — {neck.waiting_total} días "
            f"hábiles de espera en total; {neck.waiting_now} solicitud(es) esperando hoy.")
        document.add_picture(io.BytesIO(chart), width=Cm(16))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading("5. Material publicado: la versión aprobada", level=1)
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
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
