"""Auditoría: verify the events' hash chain, list what was changed by hand, acknowledge it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.adapters.exports.tables import to_csv_bytes, to_xlsx_bytes
from core.domain.models import Event
from core.domain.permissions import Capability
from core.services import audit
from ui import caches, material_views, session

user = session.require_user()
session.show_flash()
repo = session.repository()
ledger = session.ledger()
events_tab = ledger.naming.tab(Event)

st.title("Auditoría")
st.caption(f"Cada fila de «{events_tab}» lleva un hash encadenado con la fila anterior. Aquí se "
           "verifica la cadena completa y se muestra toda fila modificada, eliminada, "
           "insertada o movida a mano desde que la aplicación la escribió.")

full = st.button("Verificar de nuevo todo el registro", key="audit_full")
monitor = caches.monitor(repo)
with st.spinner("Verificando la cadena…"):
    report = audit.check(monitor, ledger, full=full)

pending_keys = {f.key for f in report.pending}
left, middle, right = st.columns(3)
left.metric("Filas verificadas", f"{report.rows:,}".replace(",", "."))
middle.metric("Hallazgos", len(report.findings))
right.metric("Sin revisar", len(report.pending))

if report.intact:
    st.success(f"La cadena está intacta: ninguna de las {report.rows} filas de «{events_tab}» "
               "fue modificada, eliminada, insertada ni movida a mano.")
elif not report.pending:  # while some are pending, the app's banner says so above
    st.info("Todos los hallazgos fueron revisados (ver acuses abajo).")
if report.incomplete:
    st.warning("Hay tantas filas alteradas que no se buscó explicación para todas: las "
               "filas se listan igual, algunas sin el valor original o la causa.")

with st.expander("Qué puede y qué no puede saber esta verificación"):
    st.markdown(
        "- **Insertada** y **movida** son seguras: una fila posterior se encadena saltando "
        "la fila, o con otra que no es la de arriba.\n"
        "- **Modificada** con valor original: se probó el valor anterior de una celda "
        "(usuario, acción, etapa, secuencia, fecha, un texto vaciado…) y el hash coincidió: "
        "es exacto.\n"
        "- Cuando cambió un texto libre o más de una celda, el hash **no** dice qué celda "
        "cambió ni su valor anterior, y tampoco distingue entre *modificar esta fila* y "
        "*eliminar las filas justo encima*. Se muestran como pistas las columnas que no "
        "concuerdan con los demás eventos del mismo objeto y, si a una solicitud le falta "
        "un número de secuencia, se concluye que se eliminaron filas.\n"
        "- Eliminar filas **al final** no deja rastro en la cadena: solo se nota si la "
        "aplicación ya había leído esas filas.\n"
        "- El hash no tiene clave secreta: quien conozca el método podría recalcular toda la "
        "cadena. Anote fuera del libro la cabeza de la cadena que figura abajo; si más "
        "tarde ya no aparece en el registro, la historia fue reescrita.")

if report.findings:
    frame = pd.DataFrame([{
        "Fila": f.row,
        "Hallazgo": f.kind.label,
        "Seguro": "sí" if f.certain else "no",
        "Evento": f.event_id,
        "Columnas": ", ".join(f.columns),
        "Valor original": "; ".join(f"{c.column}: {c.before}" for c in f.changes),
        "Valor actual": "; ".join(f"{c.column}: {c.now}" for c in f.changes),
        "Detalle": f.detail,
        "Evidencia": " ".join(f.evidence),
        "Estado": "Sin revisar" if f.key in pending_keys else "Revisado",
    } for f in report.findings])
    st.subheader("Hallazgos")
    st.dataframe(frame, hide_index=True, width="stretch", key="audit_findings")

may_acknowledge = session.permissions().can(user, Capability.ACKNOWLEDGE_AUDIT)
if report.pending and may_acknowledge:
    st.subheader("Acusar recibo")
    st.caption("El acuse queda como un evento del registro, con su comentario y la cabeza "
               "de la cadena revisada. Una manipulación posterior vuelve a mostrar el aviso.")
    comment = st.text_area("Comentario: qué se revisó y qué se hizo", key="audit_comment")
    keys = [f.key for f in report.pending]
    clicked = st.button(f"Acusar recibo de {len(keys)} hallazgo(s)", key="audit_ack",
                        type="primary")
    if clicked and session.run(
            lambda: audit.acknowledge(repo, user.username, comment, keys, session.now(),
                                      anchors=monitor.anchors()),
            "Acuse registrado: los hallazgos quedan como revisados."):
        st.rerun()
elif report.pending:
    st.info("Solo la Dirección Ejecutiva o la Jefatura de la UGS pueden acusar recibo.")

if report.acknowledgements:
    st.subheader("Acuses de recibo")
    st.dataframe(pd.DataFrame([{
        "Fila": a.row, "Fecha": a.at, "Usuario": a.actor, "Rol": a.role,
        "Comentario": a.comment, "Hallazgos": len(a.keys), "Filas revisadas": a.rows,
        "Cabeza de la cadena": a.head_hash[:16] + "…",
    } for a in report.acknowledgements]), hide_index=True, width="stretch",
        key="audit_acks")

material_views.audit_section()

st.subheader("Cabeza de la cadena")
st.caption(f"Hash de la última fila (fila {report.head_row}, {report.rows} filas). Anótelo "
           "fuera del libro para poder comprobar más adelante que nadie reescribió la historia.")
st.code(report.head_hash or "—", language=None)

st.subheader("Descargar el registro de eventos")
events = ledger.stored(Event)


def events_frame() -> pd.DataFrame:
    if events is None:
        return pd.DataFrame()
    width = len(events.header)
    return pd.DataFrame(
        [[str(i + 2), *(list(cells) + [""] * (width - len(cells)))[:width]]
         for i, cells in enumerate(events.rows) if any(c.strip() for c in cells)],
        columns=["fila", *events.header])


stamp = session.now().strftime("%Y%m%d-%H%M")
left, right = st.columns(2)
left.download_button("Descargar CSV", lambda: to_csv_bytes(events_frame()),
                     file_name=f"{events_tab}-{stamp}.csv", mime="text/csv", key="audit_csv")
right.download_button(
    "Descargar Excel", lambda: to_xlsx_bytes(events_frame(), events_tab),
    file_name=f"{events_tab}-{stamp}.xlsx", key="audit_xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
