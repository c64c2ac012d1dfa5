"""Órdenes de eliminación (manual, 6 a): DE orders a publication removed, the administrator
confirms that it was. Both steps are audited; the Jefatura de la UGS follows them here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.permissions import Capability
from core.domain.roles import Role
from core.services import deletions
from ui import formats, session

user = session.require_user()
session.show_flash()
repo = session.repository()
ledger = session.ledger()

st.title("Órdenes de eliminación")
st.markdown("«La Dirección Ejecutiva mediante nota, correo o llamada o mensaje, podrá "
            "autorizar, solicitar la eliminación de un mensaje o publicación» (manual, 6 a). "
            "El Administrador Principal de RRSS la elimina y lo confirma aquí.")

orders = deletions.deletion_orders(ledger)
pending = [v for v in orders if v.pending]

own = session.permissions().can(user, Capability.ORDER_DELETION)
directors = {u.username: u.full_name for u in ledger.users.values()
             if u.active and u.has(Role.DE) and u.username != user.username}
behalf = not own and bool(directors) and session.permissions().can(
    user, Capability.RECORD_ON_BEHALF)
if own or behalf:
    st.header("Ordenar una eliminación" if own else "Registrar una orden de la Dirección "
              "Ejecutiva")
    principal = None
    if behalf:
        st.markdown("La orden llegó por nota, correo, llamada o mensaje: regístrela en nombre "
                    "de la Dirección Ejecutiva, que recibe aviso.")
        principal = st.selectbox("En nombre de", list(directors),
                                 format_func=directors.__getitem__, key="deletion_principal")
    choices = deletions.publication_choices(ledger)
    kind = st.radio("Qué se elimina", ["registrada", "enlace"], horizontal=True,
                    format_func=lambda k: {"registrada": "Una publicación registrada",
                                           "enlace": "Otro mensaje o publicación (enlace)"}[k],
                    key="deletion_kind")
    if kind == "registrada":
        labels = {t.reference: f"{t.reference} · {t.title}"
                  + (f" ({t.channel})" if t.channel else "") for t in choices}
        reference = st.selectbox("Publicación", list(labels), format_func=labels.__getitem__,
                                 key="deletion_target")
    else:
        reference = st.text_input("Enlace (https://…)", key="deletion_url")
    channel = st.text_input("Red social (vacía: la de la publicación directa)",
                            key="deletion_channel")
    via = st.selectbox("Vía de la orden", deletions.VIAS,
                       format_func=deletions.VIA_LABELS.__getitem__, key="deletion_via")
    reason = st.text_area("Motivo", key="deletion_reason")
    if st.button("Ordenar eliminación", key="deletion_order", type="primary") and session.run(
            lambda: deletions.order_deletion(
                repo, user.username, {"publication": reference or "", "channel": channel,
                                      "reason": reason, "via": via}, session.now(),
                on_behalf_of=principal, public_url=session.public_url()),
            "Orden registrada; el Administrador Principal debe confirmarla."):
        st.rerun()

st.header(f"Pendientes de confirmar ({len(pending)})")
if pending and session.permissions().can(user, Capability.CONFIRM_DELETION):
    pick = st.selectbox("Orden", [v.order.order_id for v in pending],
                        format_func=lambda oid: next(
                            f"{oid} · {v.order.publication} ({v.order.channel})"
                            for v in pending if v.order.order_id == oid),
                        key="deletion_pick")
    note = st.text_input("Nota (opcional): cómo y cuándo se eliminó", key="deletion_note")
    if st.button("Confirmar eliminación", key="deletion_confirm", type="primary") and \
            session.run(lambda: deletions.confirm_deletion(
                repo, user.username, pick, session.now(), note=note) or True,
                "Eliminación confirmada."):
        st.rerun()
elif pending:
    st.markdown("El Administrador Principal de RRSS confirma cada eliminación.")
elif not orders:
    st.info("No hay órdenes de eliminación.")


def frame(views: list[deletions.OrderView], confirmed: bool) -> pd.DataFrame:
    columns = ["Orden", "Publicación", "Título", "Red social", "Motivo", "Vía", "Ordenada por",
               "Ordenada en", *(["Confirmada por", "Confirmada en"] if confirmed else [])]
    return pd.DataFrame([{
        "Orden": v.order.order_id,
        "Publicación": v.order.publication,
        "Título": v.target.title if v.target else "",
        "Red social": v.order.channel,
        "Motivo": v.order.reason,
        "Vía": deletions.VIA_LABELS.get(v.order.via, v.order.via),
        "Ordenada por": formats.person(ledger, v.order.ordered_by),
        "Ordenada en": formats.stamp(v.order.ordered_at),
        "Confirmada por": formats.person(ledger, v.order.confirmed_by)
        if v.order.confirmed_by else formats.NOTHING,
        "Confirmada en": formats.stamp(v.order.confirmed_at),
    } for v in views], columns=columns)


if pending:
    st.dataframe(frame(pending, False), hide_index=True, width="stretch", key="deletion_pending")
done = [v for v in orders if not v.pending]
if done:
    st.header(f"Confirmadas ({len(done)})")
    st.dataframe(frame(done, True), hide_index=True, width="stretch", key="deletion_done")
