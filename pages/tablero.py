"""Tablero de plazos: what is overdue, who must act, how often stages finish on time, and
where requests wait longest. The figures come from core.dashboard (cached per snapshot).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.adapters.exports import charts, docx_report
from core.adapters.exports.tables import to_csv_bytes, to_xlsx_bytes
from core.services import dashboard as board
from ui import caches, session

user = session.require_user()
ledger = session.ledger()
today = session.now().date()
workdays = session.calendar()

st.title("Tablero de plazos")
st.caption(
    "Plazos en días hábiles: lunes a viernes, sin feriados nacionales ni departamentales ni "
    "días no laborables institucionales. «Vencen esta semana» = en los próximos "
    f"{board.DUE_THIS_WEEK_DAYS} días hábiles. Las cifras de hoy describen las solicitudes "
    "en curso; el periodo se aplica al cumplimiento y a los tiempos por etapa.")


def downloads(frame: pd.DataFrame, stem: str, key: str) -> None:
    """Download buttons for the table just shown (formula-safe CSV and xlsx).

    The files are made only when a button is clicked (deferred data), so a page view with
    thousands of overdue requests does not build workbooks nobody asked for.
    """
    left, right, _ = st.columns([1, 1, 4])
    left.download_button("Descargar xlsx", data=lambda: to_xlsx_bytes(frame, stem[:31]),
                         file_name=f"{stem}-{today:%Y%m%d}.xlsx", key=f"{key}_xlsx",
                         mime="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet", on_click="ignore")
    right.download_button("Descargar CSV", data=lambda: to_csv_bytes(frame),
                          file_name=f"{stem}-{today:%Y%m%d}.csv", mime="text/csv",
                          key=f"{key}_csv", on_click="ignore")


def table(frame: pd.DataFrame, stem: str, key: str, empty: str) -> None:
    if frame.empty:
        st.info(empty)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=key)
    downloads(frame, stem, key)


numbers = ledger.procedures.numbers()
names = {n: f"{n} · {ledger.procedures.current(n).name}" for n in numbers}
first, second, third, fourth = st.columns(4)
start = first.date_input("Periodo desde", value=today - timedelta(days=90), key="dash_from",
                         format="DD/MM/YYYY")
end = second.date_input("Periodo hasta", value=today, key="dash_to", format="DD/MM/YYYY")
units = third.multiselect("Unidad", board.unit_choices(ledger), key="dash_units",
                          placeholder="Todas")
types = fourth.multiselect("Tipo de publicación (procedimiento)", numbers,
                           format_func=names.get, key="dash_types", placeholder="Todos")
if start > end:
    st.error("El periodo no es válido: la fecha «desde» es posterior a la fecha «hasta».")
    st.stop()

result = session.run(lambda: caches.dashboard(
    ledger, user.username, workdays, today,
    board.DashboardFilter(start, end, frozenset(units), frozenset(types))))
if result is None:
    st.stop()
totals = result.totals
cells = st.columns(5)
cells[0].metric("Vencidas", totals.overdue)
cells[1].metric("Vencen hoy", totals.due_today)
cells[2].metric("Vencen esta semana", totals.due_this_week)
cells[3].metric("En curso", totals.open)
cells[4].metric("Cumplimiento de plazos",
                "—" if result.compliance is None else f"{result.compliance:.0%}",
                help=f"{result.on_time} de {result.with_deadline} etapas con plazo terminadas "
                     "a tiempo en el periodo.")

st.subheader("Solicitudes vencidas")
table(board.overdue_frame(result), "vencidas", "dash_overdue",
      "No hay solicitudes vencidas con estos filtros.")

st.subheader("Solicitudes en curso por plazo")
tabs = st.tabs(["Por etapa", "Por rol responsable", "Por unidad", "Por tipo"])
for tab, rows, heading, stem in [
    (tabs[0], result.by_stage, "Etapa", "por-etapa"),
    (tabs[1], result.by_role, "Rol responsable", "por-rol"),
    (tabs[2], result.by_unit, "Unidad", "por-unidad"),
    (tabs[3], result.by_procedure, "Tipo de publicación", "por-tipo"),
]:
    with tab:
        table(board.breakdown_frame(rows, heading), stem, f"dash_{stem.replace('-', '_')}",
              "No hay solicitudes en curso con estos filtros.")

st.subheader("Cumplimiento y tiempos por etapa")
st.caption(
    f"Periodo {start:%d/%m/%Y} – {end:%d/%m/%Y}. Una etapa se cuenta al terminar (avance, "
    "devolución, rechazo o publicación) y está a tiempo si terminó hasta su fecha límite de "
    "ese momento. Las etapas sin plazo (variable, o la que fija el cronograma) no entran en "
    "el cumplimiento. La espera incluye las solicitudes que siguen en la etapa hoy.")
table(board.stages_frame(result), "cumplimiento-por-etapa", "dash_stages",
      "Ninguna etapa terminó en el periodo y ninguna solicitud está en curso.")

st.subheader("Cuello de botella")
chart = charts.bottleneck_chart(result)
if chart is None:
    st.info("Sin esperas que mostrar con estos filtros.")
else:
    st.markdown(session.md_escape(docx_report.bottleneck_sentence_for(result)))
    st.altair_chart(chart, width="stretch", key="dash_chart")
    downloads(board.bottleneck_frame(result), "cuello-de-botella", "dash_bottleneck")
