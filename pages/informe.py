"""Informe Técnico / Nota Interna: the document on publications the professional files for
a period (manual 6 d), previewed here and downloaded as Word (.docx).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.adapters.exports import docx_report
from core.domain.roles import Role
from core.services import reports as report
from ui import session
from ui.formats import show_table

user = session.require_user()
ledger = session.ledger()
now = session.now()
today = now.date()
workdays = session.calendar()

st.title("Informe técnico")
st.caption(
    "Publicaciones por tipo y canal, solicitudes por procedimiento y resultado, cumplimiento "
    "de plazos y dónde esperan las solicitudes, para el periodo elegido. El documento se "
    "genera desde el registro de eventos; revíselo antes de firmarlo.")

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

data = report.report_data(ledger, workdays, start, end, today)
board = data.board
cells = st.columns(4)
cells[0].metric("Publicaciones", data.total_publications)
cells[1].metric("Solicitudes en el periodo",
                sum(sum(counts.values()) for _, counts in data.outcomes))
cells[2].metric("Cumplimiento de plazos",
                "—" if board.compliance is None else f"{board.compliance:.0%}")
cells[3].metric("Vencidas hoy", board.totals.overdue)

role = next((r for r in (Role.PROFESSIONAL, Role.UGS_HEAD, Role.DE) if user.has(r)),
            user.roles[0])
st.download_button(
    f"Descargar {kind.value} (DOCX)",
    data=lambda: docx_report.report_docx(data, kind, user.full_name, role.label, now),
    file_name=f"{kind.value.lower().replace(' ', '-')}-{start:%Y%m%d}-{end:%Y%m%d}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="report_download", type="primary", on_click="ignore")

st.subheader("Publicaciones por tipo y canal")
show_table(pd.DataFrame(data.by_type_and_channel,
                          columns=["Tipo de publicación", "Canal", "Publicaciones"]),
             hide_index=True, width="stretch", key="report_publications")
st.caption(f"El procedimiento de los tipos 1 a 3 no registra el canal: figura como "
           f"«{report.UNKNOWN_CHANNEL}».")

st.subheader("Solicitudes por procedimiento y resultado")
show_table(pd.DataFrame(
    [{"Procedimiento": label, **{s.label: n for s, n in counts.items()},
      "Total": sum(counts.values())} for label, counts in data.outcomes]),
    hide_index=True, width="stretch", key="report_outcomes")

st.subheader("Cumplimiento de plazos por etapa")
show_table(pd.DataFrame(
    [{"Etapa": f"{f.procedure} · etapa {f.stage}", "Actividad": f.activity,
      "Plazo": f.deadline, "Terminadas": f.with_deadline, "A tiempo": f.on_time,
      "Cumplimiento": "—" if f.compliance is None else f"{f.compliance:.0%}",
      "Mediana días hábiles": f.median_days} for f in data.deadline_stages()],
    columns=["Etapa", "Actividad", "Plazo", "Terminadas", "A tiempo", "Cumplimiento",
             "Mediana días hábiles"]),
    hide_index=True, width="stretch", key="report_stages")

chart = docx_report.bottleneck_png(board)
if chart is not None:
    st.subheader("Dónde esperan las solicitudes")
    st.image(chart, caption="El gráfico que incluye el documento.")
