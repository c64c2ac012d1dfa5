"""Plan de Promoción de Servicios: the promotion professional's calendar (manual 6 d).

A calendar to plan in (month, week, list; drag to move), a timeline by campaign, the list,
overload warnings, «convertir en solicitud», the professional's forms and the .ics files.
The views live in ui.plan_views and ui.plan_calendar; the rules in core.services.plan.
"""

from __future__ import annotations

import streamlit as st

from ui import plan_views, session

user = session.require_user()
session.show_flash()
page = plan_views.PlanPage(user, session.ledger(), session.now(), session.calendar())

st.title("Plan de Promoción de Servicios")
st.caption(
    "Lo mantiene el Profesional en Promoción de Servicios (manual, 6 d); la Jefatura de la "
    "UGS, la Dirección Ejecutiva y el equipo de diseño lo consultan. Un ítem con ventana "
    "(desde–hasta) cuenta en cada día hábil de la ventana; uno sin ventana, en su fecha. "
    f"Aviso de sobrecarga: más de {page.limits.max_per_day} publicaciones en un día o más de "
    f"{page.limits.max_per_channel_day} en un mismo canal el mismo día.")

plan_views.downloads(page)
plan_views.overload_warnings(page)

calendar_tab, timeline_tab, list_tab = st.tabs(["Calendario", "Campañas", "Lista"])
with calendar_tab:
    plan_views.calendar_section(page)
    plan_views.selected_item(page)
with timeline_tab:
    plan_views.timeline(page)
with list_tab:
    plan_views.item_list(page)

plan_views.conversion(page)
if page.is_planner:
    plan_views.forms(page)
