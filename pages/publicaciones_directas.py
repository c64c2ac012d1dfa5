"""Publicaciones directas: types 4–7, which have no procedure (manual, section 12)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core.domain.models import DIRECT_TYPES, MAX_CELL_CHARS
from core.domain.permissions import Capability
from core.services import direct_publications
from ui import session

user = session.require_user()
session.show_flash()
ledger = session.ledger()
now = session.now()

st.title("Publicaciones directas (tipos 4 a 7)")
st.caption("Sin procedimiento: las publica y responde por ellas el Administrador Principal "
           "de RRSS (manual, sección 12).")

if session.permissions().can(user, Capability.PUBLISH_DIRECT):
    with st.form("direct"):
        kind = st.selectbox("Tipo", DIRECT_TYPES, format_func=lambda t: t.label,
                            key="direct_type")
        title = st.text_input("Título o descripción", key="direct_title", max_chars=MAX_CELL_CHARS)
        channel = st.selectbox("Canal", ["Facebook", "X (Twitter)", "Instagram", "YouTube",
                                         "TikTok", "LinkedIn", "Sitio web"],
                               key="direct_channel")
        link = st.text_input("Enlace a la publicación", key="direct_link")
        left, right = st.columns(2)
        day = left.date_input("Fecha de publicación", value=now.date(), max_value=now.date(),
                              key="direct_day", format="DD/MM/YYYY")
        hour = right.time_input("Hora", value=now.time().replace(second=0),
                                key="direct_time")
        notes = st.text_area("Notas", key="direct_notes")
        submitted = st.form_submit_button("Registrar publicación", type="primary")
    if submitted:
        done = session.run(lambda: direct_publications.record_direct_publication(
            session.repository(), user.username, {
                "type": kind, "title": title, "channel": channel, "link": link,
                "published_at": datetime.combine(day, hour), "notes": notes,
            }, session.now()), "Publicación registrada.")
        if done:
            st.rerun()

rows = [{
    "Publicada": p.published_at, "Tipo": p.type.label, "Título": p.title, "Canal": p.channel,
    "Enlace": p.link, "Registrada por": p.recorded_by,
} for p in sorted(ledger.direct_publications, key=lambda p: p.published_at, reverse=True)]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             key="direct_table")
