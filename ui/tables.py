"""Tables of requests as pandas frames, for st.dataframe (which renders cells as text)."""

from __future__ import annotations

import pandas as pd

from core.services.requests import InboxItem


def request_frame(items: list[InboxItem]) -> pd.DataFrame:
    rows = []
    for item in items:
        state = item.state
        row = state.stage_row
        rows.append({
            "Solicitud": state.request.request_id,
            "Título": state.request.title,
            "Procedimiento": f"{state.procedure.number} · {state.procedure.name}",
            "Unidad": state.request.unit,
            "Etapa": f"{row.number} · {row.activity}" if row else state.status.label,
            "Debe actuar": item.must_act,
            "Desde": state.stage_started_at,
            "Vence": item.due.due,
            "Plazo": item.due.label if state.is_open else state.status.label,
        })
    return pd.DataFrame(rows, columns=["Solicitud", "Título", "Procedimiento", "Unidad", "Etapa",
                                       "Debe actuar", "Desde", "Vence", "Plazo"])
