"""Tables of requests as pandas frames of text, for st.dataframe (which renders cells as
text), with the columns a person looks for first: who must act, when it is due, status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.ledger import Ledger
from core.services.instructions import Instruction
from core.services.requests import InboxItem
from ui import formats

COLUMNS = ["Solicitud", "Debe actuar", "Vence", "Plazo", "Etapa", "Título", "Unidad",
           "Procedimiento", "Desde"]
# Narrow first columns: at 1366 px the first four show without scrolling sideways.
CONFIG = {
    "Solicitud": st.column_config.TextColumn(width=115),
    "Debe actuar": st.column_config.TextColumn(width=230),
    "Vence": st.column_config.TextColumn(width=90),
    "Plazo": st.column_config.TextColumn(width=150),
    "Etapa": st.column_config.TextColumn(width=200),
    "Título": st.column_config.TextColumn(width=260),
    "Unidad": st.column_config.TextColumn(width=70),
    "Procedimiento": st.column_config.TextColumn(width=70),
    "Desde": st.column_config.TextColumn(width=130),
}


def request_frame(items: list[InboxItem]) -> pd.DataFrame:
    rows = []
    for item in items:
        state = item.state
        row = state.stage_row
        rows.append({
            "Solicitud": state.request.request_id,
            "Debe actuar": item.must_act if state.is_open else formats.NOTHING,
            "Vence": formats.day(item.due.due) if state.is_open else formats.NOTHING,
            "Plazo": item.due.label if state.is_open else state.status.label,
            "Etapa": f"{row.number} · {row.activity}" if row else state.status.label,
            "Título": state.request.title,
            "Unidad": state.request.unit,
            "Procedimiento": str(state.procedure.number),
            "Desde": formats.stamp(state.stage_started_at),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def instruction_frame(ledger: Ledger, found: list[Instruction]) -> pd.DataFrame:
    """Instructions recorded in someone's name (core.services.instructions)."""
    return pd.DataFrame([{
        "Fecha": formats.stamp(i.at), "Registró": formats.person(ledger, i.recorded_by),
        "Vía": i.route_label, "Qué": i.what, "Solicitud u orden": i.subject,
        "Comentario": i.comment or formats.NOTHING,
    } for i in found], columns=["Fecha", "Registró", "Vía", "Qué", "Solicitud u orden",
                                "Comentario"])
