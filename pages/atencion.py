"""Consultas y crisis: the service logs of the manual (5 b–f).

Questions from the public must be answered within 15 minutes (5 e): the page shows how
often that happened and which were late. Crises are led by the UGS (5 f). Rules and role
checks live in core.service_logs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from core.domain.models import AnswerMode, PublicQuestion
from core.domain.permissions import Capability
from core.services import service_logs as logs
from ui import session
from ui.formats import show_table

CHANNELS = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "TikTok", "LinkedIn",
            "WhatsApp", "Sitio web"]
MODES = {AnswerMode.PUBLIC: "Pública (en la red)", AnswerMode.PRIVATE: "Privada (mensaje)"}

user = session.require_user()
session.show_flash()
ledger = session.ledger()
now = session.now()
today = now.date()
may_answer = session.permissions().can(user, Capability.ANSWER_COMMENTS)
leads_crises = session.permissions().can(user, Capability.LEAD_CRISIS)
names = {u.username: u.full_name for u in ledger.users.values()}

st.title("Consultas y crisis")
questions_tab, crisis_tab = st.tabs(["Consultas del público", "Manejo de crisis"])

with questions_tab:
    st.caption("Regla del manual (5 e): responder las consultas en redes sociales en un "
               "máximo de 15 minutos. Las atienden el Administrador Principal, los editores y "
               "los moderadores de RRSS.")
    left, right = st.columns(2)
    first = left.date_input("Desde", value=today - timedelta(days=30), key="att_from",
                            format="DD/MM/YYYY")
    last = right.date_input("Hasta", value=today, key="att_to", format="DD/MM/YYYY")
    everything = logs.questions(ledger)
    figures = logs.answer_compliance(everything, first, last, now)
    share, median = figures.share_on_time, figures.median_minutes
    columns = st.columns(4)
    columns[0].metric("Consultas", figures.total)
    columns[1].metric("Respondidas en 15 minutos",
                      "—" if share is None else f"{share:.0%}".replace(".", ","))
    columns[2].metric("Mediana de respuesta",
                      "—" if median is None else f"{median:.0f} min")
    columns[3].metric("Sin respuesta (vencidas)", figures.unanswered)
    if figures.pending:
        st.caption(f"{figures.pending} consulta(s) aún dentro de sus 15 minutos; no cuentan "
                   "en el porcentaje.")

    def question_rows(chosen: list[PublicQuestion]) -> pd.DataFrame:
        return pd.DataFrame([{
            "Consulta": q.question_id, "Recibida": q.received_at, "Canal": q.channel,
            "Resumen": q.summary, "Respondida": q.answered_at,
            "Minutos": None if (m := logs.minutes_to_answer(q)) is None else round(m, 1),
            "Respuesta": MODES[q.mode] if q.mode else "",
            "Atendida por": names.get(q.answered_by, q.answered_by),
            "Resultado": logs.answer_outcome(q, now).label,
        } for q in chosen], columns=["Consulta", "Recibida", "Canal", "Resumen", "Respondida",
                                     "Minutos", "Respuesta", "Atendida por", "Resultado"])

    st.markdown("**Fuera de plazo** (respondidas después de 15 minutos o sin respuesta)")
    show_table(question_rows(figures.overdue), hide_index=True, width="stretch",
                 key="att_late_table")
    st.markdown("**Todas las consultas del período**")
    period = [q for q in everything if first <= q.received_at.date() <= last]
    show_table(question_rows(period), hide_index=True, width="stretch",
                 key="att_questions_table")

    if may_answer:
        st.subheader("Registrar una consulta")
        with st.form("att_question_form", clear_on_submit=True):
            channel = st.selectbox("Canal", CHANNELS, key="att_q_channel")
            summary = st.text_area("Consulta (resumen)", key="att_q_summary")
            day_col, time_col = st.columns(2)
            received_day = day_col.date_input("Recibida el", value=today, max_value=today,
                                              key="att_q_day", format="DD/MM/YYYY")
            received_time = time_col.time_input("a las", value=now.time().replace(second=0),
                                                key="att_q_time", step=60)
            answered = st.checkbox("Ya fue respondida", key="att_q_answered")
            day_col, time_col = st.columns(2)
            answer_day = day_col.date_input("Respondida el", value=today, max_value=today,
                                            key="att_q_answer_day", format="DD/MM/YYYY")
            answer_time = time_col.time_input("a las", value=now.time().replace(second=0),
                                              key="att_q_answer_time", step=60)
            mode = st.radio("Respuesta", list(MODES), format_func=MODES.__getitem__,
                            key="att_q_mode", horizontal=True)
            recorded = st.form_submit_button("Registrar consulta", type="primary",
                                             key="att_q_submit")
        if recorded and session.run(lambda: logs.record_question(
                session.repository(), user.username, {
                    "received_at": datetime.combine(received_day, received_time),
                    "channel": channel, "summary": summary,
                    "answered_at": datetime.combine(answer_day, answer_time)
                    if answered else None,
                    "mode": mode if answered else None,
                }, session.now()), "Consulta registrada."):
            st.rerun()

        waiting = [q for q in everything if q.answered_at is None]
        if waiting:
            st.subheader("Registrar la respuesta de una consulta")
            pick = st.selectbox(
                "Consulta sin respuesta", [q.question_id for q in waiting], key="att_a_pick",
                format_func=lambda qid: next(f"{q.received_at:%d/%m %H:%M} · {q.channel} · "
                                             f"{q.summary[:60]}" for q in waiting
                                             if q.question_id == qid))
            day_col, time_col, mode_col = st.columns(3)
            answer_day = day_col.date_input("Respondida el", value=today, max_value=today,
                                            key="att_a_day", format="DD/MM/YYYY")
            answer_time = time_col.time_input("a las", value=now.time().replace(second=0),
                                              key="att_a_time", step=60)
            answer_mode = mode_col.radio("Respuesta", list(MODES),
                                         format_func=MODES.__getitem__, key="att_a_mode")
            if st.button("Registrar respuesta", key="att_a_submit") and session.run(
                    lambda: logs.answer_question(
                        session.repository(), user.username, pick,
                        datetime.combine(answer_day, answer_time), answer_mode,
                        session.now()) or True, "Respuesta registrada."):
                st.rerun()

with crisis_tab:
    st.caption("Manual (5 f): en una crisis en redes sociales la UGS lidera y el personal "
               "involucrado acompaña. La Jefatura de la UGS abre el incidente; ella o quien "
               "lo lidera registra las acciones y lo cierra.")
    incidents = logs.incidents(ledger)
    open_ones = [i for i in incidents if i.closed_at is None]
    if open_ones:
        st.warning(f"{len(open_ones)} incidente(s) abierto(s).")
    show_table(pd.DataFrame([{
        "Incidente": i.incident_id, "Estado": "Abierto" if i.closed_at is None else "Cerrado",
        "Descripción": i.description, "Lidera": names.get(i.leader, i.leader),
        "Personal involucrado": i.staff, "Acciones": i.actions, "Abierto": i.opened_at,
        "Cerrado": i.closed_at,
    } for i in incidents], columns=["Incidente", "Estado", "Descripción", "Lidera",
                                    "Personal involucrado", "Acciones", "Abierto",
                                    "Cerrado"]),
        hide_index=True, width="stretch", key="att_incidents_table")

    if leads_crises:
        st.subheader("Abrir un incidente")
        leaders = logs.possible_leaders(ledger)
        with st.form("att_incident_form", clear_on_submit=True):
            description = st.text_area("Qué ocurre", key="att_i_description")
            leader = st.selectbox("Lidera (UGS)", [u.username for u in leaders],
                                  format_func=lambda name: names.get(name, name),
                                  key="att_i_leader")
            staff = st.text_input("Personal involucrado", key="att_i_staff")
            actions = st.text_area("Acciones iniciales", key="att_i_actions")
            day_col, time_col = st.columns(2)
            opened_day = day_col.date_input("Desde el", value=today, max_value=today,
                                            key="att_i_day", format="DD/MM/YYYY")
            opened_time = time_col.time_input("a las", value=now.time().replace(second=0),
                                              key="att_i_time", step=60)
            opened = st.form_submit_button("Abrir incidente", type="primary",
                                           key="att_i_submit")
        if opened and session.run(lambda: logs.open_incident(
                session.repository(), user.username, {
                    "description": description, "leader": leader or "", "staff": staff,
                    "actions": actions,
                    "opened_at": datetime.combine(opened_day, opened_time),
                }, session.now()), "Incidente abierto."):
            st.rerun()

    mine = [i for i in open_ones if leads_crises or i.leader == user.username]
    if mine:
        st.subheader("Registrar acciones o cerrar")
        by_id = {i.incident_id: i for i in mine}
        pick = st.selectbox("Incidente abierto", list(by_id), key="att_c_pick",
                            format_func=lambda iid: f"{iid} · {by_id[iid].description[:60]}")
        incident = by_id[pick]
        if st.session_state.get("att_c_loaded") != (pick, incident.staff, incident.actions):
            st.session_state["att_c_staff"] = incident.staff
            st.session_state["att_c_actions"] = incident.actions
            st.session_state["att_c_loaded"] = (pick, incident.staff, incident.actions)
        staff = st.text_input("Personal involucrado", key="att_c_staff")
        actions = st.text_area("Acciones tomadas", key="att_c_actions")
        day_col, time_col = st.columns(2)
        closed_day = day_col.date_input("Cerrado el", value=today, max_value=today,
                                        key="att_c_day", format="DD/MM/YYYY")
        closed_time = time_col.time_input("a las", value=now.time().replace(second=0),
                                          key="att_c_time", step=60)
        save_col, close_col = st.columns(2)
        if save_col.button("Guardar acciones", key="att_c_save") and session.run(
                lambda: logs.update_incident(session.repository(), user.username, pick,
                                             staff=staff, actions=actions,
                                             now=session.now()) or True,
                "Acciones registradas."):
            st.rerun()
        if close_col.button("Cerrar incidente", key="att_c_close", type="primary") and \
                session.run(lambda: logs.update_incident(
                    session.repository(), user.username, pick, staff=staff, actions=actions,
                    now=session.now(), close_at=datetime.combine(closed_day, closed_time))
                    or True, "Incidente cerrado."):
            st.rerun()
