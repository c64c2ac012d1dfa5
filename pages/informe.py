"""Informe Técnico / Nota Interna: the document on publications the professional files for
a period (manual 6 d), previewed here and downloaded as Word (.docx).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.adapters.exports import charts, docx_report
from core.domain.roles import Role
from core.services import reports as report
from ui import caches, session

user = session.require_user()
ledger = session.ledger()
now = session.now()
today = now.date()
workdays = session.calendar()

st.title("Informe técnico")
st.caption(
    "Publicaciones (distintas y por canal), solicitudes por procedimiento y resultado, "
    "cumplimiento de plazos, dónde esperan las solicitudes, la regla de los 15 minutos, "
    "crisis y órdenes de eliminación del periodo elegido. El documento se genera desde el "
    "registro de eventos; revíselo antes de firmarlo.")

first_of_month = today.replace(day=1)
left, middle, right = st.columns(3)
start = left.date_input("Desde", value=(first_of_month - timedelta(days=1)).replace(day=1),
                        key="report_from", format="DD/MM/YYYY")
end = middle.date_input("Hasta", value=today, key="report_to", format="DD/MM/YYYY")
kind = right.radio("Documento", list(report.DocumentKind), format_func=lambda k: k.value,
                   key="report_kind", horizontal=True)
if start > end:
    st.error("El periodo no es válido: la fecha «desde» es posterior a la fecha «hasta».")
    st.stop()

data = caches.report(ledger, workdays, start, end, now, session.attention_hours())
board = data.board
cells = st.columns(5)
cells[0].metric("Publicaciones", data.total_publications,
                help="Publicaciones distintas: una publicada en dos canales cuenta una vez.")
cells[1].metric("Publicaciones por canal", data.channel_lines,
                help="Una publicación en dos canales cuenta en cada uno.")
cells[2].metric("Solicitudes en el periodo", data.requests_in_period)
cells[3].metric("Cumplimiento de plazos",
                "—" if board.compliance is None else f"{board.compliance:.0%}")
cells[4].metric("Vencidas hoy", board.totals.overdue)

role = next((r for r in (Role.PROFESSIONAL, Role.UGS_HEAD, Role.DE) if user.has(r)),
            user.roles[0])
people = {u.username: report.person(u, next(iter(u.roles), None))
          for u in ledger.users.values() if u.active}
heads = [name for name, u in ledger.users.items() if u.active and u.has(Role.DE)]
to_col, ref_col = st.columns(2)
recipient = to_col.selectbox("A (destinatario)", list(people), format_func=people.__getitem__,
                             index=list(people).index(heads[0]) if heads else 0,
                             key="report_to_user")
reference = ref_col.text_input("Referencia (cite de la nota o documento)",
                               key="report_reference", placeholder=docx_report.MANUAL)
head = docx_report.Letterhead(report.person(user, role), people.get(recipient, ""),
                              reference.strip())
st.download_button(
    f"Descargar {kind.value} (DOCX)",
    data=lambda: docx_report.report_docx(data, kind, head, now),
    file_name=f"{kind.value.lower().replace(' ', '-')}-{start:%Y%m%d}-{end:%Y%m%d}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="report_download", type="primary", on_click="ignore")

st.subheader("Publicaciones")
st.markdown(session.md_escape(docx_report.publications_sentence(data)))
by_type, by_channel = st.columns(2)
by_type.dataframe(pd.DataFrame(data.by_type(), columns=["Tipo de publicación",
                                                        "Publicaciones"]),
                  hide_index=True, width="stretch", key="report_by_type")
by_channel.dataframe(pd.DataFrame(data.by_channel(), columns=["Canal",
                                                              "Publicaciones en el canal"]),
                     hide_index=True, width="stretch", key="report_by_channel")
note = docx_report.channels_note(data)
if note:
    st.caption(session.md_escape(note))

st.subheader("Solicitudes por procedimiento y resultado")
st.dataframe(pd.DataFrame(
    [{"Procedimiento": label, **{s.label: n for s, n in counts.items()},
      "Total": sum(counts.values())} for label, counts in data.outcomes]),
    hide_index=True, width="stretch", key="report_outcomes")

st.subheader("Cumplimiento de plazos por etapa")
st.dataframe(pd.DataFrame(
    [{"Etapa": f"{f.procedure} · etapa {f.stage}", "Actividad": f.activity,
      "Plazo": f.deadline, "Terminadas": f.with_deadline, "A tiempo": f.on_time,
      "Cumplimiento": "—" if f.compliance is None else f"{f.compliance:.0%}",
      "Mediana días hábiles": f.median_days} for f in data.deadline_stages()],
    columns=["Etapa", "Actividad", "Plazo", "Terminadas", "A tiempo", "Cumplimiento",
             "Mediana días hábiles"]),
    hide_index=True, width="stretch", key="report_stages")

st.subheader("Dónde esperan las solicitudes")
st.markdown(session.md_escape(docx_report.bottleneck_sentence(data)))
chart = charts.bottleneck_chart(board)
if chart is not None:
    st.altair_chart(chart, width="stretch", key="report_chart")
    st.caption("El mismo gráfico va en el documento.")

st.subheader("Atención al público, crisis y eliminaciones")
st.markdown(session.md_escape(docx_report.questions_sentence(data)))
st.markdown(session.md_escape(docx_report.crises_sentence(data)))

st.subheader("Productos, promoción pagada y estadísticas de las redes")
for text in (docx_report.products_sentence(data), docx_report.promotion_sentence(data),
             docx_report.stats_sentence(data)):
    if text:
        st.markdown(session.md_escape(text))

if data.material:
    st.subheader("Material publicado: la versión aprobada")
    st.dataframe(pd.DataFrame([{
        "Fecha": f"{m.published_at:%d/%m/%Y}", "Solicitud": m.request_id, "Título": m.title,
        "Versión": m.version, "SHA-256 de la versión": m.sha256} for m in data.material]),
        hide_index=True, width="stretch", key="report_material")
