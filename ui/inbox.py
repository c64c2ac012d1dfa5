"""The Bandeja's lists: the person's pending actions as cards (who must act, due date and
status readable at any width, one «Abrir» per request), and the requests nobody can take."""

from __future__ import annotations

import streamlit as st

from core.services.requests import InboxItem
from ui import formats
from ui.session import md_escape

CARDS = 30  # beyond this, the rest are listed in the table of every request


def open_request(request_id: str) -> None:
    """Callback of a card's «Abrir»: the Solicitud page opens on that request."""
    st.session_state["request_id"] = request_id
    st.session_state["goto_request"] = True


def card(item: InboxItem, key: str, *, show_due: bool = True) -> None:
    state = item.state
    request = state.request
    row = state.stage_row
    with st.container(border=True, key=f"{key}_{request.request_id}"):
        text, button = st.columns([5, 1], vertical_alignment="center")
        due = f":red[**{item.due.label}**]" if item.due.overdue else item.due.label
        stage = f"Etapa {row.number} de {state.procedure.last_stage}" if row else ""
        lines = [f"**{request.request_id}** · {md_escape(request.title)}",
                 f"**Debe actuar:** {md_escape(item.must_act)}"]
        if show_due:
            lines.append(f"**Vence:** {formats.day(item.due.due)} · {due} · {stage}")
        else:
            lines.append(f"{stage} · desde {formats.stamp(state.stage_started_at)}")
        text.markdown("  \n".join(lines))
        button.button("Abrir", key=f"open_{key}_{request.request_id}", on_click=open_request,
                      args=(request.request_id,))


def cards(items: list[InboxItem], key: str, *, show_due: bool = True) -> None:
    for item in items[:CARDS]:
        card(item, key, show_due=show_due)
    if len(items) > CARDS:
        st.markdown(f"… y {len(items) - CARDS} más: están en la tabla «Todas las "
                    "solicitudes», más abajo.")
