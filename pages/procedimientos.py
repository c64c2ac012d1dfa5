"""Procedimientos: each procedure as its table and its flow diagram; drafts of new versions.

Everyone may read the procedures. The Jefatura de la UGS edits a draft of the next version
(here, or in the sheet's tab with estado «borrador»), sees it validated, and publishes it:
new requests take it, requests in flight keep the version they started with.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import ProcedureTableRow
from core.domain.permissions import Capability
from core.services import procedure_versions as procedure_admin
from ui import session
from ui.formats import show_table

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
    show_table(pd.DataFrame(procedure_admin.table_view(procedure)), hide_index=True,
                 width="stretch", key="proc_table")

# -- drafts ----------------------------------------------------------------------------------
st.divider()
st.subheader("Nueva versión")
draft = procedure_admin.draft_of(ledger, number)
manager = session.permissions().can(user, Capability.MANAGE_PROCEDURES)
if not manager:
    if draft is not None:
        st.info(f"Hay un borrador de la versión {draft.version} en preparación por la "
                "Jefatura de la UGS.")
    else:
        st.caption("La Jefatura de la UGS prepara y publica las nuevas versiones (manual, "
                   "sección 8).")
elif draft is None:
    st.caption("Cree un borrador a partir de la versión vigente, edítelo aquí (o en la "
               "pestaña «procedimientos» del libro, con estado «borrador») y publíquelo.")
    if st.button(f"Crear borrador de la versión {ledger.procedures.current(number).version + 1}",
                 key="draft_start") and session.run(
            lambda: procedure_admin.start_draft(repo, user.username, number, session.now()),
            "Borrador creado."):
        st.rerun()
    if procedure_admin.tab_is_empty(ledger) and st.button(
            "Copiar los procedimientos vigentes a la pestaña", key="proc_copy") \
            and session.run(lambda: procedure_admin.copy_shipped_to_tab(
                repo, user.username, session.now()), "Procedimientos copiados."):
        st.rerun()
else:
    stored = draft.table()
    st.caption(f"Borrador de la versión {draft.version}. Columnas: responsable (roles), "
               "responsable_protegida (quien actúa si está protegida por norma), plazo "
               "(variable, cronograma o un número de días hábiles), salidas (avanzar, "
               "avanzar:N, comite, devolver:N, rechazar), permite_autoaprobacion (sí/no).")
    name = st.text_input("Nombre del procedimiento", value=draft.name,
                         key=f"draft_name_{number}")
    frame = pd.DataFrame([{c: row[c] for c in procedure_admin.EDITABLE_COLUMNS}
                          for row in stored], columns=list(procedure_admin.EDITABLE_COLUMNS))
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"draft_editor_{number}_{draft.version}")
    rows = [{c: "" if pd.isna(v) else str(v).strip() for c, v in record.items()}
            for record in edited.to_dict("records")]
    candidate = [{"procedimiento": str(number), "nombre": name.strip(),
                  "version": str(draft.version), **row} for row in rows]
    verdict = procedure_admin.validate_draft(ledger, number, candidate)
    unsaved = [r for r in rows if any(r.values())] != [
        {c: s[c] for c in procedure_admin.EDITABLE_COLUMNS} for s in stored
    ] or name.strip() != draft.name
    for error in verdict.errors:
        st.error(error)
    for warning in verdict.warnings:
        st.warning(warning)
    if verdict.ok:
        st.success("El borrador es válido.")
        assert verdict.procedure is not None
        with st.expander("Diagrama del borrador"):
            st.graphviz_chart(procedure_admin.flow_dot(verdict.procedure), width="stretch")
    save, publish, discard = st.columns(3)
    if save.button("Guardar borrador", key="draft_save", disabled=not unsaved) and session.run(
            lambda: procedure_admin.save_draft(repo, user.username, number, rows,
                                               session.now(), name=name),
            "Borrador guardado."):
        st.rerun()
    if unsaved:
        st.caption("Hay cambios sin guardar: guarde el borrador antes de publicarlo.")
    note = st.text_input("Motivo de la nueva versión (p. ej. revisión del manual)",
                         key="draft_note")
    if publish.button(f"Publicar versión {draft.version}", key="draft_publish",
                      type="primary", disabled=unsaved) and session.run(
            lambda: procedure_admin.publish_draft(repo, user.username, number, session.now(),
                                                  comment=note),
            f"Versión {draft.version} publicada: rige para las solicitudes nuevas."):
        st.rerun()
    if discard.button("Descartar borrador", key="draft_discard") and session.run(
            lambda: procedure_admin.discard_draft(repo, user.username, number, session.now())
            or True,
            "Borrador descartado."):
        st.rerun()

events = procedure_admin.procedure_events(ledger, number)
if events:
    st.subheader("Historial de versiones")
    show_table(pd.DataFrame([{
        "Fecha": e.at, "Acción": e.outcome, "Por": e.actor,
        "Versión": e.payload().get("version", ""), "Comentario": e.comment,
    } for e in events]), hide_index=True, width="stretch", key="proc_history")
