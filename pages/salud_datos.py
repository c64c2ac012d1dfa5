"""Salud de datos: every row of every tab that fails validation, and how to fix it.

Bad rows are never changed or dropped by the app: they are left as they are, not used,
and listed here until a person fixes them in the sheet.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import Event
from core.services.audit import repair_hint
from ui import material_views, session

user = session.require_user()
ledger = session.ledger()

st.title("Salud de datos")
st.caption("Filas del libro que no pasan la validación. La aplicación no las modifica ni "
           "las borra: no las usa hasta que alguien las corrija en la hoja.")

issues = ledger.issues
missing = {ledger.naming.tab(kind): tab.missing_columns for kind, tab in ledger.tabs.items()}
events_tab = ledger.naming.tab(Event)

if not issues:
    st.success("Todas las filas de todas las pestañas pasan la validación.")
else:
    by_tab: dict[str, list] = {}
    for issue in issues:
        by_tab.setdefault(issue.tab, []).append(issue)
    st.metric("Problemas", len(issues))
    tabs = st.multiselect("Pestañas", sorted(by_tab), default=sorted(by_tab),
                          format_func=lambda t: f"{t} ({len(by_tab[t])})", key="health_tabs")
    search = st.text_input("Buscar en columna, valor o motivo", key="health_search")
    needle = search.strip().lower()
    if any(i.tab == events_tab for i in issues):
        st.info(f"«{events_tab}» no se corrige editando filas: cada cambio rompe la cadena de "
                "hashes. Revise la página Auditoría.")
    shown = 0
    for tab in tabs:
        rows = [i for i in by_tab[tab]
                if not needle or needle in f"{i.column} {i.value} {i.reason}".lower()]
        if not rows:
            continue
        shown += len(rows)
        st.subheader(f"«{tab}» · {len(rows)} problema(s)")
        st.dataframe(pd.DataFrame([{
            "Fila": i.row,
            "Columna": i.column or "—",
            "Valor": i.value[:300],
            "Motivo": i.reason,
            "Cómo corregirlo": repair_hint(i, missing.get(tab, ())),
        } for i in sorted(rows, key=lambda i: (i.row, i.column))]),
            hide_index=True, width="stretch", key=f"health_{tab}")
    if not shown:
        st.info("Ningún problema coincide con el filtro.")

material_views.orphans_section()
