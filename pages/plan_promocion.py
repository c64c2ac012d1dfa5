"""Plan de Promoción de Servicios: the promotion professional's calendar (manual 6 d).

Month and week views, a timeline by campaign, overload warnings, the professional's forms,
«convertir en solicitud» and the .ics downloads. The rules live in core.plan / core.ics.
"""

from __future__ import annotations

import calendar as gregorian
import os
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core.adapters.exports import ics
from core.domain.models import PlanItem, PlanStatus, PublicationType
from core.domain.permissions import Capability
from core.domain.roles import UNIT_SCOPED_ROLES
from core.services import plan
from ui import formats, session

CHANNELS = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "TikTok", "LinkedIn",
            "Sitio web"]
MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre"]
DAY_HEADERS = ["Lun", "Mar", "Mié", "Jue", "Vie", "Sáb", "Dom"]

user = session.require_user()
session.show_flash()
ledger = session.ledger()
now = session.now()
today = now.date()
workdays = session.calendar()
limits = plan.PlanLimits.from_env(os.environ)  # RRSS_PLAN_MAX_PER_DAY / _PER_CHANNEL_DAY
items = plan.plan_items(ledger)
by_id = {item.item_id: item for item in items}
is_planner = session.permissions().can(user, Capability.KEEP_PLAN)

st.title("Plan de Promoción de Servicios")
st.caption(
    "Lo mantiene el Profesional en Promoción de Servicios (manual, 6 d); la Jefatura de la "
    "UGS, la Dirección Ejecutiva y el equipo de diseño lo consultan. Un ítem con ventana "
    "(desde–hasta) cuenta en cada día hábil de la ventana; uno sin ventana, en su fecha. "
    f"Aviso de sobrecarga: más de {limits.max_per_day} publicaciones en un día o más de "
    f"{limits.max_per_channel_day} en un mismo canal el mismo día.")

left, right = st.columns(2)
left.download_button(
    "Descargar el plan (.ics)", data=ics.plan_ics(items, now),
    file_name="plan-promocion-servicios.ics", mime="text/calendar", key="plan_ics",
    help="Para importar en Google Calendar, Outlook u otra agenda.")
right.download_button(
    "Descargar los plazos de las solicitudes (.ics)",
    data=ics.due_dates_ics(ledger.states.values(), workdays, now),
    file_name="plazos-solicitudes.ics", mime="text/calendar", key="due_ics")

upcoming = plan.overloads(items, workdays, limits, first=today)
for overload in upcoming:
    st.warning("⚠️ " + session.md_escape(overload.message))
overloaded_days = {o.day for o in upcoming}


def item_line(item: PlanItem) -> str:
    mark = " (cancelado)" if item.status is PlanStatus.CANCELLED else ""
    return f"T{item.type.value} · {item.service}{mark}"


def month_options() -> list[tuple[int, int]]:
    first = min([today.replace(day=1)] + [i.start.replace(day=1) for i in items])
    last = max([today.replace(day=1)] + [plan.last_day(i).replace(day=1) for i in items])
    months, cursor = [], first
    while cursor <= last + timedelta(days=62):
        months.append((cursor.year, cursor.month))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def holiday(day: date) -> str:
    return workdays.holiday_name(day) or ""


month_tab, week_tab, timeline_tab, list_tab = st.tabs(
    ["Mes", "Semana", "Campañas", "Lista"])

with month_tab:
    options = month_options()
    year, month = st.selectbox(
        "Mes", options, index=options.index((today.year, today.month)), key="plan_month",
        format_func=lambda ym: f"{MONTHS[ym[1] - 1]} {ym[0]}")
    weeks = gregorian.Calendar(firstweekday=0).monthdatescalendar(year, month)
    loads = plan.items_by_day(items, workdays, weeks[0][0], weeks[-1][-1])
    for column, header in zip(st.columns(7), DAY_HEADERS, strict=True):
        column.markdown(f"**{header}**")
    for week in weeks:
        for column, day in zip(st.columns(7), week, strict=True):
            cell = column.container(border=True)
            if day.month != month:
                cell.caption(f"{day.day}")
                continue
            flag = " ⚠️" if day in overloaded_days else ""
            today_mark = " · hoy" if day == today else ""
            cell.markdown(f"**{day.day}**{today_mark}{flag}")
            if holiday(day):
                cell.caption(f"🎉 {session.md_escape(holiday(day))}")
            for item in loads.get(day, []):
                cell.markdown(f"- {session.md_escape(item_line(item))}")

with week_tab:
    picked = st.date_input("Semana del", value=today, key="plan_week", format="DD/MM/YYYY")
    monday = picked - timedelta(days=picked.weekday())
    sunday = monday + timedelta(days=6)
    week_loads = plan.items_by_day(items, workdays, monday, sunday)
    rows = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        for item in week_loads.get(day, []):
            rows.append({
                "Día": f"{plan.WEEKDAYS[day.weekday()]} {day:%d/%m}", "Feriado": holiday(day),
                "Ítem": item.item_id, "Servicio": item.service, "Campaña": item.campaign,
                "Canales": ", ".join(item.channel_list()), "Tipo": item.type.label,
                "Estado": plan.status_label(item, ledger)})
        if not week_loads.get(day) and holiday(day):
            rows.append({"Día": f"{plan.WEEKDAYS[day.weekday()]} {day:%d/%m}",
                         "Feriado": holiday(day)})
    st.caption(f"Del {monday:%d/%m/%Y} al {sunday:%d/%m/%Y}.")
    for overload in plan.overloads(items, workdays, limits, monday, sunday):
        st.warning("⚠️ " + session.md_escape(overload.message))
    st.dataframe(pd.DataFrame(rows, columns=["Día", "Feriado", "Ítem", "Servicio", "Campaña",
                                             "Canales", "Tipo", "Estado"]),
                 hide_index=True, width="stretch", key="plan_week_table")

with timeline_tab:
    bars = [{
        "Campaña": item.campaign or f"(sin campaña) {item.service}",
        "Ítem": item.item_id, "Servicio": item.service, "Tipo": item.type.label,
        "Estado": plan.PLAN_STATUS_LABELS[item.status], "Desde": item.start,
        "Hasta": plan.last_day(item) + timedelta(days=1),
    } for item in items if item.status is not PlanStatus.CANCELLED]
    if bars:
        frame = pd.DataFrame(bars)
        frame["Desde"] = pd.to_datetime(frame["Desde"])
        frame["Hasta"] = pd.to_datetime(frame["Hasta"])
        chart = alt.Chart(frame).mark_bar(cornerRadius=3).encode(
            x=alt.X("Desde:T", title="Fecha"), x2="Hasta:T",
            y=alt.Y("Campaña:N", title=None),
            color=alt.Color("Tipo:N", title="Tipo de publicación"),
            tooltip=["Ítem", "Servicio", "Tipo", "Estado",
                     alt.Tooltip("Desde:T", format="%d/%m/%Y")],
        )
        marker = alt.Chart(pd.DataFrame({"Hoy": [pd.Timestamp(today)]})).mark_rule(
            color="red").encode(x="Hoy:T")
        st.altair_chart(chart + marker, width="stretch", key="plan_timeline")
    else:
        st.info("El plan no tiene ítems todavía.")

with list_tab:
    st.dataframe(pd.DataFrame([{
        "Ítem": i.item_id, "Servicio": i.service, "Campaña": i.campaign,
        "Canales": ", ".join(i.channel_list()), "Tipo": i.type.label,
        "Desde": formats.day(i.start), "Hasta": formats.day(i.end),
        "Presupuesto": formats.money(i.budget), "Estado": plan.status_label(i, ledger),
        "Notas": i.notes or formats.NOTHING, "Creado por": formats.person(ledger, i.created_by),
    } for i in items], columns=["Ítem", "Servicio", "Campaña", "Canales", "Tipo", "Desde",
                                "Hasta", "Presupuesto", "Estado", "Notas", "Creado por"]),
        hide_index=True, width="stretch", key="plan_table")


# -- from plan to request ------------------------------------------------------------------


def describe(item_id: str) -> str:
    item = by_id[item_id]
    return f"{item_id} · {item.start:%d/%m} · {item.service} ({item.type.label})"


def load(marker_key: str, marker: object, values: dict[str, object]) -> None:
    """Fill a form's widgets from an item when another item is picked."""
    if st.session_state.get(marker_key) != marker:
        for key, value in values.items():
            st.session_state[key] = value
        st.session_state[marker_key] = marker


st.subheader("Convertir en solicitud")
planned = [i.item_id for i in items if i.status is PlanStatus.PLANNED]
if not planned:
    st.info("No hay ítems planificados por convertir.")
else:
    pick = st.selectbox("Ítem planificado", planned, format_func=describe,
                        key="plan_convert_pick")
    item = by_id[pick]
    route = plan.conversion(item, user, ledger.procedures)
    if route.kind is plan.ConversionKind.CREATE:
        assert route.procedure is not None
        procedure = ledger.procedures.current(route.procedure)
        first = procedure.stage(1)
        unit_scoped = all(r in UNIT_SCOPED_ROLES for r in first.roles if user.has(r))
        units = {code: u.name for code, u in ledger.units.items() if u.active}
        draft = plan.request_draft(item, user.unit)
        default_unit = None  # asked explicitly: the planner is not the requesting unit
        schedule_keys = {n: f"plan_conv_schedule_{n}" for n in procedure.scheduled_stages()}
        load("plan_conv_loaded", pick, {
            "plan_conv_title": draft["title"], "plan_conv_objective": draft["objective"],
            "plan_conv_summary": draft["summary"], "plan_conv_unit": default_unit,
            "plan_conv_from": item.start, "plan_conv_to": plan.last_day(item),
            "plan_conv_protected": False,
            **{key: max(today, item.start - timedelta(days=1))
               for key in schedule_keys.values()},
        })
        st.caption(session.md_escape(route.message))
        with st.form("plan_convert_form"):
            title = st.text_input("Título", key="plan_conv_title")
            objective = st.text_area("Objetivo", key="plan_conv_objective")
            summary = st.text_area("Resumen", key="plan_conv_summary")
            unit = user.unit
            if not unit_scoped:
                unit = st.selectbox("Unidad solicitante", list(units), key="plan_conv_unit",
                                    format_func=lambda code: f"{code} · {units[code]}",
                                    placeholder="Elija la unidad que pide la publicación")
            first_col, last_col = st.columns(2)
            publish_from = first_col.date_input("Publicar desde", key="plan_conv_from",
                                                format="DD/MM/YYYY")
            publish_to = last_col.date_input("Publicar hasta", key="plan_conv_to",
                                             format="DD/MM/YYYY")
            protected = st.checkbox("Contenido protegido por norma (lo aprueba el Comité)",
                                    key="plan_conv_protected")
            schedule = {}
            for number, key in schedule_keys.items():
                schedule[number] = st.date_input(
                    f"Cronograma · etapa {number}: {procedure.stage(number).activity[:70]}",
                    key=key, format="DD/MM/YYYY")
            st.text_input("Referencia", value=plan.plan_reference(pick), disabled=True)
            convert = st.form_submit_button("Crear solicitud", type="primary",
                                            key="plan_convert")
        if convert:
            request_id = session.run(lambda: plan.convert_to_request(
                session.repository(), user.username, pick, {
                    "title": title, "objective": objective, "summary": summary,
                    "unit": unit or "", "publish_from": publish_from,
                    "publish_to": publish_to, "protected": protected, "schedule": schedule,
                }, session.now(), session.public_url()))
            if request_id:
                st.session_state["flash"] = (f"Solicitud {request_id} registrada; el ítem "
                                             f"{pick} quedó «solicitado».")
                st.session_state["request_id"] = request_id
                st.rerun()
    else:
        st.info(session.md_escape(route.message))
        if route.kind is plan.ConversionKind.OTHER_ROLE and is_planner:
            choices = plan.linkable_requests(ledger, item)
            if choices:
                linked = st.selectbox(
                    "Solicitud ya registrada", choices, key="plan_link_pick",
                    format_func=lambda rid: f"{rid} · {ledger.requests[rid].title}")
                if st.button("Vincular con el ítem", key="plan_link") and session.run(
                        lambda: plan.link_request(session.repository(), user.username, pick,
                                                  linked, session.now()) or True,
                        f"Ítem {pick} vinculado con {linked}."):
                    st.rerun()
        if route.kind is plan.ConversionKind.NO_PROCEDURE and is_planner and st.button(
                "Marcar como publicado", key="plan_mark_published") and session.run(
                lambda: plan.mark_published(session.repository(), user.username, pick,
                                            session.now()) or True,
                f"Ítem {pick} marcado como publicado."):
            st.rerun()

if not is_planner:
    st.stop()


# -- the professional's forms ----------------------------------------------------------------


def channel_options(extra: list[str]) -> list[str]:
    return list(dict.fromkeys(CHANNELS + [c for i in items for c in i.channel_list()]
                              + extra))


st.subheader("Agregar ítem")
with st.form("plan_new_form", clear_on_submit=True):
    service = st.text_input("Servicio que se promociona", key="plan_new_service")
    campaign = st.text_input("Campaña", key="plan_new_campaign")
    channels = st.multiselect("Canales", channel_options([]), key="plan_new_channels",
                              placeholder="Elija los canales", select_all=False)
    kind = st.selectbox("Tipo de publicación", list(PublicationType),
                        format_func=lambda t: t.label, key="plan_new_type")
    first_col, last_col = st.columns(2)
    start = first_col.date_input("Fecha (desde)", value=today, key="plan_new_from",
                                 format="DD/MM/YYYY")
    end = last_col.date_input("Hasta (opcional, para una ventana)", value=None,
                              key="plan_new_to", format="DD/MM/YYYY")
    budget = st.number_input("Presupuesto en Bs (solo promoción pagada, tipo 1)",
                             min_value=0.0, value=None, step=100.0, key="plan_new_budget")
    notes = st.text_area("Notas", key="plan_new_notes")
    added = st.form_submit_button("Agregar al plan", type="primary", key="plan_new_submit")
if added and session.run(lambda: plan.add_item(session.repository(), user.username, {
        "service": service, "campaign": campaign, "channels": channels, "type": kind,
        "start": start, "end": end, "budget": budget, "notes": notes}, session.now()),
        "Ítem agregado al plan."):
    st.rerun()

editable = [i.item_id for i in items if i.status is not PlanStatus.CANCELLED]
if editable:
    st.subheader("Editar o cancelar un ítem")
    pick = st.selectbox("Ítem", editable, format_func=describe, key="plan_edit_pick")
    item = by_id[pick]
    load("plan_edit_loaded", (pick, tuple(item.model_dump().values())), {
        "plan_edit_service": item.service, "plan_edit_campaign": item.campaign,
        "plan_edit_channels": item.channel_list(), "plan_edit_type": item.type,
        "plan_edit_from": item.start, "plan_edit_to": item.end,
        "plan_edit_budget": item.budget, "plan_edit_notes": item.notes,
    })
    with st.form("plan_edit_form"):
        service = st.text_input("Servicio que se promociona", key="plan_edit_service")
        campaign = st.text_input("Campaña", key="plan_edit_campaign")
        channels = st.multiselect("Canales", channel_options(item.channel_list()),
                                  placeholder="Elija los canales", select_all=False,
                                  key="plan_edit_channels")
        kind = st.selectbox("Tipo de publicación", list(PublicationType),
                            format_func=lambda t: t.label, key="plan_edit_type")
        first_col, last_col = st.columns(2)
        start = first_col.date_input("Fecha (desde)", key="plan_edit_from",
                                     format="DD/MM/YYYY")
        end = last_col.date_input("Hasta (opcional)", key="plan_edit_to",
                                  format="DD/MM/YYYY")
        budget = st.number_input("Presupuesto en Bs (solo tipo 1)", min_value=0.0,
                                 step=100.0, key="plan_edit_budget")
        notes = st.text_area("Notas", key="plan_edit_notes")
        saved = st.form_submit_button("Guardar cambios", type="primary", key="plan_edit_submit")
    if saved and session.run(lambda: plan.edit_item(
            session.repository(), user.username, pick, {
                "service": service, "campaign": campaign, "channels": channels,
                "type": kind, "start": start, "end": end, "budget": budget, "notes": notes,
            }, session.now()) or True, f"Ítem {pick} actualizado."):
        st.rerun()
    reason = st.text_input("Motivo de la cancelación", key="plan_cancel_reason")
    if st.button("Cancelar el ítem", key="plan_cancel") and session.run(
            lambda: plan.cancel_item(session.repository(), user.username, pick, reason,
                                     session.now()) or True, f"Ítem {pick} cancelado."):
        st.rerun()
