"""What the «Solicitud» page shows of one request: where it stands, the last observation,
its data, the timeline of events and the procedure's stages.

Everything is laid out to read at 1366 px and on a phone (390 px) without scrolling
sideways: text blocks that wrap, not wide tables. User text is shown literally.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.domain.deadlines import due_info, waits_for_window
from core.domain.ledger import Ledger
from core.domain.models import Event, Status, User
from core.domain.procedures import DeadlineKind, OutcomeKind
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    EXIT_CODES,
    NOTE,
    ROUTE_KEY,
    ROUTES,
    RequestState,
    allowed_actions,
    event_label,
    has_actor,
    is_requester,
    latest_observation,
    must_act_label,
    on_behalf_of,
    outcome_kind,
)
from core.services import requests as services
from ui import formats
from ui.session import md_escape

PICK = "request_pick"


def pick_request(ledger: Ledger, user: User) -> str | None:
    """The request to show: one chosen elsewhere (Bandeja, a link, a new request) once, then
    the person's own choice; by default their oldest pending action or their latest request."""
    ids = sorted(ledger.requests, reverse=True)
    if not ids:
        return None
    wanted = st.session_state.get("request_id") or st.query_params.get("id")
    if wanted and wanted not in ids:
        st.error(f"No existe la solicitud {md_escape(wanted)}; se muestra otra.")
        st.session_state.pop("request_id", None)
        wanted = None
    if wanted and st.session_state.get(PICK) != wanted and (
            PICK not in st.session_state or wanted != st.session_state.get("request_shown")):
        st.session_state[PICK] = wanted
    if PICK not in st.session_state or st.session_state[PICK] not in ids:
        st.session_state[PICK] = services.default_request(ledger, user) or ids[0]
    chosen: str = st.selectbox("Solicitud", ids, key=PICK,
                               format_func=lambda rid: f"{rid} · {ledger.requests[rid].title}")
    st.session_state["request_id"] = st.session_state["request_shown"] = chosen
    st.query_params["id"] = chosen
    return chosen


def summary(ledger: Ledger, state: RequestState, calendar: WorkCalendar, today: date) -> None:
    """Status, stage, due date and who must act: the first thing on the page."""
    request = state.request
    st.header(md_escape(request.title), anchor=False)  # user text: shown literally
    due = due_info(state, calendar, today)
    left, middle, right = st.columns(3)
    left.metric("Estado", state.status.label)
    middle.metric("Etapa", f"{state.stage} de {state.procedure.last_stage}" if state.stage
                  else "—")
    right.metric("Vence", formats.day(due.due) if state.is_open and due.due else "—",
                 help="Plazo de la etapa actual, en días hábiles.")
    if not state.is_open:
        closed = state.events[-1] if state.events else None
        when = f" el {formats.stamp(closed.at)}" if closed else ""
        st.markdown(f"**{state.status.label}**{when}"
                    + (f" por {md_escape(formats.person(ledger, closed.actor))}"
                       if closed else "") + ".")
        return
    row = state.stage_row
    assert row is not None
    window = ""
    if waits_for_window(state, today) and request.publish_from is not None:
        window = (f" · la ventana de publicación abre el {formats.day(request.publish_from)}: "
                  "el plazo corre desde entonces")
    deadline = f":red[**{due.label}**]" if due.overdue else due.label
    st.markdown(
        f"**Debe actuar:** {md_escape(must_act_label(state))}  \n"
        f"**Plazo:** {deadline} ({md_escape(row.deadline.label)}){md_escape(window)}  \n"
        f"**Etapa {row.number}:** {md_escape(row.activity)} · {md_escape(row.clause)}"
    )
    if state.votes:
        people = ", ".join(formats.person(ledger, name) for name in state.votes)
        st.info(md_escape(f"Aprobaciones del Comité: {len(state.votes)} de "
                          f"{row.committee_quorum} ({people})."))
    if not has_actor(state, ledger.users.values()):
        st.error("Nadie activo puede actuar en esta etapa (sin responsable): la Jefatura de "
                 "la UGS o la Dirección Ejecutiva deben asignar el rol o cancelar la "
                 "solicitud.")


def _who(ledger: Ledger, event: Event) -> str:
    name = formats.person(ledger, event.actor)
    principal = on_behalf_of(event)
    if principal:
        route = ROUTES.get(str(event.payload().get(ROUTE_KEY, "")), "")
        return (f"{formats.person(ledger, principal)} (registrado por {name}"
                f"{', ' + route.lower() if route else ''})")
    return name


def observation(ledger: Ledger, state: RequestState, user: User) -> None:
    """The last return, rejection, withdrawal, cancellation or observation, with its words,
    at the top for whoever must act and for the requester (manual: «emite sugerencias»)."""
    event = latest_observation(state)
    if event is None:
        return
    concerned = (bool(allowed_actions(state, user)) or is_requester(state, user)
                 or not state.is_open)
    kind = outcome_kind(event)
    title = {OutcomeKind.RETURN.value: f"Devuelta a la etapa {event.target_stage}",
             OutcomeKind.REJECT.value: "Rechazada", NOTE: "Observación"}.get(
        kind, event_label(state.procedure, event))
    text = (f"**{title}** · {formats.stamp(event.at)} · {md_escape(_who(ledger, event))}"
            f"  \n**Observaciones:** {md_escape(event.comment)}")
    with st.container(key="observation"):
        if concerned and kind in (OutcomeKind.RETURN.value, OutcomeKind.REJECT.value,
                                  *EXIT_CODES):
            st.warning(text, icon="📝")
        else:
            st.info(text, icon="📝")


def details(ledger: Ledger, state: RequestState) -> None:
    request = state.request
    unit = ledger.units.get(request.unit)
    fields = {
        "Procedimiento": f"{state.procedure.number} · {state.procedure.name} "
                         f"(versión {state.procedure.version})",
        "Unidad solicitante": f"{request.unit} · {unit.name}" if unit else request.unit,
        "Registrada": f"{formats.stamp(request.created_at)} por "
                      f"{formats.person(ledger, request.created_by)}",
        "Objetivo": request.objective,
        "Resumen": request.summary,
        "Fotos o enlaces": request.links,
        "Publicar": f"{formats.day(request.publish_from)} a {formats.day(request.publish_to)}",
        "Protegida por norma": "sí (ruta del Comité)" if state.protected else "no",
        "Referencia": request.reference,
        "Producto": request.product.label if request.product else "",
        "Promoción pagada": f"{formats.money(request.promotion_bs)} (la aprueba la DE en su "
                            "etapa)" if request.promotion_bs else "no",
    }
    st.subheader("Datos de la solicitud")
    with st.container(key="details"):
        for name, value in fields.items():
            st.markdown(f"**{name}:** {md_escape(value) if value.strip() else formats.NOTHING}")


def timeline(ledger: Ledger, state: RequestState) -> None:
    """Every event, oldest first, one block each: every comment readable at any width."""
    st.subheader("Historial")
    with st.container(key="timeline"):
        for event in state.events:
            stage = state.procedure.stage(event.stage) if event.stage else None
            goes = f"etapa {event.target_stage}" if event.target_stage else "cierre"
            target = ("" if event.outcome == NOTE or outcome_kind(event) in EXIT_CODES
                      else f" → {goes}")
            role = _role_label(event.role)
            lines = [f"**{event.seq}. {md_escape(event_label(state.procedure, event))}**"
                     f"{target} · {formats.stamp(event.at)}",
                     f"Etapa {event.stage}: {md_escape(stage.activity) if stage else ''}",
                     f"{md_escape(_who(ledger, event))} · {md_escape(role)}"]
            if event.comment.strip():
                lines.append(f"> {md_escape(event.comment)}")
            st.markdown("  \n".join(lines[:3]) + ("\n\n" + lines[3] if len(lines) > 3 else ""))
    if state.superseded:
        st.warning(f"{len(state.superseded)} evento(s) duplicado(s) quedaron como superados "
                   "(prevalece la primera fila); se conservan en el libro.")


def _role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


def stages(state: RequestState) -> None:
    st.subheader("Etapas del procedimiento")
    rows = []
    for stage in state.procedure.stages:
        done = (state.stage is None and state.status is Status.PUBLISHED) or (
            state.stage is not None and stage.number < state.stage)
        mark = "✅ hecha" if done else ("▶️ actual" if stage.number == state.stage else "")
        scheduled = state.schedule.get(stage.number)
        rows.append({
            "Estado": mark, "Etapa": stage.number,
            "Responsable": " o ".join(r.label for r in stage.roles_for(state.protected)),
            "Actividad": stage.activity,
            "Plazo": stage.deadline.label + (f" ({formats.day(scheduled)})" if scheduled and
                                             stage.deadline.kind is DeadlineKind.SCHEDULE
                                             else ""),
            "Cláusula": stage.clause,
        })
    with st.expander("Ver las etapas, sus responsables y plazos"):
        st.dataframe(formats.readable(pd.DataFrame(rows)), hide_index=True, width="stretch",
                     key="stages")
