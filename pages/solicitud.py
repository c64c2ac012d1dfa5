"""Solicitud: details, timeline of every event, current stage, and the allowed actions."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.domain.deadlines import due_info
from core.domain.models import MAX_CELL_CHARS
from core.domain.procedures import DeadlineKind
from core.domain.workflow import allowed_actions, event_label, must_act_label
from core.services import requests as services
from ui import material_views, session

user = session.require_user()
session.show_flash()
ledger = session.ledger()
calendar = session.calendar()
today = session.now().date()

st.title("Solicitud")


def _day(value: object) -> str:
    return f"{value:%d/%m/%Y}" if value else "—"


ids = sorted(ledger.requests, reverse=True)
if not ids:
    st.info("Aún no hay solicitudes.")
    st.stop()
wanted = st.session_state.get("request_id") or st.query_params.get("id")
# A request chosen elsewhere (Bandeja, Nueva solicitud, a link) is applied once; after that
# the selectbox is the person's own choice and must not snap back to the previous one.
if wanted in ids and st.session_state.get("request_pick") != wanted and (
        "request_pick" not in st.session_state
        or wanted != st.session_state.get("request_shown")):
    st.session_state["request_pick"] = wanted
request_id = st.selectbox("Solicitud", ids, key="request_pick",
                          format_func=lambda rid: f"{rid} · {ledger.requests[rid].title}")
st.session_state["request_id"] = st.session_state["request_shown"] = request_id
st.query_params["id"] = request_id
state = ledger.state(request_id)
if state is None:
    st.error("Esta solicitud tiene datos inválidos en el libro; revise la página de salud de "
             "datos.")
    st.stop()
request = state.request
due = due_info(state, calendar, today)

st.subheader(session.md_escape(request.title))  # user text: shown literally
left, middle, right = st.columns(3)
left.metric("Estado", state.status.label)
middle.metric("Etapa", f"{state.stage} de {state.procedure.last_stage}" if state.stage
              else "—")
right.metric("Vence", f"{due.due:%d/%m/%Y}" if state.is_open and due.due else "—",
             help="Plazo de la etapa actual, en días hábiles.")
if state.is_open:
    right.markdown(f":red[**{due.label}**]" if due.overdue else due.label)

details = {
    "Procedimiento": f"{state.procedure.number} · {state.procedure.name} "
                     f"(versión {state.procedure.version})",
    "Unidad solicitante": f"{request.unit} · {ledger.units[request.unit].name}"
                          if request.unit in ledger.units else request.unit,
    "Registrada": f"{request.created_at:%d/%m/%Y %H:%M} por {request.created_by}",
    "Objetivo": request.objective,
    "Resumen": request.summary,
    "Fotos o enlaces": request.links,
    "Publicar": f"{_day(request.publish_from)} a {_day(request.publish_to)}",
    "Protegida por norma": "sí (ruta del Comité)" if state.protected else "no",
    "Referencia": request.reference,
    "Producto": request.product.label if request.product else "—",
    "Promoción pagada": f"Bs {request.promotion_bs:,.2f} (la aprueba la DE en su etapa)"
    .replace(",", "·").replace(".", ",").replace("·", ".") if request.promotion_bs else "no",
}
st.dataframe(pd.DataFrame({"Campo": list(details), "Valor": list(details.values())}),
             hide_index=True, width="stretch", key="details")

if state.is_open and state.stage_row:
    row = state.stage_row
    st.markdown(f"#### Etapa {row.number}: {session.md_escape(row.activity)}")
    st.markdown(
        f"**Debe actuar:** {session.md_escape(must_act_label(state))} · "
        f"**Instrumento:** {session.md_escape(row.instrument)} · "
        f"**Plazo referencial:** {session.md_escape(row.deadline.label)} · "
        f"**Cláusula:** {session.md_escape(row.clause)}"
    )
    if row.interpretation:
        st.caption(f"Interpretación: {session.md_escape(row.interpretation)}")
    if state.votes:
        st.info(session.md_escape(f"Aprobaciones del Comité: {len(state.votes)} de "
                                  f"{row.committee_quorum} ({', '.join(state.votes)})."))

CHANNELS = ["Facebook", "X (Twitter)", "Instagram", "YouTube", "TikTok", "LinkedIn",
            "Sitio web"]


def take_action(code: str, label: str, seen_seq: int) -> None:
    """Runs before the rerun, with the sequence number the person saw when they clicked.

    If someone else acted in between, the service refuses with «otra persona ya actuó»
    and the message is shown above the new state, instead of the click vanishing.
    """
    schedule = {n: st.session_state[f"schedule_{n}"] for n in state.procedure.scheduled_stages()
                if f"schedule_{n}" in st.session_state} if state.stage_row and \
        state.stage_row.records_schedule else None
    done = session.run(lambda: services.act(
        session.repository(), user.username, request_id, code,
        comment=st.session_state.get("action_comment", ""), expected_seq=seen_seq,
        now=session.now(), schedule=schedule, calendar=calendar,
        channels=st.session_state.get("publish_channels", []),
        link=st.session_state.get("publish_link", ""),
        material=material_views.submission(state)), f"Acción registrada: {label}.",
        defer_error=True)
    if done is not None:
        for key in ("action_comment", "publish_channels", "publish_link"):
            st.session_state.pop(key, None)


material_views.show(state, user)
session.show_deferred_error()
actions = allowed_actions(state, user)
if actions:
    st.markdown("#### Acciones")
    st.text_area("Comentario (obligatorio para devolver o rechazar)", key="action_comment",
                 max_chars=MAX_CELL_CHARS)
    row = state.stage_row
    if row is not None and row.records_schedule:
        st.markdown("**Cronograma** · fecha de cada etapa «de acuerdo a cronograma»")
        for number in state.procedure.scheduled_stages():
            stage = state.procedure.stage(number)
            default = state.schedule.get(number) or calendar.due_date(session.now(), number)
            st.date_input(
                f"Etapa {number}: {stage.activity[:70]}", value=max(default, today),
                min_value=today, max_value=today + timedelta(days=730),
                key=f"schedule_{number}", format="DD/MM/YYYY")
    if any(a.target_stage is None and a.outcome.kind.value == "avanzar" for a in actions):
        st.multiselect("Canales donde se publicó", CHANNELS, key="publish_channels")
        st.text_input("Enlace de la publicación", key="publish_link")
    columns = st.columns(len(actions))
    for column, action in zip(columns, actions, strict=True):
        kind = "primary" if action.outcome.kind.value == "avanzar" else "secondary"
        column.button(action.label, key=f"action_{action.code}", type=kind,
                      on_click=take_action, args=(action.code, action.label, state.seq))
elif state.is_open:
    st.info(f"Esta etapa corresponde a {must_act_label(state)}. Usted puede consultar la "
            "solicitud, pero no actuar en ella.")

st.markdown("#### Historial")
names = {u.username: u.full_name for u in ledger.users.values()}
timeline = []
for event in state.events:
    stage = state.procedure.stage(event.stage) if event.stage else None
    timeline.append({
        "#": event.seq,
        "Fecha y hora": f"{event.at:%d/%m/%Y %H:%M}",
        "Etapa": f"{event.stage} · {stage.activity[:60]}" if stage else "",
        "Acción": event_label(state.procedure, event),
        "Hacia": str(event.target_stage or "cierre"),
        "Usuario": names.get(event.actor, event.actor),
        "Rol": event.role,
        "Comentario": event.comment,
    })
st.dataframe(pd.DataFrame(timeline), hide_index=True, width="stretch",
             key="timeline")
if state.superseded:
    st.warning(f"{len(state.superseded)} evento(s) duplicado(s) quedaron como superados "
               "(prevalece la primera fila); se conservan en el libro.")

st.markdown("#### Procedimiento")
stages = []
for stage in state.procedure.stages:
    mark = "✅" if (state.stage is None and state.status.value == "publicada") or (
        state.stage is not None and stage.number < state.stage) else (
        "▶️" if stage.number == state.stage else "")
    scheduled = state.schedule.get(stage.number)
    stages.append({
        "": mark, "Etapa": stage.number, "Responsable": ", ".join(
            r.label for r in stage.roles_for(state.protected)),
        "Actividad": stage.activity,
        "Plazo": stage.deadline.label + (f" ({scheduled:%d/%m/%Y})" if scheduled and
                                         stage.deadline.kind is DeadlineKind.SCHEDULE else ""),
        "Cláusula": stage.clause,
    })
st.dataframe(pd.DataFrame(stages), hide_index=True, width="stretch", key="stages")
