"""What a person can do on the «Solicitud» page: the stage's actions, a decision recorded on
the DE's behalf, an observation on a copy, and the ways out (withdraw, cancel).

Buttons run in callbacks with the sequence number the person saw; the services decide
again on fresh data. A refused click keeps the comment the person typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st

from core.domain.deadlines import waits_for_window
from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, User
from core.domain.permissions import Capability, with_articles
from core.domain.procedures import OutcomeKind
from core.domain.workdays import WorkCalendar
from core.domain.workflow import (
    ROUTES,
    Action,
    Exit,
    RequestState,
    allowed_actions,
    copied_roles,
    must_act_label,
    who_can_act,
)
from core.services import requests as services
from ui import formats, request_materials, session

CHANNELS = ["Facebook", "X (Twitter)", "Instagram", "YouTube", "TikTok", "LinkedIn",
            "Sitio web"]
UNSENT = "unsent_comment"


def _comment_label(actions: list[Action]) -> str:
    kinds = {a.outcome.kind for a in actions if a.requires_comment}
    needed = [word for kind, word in ((OutcomeKind.RETURN, "devolver"),
                                      (OutcomeKind.REJECT, "rechazar")) if kind in kinds]
    return f"Comentario (obligatorio para {' o '.join(needed)})" if needed \
        else "Comentario (opcional)"


def _keep_unsent(request_id: str, text: str) -> None:
    if text.strip():
        st.session_state[UNSENT] = (request_id, text)


def _show_unsent(request_id: str) -> None:
    kept = st.session_state.get(UNSENT)
    if kept and kept[0] == request_id:
        st.warning("Su comentario no se registró. Aquí está para copiarlo o volver a usarlo:")
        st.code(kept[1], language=None, wrap_lines=True)


def _run(state: RequestState, action: Callable[[], object], comment_key: str,
         success: str) -> None:
    """Call a service from a callback; on refusal keep what the person typed."""
    comment = str(st.session_state.get(comment_key, ""))
    done = session.run(action, success, defer_error=True)
    if done is None:
        _keep_unsent(state.request.request_id, comment)
        return
    st.session_state.pop(UNSENT, None)
    for key in (comment_key, "publish_channels", "publish_link", "publish_early",
                "exit_confirm"):
        st.session_state.pop(key, None)


def _take(state: RequestState, user: User, code: str, label: str, seen: int,
          calendar: WorkCalendar) -> None:
    row = state.stage_row
    schedule = {n: st.session_state[f"schedule_{n}"] for n in state.procedure.scheduled_stages()
                if f"schedule_{n}" in st.session_state} \
        if row is not None and row.records_schedule else None
    _run(state, lambda: services.act(
        session.repository(), user.username, state.request.request_id, code,
        comment=st.session_state.get("action_comment", ""), expected_seq=seen,
        now=session.now(), schedule=schedule, calendar=calendar,
        channels=st.session_state.get("publish_channels") or [],
        link=st.session_state.get("publish_link", ""),
        early=bool(st.session_state.get("publish_early")), public_url=session.public_url(),
        material=request_materials.action_material(state)),
        "action_comment", f"Acción registrada: {label}.")


def own_actions(state: RequestState, user: User, calendar: WorkCalendar, today: date) -> bool:
    """The stage's actions for someone who may take them; whether any was shown."""
    actions = allowed_actions(state, user)
    _show_unsent(state.request.request_id)
    if not actions:
        return False
    st.subheader("Acciones")
    kept = st.session_state.get(UNSENT)
    if "action_comment" not in st.session_state and kept and kept[0] == state.request.request_id:
        st.session_state["action_comment"] = kept[1]
    st.text_area(_comment_label(actions), key="action_comment", max_chars=MAX_CELL_CHARS)
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
    if any(a.target_stage is None and a.outcome.kind is OutcomeKind.FORWARD for a in actions):
        st.pills("Canales donde se publicó", CHANNELS, selection_mode="multi",
                 key="publish_channels")
        st.text_input("Enlace de la publicación", key="publish_link")
        opening = state.request.publish_from
        if waits_for_window(state, today) and opening is not None:
            st.warning(f"La ventana de publicación pedida abre el {formats.day(opening)}.")
            st.checkbox(f"Confirmo publicar antes del {formats.day(opening)} (queda "
                        "registrado)", key="publish_early")
    columns = st.columns(len(actions))
    for column, action in zip(columns, actions, strict=True):
        kind = "primary" if action.outcome.kind is OutcomeKind.FORWARD else "secondary"
        column.button(action.label, key=f"action_{action.code}", type=kind,
                      on_click=_take, args=(state, user, action.code, action.label,
                                            state.seq, calendar))
    return True


def _take_for(state: RequestState, user: User, code: str, label: str, seen: int,
              calendar: WorkCalendar) -> None:
    principal = st.session_state.get("behalf_principal") or ""
    _run(state, lambda: services.act(
        session.repository(), user.username, state.request.request_id, code,
        comment=st.session_state.get("behalf_comment", ""), expected_seq=seen,
        now=session.now(), calendar=calendar, on_behalf_of=principal,
        route=st.session_state.get("behalf_route") or "", public_url=session.public_url()),
        "behalf_comment", f"Registrado en nombre de {formats.person(session.ledger(), principal)}"
                          f": {label}.")


def on_behalf(ledger: Ledger, state: RequestState, user: User, calendar: WorkCalendar) -> None:
    """A decision given by phone, note or message, recorded for the person it belongs to."""
    row = state.stage_row
    if row is None or not row.on_behalf or allowed_actions(state, user) \
            or not session.permissions().can(user, Capability.RECORD_ON_BEHALF):
        return
    people = [u for u in who_can_act(state, ledger.users.values())
              if u.username != user.username]
    st.subheader(f"Registrar en nombre de {with_articles(state.roles_now())}")
    st.markdown(f"Si la decisión de la etapa {row.number} llegó por llamada, nota, mensaje o "
                "de forma verbal, regístrela aquí en nombre de quien la dio; la solicitud "
                "guarda quién la registró y por qué vía, y esa persona recibe aviso.")
    if not people:
        st.warning("Nadie activo tiene hoy ese rol: no hay en nombre de quién registrar.")
        return
    names = {u.username: u.full_name for u in people}
    st.selectbox("En nombre de", list(names), format_func=names.__getitem__,
                 key="behalf_principal")
    st.selectbox("Vía por la que llegó", list(ROUTES), index=None,
                 format_func=ROUTES.__getitem__, key="behalf_route",
                 placeholder="Elija cómo llegó la instrucción")
    principal = ledger.users[st.session_state.get("behalf_principal") or people[0].username]
    actions = allowed_actions(state, principal)
    st.text_area(_comment_label(actions), key="behalf_comment", max_chars=MAX_CELL_CHARS)
    columns = st.columns(max(1, len(actions)))
    for column, action in zip(columns, actions, strict=False):
        column.button(action.label, key=f"behalf_{action.code}",
                      on_click=_take_for, args=(state, user, action.code, action.label,
                                                state.seq, calendar))


def note(state: RequestState, user: User, calendar: WorkCalendar) -> None:
    """An observation by whoever got a copy («mediante la jefatura de la UGS»)."""
    roles = copied_roles(state)
    if not any(user.has(r) for r in roles):
        return
    st.subheader("Observación (usted recibió copia)")
    st.markdown("La etapa anterior se le remitió con copia. Puede dejar una observación para "
                f"{must_act_label(state)}; la solicitud no se detiene.")
    st.text_area("Observación", key="note_comment", max_chars=MAX_CELL_CHARS)
    st.button("Dejar observación", key="note_add", on_click=lambda: _run(
        state, lambda: services.add_note(
            session.repository(), user.username, state.request.request_id,
            comment=st.session_state.get("note_comment", ""), expected_seq=state.seq,
            now=session.now(), calendar=calendar, public_url=session.public_url()),
        "note_comment", "Observación registrada."))


def _exit(state: RequestState, user: User, exit: Exit, seen: int,
          calendar: WorkCalendar) -> None:
    if not st.session_state.get("exit_confirm"):
        st.session_state["deferred_error"] = ("Marque la confirmación: la solicitud termina "
                                              "aquí y no admite más acciones.")
        return
    word = "retirada" if exit is Exit.WITHDRAW else "cancelada"
    _run(state, lambda: services.close_request(
        session.repository(), user.username, state.request.request_id, exit,
        comment=st.session_state.get("exit_reason", ""), expected_seq=seen,
        now=session.now(), calendar=calendar, public_url=session.public_url()),
        "exit_reason", f"Solicitud {word}.")


def exits(ledger: Ledger, state: RequestState, user: User, calendar: WorkCalendar) -> None:
    """Withdraw (the requester) or cancel (DE, UGS head) — out of the way, with a confirmation."""
    offered = [e for e in Exit if services.may_exit(ledger, state, user, e)]
    if not offered:
        return
    title = offered[0].label if len(offered) == 1 else "Retirar o cancelar la solicitud"
    with st.expander(title, expanded=bool(st.session_state.get("exit_reason"))):
        st.markdown("Quien pidió la publicación puede retirarla antes de publicarla; la "
                    "Dirección Ejecutiva o la Jefatura de la UGS pueden cancelarla con un "
                    "motivo. La solicitud sale de las bandejas y de los plazos, y se avisa a "
                    "quien debía actuar.")
        label = "Motivo (obligatorio para cancelar)" if Exit.CANCEL in offered else "Motivo"
        st.text_area(label, key="exit_reason", max_chars=MAX_CELL_CHARS)
        st.checkbox("Confirmo que la solicitud termina aquí", key="exit_confirm")
        for exit in offered:
            st.button(exit.label, key=f"exit_{exit.value}", on_click=_exit,
                      args=(state, user, exit, state.seq, calendar))
