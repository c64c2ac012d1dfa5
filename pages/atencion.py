"""Consultas y crisis: the service logs of the manual (5 b–f).

Questions from the public must be answered within 15 minutes (5 e): the open ones show a
running clock, and the page how often the rule was kept (around the clock and within the
attention hours). Crises are led by the UGS (5 f). Views in ui.attention_views; rules and
role checks in core.services.service_logs.
"""

from __future__ import annotations

import streamlit as st

from ui import attention_views, session

user = session.require_user()
session.show_flash()
ledger = session.ledger()
now = session.now()

st.title("Consultas y crisis")
questions_tab, crisis_tab = st.tabs(["Consultas del público", "Manejo de crisis"])
with questions_tab:
    attention_views.questions_tab(user, ledger, now)
with crisis_tab:
    attention_views.crisis_tab(user, ledger, now)
