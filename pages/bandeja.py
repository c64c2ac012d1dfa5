"""Bandeja: my pending actions, oldest first, with who must act and the due date; requests
nobody can take (for those who may cancel them); instructions recorded in my name; then
every request."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import Status
from core.domain.permissions import Capability
from core.services import instructions, intake
from core.services import requests as services
from ui import inbox, session
from ui.tables import CONFIG, instruction_frame, request_frame

user = session.require_user()
session.show_flash()
ledger = session.ledger()
today = session.now().date()
calendar = session.calendar()

if st.session_state.pop("goto_request", False):
    st.switch_page("pages/solicitud.py")

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
                                                      session.now(), session.public_url()))
        if report is not None:
            session.flash(f"{len(report.registered)} solicitud(es) registrada(s); "
                          f"{len(report.waiting)} fila(s) esperan corrección.")
            st.rerun()


def table(frame: pd.DataFrame, key: str) -> None:
    """A request table; clicking a row opens that request."""

    def picked() -> None:
        rows = st.session_state[key].selection.rows
        if rows:
            inbox.open_request(frame.iloc[rows[0]]["Solicitud"])

    st.dataframe(frame, hide_index=True, width="stretch", key=key, on_select=picked,
                 selection_mode="single-row", column_config=CONFIG)


items = services.inbox(ledger, user.username, calendar, today)
st.header(f"Pendientes de mi acción ({len(items)})")
if items:
    overdue = sum(1 for item in items if item.due.overdue)
    if overdue:
        st.error(f"{overdue} vencida(s): atiéndalas primero.")
    inbox.cards(items, "pending")
else:
    st.success("No tiene acciones pendientes.")

if session.permissions().can(user, Capability.CANCEL):
    stuck = services.unattended(ledger, calendar, today)
    if stuck:
        st.header(f"Sin responsable ({len(stuck)})")
        st.warning("Nadie activo puede actuar en la etapa actual de estas solicitudes: asigne "
                   "el rol que falta (Usuarios y unidades) o cancélelas con un motivo.")
        inbox.cards(stuck, "stuck", show_due=False)

mine = instructions.instructions_for(ledger, user.username)
if mine:
    st.header(f"Instrucciones registradas en su nombre ({len(mine)})")
    st.markdown("Decisiones y órdenes que otra persona registró en su nombre, con la vía por "
                "la que las recibió.")
    st.dataframe(instruction_frame(ledger, mine), hide_index=True, width="stretch",
                 key="instructions_table")

st.header("Todas las solicitudes")
st.markdown("Toque una fila para abrir la solicitud.")
statuses = st.pills("Estado", list(Status), default=[Status.IN_PROGRESS],
                    selection_mode="multi", format_func=lambda s: s.label, key="all_status")
everything = [i for i in services.open_requests(ledger, calendar, today)
              if i.state.status in (statuses or [])]
table(request_frame(everything), "all_table")
if ledger.issues:
    st.markdown(f"⚠️ {len(ledger.issues)} fila(s) del libro no pasan la validación; se "
                "conservan sin cambios y no se usan hasta corregirlas.")
