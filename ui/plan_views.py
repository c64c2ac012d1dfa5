"""The views of «Plan de promoción» (pages/plan_promocion.py stays a thin page).

The calendar (ui.plan_calendar) and what its drag and click do, the campaign timeline, the
list, «convertir en solicitud» and the professional's forms. Rules live in
core.services.plan; what depends on the whole ledger is kept per snapshot in ui.caches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from core.domain.errors import DomainError
from core.domain.ledger import Ledger
from core.domain.models import PlanItem, PlanStatus, PublicationType, User
from core.domain.permissions import Capability
from core.domain.roles import UNIT_SCOPED_ROLES
from core.domain.workdays import WorkCalendar
from core.services import plan
from ui import caches, material_views, plan_calendar, session

CHANNELS = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "TikTok", "LinkedIn",
            "Sitio web"]
PENDING_MOVE = "plan_pending_move"
SEEN = "plan_calendar_seen"


@dataclass
class PlanPage:
    """What every section of the page reads, taken once per run."""

    user: User
    ledger: Ledger
    now: datetime
    workdays: WorkCalendar
    limits: plan.PlanLimits = field(
        default_factory=lambda: plan.PlanLimits.from_env(os.environ))

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def items(self) -> list[PlanItem]:
        return caches.plan_items(self.ledger)

    @cached_property
    def by_id(self) -> dict[str, PlanItem]:
        return {item.item_id: item for item in self.items}

    @cached_property
    def is_planner(self) -> bool:
        return self.ledger.permissions.can(self.user, Capability.KEEP_PLAN)

    def describe(self, item_id: str) -> str:
        item = self.by_id[item_id]
        return f"{item_id} · {item.start:%d/%m} · {item.service} ({item.type.label})"


def downloads(page: PlanPage) -> None:
    """The .ics files, built only when asked for (the due dates read the whole ledger)."""
    left, right = st.columns(2)
    left.download_button(
        "Descargar el plan (.ics)", data=lambda: caches.plan_ics(page.ledger, page.now),
        file_name="plan-promocion-servicios.ics", mime="text/calendar", key="plan_ics",
        on_click="ignore", help="Para importar en Google Calendar, Outlook u otra agenda.")
    right.download_button(
        "Descargar los plazos de las solicitudes (.ics)",
        data=lambda: caches.due_dates_ics(page.ledger, page.workdays, page.now),
        file_name="plazos-solicitudes.ics", mime="text/calendar", key="due_ics",
        on_click="ignore")


SHOWN_OVERLOADS = 8


def overload_warnings(page: PlanPage) -> None:
    found = caches.plan_overloads(page.ledger, page.workdays, page.limits, page.today)
    for overload in found[:SHOWN_OVERLOADS]:
        st.warning("⚠️ " + session.md_escape(overload.message))
    if len(found) > SHOWN_OVERLOADS:
        st.caption(f"… y {len(found) - SHOWN_OVERLOADS} aviso(s) de sobrecarga más, en días "
                   "posteriores.")


# -- the calendar -----------------------------------------------------------------------------


def calendar_section(page: PlanPage) -> None:
    from streamlit_calendar import calendar as fullcalendar

    pending_move(page)
    revision = st.session_state.get("plan_calendar_revision", 0)
    args = caches.plan_calendar_args(page.ledger, page.workdays, page.today, page.is_planner,
                                     st.session_state.get("plan_calendar_date"))
    # The revision makes the component redraw after a refused move (back to where it was).
    value = fullcalendar(events=args["events"], options=args["options"],
                         custom_css=f"{args['custom_css']}/* {revision} */",
                         callbacks=["eventClick", "eventChange"], key=plan_calendar.COMPONENT_KEY)
    st.html(plan_calendar.legend_html())
    if page.is_planner:
        st.caption("Arrastre un ítem a otro día para moverlo, o estire su borde para cambiar "
                   "su ventana. Haga clic en un ítem para abrirlo (o abrir su solicitud).")
    else:
        st.caption("Haga clic en un ítem para ver su detalle o abrir su solicitud.")
    mark = plan_calendar.fingerprint(value)
    if st.session_state.get(SEEN) == mark:
        return
    st.session_state[SEEN] = mark
    found = plan_calendar.interaction(value)
    if found is None:
        return
    kind, details = found
    if kind == "open":
        open_item(details["item_id"], details["request"])
    elif page.is_planner:
        st.session_state["plan_calendar_date"] = details["start"]
        move(page, details, confirm=False)


def move(page: PlanPage, details: dict[str, Any], confirm: bool) -> None:
    st.session_state.pop(PENDING_MOVE, None)
    try:
        moved = plan.move_item(session.repository(), page.user.username, details["item_id"],
                               details["start"], details["end"], session.now(), page.workdays,
                               page.limits, confirm_overload=confirm)
    except plan.OverloadNotConfirmed as asked:
        st.session_state[PENDING_MOVE] = (details, asked.message)
        redraw()
        st.rerun()
    except DomainError as error:
        st.session_state["plan_move_error"] = error.message
        redraw()
        st.rerun()
    else:
        if moved:
            session.flash(f"Ítem {details['item_id']} movido al "
                          f"{details['start']:%d/%m/%Y}"
                          + (f" – {details['end']:%d/%m/%Y}." if details["end"] else "."))
            session.deliver_mail_in_background()
        st.rerun()


def redraw() -> None:
    st.session_state["plan_calendar_revision"] = \
        st.session_state.get("plan_calendar_revision", 0) + 1


def pending_move(page: PlanPage) -> None:
    """A refused move's reason, or an overload waiting for the professional's word."""
    error = st.session_state.pop("plan_move_error", None)
    if error:
        st.error(error)
    waiting = st.session_state.get(PENDING_MOVE)
    if not waiting:
        return
    details, message = waiting
    st.warning(session.md_escape(message))
    yes, no = st.columns(2)
    if yes.button("Mover igualmente", key="plan_move_confirm", type="primary"):
        move(page, details, confirm=True)
    if no.button("Dejarlo donde estaba", key="plan_move_cancel"):
        st.session_state.pop(PENDING_MOVE, None)
        redraw()
        st.rerun()


def open_item(item_id: str, request_id: str) -> None:
    """A click: the item's request when it has one, else the item itself."""
    if request_id:
        st.session_state["request_id"] = request_id
        st.switch_page("pages/solicitud.py")
    st.session_state["plan_selected"] = item_id
    st.session_state["plan_edit_pick"] = item_id


def selected_item(page: PlanPage) -> None:
    item = page.by_id.get(st.session_state.get("plan_selected", ""))
    if item is None:
        return
    with st.container(border=True, key="plan_item_detail"):
        st.markdown(f"**{session.md_escape(item.item_id)} · "
                    f"{session.md_escape(plan_calendar.item_title(item))}**")
        window = f"{item.start:%d/%m/%Y}" + (
            f" al {plan.last_day(item):%d/%m/%Y}" if plan.last_day(item) != item.start else "")
        budget = "" if item.budget is None else f" · Presupuesto: {money(item.budget)}"
        st.caption(session.md_escape(
            f"{item.type.label} · {window} · Canales: {', '.join(item.channel_list()) or '—'}"
            f" · Estado: {plan.status_label(item, page.ledger)}{budget}"
            + (f" · Campaña: {item.campaign}" if item.campaign else "")))
        if item.notes:
            st.caption(session.md_escape(item.notes))


def money(amount: float) -> str:
    """Bs 1.500,00 (as Bolivians write it)."""
    text = f"{amount:,.2f}".replace(",", "·").replace(".", ",").replace("·", ".")
    return f"Bs {text}"


# -- the other views --------------------------------------------------------------------------


def timeline(page: PlanPage) -> None:
    chart = caches.memo(page.ledger, ("plan_timeline", page.today),
                        lambda: timeline_chart(page))
    if chart is None:
        st.info("El plan no tiene ítems todavía.")
        return
    st.altair_chart(chart, width="stretch", key="plan_timeline")


def timeline_chart(page: PlanPage) -> alt.LayerChart | None:
    bars = [{
        "Campaña": item.campaign or f"(sin campaña) {item.service}",
        "Ítem": item.item_id, "Servicio": item.service, "Tipo": item.type.label,
        "Estado": plan.PLAN_STATUS_LABELS[item.status], "Desde": item.start,
        "Hasta": plan.last_day(item) + timedelta(days=1),
    } for item in page.items if item.status is not PlanStatus.CANCELLED]
    if not bars:
        return None
    frame = pd.DataFrame(bars)
    frame["Desde"] = pd.to_datetime(frame["Desde"])
    frame["Hasta"] = pd.to_datetime(frame["Hasta"])
    chart = alt.Chart(frame).mark_bar(cornerRadius=3).encode(
        x=alt.X("Desde:T", title="Fecha", axis=alt.Axis(format="%d/%m")), x2="Hasta:T",
        y=alt.Y("Campaña:N", title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("Tipo:N", title="Tipo de publicación",
                        scale=alt.Scale(domain=[t.label for t in PublicationType],
                                        range=list(plan_calendar.TYPE_COLORS.values()))),
        tooltip=["Ítem", "Servicio", "Tipo", "Estado",
                 alt.Tooltip("Desde:T", format="%d/%m/%Y")],
    )
    marker = alt.Chart(pd.DataFrame({"Hoy": [pd.Timestamp(page.today)]})).mark_rule(
        color="red").encode(x="Hoy:T")
    return chart + marker


def item_list(page: PlanPage) -> None:
    st.dataframe(pd.DataFrame([{
        "Ítem": i.item_id, "Servicio": i.service, "Campaña": i.campaign,
        "Canales": ", ".join(i.channel_list()), "Tipo": i.type.label, "Desde": i.start,
        "Hasta": i.end, "Presupuesto (Bs)": i.budget,
        "Estado": plan.status_label(i, page.ledger), "Notas": i.notes,
        "Creado por": i.created_by,
    } for i in page.items], columns=["Ítem", "Servicio", "Campaña", "Canales", "Tipo", "Desde",
                                     "Hasta", "Presupuesto (Bs)", "Estado", "Notas",
                                     "Creado por"]),
        hide_index=True, width="stretch", key="plan_table")


def load(marker_key: str, marker: object, values: dict[str, object]) -> None:
    """Fill a form's widgets from an item when another item is picked."""
    if st.session_state.get(marker_key) != marker:
        for key, value in values.items():
            st.session_state[key] = value
        st.session_state[marker_key] = marker


# -- from plan to request ---------------------------------------------------------------------


def conversion(page: PlanPage) -> None:
    st.subheader("Convertir en solicitud")
    planned = [i.item_id for i in page.items if i.status is PlanStatus.PLANNED]
    if not planned:
        st.info("No hay ítems planificados por convertir.")
        return
    pick = st.selectbox("Ítem planificado", planned, format_func=page.describe,
                        key="plan_convert_pick")
    item = page.by_id[pick]
    route = plan.conversion(item, page.user, page.ledger.procedures)
    if route.kind is plan.ConversionKind.CREATE:
        conversion_form(page, item, route)
        return
    st.info(session.md_escape(route.message))
    if route.kind is plan.ConversionKind.OTHER_ROLE and page.is_planner:
        choices = plan.linkable_requests(page.ledger, item)
        if choices:
            linked = st.selectbox(
                "Solicitud ya registrada", choices, key="plan_link_pick",
                format_func=lambda rid: f"{rid} · {page.ledger.requests[rid].title}")
            if st.button("Vincular con el ítem", key="plan_link") and session.run(
                    lambda: plan.link_request(session.repository(), page.user.username, pick,
                                              linked, session.now()) or True,
                    f"Ítem {pick} vinculado con {linked}."):
                st.rerun()
    if route.kind is plan.ConversionKind.NO_PROCEDURE and page.is_planner and st.button(
            "Marcar como publicado", key="plan_mark_published") and session.run(
            lambda: plan.mark_published(session.repository(), page.user.username, pick,
                                        session.now()) or True,
            f"Ítem {pick} marcado como publicado."):
        st.rerun()


def conversion_form(page: PlanPage, item: PlanItem, route: plan.Conversion) -> None:
    assert route.procedure is not None
    user, ledger, pick = page.user, page.ledger, item.item_id
    procedure = ledger.procedures.current(route.procedure)
    first = procedure.stage(1)
    unit_scoped = all(r in UNIT_SCOPED_ROLES for r in first.roles if user.has(r))
    units = {code: u.name for code, u in ledger.units.items() if u.active}
    draft = plan.request_draft(item, user.unit)
    default_unit = user.unit if user.unit in units else next(iter(units), "")
    schedule_keys = {n: f"plan_conv_schedule_{n}" for n in procedure.scheduled_stages()}
    load("plan_conv_loaded", pick, {
        "plan_conv_title": draft["title"], "plan_conv_objective": draft["objective"],
        "plan_conv_summary": draft["summary"], "plan_conv_unit": default_unit,
        "plan_conv_from": item.start, "plan_conv_to": plan.last_day(item),
        "plan_conv_protected": False,
        **{key: max(page.today, item.start - timedelta(days=1))
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
                                format_func=lambda code: f"{code} · {units[code]}")
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
        if item.budget is not None:
            st.caption(f"Promoción pagada: {money(item.budget)} (presupuesto del ítem; la "
                       "aprueba la Dirección Ejecutiva con la solicitud).")
        convert = st.form_submit_button("Crear solicitud", type="primary", key="plan_convert")
    if not convert:
        return
    request_id = session.run(lambda: plan.convert_to_request(
        session.repository(), user.username, pick, {
            "title": title, "objective": objective, "summary": summary,
            "unit": unit or "", "publish_from": publish_from, "publish_to": publish_to,
            "protected": protected, "schedule": schedule,
        }, session.now()))
    if request_id:
        session.flash(f"Solicitud {request_id} registrada; el ítem {pick} quedó «solicitado».")
        st.session_state["request_id"] = request_id
        st.rerun()


# -- the professional's forms ------------------------------------------------------------------


def channel_options(page: PlanPage, extra: list[str]) -> list[str]:
    return list(dict.fromkeys(CHANNELS + [c for i in page.items for c in i.channel_list()]
                              + extra))


def item_fields(page: PlanPage, prefix: str, extra: list[str], today: date | None
                ) -> dict[str, object]:
    """The item's widgets in a form (keys ``plan_<prefix>_…``)."""
    service = st.text_input("Servicio que se promociona", key=f"plan_{prefix}_service")
    campaign = st.text_input("Campaña", key=f"plan_{prefix}_campaign")
    channels = st.multiselect("Canales", channel_options(page, extra),
                              key=f"plan_{prefix}_channels")
    kind = st.selectbox("Tipo de publicación", list(PublicationType),
                        format_func=lambda t: t.label, key=f"plan_{prefix}_type")
    first_col, last_col = st.columns(2)
    dated = {"value": today} if today is not None else {}
    start = first_col.date_input("Fecha (desde)", key=f"plan_{prefix}_from",
                                 format="DD/MM/YYYY", **dated)
    undated = {"value": None} if today is not None else {}
    end = last_col.date_input("Hasta (opcional, para una ventana)", key=f"plan_{prefix}_to",
                              format="DD/MM/YYYY", **undated)
    budget = st.number_input(
        "Promoción pagada: presupuesto en Bs (opcional, cualquier tipo; manual 7.1)",
        min_value=0.0, step=100.0, key=f"plan_{prefix}_budget", **undated)
    notes = st.text_area("Notas", key=f"plan_{prefix}_notes")
    return {"service": service, "campaign": campaign, "channels": channels, "type": kind,
            "start": start, "end": end, "budget": budget, "notes": notes}


def forms(page: PlanPage) -> None:
    st.subheader("Agregar ítem")
    with st.form("plan_new_form", clear_on_submit=True):
        values = item_fields(page, "new", [], page.today)
        added = st.form_submit_button("Agregar al plan", type="primary", key="plan_new_submit")
    if added and session.run(lambda: plan.add_item(
            session.repository(), page.user.username, values, session.now()),
            "Ítem agregado al plan."):
        st.rerun()
    editable = [i.item_id for i in page.items if i.status is not PlanStatus.CANCELLED]
    if not editable:
        return
    st.subheader("Editar o cancelar un ítem")
    if st.session_state.get("plan_edit_pick") not in editable:
        st.session_state.pop("plan_edit_pick", None)
    pick = st.selectbox("Ítem", editable, format_func=page.describe, key="plan_edit_pick")
    item = page.by_id[pick]
    load("plan_edit_loaded", (pick, tuple(item.model_dump().values())), {
        "plan_edit_service": item.service, "plan_edit_campaign": item.campaign,
        "plan_edit_channels": item.channel_list(), "plan_edit_type": item.type,
        "plan_edit_from": item.start, "plan_edit_to": item.end,
        "plan_edit_budget": item.budget, "plan_edit_notes": item.notes,
    })
    with st.form("plan_edit_form"):
        values = item_fields(page, "edit", item.channel_list(), None)
        saved = st.form_submit_button("Guardar cambios", type="primary", key="plan_edit_submit")
    if saved and session.run(lambda: plan.edit_item(
            session.repository(), page.user.username, pick, values, session.now()) or True,
            f"Ítem {pick} actualizado."):
        st.rerun()
    reason = st.text_input("Motivo de la cancelación", key="plan_cancel_reason")
    if st.button("Cancelar el ítem", key="plan_cancel") and session.run(
            lambda: plan.cancel_item(session.repository(), page.user.username, pick, reason,
                                     session.now()) or True, f"Ítem {pick} cancelado."):
        st.rerun()
    material_views.plan_section(item, page.user)
