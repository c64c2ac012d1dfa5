"""The views of «Procedimientos» (pages/procedimientos.py stays a thin page): the draft
editor of the Jefatura de la UGS, the Dirección Ejecutiva's approval, the Cuadro de
revisión and the history. Rules live in core.services.procedure_versions.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.ledger import Ledger
from core.domain.models import User
from core.domain.permissions import Capability
from core.domain.ports import Repository
from core.services import procedure_versions as procedure_admin
from ui import session


def draft_section(repo: Repository, ledger: Ledger, user: User, number: int) -> None:
    st.subheader("Nueva versión")
    draft = procedure_admin.draft_of(ledger, number)
    manager = ledger.permissions.can(user, Capability.MANAGE_PROCEDURES)
    approver = ledger.permissions.can(user, Capability.APPROVE_PROCEDURES)
    sent = procedure_admin.pending_submission(ledger, number)
    if sent is not None:
        st.info(session.md_escape(
            f"La versión {sent.version} fue enviada a la Dirección Ejecutiva el "
            f"{sent.at:%d/%m/%Y %H:%M} por {sent.reviewed_by}: «{sent.description}». "
            "Espera su aprobación."))
    if draft is None:
        if not manager:
            st.caption("La Jefatura de la UGS revisa los procedimientos y envía cada nueva "
                       "versión a la Dirección Ejecutiva, que la aprueba (manual, sección 8).")
            return
        st.caption("Cree un borrador a partir de la versión vigente, edítelo aquí (o en la "
                   "pestaña «procedimientos» del libro, con estado «borrador») y envíelo a la "
                   "Dirección Ejecutiva para su aprobación.")
        version = ledger.procedures.current(number).version + 1
        if st.button(f"Crear borrador de la versión {version}", key="draft_start") and \
                session.run(lambda: procedure_admin.start_draft(repo, user.username, number,
                                                                session.now()),
                            "Borrador creado."):
            st.rerun()
        if procedure_admin.tab_is_empty(ledger) and st.button(
                "Copiar los procedimientos vigentes a la pestaña", key="proc_copy") \
                and session.run(lambda: procedure_admin.copy_shipped_to_tab(
                    repo, user.username, session.now()), "Procedimientos copiados."):
            st.rerun()
        return
    if manager:
        editor(repo, ledger, user, number, draft, sent is not None)
    elif draft is not None and sent is None:
        st.info(f"Hay un borrador de la versión {draft.version} en preparación por la "
                "Jefatura de la UGS.")
    if approver and sent is not None:
        approval(repo, ledger, user, number, draft)


def editor(repo: Repository, ledger: Ledger, user: User, number: int,
           draft: procedure_admin.Draft, sent: bool) -> None:
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
    save, send, discard = st.columns(3)
    if save.button("Guardar borrador", key="draft_save", disabled=not unsaved) and session.run(
            lambda: procedure_admin.save_draft(repo, user.username, number, rows,
                                               session.now(), name=name),
            "Borrador guardado."):
        st.rerun()
    if unsaved:
        st.caption("Hay cambios sin guardar: guarde el borrador antes de enviarlo.")
    description = st.text_area("Descripción del cambio (va al Cuadro de revisión)",
                               key="draft_note")
    if send.button("Enviar a la Dirección Ejecutiva", key="draft_submit", type="primary",
                   disabled=unsaved or sent) and session.run(
            lambda: procedure_admin.submit_draft(repo, user.username, number, session.now(),
                                                 description=description),
            f"Versión {draft.version} enviada a la Dirección Ejecutiva para su aprobación."):
        st.rerun()
    if discard.button("Descartar borrador", key="draft_discard") and session.run(
            lambda: procedure_admin.discard_draft(repo, user.username, number, session.now())
            or True, "Borrador descartado."):
        st.rerun()


def approval(repo: Repository, ledger: Ledger, user: User, number: int,
             draft: procedure_admin.Draft | None) -> None:
    """The DE's decision on the version the UGS sent."""
    st.markdown("**Aprobación de la Dirección Ejecutiva**")
    if draft is not None and not ledger.permissions.can(user, Capability.MANAGE_PROCEDURES):
        st.dataframe(pd.DataFrame(draft.table()), hide_index=True, width="stretch",
                     key="draft_review_table")
    resolution = st.text_input("Resolución administrativa que aprueba el cambio",
                               key="draft_resolution", placeholder="RA ADSIB N° …/2026")
    comment = st.text_area("Observaciones (obligatorias para devolver)", key="draft_comment")
    approve, back = st.columns(2)
    if approve.button("Aprobar y publicar", key="draft_approve", type="primary") and \
            session.run(lambda: procedure_admin.approve_draft(
                repo, user.username, number, session.now(), resolution=resolution,
                comment=comment), "Versión aprobada: rige para las solicitudes nuevas."):
        st.rerun()
    if back.button("Devolver a la UGS", key="draft_return") and session.run(
            lambda: procedure_admin.return_draft(repo, user.username, number, session.now(),
                                                 comment) or True,
            "Versión devuelta a la Jefatura de la UGS con observaciones."):
        st.rerun()


def revision_table(ledger: Ledger) -> None:
    st.subheader("Cuadro de revisión")
    st.dataframe(pd.DataFrame([{
        "Versión": r.version,
        "Fecha de revisión": f"{r.reviewed_on:%d/%m/%Y}" if r.reviewed_on else "",
        "Descripción del cambio": r.description, "Revisado por": r.reviewed_by,
        "Aprobado por": r.approved_by, "Res. Adm.": r.resolution,
        "Fecha de aprobación": f"{r.approved_on:%d/%m/%Y}" if r.approved_on else "",
    } for r in procedure_admin.revision_table(ledger)]), hide_index=True, width="stretch",
        key="proc_revisions")


def history(ledger: Ledger, number: int) -> None:
    events = procedure_admin.procedure_events(ledger, number)
    if not events:
        return
    st.subheader("Historial de versiones")
    st.dataframe(pd.DataFrame([{
        "Fecha": e.at, "Acción": e.outcome, "Por": e.actor,
        "Versión": e.payload().get("version", ""), "Comentario": e.comment,
    } for e in events]), hide_index=True, width="stretch", key="proc_history")
