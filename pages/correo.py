"""Correo saliente: the notification mails (tab «correo_saliente»), their status and errors."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.adapters.smtp import mailer_from_env
from core.domain.models import MailStatus
from core.domain.permissions import Capability
from core.services import notifications as notify
from ui import caches, session
from ui.formats import show_table

user = session.require_user()
if not session.permissions().can(user, Capability.MANAGE_OUTBOX):
    st.error("Esta página es de la Jefatura de la UGS y del administrador del sistema.")
    st.stop()
session.show_flash()

st.title("Correo saliente")
st.caption("Los avisos de cada acción y el resumen diario de vencidas se guardan aquí junto "
           "con la acción; un envío posterior los entrega por SMTP y anota el resultado.")

mailer = session.mailer()
problem = ""
if mailer is None:
    try:
        mailer_from_env()
    except ValueError as error:
        problem = str(error)
if mailer is None and session.ledger().is_demo:
    st.info(notify.DEMO_NO_MAIL)
elif problem:
    st.error(f"La configuración de correo es inválida: {problem}. Los correos quedan en cola.")
elif mailer is None:
    st.info("No hay servidor de correo configurado (RRSS_SMTP_HOST): los correos quedan en "
            "esta bandeja de salida y en la pestaña «correo_saliente» del libro.")
else:
    st.success(f"Envío por SMTP: {mailer.describe()}.")

if st.button("Reintentar envío", key="outbox_retry", disabled=mailer is None,
             help="Envía ahora los pendientes y los fallidos, sin esperar el próximo intento."):
    with st.spinner("Enviando…"):
        repo = session.repository()
        report = session.run(lambda: notify.retry_now(repo, user.username, mailer,
                                                      session.now(), caches.delivery_slot(repo)))
    if report is not None:
        if report.failed:
            st.warning(report.summary)
        else:
            st.success(report.summary)
        if report.error:
            st.error(f"Último error: {session.md_escape(report.error)}")

ledger = session.ledger()
mails = notify.outbox(ledger)
counts = {status: sum(1 for m in mails if m.status is status) for status in MailStatus}
left, middle, right = st.columns(3)
left.metric("Pendientes", counts[MailStatus.PENDING])
middle.metric("Enviados", counts[MailStatus.SENT])
right.metric("Fallidos", counts[MailStatus.FAILED])
if counts[MailStatus.FAILED]:
    st.error(f"{counts[MailStatus.FAILED]} correo(s) no se pudieron enviar tras "
             f"{notify.MAX_ATTEMPTS} intentos o fueron rechazados; revise el error y use "
             "«Reintentar envío».")

missing = notify.users_without_email(ledger)
if missing:
    st.warning("Estas personas no tienen correo registrado y no reciben avisos: "
               + session.md_escape(", ".join(f"{u.full_name} ({u.username})" for u in missing)))

statuses = st.multiselect("Estado", list(MailStatus), default=list(MailStatus),
                          format_func=lambda s: s.value, key="outbox_status",
                          placeholder="Elija los estados", select_all=False)
shown = [m for m in mails if m.status in statuses]
show_table(pd.DataFrame(
    [{"Creado": m.created_at, "Para": m.to, "Asunto": m.subject, "Estado": m.status.value,
      "Intentos": m.attempts, "Último error": m.last_error, "Enviado": m.sent_at,
      "Próximo intento": notify.next_attempt_at(m) if m.status is MailStatus.PENDING
      else None, "Id": m.mail_id} for m in shown],
    columns=["Creado", "Para", "Asunto", "Estado", "Intentos", "Último error", "Enviado",
             "Próximo intento", "Id"]),
    hide_index=True, width="stretch", key="outbox_table")

if shown:
    by_id = {m.mail_id: m for m in shown}
    pick = st.selectbox("Ver correo", list(by_id), key="outbox_pick",
                        format_func=lambda mid: f"{by_id[mid].to} · {by_id[mid].subject[:90]}")
    chosen = by_id[pick]
    st.text(f"Para: {chosen.to}\nAsunto: {chosen.subject}\n\n{chosen.body}")
else:
    st.info("No hay correos con ese estado.")
