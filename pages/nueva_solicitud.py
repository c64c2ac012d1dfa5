"""Nueva solicitud: the insumos of section 9 of the manual; registering completes stage 1.

The requesting unit is asked explicitly wherever the registrant is not that unit (the DE
for a promotion, the professional for designed images); the DE's instruction received
verbally, by phone, note or message may be registered in her name by the UGS head.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.domain.models import MAX_CELL_CHARS, Product
from core.domain.workflow import ROUTES
from core.services import requests as services
from ui import material_views, session

user = session.require_user()
session.show_flash()
ledger = session.ledger()
today = session.now().date()

st.title("Nueva solicitud")
own = services.creatable_procedures(ledger, user)
for_others = services.recordable_procedures(ledger, user)
numbers = sorted(set(own) | set(for_others))
if not numbers:
    st.info("Su rol no inicia ninguno de los procedimientos 1 a 3.")
    st.stop()
procedures = {n: ledger.procedures.current(n) for n in numbers}
procedure_number = st.selectbox(
    "Tipo de publicación", numbers, key="new_procedure",
    format_func=lambda n: f"{n} · {procedures[n].name}")
procedure = procedures[procedure_number]
first = procedure.stage(1)
st.markdown(f"Etapa 1 ({first.clause}): {first.activity}. Instrumento: {first.instrument}.")
on_behalf = procedure_number not in own
explicit = on_behalf or services.unit_is_explicit(ledger, user, procedure_number)
units = {code: unit.name for code, unit in ledger.units.items() if unit.active}

with st.form("new_request", clear_on_submit=False):
    principal, route = None, ""
    if on_behalf:
        people = {u.username: u.full_name for u in services.principals(ledger, procedure)}
        st.info("Usted registra esta solicitud en nombre de quien la pidió (instrucción "
                "verbal, llamada, nota o mensaje): queda a su nombre, se guarda quién la "
                "registró y por qué vía, y esa persona recibe aviso.")
        principal = st.selectbox("En nombre de", list(people), format_func=people.__getitem__,
                                 key="new_principal")
        route = st.selectbox("Vía por la que llegó", list(ROUTES), index=None,
                             format_func=ROUTES.__getitem__, key="new_route",
                             placeholder="Elija cómo llegó la instrucción") or ""
    title = st.text_input("Título", key="new_title", max_chars=MAX_CELL_CHARS)
    objective = st.text_area("Objetivo", key="new_objective", max_chars=MAX_CELL_CHARS)
    summary = st.text_area("Resumen", key="new_summary", max_chars=MAX_CELL_CHARS)
    if explicit:
        unit = st.selectbox("Unidad solicitante (la que pide la publicación)", list(units),
                            index=None, key="new_unit",
                            format_func=lambda code: f"{code} · {units[code]}",
                            placeholder="Elija la unidad que pide la publicación")
    else:
        st.text_input("Unidad solicitante", value=f"{user.unit} · {units.get(user.unit, '')}",
                      disabled=True, key="new_unit_fixed")
        unit = user.unit
    links = st.text_area("Fotos, capturas o enlaces (uno por línea)", key="new_links")
    left, right = st.columns(2)
    publish_from = left.date_input("Publicar desde", value=today, min_value=today,
                                   key="new_from", format="DD/MM/YYYY")
    publish_to = right.date_input("Publicar hasta", value=today + timedelta(days=30),
                                  min_value=today, key="new_to", format="DD/MM/YYYY")
    protected = st.checkbox("Contenido protegido por norma (lo aprueba el Comité)",
                            key="new_protected")
    reference = st.text_input("Referencia (Plan de Promoción, Nota Interna o Informe Técnico)",
                              key="new_reference")
    product_col, promotion_col = st.columns(2)
    product = product_col.selectbox("Producto (sección 10)", [None, *Product], key="new_product",
                                    format_func=lambda p: p.label if p else "—")
    promotion = promotion_col.number_input(
        "Promoción pagada en Bs (opcional; la aprueba la DE, 7.1)", min_value=0.0, value=None,
        step=100.0, key="new_promotion")
    schedule = {}
    if first.records_schedule:
        st.markdown("**Cronograma** · fecha de cada etapa «de acuerdo a cronograma»")
        for number in procedure.scheduled_stages():
            stage = procedure.stage(number)
            schedule[number] = st.date_input(
                f"Etapa {number}: {stage.activity[:70]}", value=today + timedelta(days=7),
                min_value=today, key=f"new_schedule_{number}", format="DD/MM/YYYY")
    material_views.registration_composer(first)
    submitted = st.form_submit_button("Registrar solicitud", type="primary")

if submitted:
    request_id = session.run(lambda: services.create_request(
        session.repository(), user.username, {
            "procedure": procedure_number, "title": title, "objective": objective,
            "summary": summary, "unit": unit or "", "links": links,
            "publish_from": publish_from, "publish_to": publish_to, "protected": protected,
            "reference": reference, "schedule": schedule, "product": product,
            "promotion_bs": promotion,
        }, session.now(), material=material_views.registration_submission(first),
        public_url=session.public_url(), on_behalf_of=principal if on_behalf else None,
        route=route))
    if request_id:
        st.session_state["flash"] = f"Solicitud {request_id} registrada."
        st.session_state["request_id"] = request_id
        st.switch_page("pages/solicitud.py")
