"""Procedimientos: each procedure as its table and its flow diagram; drafts of new versions.

Everyone may read the procedures. The Jefatura de la UGS edits a draft of the next version
(here, or in the sheet's tab with estado «borrador»), sees it validated and sends it to
the Dirección Ejecutiva, who approves it with the administrative resolution (Cuadro de
revisión): new requests take it, requests in flight keep the version they started with.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import ProcedureTableRow
from core.services import procedure_versions as procedure_admin
from ui import procedure_views, session

user = session.require_user()
session.show_flash()
repo = session.repository()
ledger = session.ledger()

st.title("Procedimientos")
st.caption("Manual ADSIB-INST-MPROC-12, sección 12. Cada etapa conserva la cláusula del "
           "manual de la que viene; las interpretaciones están marcadas como tales.")

problems = [i for i in ledger.issues if i.tab == ledger.naming.tab(ProcedureTableRow)]
for problem in problems:
    st.warning(session.md_escape(problem.message()))

numbers = ledger.procedures.numbers()
number = st.selectbox("Procedimiento", numbers, key="proc_pick",
                      format_func=lambda n: f"{n} · {ledger.procedures.current(n).name}")
found = procedure_admin.versions(ledger, number)
info = st.selectbox("Versión", found, key=f"proc_version_{number}",
                    format_func=lambda v: v.label)
procedure = info.procedure
left, middle, right = st.columns(3)
left.metric("Etapas", procedure.last_stage)
middle.metric("Solicitudes con esta versión", info.requests)
right.metric("Origen", info.source)

diagram, table = st.tabs(["Diagrama", "Tabla"])
with diagram:
    st.graphviz_chart(procedure_admin.flow_dot(procedure), width="stretch")
    st.caption("Flechas: negra = avanzar; violeta discontinua = derivar al Comité (protegida "
               "por norma); naranja discontinua = devolver; roja = rechazar.")
with table:
    st.dataframe(pd.DataFrame(procedure_admin.table_view(procedure)), hide_index=True,
                 width="stretch", key="proc_table")

st.divider()
procedure_views.draft_section(repo, ledger, user, number)
procedure_views.revision_table(ledger)
procedure_views.history(ledger, number)
