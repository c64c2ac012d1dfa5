"""Publicaciones directas: types 4–7, which have no procedure (manual, section 12); their
product (section 10), their paid promotion approved by the DE (7.1), and the networks'
statistics of every publication (5 b–d «ver estadísticas»)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core.domain.models import DIRECT_TYPES, MAX_CELL_CHARS, Product
from core.domain.permissions import Capability
from core.services import direct_publications
from ui import formats, publication_stats, session
from ui.request_actions import CHANNELS

user = session.require_user()
session.show_flash()
ledger = session.ledger()
now = session.now()
may = session.permissions().can

st.title("Publicaciones directas (tipos 4 a 7)")
st.markdown("Sin procedimiento: las publica el Administrador Principal de RRSS, que responde "
            "por ellas (manual, sección 12), o el Editor de RRSS (5 c), en cuyo caso el "
            "Administrador Principal recibe aviso de cada una. La promoción pagada puede "
            "aplicarse a cualquier tipo, previa aprobación de la Dirección Ejecutiva (7.1).")

if may(user, Capability.PUBLISH_DIRECT):
    with st.form("direct"):
        kind = st.selectbox("Tipo", DIRECT_TYPES, format_func=lambda t: t.label,
                            key="direct_type")
        title = st.text_input("Título o descripción", key="direct_title",
                              max_chars=MAX_CELL_CHARS)
        channel = st.selectbox("Canal", CHANNELS, key="direct_channel")
        link = st.text_input("Enlace a la publicación", key="direct_link")
        left, right = st.columns(2)
        day = left.date_input("Fecha de publicación", value=now.date(), max_value=now.date(),
                              key="direct_day", format="DD/MM/YYYY")
        hour = right.time_input("Hora (24 h)", value=now.time().replace(second=0),
                                key="direct_time")
        left, right = st.columns(2)
        product = left.selectbox("Producto (sección 10)", [None, *Product],
                                 format_func=lambda p: p.label if p else "—",
                                 key="direct_product")
        promotion = right.number_input("Promoción pagada en Bs (opcional; la aprueba la DE)",
                                       min_value=0.0, value=None, step=100.0,
                                       key="direct_promotion")
        notes = st.text_area("Notas", key="direct_notes")
        submitted = st.form_submit_button("Registrar publicación", type="primary")
    if submitted:
        done = session.run(lambda: direct_publications.record_direct_publication(
            session.repository(), user.username, {
                "type": kind, "title": title, "channel": channel, "link": link,
                "published_at": datetime.combine(day, hour), "notes": notes,
                "product": product, "promotion_bs": promotion,
            }, session.now(), session.public_url()), "Publicación registrada.")
        if done:
            st.rerun()

waiting = direct_publications.pending_promotions(ledger)
if waiting and may(user, Capability.APPROVE_PROMOTION):
    st.subheader("Promociones pagadas por aprobar")
    for item in waiting:
        line, button = st.columns([4, 1])
        line.markdown(session.md_escape(
            f"{item.publication_id} · {item.title} · {item.channel} · "
            f"{formats.money(item.promotion_bs)}"))
        if button.button("Aprobar", key=f"promo_{item.publication_id}") and session.run(
                lambda pid=item.publication_id: direct_publications.approve_promotion(
                    session.repository(), user.username, pid, session.now()) or True,
                f"Promoción de {item.publication_id} aprobada."):
            st.rerun()

COLUMNS = ["Publicada", "Tipo", "Título", "Canal", "Producto", "Promoción pagada",
           "Promoción aprobada por", "Enlace", "Registrada por"]
rows = [{
    "Publicada": formats.stamp(p.published_at), "Tipo": p.type.label, "Título": p.title,
    "Canal": p.channel, "Producto": p.product.label if p.product else formats.NOTHING,
    "Promoción pagada": formats.money(p.promotion_bs),
    "Promoción aprobada por": formats.person(ledger, p.promotion_approved_by)
    if p.promotion_approved_by else formats.NOTHING,
    "Enlace": p.link or formats.NOTHING, "Registrada por": formats.person(ledger, p.recorded_by),
} for p in sorted(ledger.direct_publications, key=lambda p: p.published_at, reverse=True)]
st.dataframe(pd.DataFrame(rows, columns=COLUMNS), hide_index=True, width="stretch",
             key="direct_table")

publication_stats.section(user, ledger)
