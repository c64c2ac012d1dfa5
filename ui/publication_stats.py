"""The networks' statistics on «Publicaciones directas»: the latest figures of every
publication, typed by hand or imported from a network's CSV export (core.services.statistics).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.ledger import Ledger
from core.domain.models import User
from core.domain.permissions import Capability
from core.services import statistics
from ui import session

CHANNELS = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "TikTok", "LinkedIn",
            "Sitio web"]


def section(user: User, ledger: Ledger) -> None:
    st.subheader("Estadísticas de las redes")
    st.caption("Alcance, interacciones y clics que muestran las propias redes (manual, 5 b–d: "
               "«ver estadísticas»). Cuentan las últimas cifras de cada publicación y canal; "
               "el Informe Técnico las incluye.")
    items = statistics.published_items(ledger)
    titles = {p.reference: p.title for p in items}
    shown = sorted(statistics.latest(ledger).values(),
                   key=lambda s: (s.measured_on, s.publication), reverse=True)
    st.dataframe(pd.DataFrame([{
        "Publicación": s.publication, "Título": titles.get(s.publication, ""),
        "Canal": s.channel, "Alcance": s.reach, "Interacciones": s.interactions,
        "Clics": s.clicks, "Medido el": s.measured_on, "Fuente": s.source,
    } for s in shown], columns=["Publicación", "Título", "Canal", "Alcance", "Interacciones",
                                "Clics", "Medido el", "Fuente"]),
        hide_index=True, width="stretch", key="stats_table")
    if not ledger.permissions.can(user, Capability.RECORD_STATISTICS) or not items:
        return
    by_hand, from_file = st.tabs(["Registrar a mano", "Importar el CSV de una red"])
    with by_hand, st.form("stats_form", clear_on_submit=True):
        pick = st.selectbox("Publicación", list(titles), key="stats_pick",
                            format_func=lambda ref: f"{ref} · {titles[ref]}")
        channel = st.selectbox("Canal", CHANNELS, key="stats_channel")
        reach_col, interactions_col, clicks_col = st.columns(3)
        reach = reach_col.number_input("Alcance", min_value=0, value=None, step=1,
                                       key="stats_reach")
        interactions = interactions_col.number_input("Interacciones", min_value=0, value=None,
                                                     step=1, key="stats_interactions")
        clicks = clicks_col.number_input("Clics", min_value=0, value=None, step=1,
                                         key="stats_clicks")
        day = st.date_input("Medido el", value=session.now().date(), key="stats_day",
                            format="DD/MM/YYYY")
        saved = st.form_submit_button("Registrar estadísticas", type="primary")
    if saved and session.run(lambda: statistics.record_stats(
            session.repository(), user.username, {
                "publication": pick, "channel": channel, "reach": reach,
                "interactions": interactions, "clicks": clicks, "measured_on": day,
            }, session.now()), "Estadísticas registradas."):
        st.rerun()
    with from_file:
        upload = st.file_uploader("Exportación de la red, en CSV", type=["csv"],
                                  key="stats_file")
        day = st.date_input("Cifras al", value=session.now().date(), key="stats_file_day",
                            format="DD/MM/YYYY")
        if upload is None:
            return
        text = upload.getvalue().decode("utf-8-sig", errors="replace")
        preview = session.run(lambda: statistics.preview_import(ledger, text))
        if preview is None:
            return
        st.caption(f"{len(preview.matched)} fila(s) corresponden a publicaciones; "
                   f"{len(preview.unmatched)} no.")
        if preview.unmatched:
            st.dataframe(pd.DataFrame([{"Fila": r.line, "Enlace": r.link,
                                        "Problema": r.problem} for r in preview.unmatched]),
                         hide_index=True, width="stretch", key="stats_unmatched")
        if preview.matched and st.button("Importar", key="stats_import", type="primary") \
                and session.run(lambda: statistics.import_stats(
                    session.repository(), user.username, text, upload.name, day,
                    session.now()), "Estadísticas importadas."):
            st.rerun()
