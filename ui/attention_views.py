"""The views of «Consultas y crisis» (pages/atencion.py stays a thin page).

Questions from the public (5 e): a running clock on the open ones (a fragment that reruns
every few seconds and queues the minute-10 alert mails), the compliance both ways
(around the clock, as the manual, and within the attention hours), the tables and forms.
Crises (5 f): strategy, contacts with the affected citizens, actions. Rules live in
core.services.service_logs.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from core.domain.errors import DomainError
from core.domain.ledger import Ledger
from core.domain.models import AnswerMode, PublicQuestion, User
from core.domain.permissions import Capability
from core.services import service_logs as logs
from ui import session

CHANNELS = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "TikTok", "LinkedIn",
            "WhatsApp", "Sitio web"]
MODES = {AnswerMode.PUBLIC: "Pública (en la red)", AnswerMode.PRIVATE: "Privada (mensaje)"}
CLOCK_SECONDS = 5


def names(ledger: Ledger) -> dict[str, str]:
    return {u.username: u.full_name for u in ledger.users.values()}


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


@st.fragment(run_every=CLOCK_SECONDS)
def running_clock() -> None:
    """Open questions with their minutes, rerun every few seconds; alerts from minute 10."""
    now, hours = session.now(), session.attention_hours()
    try:  # the mails (once per question) ride on whoever has the page open
        if logs.queue_answer_alerts(session.repository(), now, hours):
            session.deliver_mail_in_background()
    except DomainError:
        logging.getLogger(__name__).exception("alertas de consultas")
    waiting = [q for q in logs.questions(session.ledger()) if q.answered_at is None]
    if not waiting:
        st.success("No hay consultas sin responder.")
        return
    for question in sorted(waiting, key=lambda q: q.received_at):
        due = logs.due_at(question, hours)
        elapsed = max(0, int((now - question.received_at).total_seconds() // 60))
        left = (due - now).total_seconds() / 60
        text = session.md_escape(f"{question.question_id} · {question.channel} · "
                                 f"«{question.summary[:80]}» · recibida "
                                 f"{question.received_at:%d/%m %H:%M} · {elapsed} min")
        if left < 0:
            st.error(f"{text} · **vencida** (debía responderse a las {due:%H:%M})")
        elif left <= (logs.ANSWER_LIMIT - logs.ALERT_AFTER).total_seconds() / 60:
            st.warning(f"{text} · **quedan {math.ceil(left)} min** (hasta las {due:%H:%M})")
        else:
            st.info(f"{text} · quedan {math.ceil(left)} min (hasta las {due:%H:%M})")


def question_rows(chosen: list[PublicQuestion], people: dict[str, str], now: datetime,
                  hours: logs.AttentionHours) -> pd.DataFrame:
    return pd.DataFrame([{
        "Consulta": q.question_id, "Recibida": q.received_at, "Canal": q.channel,
        "Resumen": q.summary, "Respondida": q.answered_at,
        "Minutos": None if (m := logs.minutes_to_answer(q)) is None else round(m, 1),
        "Respuesta": MODES[q.mode] if q.mode else "",
        "Atendida por": people.get(q.answered_by, q.answered_by),
        "Resultado": logs.answer_outcome(q, now, hours=hours).label,
    } for q in chosen], columns=["Consulta", "Recibida", "Canal", "Resumen", "Respondida",
                                 "Minutos", "Respuesta", "Atendida por", "Resultado"])


def questions_tab(user: User, ledger: Ledger, now: datetime) -> None:
    hours = session.attention_hours()
    st.caption("Regla del manual (5 e): responder las consultas en redes sociales en un "
               "máximo de 15 minutos. Las atienden el Administrador Principal, los editores y "
               f"los moderadores de RRSS. Horario de atención: {hours.label} "
               "(RRSS_ATTENTION_HOURS).")
    st.markdown("**Consultas abiertas** (el reloj corre; aviso por correo desde el minuto "
                f"{int(logs.ALERT_AFTER.total_seconds() // 60)})")
    running_clock()
    today = now.date()
    left, right = st.columns(2)
    first = left.date_input("Desde", value=today - timedelta(days=30), key="att_from",
                            format="DD/MM/YYYY")
    last = right.date_input("Hasta", value=today, key="att_to", format="DD/MM/YYYY")
    everything = logs.questions(ledger)
    figures = logs.answer_compliance(everything, first, last, now)
    in_hours = logs.answer_compliance(everything, first, last, now, hours=hours)
    columns = st.columns(5)
    columns[0].metric("Consultas", figures.total)
    columns[1].metric("Respondidas en 15 minutos", percent(figures.share_on_time),
                      help="Contando las 24 horas, como dice el manual.")
    columns[2].metric("En 15 minutos de atención", percent(in_hours.share_on_time),
                      help=f"Contando solo el horario de atención: {hours.label}.")
    columns[3].metric("Mediana de respuesta", "—" if figures.median_minutes is None
                      else f"{figures.median_minutes:.0f} min")
    columns[4].metric("Sin respuesta (vencidas)", figures.unanswered)
    if figures.pending:
        st.caption(f"{figures.pending} consulta(s) aún dentro de sus 15 minutos; no cuentan "
                   "en el porcentaje.")
    people = names(ledger)
    st.markdown("**Fuera de plazo** (respondidas después de 15 minutos o sin respuesta)")
    st.dataframe(question_rows(figures.overdue, people, now, logs.AROUND_THE_CLOCK),
                 hide_index=True, width="stretch", key="att_late_table")
    st.markdown("**Todas las consultas del período**")
    period = [q for q in everything if first <= q.received_at.date() <= last]
    st.dataframe(question_rows(period, people, now, logs.AROUND_THE_CLOCK), hide_index=True,
                 width="stretch", key="att_questions_table")
    if ledger.permissions.can(user, Capability.ANSWER_COMMENTS):
        question_forms(user, everything, now)


def moment(label: str, key: str, today: date, now: datetime) -> datetime:
    day_col, time_col = st.columns(2)
    day = day_col.date_input(label, value=today, max_value=today, key=f"{key}_day",
                             format="DD/MM/YYYY")
    at = time_col.time_input("a las", value=now.time().replace(second=0, microsecond=0),
                             key=f"{key}_time", step=60)
    return datetime.combine(day, at)


def question_forms(user: User, everything: list[PublicQuestion], now: datetime) -> None:
    today = now.date()
    st.subheader("Registrar una consulta")
    with st.form("att_question_form", clear_on_submit=True):
        channel = st.selectbox("Canal", CHANNELS, key="att_q_channel")
        summary = st.text_area("Consulta (resumen)", key="att_q_summary")
        received = moment("Recibida el", "att_q", today, now)
        answered = st.checkbox("Ya fue respondida", key="att_q_answered")
        answer_at = moment("Respondida el", "att_q_answer", today, now)
        mode = st.radio("Respuesta", list(MODES), format_func=MODES.__getitem__,
                        key="att_q_mode", horizontal=True)
        recorded = st.form_submit_button("Registrar consulta", type="primary",
                                         key="att_q_submit")
    if recorded and session.run(lambda: logs.record_question(
            session.repository(), user.username, {
                "received_at": received, "channel": channel, "summary": summary,
                "answered_at": answer_at if answered else None,
                "mode": mode if answered else None}, session.now()), "Consulta registrada."):
        st.rerun()
    waiting = {q.question_id: q for q in everything if q.answered_at is None}
    if not waiting:
        return
    st.subheader("Registrar la respuesta de una consulta")
    pick = st.selectbox(
        "Consulta sin respuesta", list(waiting), key="att_a_pick",
        format_func=lambda qid: f"{waiting[qid].received_at:%d/%m %H:%M} · "
                                f"{waiting[qid].channel} · {waiting[qid].summary[:60]}")
    answer_at = moment("Respondida el", "att_a", today, now)
    answer_mode = st.radio("Respuesta", list(MODES), format_func=MODES.__getitem__,
                           key="att_a_mode", horizontal=True)
    if st.button("Registrar respuesta", key="att_a_submit") and session.run(
            lambda: logs.answer_question(session.repository(), user.username, pick, answer_at,
                                         answer_mode, session.now()) or True,
            "Respuesta registrada."):
        st.rerun()


# -- crises (5 f) ---------------------------------------------------------------------------------


def crisis_tab(user: User, ledger: Ledger, now: datetime) -> None:
    may = ledger.permissions.can
    st.caption("Manual (5 f): la UGS crea la estrategia y resuelve de manera directa con los "
               "ciudadanos afectados; el personal involucrado acompaña. Quien atiende las "
               "redes puede abrir el incidente; lo dirige la Jefatura de la UGS y lo lidera "
               "una persona de la UGS. La Dirección Ejecutiva y la Jefatura de la UGS reciben "
               "un correo al abrirse y al cerrarse.")
    people = names(ledger)
    incidents = logs.incidents(ledger)
    open_ones = [i for i in incidents if i.closed_at is None]
    if open_ones:
        st.warning(f"{len(open_ones)} incidente(s) abierto(s).")
    st.dataframe(pd.DataFrame([{
        "Incidente": i.incident_id, "Estado": "Abierto" if i.closed_at is None else "Cerrado",
        "Descripción": i.description, "Lidera": people.get(i.leader, i.leader),
        "Estrategia": i.strategy, "Contactos con ciudadanos": i.contacts,
        "Personal involucrado": i.staff, "Acciones": i.actions, "Abierto": i.opened_at,
        "Cerrado": i.closed_at,
    } for i in incidents], columns=["Incidente", "Estado", "Descripción", "Lidera",
                                    "Estrategia", "Contactos con ciudadanos",
                                    "Personal involucrado", "Acciones", "Abierto", "Cerrado"]),
        hide_index=True, width="stretch", key="att_incidents_table")
    if may(user, Capability.OPEN_CRISIS):
        open_form(user, ledger, people, now)
    leads = may(user, Capability.LEAD_CRISIS)
    mine = {i.incident_id: i for i in open_ones if leads or i.leader == user.username}
    if mine:
        manage_form(user, mine, now)


def open_form(user: User, ledger: Ledger, people: dict[str, str], now: datetime) -> None:
    st.subheader("Abrir un incidente")
    leaders = [u.username for u in logs.possible_leaders(ledger)]
    with st.form("att_incident_form", clear_on_submit=True):
        description = st.text_area("Qué ocurre", key="att_i_description")
        leader = st.selectbox("Lidera (UGS)", leaders, key="att_i_leader",
                              format_func=lambda name: people.get(name, name))
        strategy = st.text_area("Estrategia", key="att_i_strategy")
        staff = st.text_input("Personal involucrado", key="att_i_staff")
        actions = st.text_area("Acciones iniciales", key="att_i_actions")
        opened_at = moment("Desde el", "att_i", now.date(), now)
        opened = st.form_submit_button("Abrir incidente", type="primary", key="att_i_submit")
    if opened and session.run(lambda: logs.open_incident(session.repository(), user.username, {
            "description": description, "leader": leader or "", "staff": staff,
            "actions": actions, "strategy": strategy, "opened_at": opened_at,
    }, session.now()), "Incidente abierto; se avisó a la Dirección Ejecutiva y a la UGS."):
        st.rerun()


def manage_form(user: User, mine: dict[str, logs.CrisisIncident], now: datetime) -> None:
    st.subheader("Estrategia, contactos y acciones; cerrar")
    pick = st.selectbox("Incidente abierto", list(mine), key="att_c_pick",
                        format_func=lambda iid: f"{iid} · {mine[iid].description[:60]}")
    incident = mine[pick]
    fields = {"att_c_staff": incident.staff, "att_c_actions": incident.actions,
              "att_c_strategy": incident.strategy, "att_c_contacts": incident.contacts}
    marker = (pick, *fields.values())
    if st.session_state.get("att_c_loaded") != marker:
        st.session_state.update(fields)
        st.session_state["att_c_loaded"] = marker
    strategy = st.text_area("Estrategia", key="att_c_strategy")
    contacts = st.text_area("Contactos con los ciudadanos afectados (quién, cómo, resultado)",
                            key="att_c_contacts")
    staff = st.text_input("Personal involucrado", key="att_c_staff")
    actions = st.text_area("Acciones tomadas", key="att_c_actions")
    closed_at = moment("Cerrado el", "att_c", now.date(), now)

    def update(close: datetime | None) -> bool:
        return logs.update_incident(session.repository(), user.username, pick, staff=staff,
                                    actions=actions, now=session.now(), close_at=close,
                                    strategy=strategy, contacts=contacts) or True

    save_col, close_col = st.columns(2)
    if save_col.button("Guardar", key="att_c_save") and session.run(
            lambda: update(None), "Incidente actualizado."):
        st.rerun()
    if close_col.button("Cerrar incidente", key="att_c_close", type="primary") and \
            session.run(lambda: update(closed_at), "Incidente cerrado."):
        st.rerun()
