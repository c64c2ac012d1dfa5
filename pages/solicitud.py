"""Solicitud: where a request stands, the last observation, its material, what the person
may do, its data and the timeline of every event. The views live in ui.request_views,
ui.request_materials (ui.material_views) and ui.request_actions.
"""

from __future__ import annotations

import streamlit as st

from core.domain.workflow import must_act_label
from ui import request_actions, request_materials, request_views, session

user = session.require_user()
session.show_flash()
ledger = session.ledger()
calendar = session.calendar()
today = session.now().date()

st.title("Solicitud")
request_id = request_views.pick_request(ledger, user)
if request_id is None:
    st.info("Aún no hay solicitudes.")
    st.stop()
state = ledger.state(request_id)
if state is None:
    st.error("Esta solicitud tiene datos inválidos en el libro; revise la página de salud de "
             "datos.")
    st.stop()

request_views.summary(ledger, state, calendar, today)
request_views.observation(ledger, state, user)
request_materials.show_materials(ledger, state, user)
session.show_deferred_error()
acted = request_actions.own_actions(state, user, calendar, today)
if state.held:  # an event of it was edited in the sheet: nobody acts until it is restored
    st.warning(session.md_escape(state.held))
elif not acted and state.is_open:
    st.info(f"Esta etapa corresponde a {must_act_label(state)}. Usted puede consultar la "
            "solicitud, pero no actuar en ella.")
request_actions.on_behalf(ledger, state, user, calendar)
request_actions.note(state, user, calendar)
request_actions.exits(ledger, state, user, calendar)
request_views.details(ledger, state)
request_views.timeline(ledger, state)
request_views.stages(state)
