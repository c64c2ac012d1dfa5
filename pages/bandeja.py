"""Bandeja: my pending actions, oldest first, with due dates; then every request."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import Status
from core.domain.permissions import Capability
from core.services import intake
from core.services import requests as services
from ui import session
from ui.tables import request_frame

user = session.require_user()
session.show_flash()
ledger = session.ledger()
today = session.now().date()
calendar = session.calendar()

st.title("Bandeja")

waiting = intake.review(ledger)
if waiting and session.permissions().can(user, Capability.TAKE_INTAKE):
    st.info(f"{len(waiting)} fila(s) de la pestaña de ingreso esperan ser registradas o "
            "corregidas. La aplicación no escribe en esa pestaña: lo que falta corregir "
            "se ve aquí.")
    problems = [v for v in waiting if not v.valid]
    if problems:
        st.dataframe(pd.DataFrame([{
            "Fila": v.row, "Marca temporal": v.record.submitted_at,
            "Usuario": v.record.username, "Título": v.record.title, "Qué corregir": v.problem,
        } for v in problems]), hide_index=True, width="stretch", key="intake_waiting")
    if st.button("Tomar filas del ingreso", key="intake_take"):
        report = session.run(lambda: intake.take_rows(session.repository(), user.username,
                                                      session.now()))
        if report is not None:
            session.flash(f"{len(report.registered)} solicitud(es) registrada(s); "
                          f"{len(report.waiting)} fila(s) esperan corrección.")
            st.rerun()


def table(frame: pd.DataFrame, key: str) -> None:
    """A request table; clicking a row opens that request."""

    def picked() -> None:
        rows = st.session_state[key].selection.rows
        if rows:
            st.session_state["request_id"] = frame.iloc[rows[0]]["Solicitud"]
            st.session_state["goto_request"] = True

    st.dataframe(frame, hide_index=True, width="stretch", key=key, on_select=picked,
                 selection_mode="single-row")


if st.session_state.pop("goto_request", False):
    st.switch_page("pages/solicitud.py")
st.caption("Haga clic en una fila para abrir la solicitud.")
items = services.inbox(ledger, user.username, calendar, today)
if items:
    overdue = sum(1 for item in items if item.due.overdue)
    st.subheader(f"Pendientes de mi acción ({len(items)})")
    if overdue:
        st.error(f"{overdue} vencida(s): atiéndalas primero.")
    table(request_frame(items), "inbox_table")
    choice = st.selectbox("Abrir solicitud", [i.request.request_id for i in items],
                          format_func=lambda rid: f"{rid} · {ledger.requests[rid].title}",
                          key="inbox_pick")
    if st.button("Abrir", key="inbox_open", type="primary"):
        st.session_state["request_id"] = choice
        st.switch_page("pages/solicitud.py")
else:
    st.success("No tiene acciones pendientes.")

st.subheader("Todas las solicitudes")
statuses = st.multiselect("Estado", list(Status), default=[Status.IN_PROGRESS],
                          format_func=lambda s: s.label, key="all_status")
everything = [i for i in services.open_requests(ledger, calendar, today)
              if i.state.status in statuses]
table(request_frame(everything), "all_table")
if ledger.issues:
    st.caption(f"⚠️ {len(ledger.issues)} fila(s) del libro no pasan la validación; se "
               "conservan sin cambios y no se usan hasta corregirlas.")
